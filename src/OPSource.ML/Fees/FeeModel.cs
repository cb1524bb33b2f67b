using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace OPSource.ML.Fees;

/// <summary>Training settings of the fee model (fixed seed: the same data and settings give the same model).</summary>
/// <param name="Seed">Seed of ML.NET and LightGBM.</param>
/// <param name="Iterations">Boosting rounds.</param>
/// <param name="Leaves">Leaves per tree.</param>
/// <param name="LearningRate">Shrinkage.</param>
/// <param name="MinLeaf">Minimum rows per leaf.</param>
/// <param name="Threads">Training threads (from the ML settings).</param>
/// <param name="TrainShare">Oldest share of the time range used for training.</param>
/// <param name="ValidationShare">Next share used for validation (calibration); the latest rest is the held-out test.</param>
public sealed record FeeTrainOptions(int Seed = 42, int Iterations = 100, int Leaves = 31, double LearningRate = 0.05, int MinLeaf = 20, int Threads = 1, double TrainShare = 0.7, double ValidationShare = 0.15);

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
/// <param name="Trainer">The ML.NET trainer.</param>
public sealed record FeeModelReport(string Kind, string SchemaId, IReadOnlyList<string> FeatureNames, FeeTrainOptions Options, IReadOnlyDictionary<string, double> Offsets, IReadOnlyList<SplitMetrics> Splits, double TrainingSeconds, long TestFrom, string Trainer);

/// <summary>The fee model's row in ML.NET.</summary>
public sealed class FeeModelRow
{
    /// <summary>Features (fixed length <see cref="FeeFeatures.Count"/>).</summary>
    public float[] Features { get; set; } = [];

    /// <summary>Label: ln of the needed rate.</summary>
    public float Label { get; set; }
}

/// <summary>ML.NET's output row.</summary>
public sealed class FeeModelScore
{
    /// <summary>The regression score.</summary>
    public float Score { get; set; }
}

/// <summary>
/// The fee-rate model: one boosted-tree regressor (ML.NET FastTree) per target on ln(needed rate), calibrated on the validation split by an
/// additive offset so that its hit rate is at least mempool.space's there (<see cref="FeeLabels"/> defines "needed").
/// Served in-process (ML.NET prediction engines) or through ONNX Runtime (<see cref="OnnxFeeModel"/>).
/// </summary>
public sealed class FeeModel : IDisposable
{
    /// <summary>The report's file name inside the model directory.</summary>
    public const string ReportFile = "fee-model.json";

    private readonly MLContext _ml;
    private readonly Dictionary<int, ITransformer> _models;
    private readonly Dictionary<int, PredictionEngine<FeeModelRow, FeeModelScore>> _engines = [];
    private readonly Lock _lock = new();

    private FeeModel(MLContext ml, Dictionary<int, ITransformer> models, FeeModelReport report)
    {
        _ml = ml;
        _models = models;
        Report = report;
    }

    /// <summary>The training report.</summary>
    public FeeModelReport Report { get; private set; }

    /// <summary>Model file of a target inside a model directory.</summary>
    public static string ModelFile(string directory, int target) => Path.Combine(directory, $"fee-t{target.ToString(CultureInfo.InvariantCulture)}.zip");

    /// <summary>ONNX file of a target inside a model directory.</summary>
    public static string OnnxFile(string directory, int target) => Path.Combine(directory, $"fee-t{target.ToString(CultureInfo.InvariantCulture)}.onnx");

