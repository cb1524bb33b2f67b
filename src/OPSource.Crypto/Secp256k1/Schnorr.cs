using System.Security.Cryptography;

namespace OPSource.Crypto.Secp256k1;

/// <summary>BIP340 Schnorr signatures, byte-identical to libsecp256k1's schnorrsig module.</summary>
public static partial class Schnorr
{
    /// <summary>Signature size.</summary>
    public const int SignatureSize = 64;

    /// <summary>
    /// BIP340 signing of a message of any length (libsecp schnorrsig_sign_custom with the BIP340 nonce).
    /// An empty <paramref name="auxRandom32"/> means 32 zero bytes, as libsecp's NULL aux.
    /// </summary>
    public static void Sign(SecretKey key, ReadOnlySpan<byte> message, ReadOnlySpan<byte> auxRandom32, Span<byte> signature64)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!auxRandom32.IsEmpty && auxRandom32.Length != 32)
        {
            throw new ArgumentException("schnorr: aux randomness must be 32 bytes or empty", nameof(auxRandom32));
        }

        if (signature64.Length < SignatureSize)
        {
            throw new ArgumentException("schnorr: signature buffer must hold 64 bytes", nameof(signature64));
        }

        GroupElement p = key.PublicKey.Point;
        // BIP340: d = d' if has_even_y(P) else n - d'.
        Scalar d = key.Scalar.ConditionalNegate(!p.HasEvenY);

        Span<byte> seckey = stackalloc byte[32];
        Span<byte> px = stackalloc byte[32];
        Span<byte> t = stackalloc byte[32];
        Span<byte> rand = stackalloc byte[32];
        Span<byte> rx = stackalloc byte[32];
        Span<byte> e = stackalloc byte[32];
        try
        {
            d.WriteTo(seckey);
            p.X.WriteTo(px);

            // BIP340: t = bytes(d) xor hash_BIP0340/aux(a). For a = 32 zero bytes (or none) the hash is a constant,
            // taken precomputed as libsecp256k1's nonce_function_bip340 does (its ZERO_MASK).
            if (IsZeroAux(auxRandom32))
            {
                SecpHash.ZeroAuxMask.CopyTo(t);
            }
            else
            {
                SecpHash.Tagged(SecpHash.TagAux, auxRandom32, default, default, t);
            }

            for (int i = 0; i < 32; i++)
            {
                t[i] ^= seckey[i];
            }

            // BIP340: rand = hash_BIP0340/nonce(t || bytes(P) || m); k' = int(rand) mod n.
            SecpHash.Tagged(SecpHash.TagNonce, t, px, message, rand);
            Scalar k = Scalar.CreateReduced(rand);
            if (k.IsZero)
            {
                throw new CryptographicException("schnorr: derived nonce is zero");
            }

            GroupElement r = EcMult.MultiplyGenerator(k).ToAffine();
            // BIP340: k = k' if has_even_y(R) else n - k'.
            k = k.ConditionalNegate(!r.HasEvenY);
            r.X.WriteTo(rx);

            // BIP340: e = int(hash_BIP0340/challenge(bytes(R) || bytes(P) || m)) mod n; sig = bytes(R) || bytes((k + ed) mod n).
            SecpHash.Tagged(SecpHash.TagChallenge, rx, px, message, e);
            Scalar es = Scalar.CreateReduced(e);
            Scalar s = k.Add(es.Multiply(d));
            rx.CopyTo(signature64);
            s.WriteTo(signature64.Slice(32, 32));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seckey);
            CryptographicOperations.ZeroMemory(t);
            CryptographicOperations.ZeroMemory(rand);
        }
    }

    /// <summary>Whether aux_rand is absent or all zero, reading every byte (no early exit).</summary>
    private static bool IsZeroAux(ReadOnlySpan<byte> aux)
    {
        int acc = 0;
        foreach (byte b in aux)
        {
            acc |= b;
        }

        return acc == 0;
    }

    /// <summary>BIP340 signature as a new array.</summary>
    public static byte[] Sign(SecretKey key, ReadOnlySpan<byte> message, ReadOnlySpan<byte> auxRandom32)
    {
        var sig = new byte[SignatureSize];
        Sign(key, message, auxRandom32, sig);
        return sig;
    }

    /// <summary>BIP340 verification of a message of any length.</summary>
    public static bool Verify(ReadOnlySpan<byte> signature64, ReadOnlySpan<byte> message, in XOnlyPublicKey key)
    {
        if (signature64.Length != SignatureSize)
        {
            return false;
        }

        // BIP340: fail if r >= p or s >= n.
        if (!FieldElement.TryCreate(signature64[..32], out FieldElement rx) || !Scalar.TryCreate(signature64[32..], out Scalar s))
        {
            return false;
        }

        GroupElement p = key.Point;
        Span<byte> px = stackalloc byte[32];
        Span<byte> e = stackalloc byte[32];
        p.X.WriteTo(px);
        SecpHash.Tagged(SecpHash.TagChallenge, signature64[..32], px, message, e);
        Scalar es = Scalar.CreateReduced(e);

        // BIP340: R = s*G - e*P; fail if infinite, if R has odd y, or if x(R) != r.
        JacobianPoint rj = EcMult.MultiplyAddVariable(p, es.Negate(), s);
        if (rj.IsInfinity)
        {
            return false;
        }

        GroupElement r = rj.ToAffineVariable();
        return r.HasEvenY && r.X == rx;
    }
}
