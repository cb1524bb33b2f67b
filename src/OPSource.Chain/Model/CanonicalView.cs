using OPSource.Bitcoin.Transactions;

namespace OPSource.Chain.Model;

/// <summary>Where a canonical transaction stands against the chain.</summary>
public readonly record struct ChainPosition
{
    /// <summary>Confirmed in <see cref="Anchor"/>'s block (or, when <see cref="Transitively"/>, in or below it because a descendant is).</summary>
    public bool IsConfirmed => Anchor is not null;

    /// <summary>The anchor in the best chain, when confirmed.</summary>
    public ConfirmationAnchor? Anchor { get; init; }

    /// <summary>When last seen unconfirmed (Unix seconds), when unconfirmed.</summary>
    public long? LastSeen { get; init; }

    /// <summary>
    /// The position is inherited: an ancestor of a canonical transaction, included because its
    /// descendant is (confirmed descendant: confirmed at or below that block; unconfirmed: in the mempool).
    /// </summary>
    public bool Transitively { get; init; }

    /// <summary>Confirmations at tip height <paramref name="tipHeight"/> (0 when unconfirmed).</summary>
    public int Confirmations(int tipHeight) => Anchor is { } a ? Math.Max(0, tipHeight - a.Height + 1) : 0;

    /// <summary>Confirmed in a block.</summary>
    public static ChainPosition Confirmed(ConfirmationAnchor anchor, bool transitively = false) => new() { Anchor = anchor, Transitively = transitively };

    /// <summary>Unconfirmed, last seen at a time.</summary>
    public static ChainPosition Unconfirmed(long? lastSeen, bool transitively = false) => new() { LastSeen = lastSeen, Transitively = transitively };
}

/// <summary>A transaction of the canonical view with its position.</summary>
/// <param name="TxId">Its id.</param>
/// <param name="Transaction">The transaction.</param>
/// <param name="Position">Where it stands.</param>
public sealed record CanonicalTx(TxId TxId, Transaction Transaction, ChainPosition Position);

/// <summary>A canonical output and whether a canonical transaction spends it.</summary>
/// <param name="OutPoint">The output's outpoint.</param>
/// <param name="TxOut">Value and script.</param>
/// <param name="Position">Position of the transaction that created it.</param>
/// <param name="IsCoinBase">Created by a coinbase transaction (subject to maturity).</param>
/// <param name="SpentBy">The canonical transaction spending it and its position, or null while unspent.</param>
public sealed record FullTxOut(OutPoint OutPoint, TxOut TxOut, ChainPosition Position, bool IsCoinBase, (TxId TxId, ChainPosition Position)? SpentBy)
{
    /// <summary>Consensus COINBASE_MATURITY (Core consensus/consensus.h): coinbase outputs spendable after 100 blocks.</summary>
    public const int CoinbaseMaturity = 100;

    /// <summary>
    /// Core wallet's IsTxImmatureCoinBase: a coinbase output is immature until it has
    /// <c>COINBASE_MATURITY + 1</c> confirmations (receive.cpp GetBlocksToMaturity).
    /// </summary>
    public bool IsMature(int tipHeight) => !IsCoinBase || Position.Confirmations(tipHeight) > CoinbaseMaturity;

    /// <summary>Unspent by any canonical transaction.</summary>
    public bool IsUnspent => SpentBy is null;
}

/// <summary>
/// The transactions of a <see cref="TxGraph"/> that count against one chain tip:
/// <list type="bullet">
/// <item>every transaction anchored in a block of the chain is canonical (confirmed);</item>
/// <item>unconfirmed transactions (seen in a mempool after their last eviction) are taken in order of
/// last-seen, newest first, together with their undecided unconfirmed ancestors, unless one of them
/// spends an output an already canonical transaction spends (a conflict: a double spend or an RBF
/// replacement that lost) or descends from a transaction that lost;</item>
/// <item>a coinbase counts only when confirmed in the chain; transactions never seen and never
/// confirmed do not count.</item>
/// </list>
/// So a replacement seen after the transaction it replaces wins, a confirmed transaction beats every
/// unconfirmed conflict, and descendants of a losing transaction lose too.
/// </summary>
public sealed class CanonicalView
{
    private readonly Dictionary<TxId, CanonicalTx> _canonical;
    private readonly Dictionary<OutPoint, TxId> _spentBy;
    private readonly List<CanonicalTx> _ordered;

