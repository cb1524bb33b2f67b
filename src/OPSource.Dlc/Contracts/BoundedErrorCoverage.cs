namespace OPSource.Dlc.Contracts;

/// <summary>
/// MultiOracle.md "Multiple Oracles for Numeric Outcome Events" with bounded error, in the exact variant
/// rust-dlc implements (and the dlcspecs vectors were generated with): for a primary oracle's digit prefix,
/// the combinations of secondary-oracle prefixes that cover the allowed differences. Binary digits only.
/// </summary>
public static class BoundedErrorCoverage
{
    /// <summary>
    /// For a group of oracles (the first has the fewest digits), the prefix combinations (one prefix per
    /// oracle, in group order) covering <paramref name="primaryPrefix"/> with errors below 2^maxErrorExp and
    /// at least up to 2^minSupportExp.
    /// </summary>
    public static List<int[][]> OutcomeCombinations(IReadOnlyList<int> oracleDigits, int[] primaryPrefix, int maxErrorExp, int minSupportExp, bool maximizeCoverage)
    {
        int nbOracles = oracleDigits.Count;
        if (nbOracles < 2 || maxErrorExp <= minSupportExp)
        {
            throw new ArgumentException("bounded-error coverage needs at least two oracles and maxErrorExp > minSupportExp");
        }

        int minDigits = oracleDigits[0];
        bool sameDigits = oracleDigits.All(d => d == minDigits);
        int numDigits = sameDigits ? minDigits : minDigits + 1;
        int[] main = sameDigits ? primaryPrefix : [0, .. primaryPrefix];
        if (numDigits >= 63)
        {
            throw new ArgumentOutOfRangeException(nameof(oracleDigits), "bounded-error coverage supports at most 62 binary digits");
        }

        ulong maxNum = (1UL << numDigits) - 1;
        ulong maxError = 1UL << maxErrorExp;
        ulong halfMaxError = maxError >> 1;
        ulong minSupport = 1UL << minSupportExp;
        int suffixLen = numDigits - main.Length;
        var (start, end) = DigitDecomposition.PrefixInterval(main, 2, numDigits);

        // Small primary interval: narrower than maxError.
        if (suffixLen < maxErrorExp)
        {
            ulong startSuffix = start & (maxError - 1);
            ulong leftBound = (start >> maxErrorExp) << maxErrorExp;
            ulong rightBound = leftBound | (maxError - 1);
            int[] errorPrefix = NumToVec(leftBound, numDigits, maxErrorExp);

            if (startSuffix >= minSupport && end <= rightBound - minSupport)
            {
                // Middle primary interval: one secondary prefix.
                var support = maximizeCoverage ? errorPrefix : MinSupportCoveringPrefix(start, end, minSupport, numDigits);
                return [Single(main, support, oracleDigits, suffixLen)];
            }

            if (startSuffix < minSupport)
            {
                // Left primary interval: secondaries may be just left of leftBound.
                var right = maximizeCoverage ? errorPrefix : RightCoveringPrefix(end, maxErrorExp, minSupport, numDigits);
                if (leftBound == 0)
                {
                    return [Single(main, right, oracleDigits, suffixLen)];
                }

                var left = maximizeCoverage
                    ? NumToVec(leftBound - halfMaxError, numDigits, maxErrorExp - 1)
                    : LeftCoveringPrefix(start, maxErrorExp, minSupport, numDigits);
                return Double(main, right, left, oracleDigits, suffixLen);
            }

            {
                // Right primary interval: secondaries may be just right of rightBound.
                var left = maximizeCoverage ? errorPrefix : LeftCoveringPrefix(start, maxErrorExp, minSupport, numDigits);
                if (rightBound == maxNum)
                {
                    return [Single(main, left, oracleDigits, suffixLen)];
                }

                var right = maximizeCoverage
                    ? NumToVec(rightBound + 1, numDigits, maxErrorExp - 1)
                    : RightCoveringPrefix(end, maxErrorExp, minSupport, numDigits);
                return Double(main, left, right, oracleDigits, suffixLen);
            }
        }

        // Large primary interval: inner pieces at both ends plus the interval itself.
        var result = new List<int[][]>();
        if (start != 0)
        {
            var innerRight = maximizeCoverage ? NumToVec(start, numDigits, maxErrorExp - 1) : NumToVec(start, numDigits, minSupportExp);
            var outerLeft = maximizeCoverage ? NumToVec(start - halfMaxError, numDigits, maxErrorExp - 1) : NumToVec(start - minSupport, numDigits, minSupportExp);
            result.AddRange(DoubleRestricted(innerRight, outerLeft, oracleDigits, numDigits - innerRight.Length));
        }

        result.Add(Single(main, main, oracleDigits, suffixLen));

        if (end != maxNum)
        {
            var innerLeft = maximizeCoverage ? NumToVec(end - halfMaxError + 1, numDigits, maxErrorExp - 1) : NumToVec(end - minSupport + 1, numDigits, minSupportExp);
            var outerRight = maximizeCoverage ? NumToVec(end + 1, numDigits, maxErrorExp - 1) : NumToVec(end + 1, numDigits, minSupportExp);
            result.AddRange(DoubleRestricted(innerLeft, outerRight, oracleDigits, numDigits - innerLeft.Length));
        }

        return result;
    }

