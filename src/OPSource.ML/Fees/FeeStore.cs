using System.Data.Common;
using System.Globalization;
using OPSource.Chain;
using OPSource.Chain.Fees;
using OPSource.Storage;

namespace OPSource.ML.Fees;

/// <summary>What an ingest stored: rows new to the store and rows already there (a re-run stores nothing twice).</summary>
/// <param name="Inserted">New rows.</param>
/// <param name="AlreadyPresent">Rows the store had (same key).</param>
public sealed record IngestCount(int Inserted, int AlreadyPresent);

/// <summary>
/// The fee feature store (module <c>ml</c>, SQLite or PostgreSQL): raw block rows by height and snapshot rows by time
/// (file and live rows in one schema, <c>schema_version</c> per row), plus the registry of row schemas
/// (<c>ml_row_schemas</c>: name, version, columns). Inserts are idempotent: a key already stored is left as it is.
/// </summary>
public sealed class FeeStore(Database database)
{
    /// <summary>Version of the snapshot row layout (the 52 bins of <see cref="MempoolFeeHistogram.Edges"/>).</summary>
    public const int SnapshotSchemaVersion = 1;

    /// <summary>Version of the block row layout (<see cref="FeeCsv.BlockColumns"/>).</summary>
    public const int BlockSchemaVersion = 1;

    /// <summary>The module's migrations.</summary>
    public static IMigrationSource Migrations { get; } = new MigrationList(
        new Migration(
            "ml",
            1,
            "fee feature store: block stats, mempool snapshots, row schemas",
            """
            CREATE TABLE ml_row_schemas (name TEXT NOT NULL, version INTEGER NOT NULL, columns TEXT NOT NULL, PRIMARY KEY (name, version));
            CREATE TABLE ml_blockstats (
                height INTEGER PRIMARY KEY, schema_version INTEGER NOT NULL, source TEXT NOT NULL,
                time INTEGER NOT NULL, mediantime INTEGER NOT NULL, txs INTEGER NOT NULL, total_weight INTEGER NOT NULL,
                totalfee INTEGER NOT NULL, minfeerate INTEGER NOT NULL, avgfeerate INTEGER NOT NULL,
                feerate_p10 INTEGER NOT NULL, feerate_p25 INTEGER NOT NULL, feerate_p50 INTEGER NOT NULL,
                feerate_p75 INTEGER NOT NULL, feerate_p90 INTEGER NOT NULL);
            CREATE INDEX ml_blockstats_time ON ml_blockstats (time);
            CREATE TABLE ml_snapshots (
                time INTEGER PRIMARY KEY, schema_version INTEGER NOT NULL, source TEXT NOT NULL,
                mempool_count INTEGER NOT NULL, mempool_vsize INTEGER NOT NULL, mempool_total_fee INTEGER NOT NULL,
                bins TEXT NOT NULL,
                rec_fastest REAL, rec_half_hour REAL, rec_hour REAL, rec_economy REAL, rec_minimum REAL);
            """,
            """
            CREATE TABLE ml_row_schemas (name TEXT NOT NULL, version INTEGER NOT NULL, columns TEXT NOT NULL, PRIMARY KEY (name, version));
            CREATE TABLE ml_blockstats (
                height INTEGER PRIMARY KEY, schema_version INTEGER NOT NULL, source TEXT NOT NULL,
                time BIGINT NOT NULL, mediantime BIGINT NOT NULL, txs BIGINT NOT NULL, total_weight BIGINT NOT NULL,
                totalfee BIGINT NOT NULL, minfeerate INTEGER NOT NULL, avgfeerate INTEGER NOT NULL,
                feerate_p10 INTEGER NOT NULL, feerate_p25 INTEGER NOT NULL, feerate_p50 INTEGER NOT NULL,
                feerate_p75 INTEGER NOT NULL, feerate_p90 INTEGER NOT NULL);
            CREATE INDEX ml_blockstats_time ON ml_blockstats (time);
            CREATE TABLE ml_snapshots (
                time BIGINT PRIMARY KEY, schema_version INTEGER NOT NULL, source TEXT NOT NULL,
                mempool_count BIGINT NOT NULL, mempool_vsize BIGINT NOT NULL, mempool_total_fee BIGINT NOT NULL,
                bins TEXT NOT NULL,
                rec_fastest DOUBLE PRECISION, rec_half_hour DOUBLE PRECISION, rec_hour DOUBLE PRECISION,
                rec_economy DOUBLE PRECISION, rec_minimum DOUBLE PRECISION);
            """));

