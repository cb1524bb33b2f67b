using System.Buffers.Binary;
using System.Security.Cryptography;

namespace OPSource.Crypto.Secp256k1.Musig;

/// <summary>
/// BIP327 MuSig2 entry points that are not tied to one object: KeySort, parsing of individual
/// keys with blame, NonceGen, full PartialSigVerify and DeterministicSign. The flow is
/// <c>KeyAggContext.Create</c> → <c>GenerateNonce</c> → <c>AggregateNonce.Aggregate</c> →
/// <c>new Session(...)</c> → <c>Session.Sign</c> / <c>Session.Verify</c> → <c>Session.Aggregate</c>.
/// </summary>
public static class Musig2
{
    /// <summary>BIP327 KeySort: sorts keys by their 33-byte compressed encoding (lexicographically).</summary>
    public static PublicKey[] SortKeys(IEnumerable<PublicKey> publicKeys)
    {
        ArgumentNullException.ThrowIfNull(publicKeys);
        var items = publicKeys.Select(k =>
        {
            var bytes = new byte[33];
            k.WriteCompressed(bytes);
            return (Key: k, Bytes: bytes);
        }).ToArray();

        // BIP327 KeySort: lexicographic order of the compressed encodings; stable for duplicates.
        return [.. items.OrderBy(item => item.Bytes, ByteOrder.Instance).Select(item => item.Key)];
    }

    /// <summary>
    /// Parses signer <paramref name="signer"/>'s individual public key. BIP327 requires exactly
    /// the 33-byte compressed form (cpoint), so uncompressed keys are rejected too.
    /// </summary>
    /// <exception cref="InvalidContributionException">The key is malformed; names the signer.</exception>
    public static PublicKey ParsePublicKey(ReadOnlySpan<byte> data, int? signer = null)
    {
        // BIP327 KeyAgg: P_i = cpoint(pk_i); fail blaming signer i.
        if (!CurveOps.TryCPoint(data, out var point))
        {
            throw new InvalidContributionException(signer, MusigContribution.PublicKey);
        }

        return new PublicKey(point);
    }

    /// <summary>Parses a list of encoded individual keys, blaming the first malformed one by index.</summary>
    /// <exception cref="InvalidContributionException">Key i is malformed.</exception>
    public static PublicKey[] ParsePublicKeys(IReadOnlyList<ReadOnlyMemory<byte>> encodedKeys)
    {
        ArgumentNullException.ThrowIfNull(encodedKeys);
        var keys = new PublicKey[encodedKeys.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = ParsePublicKey(encodedKeys[i].Span, i);
        }

        return keys;
    }

    /// <summary>
    /// BIP327 NonceGen with fresh randomness. Every optional input only adds defence in depth
    /// against a weak random generator; supply what you know (secret key, aggregate key, message).
    /// </summary>
    /// <param name="publicKey">The signer's individual public key (required: bound into secnonce).</param>
    /// <param name="secretKey">Optional signing key, mixed into the nonce.</param>
    /// <param name="aggregatePublicKey">Optional x-only aggregate key of the session.</param>
    /// <param name="message">Optional message of any length (null means absent, which BIP327 hashes differently from empty).</param>
    /// <param name="extraInput">Optional extra input such as a session id or counter.</param>
    public static (SecretNonce SecretNonce, PublicNonce PublicNonce) GenerateNonce(
        PublicKey publicKey,
        SecretKey? secretKey = null,
        XOnlyPublicKey? aggregatePublicKey = null,
        byte[]? message = null,
        byte[]? extraInput = null)
    {
        // BIP327 NonceGen: rand' <- 32 fresh random bytes.
        Span<byte> rand = stackalloc byte[32];
        RandomNumberGenerator.Fill(rand);
        try
        {
            return GenerateNonce(rand, publicKey, secretKey, aggregatePublicKey, message, extraInput);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(rand);
        }
    }

