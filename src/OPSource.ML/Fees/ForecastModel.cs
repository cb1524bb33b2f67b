using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace OPSource.ML.Fees;

/// <summary>One forecast origin: features known at <see cref="Time"/>, the realised median and both baselines per horizon.</summary>
/// <param name="Time">Origin (a whole hour), unix seconds.</param>
/// <param name="Segment">Index of the contiguous height range (fee regime) it lies in.</param>
/// <param name="Features">Feature vector (<see cref="ForecastFeatures.Names"/>).</param>
/// <param name="Actual">Median of the blocks' median fee rate over the next h hours, per horizon.</param>
/// <param name="Persistence">Baseline: the same median over the last h hours.</param>
/// <param name="LastWeek">Baseline: the realised value of the window that started one week earlier.</param>
public sealed record ForecastExample(long Time, int Segment, float[] Features, double[] Actual, double[] Persistence, double[] LastWeek);

/// <summary>Features and examples of the block-fee forecast (median fee rate of blocks over the next 6, 24 and 144 hours).</summary>
public static class ForecastFeatures
{
    /// <summary>Horizons, hours.</summary>
    public static IReadOnlyList<int> Horizons { get; } = [6, 24, 144];

    private static readonly int[] Windows = [1, 3, 6, 12, 24, 72, 144, 168];

    /// <summary>Feature names in vector order.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        .. Windows.Select(w => $"p50_median_{w}h"),
        "p10_median_24h", "p90_median_24h", "needed_median_24h", "fullness_mean_24h", "blocks_24h", "minutes_since_last_block",
        .. Horizons.Select(h => $"last_week_{h}h"),
        "hour_sin", "hour_cos", "week_sin", "week_cos", "difficulty_progress",
    ];

    /// <summary>The examples of every hour in the history with a full week of past and the longest horizon of future.</summary>
    public static IReadOnlyList<ForecastExample> Build(BlockHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var blocks = history.Blocks;
        var examples = new List<ForecastExample>();
        var segment = 0;
        var start = 0;
        for (var i = 1; i <= blocks.Count; i++)
        {
            if (i == blocks.Count || blocks[i].Height != blocks[i - 1].Height + 1)
            {
                var first = blocks[start].Time;
                var last = blocks[i - 1].Time;
                var maxH = Horizons.Max() * 3600L;
                for (var t = ((first + (7 * 86_400)) / 3600 * 3600) + 3600; t + maxH <= last; t += 3600)
                {
                    examples.Add(At(history, t, segment, start, i));
                }

                segment++;
                start = i;
            }
        }

        return examples;
    }

    /// <summary>The features (and, when the future is in <paramref name="history"/>, the actuals) at one origin.</summary>
    public static ForecastExample At(BlockHistory history, long t, int segment, int segmentStart, int segmentEnd)
    {
        ArgumentNullException.ThrowIfNull(history);
        var blocks = history.Blocks;
        var next = Math.Min(history.NextIndex(t), segmentEnd);
        IEnumerable<BlockRow> Window(long from, long to)
        {
            var a = Math.Max(segmentStart, history.NextIndex(from));
            var b = Math.Min(segmentEnd, history.NextIndex(to));
            for (var i = a; i < b; i++)
            {
                yield return blocks[i];
            }
        }

        static double MedianP50(IEnumerable<BlockRow> w) => FeeMetrics.Median(w.Select(b => (double)b.P50));
        var f = new List<float>();
        foreach (var w in Windows)
        {
            f.Add(Nz(MedianP50(Window(t - (w * 3600L), t))));
        }

        var day = Window(t - 86_400, t).ToList();
        f.Add(Nz(FeeMetrics.Median(day.Select(b => (double)b.P10))));
        f.Add(Nz(FeeMetrics.Median(day.Select(b => (double)b.P90))));
        f.Add(Nz(FeeMetrics.Median(day.Select(b => (double)FeeLabels.NeededRate(b)))));
        f.Add(day.Count == 0 ? 0 : (float)day.Average(b => b.TotalWeight / 4e6));
        f.Add(day.Count);
        f.Add(next > segmentStart ? Math.Max(0, t - blocks[next - 1].Time) / 60f : 0);
        var lastWeek = Horizons.Select(h => MedianP50(Window(t - (7 * 86_400), t - (7 * 86_400) + (h * 3600L)))).ToArray();
        f.AddRange(lastWeek.Select(Nz));
        var when = DateTimeOffset.FromUnixTimeSeconds(t);
        f.Add((float)Math.Sin(2 * Math.PI * when.Hour / 24));
        f.Add((float)Math.Cos(2 * Math.PI * when.Hour / 24));
        var week = (int)when.DayOfWeek + (when.Hour / 24.0);
        f.Add((float)Math.Sin(2 * Math.PI * week / 7));
        f.Add((float)Math.Cos(2 * Math.PI * week / 7));
        f.Add(next > segmentStart ? ((blocks[next - 1].Height + 1) % 2016) / 2016f : 0);
        var actual = Horizons.Select(h => MedianP50(Window(t, t + (h * 3600L)))).ToArray();
        var persistence = Horizons.Select(h => MedianP50(Window(t - (h * 3600L), t))).ToArray();
        return new ForecastExample(t, segment, [.. f], actual, persistence, lastWeek);
    }

    private static float Nz(double v) => double.IsNaN(v) ? 0 : (float)v;
}

