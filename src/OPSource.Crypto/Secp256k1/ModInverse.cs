using System.Numerics;

namespace OPSource.Crypto.Secp256k1;

/// <summary>Variable-time modular inversion (binary extended Euclid) for 256-bit odd moduli; public data only.</summary>
internal static class ModInverse
{
    /// <summary>result = a^-1 mod m for 0 &lt; a &lt; m, m odd (limbs little-endian).</summary>
    /// <remarks>
    /// Kaliski's almost-inverse (only shifts and additions in the loop, whole trailing-zero runs per step),
    /// then one division by 2^k done Montgomery-style in 63-bit chunks: x + q*m with q = -x*m^-1 mod 2^s is
    /// divisible by 2^s. All state lives in locals.
    /// </remarks>
    public static void BinaryVariable(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> m, Span<ulong> result)
    {
        ulong m0 = m[0], m1 = m[1], m2 = m[2], m3 = m[3];

        // -m^-1 mod 2^64 by Newton iteration (m0*m0 == 1 mod 8 gives 3 correct bits; each step doubles them).
        ulong inv = m0;
        for (int i = 0; i < 5; i++)
        {
            inv *= 2 - (m0 * inv);
        }

        ulong minv = 0 - inv;

        // Kaliski's almost-inverse with whole trailing-zero runs per step: invariants m = u*s + v*r
        // (so r, s <= m while u, v >= 1), a*r == -v*2^k and a*s == u*2^k (mod m). It ends with r = a^-1*2^k
        // negated, then divides by 2^k with the Montgomery-style halving above.
        ulong u0 = m0, u1 = m1, u2 = m2, u3 = m3;
        ulong v0 = a[0], v1 = a[1], v2 = a[2], v3 = a[3];
        ulong r0 = 0, r1 = 0, r2 = 0, r3 = 0;
        ulong s0 = 1, s1 = 0, s2 = 0, s3 = 0;
        int k = 0;
        while ((v0 & 1) == 0)
        {
            int t = v0 == 0 ? 63 : BitOperations.TrailingZeroCount(v0);
            ShiftRight(ref v0, ref v1, ref v2, ref v3, t);
            k += t; // r = 0: r <<= t is a no-op
        }

        while (true)
        {
            // u, v odd here.
            if (u0 == v0 && u1 == v1 && u2 == v2 && u3 == v3)
            {
                break; // gcd(a, m) = 1: only u = v = 1
            }

            if (GreaterOrEqual(u0, u1, u2, u3, v0, v1, v2, v3))
            {
                Sub(ref u0, ref u1, ref u2, ref u3, v0, v1, v2, v3);
                Add(ref r0, ref r1, ref r2, ref r3, s0, s1, s2, s3);
                do
                {
                    int t = u0 == 0 ? 63 : BitOperations.TrailingZeroCount(u0);
                    ShiftRight(ref u0, ref u1, ref u2, ref u3, t);
                    ShiftLeft(ref s0, ref s1, ref s2, ref s3, t);
                    k += t;
                }
                while ((u0 & 1) == 0);
            }
            else
            {
                Sub(ref v0, ref v1, ref v2, ref v3, u0, u1, u2, u3);
                Add(ref s0, ref s1, ref s2, ref s3, r0, r1, r2, r3);
                do
                {
                    int t = v0 == 0 ? 63 : BitOperations.TrailingZeroCount(v0);
                    ShiftRight(ref v0, ref v1, ref v2, ref v3, t);
                    ShiftLeft(ref r0, ref r1, ref r2, ref r3, t);
                    k += t;
                }
                while ((v0 & 1) == 0);
            }
        }

        // Final step v - u = 0: r <<= 1 (up to 2m, so one subtraction), k + 1; the inverse times 2^k is m - r.
        ulong top = r3 >> 63;
        ShiftLeft(ref r0, ref r1, ref r2, ref r3, 1);
        k++;
        if (top != 0 || GreaterOrEqual(r0, r1, r2, r3, m0, m1, m2, m3))
        {
            Sub(ref r0, ref r1, ref r2, ref r3, m0, m1, m2, m3);
        }

        ulong x0 = m0, x1 = m1, x2 = m2, x3 = m3;
        Sub(ref x0, ref x1, ref x2, ref x3, r0, r1, r2, r3);
        while (k > 0)
        {
            int t = Math.Min(k, 63);
            DivPow2(ref x0, ref x1, ref x2, ref x3, m0, m1, m2, m3, minv, t);
            k -= t;
        }

        result[0] = x0; result[1] = x1; result[2] = x2; result[3] = x3;
    }

