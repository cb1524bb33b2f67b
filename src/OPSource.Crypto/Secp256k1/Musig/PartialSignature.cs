namespace OPSource.Crypto.Secp256k1.Musig;

/// <summary>A BIP327 partial signature: a 32-byte scalar s_i below the group order.</summary>
public readonly struct PartialSignature : IEquatable<PartialSignature>
{
    /// <summary>Serialized size in bytes.</summary>
    public const int Size = 32;

    internal PartialSignature(in Scalar s) => S = s;

    internal Scalar S { get; }

    /// <summary>Parses 32 bytes; false when the value is not below n (BIP327 PartialSigVerify/PartialSigAgg).</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out PartialSignature signature)
    {
        signature = default;
        if (data.Length != Size || !Scalar.TryCreate(data, out var s))
        {
            return false;
        }

        signature = new PartialSignature(s);
        return true;
    }

    /// <summary>Parses the partial signature received from <paramref name="signer"/>.</summary>
    /// <exception cref="InvalidContributionException">Not 32 bytes or not below n; names the signer.</exception>
    public static PartialSignature Parse(ReadOnlySpan<byte> data, int? signer = null) =>
        TryParse(data, out var signature) ? signature : throw new InvalidContributionException(signer, MusigContribution.PartialSignature);

    /// <summary>Parses a hex-encoded partial signature.</summary>
    public static PartialSignature Parse(string hex, int? signer = null)
    {
        ArgumentNullException.ThrowIfNull(hex);
        return Parse(Convert.FromHexString(hex), signer);
    }

    /// <summary>Writes the 32-byte big-endian encoding.</summary>
    public void WriteTo(Span<byte> destination) => S.WriteTo(destination);

    /// <summary>The 32-byte encoding as a new array.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        S.WriteTo(bytes);
        return bytes;
    }

    /// <summary>Lowercase hex (public data).</summary>
    public override string ToString() => Convert.ToHexStringLower(ToArray());

    /// <inheritdoc/>
    public bool Equals(PartialSignature other) => S == other.S;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PartialSignature other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.AddBytes(ToArray());
        return hash.ToHashCode();
    }

    /// <summary>Value equality.</summary>
    public static bool operator ==(PartialSignature left, PartialSignature right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(PartialSignature left, PartialSignature right) => !left.Equals(right);
}
