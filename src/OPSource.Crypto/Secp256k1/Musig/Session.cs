using System.Security.Cryptography;

namespace OPSource.Crypto.Secp256k1.Musig;

/// <summary>
/// A BIP327 signing session: the key-aggregation context (with tweaks), the aggregate nonce
/// and the message, together with the values every participant derives from them
/// (GetSessionValues: Q, gacc, tacc, b, R, e). Immutable and safe to share between threads.
/// </summary>
public sealed class Session
{
    private readonly byte[] _message;

    /// <summary>BIP327 GetSessionValues over the given context, aggregate nonce and message.</summary>
    public Session(KeyAggContext keyAggContext, AggregateNonce aggregateNonce, ReadOnlySpan<byte> message)
    {
        ArgumentNullException.ThrowIfNull(keyAggContext);
        ArgumentNullException.ThrowIfNull(aggregateNonce);
        KeyAggContext = keyAggContext;
        AggregateNonce = aggregateNonce;
        _message = message.ToArray();

        Span<byte> qx = stackalloc byte[32];
        CurveOps.WriteXBytes(keyAggContext.Q, qx);

        // BIP327 GetSessionValues: b = int(hash_MuSig/noncecoef(aggnonce || xbytes(Q) || m)) mod n.
        var total = AggregateNonce.Size + 32 + message.Length;
        Span<byte> buffer = total <= 512 ? stackalloc byte[512] : new byte[total];
        buffer = buffer[..total];
        aggregateNonce.Bytes.CopyTo(buffer);
        qx.CopyTo(buffer[AggregateNonce.Size..]);
        message.CopyTo(buffer[(AggregateNonce.Size + 32)..]);
        B = TaggedHashes.HashToScalar(TaggedHashes.MusigNonceCoef, buffer);

        // BIP327 GetSessionValues: R' = R'_1 + b*R'_2; R = R' unless infinite, then G.
        var rPrime = EcMult.MultiplyAddVariable(aggregateNonce.R2, B, Scalar.Zero).AddVariable(aggregateNonce.R1).ToAffineVariable();
        R = rPrime.IsInfinity ? GroupElement.Generator : rPrime;

        // BIP327 GetSessionValues: e = int(hash_BIP0340/challenge(xbytes(R) || xbytes(Q) || m)) mod n.
        var total2 = 64 + message.Length;
        Span<byte> challenge = total2 <= 512 ? stackalloc byte[512] : new byte[total2];
        challenge = challenge[..total2];
        CurveOps.WriteXBytes(R, challenge);
        qx.CopyTo(challenge[32..]);
        message.CopyTo(challenge[64..]);
        E = TaggedHashes.HashToScalar(TaggedHashes.Bip340Challenge, challenge);
    }

    /// <summary>The key-aggregation context (including tweaks) the session signs for.</summary>
    public KeyAggContext KeyAggContext { get; }

    /// <summary>The aggregate nonce of all signers.</summary>
    public AggregateNonce AggregateNonce { get; }

    /// <summary>The message being signed (any length, per BIP327).</summary>
    public ReadOnlySpan<byte> Message => _message;

    internal Scalar B { get; }

    internal GroupElement R { get; }

    internal Scalar E { get; }

