namespace OPSource.Crypto.Secp256k1.Musig;

/// <summary>
/// A signer's BIP327 public nonce: cbytes(R1) || cbytes(R2), 66 bytes. Both halves are valid
/// curve points (never infinity); parsing enforces that, so a value of this type can always be
/// aggregated.
/// </summary>
public sealed class PublicNonce : IEquatable<PublicNonce>
{
    /// <summary>Serialized size in bytes.</summary>
    public const int Size = 66;

    private readonly byte[] _bytes;

    private PublicNonce(byte[] bytes, GroupElement r1, GroupElement r2)
    {
        _bytes = bytes;
        R1 = r1;
        R2 = r2;
    }

    internal GroupElement R1 { get; }

    internal GroupElement R2 { get; }

    /// <summary>Parses a 66-byte public nonce; false when either half is not a compressed point.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PublicNonce? nonce)
    {
        nonce = null;
        // BIP327 NonceAgg: R_i,j = cpoint(pubnonce_i[(j-1)*33 : j*33]).
        if (data.Length != Size
            || !CurveOps.TryCPoint(data[..33], out var r1)
            || !CurveOps.TryCPoint(data[33..], out var r2))
        {
            return false;
        }

        nonce = new PublicNonce(data.ToArray(), r1, r2);
        return true;
    }

    /// <summary>Parses the public nonce received from <paramref name="signer"/> (null if unknown).</summary>
    /// <exception cref="InvalidContributionException">The nonce is malformed; names the signer.</exception>
    public static PublicNonce Parse(ReadOnlySpan<byte> data, int? signer = null) =>
        TryParse(data, out var nonce) ? nonce : throw new InvalidContributionException(signer, MusigContribution.PublicNonce);

    /// <summary>Parses a hex-encoded public nonce.</summary>
    /// <exception cref="FormatException">Not hex.</exception>
    /// <exception cref="InvalidContributionException">Not a valid nonce.</exception>
    public static PublicNonce Parse(string hex, int? signer = null)
    {
        ArgumentNullException.ThrowIfNull(hex);
        return Parse(Convert.FromHexString(hex), signer);
    }

    internal static PublicNonce FromPoints(in GroupElement r1, in GroupElement r2)
    {
        var bytes = new byte[Size];
        r1.WriteCompressed(bytes.AsSpan(0, 33));
        r2.WriteCompressed(bytes.AsSpan(33, 33));
        return new PublicNonce(bytes, r1, r2);
    }

    /// <summary>Writes the 66-byte encoding.</summary>
    public void WriteTo(Span<byte> destination) => _bytes.CopyTo(destination);

    /// <summary>The 66-byte encoding as a new array.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();

    /// <summary>The encoding as lowercase hex (public data).</summary>
    public override string ToString() => Convert.ToHexStringLower(_bytes);

    /// <inheritdoc/>
    public bool Equals(PublicNonce? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as PublicNonce);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }
}
