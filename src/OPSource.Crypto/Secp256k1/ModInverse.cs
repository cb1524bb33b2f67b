using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace OPSource.Crypto.Secp256k1;

/// <summary>Modular inversion for 256-bit odd moduli: variable-time (public data) and constant-time safegcd (secret data).</summary>
/// <remarks>
/// Two algorithms: safegcd (Bernstein-Yang divsteps in batches of 62, as libsecp256k1's modinv64 "var"
/// variant, see its doc/safegcd_implementation.md) and the older Kaliski almost-inverse, kept as a
/// reference for the tests and the benchmark.
/// </remarks>
internal static class ModInverse
{
    /// <summary>result = a^-1 mod m for 0 &lt; a &lt; m, m odd (limbs little-endian), by Kaliski's almost-inverse.</summary>
    /// <remarks>
    /// Kaliski's almost-inverse (only shifts and additions in the loop, whole trailing-zero runs per step),
    /// then one division by 2^k done Montgomery-style in 63-bit chunks: x + q*m with q = -x*m^-1 mod 2^s is
    /// divisible by 2^s. All state lives in locals.
    /// </remarks>
    public static void KaliskiVariable(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> m, Span<ulong> result)
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

    /// <summary>Mask of the low 62 bits: the limb width of the signed-62 representation.</summary>
    private const ulong Mask62 = (1UL << 62) - 1;

    /// <summary>The secp256k1 field modulus p, precomputed once.</summary>
    public static readonly SafegcdModulus FieldP = new(
        0xFFFFFFFEFFFFFC2FUL, 0xFFFFFFFFFFFFFFFFUL, 0xFFFFFFFFFFFFFFFFUL, 0xFFFFFFFFFFFFFFFFUL);

    /// <summary>The secp256k1 group order n, precomputed once.</summary>
    public static readonly SafegcdModulus OrderN = new(
        0xBFD25E8CD0364141UL, 0xBAAEDCE6AF48A03BUL, 0xFFFFFFFFFFFFFFFEUL, 0xFFFFFFFFFFFFFFFFUL);

    /// <summary>
    /// A 256-bit odd modulus as safegcd needs it: 64-bit limbs, signed 62-bit limbs and m^-1 mod 2^62,
    /// so the per-call setup is paid once per modulus.
    /// </summary>
    internal readonly struct SafegcdModulus
    {
        /// <summary>64-bit limbs, little-endian.</summary>
        public readonly ulong W0, W1, W2, W3;

        /// <summary>Signed 62-bit limbs: M0..M3 in [0, 2^62), M4 the top (here small, non-negative).</summary>
        public readonly long M0, M1, M2, M3, M4;

        /// <summary>m^-1 mod 2^62.</summary>
        public readonly ulong Inverse62;

        /// <summary>Precomputes the data for an odd modulus given as four 64-bit limbs.</summary>
        public SafegcdModulus(ulong w0, ulong w1, ulong w2, ulong w3)
        {
            if ((w0 & 1) == 0)
            {
                throw new ArgumentException("modulus: must be odd", nameof(w0));
            }

            W0 = w0; W1 = w1; W2 = w2; W3 = w3;
            ToSigned62(w0, w1, w2, w3, out M0, out M1, out M2, out M3, out M4);

            // Newton iteration for w0^-1 mod 2^64: w0*w0 == 1 mod 8 gives 3 correct bits, each step doubles them.
            ulong inv = w0;
            for (int i = 0; i < 5; i++)
            {
                inv *= 2 - (w0 * inv);
            }

            Inverse62 = inv & Mask62;
        }

        /// <summary>True when this is the modulus given by the four limbs of m.</summary>
        public bool Matches(ReadOnlySpan<ulong> m) => m[0] == W0 && m[1] == W1 && m[2] == W2 && m[3] == W3;
    }

