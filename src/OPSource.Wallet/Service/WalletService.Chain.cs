using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain;
using OPSource.Chain.Model;
using OPSource.Chain.Rpc;
using OPSource.Platform.Errors;
using OPSource.Platform.Funding;

namespace OPSource.Wallet.Service;

public sealed partial class WalletService
{
    /// <summary>Blocks fetched per JSON-RPC batch while catching up.</summary>
    private const int FetchBatch = 16;

    /// <summary>
    /// Connects one block to a wallet and saves everything it changed in one database transaction: the block is
    /// either fully recorded or not at all, and applying it again changes nothing. A block above a gap (the first block
    /// after the birthday) connects through the wallet's tip.
    /// </summary>
    /// <exception cref="ChainUpdateException">The block does not connect to the wallet's chain (nothing changed).</exception>
    public Task<int> ApplyBlockAsync(string name, int height, Block block, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(block);
        return MutateAsync(name, core =>
        {
            var before = core.Graph.Count;
            BlockId? through = core.Tip.Height < height - 1 ? core.Tip : null;
            core.ApplyBlock(block, height, through);
            return core.Graph.Count - before;
        }, cancellationToken);
    }

    /// <summary>Removes a block that left the node's active chain, and everything above it (one saved changeset).</summary>
    public Task DisconnectAsync(string name, BlockId block, CancellationToken cancellationToken) =>
        MutateAsync(name, core =>
        {
            core.DisconnectBlock(block);
            return true;
        }, cancellationToken);

    /// <summary>Records mempool changes: transactions seen (irrelevant ones are ignored) and transactions that left the mempool unconfirmed.</summary>
    public Task<int> ApplyMempoolAsync(string name, IReadOnlyList<(Transaction Transaction, long SeenAt)> added, IReadOnlyList<(TxId TxId, long EvictedAt)> evicted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(added);
        ArgumentNullException.ThrowIfNull(evicted);
        return MutateAsync(name, core =>
        {
            var before = core.Graph.Count;
            core.ApplyUnconfirmed(added);
            core.ApplyEvicted(evicted);
            return core.Graph.Count - before;
        }, cancellationToken);
    }

