namespace OPSource.Platform.Leadership;

/// <summary>
/// Which server instance runs the work that must happen once per database: the chain follower (blocks topic, tip
/// signal), the wallet sync and the DLC watch. Several stateless instances may serve one PostgreSQL database; exactly
/// one of them leads (<see cref="PostgresLeadership"/>, a session-level advisory lock). On SQLite there is one
/// instance, which always leads (<see cref="SingleInstanceLeadership"/>). Leadership is taken in terms: a term ends
/// when the lease is lost (the lock's connection failed) or the host stops, and work of the term must stop then.
/// </summary>
public interface ILeadership
{
    /// <summary>How leadership is decided: <c>single-instance</c> or <c>postgres-advisory-lock</c>.</summary>
    string Mode { get; }

    /// <summary>Whether this process leads now.</summary>
    bool IsLeader { get; }

    /// <summary>
    /// Waits until this process leads and returns a token that is cancelled when the term ends.
    /// </summary>
    Task<CancellationToken> AcquireAsync(CancellationToken cancellationToken);
}

/// <summary>The one instance of an SQLite installation: always the leader.</summary>
public sealed class SingleInstanceLeadership : ILeadership
{
    /// <summary>The shared instance.</summary>
    public static SingleInstanceLeadership Instance { get; } = new();

    /// <inheritdoc />
    public string Mode => "single-instance";

    /// <inheritdoc />
    public bool IsLeader => true;

    /// <inheritdoc />
    public Task<CancellationToken> AcquireAsync(CancellationToken cancellationToken) => Task.FromResult(CancellationToken.None);
}

/// <summary>Runs work only while this process leads.</summary>
public static class LeadershipExtensions
{
    /// <summary>
    /// Runs <paramref name="work"/> in every term of <paramref name="leadership"/> (without one: once, as if always
    /// leading) with a token cancelled when the term ends or <paramref name="stoppingToken"/> fires, until the latter.
    /// Work that returns on its own ends the loop.
    /// </summary>
    public static async Task RunWhileLeaderAsync(this ILeadership? leadership, Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (leadership is null)
        {
            await work(stoppingToken).ConfigureAwait(false);
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            CancellationToken term;
            try
            {
                term = await leadership.AcquireAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, term);
            try
            {
                await work(linked.Token).ConfigureAwait(false);
                if (!term.IsCancellationRequested)
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (term.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
            {
                // The term ended: wait for the next one.
            }
        }
    }
}
