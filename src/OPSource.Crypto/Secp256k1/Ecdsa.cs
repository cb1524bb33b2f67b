using System.Buffers.Binary;
using System.Security.Cryptography;

namespace OPSource.Crypto.Secp256k1;

/// <summary>ECDSA over secp256k1, byte-compatible with libsecp256k1 (RFC6979 nonces, low-S output).</summary>
public static class Ecdsa
{
    private static void CheckHash(ReadOnlySpan<byte> hash32)
    {
        if (hash32.Length != 32)
        {
            throw new ArgumentException($"ecdsa: message hash must be 32 bytes, got {hash32.Length}", nameof(hash32));
        }
    }

    /// <summary>
    /// Signs a 32-byte hash like secp256k1_ecdsa_sign with nonce_function_rfc6979; optional 32-byte
    /// extra entropy is appended to the RFC6979 seed. The result always has low S.
    /// </summary>
    public static EcdsaSignature Sign(SecretKey key, ReadOnlySpan<byte> messageHash32, ReadOnlySpan<byte> extraEntropy32 = default)
    {
        SignCore(key, messageHash32, extraEntropy32, out Scalar r, out Scalar s, out _);
        return new EcdsaSignature(r, s);
    }

    /// <summary>
    /// Bitcoin Core's CKey::Sign with grinding: retries with a little-endian counter as extra entropy
    /// until r's first byte is below 0x80, so the DER signature is at most 71 bytes.
    /// </summary>
    public static EcdsaSignature SignGrindLowR(SecretKey key, ReadOnlySpan<byte> messageHash32)
    {
        SignCore(key, messageHash32, default, out Scalar r, out Scalar s, out _);
        Span<byte> extra = stackalloc byte[32];
        extra.Clear();
        uint counter = 0;
        while (!HasLowR(r))
        {
            // Core key.cpp: WriteLE32(extra_entropy, ++counter).
            BinaryPrimitives.WriteUInt32LittleEndian(extra, ++counter);
            SignCore(key, messageHash32, extra, out r, out s, out _);
        }

        return new EcdsaSignature(r, s);
    }

    private static bool HasLowR(in Scalar r)
    {
        Span<byte> b = stackalloc byte[32];
        r.WriteTo(b);
        return b[0] < 0x80;
    }

    /// <summary>Signs and returns the recovery id too (secp256k1_ecdsa_sign_recoverable).</summary>
    public static RecoverableSignature SignRecoverable(SecretKey key, ReadOnlySpan<byte> hash32)
    {
        SignCore(key, hash32, default, out Scalar r, out Scalar s, out int recid);
        return new RecoverableSignature(r, s, recid);
    }

