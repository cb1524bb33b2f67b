using System.Globalization;
using System.Text.Json;

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

    /// <summary>Index of the feature that is the persistence baseline of a horizon (the median over the last h hours).</summary>
    public static int PersistenceIndex(int horizonHours) =>
        IndexOf($"p50_median_{horizonHours.ToString(CultureInfo.InvariantCulture)}h");

    private static int IndexOf(string name)
    {
        for (var i = 0; i < Names.Count; i++)
        {
            if (Names[i] == name)
            {
                return i;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(name), name, "no such forecast feature");
    }

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
/// <param name="Trainer">The trainer.</param>
/// <param name="ResidualHorizons">
/// Horizons whose model predicts the change from persistence, ln((1 + future median) / (1 + median of the last h
/// hours)), rather than the level ln(1 + future median); chosen per horizon on the validation split.
/// </param>
/// <param name="Variants">Per horizon (hours), the name of the variant kept (trainer and target).</param>
/// <param name="VariantValidationMae">Validation MAE (all regimes, sat/vB) of every variant tried, keyed "horizon/variant" (none for a horizon without validation origins).</param>
/// <param name="ModelWeights">
/// Per horizon (hours), the weight w of the model in the served forecast w x model + (1 - w) x persistence (the median
/// of the last h hours), which may depend on the persistence value's level (<see cref="ForecastBlend"/>); chosen on the
/// rolling validation origins by the lowest MAE relative to persistence's (see <paramref name="VariantRollingScore"/>);
/// absent: the model alone.
/// </param>
/// <param name="VariantRollingScore">
/// Per "horizon/variant", the criterion of the choice: the mean over rolling validation windows (regime x fold) of the
/// variant's MAE divided by persistence's (floored at 0.1 sat/vB); below 1 beats persistence on average.
/// </param>
/// <param name="RollingValidation">
/// The evidence of the choice: per horizon, fold (split "fold-0.40", "fold-0.55", "fold-0.70"; the last is the
/// validation split) and regime, the MAE of that fold's model of the kept variant, blended as served, next to both
/// baselines.
/// </param>
/// <param name="HeldOutRegime">
/// The regime (its first height) left out of training and of every choice (<c>ml train forecast --hold-out-regime</c>),
/// scored whole by <c>ml evaluate forecast --held-out</c>; null: none.
/// </param>
public sealed record ForecastModelReport(string Kind, IReadOnlyList<string> FeatureNames, int Seed, int Iterations, IReadOnlyList<ForecastMetrics> Metrics, double TrainingSeconds, string Trainer, IReadOnlyList<int>? ResidualHorizons = null, IReadOnlyDictionary<string, string>? Variants = null, IReadOnlyDictionary<string, double>? VariantValidationMae = null, IReadOnlyDictionary<string, ForecastBlend>? ModelWeights = null, IReadOnlyDictionary<string, double>? VariantRollingScore = null, IReadOnlyList<ForecastMetrics>? RollingValidation = null, string? HeldOutRegime = null);

/// <summary>
/// The model's weight against persistence for one horizon: the persistence value p (sat/vB) goes to bucket i = the
/// number of <see cref="Cuts"/> at or below p, whose weight is <see cref="Weights"/>[i].
/// </summary>
/// <param name="Cuts">Ascending persistence cuts, sat/vB (none: one weight).</param>
/// <param name="Weights">One weight (0 .. 1) more than cuts.</param>
public sealed record ForecastBlend(IReadOnlyList<double> Cuts, IReadOnlyList<double> Weights)
{
    /// <summary>The model's weight at a persistence value.</summary>
    public double WeightAt(double persistence) => Weights[FeeCalibration.Bucket(Cuts, persistence)];
}

/// <summary>
/// The block-fee forecast: one boosted-tree regressor per horizon on ln(1 + median rate), trained (by
/// <c>OPSource.ML.Training</c>) on the oldest 70 % of every regime (height range), validated on the next 15 % and
/// tested on the latest 15 %, with a purge of the horizon between splits. Served from the exported tree ensembles.
/// </summary>
public sealed class ForecastModel
{
    /// <summary>The report's file name.</summary>
    public const string ReportFile = "forecast-model.json";

    private const string Retrain = "opsource ml train forecast";

    private readonly IReadOnlyDictionary<int, TreeEnsemble> _trees;

    /// <summary>A model from its per-horizon ensembles and report.</summary>
    public ForecastModel(IReadOnlyDictionary<int, TreeEnsemble> trees, ForecastModelReport report)
    {
        ArgumentNullException.ThrowIfNull(trees);
        ArgumentNullException.ThrowIfNull(report);
        _trees = trees;
        Report = report;
    }

    /// <summary>The training report.</summary>
    public ForecastModelReport Report { get; }

    /// <summary>The same trees with another report.</summary>
    public ForecastModel WithReport(ForecastModelReport report) => new(_trees, report);

    /// <summary>Tree model file of a horizon.</summary>
    public static string TreeFile(string directory, int horizonHours) => Path.Combine(directory, $"forecast-h{horizonHours.ToString(CultureInfo.InvariantCulture)}.trees.json");

    /// <summary>The forecast (sat/vB) for a horizon.</summary>
    public double Predict(float[] features, int horizonHours)
    {
        ArgumentNullException.ThrowIfNull(features);
        var model = _trees.TryGetValue(horizonHours, out var m) ? m : throw new FeeDataException($"forecast: no model for {horizonHours} h (horizons: {string.Join(", ", ForecastFeatures.Horizons)})");
        var score = model.Score(features);
        var persistence = features[ForecastFeatures.PersistenceIndex(horizonHours)];
        var forecast = Report.ResidualHorizons?.Contains(horizonHours) == true
            ? Math.Max(0, ((1 + persistence) * Math.Exp(score)) - 1)
            : Math.Max(0, Math.Exp(score) - 1);
        if (Report.ModelWeights is null || !Report.ModelWeights.TryGetValue(horizonHours.ToString(CultureInfo.InvariantCulture), out var blend))
        {
            return forecast;
        }

        var w = blend.WeightAt(persistence);
        return (w * forecast) + ((1 - w) * Math.Max(0, persistence));
    }

    /// <summary>MAE of the model and both baselines on some origins (rows missing an actual or a baseline are skipped).</summary>
    public ForecastMetrics Evaluate(IReadOnlyList<ForecastExample> rows, string split, string segment, int horizonHours)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var hi = ForecastFeatures.Horizons.ToList().IndexOf(horizonHours);
        var scored = rows.Where(r => !double.IsNaN(r.Actual[hi]) && !double.IsNaN(r.Persistence[hi]) && !double.IsNaN(r.LastWeek[hi]))
            .Select(r => (r, Pred: Predict(r.Features, horizonHours))).ToList();
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

    /// <summary>Writes <c>forecast-h{H}.trees.json</c> per horizon and the report.</summary>
    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        foreach (var (h, trees) in _trees)
        {
            trees.Save(TreeFile(directory, h));
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
            throw new FeeDataException($"forecast model: {path} not found (run: {Retrain})");
        }

        ForecastModelReport? report;
        try
        {
            report = JsonSerializer.Deserialize(File.ReadAllText(path), MlJsonContext.Default.ForecastModelReport);
        }
        catch (JsonException ex)
        {
            throw new FeeDataException($"forecast model: {path} is not a training report ({ex.Message.Split('\n')[0]})");
        }

        if (report?.FeatureNames is null || !report.FeatureNames.SequenceEqual(ForecastFeatures.Names))
        {
            throw new FeeDataException($"forecast model: {path} was trained for other features (retrain: {Retrain})");
        }

        var trees = new Dictionary<int, TreeEnsemble>();
        foreach (var h in ForecastFeatures.Horizons)
        {
            trees[h] = TreeEnsemble.Load(TreeFile(directory, h), ForecastFeatures.Names.Count, Retrain);
        }

        return new ForecastModel(trees, report);
    }
}