    /// <summary>a += b (no overflow by the caller's invariant).</summary>
    private static void Add(ref ulong a0, ref ulong a1, ref ulong a2, ref ulong a3, ulong b0, ulong b1, ulong b2, ulong b3)
    {
        UInt128 c = (UInt128)a0 + b0;
        a0 = (ulong)c;
        c = (c >> 64) + a1 + b1;
        a1 = (ulong)c;
        c = (c >> 64) + a2 + b2;
        a2 = (ulong)c;
        a3 = (ulong)((c >> 64) + a3 + b3);
    }

    /// <summary>Shifts left by s in [1, 63] (no overflow by the caller's invariant).</summary>
    private static void ShiftLeft(ref ulong a0, ref ulong a1, ref ulong a2, ref ulong a3, int s)
    {
        int r = 64 - s;
        a3 = (a3 << s) | (a2 >> r);
        a2 = (a2 << s) | (a1 >> r);
        a1 = (a1 << s) | (a0 >> r);
        a0 <<= s;
    }

    private static bool GreaterOrEqual(ulong a0, ulong a1, ulong a2, ulong a3, ulong b0, ulong b1, ulong b2, ulong b3)
    {
        if (a3 != b3)
        {
            return a3 > b3;
        }

        if (a2 != b2)
        {
            return a2 > b2;
        }

        if (a1 != b1)
        {
            return a1 > b1;
        }

        return a0 >= b0;
    }

    /// <summary>Shifts right by s in [1, 63].</summary>
    private static void ShiftRight(ref ulong a0, ref ulong a1, ref ulong a2, ref ulong a3, int s)
    {
        int r = 64 - s;
        a0 = (a0 >> s) | (a1 << r);
        a1 = (a1 >> s) | (a2 << r);
        a2 = (a2 >> s) | (a3 << r);
        a3 >>= s;
    }

    /// <summary>a -= b, returning the borrow.</summary>
    private static ulong Sub(ref ulong a0, ref ulong a1, ref ulong a2, ref ulong a3, ulong b0, ulong b1, ulong b2, ulong b3)
    {
        UInt128 d = (UInt128)a0 - b0;
        a0 = (ulong)d;
        d = (UInt128)a1 - b1 - (ulong)(d >> 64 & 1);
        a1 = (ulong)d;
        d = (UInt128)a2 - b2 - (ulong)(d >> 64 & 1);
        a2 = (ulong)d;
        d = (UInt128)a3 - b3 - (ulong)(d >> 64 & 1);
        a3 = (ulong)d;
        return (ulong)(d >> 64 & 1);
    }

    /// <summary>x = x / 2^s mod m for x in [0, m), s in [1, 63].</summary>
    private static void DivPow2(
        ref ulong x0, ref ulong x1, ref ulong x2, ref ulong x3,
        ulong m0, ulong m1, ulong m2, ulong m3, ulong minv, int s)
    {
        // q < 2^s with x + q*m == 0 mod 2^s; (x + q*m) / 2^s < m + m / 2^s < 2m, so one subtraction suffices.
        ulong q = (x0 * minv) & ((1UL << s) - 1);
        UInt128 c = ((UInt128)q * m0) + x0;
        ulong t0 = (ulong)c;
        c = (c >> 64) + ((UInt128)q * m1) + x1;
        ulong t1 = (ulong)c;
        c = (c >> 64) + ((UInt128)q * m2) + x2;
        ulong t2 = (ulong)c;
        c = (c >> 64) + ((UInt128)q * m3) + x3;
        ulong t3 = (ulong)c;
        ulong t4 = (ulong)(c >> 64);
        int r = 64 - s;
        ulong r0 = (t0 >> s) | (t1 << r);
        ulong r1 = (t1 >> s) | (t2 << r);
        ulong r2 = (t2 >> s) | (t3 << r);
        ulong r3 = (t3 >> s) | (t4 << r);
        ulong r4 = t4 >> s;
        if (r4 != 0 || GreaterOrEqual(r0, r1, r2, r3, m0, m1, m2, m3))
        {
            Sub(ref r0, ref r1, ref r2, ref r3, m0, m1, m2, m3);
        }

        x0 = r0; x1 = r1; x2 = r2; x3 = r3;
    }
}
