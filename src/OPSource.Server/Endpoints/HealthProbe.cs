using OPSource.Storage;

namespace OPSource.Server.Endpoints;

/// <summary>
/// The database check behind <c>/api/v1/health</c>. By default shared by concurrent callers: one round trip answers
/// every request that arrives while it runs, and its result is reused for <see cref="Reuse"/>
/// (<c>Server:HealthCheckReuseMilliseconds</c>), so a monitor or load balancer polling hard cannot turn health checks
/// into database load. A failed check is never reused: the next request checks again. With a reuse of 0 every request
/// runs its own check.
/// </summary>
public sealed class HealthProbe(Database database, TimeProvider time, OpsourceOptions options)
{
    /// <summary>The default reuse of a successful result (<c>Server:HealthCheckReuseMilliseconds</c> = 250).</summary>
    public static readonly TimeSpan DefaultReuse = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly Lock _gate = new();
    private Task<DatabaseCheck>? _running;
    private DatabaseCheck? _last;
    private long _lastAt;

    /// <summary>How long a successful result answers later requests (zero: not shared, not reused).</summary>
    public TimeSpan Reuse { get; } = TimeSpan.FromMilliseconds(options.Server.HealthCheckReuseMilliseconds);

    /// <summary>The database's state, from a check no older than <see cref="Reuse"/> when it succeeded.</summary>
    public Task<DatabaseCheck> CheckAsync(CancellationToken cancellationToken)
    {
        if (Reuse == TimeSpan.Zero)
        {
            return RunAsync(shared: false, cancellationToken);
        }

        lock (_gate)
        {
            if (_last is { Ok: true } last && time.GetElapsedTime(_lastAt) < Reuse)
            {
                return Task.FromResult(last);
            }

            _running ??= RunAsync(shared: true, CancellationToken.None);
            return _running.WaitAsync(cancellationToken);
        }
    }

    private async Task<DatabaseCheck> RunAsync(bool shared, CancellationToken cancellationToken)
    {
        if (shared)
        {
            // The shared check runs apart from the request that started it (that request may be cancelled).
            await Task.Yield();
        }

        DatabaseCheck check;
        using (var timeout = new CancellationTokenSource(Timeout, time))
        using (var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken) : null)
        {
            try
            {
                check = await database.CheckAsync((linked ?? timeout).Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                check = new DatabaseCheck(false, $"timed out after {Timeout.TotalSeconds:0} s", Timeout);
            }
        }

        if (shared)
        {
            lock (_gate)
            {
                _last = check;
                _lastAt = time.GetTimestamp();
                _running = null;
            }
        }

        return check;
    }
}
