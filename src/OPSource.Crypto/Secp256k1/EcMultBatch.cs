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
        if (points.Length != scalars.Length || shortPoints.Length != shortScalars.Length)
        {
            throw new ArgumentException("ecmult batch: every point needs exactly one scalar");
        }

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
