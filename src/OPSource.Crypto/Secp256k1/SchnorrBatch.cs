using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace OPSource.Crypto.Secp256k1;

/// <summary>
/// One (signature, message, public key) triple for <see cref="Schnorr.VerifyBatch(ReadOnlySpan{SchnorrBatchItem})"/>.
/// Holds memory rather than spans so that a batch can live in an array or a span without copying messages.
/// </summary>
public readonly struct SchnorrBatchItem
{
    /// <summary>A batch entry; nothing is validated here (a malformed signature just fails the batch).</summary>
    public SchnorrBatchItem(ReadOnlyMemory<byte> signature64, ReadOnlyMemory<byte> message, XOnlyPublicKey publicKey)
    {
        Signature = signature64;
        Message = message;
        PublicKey = publicKey;
    }

    /// <summary>The 64-byte BIP340 signature (any other length fails verification).</summary>
    public ReadOnlyMemory<byte> Signature { get; }

    /// <summary>The signed message, of any length (BIP340 allows variable-length messages).</summary>
    public ReadOnlyMemory<byte> Message { get; }

    /// <summary>The signer's x-only key.</summary>
    public XOnlyPublicKey PublicKey { get; }
}

public static partial class Schnorr
{
    // Domain separation for the randomizer seed; not a BIP340 tag, so no BIP340 hash can collide with it.
    private static readonly byte[] TagBatchSeed = SHA256.HashData("OPSource/BIP0340/batch-seed"u8);

    /// <summary>
    /// BIP340 batch verification: true iff every signature in the batch is valid (same answer as calling
    /// <see cref="Verify"/> on each, up to a 2^-128 chance of accepting a batch with an invalid member).
    /// One multi-scalar multiplication replaces u separate double multiplications; see
    /// docs/benchmarks/schnorr-batch.md for the batch sizes where that pays. It does not say which item failed.
    /// </summary>
    public static bool VerifyBatch(ReadOnlySpan<SchnorrBatchItem> items)
    {
        Span<byte> fresh = stackalloc byte[32];
        RandomNumberGenerator.Fill(fresh);
        return VerifyBatch(items, fresh);
    }

