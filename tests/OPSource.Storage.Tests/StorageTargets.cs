using Microsoft.Data.Sqlite;
using Npgsql;
using OPSource.TestSupport;

namespace OPSource.Storage.Tests;

/// <summary>A fresh, empty database for one test, and a way to open extra handles on it ("other processes").</summary>
public interface IStorageTarget : IAsyncDisposable
{
    StorageOptions Options { get; }

    string DataDir { get; }

    Database Open();
}

public sealed class SqliteTarget : IStorageTarget
{
    private readonly List<Database> _opened = [];

    public SqliteTarget()
    {
        DataDir = Directory.CreateTempSubdirectory("opsource-storage-").FullName;
        Options = new StorageOptions { Provider = "sqlite" };
    }

    public StorageOptions Options { get; }

    public string DataDir { get; }

    public Database Open()
    {
        var db = Database.Create(Options, DataDir);
        _opened.Add(db);
        return db;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var db in _opened)
        {
            await db.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(DataDir, recursive: true);
    }
}

/// <summary>
/// A new database on the PostgreSQL server named by OPSOURCE_TEST_POSTGRES (started by scripts/test.sh).
/// Unset: the test is skipped, except under CI=true where it fails.
/// </summary>
public sealed class PostgresTarget : IStorageTarget
{
    private readonly List<Database> _opened = [];
    private readonly string _admin;
    private readonly string _name;

    private PostgresTarget(string admin, string name, string connectionString)
    {
        _admin = admin;
        _name = name;
        DataDir = Path.GetTempPath();
        Options = new StorageOptions { Provider = "postgres", ConnectionString = connectionString };
    }

    public StorageOptions Options { get; }

    public string DataDir { get; }

    public static string RequireServer()
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

        return admin!;
    }

    public static async Task<PostgresTarget> CreateAsync()
    {
        var admin = RequireServer();
        var name = "opsource_t_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new PostgresTarget(admin, name, builder.ConnectionString);
    }

    public Database Open()
    {
        var db = Database.Create(Options, DataDir);
        _opened.Add(db);
        return db;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var db in _opened)
        {
            await db.DisposeAsync();
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>A clock that advances one second per reading, so applied_at orders are strict.</summary>
public sealed class SteppingTime(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref _ticks, TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