    private CanonicalView(CheckPoint tip, Dictionary<TxId, CanonicalTx> canonical, Dictionary<OutPoint, TxId> spentBy, List<CanonicalTx> ordered)
    {
        Tip = tip.Block;
        _canonical = canonical;
        _spentBy = spentBy;
        _ordered = ordered;
    }

    /// <summary>The tip the view was built against.</summary>
    public BlockId Tip { get; }

    /// <summary>Canonical transactions: confirmed ones by height, then unconfirmed ones by last-seen.</summary>
    public IReadOnlyList<CanonicalTx> Transactions => _ordered;

    /// <summary>The canonical transaction with this id, or null (unknown, conflicted or never seen).</summary>
    public CanonicalTx? Get(TxId txid) => _canonical.GetValueOrDefault(txid);

    /// <summary>True when the transaction is canonical.</summary>
    public bool Contains(TxId txid) => _canonical.ContainsKey(txid);

    /// <summary>The canonical transaction spending an outpoint, or null.</summary>
    public TxId? SpenderOf(OutPoint outPoint) => _spentBy.TryGetValue(outPoint, out var t) ? t : null;

    /// <summary>
    /// The canonical outputs among <paramref name="outPoints"/> (outpoints of non-canonical
    /// transactions are skipped), with their spenders.
    /// </summary>
    public IEnumerable<FullTxOut> FilterOutputs(IEnumerable<OutPoint> outPoints)
    {
        ArgumentNullException.ThrowIfNull(outPoints);
        foreach (var op in outPoints)
        {
            if (!_canonical.TryGetValue(op.TxId, out var ctx) || op.Index >= ctx.Transaction.Outputs.Count)
            {
                continue;
            }

            (TxId, ChainPosition)? spent = _spentBy.TryGetValue(op, out var s) ? (s, _canonical[s].Position) : null;
            yield return new FullTxOut(op, ctx.Transaction.Outputs[(int)op.Index], ctx.Position, ctx.Transaction.IsCoinBase, spent);
        }
    }

