using System.Globalization;
using System.Text.Json;

namespace OPSource.ML.Fees;

/// <summary>
/// One regression tree in array form. Internal node <c>i</c> sends a row to <see cref="Left"/>[i] when
/// <c>features[Feature[i]] &lt;= Threshold[i]</c> (float comparison), else to <see cref="Right"/>[i]; a negative child
/// <c>c</c> is the leaf <c>~c</c>. A tree without internal nodes is the single leaf <see cref="Leaves"/>[0].
/// This is the layout of ML.NET's <c>RegressionTreeBase</c> (LeftChild/RightChild/NumericalSplitFeatureIndexes/
/// NumericalSplitThresholds/LeafValues), which both FastTree and LightGBM models expose.
/// </summary>
/// <param name="Feature">Split feature index per internal node.</param>
/// <param name="Threshold">Split threshold per internal node.</param>
/// <param name="Left">Child when the value is at most the threshold.</param>
/// <param name="Right">Child otherwise.</param>
/// <param name="Leaves">Leaf values.</param>
/// <param name="Weight">The tree's weight in the sum.</param>
public sealed record RegressionTreeData(int[] Feature, float[] Threshold, int[] Left, int[] Right, double[] Leaves, double Weight = 1.0);

/// <summary>
/// A boosted tree ensemble (sum of weighted tree outputs plus a bias), evaluated without ML.NET so that the Native AOT
/// hosts can serve models trained by <c>OPSource.ML.Training</c>. Stored as a compact JSON file.
/// </summary>
/// <param name="FeatureCount">Length of the feature vector it expects.</param>
/// <param name="Bias">Added to the tree sum.</param>
/// <param name="Trees">The trees.</param>
public sealed record TreeEnsemble(int FeatureCount, double Bias, IReadOnlyList<RegressionTreeData> Trees)
{
    /// <summary>The ensemble's output for one feature vector.</summary>
    public double Score(ReadOnlySpan<float> features)
    {
        if (features.Length != FeatureCount)
        {
            throw new FeeDataException($"tree model: {features.Length} features given, the model expects {FeatureCount}");
        }

        var sum = Bias;
        foreach (var tree in Trees)
        {
            var leaf = 0;
            if (tree.Feature.Length > 0)
            {
                var node = 0;
                while (node >= 0)
                {
                    node = features[tree.Feature[node]] <= tree.Threshold[node] ? tree.Left[node] : tree.Right[node];
                }

                leaf = ~node;
            }

            sum += tree.Weight * tree.Leaves[leaf];
        }

        return sum;
    }

    /// <summary>Checks the structure (indexes in range, every walk ends in a leaf) so that a damaged file is refused on load.</summary>
    /// <returns>Null when sound, else the first problem.</returns>
    public string? Check()
    {
        if (FeatureCount < 1 || Trees is null)
        {
            return "no features or no trees";
        }

        for (var t = 0; t < Trees.Count; t++)
        {
            var tree = Trees[t];
            if (tree?.Feature is null || tree.Threshold is null || tree.Left is null || tree.Right is null || tree.Leaves is null)
            {
                return $"tree {t} is incomplete";
            }

            var nodes = tree.Feature.Length;
            if (tree.Threshold.Length != nodes || tree.Left.Length != nodes || tree.Right.Length != nodes || tree.Leaves.Length != nodes + 1)
            {
                return $"tree {t}: {nodes} internal nodes need as many thresholds and children and {nodes + 1} leaves";
            }

            if (!double.IsFinite(tree.Weight) || tree.Leaves.Any(v => !double.IsFinite(v)))
            {
                return $"tree {t} has a non-finite value";
            }

            for (var i = 0; i < nodes; i++)
            {
                if ((uint)tree.Feature[i] >= (uint)FeatureCount || float.IsNaN(tree.Threshold[i]))
                {
                    return $"tree {t}, node {i}: feature {tree.Feature[i]} or threshold out of range";
                }

                // Children point forward (a walk cannot loop) or to a leaf that exists.
                foreach (var c in (ReadOnlySpan<int>)[tree.Left[i], tree.Right[i]])
                {
                    if (c >= 0 ? c <= i || c >= nodes : ~c > nodes)
                    {
                        return $"tree {t}, node {i}: child {c} out of range";
                    }
                }
            }
        }

        return double.IsFinite(Bias) ? null : "non-finite bias";
    }

    /// <summary>Writes the ensemble as JSON.</summary>
    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, MlJsonContext.Default.TreeEnsemble));

    /// <summary>Reads and checks an ensemble written by <see cref="Save"/>.</summary>
    /// <exception cref="FeeDataException">Missing, unreadable or damaged file, or another feature count.</exception>
    public static TreeEnsemble Load(string path, int featureCount, string retrain)
    {
        if (!File.Exists(path))
        {
            throw new FeeDataException($"model: {path} not found (run: {retrain})");
        }

        TreeEnsemble? ensemble;
        try
        {
            ensemble = JsonSerializer.Deserialize(File.ReadAllText(path), MlJsonContext.Default.TreeEnsemble);
        }
        catch (JsonException ex)
        {
            throw new FeeDataException($"model: {path} is not a tree model ({ex.Message.Split('\n')[0]})");
        }

        if ((ensemble is null ? "empty" : ensemble.Check()) is { } problem)
        {
            throw new FeeDataException($"model: {path} is damaged ({problem}; run: {retrain})");
        }

        return ensemble!.FeatureCount != featureCount
            ? throw new FeeDataException($"model: {path} expects {ensemble.FeatureCount.ToString(CultureInfo.InvariantCulture)} features, this build computes {featureCount.ToString(CultureInfo.InvariantCulture)} (run: {retrain})")
            : ensemble;
    }
}
