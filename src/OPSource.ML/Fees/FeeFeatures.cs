using System.Security.Cryptography;
using System.Text;
using OPSource.Chain.Fees;

namespace OPSource.ML.Fees;

/// <summary>
/// Builds the fee model's feature vector for a snapshot from the snapshot itself and the blocks known at its time
/// (those before <see cref="BlockHistory.NextIndex"/>): never a later block, so a file row and a live row of the same
/// mempool give the same vector, and future rows cannot leak into it.
/// </summary>
public static class FeeFeatures
{
    /// <summary>Depths (MvB from the top of the mempool) whose fee rate is a feature: about 1, 2, 3, 6 and 12 blocks.</summary>
    private static readonly int[] DepthsMvb = [1, 2, 3, 6, 12];

    /// <summary>Feature names, in vector order.</summary>
    public static IReadOnlyList<string> Names { get; } = BuildNames();

    /// <summary>Version of the feature definitions; bump when a feature's meaning changes.</summary>
    public const int Version = 1;

    /// <summary>The schema id stored with a model: version and a hash of the names (a model is refused for another schema).</summary>
    public static string SchemaId { get; } =
        $"fee-features-v{Version}-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', Names))))[..12];

    /// <summary>Number of features.</summary>
    public static int Count => Names.Count;

    /// <summary>The feature vector, or null when fewer than 6 blocks before the snapshot are known.</summary>
    public static float[]? Build(SnapshotRow snapshot, BlockHistory history)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(history);
        var bins = snapshot.Bins;
        if (bins.Count != MempoolFeeHistogram.Edges.Count)
        {
            throw new FeeDataException($"snapshot at {snapshot.Time}: {bins.Count} histogram bins, expected {MempoolFeeHistogram.Edges.Count}");
        }

        var next = history.NextIndex(snapshot.Time);
        if (next < 6 || !history.Contiguous(next - 6, 6))
        {
            return null;
        }

        var blocks = history.Blocks;
        var f = new float[Count];
        var j = 0;
        foreach (var b in bins)
        {
            f[j++] = b / 1e6f;
        }

        var cumulative = new double[bins.Count];
        double sum = 0;
        for (var i = bins.Count - 1; i >= 0; i--)
        {
            sum += bins[i];
            cumulative[i] = sum;
        }

        foreach (var c in cumulative)
        {
            f[j++] = (float)(c / 1e6);
        }

        f[j++] = snapshot.Count / 1e3f;
        f[j++] = snapshot.VSize / 1e6f;
        f[j++] = snapshot.TotalFee / 1e8f;
        foreach (var depth in DepthsMvb)
        {
            // The lower edge of the bin where the mempool, from its top, first reaches this depth (0: never).
            var rate = 0f;
            for (var i = bins.Count - 1; i >= 0; i--)
            {
                if (cumulative[i] >= depth * 1e6)
                {
                    rate = MempoolFeeHistogram.Edges[i].Lower;
                    break;
                }
            }

            f[j++] = rate;
        }

        var last = blocks[next - 1];
        var lastTime = blocks.Take(next).Skip(Math.Max(0, next - 12)).Max(b => b.Time);
        f[j++] = Math.Max(0, snapshot.Time - lastTime) / 60f;
        var hourAgo = snapshot.Time - 3600;
        var inHour = 0;
        for (var i = next - 1; i >= 0 && i >= next - 30; i--)
        {
            if (blocks[i].Time > hourAgo)
            {
                inHour++;
            }
        }

