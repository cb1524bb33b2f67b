using System.Globalization;
using OPSource.Bitcoin.Blocks;

namespace OPSource.Chain.Model;

/// <summary>A block identified by its height and hash. Ordered by height, then hash.</summary>
/// <param name="Height">Height in the chain (genesis is 0).</param>
/// <param name="Hash">The block's hash.</param>
public readonly record struct BlockId(int Height, BlockHash Hash) : IComparable<BlockId>
{
    /// <inheritdoc/>
    public int CompareTo(BlockId other)
    {
        var c = Height.CompareTo(other.Height);
        return c != 0 ? c : Hash.CompareTo(other.Hash);
    }

    /// <summary><c>height:hash</c>.</summary>
    public override string ToString() => Height.ToString(CultureInfo.InvariantCulture) + ":" + Hash;

    /// <summary>Orders by height.</summary>
    public static bool operator <(BlockId left, BlockId right) => left.CompareTo(right) < 0;

    /// <summary>Orders by height.</summary>
    public static bool operator >(BlockId left, BlockId right) => left.CompareTo(right) > 0;

    /// <summary>Orders by height.</summary>
    public static bool operator <=(BlockId left, BlockId right) => left.CompareTo(right) <= 0;

    /// <summary>Orders by height.</summary>
    public static bool operator >=(BlockId left, BlockId right) => left.CompareTo(right) >= 0;
}

/// <summary>
/// Where a transaction was confirmed: the block and that block's header time (Unix seconds). A
/// transaction may collect several anchors (one per chain it was seen in); the canonical view uses
/// the one whose block is in the best chain.
/// </summary>
/// <param name="Block">The block that contains the transaction.</param>
/// <param name="ConfirmationTime">The block header's time, Unix seconds.</param>
public readonly record struct ConfirmationAnchor(BlockId Block, long ConfirmationTime) : IComparable<ConfirmationAnchor>
{
    /// <summary>Height of the anchoring block.</summary>
    public int Height => Block.Height;

    /// <inheritdoc/>
    public int CompareTo(ConfirmationAnchor other)
    {
        var c = Block.CompareTo(other.Block);
        return c != 0 ? c : ConfirmationTime.CompareTo(other.ConfirmationTime);
    }

    /// <summary>Orders by block.</summary>
    public static bool operator <(ConfirmationAnchor left, ConfirmationAnchor right) => left.CompareTo(right) < 0;

    /// <summary>Orders by block.</summary>
    public static bool operator >(ConfirmationAnchor left, ConfirmationAnchor right) => left.CompareTo(right) > 0;

    /// <summary>Orders by block.</summary>
    public static bool operator <=(ConfirmationAnchor left, ConfirmationAnchor right) => left.CompareTo(right) <= 0;

    /// <summary>Orders by block.</summary>
    public static bool operator >=(ConfirmationAnchor left, ConfirmationAnchor right) => left.CompareTo(right) >= 0;
}
