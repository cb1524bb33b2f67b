using System.Buffers;

namespace OPSource.Crypto.Secp256k1;

/// <summary>
/// Variable-time multi-scalar multiplication for public data (batch verification). Full-size scalars are
/// GLV-split, short ones (batch randomizers) are used as they are, so every term is below 2^128. Few terms:
/// Strauss-wNAF with one shared chain of doublings and the precomputed G / 2^128 G tables; many terms:
/// Pippenger's bucket method.
/// </summary>
internal static class EcMultBatch
{
    /// <summary>Digits per wNAF row for a value below 2^128 (128 bits plus a final carry).</summary>
    private const int ShortDigits = 130;

    /// <summary>Odd multiples per point table (window <see cref="EcMult.WindowA"/>).</summary>
    private const int TableSize = 1 << (EcMult.WindowA - 2);

    /// <summary>
    /// g*G + sum(scalars[i]*points[i]) + sum(shortScalars[j]*shortPoints[j]). A short scalar must be
    /// within 2^128 of zero (as k or n-k), which lets it skip the GLV split (a batch randomizer times R_i).
    /// Infinity points and zero scalars contribute nothing.
    /// </summary>
    public static JacobianPoint MultiplyAddVariable(
        in Scalar g,
        ReadOnlySpan<GroupElement> points,
        ReadOnlySpan<Scalar> scalars,
        ReadOnlySpan<GroupElement> shortPoints,
        ReadOnlySpan<Scalar> shortScalars)
    {
        CheckLengths(points, scalars, shortPoints, shortScalars);
        int terms = (2 * points.Length) + shortPoints.Length;
        return terms >= PippengerMinTerms
            ? PippengerVariable(g, points, scalars, shortPoints, shortScalars)
            : StraussVariable(g, points, scalars, shortPoints, shortScalars);
    }

    /// <summary>
    /// Number of 128-bit terms (2 per full point, 1 per short point) from which the bucket method beats
    /// Strauss (with affine tables): measured crossing near 144 terms, i.e. about 48 BIP340 signatures
    /// (docs/benchmarks/schnorr-batch.md).
    /// </summary>
    internal const int PippengerMinTerms = 144;

    private static void CheckLengths(ReadOnlySpan<GroupElement> points, ReadOnlySpan<Scalar> scalars, ReadOnlySpan<GroupElement> shortPoints, ReadOnlySpan<Scalar> shortScalars)
    {
        if (points.Length != scalars.Length || shortPoints.Length != shortScalars.Length)
        {
            throw new ArgumentException("ecmult batch: every point needs exactly one scalar");
        }
    }

