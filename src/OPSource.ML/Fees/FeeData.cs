using System.Globalization;
using System.IO.Compression;
using OPSource.Bitcoin;
using OPSource.Chain.Fees;
using OPSource.Chain.Rpc;
using OPSource.Platform.Errors;

namespace OPSource.ML.Fees;

/// <summary>Bad fee data (a file, a row or a value): one line naming the file, line and column.</summary>
public sealed class FeeDataException : OpsourceException
{
    /// <summary>Creates the exception.</summary>
    public FeeDataException(string message)
        : base(ErrorCategory.InvalidInput, "invalid_fee_data", message)
    {
    }
}

/// <summary>
/// One block's <c>getblockstats</c> fields the fee models use (whole sat/vB as Core truncates them; the percentiles
/// are weight-weighted). The same row comes from <c>blockstats.csv</c> and from the node.
/// </summary>
/// <param name="Height">Block height.</param>
/// <param name="Time">Header time, unix seconds (miner-set: not monotonic in height).</param>
/// <param name="MedianTime">Median time past, unix seconds.</param>
/// <param name="Txs">Transactions including the coinbase.</param>
/// <param name="TotalWeight">Total weight of the non-coinbase transactions, WU.</param>
/// <param name="TotalFee">Fees, satoshis.</param>
/// <param name="MinFeeRate">Lowest fee rate in the block, sat/vB.</param>
/// <param name="AvgFeeRate">Average fee rate, sat/vB.</param>
/// <param name="P10">10th weight percentile of the fee rates, sat/vB.</param>
/// <param name="P25">25th percentile.</param>
/// <param name="P50">Median.</param>
/// <param name="P75">75th percentile.</param>
/// <param name="P90">90th percentile.</param>
public sealed record BlockRow(int Height, long Time, long MedianTime, long Txs, long TotalWeight, long TotalFee, int MinFeeRate, int AvgFeeRate, int P10, int P25, int P50, int P75, int P90)
{
    /// <summary>The row from the node's <c>getblockstats</c> (all stats requested).</summary>
    public static BlockRow FromStats(BlockStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        static int Rate(FeeRate? r) => r is { } v ? (int)decimal.Truncate(v.SatoshisPerVByte) : 0;
        var p = stats.FeeRatePercentiles ?? [];
        if (stats.Height is not { } height || stats.Time is not { } time || p.Count != 5)
        {
            throw new FeeDataException("getblockstats: the answer lacks height, time or the five fee-rate percentiles");
        }

        return new BlockRow(
            height,
            time.ToUnixTimeSeconds(),
            stats.MedianTime?.ToUnixTimeSeconds() ?? time.ToUnixTimeSeconds(),
            stats.Txs ?? 0,
            stats.TotalWeight ?? 0,
            stats.TotalFee?.Satoshis ?? 0,
            Rate(stats.MinFeeRate),
            Rate(stats.AverageFeeRate),
            Rate(p[0]),
            Rate(p[1]),
            Rate(p[2]),
            Rate(p[3]),
            Rate(p[4]));
    }
}

/// <summary>mempool.space's recommended fees at a snapshot (sat/vB): the baseline the fee model is compared with.</summary>
/// <param name="Fastest"><c>fastestFee</c> (compared at target 1).</param>
/// <param name="HalfHour"><c>halfHourFee</c> (target 3).</param>
/// <param name="Hour"><c>hourFee</c> (target 6).</param>
/// <param name="Economy"><c>economyFee</c> (target 144).</param>
/// <param name="Minimum"><c>minimumFee</c>.</param>
public sealed record MempoolRecommendation(double Fastest, double HalfHour, double Hour, double Economy, double Minimum)
{
    /// <summary>The recommendation compared with a confirmation target (fastest for 1, half-hour for 3, hour for 6, economy for 144).</summary>
    public double ForTarget(int target) => target switch
    {
        1 => Fastest,
        3 => HalfHour,
        6 => Hour,
        144 => Economy,
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, "mempool.space recommends for targets 1, 3, 6 and 144 only"),
    };
}

