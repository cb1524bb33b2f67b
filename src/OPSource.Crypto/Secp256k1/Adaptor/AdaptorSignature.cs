namespace OPSource.Crypto.Secp256k1.Adaptor;

/// <summary>
/// An ECDSA adaptor signature (one-time verifiably encrypted signature, Fournier 2019) as used by
/// DLCs: the signature is encrypted under an encryption key Y and becomes a valid ECDSA signature
/// only with y; publishing that signature then reveals y. Serialized as in secp256k1-zkp's
/// ecdsa_adaptor module (162 bytes): R (33) || R' (33) || s' (32) || DLEQ proof e (32) || s (32).
/// Create with <see cref="EcdsaAdaptor.Encrypt(SecretKey, PublicKey, ReadOnlySpan{byte})"/>.
/// </summary>
public sealed class AdaptorSignature : IEquatable<AdaptorSignature>
{
    /// <summary>Serialized size in bytes.</summary>
    public const int Size = 162;

    private readonly byte[] _bytes;

    private AdaptorSignature(byte[] bytes, GroupElement r, GroupElement rPrime, Scalar sigR, Scalar sPrime, Scalar dleqE, Scalar dleqS)
    {
        _bytes = bytes;
        R = r;
        RPrime = rPrime;
        SigR = sigR;
        SPrime = sPrime;
        DleqE = dleqE;
        DleqS = dleqS;
    }

    /// <summary>R = k*Y: its X coordinate (mod n) is the r of the decrypted ECDSA signature.</summary>
    internal GroupElement R { get; }

    /// <summary>R' = k*G.</summary>
    internal GroupElement RPrime { get; }

    /// <summary>x(R) mod n, never zero.</summary>
    internal Scalar SigR { get; }

    /// <summary>s' = k^-1 (m + r*x), in [1, n).</summary>
    internal Scalar SPrime { get; }

    internal Scalar DleqE { get; }

    internal Scalar DleqS { get; }

    /// <summary>
    /// Parses the 162-byte encoding with secp256k1-zkp's rules: both points valid compressed
    /// points, x(R) mod n non-zero, s' in [1, n), proof s below n (proof e is reduced mod n).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AdaptorSignature? signature)
    {
        signature = null;
        if (data.Length != Size)
        {
            return false;
        }

        // secp256k1-zkp ecdsa_adaptor_sig_deserialize: R must parse as a 33-byte public key.
        if (!TryParsePoint(data[..33], out var r))
        {
            return false;
        }

        // secp256k1-zkp ecdsa_adaptor_sig_deserialize: sigr = x(R) reduced mod n, must be non-zero (x may exceed n).
        var sigR = Scalar.CreateReduced(data[1..33]);
        if (sigR.IsZero)
        {
            return false;
        }

        // secp256k1-zkp ecdsa_adaptor_sig_deserialize: R' must parse as a 33-byte public key.
        if (!TryParsePoint(data[33..66], out var rPrime))
        {
            return false;
        }

        // secp256k1-zkp ecdsa_adaptor_sig_deserialize: s' is parsed like a secret key (non-zero, below n).
        if (!Scalar.TryCreate(data[66..98], out var sPrime) || sPrime.IsZero)
        {
            return false;
        }

        // secp256k1-zkp ecdsa_adaptor_sig_deserialize: the proof's e is reduced, its s must not overflow.
        var dleqE = Scalar.CreateReduced(data[98..130]);
        if (!Scalar.TryCreate(data[130..162], out var dleqS))
        {
            return false;
        }

        signature = new AdaptorSignature(data.ToArray(), r, rPrime, sigR, sPrime, dleqE, dleqS);
        return true;
    }

    /// <summary>Parses the 162-byte encoding.</summary>
    /// <exception cref="FormatException">Names the field that is malformed.</exception>
    public static AdaptorSignature Parse(ReadOnlySpan<byte> data)
    {
        if (TryParse(data, out var signature))
        {
            return signature;
        }

        throw new FormatException(Diagnose(data));
    }

