using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OPSource.ML.Fees;

/// <summary>Training settings of the fee model (fixed seed: the same data and settings give the same model).</summary>
/// <param name="Seed">Seed of the trainer.</param>
/// <param name="Iterations">Boosting rounds.</param>
/// <param name="Leaves">Leaves per tree.</param>
/// <param name="LearningRate">Shrinkage.</param>
/// <param name="MinLeaf">Minimum rows per leaf.</param>
/// <param name="Threads">Training threads (from the ML settings).</param>
/// <param name="TrainShare">Oldest share of the time range used for training.</param>
/// <param name="ValidationShare">Next share used for validation (calibration); the latest rest is the held-out test.</param>
/// <param name="Trainer">
/// <see cref="FeeTrainers.FastTree"/> (ML.NET FastTree, squared error), <see cref="FeeTrainers.LightGbm"/> (LightGBM
/// through its C API, squared error or, with <paramref name="QuantileAlphas"/>, its quantile objective) or
/// <see cref="FeeTrainers.MlNetLightGbm"/> (ML.NET's LightGBM wrapper, squared error) or <see cref="FeeTrainers.Auto"/>
/// (per target, the best of the first two and the quantile objective on the validation split).
/// </param>
/// <param name="QuantileAlphas">
/// LightGBM and auto only: the quantiles to try; one model per target and quantile is trained and, per target, the one that
/// does best on the validation split after calibration is kept (<see cref="FeeModelReport.QuantileAlphas"/>).
/// </param>
/// <param name="Calibration">
/// <see cref="FeeCalibrationModes.Offset"/> (one offset per target), <see cref="FeeCalibrationModes.Terciles"/> (one
/// offset per tercile of the raw score, balanced margins), <see cref="FeeCalibrationModes.Budget"/> (one offset per
/// tercile, the overpayment budget spent on safety) or <see cref="FeeCalibrationModes.Auto"/> (per target, the mode
/// that carries the goal best from a calibration week to the next, over three weeks).
/// </param>
public sealed record FeeTrainOptions(int Seed = 42, int Iterations = 100, int Leaves = 31, double LearningRate = 0.05, int MinLeaf = 20, int Threads = 1, double TrainShare = 0.7, double ValidationShare = 0.15, string Trainer = FeeTrainers.FastTree, IReadOnlyList<double>? QuantileAlphas = null, string Calibration = FeeCalibrationModes.Offset);

/// <summary>How the fee model's raw scores are calibrated on the validation split (<see cref="FeeTrainOptions.Calibration"/>).</summary>
public static class FeeCalibrationModes
{
    /// <summary>One additive offset per target: among those meeting the goal on validation, the highest hit rate.</summary>
    public const string Offset = "offset";

    /// <summary>
    /// One additive offset per tercile of the raw score (cuts at the validation scores' terciles), chosen together to
    /// maximise the smaller of two margins on validation: hit rate above mempool.space's, and the share of hits paying
    /// at most mempool.space's median overpayment above one half (the median's margin).
    /// </summary>
    public const string Terciles = "terciles";

    /// <summary>
    /// One additive offset per tercile of the raw score, chosen to spend the overpayment budget on safety: among the
    /// offsets where more than <see cref="BudgetShare"/> of the hits pay at most the budget (mempool.space's median
    /// overpayment over the fit's training rows, a longer and steadier estimate than one week's), the highest hit rate,
    /// then the highest hit rate against a need one sat/vB higher (robustness to a rise in the need), then the cheapest.
    /// </summary>
    public const string Budget = "budget";

    /// <summary>
    /// <see cref="Budget"/>: the share of hits that must pay at most the budget (above one half, the median's bound, by a
    /// safety margin so that the median stays within the budget when the next week's needs shift).
    /// </summary>
    public const double BudgetShare = 0.6;

    /// <summary>
    /// Per target, the mode that meets the goal by the largest mean margin when fitted on a calibration week (models
    /// trained on the data before it) and measured on the next week, over three such weeks: the last measured on the
    /// validation week, the two before on weeks of the train split.
    /// </summary>
    public const string Auto = "auto";

    /// <summary>Every mode.</summary>
    public static IReadOnlyList<string> All { get; } = [Auto, Offset, Terciles, Budget];
}

/// <summary>
/// The calibration of one target: the raw score (ln rate) goes to the bucket <c>i</c> = number of <see cref="Cuts"/> at
/// or below it, and <see cref="Offsets"/>[i] is added. One offset and no cuts is the plain offset calibration.
/// </summary>
/// <param name="Cuts">Ascending raw-score cuts.</param>
/// <param name="Offsets">One offset more than cuts.</param>
public sealed record FeeCalibration(IReadOnlyList<double> Cuts, IReadOnlyList<double> Offsets)
{
    /// <summary>The offset for a raw score.</summary>
    public double OffsetFor(double score) => Offsets[Bucket(Cuts, score)];