    /// <summary>result = a^-1 mod m for 0 &lt; a &lt; m, m odd (limbs little-endian), by safegcd.</summary>
    /// <remarks>For p and n the precomputed modulus data is used; any other odd modulus is prepared on the fly.</remarks>
    public static void SafegcdVariable(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> m, Span<ulong> result)
    {
        if (FieldP.Matches(m))
        {
            SafegcdVariable(a, in FieldP, result);
        }
        else if (OrderN.Matches(m))
        {
            SafegcdVariable(a, in OrderN, result);
        }
        else
        {
            var modulus = new SafegcdModulus(m[0], m[1], m[2], m[3]);
            SafegcdVariable(a, in modulus, result);
        }
    }

    /// <summary>result = a^-1 mod m for 0 &lt; a &lt; m (limbs little-endian), by safegcd with precomputed modulus data.</summary>
    /// <remarks>
    /// Bernstein-Yang "Fast constant-time gcd computation and modular inversion" (2019), section 11, in the
    /// variable-time form of libsecp256k1's doc/safegcd_implementation.md section 6: f = m, g = a, eta = -delta = -1;
    /// each round computes 62 divsteps on the low 62 bits of f and g as a transition matrix (scaled by 2^62),
    /// then applies it to the full f, g and to d, e (a*d == f, a*e == g mod m). It stops as soon as g = 0; then
    /// f = +-1 (gcd 1) and the inverse is +-d. All state lives in locals (signed 62-bit limbs, 128-bit products as word pairs).
    /// a = 0 gives 0 (g starts at 0); if gcd(a, m) != 1 the result is not an inverse (the callers only use primes).
    /// </remarks>
    public static void SafegcdVariable(ReadOnlySpan<ulong> a, in SafegcdModulus m, Span<ulong> result) =>
        Safegcd(a, in m, result, constantTime: false);

    /// <summary>Both safegcd forms: the same state and update functions; only the divstep batches and the stop rule differ.</summary>
    private static void Safegcd(ReadOnlySpan<ulong> a, in SafegcdModulus m, Span<ulong> result, bool constantTime)
    {
        long m0 = m.M0, m1 = m.M1, m2 = m.M2, m3 = m.M3, m4 = m.M4;
        ulong mi = m.Inverse62;

        long f0 = m0, f1 = m1, f2 = m2, f3 = m3, f4 = m4;
        ToSigned62(a[0], a[1], a[2], a[3], out long g0, out long g1, out long g2, out long g3, out long g4);
        long d0 = 0, d1 = 0, d2 = 0, d3 = 0, d4 = 0;
        long e0 = 1, e1 = 0, e2 = 0, e3 = 0, e4 = 0;
        if (constantTime)
        {
            // Fixed 10 rounds of 59 branchless divsteps; zeta = -(delta + 1/2) starts at -1.
            long zeta = -1;
            for (int round = 0; round < 10; round++)
            {
                zeta = Divsteps59(zeta, (ulong)f0, (ulong)g0, out long u, out long v, out long q, out long r);
                UpdateDe(
                    ref d0, ref d1, ref d2, ref d3, ref d4, ref e0, ref e1, ref e2, ref e3, ref e4,
                    u, v, q, r, m0, m1, m2, m3, m4, mi);
                UpdateFg(
                    ref f0, ref f1, ref f2, ref f3, ref f4, ref g0, ref g1, ref g2, ref g3, ref g4, u, v, q, r);
            }

            // g = 0 now and f = +-1: the inverse is d with f's sign (libsecp modinv64_normalize_62).
            NormalizeConstantTime(d0, d1, d2, d3, d4, f4, in m, result);
            return;
        }

        long eta = -1;

        // safegcd_implementation.md section 5 (safegcd-bounds): 724 divsteps bring g to 0 for any inputs below
        // 2^256, so at most 12 rounds of 62 run (the batched steps equal plain divsteps). The cap of 64 rounds
        // cannot be reached; it only turns a broken invariant into an exception instead of an endless loop.
        for (int round = 0; round < 64; round++)
        {
            eta = Divsteps62Variable(eta, (ulong)f0, (ulong)g0, out long u, out long v, out long q, out long r);
            UpdateDe(
                ref d0, ref d1, ref d2, ref d3, ref d4, ref e0, ref e1, ref e2, ref e3, ref e4,
                u, v, q, r, m0, m1, m2, m3, m4, mi);
            UpdateFg(
                ref f0, ref f1, ref f2, ref f3, ref f4, ref g0, ref g1, ref g2, ref g3, ref g4, u, v, q, r);
            if ((g0 | g1 | g2 | g3 | g4) == 0)
            {
                Normalize(d0, d1, d2, d3, d4, f4 < 0, in m, result);
                return;
            }
        }

        throw new ArgumentException("modinverse: g did not reach 0 within 64 rounds of 62 divsteps", nameof(a));
    }

