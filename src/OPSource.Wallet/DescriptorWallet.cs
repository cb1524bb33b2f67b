using System.Collections.Immutable;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Model;
using OPSource.Platform.Funding;

namespace OPSource.Wallet;

/// <summary>Options of a <see cref="DescriptorWallet"/> that are not part of its persisted state.</summary>
public sealed record DescriptorWalletOptions
{
    /// <summary>Unrevealed scripts watched beyond the last revealed index (the gap limit; default 20).</summary>
    public uint Lookahead { get; init; } = 20;

    /// <summary>
    /// Master fingerprints of the keys the wallet can sign with (empty for watch-only). Used to size
    /// taproot inputs for a key-path spend when the wallet holds the internal key.
    /// </summary>
    public IReadOnlySet<KeyFingerprint> SigningFingerprints { get; init; } = new HashSet<KeyFingerprint>();
}

/// <summary>A refused wallet-core operation: the message says what and why (maps to <see cref="WalletErrorKind"/>).</summary>
public sealed class WalletCoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WalletCoreException(WalletErrorKind kind, string message) : base(message) => Kind = kind;

    /// <summary>Creates the exception.</summary>
    public WalletCoreException() { }

    /// <summary>Creates the exception.</summary>
    public WalletCoreException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public WalletCoreException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>The kind.</summary>
    public WalletErrorKind Kind { get; } = WalletErrorKind.InvalidRequest;
}

/// <summary>
/// A descriptor wallet as an I/O-free state machine (BDK's split): it is fed blocks and mempool
/// transactions, tracks its scripts, coins, history and balances, builds and signs transactions, and
/// records every change in a staged <see cref="WalletChangeSet"/> that the caller takes out and
/// persists. No database, network or clock access: the caller passes times.
/// </summary>
public sealed partial class DescriptorWallet
{
    private readonly KeychainIndex<WalletKeychain> _index;
    private readonly TxGraph _graph = new();
    private readonly LocalChain _chain;
    private readonly Dictionary<(string, string), WalletLabel> _labels = [];
    private readonly HashSet<OutPoint> _locked = [];
    private readonly DescriptorWalletOptions _options;
    private WalletChangeSet _staged = WalletChangeSet.Empty;
    private CanonicalView? _view;

    private DescriptorWallet(Network network, Descriptor external, Descriptor? @internal, LocalChain chain, DescriptorWalletOptions options)
    {
        Network = network;
        External = external;
        Internal = @internal;
        _chain = chain;
        _options = options;
        _index = new KeychainIndex<WalletKeychain>(options.Lookahead);
        _index.AddKeychain(WalletKeychain.External, external);
        if (@internal is not null)
        {
            _index.AddKeychain(WalletKeychain.Internal, @internal);
        }
    }

    /// <summary>The network.</summary>
    public Network Network { get; }

    /// <summary>The receive descriptor (public form).</summary>
    public Descriptor External { get; }

    /// <summary>The change descriptor (public form), or null: change then goes to the receive keychain.</summary>
    public Descriptor? Internal { get; }

    /// <summary>The wallet's chain tip.</summary>
    public BlockId Tip => _chain.Tip.Block;

    /// <summary>The wallet's chain.</summary>
    public LocalChain Chain => _chain;

    /// <summary>Every transaction the wallet knows (including replaced and conflicted ones).</summary>
    public TxGraph Graph => _graph;

    /// <summary>The watched scripts.</summary>
    public KeychainIndex<WalletKeychain> Index => _index;

    /// <summary>Changes not yet taken out for persistence.</summary>
    public WalletChangeSet Staged => _staged;

    /// <summary>Returns the staged changes and starts a new, empty set (call after persisting them, or persist what it returns).</summary>
    public WalletChangeSet TakeStaged()
    {
        var s = _staged;
        _staged = WalletChangeSet.Empty;
        return s;
    }

