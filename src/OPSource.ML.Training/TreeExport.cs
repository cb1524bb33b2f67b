using Microsoft.ML.Trainers.FastTree;
using OPSource.ML.Fees;

namespace OPSource.ML.Training;

/// <summary>Turns an ML.NET tree ensemble (FastTree or LightGBM) into the run-time <see cref="TreeEnsemble"/>.</summary>
public static class TreeExport
{
    /// <summary>Copies the trees; refuses categorical splits (the fee features are all numeric).</summary>
    public static TreeEnsemble From(RegressionTreeEnsemble ensemble, int featureCount)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        var trees = new List<RegressionTreeData>(ensemble.Trees.Count);
        for (var t = 0; t < ensemble.Trees.Count; t++)
        {
            var tree = ensemble.Trees[t];
            if (tree.CategoricalSplitFlags.Any(c => c))
            {
                throw new InvalidOperationException($"tree {t} has a categorical split, which the run-time model does not evaluate");
            }

            trees.Add(new RegressionTreeData(
                [.. tree.NumericalSplitFeatureIndexes],
                [.. tree.NumericalSplitThresholds],
                [.. tree.LeftChild],
                [.. tree.RightChild],
                [.. tree.LeafValues],
                ensemble.TreeWeights[t]));
        }

        var result = new TreeEnsemble(featureCount, ensemble.Bias, trees);
        return result.Check() is { } problem ? throw new InvalidOperationException("exported trees: " + problem) : result;
    }
}
