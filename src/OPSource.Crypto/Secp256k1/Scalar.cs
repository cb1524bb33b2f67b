using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace OPSource.Crypto.Secp256k1;

/// <summary>
/// An integer modulo the group order n, four 64-bit limbs (little-endian), always reduced.
/// Constant-time unless the member name ends in <c>Variable</c>.
/// </summary>
internal readonly struct Scalar : IEquatable<Scalar>
{
    // n = FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFE BAAEDCE6 AF48A03B BFD25E8C D0364141
    internal const ulong Nn0 = 0xBFD25E8CD0364141UL;
    internal const ulong Nn1 = 0xBAAEDCE6AF48A03BUL;
    internal const ulong Nn2 = 0xFFFFFFFFFFFFFFFEUL;
    internal const ulong Nn3 = 0xFFFFFFFFFFFFFFFFUL;

    // 2^256 - n
    private const ulong Nc0 = 0x402DA1732FC9BEBFUL;
    private const ulong Nc1 = 0x4551231950B75FC4UL;
    private const ulong Nc2 = 1UL;

    // n / 2
    private const ulong Nh0 = 0xDFE92F46681B20A0UL;
    private const ulong Nh1 = 0x5D576E7357A4501DUL;
    private const ulong Nh2 = 0xFFFFFFFFFFFFFFFFUL;
    private const ulong Nh3 = 0x7FFFFFFFFFFFFFFFUL;

    internal readonly ulong D0, D1, D2, D3;

    internal Scalar(ulong d0, ulong d1, ulong d2, ulong d3)
    {
        D0 = d0; D1 = d1; D2 = d2; D3 = d3;
    }

    public static Scalar Zero => default;

    public static Scalar One => new(1, 0, 0, 0);

    public static Scalar FromInt(uint value) => new(value, 0, 0, 0);

    public bool IsZero => (D0 | D1 | D2 | D3) == 0;

    public bool IsEven => (D0 & 1) == 0;

    /// <summary>True when the value exceeds n/2 (a "high" S in BIP62/BIP146 terms).</summary>
    public bool IsHigh => Compare(D0, D1, D2, D3, Nh0, Nh1, Nh2, Nh3) > 0;

    /// <summary>Parses 32 big-endian bytes; false (value unspecified) if &gt;= n.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> be32, out Scalar value)
    {
        if (be32.Length != 32)
        {
            value = default;
            return false;
        }

        ulong d3 = BinaryPrimitives.ReadUInt64BigEndian(be32);
        ulong d2 = BinaryPrimitives.ReadUInt64BigEndian(be32[8..]);
        ulong d1 = BinaryPrimitives.ReadUInt64BigEndian(be32[16..]);
        ulong d0 = BinaryPrimitives.ReadUInt64BigEndian(be32[24..]);
        bool overflow = Overflows(d0, d1, d2, d3);
        value = ReduceOnce(d0, d1, d2, d3, overflow ? 1UL : 0UL);
        return !overflow;
    }

    /// <summary>Parses 32 big-endian bytes reducing modulo n (hash outputs, messages).</summary>
    public static Scalar CreateReduced(ReadOnlySpan<byte> be32)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(be32.Length, 32, nameof(be32));
        ulong d3 = BinaryPrimitives.ReadUInt64BigEndian(be32);
        ulong d2 = BinaryPrimitives.ReadUInt64BigEndian(be32[8..]);
        ulong d1 = BinaryPrimitives.ReadUInt64BigEndian(be32[16..]);
        ulong d0 = BinaryPrimitives.ReadUInt64BigEndian(be32[24..]);
        return ReduceOnce(d0, d1, d2, d3, Overflows(d0, d1, d2, d3) ? 1UL : 0UL);
    }

    /// <summary>Like CreateReduced(ReadOnlySpan{byte}) but reports whether a reduction happened.</summary>
    internal static Scalar CreateReduced(ReadOnlySpan<byte> be32, out bool overflow)
    {
        ulong d3 = BinaryPrimitives.ReadUInt64BigEndian(be32);
        ulong d2 = BinaryPrimitives.ReadUInt64BigEndian(be32[8..]);
        ulong d1 = BinaryPrimitives.ReadUInt64BigEndian(be32[16..]);
        ulong d0 = BinaryPrimitives.ReadUInt64BigEndian(be32[24..]);
        overflow = Overflows(d0, d1, d2, d3);
        return ReduceOnce(d0, d1, d2, d3, overflow ? 1UL : 0UL);
    }

    public void WriteTo(Span<byte> be32)
    {
        BinaryPrimitives.WriteUInt64BigEndian(be32, D3);
        BinaryPrimitives.WriteUInt64BigEndian(be32[8..], D2);
        BinaryPrimitives.WriteUInt64BigEndian(be32[16..], D1);
        BinaryPrimitives.WriteUInt64BigEndian(be32[24..], D0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Overflows(ulong d0, ulong d1, ulong d2, ulong d3) =>
        Compare(d0, d1, d2, d3, Nn0, Nn1, Nn2, Nn3) >= 0;

    /// <summary>Branch-free three-way comparison of 256-bit values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Compare(ulong a0, ulong a1, ulong a2, ulong a3, ulong b0, ulong b1, ulong b2, ulong b3)
    {
        // Compute a - b with borrow; sign from the final borrow, zero from OR of differences.
        ulong r0 = a0 - b0;
        ulong borrow = a0 < b0 ? 1UL : 0UL;
        ulong t = a1 - b1;
        ulong br2 = a1 < b1 ? 1UL : 0UL;
        ulong r1 = t - borrow;
        borrow = br2 | (t < borrow ? 1UL : 0UL);
        t = a2 - b2;
        br2 = a2 < b2 ? 1UL : 0UL;
        ulong r2 = t - borrow;
        borrow = br2 | (t < borrow ? 1UL : 0UL);
        t = a3 - b3;
        br2 = a3 < b3 ? 1UL : 0UL;
        ulong r3 = t - borrow;
        borrow = br2 | (t < borrow ? 1UL : 0UL);
        int nonZero = (r0 | r1 | r2 | r3) != 0 ? 1 : 0;
        return nonZero - (int)(borrow << 1);
    }

    /// <summary>value + carry*2^256 - (overflowFlag ? n : 0), branch-free; requires the result &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Scalar ReduceOnce(ulong d0, ulong d1, ulong d2, ulong d3, ulong subtract)
    {
        // Subtracting n == adding 2^256 - n and dropping the carry.
        ulong m = 0UL - subtract;
        UInt128 s = (UInt128)d0 + (Nc0 & m);
        ulong r0 = (ulong)s;
        s = (s >> 64) + d1 + (Nc1 & m);
        ulong r1 = (ulong)s;
        s = (s >> 64) + d2 + (Nc2 & m);
        ulong r2 = (ulong)s;
        s = (s >> 64) + d3;
        ulong r3 = (ulong)s;
        return new Scalar(r0, r1, r2, r3);
    }

    public Scalar Add(in Scalar b)
    {
        UInt128 s = (UInt128)D0 + b.D0;
        ulong r0 = (ulong)s;
        s = (s >> 64) + D1 + b.D1;
        ulong r1 = (ulong)s;
        s = (s >> 64) + D2 + b.D2;
        ulong r2 = (ulong)s;
        s = (s >> 64) + D3 + b.D3;
        ulong r3 = (ulong)s;
        ulong carry = (ulong)(s >> 64);
        ulong over = carry | (Overflows(r0, r1, r2, r3) ? 1UL : 0UL);
        return ReduceOnce(r0, r1, r2, r3, over);
    }

    public Scalar Negate()
    {
        // n - a, or 0 when a == 0.
        ulong nonZero = 0UL - (IsZero ? 0UL : 1UL);
        UInt128 s = (UInt128)(~D0) + Nn0 + 1;
        ulong r0 = (ulong)s;
        s = (s >> 64) + ~D1 + Nn1;
        ulong r1 = (ulong)s;
        s = (s >> 64) + ~D2 + Nn2;
        ulong r2 = (ulong)s;
        s = (s >> 64) + ~D3 + Nn3;
        ulong r3 = (ulong)s;
        return new Scalar(r0 & nonZero, r1 & nonZero, r2 & nonZero, r3 & nonZero);
    }

    /// <summary>Negates when <paramref name="flag"/> is set, in constant time.</summary>
    public Scalar ConditionalNegate(bool flag) => Select(this, Negate(), flag);

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
    private static void Add3(ulong a, ref ulong c0, ref ulong c1, ref ulong c2)
    {
        c0 += a;
        ulong c = c0 < a ? 1UL : 0UL;
        c1 += c;
        c2 += c1 < c ? 1UL : 0UL;
    }

    internal static void Mul512(in Scalar a, in Scalar b, Span<ulong> l)
    {
        ulong c0 = 0, c1 = 0, c2 = 0;
        MulAdd(a.D0, b.D0, ref c0, ref c1, ref c2);
        l[0] = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd(a.D0, b.D1, ref c0, ref c1, ref c2);
        MulAdd(a.D1, b.D0, ref c0, ref c1, ref c2);
        l[1] = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd(a.D0, b.D2, ref c0, ref c1, ref c2);
        MulAdd(a.D1, b.D1, ref c0, ref c1, ref c2);
        MulAdd(a.D2, b.D0, ref c0, ref c1, ref c2);
        l[2] = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd(a.D0, b.D3, ref c0, ref c1, ref c2);
        MulAdd(a.D1, b.D2, ref c0, ref c1, ref c2);
        MulAdd(a.D2, b.D1, ref c0, ref c1, ref c2);
        MulAdd(a.D3, b.D0, ref c0, ref c1, ref c2);
        l[3] = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd(a.D1, b.D3, ref c0, ref c1, ref c2);
        MulAdd(a.D2, b.D2, ref c0, ref c1, ref c2);
        MulAdd(a.D3, b.D1, ref c0, ref c1, ref c2);
        l[4] = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd(a.D2, b.D3, ref c0, ref c1, ref c2);
        MulAdd(a.D3, b.D2, ref c0, ref c1, ref c2);
        l[5] = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd(a.D3, b.D3, ref c0, ref c1, ref c2);
        l[6] = c0;
        l[7] = c1;
    }

    /// <summary>Reduces a 512-bit value modulo n by folding with 2^256 == 2^256 - n (129-bit).</summary>
    private static Scalar Reduce512(ReadOnlySpan<ulong> l)
    {
        ulong n0 = l[4], n1 = l[5], n2 = l[6], n3 = l[7];
        ulong c0, c1, c2;

        // m[0..6] = l[0..3] + n[0..3] * NC  (385 bits)
        c0 = l[0]; c1 = 0; c2 = 0;
        MulAdd(n0, Nc0, ref c0, ref c1, ref c2);
        ulong m0 = c0; c0 = c1; c1 = c2; c2 = 0;
        Add3(l[1], ref c0, ref c1, ref c2);
        MulAdd(n1, Nc0, ref c0, ref c1, ref c2);
        MulAdd(n0, Nc1, ref c0, ref c1, ref c2);
        ulong m1 = c0; c0 = c1; c1 = c2; c2 = 0;
        Add3(l[2], ref c0, ref c1, ref c2);
        MulAdd(n2, Nc0, ref c0, ref c1, ref c2);
        MulAdd(n1, Nc1, ref c0, ref c1, ref c2);
        Add3(n0, ref c0, ref c1, ref c2);
        ulong m2 = c0; c0 = c1; c1 = c2; c2 = 0;
        Add3(l[3], ref c0, ref c1, ref c2);
        MulAdd(n3, Nc0, ref c0, ref c1, ref c2);
        MulAdd(n2, Nc1, ref c0, ref c1, ref c2);
        Add3(n1, ref c0, ref c1, ref c2);
        ulong m3 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAdd(n3, Nc1, ref c0, ref c1, ref c2);
        Add3(n2, ref c0, ref c1, ref c2);
        ulong m4 = c0; c0 = c1; c1 = c2; c2 = 0;
        Add3(n3, ref c0, ref c1, ref c2);
        ulong m5 = c0; c0 = c1;
        ulong m6 = c0; // at most 1 bit

        // p[0..4] = m[0..3] + m[4..6] * NC  (258 bits)
        c0 = m0; c1 = 0; c2 = 0;
        MulAdd(m4, Nc0, ref c0, ref c1, ref c2);
        ulong p0 = c0; c0 = c1; c1 = c2; c2 = 0;
        Add3(m1, ref c0, ref c1, ref c2);
        MulAdd(m5, Nc0, ref c0, ref c1, ref c2);
        MulAdd(m4, Nc1, ref c0, ref c1, ref c2);
        ulong p1 = c0; c0 = c1; c1 = c2; c2 = 0;
        Add3(m2, ref c0, ref c1, ref c2);
        MulAdd(m6, Nc0, ref c0, ref c1, ref c2);
        MulAdd(m5, Nc1, ref c0, ref c1, ref c2);
        Add3(m4, ref c0, ref c1, ref c2);
        ulong p2 = c0; c0 = c1; c1 = c2; c2 = 0;
        Add3(m3, ref c0, ref c1, ref c2);
        MulAdd(m6, Nc1, ref c0, ref c1, ref c2);
        Add3(m5, ref c0, ref c1, ref c2);
        ulong p3 = c0; c0 = c1; c1 = c2;
        ulong p4 = c0 + m6; // <= 3

        // r = p[0..3] + p4 * NC, then a final conditional subtraction.
        ulong h = Mul64.Hi(p4, Nc0);
        ulong lo = p4 * Nc0;
        UInt128 s = (UInt128)p0 + lo;
        ulong r0 = (ulong)s;
        s = (s >> 64) + p1 + h + ((UInt128)p4 * Nc1);
        ulong r1 = (ulong)s;
        s = (s >> 64) + p2 + p4;
        ulong r2 = (ulong)s;
        s = (s >> 64) + p3;
        ulong r3 = (ulong)s;
        ulong carry = (ulong)(s >> 64);
        ulong over = carry | (Overflows(r0, r1, r2, r3) ? 1UL : 0UL);
        return ReduceOnce(r0, r1, r2, r3, over);
    }

    public Scalar Multiply(in Scalar b)
    {
        Span<ulong> l = stackalloc ulong[8];
        Mul512(this, b, l);
        return Reduce512(l);
    }

    public Scalar Square() => Multiply(this);

    /// <summary>a^(n-2) with a fixed 4-bit window over the public exponent (constant time in a).</summary>
    public Scalar Inverse()
    {
        // n - 2, most significant nibble first.
        ReadOnlySpan<ulong> e = [Nn0 - 2, Nn1, Nn2, Nn3];
        Span<Scalar> table = stackalloc Scalar[16];
        table[0] = One;
        table[1] = this;
        for (int i = 2; i < 16; i++)
        {
            table[i] = table[i - 1].Multiply(this);
        }

        Scalar r = One;
        bool first = true;
        for (int limb = 3; limb >= 0; limb--)
        {
            for (int shift = 60; shift >= 0; shift -= 4)
            {
                int nibble = (int)((e[limb] >> shift) & 0xF);
                if (!first)
                {
                    r = r.Square().Square().Square().Square();
                }

                // The exponent is public: indexing by its digits leaks nothing about the secret base.
                r = first ? table[nibble] : r.Multiply(table[nibble]);
                first = false;
            }
        }

        return r;
    }

    /// <summary>Inverse of a secret value in constant time: safegcd with a fixed 590 divsteps (ModInverse.SafegcdConstantTime). Zero maps to zero.</summary>
    public Scalar InverseConstantTime()
    {
        Span<ulong> r = stackalloc ulong[4];
        Span<ulong> a = stackalloc ulong[4];
        a[0] = D0; a[1] = D1; a[2] = D2; a[3] = D3;
        ModInverse.SafegcdConstantTime(a, ModInverse.OrderN, r);
        return new Scalar(r[0], r[1], r[2], r[3]);
    }

    /// <summary>Inverse for public values: safegcd / Bernstein-Yang divsteps (variable time, ModInverse.SafegcdVariable). Zero maps to zero.</summary>
    public Scalar InverseVariable()
    {
        if (IsZero)
        {
            return Zero;
        }

        Span<ulong> r = stackalloc ulong[4];
        Span<ulong> a = stackalloc ulong[4];
        a[0] = D0; a[1] = D1; a[2] = D2; a[3] = D3;
        ModInverse.SafegcdVariable(a, ModInverse.OrderN, r);
        return new Scalar(r[0], r[1], r[2], r[3]);
    }

    /// <summary>Constant-time conditional move.</summary>
    public static Scalar Select(in Scalar a, in Scalar b, bool chooseB)
    {
        ulong mask = 0UL - (ulong)(chooseB ? 1 : 0);
        return new Scalar(
            (a.D0 & ~mask) | (b.D0 & mask),
            (a.D1 & ~mask) | (b.D1 & mask),
            (a.D2 & ~mask) | (b.D2 & mask),
            (a.D3 & ~mask) | (b.D3 & mask));
    }

    /// <summary>Bits [offset, offset+count) of the value, count &lt;= 32 (public scalars or constant-offset reads).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint GetBits(int offset, int count)
    {
        int limb = offset >> 6;
        int shift = offset & 63;
        ulong v = Limb(limb) >> shift;
        if (shift + count > 64 && limb < 3)
        {
            v |= Limb(limb + 1) << (64 - shift);
        }

        return (uint)(v & ((1UL << count) - 1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong Limb(int i) => i switch { 0 => D0, 1 => D1, 2 => D2, _ => D3 };

    /// <summary>round(this * g / 2^shift) for shift &gt;= 256 (GLV decomposition helper, public data).</summary>
    internal static Scalar MulShiftVariable(in Scalar a, in Scalar g, int shift)
    {
        Span<ulong> l = stackalloc ulong[8];
        Mul512(a, g, l);
        int limbs = shift >> 6;
        int bits = shift & 63;
        Span<ulong> r = stackalloc ulong[4];
        for (int i = 0; i < 4; i++)
        {
            int src = limbs + i;
            ulong v = src < 8 ? l[src] >> bits : 0;
            if (bits != 0 && src + 1 < 8)
            {
                v |= l[src + 1] << (64 - bits);
            }

            r[i] = v;
        }

        // Round by the last bit shifted out.
        int roundBit = shift - 1;
        ulong round = (l[roundBit >> 6] >> (roundBit & 63)) & 1;
        UInt128 s = (UInt128)r[0] + round;
        ulong r0 = (ulong)s;
        s = (s >> 64) + r[1];
        ulong r1 = (ulong)s;
        s = (s >> 64) + r[2];
        ulong r2 = (ulong)s;
        s = (s >> 64) + r[3];
        return new Scalar(r0, r1, r2, (ulong)s);
    }

    public static Scalar operator +(in Scalar a, in Scalar b) => a.Add(b);

    public static Scalar operator *(in Scalar a, in Scalar b) => a.Multiply(b);

    public static Scalar operator -(in Scalar a) => a.Negate();

    public static bool operator ==(in Scalar a, in Scalar b) => a.Equals(b);

    public static bool operator !=(in Scalar a, in Scalar b) => !a.Equals(b);

    /// <summary>Constant-time equality.</summary>
    public bool Equals(Scalar other) =>
        ((D0 ^ other.D0) | (D1 ^ other.D1) | (D2 ^ other.D2) | (D3 ^ other.D3)) == 0;

    public override bool Equals(object? obj) => obj is Scalar s && Equals(s);

    public override int GetHashCode() => HashCode.Combine(D0, D1, D2, D3);

    /// <summary>Scalars may be secrets: never printed.</summary>
    public override string ToString() => "Scalar(…)";
}
