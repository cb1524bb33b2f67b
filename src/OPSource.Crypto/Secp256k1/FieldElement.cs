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

    /// <summary>
    /// From raw stored limbs (value = sum of n_k * 2^(52k)), checked against the stored bounds. For tests that
    /// drive the arithmetic with limbs at the edges of what the operations may produce.
    /// </summary>
    internal static FieldElement FromStoredLimbs(ulong n0, ulong n1, ulong n2, ulong n3, ulong n4)
    {
        const ulong limbBound = 1UL << 53, topBound = 1UL << 49;
        if (n0 >= limbBound || n1 >= limbBound || n2 >= limbBound || n3 >= limbBound || n4 >= topBound)
        {
            throw new ArgumentOutOfRangeException(nameof(n0), "stored limbs must be below 2^53 (limb 4 below 2^49)");
        }

        return new FieldElement(n0, n1, n2, n3, n4, true);
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
    internal void ToLimbs64(out ulong r0, out ulong r1, out ulong r2, out ulong r3)
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

    // 2^260 mod p and 2^256 mod p, pre-shifted for MulAcc.
    private const ulong RShifted = R << 10;
    private const ulong CShifted = C << 10;

    /// <summary>
    /// acc += a*b for an accumulator held as the pair (x, y) with value x + 2^54*y. The caller passes a
    /// pre-shifted as a' = a &lt;&lt; 10 (&lt; 2^64, so a &lt; 2^54): the high half of a'*b is floor(a*b / 2^54) and the
    /// low half shifted right by 10 is a*b mod 2^54, so no carry is ever needed. Both halves gain &lt; 2^54 per
    /// product of stored limbs; the schedules below keep x and y under 2^59.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MulAcc(ulong aShifted, ulong b, ref ulong x, ref ulong y)
    {
        y += Mul64.Hi(aShifted, b);
        x += (aShifted * b) >> 10;
    }

    /// <summary>
    /// A limb read straight from memory at its point of use: a volatile read is never merged with the other
    /// reads of the same limb, so the JIT does not hoist the second operand's limbs into registers (which
    /// would leave too few for the accumulators and spill them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Load(ref readonly ulong limb) => Volatile.Read(in limb);

    /// <summary>The accumulator (x, y) shifted right by 52: floor((x + 2^54*y) / 2^52), one word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Shift52(ulong x, ulong y) => (x >> 52) + (y << 2);

    /// <summary>
    /// this * b mod p. Follows the schedule of libsecp256k1's secp256k1_fe_mul_inner: two running column
    /// accumulators, upper columns folded into lower ones through 2^260 = R (mod p) as soon as each is
    /// complete, so few values are live at once; our limbs sit in registers pre-shifted and b's are read from
    /// memory. Each 128-bit accumulator is a carry-free pair (see <see cref="MulAcc"/>). Bounds below are for
    /// stored inputs (limbs 0..3 &lt; 2^53, limb 4 &lt; 2^49). Output: limbs 0..3 &lt; 2^52, limb 4 &lt; 2^49.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public FieldElement Multiply(in FieldElement b) => Multiply(b, this);

    /// <summary>
    /// The product as a static method with b first: b's address then arrives in
    /// a register other than RDX, which MULX uses implicitly.
    /// </summary>
    private static FieldElement Multiply(in FieldElement b, in FieldElement a)
    {
        ulong a0 = a.N0 << 10, a1 = a.N1 << 10, a2 = a.N2 << 10, a3 = a.N3 << 10, a4 = a.N4 << 10;
        ulong dx = 0, dy = 0, cx = 0, cy = 0;

        // d = p3 (x < 2^56, y < 2^54); c = p8 (x < 2^54, y < 2^44).
        MulAcc(a0, Load(in b.N3), ref dx, ref dy);
        MulAcc(a1, Load(in b.N2), ref dx, ref dy);
        MulAcc(a2, Load(in b.N1), ref dx, ref dy);
        MulAcc(a3, Load(in b.N0), ref dx, ref dy);
        MulAcc(a4, Load(in b.N4), ref cx, ref cy);

        // Column 8's low 52 bits fold into column 3 (times R); the rest (< 2^47) waits as column 9.
        MulAcc(RShifted, cx & M52, ref dx, ref dy);
        ulong c = Shift52(cx, cy);
        ulong t3 = dx & M52;
        dx = Shift52(dx, dy); // < 2^57
        dy = 0;

        // d += p4 + R*c (column 9 folded into column 4): x < 2^58, y < 2^54.
        MulAcc(a0, Load(in b.N4), ref dx, ref dy);
        MulAcc(a1, Load(in b.N3), ref dx, ref dy);
        MulAcc(a2, Load(in b.N2), ref dx, ref dy);
        MulAcc(a3, Load(in b.N1), ref dx, ref dy);
        MulAcc(a4, Load(in b.N0), ref dx, ref dy);
        MulAcc(RShifted, c, ref dx, ref dy);
        ulong t4 = dx & M52;
        dx = Shift52(dx, dy); // < 2^57
        dy = 0;

        // Column 4 keeps 48 bits (up to 2^256); its 4 bits above (tx) join column 5's limb, which sits at 2^256.
        ulong tx = t4 >> 48;
        t4 &= M48;

        // c = p0; d += p5; 2^256 = C (mod p) brings column 5's limb down to column 0.
        cx = 0;
        cy = 0;
        MulAcc(a0, Load(in b.N0), ref cx, ref cy);
        MulAcc(a1, Load(in b.N4), ref dx, ref dy);
        MulAcc(a2, Load(in b.N3), ref dx, ref dy);
        MulAcc(a3, Load(in b.N2), ref dx, ref dy);
        MulAcc(a4, Load(in b.N1), ref dx, ref dy);
        ulong u0 = ((dx & M52) << 4) | tx; // < 2^56
        dx = Shift52(dx, dy); // < 2^57
        dy = 0;
        MulAcc(CShifted, u0, ref cx, ref cy);
        ulong r0 = cx & M52;
        cx = Shift52(cx, cy); // < 2^55
        cy = 0;

        // c += p1 + R*(d mod 2^52); d += p6.
        MulAcc(a0, Load(in b.N1), ref cx, ref cy);
        MulAcc(a1, Load(in b.N0), ref cx, ref cy);
        MulAcc(a2, Load(in b.N4), ref dx, ref dy);
        MulAcc(a3, Load(in b.N3), ref dx, ref dy);
        MulAcc(a4, Load(in b.N2), ref dx, ref dy);
        MulAcc(RShifted, dx & M52, ref cx, ref cy);
        dx = Shift52(dx, dy); // < 2^56
        dy = 0;
        ulong r1 = cx & M52;
        cx = Shift52(cx, cy); // < 2^56
        cy = 0;

        // c += p2 + R*(d mod 2^52); d += p7.
        MulAcc(a0, Load(in b.N2), ref cx, ref cy);
        MulAcc(a1, Load(in b.N1), ref cx, ref cy);
        MulAcc(a2, Load(in b.N0), ref cx, ref cy);
        MulAcc(a3, Load(in b.N4), ref dx, ref dy);
        MulAcc(a4, Load(in b.N3), ref dx, ref dy);
        MulAcc(RShifted, dx & M52, ref cx, ref cy);
        ulong d = Shift52(dx, dy); // column 8's carry, < 2^52
        ulong r2 = cx & M52;
        cx = Shift52(cx, cy); // < 2^57
        cy = 0;

        // c += t3 + R*d completes column 3; what is left of it joins t4.
        cx += t3;
        MulAcc(RShifted, d, ref cx, ref cy);
        ulong r3 = cx & M52;
        ulong r4 = Shift52(cx, cy) + t4; // < 2^48 + 2^38
        return new FieldElement(r0, r1, r2, r3, r4, true);
    }

    /// <summary>
    /// this^2 mod p: <see cref="Multiply(in FieldElement)"/>'s schedule with each cross product taken once with a doubled
    /// register operand (a_i &lt;&lt; 11 = (2*a_i) &lt;&lt; 10), the other factor read from memory.
    /// </summary>
    public FieldElement Square()
    {
        ulong a0 = N0 << 11, a1 = N1 << 11, a2 = N2 << 11, a3 = N3 << 11;
        ulong dx = 0, dy = 0, cx = 0, cy = 0;

        // d = p3 = 2(a0a3 + a1a2); c = p8 = a4^2.
        MulAcc(a0, N3, ref dx, ref dy);
        MulAcc(a1, N2, ref dx, ref dy);
        MulAcc(N4 << 10, N4, ref cx, ref cy);

        MulAcc(RShifted, cx & M52, ref dx, ref dy);
        ulong c = Shift52(cx, cy);
        ulong t3 = dx & M52;
        dx = Shift52(dx, dy);
        dy = 0;

        // d += p4 + R*c, p4 = 2(a0a4 + a1a3) + a2^2.
        MulAcc(a0, N4, ref dx, ref dy);
        MulAcc(a1, N3, ref dx, ref dy);
        MulAcc(a2 >> 1, N2, ref dx, ref dy);
        MulAcc(RShifted, c, ref dx, ref dy);
        ulong t4 = dx & M52;
        dx = Shift52(dx, dy);
        dy = 0;
        ulong tx = t4 >> 48;
        t4 &= M48;

        // c = p0 = a0^2; d += p5 = 2(a1a4 + a2a3).
        cx = 0;
        cy = 0;
        MulAcc(a0 >> 1, N0, ref cx, ref cy);
        MulAcc(a1, N4, ref dx, ref dy);
        MulAcc(a2, N3, ref dx, ref dy);
        ulong u0 = ((dx & M52) << 4) | tx;
        dx = Shift52(dx, dy);
        dy = 0;
        MulAcc(CShifted, u0, ref cx, ref cy);
        ulong r0 = cx & M52;
        cx = Shift52(cx, cy);
        cy = 0;

        // c += p1 = 2a0a1; d += p6 = 2a2a4 + a3^2.
        MulAcc(a0, N1, ref cx, ref cy);
        MulAcc(a2, N4, ref dx, ref dy);
        MulAcc(a3 >> 1, N3, ref dx, ref dy);
        MulAcc(RShifted, dx & M52, ref cx, ref cy);
        dx = Shift52(dx, dy);
        dy = 0;
        ulong r1 = cx & M52;
        cx = Shift52(cx, cy);
        cy = 0;

        // c += p2 = 2a0a2 + a1^2; d += p7 = 2a3a4.
        MulAcc(a0, N2, ref cx, ref cy);
        MulAcc(a1 >> 1, N1, ref cx, ref cy);
        MulAcc(a3, N4, ref dx, ref dy);
        MulAcc(RShifted, dx & M52, ref cx, ref cy);
        ulong d = Shift52(dx, dy);
        ulong r2 = cx & M52;
        cx = Shift52(cx, cy);
        cy = 0;

        cx += t3;
        MulAcc(RShifted, d, ref cx, ref cy);
        ulong r3 = cx & M52;
        ulong r4 = Shift52(cx, cy) + t4;
        return new FieldElement(r0, r1, r2, r3, r4, true);
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

    /// <summary>
    /// The shared head of libsecp256k1's addition chains for p-2 and (p+1)/4, which both start with
    /// [223 ones] 0 [22 ones]: returns a raised to that 246-bit prefix, and a^3 (x2) for the tails.
    /// </summary>
    private FieldElement PowerChainHead(out FieldElement x2)
    {
        FieldElement a = this;
        x2 = a.Square().Multiply(a);
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
        return x223.SquareTimes(23).Multiply(x22);
    }

    /// <summary>a^(p-2) via libsecp256k1's addition chain (constant time). Zero maps to zero.</summary>
    public FieldElement Inverse()
    {
        // p-2 = [223 ones] 0 [22 ones] 0000 1 0 11 0 1
        FieldElement t = PowerChainHead(out FieldElement x2);
        t = t.SquareTimes(5).Multiply(this);
        t = t.SquareTimes(3).Multiply(x2);
        return t.SquareTimes(2).Multiply(this);
    }

    /// <summary>Inverse for public data (safegcd / Bernstein-Yang divsteps, variable time: ModInverse.SafegcdVariable). Zero maps to zero.</summary>
    public FieldElement InverseVariable()
    {
        if (IsZero)
        {
            return Zero;
        }

        Span<ulong> r = stackalloc ulong[4];
        Span<ulong> a = stackalloc ulong[4];
        ToLimbs64(out a[0], out a[1], out a[2], out a[3]);
        ModInverse.SafegcdVariable(a, ModInverse.FieldP, r);
        return new FieldElement(r[0], r[1], r[2], r[3]);
    }

    /// <summary>
    /// Inverse of a secret value in constant time (libsecp256k1 secp256k1_fe_inv: the modinv64 constant-time
    /// safegcd, 10 rounds of 59 branchless divsteps). Zero maps to zero. It replaced a blinded form (a fresh OS
    /// random blind per call, the variable-time safegcd, two extra multiplications), which cost a getrandom call
    /// per signature and measured slower (docs/benchmarks.md, "secp256k1 signing, third pass").
    /// </summary>
    public FieldElement InverseConstantTime()
    {
        Span<ulong> r = stackalloc ulong[4];
        Span<ulong> a = stackalloc ulong[4];
        ToLimbs64(out a[0], out a[1], out a[2], out a[3]);
        ModInverse.SafegcdConstantTime(a, ModInverse.FieldP, r);
        FieldElement result = new(r[0], r[1], r[2], r[3]);
        a.Clear();
        r.Clear();
        return result;
    }

    /// <summary>Square root if one exists: a^((p+1)/4), valid because p = 3 mod 4.</summary>
    public bool TrySqrt(out FieldElement root)
    {
        // (p+1)/4 = [223 ones] 0 [22 ones] 0000 11 00
        FieldElement t = PowerChainHead(out FieldElement x2);
        t = t.SquareTimes(6).Multiply(x2);
        root = t.SquareTimes(2);
        return root.Square() == this;
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
        InverseBatchVariable(values, prefix);
    }

    /// <summary>
    /// <see cref="InverseBatchVariable(Span{FieldElement})"/> over caller-owned scratch of at least
    /// values.Length elements, so callers with pooled buffers allocate nothing for any length.
    /// </summary>
    public static void InverseBatchVariable(Span<FieldElement> values, Span<FieldElement> scratch)
    {
        if (values.Length == 0)
        {
            return;
        }

        Span<FieldElement> prefix = scratch[..values.Length];
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