    /// <summary>
    /// For oracles with different digit counts, the prefix combinations covering outcomes that only the
    /// oracles with more digits can attest (rust-dlc <c>get_max_covering_paths</c>), per t-combination in
    /// lexicographic order. Each entry pairs oracle indexes with prefixes.
    /// </summary>
    public static List<(int Oracle, int[] Prefix)[]> MaxCoveringPaths(IReadOnlyList<int> nbDigits, int threshold)
    {
        var paths = new List<(int, int[])[]>();
        int minDigits = nbDigits.Min();
        foreach (var combination in OracleCombinations.Enumerate(nbDigits.Count, threshold))
        {
            var infos = combination.Select(i => nbDigits[i]).ToArray();
            if (infos.All(x => x == minDigits))
            {
                continue;
            }

            // Extra digits of each oracle; counters give the length of the extra prefix (0 = min-digit oracle).
            var max = infos.Select(x => x - minDigits).ToArray();
            var counters = infos.Select(x => x != minDigits ? 1 : 0).ToArray();
            while (true)
            {
                var path = new (int, int[])[counters.Length];
                for (int k = 0; k < counters.Length; k++)
                {
                    int[] p;
                    if (counters[k] == 0)
                    {
                        // Oracles with the minimum digits sign their maximum value.
                        p = Enumerable.Repeat(1, minDigits).ToArray();
                    }
                    else
                    {
                        // counter - 1 zeros then a one: values beyond the min-digit domain.
                        p = new int[counters[k]];
                        p[^1] = 1;
                    }

                    path[k] = (combination[k], p);
                }

                paths.Add(path);
                if (counters.Zip(max).All(z => z.First == z.Second))
                {
                    break;
                }

                int i = 0;
                while (counters[i] == max[i])
                {
                    if (infos[i] != minDigits)
                    {
                        counters[i] = 1;
                    }

                    i++;
                }

                counters[i]++;
            }
        }

        return paths;
    }

    /// <summary>The first <c>nbDigits - ignored</c> binary digits of <paramref name="value"/>.</summary>
    internal static int[] NumToVec(ulong value, int nbDigits, int ignored) =>
        DigitDecomposition.Decompose(value, 2, nbDigits)[..(nbDigits - ignored)];

    /// <summary>Lexicographic order of digit vectors (a proper prefix sorts first).</summary>
    internal static int Compare(int[] a, int[] b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            if (a[i] != b[i])
            {
                return a[i].CompareTo(b[i]);
            }
        }