/// <summary>MAE of the forecast and both baselines on one split of one regime and horizon.</summary>
/// <param name="Split">train, validation or test.</param>
/// <param name="Segment">Regime (first block height of the range) or "all".</param>
/// <param name="HorizonHours">Horizon.</param>
/// <param name="Rows">Origins scored.</param>
/// <param name="From">First origin.</param>
/// <param name="To">Last origin.</param>
/// <param name="ModelMae">Model MAE, sat/vB.</param>
/// <param name="PersistenceMae">Persistence baseline MAE.</param>
/// <param name="LastWeekMae">Same-hour-last-week baseline MAE.</param>
public sealed record ForecastMetrics(string Split, string Segment, int HorizonHours, int Rows, string? From, string? To, double ModelMae, double PersistenceMae, double LastWeekMae);

/// <summary>The forecast's training report (<c>forecast-model.json</c>).</summary>
/// <param name="Kind">"forecast".</param>
/// <param name="FeatureNames">Features.</param>
/// <param name="Seed">Seed.</param>
/// <param name="Iterations">Trees.</param>
/// <param name="Metrics">Per split, regime and horizon.</param>
/// <param name="TrainingSeconds">Wall time.</param>
/// <param name="Trainer">The ML.NET trainer.</param>
public sealed record ForecastModelReport(string Kind, IReadOnlyList<string> FeatureNames, int Seed, int Iterations, IReadOnlyList<ForecastMetrics> Metrics, double TrainingSeconds, string Trainer);

/// <summary>
/// The block-fee forecast: one FastTree regressor per horizon on ln(1 + median rate), trained on the oldest 70 % of
/// every regime (height range), validated on the next 15 % and tested on the latest 15 %, with a purge of the horizon
/// between splits.
/// </summary>
public sealed class ForecastModel
{
    /// <summary>The report's file name.</summary>
    public const string ReportFile = "forecast-model.json";

    private readonly MLContext _ml;
    private readonly Dictionary<int, ITransformer> _models;

    private ForecastModel(MLContext ml, Dictionary<int, ITransformer> models, ForecastModelReport report)
    {
        _ml = ml;
        _models = models;
        Report = report;
    }

    /// <summary>The training report.</summary>
    public ForecastModelReport Report { get; private set; }

    private static SchemaDefinition Schema()
    {
        var schema = SchemaDefinition.Create(typeof(FeeModelRow));
        schema[nameof(FeeModelRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, ForecastFeatures.Names.Count);
        return schema;
    }

    /// <summary>Trains and reports; <paramref name="segmentNames"/> names each segment (its first height).</summary>
    public static ForecastModel Train(IReadOnlyList<ForecastExample> examples, IReadOnlyList<string> segmentNames, int seed, int iterations, int threads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(segmentNames);
        var watch = Stopwatch.StartNew();
        var ml = new MLContext(seed);
        var models = new Dictionary<int, ITransformer>();
        var splits = new Dictionary<(int Horizon, string Split), List<ForecastExample>>();
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
            var rows = train.Where(e => !double.IsNaN(e.Actual[hi])).Select(e => new FeeModelRow { Features = e.Features, Label = (float)Math.Log(1 + e.Actual[hi]) }).ToList();
            if (rows.Count < 50)
            {
                throw new FeeDataException($"forecast model: too few hourly origins to train ({rows.Count}); give at least two weeks of contiguous blocks");
            }

            var trainer = ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
            {
                NumberOfTrees = iterations,
                NumberOfLeaves = 31,
                MinimumExampleCountPerLeaf = 20,
                LearningRate = 0.05,
                NumberOfThreads = threads,
                Seed = seed,
            });
            models[h] = trainer.Fit(ml.Data.LoadFromEnumerable(rows, Schema()));
        }

        var model = new ForecastModel(ml, models, null!);
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