    /// <summary>Stores block rows (existing heights are left unchanged).</summary>
    public async Task<IngestCount> AddBlocksAsync(IEnumerable<BlockRow> blocks, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await RegisterSchemasAsync(connection, tx, cancellationToken).ConfigureAwait(false);
        int inserted = 0, present = 0;
        foreach (var b in blocks)
        {
            await using var command = Command(connection, tx, """
                INSERT INTO ml_blockstats (height, schema_version, source, time, mediantime, txs, total_weight, totalfee, minfeerate, avgfeerate,
                    feerate_p10, feerate_p25, feerate_p50, feerate_p75, feerate_p90)
                VALUES (@height, @v, @source, @time, @mtp, @txs, @weight, @fee, @min, @avg, @p10, @p25, @p50, @p75, @p90)
                ON CONFLICT (height) DO NOTHING
                """)
                .WithParameter("height", b.Height).WithParameter("v", BlockSchemaVersion).WithParameter("source", source)
                .WithParameter("time", b.Time).WithParameter("mtp", b.MedianTime).WithParameter("txs", b.Txs).WithParameter("weight", b.TotalWeight)
                .WithParameter("fee", b.TotalFee).WithParameter("min", b.MinFeeRate).WithParameter("avg", b.AvgFeeRate)
                .WithParameter("p10", b.P10).WithParameter("p25", b.P25).WithParameter("p50", b.P50).WithParameter("p75", b.P75).WithParameter("p90", b.P90);
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0)
            {
                inserted++;
            }
            else
            {
                present++;
            }
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new IngestCount(inserted, present);
    }

    /// <summary>Stores snapshot rows (existing times are left unchanged).</summary>
    public async Task<IngestCount> AddSnapshotsAsync(IEnumerable<SnapshotRow> snapshots, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await RegisterSchemasAsync(connection, tx, cancellationToken).ConfigureAwait(false);
        int inserted = 0, present = 0;
        foreach (var s in snapshots)
        {
            if (s.Bins.Count != MempoolFeeHistogram.Edges.Count)
            {
                throw new FeeDataException($"snapshot at {s.Time}: {s.Bins.Count} bins, schema v{SnapshotSchemaVersion} has {MempoolFeeHistogram.Edges.Count}");
            }

            var r = s.Recommended;
            await using var command = Command(connection, tx, """
                INSERT INTO ml_snapshots (time, schema_version, source, mempool_count, mempool_vsize, mempool_total_fee, bins,
                    rec_fastest, rec_half_hour, rec_hour, rec_economy, rec_minimum)
                VALUES (@time, @v, @source, @count, @vsize, @fee, @bins, @r1, @r3, @r6, @r144, @rmin)
                ON CONFLICT (time) DO NOTHING
                """)
                .WithParameter("time", s.Time).WithParameter("v", SnapshotSchemaVersion).WithParameter("source", source)
                .WithParameter("count", s.Count).WithParameter("vsize", s.VSize).WithParameter("fee", s.TotalFee)
                .WithParameter("bins", string.Join(',', s.Bins.Select(b => b.ToString(CultureInfo.InvariantCulture))))
                .WithParameter("r1", r?.Fastest).WithParameter("r3", r?.HalfHour).WithParameter("r6", r?.Hour).WithParameter("r144", r?.Economy).WithParameter("rmin", r?.Minimum);
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0)
            {
                inserted++;
            }
            else
            {
                present++;
            }
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new IngestCount(inserted, present);
    }

