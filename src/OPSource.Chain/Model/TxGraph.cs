using System.Collections.Immutable;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Chain.Model;

/// <summary>
/// Every transaction a wallet cares about, with where it was confirmed (anchors) and when it was last
/// seen unconfirmed. The graph only grows: conflicting and replaced transactions stay in it, and
/// <see cref="Canonicalize(LocalChain)"/> decides against a chain which of them count. Each mutation returns the
/// <see cref="TxGraphChangeSet"/> it made (empty when it changed nothing). No I/O.
/// </summary>
public sealed class TxGraph
{
    private readonly Dictionary<TxId, Transaction> _txs = [];
    private readonly Dictionary<OutPoint, TxOut> _floating = [];
    private readonly Dictionary<TxId, SortedSet<ConfirmationAnchor>> _anchors = [];
    private readonly Dictionary<TxId, long> _lastSeen = [];
    private readonly Dictionary<TxId, long> _lastEvicted = [];
    private readonly Dictionary<OutPoint, HashSet<TxId>> _spends = [];

    /// <summary>Number of full transactions.</summary>
    public int Count => _txs.Count;

    /// <summary>Every full transaction.</summary>
    public IEnumerable<Transaction> Transactions => _txs.Values;

    /// <summary>A full transaction by id, or null.</summary>
    public Transaction? GetTransaction(TxId txid) => _txs.GetValueOrDefault(txid);

    /// <summary>An output: from its full transaction, or one known on its own; null when unknown.</summary>
    public TxOut? GetTxOut(OutPoint outPoint)
    {
        if (_txs.TryGetValue(outPoint.TxId, out var tx))
        {
            return outPoint.Index < tx.Outputs.Count ? tx.Outputs[(int)outPoint.Index] : null;
        }

        return _floating.GetValueOrDefault(outPoint);
    }

    /// <summary>The anchors of a transaction (ascending).</summary>
    public IReadOnlyCollection<ConfirmationAnchor> GetAnchors(TxId txid) => _anchors.TryGetValue(txid, out var set) ? set : [];

    /// <summary>When the transaction was last seen unconfirmed, or null.</summary>
    public long? GetLastSeen(TxId txid) => _lastSeen.TryGetValue(txid, out var t) ? t : null;

    /// <summary>When the transaction was last seen evicted from a mempool, or null.</summary>
    public long? GetLastEvicted(TxId txid) => _lastEvicted.TryGetValue(txid, out var t) ? t : null;

    /// <summary>Transactions in the graph that spend <paramref name="outPoint"/> (conflicts when more than one).</summary>
    public IReadOnlyCollection<TxId> GetSpenders(OutPoint outPoint) => _spends.TryGetValue(outPoint, out var s) ? s : [];

    /// <summary>Adds a transaction (a no-op when the id is already known).</summary>
    public TxGraphChangeSet InsertTransaction(Transaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var txid = transaction.GetTxId();
        if (_txs.ContainsKey(txid))
        {
            return TxGraphChangeSet.Empty;
        }

        AddTx(txid, transaction);
        return TxGraphChangeSet.Empty with { Transactions = ImmutableDictionary<TxId, Transaction>.Empty.Add(txid, transaction) };
    }

    /// <summary>Adds an output known without its transaction (ignored once the full transaction is known).</summary>
    public TxGraphChangeSet InsertTxOut(OutPoint outPoint, TxOut output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_txs.ContainsKey(outPoint.TxId) || _floating.ContainsKey(outPoint))
        {
            return TxGraphChangeSet.Empty;
        }

