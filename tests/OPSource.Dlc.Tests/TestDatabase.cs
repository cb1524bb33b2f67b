using OPSource.Dlc.Storage;
using OPSource.Storage;

namespace OPSource.Dlc.Tests;

/// <summary>A fresh SQLite database in a temp folder with the DLC schema applied.</summary>
internal sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string dir, Database database)
    {
        Dir = dir;
        Database = database;
    }

    public string Dir { get; }

    public Database Database { get; }

    public static async Task<TestDatabase> CreateAsync(CancellationToken cancellationToken)
    {
        var dir = Path.Combine(Path.GetTempPath(), "opsource-dlc-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var db = Database.Create(new StorageOptions { Provider = "sqlite", SqlitePath = "dlc.db" }, dir);
        await new Migrator(db, [SettingsRepository.Migrations, DlcMigrations.Source]).ApplyAsync(cancellationToken);
        return new TestDatabase(dir, db);
    }

    /// <summary>A key store with a cheap KDF (tests only).</summary>
    public DlcKeyStore KeyStore(string? passphrase = "correct horse") =>
        new(Database, () => passphrase is null ? null : System.Text.Encoding.UTF8.GetBytes(passphrase), new KeyStoreKdf(8192, 1));

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
