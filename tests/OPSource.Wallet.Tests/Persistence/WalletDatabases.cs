using Microsoft.Data.Sqlite;
using Npgsql;
using OPSource.Storage;
using OPSource.TestSupport;
using OPSource.Wallet.Persistence;

namespace OPSource.Wallet.Tests.Persistence;

/// <summary>A fresh, migrated database for one test: SQLite in a temp data dir, or a new PostgreSQL database.</summary>
public sealed class WalletDatabase : IAsyncDisposable
{
    private readonly string? _pgAdmin;
    private readonly string? _pgName;

    private WalletDatabase(StorageOptions options, string dataDir, string? pgAdmin, string? pgName)
    {
        Options = options;
        DataDir = dataDir;
        _pgAdmin = pgAdmin;
        _pgName = pgName;
        Database = Database.Create(options, dataDir);
    }

    public StorageOptions Options { get; }

    public string DataDir { get; }

    public Database Database { get; }

    public static async Task<WalletDatabase> CreateAsync(string provider)
    {
        var dataDir = Directory.CreateTempSubdirectory("opsource-wallet-db.").FullName;
        WalletDatabase db;
        if (provider == "sqlite")
        {
            db = new WalletDatabase(new StorageOptions { Provider = "sqlite" }, dataDir, null, null);
        }
        else
        {
            var admin = Environment.GetEnvironmentVariable("OPSOURCE_TEST_POSTGRES");
            if (string.IsNullOrWhiteSpace(admin))
            {
                const string message = "OPSOURCE_TEST_POSTGRES is not set: run scripts/test.sh, which starts a private PostgreSQL on 127.0.0.1";
                if (Vectors.IsCi)
                {
                    throw new InvalidOperationException(message + " (CI=true: PostgreSQL tests are mandatory)");
                }

                Assert.Skip(message);
            }

            var name = "opsource_w_" + Guid.NewGuid().ToString("N")[..16];
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
                await command.ExecuteNonQueryAsync();
            }

            var cs = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
            db = new WalletDatabase(new StorageOptions { Provider = "postgres", ConnectionString = cs }, dataDir, admin, name);
        }

        await new Migrator(db.Database, [new WalletMigrations()]).ApplyAsync(CancellationToken.None);
        return db;
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        if (_pgAdmin is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_pgAdmin);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_pgName} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
        else
        {
            SqliteConnection.ClearAllPools();
        }

        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