        _floating[outPoint] = output;
        return TxGraphChangeSet.Empty with { TxOuts = ImmutableDictionary<OutPoint, TxOut>.Empty.Add(outPoint, output) };
    }

    /// <summary>Records that a transaction is in a block.</summary>
    public TxGraphChangeSet InsertAnchor(TxId txid, ConfirmationAnchor anchor)
    {
        if (!AddAnchor(txid, anchor))
        {
            return TxGraphChangeSet.Empty;
        }

        return TxGraphChangeSet.Empty with { Anchors = ImmutableHashSet<(TxId, ConfirmationAnchor)>.Empty.Add((txid, anchor)) };
    }

    /// <summary>Records that a transaction was seen unconfirmed (in a mempool, or just broadcast) at a Unix time.</summary>
    public TxGraphChangeSet InsertSeenAt(TxId txid, long seenAt)
    {
        if (_lastSeen.TryGetValue(txid, out var existing) && existing >= seenAt)
        {
            return TxGraphChangeSet.Empty;
        }

        _lastSeen[txid] = seenAt;
        return TxGraphChangeSet.Empty with { LastSeen = ImmutableDictionary<TxId, long>.Empty.Add(txid, seenAt) };
    }

    /// <summary>Records that a transaction left the mempool without confirming at a Unix time.</summary>
    public TxGraphChangeSet InsertEvictedAt(TxId txid, long evictedAt)
    {
        if (_lastEvicted.TryGetValue(txid, out var existing) && existing >= evictedAt)
        {
            return TxGraphChangeSet.Empty;
        }

        _lastEvicted[txid] = evictedAt;
        return TxGraphChangeSet.Empty with { LastEvicted = ImmutableDictionary<TxId, long>.Empty.Add(txid, evictedAt) };
    }

    /// <summary>Applies a changeset (from persistence or another graph).</summary>
    public void ApplyChangeSet(TxGraphChangeSet changeSet)
    {
        ArgumentNullException.ThrowIfNull(changeSet);
        foreach (var (txid, tx) in changeSet.Transactions)
        {
            if (!_txs.ContainsKey(txid))
            {
                AddTx(txid, tx);
            }
        }

        foreach (var (op, txout) in changeSet.TxOuts)
        {
            if (!_txs.ContainsKey(op.TxId))
            {
                _floating.TryAdd(op, txout);
            }
        }

        foreach (var (txid, anchor) in changeSet.Anchors)
        {
            AddAnchor(txid, anchor);
        }

        foreach (var (txid, t) in changeSet.LastSeen)
        {
            if (!_lastSeen.TryGetValue(txid, out var e) || t > e)
            {
                _lastSeen[txid] = t;
            }
        }

        foreach (var (txid, t) in changeSet.LastEvicted)
        {
            if (!_lastEvicted.TryGetValue(txid, out var e) || t > e)
            {
                _lastEvicted[txid] = t;
            }
        }
    }

    /// <summary>The changeset that recreates this graph from nothing.</summary>
    public TxGraphChangeSet InitialChangeSet() => new()
    {
        Transactions = _txs.ToImmutableDictionary(),
        TxOuts = _floating.ToImmutableDictionary(),
        Anchors = _anchors.SelectMany(kv => kv.Value.Select(a => (kv.Key, a))).ToImmutableHashSet(),
        LastSeen = _lastSeen.ToImmutableDictionary(),
        LastEvicted = _lastEvicted.ToImmutableDictionary(),
    };

    /// <summary>
    /// Decides which transactions count against <paramref name="chain"/>: see <see cref="CanonicalView"/>.
    /// </summary>
    public CanonicalView Canonicalize(LocalChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        return CanonicalView.Build(this, chain.Tip);
    }

    /// <summary>Same as <see cref="Canonicalize(LocalChain)"/> against a checkpoint chain.</summary>
    public CanonicalView Canonicalize(CheckPoint tip) => CanonicalView.Build(this, tip);

    /// <summary>
    /// The canonical view as if <paramref name="excluded"/> (and everything spending their outputs) had never been
    /// seen: what a replacement of those transactions may spend (BIP125 fee bumps).
    /// </summary>
    public CanonicalView Canonicalize(LocalChain chain, IReadOnlySet<TxId> excluded)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(excluded);
        return CanonicalView.Build(this, chain.Tip, excluded);
    }

    internal IEnumerable<KeyValuePair<TxId, Transaction>> Entries => _txs;

    private void AddTx(TxId txid, Transaction tx)
    {
        _txs[txid] = tx;
        if (_floating.Count > 0)
        {
            foreach (var op in _floating.Keys.Where(op => op.TxId == txid).ToList())
            {
                _floating.Remove(op);
            }
        }

        if (tx.IsCoinBase)
        {
            return;
        }

        foreach (var input in tx.Inputs)
        {
            if (!_spends.TryGetValue(input.PrevOut, out var set))
            {
                _spends[input.PrevOut] = set = [];
            }

            set.Add(txid);
        }
    }

    private bool AddAnchor(TxId txid, ConfirmationAnchor anchor)
    {
        if (!_anchors.TryGetValue(txid, out var set))
        {
            _anchors[txid] = set = [];
        }

        return set.Add(anchor);
    }
}
