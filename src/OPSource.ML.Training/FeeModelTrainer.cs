using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using OPSource.ML.Fees;

namespace OPSource.ML.Training;

/// <summary>ML.NET's row of the fee and forecast models.</summary>
public sealed class TreeModelRow
{
    /// <summary>Features.</summary>
    public float[] Features { get; set; } = [];

    /// <summary>Label.</summary>
    public float Label { get; set; }
}

/// <summary>ML.NET's output row.</summary>
public sealed class TreeModelScore
{
    /// <summary>The regression score.</summary>
    public float Score { get; set; }
}

/// <summary>A trained fee model with the ML.NET transformers it came from (for ONNX export and comparison).</summary>
public sealed class TrainedFeeModel
{
    private readonly MLContext _ml;
    private readonly Dictionary<int, ITransformer> _transformers;
    private readonly Dictionary<int, PredictionEngine<TreeModelRow, TreeModelScore>> _engines = [];

    internal TrainedFeeModel(MLContext ml, Dictionary<int, ITransformer> transformers, FeeModel model)
    {
        _ml = ml;
        _transformers = transformers;
        Model = model;
    }

    /// <summary>The run-time model (tree ensembles, calibration, report).</summary>
    public FeeModel Model { get; }

    /// <summary>ML.NET's raw score for a target (to check the exported trees against; one cached engine per target).</summary>
    public double MlNetScore(float[] features, int target)
    {
        lock (_engines)
        {
            if (!_engines.TryGetValue(target, out var engine))
            {
                _engines[target] = engine = _ml.Model.CreatePredictionEngine<TreeModelRow, TreeModelScore>(_transformers[target], inputSchemaDefinition: FeeModelTrainer.Schema(FeeFeatures.Count));
            }

            return engine.Predict(new TreeModelRow { Features = features }).Score;
        }
    }

    /// <summary>Exports each target's ML.NET model to ONNX (<see cref="FeeModel.OnnxFile"/>) next to the tree files.</summary>
    public void ExportOnnx(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var empty = _ml.Data.LoadFromEnumerable(new[] { new TreeModelRow { Features = new float[FeeFeatures.Count] } }, FeeModelTrainer.Schema(FeeFeatures.Count));
        foreach (var (target, transformer) in _transformers)
        {
            using var stream = File.Create(FeeModel.OnnxFile(directory, target));
            _ml.Model.ConvertToOnnx(transformer, empty, stream, nameof(TreeModelScore.Score));
        }
    }
}

/// <summary>
/// Trains the fee model: one ML.NET FastTree regressor per target on ln(needed rate) on the chronological train split,
/// then one additive offset per target chosen on the validation split only (<see cref="Calibrate"/>), then metrics on
/// every split. Deterministic for a seed.
/// </summary>
public static class FeeModelTrainer
{
    internal static SchemaDefinition Schema(int featureCount)
    {
        var schema = SchemaDefinition.Create(typeof(TreeModelRow));
        schema[nameof(TreeModelRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        return schema;
    }

    /// <summary>Trains on the chronological train split, calibrates on validation, reports every split.</summary>
    public static TrainedFeeModel Train(IReadOnlyList<FeeExample> examples, FeeTrainOptions options, CancellationToken cancellationToken)
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
        var transformers = new Dictionary<int, ITransformer>();
        var trees = new Dictionary<int, TreeEnsemble>();
        for (var k = 0; k < FeeLabels.Targets.Count; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var target = FeeLabels.Targets[k];
            var rows = train.Where(e => e.Needed[k] is not null).Select(e => new TreeModelRow { Features = e.Features, Label = (float)Math.Log(e.Needed[k]!.Value) }).ToList();
            var data = ml.Data.LoadFromEnumerable(rows, Schema(FeeFeatures.Count));
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
            var fitted = trainer.Fit(data);
            transformers[target] = fitted;
            trees[target] = TreeExport.From(fitted.Model.TrainedTreeEnsemble, FeeFeatures.Count);
        }

        var offsets = FeeLabels.Targets.ToDictionary(t => t.ToString(CultureInfo.InvariantCulture), _ => 0.0);
        var model = new FeeModel(trees, new FeeModelReport("fee", FeeFeatures.SchemaId, FeeFeatures.Names, options, offsets, [], 0, test.Count > 0 ? test[0].Time : long.MaxValue, "Microsoft.ML FastTreeRegressionTrainer (ln needed rate)"));
        for (var k = 0; k < FeeLabels.Targets.Count; k++)
        {
            var target = FeeLabels.Targets[k];
            var scores = validation.Where(e => e.Needed[k] is not null).Select(e => (Score: model.Score(e.Features, target), Needed: (double)e.Needed[k]!.Value, e.Recommended)).ToList();
            offsets[target.ToString(CultureInfo.InvariantCulture)] = Calibrate(scores, target);
        }

        model = model.WithReport(model.Report with { Offsets = offsets });
        var splits = new List<SplitMetrics> { model.Evaluate(train, "train"), model.Evaluate(validation, "validation"), model.Evaluate(test, "test") };
        model = model.WithReport(model.Report with { Splits = splits, TrainingSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3) });
        return new TrainedFeeModel(ml, transformers, model);
    }

    /// <summary>
    /// The offset for one target, from the validation rows only. Where the rows carry mempool.space's recommendation,
    /// the offsets that meet the goal there (a hit rate at least mempool.space's at no more median overpayment, one of
    /// them strictly better) are preferred, and among them the one with the highest hit rate (then the lowest
    /// overpayment, then the smallest offset); when none does, the smallest offset that reaches mempool.space's hit rate
    /// (overpayment grows with the offset, so that is the cheapest match). Without recommendations: the smallest offset
    /// with a 95 % hit rate.
    /// </summary>
    public static double Calibrate(IReadOnlyList<(double Score, double Needed, MempoolRecommendation? Rec)> rows, int target)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return 0;
        }

        var withRec = rows.Where(r => r.Rec is not null).ToList();
        var baseline = withRec.Count > 0 ? FeeMetrics.Hits(withRec.Select(r => (r.Rec!.ForTarget(target), r.Needed))) : null;
        var goal = baseline?.HitRate ?? 0.95;
        var scored = new List<(double Offset, HitMetrics Metrics)>();
        for (var i = -200; i <= 600; i++)
        {
            var offset = i * 0.005;
            scored.Add((Math.Round(offset, 3), FeeMetrics.Hits(rows.Select(r => (FeeModel.ToRate(r.Score + offset), r.Needed)))));
        }

        if (baseline is { MedianOverpayment: { } baseOver })
        {
            var meeting = scored.Where(s => s.Metrics.HitRate >= baseline.HitRate && s.Metrics.MedianOverpayment is { } o && o <= baseOver
                && (s.Metrics.HitRate > baseline.HitRate || o < baseOver)).ToList();
            if (meeting.Count > 0)
            {
                return meeting.OrderByDescending(s => s.Metrics.HitRate).ThenBy(s => s.Metrics.MedianOverpayment).ThenBy(s => s.Offset).First().Offset;
            }
        }

        foreach (var (offset, metrics) in scored)
        {
            if (metrics.HitRate >= goal)
            {
                return offset;
            }
        }

        return scored[^1].Offset;
    }
}
