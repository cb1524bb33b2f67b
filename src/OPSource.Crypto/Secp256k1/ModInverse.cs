using System.Numerics;

namespace OPSource.Crypto.Secp256k1;

/// <summary>Variable-time modular inversion (binary extended Euclid) for 256-bit odd moduli; public data only.</summary>
internal static class ModInverse
{
    /// <summary>result = a^-1 mod m for 0 &lt; a &lt; m, m odd (limbs little-endian).</summary>
    /// <remarks>
    /// Same invariants as the one-bit-at-a-time binary algorithm (x1*a == u, x2*a == v mod m), but every
    /// run of trailing zeros is removed in one shift, and the matching division of x by 2^s is done
    /// Montgomery-style: x + q*m with q = -x*m^-1 mod 2^s is divisible by 2^s. All state lives in locals.
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

        ulong u0 = a[0], u1 = a[1], u2 = a[2], u3 = a[3];
        ulong v0 = m0, v1 = m1, v2 = m2, v3 = m3;
        ulong x10 = 1, x11 = 0, x12 = 0, x13 = 0;
        ulong x20 = 0, x21 = 0, x22 = 0, x23 = 0;

        while (true)
        {
            // u := u / 2^s (odd), x1 := x1 / 2^s mod m.
            while ((u0 & 1) == 0)
            {
                int s = u0 == 0 ? 63 : BitOperations.TrailingZeroCount(u0);
                ShiftRight(ref u0, ref u1, ref u2, ref u3, s);
                DivPow2(ref x10, ref x11, ref x12, ref x13, m0, m1, m2, m3, minv, s);
            }

            if (u0 == 1 && (u1 | u2 | u3) == 0)
            {
                result[0] = x10; result[1] = x11; result[2] = x12; result[3] = x13;
                return;
            }

            // Both odd and distinct (gcd = 1, u != 1): subtract the smaller from the larger.
            if (GreaterOrEqual(u0, u1, u2, u3, v0, v1, v2, v3))
            {
                Sub(ref u0, ref u1, ref u2, ref u3, v0, v1, v2, v3);
                SubMod(ref x10, ref x11, ref x12, ref x13, x20, x21, x22, x23, m0, m1, m2, m3);
            }
            else
            {
                Sub(ref v0, ref v1, ref v2, ref v3, u0, u1, u2, u3);
                SubMod(ref x20, ref x21, ref x22, ref x23, x10, x11, x12, x13, m0, m1, m2, m3);
                while ((v0 & 1) == 0)
                {
                    int s = v0 == 0 ? 63 : BitOperations.TrailingZeroCount(v0);
                    ShiftRight(ref v0, ref v1, ref v2, ref v3, s);
                    DivPow2(ref x20, ref x21, ref x22, ref x23, m0, m1, m2, m3, minv, s);
                }

                if (v0 == 1 && (v1 | v2 | v3) == 0)
                {
                    result[0] = x20; result[1] = x21; result[2] = x22; result[3] = x23;
                    return;
                }
            }
        }
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

    /// <summary>a = a - b mod m for a, b in [0, m).</summary>
    private static void SubMod(
        ref ulong a0, ref ulong a1, ref ulong a2, ref ulong a3,
        ulong b0, ulong b1, ulong b2, ulong b3, ulong m0, ulong m1, ulong m2, ulong m3)
    {
        if (Sub(ref a0, ref a1, ref a2, ref a3, b0, b1, b2, b3) != 0)
        {
            UInt128 c = (UInt128)a0 + m0;
            a0 = (ulong)c;
            c = (c >> 64) + a1 + m1;
            a1 = (ulong)c;
            c = (c >> 64) + a2 + m2;
            a2 = (ulong)c;
            a3 = (ulong)((c >> 64) + a3 + m3);
        }
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
