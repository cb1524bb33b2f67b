using System.Collections.Immutable;
using OPSource.Bitcoin.Blocks;

namespace OPSource.Chain.Model;

/// <summary>Why an update could not be applied to a <see cref="LocalChain"/>.</summary>
public enum ChainUpdateErrorKind
{
    /// <summary>The update shares no block with the local chain, so it cannot tell where it connects.</summary>
    CannotConnect,

    /// <summary>The update would replace or remove the genesis block.</summary>
    GenesisMismatch,
}

/// <summary>An update that could not be applied; the local chain is unchanged.</summary>
public sealed class ChainUpdateException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ChainUpdateException(ChainUpdateErrorKind kind, string message, int? tryIncludeHeight = null)
        : base(message)
    {
        Kind = kind;
        TryIncludeHeight = tryIncludeHeight;
    }

    /// <summary>Creates the exception.</summary>
    public ChainUpdateException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public ChainUpdateException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ChainUpdateException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>What went wrong.</summary>
    public ChainUpdateErrorKind Kind { get; }

    /// <summary>For <see cref="ChainUpdateErrorKind.CannotConnect"/>: a height the update should include to connect.</summary>
    public int? TryIncludeHeight { get; }
}

/// <summary>
/// The chain of blocks a wallet believes is best, as a <see cref="CheckPoint"/> list that always starts
/// at genesis. It applies updates from a chain source (connect blocks, or disconnect back to the fork
/// point on a reorg) and returns what changed as a <see cref="ChainChangeSet"/>. No I/O.
/// </summary>
public sealed class LocalChain
{
    private LocalChain(CheckPoint tip) => Tip = tip;

    /// <summary>The highest block.</summary>
    public CheckPoint Tip { get; private set; }

    /// <summary>The genesis block.</summary>
    public BlockId Genesis => Tip.Base.Block;

    /// <summary>A chain holding only genesis, and the changeset that creates it.</summary>
    public static LocalChain FromGenesis(BlockHash genesis, out ChainChangeSet changeSet)
    {
        changeSet = new ChainChangeSet(ImmutableSortedDictionary<int, BlockHash?>.Empty.Add(0, genesis));
        return new LocalChain(CheckPoint.Create(new BlockId(0, genesis)));
    }

    /// <summary>Rebuilds a chain from the merged changesets it emitted (genesis must be present).</summary>
    /// <exception cref="ChainUpdateException">No genesis block in the changeset.</exception>
    public static LocalChain FromChangeSet(ChainChangeSet changeSet)
    {
        ArgumentNullException.ThrowIfNull(changeSet);
        if (!changeSet.Blocks.TryGetValue(0, out var genesis) || genesis is null)
        {
            throw new ChainUpdateException(ChainUpdateErrorKind.GenesisMismatch, "local chain: the changeset has no genesis block");
        }

        var tip = CheckPoint.FromBlocks(changeSet.Blocks.Where(kv => kv.Value is not null).Select(kv => new BlockId(kv.Key, kv.Value!.Value)))!;
        return new LocalChain(tip);
    }

    /// <summary>The block at a height, or null.</summary>
    public BlockId? Get(int height) => Tip.Get(height)?.Block;

    /// <summary>True when the chain holds this exact block.</summary>
    public bool Contains(BlockId block) => Tip.Contains(block);

    /// <summary>Every block, ascending (genesis first).</summary>
    public IReadOnlyList<BlockId> Blocks()
    {
        var list = Tip.ToList();
        list.Reverse();
        return list;
    }

    /// <summary>The changeset that recreates this chain from nothing.</summary>
    public ChainChangeSet InitialChangeSet() =>
        new(Tip.ToImmutableSortedDictionary(b => b.Height, b => (BlockHash?)b.Hash));

    /// <summary>
    /// Merges an update chain (for example the new block and the block it builds on, or after a reorg
    /// the new blocks down to the fork point) into this one. The update must share a block with this
    /// chain (the point of agreement). Blocks of the update above it are added; when the update
    /// replaces a block (same height, other hash), every local block above the point of agreement that
    /// the update does not hold is removed, because it belonged to the stale branch.
    /// </summary>
    /// <returns>What changed (empty when the update brought nothing new).</returns>
    /// <exception cref="ChainUpdateException">The update does not connect; nothing is changed.</exception>
    public ChainChangeSet ApplyUpdate(CheckPoint update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var changes = ComputeChanges(Tip, update);
        ApplyChangeSet(changes);
        return changes;
    }

