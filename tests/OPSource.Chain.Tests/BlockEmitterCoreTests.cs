using System.Collections.Concurrent;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Model;
using OPSource.Chain.Rpc;
using OPSource.Chain.Sources;

namespace OPSource.Chain.Tests;

/// <summary>The block emitter against a real regtest node: long follows, reorgs, ZMQ vs polling, mempool changes.</summary>
public sealed class BlockEmitterCoreTests(CoreFixture fixture) : IClassFixture<CoreFixture>
{
    private static readonly BlockEmitterOptions Fast = new() { PollInterval = TimeSpan.FromMilliseconds(50), WatchMempool = false };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BitcoinRpcClient Client => fixture.Client;

    private static async Task<List<ChainUpdate>> DrainAsync(BlockEmitter emitter)
    {
        var updates = new List<ChainUpdate>();
        while (await emitter.NextBlockAsync(Ct) is { } update)
        {
            updates.Add(update);
        }

        return updates;
    }

    private async Task<BlockId> TipAsync()
    {
        var info = await Client.GetBlockchainInfoAsync(Ct);
        return new BlockId(info.Blocks, info.BestBlockHash);
    }

    private async Task<Address> FreshAddressAsync() =>
        Address.Parse((string)(await fixture.Node.WalletRpc("core", "getnewaddress"))!, Network.Regtest);

    private Task<IReadOnlyList<BlockHash>> MineAsync(int n, Address? to = null) => Client.GenerateToAddressAsync(n, to ?? fixture.MiningAddress, Ct);

    [Fact]
    public async Task Follows_more_than_200_blocks_from_genesis_and_resumes_from_a_checkpoint()
    {
        await MineAsync(210);
        var tip = await TipAsync();
        using var emitter = BlockEmitter.StartAt(0, Client, null, Fast);
        var updates = await DrainAsync(emitter);
        var connected = updates.Cast<BlockConnected>().ToList();
        Assert.Equal(tip.Height + 1, connected.Count);
        var expected = await Client.GetBlockHashesAsync([.. Enumerable.Range(0, tip.Height + 1)], Ct);
        for (var h = 0; h <= tip.Height; h++)
        {
            Assert.Equal(h, connected[h].Height);
            Assert.Equal(expected[h], connected[h].Hash);
            Assert.Equal(expected[h], connected[h].Block.GetBlockHash());
        }

        Assert.Equal(tip, emitter.Tip);
        Assert.Null(await emitter.NextBlockAsync(Ct));

        // Resuming from a checkpoint: the next block, then the new ones as they come.
        using var resumed = new BlockEmitter(Client, null, [new BlockId(150, expected[150])], Fast);
        var first = Assert.IsType<BlockConnected>(await resumed.NextBlockAsync(Ct));
        Assert.Equal(151, first.Height);
        Assert.Equal(tip.Height - 151, (await DrainAsync(resumed)).Count);
        var mined = await MineAsync(2);
        var next = await DrainAsync(resumed);
        Assert.Equal(mined, next.Cast<BlockConnected>().Select(b => b.Hash));
    }

