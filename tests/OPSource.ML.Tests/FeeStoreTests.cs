using Microsoft.Data.Sqlite;
using Npgsql;
using OPSource.ML.Fees;
using OPSource.Storage;
using OPSource.TestSupport;

namespace OPSource.ML.Tests;

/// <summary>A migrated feature-store database for one test: SQLite in a temp dir, or a new PostgreSQL database.</summary>
internal sealed class FeeStoreDatabase : IAsyncDisposable
{
    private readonly string? _admin;
    private readonly string? _name;

    private FeeStoreDatabase(Database database, string dir, string? admin, string? name)
    {
        Database = database;
        Dir = dir;
        _admin = admin;
        _name = name;
    }

    public Database Database { get; }

    public string Dir { get; }

    /// <summary>
    /// SQLite, or PostgreSQL on the server named by OPSOURCE_TEST_POSTGRES (set by scripts/test.sh; unset: skipped,
    /// except under CI=true where it fails).
    /// </summary>
    public static async Task<FeeStoreDatabase> CreateAsync(string provider, CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("opsource-ml-").FullName;
        FeeStoreDatabase result;
        if (provider == "sqlite")
        {
            result = new FeeStoreDatabase(Database.Create(new StorageOptions { Provider = "sqlite" }, dir), dir, null, null);
        }
        else
        {
            var admin = Environment.GetEnvironmentVariable("OPSOURCE_TEST_POSTGRES");
            if (string.IsNullOrWhiteSpace(admin))
            {
                const string message = "OPSOURCE_TEST_POSTGRES is not set: run scripts/test.sh, which starts a private PostgreSQL on 127.0.0.1";
                Directory.Delete(dir, true);
                if (Vectors.IsCi)
                {
                    throw new InvalidOperationException(message + " (CI=true: PostgreSQL tests are mandatory)");
                }

                Assert.Skip(message);
            }

            var name = "opsource_ml_" + Guid.NewGuid().ToString("N")[..16];
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync(ct);
                await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
                await command.ExecuteNonQueryAsync(ct);
            }

            var cs = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
            result = new FeeStoreDatabase(Database.Create(new StorageOptions { Provider = "postgres", ConnectionString = cs }, dir), dir, admin, name);
        }

        await new Migrator(result.Database, [FeeStore.Migrations]).ApplyAsync(ct);
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (_admin is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_admin);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }

        Directory.Delete(Dir, true);
    }
}

/// <summary>The feature store's SQL on SQLite and PostgreSQL: migrations, idempotent re-runs, ranges, one schema for file and live rows.</summary>
public sealed class FeeStoreTests
{
    public static TheoryData<string> Providers => ["sqlite", "postgres"];

    internal static async Task<(Database Db, string Dir)> OpenAsync(CancellationToken ct)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"opsource-ml-{Guid.NewGuid():n}");
        Directory.CreateDirectory(dir);
        var db = Database.Create(new StorageOptions { Provider = "sqlite" }, dir);
        await new Migrator(db, [FeeStore.Migrations]).ApplyAsync(ct);
        return (db, dir);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Ingesting_the_same_rows_twice_stores_them_once_and_reads_them_back_unchanged(string provider)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await FeeStoreDatabase.CreateAsync(provider, ct);
        var store = new FeeStore(db.Database);
        var blocks = ShippedFeeData.Blocks.Take(500).ToList();
        var snapshots = ShippedFeeData.Snapshots.Take(300).ToList();
        Assert.Null(await store.GetTipHeightAsync(ct));
        Assert.Equal(new IngestCount(500, 0), await store.AddBlocksAsync(blocks, "file", ct));
        Assert.Equal(new IngestCount(300, 0), await store.AddSnapshotsAsync(snapshots, "file", ct));
        Assert.Equal(new IngestCount(0, 500), await store.AddBlocksAsync(blocks, "file", ct));
        Assert.Equal(new IngestCount(0, 300), await store.AddSnapshotsAsync(snapshots, "file", ct));
        // A batch overlapping the stored rows inserts only the new ones, even from another source.
        Assert.Equal(new IngestCount(10, 490), await store.AddBlocksAsync(ShippedFeeData.Blocks.Skip(10).Take(500), "node", ct));
        Assert.Equal(ShippedFeeData.Blocks.Take(510), await store.GetBlocksAsync(ct));
        var back = await store.GetSnapshotsAsync(ct);
        Assert.Equal(300, back.Count);
        Assert.All(back.Zip(snapshots), p => Assert.True(p.First.SameData(p.Second) && p.First.Recommended == p.Second.Recommended));
        Assert.Equal(["blockstats", "snapshot"], (await store.GetRowSchemasAsync(ct)).Select(s => s.Name));
        Assert.All(await store.GetRowSchemasAsync(ct), s => Assert.Equal(1, s.Version));
        Assert.Equal(ShippedFeeData.Blocks[509].Height, await store.GetTipHeightAsync(ct));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Ranges_are_inclusive_ordered_and_a_live_row_without_a_recommendation_reads_back_as_one(string provider)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await FeeStoreDatabase.CreateAsync(provider, ct);
        var store = new FeeStore(db.Database);
        var blocks = ShippedFeeData.Blocks.Take(100).ToList();
        // Inserted newest first: reads are ordered by key, not by insertion.
        await store.AddBlocksAsync(Enumerable.Reverse(blocks), "file", ct);
        var from = blocks[10].Height;
        var to = blocks[19].Height;
        Assert.Equal(blocks.Where(b => b.Height >= from && b.Height <= to), await store.GetBlocksAsync(ct, from, to));

        var snapshots = ShippedFeeData.Snapshots.Take(20).ToList();
        var live = snapshots[^1] with { Time = snapshots[^1].Time + 60, Recommended = null };
        await store.AddSnapshotsAsync([.. Enumerable.Reverse(snapshots), live], "file", ct);
        var window = await store.GetSnapshotsAsync(ct, snapshots[5].Time, snapshots[9].Time);
        Assert.Equal(snapshots.Skip(5).Take(5).Select(s => s.Time), window.Select(s => s.Time));
        var last = (await store.GetSnapshotsAsync(ct, live.Time, live.Time)).Single();
        Assert.True(last.SameData(live));
        Assert.Null(last.Recommended);
        // 64-bit values survive (PostgreSQL BIGINT columns): a mempool total fee above 2^31 sat.
        var big = snapshots[0] with { Time = live.Time + 60, TotalFee = 5_000_000_000L };
        await store.AddSnapshotsAsync([big], "node", ct);
        Assert.Equal(5_000_000_000L, (await store.GetSnapshotsAsync(ct, big.Time, big.Time)).Single().TotalFee);
    }
}
