using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Model;

namespace OPSource.Chain.Sources;

/// <summary>
/// What a chain source reports, in order. Apply them in the order received: a <see cref="BlocksDisconnected"/> always
/// comes before the blocks of the branch that replaces them.
/// </summary>
public abstract record ChainUpdate;

/// <summary>The next block of the node's active chain; its parent is the previously reported tip.</summary>
/// <param name="Height">Height of <paramref name="Block"/>.</param>
/// <param name="Hash">Its hash.</param>
/// <param name="Block">The block (checked: hashes to <paramref name="Hash"/>, links to the previous tip).</param>
public sealed record BlockConnected(int Height, BlockHash Hash, Block Block) : ChainUpdate
{
    /// <summary>Height and hash.</summary>
    public BlockId Id => new(Height, Hash);
}

/// <summary>
/// A reorg: every block above <paramref name="ForkPoint"/> that was reported before is no longer in the node's active
/// chain. <paramref name="Disconnected"/> lists them, highest first. The new branch follows as <see cref="BlockConnected"/>.
/// </summary>
/// <param name="ForkPoint">The highest block still shared with the node's active chain (the new tip until new blocks connect).</param>
/// <param name="Disconnected">The blocks that left the active chain, highest first.</param>
public sealed record BlocksDisconnected(BlockId ForkPoint, IReadOnlyList<BlockId> Disconnected) : ChainUpdate;

/// <summary>The source caught up with the node's tip (sent once after each run of connected blocks).</summary>
/// <param name="Tip">The tip now reported.</param>
public sealed record ChainSynced(BlockId Tip) : ChainUpdate;

/// <summary>A transaction in the node's mempool.</summary>
/// <param name="Transaction">The transaction.</param>
/// <param name="SeenAt">When the source first saw it in the mempool.</param>
public sealed record MempoolTransaction(Transaction Transaction, DateTimeOffset SeenAt)
{
    /// <summary>Its txid.</summary>
    public TxId TxId => Transaction.GetTxId();
}

/// <summary>
/// Changes to the node's mempool since the previous mempool update: transactions that entered it, and transactions that
/// left it without being confirmed in a block the source reported (replaced, expired, evicted, conflicted by a block).
/// Transactions of disconnected blocks that the node put back into its mempool appear in <paramref name="Added"/>.
/// </summary>
/// <param name="Added">New mempool transactions.</param>
/// <param name="Evicted">Txids that left the mempool unconfirmed.</param>
/// <param name="At">When the source took the snapshot.</param>
public sealed record MempoolUpdate(IReadOnlyList<MempoolTransaction> Added, IReadOnlyList<TxId> Evicted, DateTimeOffset At) : ChainUpdate
{
    /// <summary>True when nothing changed.</summary>
    public bool IsEmpty => Added.Count == 0 && Evicted.Count == 0;
}

/// <summary>The chain source cannot continue (no checkpoint on the node's chain, a fork deeper than its memory).</summary>
public sealed class ChainSourceException(string message) : Exception(message);