    /// <summary>
    /// Batch verification with caller-supplied extra randomness mixed into the randomizer seed (tests pin it
    /// to make runs reproducible; the seed still covers every input, as BIP340 requires).
    /// </summary>
    internal static bool VerifyBatch(ReadOnlySpan<SchnorrBatchItem> items, ReadOnlySpan<byte> extraRandom32)
    {
        int u = items.Length;
        if (u == 0)
        {
            // Every member of the empty batch is valid.
            return true;
        }

        if (u == 1)
        {
            // One signature: the multi-scalar multiplication has nothing to share, single verification is cheaper.
            ref readonly SchnorrBatchItem only = ref items[0];
            return Verify(only.Signature.Span, only.Message.Span, only.PublicKey);
        }

        // Randomizers a_2..a_u come from a SHA256 counter-mode stream keyed by a tagged hash of fresh system
        // randomness and of every input. BIP340 allows seeding from the inputs alone; the fresh randomness
        // means an attacker who can grind inputs still cannot predict the multipliers, and hashing the inputs
        // means a weak or repeating system RNG still gives multipliers that change with the batch.
        // Seed input: tag || tag || extra randomness || u || per item (signature || challenge hash).
        // The challenge hash hash_BIP0340/challenge(r || pk || m) already commits to the key and the
        // message, so the seed covers every input in a fixed 96 bytes per item, whatever the message sizes.
        const int SeedHeader = 64 + 32 + 8;
        const int SeedPerItem = SignatureSize + 32;
        if (u > (int.MaxValue - SeedHeader) / SeedPerItem)
        {
            throw new ArgumentException("schnorr: batch has too many items to verify at once", nameof(items));
        }

        int seedLength = SeedHeader + (u * SeedPerItem);
        GroupElement[] pool = ArrayPool<GroupElement>.Shared.Rent(2 * u);
        Scalar[] scalarPool = ArrayPool<Scalar>.Shared.Rent(2 * u);
        byte[] seedInput = ArrayPool<byte>.Shared.Rent(seedLength);
        try
        {
            Span<GroupElement> rs = pool.AsSpan(0, u);
            Span<GroupElement> ps = pool.AsSpan(u, u);
            Span<Scalar> es = scalarPool.AsSpan(0, u);
            Span<Scalar> ss = scalarPool.AsSpan(u, u);
            Span<byte> seedBuf = seedInput.AsSpan(0, seedLength);
            Span<byte> px = stackalloc byte[32];
            for (int i = 0; i < u; i++)
            {
                ref readonly SchnorrBatchItem item = ref items[i];
                ReadOnlySpan<byte> sig = item.Signature.Span;
                if (sig.Length != SignatureSize)
                {
                    return false;
                }

                // BIP340 batch: fail if r_i >= p, if s_i >= n, or if lift_x(r_i) fails (P_i = lift_x(pk_i) is
                // already guaranteed by XOnlyPublicKey).
                if (!FieldElement.TryCreate(sig[..32], out FieldElement rx)
                    || !Scalar.TryCreate(sig[32..], out ss[i])
                    || !GroupElement.TryLiftX(rx, out rs[i]))
                {
                    return false;
                }

                ps[i] = item.PublicKey.Point;
                ps[i].X.WriteTo(px);
                Span<byte> slot = seedBuf.Slice(SeedHeader + (i * SeedPerItem), SeedPerItem);
                sig.CopyTo(slot);
                // BIP340: e_i = int(hash_BIP0340/challenge(bytes(r_i) || pk_i || m_i)) mod n.
                Span<byte> challenge = slot[SignatureSize..];
                SecpHash.Tagged(SecpHash.TagChallenge, sig[..32], px, item.Message.Span, challenge);
                es[i] = Scalar.CreateReduced(challenge);
            }

            Span<byte> seed = stackalloc byte[32];
            TagBatchSeed.CopyTo(seedBuf);
            TagBatchSeed.CopyTo(seedBuf[32..]);
            Span<byte> extra = seedBuf.Slice(64, 32);
            extra.Clear();
            extraRandom32[..Math.Min(32, extraRandom32.Length)].CopyTo(extra);
            BinaryPrimitives.WriteUInt64LittleEndian(seedBuf.Slice(96, 8), (ulong)u);
            SHA256.HashData(seedBuf, seed);

            // Coefficients of sum(a_i*s_i)*G - sum(a_i*R_i) - sum(a_i*e_i*P_i) = infinity, which is BIP340's
            // (s_1 + a_2 s_2 + ... + a_u s_u)G = R_1 + a_2 R_2 + ... + a_u R_u + e_1 P_1 + (a_2 e_2)P_2 + ... + (a_u e_u)P_u
            // with every term moved to one side. The R_i terms keep their 128-bit randomizers (-a_i is n - a_i,
            // read by the MSM as "a_i, negated"), so only the P_i terms need the GLV split.
            Scalar g = Scalar.Zero;
            Span<byte> block = stackalloc byte[32];
            Span<byte> counterInput = stackalloc byte[40];
            seed.CopyTo(counterInput);
            ulong counter = 0;
            int available = 0;
            for (int i = 0; i < u; i++)
            {
                Scalar a;
                if (i == 0)
                {
                    // BIP340 batch: a_1 = 1.
                    a = Scalar.One;
                }
                else
                {
                    do
                    {
                        if (available == 0)
                        {
                            BinaryPrimitives.WriteUInt64LittleEndian(counterInput[32..], counter++);
                            SHA256.HashData(counterInput, block);
                            available = 2;
                        }

                        // BIP340 draws a_i from [1, n-1]; 128-bit values keep the chance that an invalid batch
                        // passes at about 2^-128 (the bad terms cancel for at most one a_i value) and let the
                        // R_i terms skip the GLV split. Two candidates per block; zero is skipped (a_i != 0).
                        int off = (2 - available) * 16;
                        available--;
                        a = new Scalar(
                            BinaryPrimitives.ReadUInt64LittleEndian(block.Slice(off, 8)),
                            BinaryPrimitives.ReadUInt64LittleEndian(block.Slice(off + 8, 8)),
                            0,
                            0);
                    }
                    while (a.IsZero);
                }

                g = g.Add(a.Multiply(ss[i]));
                es[i] = a.Multiply(es[i]).Negate();
                ss[i] = a.Negate();
            }

            CryptographicOperations.ZeroMemory(block);
            JacobianPoint sum = EcMultBatch.MultiplyAddVariable(g, ps, es, rs, ss);
            return sum.IsInfinity;
        }
        finally
        {
            ArrayPool<GroupElement>.Shared.Return(pool);
            ArrayPool<Scalar>.Shared.Return(scalarPool);
            ArrayPool<byte>.Shared.Return(seedInput);
        }
    }
}
