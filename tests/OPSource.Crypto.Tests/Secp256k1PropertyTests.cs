using System.Globalization;
using System.Numerics;
using CsCheck;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Crypto.Tests;

/// <summary>CsCheck property tests: algebraic laws of the field/scalar and consistency of the multipliers and schemes.</summary>
public class Secp256k1PropertyTests
{
    private static readonly BigInteger N = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    private static readonly BigInteger P = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static readonly Gen<byte[]> Bytes32 = Gen.Byte.Array[32];

    /// <summary>Random scalars biased towards edges (0, 1, n-1, small, all-ones).</summary>
    private static readonly Gen<Scalar> GenScalar = Gen.OneOf(
        Bytes32.Select(b => Scalar.CreateReduced(b)),
        Gen.UInt.Select(v => Scalar.FromInt(v)),
        Gen.Int[0, 3].Select(i => Scalar.Zero.Add(Scalar.One.Negate()).Add(Scalar.FromInt((uint)i).Negate())));

    private static readonly Gen<FieldElement> GenField = Gen.OneOf(
        Bytes32.Select(b => FieldElement.CreateReduced(b)),
        Gen.UInt.Select(v => FieldElement.FromInt(v)),
        Gen.UInt[0, 3].Select(i => FieldElement.FromInt(i + 1).Negate()));

    private static readonly Gen<SecretKey> GenKey = Bytes32.Where(b => SecretKey.TryCreate(b, out _)).Select(b => SecretKey.Create(b));

    private static BigInteger ToBig(Scalar s)
    {
        Span<byte> b = stackalloc byte[32];
        s.WriteTo(b);
        return new BigInteger(b, isUnsigned: true, isBigEndian: true);
    }

    private static BigInteger ToBig(FieldElement f)
    {
        Span<byte> b = stackalloc byte[32];
        f.WriteTo(b);
        return new BigInteger(b, isUnsigned: true, isBigEndian: true);
    }

    [Fact]
    public void Scalar_arithmetic_matches_BigInteger_mod_n() =>
        Gen.Select(GenScalar, GenScalar).Sample((a, b) =>
            ToBig(a + b) == (ToBig(a) + ToBig(b)) % N
            && ToBig(a * b) == ToBig(a) * ToBig(b) % N
            && ToBig(-a) == (N - ToBig(a)) % N
            && (a.IsZero || (a * a.Inverse()) == Scalar.One)
            && a.Inverse() == a.InverseVariable() && (a.IsZero || a.InverseVariable() * a == Scalar.One)
            && a.IsHigh == (ToBig(a) > N / 2)
            && Scalar.Select(a, b, true) == b && Scalar.Select(a, b, false) == a, iter: 3000);

    [Fact]
    public void Field_arithmetic_matches_BigInteger_mod_p() =>
        Gen.Select(GenField, GenField).Sample((a, b) =>
            ToBig(a + b) == (ToBig(a) + ToBig(b)) % P
            && ToBig(a - b) == (((ToBig(a) - ToBig(b)) % P) + P) % P
            && ToBig(a * b) == ToBig(a) * ToBig(b) % P
            && ToBig(a.Square()) == ToBig(a) * ToBig(a) % P
            && ToBig(a.MultiplySmall(8)) == ToBig(a) * 8 % P && a.Half().Double() == a
            && (a.IsZero || (a * a.Inverse()) == FieldElement.One) && a.InverseVariable() == a.Inverse() && a.InverseConstantTime() == a.Inverse()
            && a.TrySqrt(out FieldElement r) == (BigInteger.ModPow(ToBig(a), (P - 1) / 2, P) <= 1)
            && (!a.TrySqrt(out r) || r.Square() == a), iter: 3000);

