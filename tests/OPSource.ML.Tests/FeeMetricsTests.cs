using OPSource.ML.Fees;

namespace OPSource.ML.Tests;

/// <summary>Hit rate, overpayment, MAE and the chronological split.</summary>
public sealed class FeeMetricsTests
{
    [Fact]
    public void Hit_rate_counts_predictions_at_or_above_the_need_and_overpayment_is_the_median_ratio_among_hits()
    {
        var m = FeeMetrics.Hits([(10, 10), (12, 6), (3, 4), (30, 10), (1, 2)]);
        Assert.Equal(5, m.Rows);
        Assert.Equal(0.6, m.HitRate, 10);
        Assert.Equal(2.0, m.MedianOverpayment); // ratios 1, 2, 3
        Assert.Equal(11.2, m.MeanPredictedSatVb, 10);
        Assert.Null(FeeMetrics.Hits([(1, 2)]).MedianOverpayment);
        Assert.Throws<ArgumentException>(() => FeeMetrics.Hits([(1, 0)]));
    }

    [Fact]
    public void MAE_and_median()
    {
        Assert.Equal(2.0, FeeMetrics.MeanAbsoluteError([(1, 3), (5, 3), (3, 3)]) * 3 / 2, 10);
        Assert.Equal(2.5, FeeMetrics.Median([4, 1, 3, 2]));
        Assert.True(double.IsNaN(FeeMetrics.MeanAbsoluteError([])));
    }

    [Fact]
    public void The_split_is_chronological_with_a_purge_gap_and_refuses_unsorted_rows()
    {
        var rows = Enumerable.Range(0, 1000).Select(i => (long)i * 10).ToList();
        var (train, validation, test) = FeeMetrics.SplitByTime(rows, t => t, 0.7, 0.15, 100);
        Assert.True(train.Max() < validation.Min() - 100);
        Assert.True(validation.Max() < test.Min() - 100);
        Assert.Equal(rows.Count - 20, train.Count + validation.Count + test.Count);
        Assert.Throws<ArgumentException>(() => FeeMetrics.SplitByTime([3L, 1L, 2L], t => t, 0.7, 0.15, 0));
    }
}
