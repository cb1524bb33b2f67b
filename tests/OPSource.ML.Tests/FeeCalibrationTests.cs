using System.Text.Json;
using OPSource.ML.Fees;
using OPSource.ML.Training;

namespace OPSource.ML.Tests;

/// <summary>
/// The score-dependent calibration of the fee model: buckets, the terciles search and its margin, the automatic
/// choice of the mode on an earlier week, and damaged calibrations refused on load.
/// </summary>
public sealed class FeeCalibrationTests
{
    [Fact]
    public void A_score_goes_to_the_bucket_of_the_cuts_at_or_below_it_and_a_damaged_calibration_is_named()
    {
        var c = new FeeCalibration([0.5, 1.0], [0.1, 0.2, 0.3]);
        Assert.Null(c.Problem());
        Assert.Equal(0.1, c.OffsetFor(0.49));
        Assert.Equal(0.2, c.OffsetFor(0.5));
        Assert.Equal(0.2, c.OffsetFor(0.99));
        Assert.Equal(0.3, c.OffsetFor(1.0));
        Assert.Equal(0.7, new FeeCalibration([], [0.7]).OffsetFor(-5));
        Assert.Contains("one offset more", new FeeCalibration([0.5], [0.1]).Problem(), StringComparison.Ordinal);
        Assert.Contains("out of order", new FeeCalibration([1.0, 0.5], [0, 0, 0]).Problem(), StringComparison.Ordinal);
        Assert.Contains("non-finite", new FeeCalibration([double.NaN], [0, 0]).Problem(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_margin_is_the_smaller_of_the_hit_rate_margin_and_the_median_margin()
    {
        var baseline = new HitMetrics(4, 0.5, 1.5, 0);
        // 3 of 4 hit (margin 0.25); hits paying 1, 1.5 and 3 times the need: 2 of 3 at most 1.5 (margin 1/6).
        (double, double)[] pairs = [(1, 1), (3, 2), (3, 1), (1, 2)];
        Assert.Equal(1.0 / 6, FeeModelTrainer.Margin(pairs, baseline), 9);
        // Overpaying on most hits: the median margin is negative even with every row hit.
        Assert.True(FeeModelTrainer.Margin([(4, 1), (4, 1), (2, 2)], baseline) < 0);
        // Without a baseline: the hit rate above 95 %.
        Assert.Equal(0.05, FeeModelTrainer.Margin([(2, 1), (2, 2)], null), 9);
    }

    [Fact]
    public void Terciles_pay_for_safety_only_where_the_score_is_high_and_beat_one_offset_there()
    {
        // Low and middle scores: the need is exactly e^score (whole). High scores (10): a third of the rows need 14.
        // One offset must either miss those (hit rate 0.89) or overpay by 1.4 on most rows (above the baseline's 1.2);
        // terciles raise only the high bucket.
        var rows = new List<(double Score, double Needed)>();
        for (var i = 0; i < 300; i++)
        {
            var rate = i < 100 ? 5 : i < 200 ? 6 : 10;
            var needed = i >= 200 && i % 3 == 0 ? 14 : rate;
            rows.Add((Math.Log(rate) + 0.001, needed));
        }

        var baseline = new HitMetrics(rows.Count, 0.95, 1.2, 0);
        var terciles = FeeModelTrainer.CalibrateTerciles(rows, baseline);
        Assert.Null(terciles.Problem());
        Assert.Equal(2, terciles.Cuts.Count);
        Assert.True(terciles.Offsets[2] > terciles.Offsets[0], string.Join(", ", terciles.Offsets));
        var pairs = rows.Select(r => (FeeModel.ToRate(r.Score + terciles.OffsetFor(r.Score)), r.Needed)).ToList();
        var metrics = FeeMetrics.Hits(pairs);
        Assert.Equal(1.0, metrics.HitRate);
        Assert.Equal(1.0, metrics.MedianOverpayment);
        var single = FeeModelTrainer.Calibrate([.. rows.Select(r => (r.Score, r.Needed, (MempoolRecommendation?)null))], 1);
        var singleMargin = FeeModelTrainer.Margin([.. rows.Select(r => (FeeModel.ToRate(r.Score + single), r.Needed))], baseline);
        Assert.True(singleMargin < 0, $"one offset: {singleMargin}");
        Assert.True(FeeModelTrainer.Margin(pairs, baseline) > 0);
        Assert.Throws<ArgumentException>(() => FeeModelTrainer.CalibrateTerciles(rows.Take(2).ToList(), baseline));
    }

    [Fact]
    public void The_check_weeks_follow_each_other_without_overlap_and_the_latest_is_measured_on_validation()
    {
        var day = 86_400L;
        var train = Enumerable.Range(0, 14 * 24).Select(i => Example(i * 3_600L * 4)).ToList();
        var validation = Enumerable.Range(0, 10).Select(i => Example((train[^1].Time + (2 * day)) + (i * 3_600L))).ToList();
        var windows = FeeModelTrainer.CheckWindows(train, validation).ToList();
        Assert.Equal(FeeModelTrainer.CheckWindowCount, windows.Count);
        Assert.Same(validation, windows[0].Measured);
        foreach (var (fit, calibration, measured) in windows)
        {
            Assert.NotEmpty(fit);
            Assert.NotEmpty(calibration);
            Assert.NotEmpty(measured);
            // Each part ends, a day passes, the next begins: no label window of one reaches into the next.
            Assert.True(calibration.Min(e => e.Time) > fit.Max(e => e.Time) + day);
            Assert.True(measured.Min(e => e.Time) > calibration.Max(e => e.Time) + day);
        }

        // Each earlier window is measured on the week before the later one's measured week.
        for (var j = 1; j < windows.Count; j++)
        {
            Assert.True(windows[j].Measured.Max(e => e.Time) <= windows[j - 1].Calibration.Max(e => e.Time));
            Assert.True(windows[j].Train.Count < windows[j - 1].Train.Count);
        }

        static FeeExample Example(long time) => new(time, [], [1, 1, 1, 1], null);
    }

    [Fact]
    public void The_budget_spends_what_the_median_leaves_on_the_rows_the_model_expects_to_need_more()
    {
        // Need 1 everywhere except in the high-score third, where one row in four needs 3 (the rows a one-week
        // calibration may not see). Budget 2: predicting 2 everywhere hits 0.92 at median 2; the budget lets up to 40 %
        // of the hits pay more than 2 times the need, so the high third is raised: to 3 for the hits, and on to 4 for
        // the hits against a need 1 sat/vB higher (its need-3 rows still pay at most 2 times; the median stays 2).
        var rows = new List<(double Score, double Needed)>();
        for (var i = 0; i < 300; i++)
        {
            var score = i < 100 ? 0.6 : i < 200 ? 0.65 : 0.9;
            rows.Add((score, i >= 200 && i % 4 == 0 ? 3 : 1));
        }

        var budget = FeeModelTrainer.CalibrateBudget(rows, 2);
        Assert.Null(budget.Problem());
        var pairs = rows.Select(r => (FeeModel.ToRate(r.Score + budget.OffsetFor(r.Score)), r.Needed)).ToList();
        var metrics = FeeMetrics.Hits(pairs);
        Assert.Equal(1.0, metrics.HitRate);
        Assert.Equal(2.0, metrics.MedianOverpayment);
        var rank = FeeModelTrainer.BudgetRank(pairs, 2);
        Assert.True(rank.WithinBudget);
        Assert.Equal(300, rank.StressHits);
        // The low buckets stay at 2 sat/vB (the cheapest that hits them even against a need of 2), the high one pays 4.
        Assert.All(pairs.Take(200), p => Assert.Equal(2, p.Item1));
        Assert.All(pairs.Skip(200), p => Assert.Equal(4, p.Item1));
        // Raising the middle bucket as well would break the budget: 125 of 300 hits within 2 times the need.
        Assert.False(FeeModelTrainer.BudgetRank([.. pairs.Select((p, i) => (i is >= 100 and < 200 ? 3.0 : p.Item1, p.Needed))], 2).WithinBudget);

        // When nothing needs more than 1, 2 sat/vB already hits a need 1 sat/vB higher: nothing is spent.
        var calm = rows.Select(r => (r.Score, 1.0)).ToList();
        var spent = FeeModelTrainer.CalibrateBudget(calm, 2);
        Assert.All(calm, r => Assert.Equal(2, FeeModel.ToRate(r.Score + spent.OffsetFor(r.Score))));

        // A budget that no prediction can keep (below 1) or too few rows: refused.
        Assert.Throws<ArgumentException>(() => FeeModelTrainer.CalibrateBudget(rows, 0.5));
        Assert.Throws<ArgumentException>(() => FeeModelTrainer.CalibrateBudget(rows.Take(2).ToList(), 2));
    }

    [Fact]
    public void Auto_checks_every_mode_on_the_validation_week_keeps_the_larger_margin_and_serves_it_after_a_reload()
    {
        var examples = FeeExample.Join(ShippedFeeData.Snapshots.Where((_, i) => i % 4 == 0), new BlockHistory(ShippedFeeData.Blocks));
        var options = new FeeTrainOptions(Iterations: 15, Leaves: 8, MinLeaf: 50, Calibration: FeeCalibrationModes.Auto);
        var model = FeeModelTrainer.Train(examples, options, TestContext.Current.CancellationToken).Model;
        var report = model.Report;
        Assert.Equal(FeeLabels.Targets.Select(t => t.ToString(System.Globalization.CultureInfo.InvariantCulture)), report.CalibrationCheck!.Keys.Order(StringComparer.Ordinal).OrderBy(k => k.Length));
        foreach (var (target, check) in report.CalibrationCheck!)
        {
            Assert.Equal([FeeCalibrationModes.Budget, FeeCalibrationModes.Offset, FeeCalibrationModes.Terciles], check.Keys.Order(StringComparer.Ordinal));
            // The larger margin wins, the earlier of offset, terciles, budget on a tie; only one offset has no cuts.
            var expected = check[FeeCalibrationModes.Offset] >= Math.Max(check[FeeCalibrationModes.Terciles], check[FeeCalibrationModes.Budget]) ? FeeCalibrationModes.Offset
                : check[FeeCalibrationModes.Terciles] >= check[FeeCalibrationModes.Budget] ? FeeCalibrationModes.Terciles : FeeCalibrationModes.Budget;
            Assert.Equal(expected, report.CalibrationModes![target]);
            Assert.Equal(expected != FeeCalibrationModes.Offset, report.Calibrations?.ContainsKey(target) == true);
            // The check's margin is the mean over its weeks.
            foreach (var (mode, margin) in check)
            {
                var weeks = report.CalibrationCheckWindows![target][mode];
                Assert.InRange(weeks.Count, 1, FeeModelTrainer.CheckWindowCount);
                Assert.True(Math.Abs(margin - weeks.Average()) < 1e-5, $"{target} {mode}: {margin} vs {weeks.Average()}");
            }
        }

        var dir = Path.Combine(Path.GetTempPath(), $"opsource-ml-cal-{Guid.NewGuid():n}");
        try
        {
            // A hand-made terciles calibration on target 1 changes the served rate exactly as its bucket says.
            var calibrations = new Dictionary<string, FeeCalibration>(report.Calibrations ?? new Dictionary<string, FeeCalibration>()) { ["1"] = new([0.5, 1.2], [0, 0.4, 2]) };
            model.WithReport(report with { Calibrations = calibrations }).Save(dir);
            var loaded = FeeModel.Load(dir);
            foreach (var e in examples.Take(200))
            {
                var score = loaded.Score(e.Features, 1);
                var offset = score < 0.5 ? 0 : score < 1.2 ? 0.4 : 2;
                Assert.Equal(FeeModel.ToRate(score + offset), loaded.Predict(e.Features, 1));
            }

            // A damaged calibration is refused on load with one line naming the target.
            var path = Path.Combine(dir, FeeModel.ReportFile);
            var json = JsonSerializer.Deserialize(File.ReadAllText(path), MlJsonContext.Default.FeeModelReport)!;
            File.WriteAllText(path, JsonSerializer.Serialize(json with { Calibrations = new Dictionary<string, FeeCalibration> { ["1"] = new([1.2, 0.5], [0, 0, 0]) } }, MlJsonContext.Default.FeeModelReport));
            var error = Assert.Throws<FeeDataException>(() => FeeModel.Load(dir)).Message;
            Assert.Contains("target 1", error, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