    /// <summary>The bucket of a value between ascending cuts: the number of cuts at or below it.</summary>
    public static int Bucket(IReadOnlyList<double> cuts, double value)
    {
        ArgumentNullException.ThrowIfNull(cuts);
        var i = 0;
        while (i < cuts.Count && value >= cuts[i])
        {
            i++;
        }

        return i;
    }

    /// <summary>Null when sound (finite, ascending cuts, one offset more than cuts), else the problem.</summary>
    public string? Problem() =>
        Offsets is null || Cuts is null || Offsets.Count != Cuts.Count + 1 ? "needs one offset more than cuts"
        : Cuts.Concat(Offsets).Any(v => !double.IsFinite(v)) ? "has a non-finite value"
        : Cuts.Zip(Cuts.Skip(1)).Any(p => p.Second < p.First) ? "has cuts out of order"
        : null;
}

/// <summary>Names of the fee model's trainers (<see cref="FeeTrainOptions.Trainer"/>).</summary>
public static class FeeTrainers
{
    /// <summary>ML.NET FastTree on ln(needed rate), squared error.</summary>
    public const string FastTree = "fasttree";

    /// <summary>LightGBM (C API) on ln(needed rate): squared error, or the quantile objective.</summary>
    public const string LightGbm = "lightgbm";

    /// <summary>ML.NET's LightGBM wrapper on ln(needed rate), squared error.</summary>
    public const string MlNetLightGbm = "mlnet-lightgbm";

    /// <summary>
    /// Per target, the best on the validation split of FastTree, LightGBM (squared error) and LightGBM's quantile
    /// objective at each of <see cref="FeeTrainOptions.QuantileAlphas"/> (default <see cref="DefaultQuantiles"/>).
    /// </summary>
    public const string Auto = "auto";

    /// <summary>Every trainer.</summary>
    public static IReadOnlyList<string> All { get; } = [Auto, FastTree, LightGbm, MlNetLightGbm];

    /// <summary>The quantiles <see cref="Auto"/> tries when none are given.</summary>
    public static IReadOnlyList<double> DefaultQuantiles { get; } = [0.5, 0.6, 0.7, 0.8, 0.9];
}

/// <summary>Metrics of one target on one split: the model and mempool.space's recommendation on the same rows.</summary>
/// <param name="Target">Confirmation target, blocks.</param>
/// <param name="Model">The model's hit rate and overpayment.</param>
/// <param name="MempoolSpace">mempool.space's on the same rows (null where the rows have no recommendation).</param>
public sealed record TargetMetrics(int Target, HitMetrics Model, HitMetrics? MempoolSpace);

/// <summary>Metrics of one split.</summary>
/// <param name="Split">train, validation, test or all.</param>
/// <param name="From">First row time (RFC 3339).</param>
/// <param name="To">Last row time (RFC 3339).</param>
/// <param name="Rows">Rows in the split.</param>
/// <param name="Targets">Per target.</param>
public sealed record SplitMetrics(string Split, string? From, string? To, int Rows, IReadOnlyList<TargetMetrics> Targets);

