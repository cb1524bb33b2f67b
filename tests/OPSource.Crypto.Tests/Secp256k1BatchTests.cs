using System.Globalization;
using System.Numerics;
using CsCheck;
using OPSource.Crypto.Secp256k1;
using OPSource.TestSupport;

namespace OPSource.Crypto.Tests;

/// <summary>BIP340 batch verification (Schnorr.VerifyBatch) and the multi-scalar multiplication under it.</summary>
public class Secp256k1BatchTests
{
    private static readonly BigInteger N = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    private static readonly byte[] NBytes = Convert.FromHexString("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
    private static readonly byte[] PBytes = Convert.FromHexString("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F");

    /// <summary>A fixed set of signers: key derivation is not what these tests measure.</summary>
    private static readonly SecretKey[] Keys = Enumerable.Range(1, 8)
        .Select(i => SecretKey.Create(SHA256Of($"batch-test-key-{i}")))
        .ToArray();

    private static byte[] SHA256Of(string s) => System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(s));

    private sealed record VectorRow(int Index, string PublicKey, byte[] Message, byte[] Signature, bool Expected, string Comment);

    private static List<VectorRow> ReadRows() =>
        Vectors.ReadText("bips", "bip340_test-vectors.csv")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1)
            .Select(l => l.TrimEnd('\r').Split(','))
            .Select(f => new VectorRow(
                int.Parse(f[0], CultureInfo.InvariantCulture),
                f[2],
                Convert.FromHexString(f[4]),
                Convert.FromHexString(f[5]),
                f[6] == "TRUE",
                f.Length > 7 ? f[7] : ""))
            .ToList();

    private static SchnorrBatchItem ToItem(VectorRow row) =>
        new(row.Signature, row.Message, XOnlyPublicKey.Parse(Convert.FromHexString(row.PublicKey)));

    public static TheoryData<int> InvalidRows()
    {
        var data = new TheoryData<int>();
        foreach (VectorRow row in ReadRows().Where(r => !r.Expected))
        {
            data.Add(row.Index);
        }

        return data;
    }

    [Fact]
    public void Vector_file_has_valid_and_invalid_rows()
    {
        List<VectorRow> rows = ReadRows();
        Assert.True(rows.Count(r => r.Expected) >= 8, "expected at least 8 valid BIP340 rows");
        Assert.True(rows.Count(r => !r.Expected) >= 10, "expected at least 10 invalid BIP340 rows");
    }

    [Fact]
    public void All_valid_vector_rows_verify_as_one_batch()
    {
        SchnorrBatchItem[] batch = ReadRows().Where(r => r.Expected).Select(ToItem).ToArray();
        Assert.True(Schnorr.VerifyBatch(batch));
        // Every prefix too (sizes 1..u, including the single-item fallback).
        for (int k = 1; k <= batch.Length; k++)
        {
            Assert.True(Schnorr.VerifyBatch(batch.AsSpan(0, k)), $"prefix of {k} valid rows rejected");
        }
    }

    [Theory]
    [MemberData(nameof(InvalidRows))]
    public void Each_invalid_vector_row_fails_a_batch_of_valid_rows(int index)
    {
        List<VectorRow> rows = ReadRows();
        VectorRow bad = rows.Single(r => r.Index == index);
        SchnorrBatchItem[] valid = rows.Where(r => r.Expected).Select(ToItem).ToArray();
        if (!XOnlyPublicKey.TryParse(Convert.FromHexString(bad.PublicKey), out XOnlyPublicKey key))
        {
            // BIP340: P = lift_x(pk) fails, so the row is invalid before any batch is formed; an
            // XOnlyPublicKey cannot hold it. The single verification of the vector file agrees.
            Assert.Contains("public key", bad.Comment, StringComparison.OrdinalIgnoreCase);
            return;
        }

        var badItem = new SchnorrBatchItem(bad.Signature, bad.Message, key);
        Assert.False(Schnorr.Verify(bad.Signature, bad.Message, key), $"row {index}: single verification accepted ({bad.Comment})");
        for (int pos = 0; pos <= valid.Length; pos++)
        {
            SchnorrBatchItem[] batch = [.. valid[..pos], badItem, .. valid[pos..]];
            Assert.False(Schnorr.VerifyBatch(batch), $"row {index} at position {pos}: batch accepted ({bad.Comment})");
        }

        Assert.False(Schnorr.VerifyBatch([badItem]), $"row {index} alone: accepted ({bad.Comment})");
    }

    [Fact]
    public void Empty_batch_is_valid() => Assert.True(Schnorr.VerifyBatch(ReadOnlySpan<SchnorrBatchItem>.Empty));

    [Fact]
    public void Wrong_signature_length_fails_the_batch()
    {
        SchnorrBatchItem[] valid = ReadRows().Where(r => r.Expected).Select(ToItem).ToArray();
        var shortSig = new SchnorrBatchItem(valid[0].Signature[..63], valid[0].Message, valid[0].PublicKey);
        Assert.False(Schnorr.VerifyBatch([valid[1], shortSig]));
        Assert.False(Schnorr.VerifyBatch([shortSig]));
    }

    [Fact]
    public void Deterministic_seed_gives_the_same_answer_and_default_key_throws()
    {
        SchnorrBatchItem[] valid = ReadRows().Where(r => r.Expected).Select(ToItem).ToArray();
        Assert.True(Schnorr.VerifyBatch(valid, new byte[32]));
        Assert.True(Schnorr.VerifyBatch(valid, Enumerable.Repeat((byte)0xAB, 32).ToArray()));
        // default(XOnlyPublicKey) is a caller bug, reported as single verification reports it.
        SchnorrBatchItem[] withDefault = [valid[0], new SchnorrBatchItem(valid[1].Signature, valid[1].Message, default)];
        Assert.Throws<InvalidOperationException>(() => Schnorr.VerifyBatch(withDefault));
    }

    /// <summary>
    /// Two signatures off by +1 and -1 in s: their errors cancel when every multiplier is 1, so a batch
    /// check without randomizers accepts them. The real batch must reject them.
    /// </summary>
    [Fact]
    public void Cancelling_invalid_signatures_are_rejected()
    {
        SecretKey key = Keys[0];
        byte[] m1 = SHA256Of("cancel-1");
        byte[] m2 = SHA256Of("cancel-2");
        byte[] sig1 = Schnorr.Sign(key, m1, SHA256Of("aux-1"));
        byte[] sig2 = Schnorr.Sign(key, m2, SHA256Of("aux-2"));
        byte[] bad1 = WithS(sig1, 1);
        byte[] bad2 = WithS(sig2, -1);
        XOnlyPublicKey pk = key.XOnlyPublicKey;
        Assert.False(Schnorr.Verify(bad1, m1, pk));
        Assert.False(Schnorr.Verify(bad2, m2, pk));

        // The naive check (all a_i = 1) through the same MSM: (s1' + s2')G - R1 - R2 - e1 P - e2 P = infinity.
        Assert.True(NaiveSumIsInfinity([bad1, bad2], [m1, m2], pk), "the pair must cancel without randomizers");

        SchnorrBatchItem[] batch = [new(bad1, m1, pk), new(bad2, m2, pk)];
        Assert.False(Schnorr.VerifyBatch(batch));
        Assert.False(Schnorr.VerifyBatch(batch, new byte[32]));
        // Same with valid signatures around them.
        byte[] m3 = SHA256Of("cancel-3");
        SchnorrBatchItem good = new(Schnorr.Sign(Keys[1], m3, default), m3, Keys[1].XOnlyPublicKey);
        Assert.True(Schnorr.VerifyBatch([good, new(sig1, m1, pk), new(sig2, m2, pk)]));
        Assert.False(Schnorr.VerifyBatch([good, batch[0], good, batch[1]]));
    }

    private static bool NaiveSumIsInfinity(byte[][] sigs, byte[][] msgs, XOnlyPublicKey pk)
    {
        Scalar g = Scalar.Zero;
        var rs = new GroupElement[sigs.Length];
        var ps = new GroupElement[sigs.Length];
        var es = new Scalar[sigs.Length];
        var minusOne = new Scalar[sigs.Length];
        byte[] px = pk.ToBytes();
        for (int i = 0; i < sigs.Length; i++)
        {
            Assert.True(FieldElement.TryCreate(sigs[i].AsSpan(0, 32), out FieldElement rx));
            Assert.True(GroupElement.TryLiftX(rx, out rs[i]));
            Assert.True(Scalar.TryCreate(sigs[i].AsSpan(32), out Scalar s));
            g = g.Add(s);
            byte[] e = new byte[32];
            SecpHash.Tagged(SecpHash.TagChallenge, sigs[i].AsSpan(0, 32), px, msgs[i], e);
            es[i] = Scalar.CreateReduced(e).Negate();
            ps[i] = pk.Point;
            minusOne[i] = Scalar.One.Negate();
        }

        return EcMultBatch.MultiplyAddVariable(g, ps, es, rs, minusOne).IsInfinity;
    }

    private static byte[] WithS(byte[] sig, int delta)
    {
        Assert.True(Scalar.TryCreate(sig.AsSpan(32), out Scalar s));
        Scalar d = delta >= 0 ? Scalar.FromInt((uint)delta) : Scalar.FromInt((uint)-delta).Negate();
        byte[] result = (byte[])sig.Clone();
        s.Add(d).WriteTo(result.AsSpan(32));
        return result;
    }

    /// <summary>Corruptions a batch member may carry; None leaves a valid signature.</summary>
    private enum Corruption
    {
        None,
        FlipSignatureBit,
        FlipMessageBit,
        FlipKeyBit,
        SwapKey,
        SHighOrEqualN,
        RHighOrEqualP,
        RNotOnCurve,
        SPlusOne,
    }

    private sealed record ItemSpec(int Key, byte[] Message, byte[] Aux, Corruption Corruption, int Bit);

    private static readonly Gen<Corruption> GenCorruption = Gen.Frequency(
        (12, Gen.Const(Corruption.None)),
        (1, Gen.Enum<Corruption>()));

    private static readonly Gen<ItemSpec> GenItem = Gen.Select(
        Gen.Int[0, Keys.Length - 1], Gen.Byte.Array[0, 40], Gen.Byte.Array[32], GenCorruption, Gen.Int[0, 511])
        .Select((k, m, a, c, b) => new ItemSpec(k, m, a, c, b));

    private static SchnorrBatchItem Build(ItemSpec spec)
    {
        SecretKey key = Keys[spec.Key];
        byte[] sig = Schnorr.Sign(key, spec.Message, spec.Aux);
        byte[] msg = (byte[])spec.Message.Clone();
        XOnlyPublicKey pk = key.XOnlyPublicKey;
        switch (spec.Corruption)
        {
            case Corruption.FlipSignatureBit:
                sig[spec.Bit >> 3] ^= (byte)(1 << (spec.Bit & 7));
                break;
            case Corruption.FlipMessageBit:
                if (msg.Length == 0)
                {
                    msg = [(byte)spec.Bit];
                }
                else
                {
                    msg[(spec.Bit >> 3) % msg.Length] ^= (byte)(1 << (spec.Bit & 7));
                }

                break;
            case Corruption.FlipKeyBit:
                byte[] kb = pk.ToBytes();
                kb[(spec.Bit >> 3) & 31] ^= (byte)(1 << (spec.Bit & 7));
                // A flipped x that is not on the curve cannot be an XOnlyPublicKey: use another signer instead.
                pk = XOnlyPublicKey.TryParse(kb, out XOnlyPublicKey flipped) ? flipped : Keys[(spec.Key + 1) % Keys.Length].XOnlyPublicKey;
                break;
            case Corruption.SwapKey:
                pk = Keys[(spec.Key + 1) % Keys.Length].XOnlyPublicKey;
                break;
            case Corruption.SHighOrEqualN:
                // n + j for small j (still 32 bytes), or all ones.
                NBytes.CopyTo(sig, 32);
                sig[63] = (byte)(0x41 + (spec.Bit & 0x3F));
                if ((spec.Bit & 0x100) != 0)
                {
                    sig.AsSpan(32).Fill(0xFF);
                }

                break;
            case Corruption.RHighOrEqualP:
                PBytes.CopyTo(sig, 0);
                sig[31] = (byte)(0x2F + (spec.Bit & 0x3F));
                break;
            case Corruption.RNotOnCurve:
                // Walk x upward from r until x^3 + 7 has no square root.
                while (true)
                {
                    sig[31] = (byte)(sig[31] + 1);
                    if (FieldElement.TryCreate(sig.AsSpan(0, 32), out FieldElement x) && !GroupElement.TryLiftX(x, out _))
                    {
                        break;
                    }
                }

                break;
            case Corruption.SPlusOne:
                sig = WithS(sig, 1);
                break;
            default:
                break;
        }

        return new SchnorrBatchItem(sig, msg, pk);
    }

    [Fact]
    public void Batch_equals_the_AND_of_single_verifications()
    {
        // Up to 48 items: both the Strauss path and (from 40 items) the bucket path.
        int accepted = 0, rejected = 0;
        GenItem.Array[1, 48].Sample(specs =>
        {
            SchnorrBatchItem[] batch = specs.Select(Build).ToArray();
            bool expected = batch.All(i => Schnorr.Verify(i.Signature.Span, i.Message.Span, i.PublicKey));
            bool actual = Schnorr.VerifyBatch(batch);
            Interlocked.Increment(ref expected ? ref accepted : ref rejected);
            return actual == expected;
        }, iter: 120);
        Assert.True(accepted > 0 && rejected > 0, $"the generator must produce both outcomes ({accepted} valid, {rejected} invalid batches)");
    }

    [Fact]
    public void Random_signature_bytes_fail_without_throwing() =>
        Gen.Select(Gen.Byte.Array[0, 80], Gen.Byte.Array[0, 40], Gen.Int[0, Keys.Length - 1]).Array[2, 12]
            .Sample(items =>
            {
                // A valid member first, then random signatures of random lengths: a false answer, never an exception.
                byte[] msg = SHA256Of("random-bytes");
                SchnorrBatchItem good = new(Schnorr.Sign(Keys[0], msg, default), msg, Keys[0].XOnlyPublicKey);
                SchnorrBatchItem[] batch = [good, .. items.Select(t => new SchnorrBatchItem(t.Item1, t.Item2, Keys[t.Item3].XOnlyPublicKey))];
                return !Schnorr.VerifyBatch(batch);
            }, iter: 200);

    [Fact]
    public void Batches_of_valid_signatures_verify() =>
        Gen.Select(Gen.Int[0, Keys.Length - 1], Gen.Byte.Array[0, 40], Gen.Byte.Array[32])
            .Select((k, m, a) => new ItemSpec(k, m, a, Corruption.None, 0))
            .Array[2, 40]
            .Sample(specs => Schnorr.VerifyBatch(specs.Select(Build).ToArray()), iter: 30);

    [Fact]
    public void One_corrupted_member_fails_the_batch() =>
        Gen.Select(Gen.Int[2, 24], Gen.Int[0, 1000], Gen.Enum<Corruption>().Where(c => c != Corruption.None), Gen.Int[0, 511])
            .Sample((count, seed, corruption, bit) =>
            {
                ItemSpec[] specs = Enumerable.Range(0, count)
                    .Select(i => new ItemSpec(i % Keys.Length, SHA256Of($"m{seed}-{i}"), SHA256Of($"a{seed}-{i}"), Corruption.None, 0))
                    .ToArray();
                int victim = seed % count;
                specs[victim] = specs[victim] with { Corruption = corruption, Bit = bit };
                SchnorrBatchItem[] batch = specs.Select(Build).ToArray();
                bool singleOk = Schnorr.Verify(batch[victim].Signature.Span, batch[victim].Message.Span, batch[victim].PublicKey);
                // A flipped key bit can land on another signer's key; otherwise the member is invalid.
                return Schnorr.VerifyBatch(batch) == singleOk;
            }, iter: 60);

    // ---- The multi-scalar multiplication itself ----

    private static readonly Gen<Scalar> GenScalar = Gen.OneOf(
        Gen.Byte.Array[32].Select(b => Scalar.CreateReduced(b)),
        Gen.UInt.Select(v => Scalar.FromInt(v)),
        Gen.UInt[0, 3].Select(i => Scalar.FromInt(i + 1).Negate()));

    private static readonly Gen<Scalar> GenShortScalar = Gen.Select(Gen.ULong, Gen.ULong, Gen.Bool, Gen.Int[0, 9])
        .Select((lo, hi, neg, edge) =>
        {
            // Edges: 0, 1, 2^128 - 1 and their negations; otherwise a random 128-bit value.
            Scalar s = edge switch
            {
                0 => Scalar.Zero,
                1 => Scalar.One,
                2 => new Scalar(ulong.MaxValue, ulong.MaxValue, 0, 0),
                _ => new Scalar(lo, hi, 0, 0),
            };
            return neg ? s.Negate() : s;
        });

    private static readonly Gen<GroupElement> GenPoint = Gen.Frequency(
        (10, GenScalar.Where(k => !k.IsZero).Select(k => EcMult.MultiplyGenerator(k).ToAffineVariable())),
        (1, Gen.Const(GroupElement.Infinity)));

    private static JacobianPoint Naive(Scalar g, GroupElement[] ps, Scalar[] ks, GroupElement[] qs, Scalar[] ls)
    {
        JacobianPoint acc = EcMult.MultiplyAddVariable(GroupElement.Infinity, Scalar.Zero, g);
        for (int i = 0; i < ps.Length; i++)
        {
            acc = acc.AddVariable(EcMult.MultiplyAddVariable(ps[i], ks[i], Scalar.Zero));
        }

        for (int i = 0; i < qs.Length; i++)
        {
            acc = acc.AddVariable(EcMult.MultiplyAddVariable(qs[i], ls[i], Scalar.Zero));
        }

        return acc;
    }

    private static bool SamePoint(JacobianPoint a, JacobianPoint b) => a.ToAffineVariable() == b.ToAffineVariable();

    [Fact]
    public void Msm_matches_the_sum_of_single_multiplications() =>
        Gen.Select(GenScalar, Gen.Select(GenPoint, GenScalar).Array[0, 6], Gen.Select(GenPoint, GenShortScalar).Array[0, 6], Gen.Int[0, 6])
            .Sample((g, full, shorts, window) =>
            {
                GroupElement[] ps = full.Select(t => t.Item1).ToArray();
                Scalar[] ks = full.Select(t => t.Item2).ToArray();
                GroupElement[] qs = shorts.Select(t => t.Item1).ToArray();
                Scalar[] ls = shorts.Select(t => t.Item2).ToArray();
                JacobianPoint expected = Naive(g, ps, ks, qs, ls);
                // Both algorithms, Pippenger at every window 2..6 (0 = its own choice), whatever the dispatcher picks.
                return SamePoint(EcMultBatch.MultiplyAddVariable(g, ps, ks, qs, ls), expected)
                    && SamePoint(EcMultBatch.StraussVariable(g, ps, ks, qs, ls), expected)
                    && SamePoint(EcMultBatch.PippengerVariable(g, ps, ks, qs, ls, window == 1 ? 2 : window), expected);
            }, iter: 150);

    [Fact]
    public void Msm_algorithms_agree_on_large_inputs() =>
        Gen.Select(GenScalar, Gen.Select(GenPoint, GenScalar).Array[30, 60], Gen.Select(GenPoint, GenShortScalar).Array[30, 80])
            .Sample((g, full, shorts) =>
            {
                GroupElement[] ps = full.Select(t => t.Item1).ToArray();
                Scalar[] ks = full.Select(t => t.Item2).ToArray();
                GroupElement[] qs = shorts.Select(t => t.Item1).ToArray();
                Scalar[] ls = shorts.Select(t => t.Item2).ToArray();
                JacobianPoint strauss = EcMultBatch.StraussVariable(g, ps, ks, qs, ls);
                return SamePoint(strauss, EcMultBatch.PippengerVariable(g, ps, ks, qs, ls))
                    && SamePoint(strauss, EcMultBatch.PippengerVariable(g, ps, ks, qs, ls, 8))
                    && SamePoint(strauss, EcMultBatch.PippengerVariable(g, ps, ks, qs, ls, 13));
            }, iter: 10);

    [Fact]
    public void Large_batches_with_repeated_keys_and_signatures_verify()
    {
        // Same key, same signature 60 times (every bucket pair doubles), and one key over many messages.
        SchnorrBatchItem one = Build(new ItemSpec(3, SHA256Of("repeat"), new byte[32], Corruption.None, 0));
        Assert.True(Schnorr.VerifyBatch(Enumerable.Repeat(one, 60).ToArray()));
        SchnorrBatchItem[] sameKey = Enumerable.Range(0, 60)
            .Select(i => Build(new ItemSpec(5, SHA256Of($"same-key-{i}"), new byte[32], Corruption.None, 0)))
            .ToArray();
        Assert.True(Schnorr.VerifyBatch(sameKey));
        SchnorrBatchItem bad = Build(new ItemSpec(3, SHA256Of("repeat"), new byte[32], Corruption.SPlusOne, 0));
        Assert.False(Schnorr.VerifyBatch([.. Enumerable.Repeat(one, 59), bad]));
        sameKey[17] = Build(new ItemSpec(5, SHA256Of("same-key-17"), new byte[32], Corruption.FlipSignatureBit, 300));
        Assert.False(Schnorr.VerifyBatch(sameKey));
    }

    [Fact]
    public void Pippenger_window_grows_with_the_number_of_terms()
    {
        int previous = 0;
        foreach (int terms in new[] { 1, 10, 48, 144, 768, 1536, 6000, 100_000 })
        {
            int c = EcMultBatch.PippengerWindow(terms);
            Assert.InRange(c, Math.Max(2, previous), 14);
            previous = c;
        }

        Assert.True(EcMultBatch.PippengerWindow(768) >= 7, "768 terms should use at least 7-bit windows");
    }

    [Fact]
    public void Large_batches_take_the_bucket_path_and_still_reject_a_bad_member()
    {
        // 3 terms per signature: 48 signatures exceed the Pippenger threshold.
        int count = (EcMultBatch.PippengerMinTerms / 3) + 8;
        SchnorrBatchItem[] batch = Enumerable.Range(0, count)
            .Select(i => Build(new ItemSpec(i % Keys.Length, SHA256Of($"big-{i}"), SHA256Of($"aux-{i}"), Corruption.None, 0)))
            .ToArray();
        Assert.True(Schnorr.VerifyBatch(batch));
        foreach (Corruption c in new[] { Corruption.SPlusOne, Corruption.FlipMessageBit, Corruption.SwapKey })
        {
            SchnorrBatchItem[] bad = (SchnorrBatchItem[])batch.Clone();
            bad[count / 2] = Build(new ItemSpec(0, SHA256Of("victim"), SHA256Of("victim-aux"), c, 77));
            Assert.False(Schnorr.VerifyBatch(bad), $"{c} accepted in a batch of {count}");
        }
    }

    [Fact]
    public void Msm_cancels_to_infinity_and_handles_repeated_points()
    {
        GroupElement p = EcMult.MultiplyGenerator(Scalar.FromInt(12345)).ToAffineVariable();
        Scalar k = Scalar.CreateReduced(SHA256Of("k"));
        // k*P + (-k)*P + 0*G = infinity; also P added to itself through two terms (doubling inside the sum).
        Assert.True(EcMultBatch.MultiplyAddVariable(Scalar.Zero, [p, p], [k, k.Negate()], [], []).IsInfinity);
        JacobianPoint twice = EcMultBatch.MultiplyAddVariable(Scalar.Zero, [p], [Scalar.One], [p], [Scalar.One]);
        Assert.True(SamePoint(twice, p.ToJacobian().DoubleVariable()));
        // 12345*G - P = infinity via the G tables.
        Assert.True(EcMultBatch.MultiplyAddVariable(Scalar.FromInt(12345), [], [], [p], [Scalar.One.Negate()]).IsInfinity);
        Assert.True(EcMultBatch.MultiplyAddVariable(Scalar.Zero, [], [], [], []).IsInfinity);
        // The bucket method's affine pair additions: P + (-P) cancels, P + P doubles, at every window.
        for (int c = 2; c <= 8; c++)
        {
            Assert.True(EcMultBatch.PippengerVariable(Scalar.Zero, [p, p], [k, k.Negate()], [], [], c).IsInfinity, $"c={c}: k*P - k*P");
            Assert.True(SamePoint(EcMultBatch.PippengerVariable(Scalar.Zero, [p], [Scalar.One], [p], [Scalar.One], c), twice), $"c={c}: P + P");
            GroupElement[] many = Enumerable.Repeat(p, 7).ToArray();
            Scalar[] ones = Enumerable.Repeat(Scalar.One, 7).ToArray();
            Assert.True(SamePoint(EcMultBatch.PippengerVariable(Scalar.Zero, [], [], many, ones, c), EcMult.MultiplyAddVariable(p, Scalar.FromInt(7), Scalar.Zero)), $"c={c}: 7 copies of P");
            Assert.True(EcMultBatch.PippengerVariable(Scalar.FromInt(12345), [], [], [p], [Scalar.One.Negate()], c).IsInfinity, $"c={c}: 12345*G - P");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => EcMultBatch.MultiplyAddVariable(Scalar.Zero, [], [], [p], [k]));
    }

    [Fact]
    public void Short_wnaf_reconstructs_the_scalar() =>
        GenShortScalar.Sample(k =>
        {
            var digits = new sbyte[130];
            int len = EcMultBatch.WnafShort(k, digits, 0, 1);
            BigInteger sum = BigInteger.Zero;
            for (int i = 0; i < digits.Length; i++)
            {
                int d = digits[i];
                if (d == 0)
                {
                    continue;
                }

                if ((d & 1) == 0 || Math.Abs(d) >= 16 || i >= len)
                {
                    return false;
                }

                sum += d * BigInteger.Pow(2, i);
            }

            byte[] b = new byte[32];
            k.WriteTo(b);
            BigInteger expected = new(b, isUnsigned: true, isBigEndian: true);
            return ((sum % N) + N) % N == expected;
        }, iter: 500);

    [Theory]
    [InlineData(16)]
    [InlineData(48)]
    public void Batch_verification_does_not_allocate(int size)
    {
        SchnorrBatchItem[] batch = Enumerable.Range(0, size)
            .Select(i => Build(new ItemSpec(i % Keys.Length, SHA256Of($"alloc-{i}"), new byte[32], Corruption.None, 0)))
            .ToArray();
        Assert.True(Schnorr.VerifyBatch(batch));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(Schnorr.VerifyBatch(batch));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