    /// <summary>
    /// Multiplication and squaring keep their accumulators carry-free only within the stored limb bounds
    /// (limbs 0..3 &lt; 2^53, limb 4 &lt; 2^49): drive them with raw limbs anywhere in those bounds, at the maximum
    /// and near powers of two, and check the value (not only the reduced result of a reduced input).
    /// </summary>
    [Fact]
    public void Field_multiplication_is_exact_for_every_stored_limb_pattern()
    {
        Gen<ulong> limb = Gen.OneOf(Gen.ULong[0, (1UL << 53) - 1], Gen.Const((1UL << 53) - 1), Gen.Int[0, 52].Select(k => (1UL << k) - 1), Gen.Int[0, 52].Select(k => 1UL << k));
        Gen<ulong> top = Gen.OneOf(Gen.ULong[0, (1UL << 49) - 1], Gen.Const((1UL << 49) - 1), Gen.Int[0, 48].Select(k => 1UL << k));
        Gen<(FieldElement Element, BigInteger Value)> raw = Gen.Select(limb, limb, limb, limb, top).Select((n0, n1, n2, n3, n4) =>
            (FieldElement.FromStoredLimbs(n0, n1, n2, n3, n4),
             n0 + ((BigInteger)n1 << 52) + ((BigInteger)n2 << 104) + ((BigInteger)n3 << 156) + ((BigInteger)n4 << 208)));
        const ulong maxLimb = (1UL << 53) - 1, maxTop = (1UL << 49) - 1;
        FieldElement max = FieldElement.FromStoredLimbs(maxLimb, maxLimb, maxLimb, maxLimb, maxTop);
        BigInteger maxValue = maxLimb + ((BigInteger)maxLimb << 52) + ((BigInteger)maxLimb << 104) + ((BigInteger)maxLimb << 156) + ((BigInteger)maxTop << 208);
        Assert.Equal(maxValue * maxValue % P, ToBig(max * max));
        Assert.Equal(maxValue * maxValue % P, ToBig(max.Square()));
        Gen.Select(raw, raw).Sample((a, b) =>
            ToBig(a.Element * b.Element) == a.Value * b.Value % P
            && ToBig(a.Element.Square()) == a.Value * a.Value % P
            && ToBig(a.Element) == a.Value % P, iter: 20000);
    }

    /// <summary>
    /// The variable-time inverses (Kaliski almost-inverse) must agree with the constant-time chains on the
    /// inputs where shift-based inverses typically break: powers of two, 2^k - 1 and their negations.
    /// </summary>
    [Fact]
    public void Variable_time_inverses_agree_with_constant_time_on_power_of_two_edges()
    {
        Span<byte> bytes = stackalloc byte[32];
        for (int k = 0; k < 256; k++)
        {
            foreach (BigInteger v in new[] { BigInteger.One << k, (BigInteger.One << k) - 1, (BigInteger.One << k) + 1 })
            {
                bytes.Clear();
                (v % P).TryWriteBytes(bytes[(32 - (v % P).GetByteCount(isUnsigned: true))..], out _, isUnsigned: true, isBigEndian: true);
                FieldElement f = FieldElement.CreateReduced(bytes);
                Assert.True(f.InverseVariable() == f.Inverse() && f.Negate().InverseVariable() == f.Negate().Inverse(), $"field inverse mismatch at 2^{k} (+-1)");
                Assert.True(f.InverseConstantTime() == f.Inverse() && f.Negate().InverseConstantTime() == f.Negate().Inverse(), $"constant-time safegcd field inverse mismatch at 2^{k} (+-1)");
                bytes.Clear();
                (v % N).TryWriteBytes(bytes[(32 - (v % N).GetByteCount(isUnsigned: true))..], out _, isUnsigned: true, isBigEndian: true);
                Scalar s = Scalar.CreateReduced(bytes);
                Assert.True(s.InverseVariable() == s.Inverse() && s.Negate().InverseVariable() == s.Negate().Inverse(), $"scalar inverse mismatch at 2^{k} (+-1)");
            }
        }
    }

    [Fact]
    public void Reduced_parsers_reduce_and_strict_parsers_reject_overflow() =>
        Bytes32.Sample(b =>
        {
            BigInteger v = new(b, isUnsigned: true, isBigEndian: true);
            return Scalar.TryCreate(b, out _) == (v < N) && ToBig(Scalar.CreateReduced(b)) == v % N
                && FieldElement.TryCreate(b, out _) == (v < P) && ToBig(FieldElement.CreateReduced(b)) == v % P;
        }, iter: 2000);

