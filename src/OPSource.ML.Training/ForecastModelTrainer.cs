using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Trainers.FastTree;
using OPSource.ML.Fees;

namespace OPSource.ML.Training;

/// <summary>
/// Trains the block-fee forecast: per horizon, two FastTree regressors on the oldest 70 % of every regime, one on the
/// level ln(1 + median) and one on the change from persistence ln((1 + median) / (1 + persistence)); the one with the
/// lower MAE on the validation split (the next 15 % of every regime) is kept. The latest 15 % is the held-out test.
/// </summary>
public static class ForecastModelTrainer
{
    /// <summary>Trains and reports; <paramref name="segmentNames"/> names each segment (its first height).</summary>
    public static ForecastModel Train(IReadOnlyList<ForecastExample> examples, IReadOnlyList<string> segmentNames, int seed, int iterations, int threads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(segmentNames);
        var watch = Stopwatch.StartNew();
        var ml = new MLContext(seed);
        var level = new Dictionary<int, TreeEnsemble>();
        var residual = new Dictionary<int, TreeEnsemble>();
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
            level[h] = Fit(ml, usable.Select(e => new TreeModelRow { Features = e.Features, Label = (float)Math.Log(1 + e.Actual[hi]) }), seed, iterations, threads, count);
            residual[h] = Fit(ml, usable.Select(e => new TreeModelRow { Features = e.Features, Label = (float)(Math.Log(1 + e.Actual[hi]) - Math.Log(1 + e.Features[persistence])) }), seed, iterations, threads, count);
        }

        // Per horizon, the variant with the lower validation MAE over all regimes (validation rows only).
        var report = new ForecastModelReport("forecast", ForecastFeatures.Names, seed, iterations, [], 0, "Microsoft.ML FastTreeRegressionTrainer (level ln(1 + median) or change from persistence, per horizon by validation MAE)", []);
        var levelModel = new ForecastModel(level, report);
        var residualModel = new ForecastModel(residual, report with { ResidualHorizons = ForecastFeatures.Horizons });
        var chosen = new Dictionary<int, TreeEnsemble>();
        var residualHorizons = new List<int>();
        foreach (var h in ForecastFeatures.Horizons)
        {
            var validation = splits.TryGetValue((h, "validation"), out var v) ? v : [];
            var a = levelModel.Evaluate(validation, "validation", "all", h).ModelMae;
            var b = residualModel.Evaluate(validation, "validation", "all", h).ModelMae;
            if (b < a)
            {
                residualHorizons.Add(h);
                chosen[h] = residual[h];
            }
            else
            {
                chosen[h] = level[h];
            }
        }

        var model = new ForecastModel(chosen, report with { ResidualHorizons = residualHorizons });
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

    private static TreeEnsemble Fit(MLContext ml, IEnumerable<TreeModelRow> rows, int seed, int iterations, int threads, int featureCount)
    {
        var trainer = ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
        {
            NumberOfTrees = iterations,
            NumberOfLeaves = 31,
            MinimumExampleCountPerLeaf = 20,
            LearningRate = 0.05,
            NumberOfThreads = threads,
            Seed = seed,
        });
        var fitted = trainer.Fit(ml.Data.LoadFromEnumerable(rows.ToList(), FeeModelTrainer.Schema(featureCount)));
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
