using OPSource.ML.Fees;
using OPSource.TestSupport;

namespace OPSource.ML.Tests;

/// <summary>The shipped mainnet fee data (<c>shared/data/fees</c>), read in place; loaded once per test run.</summary>
internal static class ShippedFeeData
{
    private static readonly Lazy<(IReadOnlyList<BlockRow>, IReadOnlyList<SnapshotRow>)> Data = new(() =>
        (FeeCsv.ReadBlocks(File("blockstats.csv.gz")), FeeCsv.ReadSnapshots(File("mempool-snapshots.csv.gz"))));

    /// <summary>Path of a data file; skips locally and fails under CI when absent.</summary>
    public static string File(string name)
    {
        var path = Path.GetFullPath(Path.Combine(Vectors.Path(), "..", "data", "fees", name));
        if (!System.IO.File.Exists(path))
        {
            if (Vectors.IsCi)
            {
                throw new FileNotFoundException("CI=true: shared/data/fees is mandatory", path);
            }

            Assert.Skip("shared/data/fees not found beside the vectors");
        }

        return path;
    }

    public static IReadOnlyList<BlockRow> Blocks => Data.Value.Item1;

    public static IReadOnlyList<SnapshotRow> Snapshots => Data.Value.Item2;
}
