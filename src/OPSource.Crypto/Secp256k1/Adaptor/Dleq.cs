using System.Security.Cryptography;
using OPSource.Crypto.Secp256k1.Musig;

namespace OPSource.Crypto.Secp256k1.Adaptor;

/// <summary>
/// The discrete-log-equality proof inside an ECDSA adaptor signature (secp256k1-zkp
/// modules/ecdsa_adaptor/dleq_impl.h, dlcspecs ECDSA-adaptor.md): proves log_G(P1) = log_Y(P2)
/// without revealing the logarithm.
/// </summary>
internal static class Dleq
{
    /// <summary>Proves P1 = x*G and P2 = x*Y for secret x. Constant time in x.</summary>
    internal static void Prove(in Scalar x, in GroupElement y, in GroupElement p1, in GroupElement p2, ReadOnlySpan<byte> aux32, out Scalar e, out Scalar s)
    {
        Span<byte> y33 = stackalloc byte[33];
        Span<byte> points = stackalloc byte[66];
        Span<byte> digest = stackalloc byte[32];
        Span<byte> x32 = stackalloc byte[32];
        try
        {
            y.WriteCompressed(y33);
            p1.WriteCompressed(points[..33]);
            p2.WriteCompressed(points[33..]);

            // secp256k1-zkp dleq_nonce: msg = SHA256(P1 || P2); k = nonce_function_ecdsa_adaptor(msg, x, Y, "DLEQ", aux).
            SHA256.HashData(points, digest);
            x.WriteTo(x32);
            var k = EcdsaAdaptor.DeriveNonce(TaggedHashes.Dleq, digest, x32, y33, aux32);
            if (k.IsZero)
            {
                throw new CryptographicException("adaptor signature: DLEQ nonce is zero");
            }

            // secp256k1-zkp dleq_prove: R1 = k*G, R2 = k*Y.
            var r1 = CurveOps.MulGSecret(k);
            var r2 = CurveOps.MulSecret(y, k);

            // secp256k1-zkp dleq_prove: e = challenge(...); s = k + e*x.
            e = Challenge(y, r1, r2, p1, p2);
            s = k + (e * x);
            k = Scalar.Zero;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(x32);
        }
    }

    /// <summary>Verifies a proof (public inputs, variable time).</summary>
    internal static bool Verify(in Scalar e, in Scalar s, in GroupElement y, in GroupElement p1, in GroupElement p2)
    {
        // secp256k1-zkp dleq_verify: R1 = s*G - e*P1.
        var r1 = CurveOps.MulAddGPublic(p1, -e, s);

        // secp256k1-zkp dleq_verify: R2 = s*Y - e*P2.
        var r2 = EcMult.MultiplyAddVariable(y, s, Scalar.Zero).AddVariable(EcMult.MultiplyAddVariable(p2, -e, Scalar.Zero)).ToAffineVariable();

        // An honest proof never has R1 or R2 at infinity; such points cannot be hashed (zkp skips them), so reject.
        if (r1.IsInfinity || r2.IsInfinity)
        {
            return false;
        }

        // secp256k1-zkp dleq_verify: accept iff challenge(Y, R1, R2, P1, P2) == e.
        return Challenge(y, r1, r2, p1, p2) == e;
    }

    /// <summary>secp256k1-zkp dleq_challenge: e = tagged_hash("DLEQ", P1 || Y || P2 || R1 || R2) mod n.</summary>
    private static Scalar Challenge(in GroupElement y, in GroupElement r1, in GroupElement r2, in GroupElement p1, in GroupElement p2)
    {
        Span<byte> buffer = stackalloc byte[5 * 33];
        p1.WriteCompressed(buffer[..33]);
        y.WriteCompressed(buffer[33..66]);
        p2.WriteCompressed(buffer[66..99]);
        r1.WriteCompressed(buffer[99..132]);
        r2.WriteCompressed(buffer[132..165]);
        return TaggedHashes.HashToScalar(TaggedHashes.Dleq, buffer);
    }
}