    /// <summary>
    /// result = a^-1 mod m for 0 &lt;= a &lt; m in constant time (secret a: an ECDSA nonce), by safegcd with a fixed
    /// number of divsteps. a = 0 gives 0.
    /// </summary>
    /// <remarks>
    /// libsecp256k1's modinv64 constant-time variant (doc/safegcd_implementation.md sections 2-5, 7): f = m, g = a,
    /// zeta = -(delta + 1/2) = -1; 10 rounds of 59 branchless divsteps (590 &gt;= the 590 that section 5's bound
    /// needs for 256-bit inputs with the delta = 1/2 start), each round's transition matrix applied to d, e
    /// and f, g with the same update functions as the variable-time form. Control flow and memory accesses do
    /// not depend on a; the final normalisation uses masks, not branches.
    /// </remarks>
    public static void SafegcdConstantTime(ReadOnlySpan<ulong> a, in SafegcdModulus m, Span<ulong> result) =>
        Safegcd(a, in m, result, constantTime: true);

    /// <summary>
    /// 59 branchless divsteps (libsecp256k1 modinv64_divsteps_59): the matrix starts at 2^3 * identity so that it
    /// ends scaled by 2^62 like <see cref="Divsteps62Variable"/>'s. zeta = -(delta + 1/2).
    /// </summary>
    internal static long Divsteps59(long zeta, ulong f0, ulong g0, out long u, out long v, out long q, out long r)
    {
        ulong uu = 8, vv = 0, qq = 0, rr = 8;
        ulong f = f0, g = g0;
        for (int i = 3; i < 62; i++)
        {
            // mask1: all ones when zeta < 0 (delta > 0); mask2: all ones when g is odd.
            ulong mask1 = (ulong)(zeta >> 63);
            ulong mask2 = 0 - (g & 1);

            // Conditionally negate f, u, v (when delta > 0) and add them to g, q, r (when g is odd).
            ulong x = (f ^ mask1) - mask1;
            ulong y = (uu ^ mask1) - mask1;
            ulong z = (vv ^ mask1) - mask1;
            g += x & mask2;
            qq += y & mask2;
            rr += z & mask2;

            // Both conditions: swap (f, g) by adding the new g to f, and negate zeta; always zeta -= 1.
            mask1 &= mask2;
            zeta = (zeta ^ (long)mask1) - 1;
            f += g & mask1;
            uu += qq & mask1;
            vv += rr & mask1;

            g >>= 1;
            uu <<= 1;
            vv <<= 1;
        }

        u = (long)uu;
        v = (long)vv;
        q = (long)qq;
        r = (long)rr;
        return zeta;
    }