    internal static SchemaDefinition Schema()
    {
        var schema = SchemaDefinition.Create(typeof(FeeModelRow));
        schema[nameof(FeeModelRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, FeeFeatures.Count);
        return schema;
    }

    /// <summary>Trains on the chronological train split, calibrates on validation, reports every split.</summary>
    public static FeeModel Train(IReadOnlyList<FeeExample> examples, FeeTrainOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(options);
        var watch = Stopwatch.StartNew();
        var sorted = examples.OrderBy(e => e.Time).ToList();
        // Purge one day between splits: the 144-block label of a row reaches about a day ahead.
        var (train, validation, test) = FeeMetrics.SplitByTime(sorted, e => e.Time, options.TrainShare, options.ValidationShare, 86_400);
        if (train.Count < 50 || validation.Count < 10)
        {
            throw new FeeDataException($"fee model: too few joined rows to train ({train.Count} train, {validation.Count} validation); give more snapshots with the blocks after them");
        }

        var ml = new MLContext(options.Seed);
        var models = new Dictionary<int, ITransformer>();
        var offsets = new Dictionary<string, double>();
        var model = new FeeModel(ml, models, null!);
        for (var k = 0; k < FeeLabels.Targets.Count; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var target = FeeLabels.Targets[k];
            var rows = train.Where(e => e.Needed[k] is not null).Select(e => new FeeModelRow { Features = e.Features, Label = (float)Math.Log(e.Needed[k]!.Value) }).ToList();
            var data = ml.Data.LoadFromEnumerable(rows, Schema());
            // FastTree rather than LightGBM: ML.NET 6's LightGBM wrapper fails on a single-leaf tree, which a
            // near-constant label (the 144-block rate in a calm mempool) produces.
            var trainer = ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
            {
                NumberOfTrees = options.Iterations,
                NumberOfLeaves = options.Leaves,
                LearningRate = options.LearningRate,
                MinimumExampleCountPerLeaf = options.MinLeaf,
                NumberOfThreads = options.Threads,
                Seed = options.Seed,
            });
            models[target] = trainer.Fit(data);
        }

        model.Report = new FeeModelReport("fee", FeeFeatures.SchemaId, FeeFeatures.Names, options, offsets, [], 0, test.Count > 0 ? test[0].Time : long.MaxValue, "Microsoft.ML FastTreeRegressionTrainer (ln needed rate)");
        foreach (var target in FeeLabels.Targets)
        {
            offsets[target.ToString(CultureInfo.InvariantCulture)] = 0;
        }

        for (var k = 0; k < FeeLabels.Targets.Count; k++)
        {
            var target = FeeLabels.Targets[k];
            var scores = validation.Where(e => e.Needed[k] is not null).Select(e => (Score: model.Score(e.Features, target), Needed: (double)e.Needed[k]!.Value, e.Recommended)).ToList();
            offsets[target.ToString(CultureInfo.InvariantCulture)] = Calibrate(scores, target);
        }

        var splits = new List<SplitMetrics> { model.Evaluate(train, "train"), model.Evaluate(validation, "validation"), model.Evaluate(test, "test") };
        model.Report = model.Report with { Offsets = offsets, Splits = splits, TrainingSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3) };
        return model;
    }

    /// <summary>
    /// The offset on the validation rows: the smallest that reaches mempool.space's hit rate there (or 95 % where the
    /// rows carry no recommendation); overpayment grows with the offset, so this is the cheapest one that matches it.
    /// </summary>
    private static double Calibrate(List<(double Score, double Needed, MempoolRecommendation? Rec)> rows, int target)
    {
        if (rows.Count == 0)
        {
            return 0;
        }

        var withRec = rows.Where(r => r.Rec is not null).ToList();
        var goal = withRec.Count > 0 ? FeeMetrics.Hits(withRec.Select(r => (r.Rec!.ForTarget(target), r.Needed))).HitRate : 0.95;
        for (var offset = -1.0; offset <= 3.0; offset += 0.005)
        {
            var o = offset;
            if (FeeMetrics.Hits(rows.Select(r => (ToRate(r.Score + o), r.Needed))).HitRate >= goal)
            {
                return Math.Round(offset, 3);
            }
        }

        return 3.0;
    }

    /// <summary>
    /// A score (ln rate) as a fee rate in whole sat/vB, at least the relay floor: the resolution of the labels (Core's
    /// getblockstats truncates rates to whole sat/vB) and of mempool.space's recommendations. Against a whole-number
    /// need, a fraction above a whole number buys no hit, so the rate is rounded down.
    /// </summary>
    internal static double ToRate(double score) => Math.Max(FeeLabels.MinRelaySatVb, Math.Floor(Math.Exp(score) + 1e-9));

    /// <summary>The raw score (ln rate, before calibration) for a feature vector.</summary>
    public double Score(float[] features, int target)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Length != FeeFeatures.Count)
        {
            throw new FeeDataException($"fee model: {features.Length} features, the schema has {FeeFeatures.Count}");
        }

        lock (_lock)
        {
            if (!_engines.TryGetValue(target, out var engine))
            {
                var m = _models.TryGetValue(target, out var t) ? t : throw new FeeDataException($"fee model: no model for target {target} (targets: {string.Join(", ", FeeLabels.Targets)})");
                engine = _ml.Model.CreatePredictionEngine<FeeModelRow, FeeModelScore>(m, inputSchemaDefinition: Schema());
                _engines[target] = engine;
            }

            return engine.Predict(new FeeModelRow { Features = features }).Score;
        }
    }

    /// <summary>The predicted fee rate (sat/vB) for a target.</summary>
    public double Predict(float[] features, int target) =>
        ToRate(Score(features, target) + Report.Offsets[target.ToString(CultureInfo.InvariantCulture)]);

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

    /// <summary>Writes the model files and the training report into <paramref name="directory"/>.</summary>
    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        foreach (var (target, transformer) in _models)
        {
            using var stream = File.Create(ModelFile(directory, target));
            _ml.Model.Save(transformer, _ml.Data.LoadFromEnumerable(Array.Empty<FeeModelRow>(), Schema()).Schema, stream);
        }

        File.WriteAllText(Path.Combine(directory, ReportFile), JsonSerializer.Serialize(Report, MlJsonContext.Default.FeeModelReport));
    }

    /// <summary>Exports each target's model to ONNX next to the ML.NET files.</summary>
    public void ExportOnnx(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var empty = _ml.Data.LoadFromEnumerable(new[] { new FeeModelRow { Features = new float[FeeFeatures.Count] } }, Schema());
        foreach (var (target, transformer) in _models)
        {
            using var stream = File.Create(OnnxFile(directory, target));
            _ml.Model.ConvertToOnnx(transformer, empty, stream, nameof(FeeModelScore.Score));
        }
    }

    /// <summary>Loads a model directory; refuses one trained for another feature schema.</summary>
    public static FeeModel Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var report = ReadReport(directory);
        var ml = new MLContext(report.Options.Seed);
        var models = new Dictionary<int, ITransformer>();
        foreach (var target in FeeLabels.Targets)
        {
            var file = ModelFile(directory, target);
            if (!File.Exists(file))
            {
                throw new FeeDataException($"fee model: {file} not found (run: opsource ml train fee)");
            }

            using var stream = File.OpenRead(file);
            models[target] = ml.Model.Load(stream, out _);
        }

        return new FeeModel(ml, models, report);
    }

    /// <summary>Reads and checks a model directory's report (schema id and offsets).</summary>
    public static FeeModelReport ReadReport(string directory)
    {
        var path = Path.Combine(directory, ReportFile);
        if (!File.Exists(path))
        {
            throw new FeeDataException($"fee model: {path} not found (run: opsource ml train fee)");
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
            throw new FeeDataException($"fee model: {path} was trained for feature schema '{report?.SchemaId}', this build computes '{FeeFeatures.SchemaId}' (retrain: opsource ml train fee)");
        }

        if (FeeLabels.Targets.Any(t => !report.Offsets.ContainsKey(t.ToString(CultureInfo.InvariantCulture))))
        {
            throw new FeeDataException($"fee model: {path} lacks a calibration offset for a target");
        }

        return report;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var engine in _engines.Values)
            {
                engine.Dispose();
            }

            _engines.Clear();
        }
    }
}

/// <summary>Source-generated JSON of the ML reports (snake_case, Native AOT safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(FeeModelReport))]
[JsonSerializable(typeof(ForecastModelReport))]
[JsonSerializable(typeof(SplitMetrics))]
[JsonSerializable(typeof(List<ForecastMetrics>))]
[JsonSerializable(typeof(FeePredictionSet))]
public sealed partial class MlJsonContext : JsonSerializerContext;
