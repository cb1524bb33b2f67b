using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Trainers.FastTree;
using OPSource.ML.Fees;

namespace OPSource.ML.Training;

/// <summary>
/// Trains the block-fee forecast: per horizon, three regressors on the oldest 70 % of every regime
/// (<see cref="Variants"/>): FastTree on the level ln(1 + median), FastTree on the change from persistence
/// ln((1 + median) / (1 + persistence)), and LightGBM with the absolute-error objective on that change (the metric is
/// MAE); the one with the lowest MAE on the validation split (the next 15 % of every regime) is kept. The latest 15 %
/// is the held-out test.
/// </summary>
public static class ForecastModelTrainer
{
    /// <summary>The model variants tried per horizon.</summary>
    public static class Variants
    {
        /// <summary>FastTree, squared error on ln(1 + median).</summary>
        public const string Level = "fasttree-level";

        /// <summary>FastTree, squared error on the change from persistence.</summary>
        public const string Change = "fasttree-change";

        /// <summary>LightGBM, absolute error on the change from persistence.</summary>
        public const string ChangeL1 = "lightgbm-l1-change";

        /// <summary>All of them.</summary>
        public static IReadOnlyList<string> All { get; } = [Level, Change, ChangeL1];
    }

    /// <summary>Trains and reports; <paramref name="segmentNames"/> names each segment (its first height).</summary>
    public static ForecastModel Train(IReadOnlyList<ForecastExample> examples, IReadOnlyList<string> segmentNames, int seed, int iterations, int threads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(segmentNames);
        var watch = Stopwatch.StartNew();
        var ml = new MLContext(seed);
        var variants = new Dictionary<int, List<(string Name, bool Residual, TreeEnsemble Trees)>>();
        var splits = new Dictionary<(int Horizon, string Split), List<ForecastExample>>();
        var count = ForecastFeatures.Names.Count;
        for (var hi = 0; hi < ForecastFeatures.Horizons.Count; hi++)
        {
            var h = ForecastFeatures.Horizons[hi];
            var train = new List<ForecastExample>();
            foreach (var segment in examples.GroupBy(e => e.Segment))
            {
                var (tr, va, te) = FeeMetrics.SplitByTime(segment.OrderBy(e => e.Time).ToList(), e => e.Time, 0.7, 0.15, h * 3600L);
                train.AddRange(tr);
                Add(splits, (h, "train"), tr);
                Add(splits, (h, "validation"), va);
                Add(splits, (h, "test"), te);
            }

            cancellationToken.ThrowIfCancellationRequested();
            var usable = train.Where(e => !double.IsNaN(e.Actual[hi])).ToList();
            if (usable.Count < 50)
            {
                throw new FeeDataException($"forecast model: too few hourly origins to train ({usable.Count}); give at least two weeks of contiguous blocks");
            }

            var persistence = ForecastFeatures.PersistenceIndex(h);
            var levelLabels = usable.Select(e => (float)Math.Log(1 + e.Actual[hi])).ToList();
            var changeLabels = usable.Select(e => (float)(Math.Log(1 + e.Actual[hi]) - Math.Log(1 + e.Features[persistence]))).ToList();
            var features = usable.Select(e => e.Features).ToList();
            variants[h] =
            [
                (Variants.Level, false, Fit(ml, features, levelLabels, seed, iterations, threads, count)),
                (Variants.Change, true, Fit(ml, features, changeLabels, seed, iterations, threads, count)),
                (Variants.ChangeL1, true, LightGbmNative.Train(features, changeLabels, count, string.Create(CultureInfo.InvariantCulture, $"objective=regression_l1 num_iterations={iterations} num_leaves=31 min_data_in_leaf=20 learning_rate=0.05 num_threads={threads} seed={seed}")).Trees),
            ];
        }

        // Per horizon, the variant with the lower validation MAE over all regimes (validation rows only).
        var report = new ForecastModelReport("forecast", ForecastFeatures.Names, seed, iterations, [], 0, "per horizon, by validation MAE: " + string.Join("; ", Variants.All), []);
        var chosen = new Dictionary<int, TreeEnsemble>();
        var residualHorizons = new List<int>();
        var chosenVariants = new Dictionary<string, string>();
        var validationMae = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var h in ForecastFeatures.Horizons)
        {
            var validation = splits.TryGetValue((h, "validation"), out var v) ? v : [];
            var scored = variants[h]
                .Select(c => (c.Name, c.Residual, c.Trees, Mae: new ForecastModel(new Dictionary<int, TreeEnsemble> { [h] = c.Trees }, report with { ResidualHorizons = c.Residual ? [h] : [] }).Evaluate(validation, "validation", "all", h).ModelMae))
                .ToList();
            foreach (var c in scored.Where(c => double.IsFinite(c.Mae)))
            {
                validationMae[string.Create(CultureInfo.InvariantCulture, $"{h}/{c.Name}")] = c.Mae;
            }

            var best = scored.OrderBy(c => double.IsNaN(c.Mae) ? double.MaxValue : c.Mae).First();
            chosen[h] = best.Trees;
            chosenVariants[h.ToString(CultureInfo.InvariantCulture)] = best.Name;
            if (best.Residual)
            {
                residualHorizons.Add(h);
            }
        }

