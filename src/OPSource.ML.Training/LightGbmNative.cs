using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using OPSource.ML.Fees;

namespace OPSource.ML.Training;

/// <summary>
/// LightGBM trained through its C API (<c>lib_lightgbm</c> of the <c>LightGBM</c> package that Microsoft.ML.LightGbm
/// brings), so that its own objectives (L2, quantile) are available: ML.NET's wrapper fixes the regression objective
/// and fails on a single-leaf tree. The trained model is read from LightGBM's text format into a
/// <see cref="TreeEnsemble"/> (same node layout: <c>value &lt;= threshold</c> goes left, child <c>~i</c> is leaf i).
/// </summary>
public static partial class LightGbmNative
{
    private const string Library = "lib_lightgbm";
    private const int Float32 = 0;
    private const int RawScore = 1;

    /// <summary>
    /// Trains one booster on row-major features and labels and returns it as a tree ensemble. <paramref name="parameters"/>
    /// are LightGBM's (e.g. <c>objective=quantile alpha=0.9</c>); missing-value handling is switched off
    /// (<c>use_missing=false</c>: the features have none, and a plain comparison is what <see cref="TreeEnsemble"/> evaluates)
    /// and training is deterministic for the seed.
    /// </summary>
    /// <param name="features">Training rows.</param>
    /// <param name="labels">Training labels.</param>
    /// <param name="featureCount">Features per row.</param>
    /// <param name="parameters">LightGBM parameters, space separated <c>key=value</c>.</param>
    /// <param name="scoreRows">Optional rows to score with LightGBM itself (to check the exported trees against).</param>
    public static (TreeEnsemble Trees, string ModelText, double[] NativeScores) Train(IReadOnlyList<float[]> features, IReadOnlyList<float> labels, int featureCount, string parameters, IReadOnlyList<float[]>? scoreRows = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(parameters);
        if (features.Count != labels.Count || features.Count == 0)
        {
            throw new ArgumentException($"lightgbm: {features.Count} rows and {labels.Count} labels", nameof(labels));
        }

        var matrix = new float[features.Count * featureCount];
        for (var i = 0; i < features.Count; i++)
        {
            if (features[i].Length != featureCount)
            {
                throw new ArgumentException($"lightgbm: row {i} has {features[i].Length} features, expected {featureCount}", nameof(features));
            }

            features[i].CopyTo(matrix, i * featureCount);
        }

        var all = "use_missing=false zero_as_missing=false deterministic=true force_row_wise=true verbosity=-1 " + parameters;
        Check(DatasetCreateFromMat(matrix, Float32, features.Count, featureCount, 1, all, IntPtr.Zero, out var dataset));
        try
        {
            Check(DatasetSetField(dataset, "label", [.. labels], labels.Count, Float32));
            Check(BoosterCreate(dataset, all, out var booster));
            try
            {
                var rounds = Rounds(all);
                for (var r = 0; r < rounds; r++)
                {
                    Check(BoosterUpdateOneIter(booster, out var finished));
                    if (finished != 0)
                    {
                        break;
                    }
                }

                var text = ModelString(booster);
                var native = Array.Empty<double>();
                if (scoreRows is { Count: > 0 })
                {
                    var rows = new float[scoreRows.Count * featureCount];
                    for (var i = 0; i < scoreRows.Count; i++)
                    {
                        scoreRows[i].CopyTo(rows, i * featureCount);
                    }

                    native = new double[scoreRows.Count];
                    Check(BoosterPredictForMat(booster, rows, Float32, scoreRows.Count, featureCount, 1, RawScore, 0, -1, string.Empty, out _, native));
                }

                return (Parse(text, featureCount), text, native);
            }
            finally
            {
                _ = BoosterFree(booster);
            }
        }
        finally
        {
            _ = DatasetFree(dataset);
        }
    }

    private static int Rounds(string parameters)
    {
        var rounds = 100;
        foreach (var p in parameters.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = p.Split('=', 2);
            if (kv.Length == 2 && kv[0] is "num_iterations" or "num_rounds" or "num_trees" or "n_estimators" or "num_iteration" or "num_round")
            {
                rounds = int.Parse(kv[1], CultureInfo.InvariantCulture);
            }
        }

        return rounds;
    }

    private static string ModelString(IntPtr booster)
    {
        Check(BoosterSaveModelToString(booster, 0, -1, 0, 0, out var length, null));
        var buffer = new byte[length];
        Check(BoosterSaveModelToString(booster, 0, -1, 0, length, out _, buffer));
        return Encoding.UTF8.GetString(buffer, 0, (int)Math.Max(0, length - 1));
    }

