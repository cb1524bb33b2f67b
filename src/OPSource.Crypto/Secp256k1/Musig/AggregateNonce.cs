namespace OPSource.Crypto.Secp256k1.Musig;

/// <summary>
/// BIP327 aggregate nonce: cbytes_ext(R1) || cbytes_ext(R2), 66 bytes, where either half may be
/// the point at infinity (encoded as 33 zero bytes). Produced by <see cref="Aggregate(IReadOnlyList{PublicNonce})"/> or
/// received from an (untrusted) coordinator via <see cref="Parse(ReadOnlySpan{byte})"/>.
/// </summary>
public sealed class AggregateNonce : IEquatable<AggregateNonce>
{
    /// <summary>Serialized size in bytes.</summary>
    public const int Size = 66;

    private readonly byte[] _bytes;

    private AggregateNonce(byte[] bytes, GroupElement r1, GroupElement r2)
    {
        _bytes = bytes;
        R1 = r1;
        R2 = r2;
    }

    internal GroupElement R1 { get; }

    internal GroupElement R2 { get; }

    internal ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>
    /// BIP327 NonceAgg: sums the signers' nonces half by half. Inputs are already validated
    /// <see cref="PublicNonce"/>s, so this cannot fail on the inputs' contents.
    /// </summary>
    public static AggregateNonce Aggregate(IReadOnlyList<PublicNonce> publicNonces)
    {
        ArgumentNullException.ThrowIfNull(publicNonces);
        if (publicNonces.Count == 0)
        {
            throw new ArgumentException("musig: at least one public nonce is required", nameof(publicNonces));
        }

        var r1 = JacobianPoint.Infinity;
        var r2 = JacobianPoint.Infinity;
        for (var i = 0; i < publicNonces.Count; i++)
        {
            var nonce = publicNonces[i] ?? throw new ArgumentException($"musig: public nonce {i} is null", nameof(publicNonces));
            // BIP327 NonceAgg: R_j = R_1,j + ... + R_u,j.
            r1 = r1.AddVariable(nonce.R1);
            r2 = r2.AddVariable(nonce.R2);
        }

        return FromPoints(r1.ToAffineVariable(), r2.ToAffineVariable());
    }

    /// <summary>
    /// BIP327 NonceAgg over encoded nonces, blaming the first signer whose nonce is malformed.
    /// </summary>
    /// <exception cref="InvalidContributionException">Signer i's nonce is invalid.</exception>
    public static AggregateNonce Aggregate(IReadOnlyList<ReadOnlyMemory<byte>> encodedNonces)
    {
        ArgumentNullException.ThrowIfNull(encodedNonces);
        var parsed = new PublicNonce[encodedNonces.Count];
        for (var i = 0; i < parsed.Length; i++)
        {
            parsed[i] = PublicNonce.Parse(encodedNonces[i].Span, i);
        }

        return Aggregate(parsed);
    }

    /// <summary>Parses a 66-byte aggregate nonce; false when a half is neither a point nor 33 zero bytes.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AggregateNonce? nonce)
    {
        nonce = null;
        // BIP327 GetSessionValues: R'_j = cpoint_ext(aggnonce[(j-1)*33 : j*33]).
        if (data.Length != Size
            || !CurveOps.TryCPointExt(data[..33], out var r1)
            || !CurveOps.TryCPointExt(data[33..], out var r2))
        {
            return false;
        }

        nonce = new AggregateNonce(data.ToArray(), r1, r2);
        return true;
    }

    /// <summary>Parses an aggregate nonce.</summary>
    /// <exception cref="InvalidContributionException">Malformed (the culprit is unknown, so no signer is named).</exception>
    public static AggregateNonce Parse(ReadOnlySpan<byte> data) =>
        TryParse(data, out var nonce) ? nonce : throw new InvalidContributionException(null, MusigContribution.AggregateNonce);

    /// <summary>Parses a hex-encoded aggregate nonce.</summary>
    public static AggregateNonce Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        return Parse(Convert.FromHexString(hex));
    }

    internal static AggregateNonce FromPoints(in GroupElement r1, in GroupElement r2)
    {
        var bytes = new byte[Size];
        // BIP327 NonceAgg: aggnonce = cbytes_ext(R_1) || cbytes_ext(R_2).
        CurveOps.WriteCBytesExt(r1, bytes.AsSpan(0, 33));
        CurveOps.WriteCBytesExt(r2, bytes.AsSpan(33, 33));
        return new AggregateNonce(bytes, r1, r2);
    }

    /// <summary>Writes the 66-byte encoding.</summary>
    public void WriteTo(Span<byte> destination) => _bytes.CopyTo(destination);

    /// <summary>The 66-byte encoding as a new array.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();

    /// <summary>The encoding as lowercase hex (public data).</summary>
    public override string ToString() => Convert.ToHexStringLower(_bytes);

    /// <inheritdoc/>
    public bool Equals(AggregateNonce? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as AggregateNonce);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }
}
