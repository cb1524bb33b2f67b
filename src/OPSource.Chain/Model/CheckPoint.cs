using System.Collections;

namespace OPSource.Chain.Model;

/// <summary>
/// An immutable, persistent list of blocks in descending height order: each checkpoint points to the
/// one below it, so extending a chain shares everything underneath. Heights may be sparse. Each node
/// also keeps a skip pointer chosen like Core's <c>CBlockIndex::pskip</c> (chain.cpp GetSkipHeight), so
/// looking up a height is O(log n) instead of a walk over every block.
/// </summary>
public sealed class CheckPoint : IEnumerable<BlockId>
{
    private CheckPoint(BlockId block, CheckPoint? prev)
    {
        Block = block;
        Prev = prev;
        Count = (prev?.Count ?? 0) + 1;
        if (prev is not null)
        {
            Skip = prev.Floor(GetSkipHeight(block.Height));
        }
    }

    /// <summary>This checkpoint's block.</summary>
    public BlockId Block { get; }

    /// <summary>Height of <see cref="Block"/>.</summary>
    public int Height => Block.Height;

    /// <summary>Hash of <see cref="Block"/>.</summary>
    public Bitcoin.Blocks.BlockHash Hash => Block.Hash;

    /// <summary>The checkpoint below, or null for the lowest.</summary>
    public CheckPoint? Prev { get; }

    /// <summary>Number of checkpoints from here down.</summary>
    public int Count { get; }

    /// <summary>A checkpoint further down used to jump during lookups.</summary>
    private CheckPoint? Skip { get; }

    /// <summary>The lowest checkpoint of this chain.</summary>
    public CheckPoint Base
    {
        get
        {
            var cp = this;
            while (cp.Prev is not null)
            {
                cp = cp.Skip ?? cp.Prev;
            }

            return cp;
        }
    }

    /// <summary>A chain of one block.</summary>
    public static CheckPoint Create(BlockId block) => new(block, null);

    /// <summary>Builds a chain from blocks in strictly ascending height order; null when the sequence is empty.</summary>
    /// <exception cref="ArgumentException">Heights are not strictly ascending.</exception>
    public static CheckPoint? FromBlocks(IEnumerable<BlockId> ascending)
    {
        ArgumentNullException.ThrowIfNull(ascending);
        CheckPoint? tip = null;
        foreach (var block in ascending)
        {
            tip = tip is null ? Create(block) : tip.Push(block);
        }

        return tip;
    }

    /// <summary>Adds a block above this one.</summary>
    /// <exception cref="ArgumentException">The block's height is not above this checkpoint's.</exception>
    public CheckPoint Push(BlockId block) => block.Height > Height
        ? new CheckPoint(block, this)
        : throw new ArgumentException($"checkpoint: block at height {block.Height} does not go above height {Height}", nameof(block));

    /// <summary>The checkpoint at exactly <paramref name="height"/>, or null.</summary>
    public CheckPoint? Get(int height)
    {
        var cp = Floor(height);
        return cp is not null && cp.Height == height ? cp : null;
    }

    /// <summary>The highest checkpoint at or below <paramref name="height"/>, or null.</summary>
    public CheckPoint? Floor(int height)
    {
        var cp = this;
        while (cp is not null && cp.Height > height)
        {
            cp = cp.Skip is { } skip && skip.Height >= height ? skip : cp.Prev;
        }

        return cp;
    }

    /// <summary>True when this chain holds exactly this block.</summary>
    public bool Contains(BlockId block) => Get(block.Height) is { } cp && cp.Hash == block.Hash;

    /// <summary>The blocks from here down, descending.</summary>
    public IEnumerator<BlockId> GetEnumerator()
    {
        for (var cp = this; cp is not null; cp = cp.Prev)
        {
            yield return cp.Block;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The checkpoints from here down to (not including) the first one at or below <paramref name="height"/>, descending.</summary>
    public IEnumerable<CheckPoint> Above(int height)
    {
        for (var cp = this; cp is not null && cp.Height > height; cp = cp.Prev)
        {
            yield return cp;
        }
    }

    /// <summary><c>tip height:hash (count)</c>.</summary>
    public override string ToString() => $"{Block} ({Count} checkpoints)";

    // Core chain.cpp: turn the lowest '1' bit in the binary representation of a number into a '0'.
    private static int InvertLowestOne(int n) => n & (n - 1);

    // Core chain.cpp GetSkipHeight: any height lower than this one, chosen so jumps are logarithmic.
    private static int GetSkipHeight(int height)
    {
        if (height < 2)
        {
            return 0;
        }

        // Determine which height to jump back to. Any number strictly lower than height is acceptable,
        // but the following expression seems to perform well in simulations (max 110 steps to go back
        // up to 2**18 blocks).
        return (height & 1) != 0 ? InvertLowestOne(InvertLowestOne(height - 1)) + 1 : InvertLowestOne(height);
    }
}
