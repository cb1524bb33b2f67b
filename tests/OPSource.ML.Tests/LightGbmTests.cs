using OPSource.ML.Fees;
using OPSource.ML.Training;

namespace OPSource.ML.Tests;

/// <summary>
/// LightGBM through its C API: the exported trees score exactly like LightGBM itself, the quantile objective covers
/// its quantile, unsupported splits are refused; ML.NET's LightGBM wrapper failing on a single-leaf tree (the
/// failure of the earlier round) is reported as such; the validation-side model choice.
/// </summary>
public sealed class LightGbmTests
{
    private static readonly Lazy<IReadOnlyList<FeeExample>> Examples = new(() =>
        FeeExample.Join(ShippedFeeData.Snapshots.Where((_, i) => i % 5 == 0), new BlockHistory(ShippedFeeData.Blocks)));

    private static (List<float[]> Features, List<float> Labels) Target(int k) =>
        (Examples.Value.Where(e => e.Needed[k] is not null).Select(e => e.Features).ToList(),
         Examples.Value.Where(e => e.Needed[k] is not null).Select(e => (float)Math.Log(e.Needed[k]!.Value)).ToList());

    [Fact]
    public void The_exported_trees_score_exactly_like_LightGBM_and_the_quantile_objective_covers_its_quantile()
    {
        var (features, labels) = Target(0);
        var coverage = new List<double>();
        foreach (var alpha in new[] { 0.3, 0.9 })
        {
            var (trees, text, native) = LightGbmNative.Train(features, labels, FeeFeatures.Count, $"objective=quantile alpha={alpha} num_iterations=30 num_leaves=8 min_data_in_leaf=30 num_threads=1 seed=7", features);
            Assert.Contains("objective=quantile", text, StringComparison.Ordinal);
            Assert.Equal(features.Count, native.Length);
            for (var i = 0; i < features.Count; i++)
            {
                Assert.Equal(native[i], trees.Score(features[i]), 9);
            }

            coverage.Add(labels.Select((y, i) => y <= native[i] + 1e-9 ? 1.0 : 0.0).Average());
        }

        // On its training rows the 0.9 quantile model lies above (at least) most labels, the 0.3 one below most.
        Assert.True(coverage[1] >= 0.8, $"alpha 0.9 covers {coverage[1]:0.000}");
        Assert.True(coverage[0] <= 0.7, $"alpha 0.3 covers {coverage[0]:0.000}");
        Assert.True(coverage[1] > coverage[0]);
    }

    [Fact]
    public void A_near_constant_label_gives_single_leaf_trees_that_export_and_score()
    {
        // The failure of ML.NET's wrapper in the earlier round: a label that cannot be split on.
        var (features, _) = Target(3);
        var constant = features.Select(_ => 0f).ToList();
        var (trees, _, native) = LightGbmNative.Train(features, constant, FeeFeatures.Count, "objective=regression num_iterations=5 num_leaves=8 min_data_in_leaf=30 num_threads=1 seed=7", features.Take(20).ToList());
        Assert.All(trees.Trees, t => Assert.Empty(t.Feature));
        Assert.All(native, s => Assert.Equal(s, trees.Score(features[0]), 12));
    }

