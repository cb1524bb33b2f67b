using System.Globalization;
using System.Numerics;
using CsCheck;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Crypto.Tests;

/// <summary>
/// The safegcd inverse (and the Kaliski one it replaces) against BigInteger.ModPow(a, m-2, m) for p and n,
/// on random and edge inputs, and against each other for other odd moduli.
/// </summary>
public class ModInverseTests
{
    private static readonly BigInteger P = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F", NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    private static readonly BigInteger N = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    private static readonly BigInteger Two256 = BigInteger.One << 256;

    private static BigInteger Modulus(string name) => name == "p" ? P : N;

    private static ulong[] ToLimbs(BigInteger x)
    {
        var limbs = new ulong[4];
        for (int i = 0; i < 4; i++)
        {
            limbs[i] = (ulong)(x & ulong.MaxValue);
            x >>= 64;
        }

        return limbs;
    }

    private static BigInteger FromLimbs(ReadOnlySpan<ulong> limbs)
    {
        BigInteger x = BigInteger.Zero;
        for (int i = 3; i >= 0; i--)
        {
            x = (x << 64) | limbs[i];
        }

        return x;
    }

    private static BigInteger Safegcd(BigInteger a, BigInteger m)
    {
        var r = new ulong[4];
        ModInverse.SafegcdVariable(ToLimbs(a), ToLimbs(m), r);
        return FromLimbs(r);
    }

    private static BigInteger Kaliski(BigInteger a, BigInteger m)
    {
        var r = new ulong[4];
        ModInverse.KaliskiVariable(ToLimbs(a), ToLimbs(m), r);
        return FromLimbs(r);
    }

    /// <summary>Through a modulus description built for this call (the path FieldP/OrderN take, prepared once).</summary>
    private static BigInteger WithModulus(BigInteger a, BigInteger m)
    {
        var r = new ulong[4];
        ulong[] limbs = ToLimbs(m);
        var modulus = new ModInverse.SafegcdModulus(limbs[0], limbs[1], limbs[2], limbs[3]);
        ModInverse.SafegcdVariable(ToLimbs(a), in modulus, r);
        return FromLimbs(r);
    }

    /// <summary>The constant-time safegcd (fixed 590 divsteps), as secret nonces are inverted.</summary>
    private static BigInteger ConstantTime(BigInteger a, BigInteger m)
    {
        var r = new ulong[4];
        ulong[] limbs = ToLimbs(m);
        var modulus = new ModInverse.SafegcdModulus(limbs[0], limbs[1], limbs[2], limbs[3]);
        ModInverse.SafegcdConstantTime(ToLimbs(a), in modulus, r);
        return FromLimbs(r);
    }

    /// <summary>Empty when safegcd (both entry points, variable and constant time) and Kaliski all give ModPow(a, m-2, m); else what differs.</summary>
    private static string Check(BigInteger a, BigInteger m)
    {
        BigInteger expected = BigInteger.ModPow(a, m - 2, m);
        BigInteger s = Safegcd(a, m), k = Kaliski(a, m), b = WithModulus(a, m), c = ConstantTime(a, m);
        return s == expected && k == expected && b == expected && c == expected
            ? string.Empty
            : $"a={a:X}: expected {expected:X}, safegcd {s:X}, kaliski {k:X}, with modulus {b:X}, constant time {c:X}";
    }

    private static readonly Gen<BigInteger> Gen256 = Gen.Byte.Array[32].Select(b => new BigInteger(b, isUnsigned: true));

    /// <summary>Random 256-bit values biased towards long runs of equal bits (masks of random bit ranges).</summary>
    private static readonly Gen<BigInteger> GenRuns = Gen.Select(Gen.Int[0, 256], Gen.Int[0, 256], Gen.Bool, Gen256)
        .Select((lo, hi, ones, noise) =>
        {
            int a = Math.Min(lo, hi), b = Math.Max(lo, hi);
            BigInteger run = ((BigInteger.One << b) - 1) ^ ((BigInteger.One << a) - 1);
            return ones ? noise | run : noise & ~run & (Two256 - 1);
        });

    [Theory]
    [InlineData("p")]
    [InlineData("n")]
    public void Random_inputs_match_ModPow(string modulus)
    {
        BigInteger m = Modulus(modulus);
        Gen.OneOf(Gen256, GenRuns).Select(x => x % m).Where(x => !x.IsZero)
            .Sample(a => Check(a, m).Length == 0, iter: 4000);
    }

