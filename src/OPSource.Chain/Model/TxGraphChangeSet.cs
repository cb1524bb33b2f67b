using System.Collections.Immutable;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Chain.Model;

/// <summary>
/// What was added to a <see cref="TxGraph"/>. The graph only grows, so merging is a union: for a
/// transaction id seen twice the first full transaction is kept; anchors are a set; last-seen and
/// last-evicted times keep the maximum. Merging is associative with <see cref="Empty"/> as identity,
/// and applying <c>a.Merge(b)</c> equals applying <c>a</c> then <c>b</c>.
/// </summary>
public sealed record TxGraphChangeSet
{
    /// <summary>No change.</summary>
    public static TxGraphChangeSet Empty { get; } = new();

    /// <summary>Full transactions added.</summary>
    public ImmutableDictionary<TxId, Transaction> Transactions { get; init; } = ImmutableDictionary<TxId, Transaction>.Empty;

    /// <summary>Outputs known without their transaction (a counterparty's prevout, say).</summary>
    public ImmutableDictionary<OutPoint, TxOut> TxOuts { get; init; } = ImmutableDictionary<OutPoint, TxOut>.Empty;

    /// <summary>(transaction, anchor) pairs added.</summary>
    public ImmutableHashSet<(TxId TxId, ConfirmationAnchor Anchor)> Anchors { get; init; } = ImmutableHashSet<(TxId, ConfirmationAnchor)>.Empty;

    /// <summary>When each unconfirmed transaction was last seen in a mempool (Unix seconds).</summary>
    public ImmutableDictionary<TxId, long> LastSeen { get; init; } = ImmutableDictionary<TxId, long>.Empty;

    /// <summary>When each transaction was last seen leaving a mempool without confirming (Unix seconds).</summary>
    public ImmutableDictionary<TxId, long> LastEvicted { get; init; } = ImmutableDictionary<TxId, long>.Empty;

    /// <summary>True when nothing was added.</summary>
    public bool IsEmpty => Transactions.IsEmpty && TxOuts.IsEmpty && Anchors.IsEmpty && LastSeen.IsEmpty && LastEvicted.IsEmpty;

    /// <summary>The union of both changes (this one's transactions win on a duplicate id, times take the maximum).</summary>
    public TxGraphChangeSet Merge(TxGraphChangeSet later)
    {
        ArgumentNullException.ThrowIfNull(later);
        if (later.IsEmpty)
        {
            return this;
        }

        if (IsEmpty)
        {
            return later;
        }

        var txs = Transactions;
        foreach (var (id, tx) in later.Transactions)
        {
            if (!txs.ContainsKey(id))
            {
                txs = txs.Add(id, tx);
            }
        }

        var outs = TxOuts;
        foreach (var (op, txout) in later.TxOuts)
        {
            if (!outs.ContainsKey(op))
            {
                outs = outs.Add(op, txout);
            }
        }

        return new TxGraphChangeSet
        {
            Transactions = txs,
            TxOuts = outs,
            Anchors = Anchors.Union(later.Anchors),
            LastSeen = MaxMerge(LastSeen, later.LastSeen),
            LastEvicted = MaxMerge(LastEvicted, later.LastEvicted),
        };
    }

    private static ImmutableDictionary<TxId, long> MaxMerge(ImmutableDictionary<TxId, long> a, ImmutableDictionary<TxId, long> b)
    {
        if (b.IsEmpty)
        {
            return a;
        }

        var builder = a.ToBuilder();
        foreach (var (id, t) in b)
        {
            if (!builder.TryGetValue(id, out var existing) || t > existing)
            {
                builder[id] = t;
            }
        }

        return builder.ToImmutable();
    }

    /// <inheritdoc/>
    public bool Equals(TxGraphChangeSet? other) =>
        other is not null
        && Transactions.Count == other.Transactions.Count && Transactions.All(kv => other.Transactions.TryGetValue(kv.Key, out var t) && t.Equals(kv.Value))
        && TxOuts.Count == other.TxOuts.Count && TxOuts.All(kv => other.TxOuts.TryGetValue(kv.Key, out var t) && t == kv.Value)
        && Anchors.SetEquals(other.Anchors)
        && LastSeen.Count == other.LastSeen.Count && LastSeen.All(kv => other.LastSeen.TryGetValue(kv.Key, out var t) && t == kv.Value)
        && LastEvicted.Count == other.LastEvicted.Count && LastEvicted.All(kv => other.LastEvicted.TryGetValue(kv.Key, out var t) && t == kv.Value);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Transactions.Count, TxOuts.Count, Anchors.Count, LastSeen.Count);
}
