using System.Globalization;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Rpc;

namespace OPSource.Chain.Fees;

/// <summary>One fixed fee-rate bin: transactions paying at least <see cref="LowerSatVb"/> and less than <see cref="UpperSatVb"/> sat/vB.</summary>
/// <param name="LowerSatVb">Inclusive lower edge, sat/vB.</param>
/// <param name="UpperSatVb">Exclusive upper edge, sat/vB (null for the open last bin).</param>
/// <param name="VSize">Virtual size in the bin, vB.</param>
public sealed record FeeHistogramBin(int LowerSatVb, int? UpperSatVb, long VSize)
{
    /// <summary>The bin's name as in the data set's column (<c>1_2</c>, <c>1000_plus</c>).</summary>
    public string Name => UpperSatVb is { } u ? $"{LowerSatVb.ToString(CultureInfo.InvariantCulture)}_{u.ToString(CultureInfo.InvariantCulture)}" : $"{LowerSatVb.ToString(CultureInfo.InvariantCulture)}_plus";

    /// <summary>The data set's column name (<c>mempool_fee_histogram_bin_1_2</c>).</summary>
    public string ColumnName => "mempool_fee_histogram_bin_" + Name;
}

/// <summary>
/// A mempool snapshot in the shape of <c>shared/data/fees/mempool-snapshots.csv.gz</c> (the ML fee models' training data):
/// <c>mempool_count</c>, <c>mempool_vsize</c>, <c>mempool_total_fee</c> and the 52 <c>mempool_fee_histogram_bin_A_B</c>
/// columns (1-2, ..., 9-10, 10-12, ..., 28-30, 30-35, ..., 95-100, 100-150, ..., 950-1000, 1000+ sat/vB).
/// </summary>
/// <param name="Count">Transactions (<c>mempool_count</c>).</param>
/// <param name="VSize">Sum of virtual sizes (<c>mempool_vsize</c>).</param>
/// <param name="TotalFee">Sum of base fees (<c>mempool_total_fee</c>, satoshis).</param>
/// <param name="Bins">The 52 bins in ascending order.</param>
/// <param name="BelowFirstBinVSize">Virtual size whose rate fell below 1 sat/vB: in <see cref="VSize"/> but in no bin (as in the data set).</param>
public sealed record MempoolFeeHistogram(int Count, long VSize, Amount TotalFee, IReadOnlyList<FeeHistogramBin> Bins, long BelowFirstBinVSize)
{
    /// <summary>
    /// Width of the chunks the data set's source (mempool.space, an esplora/electrs backend) groups the mempool into
    /// before binning: from the highest rate down, a chunk closes once it exceeds 50,000 vB and the rate changes, and the
    /// whole chunk counts at its lowest rate (electrs <c>util/fees.rs</c> <c>make_fee_histogram</c>, VSIZE_BIN_WIDTH).
    /// </summary>
    public const long EsploraChunkVSize = 50_000;

    /// <summary>The data set's bin edges: lower inclusive, upper exclusive, sat/vB; the last bin is open.</summary>
    public static IReadOnlyList<(int Lower, int? Upper)> Edges { get; } = BuildEdges();

    /// <summary>
    /// Builds the snapshot from <c>getrawmempool true</c> entries. Each transaction's rate is its base fee over its
    /// vsize (Core's policy vsize). <paramref name="chunkVSize"/> reproduces the data set's pipeline by default
    /// (<see cref="EsploraChunkVSize"/>); 0 bins every distinct fee rate exactly.
    /// </summary>
    public static MempoolFeeHistogram FromEntries(IEnumerable<MempoolEntry> entries, long chunkVSize = EsploraChunkVSize)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentOutOfRangeException.ThrowIfNegative(chunkVSize);
        var list = entries.Select(e => (Rate: e.VSize > 0 ? (double)e.BaseFee.Satoshis / e.VSize : 0, e.VSize, Fee: e.BaseFee)).ToList();
        var count = list.Count;
        var vsize = list.Sum(e => (long)e.VSize);
        var fee = list.Aggregate(Amount.Zero, (sum, e) => sum + e.Fee);

        // Highest rate first; close a chunk when it is over the width and the rate changes.
        list.Sort((a, b) => b.Rate.CompareTo(a.Rate));
        var bins = new long[Edges.Count];
        long below = 0;
        long chunk = 0;
        var chunkRate = 0.0;
        foreach (var (rate, size, _) in list)
        {
            if (chunk > chunkVSize && rate != chunkRate)
            {
                Place(chunkRate, chunk, bins, ref below);
                chunk = 0;
            }

            chunkRate = rate;
            chunk += size;
        }

        if (chunk > 0)
        {
            Place(chunkRate, chunk, bins, ref below);
        }

        return new MempoolFeeHistogram(count, vsize, fee, [.. Edges.Select((e, i) => new FeeHistogramBin(e.Lower, e.Upper, bins[i]))], below);
    }

    /// <summary>Takes <c>getrawmempool true</c> from the node and builds the snapshot.</summary>
    public static async Task<MempoolFeeHistogram> SnapshotAsync(IMempoolSource mempool, CancellationToken cancellationToken, long chunkVSize = EsploraChunkVSize)
    {
        ArgumentNullException.ThrowIfNull(mempool);
        var entries = await mempool.GetRawMempoolVerboseAsync(cancellationToken).ConfigureAwait(false);
        return FromEntries(entries.Values, chunkVSize);
    }

    /// <summary>The snapshot as the data set's columns (name, value), in the data set's order.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> ToColumns() =>
    [
        new("mempool_count", Count),
        new("mempool_vsize", VSize),
        new("mempool_total_fee", TotalFee.Satoshis),
        .. Bins.Select(b => new KeyValuePair<string, long>(b.ColumnName, b.VSize)),
    ];

    private static void Place(double rate, long size, long[] bins, ref long below)
    {
        // The data set assigns a chunk to the bin with lower <= rate < upper; rates under 1 sat/vB fall in none.
        for (var i = Edges.Count - 1; i >= 0; i--)
        {
            if (rate >= Edges[i].Lower)
            {
                bins[i] += size;
                return;
            }
        }

        below += size;
    }

    private static List<(int, int?)> BuildEdges()
    {
        var edges = new List<(int, int?)>();
        static void Add(List<(int, int?)> e, int from, int to, int step)
        {
            for (var lower = from; lower < to; lower += step)
            {
                e.Add((lower, lower + step));
            }
        }

        Add(edges, 1, 10, 1);
        Add(edges, 10, 30, 2);
        Add(edges, 30, 100, 5);
        Add(edges, 100, 1000, 50);
        edges.Add((1000, null));
        return edges;
    }
}
