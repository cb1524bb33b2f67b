using System.Security.Cryptography;

namespace OPSource.Crypto.Secp256k1;

/// <summary>
/// BIP340 operations with a nonce chosen in advance, as a dlcspecs oracle needs (Oracle.md: the oracle
/// publishes R in its announcement and later signs with it). Byte-identical to libsecp256k1's
/// <c>schnorrsig_sign_custom</c> with a constant nonce function (rust-dlc's <c>schnorrsig_sign_with_nonce</c>).
/// </summary>
public static partial class Schnorr
{
    /// <summary>
    /// BIP340 signature over <paramref name="message"/> using the secret nonce <paramref name="nonce"/>
    /// instead of the BIP340 nonce derivation. Constant time in the key and the nonce.
    /// </summary>
    /// <remarks>
    /// Signing two different messages with the same nonce reveals the key: callers must use each nonce once.
    /// </remarks>
    public static void SignWithNonce(SecretKey key, SecretKey nonce, ReadOnlySpan<byte> message, Span<byte> signature64)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(nonce);
        if (signature64.Length < SignatureSize)
        {
            throw new ArgumentException("schnorr: signature buffer must hold 64 bytes", nameof(signature64));
        }

        GroupElement p = key.PublicKey.Point;
        // BIP340: d = d' if has_even_y(P) else n - d'.
        Scalar d = key.Scalar.ConditionalNegate(!p.HasEvenY);
        GroupElement r = nonce.PublicKey.Point;
        // BIP340: k = k' if has_even_y(R) else n - k'.
        Scalar k = nonce.Scalar.ConditionalNegate(!r.HasEvenY);

        Span<byte> px = stackalloc byte[32];
        Span<byte> rx = stackalloc byte[32];
        Span<byte> e = stackalloc byte[32];
        p.X.WriteTo(px);
        r.X.WriteTo(rx);

        // BIP340: e = int(hash_BIP0340/challenge(bytes(R) || bytes(P) || m)) mod n; sig = bytes(R) || bytes((k + ed) mod n).
        SecpHash.Tagged(SecpHash.TagChallenge, rx, px, message, e);
        Scalar s = k.Add(Scalar.CreateReduced(e).Multiply(d));
        rx.CopyTo(signature64);
        s.WriteTo(signature64.Slice(32, 32));
    }

    /// <summary>BIP340 signature with a pre-committed nonce, as a new array.</summary>
    public static byte[] SignWithNonce(SecretKey key, SecretKey nonce, ReadOnlySpan<byte> message)
    {
        var sig = new byte[SignatureSize];
        SignWithNonce(key, nonce, message, sig);
        return sig;
    }

    /// <summary>
    /// The point s·G of the BIP340 signature that <paramref name="key"/> will make over
    /// <paramref name="message"/> with nonce <paramref name="nonce"/>: R + e·P with
    /// e = hash_BIP0340/challenge(R ‖ P ‖ m) (dlcspecs' "signature point", the adaptor point of a CET).
    /// Variable time: inputs are public.
    /// </summary>
    /// <exception cref="CryptographicException">The sum is the point at infinity (negligible probability).</exception>
    public static PublicKey ComputeSignaturePointVariable(in XOnlyPublicKey key, in XOnlyPublicKey nonce, ReadOnlySpan<byte> message)
    {
        GroupElement p = key.Point;
        GroupElement r = nonce.Point;
        Span<byte> px = stackalloc byte[32];
        Span<byte> rx = stackalloc byte[32];
        Span<byte> e = stackalloc byte[32];
        p.X.WriteTo(px);
        r.X.WriteTo(rx);
        SecpHash.Tagged(SecpHash.TagChallenge, rx, px, message, e);
        JacobianPoint ep = EcMult.MultiplyAddVariable(p, Scalar.CreateReduced(e), Scalar.Zero);
        JacobianPoint sum = ep.AddVariable(r);
        if (sum.IsInfinity)
        {
            throw new CryptographicException("schnorr: signature point is the point at infinity");
        }

        return new PublicKey(sum.ToAffineVariable());
    }
}