    /// <summary>
    /// Connects a block whose header is known: <paramref name="header"/> at <paramref name="height"/>,
    /// building on <c>height - 1</c> (its previous-block hash) and optionally on an earlier block
    /// <paramref name="connectedTo"/> both chains share (the fork point after a reorg).
    /// </summary>
    public ChainChangeSet ApplyHeader(BlockHeader header, int height, BlockId? connectedTo = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var blocks = new SortedDictionary<int, BlockHash>();
        if (connectedTo is { } c && c.Height < height)
        {
            blocks[c.Height] = c.Hash;
        }

        blocks[height - 1] = header.PreviousBlockHash;
        blocks[height] = BlockHash.Of(header);
        return ApplyUpdate(CheckPoint.FromBlocks(blocks.Select(kv => new BlockId(kv.Key, kv.Value)))!);
    }

    /// <summary>
    /// Removes <paramref name="block"/> and everything above it (a block the node no longer has in
    /// its best chain). Nothing changes when the chain does not hold that block.
    /// </summary>
    /// <exception cref="ChainUpdateException">The block is genesis.</exception>
    public ChainChangeSet Disconnect(BlockId block)
    {
        if (!Contains(block))
        {
            return ChainChangeSet.Empty;
        }

        if (block.Height == 0)
        {
            throw new ChainUpdateException(ChainUpdateErrorKind.GenesisMismatch, "local chain: the genesis block cannot be disconnected");
        }

        var removed = Tip.Above(block.Height - 1).ToImmutableSortedDictionary(cp => cp.Height, _ => (BlockHash?)null);
        var changes = new ChainChangeSet(removed);
        ApplyChangeSet(changes);
        return changes;
    }

    /// <summary>Applies a changeset (from persistence, or one this chain emitted).</summary>
    /// <exception cref="ChainUpdateException">It would remove or replace genesis.</exception>
    public void ApplyChangeSet(ChainChangeSet changeSet)
    {
        ArgumentNullException.ThrowIfNull(changeSet);
        if (changeSet.IsEmpty)
        {
            return;
        }

        if (changeSet.Blocks.TryGetValue(0, out var g) && g != Genesis.Hash)
        {
            throw new ChainUpdateException(ChainUpdateErrorKind.GenesisMismatch, "local chain: a change would replace or remove the genesis block");
        }

        var lowest = changeSet.Blocks.Keys.First();
        var baseCp = Tip.Floor(lowest - 1) ?? Tip.Base;
        var merged = new SortedDictionary<int, BlockHash>();
        foreach (var cp in Tip.Above(baseCp.Height))
        {
            merged[cp.Height] = cp.Hash;
        }

        foreach (var (height, hash) in changeSet.Blocks)
        {
            if (height <= baseCp.Height)
            {
                continue; // only genesis can be here, and it was checked above
            }

            if (hash is { } h)
            {
                merged[height] = h;
            }
            else
            {
                merged.Remove(height);
            }
        }

        var tip = baseCp;
        foreach (var (height, hash) in merged)
        {
            tip = tip.Push(new BlockId(height, hash));
        }

        Tip = tip;
    }

    /// <summary>The changes that merging <paramref name="update"/> into <paramref name="original"/> makes (BDK's merge_chains idea).</summary>
    internal static ChainChangeSet ComputeChanges(CheckPoint original, CheckPoint update)
    {
        var changes = ImmutableSortedDictionary.CreateBuilder<int, BlockHash?>();
        var staleCandidates = new List<int>(); // original-only heights above the point of agreement
        var invalidated = false;
        CheckPoint? o = original;
        CheckPoint? u = update;
        int? pointOfAgreement = null;
        while (u is not null)
        {
            if (o is null || u.Height > o.Height)
            {
                changes[u.Height] = u.Hash;
                u = u.Prev;
            }
            else if (o.Height > u.Height)
            {
                staleCandidates.Add(o.Height);
                o = o.Prev;
            }
            else if (o.Hash == u.Hash)
            {
                // Block hashes commit to every ancestor: below here both chains are the same.
                pointOfAgreement = o.Height;
                break;
            }
            else
            {
                invalidated = true;
                changes[u.Height] = u.Hash;
                o = o.Prev;
                u = u.Prev;
            }
        }

        if (pointOfAgreement is null)
        {
            var lowestUpdate = update.Base.Height;
            if (changes.ContainsKey(0))
            {
                throw new ChainUpdateException(ChainUpdateErrorKind.GenesisMismatch, "local chain: the update has another genesis block");
            }

            throw new ChainUpdateException(
                ChainUpdateErrorKind.CannotConnect,
                $"local chain: the update (heights {lowestUpdate}..{update.Height}) shares no block with the local chain (tip {original.Block})",
                Math.Max(0, Math.Min(lowestUpdate - 1, original.Height)));
        }

        if (invalidated)
        {
            foreach (var height in staleCandidates)
            {
                if (!changes.ContainsKey(height))
                {
                    changes[height] = null;
                }
            }
        }

        return new ChainChangeSet(changes.ToImmutable());
    }
}
