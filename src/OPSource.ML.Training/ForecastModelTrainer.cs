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
/// MAE). The variant and its shrinkage towards persistence are chosen on rolling validation origins
/// (<see cref="FoldTrainShares"/>: the same variants trained on the oldest 40 % and 55 % of every regime and scored on
/// the next 15 %, and the model's own validation split), by the mean over (regime, fold) windows of the MAE relative to
/// persistence's. The latest 15 % of every regime is the held-out test.
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

    /// <summary>
    /// The rolling origins of the validation: per regime, train on the oldest share, validate on the next 15 %. The last
    /// fold is the model's own split (70 % / 15 %); the earlier ones give the long horizons more validation origins in
    /// more fee conditions than one slice per regime.
    /// </summary>
    public static IReadOnlyList<double> FoldTrainShares { get; } = [0.4, 0.55, 0.7];

    /// <summary>
    /// Floor of a window's persistence MAE (sat/vB) when errors are scaled by it: a window where the fee level did not
    /// move still counts, but does not take every other window's weight.
    /// </summary>
    public const double RelativeErrorFloor = 0.1;

    /// <summary>Trains and reports; <paramref name="segmentNames"/> names each segment (its first height).</summary>
    public static ForecastModel Train(IReadOnlyList<ForecastExample> examples, IReadOnlyList<string> segmentNames, int seed, int iterations, int threads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(segmentNames);
        var watch = Stopwatch.StartNew();
        var ml = new MLContext(seed);
        var splits = new Dictionary<(int Horizon, string Split), List<ForecastExample>>();
        var report = new ForecastModelReport("forecast", ForecastFeatures.Names, seed, iterations, [], 0, "per horizon, by the mean relative validation MAE over rolling origins: " + string.Join("; ", Variants.All), []);
        var chosen = new Dictionary<int, TreeEnsemble>();
        var residualHorizons = new List<int>();
        var chosenVariants = new Dictionary<string, string>();
        var validationMae = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var rollingScore = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var weights = new Dictionary<string, ForecastBlend>();
        var rolling = new List<ForecastMetrics>();
        for (var hi = 0; hi < ForecastFeatures.Horizons.Count; hi++)
        {
            var h = ForecastFeatures.Horizons[hi];
            var persistence = ForecastFeatures.PersistenceIndex(h);
            // Per fold, every variant trained on the fold's train rows and scored on its validation origins.
            var folds = new List<(int Fold, List<ForecastExample> Validation, List<(string Name, bool Residual, TreeEnsemble Trees)> Variants)>();
            for (var f = 0; f < FoldTrainShares.Count; f++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var last = f == FoldTrainShares.Count - 1;
                var train = new List<ForecastExample>();
                var validation = new List<ForecastExample>();
                foreach (var segment in examples.GroupBy(e => e.Segment))
                {
                    var (tr, va, te) = FeeMetrics.SplitByTime(segment.OrderBy(e => e.Time).ToList(), e => e.Time, FoldTrainShares[f], 0.15, h * 3600L);
                    train.AddRange(tr);
                    validation.AddRange(va);
                    if (last)
                    {
                        Add(splits, (h, "train"), tr);
                        Add(splits, (h, "validation"), va);
                        Add(splits, (h, "test"), te);
                    }
                }

                var usable = train.Where(e => !double.IsNaN(e.Actual[hi])).ToList();
                if (usable.Count < 50)
                {
                    if (last)
                    {
                        throw new FeeDataException($"forecast model: too few hourly origins to train ({usable.Count}); give at least two weeks of contiguous blocks");
                    }

                    continue;
                }

                var levelLabels = usable.Select(e => (float)Math.Log(1 + e.Actual[hi])).ToList();
                var changeLabels = usable.Select(e => (float)(Math.Log(1 + e.Actual[hi]) - Math.Log(1 + e.Features[persistence]))).ToList();
                var features = usable.Select(e => e.Features).ToList();
                folds.Add((f, validation, [
                    (Variants.Level, false, Fit(ml, features, levelLabels, seed, iterations, threads, count: ForecastFeatures.Names.Count)),
                    (Variants.Change, true, Fit(ml, features, changeLabels, seed, iterations, threads, count: ForecastFeatures.Names.Count)),
                    (Variants.ChangeL1, true, LightGbmNative.Train(features, changeLabels, ForecastFeatures.Names.Count, string.Create(CultureInfo.InvariantCulture, $"objective=regression_l1 num_iterations={iterations} num_leaves=31 min_data_in_leaf=20 learning_rate=0.05 num_threads={threads} seed={seed}")).Trees),
                ]));
            }

            // Every validation origin of every fold, with its window (regime, fold) and the window's weight: errors are
            // scaled by the window's persistence MAE, so each regime counts by how much better or worse than
            // persistence the forecast is, not by its fee level (which differs by orders of magnitude between regimes).
            ForecastModel Single(TreeEnsemble trees, bool residual, ForecastBlend? blend) =>
                new(new Dictionary<int, TreeEnsemble> { [h] = trees }, report with { ResidualHorizons = residual ? [h] : [], ModelWeights = blend is null ? null : new Dictionary<string, ForecastBlend> { [h.ToString(CultureInfo.InvariantCulture)] = blend } });
            var origins = folds.SelectMany(fold => fold.Validation.Where(e => Scored(e, hi)).Select(e => (fold.Fold, e))).ToList();
            var windowWeight = origins.GroupBy(o => (o.Fold, o.e.Segment)).ToDictionary(
                g => g.Key,
                g => 1.0 / (g.Count() * Math.Max(RelativeErrorFloor, g.Average(o => Math.Abs(Math.Max(0, (double)o.e.Features[persistence]) - o.e.Actual[hi])))));
            var windows = Math.Max(1, windowWeight.Count);
            var lastFold = folds[^1];
            var scored = Variants.All.Select((name, v) =>
            {
                var rows = folds.SelectMany(fold =>
                {
                    var single = Single(fold.Variants[v].Trees, fold.Variants[v].Residual, null);
                    return fold.Validation.Where(e => Scored(e, hi)).Select(e => (Weight: windowWeight[(fold.Fold, e.Segment)], Model: single.Predict(e.Features, h), Persistence: Math.Max(0, (double)e.Features[persistence]), Actual: e.Actual[hi]));
                }).ToList();
                return (Name: name, v, Rows: rows, Score: rows.Count == 0 ? double.NaN : rows.Sum(r => r.Weight * Math.Abs(r.Model - r.Actual)) / windows);
            }).ToList();
            foreach (var c in scored)
            {
                var mae = Single(lastFold.Variants[c.v].Trees, lastFold.Variants[c.v].Residual, null).Evaluate(lastFold.Validation, "validation", "all", h).ModelMae;
                if (double.IsFinite(mae))
                {
                    validationMae[string.Create(CultureInfo.InvariantCulture, $"{h}/{c.Name}")] = mae;
                }

                if (double.IsFinite(c.Score))
                {
                    rollingScore[string.Create(CultureInfo.InvariantCulture, $"{h}/{c.Name}")] = Math.Round(c.Score, 6);
                }
            }

            var best = scored.OrderBy(c => double.IsNaN(c.Score) ? double.MaxValue : c.Score).First();
            chosen[h] = lastFold.Variants[best.v].Trees;
            chosenVariants[h.ToString(CultureInfo.InvariantCulture)] = best.Name;
            if (lastFold.Variants[best.v].Residual)
            {
                residualHorizons.Add(h);
            }

            var blend = ChooseBlend([.. best.Rows.Select(r => (r.Weight, r.Model, r.Persistence, r.Actual))]);
            weights[h.ToString(CultureInfo.InvariantCulture)] = blend;
            // The evidence: each fold's model of the kept variant, blended as served, per regime and fold.
            foreach (var fold in folds)
            {
                var served = Single(fold.Variants[best.v].Trees, fold.Variants[best.v].Residual, blend);
                var name = string.Create(CultureInfo.InvariantCulture, $"fold-{FoldTrainShares[fold.Fold]:0.00}");
                foreach (var group in fold.Validation.GroupBy(r => r.Segment).Select(g => (Name: segmentNames[g.Key], Rows: g.ToList())).Append((Name: "all", Rows: fold.Validation)))
                {
                    if (served.Evaluate(group.Rows, name, group.Name, h) is { Rows: > 0 } m)
                    {
                        rolling.Add(m);
                    }
                }
            }
        }

        var model = new ForecastModel(chosen, report with { ResidualHorizons = residualHorizons, Variants = chosenVariants, VariantValidationMae = validationMae, VariantRollingScore = rollingScore, ModelWeights = weights, RollingValidation = rolling });
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

    /// <summary>
    /// The shrinkage towards persistence from weighted validation origins (row weight, model forecast, persistence,
    /// actual): no cut or one cut of the persistence level (2, 5, 10, 20 or 50 sat/vB), each bucket's model weight
    /// (0 .. 1 in steps of 0.05) by the lowest weighted absolute error, the cut by the lowest total (ties: no cut, then
    /// the lower cut; within a bucket, more model). Fee levels differ by orders of magnitude between regimes, so one
    /// weight over all of them would follow the high-fee regime's errors only.
    /// </summary>
    public static ForecastBlend ChooseBlend(IReadOnlyList<(double Weight, double Model, double Persistence, double Actual)> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var best = (Blend: new ForecastBlend([], [1.0]), Error: double.MaxValue);
        foreach (double[] cuts in new[] { Array.Empty<double>(), [2.0], [5.0], [10.0], [20.0], [50.0] })
        {
            var error = 0.0;
            var weightsOf = new double[cuts.Length + 1];
            for (var b = 0; b <= cuts.Length; b++)
            {
                var bucket = rows.Where(r => FeeCalibration.Bucket(cuts, r.Persistence) == b).ToList();
                var (bestWeight, bestError) = (1.0, double.MaxValue);
                for (var i = 20; i >= 0; i--)
                {
                    var w = i / 20.0;
                    var e = bucket.Sum(r => r.Weight * Math.Abs((w * r.Model) + ((1 - w) * r.Persistence) - r.Actual));
                    if (e < bestError - 1e-12)
                    {
                        (bestWeight, bestError) = (w, e);
                    }
                }

                weightsOf[b] = bestWeight;
                error += bestError;
            }

            if (error < best.Error - 1e-12)
            {
                best = (new ForecastBlend(cuts, weightsOf), error);
            }
        }

        return best.Blend;
    }

    private static TreeEnsemble Fit(MLContext ml, List<float[]> features, List<float> labels, int seed, int iterations, int threads, int count)
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
        var fitted = trainer.Fit(ml.Data.LoadFromEnumerable(rows, FeeModelTrainer.Schema(count)));
        return TreeExport.From(fitted.Model.TrainedTreeEnsemble, count);
    }

    /// <summary>Whether an origin has the actual and both baselines of a horizon (what <see cref="ForecastModel.Evaluate"/> scores).</summary>
    private static bool Scored(ForecastExample e, int hi) => !double.IsNaN(e.Actual[hi]) && !double.IsNaN(e.Persistence[hi]) && !double.IsNaN(e.LastWeek[hi]);

    private static void Add(Dictionary<(int, string), List<ForecastExample>> d, (int, string) key, List<ForecastExample> rows)
    {
        if (!d.TryGetValue(key, out var list))
        {
            d[key] = list = [];
        }

        list.AddRange(rows);
    }
}
