using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Sources;
using OPSource.Platform.Errors;
using OPSource.Platform.Events;
using OPSource.Platform.Funding;
using OPSource.Platform.Leadership;
using OPSource.Wallet.Service;

namespace OPSource.Wallet.Module;

/// <summary>
/// The server's sync loop: keeps every wallet at the node's tip (blocks applied one by one, each saved atomically;
/// reorgs disconnected back to the fork point) and records the node's mempool. It runs when the chain follower
/// announces a new tip (<see cref="ChainTipSignal"/>) and at the latest every <see cref="WalletOptions.SyncInterval"/>
/// (mempool activity, changes made by other processes). Off with <c>Wallet:Sync=false</c>; idle while no node is
/// configured. After each round in which a wallet changed (its stored revision moved: blocks, mempool, a send from the
/// CLI or the API), it publishes on the wallet's topic <c>wallet:{name}</c>: <c>transaction.added</c>,
/// <c>transaction.confirmed</c>, <c>transaction.unconfirmed</c> (a reorg), <c>transaction.removed</c> (replaced or
/// conflicted away), each with the transaction as <c>GET /api/v1/wallets/{name}/transactions</c> shows it (removed:
/// the <c>txid</c> only), then <c>sync.progress</c> (tip, blocks connected/disconnected, balance). Runs only while this
/// instance leads (<see cref="ILeadership"/>), so several server instances on one database sync and publish once.
/// </summary>
public sealed partial class WalletSyncService(WalletService wallets, TimeProvider time, ILogger<WalletSyncService>? logger, ChainTipSignal? tips = null, IEventPublisher? events = null, ILeadership? leadership = null) : BackgroundService
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly Dictionary<string, (long Revision, Dictionary<TxId, BlockHash?> Positions)> _seen = new(StringComparer.Ordinal);

    /// <summary>Event type: a transaction entered the wallet's history.</summary>
    public const string TransactionAdded = "transaction.added";

    /// <summary>Event type: a transaction was confirmed (or confirmed in another block after a reorg).</summary>
    public const string TransactionConfirmed = "transaction.confirmed";

    /// <summary>Event type: a confirmed transaction's block left the active chain.</summary>
    public const string TransactionUnconfirmed = "transaction.unconfirmed";

    /// <summary>Event type: a transaction left the history (replaced, or a conflict confirmed).</summary>
    public const string TransactionRemoved = "transaction.removed";

    /// <summary>Event type: a sync round changed the wallet.</summary>
    public const string SyncProgressed = "sync.progress";

    /// <summary>The event topic of a wallet.</summary>
    public static string Topic(string wallet) => WalletModule.EventFamily + ":" + wallet;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!wallets.Options.Sync)
        {
            return;
        }

        // Once per database: only the instance that leads syncs (and publishes the wallets' events).
        await leadership.RunWhileLeaderAsync(SyncAsync, stoppingToken).ConfigureAwait(false);
    }

    private async Task SyncAsync(CancellationToken stoppingToken)
    {
        string? lastProblem = null;
        var baselined = events is null;
        while (!stoppingToken.IsCancellationRequested)
        {
            // Taken before the round: a tip announced while we sync wakes the next round at once.
            var nextTip = tips?.Next;
            try
            {
                if (!baselined)
                {
                    // Each term starts from what the wallets hold now, so what this term's rounds change is published
                    // (the previous leader published what its rounds changed).
                    await BaselineAsync(stoppingToken).ConfigureAwait(false);
                    baselined = true;
                }

                await RoundAsync(stoppingToken).ConfigureAwait(false);
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
                if (nextTip is not null)
                {
                    await ChainTipSignal.WaitAsync(nextTip, wallets.Options.SyncInterval, time, stoppingToken).ConfigureAwait(false);
                }
                else
                {
                    await Task.Delay(wallets.Options.SyncInterval, time, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One sync of every wallet, publishing what changed.</summary>
    internal async Task RoundAsync(CancellationToken cancellationToken)
    {
        foreach (var name in await wallets.ListNamesAsync(cancellationToken).ConfigureAwait(false))
        {
            var progress = await wallets.SyncAsync(name, mempool: true, cancellationToken).ConfigureAwait(false);
            if (progress.BlocksConnected > 0 || progress.BlocksDisconnected > 0 || progress.TransactionsFound > 0)
            {
                LogSynced(_logger, name, progress.Tip.Height, progress.BlocksConnected, progress.BlocksDisconnected, progress.TransactionsFound);
            }

            if (events is not null)
            {
                await PublishChangesAsync(name, progress, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task BaselineAsync(CancellationToken cancellationToken)
    {
        _seen.Clear();
        foreach (var name in await wallets.ListNamesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await wallets.GetRevisionAsync(name, cancellationToken).ConfigureAwait(false) is { } revision)
            {
                _seen[name] = (revision, await PositionsAsync(name, cancellationToken).ConfigureAwait(false));
            }
        }
    }

    private async Task<Dictionary<TxId, BlockHash?>> PositionsAsync(string name, CancellationToken cancellationToken) =>
        (await wallets.ListTransactionsAsync(name, cancellationToken).ConfigureAwait(false)).ToDictionary(t => t.TxId, t => t.Position.Anchor?.Block.Hash);

    private async Task PublishChangesAsync(string name, SyncProgress progress, CancellationToken cancellationToken)
    {
        var revision = await wallets.GetRevisionAsync(name, cancellationToken).ConfigureAwait(false);
        if (revision is null)
        {
            _seen.Remove(name);
            return;
        }

        var known = _seen.TryGetValue(name, out var previous);
        if (known && previous.Revision == revision)
        {
            return;
        }

        var history = await wallets.ListTransactionsAsync(name, cancellationToken).ConfigureAwait(false);
        var positions = history.ToDictionary(t => t.TxId, t => t.Position.Anchor?.Block.Hash);
        _seen[name] = (revision.Value, positions);
        if (!known)
        {
            return; // the first look after start: the baseline, nothing to compare with
        }

        var topic = Topic(name);
        foreach (var tx in history)
        {
            var now = positions[tx.TxId];
            string? type = !previous.Positions.TryGetValue(tx.TxId, out var before) ? TransactionAdded
                : before is null && now is not null ? TransactionConfirmed
                : before is not null && now is null ? TransactionUnconfirmed
                : before is not null && now is not null && before != now ? TransactionConfirmed
                : null;
            if (type is not null)
            {
                await events!.PublishAsync(topic, type, WalletViews.Transaction(tx), cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var gone in previous.Positions.Keys.Where(t => !positions.ContainsKey(t)))
        {
            await events!.PublishAsync(topic, TransactionRemoved, new JsonObject { ["txid"] = gone.ToString() }, cancellationToken).ConfigureAwait(false);
        }

        var balance = await wallets.GetBalanceAsync(name, cancellationToken).ConfigureAwait(false);
        var data = WalletViews.Sync(name, progress);
        data["balance"] = WalletViews.Balance(balance);
        await events!.PublishAsync(topic, SyncProgressed, data, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "wallet {Name} synced to {Height}: {Connected} blocks connected, {Disconnected} disconnected, {Found} transactions found")]
    private static partial void LogSynced(ILogger logger, string name, int height, int connected, int disconnected, int found);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "wallet sync paused: {Problem}")]
    private static partial void LogSyncProblem(ILogger logger, string problem);
}
