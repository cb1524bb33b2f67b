using OPSource.ML.Fees;
using OPSource.Storage;

namespace OPSource.ML.Tests;

/// <summary>The feature store on SQLite: migrations, idempotent re-runs, one schema for file rows.</summary>
public sealed class FeeStoreTests
{
    internal static async Task<(Database Db, string Dir)> OpenAsync(CancellationToken ct)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"opsource-ml-{Guid.NewGuid():n}");
        Directory.CreateDirectory(dir);
        var db = Database.Create(new StorageOptions { Provider = "sqlite" }, dir);
        await new Migrator(db, [FeeStore.Migrations]).ApplyAsync(ct);
        return (db, dir);
    }

    [Fact]
    public async Task Ingesting_the_same_rows_twice_stores_them_once_and_reads_them_back_unchanged()
    {
        var ct = TestContext.Current.CancellationToken;
        var (db, dir) = await OpenAsync(ct);
        await using var _ = db;
        try
        {
            var store = new FeeStore(db);
            var blocks = ShippedFeeData.Blocks.Take(500).ToList();
            var snapshots = ShippedFeeData.Snapshots.Take(300).ToList();
            Assert.Equal(new IngestCount(500, 0), await store.AddBlocksAsync(blocks, "file", ct));
            Assert.Equal(new IngestCount(300, 0), await store.AddSnapshotsAsync(snapshots, "file", ct));
            Assert.Equal(new IngestCount(0, 500), await store.AddBlocksAsync(blocks, "file", ct));
            Assert.Equal(new IngestCount(0, 300), await store.AddSnapshotsAsync(snapshots, "file", ct));
            Assert.Equal(blocks, await store.GetBlocksAsync(ct));
            var back = await store.GetSnapshotsAsync(ct);
            Assert.Equal(300, back.Count);
            Assert.All(back.Zip(snapshots), p => Assert.True(p.First.SameData(p.Second) && p.First.Recommended == p.Second.Recommended));
            Assert.Equal(["blockstats", "snapshot"], (await store.GetRowSchemasAsync(ct)).Select(s => s.Name));
            Assert.Equal(blocks[^1].Height, await store.GetTipHeightAsync(ct));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