        return a.Length.CompareTo(b.Length);
    }

    private static int[] MinSupportCoveringPrefix(ulong start, ulong end, ulong minSupport, int nbDigits)
    {
        var left = DigitDecomposition.Decompose(start - minSupport, 2, nbDigits);
        var right = DigitDecomposition.Decompose(end + minSupport, 2, nbDigits);
        int n = 0;
        while (n < nbDigits && left[n] == right[n])
        {
            n++;
        }

        return left[..n];
    }

    private static int[] LeftCoveringPrefix(ulong start, int maxErrorExp, ulong minSupport, int nbDigits)
    {
        var d = DigitDecomposition.Decompose(start - minSupport, 2, nbDigits);
        int keep = nbDigits - maxErrorExp;
        while (keep < nbDigits && d[keep] == 1)
        {
            keep++;
        }

        return d[..keep];
    }

    private static int[] RightCoveringPrefix(ulong end, int maxErrorExp, ulong minSupport, int nbDigits)
    {
        var d = DigitDecomposition.Decompose(end + minSupport, 2, nbDigits);
        int keep = nbDigits - maxErrorExp;
        while (keep < nbDigits && d[keep] == 0)
        {
            keep++;
        }

        return d[..keep];
    }

    /// <summary>Fits a prefix to an oracle with <paramref name="nbDigits"/> digits (pads or strips leading zeros); null if it cannot.</summary>
    private static int[]? Adjust(int[] prefix, int nbDigits, int suffixLen)
    {
        int expected = nbDigits - suffixLen;
        if (prefix.Length <= expected)
        {
            var padded = new int[expected];
            prefix.CopyTo(padded, expected - prefix.Length);
            return padded;
        }

        int drop = prefix.Length - expected;
        for (int i = 0; i < drop; i++)
        {
            if (prefix[i] != 0)
            {
                return null;
            }
        }

        return prefix[drop..];
    }

    private static int[][] Single(int[] main, int[] secondary, IReadOnlyList<int> oracleDigits, int suffixLen)
    {
        var result = new int[oracleDigits.Count][];
        result[0] = Adjust(main, oracleDigits[0], suffixLen) ?? throw new InvalidOperationException("primary prefix does not fit its oracle");
        for (int k = 1; k < oracleDigits.Count; k++)
        {
            result[k] = Adjust(secondary, oracleDigits[k], main.Length - secondary.Length + suffixLen)
                ?? throw new InvalidOperationException("secondary prefix does not fit its oracle");
        }

        return result;
    }

    /// <summary>All 2^(n-1) assignments of the two secondary prefixes to the secondary oracles.</summary>
    private static List<int[][]> Double(int[] main, int[] leftPrefix, int[] rightPrefix, IReadOnlyList<int> oracleDigits, int suffixLen)
    {
        int n = oracleDigits.Count;
        var (first, second) = Compare(leftPrefix, rightPrefix) <= 0 ? (leftPrefix, rightPrefix) : (rightPrefix, leftPrefix);
        var result = new List<int[][]>(1 << (n - 1));
        for (int i = 0; i < 1 << (n - 1); i++)
        {
            var combination = new int[n][];
            bool fits = true;
            for (int k = 0; k < n && fits; k++)
            {
                // Oracle k >= 1 takes the prefix selected by bit (n - 1 - k) of i.
                var x = k == 0 ? main : ((i & (1 << (n - 1 - k))) == 0 ? first : second);
                var adjusted = Adjust(x, oracleDigits[k], main.Length + suffixLen - x.Length);
                if (adjusted is null)
                {
                    fits = false;
                }
                else
                {
                    combination[k] = adjusted;
                }
            }

            if (fits)
            {
                result.Add(combination);
            }
        }

        return result;
    }

    /// <summary><see cref="Double"/> without the combination where every oracle uses the primary prefix.</summary>
    private static List<int[][]> DoubleRestricted(int[] main, int[] other, IReadOnlyList<int> oracleDigits, int suffixLen)
    {
        var combinations = Double(main, main, other, oracleDigits, suffixLen);
        if (Compare(main, other) > 0)
        {
            combinations.RemoveAt(combinations.Count - 1);
            return combinations;
        }

        return [.. combinations.Skip(1)];
    }
}
