using Npgsql;
using OPSource.Storage;
using OPSource.TestSupport;

namespace OPSource.Server.Tests;

/// <summary>A fresh PostgreSQL database on the server OPSOURCE_TEST_POSTGRES names (scripts/test.sh starts one).</summary>
internal sealed class TestPostgres : IAsyncDisposable
{
    private readonly string _admin;

    private TestPostgres(string admin, string name)
    {
        _admin = admin;
        Name = name;
        Storage = new StorageOptions { Provider = "postgres", ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString };
    }

    public string Name { get; }

    public StorageOptions Storage { get; }

    /// <summary>Creates the database; skips the test without a server (fails under CI=true).</summary>
    public static async Task<TestPostgres> CreateAsync(string prefix, CancellationToken cancellationToken)
    {
        var admin = Environment.GetEnvironmentVariable("OPSOURCE_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(admin))
        {
            if (Vectors.IsCi)
            {
                throw new InvalidOperationException("OPSOURCE_TEST_POSTGRES is not set (CI=true: PostgreSQL tests are mandatory)");
            }

            Assert.Skip("OPSOURCE_TEST_POSTGRES is not set: run scripts/test.sh");
        }

        var name = prefix + Guid.NewGuid().ToString("N")[..12];
        await using var c = new NpgsqlConnection(admin);
        await c.OpenAsync(cancellationToken);
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", c);
        await create.ExecuteNonQueryAsync(cancellationToken);
        return new TestPostgres(admin, name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var c = new NpgsqlConnection(_admin);
        await c.OpenAsync(CancellationToken.None);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", c);
        await drop.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