        model.Report = new ForecastModelReport("forecast", ForecastFeatures.Names, seed, iterations, metrics, Math.Round(watch.Elapsed.TotalSeconds, 3), "Microsoft.ML FastTreeRegressionTrainer (ln(1 + median rate))");
        return model;
    }

    private static void Add(Dictionary<(int, string), List<ForecastExample>> d, (int, string) key, List<ForecastExample> rows)
    {
        if (!d.TryGetValue(key, out var list))
        {
            d[key] = list = [];
        }

        list.AddRange(rows);
    }

    /// <summary>The forecast (sat/vB) for a horizon.</summary>
    public double Predict(float[] features, int horizonHours)
    {
        ArgumentNullException.ThrowIfNull(features);
        var model = _models.TryGetValue(horizonHours, out var m) ? m : throw new FeeDataException($"forecast: no model for {horizonHours} h (horizons: {string.Join(", ", ForecastFeatures.Horizons)})");
        using var engine = _ml.Model.CreatePredictionEngine<FeeModelRow, FeeModelScore>(model, inputSchemaDefinition: Schema());
        return Math.Max(0, Math.Exp(engine.Predict(new FeeModelRow { Features = features }).Score) - 1);
    }

    /// <summary>MAE of the model and both baselines on some origins (rows missing an actual or a baseline are skipped).</summary>
    public ForecastMetrics Evaluate(IReadOnlyList<ForecastExample> rows, string split, string segment, int horizonHours)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var hi = ForecastFeatures.Horizons.ToList().IndexOf(horizonHours);
        var model = _models[horizonHours];
        using var engine = _ml.Model.CreatePredictionEngine<FeeModelRow, FeeModelScore>(model, inputSchemaDefinition: Schema());
        var scored = rows.Where(r => !double.IsNaN(r.Actual[hi]) && !double.IsNaN(r.Persistence[hi]) && !double.IsNaN(r.LastWeek[hi]))
            .Select(r => (r, Pred: Math.Max(0, Math.Exp(engine.Predict(new FeeModelRow { Features = r.Features }).Score) - 1))).ToList();
        return new ForecastMetrics(
            split,
            segment,
            horizonHours,
            scored.Count,
            scored.Count > 0 ? FeeModel.Rfc3339(scored.Min(s => s.r.Time)) : null,
            scored.Count > 0 ? FeeModel.Rfc3339(scored.Max(s => s.r.Time)) : null,
            Math.Round(FeeMetrics.MeanAbsoluteError(scored.Select(s => (s.Pred, s.r.Actual[hi]))), 3),
            Math.Round(FeeMetrics.MeanAbsoluteError(scored.Select(s => (s.r.Persistence[hi], s.r.Actual[hi]))), 3),
            Math.Round(FeeMetrics.MeanAbsoluteError(scored.Select(s => (s.r.LastWeek[hi], s.r.Actual[hi]))), 3));
    }

    /// <summary>Writes <c>forecast-h{H}.zip</c> per horizon and the report.</summary>
    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        foreach (var (h, transformer) in _models)
        {
            using var stream = File.Create(Path.Combine(directory, $"forecast-h{h.ToString(CultureInfo.InvariantCulture)}.zip"));
            _ml.Model.Save(transformer, _ml.Data.LoadFromEnumerable(Array.Empty<FeeModelRow>(), Schema()).Schema, stream);
        }

        File.WriteAllText(Path.Combine(directory, ReportFile), JsonSerializer.Serialize(Report, MlJsonContext.Default.ForecastModelReport));
    }

    /// <summary>Loads a forecast directory.</summary>
    public static ForecastModel Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var path = Path.Combine(directory, ReportFile);
        if (!File.Exists(path))
        {
            throw new FeeDataException($"forecast model: {path} not found (run: opsource ml train forecast)");
        }

        var report = JsonSerializer.Deserialize(File.ReadAllText(path), MlJsonContext.Default.ForecastModelReport)
            ?? throw new FeeDataException($"forecast model: {path} is empty");
        if (!report.FeatureNames.SequenceEqual(ForecastFeatures.Names))
        {
            throw new FeeDataException($"forecast model: {path} was trained for other features (retrain: opsource ml train forecast)");
        }

        var ml = new MLContext(report.Seed);
        var models = new Dictionary<int, ITransformer>();
        foreach (var h in ForecastFeatures.Horizons)
        {
            using var stream = File.OpenRead(Path.Combine(directory, $"forecast-h{h.ToString(CultureInfo.InvariantCulture)}.zip"));
            models[h] = ml.Model.Load(stream, out _);
        }

        return new ForecastModel(ml, models, report);
    }
}
