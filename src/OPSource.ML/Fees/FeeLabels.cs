namespace OPSource.ML.Fees;

/// <summary>
/// The blocks of one or more contiguous height ranges, sorted by height, with the time index the label join and
/// the feature builder share. "After a snapshot at t" means: from the first block, in height order, whose header time
/// is later than t (<see cref="NextIndex"/>); everything before it counts as known at t.
/// </summary>
public sealed class BlockHistory
{
    private readonly BlockRow[] _blocks;
    private readonly long[] _prefixMaxTime;

    /// <summary>Sorts by height (a later duplicate of a height replaces the earlier one) and builds the time index.</summary>
    public BlockHistory(IEnumerable<BlockRow> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var byHeight = new SortedDictionary<int, BlockRow>();
        foreach (var b in blocks)
        {
            byHeight[b.Height] = b;
        }

        _blocks = [.. byHeight.Values];
        _prefixMaxTime = new long[_blocks.Length];
        var max = long.MinValue;
        for (var i = 0; i < _blocks.Length; i++)
        {
            // Header times are miner-set and not monotonic; the running maximum is, so "first block later than t"
            // is a binary search and depends only on blocks up to it.
            max = Math.Max(max, _blocks[i].Time);
            _prefixMaxTime[i] = max;
        }
    }

    /// <summary>The blocks by ascending height.</summary>
    public IReadOnlyList<BlockRow> Blocks => _blocks;

    /// <summary>Index of the first block (by height) whose time is later than <paramref name="time"/>; <see cref="Blocks"/>.Count when none is.</summary>
    public int NextIndex(long time)
    {
        int lo = 0, hi = _blocks.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_prefixMaxTime[mid] > time)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    /// <summary>True when blocks <paramref name="from"/> .. <paramref name="from"/>+<paramref name="count"/>-1 exist and have consecutive heights.</summary>
    public bool Contiguous(int from, int count) =>
        from >= 0 && count >= 1 && from + count <= _blocks.Length && _blocks[from + count - 1].Height - _blocks[from].Height == count - 1;
}

/// <summary>
/// Labels of the fee model: the fee rate that was actually needed to enter one of the next N blocks after a snapshot.
/// <para>
/// Definition. For a block b: if b is full (total weight at least <see cref="FullBlockWeight"/>), the needed rate is
/// its 10th weight-percentile fee rate <c>feerate_p10</c> (at least <see cref="MinRelaySatVb"/>); if it is not full,
/// the miner took everything it had above the relay floor, so the needed rate is <see cref="MinRelaySatVb"/>. For a
/// snapshot at time t and a target N, the next blocks are the N blocks from <see cref="BlockHistory.NextIndex"/> (the
/// first block, by height, whose header time is later than t), and the label is the minimum of their needed rates:
/// a transaction broadcast at t paying at least that rate would have sat in the top 90 % of one of those blocks.
/// </para>
/// <para>
/// Bias. p10 over-states the marginal rate of a full block (10 % of its weight paid less and still got in: CPFP
/// parents, miners' own and accelerated transactions are the usual reason not to use <c>minfeerate</c>) and Core
/// truncates it to a whole sat/vB (under-stating it by less than 1 sat/vB). Header times can be off by minutes to
/// hours, so "the next block" is occasionally one block early or late. The label is not available (null) when the
/// snapshot is outside the covered heights or one of the N blocks is missing.
/// </para>
/// </summary>
public static class FeeLabels
{
    /// <summary>The model's confirmation targets (blocks).</summary>
    public static IReadOnlyList<int> Targets { get; } = [1, 3, 6, 144];

    /// <summary>Weight from which a block counts as full (4,000,000 WU limit, BIP 141, less room for the coinbase and packing slack).</summary>
    public const long FullBlockWeight = 3_900_000;

    /// <summary>The relay floor (Core's default <c>-minrelaytxfee</c> of 1,000 sat/kvB over the data's periods).</summary>
    public const int MinRelaySatVb = 1;

    /// <summary>The rate needed to enter one block (see the type's definition).</summary>
    public static int NeededRate(BlockRow block)
    {
        ArgumentNullException.ThrowIfNull(block);
        return block.TotalWeight >= FullBlockWeight ? Math.Max(MinRelaySatVb, block.P10) : MinRelaySatVb;
    }

    /// <summary>The label for a snapshot at <paramref name="time"/> and target <paramref name="target"/>, null when not available.</summary>
    public static int? Needed(BlockHistory history, long time, int target)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfLessThan(target, 1);
        var next = history.NextIndex(time);
        // The snapshot must fall inside the covered heights: the block before "next" is its parent.
        if (next == 0 || !history.Contiguous(next - 1, target + 1))
        {
            return null;
        }

        var needed = int.MaxValue;
        for (var k = 0; k < target; k++)
        {
            needed = Math.Min(needed, NeededRate(history.Blocks[next + k]));
        }

        return needed;
    }
}
