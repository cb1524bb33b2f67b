using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
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
        if (_transformers.Count == 0)
        {
            throw new FeeDataException($"fee model: --onnx needs an ML.NET trainer ({FeeTrainers.FastTree} or {FeeTrainers.MlNetLightGbm}); the {Model.Report.Options.Trainer} model is served from its tree files only");
        }

        if (_transformers.Count != FeeLabels.Targets.Count)
        {
            throw new FeeDataException($"fee model: --onnx needs an ML.NET model for every target; the validation split chose LightGBM for target(s) {string.Join(", ", FeeLabels.Targets.Where(t => !_transformers.ContainsKey(t)))} (train with --trainer {FeeTrainers.FastTree} for ONNX)");
        }

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
        var offsets = new Dictionary<string, double>();
        var calibrations = new Dictionary<string, FeeCalibration>();
        var checks = new Dictionary<string, IReadOnlyDictionary<string, double>>();
        var alphas = new Dictionary<string, double>();
        var chosenTrainers = new Dictionary<string, string>();
        var modes = new Dictionary<string, string>();
        var checkWindows = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<double>>>();
        for (var k = 0; k < FeeLabels.Targets.Count; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var target = FeeLabels.Targets[k];
            var key = target.ToString(CultureInfo.InvariantCulture);
            var mode = options.Calibration;
            if (mode == FeeCalibrationModes.Auto)
            {
                (mode, var check, var windows) = ChooseMode(ml, train, validation, k, options, cancellationToken);
                checks[key] = check;
                checkWindows[key] = windows;
            }

            modes[key] = mode;
            var chosen = Fit(ml, train, validation, k, options, mode, cancellationToken)
                ?? throw new FeeDataException($"fee model: no validation rows with a label for target {target}");
            trees[target] = chosen.Candidate.Trees;
            chosenTrainers[key] = chosen.Candidate.Alpha is { } q ? string.Create(CultureInfo.InvariantCulture, $"{chosen.Candidate.Trainer} quantile {q}") : chosen.Candidate.Trainer;
            offsets[key] = chosen.Calibration.Offsets[chosen.Calibration.Offsets.Count / 2];
            if (chosen.Calibration.Cuts.Count > 0)
            {
                calibrations[key] = chosen.Calibration;
            }

            if (chosen.Candidate.Transformer is not null)
            {
                transformers[target] = chosen.Candidate.Transformer;
            }

            if (chosen.Candidate.Alpha is { } alpha)
            {
                alphas[key] = alpha;
            }
        }

        var trainer = options.Trainer switch
        {
            FeeTrainers.Auto => "per target, the best on validation of: Microsoft.ML FastTree (squared error), LightGBM C API (squared error), LightGBM quantile objective at each quantile (ln needed rate)",
            FeeTrainers.LightGbm when options.QuantileAlphas is { Count: > 0 } => "LightGBM C API, quantile objective on ln needed rate (alpha per target chosen on validation)",
            FeeTrainers.LightGbm => "LightGBM C API, squared error on ln needed rate",
            FeeTrainers.MlNetLightGbm => "Microsoft.ML LightGbmRegressionTrainer (ln needed rate)",
            _ => "Microsoft.ML FastTreeRegressionTrainer (ln needed rate)",
        };
        var model = new FeeModel(trees, new FeeModelReport("fee", FeeFeatures.SchemaId, FeeFeatures.Names, options, offsets, [], 0, test.Count > 0 ? test[0].Time : long.MaxValue, trainer, alphas.Count > 0 ? alphas : null, chosenTrainers, calibrations.Count > 0 ? calibrations : null, checks.Count > 0 ? checks : null, modes, checkWindows.Count > 0 ? checkWindows : null));
        var splits = new List<SplitMetrics> { model.Evaluate(train, "train"), model.Evaluate(validation, "validation"), model.Evaluate(test, "test") };
        model = model.WithReport(model.Report with { Splits = splits, TrainingSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3) });
        return new TrainedFeeModel(ml, transformers, model);
    }

    private sealed record Candidate(TreeEnsemble Trees, ITransformer? Transformer, double? Alpha, string Trainer);

    private sealed record Fitted(Candidate Candidate, FeeCalibration Calibration, HitMetrics Metrics, double Margin);

    /// <summary>
    /// Trains every candidate of one target on <paramref name="train"/>, calibrates each on <paramref name="calibration"/>
    /// by <paramref name="mode"/> and keeps the best there (<see cref="Calibrated"/>). Null without labelled rows.
    /// </summary>
    private static Fitted? Fit(MLContext ml, List<FeeExample> train, List<FeeExample> calibration, int k, FeeTrainOptions options, string mode, CancellationToken cancellationToken) =>
        TrainCandidates(ml, train, k, options, cancellationToken) is { } candidates ? Calibrated(candidates, train, calibration, k, mode) : null;

    /// <summary>Every candidate of one target trained on <paramref name="train"/>; null without labelled rows.</summary>
    private static List<Candidate>? TrainCandidates(MLContext ml, List<FeeExample> train, int k, FeeTrainOptions options, CancellationToken cancellationToken)
    {
        var rows = train.Where(e => e.Needed[k] is not null).Select(e => new TreeModelRow { Features = e.Features, Label = (float)Math.Log(e.Needed[k]!.Value) }).ToList();
        if (rows.Count == 0)
        {
            return null;
        }

        var candidates = new List<Candidate>();
        foreach (var candidate in Candidates(ml, rows, options, FeeLabels.Targets[k]))
        {
            cancellationToken.ThrowIfCancellationRequested();
            candidates.Add(candidate);
        }

        return candidates;
    }

    /// <summary>
    /// Calibrates every candidate on <paramref name="calibration"/> by <paramref name="mode"/> and keeps the best there:
    /// by <see cref="Better"/> for one offset, by the larger <see cref="Margin"/> for terciles, by the budget's own order
    /// (<see cref="BudgetRank"/>) for the budget (each mode's own criterion). The budget is mempool.space's median
    /// overpayment on <paramref name="train"/>'s rows. Null without labelled calibration rows.
    /// </summary>
    private static Fitted? Calibrated(List<Candidate> candidates, List<FeeExample> train, List<FeeExample> calibration, int k, string mode)
    {
        var target = FeeLabels.Targets[k];
        var calibrationRows = calibration.Where(e => e.Needed[k] is not null).ToList();
        if (calibrationRows.Count == 0)
        {
            return null;
        }

        var baseline = Baseline(calibrationRows, k);
        var budget = Baseline(train, k)?.MedianOverpayment;
        Fitted? best = null;
        (bool, int, int, double) bestRank = default;
        foreach (var candidate in candidates)
        {
            var scores = calibrationRows.Select(e => (Score: candidate.Trees.Score(e.Features), Needed: (double)e.Needed[k]!.Value, e.Recommended)).ToList();
            var fitted = mode switch
            {
                FeeCalibrationModes.Terciles when baseline is not null => CalibrateTerciles([.. scores.Select(s => (s.Score, s.Needed))], baseline),
                FeeCalibrationModes.Budget when budget is { } b => CalibrateBudget([.. scores.Select(s => (s.Score, s.Needed))], b),
                _ => new FeeCalibration([], [Calibrate(scores, target)]),
            };
            var pairs = scores.Select(s => (FeeModel.ToRate(s.Score + fitted.OffsetFor(s.Score)), s.Needed)).ToList();
            var current = new Fitted(candidate, fitted, FeeMetrics.Hits(pairs), Margin(pairs, baseline));
            var rank = mode == FeeCalibrationModes.Budget && budget is { } over ? BudgetRank(pairs, over) : default;
            var better = mode switch
            {
                FeeCalibrationModes.Terciles when baseline is not null => best is null || current.Margin > best.Margin,
                FeeCalibrationModes.Budget when budget is not null => best is null || rank.CompareTo(bestRank) > 0,
                _ => best is null || Better(current.Metrics, best.Metrics, baseline),
            };
            if (better)
            {
                (best, bestRank) = (current, rank);
            }
        }

        return best;
    }

    /// <summary>mempool.space's hit rate and overpayment on the labelled rows that carry its recommendation (null: none do).</summary>
    private static HitMetrics? Baseline(List<FeeExample> rows, int k)
    {
        var withRec = rows.Where(e => e.Needed[k] is not null && e.Recommended is not null).ToList();
        return withRec.Count > 0 ? FeeMetrics.Hits(withRec.Select(e => (e.Recommended!.ForTarget(FeeLabels.Targets[k]), (double)e.Needed[k]!.Value))) : null;
    }

    /// <summary>
    /// <see cref="FeeCalibrationModes.Auto"/>: in each window of <see cref="CheckWindows"/>, fits every mode of
    /// <see cref="CheckedModes"/> on a calibration week (candidates trained on the data before it) and measures it on the
    /// next week by <see cref="Margin"/>; the larger mean margin over the windows wins (on a tie the earlier mode in
    /// <see cref="CheckedModes"/>; one offset when no window is large enough). The test split is not touched.
    /// </summary>
    private static readonly string[] CheckedModes = [FeeCalibrationModes.Offset, FeeCalibrationModes.Terciles, FeeCalibrationModes.Budget];

    private static (string Mode, IReadOnlyDictionary<string, double> Check, IReadOnlyDictionary<string, IReadOnlyList<double>> Windows) ChooseMode(MLContext ml, List<FeeExample> train, List<FeeExample> validation, int k, FeeTrainOptions options, CancellationToken cancellationToken)
    {
        var margins = CheckedModes.ToDictionary(m => m, _ => new List<double>());
        foreach (var (innerTrain, innerCalibration, measured) in CheckWindows(train, validation))
        {
            var labelled = measured.Where(e => e.Needed[k] is not null).ToList();
            if (innerTrain.Count < 50 || innerCalibration.Count < 10 || Baseline(labelled, k) is not { } baseline
                || TrainCandidates(ml, innerTrain, k, options, cancellationToken) is not { } candidates)
            {
                continue;
            }

            // The candidates are trained once per window; each mode calibrates them on the window's calibration week.
            foreach (var mode in CheckedModes)
            {
                if (Calibrated(candidates, innerTrain, innerCalibration, k, mode) is { } fitted)
                {
                    margins[mode].Add(Math.Round(Margin([.. labelled.Select(e => { var s = fitted.Candidate.Trees.Score(e.Features); return (FeeModel.ToRate(s + fitted.Calibration.OffsetFor(s)), (double)e.Needed[k]!.Value); })], baseline), 6));
                }
            }
        }

        var check = new Dictionary<string, double>();
        var chosen = FeeCalibrationModes.Offset;
        if (margins.Values.Any(m => m.Count == 0))
        {
            return (chosen, check, new Dictionary<string, IReadOnlyList<double>>());
        }

        foreach (var mode in CheckedModes)
        {
            check[mode] = Math.Round(margins[mode].Average(), 6);
            if (check[mode] > check[chosen])
            {
                chosen = mode;
            }
        }

        return (chosen, check, margins.ToDictionary(m => m.Key, IReadOnlyList<double> (m) => m.Value));
    }

    /// <summary>
    /// The windows of <see cref="FeeCalibrationModes.Auto"/>'s check, latest first, each (train, calibrate, measure) with
    /// a one-day purge between: the oldest 11/14 of the train split trains, its last 3/14 calibrates and the validation
    /// split is measured (the outer split's proportions: 0.55, 0.15, 0.15 of the whole range); then the same one and two
    /// slices of 3/14 earlier, measured on the slice of the train split after their calibration week. One week alone
    /// says little: the weeks of this data differ more from each other than the modes do.
    /// </summary>
    public static IEnumerable<(List<FeeExample> Train, List<FeeExample> Calibration, List<FeeExample> Measured)> CheckWindows(List<FeeExample> train, List<FeeExample> validation)
    {
        if (train.Count == 0)
        {
            yield break;
        }

        const long Purge = 86_400;
        var first = train[0].Time;
        var span = train[^1].Time - first;
        long At(int fourteenths) => first + (long)(span * (fourteenths / 14.0));
        for (var j = 0; j < CheckWindowCount; j++)
        {
            var (trainEnd, calibrationEnd) = (At(11 - (3 * j)), At(14 - (3 * j)));
            var measured = j == 0 ? validation : [.. train.Where(e => e.Time > calibrationEnd + Purge && e.Time <= At(17 - (3 * j)))];
            yield return ([.. train.Where(e => e.Time <= trainEnd)], [.. train.Where(e => e.Time > trainEnd + Purge && e.Time <= calibrationEnd)], measured);
        }
    }

    /// <summary>How many weeks <see cref="FeeCalibrationModes.Auto"/> checks the modes on (<see cref="CheckWindows"/>).</summary>
    public const int CheckWindowCount = 3;

    /// <summary>
    /// How far (predicted, needed) pairs meet the goal against mempool.space's <paramref name="baseline"/>: the smaller of
    /// the hit rate's margin over the baseline's and the median's margin, the share of hits whose overpayment is at most
    /// the baseline's median less one half (positive: the median is at most the baseline's). Both are shares of rows or
    /// hits, so neither dominates by scale. Without a baseline: the hit rate's margin over 0.95.
    /// </summary>
    public static double Margin(IReadOnlyList<(double Predicted, double Needed)> pairs, HitMetrics? baseline)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var hits = pairs.Count(p => p.Predicted >= p.Needed);
        var hitRate = pairs.Count == 0 ? 0 : (double)hits / pairs.Count;
        if (baseline is not { MedianOverpayment: { } over })
        {
            return hitRate - 0.95;
        }

        var low = pairs.Count(p => p.Predicted >= p.Needed && p.Predicted / p.Needed <= over + 1e-9);
        return Math.Min(hitRate - baseline.HitRate, hits == 0 ? -0.5 : ((double)low / hits) - 0.5);
    }

    /// <summary>
    /// <see cref="FeeCalibrationModes.Terciles"/>: cuts at the terciles of the calibration rows' raw scores and one offset
    /// per bucket (-1 .. 3 in steps of 0.02), the three chosen together to maximise <see cref="Margin"/> on those rows
    /// (ties: the first in ascending order, so the cheaper). Rows where the model already expects high rates can then
    /// pay more for safety while the rest stay cheap: the median overpayment counts only the typical hit.
    /// </summary>
    public static FeeCalibration CalibrateTerciles(IReadOnlyList<(double Score, double Needed)> rows, HitMetrics baseline)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(baseline);
        if (rows.Count < 3 || baseline.MedianOverpayment is not { } over)
        {
            throw new ArgumentException("terciles: needs at least 3 rows and a baseline with hits", nameof(rows));
        }

        const int Buckets = 3;
        var (cuts, grid, hits, low, _, _) = Tabulate(rows, over);
        var calibration = new FeeCalibration(cuts, new double[Buckets]);
        var best = double.NegativeInfinity;
        var chosen = new int[Buckets];
        for (var g0 = 0; g0 < grid.Length; g0++)
        {
            for (var g1 = 0; g1 < grid.Length; g1++)
            {
                var h01 = hits[0, g0] + hits[1, g1];
                var l01 = low[0, g0] + low[1, g1];
                for (var g2 = 0; g2 < grid.Length; g2++)
                {
                    var h = h01 + hits[2, g2];
                    if (h == 0)
                    {
                        continue;
                    }

                    var margin = Math.Min(((double)h / rows.Count) - baseline.HitRate, ((double)(l01 + low[2, g2]) / h) - 0.5);
                    if (margin > best + 1e-12)
                    {
                        best = margin;
                        chosen = [g0, g1, g2];
                    }
                }
            }
        }

        return calibration with { Offsets = [.. chosen.Select(g => grid[g])] };
    }

    /// <summary>
    /// <see cref="FeeCalibrationModes.Budget"/>: cuts at the terciles of the calibration rows' raw scores and one offset per
    /// bucket (-1 .. 3 in steps of 0.02), the three chosen together by <see cref="BudgetRank"/> against the overpayment
    /// budget <paramref name="budget"/>: the goal bounds only the median overpayment, so the rest of the budget is spent
    /// where the model expects higher needs, buying hits that a one-week calibration cannot see.
    /// </summary>
    public static FeeCalibration CalibrateBudget(IReadOnlyList<(double Score, double Needed)> rows, double budget)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count < 3 || !(budget >= 1))
        {
            throw new ArgumentException("budget: needs at least 3 rows and a budget of at least 1", nameof(rows));
        }

        const int Buckets = 3;
        var (cuts, grid, hits, low, stress, paid) = Tabulate(rows, budget);
        (bool, int, int, double) best = (false, -1, -1, double.NegativeInfinity);
        var chosen = new int[Buckets];
        for (var g0 = 0; g0 < grid.Length; g0++)
        {
            for (var g1 = 0; g1 < grid.Length; g1++)
            {
                for (var g2 = 0; g2 < grid.Length; g2++)
                {
                    var h = hits[0, g0] + hits[1, g1] + hits[2, g2];
                    var l = low[0, g0] + low[1, g1] + low[2, g2];
                    var rank = (l > FeeCalibrationModes.BudgetShare * h, h, stress[0, g0] + stress[1, g1] + stress[2, g2], -(paid[0, g0] + paid[1, g1] + paid[2, g2]));
                    if (rank.CompareTo(best) > 0)
                    {
                        (best, chosen) = (rank, [g0, g1, g2]);
                    }
                }
            }
        }

        return new FeeCalibration(cuts, [.. chosen.Select(g => grid[g])]);
    }

    /// <summary>
    /// The tables of the tercile searches: cuts at the terciles of the rows' raw scores, the offset grid (-1 .. 3 in steps
    /// of 0.02) and, per bucket and offset, the hits, the hits paying at most <paramref name="over"/> times the need, the
    /// hits against a need 1 sat/vB higher and the summed rates.
    /// </summary>
    private static (double[] Cuts, double[] Grid, int[,] Hits, int[,] Low, int[,] Stress, double[,] Paid) Tabulate(IReadOnlyList<(double Score, double Needed)> rows, double over)
    {
        const int Buckets = 3;
        var sorted = rows.Select(r => r.Score).Order().ToArray();
        double[] cuts = [sorted[sorted.Length / 3], sorted[sorted.Length * 2 / 3]];
        var grid = Enumerable.Range(-50, 201).Select(i => Math.Round(i * 0.02, 2)).ToArray();
        var hits = new int[Buckets, grid.Length];
        var low = new int[Buckets, grid.Length];
        var stress = new int[Buckets, grid.Length];
        var paid = new double[Buckets, grid.Length];
        foreach (var (score, needed) in rows)
        {
            var b = FeeCalibration.Bucket(cuts, score);
            for (var g = 0; g < grid.Length; g++)
            {
                var rate = FeeModel.ToRate(score + grid[g]);
                paid[b, g] += rate;
                if (rate >= needed)
                {
                    hits[b, g]++;
                    low[b, g] += rate / needed <= over + 1e-9 ? 1 : 0;
                    stress[b, g] += rate >= needed + 1 ? 1 : 0;
                }
            }
        }

        return (cuts, grid, hits, low, stress, paid);
    }

    /// <summary>
    /// The order of <see cref="FeeCalibrationModes.Budget"/> on (predicted, needed) pairs, larger is better: more than
    /// <see cref="FeeCalibrationModes.BudgetShare"/> of the hits paying at most <paramref name="budget"/> times the need,
    /// then more hits, then more hits against a need 1 sat/vB higher, then less paid in total.
    /// </summary>
    public static (bool WithinBudget, int Hits, int StressHits, double NegativePaid) BudgetRank(IReadOnlyList<(double Predicted, double Needed)> pairs, double budget)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var hits = pairs.Count(p => p.Predicted >= p.Needed);
        var low = pairs.Count(p => p.Predicted >= p.Needed && p.Predicted / p.Needed <= budget + 1e-9);
        return (low > FeeCalibrationModes.BudgetShare * hits, hits, pairs.Count(p => p.Predicted >= p.Needed + 1), -pairs.Sum(p => p.Predicted));
    }

    private static IEnumerable<Candidate> Candidates(MLContext ml, List<TreeModelRow> rows, FeeTrainOptions options, int target)
    {
        var count = FeeFeatures.Count;
        switch (options.Trainer)
        {
            case FeeTrainers.FastTree:
            {
                var fitted = ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
                {
                    NumberOfTrees = options.Iterations,
                    NumberOfLeaves = options.Leaves,
                    LearningRate = options.LearningRate,
                    MinimumExampleCountPerLeaf = options.MinLeaf,
                    NumberOfThreads = options.Threads,
                    Seed = options.Seed,
                }).Fit(ml.Data.LoadFromEnumerable(rows, Schema(count)));
                yield return new Candidate(TreeExport.From(fitted.Model.TrainedTreeEnsemble, count), fitted, null, FeeTrainers.FastTree);
                break;
            }

            case FeeTrainers.MlNetLightGbm:
            {
                var trainer = ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
                {
                    NumberOfIterations = options.Iterations,
                    NumberOfLeaves = options.Leaves,
                    LearningRate = options.LearningRate,
                    MinimumExampleCountPerLeaf = options.MinLeaf,
                    NumberOfThreads = options.Threads,
                    Seed = options.Seed,
                    Verbose = false,
                    Silent = true,
                });
                RegressionPredictionTransformer<LightGbmRegressionModelParameters> fitted;
                try
                {
                    fitted = trainer.Fit(ml.Data.LoadFromEnumerable(rows, Schema(count)));
                }
                catch (ArgumentNullException ex) when (ex.StackTrace?.Contains("RegressionTreeBase", StringComparison.Ordinal) == true)
                {
                    // ML.NET 6 cannot convert a single-leaf LightGBM tree (no split with any gain: a label constant on
                    // the training rows or on what a boosting round has left of it).
                    throw new FeeDataException($"fee model: ML.NET's LightGBM wrapper failed on a single-leaf tree (the ln needed rate of target {target} leaves no split with gain); use --trainer {FeeTrainers.LightGbm}");
                }

                yield return new Candidate(TreeExport.From(fitted.Model.TrainedTreeEnsemble, count), fitted, null, FeeTrainers.MlNetLightGbm);
                break;
            }

            case FeeTrainers.Auto:
                foreach (var trainer in new[] { FeeTrainers.FastTree, FeeTrainers.LightGbm })
                {
                    foreach (var c in Candidates(ml, rows, options with { Trainer = trainer, QuantileAlphas = null }, target))
                    {
                        yield return c;
                    }
                }

                foreach (var c in Candidates(ml, rows, options with { Trainer = FeeTrainers.LightGbm, QuantileAlphas = options.QuantileAlphas ?? FeeTrainers.DefaultQuantiles }, target))
                {
                    yield return c;
                }

                break;

            case FeeTrainers.LightGbm:
            {
                var common = string.Create(CultureInfo.InvariantCulture, $"num_iterations={options.Iterations} num_leaves={options.Leaves} learning_rate={options.LearningRate} min_data_in_leaf={options.MinLeaf} num_threads={options.Threads} seed={options.Seed}");
                var features = rows.Select(r => r.Features).ToList();
                var labels = rows.Select(r => r.Label).ToList();
                if (options.QuantileAlphas is not { Count: > 0 } quantiles)
                {
                    yield return new Candidate(LightGbmNative.Train(features, labels, count, "objective=regression " + common).Trees, null, null, FeeTrainers.LightGbm);
                    break;
                }

                foreach (var alpha in quantiles)
                {
                    var parameters = string.Create(CultureInfo.InvariantCulture, $"objective=quantile alpha={alpha} {common}");
                    yield return new Candidate(LightGbmNative.Train(features, labels, count, parameters).Trees, null, alpha, FeeTrainers.LightGbm);
                }

                break;
            }

            default:
                throw new ArgumentException($"fee model: unknown trainer '{options.Trainer}' (one of: {string.Join(", ", FeeTrainers.All)})", nameof(options));
        }
    }

    /// <summary>
    /// Whether calibrated validation metrics <paramref name="a"/> beat <paramref name="b"/>: meeting the goal against
    /// mempool.space's validation metrics first (then the higher hit rate, then the lower overpayment); between two that
    /// miss it, one reaching mempool.space's hit rate (the lower overpayment first), else the higher hit rate.
    /// </summary>
    public static bool Better(HitMetrics a, HitMetrics b, HitMetrics? baseline)
    {
        static double Over(HitMetrics m) => m.MedianOverpayment ?? double.MaxValue;
        bool Meets(HitMetrics m) => baseline is { MedianOverpayment: { } o } && m.HitRate >= baseline.HitRate && Over(m) <= o && (m.HitRate > baseline.HitRate || Over(m) < o);
        bool Reaches(HitMetrics m) => m.HitRate >= (baseline?.HitRate ?? 0.95);
        var (ma, mb) = (Meets(a), Meets(b));
        if (ma != mb)
        {
            return ma;
        }

        if (!ma && Reaches(a) != Reaches(b))
        {
            return Reaches(a);
        }

        if (!ma && Reaches(a))
        {
            return Over(a) < Over(b) || (Over(a) == Over(b) && a.HitRate > b.HitRate);
        }

        return a.HitRate > b.HitRate || (a.HitRate == b.HitRate && Over(a) < Over(b));
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