    /// <summary>Strauss-wNAF: per-point tables of odd multiples, one shared chain of doublings.</summary>
    internal static JacobianPoint StraussVariable(
        in Scalar g,
        ReadOnlySpan<GroupElement> points,
        ReadOnlySpan<Scalar> scalars,
        ReadOnlySpan<GroupElement> shortPoints,
        ReadOnlySpan<Scalar> shortScalars)
    {
        CheckLengths(points, scalars, shortPoints, shortScalars);

        // Terms: two per full point (P and lambda*P after the GLV split), one per short point.
        int terms = (2 * points.Length) + shortPoints.Length;
        int tables = points.Length + shortPoints.Length;
        GroupElement[] table = ArrayPool<GroupElement>.Shared.Rent(Math.Max(1, terms * TableSize));
        sbyte[] digits = ArrayPool<sbyte>.Shared.Rent(Math.Max(1, terms * ShortDigits));
        int[] tableTerms = ArrayPool<int>.Shared.Rent(Math.Max(1, tables));
        FieldElement[] fields = ArrayPool<FieldElement>.Shared.Rent(Math.Max(1, 2 * tables));
        GroupElement[] doubles = ArrayPool<GroupElement>.Shared.Rent(Math.Max(1, tables));
        try
        {
            // Digit layout is bit-major (digits[bit * terms + term]) so that the main loop reads one row.
            Span<sbyte> dig = digits.AsSpan(0, terms * ShortDigits);
            dig.Clear();
            int len = 0;
            int t = 0;
            int m = 0;
            for (int i = 0; i < points.Length; i++, t += 2)
            {
                if (points[i].IsInfinity || scalars[i].IsZero)
                {
                    // Empty terms keep all-zero digits, so their table slots are never read.
                    continue;
                }

                // k = k1 + k2*lambda with |k1|, |k2| < 2^128 (EcMult.SplitLambda).
                EcMult.SplitLambda(scalars[i], out Scalar k1, out Scalar k2);
                len = Math.Max(len, WnafShort(k1, dig, t, terms));
                len = Math.Max(len, WnafShort(k2, dig, t + 1, terms));
                table[t * TableSize] = points[i];
                tableTerms[m++] = t;
            }

            for (int j = 0; j < shortPoints.Length; j++, t++)
            {
                if (shortPoints[j].IsInfinity || shortScalars[j].IsZero)
                {
                    continue;
                }

                len = Math.Max(len, WnafShort(shortScalars[j], dig, t, terms));
                table[t * TableSize] = shortPoints[j];
                tableTerms[m++] = t;
            }

            ReadOnlySpan<int> built = tableTerms.AsSpan(0, m);
            if (m >= AffineTablesMin)
            {
                BuildTablesAffine(table, built, fields.AsSpan(0, 2 * m), doubles.AsSpan(0, m));
            }
            else
            {
                BuildTablesIsomorphic(table, built, fields.AsSpan(0, m));
            }

            // lambda*P tables of full points: (beta*x, y) of the P table, one multiplication per entry.
            for (int i = 0, tp = 0; i < points.Length; i++, tp += 2)
            {
                if (points[i].IsInfinity || scalars[i].IsZero)
                {
                    continue;
                }

                Span<GroupElement> src = table.AsSpan(tp * TableSize, TableSize);
                Span<GroupElement> dst = table.AsSpan((tp + 1) * TableSize, TableSize);
                for (int k = 0; k < TableSize; k++)
                {
                    dst[k] = src[k].MultiplyLambda();
                }
            }

            // g = g1 + g2*2^128 with g1, g2 < 2^128, digits against the G and 2^128*G tables.
            Span<int> wG1 = stackalloc int[258];
            Span<int> wG2 = stackalloc int[258];
            int lenG1 = EcMult.Wnaf(new Scalar(g.D0, g.D1, 0, 0), EcMult.WindowG, wG1);
            int lenG2 = EcMult.Wnaf(new Scalar(g.D2, g.D3, 0, 0), EcMult.WindowG, wG2);
            len = Math.Max(len, Math.Max(lenG1, lenG2));

            GroupElement[] tg = EcMult.StraussTables.G;
            GroupElement[] tg128 = EcMult.StraussTables.G128;
            JacobianPoint acc = JacobianPoint.Infinity;
            for (int bit = len - 1; bit >= 0; bit--)
            {
                if (!acc.IsInfinity)
                {
                    acc = acc.DoubleVariable();
                }

                if (bit < ShortDigits)
                {
                    ReadOnlySpan<sbyte> row = dig.Slice(bit * terms, terms);
                    for (int k = 0; k < row.Length; k++)
                    {
                        int d = row[k];
                        if (d != 0)
                        {
                            ref readonly GroupElement e = ref table[(k * TableSize) + (Math.Abs(d) >> 1)];
                            acc = acc.AddVariable(d < 0 ? e.Negate() : e);
                        }
                    }
                }

                int dg = wG1[bit];
                if (dg != 0)
                {
                    GroupElement e = tg[Math.Abs(dg) >> 1];
                    acc = acc.AddVariable(dg < 0 ? e.Negate() : e);
                }

                dg = wG2[bit];
                if (dg != 0)
                {
                    GroupElement e = tg128[Math.Abs(dg) >> 1];
                    acc = acc.AddVariable(dg < 0 ? e.Negate() : e);
                }
            }

            return acc;
        }
        finally
        {
            ArrayPool<GroupElement>.Shared.Return(table);
            ArrayPool<sbyte>.Shared.Return(digits);
            ArrayPool<int>.Shared.Return(tableTerms);
            ArrayPool<FieldElement>.Shared.Return(fields);
            ArrayPool<GroupElement>.Shared.Return(doubles);
        }
    }