    [Fact]
    public async Task A_reorg_to_a_longer_competing_chain_reports_the_fork_point_then_the_new_branch()
    {
        var start = await TipAsync();
        using var emitter = BlockEmitter.StartAt(start.Height - 3, Client, null, Fast);
        await DrainAsync(emitter);

        // A payment confirmed in the block that will be reorged out.
        var txid = TxId.Parse((string)(await fixture.Node.WalletRpc("core", "sendtoaddress", fixture.MiningAddress.ToString(), 0.5m))!);
        var confirmedIn = (await MineAsync(1))[0];
        var connected = Assert.IsType<BlockConnected>(Assert.Single(await DrainAsync(emitter)));
        Assert.Contains(connected.Block.Transactions, t => t.GetTxId() == txid);

        var t = connected.Height;
        var old = await Client.GetBlockHashesAsync([t - 2, t - 1, t], Ct);
        var forkHash = await Client.GetBlockHashAsync(t - 3, Ct);
        await fixture.Node.Rpc("invalidateblock", old[0].ToString());
        var other = await FreshAddressAsync();
        var branch = await MineAsync(5, other);

        var updates = await DrainAsync(emitter);
        var disconnected = Assert.IsType<BlocksDisconnected>(updates[0]);
        Assert.Equal(new BlockId(t - 3, forkHash), disconnected.ForkPoint);
        Assert.Equal([new BlockId(t, old[2]), new BlockId(t - 1, old[1]), new BlockId(t - 2, old[0])], disconnected.Disconnected);
        var newBlocks = updates.Skip(1).Cast<BlockConnected>().ToList();
        Assert.Equal(branch, newBlocks.Select(b => b.Hash));
        Assert.Equal(Enumerable.Range(t - 2, 5), newBlocks.Select(b => b.Height));
        Assert.Equal(forkHash, newBlocks[0].Block.Header.PreviousBlock);
        Assert.Equal(await TipAsync(), emitter.Tip);

        // An emitter started later from the stale checkpoints finds the fork by itself.
        using var late = new BlockEmitter(Client, null, [new BlockId(t - 3, forkHash), new BlockId(t, confirmedIn)], Fast);
        var lateUpdates = await DrainAsync(late);
        var lateDisconnect = Assert.IsType<BlocksDisconnected>(lateUpdates[0]);
        Assert.Equal(new BlockId(t - 3, forkHash), lateDisconnect.ForkPoint);
        Assert.Equal([new BlockId(t, confirmedIn)], lateDisconnect.Disconnected);
        Assert.Equal(branch, lateUpdates.Skip(1).Cast<BlockConnected>().Select(b => b.Hash));

        // A reorg to a chain of the same height (invalidate the tip, mine one): detected without a new height.
        var tip = await TipAsync();
        await fixture.Node.Rpc("invalidateblock", tip.Hash.ToString());
        var reorged = await DrainAsync(emitter);
        var sameHeight = Assert.IsType<BlocksDisconnected>(Assert.Single(reorged));
        Assert.Equal(new BlockId(tip.Height - 1, await Client.GetBlockHashAsync(tip.Height - 1, Ct)), sameHeight.ForkPoint);
        Assert.Equal([tip], sameHeight.Disconnected);
        var replacement = (await MineAsync(1, await FreshAddressAsync()))[0];
        Assert.Equal(replacement, Assert.IsType<BlockConnected>(Assert.Single(await DrainAsync(emitter))).Hash);
    }