    [Fact]
    public void Categorical_or_missing_value_splits_and_a_model_without_trees_are_refused()
    {
        const string Tree = "Tree=0\nnum_leaves=2\nnum_cat=0\nsplit_feature=0\nthreshold=1.5\ndecision_type={0}\nleft_child=-1\nright_child=-2\nleaf_value=0.25 0.75\nshrinkage=1\n\nend of trees\n";
        var ok = LightGbmNative.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, Tree, 2), 1);
        Assert.Equal(0.25, ok.Score([1.5f]));
        Assert.Equal(0.75, ok.Score([1.5000001f]));
        Assert.Contains("categorical or missing-value", Assert.Throws<InvalidOperationException>(() => LightGbmNative.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, Tree, 1), 1)).Message, StringComparison.Ordinal);
        Assert.Contains("categorical or missing-value", Assert.Throws<InvalidOperationException>(() => LightGbmNative.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, Tree, 8), 1)).Message, StringComparison.Ordinal);
        Assert.Contains("no trees", Assert.Throws<InvalidOperationException>(() => LightGbmNative.Parse("tree\nversion=v4\n", 1)).Message, StringComparison.Ordinal);
        // A child out of range is caught by the ensemble check.
        Assert.Throws<InvalidOperationException>(() => LightGbmNative.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, Tree, 0).Replace("right_child=-2", "right_child=-5", StringComparison.Ordinal), 1));
    }

    [Fact]
    public void The_float_threshold_sends_every_float_the_same_way_as_the_double_threshold()
    {
        var random = new Random(11);
        for (var i = 0; i < 20_000; i++)
        {
            var threshold = (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-3, 6));
            var f = LightGbmNative.FloatAtMost(threshold);
            foreach (var x in new[] { f, MathF.BitIncrement(f), MathF.BitDecrement(f), (float)threshold })
            {
                Assert.Equal(x <= threshold, x <= f);
            }
        }
    }

    [Fact]
    public void The_fee_model_trains_with_each_LightGBM_trainer_and_reports_the_chosen_quantiles()
    {
        var options = new FeeTrainOptions(Iterations: 15, Leaves: 8, MinLeaf: 50, Trainer: FeeTrainers.LightGbm, QuantileAlphas: [0.5, 0.9]);
        var quantile = FeeModelTrainer.Train(Examples.Value, options, TestContext.Current.CancellationToken);
        Assert.Equal(["1", "3", "6", "144"], quantile.Model.Report.QuantileAlphas!.Keys.Order(Comparer<string>.Create((a, b) => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture).CompareTo(int.Parse(b, System.Globalization.CultureInfo.InvariantCulture)))));
        Assert.All(quantile.Model.Report.QuantileAlphas!.Values, a => Assert.Contains(a, options.QuantileAlphas!));
        Assert.Contains("quantile", quantile.Model.Report.Trainer, StringComparison.Ordinal);
        Assert.Contains("--onnx", Assert.Throws<FeeDataException>(() => quantile.ExportOnnx(Path.GetTempPath())).Message, StringComparison.Ordinal);

        // ML.NET's wrapper still cannot hold a single-leaf tree, which the near-constant ln needed rate of the
        // 144-block target produces on these rows: a one-line error pointing at the C API trainer, not a crash.
        var error = Assert.Throws<FeeDataException>(() => FeeModelTrainer.Train(Examples.Value, options with { Trainer = FeeTrainers.MlNetLightGbm, QuantileAlphas = null }, TestContext.Current.CancellationToken)).Message;
        Assert.Contains("single-leaf", error, StringComparison.Ordinal);
        Assert.Contains("--trainer lightgbm", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);

        Assert.Throws<ArgumentException>(() => FeeModelTrainer.Train(Examples.Value, options with { Trainer = "xgboost" }, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Auto_keeps_per_target_a_model_that_no_single_trainer_beats_on_validation()
    {
        var small = new FeeTrainOptions(Iterations: 15, Leaves: 8, MinLeaf: 50, QuantileAlphas: [0.6, 0.9]);
        var auto = FeeModelTrainer.Train(Examples.Value, small with { Trainer = FeeTrainers.Auto }, TestContext.Current.CancellationToken).Model.Report;
        var single = new[] { FeeTrainers.FastTree, FeeTrainers.LightGbm }
            .Select(t => FeeModelTrainer.Train(Examples.Value, small with { Trainer = t, QuantileAlphas = t == FeeTrainers.LightGbm ? small.QuantileAlphas : null }, TestContext.Current.CancellationToken).Model.Report)
            .ToList();
        Assert.Equal(4, auto.Trainers!.Count);
        foreach (var (target, i) in FeeLabels.Targets.Select((t, i) => (t, i)))
        {
            var kept = auto.Splits[1].Targets[i];
            Assert.Contains(auto.Trainers[target.ToString(System.Globalization.CultureInfo.InvariantCulture)], new[] { "fasttree", "lightgbm", "lightgbm quantile 0.6", "lightgbm quantile 0.9" });
            Assert.All(single, r => Assert.False(FeeModelTrainer.Better(r.Splits[1].Targets[i].Model, kept.Model, kept.MempoolSpace), $"target {target}: {r.Trainer} beats auto on validation"));
        }
    }

    [Fact]
    public void Among_calibrated_candidates_the_one_meeting_the_goal_then_the_cheapest_match_is_preferred()
    {
        var baseline = new HitMetrics(100, 0.95, 1.5, 3);
        var meets = new HitMetrics(100, 0.96, 1.5, 3);
        var meetsBetter = new HitMetrics(100, 0.97, 1.5, 3);
        var matchCheap = new HitMetrics(100, 0.95, 1.6, 3);
        var matchDear = new HitMetrics(100, 0.99, 2.0, 3);
        var short1 = new HitMetrics(100, 0.90, 1.0, 3);
        Assert.True(FeeModelTrainer.Better(meets, matchCheap, baseline));
        Assert.False(FeeModelTrainer.Better(matchCheap, meets, baseline));
        Assert.True(FeeModelTrainer.Better(meetsBetter, meets, baseline));
        Assert.True(FeeModelTrainer.Better(matchCheap, matchDear, baseline));
        Assert.True(FeeModelTrainer.Better(matchDear, short1, baseline));
        Assert.False(FeeModelTrainer.Better(short1, matchDear, baseline));
    }
}
