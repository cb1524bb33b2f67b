using System.Collections.Immutable;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Model;

namespace OPSource.Wallet;

/// <summary>A BIP329 label: type (<c>tx</c>, <c>addr</c>, <c>pubkey</c>, <c>input</c>, <c>output</c>, <c>xpub</c>), reference and text.</summary>
/// <param name="Type">BIP329 type.</param>
/// <param name="Ref">BIP329 reference (txid, address, outpoint <c>txid:n</c>...).</param>
/// <param name="Label">The label text.</param>
/// <param name="Spendable">For <c>output</c> labels: BIP329 <c>spendable</c> (false freezes the coin).</param>
public sealed record WalletLabel(string Type, string Ref, string? Label, bool? Spendable = null);

/// <summary>
/// Everything that changed in a <see cref="DescriptorWallet"/>, to persist atomically: the wallet's
/// identity (network and descriptors, set once), the chain, the transaction graph, the revealed
/// indexes, labels and coin locks. Merging is associative with <see cref="Empty"/> as identity:
/// identity fields keep the first value, labels and locks the later one per key, and the chain, graph
/// and index changesets merge by their own laws. Loading the merge of every persisted changeset
/// rebuilds the wallet.
/// </summary>
public sealed record WalletChangeSet
{
    /// <summary>No change.</summary>
    public static WalletChangeSet Empty { get; } = new();

    /// <summary>Network name (set once).</summary>
    public string? Network { get; init; }

    /// <summary>Public receive descriptor with checksum (set once).</summary>
    public string? ExternalDescriptor { get; init; }

    /// <summary>Public change descriptor with checksum, or null for a single-keychain wallet (set once).</summary>
    public string? InternalDescriptor { get; init; }

    /// <summary>Chain changes.</summary>
    public ChainChangeSet Chain { get; init; } = ChainChangeSet.Empty;

    /// <summary>Transaction graph additions.</summary>
    public TxGraphChangeSet Graph { get; init; } = TxGraphChangeSet.Empty;

    /// <summary>Revealed indexes.</summary>
    public KeychainIndexChangeSet Index { get; init; } = KeychainIndexChangeSet.Empty;

    /// <summary>Labels set (value) or removed (null), keyed by (type, ref).</summary>
    public ImmutableDictionary<(string Type, string Ref), WalletLabel?> Labels { get; init; } = ImmutableDictionary<(string, string), WalletLabel?>.Empty;

    /// <summary>Coins locked (true) or unlocked (false).</summary>
    public ImmutableDictionary<OutPoint, bool> Locks { get; init; } = ImmutableDictionary<OutPoint, bool>.Empty;

    /// <summary>True when nothing changed.</summary>
    public bool IsEmpty => Network is null && ExternalDescriptor is null && InternalDescriptor is null && Chain.IsEmpty && Graph.IsEmpty && Index.IsEmpty && Labels.IsEmpty && Locks.IsEmpty;

    /// <summary>This change followed by <paramref name="later"/>.</summary>
    public WalletChangeSet Merge(WalletChangeSet later)
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

        return new WalletChangeSet
        {
            Network = Network ?? later.Network,
            ExternalDescriptor = ExternalDescriptor ?? later.ExternalDescriptor,
            InternalDescriptor = InternalDescriptor ?? later.InternalDescriptor,
            Chain = Chain.Merge(later.Chain),
            Graph = Graph.Merge(later.Graph),
            Index = Index.Merge(later.Index),
            Labels = Labels.SetItems(later.Labels),
            Locks = Locks.SetItems(later.Locks),
        };
    }

    /// <inheritdoc/>
    public bool Equals(WalletChangeSet? other) =>
        other is not null && Network == other.Network && ExternalDescriptor == other.ExternalDescriptor && InternalDescriptor == other.InternalDescriptor
        && Chain.Equals(other.Chain) && Graph.Equals(other.Graph) && Index.Equals(other.Index)
        && Labels.Count == other.Labels.Count && Labels.All(kv => other.Labels.TryGetValue(kv.Key, out var v) && Equals(v, kv.Value))
        && Locks.Count == other.Locks.Count && Locks.All(kv => other.Locks.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Network, ExternalDescriptor, Chain.GetHashCode(), Graph.GetHashCode());
}