    [Fact]
    public void Glv_constants_and_split_are_correct()
    {
        Scalar lambda = EcMult.LambdaValue;
        Assert.Equal(Scalar.One, lambda * lambda * lambda);
        FieldElement beta = GroupElement.Beta;
        Assert.Equal(FieldElement.One, beta * beta * beta);
        GroupElement lg = EcMult.MultiplyGenerator(lambda).ToAffine();
        Assert.Equal(GroupElement.Generator.MultiplyLambda(), lg);

        GenScalar.Sample(k =>
        {
            EcMult.SplitLambda(k, out Scalar k1, out Scalar k2);
            BigInteger b1 = ToBig(k1), b2 = ToBig(k2);
            BigInteger m1 = BigInteger.Min(b1, N - b1), m2 = BigInteger.Min(b2, N - b2);
            return k1 + (k2 * lambda) == k && m1 < BigInteger.One << 128 && m2 < BigInteger.One << 128;
        }, iter: 2000);
    }

    [Fact]
    public void Multipliers_agree_with_each_other() =>
        Gen.Select(GenScalar, GenScalar, GenScalar).Sample((k, a, b) =>
        {
            GroupElement p = EcMult.MultiplyGenerator(k).ToAffine();
            GroupElement viaGen = EcMult.MultiplyGenerator(a * k + b).ToAffine();
            GroupElement viaConst = EcMult.Multiply(p, a).AddVariable(EcMult.MultiplyGenerator(b).ToAffine()).ToAffine();
            GroupElement viaStrauss = EcMult.MultiplyAddVariable(p, a, b).ToAffine();
            GroupElement viaGenericMul = EcMult.Multiply(GroupElement.Generator, k).ToAffine();
            GroupElement viaPlain = EcMult.MultiplyPlain(p, a).AddVariable(EcMult.MultiplyGenerator(b).ToAffine()).ToAffine();
            return viaGen == viaStrauss && viaConst == viaStrauss && viaGenericMul == p && viaPlain == viaStrauss;
        }, iter: 300);

    [Fact]
    public void Constant_time_multipliers_handle_edge_scalars()
    {
        Scalar lambda = EcMult.LambdaValue;
        var two128 = new Scalar(0, 0, 1, 0);
        Scalar[] edges =
        [
            Scalar.Zero, Scalar.One, Scalar.FromInt(2), Scalar.FromInt(15), Scalar.FromInt(16), Scalar.FromInt(17),
            Scalar.One.Negate(), Scalar.FromInt(2).Negate(), Scalar.FromInt(6).Negate(), Scalar.FromInt(15).Negate(),
            lambda, lambda.Negate(), lambda + Scalar.One, lambda * lambda, two128, two128 + Scalar.One, two128.Negate(),

            // The generator's 7-bit windows: the top window's bits 253..255 at 0 and 7, every digit at -127 or +127.
            new Scalar(0, 0, 0, 1UL << 60), new Scalar(1, 0, 0, 1UL << 60), new Scalar(0, 0, 0, 1UL << 60).Negate(),
            new Scalar(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, (1UL << 61) - 1), new Scalar(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, (1UL << 63) - 1),
            new Scalar(0, 0, 0, 0x7000000000000000UL), new Scalar(0, 0, 0, 0xE000000000000000UL), new Scalar(63, 0, 0, 0), new Scalar(64, 0, 0, 0), new Scalar(65, 0, 0, 0),
        ];
        GroupElement p = EcMult.MultiplyGenerator(Scalar.FromInt(12345)).ToAffine();
        foreach (Scalar k in edges)
        {
            GroupElement expected = EcMult.MultiplyAddVariable(p, k, Scalar.Zero).ToAffine();
            Assert.Equal(expected, EcMult.Multiply(p, k).ToAffine());
            Assert.Equal(expected, EcMult.MultiplyPlain(p, k).ToAffine());
            Assert.Equal(EcMult.MultiplyAddVariable(GroupElement.Generator, k, Scalar.Zero).ToAffine(), EcMult.MultiplyGenerator(k).ToAffine());
            Assert.Equal(EcMult.MultiplyAddVariable(GroupElement.Infinity, Scalar.One, k).ToAffine(), EcMult.MultiplyGenerator(k).ToAffine());
        }

        Assert.True(EcMult.MultiplyGenerator(Scalar.Zero).IsInfinity);
        Assert.True(EcMult.Multiply(p, Scalar.Zero).ToAffine().IsInfinity);
    }