    /// <summary>Edge inputs by family; each family asserts every value and lists the failing ones by index.</summary>
    public static TheoryData<string, string> EdgeFamilies()
    {
        var data = new TheoryData<string, string>();
        foreach (string m in new[] { "p", "n" })
        {
            foreach (string family in new[] { "small", "below-m", "powers-of-two", "2^k-1", "m-2^k", "bit-runs", "limb-patterns" })
            {
                data.Add(m, family);
            }
        }

        return data;
    }

    private static IEnumerable<BigInteger> Family(string family, BigInteger m)
    {
        switch (family)
        {
            case "small":
                for (int i = 1; i <= 64; i++)
                {
                    yield return i;
                }

                break;
            case "below-m":
                for (int i = 1; i <= 64; i++)
                {
                    yield return m - i;
                }

                yield return m / 2;
                yield return (m / 2) + 1;
                yield return m / 3;
                break;
            case "powers-of-two":
                for (int k = 0; k < 256; k++)
                {
                    yield return BigInteger.One << k;
                }

                break;
            case "2^k-1":
                for (int k = 1; k <= 256; k++)
                {
                    yield return (BigInteger.One << k) - 1;
                }

                break;
            case "m-2^k":
                for (int k = 0; k < 256; k++)
                {
                    yield return m - (BigInteger.One << k);
                }

                break;
            case "bit-runs":
                // A run of ones at [a, b) inside zeros, and its complement, for runs that start and end on
                // limb boundaries (62 and 64 bits) and elsewhere.
                int[] edges = [0, 1, 31, 61, 62, 63, 64, 65, 124, 128, 186, 192, 200, 248, 255, 256];
                foreach (int a in edges)
                {
                    foreach (int b in edges)
                    {
                        if (b > a)
                        {
                            BigInteger run = ((BigInteger.One << b) - 1) ^ ((BigInteger.One << a) - 1);
                            yield return run;
                            yield return (Two256 - 1) ^ run;
                        }
                    }
                }

                break;
            case "limb-patterns":
                ulong[] words = [0, 1, 0x8000000000000000UL, 0x7FFFFFFFFFFFFFFFUL, ulong.MaxValue, 0xAAAAAAAAAAAAAAAAUL, 0x5555555555555555UL, 0x3FFFFFFFFFFFFFFFUL];
                foreach (ulong hi in words)
                {
                    foreach (ulong lo in words)
                    {
                        yield return (new BigInteger(hi) << 192) | (new BigInteger(lo) << 128) | (new BigInteger(hi) << 64) | lo;
                        yield return (new BigInteger(lo) << 192) | new BigInteger(hi);
                    }
                }

                break;
            default:
                throw new ArgumentException("unknown family " + family, nameof(family));
        }
    }

    [Theory]
    [MemberData(nameof(EdgeFamilies))]
    public void Edge_inputs_match_ModPow(string modulus, string family)
    {
        BigInteger m = Modulus(modulus);
        var failures = new List<string>();
        int index = 0, checkedCount = 0;
        foreach (BigInteger raw in Family(family, m))
        {
            BigInteger a = raw % m;
            if (!a.IsZero)
            {
                string error = Check(a, m);
                if (error.Length != 0)
                {
                    failures.Add($"#{index}: {error}");
                }

                checkedCount++;
            }

            index++;
        }

        Assert.True(checkedCount > 0, "family produced no input");
        Assert.True(failures.Count == 0, $"{failures.Count} of {checkedCount} failed:\n" + string.Join('\n', failures));
    }

    [Fact]
    public void Zero_maps_to_zero_in_safegcd_and_in_the_callers()
    {
        // The callers (FieldElement/Scalar.InverseVariable) return zero for zero before inverting; safegcd itself
        // also gives 0 for 0 (g starts at 0, so d stays 0) instead of looping.
        var r = new ulong[] { 9, 9, 9, 9 };
        ModInverse.SafegcdVariable(new ulong[4], ToLimbs(P), r);
        Assert.Equal(new ulong[4], r);
        ModInverse.SafegcdVariable(new ulong[4], ToLimbs(N), r);
        Assert.Equal(new ulong[4], r);
        ModInverse.SafegcdConstantTime(new ulong[4], ModInverse.OrderN, r);
        Assert.Equal(new ulong[4], r);
        Assert.True(FieldElement.Zero.InverseVariable().IsZero);
        Assert.True(Scalar.Zero.InverseVariable().IsZero);
        Assert.True(Scalar.Zero.InverseConstantTime().IsZero);
    }