        f[j++] = inHour;
        f[j++] = FeeLabels.NeededRate(last);
        f[j++] = last.P10;
        f[j++] = last.P50;
        f[j++] = last.P90;
        f[j++] = last.TotalWeight / 4e6f;
        f[j++] = Recent(blocks, next, 3).Min(FeeLabels.NeededRate);
        f[j++] = Median(Recent(blocks, next, 6).Select(b => (double)FeeLabels.NeededRate(b)));
        f[j++] = Median(Recent(blocks, next, 6).Select(b => (double)b.P50));
        f[j++] = (float)Recent(blocks, next, 6).Average(b => b.TotalWeight / 4e6);
        var day = Recent(blocks, next, 144).ToList();
        f[j++] = Median(day.Select(b => (double)FeeLabels.NeededRate(b)));
        f[j++] = Median(day.Select(b => (double)b.P50));
        var when = DateTimeOffset.FromUnixTimeSeconds(snapshot.Time);
        var hour = when.Hour + (when.Minute / 60.0);
        f[j++] = (float)Math.Sin(2 * Math.PI * hour / 24);
        f[j++] = (float)Math.Cos(2 * Math.PI * hour / 24);
        var week = (int)when.DayOfWeek + (hour / 24);
        f[j++] = (float)Math.Sin(2 * Math.PI * week / 7);
        f[j++] = (float)Math.Cos(2 * Math.PI * week / 7);
        // Difficulty period progress of the next block (retarget every 2016 blocks).
        f[j++] = ((last.Height + 1) % 2016) / 2016f;
        return j == Count ? f : throw new InvalidOperationException("feature count mismatch");
    }

    private static IEnumerable<BlockRow> Recent(IReadOnlyList<BlockRow> blocks, int next, int n)
    {
        // Only the contiguous run of heights ending at next - 1.
        var from = next - 1;
        while (from > 0 && next - from < n && blocks[from - 1].Height == blocks[from].Height - 1)
        {
            from--;
        }

        for (var i = from; i < next; i++)
        {
            yield return blocks[i];
        }
    }

    internal static float Median(IEnumerable<double> values)
    {
        var a = values.ToArray();
        if (a.Length == 0)
        {
            return 0;
        }

        Array.Sort(a);
        return (float)(a.Length % 2 == 1 ? a[a.Length / 2] : (a[(a.Length / 2) - 1] + a[a.Length / 2]) / 2);
    }

    private static List<string> BuildNames()
    {
        var names = new List<string>();
        var binNames = MempoolFeeHistogram.Edges.Select(e => new FeeHistogramBin(e.Lower, e.Upper, 0).Name).ToList();
        names.AddRange(binNames.Select(n => $"bin_{n}_mvb"));
        names.AddRange(binNames.Select(n => $"cum_{n}_mvb"));
        names.AddRange(["mempool_count_k", "mempool_vsize_mvb", "mempool_fee_btc"]);
        names.AddRange(DepthsMvb.Select(d => $"rate_at_depth_{d}mvb"));
        names.AddRange([
            "minutes_since_last_block", "blocks_last_hour",
            "last_needed", "last_p10", "last_p50", "last_p90", "last_fullness",
            "last3_needed_min", "last6_needed_median", "last6_p50_median", "last6_fullness_mean",
            "last144_needed_median", "last144_p50_median",
            "hour_sin", "hour_cos", "week_sin", "week_cos", "difficulty_progress",
        ]);
        return names;
    }
}

/// <summary>One row of the fee model's data: a snapshot's features, its labels per target and mempool.space's recommendation.</summary>
/// <param name="Time">Snapshot time, unix seconds.</param>
/// <param name="Features">The feature vector.</param>
/// <param name="Needed">Needed rate per target (<see cref="FeeLabels.Targets"/> order), null where not available.</param>
/// <param name="Recommended">mempool.space's recommendation, when the row has one.</param>
public sealed record FeeExample(long Time, float[] Features, int?[] Needed, MempoolRecommendation? Recommended)
{
    /// <summary>Joins snapshots and blocks: features from the past, labels from the next blocks (rows without features are dropped).</summary>
    public static IReadOnlyList<FeeExample> Join(IEnumerable<SnapshotRow> snapshots, BlockHistory history)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        var list = new List<FeeExample>();
        foreach (var s in snapshots.OrderBy(s => s.Time))
        {
            if (FeeFeatures.Build(s, history) is { } f)
            {
                list.Add(new FeeExample(s.Time, f, [.. FeeLabels.Targets.Select(t => FeeLabels.Needed(history, s.Time, t))], s.Recommended));
            }
        }

        return list;
    }
}
