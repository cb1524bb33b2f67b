using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace OPSource.Crypto.Secp256k1;

/// <summary>
/// An element of GF(p), p = 2^256 - 2^32 - 977, held as five limbs of 52 bits (radix 2^52, as in
/// libsecp256k1's field_5x52) so additions and products accumulate without carry chains. Stored limbs
/// are only loosely normalised (limbs 0..3 &lt; 2^53, limb 4 &lt; 2^49: the value may exceed p); every
/// observation (equality, parity, zero test, serialisation) normalises fully first. All operations are
/// constant-time except those whose name ends in <c>Variable</c>.
/// </summary>
internal readonly struct FieldElement : IEquatable<FieldElement>
{
    private const ulong M52 = 0xFFFFFFFFFFFFFUL;
    private const ulong M48 = 0xFFFFFFFFFFFFUL;

    // 2^256 mod p = 2^32 + 977; 2^260 mod p = that * 16 (limb 5 of a radix-2^52 product sits at 2^260).
    private const ulong C = 0x1000003D1UL;
    private const ulong R = 0x1000003D10UL;

    // p in radix 2^52: P0_52, M52, M52, M52, M48.
    private const ulong P0_52 = 0xFFFFEFFFFFC2FUL;

    // p in 64-bit limbs (for the variable-time binary inversion).
    private const ulong P0 = 0xFFFFFFFEFFFFFC2FUL;
    private const ulong PMax = 0xFFFFFFFFFFFFFFFFUL;

    internal readonly ulong N0, N1, N2, N3, N4;

    /// <summary>From four little-endian 64-bit limbs of a value &lt; 2^256 (constants, parsed bytes).</summary>
    internal FieldElement(ulong n0, ulong n1, ulong n2, ulong n3)
    {
        N0 = n0 & M52;
        N1 = (n0 >> 52) | ((n1 & 0xFFFFFFFFFFUL) << 12);
        N2 = (n1 >> 40) | ((n2 & 0xFFFFFFFUL) << 24);
        N3 = (n2 >> 28) | ((n3 & 0xFFFFUL) << 36);
        N4 = n3 >> 16;
    }

    /// <summary>From five radix-2^52 limbs that already satisfy the weak-normalisation bounds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private FieldElement(ulong n0, ulong n1, ulong n2, ulong n3, ulong n4, bool weak)
    {
        _ = weak;
        N0 = n0; N1 = n1; N2 = n2; N3 = n3; N4 = n4;
    }

    public static FieldElement Zero => default;

    public static FieldElement One => new(1, 0, 0, 0, 0, true);

    public bool IsZero
    {
        get
        {
            Normalize(this, out ulong n0, out ulong n1, out ulong n2, out ulong n3, out ulong n4);
            return (n0 | n1 | n2 | n3 | n4) == 0;
        }
    }

    public bool IsOdd
    {
        get
        {
            Normalize(this, out ulong n0, out _, out _, out _, out _);
            return (n0 & 1) != 0;
        }
    }

    /// <summary>Small integer constant.</summary>
    public static FieldElement FromInt(uint value) => new(value, 0, 0, 0, 0, true);

    /// <summary>Parses 32 big-endian bytes; false if the value is &gt;= p (libsecp fe_set_b32_limit).</summary>
    public static bool TryCreate(ReadOnlySpan<byte> be32, out FieldElement value)
    {
        if (be32.Length != 32)
        {
            value = default;
            return false;
        }

        ulong n3 = BinaryPrimitives.ReadUInt64BigEndian(be32);
        ulong n2 = BinaryPrimitives.ReadUInt64BigEndian(be32[8..]);
        ulong n1 = BinaryPrimitives.ReadUInt64BigEndian(be32[16..]);
        ulong n0 = BinaryPrimitives.ReadUInt64BigEndian(be32[24..]);
        value = new FieldElement(n0, n1, n2, n3);
        return !GreaterOrEqualP(n0, n1, n2, n3);
    }

    /// <summary>Parses 32 big-endian bytes reducing mod p (used only for x coordinates taken from scalars).</summary>
    public static FieldElement CreateReduced(ReadOnlySpan<byte> be32)
    {
        ulong n3 = BinaryPrimitives.ReadUInt64BigEndian(be32);
        ulong n2 = BinaryPrimitives.ReadUInt64BigEndian(be32[8..]);
        ulong n1 = BinaryPrimitives.ReadUInt64BigEndian(be32[16..]);
        ulong n0 = BinaryPrimitives.ReadUInt64BigEndian(be32[24..]);

        // Any value < 2^256 meets the weak bounds; observations reduce it mod p.
        return new FieldElement(n0, n1, n2, n3);
    }

    public void WriteTo(Span<byte> be32)
    {
        ToLimbs64(out ulong n0, out ulong n1, out ulong n2, out ulong n3);
        BinaryPrimitives.WriteUInt64BigEndian(be32, n3);
        BinaryPrimitives.WriteUInt64BigEndian(be32[8..], n2);
        BinaryPrimitives.WriteUInt64BigEndian(be32[16..], n1);
        BinaryPrimitives.WriteUInt64BigEndian(be32[24..], n0);
    }

    /// <summary>The fully reduced value as four little-endian 64-bit limbs.</summary>
    private void ToLimbs64(out ulong r0, out ulong r1, out ulong r2, out ulong r3)
    {
        Normalize(this, out ulong n0, out ulong n1, out ulong n2, out ulong n3, out ulong n4);
        r0 = n0 | (n1 << 52);
        r1 = (n1 >> 12) | (n2 << 40);
        r2 = (n2 >> 24) | (n3 << 28);
        r3 = (n3 >> 36) | (n4 << 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool GreaterOrEqualP(ulong n0, ulong n1, ulong n2, ulong n3)
    {
        // p = FFFF..FF FFFFFFFE FFFFFC2F: >= p iff the three top limbs are all ones and n0 >= P0.
        ulong top = n3 & n2 & n1;
        return (top == PMax) & (n0 >= P0);
    }

    /// <summary>
    /// Folds bits 256 and up back in (2^256 = C mod p) and moves each limb's excess over 52 bits one limb up,
    /// all limbs in parallel (no serial carry chain). Inputs: limbs &lt; 2^60, limb 4 &lt; 2^60; outputs: limbs
    /// 0..3 &lt; 2^52 + 2^47 and limb 4 &lt; 2^48 + 2^8, inside the stored bounds (2^53, 2^49).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static FieldElement Weak(ulong n0, ulong n1, ulong n2, ulong n3, ulong n4) => new(
        (n0 & M52) + ((n4 >> 48) * C),
        (n1 & M52) + (n0 >> 52),
        (n2 & M52) + (n1 >> 52),
        (n3 & M52) + (n2 >> 52),
        (n4 & M48) + (n3 >> 52),
        true);

    /// <summary>The canonical (&lt; p) limbs of <paramref name="a"/>, branch-free (libsecp fe_normalize).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Normalize(in FieldElement a, out ulong n0, out ulong n1, out ulong n2, out ulong n3, out ulong n4)
    {
        // Two serial folds: the first leaves limbs 0..3 < 2^52 and limb 4 <= 2^48 + 2; the second leaves
        // limb 4 <= 2^48, and limb 4 = 2^48 only with a small remainder below (value < 2^256 + 2^52).
        ulong t = a.N4 >> 48;
        n4 = a.N4 & M48;
        n0 = a.N0 + (t * C);
        n1 = a.N1 + (n0 >> 52);
        n0 &= M52;
        n2 = a.N2 + (n1 >> 52);
        n1 &= M52;
        n3 = a.N3 + (n2 >> 52);
        n2 &= M52;
        n4 += n3 >> 52;
        n3 &= M52;

        t = n4 >> 48;
        n4 &= M48;
        n0 += t * C;
        n1 += n0 >> 52;
        n0 &= M52;
        n2 += n1 >> 52;
        n1 &= M52;
        n3 += n2 >> 52;
        n2 &= M52;
        n4 += n3 >> 52;
        n3 &= M52;

        // Subtract p once (add C, drop bit 256) if value >= 2^256 or value >= p.
        bool atLeastP = (n4 == M48) & ((n3 & n2 & n1) == M52) & (n0 >= P0_52);
        ulong x = (n4 >> 48) | (atLeastP ? 1UL : 0UL);
        n0 += x * C;
        n1 += n0 >> 52;
        n0 &= M52;
        n2 += n1 >> 52;
        n1 &= M52;
        n3 += n2 >> 52;
        n2 &= M52;
        n4 += n3 >> 52;
        n3 &= M52;
        n4 &= M48;
    }

    public FieldElement Add(in FieldElement b) => Weak(N0 + b.N0, N1 + b.N1, N2 + b.N2, N3 + b.N3, N4 + b.N4);

    public FieldElement Subtract(in FieldElement b) =>
        // a + (4p - b): 4p's limbs (>= 2^54 - 2^38, limb 4 2^50 - 4) exceed every stored limb, so none goes negative.
        Weak(
            N0 + ((4 * P0_52) - b.N0),
            N1 + ((4 * M52) - b.N1),
            N2 + ((4 * M52) - b.N2),
            N3 + ((4 * M52) - b.N3),
            N4 + ((4 * M48) - b.N4));

    public FieldElement Negate() =>
        Weak((4 * P0_52) - N0, (4 * M52) - N1, (4 * M52) - N2, (4 * M52) - N3, (4 * M48) - N4);

    /// <summary>this / 2 mod p, constant time: (this + (odd ? p : 0)) / 2 (libsecp fe_half).</summary>
    public FieldElement Half()
    {
        // Works on the stored (possibly unreduced) representative v: v or v + p is even and = v (mod p).
        ulong m = 0UL - (N0 & 1);
        ulong t0 = N0 + (P0_52 & m);
        ulong t1 = N1 + (M52 & m);
        ulong t2 = N2 + (M52 & m);
        ulong t3 = N3 + (M52 & m);
        ulong t4 = N4 + (M48 & m);
        return Weak(
            (t0 >> 1) + ((t1 & 1) << 51),
            (t1 >> 1) + ((t2 & 1) << 51),
            (t2 >> 1) + ((t3 & 1) << 51),
            (t3 >> 1) + ((t4 & 1) << 51),
            t4 >> 1);
    }

    /// <summary>this - 2b in one carry step (a + 8p - 2b: 8p's limbs exceed every doubled stored limb).</summary>
    public FieldElement SubtractDouble(in FieldElement b) =>
        Weak(
            N0 + ((8 * P0_52) - (b.N0 << 1)),
            N1 + ((8 * M52) - (b.N1 << 1)),
            N2 + ((8 * M52) - (b.N2 << 1)),
            N3 + ((8 * M52) - (b.N3 << 1)),
            N4 + ((8 * M48) - (b.N4 << 1)));

    /// <summary>3/2 * this in one carry step (the doubling's L = 3/2 X^2): halves the representative 3v or 3v + p.</summary>
    public FieldElement ThreeHalves()
    {
        ulong v0 = N0 * 3, v1 = N1 * 3, v2 = N2 * 3, v3 = N3 * 3, v4 = N4 * 3;
        ulong m = 0UL - (v0 & 1);
        ulong t0 = v0 + (P0_52 & m);
        ulong t1 = v1 + (M52 & m);
        ulong t2 = v2 + (M52 & m);
        ulong t3 = v3 + (M52 & m);
        ulong t4 = v4 + (M48 & m);
        return Weak(
            (t0 >> 1) + ((t1 & 1) << 51),
            (t1 >> 1) + ((t2 & 1) << 51),
            (t2 >> 1) + ((t3 & 1) << 51),
            (t3 >> 1) + ((t4 & 1) << 51),
            t4 >> 1);
    }

    public FieldElement Double() => Weak(N0 << 1, N1 << 1, N2 << 1, N3 << 1, N4 << 1);

    /// <summary>Multiplies by a small constant (&lt; 2^32).</summary>
    public FieldElement MultiplySmall(uint k) => Multiply(FromInt(k));

    /// <summary>lo += low 52 bits of a*b, hi += a*b &gt;&gt; 52: carry-free accumulation of a column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Acc(ulong a, ulong b, ref ulong lo, ref ulong hi)
    {
        ulong h = Mul64.Hi(a, b);
        ulong l = a * b;
        lo += l & M52;
        hi += (h << 12) | (l >> 52);
    }

    /// <summary>One product term of column k: see <see cref="Multiply"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Acc3(ulong a, ulong b, ref ulong sk, ref ulong sk1, ref ulong gk1)
    {
        ulong l = a * b;
        gk1 += Mul64.Hi(a, b);
        sk += l & M52;
        sk1 += l >> 52;
    }

    /// <summary>
    /// Reduces the radix-2^52 product s0..s9 (each &lt; 2^59) to stored form: limb k+5 has weight
    /// 2^(52k) * 2^260 = 2^(52k) * R (mod p).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static FieldElement Reduce(ulong s0, ulong s1, ulong s2, ulong s3, ulong s4, ulong s5, ulong s6, ulong s7, ulong s8, ulong s9)
    {
        ulong u0 = s0, u1 = s1, u2 = s2, u3 = s3, u4 = s4, e = 0;
        Acc(s5, R, ref u0, ref u1); // R*s5 < 2^94: low 52 bits to limb 0, the rest (< 2^42) to limb 1
        Acc(s6, R, ref u1, ref u2);
        Acc(s7, R, ref u2, ref u3);
        Acc(s8, R, ref u3, ref u4);
        Acc(s9, R, ref u4, ref e); // e < 2^42 sits at 2^260 again
        Acc(e, R, ref u0, ref u1); // R*e < 2^79
        return Weak(u0, u1, u2, u3, u4); // each u < 2^59
    }

    public FieldElement Multiply(in FieldElement b)
    {
        ulong a0 = N0, a1 = N1, a2 = N2, a3 = N3, a4 = N4;
        ulong b0 = b.N0, b1 = b.N1, b2 = b.N2, b3 = b.N3, b4 = b.N4;

        // A column-k term t = h*2^64 + l adds l's low 52 bits to s_k, l >> 52 to s_(k+1) and h to g_(k+1);
        // column k's total is then s_k + g_k*2^12 (each s < 2^56, g < 2^46: no carries anywhere).
        ulong s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0, s8 = 0, s9 = 0;
        ulong g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0, g8 = 0, g9 = 0;
        Acc3(a0, b0, ref s0, ref s1, ref g1);

        Acc3(a0, b1, ref s1, ref s2, ref g2);
        Acc3(a1, b0, ref s1, ref s2, ref g2);

        Acc3(a0, b2, ref s2, ref s3, ref g3);
        Acc3(a1, b1, ref s2, ref s3, ref g3);
        Acc3(a2, b0, ref s2, ref s3, ref g3);

        Acc3(a0, b3, ref s3, ref s4, ref g4);
        Acc3(a1, b2, ref s3, ref s4, ref g4);
        Acc3(a2, b1, ref s3, ref s4, ref g4);
        Acc3(a3, b0, ref s3, ref s4, ref g4);

        Acc3(a0, b4, ref s4, ref s5, ref g5);
        Acc3(a1, b3, ref s4, ref s5, ref g5);
        Acc3(a2, b2, ref s4, ref s5, ref g5);
        Acc3(a3, b1, ref s4, ref s5, ref g5);
        Acc3(a4, b0, ref s4, ref s5, ref g5);

        Acc3(a1, b4, ref s5, ref s6, ref g6);
        Acc3(a2, b3, ref s5, ref s6, ref g6);
        Acc3(a3, b2, ref s5, ref s6, ref g6);
        Acc3(a4, b1, ref s5, ref s6, ref g6);

        Acc3(a2, b4, ref s6, ref s7, ref g7);
        Acc3(a3, b3, ref s6, ref s7, ref g7);
        Acc3(a4, b2, ref s6, ref s7, ref g7);

        Acc3(a3, b4, ref s7, ref s8, ref g8);
        Acc3(a4, b3, ref s7, ref s8, ref g8);

        Acc3(a4, b4, ref s8, ref s9, ref g9);

        return Reduce(s0, s1 + (g1 << 12), s2 + (g2 << 12), s3 + (g3 << 12), s4 + (g4 << 12), s5 + (g5 << 12), s6 + (g6 << 12), s7 + (g7 << 12), s8 + (g8 << 12), s9 + (g9 << 12));
    }

    public FieldElement Square()
    {
        ulong a0 = N0, a1 = N1, a2 = N2, a3 = N3, a4 = N4;
        ulong d0 = a0 << 1, d1 = a1 << 1, d2 = a2 << 1, d3 = a3 << 1;

        // A column-k term t = h*2^64 + l adds l's low 52 bits to s_k, l >> 52 to s_(k+1) and h to g_(k+1);
        // column k's total is then s_k + g_k*2^12 (each s < 2^56, g < 2^46: no carries anywhere).
        ulong s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0, s8 = 0, s9 = 0;
        ulong g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0, g8 = 0, g9 = 0;
        Acc3(a0, a0, ref s0, ref s1, ref g1);

        Acc3(d0, a1, ref s1, ref s2, ref g2);

        Acc3(d0, a2, ref s2, ref s3, ref g3);
        Acc3(a1, a1, ref s2, ref s3, ref g3);

        Acc3(d0, a3, ref s3, ref s4, ref g4);
        Acc3(d1, a2, ref s3, ref s4, ref g4);

        Acc3(d0, a4, ref s4, ref s5, ref g5);
        Acc3(d1, a3, ref s4, ref s5, ref g5);
        Acc3(a2, a2, ref s4, ref s5, ref g5);

        Acc3(d1, a4, ref s5, ref s6, ref g6);
        Acc3(d2, a3, ref s5, ref s6, ref g6);

        Acc3(d2, a4, ref s6, ref s7, ref g7);
        Acc3(a3, a3, ref s6, ref s7, ref g7);

        Acc3(d3, a4, ref s7, ref s8, ref g8);

        Acc3(a4, a4, ref s8, ref s9, ref g9);

        return Reduce(s0, s1 + (g1 << 12), s2 + (g2 << 12), s3 + (g3 << 12), s4 + (g4 << 12), s5 + (g5 << 12), s6 + (g6 << 12), s7 + (g7 << 12), s8 + (g8 << 12), s9 + (g9 << 12));
    }

    private FieldElement SquareTimes(int n)
    {
        FieldElement r = this;
        for (int i = 0; i < n; i++)
        {
            r = r.Square();
        }

        return r;
    }

    /// <summary>a^(p-2) via libsecp256k1's addition chain (constant time). Zero maps to zero.</summary>
    public FieldElement Inverse()
    {
        // p-2 = [223 ones] 0 [22 ones] 0000 1 0 11 0 1
        FieldElement a = this;
        FieldElement x2 = a.Square().Multiply(a);
        FieldElement x3 = x2.Square().Multiply(a);
        FieldElement x6 = x3.SquareTimes(3).Multiply(x3);
        FieldElement x9 = x6.SquareTimes(3).Multiply(x3);
        FieldElement x11 = x9.SquareTimes(2).Multiply(x2);
        FieldElement x22 = x11.SquareTimes(11).Multiply(x11);
        FieldElement x44 = x22.SquareTimes(22).Multiply(x22);
        FieldElement x88 = x44.SquareTimes(44).Multiply(x44);
        FieldElement x176 = x88.SquareTimes(88).Multiply(x88);
        FieldElement x220 = x176.SquareTimes(44).Multiply(x44);
        FieldElement x223 = x220.SquareTimes(3).Multiply(x3);
        FieldElement t = x223.SquareTimes(23).Multiply(x22);
        t = t.SquareTimes(5).Multiply(a);
        t = t.SquareTimes(3).Multiply(x2);
        return t.SquareTimes(2).Multiply(a);
    }

    /// <summary>Inverse for public data (binary extended Euclid, variable time). Zero maps to zero.</summary>
    public FieldElement InverseVariable()
    {
        if (IsZero)
        {
            return Zero;
        }

        Span<ulong> r = stackalloc ulong[4];
        Span<ulong> a = stackalloc ulong[4];
        Span<ulong> m = stackalloc ulong[4];
        ToLimbs64(out a[0], out a[1], out a[2], out a[3]);
        m[0] = P0; m[1] = PMax; m[2] = PMax; m[3] = PMax;
        ModInverse.BinaryVariable(a, m, r);
        return new FieldElement(r[0], r[1], r[2], r[3]);
    }

    /// <summary>
    /// Inverse of a secret value without a constant-time chain: the variable-time inversion only sees
    /// this*b for a fresh random non-zero b, which is independent of this; then this^-1 = (this*b)^-1 * b.
    /// </summary>
    public FieldElement InverseBlinded()
    {
        Span<byte> rnd = stackalloc byte[32];
        FieldElement blind;
        do
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(rnd);
        }
        while (!TryCreate(rnd, out blind) || blind.IsZero);

        System.Security.Cryptography.CryptographicOperations.ZeroMemory(rnd);
        return Multiply(blind).InverseVariable().Multiply(blind);
    }

    /// <summary>Square root if one exists: a^((p+1)/4), valid because p = 3 mod 4.</summary>
    public bool TrySqrt(out FieldElement root)
    {
        // (p+1)/4 = [223 ones] 0 [22 ones] 0000 11 00
        FieldElement a = this;
        FieldElement x2 = a.Square().Multiply(a);
        FieldElement x3 = x2.Square().Multiply(a);
        FieldElement x6 = x3.SquareTimes(3).Multiply(x3);
        FieldElement x9 = x6.SquareTimes(3).Multiply(x3);
        FieldElement x11 = x9.SquareTimes(2).Multiply(x2);
        FieldElement x22 = x11.SquareTimes(11).Multiply(x11);
        FieldElement x44 = x22.SquareTimes(22).Multiply(x22);
        FieldElement x88 = x44.SquareTimes(44).Multiply(x44);
        FieldElement x176 = x88.SquareTimes(88).Multiply(x88);
        FieldElement x220 = x176.SquareTimes(44).Multiply(x44);
        FieldElement x223 = x220.SquareTimes(3).Multiply(x3);
        FieldElement t = x223.SquareTimes(23).Multiply(x22);
        t = t.SquareTimes(6).Multiply(x2);
        root = t.SquareTimes(2);
        return root.Square() == a;
    }

    /// <summary>Constant-time select: b if <paramref name="chooseB"/>, else a.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FieldElement Select(in FieldElement a, in FieldElement b, bool chooseB) =>
        SelectMask(a, b, 0UL - (ulong)(chooseB ? 1 : 0));

    /// <summary>Constant-time select with a precomputed all-ones/all-zeros mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static FieldElement SelectMask(in FieldElement a, in FieldElement b, ulong mask) => new(
        (a.N0 & ~mask) | (b.N0 & mask),
        (a.N1 & ~mask) | (b.N1 & mask),
        (a.N2 & ~mask) | (b.N2 & mask),
        (a.N3 & ~mask) | (b.N3 & mask),
        (a.N4 & ~mask) | (b.N4 & mask),
        true);

    /// <summary>acc | (e &amp; mask): one step of a constant-time table scan (exactly one mask is all ones).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static FieldElement OrMasked(in FieldElement acc, in FieldElement e, ulong mask) => new(
        acc.N0 | (e.N0 & mask),
        acc.N1 | (e.N1 & mask),
        acc.N2 | (e.N2 & mask),
        acc.N3 | (e.N3 & mask),
        acc.N4 | (e.N4 & mask),
        true);

    /// <summary>Inverts every element of <paramref name="values"/> in place with one inversion (Montgomery's trick). Zeros are not allowed.</summary>
    public static void InverseBatchVariable(Span<FieldElement> values)
    {
        if (values.Length == 0)
        {
            return;
        }

        Span<FieldElement> prefix = values.Length <= 256 ? stackalloc FieldElement[values.Length] : new FieldElement[values.Length];
        FieldElement acc = values[0];
        prefix[0] = acc;
        for (int i = 1; i < values.Length; i++)
        {
            acc = acc.Multiply(values[i]);
            prefix[i] = acc;
        }

        FieldElement inv = acc.InverseVariable();
        for (int i = values.Length - 1; i > 0; i--)
        {
            FieldElement vi = values[i];
            values[i] = inv.Multiply(prefix[i - 1]);
            inv = inv.Multiply(vi);
        }

        values[0] = inv;
    }

    public static FieldElement operator +(in FieldElement a, in FieldElement b) => a.Add(b);

    public static FieldElement operator -(in FieldElement a, in FieldElement b) => a.Subtract(b);

    public static FieldElement operator *(in FieldElement a, in FieldElement b) => a.Multiply(b);

    public static FieldElement operator -(in FieldElement a) => a.Negate();

    public static bool operator ==(in FieldElement a, in FieldElement b) => a.Equals(b);

    public static bool operator !=(in FieldElement a, in FieldElement b) => !a.Equals(b);

    /// <summary>Constant-time equality of the reduced values.</summary>
    public bool Equals(FieldElement other)
    {
        Normalize(this, out ulong a0, out ulong a1, out ulong a2, out ulong a3, out ulong a4);
        Normalize(other, out ulong b0, out ulong b1, out ulong b2, out ulong b3, out ulong b4);
        return ((a0 ^ b0) | (a1 ^ b1) | (a2 ^ b2) | (a3 ^ b3) | (a4 ^ b4)) == 0;
    }

    public override bool Equals(object? obj) => obj is FieldElement f && Equals(f);

    public override int GetHashCode()
    {
        Normalize(this, out ulong n0, out ulong n1, out ulong n2, out ulong n3, out ulong n4);
        return HashCode.Combine(n0, n1, n2, n3, n4);
    }

    /// <summary>Field elements can be secret (ECDH points, nonces' coordinates): never printed.</summary>
    public override string ToString() => "FieldElement(…)";
}