    /// <summary>
    /// Reads LightGBM's text model into a <see cref="TreeEnsemble"/>. Leaf values in the text are already shrunk and
    /// the first tree carries the initial score, so every tree weighs 1 and the bias is 0. Categorical splits and
    /// missing-value routing (decision_type bits other than default-left) are refused. Thresholds are doubles compared
    /// with a float value widened to double; the largest float not above the threshold gives the same answer for
    /// every float value.
    /// </summary>
    public static TreeEnsemble Parse(string modelText, int featureCount)
    {
        ArgumentNullException.ThrowIfNull(modelText);
        var trees = new List<RegressionTreeData>();
        Dictionary<string, string>? current = null;
        void Flush()
        {
            if (current is not null)
            {
                trees.Add(TreeFrom(current, trees.Count));
            }
        }

        foreach (var raw in modelText.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("Tree=", StringComparison.Ordinal))
            {
                Flush();
                current = [];
            }
            else if (line.StartsWith("end of trees", StringComparison.Ordinal))
            {
                Flush();
                current = null;
                break;
            }
            else if (current is not null && line.IndexOf('=', StringComparison.Ordinal) is > 0 and var eq)
            {
                current[line[..eq]] = line[(eq + 1)..];
            }
        }

        Flush();
        if (trees.Count == 0)
        {
            throw new InvalidOperationException("lightgbm model: no trees");
        }

        var ensemble = new TreeEnsemble(featureCount, 0, trees);
        return ensemble.Check() is { } problem ? throw new InvalidOperationException("lightgbm model: " + problem) : ensemble;
    }

    private static RegressionTreeData TreeFrom(Dictionary<string, string> t, int index)
    {
        string Field(string name) => t.TryGetValue(name, out var v) ? v : throw new InvalidOperationException($"lightgbm model: tree {index} has no {name}");
        static T[] Values<T>(string s, Func<string, T> parse) => [.. s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(parse)];
        var leaves = int.Parse(Field("num_leaves"), CultureInfo.InvariantCulture);
        if (t.TryGetValue("num_cat", out var cats) && cats != "0")
        {
            throw new InvalidOperationException($"lightgbm model: tree {index} has categorical splits");
        }

        var leafValues = Values(Field("leaf_value"), s => double.Parse(s, CultureInfo.InvariantCulture));
        if (leaves == 1)
        {
            return new RegressionTreeData([], [], [], [], leafValues);
        }

        var decision = Values(Field("decision_type"), s => int.Parse(s, CultureInfo.InvariantCulture));
        if (decision.Any(d => (d & ~2) != 0))
        {
            throw new InvalidOperationException($"lightgbm model: tree {index} has a categorical or missing-value split (decision_type {string.Join(',', decision.Distinct())})");
        }

        var thresholds = Values(Field("threshold"), s => FloatAtMost(double.Parse(s, CultureInfo.InvariantCulture)));
        return new RegressionTreeData(
            Values(Field("split_feature"), s => int.Parse(s, CultureInfo.InvariantCulture)),
            thresholds,
            Values(Field("left_child"), s => int.Parse(s, CultureInfo.InvariantCulture)),
            Values(Field("right_child"), s => int.Parse(s, CultureInfo.InvariantCulture)),
            leafValues);
    }

    /// <summary>The largest float not above <paramref name="value"/> (for a float x: x &lt;= value exactly when x &lt;= result).</summary>
    public static float FloatAtMost(double value)
    {
        var f = (float)value;
        return f > value ? MathF.BitDecrement(f) : f;
    }

    private static void Check(int rc)
    {
        if (rc != 0)
        {
            throw new InvalidOperationException("lightgbm: " + (Marshal.PtrToStringUTF8(GetLastError()) ?? "unknown error"));
        }
    }

    [LibraryImport(Library, EntryPoint = "LGBM_GetLastError")]
    private static partial IntPtr GetLastError();

    [LibraryImport(Library, EntryPoint = "LGBM_DatasetCreateFromMat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int DatasetCreateFromMat(float[] data, int dataType, int rows, int columns, int rowMajor, string parameters, IntPtr reference, out IntPtr dataset);

    [LibraryImport(Library, EntryPoint = "LGBM_DatasetSetField", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int DatasetSetField(IntPtr dataset, string field, float[] data, int count, int type);

    [LibraryImport(Library, EntryPoint = "LGBM_DatasetFree")]
    private static partial int DatasetFree(IntPtr dataset);

    [LibraryImport(Library, EntryPoint = "LGBM_BoosterCreate", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int BoosterCreate(IntPtr dataset, string parameters, out IntPtr booster);

    [LibraryImport(Library, EntryPoint = "LGBM_BoosterUpdateOneIter")]
    private static partial int BoosterUpdateOneIter(IntPtr booster, out int finished);

    [LibraryImport(Library, EntryPoint = "LGBM_BoosterSaveModelToString")]
    private static partial int BoosterSaveModelToString(IntPtr booster, int startIteration, int iterations, int importanceType, long bufferLength, out long length, byte[]? buffer);

    [LibraryImport(Library, EntryPoint = "LGBM_BoosterFree")]
    private static partial int BoosterFree(IntPtr booster);

    [LibraryImport(Library, EntryPoint = "LGBM_BoosterPredictForMat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int BoosterPredictForMat(IntPtr booster, float[] data, int dataType, int rows, int columns, int rowMajor, int predictType, int startIteration, int iterations, string parameters, out long length, double[] result);
}