    /// <summary>
    /// Creates a wallet from its descriptors (public form; a multipath <c>&lt;0;1&gt;</c> descriptor
    /// gives both keychains). <paramref name="changeSet"/> holds everything to persist.
    /// </summary>
    /// <exception cref="WalletCoreException">The descriptors are unusable (not derivable, same for both keychains, hardened without private keys).</exception>
    public static DescriptorWallet Create(Descriptor external, Descriptor? @internal, Network network, out WalletChangeSet changeSet, DescriptorWalletOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(external);
        ArgumentNullException.ThrowIfNull(network);
        (external, @internal) = SplitMultipath(external, @internal);
        Validate(external, "receive");
        if (@internal is not null)
        {
            Validate(@internal, "change");
            if (external.ToString() == @internal.ToString())
            {
                throw new WalletCoreException(WalletErrorKind.InvalidRequest, "descriptor: the receive and change descriptors are the same");
            }
        }

        var chain = LocalChain.FromGenesis(network.GenesisBlockHash, out var chainCs);
        var wallet = new DescriptorWallet(network, external, @internal, chain, options ?? new DescriptorWalletOptions());
        wallet._staged = new WalletChangeSet
        {
            Network = network.Name,
            ExternalDescriptor = external.ToString(),
            InternalDescriptor = @internal?.ToString(),
            Chain = chainCs,
        };
        changeSet = wallet._staged;
        return wallet;
    }

    /// <summary>Rebuilds a wallet from the merge of its persisted changesets.</summary>
    /// <exception cref="WalletCoreException">The changeset lacks the network or descriptors, or they do not parse.</exception>
    public static DescriptorWallet Load(WalletChangeSet changeSet, DescriptorWalletOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(changeSet);
        if (changeSet.Network is null || !Network.TryGet(changeSet.Network, out var network))
        {
            throw new WalletCoreException(WalletErrorKind.InvalidRequest, "wallet: stored state has no valid network");
        }

        if (changeSet.ExternalDescriptor is null || !Descriptor.TryParse(changeSet.ExternalDescriptor, network, out var external, out var e1))
        {
            throw new WalletCoreException(WalletErrorKind.InvalidRequest, "wallet: stored state has no valid receive descriptor");
        }

        Descriptor? @internal = null;
        if (changeSet.InternalDescriptor is not null && !Descriptor.TryParse(changeSet.InternalDescriptor, network, out @internal, out var e2))
        {
            throw new WalletCoreException(WalletErrorKind.InvalidRequest, "wallet: stored change descriptor does not parse: " + e2);
        }

        _ = e1;
        var chain = changeSet.Chain.IsEmpty
            ? LocalChain.FromGenesis(network.GenesisBlockHash, out _)
            : LocalChain.FromChangeSet(changeSet.Chain);
        var wallet = new DescriptorWallet(network, external, @internal, chain, options ?? new DescriptorWalletOptions());
        wallet._index.ApplyChangeSet(changeSet.Index);
        wallet._graph.ApplyChangeSet(changeSet.Graph);
        foreach (var tx in wallet._graph.Transactions)
        {
            wallet._index.IndexTransaction(tx);
        }

        foreach (var ((type, reference), label) in changeSet.Labels)
        {
            if (label is not null)
            {
                wallet._labels[(type, reference)] = label;
            }
        }

        foreach (var (op, locked) in changeSet.Locks)
        {
            if (locked)
            {
                wallet._locked.Add(op);
            }
        }

        return wallet;
    }

    private static (Descriptor External, Descriptor? Internal) SplitMultipath(Descriptor external, Descriptor? @internal)
    {
        if (!external.IsMultipath)
        {
            return (external, @internal);
        }

        var paths = external.Expand();
        if (paths.Count != 2 || @internal is not null)
        {
            throw new WalletCoreException(WalletErrorKind.InvalidRequest, "descriptor: a multipath descriptor must have exactly two paths (<receive;change>) and no separate change descriptor");
        }

        return (paths[0], paths[1]);
    }

