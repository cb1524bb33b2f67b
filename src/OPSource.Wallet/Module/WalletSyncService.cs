using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OPSource.Platform.Errors;
using OPSource.Platform.Funding;
using OPSource.Wallet.Service;

namespace OPSource.Wallet.Module;

/// <summary>
/// The server's sync loop: keeps every wallet at the node's tip (blocks applied one by one, each saved atomically;
/// reorgs disconnected back to the fork point) and records the node's mempool, every
/// <see cref="WalletOptions.SyncInterval"/>. Off with <c>Wallet:Sync=false</c>; idle while no node is configured.
/// </summary>
public sealed partial class WalletSyncService(WalletService wallets, TimeProvider time, ILogger<WalletSyncService>? logger) : BackgroundService
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!wallets.Options.Sync)
        {
            return;
        }

        string? lastProblem = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var name in await wallets.ListNamesAsync(stoppingToken).ConfigureAwait(false))
                {
                    var progress = await wallets.SyncAsync(name, mempool: true, stoppingToken).ConfigureAwait(false);
                    if (progress.BlocksConnected > 0 || progress.BlocksDisconnected > 0 || progress.TransactionsFound > 0)
                    {
                        LogSynced(_logger, name, progress.Tip.Height, progress.BlocksConnected, progress.BlocksDisconnected, progress.TransactionsFound);
                    }
                }

                lastProblem = null;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is OpsourceException or WalletOperationException or System.Data.Common.DbException)
            {
                // Node down or not configured, database busy: try again next round, logging each new problem once.
                if (ex.Message != lastProblem)
                {
                    LogSyncProblem(_logger, ex.Message);
                    lastProblem = ex.Message;
                }
            }

            try
            {
                await Task.Delay(wallets.Options.SyncInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "wallet {Name} synced to {Height}: {Connected} blocks connected, {Disconnected} disconnected, {Found} transactions found")]
    private static partial void LogSynced(ILogger logger, string name, int height, int connected, int disconnected, int found);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "wallet sync paused: {Problem}")]
    private static partial void LogSyncProblem(ILogger logger, string problem);
}
