using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OPSource.Storage;

namespace OPSource.Platform.Leadership;

/// <summary>
/// Leadership among the server instances of one PostgreSQL database: a session-level advisory lock
/// (<c>pg_try_advisory_lock</c>, PostgreSQL manual 9.27.10 "Advisory Lock Functions") held on a dedicated, unpooled
/// connection. A standby tries to take the lock every <see cref="LeadershipOptions.RetryInterval"/>; the leader runs a
/// query on the lock's connection every <see cref="LeadershipOptions.HeartbeatInterval"/> and ends its term as soon
/// as one fails or takes longer than <see cref="LeadershipOptions.HeartbeatTimeout"/> (its work stops; the lock goes
/// with the session). PostgreSQL releases the lock when the leader's session ends (the process stopped or died, the
/// connection closed), and a standby takes over within a retry interval.
/// </summary>
public sealed partial class PostgresLeadership : ILeadership
{
    /// <summary>The advisory lock key of the chain follower ("OPSCHAIN" in ASCII).</summary>
    public const long ChainFollowerLockKey = 0x4F50_5343_4841_494E;

    private readonly Database _database;
    private readonly LeadershipOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private TaskCompletionSource<CancellationToken> _acquired = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _isLeader;
    private long _terms;

    /// <summary>Creates the lease manager; nothing happens until <see cref="RunAsync"/>.</summary>
    public PostgresLeadership(Database database, LeadershipOptions options, TimeProvider time, ILogger<PostgresLeadership>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (database.Provider != StorageProvider.Postgres)
        {
            throw new ArgumentException("leadership: advisory locks need PostgreSQL", nameof(database));
        }

        _database = database;
        _options = options;
        _time = time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public string Mode => "postgres-advisory-lock";

    /// <inheritdoc />
    public bool IsLeader => _isLeader;

    /// <summary>How many terms this process has led so far.</summary>
    public long Terms => Interlocked.Read(ref _terms);

    /// <inheritdoc />
    public Task<CancellationToken> AcquireAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _acquired.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Competes for leadership until <paramref name="stoppingToken"/> fires (the server's hosted service runs this);
    /// on return the lock's connection is closed, so another instance can take over at once.
    /// </summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        string? lastProblem = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _database.OpenDedicatedConnectionAsync(stoppingToken).ConfigureAwait(false);
                while (!await TryLockAsync(connection, stoppingToken).ConfigureAwait(false))
                {
                    await Task.Delay(_options.RetryInterval, _time, stoppingToken).ConfigureAwait(false);
                }

                lastProblem = null;
                await LeadAsync(connection, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is DbException or IOException or TimeoutException or InvalidOperationException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                if (ex.Message != lastProblem)
                {
                    LogProblem(_logger, ex.GetType().Name, ex.Message);
                    lastProblem = ex.Message;
                }

                try
                {
                    await Task.Delay(_options.RetryInterval, _time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task LeadAsync(DbConnection connection, CancellationToken stoppingToken)
    {
        using var term = new CancellationTokenSource();
        lock (_gate)
        {
            _isLeader = true;
            Interlocked.Increment(ref _terms);
            _acquired.TrySetResult(term.Token);
        }

        LogLeading(_logger, Terms);
        try
        {
            while (true)
            {
                await Task.Delay(_options.HeartbeatInterval, _time, stoppingToken).ConfigureAwait(false);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(_options.HeartbeatTimeout);
                if (!await HoldsLockAsync(connection, _options.HeartbeatTimeout, timeout.Token).ConfigureAwait(false))
                {
                    throw new InvalidOperationException("leadership: the advisory lock is no longer held by this session");
                }
            }
        }
        finally
        {
            // Step down before the connection (and with it the lock) goes: new waiters wait for the next term.
            lock (_gate)
            {
                _isLeader = false;
                _acquired = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            await term.CancelAsync().ConfigureAwait(false);
            LogSteppedDown(_logger);
        }
    }

    private static async Task<bool> TryLockAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT pg_try_advisory_lock(@key)";
        command.WithParameter("key", ChainFollowerLockKey);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    // The heartbeat: a round trip on the lock's own session that also confirms the lock is still ours.
    private static async Task<bool> HoldsLockAsync(DbConnection connection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandTimeout = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds));
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() "
            + "AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = @key)";
        command.WithParameter("key", ChainFollowerLockKey);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    /// <summary>
    /// Whether any session holds the chain follower's lock (another instance leads), read on a pooled connection;
    /// for the self-test, which runs outside the server.
    /// </summary>
    public static async Task<bool> IsHeldAsync(Database database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            + "AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = @key)";
        command.WithParameter("key", ChainFollowerLockKey);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    [LoggerMessage(EventId = 90, Level = LogLevel.Information, Message = "leadership: this instance leads (term {Term}); it runs the chain follower")]
    private static partial void LogLeading(ILogger logger, long term);

    [LoggerMessage(EventId = 91, Level = LogLevel.Warning, Message = "leadership: this instance stepped down")]
    private static partial void LogSteppedDown(ILogger logger);

    [LoggerMessage(EventId = 92, Level = LogLevel.Warning, Message = "leadership: lock connection problem ({Kind}): {Problem}")]
    private static partial void LogProblem(ILogger logger, string kind, string problem);
}