    private static void Validate(Descriptor d, string role)
    {
        if (d.IsMultipath)
        {
            throw new WalletCoreException(WalletErrorKind.InvalidRequest, $"descriptor: the {role} descriptor is multipath; give one <receive;change> descriptor or two single-path ones");
        }

        if (!d.CanDeriveWithoutPrivateKeys)
        {
            throw new WalletCoreException(WalletErrorKind.InvalidRequest, $"descriptor: the {role} descriptor derives hardened children from a public key; give the xprv or the account xpub");
        }
    }

    // ------------------------------------------------------------------ addresses

    /// <summary>Hands out the next address of a keychain (change falls back to receive when the wallet has no change keychain).</summary>
    public WalletAddress RevealNextAddress(WalletKeychain keychain = WalletKeychain.External)
    {
        keychain = Resolve(keychain);
        var s = _index.RevealNext(keychain, out var cs);
        Stage(new WalletChangeSet { Index = cs });
        return ToAddress(s.Keychain, s.Index, s.ScriptPubKey);
    }

    /// <summary>The lowest revealed address nobody paid yet, or a new one.</summary>
    public WalletAddress NextUnusedAddress(WalletKeychain keychain = WalletKeychain.External)
    {
        keychain = Resolve(keychain);
        var s = _index.NextUnused(keychain, out var cs);
        Stage(new WalletChangeSet { Index = cs });
        return ToAddress(s.Keychain, s.Index, s.ScriptPubKey);
    }

    /// <summary>The address at an index, without revealing it.</summary>
    public WalletAddress PeekAddress(WalletKeychain keychain, uint index)
    {
        keychain = Resolve(keychain);
        return ToAddress(keychain, index, _index.ScriptAt(keychain, index));
    }

    /// <summary>The revealed addresses of a keychain.</summary>
    public IReadOnlyList<WalletAddress> ListAddresses(WalletKeychain keychain = WalletKeychain.External)
    {
        if (keychain == WalletKeychain.Internal && Internal is null)
        {
            return [];
        }

        return [.. _index.RevealedScripts(keychain).Select(s => ToAddress(s.Keychain, s.Index, s.ScriptPubKey))];
    }

    /// <summary>The descriptor of a keychain (change falls back to receive).</summary>
    public Descriptor DescriptorOf(WalletKeychain keychain) => Resolve(keychain) == WalletKeychain.Internal ? Internal! : External;

    /// <summary>True when the script belongs to the wallet.</summary>
    public bool IsMine(Script script) => _index.IsMine(script);

    private WalletKeychain Resolve(WalletKeychain keychain) => keychain == WalletKeychain.Internal && Internal is null ? WalletKeychain.External : keychain;

    private WalletAddress ToAddress(WalletKeychain keychain, uint index, Script spk) =>
        new(keychain, index, spk, Address.TryFromScriptPubKey(spk, Network, out var a) ? a : null, _index.IsUsed(keychain, index));

    // ------------------------------------------------------------------ chain updates

    /// <summary>
    /// Connects a block at <paramref name="height"/>: extends (or, with <paramref name="connectedTo"/>,
    /// reorganises) the chain and records every transaction that pays or spends the wallet, anchored in
    /// this block. Applying the same block twice changes nothing.
    /// </summary>
    /// <exception cref="ChainUpdateException">The block does not connect to the wallet's chain (nothing changed).</exception>
    public void ApplyBlock(Block block, int height, BlockId? connectedTo = null)
    {
        ArgumentNullException.ThrowIfNull(block);
        var chainCs = _chain.ApplyHeader(block.Header, height, connectedTo);
        var blockId = new BlockId(height, BlockHash.Of(block.Header));
        var anchor = new ConfirmationAnchor(blockId, block.Header.Time);
        var graphCs = TxGraphChangeSet.Empty;
        var indexCs = KeychainIndexChangeSet.Empty;
        foreach (var tx in block.Transactions)
        {
            if (!IsRelevantCandidate(tx))
            {
                continue;
            }

            indexCs = indexCs.Merge(_index.IndexTransaction(tx));
            var txid = tx.GetTxId();
            graphCs = graphCs.Merge(_graph.InsertTransaction(tx)).Merge(_graph.InsertAnchor(txid, anchor));
        }

        Stage(new WalletChangeSet { Chain = chainCs, Graph = graphCs, Index = indexCs });
    }

