using OPSource.Chain.Model;

namespace OPSource.Chain.Sources;

/// <summary>
/// A process-wide "the node's tip moved" signal: the chain follower raises it for every connected or disconnected
/// block, and services that keep their own state in step with the node (wallet sync) wait on it instead of sleeping a
/// whole poll interval. Waiters take <see cref="Next"/> before they look at the chain, then await it, so a tip change
/// that happens while they work is never missed.
/// </summary>
public sealed class ChainTipSignal
{
    private TaskCompletionSource<BlockId> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The last tip announced, or null before the first.</summary>
    public BlockId? Tip { get; private set; }

    /// <summary>Completes with the next tip announced after this call.</summary>
    public Task<BlockId> Next => Volatile.Read(ref _next).Task;

    /// <summary>Announces a new tip: completes every pending <see cref="Next"/>.</summary>
    public void Announce(BlockId tip)
    {
        Tip = tip;
        var fired = Interlocked.Exchange(ref _next, new TaskCompletionSource<BlockId>(TaskCreationOptions.RunContinuationsAsynchronously));
        fired.TrySetResult(tip);
    }

    /// <summary>
    /// Waits for <paramref name="next"/> (taken earlier from <see cref="Next"/>) or until <paramref name="timeout"/>
    /// passes; true when the tip moved.
    /// </summary>
    public static async Task<bool> WaitAsync(Task<BlockId> next, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(time);
        try
        {
            await next.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
