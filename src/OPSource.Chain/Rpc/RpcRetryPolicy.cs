using Polly;
using Polly.Retry;

namespace OPSource.Chain.Rpc;

/// <summary>
/// The retry pipeline every OPSource JSON-RPC client shares (Bitcoin Core's, the RSK/EVM node's): exponential backoff
/// with jitter, capped, on the failures the caller's rule calls transient (docs/chain.md: failures where the node
/// provably did not run the call always, ambiguous ones only for idempotent calls).
/// </summary>
public static class RpcRetryPolicy
{
    /// <summary>The method name a pipeline run carries (for the retry log line).</summary>
    public static ResiliencePropertyKey<string> MethodKey { get; } = new("opsource.rpc.method");

    /// <summary>Builds the pipeline; <paramref name="maxRetries"/> 0 gives a pipeline without retries.</summary>
    /// <param name="maxRetries">Retries after the first attempt.</param>
    /// <param name="initialBackoff">Delay before the first retry (doubles, with jitter).</param>
    /// <param name="maxBackoff">Longest delay.</param>
    /// <param name="timeProvider">Clock for the delays.</param>
    /// <param name="isTransient">Whether a failure may be retried.</param>
    /// <param name="onRetry">Called before each retry with the method, the failure, the attempt number (1-based) and the delay.</param>
    public static ResiliencePipeline Build(
        int maxRetries, TimeSpan initialBackoff, TimeSpan maxBackoff, TimeProvider timeProvider,
        Func<Exception, bool> isTransient, Action<string, Exception?, int, TimeSpan> onRetry)
    {
        ArgumentNullException.ThrowIfNull(isTransient);
        ArgumentNullException.ThrowIfNull(onRetry);
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (maxRetries == 0)
        {
            return builder.Build();
        }

        return builder.AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = maxRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = initialBackoff,
            MaxDelay = maxBackoff,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && isTransient(ex)),
            OnRetry = args =>
            {
                onRetry(args.Context.Properties.GetValue(MethodKey, "rpc"), args.Outcome.Exception, args.AttemptNumber + 1, args.RetryDelay);
                return ValueTask.CompletedTask;
            },
        }).Build();
    }
}
