using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace OPSource.Storage;

/// <summary>
/// The one place that opens database connections: an SQLite file under the data directory
/// (WAL, foreign keys on, busy timeout) or a PostgreSQL server through a pooled data source.
/// Register it once per process and share it.
/// </summary>
public sealed class Database : IAsyncDisposable, IDisposable
{
    private readonly string? _sqliteConnectionString;
    private readonly int _busyTimeoutMs;
    private readonly NpgsqlDataSource? _postgres;
    private readonly NpgsqlDataSource? _postgresUnpooled;
    private readonly SemaphoreSlim _walOnce = new(1, 1);
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> _configuredHandles = [];
    private readonly SqliteProbe?[] _sqliteProbes = new SqliteProbe?[8];
    private bool _walDone;
    private bool _disposed;

    private Database(StorageProvider provider, string description, string? sqliteConnectionString, string? sqlitePath, int busyTimeoutMs, NpgsqlDataSource? postgres, NpgsqlDataSource? postgresUnpooled = null)
    {
        _postgresUnpooled = postgresUnpooled;
        Provider = provider;
        Dialect = SqlDialect.For(provider);
        Description = description;
        _sqliteConnectionString = sqliteConnectionString;
        SqlitePath = sqlitePath;
        _busyTimeoutMs = busyTimeoutMs;
        _postgres = postgres;
    }

    /// <summary>The engine behind this database.</summary>
    public StorageProvider Provider { get; }

    /// <summary>The SQL dialect to use for provider-specific statements.</summary>
    public SqlDialect Dialect { get; }

    /// <summary>Where the data lives, with secrets redacted (safe to log).</summary>
    public string Description { get; }

    /// <summary>Full path of the SQLite file, or null for PostgreSQL.</summary>
    public string? SqlitePath { get; }

