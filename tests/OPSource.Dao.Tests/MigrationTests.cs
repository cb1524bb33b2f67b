using OPSource.Dao.Service;
using OPSource.Storage;

namespace OPSource.Dao.Tests;

/// <summary>Released migrations never change: the migrator refuses to start when a recorded checksum differs.</summary>
public sealed class MigrationTests
{
    [Theory]
    [InlineData(1, StorageProvider.Sqlite, "5ee161c5edcf3749319a03e2c9057e3d30bc04711add158ebb116cbe01d0c573")]
    [InlineData(1, StorageProvider.Postgres, "57983d5bbdff7b239a2ab6431dcb1763bd560f32bf7a34fd9e12eb52b93e6e90")]
    public void Released_migrations_keep_their_checksums(int version, StorageProvider provider, string checksum)
    {
        var migration = Assert.Single(DaoMigrations.Source.Migrations, m => m.Version == version);
        Assert.Equal(checksum, migration.ChecksumFor(provider));
    }
}
