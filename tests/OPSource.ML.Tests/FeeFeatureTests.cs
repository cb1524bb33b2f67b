using System.Globalization;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Fees;
using OPSource.Chain.Rpc;
using OPSource.ML.Fees;

namespace OPSource.ML.Tests;

/// <summary>The feature builder: live rows (from <c>getrawmempool true</c> entries) equal file rows of the same mempool.</summary>
public sealed class FeeFeatureTests
{
    private static MempoolEntry Entry(int vsize, long feeSat, int n) => new(
        TxId.Parse(n.ToString("x64", CultureInfo.InvariantCulture)), default, vsize, vsize * 4, DateTimeOffset.UnixEpoch, 1, 1, vsize, 1, vsize,
        Amount.FromSatoshis(feeSat), Amount.FromSatoshis(feeSat), Amount.FromSatoshis(feeSat), Amount.FromSatoshis(feeSat), [], [], null, false);

    private static BlockHistory History(long end) =>
        new(Enumerable.Range(0, 200).Select(i => new BlockRow(900_000 + i, end - ((200 - i) * 600L), end - ((200 - i) * 600L) - 3000, 3000, 3_990_000, 2_000_000, 1, 9, 3 + (i % 7), 4, 6, 9, 20)));

    [Fact]
    public void A_live_snapshot_written_and_read_back_as_a_data_set_row_gives_the_same_features()
    {
        var random = new Random(42);
        var entries = Enumerable.Range(1, 3000).Select(n =>
        {
            var vsize = random.Next(110, 60_000);
            var rate = Math.Exp(random.NextDouble() * Math.Log(1500)); // 1 .. 1500 sat/vB, log-uniform
            return Entry(vsize, (long)(vsize * rate), n);
        }).ToList();
        var time = DateTimeOffset.FromUnixTimeSeconds(1_741_140_733);
        var live = SnapshotRow.FromHistogram(MempoolFeeHistogram.FromEntries(entries), time);

        // The same mempool as a data set row (the columns MempoolFeeHistogram.ToColumns names), through the file reader.
        var path = Path.Combine(Path.GetTempPath(), $"opsource-ml-{Guid.NewGuid():n}.csv");
        try
        {
            using (var writer = new StreamWriter(path))
            {
                FeeCsv.WriteSnapshots(writer, [live]);
            }

            var file = Assert.Single(FeeCsv.ReadSnapshots(path));
            Assert.True(live.SameData(file));
            var history = History(time.ToUnixTimeSeconds());
            var a = FeeFeatures.Build(live, history)!;
            var b = FeeFeatures.Build(file, history)!;
            Assert.Equal(a, b);
            Assert.Equal(FeeFeatures.Count, a.Length);
            // Cumulative vsize from 1 sat/vB up is the whole binned mempool; depth features are bin edges.
            Assert.Equal(live.Bins.Sum() / 1e6, a[FeeFeatures.Names.ToList().IndexOf("cum_1_2_mvb")], 3);
            Assert.Contains(a[FeeFeatures.Names.ToList().IndexOf("rate_at_depth_1mvb")], MempoolFeeHistogram.Edges.Select(e => (float)e.Lower).Append(0f));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Features_of_the_first_shipped_snapshot_match_its_columns()
    {
        var s = ShippedFeeData.Snapshots[0];
        var history = new BlockHistory(ShippedFeeData.Blocks);
        var f = FeeFeatures.Build(s, history)!;
        var names = FeeFeatures.Names.ToList();
        // timestamp 1741140733 row: mempool_vsize 47307478, bin 1_2 = 47192023, 2_3 = 115455 (see the CSV's second line).
        Assert.Equal(1_741_140_733, s.Time);
        Assert.Equal(47.307478f, f[names.IndexOf("mempool_vsize_mvb")], 4);
        Assert.Equal(47.192023f, f[names.IndexOf("bin_1_2_mvb")], 4);
        Assert.Equal(0.115455f, f[names.IndexOf("bin_2_3_mvb")], 4);
        Assert.Equal(47.307478f, f[names.IndexOf("cum_1_2_mvb")], 4);
        Assert.Equal(1f, f[names.IndexOf("rate_at_depth_1mvb")]);
        Assert.InRange(f[names.IndexOf("minutes_since_last_block")], 0, 120);
        Assert.InRange(f[names.IndexOf("difficulty_progress")], 0, 1);
    }

    [Fact]
    public void A_file_with_a_bad_value_names_the_line_and_column()
    {
        var path = Path.Combine(Path.GetTempPath(), $"opsource-ml-{Guid.NewGuid():n}.csv");
        try
        {
            File.WriteAllText(path, string.Join(',', FeeCsv.BlockColumns) + "\n" + string.Join(',', FeeCsv.BlockColumns.Select((_, i) => i == 4 ? "12x" : "1")) + "\n");
            var ex = Assert.Throws<FeeDataException>(() => FeeCsv.ReadBlocks(path));
            Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
            Assert.Contains("total_weight", ex.Message, StringComparison.Ordinal);
            File.WriteAllText(path, "height,time\n1,2\n");
            Assert.Contains("missing column", Assert.Throws<FeeDataException>(() => FeeCsv.ReadBlocks(path)).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