    /// <summary>
    /// Creates the factory from validated options. For SQLite the data directory is created if
    /// needed; nothing connects until <see cref="OpenConnectionAsync"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid (the message names the setting).</exception>
    public static Database Create(StorageOptions options, string dataDir)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDir);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        var provider = options.ResolveProvider();
        var description = options.Describe(dataDir);
        if (provider == StorageProvider.Sqlite)
        {
            var path = options.ResolveSqlitePath(dataDir);
            var directory = Path.GetDirectoryName(path)!;
            if (!Directory.Exists(directory))
            {
                // The data dir will also hold keys: private to the user from the start.
                if (OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(directory);
                }
                else
                {
                    Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }

            return new Database(provider, description, options.BuildSqliteConnectionString(dataDir), path, options.BusyTimeoutSeconds * 1000, null);
        }

        // The slim builder keeps Native AOT/trimming clean (no reflection-based JSON or type mapping plugins).
        var builder = new NpgsqlSlimDataSourceBuilder(options.ConnectionString);
        // Dedicated connections (OpenDedicatedConnectionAsync) bypass the pool, so closing one really ends its
        // session (and releases the session's advisory locks), and send TCP keepalives so a dead peer is noticed.
        var unpooled = new NpgsqlSlimDataSourceBuilder(options.ConnectionString);
        unpooled.ConnectionStringBuilder.Pooling = false;
        unpooled.ConnectionStringBuilder.TcpKeepAlive = true;
        return new Database(provider, description, null, null, options.BusyTimeoutSeconds * 1000, builder.Build(), unpooled.Build());
    }

    /// <summary>Opens a ready-to-use connection; the caller disposes it (returning it to the pool).</summary>
    public async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }

        var connection = new SqliteConnection(_sqliteConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // The pool hands out the same SQLite handle again; its settings outlive each use, so a handle is set up
            // once, when it is new (no statement in this code base turns these pragmas off again).
            var handle = connection.Handle;
            if (handle is null || !_configuredHandles.TryGetValue(handle, out _))
            {
                await EnsureWalAsync(connection, cancellationToken).ConfigureAwait(false);
                // Per connection: foreign keys are off by default in SQLite (set here once per handle, not in the
                // connection string, which would repeat the pragma on every open), and the busy timeout
                // makes a writer wait for another process instead of failing with SQLITE_BUSY at once.
                await using var pragma = Db.Command(connection, $"PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {_busyTimeoutMs};");
                await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                if (handle is not null)
                {
                    _configuredHandles.AddOrUpdate(handle, handle);
                }
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Opens a connection outside the pool (PostgreSQL) for a session that must end exactly when the caller disposes
    /// it, such as one holding a session-level advisory lock; on SQLite the same as <see cref="OpenConnectionAsync"/>.
    /// </summary>
    public async ValueTask<DbConnection> OpenDedicatedConnectionAsync(CancellationToken cancellationToken)
    {
        if (_postgresUnpooled is not null)
        {
            return await _postgresUnpooled.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }

        return await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes the exclusive lock named <paramref name="name"/>, waiting while another holder (in this or, on PostgreSQL,
    /// any other process on the same database) has it; dispose the result to release it. See <see cref="DatabaseLock"/>:
    /// on PostgreSQL a transaction-level advisory lock on a pooled connection of its own (the wait is bounded by the
    /// connection string's command timeout); on SQLite nothing, the caller's in-process lock is the lock.
    /// </summary>
    public async Task<DatabaseLock> LockAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_postgres is null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return DatabaseLock.None;
        }

        var connection = await _postgres.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await DatabaseLock.AcquirePostgresAsync(connection, name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a trivial query: true when the database answers. On SQLite the query runs on one of a few connections kept
    /// open for this check, with its statement prepared once (a real round trip through SQLite each time, without
    /// opening a connection and compiling the statement per check).
    /// </summary>
    public async Task<DatabaseCheck> CheckAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        SqliteProbe? probe = null;
        try
        {
            if (_postgres is not null)
            {
                await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var command = Db.Command(connection, "SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                cancellationToken.ThrowIfCancellationRequested();
                probe = TakeSqliteProbe() ?? await SqliteProbe.OpenAsync(this, cancellationToken).ConfigureAwait(false);
                probe.Command.ExecuteScalar();
                if (ReturnSqliteProbe(probe))
                {
                    probe = null;
                }
            }

            return new DatabaseCheck(true, null, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            return new DatabaseCheck(false, ex.GetType().Name + ": " + RedactMessage(ex.Message), System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            // Not returned (failed, or enough idle ones): closed, so a broken connection is never reused.
            probe?.Dispose();
        }
    }

    /// <summary>An open SQLite connection with the health check's statement, prepared once.</summary>
    private sealed class SqliteProbe(SqliteConnection connection, SqliteCommand command) : IDisposable
    {
        public SqliteCommand Command { get; } = command;

        public static async Task<SqliteProbe> OpenAsync(Database database, CancellationToken cancellationToken)
        {
            var connection = (SqliteConnection)await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var command = connection.CreateCommand();
                command.CommandText = "SELECT 1";
                command.Prepare();
                return new SqliteProbe(connection, command);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public void Dispose()
        {
            Command.Dispose();
            connection.Dispose();
        }
    }

    // Idle check connections: a few slots (beyond, a finished check closes its connection), taken and returned
    // without a lock or an allocation.
    private SqliteProbe? TakeSqliteProbe()
    {
        for (var i = 0; i < _sqliteProbes.Length; i++)
        {
            if (Volatile.Read(ref _sqliteProbes[i]) is not null && Interlocked.Exchange(ref _sqliteProbes[i], null) is { } probe)
            {
                return probe;
            }
        }

        return null;
    }

    private bool ReturnSqliteProbe(SqliteProbe probe)
    {
        for (var i = 0; i < _sqliteProbes.Length; i++)
        {
            if (Interlocked.CompareExchange(ref _sqliteProbes[i], probe, null) is null)
            {
                if (Volatile.Read(ref _disposed))
                {
                    CloseSqliteProbes(); // disposed meanwhile: nothing stays open
                }

                return true;
            }
        }

        return false;
    }

    private void CloseSqliteProbes()
    {
        Volatile.Write(ref _disposed, true);
        while (TakeSqliteProbe() is { } probe)
        {
            probe.Dispose();
        }
    }

    private static string RedactMessage(string message) =>
        message.Contains("password", StringComparison.OrdinalIgnoreCase) ? "authentication or connection failure" : message.ReplaceLineEndings(" ");

    private async Task EnsureWalAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _walDone))
        {
            return;
        }

        await _walOnce.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_walDone)
            {
                // WAL is persistent in the file: readers never block the single writer, and a crash
                // mid-transaction leaves the database consistent.
                await using var command = Db.Command(connection, "PRAGMA journal_mode = WAL");
                var mode = (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException($"storage: SQLite refused WAL journal mode (got '{mode}') for {SqlitePath}");
                }

                Volatile.Write(ref _walDone, true);
            }
        }
        finally
        {
            _walOnce.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        CloseSqliteProbes();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync().ConfigureAwait(false);
        }

        if (_postgresUnpooled is not null)
        {
            await _postgresUnpooled.DisposeAsync().ConfigureAwait(false);
        }

        _walOnce.Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        CloseSqliteProbes();
        _postgres?.Dispose();
        _postgresUnpooled?.Dispose();
        _walOnce.Dispose();
    }
}

/// <summary>Result of <see cref="Database.CheckAsync"/>: reachability, a redacted error, and round-trip time.</summary>
public sealed record DatabaseCheck(bool Ok, string? Error, TimeSpan Elapsed);
