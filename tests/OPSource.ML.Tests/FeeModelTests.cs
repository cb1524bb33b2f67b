using OPSource.ML.Fees;

namespace OPSource.ML.Tests;

/// <summary>Small models on the shipped data: reproducible, saved and reloaded, ONNX Runtime agreeing with ML.NET.</summary>
public sealed class FeeModelTests
{
    private static readonly FeeTrainOptions Small = new(Iterations: 20, Leaves: 8, MinLeaf: 50);

    private static readonly Lazy<IReadOnlyList<FeeExample>> Examples = new(() =>
        // Every third snapshot keeps the test fast; the chronological order is unchanged.
        FeeExample.Join(ShippedFeeData.Snapshots.Where((_, i) => i % 3 == 0), new BlockHistory(ShippedFeeData.Blocks)));

    [Fact]
    public void Training_twice_with_the_same_seed_gives_the_same_report_and_the_report_covers_every_split_and_target()
    {
        using var a = FeeModel.Train(Examples.Value, Small, TestContext.Current.CancellationToken);
        using var b = FeeModel.Train(Examples.Value, Small, TestContext.Current.CancellationToken);
        Assert.Equal(a.Report.Offsets, b.Report.Offsets);
        Assert.Equal(["train", "validation", "test"], a.Report.Splits.Select(s => s.Split));
        Assert.All(a.Report.Splits, s => Assert.Equal([1, 3, 6, 144], s.Targets.Select(t => t.Target)));
        Assert.All(a.Report.Splits.Zip(b.Report.Splits), p => Assert.Equal(p.First.Targets.Select(t => t.Model), p.Second.Targets.Select(t => t.Model)));
        // Splits are chronological: validation after train, test after validation.
        Assert.True(string.CompareOrdinal(a.Report.Splits[0].To, a.Report.Splits[1].From) < 0);
        Assert.True(string.CompareOrdinal(a.Report.Splits[1].To, a.Report.Splits[2].From) < 0);
        // Calibrated on validation to reach mempool.space's hit rate there.
        var validation = a.Report.Splits[1];
        Assert.All(validation.Targets, t => Assert.True(t.Model.HitRate >= t.MempoolSpace!.HitRate, $"target {t.Target}: {t.Model.HitRate} < {t.MempoolSpace.HitRate}"));
    }

    [Fact]
    public void A_saved_model_reloads_with_the_same_predictions_and_ONNX_Runtime_agrees()
    {
        using var model = FeeModel.Train(Examples.Value, Small, TestContext.Current.CancellationToken);
        var dir = Path.Combine(Path.GetTempPath(), $"opsource-ml-{Guid.NewGuid():n}");
        try
        {
            model.Save(dir);
            model.ExportOnnx(dir);
            using var loaded = FeeModel.Load(dir);
            using var onnx = OnnxFeeModel.Load(dir, null);
            foreach (var e in Examples.Value.Take(200))
            {
                foreach (var target in FeeLabels.Targets)
                {
                    Assert.Equal(model.Predict(e.Features, target), loaded.Predict(e.Features, target));
                    Assert.Equal(model.Score(e.Features, target), onnx.Score(e.Features, target), 3);
                }
            }

            // A report for another feature schema is refused with a one-line reason.
            var report = Path.Combine(dir, FeeModel.ReportFile);
            File.WriteAllText(report, File.ReadAllText(report).Replace(FeeFeatures.SchemaId, "fee-features-v0-000000000000", StringComparison.Ordinal));
            Assert.Contains("feature schema", Assert.Throws<FeeDataException>(() => FeeModel.Load(dir)).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void The_forecast_trains_on_every_regime_and_reports_both_baselines()
    {
        // Two regimes, shortened: the 2017-2018 high-fee period and the latest one.
        var blocks = ShippedFeeData.Blocks.Where(b => b.Height is >= 499_999 and < 504_000 or >= 917_000).ToList();
        var history = new BlockHistory(blocks);
        var examples = ForecastFeatures.Build(history);
        var model = ForecastModel.Train(examples, ["499999", "917000"], 42, 20, 1, TestContext.Current.CancellationToken);
        var test = model.Report.Metrics.Where(m => m.Split == "test").ToList();
        Assert.Equal(["499999", "917000", "all"], test.Where(m => m.HorizonHours == 24).Select(m => m.Segment));
        Assert.All(test, m =>
        {
            Assert.True(m.Rows > 0);
            Assert.True(double.IsFinite(m.ModelMae) && double.IsFinite(m.PersistenceMae) && double.IsFinite(m.LastWeekMae));
        });
    }
}
