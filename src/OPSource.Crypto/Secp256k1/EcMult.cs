using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OPSource.Crypto.Secp256k1;

/// <summary>
/// Scalar multiplication. <see cref="MultiplyGenerator"/> and <see cref="Multiply"/> run in constant
/// time (secret scalars); <see cref="MultiplyAddVariable"/> is for public data only (verification).
/// </summary>
internal static class EcMult
{
    /// <summary>wNAF window for the variable-base point (8 odd multiples), as libsecp256k1's WINDOW_A.</summary>
    internal const int WindowA = 5;

    /// <summary>wNAF window for the precomputed G and 2^128*G tables (4096 odd multiples each).</summary>
    internal const int WindowG = 14;

    // GLV decomposition constants (libsecp256k1 scalar_split_lambda; validated in tests).
    private static readonly Scalar Lambda = new(0xDF02967C1B23BD72UL, 0x122E22EA20816678UL, 0xA5261C028812645AUL, 0x5363AD4CC05C30E0UL);
    private static readonly Scalar MinusB1 = new(0x6F547FA90ABFE4C3UL, 0xE4437ED6010E8828UL, 0, 0);
    private static readonly Scalar MinusB2 = new(0xD765CDA83DB1562CUL, 0x8A280AC50774346DUL, 0xFFFFFFFFFFFFFFFEUL, 0xFFFFFFFFFFFFFFFFUL);
    private static readonly Scalar G1 = new(0xE893209A45DBB031UL, 0x3DAA8A1471E8CA7FUL, 0xE86C90E49284EB15UL, 0x3086D221A7D46BCDUL);
    private static readonly Scalar G2 = new(0x1571B4AE8AC47F71UL, 0x221208AC9DF506C6UL, 0x6F547FA90ABFE4C4UL, 0xE4437ED6010E8828UL);

    /// <summary>The scalar lambda with lambda*(x,y) = (beta*x, y).</summary>
    internal static Scalar LambdaValue => Lambda;

    /// <summary>
    /// Splits k into (k1, k2) with k = k1 + k2*lambda (mod n) and |k1|, |k2| &lt; 2^128 (as signed values).
    /// </summary>
    internal static void SplitLambda(in Scalar k, out Scalar k1, out Scalar k2)
    {
        Scalar c1 = Scalar.MulShiftVariable(k, G1, 384);
        Scalar c2 = Scalar.MulShiftVariable(k, G2, 384);
        c1 = c1.Multiply(MinusB1);
        c2 = c2.Multiply(MinusB2);
        k2 = c1.Add(c2);
        k1 = k2.Multiply(Lambda).Negate().Add(k);
    }

    /// <summary>
    /// Window width of the generator table: 7-bit signed odd digits, 36 full windows of 64 odd multiples and a top
    /// window of which only 8 entries are ever used (see <see cref="MultiplyGenerator"/>). Measured against 6-bit
    /// windows (42 additions, 86.5 KB): 7 bits was 3-5% faster per k*G (docs/benchmarks.md).
    /// </summary>
    private const int GenW = 7;
    private const int GenWindows = 37;
    private const int GenEntries = 1 << (GenW - 1);
    private const int GenTopEntries = 8;

    /// <summary>The first bit of the top window: bits 253..255 remain above the lower windows (3 bits, 8 entries).</summary>
    private const int GenTopOffset = (GenW * (GenWindows - 1)) + 1;

    /// <summary>ulongs per stored entry: x then y, each as four normalized 64-bit limbs (64 bytes, as libsecp256k1's ge_storage).</summary>
    private const int GenStride = 8;

    private static class GenTable
    {
        // Window i, entry j: (2j+1) * 128^i * G, affine, at (i * GenEntries + j) * GenStride; the top window holds 8 entries.
        // 36 * 64 + 8 entries of 64 bytes: 144.5 KB (libsecp256k1's default ecmult_gen table is 86 KB).
        internal static readonly ulong[] Data = Build();