    private static void SignCore(SecretKey key, ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> extra32, out Scalar r, out Scalar s, out int recid)
    {
        ArgumentNullException.ThrowIfNull(key);
        CheckHash(hash32);
        if (!extra32.IsEmpty && extra32.Length != 32)
        {
            throw new ArgumentException("ecdsa: extra entropy must be 32 bytes or empty", nameof(extra32));
        }

        Scalar d = key.Scalar;
        Scalar m = Scalar.CreateReduced(hash32);
        Span<byte> keyBytes = stackalloc byte[32];
        Span<byte> msgBytes = stackalloc byte[32];
        Span<byte> nonce = stackalloc byte[32];
        Span<byte> rx = stackalloc byte[32];
        try
        {
            d.WriteTo(keyBytes);
            m.WriteTo(msgBytes);
            for (uint counter = 0; ; counter++)
            {
                SecpHash.Rfc6979(keyBytes, msgBytes, extra32, counter, nonce);
                // libsecp ecdsa_sign_inner: retry on a nonce that is zero or >= n.
                if (!Scalar.TryCreate(nonce, out Scalar k) || k.IsZero)
                {
                    continue;
                }

                if (TrySignWithNonce(d, m, k, rx, out r, out s, out recid))
                {
                    return;
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyBytes);
            CryptographicOperations.ZeroMemory(nonce);
        }
    }

    // libsecp ecdsa_sig_sign: r = x(kG) mod n, s = k^-1 (m + r d), low-S with recid parity flip.
    private static bool TrySignWithNonce(in Scalar d, in Scalar m, in Scalar k, Span<byte> rx, out Scalar r, out Scalar s, out int recid)
    {
        GroupElement rp = EcMult.MultiplyGenerator(k).ToAffine();
        rp.X.WriteTo(rx);
        r = Scalar.CreateReduced(rx, out bool overflow);
        recid = (overflow ? 2 : 0) | (rp.Y.IsOdd ? 1 : 0);
        Scalar n = r.Multiply(d).Add(m);
        // The nonce is secret: constant-time safegcd (libsecp secp256k1_scalar_inverse), which also measured faster
        // than the former blinded variable-time inversion (docs/benchmarks.md, ECDSA signing).
        s = n.Multiply(k.InverseConstantTime());
        bool high = s.IsHigh;
        s = s.ConditionalNegate(high);
        recid ^= high ? 1 : 0;
        return !r.IsZero && !s.IsZero;
    }

    /// <summary>
    /// Verifies like secp256k1_ecdsa_verify: a high-S signature fails (callers that accept
    /// pre-BIP62 signatures normalise first).
    /// </summary>
    public static bool Verify(in EcdsaSignature signature, ReadOnlySpan<byte> messageHash32, in PublicKey key)
    {
        if (messageHash32.Length != 32)
        {
            return false;
        }

        Scalar r = signature.R;
        Scalar s = signature.S;
        if (s.IsHigh || r.IsZero || s.IsZero)
        {
            return false;
        }

        Scalar m = Scalar.CreateReduced(messageHash32);
        Scalar sn = s.InverseVariable();
        Scalar u1 = sn.Multiply(m);
        Scalar u2 = sn.Multiply(r);
        JacobianPoint pr = EcMult.MultiplyAddVariable(key.Point, u2, u1);
        if (pr.IsInfinity)
        {
            return false;
        }

        // libsecp ecdsa_sig_verify: compare r (and r + n when r + n < p) with X/Z^2 without inverting.
        Span<byte> rb = stackalloc byte[32];
        r.WriteTo(rb);
        var xr = FieldElement.CreateReduced(rb);
        if (pr.XEqualsVariable(xr))
        {
            return true;
        }

        // r + n < p only if r < p - n.
        var pMinusN = new Scalar(0x402DA1722FC9BAEEUL, 0x4551231950B75FC4UL, 1, 0);
        if (!LessThan(r, pMinusN))
        {
            return false;
        }

        var nField = new FieldElement(Scalar.Nn0, Scalar.Nn1, Scalar.Nn2, Scalar.Nn3);
        return pr.XEqualsVariable(xr.Add(nField));
    }

    private static bool LessThan(in Scalar a, in Scalar b)
    {
        for (int i = 3; i >= 0; i--)
        {
            if (a.Limb(i) != b.Limb(i))
            {
                return a.Limb(i) < b.Limb(i);
            }
        }

        return false;
    }

    /// <summary>Recovers the public key (secp256k1_ecdsa_recover).</summary>
    public static bool TryRecover(in RecoverableSignature signature, ReadOnlySpan<byte> hash32, out PublicKey key)
    {
        key = default;
        if (hash32.Length != 32)
        {
            return false;
        }

        Scalar r = signature.R;
        Scalar s = signature.S;
        int recid = signature.RecoveryId;
        if (r.IsZero || s.IsZero)
        {
            return false;
        }

        Span<byte> brx = stackalloc byte[32];
        r.WriteTo(brx);
        if (!FieldElement.TryCreate(brx, out FieldElement fx))
        {
            return false;
        }

        if ((recid & 2) != 0)
        {
            var pMinusN = new Scalar(0x402DA1722FC9BAEEUL, 0x4551231950B75FC4UL, 1, 0);
            if (!LessThan(r, pMinusN))
            {
                return false;
            }

            fx = fx.Add(new FieldElement(Scalar.Nn0, Scalar.Nn1, Scalar.Nn2, Scalar.Nn3));
        }

        if (!GroupElement.TryCreateFromX(fx, (recid & 1) != 0, out GroupElement x))
        {
            return false;
        }

        Scalar m = Scalar.CreateReduced(hash32);
        Scalar rn = r.InverseVariable();
        Scalar u1 = rn.Multiply(m).Negate();
        Scalar u2 = rn.Multiply(s);
        GroupElement q = EcMult.MultiplyAddVariable(x, u2, u1).ToAffineVariable();
        if (q.IsInfinity)
        {
            return false;
        }

        key = new PublicKey(q);
        return true;
    }
}