    /// <summary>
    /// Pippenger's bucket method with signed c-bit digits. Every term is an affine point with a magnitude
    /// below 2^128: the GLV halves of full scalars, the short scalars, and g as g1*G + g2*(2^128*G).
    /// Per window each term costs about one affine addition into its bucket and the buckets cost two
    /// Jacobian additions each (running sum), so c grows with the number of terms; no per-point tables.
    /// <paramref name="window"/> = 0 picks c with <see cref="PippengerWindow"/> (tests force other values).
    /// </summary>
    internal static JacobianPoint PippengerVariable(
        in Scalar g,
        ReadOnlySpan<GroupElement> points,
        ReadOnlySpan<Scalar> scalars,
        ReadOnlySpan<GroupElement> shortPoints,
        ReadOnlySpan<Scalar> shortScalars,
        int window = 0)
    {
        CheckLengths(points, scalars, shortPoints, shortScalars);
        int maxTerms = (2 * points.Length) + shortPoints.Length + 2;
        GroupElement[] pts = ArrayPool<GroupElement>.Shared.Rent(maxTerms);
        UInt128[] mags = ArrayPool<UInt128>.Shared.Rent(maxTerms);
        GroupElement[] work = ArrayPool<GroupElement>.Shared.Rent(maxTerms);
        FieldElement[] fields = ArrayPool<FieldElement>.Shared.Rent(2 * ((maxTerms / 2) + 1));
        byte[] kinds = ArrayPool<byte>.Shared.Rent((maxTerms / 2) + 1);
        short[]? digits = null;
        int[]? ints = null;
        try
        {
            int count = 0;
            for (int i = 0; i < points.Length; i++)
            {
                if (points[i].IsInfinity || scalars[i].IsZero)
                {
                    continue;
                }

                // k = k1 + k2*lambda with |k1|, |k2| < 2^128 (EcMult.SplitLambda).
                EcMult.SplitLambda(scalars[i], out Scalar k1, out Scalar k2);
                AddTerm(points[i], k1, pts, mags, ref count);
                AddTerm(points[i].MultiplyLambda(), k2, pts, mags, ref count);
            }

            for (int j = 0; j < shortPoints.Length; j++)
            {
                if (!shortPoints[j].IsInfinity)
                {
                    AddTerm(shortPoints[j], shortScalars[j], pts, mags, ref count);
                }
            }

            // g = g1 + g2*2^128: plain 128-bit magnitudes, no sign.
            UInt128 g1 = new(g.D1, g.D0);
            UInt128 g2 = new(g.D3, g.D2);
            if (g1 != UInt128.Zero)
            {
                pts[count] = EcMult.StraussTables.G[0];
                mags[count++] = g1;
            }

            if (g2 != UInt128.Zero)
            {
                pts[count] = EcMult.StraussTables.G128[0];
                mags[count++] = g2;
            }

            if (count == 0)
            {
                return JacobianPoint.Infinity;
            }

            int c = window > 0 ? window : PippengerWindow(count);
            // Signed digits in [-2^(c-1), 2^(c-1)]: c*windows >= 129 leaves room for the last carry.
            int windows = (129 + c - 1) / c;
            int half = 1 << (c - 1);
            digits = ArrayPool<short>.Shared.Rent(count * windows);
            ints = ArrayPool<int>.Shared.Rent(3 * half);
            UInt128 mask = (UInt128.One << c) - 1;
            for (int t = 0; t < count; t++)
            {
                UInt128 v = mags[t];
                int carry = 0;
                for (int w = 0; w < windows; w++)
                {
                    // UInt128 shift counts wrap at 128: the carry-only top window reads no bits.
                    int shift = w * c;
                    int d = (shift < 128 ? (int)((v >> shift) & mask) : 0) + carry;
                    carry = d > half ? 1 : 0;
                    d -= carry << c;
                    digits[(w * count) + t] = (short)d;
                }
            }

            JacobianPoint acc = JacobianPoint.Infinity;
            for (int w = windows - 1; w >= 0; w--)
            {
                if (!acc.IsInfinity)
                {
                    for (int k = 0; k < c; k++)
                    {
                        acc = acc.DoubleVariable();
                    }
                }

                ReadOnlySpan<short> row = digits.AsSpan(w * count, count);
                acc = acc.AddVariable(SumBucketsAffine(row, pts.AsSpan(0, count), half, work, ints, fields, kinds));
            }

            return acc;
        }
        finally
        {
            ArrayPool<GroupElement>.Shared.Return(pts);
            ArrayPool<UInt128>.Shared.Return(mags);
            ArrayPool<GroupElement>.Shared.Return(work);
            ArrayPool<FieldElement>.Shared.Return(fields);
            ArrayPool<byte>.Shared.Return(kinds);
            if (digits is not null)
            {
                ArrayPool<short>.Shared.Return(digits);
            }

            if (ints is not null)
            {
                ArrayPool<int>.Shared.Return(ints);
            }
        }
    }