    /// <summary>
    /// result = (sign &lt; 0 ? -d : d) mod m for d in (-2m, m), without branches on d or sign
    /// (libsecp256k1 modinv64_normalize_62).
    /// </summary>
    private static void NormalizeConstantTime(long d0, long d1, long d2, long d3, long d4, long sign, in SafegcdModulus m, Span<ulong> result)
    {
        ulong x0 = (ulong)d0 | ((ulong)d1 << 62);
        ulong x1 = ((ulong)d1 >> 2) | ((ulong)d2 << 60);
        ulong x2 = ((ulong)d2 >> 4) | ((ulong)d3 << 58);
        ulong x3 = ((ulong)d3 >> 6) | ((ulong)d4 << 56);
        ulong x4 = (ulong)(d4 >> 8);

        AddModulusMasked(ref x0, ref x1, ref x2, ref x3, ref x4, in m, (ulong)((long)x4 >> 63)); // now in (-m, m)

        // Conditional two's-complement negation: (x ^ mask) - mask = (x ^ mask) + (mask & 1).
        ulong neg = (ulong)(sign >> 63);
        UInt128 c = (UInt128)(x0 ^ neg) + (neg & 1);
        x0 = (ulong)c;
        c = (c >> 64) + (x1 ^ neg);
        x1 = (ulong)c;
        c = (c >> 64) + (x2 ^ neg);
        x2 = (ulong)c;
        c = (c >> 64) + (x3 ^ neg);
        x3 = (ulong)c;
        x4 = (x4 ^ neg) + (ulong)(c >> 64);

        AddModulusMasked(ref x0, ref x1, ref x2, ref x3, ref x4, in m, (ulong)((long)x4 >> 63)); // now in [0, m)
        result[0] = x0; result[1] = x1; result[2] = x2; result[3] = x3;
    }

    /// <summary>x += m &amp; mask over five words.</summary>
    private static void AddModulusMasked(ref ulong x0, ref ulong x1, ref ulong x2, ref ulong x3, ref ulong x4, in SafegcdModulus m, ulong mask)
    {
        UInt128 c = (UInt128)x0 + (m.W0 & mask);
        x0 = (ulong)c;
        c = (c >> 64) + x1 + (m.W1 & mask);
        x1 = (ulong)c;
        c = (c >> 64) + x2 + (m.W2 & mask);
        x2 = (ulong)c;
        c = (c >> 64) + x3 + (m.W3 & mask);
        x3 = (ulong)c;
        x4 += (ulong)(c >> 64);
    }

    /// <summary>Splits a 256-bit value into signed 62-bit limbs (the top limb keeps the last 8 bits).</summary>
    private static void ToSigned62(ulong w0, ulong w1, ulong w2, ulong w3, out long l0, out long l1, out long l2, out long l3, out long l4)
    {
        l0 = (long)(w0 & Mask62);
        l1 = (long)(((w0 >> 62) | (w1 << 2)) & Mask62);
        l2 = (long)(((w1 >> 60) | (w2 << 4)) & Mask62);
        l3 = (long)(((w2 >> 58) | (w3 << 6)) & Mask62);
        l4 = (long)(w3 >> 56);
    }

    /// <summary>
    /// 62 divsteps on the low bits of f and g: returns the new eta and the transition matrix [u v; q r] scaled by
    /// 2^62, so that [f', g'] = [u v; q r] * [f, g] / 2^62 (|u| + |v| and |q| + |r| stay at most 2^62).
    /// </summary>
    /// <remarks>
    /// safegcd_implementation.md section 6: whole runs of zero bits of g are shifted out at once, and while eta &gt;= 0
    /// up to min(eta + 1, steps left, 6) low bits of g are cancelled with one multiple w of f, w = -g/f mod 2^limit
    /// (f odd; -1/f mod 64 = f*(f*f - 2)). Only the low "steps left" bits of f and g matter, so garbage above
    /// bit 62 never reaches the matrix.
    /// </remarks>
    internal static long Divsteps62Variable(long eta, ulong f, ulong g, out long u, out long v, out long q, out long r)
    {
        ulong uu = 1, vv = 0, qq = 0, rr = 1;

        // -1/f mod 2^6 (f is odd): f changes only on a swap, so this leaves the per-step dependency chain.
        ulong negInverse = f * ((f * f) - 2);
        int i = 62;
        while (true)
        {
            // Trailing zeros of g, capped at the steps left (the OR puts a 1 at bit i).
            int zeros = BitOperations.TrailingZeroCount(g | (ulong.MaxValue << i));
            g >>= zeros;
            uu <<= zeros;
            vv <<= zeros;
            eta -= zeros;
            i -= zeros;
            if (i == 0)
            {
                break;
            }

            // g is odd here. Divstep with delta > 0 (eta < 0): (f, g) = (g, -f), and eta = -eta.
            if (eta < 0)
            {
                eta = -eta;
                ulong t = f;
                f = g;
                g = 0 - t;
                t = uu;
                uu = qq;
                qq = 0 - t;
                t = vv;
                vv = rr;
                rr = 0 - t;
                negInverse = f * ((f * f) - 2);
            }

            // Cancel up to min(eta + 1, i, 6) low bits of g with g += w*f; the next pass shifts them out.
            int limit = (int)Math.Min(Math.Min(eta + 1, i), 6);
            ulong w = (g * negInverse) & ((1UL << limit) - 1);
            g += w * f;
            qq += w * uu;
            rr += w * vv;
        }

        u = (long)uu;
        v = (long)vv;
        q = (long)qq;
        r = (long)rr;
        return eta;
    }