    /// <summary>Parses a hex-encoded adaptor signature.</summary>
    /// <exception cref="FormatException">Not hex, or malformed.</exception>
    public static AdaptorSignature Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        return Parse(Convert.FromHexString(hex));
    }

    internal static AdaptorSignature Create(in GroupElement r, in GroupElement rPrime, in Scalar sPrime, in Scalar dleqE, in Scalar dleqS)
    {
        var bytes = new byte[Size];
        r.WriteCompressed(bytes.AsSpan(0, 33));
        rPrime.WriteCompressed(bytes.AsSpan(33, 33));
        sPrime.WriteTo(bytes.AsSpan(66, 32));
        dleqE.WriteTo(bytes.AsSpan(98, 32));
        dleqS.WriteTo(bytes.AsSpan(130, 32));
        var sigR = Scalar.CreateReduced(bytes.AsSpan(1, 32));
        if (sigR.IsZero || sPrime.IsZero)
        {
            throw new System.Security.Cryptography.CryptographicException("adaptor signature: degenerate signature");
        }

        return new AdaptorSignature(bytes, r, rPrime, sigR, sPrime, dleqE, dleqS);
    }

    /// <summary>
    /// Checks the adaptor signature: the DLEQ proof shows R and R' share the nonce k (R = k*Y,
    /// R' = k*G) and R' = s'^-1 (m*G + r*X), so decrypting with y yields a valid ECDSA signature.
    /// </summary>
    public bool Verify(PublicKey signingKey, ReadOnlySpan<byte> messageHash32, PublicKey encryptionKey) =>
        EcdsaAdaptor.Verify(this, signingKey, messageHash32, encryptionKey);

    /// <summary>Decrypts into an ECDSA signature with the decryption key y (low-s normalized).</summary>
    public EcdsaSignature Decrypt(SecretKey decryptionKey) => EcdsaAdaptor.Decrypt(this, decryptionKey);

    /// <summary>Recovers the decryption key from the published decrypted signature.</summary>
    public bool TryRecover(EcdsaSignature signature, PublicKey encryptionKey, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SecretKey? decryptionKey) =>
        EcdsaAdaptor.TryRecover(this, signature, encryptionKey, out decryptionKey);

    /// <summary>Writes the 162-byte encoding.</summary>
    public void WriteTo(Span<byte> destination) => _bytes.CopyTo(destination);

    /// <summary>The 162-byte encoding as a new array.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();

    /// <summary>Lowercase hex of the encoding (public data).</summary>
    public override string ToString() => Convert.ToHexStringLower(_bytes);

    /// <inheritdoc/>
    public bool Equals(AdaptorSignature? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as AdaptorSignature);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    private static bool TryParsePoint(ReadOnlySpan<byte> data33, out GroupElement point)
    {
        point = GroupElement.Infinity;
        return (data33[0] == 0x02 || data33[0] == 0x03) && GroupElement.TryParse(data33, out point) && !point.IsInfinity;
    }

    private static string Diagnose(ReadOnlySpan<byte> data)
    {
        if (data.Length != Size)
        {
            return $"adaptor signature: expected {Size} bytes, got {data.Length}";
        }

        if (!TryParsePoint(data[..33], out _))
        {
            return "adaptor signature: R is not a valid compressed point";
        }

        if (Scalar.CreateReduced(data[1..33]).IsZero)
        {
            return "adaptor signature: x(R) is zero modulo n";
        }

        if (!TryParsePoint(data[33..66], out _))
        {
            return "adaptor signature: R' is not a valid compressed point";
        }

        if (!Scalar.TryCreate(data[66..98], out var sPrime))
        {
            return "adaptor signature: s' is not below the group order";
        }

        if (sPrime.IsZero)
        {
            return "adaptor signature: s' is zero";
        }

        return "adaptor signature: DLEQ proof s is not below the group order";
    }
}
