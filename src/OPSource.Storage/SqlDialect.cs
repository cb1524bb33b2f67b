using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace OPSource.Storage;

/// <summary>
/// The few places where SQLite and PostgreSQL SQL differ. Everything else (parameters as
/// <c>@name</c>, <c>INSERT ... ON CONFLICT</c>, <c>CREATE TABLE IF NOT EXISTS</c>) is written once.
/// </summary>
public abstract class SqlDialect
{
    /// <summary>The SQLite dialect.</summary>
    public static SqlDialect Sqlite { get; } = new SqliteDialect();

    /// <summary>The PostgreSQL dialect.</summary>
    public static SqlDialect Postgres { get; } = new PostgresDialect();

    /// <summary>The provider this dialect speaks to.</summary>
    public abstract StorageProvider Provider { get; }

    /// <summary>Column type for a UTC timestamp (read and written as <see cref="DateTimeOffset"/>).</summary>
    public abstract string TimestampType { get; }

    /// <summary>Column type for opaque bytes.</summary>
    public abstract string BinaryType { get; }

    /// <summary>Column type for a 64-bit integer.</summary>
    public abstract string Int64Type { get; }

    /// <summary>The dialect for a provider.</summary>
    public static SqlDialect For(StorageProvider provider) => provider switch
    {
        StorageProvider.Sqlite => Sqlite,
        StorageProvider.Postgres => Postgres,
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "unknown storage provider"),
    };

    /// <summary>DDL of the migration bookkeeping table.</summary>
    internal string SchemaMigrationsDdl =>
        $"""
        CREATE TABLE IF NOT EXISTS schema_migrations (
            module      TEXT NOT NULL,
            version     INTEGER NOT NULL,
            description TEXT NOT NULL,
            checksum    TEXT NOT NULL,
            applied_at  {TimestampType} NOT NULL,
            PRIMARY KEY (module, version)
        )
        """;

    /// <summary>Serialises migrators across processes for the whole run (a no-op where transactions do it).</summary>
    internal abstract Task AcquireMigrationLockAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Releases what <see cref="AcquireMigrationLockAsync"/> took.</summary>
    internal abstract Task ReleaseMigrationLockAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Starts the transaction one migration runs in, holding the write lock from its first statement.</summary>
    internal abstract ValueTask<DbTransaction> BeginMigrationTransactionAsync(DbConnection connection, CancellationToken cancellationToken);

    private sealed class SqliteDialect : SqlDialect
    {
        public override StorageProvider Provider => StorageProvider.Sqlite;

        public override string TimestampType => "TEXT";

        public override string BinaryType => "BLOB";

        public override string Int64Type => "INTEGER";

        internal override Task AcquireMigrationLockAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

        internal override Task ReleaseMigrationLockAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

        internal override ValueTask<DbTransaction> BeginMigrationTransactionAsync(DbConnection connection, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // deferred: false issues BEGIN IMMEDIATE: the write lock is taken up front, so a second
            // process waits (busy timeout) instead of both reading "not applied" and racing.
            return ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));
        }
    }

    private sealed class PostgresDialect : SqlDialect
    {
        // "OPSource" in ASCII: the advisory-lock key every OPSource migrator agrees on.
        private const long MigrationLockKey = 0x4F50536F75726365;

        public override StorageProvider Provider => StorageProvider.Postgres;

        public override string TimestampType => "TIMESTAMPTZ";

        public override string BinaryType => "BYTEA";

        public override string Int64Type => "BIGINT";

        internal override async Task AcquireMigrationLockAsync(DbConnection connection, CancellationToken cancellationToken)
        {
            // Session-level advisory lock: released by the unlock below or when the session ends.
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT pg_advisory_lock(@key)";
            Db.AddParameter(command, "key", MigrationLockKey);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        internal override async Task ReleaseMigrationLockAsync(DbConnection connection, CancellationToken cancellationToken)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT pg_advisory_unlock(@key)";
            Db.AddParameter(command, "key", MigrationLockKey);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        internal override async ValueTask<DbTransaction> BeginMigrationTransactionAsync(DbConnection connection, CancellationToken cancellationToken) =>
            await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Small ADO.NET helpers shared by the repositories.</summary>
internal static class Db
{
    public static void AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    public static DbCommand Command(DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // SQL text comes from this assembly's constants and registered migrations, never from user input.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = transaction;
        return command;
    }
}

/// <summary>ADO.NET conveniences for module repositories (same code on SQLite and PostgreSQL).</summary>
public static class DbCommandExtensions
{
    /// <summary>Adds a named parameter (<c>@name</c> in the SQL); null becomes SQL NULL.</summary>
    public static DbCommand WithParameter(this DbCommand command, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Db.AddParameter(command, name, value);
        return command;
    }
}