    /// <summary>
    /// [d, e] = [u v; q r] * [d, e] / 2^62 mod m, keeping both in (-2m, m): m times a correction is added so
    /// that the low 62 bits vanish before the exact division (safegcd_implementation.md section 4).
    /// </summary>
    private static void UpdateDe(
        ref long d0, ref long d1, ref long d2, ref long d3, ref long d4,
        ref long e0, ref long e1, ref long e2, ref long e3, ref long e4,
        long u, long v, long q, long r, long m0, long m1, long m2, long m3, long m4, ulong mi)
    {
        // Start md, me from the matrix entries that meet a negative d or e: that keeps the outputs above -2m.
        long sd = d4 >> 63, se = e4 >> 63;
        long md = (u & sd) + (v & se);
        long me = (q & sd) + (r & se);

        // 128-bit signed accumulators as (lo, hi) pairs: Int128 temporaries end up on the stack in the JIT.
        ulong cdl = 0, cdh = 0, cel = 0, ceh = 0;
        MulAddU(ref cdl, ref cdh, u, d0);
        MulAddU(ref cdl, ref cdh, v, e0);
        MulAddU(ref cel, ref ceh, q, d0);
        MulAddU(ref cel, ref ceh, r, e0);

        // md -= (m^-1 * cd + md) mod 2^62: then cd + m*md == 0 mod 2^62, and md only moves down by < 2^62.
        md -= (long)(((mi * cdl) + (ulong)md) & Mask62);
        me -= (long)(((mi * cel) + (ulong)me) & Mask62);

        MulAddU(ref cdl, ref cdh, md, m0);
        MulAddU(ref cel, ref ceh, me, m0);
        Shift62(ref cdl, ref cdh);
        Shift62(ref cel, ref ceh);

        MulAddU(ref cdl, ref cdh, u, d1);
        MulAddU(ref cdl, ref cdh, v, e1);
        MulAddU(ref cdl, ref cdh, md, m1);
        MulAddU(ref cel, ref ceh, q, d1);
        MulAddU(ref cel, ref ceh, r, e1);
        MulAddU(ref cel, ref ceh, me, m1);
        long nd0 = (long)(cdl & Mask62), ne0 = (long)(cel & Mask62);
        Shift62(ref cdl, ref cdh);
        Shift62(ref cel, ref ceh);

        MulAddU(ref cdl, ref cdh, u, d2);
        MulAddU(ref cdl, ref cdh, v, e2);
        MulAddU(ref cdl, ref cdh, md, m2);
        MulAddU(ref cel, ref ceh, q, d2);
        MulAddU(ref cel, ref ceh, r, e2);
        MulAddU(ref cel, ref ceh, me, m2);
        long nd1 = (long)(cdl & Mask62), ne1 = (long)(cel & Mask62);
        Shift62(ref cdl, ref cdh);
        Shift62(ref cel, ref ceh);

        MulAddU(ref cdl, ref cdh, u, d3);
        MulAddU(ref cdl, ref cdh, v, e3);
        MulAddU(ref cdl, ref cdh, md, m3);
        MulAddU(ref cel, ref ceh, q, d3);
        MulAddU(ref cel, ref ceh, r, e3);
        MulAddU(ref cel, ref ceh, me, m3);
        long nd2 = (long)(cdl & Mask62), ne2 = (long)(cel & Mask62);
        Shift62(ref cdl, ref cdh);
        Shift62(ref cel, ref ceh);

        MulAdd(ref cdl, ref cdh, u, d4);
        MulAdd(ref cdl, ref cdh, v, e4);
        MulAddU(ref cdl, ref cdh, md, m4);
        MulAdd(ref cel, ref ceh, q, d4);
        MulAdd(ref cel, ref ceh, r, e4);
        MulAddU(ref cel, ref ceh, me, m4);
        long nd3 = (long)(cdl & Mask62), ne3 = (long)(cel & Mask62);
        Shift62(ref cdl, ref cdh);
        Shift62(ref cel, ref ceh);

        // The quotients are in (-2m, m): they fit the low word of the accumulator.
        d0 = nd0; d1 = nd1; d2 = nd2; d3 = nd3; d4 = (long)cdl;
        e0 = ne0; e1 = ne1; e2 = ne2; e3 = ne3; e4 = (long)cel;
    }

