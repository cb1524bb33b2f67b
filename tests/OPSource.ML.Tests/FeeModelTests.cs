using OPSource.ML.Fees;
using OPSource.ML.Training;

namespace OPSource.ML.Tests;

/// <summary>
/// Small models on the shipped data: reproducible, saved and reloaded as tree files that score exactly like ML.NET,
/// ONNX Runtime agreeing, damaged files refused.
/// </summary>
public sealed class FeeModelTests
{
    private static readonly FeeTrainOptions Small = new(Iterations: 20, Leaves: 8, MinLeaf: 50);

    private static readonly Lazy<IReadOnlyList<FeeExample>> Examples = new(() =>
        // Every third snapshot keeps the test fast; the chronological order is unchanged.
        FeeExample.Join(ShippedFeeData.Snapshots.Where((_, i) => i % 3 == 0), new BlockHistory(ShippedFeeData.Blocks)));

    private static readonly Lazy<TrainedFeeModel> Trained = new(() => FeeModelTrainer.Train(Examples.Value, Small, CancellationToken.None));

    [Fact]
    public void Training_twice_with_the_same_seed_gives_the_same_report_and_the_report_covers_every_split_and_target()
    {
        var a = Trained.Value.Model;
        var b = FeeModelTrainer.Train(Examples.Value, Small, TestContext.Current.CancellationToken).Model;
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
    public void The_exported_trees_score_like_ML_NET_and_reload_from_their_files_and_ONNX_Runtime_agrees()
    {
        var trained = Trained.Value;
        var model = trained.Model;
        var dir = Path.Combine(Path.GetTempPath(), $"opsource-ml-{Guid.NewGuid():n}");
        try
        {
            model.Save(dir);
            trained.ExportOnnx(dir);
            var loaded = FeeModel.Load(dir);
            using var onnx = OnnxFeeModel.Load(dir, null);
            foreach (var e in Examples.Value.Where((_, i) => i % 10 == 0))
            {
                foreach (var target in FeeLabels.Targets)
                {
                    // ML.NET sums the trees in float; the run-time model in double.
                    Assert.Equal(trained.MlNetScore(e.Features, target), model.Score(e.Features, target), 4);
                    Assert.Equal(model.Predict(e.Features, target), loaded.Predict(e.Features, target));
                    Assert.Equal(model.Score(e.Features, target), onnx.Score(e.Features, target), 3);
                }
            }

            // A report for another feature schema is refused with a one-line reason.
            var report = Path.Combine(dir, FeeModel.ReportFile);
            var text = File.ReadAllText(report);
            File.WriteAllText(report, text.Replace(FeeFeatures.SchemaId, "fee-features-v0-000000000000", StringComparison.Ordinal));
            Assert.Contains("feature schema", Assert.Throws<FeeDataException>(() => FeeModel.Load(dir)).Message, StringComparison.Ordinal);

            // A damaged tree file (a child pointing backwards would loop) is refused, not evaluated.
            File.WriteAllText(report, text);
            var trees = FeeModel.TreeFile(dir, 6);
            var ensemble = TreeEnsemble.Load(trees, FeeFeatures.Count, "retrain");
            var first = ensemble.Trees.First(t => t.Left.Length > 1);
            var damaged = ensemble with { Trees = [first with { Left = [0, .. first.Left[1..]] }, .. ensemble.Trees.Skip(1)] };
            damaged.Save(trees);
            var error = Assert.Throws<FeeDataException>(() => FeeModel.Load(dir)).Message;
            Assert.Contains("damaged", error, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error);
            File.WriteAllText(trees, "{ not json");
            Assert.Contains("not a tree model", Assert.Throws<FeeDataException>(() => FeeModel.Load(dir)).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_tree_ensemble_walks_left_on_at_most_the_threshold_and_adds_weighted_leaves_and_the_bias()
    {
        // x0 <= 1 ? (x1 <= 5 ? 10 : 20) : 30, weight 0.5; plus a single-leaf tree of 3 and a bias of 1.
        var split = new RegressionTreeData([0, 1], [1f, 5f], [1, ~0], [~2, ~1], [10, 20, 30], 0.5);
        var stump = new RegressionTreeData([], [], [], [], [3]);
        var ensemble = new TreeEnsemble(2, 1, [split, stump]);
        Assert.Null(ensemble.Check());
        Assert.Equal(1 + 5 + 3, ensemble.Score([1f, 5f]));
        Assert.Equal(1 + 10 + 3, ensemble.Score([0f, 6f]));
        Assert.Equal(1 + 15 + 3, ensemble.Score([2f, 0f]));
        Assert.Throws<FeeDataException>(() => ensemble.Score([1f]));
        Assert.NotNull((ensemble with { FeatureCount = 1 }).Check());
    }

    [Fact]
    public void The_forecast_trains_on_every_regime_and_reports_both_baselines_and_reloads()
    {
        // Two regimes, shortened: the 2017-2018 high-fee period and the latest one.
        var blocks = ShippedFeeData.Blocks.Where(b => b.Height is >= 499_999 and < 504_000 or >= 917_000).ToList();
        var history = new BlockHistory(blocks);
        var examples = ForecastFeatures.Build(history);
        var model = ForecastModelTrainer.Train(examples, ["499999", "917000"], 42, 20, 1, TestContext.Current.CancellationToken);
        var test = model.Report.Metrics.Where(m => m.Split == "test").ToList();
        Assert.Equal(["499999", "917000", "all"], test.Where(m => m.HorizonHours == 24).Select(m => m.Segment));
        Assert.All(test, m =>
        {
            Assert.True(m.Rows > 0);
            Assert.True(double.IsFinite(m.ModelMae) && double.IsFinite(m.PersistenceMae) && double.IsFinite(m.LastWeekMae));
        });
        Assert.All(model.Report.ResidualHorizons!, h => Assert.Contains(h, ForecastFeatures.Horizons));
        // Every variant was scored on the rolling validation origins (where a horizon has any) and the kept one has the
        // lowest mean relative MAE there.
        Assert.NotEmpty(model.Report.VariantRollingScore!);
        foreach (var h in ForecastFeatures.Horizons)
        {
            var kept = model.Report.Variants![h.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            var scores = ForecastModelTrainer.Variants.All.Where(v => model.Report.VariantRollingScore!.ContainsKey($"{h}/{v}")).ToDictionary(v => v, v => model.Report.VariantRollingScore![$"{h}/{v}"]);
            Assert.True(scores.Count is 0 || scores.Count == ForecastModelTrainer.Variants.All.Count);
            if (scores.Count > 0)
            {
                Assert.Equal(scores.Values.Min(), scores[kept]);
            }

            Assert.Equal(kept != ForecastModelTrainer.Variants.Level, model.Report.ResidualHorizons!.Contains(h));

            // The evidence per fold: the last fold is the model's own validation split, so its rows equal the served
            // model's validation metrics.
            var key = h.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var blend = model.Report.ModelWeights![key];
            Assert.Equal(blend.Cuts.Count + 1, blend.Weights.Count);
            Assert.All(blend.Weights, w => Assert.InRange(w, 0, 1));
            var folds = model.Report.RollingValidation!.Where(m => m.HorizonHours == h && m.Segment == "all").ToList();
            Assert.All(folds, m => Assert.StartsWith("fold-", m.Split, StringComparison.Ordinal));
            var validation = model.Report.Metrics.SingleOrDefault(m => m.Split == "validation" && m.Segment == "all" && m.HorizonHours == h);
            if (validation is not null)
            {
                var own = folds.Single(m => m.Split == "fold-0.70");
                Assert.Equal((validation.Rows, validation.ModelMae, validation.PersistenceMae), (own.Rows, own.ModelMae, own.PersistenceMae));
            }

            var pure = model.WithReport(model.Report with { ModelWeights = null });
            var e0 = examples[0];
            var persistence = Math.Max(0, e0.Features[ForecastFeatures.PersistenceIndex(h)]);
            var weight = blend.WeightAt(e0.Features[ForecastFeatures.PersistenceIndex(h)]);
            Assert.Equal((weight * pure.Predict(e0.Features, h)) + ((1 - weight) * persistence), model.Predict(e0.Features, h), 9);
        }

        var dir = Path.Combine(Path.GetTempPath(), $"opsource-forecast-{Guid.NewGuid():n}");
        try
        {
            model.Save(dir);
            var loaded = ForecastModel.Load(dir);
            Assert.Equal(model.Report.ResidualHorizons, loaded.Report.ResidualHorizons);
            Assert.Equal(model.Report.ModelWeights!.Keys, loaded.Report.ModelWeights!.Keys);
            Assert.All(model.Report.ModelWeights, kv => Assert.Equal(kv.Value.Weights, loaded.Report.ModelWeights[kv.Key].Weights));
            foreach (var e in examples.Take(50))
            {
                foreach (var h in ForecastFeatures.Horizons)
                {
                    Assert.Equal(model.Predict(e.Features, h), loaded.Predict(e.Features, h));
                }
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void The_blend_weighs_each_origin_and_can_keep_persistence_below_a_level_and_the_model_above()
    {
        // At 3 sat/vB the model is 1 off where persistence is exact; at 110 the model is exact and persistence 10 off:
        // the lowest cut that parts them (5) keeps persistence below it and the model above.
        var rows = new List<(double Weight, double Model, double Persistence, double Actual)>();
        for (var i = 0; i < 40; i++)
        {
            rows.Add((1, 4, 3, 3));
            rows.Add((1, 100, 110, 100));
        }

        var blend = ForecastModelTrainer.ChooseBlend(rows);
        Assert.Equal([5.0], blend.Cuts);
        Assert.Equal([0.0, 1.0], blend.Weights);

        // One weight for all: the weights decide. Heavy low-level origins (a calm window scaled by its small
        // persistence error) pull towards persistence, light ones leave the model.
        List<(double, double, double, double)> Mixed(double lowWeight) => [.. Enumerable.Range(0, 40).SelectMany(_ => new[] { (lowWeight, 4.0, 3.0, 3.0), (1.0, 2.0, 4.0, 2.0) })];
        Assert.Equal(0.0, ForecastModelTrainer.ChooseBlend(Mixed(10)).WeightAt(3));
        Assert.Equal(1.0, ForecastModelTrainer.ChooseBlend(Mixed(0.1)).WeightAt(3));
    }
}