    /// <summary>Block rows by ascending height (optionally a height range).</summary>
    public async Task<IReadOnlyList<BlockRow>> GetBlocksAsync(CancellationToken cancellationToken, int fromHeight = 0, int toHeight = int.MaxValue)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, """
            SELECT height, time, mediantime, txs, total_weight, totalfee, minfeerate, avgfeerate, feerate_p10, feerate_p25, feerate_p50, feerate_p75, feerate_p90
            FROM ml_blockstats WHERE height >= @from AND height <= @to ORDER BY height
            """).WithParameter("from", fromHeight).WithParameter("to", toHeight);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<BlockRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new BlockRow(
                (int)Int64(reader, 0), Int64(reader, 1), Int64(reader, 2), Int64(reader, 3), Int64(reader, 4), Int64(reader, 5),
                (int)Int64(reader, 6), (int)Int64(reader, 7), (int)Int64(reader, 8), (int)Int64(reader, 9), (int)Int64(reader, 10), (int)Int64(reader, 11), (int)Int64(reader, 12)));
        }

        return rows;
    }

    /// <summary>Snapshot rows by ascending time (optionally a time range, unix seconds).</summary>
    public async Task<IReadOnlyList<SnapshotRow>> GetSnapshotsAsync(CancellationToken cancellationToken, long from = 0, long to = long.MaxValue)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, """
            SELECT time, schema_version, mempool_count, mempool_vsize, mempool_total_fee, bins, rec_fastest, rec_half_hour, rec_hour, rec_economy, rec_minimum
            FROM ml_snapshots WHERE time >= @from AND time <= @to ORDER BY time
            """).WithParameter("from", from).WithParameter("to", to);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<SnapshotRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var version = Int64(reader, 1);
            if (version != SnapshotSchemaVersion)
            {
                throw new FeeDataException($"ml_snapshots row at {Int64(reader, 0)} has schema v{version}; this build reads v{SnapshotSchemaVersion}");
            }

            var bins = reader.GetString(5).Split(',').Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            MempoolRecommendation? rec = reader.IsDBNull(6) ? null : new MempoolRecommendation(reader.GetDouble(6), reader.GetDouble(7), reader.GetDouble(8), reader.GetDouble(9), reader.GetDouble(10));
            rows.Add(new SnapshotRow(Int64(reader, 0), Int64(reader, 2), Int64(reader, 3), Int64(reader, 4), bins, rec));
        }

        return rows;
    }

    /// <summary>
    /// An integer column as Int64 on either provider: SQLite answers every INTEGER as Int64, PostgreSQL INTEGER columns
    /// as Int32 (Npgsql refuses GetInt64 on those) and BIGINT ones as Int64.
    /// </summary>
    private static long Int64(DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    /// <summary>Highest stored block height, null when none.</summary>
    public async Task<int?> GetTipHeightAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, "SELECT MAX(height) FROM ml_blockstats");
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? null : (int)Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    /// <summary>The registered row schemas (name, version, columns).</summary>
    public async Task<IReadOnlyList<(string Name, int Version, string Columns)>> GetRowSchemasAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, "SELECT name, version, columns FROM ml_row_schemas ORDER BY name, version");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<(string, int, string)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add((reader.GetString(0), (int)Int64(reader, 1), reader.GetString(2)));
        }

        return rows;
    }

    private static async Task RegisterSchemasAsync(DbConnection connection, DbTransaction tx, CancellationToken cancellationToken)
    {
        foreach (var (name, version, columns) in new[]
        {
            ("blockstats", BlockSchemaVersion, string.Join(',', FeeCsv.BlockColumns)),
            ("snapshot", SnapshotSchemaVersion, string.Join(',', FeeCsv.SnapshotColumns)),
        })
        {
            await using var command = Command(connection, tx, "INSERT INTO ml_row_schemas (name, version, columns) VALUES (@n, @v, @c) ON CONFLICT (name, version) DO NOTHING")
                .WithParameter("n", name).WithParameter("v", version).WithParameter("c", columns);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? tx, string sql)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // constant SQL of this class
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = tx;
        return command;
    }
}

