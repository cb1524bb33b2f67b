using System.Collections.Concurrent;
using System.Threading.Channels;
using OPSource.Bitcoin.Blocks;
using OPSource.Chain.Model;
using OPSource.Chain.Sources;
using OPSource.Chain.Sources.Zmq;

namespace OPSource.Chain.Tests.Zmq;

/// <summary>
/// OPSource's ZMTP subscriber against a real Bitcoin Core v29.2 regtest node (<c>-zmqpubhashblock</c>,
/// <c>-zmqpubrawblock</c>, <c>-zmqpubsequence</c> on one port): blocks arrive on every topic in order, lost
/// notifications show as sequence gaps, and a node restart is survived. This class restarts its own node.
/// </summary>
public sealed class ZmqCoreTests(CoreFixture fixture) : IClassFixture<CoreFixture>
{
    private static readonly string[] BlockTopics = ["hashblock", "rawblock", "sequence"];
    private static readonly ZmqSubscriberOptions Quick = new() { InitialBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(500) };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Uri BlockEndpoint => new($"tcp://127.0.0.1:{fixture.Node.ZmqBlockPort}");

    [Fact]
    public async Task Blocks_arrive_on_hashblock_rawblock_and_sequence_in_order_with_consecutive_numbers()
    {
        await using var feed = new Feed(new ZmqSubscriber(BlockEndpoint, BlockTopics, Quick));
        await feed.Subscriber.WaitForConnectionAsync(1, Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await WarmUpAsync(feed);

        var mined = await fixture.Client.GenerateToAddressAsync(5, fixture.MiningAddress, Ct);
        var seen = new List<ZmqMessage>();
        foreach (var hash in mined)
        {
            seen.AddRange(await feed.UntilBlockAsync(hash));
        }

        // hashblock: the hash in RPC byte order; rawblock: the serialized block; sequence: hash + 'C' (block connected).
        Assert.Equal(mined, seen.Where(m => m.Topic == "hashblock").Select(m => BlockHash.Parse(Convert.ToHexStringLower(m.Body.Span))));
        Assert.Equal(mined, seen.Where(m => m.Topic == "rawblock").Select(m => Block.Parse(m.Body.Span).GetBlockHash()));
        var sequence = seen.Where(m => m.Topic == "sequence").ToList();
        Assert.Equal(mined, sequence.Select(m => BlockHash.Parse(Convert.ToHexStringLower(m.Body.Span[..32]))));
        Assert.All(sequence, m => Assert.Equal((byte)'C', m.Body.Span[32]));
        foreach (var topic in BlockTopics)
        {
            var numbers = seen.Where(m => m.Topic == topic).Select(m => m.Sequence).ToList();
            Assert.Equal(Enumerable.Range((int)numbers[0], 5).Select(n => (uint)n), numbers);
        }

        Assert.All(seen, m => Assert.False(m.HasGap));
        Assert.Equal(0, feed.Subscriber.MalformedMessages);
    }

    [Fact]
    public async Task Notifications_lost_during_an_outage_show_as_a_sequence_gap()
    {
        await using var relay = new TcpRelay(fixture.Node.ZmqBlockPort);
        await using var feed = new Feed(new ZmqSubscriber(relay.Endpoint, ["hashblock"], Quick));
        await using var direct = new Feed(new ZmqSubscriber(BlockEndpoint, ["hashblock"], Quick));
        await feed.Subscriber.WaitForConnectionAsync(1, Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await direct.Subscriber.WaitForConnectionAsync(1, Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var before = (await WarmUpAsync(feed, direct)).Last(m => m.Topic == "hashblock");

        relay.Cut();
        var lost = await fixture.Client.GenerateToAddressAsync(3, fixture.MiningAddress, Ct);

        // The node publishes from its validation queue, after generatetoaddress has returned: the link stays cut until
        // a subscriber that bypasses the relay has received the last lost block's hashblock, so the publisher has
        // really sent it while the relayed subscriber was gone (otherwise a loaded machine can deliver it late,
        // through the restored link, and nothing is lost).
        await direct.UntilBlockAsync(lost[^1]);
        relay.Restore();
        await feed.Subscriber.WaitForConnectionAsync(2, Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        // A notification already in flight when the relay was cut may still arrive, and the publisher drops blocks
        // mined before the renewed subscription reaches it, so the gap is measured between the hashblocks actually
        // received on either side of it: bitcoind publishes one hashblock per connected block, so the missed count
        // is exactly the number of blocks connected between the two.
        var hashblocks = (await WarmUpAsync(feed)).Where(m => m.Topic == "hashblock").Prepend(before).ToList();
        var received = string.Join(", ", hashblocks.Select(m => $"#{m.Sequence} missed {m.Missed}"));
        var gapAt = hashblocks.FindIndex(m => m.HasGap);
        Assert.True(gapAt > 0, $"no sequence gap reported after the outage; received {received}");
        var (previous, after) = (hashblocks[gapAt - 1], hashblocks[gapAt]);
        Assert.False(after.PublisherRestarted, $"received {received}");
        Assert.True(after.Missed >= 1, $"received {received}");
        Assert.Equal(after.Sequence - previous.Sequence - 1, after.Missed);
        var previousHeight = (await fixture.Client.GetBlockHeaderAsync(HashOf(previous), Ct)).Height;
        var afterHeight = (await fixture.Client.GetBlockHeaderAsync(HashOf(after), Ct)).Height;
        Assert.Equal(afterHeight - previousHeight - 1, (int)after.Missed);
        var lostHeight = (await fixture.Client.GetBlockHeaderAsync(lost[^1], Ct)).Height;
        Assert.InRange(lostHeight, previousHeight + 1, afterHeight - 1);
    }

    [Fact]
    public async Task A_node_restart_is_survived_and_the_emitter_keeps_following_by_notification()
    {
        using var listener = new ZmqNotificationListener([BlockEndpoint], Quick, null);
        await listener.WaitUntilConnectedAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var start = await fixture.Client.GetBlockchainInfoAsync(Ct);

        // The emitter polls only every 10 minutes: reaching each new tip proves the ZMQ notifications woke it.
        using var emitter = new BlockEmitter(fixture.Client, null, [new BlockId(start.Blocks, start.BestBlockHash)], new BlockEmitterOptions { PollInterval = TimeSpan.FromMinutes(10), WatchMempool = false }, listener);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var updates = new ConcurrentQueue<ChainUpdate>();
        var follow = Task.Run(async () =>
        {
            try
            {
                await foreach (var update in emitter.FollowAsync(stop.Token))
                {
                    updates.Enqueue(update);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, Ct);

        await MineUntilFollowedAsync(updates);
        var messagesBefore = listener.MessagesReceived;
        await fixture.Node.RestartAsync(Ct);
        await listener.Subscribers[0].WaitForConnectionAsync(2, Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        var tip = await MineUntilFollowedAsync(updates);

        await stop.CancelAsync();
        await follow;
        Assert.True(listener.MessagesReceived > messagesBefore);
        Assert.True(listener.SequenceGaps >= 1, "the restart (sequence numbers from 0 again) was not noticed");
        Assert.Equal(tip, emitter.Tip);
        var connected = updates.OfType<BlockConnected>().Select(b => b.Height).ToList();
        Assert.Equal(Enumerable.Range(start.Blocks + 1, connected.Count), connected);
    }

    private static BlockHash HashOf(ZmqMessage hashblock) => BlockHash.Parse(Convert.ToHexStringLower(hashblock.Body.Span));

    /// <summary>Mines until a block's notifications arrive (a new subscription reaches the publisher asynchronously).</summary>
    private async Task<List<ZmqMessage>> WarmUpAsync(Feed feed, Feed? alongside = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var hash = Assert.Single(await fixture.Client.GenerateToAddressAsync(1, fixture.MiningAddress, Ct));
            try
            {
                var seen = await feed.UntilBlockAsync(hash, TimeSpan.FromSeconds(2));
                if (alongside is not null)
                {
                    await alongside.UntilBlockAsync(hash, TimeSpan.FromSeconds(2));
                }

                return seen;
            }
            catch (TimeoutException) when (attempt < 15)
            {
            }
        }
    }

    private async Task<BlockId> MineUntilFollowedAsync(ConcurrentQueue<ChainUpdate> updates)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var hash = Assert.Single(await fixture.Client.GenerateToAddressAsync(1, fixture.MiningAddress, Ct));
            var wait = DateTime.UtcNow.AddSeconds(2);
            while (DateTime.UtcNow < wait)
            {
                if (updates.LastOrDefault() is ChainSynced synced && synced.Tip.Hash == hash)
                {
                    return synced.Tip;
                }

                await Task.Delay(20, Ct);
            }

            Assert.True(DateTime.UtcNow < deadline, $"the emitter did not follow to {hash}: last update {updates.LastOrDefault()}");
        }
    }

    /// <summary>Reads a subscriber in the background into a channel.</summary>
    private sealed class Feed : IAsyncDisposable
    {
        private readonly Channel<ZmqMessage> _messages = Channel.CreateUnbounded<ZmqMessage>();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _reader;

        public Feed(ZmqSubscriber subscriber)
        {
            Subscriber = subscriber;
            _reader = Task.Run(async () =>
            {
                try
                {
                    await foreach (var message in subscriber.ReadAllAsync(_stop.Token))
                    {
                        await _messages.Writer.WriteAsync(message, _stop.Token);
                    }
                }
                catch (OperationCanceledException)
                {
                }
            });
        }

        public ZmqSubscriber Subscriber { get; }

        /// <summary>Messages until every subscribed topic reported <paramref name="hash"/>.</summary>
        public async Task<List<ZmqMessage>> UntilBlockAsync(BlockHash hash, TimeSpan? timeout = null)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(30));
            var seen = new List<ZmqMessage>();
            var pending = new HashSet<string>(Subscriber.Topics);
            try
            {
                while (pending.Count > 0)
                {
                    var message = await _messages.Reader.ReadAsync(cts.Token);
                    seen.Add(message);
                    if (Mentions(message, hash))
                    {
                        pending.Remove(message.Topic);
                    }
                }
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                throw new TimeoutException($"no notification of {hash} on {string.Join(",", pending)}");
            }

            return seen;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _reader;
            _stop.Dispose();
        }

        private static bool Mentions(ZmqMessage message, BlockHash hash) => message.Topic switch
        {
            "hashblock" => BlockHash.Parse(Convert.ToHexStringLower(message.Body.Span)) == hash,
            "rawblock" => Block.Parse(message.Body.Span).GetBlockHash() == hash,
            "sequence" => message.Body.Length >= 33 && BlockHash.Parse(Convert.ToHexStringLower(message.Body.Span[..32])) == hash,
            _ => false,
        };
    }
}
