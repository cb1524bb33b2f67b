using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace OPSource.Crypto.Secp256k1;

/// <summary>
/// An element of GF(p), p = 2^256 - 2^32 - 977, held as four 64-bit limbs (little-endian) and
/// always fully reduced (&lt; p), so equality is limb equality. All operations are constant-time
/// except those whose name ends in <c>Variable</c>.
/// </summary>
internal readonly struct FieldElement : IEquatable<FieldElement>
{
    // p = 2^256 - C, C = 2^32 + 977.
    private const ulong C = 0x1000003D1UL;
    private const ulong P0 = 0xFFFFFFFEFFFFFC2FUL;
    private const ulong PMax = 0xFFFFFFFFFFFFFFFFUL;

    internal readonly ulong N0, N1, N2, N3;

    internal FieldElement(ulong n0, ulong n1, ulong n2, ulong n3)
    {
        N0 = n0; N1 = n1; N2 = n2; N3 = n3;
    }

    public static FieldElement Zero => default;

    public static FieldElement One => new(1, 0, 0, 0);

    public bool IsZero => (N0 | N1 | N2 | N3) == 0;

    public bool IsOdd => (N0 & 1) != 0;

    /// <summary>Small integer constant.</summary>
    public static FieldElement FromInt(uint value) => new(value, 0, 0, 0);

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
        return ReduceOnce(n0, n1, n2, n3, 0);
    }

    public void WriteTo(Span<byte> be32)
    {
        BinaryPrimitives.WriteUInt64BigEndian(be32, N3);
        BinaryPrimitives.WriteUInt64BigEndian(be32[8..], N2);
        BinaryPrimitives.WriteUInt64BigEndian(be32[16..], N1);
        BinaryPrimitives.WriteUInt64BigEndian(be32[24..], N0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool GreaterOrEqualP(ulong n0, ulong n1, ulong n2, ulong n3)
    {
        // p = FFFF..FF FFFFFFFE FFFFFC2F: >= p iff the three top limbs are all ones and n0 >= P0.
        ulong top = n3 & n2 & n1;
        return (top == PMax) & (n0 >= P0);
    }

    /// <summary>Given a value v = n + carry*2^256 &lt; 2p (carry in {0,1}), returns v mod p, branch-free.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static FieldElement ReduceOnce(ulong n0, ulong n1, ulong n2, ulong n3, ulong carry)
    {
        // t = n + C (mod 2^256); v >= p iff carry set or the addition carries out.
        ulong t0 = n0 + C;
        ulong c = t0 < n0 ? 1UL : 0UL;
        ulong t1 = n1 + c;
        c = t1 < c ? 1UL : 0UL;
        ulong t2 = n2 + c;
        c = t2 < c ? 1UL : 0UL;
        ulong t3 = n3 + c;
        c = t3 < c ? 1UL : 0UL;
        ulong mask = 0UL - (c | carry);
        return new FieldElement(
            (t0 & mask) | (n0 & ~mask),
            (t1 & mask) | (n1 & ~mask),
            (t2 & mask) | (n2 & ~mask),
            (t3 & mask) | (n3 & ~mask));
    }

    public FieldElement Add(in FieldElement b)
    {
        ulong r0 = N0 + b.N0;
        ulong c = r0 < N0 ? 1UL : 0UL;
        ulong t = N1 + b.N1;
        ulong c2 = t < N1 ? 1UL : 0UL;
        ulong r1 = t + c;
        c = c2 | (r1 < t ? 1UL : 0UL);
        t = N2 + b.N2;
        c2 = t < N2 ? 1UL : 0UL;
        ulong r2 = t + c;
        c = c2 | (r2 < t ? 1UL : 0UL);
        t = N3 + b.N3;
        c2 = t < N3 ? 1UL : 0UL;
        ulong r3 = t + c;
        c = c2 | (r3 < t ? 1UL : 0UL);
        return ReduceOnce(r0, r1, r2, r3, c);
    }

    public FieldElement Subtract(in FieldElement b)
    {
        // a - b, and if it borrowed add p back (equivalently subtract C mod 2^256).
        ulong r0 = N0 - b.N0;
        ulong borrow = N0 < b.N0 ? 1UL : 0UL;
        ulong t = N1 - b.N1;
        ulong borrow2 = N1 < b.N1 ? 1UL : 0UL;
        ulong r1 = t - borrow;
        borrow = borrow2 | (t < borrow ? 1UL : 0UL);
        t = N2 - b.N2;
        borrow2 = N2 < b.N2 ? 1UL : 0UL;
        ulong r2 = t - borrow;
        borrow = borrow2 | (t < borrow ? 1UL : 0UL);
        t = N3 - b.N3;
        borrow2 = N3 < b.N3 ? 1UL : 0UL;
        ulong r3 = t - borrow;
        borrow = borrow2 | (t < borrow ? 1UL : 0UL);

        ulong sub = C & (0UL - borrow);
        ulong q0 = r0 - sub;
        ulong bb = r0 < sub ? 1UL : 0UL;
        ulong q1 = r1 - bb;
        bb = r1 < bb ? 1UL : 0UL;
        ulong q2 = r2 - bb;
        bb = r2 < bb ? 1UL : 0UL;
        ulong q3 = r3 - bb;
        return new FieldElement(q0, q1, q2, q3);
    }

    public FieldElement Negate() => Zero.Subtract(this);

    /// <summary>this / 2 mod p, constant time: (this + (odd ? p : 0)) >> 1 over 257 bits.</summary>
    public FieldElement Half()
    {
        ulong m = 0UL - (N0 & 1);
        UInt128 s = (UInt128)N0 + (P0 & m);
        ulong r0 = (ulong)s;
        s = (s >> 64) + N1 + (PMax & m);
        ulong r1 = (ulong)s;
        s = (s >> 64) + N2 + (PMax & m);
        ulong r2 = (ulong)s;
        s = (s >> 64) + N3 + (PMax & m);
        ulong r3 = (ulong)s;
        ulong top = (ulong)(s >> 64);
        return new FieldElement((r0 >> 1) | (r1 << 63), (r1 >> 1) | (r2 << 63), (r2 >> 1) | (r3 << 63), (r3 >> 1) | (top << 63));
    }

    public FieldElement Double() => Add(this);

    /// <summary>Multiplies by a small constant (&lt; 2^32).</summary>
    public FieldElement MultiplySmall(uint k)
    {
        ulong hi0 = Mul64.Hi(N0, k);
        ulong r0 = N0 * k;
        ulong hi1 = Mul64.Hi(N1, k);
        ulong lo1 = N1 * k;
        ulong hi2 = Mul64.Hi(N2, k);
        ulong lo2 = N2 * k;
        ulong hi3 = Mul64.Hi(N3, k);
        ulong lo3 = N3 * k;
        UInt128 s = (UInt128)lo1 + hi0;
        ulong r1 = (ulong)s;
        s = (s >> 64) + lo2 + hi1;
        ulong r2 = (ulong)s;
        s = (s >> 64) + lo3 + hi2;
        ulong r3 = (ulong)s;
        ulong top = (ulong)(s >> 64) + hi3; // < 2^33
        return FoldTop(r0, r1, r2, r3, top);
    }

    /// <summary>Reduces r + top*2^256 where top &lt; 2^64 / C-ish small.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static FieldElement FoldTop(ulong r0, ulong r1, ulong r2, ulong r3, ulong top)
    {
        // top*2^256 == top*C (mod p); top*C < 2^98.
        ulong hi = Mul64.Hi(top, C);
        ulong lo = top * C;
        UInt128 s = (UInt128)r0 + lo;
        r0 = (ulong)s;
        s = (s >> 64) + r1 + hi;
        r1 = (ulong)s;
        s = (s >> 64) + r2;
        r2 = (ulong)s;
        s = (s >> 64) + r3;
        r3 = (ulong)s;
        return ReduceOnce(r0, r1, r2, r3, (ulong)(s >> 64));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MulAdd(ulong a, ulong b, ref ulong c0, ref ulong c1, ref ulong c2)
    {
        ulong hi = Mul64.Hi(a, b);
        ulong lo = a * b;
        c0 += lo;
        hi += c0 < lo ? 1UL : 0UL;
        c1 += hi;
        c2 += c1 < hi ? 1UL : 0UL;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MulAdd2(ulong a, ulong b, ref ulong c0, ref ulong c1, ref ulong c2)
    {
        // c += 2*a*b
        ulong hi = Mul64.Hi(a, b);
        ulong lo = a * b;
        c2 += hi >> 63;
        hi = (hi << 1) | (lo >> 63);
        lo <<= 1;
        c0 += lo;
        hi += c0 < lo ? 1UL : 0UL;
        c1 += hi;
        c2 += c1 < hi ? 1UL : 0UL;
    }

    /// <summary>Reduces the 512-bit value t0..t7 modulo p.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static FieldElement Reduce512(ulong t0, ulong t1, ulong t2, ulong t3, ulong t4, ulong t5, ulong t6, ulong t7)
    {
        // 2^256 == C (mod p): fold the high half multiplied by C into the low half.
        ulong h0 = Mul64.Hi(t4, C);
        ulong l0 = t4 * C;
        ulong h1 = Mul64.Hi(t5, C);
        ulong l1 = t5 * C;
        ulong h2 = Mul64.Hi(t6, C);
        ulong l2 = t6 * C;
        ulong h3 = Mul64.Hi(t7, C);
        ulong l3 = t7 * C;
        UInt128 s = (UInt128)t0 + l0;
        ulong r0 = (ulong)s;
        s = (s >> 64) + t1 + l1 + h0;
        ulong r1 = (ulong)s;
        s = (s >> 64) + t2 + l2 + h1;
        ulong r2 = (ulong)s;
        s = (s >> 64) + t3 + l3 + h2;
        ulong r3 = (ulong)s;
        ulong top = (ulong)(s >> 64) + h3; // < 2^35
        return FoldTop(r0, r1, r2, r3, top);
    }

    public FieldElement Multiply(in FieldElement b)
    {
        ulong a0 = N0, a1 = N1, a2 = N2, a3 = N3;
        ulong b0 = b.N0, b1 = b.N1, b2 = b.N2, b3 = b.N3;
        ulong c0 = 0, c1 = 0, c2 = 0;

        MulAdd(a0, b0, ref c0, ref c1, ref c2);
        ulong t0 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd(a0, b1, ref c0, ref c1, ref c2);
        MulAdd(a1, b0, ref c0, ref c1, ref c2);
        ulong t1 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd(a0, b2, ref c0, ref c1, ref c2);
        MulAdd(a1, b1, ref c0, ref c1, ref c2);
        MulAdd(a2, b0, ref c0, ref c1, ref c2);
        ulong t2 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd(a0, b3, ref c0, ref c1, ref c2);
        MulAdd(a1, b2, ref c0, ref c1, ref c2);
        MulAdd(a2, b1, ref c0, ref c1, ref c2);
        MulAdd(a3, b0, ref c0, ref c1, ref c2);
        ulong t3 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd(a1, b3, ref c0, ref c1, ref c2);
        MulAdd(a2, b2, ref c0, ref c1, ref c2);
        MulAdd(a3, b1, ref c0, ref c1, ref c2);
        ulong t4 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd(a2, b3, ref c0, ref c1, ref c2);
        MulAdd(a3, b2, ref c0, ref c1, ref c2);
        ulong t5 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd(a3, b3, ref c0, ref c1, ref c2);
        ulong t6 = c0;
        ulong t7 = c1;
        return Reduce512(t0, t1, t2, t3, t4, t5, t6, t7);
    }

    public FieldElement Square()
    {
        ulong a0 = N0, a1 = N1, a2 = N2, a3 = N3;
        ulong c0 = 0, c1 = 0, c2 = 0;

        MulAdd(a0, a0, ref c0, ref c1, ref c2);
        ulong t0 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd2(a0, a1, ref c0, ref c1, ref c2);
        ulong t1 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd2(a0, a2, ref c0, ref c1, ref c2);
        MulAdd(a1, a1, ref c0, ref c1, ref c2);
        ulong t2 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd2(a0, a3, ref c0, ref c1, ref c2);
        MulAdd2(a1, a2, ref c0, ref c1, ref c2);
        ulong t3 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd2(a1, a3, ref c0, ref c1, ref c2);
        MulAdd(a2, a2, ref c0, ref c1, ref c2);
        ulong t4 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd2(a2, a3, ref c0, ref c1, ref c2);
        ulong t5 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd(a3, a3, ref c0, ref c1, ref c2);
        ulong t6 = c0;
        ulong t7 = c1;
        return Reduce512(t0, t1, t2, t3, t4, t5, t6, t7);
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
        ModInverse.BinaryVariable([N0, N1, N2, N3], [P0, PMax, PMax, PMax], r);
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
    public static FieldElement Select(in FieldElement a, in FieldElement b, bool chooseB)
    {
        ulong mask = 0UL - (ulong)(chooseB ? 1 : 0);
        return new FieldElement(
            (a.N0 & ~mask) | (b.N0 & mask),
            (a.N1 & ~mask) | (b.N1 & mask),
            (a.N2 & ~mask) | (b.N2 & mask),
            (a.N3 & ~mask) | (b.N3 & mask));
    }

    /// <summary>Constant-time select with a precomputed all-ones/all-zeros mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static FieldElement SelectMask(in FieldElement a, in FieldElement b, ulong mask) => new(
        (a.N0 & ~mask) | (b.N0 & mask),
        (a.N1 & ~mask) | (b.N1 & mask),
        (a.N2 & ~mask) | (b.N2 & mask),
        (a.N3 & ~mask) | (b.N3 & mask));

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

    /// <summary>Constant-time equality (values are canonical).</summary>
    public bool Equals(FieldElement other) =>
        ((N0 ^ other.N0) | (N1 ^ other.N1) | (N2 ^ other.N2) | (N3 ^ other.N3)) == 0;

    public override bool Equals(object? obj) => obj is FieldElement f && Equals(f);

    public override int GetHashCode() => HashCode.Combine(N0, N1, N2, N3);

    public override string ToString()
    {
        Span<byte> b = stackalloc byte[32];
        WriteTo(b);
        return Convert.ToHexStringLower(b);
    }
}