    [Fact]
    public async Task No_checkpoint_on_the_active_chain_is_an_error_naming_the_cause()
    {
        using var emitter = new BlockEmitter(Client, null, [new BlockId(5, BlockHash.Parse(new string('e', 64)))], Fast);
        var ex = await Assert.ThrowsAsync<ChainSourceException>(() => emitter.NextBlockAsync(Ct));
        Assert.Contains("wrong network", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mempool_updates_report_additions_replacements_and_not_confirmations()
    {
        using var emitter = BlockEmitter.StartAt((await TipAsync()).Height + 1, Client, Client, Fast);
        await DrainAsync(emitter);
        await emitter.PollMempoolAsync(Ct);

        var a = TxId.Parse((string)(await fixture.Node.WalletRpc("core", "sendtoaddress", fixture.MiningAddress.ToString(), 0.3m))!);
        var first = await emitter.PollMempoolAsync(Ct);
        var added = Assert.Single(first.Added);
        Assert.Equal(a, added.TxId);
        Assert.Equal(await Client.GetRawTransactionAsync(a, null, Ct), added.Transaction);
        Assert.Empty(first.Evicted);
        Assert.True((await emitter.PollMempoolAsync(Ct)).IsEmpty);

        // BIP125 replacement: the original leaves the mempool unconfirmed (evicted), the replacement arrives.
        var bumped = await fixture.Node.WalletRpc("core", "bumpfee", a.ToString());
        var b = TxId.Parse((string)bumped!["txid"]!);
        var replaced = await emitter.PollMempoolAsync(Ct);
        Assert.Equal([b], replaced.Added.Select(x => x.TxId));
        Assert.Equal([a], replaced.Evicted);

        // Confirmation is not eviction.
        await MineAsync(1);
        var block = Assert.IsType<BlockConnected>(Assert.Single(await DrainAsync(emitter)));
        Assert.Contains(block.Block.Transactions, t => t.GetTxId() == b);
        Assert.True((await emitter.PollMempoolAsync(Ct)).IsEmpty);
    }

    [Fact]
    public async Task Zmq_and_polling_emitters_report_the_same_updates()
    {
        var start = await TipAsync();
        using var zmq = new ZmqNotificationListener([new Uri($"tcp://127.0.0.1:{fixture.Node.ZmqBlockPort}"), new Uri($"tcp://127.0.0.1:{fixture.Node.ZmqTxPort}")]);

        // The ZMQ emitter polls only every 60 s: reaching each new tip in time proves the notifications woke it.
        using var viaZmq = new BlockEmitter(Client, Client, [start], new BlockEmitterOptions { PollInterval = TimeSpan.FromSeconds(60) }, zmq);
        using var viaPolling = new BlockEmitter(Client, Client, [start], new BlockEmitterOptions { PollInterval = TimeSpan.FromMilliseconds(100) });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var zmqUpdates = new ConcurrentQueue<ChainUpdate>();
        var pollUpdates = new ConcurrentQueue<ChainUpdate>();
        var zmqTask = Collect(viaZmq, zmqUpdates, stop.Token);
        var pollTask = Collect(viaPolling, pollUpdates, stop.Token);
        await Task.Delay(300, Ct); // let the subscription connect (ZMQ drops messages sent before it does)

        async Task BothAtTipAsync()
        {
            var tip = await TipAsync();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!(Synced(zmqUpdates, tip) && Synced(pollUpdates, tip)))
            {
                Assert.True(DateTime.UtcNow < deadline, $"emitters did not reach {tip}: zmq {Last(zmqUpdates)}, polling {Last(pollUpdates)}");
                await Task.Delay(20, Ct);
            }
        }

        var sent = new List<TxId>();
        for (var i = 0; i < 3; i++)
        {
            sent.Add(TxId.Parse((string)(await fixture.Node.WalletRpc("core", "sendtoaddress", fixture.MiningAddress.ToString(), 0.01m * (i + 1)))!));
        }

        await MineAsync(2);
        await BothAtTipAsync();
        var tip = await TipAsync();
        await fixture.Node.Rpc("invalidateblock", (await Client.GetBlockHashAsync(tip.Height - 1, Ct)).ToString());
        await BothAtTipAsync();

        // A fresh address: the same parent, payee and mempool could rebuild the invalidated block itself.
        await MineAsync(3, await FreshAddressAsync());
        await BothAtTipAsync();
        await stop.CancelAsync();
        await Task.WhenAll(zmqTask, pollTask);

        static IEnumerable<string> Blocks(IEnumerable<ChainUpdate> updates) => updates.Where(u => u is BlockConnected or BlocksDisconnected).Select(u => u switch
        {
            BlockConnected c => $"+{c.Height}:{c.Hash}",
            BlocksDisconnected d => $"-{d.ForkPoint}:{string.Join(",", d.Disconnected)}",
            _ => "",
        });
        Assert.Equal(Blocks(pollUpdates), Blocks(zmqUpdates));
        Assert.Contains(zmqUpdates, u => u is BlocksDisconnected);
        Assert.Equal(5, zmqUpdates.OfType<BlockConnected>().Count());

        static HashSet<TxId> Added(IEnumerable<ChainUpdate> updates) => [.. updates.OfType<MempoolUpdate>().SelectMany(m => m.Added).Select(m => m.TxId)];
        Assert.Superset(sent.ToHashSet(), Added(zmqUpdates));
        Assert.Equal(Added(pollUpdates), Added(zmqUpdates));
        Assert.True(zmq.MessagesReceived > 0);
    }

    private static bool Synced(ConcurrentQueue<ChainUpdate> updates, BlockId tip) =>
        updates.LastOrDefault(u => u is BlockConnected or BlocksDisconnected or ChainSynced) is ChainSynced s && s.Tip == tip;

    private static string Last(ConcurrentQueue<ChainUpdate> updates) => updates.LastOrDefault()?.ToString() ?? "none";

    private static Task Collect(BlockEmitter emitter, ConcurrentQueue<ChainUpdate> sink, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        try
        {
            await foreach (var update in emitter.FollowAsync(cancellationToken))
            {
                sink.Enqueue(update);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by the test.
        }
    });
}
