namespace OPSource.Crypto.Secp256k1;

/// <summary>Variable-time modular inversion (binary extended Euclid) for 256-bit odd moduli; public data only.</summary>
internal static class ModInverse
{
    /// <summary>result = a^-1 mod m for 0 &lt; a &lt; m, m odd (limbs little-endian).</summary>
    public static void BinaryVariable(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> m, Span<ulong> result)
    {
        // Invariants: x1*a == u and x2*a == v (mod m); u, v shrink until one reaches 1.
        Span<ulong> u = [a[0], a[1], a[2], a[3]];
        Span<ulong> v = [m[0], m[1], m[2], m[3]];
        Span<ulong> x1 = [1, 0, 0, 0];
        Span<ulong> x2 = [0, 0, 0, 0];
        while (!IsOne(u) && !IsOne(v))
        {
            while ((u[0] & 1) == 0)
            {
                Shr1(u, 0);
                Halve(x1, m);
            }

            while ((v[0] & 1) == 0)
            {
                Shr1(v, 0);
                Halve(x2, m);
            }

            if (GreaterOrEqual(u, v))
            {
                Sub(u, v);
                SubMod(x1, x2, m);
            }
            else
            {
                Sub(v, u);
                SubMod(x2, x1, m);
            }
        }

        (IsOne(u) ? x1 : x2).CopyTo(result);
    }

    private static bool IsOne(ReadOnlySpan<ulong> a) => a[0] == 1 && (a[1] | a[2] | a[3]) == 0;

    private static bool GreaterOrEqual(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        for (int i = 3; i >= 0; i--)
        {
            if (a[i] != b[i])
            {
                return a[i] > b[i];
            }
        }

        return true;
    }

    /// <summary>Shifts right by one bit, inserting topBit as bit 255.</summary>
    private static void Shr1(Span<ulong> a, ulong topBit)
    {
        a[0] = (a[0] >> 1) | (a[1] << 63);
        a[1] = (a[1] >> 1) | (a[2] << 63);
        a[2] = (a[2] >> 1) | (a[3] << 63);
        a[3] = (a[3] >> 1) | (topBit << 63);
    }

    /// <summary>a -= b, returning the borrow.</summary>
    private static ulong Sub(Span<ulong> a, ReadOnlySpan<ulong> b)
    {
        ulong borrow = 0;
        for (int i = 0; i < 4; i++)
        {
            ulong ai = a[i];
            ulong t = ai - b[i];
            ulong b1 = ai < b[i] ? 1UL : 0UL;
            a[i] = t - borrow;
            borrow = b1 | (t < borrow ? 1UL : 0UL);
        }

        return borrow;
    }

    /// <summary>a += m, returning the carry.</summary>
    private static ulong Add(Span<ulong> a, ReadOnlySpan<ulong> m)
    {
        UInt128 s = (UInt128)a[0] + m[0];
        a[0] = (ulong)s;
        s = (s >> 64) + a[1] + m[1];
        a[1] = (ulong)s;
        s = (s >> 64) + a[2] + m[2];
        a[2] = (ulong)s;
        s = (s >> 64) + a[3] + m[3];
        a[3] = (ulong)s;
        return (ulong)(s >> 64);
    }

    /// <summary>a = a / 2 mod m for a in [0, m).</summary>
    private static void Halve(Span<ulong> a, ReadOnlySpan<ulong> m)
    {
        if ((a[0] & 1) == 0)
        {
            Shr1(a, 0);
            return;
        }

        // (a + m) / 2, carrying the 257th bit into the shift.
        Shr1(a, Add(a, m));
    }

    /// <summary>a = a - b mod m for a, b in [0, m).</summary>
    private static void SubMod(Span<ulong> a, ReadOnlySpan<ulong> b, ReadOnlySpan<ulong> m)
    {
        if (Sub(a, b) != 0)
        {
            Add(a, m);
        }
    }
}