        private static ulong[] Build()
        {
            int count = ((GenWindows - 1) * GenEntries) + GenTopEntries;
            var jac = new JacobianPoint[count];
            JacobianPoint b = GroupElement.Generator.ToJacobian();
            for (int i = 0; i < GenWindows; i++)
            {
                int entries = i == GenWindows - 1 ? GenTopEntries : GenEntries;
                JacobianPoint twoB = b.Double();
                jac[i * GenEntries] = b;
                for (int j = 1; j < entries; j++)
                {
                    jac[(i * GenEntries) + j] = jac[(i * GenEntries) + j - 1].AddVariable(twoB);
                }

                for (int d = 0; d < GenW; d++)
                {
                    b = b.Double();
                }
            }

            var aff = new GroupElement[count];
            JacobianPoint.ToAffineBatch(jac, aff);
            var data = new ulong[count * GenStride];
            for (int i = 0; i < count; i++)
            {
                var e = data.AsSpan(i * GenStride, GenStride);
                aff[i].X.ToLimbs64(out e[0], out e[1], out e[2], out e[3]);
                aff[i].Y.ToLimbs64(out e[4], out e[5], out e[6], out e[7]);
            }

            return data;
        }
    }

    /// <summary>
    /// Whether <see cref="GenLookup"/> scans with 256-bit vectors (where the hardware has them); tests switch it off to
    /// run the 128-bit path too. Both paths read the same bytes and give the same entry.
    /// </summary>
    internal static bool GenScanVector256 { get; set; } = Vector256.IsHardwareAccelerated;

    /// <summary>
    /// Entry <paramref name="index"/> of the <paramref name="entries"/> entries of generator window <paramref name="window"/>
    /// in constant time: every entry is read and masked (all-ones for the wanted one, zero otherwise), 64 bytes
    /// at a time with 256-bit vectors where the hardware has them, else 128-bit ones; no branch or memory address
    /// depends on <paramref name="index"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static GroupElement GenLookup(int window, int entries, uint index)
    {
        ref ulong start = ref MemoryMarshal.GetArrayDataReference(GenTable.Data);
        nuint offset = (nuint)(window * GenEntries * GenStride);
        if (GenScanVector256)
        {
            Vector256<ulong> x = Vector256<ulong>.Zero, y = Vector256<ulong>.Zero;
            for (int j = 0; j < entries; j++)
            {
                var m = Vector256.Create(EqMask((uint)j, index));
                x |= Vector256.LoadUnsafe(ref start, offset) & m;
                y |= Vector256.LoadUnsafe(ref start, offset + 4) & m;
                offset += GenStride;
            }

            return new GroupElement(
                new FieldElement(x.GetElement(0), x.GetElement(1), x.GetElement(2), x.GetElement(3)),
                new FieldElement(y.GetElement(0), y.GetElement(1), y.GetElement(2), y.GetElement(3)));
        }

        Vector128<ulong> x0 = Vector128<ulong>.Zero, x1 = Vector128<ulong>.Zero, y0 = Vector128<ulong>.Zero, y1 = Vector128<ulong>.Zero;
        for (int j = 0; j < entries; j++)
        {
            var m = Vector128.Create(EqMask((uint)j, index));
            x0 |= Vector128.LoadUnsafe(ref start, offset) & m;
            x1 |= Vector128.LoadUnsafe(ref start, offset + 2) & m;
            y0 |= Vector128.LoadUnsafe(ref start, offset + 4) & m;
            y1 |= Vector128.LoadUnsafe(ref start, offset + 6) & m;
            offset += GenStride;
        }

        return new GroupElement(
            new FieldElement(x0.GetElement(0), x0.GetElement(1), x1.GetElement(0), x1.GetElement(1)),
            new FieldElement(y0.GetElement(0), y0.GetElement(1), y1.GetElement(0), y1.GetElement(1)));
    }

    internal static class StraussTables
    {
        internal const int Size = 1 << (WindowG - 2);

        /// <summary>Odd multiples 1G, 3G, ..., (2^(w-1)-1)G.</summary>
        internal static readonly GroupElement[] G = Build(GroupElement.Generator.ToJacobian());

        /// <summary>Odd multiples of 2^128*G.</summary>
        internal static readonly GroupElement[] G128 = Build(Pow2Times(GroupElement.Generator.ToJacobian(), 128));

        private static JacobianPoint Pow2Times(JacobianPoint p, int n)
        {
            for (int i = 0; i < n; i++)
            {
                p = p.Double();
            }

            return p;
        }