    /// <summary>[f, g] = [u v; q r] * [f, g] / 2^62 (exact: the matrix cleared the low 62 bits of both).</summary>
    private static void UpdateFg(
        ref long f0, ref long f1, ref long f2, ref long f3, ref long f4,
        ref long g0, ref long g1, ref long g2, ref long g3, ref long g4,
        long u, long v, long q, long r)
    {
        ulong cfl = 0, cfh = 0, cgl = 0, cgh = 0;
        MulAddU(ref cfl, ref cfh, u, f0);
        MulAddU(ref cfl, ref cfh, v, g0);
        MulAddU(ref cgl, ref cgh, q, f0);
        MulAddU(ref cgl, ref cgh, r, g0);
        Shift62(ref cfl, ref cfh);
        Shift62(ref cgl, ref cgh);

        MulAddU(ref cfl, ref cfh, u, f1);
        MulAddU(ref cfl, ref cfh, v, g1);
        MulAddU(ref cgl, ref cgh, q, f1);
        MulAddU(ref cgl, ref cgh, r, g1);
        long nf0 = (long)(cfl & Mask62), ng0 = (long)(cgl & Mask62);
        Shift62(ref cfl, ref cfh);
        Shift62(ref cgl, ref cgh);

        MulAddU(ref cfl, ref cfh, u, f2);
        MulAddU(ref cfl, ref cfh, v, g2);
        MulAddU(ref cgl, ref cgh, q, f2);
        MulAddU(ref cgl, ref cgh, r, g2);
        long nf1 = (long)(cfl & Mask62), ng1 = (long)(cgl & Mask62);
        Shift62(ref cfl, ref cfh);
        Shift62(ref cgl, ref cgh);

        MulAddU(ref cfl, ref cfh, u, f3);
        MulAddU(ref cfl, ref cfh, v, g3);
        MulAddU(ref cgl, ref cgh, q, f3);
        MulAddU(ref cgl, ref cgh, r, g3);
        long nf2 = (long)(cfl & Mask62), ng2 = (long)(cgl & Mask62);
        Shift62(ref cfl, ref cfh);
        Shift62(ref cgl, ref cgh);

        MulAdd(ref cfl, ref cfh, u, f4);
        MulAdd(ref cfl, ref cfh, v, g4);
        MulAdd(ref cgl, ref cgh, q, f4);
        MulAdd(ref cgl, ref cgh, r, g4);
        long nf3 = (long)(cfl & Mask62), ng3 = (long)(cgl & Mask62);
        Shift62(ref cfl, ref cfh);
        Shift62(ref cgl, ref cgh);

        // f and g stay within (-2^256, 2^256]: the top limb fits the low word.
        f0 = nf0; f1 = nf1; f2 = nf2; f3 = nf3; f4 = (long)cfl;
        g0 = ng0; g1 = ng1; g2 = ng2; g3 = ng3; g4 = (long)cgl;
    }

