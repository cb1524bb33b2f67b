using OPSource.Platform.Telemetry;

namespace OPSource.Node;

/// <summary>
/// Keeps the <see cref="NodeMetrics"/> gauges (chain height, sync lag, tip age, mempool size) current in the server:
/// asks the node for its status on each background refresh. Without a configured node it does nothing and the
/// gauges stay absent rather than reporting zeros.
/// </summary>
public sealed class NodeMetricsRefresher(NodeStatusService status) : IMetricsRefresher
{
    /// <inheritdoc />
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (status.Options.IsConfigured)
        {
            // NodeStatusService records what it read into NodeMetrics.
            await status.GetAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