    [Fact]
    public void Generator_multiplication_is_exact_next_to_zero_and_the_group_order()
    {
        // k*G adds its last window without the complete formula: k = ±1..±300 cover every last digit next to n, where
        // the sum before the last addition comes closest to ±(the last entry).
        for (uint j = 1; j <= 300; j++)
        {
            foreach (Scalar k in new[] { Scalar.FromInt(j), Scalar.FromInt(j).Negate() })
            {
                Assert.Equal(EcMult.MultiplyAddVariable(GroupElement.Infinity, Scalar.One, k).ToAffine(), EcMult.MultiplyGenerator(k).ToAffine());
            }
        }

        Assert.True(EcMult.MultiplyGenerator(Scalar.Zero).ToAffine().IsInfinity);
    }

    [Fact]
    public void Generator_table_scan_gives_the_same_points_with_128_and_256_bit_vectors()
    {
        bool before = EcMult.GenScanVector256;
        try
        {
            GenScalar.Sample(k =>
            {
                EcMult.GenScanVector256 = false;
                GroupElement narrow = EcMult.MultiplyGenerator(k).ToAffine();
                EcMult.GenScanVector256 = before;
                GroupElement wide = EcMult.MultiplyGenerator(k).ToAffine();
                return narrow == wide && narrow == EcMult.MultiplyAddVariable(GroupElement.Infinity, Scalar.One, k).ToAffine();
            }, iter: 300, threads: 1);
        }
        finally
        {
            EcMult.GenScanVector256 = before;
        }
    }

    [Fact]
    public void Point_addition_laws_hold_including_special_cases() =>
        Gen.Select(GenScalar, GenScalar).Sample((a, b) =>
        {
            GroupElement pa = EcMult.MultiplyGenerator(a).ToAffine();
            GroupElement pb = EcMult.MultiplyGenerator(b).ToAffine();
            JacobianPoint ja = pa.ToJacobian();
            GroupElement sum = EcMult.MultiplyGenerator(a + b).ToAffine();
            return ja.Add(pb).ToAffine() == sum
                && ja.AddVariable(pb).ToAffine() == sum
                && ja.Add(pb.ToJacobian()).ToAffine() == sum
                && ja.Add(pa).ToAffine() == ja.Double().ToAffine()
                && ja.Add(pa.Negate()).IsInfinity
                && JacobianPoint.Infinity.Add(pb).ToAffine() == pb
                && ja.Add(GroupElement.Infinity).ToAffine() == pa;
        }, iter: 300);

    [Fact]
    public void Batch_affine_conversion_matches_single() =>
        GenScalar.Array[1, 20].Sample(ks =>
        {
            JacobianPoint[] js = ks.Select(k => EcMult.MultiplyGenerator(k).Double()).ToArray();
            var batch = new GroupElement[js.Length];
            JacobianPoint.ToAffineBatch(js, batch);
            return js.Select((j, i) => j.ToAffine() == batch[i] && j.ToAffineVariable() == batch[i]).All(x => x);
        }, iter: 100);

    [Fact]
    public void Ecdsa_sign_verify_round_trip() =>
        Gen.Select(GenKey, Bytes32, Bytes32).Sample((key, msg, other) =>
        {
            using (key)
            {
                EcdsaSignature sig = Ecdsa.Sign(key, msg);
                EcdsaSignature grind = Ecdsa.SignGrindLowR(key, msg);
                bool grindLow = grind.ToDer().Length <= 70 + 1 && grind.ToCompact()[0] < 0x80;
                return sig.IsLowS && Ecdsa.Verify(sig, msg, key.PublicKey)
                    && Ecdsa.Verify(grind, msg, key.PublicKey) && grindLow
                    && EcdsaSignature.TryParseDer(sig.ToDer(), out EcdsaSignature back) && back == sig
                    && EcdsaSignature.TryParseDerLax(sig.ToDer(), out EcdsaSignature lax) && lax == sig
                    && Ecdsa.Verify(sig, other, key.PublicKey) == msg.AsSpan().SequenceEqual(other);
            }
        }, iter: 200);

