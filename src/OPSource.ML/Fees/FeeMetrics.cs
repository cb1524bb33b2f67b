namespace OPSource.ML.Fees;

/// <summary>Hit rate and overpayment of fee-rate predictions against the rates that were needed.</summary>
/// <param name="Rows">Rows scored.</param>
/// <param name="HitRate">Share of rows whose prediction was at least the needed rate (0..1).</param>
/// <param name="MedianOverpayment">Median of predicted / needed among the hits (null without hits).</param>
/// <param name="MeanPredictedSatVb">Mean prediction, sat/vB.</param>
public sealed record HitMetrics(int Rows, double HitRate, double? MedianOverpayment, double MeanPredictedSatVb);

/// <summary>The evaluation metrics of both models.</summary>
public static class FeeMetrics
{
    /// <summary>Hit rate and median overpayment of (predicted, needed) pairs; needed rates must be positive.</summary>
    public static HitMetrics Hits(IEnumerable<(double Predicted, double Needed)> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var n = 0;
        var hits = new List<double>();
        double sum = 0;
        foreach (var (predicted, needed) in rows)
        {
            if (!(needed > 0) || !double.IsFinite(predicted))
            {
                throw new ArgumentException($"metrics: needed rate {needed} must be positive and the prediction {predicted} finite", nameof(rows));
            }

            n++;
            sum += predicted;
            if (predicted >= needed)
            {
                hits.Add(predicted / needed);
            }
        }

        return new HitMetrics(n, n == 0 ? 0 : (double)hits.Count / n, hits.Count == 0 ? null : Median(hits), n == 0 ? 0 : sum / n);
    }

    /// <summary>Mean absolute error of (predicted, actual) pairs (NaN for none).</summary>
    public static double MeanAbsoluteError(IEnumerable<(double Predicted, double Actual)> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        double sum = 0;
        var n = 0;
        foreach (var (p, a) in rows)
        {
            sum += Math.Abs(p - a);
            n++;
        }

        return n == 0 ? double.NaN : sum / n;
    }

    /// <summary>The median (mean of the middle two for an even count); NaN for none.</summary>
    public static double Median(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var a = values.ToArray();
        if (a.Length == 0)
        {
            return double.NaN;
        }

        Array.Sort(a);
        return a.Length % 2 == 1 ? a[a.Length / 2] : (a[(a.Length / 2) - 1] + a[a.Length / 2]) / 2;
    }

    /// <summary>
    /// Chronological split of rows sorted by time: the first <paramref name="trainShare"/> for training, the next
    /// <paramref name="validationShare"/> for validation, the rest for test; rows within <paramref name="gapSeconds"/>
    /// after each boundary are dropped so that no label window of one split overlaps the next (purge).
    /// </summary>
    public static (List<T> Train, List<T> Validation, List<T> Test) SplitByTime<T>(IReadOnlyList<T> rows, Func<T, long> time, double trainShare, double validationShare, long gapSeconds)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(time);
        if (rows.Count == 0)
        {
            return ([], [], []);
        }

        var first = time(rows[0]);
        var last = time(rows[^1]);
        var trainEnd = first + (long)((last - first) * trainShare);
        var validationEnd = first + (long)((last - first) * (trainShare + validationShare));
        var train = new List<T>();
        var validation = new List<T>();
        var test = new List<T>();
        var previous = long.MinValue;
        foreach (var row in rows)
        {
            var t = time(row);
            if (t < previous)
            {
                throw new ArgumentException("split: rows must be sorted by time", nameof(rows));
            }

            previous = t;
            if (t <= trainEnd)
            {
                train.Add(row);
            }
            else if (t > trainEnd + gapSeconds && t <= validationEnd)
            {
                validation.Add(row);
            }
            else if (t > validationEnd + gapSeconds)
            {
                test.Add(row);
            }
        }

        return (train, validation, test);
    }
}