    /// <summary>
    /// Brings a wallet up to the node's tip: starts at its birthday when it has no blocks yet, disconnects blocks the
    /// node no longer has (a reorg while nobody watched), then connects every missing block, fetched and saved in batches
    /// of up to 16 blocks, each batch in one database transaction (a block is never saved in part; a crash loses at most
    /// the batch being applied, and replaying it double-counts nothing), and finally records the
    /// node's mempool.
    /// </summary>
    /// <exception cref="OpsourceException">The node is not configured or unavailable (<c>node_unavailable</c>).</exception>
    public async Task<SyncProgress> SyncAsync(string name, bool mempool, CancellationToken cancellationToken)
    {
        var node = Node();
        var connected = 0;
        var disconnected = 0;
        var found = 0;
        try
        {
            var tip = await WithWalletAsync(name, slot => Task.FromResult((slot.Core!.Tip, slot.Meta!.BirthdayHeight)), cancellationToken).ConfigureAwait(false);
            var nodeHeight = await node.GetBlockCountAsync(cancellationToken).ConfigureAwait(false);
            if (tip.Tip.Height == 0 && tip.BirthdayHeight != 0)
            {
                await StartAtBirthdayAsync(name, node, tip.BirthdayHeight < 0 ? nodeHeight : Math.Min(tip.BirthdayHeight - 1, nodeHeight), cancellationToken).ConfigureAwait(false);
            }

            while (true)
            {
                var fork = await FindForkAsync(name, node, cancellationToken).ConfigureAwait(false);
                var walletTip = await WithWalletAsync(name, slot => Task.FromResult(slot.Core!.Tip), cancellationToken).ConfigureAwait(false);
                if (fork.Height < walletTip.Height)
                {
                    var first = await WithWalletAsync(name, slot => Task.FromResult(slot.Core!.Chain.Blocks().First(b => b.Height > fork.Height)), cancellationToken).ConfigureAwait(false);
                    await DisconnectAsync(name, first, cancellationToken).ConfigureAwait(false);
                    disconnected += walletTip.Height - fork.Height;
                }

                nodeHeight = await node.GetBlockCountAsync(cancellationToken).ConfigureAwait(false);
                if (fork.Height >= nodeHeight)
                {
                    break;
                }

                var reorged = false;
                for (var start = fork.Height + 1; start <= nodeHeight && !reorged; start += FetchBatch)
                {
                    var heights = Enumerable.Range(start, Math.Min(FetchBatch, nodeHeight - start + 1)).ToList();
                    var hashes = await node.GetBlockHashesAsync(heights, cancellationToken).ConfigureAwait(false);
                    var blocks = await node.GetBlocksAsync(hashes, cancellationToken).ConfigureAwait(false);
                    var batch = await ApplyBlocksAsync(name, heights, blocks, cancellationToken).ConfigureAwait(false);
                    connected += batch.Connected;
                    found += batch.Found;
                    reorged = batch.Reorged;
                }

                if (!reorged)
                {
                    break;
                }
            }

            if (mempool)
            {
                found += await SyncMempoolAsync(name, node, cancellationToken).ConfigureAwait(false);
            }

            var final = await WithWalletAsync(name, slot => Task.FromResult(slot.Core!.Tip), cancellationToken).ConfigureAwait(false);
            return new SyncProgress(final, connected, disconnected, found);
        }
        catch (BitcoinRpcException ex)
        {
            throw new OpsourceException(ErrorCategory.Unavailable, "node_unavailable", $"wallet '{name}' sync: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Scans blocks again from <paramref name="fromHeight"/> (default: the wallet's birthday) to the node's tip, adding
    /// transactions the wallet missed (an address beyond the gap limit, imported labels or keys), like Core's
    /// <c>rescanblockchain</c>; then syncs.
    /// </summary>
    public async Task<SyncProgress> RescanAsync(string name, int? fromHeight, CancellationToken cancellationToken)
    {
        var node = Node();
        var (walletTip, birthday) = await WithWalletAsync(name, slot => Task.FromResult((slot.Core!.Tip, slot.Meta!.BirthdayHeight)), cancellationToken).ConfigureAwait(false);
        var from = Math.Max(1, fromHeight ?? Math.Max(birthday, 0));
        if (fromHeight is < 0)
        {
            throw Invalid("rescan: the start height must not be negative");
        }

        var found = 0;
        var scanned = 0;
        try
        {
            var nodeHeight = await node.GetBlockCountAsync(cancellationToken).ConfigureAwait(false);
            if (from > nodeHeight)
            {
                throw Invalid($"rescan: start height {from} is above the node's tip {nodeHeight}");
            }

            // Below the wallet's first block there is nothing to connect to: restart the wallet's chain there.
            var lowest = await WithWalletAsync(name, slot => Task.FromResult(slot.Core!.Chain.Blocks().Skip(1).FirstOrDefault()), cancellationToken).ConfigureAwait(false);
            if (walletTip.Height == 0 || (lowest.Height > 0 && from <= lowest.Height))
            {
                await StartAtBirthdayAsync(name, node, from - 1, cancellationToken).ConfigureAwait(false);
            }

            var end = Math.Min(nodeHeight, Math.Max(walletTip.Height, from));
            for (var start = from; start <= end; start += FetchBatch)
            {
                var heights = Enumerable.Range(start, Math.Min(FetchBatch, end - start + 1)).ToList();
                var hashes = await node.GetBlockHashesAsync(heights, cancellationToken).ConfigureAwait(false);
                var blocks = await node.GetBlocksAsync(hashes, cancellationToken).ConfigureAwait(false);
                var batch = await ApplyBlocksAsync(name, heights, blocks, cancellationToken).ConfigureAwait(false);
                found += batch.Found;
                scanned += batch.Connected;
                if (batch.Reorged)
                {
                    // A reorg during the scan: the sync below finds the fork point and finishes.
                    break;
                }
            }
        }
        catch (BitcoinRpcException ex)
        {
            throw new OpsourceException(ErrorCategory.Unavailable, "node_unavailable", $"wallet '{name}' rescan: {ex.Message}", ex);
        }

        var sync = await SyncAsync(name, mempool: true, cancellationToken).ConfigureAwait(false);
        return sync with { BlocksConnected = sync.BlocksConnected + scanned, TransactionsFound = sync.TransactionsFound + found };
    }

    /// <summary>
    /// Connects consecutive blocks fetched together and saves them as one changeset in one database transaction: every
    /// block is wholly in it or not at all, and a crash loses at most this batch, which the next sync fetches again
    /// (applying a block twice changes nothing). Stops before the first block that does not connect (the node switched
    /// branches while we fetched; nothing of that block is applied) and reports it as <c>Reorged</c>.
    /// </summary>
    private Task<(int Connected, int Found, bool Reorged)> ApplyBlocksAsync(string name, IReadOnlyList<int> heights, IReadOnlyList<Block> blocks, CancellationToken cancellationToken) =>
        MutateAsync(name, core =>
        {
            var before = core.Graph.Count;
            for (var i = 0; i < blocks.Count; i++)
            {
                try
                {
                    BlockId? through = core.Tip.Height < heights[i] - 1 ? core.Tip : null;
                    core.ApplyBlock(blocks[i], heights[i], through);
                }
                catch (ChainUpdateException)
                {
                    return (i, core.Graph.Count - before, true);
                }
            }

            return (blocks.Count, core.Graph.Count - before, false);
        }, cancellationToken);

    private IBitcoinNode Node()
    {
        try
        {
            return _node();
        }
        catch (BitcoinRpcException ex)
        {
            throw new OpsourceException(ErrorCategory.Unavailable, "node_unavailable", ex.Message, ex);
        }
    }

    /// <summary>Points a wallet without blocks (or one being rescanned from below its first block) at a block of the node's chain.</summary>
    private async Task StartAtBirthdayAsync(string name, IBlockSource node, int height, CancellationToken cancellationToken)
    {
        if (height <= 0)
        {
            return;
        }

        var hash = await node.GetBlockHashAsync(height, cancellationToken).ConfigureAwait(false);
        await MutateAsync(name, core =>
        {
            var genesis = core.Chain.Genesis;
            if (core.Tip.Height > 0)
            {
                // Drop everything above genesis: the scan rebuilds it from the new start.
                core.DisconnectBlock(core.Chain.Blocks()[1]);
            }

            core.ApplyChainUpdate(CheckPoint.FromBlocks([genesis, new BlockId(height, hash)])!);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The highest block of the wallet's chain that is still on the node's active chain.</summary>
    private async Task<BlockId> FindForkAsync(string name, IBlockSource node, CancellationToken cancellationToken)
    {
        var blocks = await WithWalletAsync(name, slot => Task.FromResult(slot.Core!.Chain.Blocks()), cancellationToken).ConfigureAwait(false);
        var nodeHeight = await node.GetBlockCountAsync(cancellationToken).ConfigureAwait(false);
        // Check from the top in growing steps (most of the time the tip itself is still there).
        var candidates = new List<BlockId>();
        for (int i = blocks.Count - 1, step = 1; i >= 0; i -= step, step = Math.Min(step * 2, 64))
        {
            if (blocks[i].Height <= nodeHeight)
            {
                candidates.Add(blocks[i]);
            }
        }

        var hashes = await node.GetBlockHashesAsync([.. candidates.Select(c => c.Height)], cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (hashes[i] == candidates[i].Hash)
            {
                // Refine between this match and the previous (higher) candidate, block by block.
                var upper = i == 0 ? candidates[i].Height : candidates[i - 1].Height;
                var between = blocks.Where(b => b.Height > candidates[i].Height && b.Height < upper && b.Height <= nodeHeight).ToList();
                if (between.Count == 0)
                {
                    return candidates[i];
                }

                var betweenHashes = await node.GetBlockHashesAsync([.. between.Select(b => b.Height)], cancellationToken).ConfigureAwait(false);
                var best = candidates[i];
                for (var j = 0; j < between.Count && betweenHashes[j] == between[j].Hash; j++)
                {
                    best = between[j];
                }

                return best;
            }
        }

        return blocks[0]; // genesis
    }

    /// <summary>Records the node's mempool: relevant new transactions, and wallet transactions that left it unconfirmed.</summary>
    private async Task<int> SyncMempoolAsync(string name, IMempoolSource node, CancellationToken cancellationToken)
    {
        var txids = await node.GetRawMempoolAsync(cancellationToken).ConfigureAwait(false);
        var inMempool = txids.ToHashSet();
        var (known, pending) = await WithWalletAsync(name, slot =>
        {
            var core = slot.Core!;
            var knownIds = core.Graph.Transactions.Select(t => t.GetTxId()).ToHashSet();
            var unconfirmed = core.View.Transactions.Where(t => !t.Position.IsConfirmed).Select(t => t.TxId).ToList();
            return Task.FromResult((knownIds, unconfirmed));
        }, cancellationToken).ConfigureAwait(false);
        var missing = txids.Where(t => !known.Contains(t)).ToList();
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var added = new List<(Transaction, long)>();
        for (var i = 0; i < missing.Count; i += 500)
        {
            var batch = missing.GetRange(i, Math.Min(500, missing.Count - i));
            var txs = await node.GetMempoolTransactionsAsync(batch, cancellationToken).ConfigureAwait(false);
            added.AddRange(txs.Where(t => t is not null).Select(t => (t!, now)));
        }

        var evicted = pending.Where(t => !inMempool.Contains(t)).Select(t => (t, now)).ToList();
        return await MutateAsync(name, core =>
        {
            var before = core.Graph.Count;
            var seen = new List<(Transaction, long)>(added);
            // Known transactions back in the mempool but not in the view (unconfirmed by a reorg before the wallet
            // ever saw them there, or re-broadcast after an eviction) are seen again now.
            foreach (var txid in txids)
            {
                if (known.Contains(txid) && !core.View.Contains(txid) && core.Graph.GetTransaction(txid) is { } again)
                {
                    seen.Add((again, now));
                }
            }

            core.ApplyUnconfirmed(seen);
            core.ApplyEvicted(evicted);
            return core.Graph.Count - before;
        }, cancellationToken).ConfigureAwait(false);
    }
}