/// <summary>The training report written next to the model files (<c>fee-model.json</c>).</summary>
/// <param name="Kind">"fee".</param>
/// <param name="SchemaId">Feature schema id (<see cref="FeeFeatures.SchemaId"/>).</param>
/// <param name="FeatureNames">Features in vector order.</param>
/// <param name="Options">Training settings.</param>
/// <param name="Offsets">Calibration offset per target (added to the log-rate score), chosen on the validation split.</param>
/// <param name="Splits">Metrics per split.</param>
/// <param name="TrainingSeconds">Wall time of training.</param>
/// <param name="TestFrom">Unix time where the held-out test split starts.</param>
/// <param name="Trainer">The trainer and objective.</param>
/// <param name="QuantileAlphas">Per target, the quantile of the kept model (LightGBM quantile objective only).</param>
/// <param name="Trainers">Per target, the trainer (and quantile) of the kept model.</param>
/// <param name="Calibrations">
/// Per target, a score-dependent calibration that replaces the target's entry of <paramref name="Offsets"/> (which then
/// holds the offset of its middle bucket, for reading only); absent for targets calibrated by one offset.
/// </param>
/// <param name="CalibrationCheck">
/// Per target and mode, the mean margin by which the mode met the goal on the week after its calibration week, over the
/// windows of the check (<see cref="FeeCalibrationModes.Auto"/> only; negative: missed).
/// </param>
/// <param name="CalibrationModes">Per target, the calibration mode used (<see cref="FeeCalibrationModes"/>).</param>
/// <param name="CalibrationCheckWindows">
/// Per target and mode, the margin in each window of the check (latest first: measured on the validation week, then on
/// earlier weeks of the train split); <paramref name="CalibrationCheck"/> holds their mean.
/// </param>
public sealed record FeeModelReport(string Kind, string SchemaId, IReadOnlyList<string> FeatureNames, FeeTrainOptions Options, IReadOnlyDictionary<string, double> Offsets, IReadOnlyList<SplitMetrics> Splits, double TrainingSeconds, long TestFrom, string Trainer, IReadOnlyDictionary<string, double>? QuantileAlphas = null, IReadOnlyDictionary<string, string>? Trainers = null, IReadOnlyDictionary<string, FeeCalibration>? Calibrations = null, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>? CalibrationCheck = null, IReadOnlyDictionary<string, string>? CalibrationModes = null, IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<double>>>? CalibrationCheckWindows = null)
{
    /// <summary>The calibration of a target: its entry of <see cref="Calibrations"/>, else its one offset.</summary>
    public FeeCalibration CalibrationFor(int target)
    {
        var key = target.ToString(CultureInfo.InvariantCulture);
        return Calibrations is not null && Calibrations.TryGetValue(key, out var c) ? c : new FeeCalibration([], [Offsets[key]]);
    }
}

/// <summary>
/// The fee-rate model: one boosted-tree regressor per target on ln(needed rate) (trained by ML.NET in
/// <c>OPSource.ML.Training</c>), calibrated on the validation split by an additive offset so that its hit rate is at
/// least mempool.space's there (<see cref="FeeLabels"/> defines "needed"). Served in-process from the exported tree
/// ensembles (<see cref="TreeEnsemble"/>, no ML.NET at run time, so the Native AOT hosts serve it too).
/// </summary>
public sealed class FeeModel
{
    /// <summary>The report's file name inside the model directory.</summary>
    public const string ReportFile = "fee-model.json";

    private const string Retrain = "opsource ml train fee";

    private readonly IReadOnlyDictionary<int, TreeEnsemble> _trees;

    /// <summary>A model from its per-target ensembles and report.</summary>
    public FeeModel(IReadOnlyDictionary<int, TreeEnsemble> trees, FeeModelReport report)
    {
        ArgumentNullException.ThrowIfNull(trees);
        ArgumentNullException.ThrowIfNull(report);
        _trees = trees;
        Report = report;
    }

    /// <summary>The training report.</summary>
    public FeeModelReport Report { get; }

    /// <summary>Tree model file of a target inside a model directory.</summary>
    public static string TreeFile(string directory, int target) => Path.Combine(directory, $"fee-t{target.ToString(CultureInfo.InvariantCulture)}.trees.json");

    /// <summary>ONNX file of a target inside a model directory (written by <c>opsource ml train fee --onnx</c>).</summary>
    public static string OnnxFile(string directory, int target) => Path.Combine(directory, $"fee-t{target.ToString(CultureInfo.InvariantCulture)}.onnx");

    /// <summary>The same trees with another report (calibration offsets, metrics).</summary>
    public FeeModel WithReport(FeeModelReport report) => new(_trees, report);

    /// <summary>
    /// A score (ln rate) as a fee rate in whole sat/vB, at least the relay floor: the resolution of the labels (Core's
    /// getblockstats truncates rates to whole sat/vB) and of mempool.space's recommendations. Against a whole-number
    /// need, a fraction above a whole number buys no hit, so the rate is rounded down.
    /// </summary>
    public static double ToRate(double score) => Math.Max(FeeLabels.MinRelaySatVb, Math.Floor(Math.Exp(score) + 1e-9));

