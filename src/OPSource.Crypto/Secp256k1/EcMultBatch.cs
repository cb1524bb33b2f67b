using System.Buffers;

namespace OPSource.Crypto.Secp256k1;

/// <summary>
/// Variable-time multi-scalar multiplication for public data (batch verification): Strauss-wNAF with one
/// shared chain of doublings over every point, the GLV split for full-size scalars, and the existing
/// precomputed G / 2^128 G tables for the generator term.
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
    /// Strauss: measured crossing between 96 and 144 terms, i.e. about 40 BIP340 signatures
    /// (docs/benchmarks/schnorr-batch.md).
    /// </summary>
    internal const int PippengerMinTerms = 120;

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
        FieldElement[] zs = ArrayPool<FieldElement>.Shared.Rent(Math.Max(1, tables));
        try
        {
            // Digit layout is bit-major (digits[bit * terms + term]) so that the main loop reads one row.
            Span<sbyte> dig = digits.AsSpan(0, terms * ShortDigits);
            dig.Clear();
            int len = 0;
            int t = 0;
            int z = 0;
            for (int i = 0; i < points.Length; i++, t += 2)
            {
                if (points[i].IsInfinity || scalars[i].IsZero)
                {
                    // Empty terms: all-zero digits; the table slots stay unused.
                    zs[z++] = FieldElement.One;
                    table[t * TableSize] = GroupElement.Infinity;
                    continue;
                }

                // k = k1 + k2*lambda with |k1|, |k2| < 2^128 (EcMult.SplitLambda).
                EcMult.SplitLambda(scalars[i], out Scalar k1, out Scalar k2);
                len = Math.Max(len, WnafShort(k1, dig, t, terms));
                len = Math.Max(len, WnafShort(k2, dig, t + 1, terms));
                EcMult.BuildOddMultiplesIsomorphic(points[i], table.AsSpan(t * TableSize, TableSize), out zs[z++]);
            }

            for (int j = 0; j < shortPoints.Length; j++, t++)
            {
                if (shortPoints[j].IsInfinity || shortScalars[j].IsZero)
                {
                    zs[z++] = FieldElement.One;
                    table[t * TableSize] = GroupElement.Infinity;
                    continue;
                }

                len = Math.Max(len, WnafShort(shortScalars[j], dig, t, terms));
                EcMult.BuildOddMultiplesIsomorphic(shortPoints[j], table.AsSpan(t * TableSize, TableSize), out zs[z++]);
            }

            // Every table sits on its own isomorphic curve (scale zGlobal): one shared inversion brings
            // them all back to secp256k1 affine coordinates, (x, y) -> (x/z^2, y/z^3).
            FieldElement.InverseBatchVariable(zs.AsSpan(0, tables));
            t = 0;
            z = 0;
            for (int i = 0; i < points.Length; i++, t += 2, z++)
            {
                if (points[i].IsInfinity || scalars[i].IsZero)
                {
                    continue;
                }

                Span<GroupElement> tp = table.AsSpan(t * TableSize, TableSize);
                Span<GroupElement> tl = table.AsSpan((t + 1) * TableSize, TableSize);
                Rescale(tp, zs[z]);
                for (int k = 0; k < TableSize; k++)
                {
                    tl[k] = tp[k].MultiplyLambda();
                }
            }

            for (int j = 0; j < shortPoints.Length; j++, t++, z++)
            {
                if (!shortPoints[j].IsInfinity && !shortScalars[j].IsZero)
                {
                    Rescale(table.AsSpan(t * TableSize, TableSize), zs[z]);
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
            ArrayPool<FieldElement>.Shared.Return(zs);
        }
    }

    /// <summary>
    /// Pippenger's bucket method with signed c-bit digits. Every term is an affine point with a magnitude
    /// below 2^128: the GLV halves of full scalars, the short scalars, and g as g1*G + g2*(2^128*G).
    /// Per window each term costs one mixed addition into its bucket and the buckets cost two Jacobian
    /// additions each (running sum), so c grows with the number of terms; no per-point tables are built.
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
        short[]? digits = null;
        JacobianPoint[]? buckets = null;
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
            buckets = ArrayPool<JacobianPoint>.Shared.Rent(half);
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
            Span<JacobianPoint> bucket = buckets.AsSpan(0, half);
            for (int w = windows - 1; w >= 0; w--)
            {
                if (!acc.IsInfinity)
                {
                    for (int k = 0; k < c; k++)
                    {
                        acc = acc.DoubleVariable();
                    }
                }

                bucket.Fill(JacobianPoint.Infinity);
                ReadOnlySpan<short> row = digits.AsSpan(w * count, count);
                int top = -1;
                for (int t = 0; t < row.Length; t++)
                {
                    int d = row[t];
                    if (d > 0)
                    {
                        bucket[d - 1] = bucket[d - 1].AddVariable(pts[t]);
                        top = Math.Max(top, d - 1);
                    }
                    else if (d < 0)
                    {
                        bucket[-d - 1] = bucket[-d - 1].AddVariable(pts[t].Negate());
                        top = Math.Max(top, -d - 1);
                    }
                }

                // sum_j (j+1)*bucket[j] as a running sum from the top bucket down.
                JacobianPoint running = JacobianPoint.Infinity;
                JacobianPoint sum = JacobianPoint.Infinity;
                for (int j = top; j >= 0; j--)
                {
                    running = running.AddVariable(bucket[j]);
                    sum = sum.AddVariable(running);
                }

                acc = acc.AddVariable(sum);
            }

            return acc;
        }
        finally
        {
            ArrayPool<GroupElement>.Shared.Return(pts);
            ArrayPool<UInt128>.Shared.Return(mags);
            if (digits is not null)
            {
                ArrayPool<short>.Shared.Return(digits);
            }

            if (buckets is not null)
            {
                ArrayPool<JacobianPoint>.Shared.Return(buckets);
            }
        }
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
    /// Window minimising windows * (terms + 2^c): one mixed addition per term and two Jacobian additions
    /// per bucket in each window, weighed equally (fitted to measurements on this engine: it picks the
    /// fastest c, or one within 3%, for 48 to 1536 terms).
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

        const int W = EcMult.WindowA;
        UInt128 v = new(m.D1, m.D0);
        int sign = negative ? -1 : 1;
        int carry = 0;
        int bit = 0;
        int last = -1;
        while (bit < 128)
        {
            if ((int)((v >> bit) & 1) == carry)
            {
                bit++;
                continue;
            }

            int now = Math.Min(W, 128 - bit);
            int word = (int)((v >> bit) & ((UInt128.One << now) - 1)) + carry;
            carry = (word >> (W - 1)) & 1;
            word -= carry << W;
            digits[(bit * stride) + term] = (sbyte)(sign * word);
            last = bit;
            bit += now;
        }

        if (carry != 0)
        {
            digits[(128 * stride) + term] = (sbyte)sign;
            last = 128;
        }

        return last + 1;
    }
}