    /// <summary>BIP327 NonceGen with caller-supplied rand' (tests and vector checks only).</summary>
    internal static (SecretNonce SecretNonce, PublicNonce PublicNonce) GenerateNonce(
        ReadOnlySpan<byte> randPrime32,
        PublicKey publicKey,
        SecretKey? secretKey,
        XOnlyPublicKey? aggregatePublicKey,
        byte[]? message,
        byte[]? extraInput)
    {
        if (randPrime32.Length != 32)
        {
            throw new ArgumentException("musig: rand' is 32 bytes", nameof(randPrime32));
        }

        Span<byte> rand = stackalloc byte[32];
        Span<byte> pk = stackalloc byte[33];
        publicKey.WriteCompressed(pk);
        Span<byte> aggpk = stackalloc byte[32];
        var aggpkLength = 0;
        if (aggregatePublicKey is { } agg)
        {
            agg.WriteTo(aggpk);
            aggpkLength = 32;
        }

        ReadOnlySpan<byte> msg = message;
        ReadOnlySpan<byte> extra = extraInput;
        // rand || len(pk) || pk || len(aggpk) || aggpk || msg_prefixed || len(extra_in) (4) || extra_in || i
        var msgPrefixedLength = message is not null ? 1 + 8 + msg.Length : 1;
        var total = 32 + 1 + 33 + 1 + aggpkLength + msgPrefixedLength + 4 + extra.Length + 1;
        var heap = total > 512 ? new byte[total] : null;
        Span<byte> buffer = heap is null ? stackalloc byte[512] : heap;
        buffer = buffer[..total];
        try
        {
            if (secretKey is not null)
            {
                // BIP327 NonceGen: rand = sk XOR hash_MuSig/aux(rand').
                TaggedHashes.Hash(TaggedHashes.MusigAux, randPrime32, rand);
                Span<byte> sk = stackalloc byte[32];
                secretKey.WriteTo(sk);
                for (var i = 0; i < 32; i++)
                {
                    rand[i] ^= sk[i];
                }

                CryptographicOperations.ZeroMemory(sk);
            }
            else
            {
                // BIP327 NonceGen: rand = rand' when sk is absent.
                randPrime32.CopyTo(rand);
            }

            var w = 0;
            rand.CopyTo(buffer);
            w += 32;
            buffer[w++] = 33;
            pk.CopyTo(buffer[w..]);
            w += 33;
            // BIP327 NonceGen: aggpk is the empty string when absent.
            buffer[w++] = (byte)aggpkLength;
            aggpk[..aggpkLength].CopyTo(buffer[w..]);
            w += aggpkLength;
            if (message is not null)
            {
                // BIP327 NonceGen: m_prefixed = bytes(1, 1) || bytes(8, len(m)) || m.
                buffer[w++] = 1;
                BinaryPrimitives.WriteUInt64BigEndian(buffer[w..], (ulong)msg.Length);
                w += 8;
                msg.CopyTo(buffer[w..]);
                w += msg.Length;
            }
            else
            {
                // BIP327 NonceGen: m_prefixed = bytes(1, 0) when m is absent.
                buffer[w++] = 0;
            }

            BinaryPrimitives.WriteUInt32BigEndian(buffer[w..], (uint)extra.Length);
            w += 4;
            extra.CopyTo(buffer[w..]);
            w += extra.Length;

            // BIP327 NonceGen: k_i = int(hash_MuSig/nonce(... || bytes(1, i - 1))) mod n for i = 1, 2.
            var (k1, k2, pubnonce) = DeriveNoncePair(TaggedHashes.MusigNonce, buffer, w, "musig: nonce generation produced a zero scalar");

            // BIP327 NonceGen: secnonce = bytes(32, k_1) || bytes(32, k_2) || pk.
            var secnonce = SecretNonce.FromScalars(k1, k2, pk, pubnonce);
            return (secnonce, pubnonce);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(rand);
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>
    /// BIP327 PartialSigVerify: aggregates the public nonces, builds the session and checks the
    /// partial signature of signer <paramref name="signerIndex"/>.
    /// </summary>
    /// <exception cref="InvalidContributionException">A public nonce is malformed (via <see cref="AggregateNonce.Aggregate(IReadOnlyList{ReadOnlyMemory{byte}})"/>).</exception>
    public static bool VerifyPartialSignature(
        PartialSignature partialSignature,
        IReadOnlyList<PublicNonce> publicNonces,
        KeyAggContext keyAggContext,
        ReadOnlySpan<byte> message,
        int signerIndex)
    {
        ArgumentNullException.ThrowIfNull(publicNonces);
        ArgumentNullException.ThrowIfNull(keyAggContext);
        if ((uint)signerIndex >= (uint)publicNonces.Count || signerIndex >= keyAggContext.PublicKeys.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(signerIndex), "musig: signer index is outside the session");
        }

        // BIP327 PartialSigVerify: aggnonce = NonceAgg(pubnonce_1..u); session_ctx = (aggnonce, pk_1..u, tweaks, m).
        var session = new Session(keyAggContext, AggregateNonce.Aggregate(publicNonces), message);
        return session.Verify(partialSignature, publicNonces[signerIndex], keyAggContext.PublicKeys[signerIndex]);
    }

    /// <summary>
    /// BIP327 DeterministicSign: a stateless signer for the last participant to contribute a
    /// nonce. The nonce is derived from the secret key, the other signers' aggregate nonce, the
    /// aggregate key and the message, so it never repeats for a different session.
    /// </summary>
    /// <param name="secretKey">The signer's secret key.</param>
    /// <param name="aggregateOtherNonce">NonceAgg of all other signers' public nonces (66 bytes).</param>
    /// <param name="keyAggContext">Key aggregation with every tweak already applied.</param>
    /// <param name="message">The message.</param>
    /// <param name="rand">Optional 32 bytes of auxiliary randomness (empty = none).</param>
    /// <exception cref="InvalidContributionException">The aggregate other nonce is malformed.</exception>
    /// <exception cref="MusigException">The key is not in the session.</exception>
    public static (PublicNonce PublicNonce, PartialSignature PartialSignature) DeterministicSign(
        SecretKey secretKey,
        ReadOnlySpan<byte> aggregateOtherNonce,
        KeyAggContext keyAggContext,
        ReadOnlySpan<byte> message,
        ReadOnlySpan<byte> rand = default)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        ArgumentNullException.ThrowIfNull(keyAggContext);
        if (!rand.IsEmpty && rand.Length != 32)
        {
            throw new ArgumentException("musig: rand is 32 bytes when given", nameof(rand));
        }

        Span<byte> skPrime = stackalloc byte[32];
        var total = 32 + 66 + 32 + 8 + message.Length + 1;
        var heap = total > 512 ? new byte[total] : null;
        Span<byte> buffer = heap is null ? stackalloc byte[512] : heap;
        buffer = buffer[..total];
        try
        {
            secretKey.WriteTo(skPrime);
            if (!rand.IsEmpty)
            {
                // BIP327 DeterministicSign: sk' = sk XOR hash_MuSig/aux(rand).
                Span<byte> mask = stackalloc byte[32];
                TaggedHashes.Hash(TaggedHashes.MusigAux, rand, mask);
                for (var i = 0; i < 32; i++)
                {
                    skPrime[i] ^= mask[i];
                }

                CryptographicOperations.ZeroMemory(mask);
            }

            if (aggregateOtherNonce.Length != AggregateNonce.Size)
            {
                throw new InvalidContributionException(null, MusigContribution.AggregateOtherNonce);
            }

            // BIP327 DeterministicSign: k_i = int(hash_MuSig/deterministic/nonce(sk' || aggothernonce || aggpk || bytes(8, len(m)) || m || bytes(1, i - 1))) mod n.
            var w = 0;
            skPrime.CopyTo(buffer);
            w += 32;
            aggregateOtherNonce.CopyTo(buffer[w..]);
            w += 66;
            CurveOps.WriteXBytes(keyAggContext.Q, buffer[w..]);
            w += 32;
            BinaryPrimitives.WriteUInt64BigEndian(buffer[w..], (ulong)message.Length);
            w += 8;
            message.CopyTo(buffer[w..]);
            w += message.Length;
            var (k1, k2, pubnonce) = DeriveNoncePair(TaggedHashes.MusigDeterministicNonce, buffer, w, "musig: deterministic nonce derivation produced a zero scalar");

            // BIP327 DeterministicSign: secnonce = k_1 || k_2 || cbytes(d*G).
            Span<byte> pk = stackalloc byte[33];
            secretKey.PublicKey.WriteCompressed(pk);
            using var secnonce = SecretNonce.FromScalars(k1, k2, pk, pubnonce);

            // BIP327 DeterministicSign: aggnonce = NonceAgg((pubnonce, aggothernonce)); any failure blames aggothernonce.
            if (!PublicNonce.TryParse(aggregateOtherNonce, out var other))
            {
                throw new InvalidContributionException(null, MusigContribution.AggregateOtherNonce);
            }

            var aggnonce = AggregateNonce.Aggregate([pubnonce, other]);
            var session = new Session(keyAggContext, aggnonce, message);
            var psig = session.Sign(secnonce, secretKey);
            return (pubnonce, psig);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(skPrime);
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>
    /// The two nonces of BIP327 NonceGen and DeterministicSign: k_i = int(hash_tag(input with bytes(1, i - 1)
    /// at <paramref name="indexAt"/>)) mod n for i = 1, 2; both fail if k_1 = 0 or k_2 = 0 (probability
    /// ~2^-128); pubnonce = cbytes(k_1*G) || cbytes(k_2*G).
    /// </summary>
    private static (Scalar K1, Scalar K2, PublicNonce PubNonce) DeriveNoncePair(byte[] tag, Span<byte> input, int indexAt, string zeroFailure)
    {
        input[indexAt] = 0;
        var k1 = TaggedHashes.HashToScalar(tag, input);
        input[indexAt] = 1;
        var k2 = TaggedHashes.HashToScalar(tag, input);
        if (k1.IsZero || k2.IsZero)
        {
            throw new MusigException(zeroFailure);
        }

        return (k1, k2, PublicNonce.FromPoints(CurveOps.MulGSecret(k1), CurveOps.MulGSecret(k2)));
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        internal static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
