using System.Security.Cryptography;
using OPSource.Crypto.Secp256k1.Musig;

namespace OPSource.Crypto.Secp256k1.Adaptor;

/// <summary>
/// ECDSA adaptor signatures as specified by dlcspecs ECDSA-adaptor.md and implemented in
/// secp256k1-zkp's ecdsa_adaptor module: encrypt (sign under an encryption key Y), verify,
/// decrypt with y, and recover y from the decrypted signature.
/// </summary>
/// <remarks>
/// The adaptor signature reveals the Diffie-Hellman value x*Y between signing and encryption
/// keys; do not reuse the signing key in protocols that rely on CDH hardness.
/// </remarks>
public static class EcdsaAdaptor
{
    /// <summary>Encrypts a signature with fresh auxiliary randomness mixed into the nonce.</summary>
    public static AdaptorSignature Encrypt(SecretKey signingKey, PublicKey encryptionKey, ReadOnlySpan<byte> messageHash32)
    {
        Span<byte> aux = stackalloc byte[32];
        RandomNumberGenerator.Fill(aux);
        try
        {
            return Encrypt(signingKey, encryptionKey, messageHash32, aux);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(aux);
        }
    }

    /// <summary>
    /// Encrypts a signature over <paramref name="messageHash32"/> under <paramref name="encryptionKey"/>.
    /// With empty <paramref name="auxRand32"/> the nonce is fully deterministic (zkp with ndata = NULL).
    /// Constant time in the signing key and nonce.
    /// </summary>
    public static AdaptorSignature Encrypt(SecretKey signingKey, PublicKey encryptionKey, ReadOnlySpan<byte> messageHash32, ReadOnlySpan<byte> auxRand32)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        if (messageHash32.Length != 32)
        {
            throw new ArgumentException("adaptor signature: the message hash is 32 bytes", nameof(messageHash32));
        }

        if (!auxRand32.IsEmpty && auxRand32.Length != 32)
        {
            throw new ArgumentException("adaptor signature: auxiliary randomness is 32 bytes when given", nameof(auxRand32));
        }