/// <summary>
/// Live ingest from the node into the <see cref="FeeStore"/>: <c>getblockstats</c> for each block not stored yet (or a
/// backfill range) and a mempool snapshot from <c>getrawmempool true</c> through <see cref="MempoolFeeHistogram"/> (the
/// data set's bins, so live and file rows share one schema).
/// </summary>
public sealed class FeeIngestor(IBitcoinNode node, FeeStore store, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Stores <c>getblockstats</c> of heights <paramref name="from"/>..<paramref name="to"/> (inclusive; re-runs skip stored heights).</summary>
    public async Task<IngestCount> BackfillAsync(int from, int to, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        if (to < from)
        {
            throw new FeeDataException($"backfill: the range {from}..{to} is empty");
        }

        var tip = await node.GetBlockCountAsync(cancellationToken).ConfigureAwait(false);
        if (to > tip)
        {
            throw new FeeDataException($"backfill: height {to} is above the node's tip {tip}");
        }

        var existing = (await store.GetBlocksAsync(cancellationToken, from, to).ConfigureAwait(false)).Select(b => b.Height).ToHashSet();
        var rows = new List<BlockRow>();
        for (var h = from; h <= to; h++)
        {
            if (!existing.Contains(h))
            {
                // Genesis has no stats (Core refuses it); height 0 is skipped.
                if (h == 0)
                {
                    continue;
                }

                rows.Add(BlockRow.FromStats(await node.GetBlockStatsAsync(h, null, cancellationToken).ConfigureAwait(false)));
            }
        }

        var count = await store.AddBlocksAsync(rows, "node", cancellationToken).ConfigureAwait(false);
        return count with { AlreadyPresent = count.AlreadyPresent + existing.Count };
    }

    /// <summary>Stores the blocks mined since the highest stored one (at most <paramref name="maxBlocks"/> back from the tip).</summary>
    public async Task<IngestCount> CatchUpAsync(int maxBlocks, CancellationToken cancellationToken)
    {
        var tip = await node.GetBlockCountAsync(cancellationToken).ConfigureAwait(false);
        var stored = await store.GetTipHeightAsync(cancellationToken).ConfigureAwait(false);
        var from = Math.Max(Math.Max(1, tip - maxBlocks + 1), (stored ?? 0) + 1);
        return from > tip ? new IngestCount(0, 0) : await BackfillAsync(from, tip, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes one mempool snapshot now and stores it; returns the row.</summary>
    public async Task<SnapshotRow> SnapshotAsync(CancellationToken cancellationToken)
    {
        var histogram = await MempoolFeeHistogram.SnapshotAsync(node, cancellationToken).ConfigureAwait(false);
        var row = SnapshotRow.FromHistogram(histogram, _time.GetUtcNow());
        await store.AddSnapshotsAsync([row], "node", cancellationToken).ConfigureAwait(false);
        return row;
    }

    /// <summary>Follows the node: catches up blocks and takes a snapshot every <paramref name="interval"/> until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, int maxBlocks, Action<string>? log, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, _time);
        do
        {
            var blocks = await CatchUpAsync(maxBlocks, cancellationToken).ConfigureAwait(false);
            var snapshot = await SnapshotAsync(cancellationToken).ConfigureAwait(false);
            log?.Invoke($"blocks +{blocks.Inserted}, snapshot {snapshot.Count} txs / {snapshot.VSize} vB");
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }
}
