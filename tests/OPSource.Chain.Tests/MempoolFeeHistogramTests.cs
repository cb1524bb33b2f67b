using System.IO.Compression;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Fees;
using OPSource.Chain.Rpc;
using OPSource.TestSupport;

namespace OPSource.Chain.Tests;

/// <summary>The mempool fee histogram: the data set's bins, its chunking rule, and a live regtest mempool.</summary>
public sealed class MempoolFeeHistogramTests(CoreFixture fixture) : IClassFixture<CoreFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static MempoolEntry Entry(int vsize, long feeSat, int n) => new(
        TxId.Parse(n.ToString("x64", System.Globalization.CultureInfo.InvariantCulture)), default, vsize, vsize * 4, DateTimeOffset.UnixEpoch, 1, 1, vsize, 1, vsize,
        Amount.FromSatoshis(feeSat), Amount.FromSatoshis(feeSat), Amount.FromSatoshis(feeSat), Amount.FromSatoshis(feeSat), [], [], null, false);

    [Fact]
    public void Bins_and_column_names_match_the_data_set_header()
    {
        string header;
        var path = System.IO.Path.Combine(Vectors.Path(), "..", "data", "fees", "mempool-snapshots.csv.gz");
        if (!File.Exists(path))
        {
            Assert.Skip("shared/data/fees not found beside the vectors");
        }

        using (var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress)))
        {
            header = reader.ReadLine()!;
        }

        var columns = header.Split(',');
        var expected = columns.Where(c => c.StartsWith("mempool_fee_histogram_bin_", StringComparison.Ordinal)).ToList();
        var histogram = MempoolFeeHistogram.FromEntries([]);
        Assert.Equal(52, expected.Count);
        Assert.Equal(expected, histogram.Bins.Select(b => b.ColumnName));
        Assert.Equal(["mempool_count", "mempool_vsize", "mempool_total_fee", .. expected], histogram.ToColumns().Select(c => c.Key));
        Assert.All(["mempool_count", "mempool_vsize", "mempool_total_fee"], c => Assert.Contains(c, columns));
    }

    [Fact]
    public void Chunks_of_more_than_50000_vB_count_at_their_lowest_rate_and_sub_1_rates_fall_in_no_bin()
    {
        // From the top: 30,000 vB at 20 sat/vB, 30,000 vB at 12 (chunk now 60,000 > 50,000), then 10,000 at 3 and 500 at 0.5.
        var entries = new List<MempoolEntry>();
        var n = 1;
        for (var i = 0; i < 300; i++)
        {
            entries.Add(Entry(100, 2000, n++));
        }

        for (var i = 0; i < 300; i++)
        {
            entries.Add(Entry(100, 1200, n++));
        }

        for (var i = 0; i < 100; i++)
        {
            entries.Add(Entry(100, 300, n++));
        }

        entries.Add(Entry(500, 250, n++));
        var h = MempoolFeeHistogram.FromEntries(entries);
        Assert.Equal(701, h.Count);
        Assert.Equal(70_500, h.VSize);
        Assert.Equal(Amount.FromSatoshis((300 * 2000) + (300 * 1200) + (100 * 300) + 250), h.TotalFee);
        Assert.Equal(60_000, h.Bins.Single(b => b.Name == "12_14").VSize);
        Assert.Equal(0, h.Bins.Single(b => b.Name == "20_22").VSize);

        // The second chunk (3 and 0.5 sat/vB) counts at 0.5: below every bin, as the data set's pipeline drops it.
        Assert.Equal(10_500, h.BelowFirstBinVSize);
        Assert.Equal(h.VSize, h.Bins.Sum(b => b.VSize) + h.BelowFirstBinVSize);

        var exact = MempoolFeeHistogram.FromEntries(entries, chunkVSize: 0);
        Assert.Equal(30_000, exact.Bins.Single(b => b.Name == "20_22").VSize);
        Assert.Equal(30_000, exact.Bins.Single(b => b.Name == "12_14").VSize);
        Assert.Equal(10_000, exact.Bins.Single(b => b.Name == "3_4").VSize);
        Assert.Equal(500, exact.BelowFirstBinVSize);

        // Edges: lower inclusive, upper exclusive; 1000+ is open.
        var edges = MempoolFeeHistogram.FromEntries([Entry(100, 200, 1), Entry(100, 199, 2), Entry(100, 100_000, 3), Entry(100, 99_999, 4)], 0);
        Assert.Equal(100, edges.Bins.Single(b => b.Name == "2_3").VSize);
        Assert.Equal(100, edges.Bins.Single(b => b.Name == "1_2").VSize);
        Assert.Equal(100, edges.Bins.Single(b => b.Name == "1000_plus").VSize);
        Assert.Equal(100, edges.Bins.Single(b => b.Name == "950_1000").VSize);
    }

    [Fact]
    public async Task A_live_regtest_mempool_with_varied_fee_rates_bins_as_computed_from_Core_own_json()
    {
        var client = fixture.Client;
        var rates = new[] { 1m, 1.5m, 2m, 3.3m, 5m, 9.9m, 10m, 13m, 29m, 31m, 75m, 101m, 420m, 990m, 1500m };

        // One confirmed coin per transaction, so each pays exactly its own rate (no ancestor fee bumping).
        var outputs = new JsonObject();
        foreach (var _ in rates)
        {
            outputs[(string)(await fixture.Node.WalletRpc("core", "getnewaddress"))!] = 0.1m;
        }

        await fixture.Node.WalletRpc("core", "sendmany", "", outputs);
        await client.GenerateToAddressAsync(1, fixture.MiningAddress, Ct);
        foreach (var rate in rates)
        {
            var psbt = await fixture.Node.WalletRpc("core", "walletcreatefundedpsbt", new JsonArray(),
                new JsonArray(new JsonObject { [fixture.MiningAddress.ToString()] = 0.1m }), 0, new JsonObject { ["fee_rate"] = rate, ["lockUnspents"] = true, ["subtractFeeFromOutputs"] = new JsonArray(0) });
            var signed = await fixture.Node.WalletRpc("core", "walletprocesspsbt", (string)psbt!["psbt"]!);
            await client.BroadcastAsync(Transaction.Parse((string)signed!["hex"]!), null, Ct);
        }

        var histogram = await MempoolFeeHistogram.SnapshotAsync(client, Ct, chunkVSize: 0);
        var coarse = await MempoolFeeHistogram.SnapshotAsync(client, Ct);

        // Expected values from Core's own JSON, independently of the client's parsing.
        var raw = (await fixture.Node.Rpc("getrawmempool", true))!.AsObject();
        Assert.Equal(raw.Count, histogram.Count);
        Assert.Equal(raw.Sum(kv => (long)kv.Value!["vsize"]!), histogram.VSize);
        Assert.Equal(raw.Sum(kv => (long)((decimal)kv.Value!["fees"]!["base"]! * 100_000_000m)), histogram.TotalFee.Satoshis);
        var expected = new long[MempoolFeeHistogram.Edges.Count];
        foreach (var (_, entry) in raw)
        {
            var rate = (double)((decimal)entry!["fees"]!["base"]! * 100_000_000m) / (long)entry["vsize"]!;
            var bin = MempoolFeeHistogram.Edges.ToList().FindLastIndex(e => rate >= e.Lower);
            expected[bin] += (long)entry["vsize"]!;
        }

        Assert.Equal(expected, histogram.Bins.Select(b => b.VSize));
        Assert.True(histogram.Bins.Count(b => b.VSize > 0) >= 12, $"{raw.Count} txs: " + string.Join(" ", raw.Select(kv => $"{kv.Value!["vsize"]}/{kv.Value["fees"]!["base"]}")));

        // A small mempool is one esplora chunk: all of it at the lowest rate (1 sat/vB here).
        Assert.Equal(histogram.VSize, coarse.Bins.Single(b => b.Name == "1_2").VSize);
        Assert.Equal(histogram.VSize, coarse.Bins.Sum(b => b.VSize));
    }
}