        Span<byte> sk32 = stackalloc byte[32];
        Span<byte> y33 = stackalloc byte[33];
        try
        {
            signingKey.WriteTo(sk32);
            var x = signingKey.Scalar;

            var y = encryptionKey.Point;
            y.WriteCompressed(y33);

            // secp256k1-zkp ecdsa_adaptor_encrypt step 1: k = nonce_function_ecdsa_adaptor(msg, x, Y, "ECDSAadaptor/non", aux).
            var k = DeriveNonce(TaggedHashes.EcdsaAdaptorNonce, messageHash32, sk32, y33, auxRand32);
            if (k.IsZero)
            {
                throw new CryptographicException("adaptor signature: nonce is zero");
            }

            // Step 2: R' = k*G. Step 3: R = k*Y.
            var rPrime = CurveOps.MulGSecret(k);
            var r = CurveOps.MulSecret(y, k);

            // Step 4: proof = DLEQ_prove(k, (R', Y, R)).
            Dleq.Prove(k, y, rPrime, r, auxRand32, out var dleqE, out var dleqS);

            // Step 5: s' = k^-1 (m + x(R)*x), with m and x(R) reduced mod n (ECDSA, SEC1 4.1.3).
            Span<byte> rx = stackalloc byte[32];
            CurveOps.WriteXBytes(r, rx);
            var sigR = Scalar.CreateReduced(rx);
            var m = Scalar.CreateReduced(messageHash32);
            var sPrime = k.Inverse() * (m + (sigR * x));
            k = Scalar.Zero;
            x = Scalar.Zero;
            if (sPrime.IsZero || sigR.IsZero)
            {
                throw new CryptographicException("adaptor signature: degenerate signature");
            }

            // Step 6: (R, R', s', proof).
            return AdaptorSignature.Create(r, rPrime, sPrime, dleqE, dleqS);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sk32);
        }
    }

    /// <summary>
    /// Verifies that <paramref name="adaptor"/> is an encryption under <paramref name="encryptionKey"/>
    /// of a valid ECDSA signature by <paramref name="signingKey"/> on <paramref name="messageHash32"/>.
    /// </summary>
    public static bool Verify(AdaptorSignature adaptor, PublicKey signingKey, ReadOnlySpan<byte> messageHash32, PublicKey encryptionKey)
    {
        ArgumentNullException.ThrowIfNull(adaptor);
        if (messageHash32.Length != 32)
        {
            return false;
        }

        // secp256k1-zkp ecdsa_adaptor_verify: DLEQ_verify((R', Y, R), proof).
        if (!Dleq.Verify(adaptor.DleqE, adaptor.DleqS, encryptionKey.Point, adaptor.RPrime, adaptor.R))
        {
            return false;
        }

        // secp256k1-zkp ecdsa_adaptor_verify: R' == s'^-1 (m*G + x(R)*X).
        var m = Scalar.CreateReduced(messageHash32);
        var sInv = adaptor.SPrime.InverseVariable();
        var derived = EcMult.MultiplyAddVariable(signingKey.Point, sInv * adaptor.SigR, sInv * m);
        return !derived.IsInfinity && derived.AddVariable(adaptor.RPrime.Negate()).IsInfinity;
    }

    /// <summary>
    /// Decrypts with y: s = s' * y^-1, normalized to low s (BIP62/BIP146 standardness), giving the
    /// ECDSA signature (x(R) mod n, s). Constant time in y.
    /// </summary>
    public static EcdsaSignature Decrypt(AdaptorSignature adaptor, SecretKey decryptionKey)
    {
        ArgumentNullException.ThrowIfNull(adaptor);
        ArgumentNullException.ThrowIfNull(decryptionKey);
        // secp256k1-zkp ecdsa_adaptor_decrypt: s = s' * y^-1 (constant-time inverse: y is secret).
        var s = adaptor.SPrime * decryptionKey.Scalar.Inverse();

        // secp256k1-zkp ecdsa_adaptor_decrypt: negate s if high so the signature is low-s.
        s = Scalar.Select(s, -s, s.IsHigh);
        return new EcdsaSignature(adaptor.SigR, s);
    }

    /// <summary>
    /// Recovers the decryption key y from a signature produced by <see cref="Decrypt"/>. Fails when
    /// the signature does not belong to this adaptor signature (its r differs) or does not decrypt
    /// under <paramref name="encryptionKey"/>.
    /// </summary>
    public static bool TryRecover(AdaptorSignature adaptor, EcdsaSignature signature, PublicKey encryptionKey, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SecretKey? decryptionKey)
    {
        ArgumentNullException.ThrowIfNull(adaptor);
        decryptionKey = null;
        var r = signature.R;
        var s = signature.S;
        if (s.IsZero)
        {
            return false;
        }

        // secp256k1-zkp ecdsa_adaptor_recover: the signature's r must equal x(R) mod n.
        if (r != adaptor.SigR)
        {
            return false;
        }

        // secp256k1-zkp ecdsa_adaptor_recover: y' = s^-1 * s' (s is public).
        var y = s.InverseVariable() * adaptor.SPrime;
        if (y.IsZero)
        {
            return false;
        }

        // secp256k1-zkp ecdsa_adaptor_recover: y'*G == Y gives y', y'*G == -Y gives -y' (the decrypted s may have been negated).
        var candidate = CurveOps.MulGSecret(y);
        var target = encryptionKey.Point;
        if (!CurveOps.PointEquals(candidate, target))
        {
            if (!CurveOps.PointEquals(candidate, target.Negate()))
            {
                return false;
            }

            y = -y;
        }

        decryptionKey = SecretKey.FromScalar(y);
        return true;
    }

    /// <summary>
    /// secp256k1-zkp nonce_function_ecdsa_adaptor (a BIP340-style nonce): with aux, the key is
    /// masked as key XOR tagged_hash("ECDSAadaptor/aux", aux); then
    /// nonce = tagged_hash(algo, masked_key || pk33 || msg32) reduced mod n.
    /// </summary>
    internal static Scalar DeriveNonce(ReadOnlySpan<byte> algoPrefix64, ReadOnlySpan<byte> msg32, ReadOnlySpan<byte> key32, ReadOnlySpan<byte> pk33, ReadOnlySpan<byte> aux32)
    {
        Span<byte> input = stackalloc byte[32 + 33 + 32];
        try
        {
            if (aux32.IsEmpty)
            {
                key32.CopyTo(input);
            }
            else
            {
                TaggedHashes.Hash(TaggedHashes.EcdsaAdaptorAux, aux32, input[..32]);
                for (var i = 0; i < 32; i++)
                {
                    input[i] ^= key32[i];
                }
            }

            pk33.CopyTo(input[32..65]);
            msg32.CopyTo(input[65..]);
            return TaggedHashes.HashToScalar(algoPrefix64, input);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
        }
    }
}