/// <summary>
/// One mempool snapshot in the schema shared by the file rows (<c>mempool-snapshots.csv</c>) and the live rows
/// (<c>getrawmempool true</c> through <see cref="MempoolFeeHistogram"/>): count, vsize, total fee and the 52 histogram
/// bins; <see cref="Recommended"/> only where the file has mempool.space's numbers (never a feature).
/// </summary>
/// <param name="Time">Unix seconds.</param>
/// <param name="Count">Transactions in the mempool.</param>
/// <param name="VSize">Their total vsize, vB.</param>
/// <param name="TotalFee">Their total fee, satoshis.</param>
/// <param name="Bins">vsize per fee-rate bin (<see cref="MempoolFeeHistogram.Edges"/>), 52 values.</param>
/// <param name="Recommended">mempool.space's recommendation, null for live rows.</param>
public sealed record SnapshotRow(long Time, long Count, long VSize, long TotalFee, IReadOnlyList<long> Bins, MempoolRecommendation? Recommended)
{
    /// <summary>The live row for a snapshot taken at <paramref name="time"/>.</summary>
    public static SnapshotRow FromHistogram(MempoolFeeHistogram histogram, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        return new SnapshotRow(time.ToUnixTimeSeconds(), histogram.Count, histogram.VSize, histogram.TotalFee.Satoshis, [.. histogram.Bins.Select(b => b.VSize)], null);
    }

    /// <summary>True when both rows carry the same mempool data (time, totals and every bin).</summary>
    public bool SameData(SnapshotRow other) =>
        other is not null && Time == other.Time && Count == other.Count && VSize == other.VSize && TotalFee == other.TotalFee && Bins.SequenceEqual(other.Bins);
}

/// <summary>Reads the data set's CSV files (plain or gzip, detected by content) with one-line errors naming file, line and column.</summary>
public static class FeeCsv
{
    /// <summary>The block columns read from <c>blockstats.csv</c>.</summary>
    public static IReadOnlyList<string> BlockColumns { get; } =
        ["height", "time", "mediantime", "txs", "total_weight", "totalfee", "minfeerate", "avgfeerate", "feerate_p10", "feerate_p25", "feerate_p50", "feerate_p75", "feerate_p90"];

    /// <summary>The snapshot columns (besides mempool.space's recommendation) read from <c>mempool-snapshots.csv</c>.</summary>
    public static IReadOnlyList<string> SnapshotColumns { get; } =
        ["timestamp", "mempool_count", "mempool_vsize", "mempool_total_fee", .. MempoolFeeHistogram.Edges.Select(e => new FeeHistogramBin(e.Lower, e.Upper, 0).ColumnName)];

    private static readonly string[] RecommendationColumns =
        ["recommended_fee_fastestFee", "recommended_fee_halfHourFee", "recommended_fee_hourFee", "recommended_fee_economyFee", "recommended_fee_minimumFee"];

    /// <summary>Reads block rows, in file order.</summary>
    public static IReadOnlyList<BlockRow> ReadBlocks(string path)
    {
        var rows = new List<BlockRow>();
        Read(path, BlockColumns, null, (v, _, _) => rows.Add(new BlockRow(
            (int)v[0], v[1], v[2], v[3], v[4], v[5], (int)v[6], (int)v[7], (int)v[8], (int)v[9], (int)v[10], (int)v[11], (int)v[12])));
        return rows;
    }

    /// <summary>Reads snapshot rows, in file order (with mempool.space's recommendation when the file has its columns).</summary>
    public static IReadOnlyList<SnapshotRow> ReadSnapshots(string path)
    {
        var rows = new List<SnapshotRow>();
        Read(path, SnapshotColumns, RecommendationColumns, (v, rec, _) => rows.Add(new SnapshotRow(
            v[0], v[1], v[2], v[3], v[4..], rec is null ? null : new MempoolRecommendation(rec[0], rec[1], rec[2], rec[3], rec[4]))));
        return rows;
    }

