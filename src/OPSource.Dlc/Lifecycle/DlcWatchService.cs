using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OPSource.Platform.Errors;
using OPSource.Platform.Leadership;

namespace OPSource.Dlc.Lifecycle;

/// <summary>
/// The server's watch loop: every <see cref="DlcOptions.WatchInterval"/> it runs <see cref="DlcManager.SyncAsync"/>
/// (funding confirmations, CETs and refunds seen on the chain, and closing Confirmed contracts once the built-in
/// oracle attested their events). Off with <c>Dlc:Watch=false</c>; does nothing when no node is configured. Runs only
/// while this instance leads (<see cref="ILeadership"/>: one watcher per database across server instances).
/// </summary>
public sealed partial class DlcWatchService(DlcManager manager, DlcOptions options, TimeProvider time, ILogger<DlcWatchService>? logger, ILeadership? leadership = null) : BackgroundService
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Watch || !manager.CanFollowChain)
        {
            return;
        }

        // Once per database: only the instance that leads watches (and broadcasts CETs and refunds).
        await leadership.RunWhileLeaderAsync(WatchAsync, stoppingToken).ConfigureAwait(false);
    }

    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        string? lastProblem = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var changed in await manager.SyncAsync(stoppingToken).ConfigureAwait(false))
                {
                    LogChanged(_logger, changed.Id.ToString(), changed.State.ToString().ToLowerInvariant());
                }

                lastProblem = null;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is DlcException or OpsourceException or System.Data.Common.DbException or OPSource.Chain.Rpc.BitcoinRpcException)
            {
                // Node down, a contract changed by a concurrent request, database busy: next round, each new problem logged once.
                if (ex.Message != lastProblem)
                {
                    LogProblem(_logger, ex.Message);
                    lastProblem = ex.Message;
                }
            }

            try
            {
                await Task.Delay(options.WatchInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "dlc {Id} is now {State}")]
    private static partial void LogChanged(ILogger logger, string id, string state);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "dlc watch paused: {Problem}")]
    private static partial void LogProblem(ILogger logger, string problem);
}
