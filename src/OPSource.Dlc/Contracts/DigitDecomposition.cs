namespace OPSource.Dlc.Contracts;

/// <summary>
/// Digit decomposition of numeric outcomes (Oracle.md "Digit decomposition") and the minimal cover of an
/// interval by digit prefixes (NumericOutcomeCompression.md "Numeric Outcome Compression").
/// </summary>
public static class DigitDecomposition
{
    /// <summary><paramref name="value"/> as <paramref name="nbDigits"/> digits in <paramref name="base"/>, most significant first.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value needs more digits.</exception>
    public static int[] Decompose(ulong value, int @base, int nbDigits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(@base, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(nbDigits);
        var digits = new int[nbDigits];
        var v = value;
        for (int i = nbDigits - 1; i >= 0; i--)
        {
            digits[i] = (int)(v % (ulong)@base);
            v /= (ulong)@base;
        }

        if (v != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"needs more than {nbDigits} base-{@base} digits");
        }

        return digits;
    }

    /// <summary>The value of digits (most significant first).</summary>
    public static ulong Compose(ReadOnlySpan<int> digits, int @base)
    {
        ulong v = 0;
        foreach (var d in digits)
        {
            v = checked((v * (ulong)@base) + (ulong)d);
        }

        return v;
    }

    /// <summary>base^nbDigits - 1, or null when it does not fit in 64 bits.</summary>
    public static ulong? MaxValue(int @base, int nbDigits)
    {
        UInt128 v = 1;
        for (int i = 0; i < nbDigits; i++)
        {
            v *= (uint)@base;
            if (v > (UInt128)ulong.MaxValue + 1)
            {
                return null;
            }
        }

        return (ulong)(v - 1);
    }

    /// <summary>
    /// The fewest digit prefixes covering exactly [<paramref name="start"/>, <paramref name="end"/>], in
    /// ascending order (NumericOutcomeCompression.md groupByIgnoringDigits, including the endpoint and total
    /// optimizations). Each prefix covers all outcomes that share its digits. The whole domain yields one
    /// empty prefix.
    /// </summary>
    public static List<int[]> CoverInterval(ulong start, ulong end, int @base, int nbDigits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(@base, 2);
        if (start > end)
        {
            throw new ArgumentException($"interval start {start} is after its end {end}", nameof(start));
        }

        var max = MaxValue(@base, nbDigits) ?? throw new ArgumentOutOfRangeException(nameof(nbDigits), "domain exceeds 64 bits");
        if (end > max)
        {
            throw new ArgumentOutOfRangeException(nameof(end), end, $"beyond the {nbDigits}-digit domain");
        }

        var result = new List<int[]>();
        UInt128 cur = start;
        UInt128 last = end;
        while (cur <= last)
        {
            // The largest aligned block base^k starting at cur that stays inside the interval.
            int k = 0;
            UInt128 size = 1;
            while (k < nbDigits)
            {
                var next = size * (uint)@base;
                if (cur % next != 0 || cur + next - 1 > last)
                {
                    break;
                }

                size = next;
                k++;
            }

            var digits = Decompose((ulong)cur, @base, nbDigits);
            result.Add(digits[..(nbDigits - k)]);
            cur += size;
        }

        return result;
    }

    /// <summary>The inclusive range of outcomes a prefix covers.</summary>
    public static (ulong Start, ulong End) PrefixInterval(ReadOnlySpan<int> prefix, int @base, int nbDigits)
    {
        UInt128 start = 0;
        foreach (var d in prefix)
        {
            start = (start * (uint)@base) + (uint)d;
        }

        UInt128 span = 1;
        for (int i = prefix.Length; i < nbDigits; i++)
        {
            start *= (uint)@base;
            span *= (uint)@base;
        }

        return ((ulong)start, (ulong)(start + span - 1));
    }
}

/// <summary>All t-element subsets of {0..n-1} in lexicographic order (MultiOracle.md "t-of-n Oracles").</summary>
public static class OracleCombinations
{
    /// <summary>Enumerates the combinations.</summary>
    public static IEnumerable<int[]> Enumerate(int n, int t)
    {
        if (t < 1 || t > n)
        {
            throw new ArgumentOutOfRangeException(nameof(t), t, $"threshold must be between 1 and {n}");
        }

        var selector = new int[t];
        for (int i = 0; i < t; i++)
        {
            selector[i] = i;
        }

        while (true)
        {
            yield return (int[])selector.Clone();
            int j = t - 1;
            while (j >= 0 && selector[j] == n - t + j)
            {
                j--;
            }

            if (j < 0)
            {
                yield break;
            }

            selector[j]++;
            for (int k = j + 1; k < t; k++)
            {
                selector[k] = selector[k - 1] + 1;
            }
        }
    }

    /// <summary>Number of combinations, n choose t.</summary>
    public static long Count(int n, int t)
    {
        long c = 1;
        for (int i = 1; i <= t; i++)
        {
            c = c * (n - t + i) / i;
        }

        return c;
    }
}