    private const byte PairAdd = 0;
    private const byte PairDouble = 1;
    private const byte PairCancel = 2;

    /// <summary>
    /// One Pippenger window with affine buckets: the terms are sorted into buckets, then every bucket is
    /// halved round by round, adding disjoint pairs in affine coordinates with one shared inversion per
    /// round (an affine addition is ~6 multiplications against ~11 for a mixed Jacobian one). Returns
    /// sum_j (j+1)*bucket_j.
    /// </summary>
    private static JacobianPoint SumBucketsAffine(
        ReadOnlySpan<short> row,
        ReadOnlySpan<GroupElement> pts,
        int half,
        GroupElement[] work,
        int[] ints,
        FieldElement[] fields,
        byte[] kinds)
    {
        Span<int> start = ints.AsSpan(0, half);
        Span<int> size = ints.AsSpan(half, half);
        Span<int> fill = ints.AsSpan(2 * half, half);
        size.Clear();
        for (int t = 0; t < row.Length; t++)
        {
            int d = row[t];
            if (d != 0)
            {
                size[Math.Abs(d) - 1]++;
            }
        }

        int pos = 0;
        for (int b = 0; b < half; b++)
        {
            start[b] = pos;
            pos += size[b];
        }

        fill.Clear();
        for (int t = 0; t < row.Length; t++)
        {
            int d = row[t];
            if (d != 0)
            {
                int b = Math.Abs(d) - 1;
                work[start[b] + fill[b]++] = d < 0 ? pts[t].Negate() : pts[t];
            }
        }

        int pairsMax = pos / 2;
        Span<FieldElement> den = fields.AsSpan(0, pairsMax);
        Span<FieldElement> scratch = fields.AsSpan(pairsMax, pairsMax);
        Span<byte> kind = kinds.AsSpan(0, pairsMax);
        while (true)
        {
            // Pass 1: denominators x2 - x1 (distinct x), 2*y1 (doubling) or 1 (P + (-P): the pair cancels).
            int nd = 0;
            for (int b = 0; b < half; b++)
            {
                int s = start[b];
                for (int k = 0; k + 1 < size[b]; k += 2)
                {
                    ref readonly GroupElement p1 = ref work[s + k];
                    ref readonly GroupElement p2 = ref work[s + k + 1];
                    FieldElement dx = p2.X.Subtract(p1.X);
                    if (!dx.IsZero)
                    {
                        kind[nd] = PairAdd;
                        den[nd++] = dx;
                    }
                    else if (p1.Y == p2.Y)
                    {
                        kind[nd] = PairDouble;
                        den[nd++] = p1.Y.Double();
                    }
                    else
                    {
                        kind[nd] = PairCancel;
                        den[nd++] = FieldElement.One;
                    }
                }
            }

            if (nd == 0)
            {
                break;
            }

            FieldElement.InverseBatchVariable(den[..nd], scratch);

            // Pass 2: each bucket keeps its pair sums (and an odd last point) at the front of its segment.
            nd = 0;
            for (int b = 0; b < half; b++)
            {
                int s = start[b];
                int n = size[b];
                int kept = 0;
                for (int k = 0; k + 1 < n; k += 2)
                {
                    GroupElement p1 = work[s + k];
                    GroupElement p2 = work[s + k + 1];
                    byte pairKind = kind[nd];
                    FieldElement inv = den[nd++];
                    FieldElement lambda;
                    if (pairKind == PairAdd)
                    {
                        // Affine addition: lambda = (y2 - y1) / (x2 - x1).
                        lambda = p2.Y.Subtract(p1.Y).Multiply(inv);
                    }
                    else if (pairKind == PairDouble)
                    {
                        // Affine doubling (a repeated key): lambda = 3*x1^2 / (2*y1); y1 != 0 on secp256k1.
                        FieldElement xx = p1.X.Square();
                        lambda = xx.Double().Add(xx).Multiply(inv);
                    }
                    else
                    {
                        continue;
                    }

                    FieldElement x3 = lambda.Square().Subtract(p1.X).Subtract(p2.X);
                    FieldElement y3 = lambda.Multiply(p1.X.Subtract(x3)).Subtract(p1.Y);
                    work[s + kept++] = new GroupElement(x3, y3);
                }

                if ((n & 1) != 0)
                {
                    work[s + kept++] = work[s + n - 1];
                }

                size[b] = kept;
            }
        }

        // sum_j (j+1)*bucket_j as a running sum from the top bucket down.
        JacobianPoint running = JacobianPoint.Infinity;
        JacobianPoint sum = JacobianPoint.Infinity;
        for (int b = half - 1; b >= 0; b--)
        {
            if (size[b] != 0)
            {
                running = running.AddVariable(work[start[b]]);
            }

            sum = sum.AddVariable(running);
        }

        return sum;
    }

