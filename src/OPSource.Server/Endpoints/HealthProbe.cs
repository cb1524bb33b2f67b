using OPSource.Storage;

namespace OPSource.Server.Endpoints;

/// <summary>
/// The database check behind <c>/api/v1/health</c>, shared by concurrent callers: one round trip answers every
/// request that arrives while it runs, and its result is reused for <see cref="Reuse"/>, so a monitor or load balancer
/// polling hard cannot turn health checks into database load. A failed check is never reused: the next request
/// checks again.
/// </summary>
public sealed class HealthProbe(Database database, TimeProvider time)
{
    /// <summary>How long a successful result answers later requests.</summary>
    public static readonly TimeSpan Reuse = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly Lock _gate = new();
    private Task<DatabaseCheck>? _running;
    private DatabaseCheck? _last;
    private long _lastAt;

    /// <summary>The database's state, from a check no older than <see cref="Reuse"/> when it succeeded.</summary>
    public Task<DatabaseCheck> CheckAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_last is { Ok: true } last && time.GetElapsedTime(_lastAt) < Reuse)
            {
                return Task.FromResult(last);
            }

            _running ??= RunAsync();
            return _running.WaitAsync(cancellationToken);
        }
    }

    private async Task<DatabaseCheck> RunAsync()
    {
        await Task.Yield();
        DatabaseCheck check;
        using (var timeout = new CancellationTokenSource(Timeout, time))
        {
            try
            {
                check = await database.CheckAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                check = new DatabaseCheck(false, $"timed out after {Timeout.TotalSeconds:0} s", Timeout);
            }
        }

        lock (_gate)
        {
            _last = check;
            _lastAt = time.GetTimestamp();
            _running = null;
        }

        return check;
    }
}
