using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Chain.Rpc;
using OPSource.ML.Fees;
using OPSource.Storage;
using OPSource.TestSupport;
using OPSource.TestSupport.Peers;

namespace OPSource.ML.Tests;

/// <summary>One regtest node with a funded Core wallet for the live-ingest test class.</summary>
public sealed class FeeNodeFixture : IAsyncLifetime
{
    private readonly BitcoinCoreNode _node = new();
    private BitcoinRpcClient? _client;

    public BitcoinCoreNode Node => _client is null ? throw Skip() : _node;

    public BitcoinRpcClient Client => _client ?? throw Skip();

    public Address Address { get; private set; } = null!;

    private static Exception Skip()
    {
        BitcoinCoreNode.RequireBitcoind();
        return new InvalidOperationException("regtest node not started");
    }

    public async ValueTask InitializeAsync()
    {
        if (BitcoinCoreNode.LocateBitcoind() is null && !Vectors.IsCi)
        {
            return;
        }

        await _node.StartAsync();
        _client = new BitcoinRpcClient(new BitcoinRpcClientOptions(_node.RpcUrl, RpcCredentials.FromCookieFile(_node.CookieFile)) { RequestTimeout = TimeSpan.FromSeconds(60) });
        await _node.CreateWalletAsync("core");
        Address = Address.Parse((string)(await _node.WalletRpc("core", "getnewaddress"))!, Network.Regtest);
        await _client.GenerateToAddressAsync(110, Address, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        await _node.DisposeAsync();
    }
}

/// <summary>Live ingest on a real Bitcoin Core regtest node: getblockstats per block and getrawmempool snapshots, one schema with the files.</summary>
public sealed class FeeIngestCoreTests(FeeNodeFixture fixture) : IClassFixture<FeeNodeFixture>
{
    [Fact]
    public async Task Live_snapshots_and_blockstats_ingested_while_transactions_are_sent_and_blocks_mined_have_the_file_schema_and_sane_values()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = fixture.Client;
        var (db, dir) = await FeeStoreTests.OpenAsync(ct);
        await using var _ = db;
        try
        {
            var store = new FeeStore(db);
            var ingestor = new FeeIngestor(client, store);
            var first = await ingestor.CatchUpAsync(144, ct);
            Assert.Equal(110, first.Inserted); // heights 1..110 (genesis has no stats)

            decimal[] rates = [1m, 2.5m, 4m, 7m, 12m, 25m, 60m, 130m];
            var live = new List<SnapshotRow>();
            for (var round = 0; round < 3; round++)
            {
                foreach (var rate in rates)
                {
                    // sendtoaddress ... fee_rate (sat/vB), positional: address amount comment comment_to subtract replaceable conf_target estimate_mode avoid_reuse fee_rate
                    await fixture.Node.WalletRpc("core", "sendtoaddress", fixture.Address.ToString(), 0.01m + (round * 0.001m), "", "", false, true, null, "unset", null, rate);
                }

                var row = await ingestor.SnapshotAsync(ct);
                live.Add(row);
                var mempool = (await fixture.Node.Rpc("getrawmempool", true))!.AsObject();
                Assert.Equal(mempool.Count, row.Count);
                Assert.Equal(mempool.Sum(kv => (long)kv.Value!["vsize"]!), row.VSize);
                Assert.Equal(52, row.Bins.Count);
                Assert.InRange(row.Bins.Sum(), 1, row.VSize);

                await client.GenerateToAddressAsync(1, fixture.Address, ct);
                Assert.Equal(new IngestCount(1, 0), await ingestor.CatchUpAsync(144, ct));
                await Task.Delay(1100, ct); // distinct snapshot keys (unix seconds)
            }

            // Blocks: contiguous, equal to Core's own getblockstats JSON, and sane.
            var blocks = await store.GetBlocksAsync(ct);
            Assert.Equal(Enumerable.Range(1, 113), blocks.Select(b => b.Height));
            foreach (var b in blocks.TakeLast(3))
            {
                var core = (await fixture.Node.Rpc("getblockstats", b.Height))!;
                Assert.Equal((long)core["time"]!, b.Time);
                Assert.Equal((long)core["total_weight"]!, b.TotalWeight);
                Assert.Equal((long)core["totalfee"]!, b.TotalFee);
                Assert.Equal((int)core["minfeerate"]!, b.MinFeeRate);
                Assert.Equal(core["feerate_percentiles"]!.AsArray().Select(p => (int)p!), [b.P10, b.P25, b.P50, b.P75, b.P90]);
                Assert.Equal(rates.Length + 1, b.Txs);
                Assert.InRange(b.MinFeeRate, 1, 130);
                Assert.True(b.P10 <= b.P50 && b.P50 <= b.P90 && b.P90 <= 130, $"{b}");
                Assert.InRange(b.TotalWeight, 1, 4_000_000);
                // Not full: the needed rate is the relay floor.
                Assert.Equal(FeeLabels.MinRelaySatVb, FeeLabels.NeededRate(b));
            }

            // Snapshots: what was stored is what was taken, in the file schema (written and read back as a data set row).
            var stored = await store.GetSnapshotsAsync(ct);
            Assert.Equal(live.Count, stored.Count);
            Assert.All(stored.Zip(live), p => Assert.True(p.First.SameData(p.Second)));
            var csv = Path.Combine(dir, "live.csv");
            using (var writer = new StreamWriter(csv))
            {
                FeeCsv.WriteSnapshots(writer, live);
            }

            var fromFile = FeeCsv.ReadSnapshots(csv);
            var history = new BlockHistory(blocks);
            foreach (var (a, b) in live.Zip(fromFile))
            {
                Assert.True(a.SameData(b));
                Assert.Equal(FeeFeatures.Build(a, history), FeeFeatures.Build(b, history));
            }

            // Features of a live row: its snapshot was taken after the blocks before it.
            var features = FeeFeatures.Build(live[^1], history)!;
            Assert.Equal(FeeFeatures.Count, features.Length);
            Assert.All(features, f => Assert.True(float.IsFinite(f)));

            // Re-running the backfill stores nothing twice.
            Assert.Equal(new IngestCount(0, 113), await ingestor.BackfillAsync(1, 113, ct));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