    /// <summary>The raw score (ln rate, before calibration) for a feature vector.</summary>
    public double Score(float[] features, int target)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Length != FeeFeatures.Count)
        {
            throw new FeeDataException($"fee model: {features.Length} features, the schema has {FeeFeatures.Count}");
        }

        var trees = _trees.TryGetValue(target, out var t) ? t : throw new FeeDataException($"fee model: no model for target {target} (targets: {string.Join(", ", FeeLabels.Targets)})");
        return trees.Score(features);
    }

    /// <summary>The predicted fee rate (sat/vB) for a target.</summary>
    public double Predict(float[] features, int target)
    {
        var score = Score(features, target);
        return ToRate(score + Report.CalibrationFor(target).OffsetFor(score));
    }

    /// <summary>Metrics of the model (and mempool.space where the rows have it) on any joined rows.</summary>
    public SplitMetrics Evaluate(IReadOnlyList<FeeExample> rows, string split)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var targets = new List<TargetMetrics>();
        for (var k = 0; k < FeeLabels.Targets.Count; k++)
        {
            var target = FeeLabels.Targets[k];
            var labelled = rows.Where(e => e.Needed[k] is not null).ToList();
            var model = FeeMetrics.Hits(labelled.Select(e => (Predict(e.Features, target), (double)e.Needed[k]!.Value)));
            var withRec = labelled.Where(e => e.Recommended is not null).ToList();
            HitMetrics? baseline = null;
            if (withRec.Count > 0)
            {
                baseline = FeeMetrics.Hits(withRec.Select(e => (e.Recommended!.ForTarget(target), (double)e.Needed[k]!.Value)));
                if (withRec.Count != labelled.Count)
                {
                    model = FeeMetrics.Hits(withRec.Select(e => (Predict(e.Features, target), (double)e.Needed[k]!.Value)));
                }
            }

            targets.Add(new TargetMetrics(target, model, baseline));
        }

        return new SplitMetrics(split, rows.Count > 0 ? Rfc3339(rows.Min(r => r.Time)) : null, rows.Count > 0 ? Rfc3339(rows.Max(r => r.Time)) : null, rows.Count, targets);
    }

    internal static string Rfc3339(long unix) => DateTimeOffset.FromUnixTimeSeconds(unix).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Writes each target's tree file and the training report into <paramref name="directory"/>.</summary>
    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        foreach (var (target, trees) in _trees)
        {
            trees.Save(TreeFile(directory, target));
        }

        File.WriteAllText(Path.Combine(directory, ReportFile), JsonSerializer.Serialize(Report, MlJsonContext.Default.FeeModelReport));
    }

    /// <summary>Loads a model directory; refuses one trained for another feature schema or with a damaged tree file.</summary>
    public static FeeModel Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var report = ReadReport(directory);
        var trees = new Dictionary<int, TreeEnsemble>();
        foreach (var target in FeeLabels.Targets)
        {
            trees[target] = TreeEnsemble.Load(TreeFile(directory, target), FeeFeatures.Count, Retrain);
        }

        return new FeeModel(trees, report);
    }

    /// <summary>Reads and checks a model directory's report (schema id and offsets).</summary>
    public static FeeModelReport ReadReport(string directory)
    {
        var path = Path.Combine(directory, ReportFile);
        if (!File.Exists(path))
        {
            throw new FeeDataException($"fee model: {path} not found (run: {Retrain})");
        }

        FeeModelReport? report;
        try
        {
            report = JsonSerializer.Deserialize(File.ReadAllText(path), MlJsonContext.Default.FeeModelReport);
        }
        catch (JsonException ex)
        {
            throw new FeeDataException($"fee model: {path} is not a training report ({ex.Message.Split('\n')[0]})");
        }

        if (report is null || report.SchemaId != FeeFeatures.SchemaId)
        {
            throw new FeeDataException($"fee model: {path} was trained for feature schema '{report?.SchemaId}', this build computes '{FeeFeatures.SchemaId}' (retrain: {Retrain})");
        }

        if (FeeLabels.Targets.Any(t => report.Offsets is null || !report.Offsets.ContainsKey(t.ToString(CultureInfo.InvariantCulture))))
        {
            throw new FeeDataException($"fee model: {path} lacks a calibration offset for a target");
        }

        foreach (var (target, calibration) in report.Calibrations ?? new Dictionary<string, FeeCalibration>())
        {
            if (calibration?.Problem() is { } problem)
            {
                throw new FeeDataException($"fee model: {path}: the calibration of target {target} {problem} (retrain: {Retrain})");
            }
        }

        return report;
    }
}

/// <summary>Source-generated JSON of the ML reports (snake_case, Native AOT safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(FeeModelReport))]
[JsonSerializable(typeof(FeeCalibration))]
[JsonSerializable(typeof(ForecastBlend))]
[JsonSerializable(typeof(ForecastModelReport))]
[JsonSerializable(typeof(SplitMetrics))]
[JsonSerializable(typeof(List<ForecastMetrics>))]
[JsonSerializable(typeof(FeePredictionSet))]
[JsonSerializable(typeof(TreeEnsemble))]
public sealed partial class MlJsonContext : JsonSerializerContext;
