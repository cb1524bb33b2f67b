using System.Runtime.CompilerServices;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Model;
using OPSource.Chain.Rpc;

namespace OPSource.Chain.Sources;

/// <summary>How a <see cref="BlockEmitter"/> follows the node.</summary>
public sealed record BlockEmitterOptions
{
    /// <summary>Wait between polls when nothing changed (with ZMQ, a safety net for lost notifications). Default 2 s.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Blocks fetched per JSON-RPC batch while catching up. Default 16.</summary>
    public int Prefetch { get; init; } = 16;

    /// <summary>Reported blocks remembered for finding fork points (beyond the caller's checkpoints). Default 2016.</summary>
    public int Memory { get; init; } = 2016;

    /// <summary>Whether <see cref="BlockEmitter.FollowAsync"/> also reports mempool changes. Default true.</summary>
    public bool WatchMempool { get; init; } = true;

    /// <summary>Clock for <see cref="MempoolTransaction.SeenAt"/> and waits.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>
/// Follows the node's active chain block by block from a checkpoint, reporting <see cref="BlockConnected"/>,
/// <see cref="BlocksDisconnected"/> (reorgs, with the fork point), <see cref="ChainSynced"/> and
/// <see cref="MempoolUpdate"/>. Works by RPC polling; with a <see cref="ZmqNotificationListener"/> it wakes on Core's
/// notifications and takes blocks and transactions from them instead of fetching. Not thread-safe: one consumer.
/// Its state changes only after a step succeeded, so after an exception (node down) the same emitter can go on.
/// </summary>
public sealed class BlockEmitter : IDisposable
{
    private readonly IBlockSource _blocks;
    private readonly IMempoolSource? _mempool;
    private readonly BlockEmitterOptions _options;
    private readonly ZmqNotificationListener? _zmq;
    private readonly SemaphoreSlim? _signal;
    private readonly SortedDictionary<int, BlockHash> _known = [];
    private readonly Queue<(int Height, BlockHash Hash, Block Block)> _buffer = new();
    private readonly Dictionary<TxId, DateTimeOffset> _mempoolSeen = [];
    private readonly HashSet<TxId> _confirmedSinceMempoolPoll = [];
    private readonly int? _startHeight;
    private BlockId? _tip;
    private bool _started;
    private bool _connectedSinceSynced = true;

    /// <summary>
    /// Follows from the highest of <paramref name="checkpoints"/> that is still on the node's active chain (a checkpoint
    /// chain such as <see cref="CheckPoint"/>, the wallet's <c>LocalChain.Tip</c>): the first update is the block after it,
    /// or a <see cref="BlocksDisconnected"/> when the highest checkpoint left the active chain while OPSource was not watching.
    /// </summary>
    public BlockEmitter(IBlockSource blocks, IMempoolSource? mempool, IEnumerable<BlockId> checkpoints, BlockEmitterOptions? options = null, ZmqNotificationListener? zmq = null)
        : this(blocks, mempool, options, zmq, null)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);

        foreach (var cp in checkpoints)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(cp.Height, nameof(checkpoints));
            if (_known.TryGetValue(cp.Height, out var existing) && existing != cp.Hash)
            {
                throw new ArgumentException($"block emitter: two checkpoints at height {cp.Height}", nameof(checkpoints));
            }