        private static GroupElement[] Build(JacobianPoint p)
        {
            var jac = new JacobianPoint[Size];
            JacobianPoint two = p.Double();
            jac[0] = p;
            for (int i = 1; i < Size; i++)
            {
                jac[i] = jac[i - 1].AddVariable(two);
            }

            var result = new GroupElement[Size];
            JacobianPoint.ToAffineBatch(jac, result);
            return result;
        }
    }

    /// <summary>Forces the precomputed tables to be built now (otherwise on first use).</summary>
    internal static void EnsureTables()
    {
        _ = GenTable.Data.Length;
        _ = StraussTables.G.Length;
        _ = StraussTables.G128.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong EqMask(uint a, uint b) => 0UL - (((a ^ b) - 1) >> 31);

    /// <summary>
    /// Recodes k into 64 odd signed 4-bit digits: an odd k' (k or n-k) equals
    /// sum d_i*16^i with d_i = 2*bits(k', 4i+1, 4) - 15 (i &lt; 63) and d_63 = 2*bits(k', 253, 3) + 1.
    /// Returns k' and whether the final result must be negated (k was even).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Scalar OddRecode(in Scalar k, out bool negate)
    {
        negate = k.IsEven;
        Scalar kk = Scalar.Select(k, k.Negate(), negate);
        // k = 0: n - 0 must be n itself (odd, unreduced) so that the sum is n*P = infinity.
        var nRaw = new Scalar(Scalar.Nn0, Scalar.Nn1, Scalar.Nn2, Scalar.Nn3);
        return Scalar.Select(kk, nRaw, k.IsZero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Digit(in Scalar kk, int i, out uint index, out bool negative)
    {
        if (i == 63)
        {
            index = kk.GetBits(253, 3);
            negative = false;
            return;
        }

        uint b = kk.GetBits((4 * i) + 1, 4);
        uint neg = ((b >> 3) & 1) ^ 1;
        index = (b ^ (0u - neg)) & 7;
        negative = neg != 0;
    }

    /// <summary>
    /// k*G in constant time (secret k). With w = 7, an odd k' (k or n-k) is 1 + sum 2*t_i*2^(wi) with
    /// t_i = bits(k', wi+1, w), so k' = 2^(37w) + sum_(i&lt;37) d_i*2^(wi) with odd digits d_i = 2*t_i - 127 in [-127, 127].
    /// The top window's t_36 has only the 3 bits 253..255 (k' &lt; 2^256), and d_36*2^252 + 2^259 = (2*t_36 + 1)*2^252:
    /// the sum starts from that entry of the top window (8 entries), then adds one signed entry (2j+1)*2^(wi)*G of
    /// each of the 36 lower windows, each looked up by a full masked scan: 36 mixed additions and no doubling (the
    /// 5-bit table before needed 51).
    /// </summary>
    public static JacobianPoint MultiplyGenerator(in Scalar k)
    {
        Scalar kk = OddRecode(k, out bool negate);
        JacobianPoint acc = GenLookup(GenWindows - 1, GenTopEntries, kk.GetBits(GenTopOffset, 3)).ToJacobian();
        for (int i = GenWindows - 2; i >= 0; i--)
        {
            uint b = kk.GetBits((GenW * i) + 1, GenW);
            uint neg = ((b >> (GenW - 1)) & 1) ^ 1;
            uint index = (b ^ (0u - neg)) & (GenEntries - 1);
            GroupElement e = GenLookup(i, GenEntries, index);
            var entry = new GroupElement(e.X, FieldElement.Select(e.Y, e.Y.Negate(), neg != 0));
            // The partial sum before window i is m*2^(w(i+1))*G with m odd and 0 < m < n/2^w + 1, so it is never
            // infinity and never ±entry: 2^w*m ± d_i is odd (not 0) and, for i >= 1, in (-n, n). At i = 0 the sums are
            // k' (n only for k = 0) and k' - 2*d_0, which is n only if k' = n + 2*d_0 with d_0 < 0; then bits 1..7 of k'
            // (n = ...41 hex) would give d_0 = 63 > 0, so that case never occurs. Hence only k = 0 is degenerate, and its
            // result (infinity) is selected below instead of running the complete formula for every k.
            acc = acc.AddNonDegenerate(entry);
        }

        return JacobianPoint.Select(acc.ConditionalNegate(negate), JacobianPoint.Infinity, k.IsZero);
    }

    /// <summary>
    /// k*P in constant time with respect to k: GLV split into two 128-bit halves, 33 signed odd 4-bit
    /// windows each over tables of P and lambda*P, scanned in full for every lookup.
    /// </summary>
    public static JacobianPoint Multiply(in GroupElement p, in Scalar k)
    {
        if (p.IsInfinity)
        {
            return JacobianPoint.Infinity;
        }

        // Odd multiples P, 3P, ..., 15P (P is public data) on an isomorphic curve, and their lambda images;
        // the whole ladder runs on that curve and the result's Z is scaled by zGlobal at the end.
        Span<GroupElement> table = stackalloc GroupElement[8];
        Span<GroupElement> tableL = stackalloc GroupElement[8];
        BuildOddMultiplesIsomorphic(p, table, out FieldElement zGlobal);
        for (int j = 0; j < 8; j++)
        {
            tableL[j] = table[j].MultiplyLambda();
        }

        // k = k1 + k2*lambda; |k1|, |k2| < 2^128. Negative halves use -P / -lambda*P instead.
        SplitLambda(k, out Scalar k1, out Scalar k2);
        bool neg1 = k1.IsHigh;
        bool neg2 = k2.IsHigh;
        k1 = k1.ConditionalNegate(neg1);
        k2 = k2.ConditionalNegate(neg2);
        // The odd-digit recoding needs odd values: add 1 to an even half and subtract its point at the end.
        bool even1 = k1.IsEven;
        bool even2 = k2.IsEven;
        k1 = k1.Add(Scalar.FromInt(even1 ? 1u : 0u));
        k2 = k2.Add(Scalar.FromInt(even2 ? 1u : 0u));

        // Values <= 2^128: 33 windows, the top digit is always +1 (k_32 = 2*(k >> 129) + 1).
        bool degenerate = false;
        JacobianPoint acc = Lookup(table, 0, neg1).ToJacobian();
        acc = AddChecked(acc, Lookup(tableL, 0, neg2), ref degenerate);
        for (int i = 31; i >= 0; i--)
        {
            acc = acc.Double().Double().Double().Double();
            uint b1 = k1.GetBits((4 * i) + 1, 4);
            uint b2 = k2.GetBits((4 * i) + 1, 4);
            uint s1 = ((b1 >> 3) & 1) ^ 1;
            uint s2 = ((b2 >> 3) & 1) ^ 1;
            acc = AddChecked(acc, Lookup(table, (b1 ^ (0u - s1)) & 7, (s1 != 0) ^ neg1), ref degenerate);
            acc = AddChecked(acc, Lookup(tableL, (b2 ^ (0u - s2)) & 7, (s2 != 0) ^ neg2), ref degenerate);
        }

        // Undo the +1 of even halves: subtract (±P) / (±lambda*P) with complete additions.
        acc = JacobianPoint.Select(acc, acc.Add(Lookup(table, 0, !neg1)), even1);
        acc = JacobianPoint.Select(acc, acc.Add(Lookup(tableL, 0, !neg2)), even2);

        // An intermediate sum equal to ±entry needs a lattice relation of two ~128-bit halves
        // (probability ~2^-128 for a secret k); only then take the slower complete-formula path.
        if (degenerate)
        {
            return MultiplyPlain(p, k);
        }

        return new JacobianPoint(acc.X, acc.Y, acc.Z.Multiply(zGlobal), acc.IsInfinity);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static JacobianPoint AddChecked(in JacobianPoint acc, in GroupElement e, ref bool degenerate)
    {
        JacobianPoint r = acc.AddNonDegenerate(e, out bool hZero);
        degenerate |= hZero;
        return r;
    }

    /// <summary>Constant-time table lookup of entry <paramref name="index"/> (all 8 entries are read), optionally negated.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static GroupElement Lookup(ReadOnlySpan<GroupElement> table, uint index, bool negate)
    {
        FieldElement x = default, y = default;
        for (int j = 0; j < 8; j++)
        {
            ulong m = EqMask((uint)j, index);
            ref readonly GroupElement e = ref table[j];
            x = FieldElement.OrMasked(x, e.X, m);
            y = FieldElement.OrMasked(y, e.Y, m);
        }

        return new GroupElement(x, FieldElement.Select(y, y.Negate(), negate));
    }

    /// <summary>k*P in constant time without the endomorphism (fallback; 64 signed odd 4-bit windows).</summary>
    internal static JacobianPoint MultiplyPlain(in GroupElement p, in Scalar k)
    {
        if (p.IsInfinity)
        {
            return JacobianPoint.Infinity;
        }

        // Odd multiples P, 3P, ..., 15P (P is public data).
        Span<JacobianPoint> jac = stackalloc JacobianPoint[8];
        JacobianPoint pj = p.ToJacobian();
        JacobianPoint two = pj.Double();
        jac[0] = pj;
        for (int j = 1; j < 8; j++)
        {
            jac[j] = jac[j - 1].Add(two);
        }

        Span<GroupElement> table = stackalloc GroupElement[8];
        JacobianPoint.ToAffineBatch(jac, table);

        Scalar kk = OddRecode(k, out bool negate);
        JacobianPoint acc = default;
        for (int i = 63; i >= 0; i--)
        {
            Digit(kk, i, out uint index, out bool negative);
            FieldElement x = default, y = default;
            for (int j = 0; j < 8; j++)
            {
                ulong m = EqMask((uint)j, index);
                ref readonly GroupElement e = ref table[j];
                x = FieldElement.OrMasked(x, e.X, m);
                y = FieldElement.OrMasked(y, e.Y, m);
            }

            var entry = new GroupElement(x, FieldElement.Select(y, y.Negate(), negative));
            if (i == 63)
            {
                acc = entry.ToJacobian();
                continue;
            }

            acc = acc.Double().Double().Double().Double();
            // Horner partial sums 16*k_(i+1) are never ≡ ±d_i or 0 (mod n) except possibly at i = 0.
            acc = i > 0 ? acc.AddNonDegenerate(entry) : acc.Add(entry);
        }

        return acc.ConditionalNegate(negate);
    }

    /// <summary>
    /// wNAF representation of a non-negative 256-bit value: digits are 0 or odd in (-2^(w-1), 2^(w-1)).
    /// Returns the number of digits (index of the highest non-zero digit plus one).
    /// </summary>
    internal static int Wnaf(in Scalar s, int w, Span<int> wnaf)
    {
        wnaf.Clear();
        int carry = 0;
        int bit = 0;
        int last = -1;
        while (bit < 256)
        {
            if ((int)s.GetBits(bit, 1) == carry)
            {
                bit++;
                continue;
            }

            int now = Math.Min(w, 256 - bit);
            int word = (int)s.GetBits(bit, now) + carry;
            carry = (word >> (w - 1)) & 1;
            word -= carry << w;
            wnaf[bit] = word;
            last = bit;
            bit += now;
        }

        if (carry != 0)
        {
            wnaf[256] = 1;
            last = 256;
        }

        return last + 1;
    }

    /// <summary>
    /// Odd multiples P, 3P, ... of a public point without any inversion (libsecp256k1's isomorphic-curve
    /// trick): with d = 2P = (Xd, Yd, Zd), the isomorphism (x, y) -> (Zd^2 x, Zd^3 y) onto y^2 = x^3 + 7*Zd^6
    /// makes d affine, so only mixed additions are needed; the a = 0 formulas never use the curve's b.
    /// Rescaling every entry to the last entry's Z with the additions' z-ratios leaves affine points on one
    /// isomorphic curve: a Jacobian result (X, Y, Z) computed there is (X, Y, Z*zGlobal) on secp256k1.
    /// </summary>
    internal static void BuildOddMultiplesIsomorphic(in GroupElement p, Span<GroupElement> table, out FieldElement zGlobal)
    {
        int count = table.Length;
        JacobianPoint d = p.ToJacobian().DoubleVariable();
        FieldElement zd2 = d.Z.Square();
        var dA = new GroupElement(d.X, d.Y);
        Span<JacobianPoint> q = stackalloc JacobianPoint[count];
        Span<FieldElement> ratio = stackalloc FieldElement[count];
        q[0] = new GroupElement(p.X.Multiply(zd2), p.Y.Multiply(zd2).Multiply(d.Z)).ToJacobian();
        for (int i = 1; i < count; i++)
        {
            // (2i-1)P != ±2P for the small table sizes used: never degenerate.
            q[i] = q[i - 1].AddNonDegenerate(dA, out _, out ratio[i]);
        }

        int last = count - 1;
        table[last] = new GroupElement(q[last].X, q[last].Y);
        FieldElement f = FieldElement.One;
        for (int i = last; i > 0; i--)
        {
            f = f.Multiply(ratio[i]); // Z_last / Z_(i-1)
            FieldElement f2 = f.Square();
            table[i - 1] = new GroupElement(q[i - 1].X.Multiply(f2), q[i - 1].Y.Multiply(f2).Multiply(f));
        }

        zGlobal = d.Z.Multiply(q[last].Z);
    }

    /// <summary>a*P + b*G for public inputs (Strauss-wNAF with the GLV endomorphism for P).</summary>
    public static JacobianPoint MultiplyAddVariable(in GroupElement p, in Scalar a, in Scalar b)
    {
        Span<int> wA1 = stackalloc int[258];
        Span<int> wA2 = stackalloc int[258];
        Span<int> wB1 = stackalloc int[258];
        Span<int> wB2 = stackalloc int[258];
        Span<GroupElement> tableP = stackalloc GroupElement[1 << (WindowA - 2)];
        Span<GroupElement> tableL = stackalloc GroupElement[1 << (WindowA - 2)];

        int lenA1 = 0, lenA2 = 0;
        bool neg1 = false, neg2 = false;
        bool isomorphic = false;
        // G digits are added on the isomorphic curve as (x, y, 1/zGlobal) (libsecp ecmult_strauss_wnaf: add_zinv_var).
        FieldElement zGlobal = FieldElement.One;
        if (!p.IsInfinity && !a.IsZero)
        {
            SplitLambda(a, out Scalar a1, out Scalar a2);
            neg1 = a1.IsHigh;
            neg2 = a2.IsHigh;
            if (neg1)
            {
                a1 = a1.Negate();
            }

            if (neg2)
            {
                a2 = a2.Negate();
            }

            lenA1 = Wnaf(a1, WindowA, wA1);
            lenA2 = Wnaf(a2, WindowA, wA2);

            BuildOddMultiplesIsomorphic(p, tableP, out zGlobal);
            for (int i = 0; i < tableP.Length; i++)
            {
                tableL[i] = tableP[i].MultiplyLambda();
            }

            isomorphic = true;
        }

        // b = b1 + b2*2^128 with b1, b2 < 2^128.
        var b1 = new Scalar(b.D0, b.D1, 0, 0);
        var b2 = new Scalar(b.D2, b.D3, 0, 0);
        int lenB1 = Wnaf(b1, WindowG, wB1);
        int lenB2 = Wnaf(b2, WindowG, wB2);

        int len = Math.Max(Math.Max(lenA1, lenA2), Math.Max(lenB1, lenB2));
        GroupElement[] tg = StraussTables.G;
        GroupElement[] tg128 = StraussTables.G128;
        JacobianPoint acc = JacobianPoint.Infinity;
        for (int i = len - 1; i >= 0; i--)
        {
            if (!acc.IsInfinity)
            {
                acc = acc.DoubleVariable();
            }

            int d = wA1[i];
            if (d != 0)
            {
                GroupElement e = tableP[Math.Abs(d) >> 1];
                acc = acc.AddVariable((d < 0) ^ neg1 ? e.Negate() : e);
            }

            d = wA2[i];
            if (d != 0)
            {
                GroupElement e = tableL[Math.Abs(d) >> 1];
                acc = acc.AddVariable((d < 0) ^ neg2 ? e.Negate() : e);
            }

            d = wB1[i];
            if (d != 0)
            {
                GroupElement e = tg[Math.Abs(d) >> 1];
                acc = acc.AddZinvVariable(d < 0 ? e.Negate() : e, zGlobal);
            }

            d = wB2[i];
            if (d != 0)
            {
                GroupElement e = tg128[Math.Abs(d) >> 1];
                acc = acc.AddZinvVariable(d < 0 ? e.Negate() : e, zGlobal);
            }
        }

        // Back from the isomorphic curve: (X, Y, Z) there is (X, Y, Z*zGlobal) on secp256k1.
        return isomorphic && !acc.IsInfinity ? new JacobianPoint(acc.X, acc.Y, acc.Z.Multiply(zGlobal), false) : acc;
    }
}