    internal static CanonicalView Build(TxGraph graph, CheckPoint tip, IReadOnlySet<TxId>? excluded = null)
    {
        var canonical = new Dictionary<TxId, CanonicalTx>();
        // Excluded transactions (being replaced) lose, and so does everything that descends from them.
        var lost = excluded is null ? new HashSet<TxId>() : new HashSet<TxId>(excluded);
        var spentBy = new Dictionary<OutPoint, TxId>();
        var confirmed = new List<(TxId Id, Transaction Tx, ConfirmationAnchor Anchor)>();
        var unconfirmed = new List<(TxId Id, Transaction Tx, long Seen)>();

        foreach (var (txid, tx) in graph.Entries)
        {
            if (lost.Contains(txid))
            {
                continue;
            }

            ConfirmationAnchor? inChain = null;
            foreach (var anchor in graph.GetAnchors(txid))
            {
                if (anchor.Height <= tip.Height && tip.Contains(anchor.Block))
                {
                    inChain = anchor;
                    break; // ascending: the lowest anchor in the chain
                }
            }

            if (inChain is { } a)
            {
                confirmed.Add((txid, tx, a));
            }
            else if (!tx.IsCoinBase && graph.GetLastSeen(txid) is { } seen && (graph.GetLastEvicted(txid) is not { } evicted || seen > evicted))
            {
                unconfirmed.Add((txid, tx, seen));
            }
        }

        confirmed.Sort((x, y) => x.Anchor.Height != y.Anchor.Height ? x.Anchor.Height.CompareTo(y.Anchor.Height) : x.Id.CompareTo(y.Id));
        unconfirmed.Sort((x, y) => x.Seen != y.Seen ? y.Seen.CompareTo(x.Seen) : x.Id.CompareTo(y.Id));

        var ordered = new List<CanonicalTx>(confirmed.Count + unconfirmed.Count);
        foreach (var (id, tx, anchor) in confirmed)
        {
            Decide(id, tx, ChainPosition.Confirmed(anchor), isConfirmed: true);
        }

        foreach (var (id, tx, seen) in unconfirmed)
        {
            Decide(id, tx, ChainPosition.Unconfirmed(seen), isConfirmed: false);
        }

        // Confirmed first by height, then unconfirmed by last-seen (newest last, like a mempool's arrival order).
        ordered.Sort(static (x, y) =>
        {
            int c;
            if (x.Position.Anchor is { } xa)
            {
                if (y.Position.Anchor is not { } ya)
                {
                    return -1;
                }

                c = xa.Height.CompareTo(ya.Height);
            }
            else if (y.Position.IsConfirmed)
            {
                return 1;
            }
            else
            {
                c = (x.Position.LastSeen ?? 0).CompareTo(y.Position.LastSeen ?? 0);
            }

            return c != 0 ? c : x.TxId.CompareTo(y.TxId);
        });
        return new CanonicalView(tip, canonical, spentBy, ordered);

        void Decide(TxId id, Transaction tx, ChainPosition position, bool isConfirmed)
        {
            if (canonical.ContainsKey(id) || lost.Contains(id))
            {
                return;
            }

            // The transaction and its undecided in-graph ancestors, ancestors first.
            var set = new List<(TxId Id, Transaction Tx)>();
            var visiting = new HashSet<TxId>();
            var ancestorLost = false;
            Collect(id, tx);
            // Conflicts are checked for confirmed transactions too: two conflicting anchors can only come
            // from stale or wrong data, and then the lower block (processed first) wins.
            if (!ancestorLost)
            {
                foreach (var (mid, mtx) in set)
                {
                    foreach (var input in mtx.Inputs)
                    {
                        if (spentBy.TryGetValue(input.PrevOut, out var other) && other != mid)
                        {
                            ancestorLost = true; // conflicts with a canonical transaction
                            break;
                        }
                    }

                    if (ancestorLost)
                    {
                        break;
                    }
                }
            }

            if (ancestorLost)
            {
                lost.Add(id);
                return;
            }

            foreach (var (mid, mtx) in set)
            {
                var p = mid == id ? position
                    : isConfirmed ? ChainPosition.Confirmed(position.Anchor!.Value, transitively: true)
                    : ChainPosition.Unconfirmed(graph.GetLastSeen(mid) ?? position.LastSeen, transitively: true);
                var ctx = new CanonicalTx(mid, mtx, p);
                canonical[mid] = ctx;
                ordered.Add(ctx);
                if (!mtx.IsCoinBase)
                {
                    foreach (var input in mtx.Inputs)
                    {
                        spentBy[input.PrevOut] = mid;
                    }
                }
            }

            void Collect(TxId cid, Transaction ctx)
            {
                if (!visiting.Add(cid))
                {
                    return;
                }

                if (!ctx.IsCoinBase)
                {
                    foreach (var input in ctx.Inputs)
                    {
                        var parentId = input.PrevOut.TxId;
                        if (canonical.ContainsKey(parentId))
                        {
                            continue;
                        }

                        if (lost.Contains(parentId))
                        {
                            ancestorLost = true;
                            continue;
                        }

                        if (graph.GetTransaction(parentId) is { } parent)
                        {
                            if (parent.IsCoinBase && !isConfirmed)
                            {
                                ancestorLost = true; // an unconfirmed transaction cannot spend an unconfirmed coinbase
                                continue;
                            }

                            Collect(parentId, parent);
                        }
                    }
                }

                set.Add((cid, ctx));
            }
        }
    }
}