    /// <summary>Adds point*k as a term with k within 2^128 of zero; a negative k negates the point instead.</summary>
    private static void AddTerm(in GroupElement p, in Scalar k, GroupElement[] pts, UInt128[] mags, ref int count)
    {
        if (k.IsZero)
        {
            return;
        }

        bool negative = k.IsHigh;
        Scalar m = negative ? k.Negate() : k;
        if ((m.D2 | m.D3) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(k), "ecmult batch: short scalar is not within 2^128 of zero");
        }

        pts[count] = negative ? p.Negate() : p;
        mags[count++] = new UInt128(m.D1, m.D0);
    }

    /// <summary>
    /// Window minimising windows * (terms + 2^c): one (affine) addition per term and two Jacobian additions
    /// per bucket in each window, weighed equally (fitted to measurements on this engine: it picks the
    /// fastest c, or one within 3%, for 144 to 1536 terms).
    /// </summary>
    internal static int PippengerWindow(int terms)
    {
        int best = 2;
        double bestCost = double.MaxValue;
        for (int c = 2; c <= 14; c++)
        {
            int windows = (129 + c - 1) / c;
            double cost = windows * (terms + (double)(1 << c));
            if (cost < bestCost)
            {
                bestCost = cost;
                best = c;
            }
        }

        return best;
    }

    /// <summary>
    /// Number of tables from which building them all together in affine coordinates (8 rounds, one shared
    /// inversion each) beats one isomorphic-curve build per table; measured on this engine.
    /// </summary>
    private const int AffineTablesMin = 6;

    /// <summary>
    /// Odd multiples P, 3P, ..., 15P of every base point (stored at entry 0 of its table) in affine
    /// coordinates: 2P for all bases with one shared inversion, then (2k+1)P = (2k-1)P + 2P round by round,
    /// each round sharing one inversion across all tables. (2k-1)P = ±2P is impossible for k &lt;= 7 in a
    /// group of prime order, so no addition is degenerate; y != 0 on secp256k1, so doubling is never either.
    /// </summary>
    private static void BuildTablesAffine(GroupElement[] table, ReadOnlySpan<int> terms, Span<FieldElement> fields, Span<GroupElement> doubles)
    {
        int m = terms.Length;
        Span<FieldElement> den = fields[..m];
        Span<FieldElement> scratch = fields.Slice(m, m);
        for (int j = 0; j < m; j++)
        {
            den[j] = table[terms[j] * TableSize].Y.Double();
        }

        FieldElement.InverseBatchVariable(den, scratch);
        for (int j = 0; j < m; j++)
        {
            // Affine doubling: lambda = 3x^2 / (2y).
            ref readonly GroupElement p = ref table[terms[j] * TableSize];
            FieldElement xx = p.X.Square();
            FieldElement lambda = xx.Double().Add(xx).Multiply(den[j]);
            FieldElement x3 = lambda.Square().Subtract(p.X.Double());
            doubles[j] = new GroupElement(x3, lambda.Multiply(p.X.Subtract(x3)).Subtract(p.Y));
        }

        for (int k = 1; k < TableSize; k++)
        {
            for (int j = 0; j < m; j++)
            {
                den[j] = doubles[j].X.Subtract(table[(terms[j] * TableSize) + k - 1].X);
            }

            FieldElement.InverseBatchVariable(den, scratch);
            for (int j = 0; j < m; j++)
            {
                // Affine addition: lambda = (y2 - y1) / (x2 - x1).
                ref readonly GroupElement prev = ref table[(terms[j] * TableSize) + k - 1];
                ref readonly GroupElement d = ref doubles[j];
                FieldElement lambda = d.Y.Subtract(prev.Y).Multiply(den[j]);
                FieldElement x3 = lambda.Square().Subtract(prev.X).Subtract(d.X);
                table[(terms[j] * TableSize) + k] = new GroupElement(x3, lambda.Multiply(prev.X.Subtract(x3)).Subtract(prev.Y));
            }
        }
    }

    /// <summary>
    /// Few tables: each built on its own isomorphic curve without inversions (EcMult.BuildOddMultiplesIsomorphic),
    /// then one shared inversion of the curve scales brings all of them back to secp256k1 affine coordinates.
    /// </summary>
    private static void BuildTablesIsomorphic(GroupElement[] table, ReadOnlySpan<int> terms, Span<FieldElement> zs)
    {
        for (int j = 0; j < terms.Length; j++)
        {
            Span<GroupElement> entries = table.AsSpan(terms[j] * TableSize, TableSize);
            GroupElement p = entries[0];
            EcMult.BuildOddMultiplesIsomorphic(p, entries, out zs[j]);
        }

        FieldElement.InverseBatchVariable(zs);
        for (int j = 0; j < terms.Length; j++)
        {
            Rescale(table.AsSpan(terms[j] * TableSize, TableSize), zs[j]);
        }
    }

    /// <summary>Isomorphic-curve table entries to secp256k1 affine: (x*zi^2, y*zi^3) with zi = 1/zGlobal.</summary>
    private static void Rescale(Span<GroupElement> entries, in FieldElement zi)
    {
        FieldElement zi2 = zi.Square();
        FieldElement zi3 = zi2.Multiply(zi);
        for (int k = 0; k < entries.Length; k++)
        {
            entries[k] = new GroupElement(entries[k].X.Multiply(zi2), entries[k].Y.Multiply(zi3));
        }
    }

    /// <summary>
    /// Window-5 wNAF of a scalar within 2^128 of zero (k or n-k below 2^128), written with the sign
    /// folded into the digits at column <paramref name="term"/> of the bit-major digit matrix.
    /// Returns the number of digits (highest non-zero digit index plus one).
    /// </summary>
    internal static int WnafShort(in Scalar k, Span<sbyte> digits, int term, int stride)
    {
        bool negative = k.IsHigh;
        Scalar m = negative ? k.Negate() : k;
        if ((m.D2 | m.D3) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(k), "ecmult batch: short scalar is not within 2^128 of zero");
        }

        // The digits of |k| (EcMult.Wnaf: at most 129 for a 128-bit value), scattered into the matrix with k's sign.
        Span<int> wnaf = stackalloc int[258];
        int length = EcMult.Wnaf(m, EcMult.WindowA, wnaf);
        int sign = negative ? -1 : 1;
        for (int bit = 0; bit < length; bit++)
        {
            if (wnaf[bit] != 0)
            {
                digits[(bit * stride) + term] = (sbyte)(sign * wnaf[bit]);
            }
        }

        return length;
    }
}