    /// <summary>Writes snapshot rows in the data set's column layout (the recommendation columns when every row has them).</summary>
    public static void WriteSnapshots(TextWriter writer, IEnumerable<SnapshotRow> rows)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToList();
        var withRec = list.Count > 0 && list.All(r => r.Recommended is not null);
        writer.WriteLine(string.Join(',', withRec ? [.. SnapshotColumns, .. RecommendationColumns] : SnapshotColumns));
        foreach (var r in list)
        {
            IEnumerable<string> cells = [Inv(r.Time), Inv(r.Count), Inv(r.VSize), Inv(r.TotalFee), .. r.Bins.Select(Inv)];
            if (withRec)
            {
                var m = r.Recommended!;
                cells = cells.Concat(new[] { m.Fastest, m.HalfHour, m.Hour, m.Economy, m.Minimum }.Select(x => x.ToString("R", CultureInfo.InvariantCulture)));
            }

            writer.WriteLine(string.Join(',', cells));
        }
    }

    private static string Inv(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static void Read(string path, IReadOnlyList<string> required, string[]? optional, Action<long[], double[]?, int> row)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var name = Path.GetFileName(path);
        if (!File.Exists(path))
        {
            throw new FeeDataException($"{path}: file not found");
        }

        using var reader = Open(path);
        var header = reader.ReadLine() ?? throw new FeeDataException($"{name}: empty file");
        var columns = header.Split(',');
        var index = columns.Select((c, i) => (c, i)).GroupBy(x => x.c, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        var missing = required.Where(c => !index.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            throw new FeeDataException($"{name}: missing column(s) {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")}");
        }

        var req = required.Select(c => index[c]).ToArray();
        var opt = optional is not null && optional.All(index.ContainsKey) ? optional.Select(c => index[c]).ToArray() : null;
        var line = 1;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0)
            {
                continue;
            }

            var cells = text.Split(',');
            if (cells.Length != columns.Length)
            {
                throw new FeeDataException($"{name} line {line}: {cells.Length} cells, the header has {columns.Length}");
            }

            var values = new long[req.Length];
            for (var i = 0; i < req.Length; i++)
            {
                var cell = cells[req[i]];
                // Whole numbers; the histogram's vsize columns may be written as 123.0 by some exporters.
                if (!long.TryParse(cell, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out values[i]))
                {
                    if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d) && Math.Abs(d) < 9e15)
                    {
                        values[i] = (long)d;
                    }
                    else
                    {
                        throw new FeeDataException($"{name} line {line}: column '{required[i]}' value '{Clip(cell)}' is not a whole number");
                    }
                }

                if (values[i] < 0 && required[i] != "utxo_increase")
                {
                    throw new FeeDataException($"{name} line {line}: column '{required[i]}' value {values[i]} is negative");
                }
            }

            double[]? rec = null;
            if (opt is not null)
            {
                rec = new double[opt.Length];
                for (var i = 0; i < opt.Length; i++)
                {
                    if (!double.TryParse(cells[opt[i]], NumberStyles.Float, CultureInfo.InvariantCulture, out rec[i]) || !double.IsFinite(rec[i]) || rec[i] < 0)
                    {
                        throw new FeeDataException($"{name} line {line}: column '{optional![i]}' value '{Clip(cells[opt[i]])}' is not a fee rate");
                    }
                }
            }

            row(values, rec, line);
        }
    }

    private static string Clip(string s) => s.Length > 40 ? s[..40] + "..." : s;

    private static StreamReader Open(string path)
    {
        var stream = File.OpenRead(path);
        var magic = new byte[2];
        var n = stream.Read(magic, 0, 2);
        stream.Position = 0;
        // RFC 1952: a gzip member starts with 0x1f 0x8b.
        Stream input = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(stream, CompressionMode.Decompress) : stream;
        return new StreamReader(input);
    }
}