    [Fact]
    public void Schnorr_sign_verify_round_trip() =>
        Gen.Select(GenKey, Gen.Byte.Array[0, 100], Bytes32).Sample((key, msg, aux) =>
        {
            using (key)
            {
                byte[] sig = Schnorr.Sign(key, msg, aux);
                byte[] bad = (byte[])sig.Clone();
                bad[63] ^= 1;
                return Schnorr.Verify(sig, msg, key.XOnlyPublicKey) && !Schnorr.Verify(bad, msg, key.XOnlyPublicKey);
            }
        }, iter: 200);

    [Fact]
    public void Tweak_commutation_holds() =>
        Gen.Select(GenKey, Bytes32).Sample((key, tweak) =>
        {
            using (key)
            {
                bool ok = true;
                if (key.TryAddTweak(tweak, out SecretKey? added))
                {
                    using (added)
                    {
                        ok &= key.PublicKey.TryAddTweak(tweak, out PublicKey p) && p == added.PublicKey;
                    }
                }

                if (key.TryMultiplyTweak(tweak, out SecretKey? mul))
                {
                    using (mul)
                    {
                        ok &= key.PublicKey.TryMultiplyTweak(tweak, out PublicKey p) && p == mul.PublicKey;
                    }
                }

                if (key.TryAddXOnlyTweak(tweak, out SecretKey? xt))
                {
                    using (xt)
                    {
                        ok &= key.XOnlyPublicKey.TryAddTweak(tweak, out XOnlyPublicKey q, out bool odd)
                            && q == xt.XOnlyPublicKey && q.CheckTweakAdd(key.XOnlyPublicKey, tweak, odd);
                    }
                }

                return ok;
            }
        }, iter: 200);

    [Fact]
    public void Ecdh_is_symmetric() =>
        Gen.Select(GenKey, GenKey).Sample((a, b) =>
        {
            using (a)
            using (b)
            {
                Span<byte> s1 = stackalloc byte[32];
                Span<byte> s2 = stackalloc byte[32];
                Ecdh.ComputeSharedSecret(a, b.PublicKey, s1);
                Ecdh.ComputeSharedSecret(b, a.PublicKey, s2);
                return s1.SequenceEqual(s2);
            }
        }, iter: 100);

    [Fact]
    public void Random_bytes_never_crash_parsers() =>
        Gen.Byte.Array[0, 80].Sample(b =>
        {
            _ = PublicKey.TryParse(b, out _);
            _ = XOnlyPublicKey.TryParse(b, out _);
            _ = EcdsaSignature.TryParseDer(b, out _);
            _ = EcdsaSignature.TryParseDerLax(b, out _);
            _ = EcdsaSignature.TryParseCompact(b, out _);
            _ = RecoverableSignature.TryParseCompact(b, b.Length % 5, out _);
            _ = SecretKey.TryCreate(b, out SecretKey? k);
            k?.Dispose();
            return true;
        }, iter: 20000);

    [Fact]
    public void Secrets_do_not_leak_through_ToString_and_dispose_wipes()
    {
        byte[] raw = Convert.FromHexString("B7E151628AED2A6ABF7158809CF4F3C762E7160F38B4DA56A784D9045190CFEF");
        var key = SecretKey.Create(raw);
        Assert.DoesNotContain("b7e1", key.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("b7e1", EcMult.LambdaValue.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(key, SecretKey.Create(raw));
        ArgumentException ex = Assert.Throws<ArgumentException>(() => SecretKey.Create(new byte[32]));
        Assert.DoesNotContain("0000", ex.Message, StringComparison.Ordinal);
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.WriteTo(new byte[32]));
    }
}
