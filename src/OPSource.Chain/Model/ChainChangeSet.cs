using System.Collections.Immutable;
using OPSource.Bitcoin.Blocks;

namespace OPSource.Chain.Model;

/// <summary>
/// What changed in a <see cref="LocalChain"/>: for each height, the new block hash, or null when the
/// block at that height was removed (disconnected by a reorg). Merging is right-biased per height
/// (the later change wins), so merging is associative with <see cref="Empty"/> as identity, and
/// applying <c>a.Merge(b)</c> equals applying <c>a</c> then <c>b</c>.
/// </summary>
public sealed record ChainChangeSet
{
    /// <summary>Creates a changeset.</summary>
    public ChainChangeSet(ImmutableSortedDictionary<int, BlockHash?> blocks)
    {
        Blocks = blocks ?? ImmutableSortedDictionary<int, BlockHash?>.Empty;
    }

    /// <summary>No change.</summary>
    public static ChainChangeSet Empty { get; } = new(ImmutableSortedDictionary<int, BlockHash?>.Empty);

    /// <summary>Height to new hash (null: removed).</summary>
    public ImmutableSortedDictionary<int, BlockHash?> Blocks { get; }

    /// <summary>True when nothing changed.</summary>
    public bool IsEmpty => Blocks.IsEmpty;

    /// <summary>This change followed by <paramref name="later"/>.</summary>
    public ChainChangeSet Merge(ChainChangeSet later)
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

        return new ChainChangeSet(Blocks.SetItems(later.Blocks));
    }

    /// <inheritdoc/>
    public bool Equals(ChainChangeSet? other) => other is not null && Blocks.Count == other.Blocks.Count &&
        Blocks.All(kv => other.Blocks.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <inheritdoc/>
    public override int GetHashCode() => Blocks.Count;
}