    /// <summary>(hi:lo) += a*b as signed 128-bit numbers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MulAdd(ref ulong lo, ref ulong hi, long a, long b)
    {
        ulong pl = (ulong)a * (ulong)b;

        // Signed high word from the unsigned one: subtract b if a < 0 and a if b < 0.
        ulong ph = MulHigh((ulong)a, (ulong)b) - ((ulong)(a >> 63) & (ulong)b) - ((ulong)(b >> 63) & (ulong)a);
        lo += pl;
        hi += ph + (lo < pl ? 1UL : 0UL);
    }

    /// <summary>(hi:lo) += a*b as signed 128-bit numbers, for b &gt;= 0 (lower limbs, modulus limbs): one sign fix-up.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MulAddU(ref ulong lo, ref ulong hi, long a, long b)
    {
        ulong pl = (ulong)a * (ulong)b;
        ulong ph = MulHigh((ulong)a, (ulong)b) - ((ulong)(a >> 63) & (ulong)b);
        lo += pl;
        hi += ph + (lo < pl ? 1UL : 0UL);
    }

    /// <summary>(hi:lo) >>= 62, arithmetic.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Shift62(ref ulong lo, ref ulong hi)
    {
        lo = (lo >> 62) | (hi << 2);
        hi = (ulong)((long)hi >> 62);
    }

    /// <summary>High word of the unsigned 128-bit product, without the low word's round trip through memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MulHigh(ulong a, ulong b)
    {
        if (Bmi2.X64.IsSupported)
        {
            return Bmi2.X64.MultiplyNoFlags(a, b);
        }

        if (ArmBase.Arm64.IsSupported)
        {
            return ArmBase.Arm64.MultiplyHigh(a, b);
        }

        return Math.BigMul(a, b, out _);
    }

    /// <summary>
    /// result = (negate ? -d : d) mod m for d in (-2m, m) given in signed 62-bit limbs
    /// (safegcd_implementation.md section 4, normalize).
    /// </summary>
    private static void Normalize(long d0, long d1, long d2, long d3, long d4, bool negate, in SafegcdModulus m, Span<ulong> result)
    {
        // Reassemble as a 320-bit two's-complement number x0..x4 (x4 is the sign extension).
        ulong x0 = (ulong)d0 | ((ulong)d1 << 62);
        ulong x1 = ((ulong)d1 >> 2) | ((ulong)d2 << 60);
        ulong x2 = ((ulong)d2 >> 4) | ((ulong)d3 << 58);
        ulong x3 = ((ulong)d3 >> 6) | ((ulong)d4 << 56);
        ulong x4 = (ulong)(d4 >> 8);

        if ((long)x4 < 0)
        {
            AddModulus(ref x0, ref x1, ref x2, ref x3, ref x4, in m); // now in (-m, m)
        }

        if (negate)
        {
            // Two's-complement negation over five words.
            x0 = ~x0; x1 = ~x1; x2 = ~x2; x3 = ~x3; x4 = ~x4;
            UInt128 c = (UInt128)x0 + 1;
            x0 = (ulong)c;
            c = (c >> 64) + x1;
            x1 = (ulong)c;
            c = (c >> 64) + x2;
            x2 = (ulong)c;
            c = (c >> 64) + x3;
            x3 = (ulong)c;
            x4 += (ulong)(c >> 64);
        }

        if ((long)x4 < 0)
        {
            AddModulus(ref x0, ref x1, ref x2, ref x3, ref x4, in m); // now in [0, m)
        }

        result[0] = x0; result[1] = x1; result[2] = x2; result[3] = x3;
    }

    /// <summary>x += m over five words.</summary>
    private static void AddModulus(ref ulong x0, ref ulong x1, ref ulong x2, ref ulong x3, ref ulong x4, in SafegcdModulus m)
    {
        UInt128 c = (UInt128)x0 + m.W0;
        x0 = (ulong)c;
        c = (c >> 64) + x1 + m.W1;
        x1 = (ulong)c;
        c = (c >> 64) + x2 + m.W2;
        x2 = (ulong)c;
        c = (c >> 64) + x3 + m.W3;
        x3 = (ulong)c;
        x4 += (ulong)(c >> 64);
    }
}