    /// <summary>
    /// BIP327 Sign: produces this signer's partial signature. Consumes <paramref name="secretNonce"/>
    /// (it is wiped first, so it can never be used again even if signing fails). Constant time in
    /// the secret key and nonce. The result is checked with PartialSigVerifyInternal before return.
    /// </summary>
    /// <exception cref="MusigException">Nonce reused or out of range, key mismatch, key not in the session.</exception>
    public PartialSignature Sign(SecretNonce secretNonce, SecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(secretNonce);
        ArgumentNullException.ThrowIfNull(secretKey);

        Span<byte> secret = stackalloc byte[64];
        try
        {
            // BIP327 Sign: overwrite the secnonce so a second call fails.
            var cachedPublicNonce = secretNonce.PublicNonce;
            secretNonce.Consume(secret);

            // BIP327 Sign: fail if k'_1 = 0 or k'_1 >= n (likewise k'_2).
            if (!Scalar.TryCreate(secret[..32], out var k1Prime) || k1Prime.IsZero)
            {
                throw new MusigException("musig: first secret nonce value is out of range (was the nonce reused?)");
            }

            if (!Scalar.TryCreate(secret[32..], out var k2Prime) || k2Prime.IsZero)
            {
                throw new MusigException("musig: second secret nonce value is out of range (was the nonce reused?)");
            }

            // BIP327 Sign: k_j = k'_j if has_even_y(R), else n - k'_j (R is public).
            var negateNonce = !R.HasEvenY;
            var k1 = Scalar.Select(k1Prime, -k1Prime, negateNonce);
            var k2 = Scalar.Select(k2Prime, -k2Prime, negateNonce);

            // BIP327 Sign: d' = int(sk), fail if 0 or >= n; P = d'*G.
            var dPrime = secretKey.Scalar;
            if (dPrime.IsZero)
            {
                throw new MusigException("musig: secret key value is out of range");
            }

            var p = secretKey.PublicKey.Point; // cached d'*G (computed in constant time)
            Span<byte> pk = stackalloc byte[33];
            p.WriteCompressed(pk);

            // BIP327 Sign: fail if secnonce[64:97] != cbytes(P).
            if (!pk.SequenceEqual(secretNonce.PublicKeyBytes))
            {
                throw new MusigException("musig: the secret key does not match the public key the nonce was generated for");
            }

            // BIP327 Sign: a = GetSessionKeyAggCoeff(session_ctx, P).
            var a = KeyAggContext.CoefficientOf(pk);

            // BIP327 Sign: g = 1 if has_even_y(Q) else n - 1; d = g * gacc * d' mod n.
            var g = KeyAggContext.Q.HasEvenY ? Scalar.One : -Scalar.One;
            var d = g * KeyAggContext.Gacc * dPrime;

            // BIP327 Sign: s = (k_1 + b*k_2 + e*a*d) mod n.
            var s = k1 + (B * k2) + (E * a * d);
            var signature = new PartialSignature(s);

            // BIP327 Sign (optional check): the partial signature must verify.
            var pubnonce = cachedPublicNonce ?? PublicNonce.FromPoints(CurveOps.MulGSecret(k1Prime), CurveOps.MulGSecret(k2Prime));
            if (!VerifyInternal(signature, pubnonce, p))
            {
                throw new MusigException("musig: produced partial signature failed self-verification");
            }

            return signature;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>
    /// BIP327 PartialSigVerifyInternal: checks signer's partial signature against its public
    /// nonce and public key. Variable time (all inputs public).
    /// </summary>
    /// <exception cref="MusigException">The key is not part of this session.</exception>
    public bool Verify(PartialSignature partialSignature, PublicNonce publicNonce, PublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicNonce);
        return VerifyInternal(partialSignature, publicNonce, publicKey.Point);
    }

    /// <summary>
    /// BIP327 PartialSigAgg: sums the partial signatures into a BIP340 signature valid for
    /// <see cref="KeyAggContext"/>'s x-only key. Does not verify the partial signatures; verify
    /// them first to identify a cheating signer.
    /// </summary>
    public byte[] Aggregate(IReadOnlyList<PartialSignature> partialSignatures)
    {
        var signature = new byte[Schnorr.SignatureSize];
        Aggregate(partialSignatures, signature);
        return signature;
    }

    /// <summary>BIP327 PartialSigAgg into a caller-provided 64-byte buffer (allocation-free).</summary>
    public void Aggregate(IReadOnlyList<PartialSignature> partialSignatures, Span<byte> signature64)
    {
        ArgumentNullException.ThrowIfNull(partialSignatures);

        // BIP327 PartialSigAgg: s = s_1 + ... + s_u + e*g*tacc mod n, g = 1 if has_even_y(Q) else n - 1.
        var s = Scalar.Zero;
        for (var i = 0; i < partialSignatures.Count; i++)
        {
            s += partialSignatures[i].S;
        }

        var g = KeyAggContext.Q.HasEvenY ? Scalar.One : -Scalar.One;
        s += E * g * KeyAggContext.Tacc;

        // BIP327 PartialSigAgg: sig = xbytes(R) || bytes(s).
        CurveOps.WriteXBytes(R, signature64);
        s.WriteTo(signature64[32..]);
    }

    /// <summary>
    /// BIP327 PartialSigAgg over encoded partial signatures, blaming the first signer whose
    /// value is not below n.
    /// </summary>
    /// <exception cref="InvalidContributionException">Signer i's partial signature is invalid.</exception>
    public byte[] Aggregate(IReadOnlyList<ReadOnlyMemory<byte>> encodedPartialSignatures)
    {
        ArgumentNullException.ThrowIfNull(encodedPartialSignatures);
        var parsed = new PartialSignature[encodedPartialSignatures.Count];
        for (var i = 0; i < parsed.Length; i++)
        {
            // BIP327 PartialSigAgg: fail if s_i >= n, blaming signer i.
            parsed[i] = PartialSignature.Parse(encodedPartialSignatures[i].Span, i);
        }

        return Aggregate(parsed);
    }

    internal bool VerifyInternal(PartialSignature partialSignature, PublicNonce publicNonce, in GroupElement publicKey)
    {
        // BIP327 PartialSigVerifyInternal: Re*' = R*_1 + b*R*_2 (kept in Jacobian form: no inversion).
        var reStar = EcMult.MultiplyAddVariable(publicNonce.R2, B, Scalar.Zero).AddVariable(publicNonce.R1);

        // BIP327 PartialSigVerifyInternal: Re* = Re*' if has_even_y(R), else -Re*'.
        if (!R.HasEvenY)
        {
            reStar = reStar.Negate();
        }

        // BIP327 PartialSigVerifyInternal: g' = g * gacc mod n, g = 1 if has_even_y(Q) else n - 1.
        var g = KeyAggContext.Q.HasEvenY ? Scalar.One : -Scalar.One;
        var gPrime = g * KeyAggContext.Gacc;

        Span<byte> pk = stackalloc byte[33];
        publicKey.WriteCompressed(pk);
        var a = KeyAggContext.CoefficientOf(pk);

        // BIP327 PartialSigVerifyInternal: fail if s*G != Re* + e*a*g'*P, checked as s*G - e*a*g'*P - Re* == infinity.
        var lhs = EcMult.MultiplyAddVariable(publicKey, -(E * a * gPrime), partialSignature.S);
        return lhs.AddVariable(reStar.Negate()).IsInfinity;
    }
}
