namespace OPSource.Crypto.Secp256k1;

/// <summary>An ECDSA signature with the recovery id (0..3) that lets the public key be recovered.</summary>
public readonly struct RecoverableSignature : IEquatable<RecoverableSignature>
{
    internal RecoverableSignature(in Scalar r, in Scalar s, int recoveryId)
    {
        R = r;
        S = s;
        RecoveryId = recoveryId;
    }

    internal Scalar R { get; }

    internal Scalar S { get; }

    /// <summary>Bit 0: R.y odd; bit 1: R.x overflowed n.</summary>
    public int RecoveryId { get; }

    /// <summary>libsecp ecdsa_recoverable_signature_parse_compact: r, s &lt; n and 0 &lt;= recid &lt;= 3.</summary>
    public static bool TryParseCompact(ReadOnlySpan<byte> sig64, int recoveryId, out RecoverableSignature signature)
    {
        signature = default;
        if (sig64.Length != 64 || recoveryId is < 0 or > 3 ||
            !Scalar.TryCreate(sig64[..32], out Scalar r) || !Scalar.TryCreate(sig64[32..], out Scalar s))
        {
            return false;
        }

        signature = new RecoverableSignature(r, s, recoveryId);
        return true;
    }

    /// <summary>Writes r || s and returns the recovery id.</summary>
    public void WriteCompact(Span<byte> destination64, out int recoveryId)
    {
        R.WriteTo(destination64[..32]);
        S.WriteTo(destination64.Slice(32, 32));
        recoveryId = RecoveryId;
    }

    /// <summary>The plain signature (drops the recovery id).</summary>
    public EcdsaSignature ToSignature() => new(R, S);

    public bool Equals(RecoverableSignature other) => R == other.R && S == other.S && RecoveryId == other.RecoveryId;

    public override bool Equals(object? obj) => obj is RecoverableSignature other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(R.D0, S.D0, RecoveryId);

    public static bool operator ==(RecoverableSignature left, RecoverableSignature right) => left.Equals(right);

    public static bool operator !=(RecoverableSignature left, RecoverableSignature right) => !left.Equals(right);

    public override string ToString()
    {
        Span<byte> b = stackalloc byte[64];
        WriteCompact(b, out int id);
        return Convert.ToHexStringLower(b) + ":" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