        report = report with { Variants = chosenVariants, VariantValidationMae = validationMae };
        var model = new ForecastModel(chosen, report with { ResidualHorizons = residualHorizons });
        // Per horizon, shrink towards persistence: no cut or one cut of the persistence level (2, 5, 10, 20 or 50 sat/vB),
        // each bucket's weight (0 .. 1 in steps of 0.05) by the lowest validation MAE, the cut by the lowest total
        // (ties: no cut, then more model). Fee levels differ by orders of magnitude between regimes, and one weight over
        // all of them follows the high-fee regime's errors only.
        var weights = new Dictionary<string, ForecastBlend>();
        foreach (var h in ForecastFeatures.Horizons)
        {
            var hi = ForecastFeatures.Horizons.ToList().IndexOf(h);
            var validation = (splits.TryGetValue((h, "validation"), out var v) ? v : [])
                .Where(e => !double.IsNaN(e.Actual[hi]) && !double.IsNaN(e.Persistence[hi]) && !double.IsNaN(e.LastWeek[hi]))
                .Select(e => (Model: model.Predict(e.Features, h), Persistence: Math.Max(0, (double)e.Features[ForecastFeatures.PersistenceIndex(h)]), Actual: e.Actual[hi]))
                .ToList();
            var best = (Blend: new ForecastBlend([], [1.0]), Error: double.MaxValue);
            foreach (double[] cuts in new[] { Array.Empty<double>(), [2.0], [5.0], [10.0], [20.0], [50.0] })
            {
                var blend = new ForecastBlend(cuts, new double[cuts.Length + 1]);
                var error = 0.0;
                var weightsOf = new double[cuts.Length + 1];
                for (var b = 0; b <= cuts.Length; b++)
                {
                    var rows = validation.Where(r => FeeCalibration.Bucket(cuts, r.Persistence) == b).ToList();
                    var (bestWeight, bestError) = (1.0, double.MaxValue);
                    for (var i = 20; i >= 0; i--)
                    {
                        var w = i / 20.0;
                        var e = rows.Sum(r => Math.Abs((w * r.Model) + ((1 - w) * r.Persistence) - r.Actual));
                        if (e < bestError - 1e-9)
                        {
                            (bestWeight, bestError) = (w, e);
                        }
                    }

                    weightsOf[b] = bestWeight;
                    error += bestError;
                }

                if (error < best.Error - 1e-9)
                {
                    best = (blend with { Weights = weightsOf }, error);
                }
            }

            weights[h.ToString(CultureInfo.InvariantCulture)] = best.Blend;
        }

        model = model.WithReport(model.Report with { ModelWeights = weights });
        var metrics = new List<ForecastMetrics>();
        foreach (var ((h, split), rows) in splits.OrderBy(kv => kv.Key.Horizon))
        {
            foreach (var group in rows.GroupBy(r => r.Segment).Select(g => (Name: segmentNames[g.Key], Rows: g.ToList())).Append((Name: "all", Rows: rows)))
            {
                if (model.Evaluate(group.Rows, split, group.Name, h) is { Rows: > 0 } m)
                {
                    metrics.Add(m);
                }
            }
        }

        return model.WithReport(model.Report with { Metrics = metrics, TrainingSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3) });
    }

    private static TreeEnsemble Fit(MLContext ml, List<float[]> features, List<float> labels, int seed, int iterations, int threads, int featureCount)
    {
        var rows = features.Select((f, i) => new TreeModelRow { Features = f, Label = labels[i] }).ToList();
        var trainer = ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
        {
            NumberOfTrees = iterations,
            NumberOfLeaves = 31,
            MinimumExampleCountPerLeaf = 20,
            LearningRate = 0.05,
            NumberOfThreads = threads,
            Seed = seed,
        });
        var fitted = trainer.Fit(ml.Data.LoadFromEnumerable(rows, FeeModelTrainer.Schema(featureCount)));
        return TreeExport.From(fitted.Model.TrainedTreeEnsemble, featureCount);
    }

    private static void Add(Dictionary<(int, string), List<ForecastExample>> d, (int, string) key, List<ForecastExample> rows)
    {
        if (!d.TryGetValue(key, out var list))
        {
            d[key] = list = [];
        }

        list.AddRange(rows);
    }
}