    [Fact]
    public void Callers_match_the_constant_time_inverse() =>
        Gen256.Sample(x =>
        {
            Span<byte> b = stackalloc byte[32];
            x.TryWriteBytes(b, out _, isUnsigned: true, isBigEndian: true);
            var f = FieldElement.CreateReduced(b);
            var s = Scalar.CreateReduced(b);
            return f.InverseVariable() == f.Inverse() && s.InverseVariable() == s.Inverse() && s.InverseConstantTime() == s.Inverse();
        }, iter: 1000);

    [Fact]
    public void Other_odd_moduli_agree_with_Kaliski_and_ModPow_for_primes()
    {
        // 2^255 - 19 and small primes run the on-the-fly modulus path (and top limbs that are zero).
        BigInteger[] primes = [(BigInteger.One << 255) - 19, 7, 65537, (BigInteger.One << 127) - 1, (BigInteger.One << 61) - 1];
        var failures = new List<string>();
        var rng = new Random(1234);
        foreach (BigInteger m in primes)
        {
            for (int i = 0; i < 300; i++)
            {
                var bytes = new byte[33];
                rng.NextBytes(bytes);
                BigInteger a = new BigInteger(bytes, isUnsigned: true) % m;
                if (!a.IsZero)
                {
                    string error = Check(a, m);
                    if (error.Length != 0)
                    {
                        failures.Add($"m={m:X} #{i}: {error}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public void Random_odd_moduli_give_an_inverse_when_coprime() =>
        Gen.Select(Gen256, Gen256).Sample((mr, ar) =>
        {
            BigInteger m = (mr | 1) | BigInteger.One << 255;
            BigInteger a = ar % m;
            if (a.IsZero || !BigInteger.GreatestCommonDivisor(a, m).IsOne)
            {
                return true;
            }

            BigInteger s = Safegcd(a, m);
            return s < m && a * s % m == 1 && s == Kaliski(a, m);
        }, iter: 2000);

    /// <summary>
    /// The batched divsteps equal 62 plain divsteps (safegcd_implementation.md section 2, with delta = -eta and
    /// g + f in the odd non-swap case): cancelling k low bits at once with w = -g/f mod 2^k picks the same
    /// multiple of f that k single steps would.
    /// </summary>
    [Fact]
    public void Batched_divsteps_equal_plain_divsteps() =>
        Gen.Select(Gen.ULong, Gen.ULong, Gen.OneOf(Gen.Long[-8, 8], Gen.Long[-200, 200])).Sample((fr, gr, eta) =>
        {
            ulong f = fr | 1;
            long delta = -eta;
            BigInteger bf = f, bg = gr, u = 1, v = 0, q = 0, r = 1;
            for (int step = 0; step < 62; step++)
            {
                if (delta > 0 && !bg.IsEven)
                {
                    (delta, bf, bg, u, v, q, r) = (1 - delta, bg, (bg - bf) >> 1, 2 * q, 2 * r, q - u, r - v);
                }
                else if (!bg.IsEven)
                {
                    (delta, bg, u, v, q, r) = (1 + delta, (bg + bf) >> 1, 2 * u, 2 * v, q + u, r + v);
                }
                else
                {
                    (delta, bg, u, v) = (1 + delta, bg >> 1, 2 * u, 2 * v);
                }
            }

            long newEta = ModInverse.Divsteps62Variable(eta, f, gr, out long mu, out long mv, out long mq, out long mr);
            BigInteger bound = BigInteger.One << 62;
            return newEta == -delta && mu == u && mv == v && mq == q && mr == r
                && BigInteger.Abs(u) + BigInteger.Abs(v) <= bound && BigInteger.Abs(q) + BigInteger.Abs(r) <= bound;
        }, iter: 3000);

    [Fact]
    public void Precomputed_moduli_hold_their_inverse_mod_2_62()
    {
        foreach (ModInverse.SafegcdModulus m in new[] { ModInverse.FieldP, ModInverse.OrderN })
        {
            Assert.Equal(1UL, (m.Inverse62 * (ulong)m.M0) & ((1UL << 62) - 1));
            BigInteger fromSigned = m.M0 + (new BigInteger(m.M1) << 62) + (new BigInteger(m.M2) << 124) + (new BigInteger(m.M3) << 186) + (new BigInteger(m.M4) << 248);
            Assert.Equal(FromLimbs([m.W0, m.W1, m.W2, m.W3]), fromSigned);
        }

        Assert.True(ModInverse.FieldP.Matches(ToLimbs(P)) && ModInverse.OrderN.Matches(ToLimbs(N)));
    }

    [Fact]
    public void Even_modulus_is_rejected() =>
        Assert.Throws<ArgumentException>(() => new ModInverse.SafegcdModulus(4, 0, 0, 1));
}