    /// <summary>Records unconfirmed transactions seen (in the node's mempool, or just broadcast) at Unix times; irrelevant ones are ignored.</summary>
    public void ApplyUnconfirmed(IEnumerable<(Transaction Transaction, long SeenAt)> transactions)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        var graphCs = TxGraphChangeSet.Empty;
        var indexCs = KeychainIndexChangeSet.Empty;
        foreach (var (tx, seenAt) in transactions)
        {
            if (!IsRelevantCandidate(tx))
            {
                continue;
            }

            indexCs = indexCs.Merge(_index.IndexTransaction(tx));
            graphCs = graphCs.Merge(_graph.InsertTransaction(tx)).Merge(_graph.InsertSeenAt(tx.GetTxId(), seenAt));
        }

        Stage(new WalletChangeSet { Graph = graphCs, Index = indexCs });
    }

    /// <summary>Records transactions that left the mempool without confirming (expired, evicted, replaced out of view).</summary>
    public void ApplyEvicted(IEnumerable<(TxId TxId, long EvictedAt)> evicted)
    {
        ArgumentNullException.ThrowIfNull(evicted);
        var graphCs = TxGraphChangeSet.Empty;
        foreach (var (txid, at) in evicted)
        {
            if (_graph.GetTransaction(txid) is not null)
            {
                graphCs = graphCs.Merge(_graph.InsertEvictedAt(txid, at));
            }
        }

        Stage(new WalletChangeSet { Graph = graphCs });
    }

    /// <summary>Removes a block the node no longer has in its best chain, and everything above it.</summary>
    public void DisconnectBlock(BlockId block) => Stage(new WalletChangeSet { Chain = _chain.Disconnect(block) });

    /// <summary>Applies a chain update (a checkpoint chain from a chain source) without transactions.</summary>
    public void ApplyChainUpdate(CheckPoint update) => Stage(new WalletChangeSet { Chain = _chain.ApplyUpdate(update) });

    /// <summary>True when the transaction pays a watched script or spends a coin of the wallet.</summary>
    public bool IsRelevant(Transaction transaction) => IsRelevantCandidate(transaction);

    private bool IsRelevantCandidate(Transaction tx)
    {
        foreach (var output in tx.Outputs)
        {
            if (_index.IsMine(output.ScriptPubKey))
            {
                return true;
            }
        }

        return _index.SpendsFromIndex(tx);
    }

    private void Stage(WalletChangeSet cs)
    {
        if (cs.IsEmpty)
        {
            return;
        }

        _staged = _staged.Merge(cs);
        if (!cs.Graph.IsEmpty || !cs.Chain.IsEmpty)
        {
            _view = null;
        }
    }

    // ------------------------------------------------------------------ views

    /// <summary>The canonical view against the wallet's tip (cached until the next update).</summary>
    public CanonicalView View => _view ??= _graph.Canonicalize(_chain);

    /// <summary>Balances (Core getbalances).</summary>
    public WalletBalance GetBalance()
    {
        long confirmed = 0, trusted = 0, untrusted = 0, immature = 0;
        var tip = Tip.Height;
        var trust = new Dictionary<TxId, bool>();
        foreach (var o in View.FilterOutputs(_index.OutPoints.Keys))
        {
            if (!o.IsUnspent)
            {
                continue;
            }

            var v = o.TxOut.Value.Satoshis;
            if (!o.IsMature(tip))
            {
                immature += v;
            }
            else if (o.Position.IsConfirmed)
            {
                confirmed += v;
            }
            else if (IsTrusted(View, o.OutPoint.TxId, trust))
            {
                trusted += v;
            }
            else
            {
                untrusted += v;
            }
        }

        return new WalletBalance(Amount.FromSatoshis(confirmed), Amount.FromSatoshis(trusted), Amount.FromSatoshis(untrusted), Amount.FromSatoshis(immature));
    }

    /// <summary>The wallet's unspent canonical outputs.</summary>
    public IReadOnlyList<WalletUtxo> ListUnspent() => ListUnspent(View);

    /// <summary>The wallet's unspent outputs in a given canonical view (e.g. one that leaves out transactions being replaced).</summary>
    internal IReadOnlyList<WalletUtxo> ListUnspent(CanonicalView view)
    {
        var tip = Tip.Height;
        var trust = new Dictionary<TxId, bool>();
        var spentScripts = new HashSet<Script>();
        var outputs = view.FilterOutputs(_index.OutPoints.Keys).ToList();
        foreach (var o in outputs)
        {
            if (!o.IsUnspent)
            {
                spentScripts.Add(o.TxOut.ScriptPubKey);
            }
        }

        var result = new List<WalletUtxo>();
        foreach (var o in outputs)
        {
            if (!o.IsUnspent)
            {
                continue;
            }

            var (keychain, index) = _index.OutPoints[o.OutPoint];
            result.Add(new WalletUtxo
            {
                OutPoint = o.OutPoint,
                Output = o.TxOut,
                Keychain = keychain,
                Index = index,
                Position = o.Position,
                Confirmations = o.Position.Confirmations(tip),
                IsCoinBase = o.IsCoinBase,
                IsMature = o.IsMature(tip),
                IsTrusted = o.Position.IsConfirmed || IsTrusted(view, o.OutPoint.TxId, trust),
                FromMe = IsFromMe(view.Get(o.OutPoint.TxId)!.Transaction),
                IsLocked = _locked.Contains(o.OutPoint) || _labels.TryGetValue(("output", o.OutPoint.ToString()), out var l) && l.Spendable == false,
                IsReused = spentScripts.Contains(o.TxOut.ScriptPubKey),
            });
        }

        result.Sort((a, b) => a.Confirmations != b.Confirmations ? b.Confirmations.CompareTo(a.Confirmations) : a.OutPoint.TxId.CompareTo(b.OutPoint.TxId) != 0 ? a.OutPoint.TxId.CompareTo(b.OutPoint.TxId) : a.OutPoint.Index.CompareTo(b.OutPoint.Index));
        return result;
    }

    /// <summary>The wallet's canonical transactions, oldest first.</summary>
    public IReadOnlyList<WalletTransaction> ListTransactions()
    {
        var tip = Tip.Height;
        return [.. View.Transactions.Where(t => IsRelevantCandidate(t.Transaction)).Select(t => Describe(t, tip))];
    }

    /// <summary>One transaction (canonical or not), or null when unknown.</summary>
    public WalletTransaction? GetTransaction(TxId txid)
    {
        if (View.Get(txid) is { } c)
        {
            return Describe(c, Tip.Height);
        }

        return _graph.GetTransaction(txid) is { } tx
            ? Describe(new CanonicalTx(txid, tx, ChainPosition.Unconfirmed(_graph.GetLastSeen(txid))), Tip.Height) with { Confirmations = -1 }
            : null;
    }

    private WalletTransaction Describe(CanonicalTx t, int tip)
    {
        long received = 0, sent = 0, inputs = 0;
        var allInputsKnown = !t.Transaction.IsCoinBase;
        foreach (var o in t.Transaction.Outputs)
        {
            if (_index.IsMine(o.ScriptPubKey))
            {
                received += o.Value.Satoshis;
            }
        }

        if (!t.Transaction.IsCoinBase)
        {
            foreach (var i in t.Transaction.Inputs)
            {
                var prev = _graph.GetTxOut(i.PrevOut);
                if (prev is null)
                {
                    allInputsKnown = false;
                    continue;
                }

                inputs += prev.Value.Satoshis;
                if (_index.IsMine(prev.ScriptPubKey))
                {
                    sent += prev.Value.Satoshis;
                }
            }
        }

        return new WalletTransaction
        {
            TxId = t.TxId,
            Transaction = t.Transaction,
            Position = t.Position,
            Confirmations = t.Position.Confirmations(tip),
            Received = Amount.FromSatoshis(received),
            Sent = Amount.FromSatoshis(sent),
            Fee = allInputsKnown ? Amount.FromSatoshis(inputs - t.Transaction.TotalOutput.Satoshis) : null,
        };
    }

    /// <summary>Core CachedTxIsFromMe: some input spends a coin of the wallet.</summary>
    private bool IsFromMe(Transaction tx) => _index.SpendsFromIndex(tx);

    /// <summary>
    /// Core CachedTxIsTrusted: confirmed, or unconfirmed (in the mempool view) with every input spending
    /// a wallet output of a trusted transaction.
    /// </summary>
    private bool IsTrusted(CanonicalView view, TxId txid, Dictionary<TxId, bool> memo)
    {
        if (memo.TryGetValue(txid, out var known))
        {
            return known;
        }

        memo[txid] = false; // cycles cannot happen, but stay safe
        var c = view.Get(txid);
        bool result;
        if (c is null)
        {
            result = false;
        }
        else if (c.Position.IsConfirmed)
        {
            result = true;
        }
        else if (c.Transaction.IsCoinBase)
        {
            result = false;
        }
        else
        {
            result = true;
            foreach (var input in c.Transaction.Inputs)
            {
                var prev = _graph.GetTxOut(input.PrevOut);
                if (prev is null || !_index.IsMine(prev.ScriptPubKey) || !IsTrusted(view, input.PrevOut.TxId, memo))
                {
                    result = false;
                    break;
                }
            }
        }

        memo[txid] = result;
        return result;
    }

    // ------------------------------------------------------------------ labels and locks

    /// <summary>Every label.</summary>
    public IReadOnlyCollection<WalletLabel> Labels => _labels.Values;

    /// <summary>Sets (or with a null text and no spendable flag, removes) a label.</summary>
    public void SetLabel(WalletLabel label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var key = (label.Type, label.Ref);
        WalletLabel? value = label.Label is null && label.Spendable is null ? null : label;
        if (value is null)
        {
            if (!_labels.Remove(key))
            {
                return;
            }
        }
        else
        {
            if (_labels.TryGetValue(key, out var existing) && existing == value)
            {
                return;
            }

            _labels[key] = value;
        }

        Stage(new WalletChangeSet { Labels = ImmutableDictionary<(string, string), WalletLabel?>.Empty.Add(key, value) });
    }

    /// <summary>The label of a (type, ref), or null.</summary>
    public WalletLabel? GetLabel(string type, string reference) => _labels.GetValueOrDefault((type, reference));

    /// <summary>Locks or unlocks coins (locked coins are not selected automatically).</summary>
    public void SetLocked(IEnumerable<OutPoint> outPoints, bool locked)
    {
        ArgumentNullException.ThrowIfNull(outPoints);
        var changes = ImmutableDictionary<OutPoint, bool>.Empty;
        foreach (var op in outPoints)
        {
            if (locked ? _locked.Add(op) : _locked.Remove(op))
            {
                changes = changes.SetItem(op, locked);
            }
        }

        Stage(new WalletChangeSet { Locks = changes });
    }

    /// <summary>Currently locked coins.</summary>
    public IReadOnlyCollection<OutPoint> LockedOutPoints => _locked;

    /// <summary>The changeset that recreates the whole wallet (for export or a new store).</summary>
    public WalletChangeSet InitialChangeSet() => new()
    {
        Network = Network.Name,
        ExternalDescriptor = External.ToString(),
        InternalDescriptor = Internal?.ToString(),
        Chain = _chain.InitialChangeSet(),
        Graph = _graph.InitialChangeSet(),
        Index = _index.InitialChangeSet(),
        Labels = _labels.ToImmutableDictionary(kv => kv.Key, kv => (WalletLabel?)kv.Value),
        Locks = _locked.ToImmutableDictionary(op => op, _ => true),
    };
}