            _known[cp.Height] = cp.Hash;
        }

        if (_known.Count == 0)
        {
            throw new ArgumentException("block emitter: give at least one checkpoint, or use StartAt", nameof(checkpoints));
        }
    }

    private BlockEmitter(IBlockSource blocks, IMempoolSource? mempool, BlockEmitterOptions? options, ZmqNotificationListener? zmq, int? startHeight)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        _blocks = blocks;
        _mempool = mempool;
        _options = options ?? new BlockEmitterOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Prefetch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Memory, 1);
        _zmq = zmq;
        _signal = zmq?.Subscribe();
        _startHeight = startHeight;
    }

    /// <summary>Follows from <paramref name="height"/>: the first update is the block at that height (0: genesis).</summary>
    public static BlockEmitter StartAt(int height, IBlockSource blocks, IMempoolSource? mempool, BlockEmitterOptions? options = null, ZmqNotificationListener? zmq = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        return new BlockEmitter(blocks, mempool, options, zmq, height);
    }

    /// <summary>The last block reported (null before the first one when starting at a height).</summary>
    public BlockId? Tip => _tip;

    /// <summary>
    /// The next chain update, or null when the emitter is at the node's tip. Never waits for new blocks.
    /// </summary>
    public async Task<ChainUpdate?> NextBlockAsync(CancellationToken cancellationToken)
    {
        if (!_started)
        {
            var start = await StartAsync(cancellationToken).ConfigureAwait(false);
            _started = true;
            if (start is not null)
            {
                return start;
            }
        }

        if (_buffer.Count == 0)
        {
            var fill = await FillAsync(cancellationToken).ConfigureAwait(false);
            if (fill is not null)
            {
                return fill;
            }

            if (_buffer.Count == 0)
            {
                return null;
            }
        }

        var (height, hash, block) = _buffer.Peek();
        var parent = _tip?.Hash ?? BlockHash.Zero;
        if (block.Header.PreviousBlock != parent || height != (_tip?.Height ?? -1) + 1)
        {
            // The node switched branches under us: find where.
            _buffer.Clear();
            return await ReorgAsync(cancellationToken).ConfigureAwait(false);
        }

        _buffer.Dequeue();
        Connect(height, hash);
        foreach (var tx in block.Transactions)
        {
            _confirmedSinceMempoolPoll.Add(tx.GetTxId());
        }

        return new BlockConnected(height, hash, block);
    }

    /// <summary>
    /// Compares the node's mempool with the last snapshot: new transactions (taken from ZMQ <c>rawtx</c> when cached,
    /// else fetched in batches) and transactions that left it unconfirmed. The first call reports the whole mempool.
    /// </summary>
    public async Task<MempoolUpdate> PollMempoolAsync(CancellationToken cancellationToken)
    {
        if (_mempool is null)
        {
            throw new InvalidOperationException("block emitter: no mempool source");
        }

        var now = _options.TimeProvider.GetUtcNow();
        var ids = await _mempool.GetRawMempoolAsync(cancellationToken).ConfigureAwait(false);
        var current = new HashSet<TxId>(ids);
        var fresh = ids.Where(id => !_mempoolSeen.ContainsKey(id)).ToList();
        var added = new List<MempoolTransaction>(fresh.Count);
        var missing = new List<TxId>();
        foreach (var id in fresh)
        {
            if (_zmq is not null && _zmq.TryGetTransaction(id, out var cached))
            {
                added.Add(new MempoolTransaction(cached, now));
            }
            else
            {
                missing.Add(id);
            }
        }

        if (missing.Count > 0)
        {
            var fetched = await _mempool.GetMempoolTransactionsAsync(missing, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < missing.Count; i++)
            {
                if (fetched[i] is { } tx)
                {
                    added.Add(new MempoolTransaction(tx, now));
                }
                else
                {
                    // Gone again before we could fetch it: never reported, so nothing to evict.
                    current.Remove(missing[i]);
                }
            }
        }

        var evicted = _mempoolSeen.Keys.Where(id => !current.Contains(id) && !_confirmedSinceMempoolPoll.Contains(id)).ToList();
        foreach (var id in _mempoolSeen.Keys.Where(id => !current.Contains(id)).ToList())
        {
            _mempoolSeen.Remove(id);
        }

        foreach (var tx in added)
        {
            _mempoolSeen[tx.TxId] = now;
        }

        _confirmedSinceMempoolPoll.Clear();
        return new MempoolUpdate(added, evicted, now);
    }

    /// <summary>
    /// Follows forever: catches up block by block (then <see cref="ChainSynced"/>), reports mempool changes when
    /// <see cref="BlockEmitterOptions.WatchMempool"/> is set, and waits for a ZMQ notification or the poll interval.
    /// </summary>
    public async IAsyncEnumerable<ChainUpdate> FollowAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (await NextBlockAsync(cancellationToken).ConfigureAwait(false) is { } update)
            {
                if (update is BlockConnected or BlocksDisconnected)
                {
                    _connectedSinceSynced = true;
                }

                yield return update;
            }

            if (_connectedSinceSynced && _tip is { } tip)
            {
                _connectedSinceSynced = false;
                yield return new ChainSynced(tip);
            }

            if (_options.WatchMempool && _mempool is not null)
            {
                var mempool = await PollMempoolAsync(cancellationToken).ConfigureAwait(false);
                if (!mempool.IsEmpty)
                {
                    yield return mempool;
                }
            }

            await WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_signal is not null)
        {
            _zmq!.Unsubscribe(_signal);
            _signal.Dispose();
        }
    }

    private async Task WaitAsync(CancellationToken cancellationToken)
    {
        if (_signal is not null)
        {
            await _signal.WaitAsync(_options.PollInterval, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await Task.Delay(_options.PollInterval, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Places the tip on the node's chain: the start height's parent, or the highest active checkpoint.</summary>
    private async Task<ChainUpdate?> StartAsync(CancellationToken cancellationToken)
    {
        if (_startHeight is { } start)
        {
            if (start > 0)
            {
                var parent = await _blocks.GetBlockHashAsync(start - 1, cancellationToken).ConfigureAwait(false);
                Connect(start - 1, parent);
            }

            return null;
        }

        var top = _known.Last();
        var fork = await FindForkAsync(cancellationToken).ConfigureAwait(false);
        if (fork == new BlockId(top.Key, top.Value))
        {
            _tip = fork;
            return null;
        }

        return Disconnect(fork);
    }

    /// <summary>Fetches the next blocks into the buffer (a batch while catching up); an update when the tip left the chain.</summary>
    private async Task<ChainUpdate?> FillAsync(CancellationToken cancellationToken)
    {
        var count = await _blocks.GetBlockCountAsync(cancellationToken).ConfigureAwait(false);
        var next = (_tip?.Height ?? -1) + 1;
        if (count < next)
        {
            // Nothing new, unless our tip itself left the active chain (invalidateblock, a shorter-but-heavier branch).
            if (_tip is { } tip && !await IsActiveAsync(tip, cancellationToken).ConfigureAwait(false))
            {
                return await ReorgAsync(cancellationToken).ConfigureAwait(false);
            }

            return null;
        }

        var n = Math.Min(_options.Prefetch, count - next + 1);
        var heights = Enumerable.Range(next, n).ToArray();
        IReadOnlyList<BlockHash> hashes;
        try
        {
            hashes = n == 1
                ? [await _blocks.GetBlockHashAsync(next, cancellationToken).ConfigureAwait(false)]
                : await _blocks.GetBlockHashesAsync(heights, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcInvalidParameterException)
        {
            // The chain got shorter between getblockcount and getblockhash: look again next time.
            return null;
        }

        var blocks = new Block?[n];
        var fetch = new List<int>();
        for (var i = 0; i < n; i++)
        {
            if (_zmq is not null && _zmq.TryGetBlock(hashes[i], out var cached))
            {
                blocks[i] = cached;
            }
            else
            {
                fetch.Add(i);
            }
        }

        if (fetch.Count == 1)
        {
            blocks[fetch[0]] = await _blocks.GetBlockAsync(hashes[fetch[0]], cancellationToken).ConfigureAwait(false);
        }
        else if (fetch.Count > 1)
        {
            var fetched = await _blocks.GetBlocksAsync([.. fetch.Select(i => hashes[i])], cancellationToken).ConfigureAwait(false);
            for (var k = 0; k < fetch.Count; k++)
            {
                blocks[fetch[k]] = fetched[k];
            }
        }

        for (var i = 0; i < n; i++)
        {
            var block = blocks[i]!;
            if (block.GetBlockHash() != hashes[i])
            {
                throw new BitcoinRpcTransportException("getblock", RpcTransportFailure.InvalidResponse, $"bitcoind getblock: block at height {heights[i]} does not hash to {hashes[i]}");
            }

            _buffer.Enqueue((heights[i], hashes[i], block));
        }

        return null;
    }

    private async Task<bool> IsActiveAsync(BlockId block, CancellationToken cancellationToken)
    {
        try
        {
            return await _blocks.GetBlockHashAsync(block.Height, cancellationToken).ConfigureAwait(false) == block.Hash;
        }
        catch (RpcInvalidParameterException)
        {
            return false;
        }
    }

    private async Task<ChainUpdate> ReorgAsync(CancellationToken cancellationToken)
    {
        var fork = await FindForkAsync(cancellationToken).ConfigureAwait(false);
        return Disconnect(fork);
    }

    /// <summary>
    /// The highest remembered block (reported blocks and checkpoints) that is still on the node's active chain, found by
    /// comparing our hashes with the node's <c>getblockhash</c> answers in batches from the top down.
    /// </summary>
    private async Task<BlockId> FindForkAsync(CancellationToken cancellationToken)
    {
        var known = _known.Reverse().ToList();
        const int Chunk = 32;
        var count = await _blocks.GetBlockCountAsync(cancellationToken).ConfigureAwait(false);
        for (var start = 0; start < known.Count; start += Chunk)
        {
            var slice = known.Skip(start).Take(Chunk).Where(kv => kv.Key <= count).ToList();
            if (slice.Count == 0)
            {
                continue;
            }

            IReadOnlyList<BlockHash> active;
            try
            {
                active = await _blocks.GetBlockHashesAsync([.. slice.Select(kv => kv.Key)], cancellationToken).ConfigureAwait(false);
            }
            catch (RpcInvalidParameterException)
            {
                // The chain shrank meanwhile: start over with the new height.
                return await FindForkAsync(cancellationToken).ConfigureAwait(false);
            }

            for (var i = 0; i < slice.Count; i++)
            {
                if (active[i] == slice[i].Value)
                {
                    return new BlockId(slice[i].Key, slice[i].Value);
                }
            }
        }

        throw new ChainSourceException(
            $"block emitter: none of the {known.Count} remembered blocks (highest {known.FirstOrDefault().Key}) is on the node's active chain: wrong network, or a reorg deeper than the emitter's memory");
    }

    private BlocksDisconnected Disconnect(BlockId fork)
    {
        var gone = _known.Where(kv => kv.Key > fork.Height).OrderByDescending(kv => kv.Key).Select(kv => new BlockId(kv.Key, kv.Value)).ToList();
        foreach (var block in gone)
        {
            _known.Remove(block.Height);
        }

        _tip = fork;
        _buffer.Clear();
        return new BlocksDisconnected(fork, gone);
    }

    private void Connect(int height, BlockHash hash)
    {
        _known[height] = hash;
        _tip = new BlockId(height, hash);

        // Forget the oldest blocks beyond the memory, keeping sparse older checkpoints (every 1000th height) for deep forks.
        while (_known.Count > _options.Memory)
        {
            int? victim = null;
            foreach (var key in _known.Keys)
            {
                if (key % 1000 != 0)
                {
                    victim = key;
                    break;
                }
            }

            _known.Remove(victim ?? _known.Keys.First());
        }
    }
}
