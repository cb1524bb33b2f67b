using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OPSource.Layers.Rsk.Peg;
using OPSource.Layers.Rsk.Rpc;
using OPSource.Platform.Events;

namespace OPSource.Layers.Rsk;

/// <summary>
/// The <c>rsk</c> event topic (declared by <see cref="RskModule"/>). Types:
/// <c>transaction.confirmed</c> (a sent or broadcast transaction got its receipt: success or reverted),
/// <c>pegin.broadcast</c> (a peg-in left the OPSource wallet), <c>pegin.status</c> and <c>pegout.status</c> (a followed
/// peg reached a new stage). Payloads are the same snake_case JSON as the CLI and REST results.
/// </summary>
public static class RskEvents
{
    /// <summary>The topic (and topic family).</summary>
    public const string Topic = "rsk";

    /// <summary>A receipt arrived for a transaction this installation sent or broadcast.</summary>
    public const string TransactionConfirmed = "transaction.confirmed";

    /// <summary>A peg-in transaction was signed by the wallet and accepted by the Bitcoin node.</summary>
    public const string PeginBroadcast = "pegin.broadcast";

    /// <summary>A followed peg-in reached a new stage (not_registered, registered, rejected).</summary>
    public const string PeginStatus = "pegin.status";

    /// <summary>A followed peg-out reached a new stage (pending, received, requested, confirmed, rejected).</summary>
    public const string PegoutStatus = "pegout.status";

    /// <summary>One line for the API reference.</summary>
    public const string Description = "RSK activity: transaction.confirmed (receipt of a sent or broadcast transaction), pegin.broadcast, pegin.status and pegout.status (stage changes of followed pegs)";

    /// <summary>The payload of <see cref="TransactionConfirmed"/>: the receipt without its logs.</summary>
    public static JsonObject Confirmed(RskReceipt receipt, long chainId)
    {
        var json = RskViews.Receipt(receipt, chainId);
        json.Remove("logs");
        json["log_count"] = receipt.Logs.Count;
        return json;
    }
}

/// <summary>
/// Follows transactions and pegs until they reach a final state and publishes each change on the <c>rsk</c> topic:
/// a transaction until its receipt (<c>transaction.confirmed</c>), a peg-out until <c>confirmed</c> or <c>rejected</c>,
/// a peg-in until <c>registered</c> or <c>rejected</c> (<c>pegout.status</c>, <c>pegin.status</c>; the first observation
/// is published too). What it follows is kept in memory: a restarted server does not resume it.
/// </summary>
public sealed class RskWatcher
{
    private readonly RskService _rsk;
    private readonly IEventPublisher? _events;
    private readonly ConcurrentDictionary<string, Watch> _watches = new(StringComparer.Ordinal);

    /// <summary>Creates the watcher.</summary>
    public RskWatcher(RskService rsk, IEventPublisher? events)
    {
        _rsk = rsk ?? throw new ArgumentNullException(nameof(rsk));
        _events = events;
    }

    private enum WatchKind
    {
        Transaction,
        Pegin,
        Pegout,
    }

    /// <summary>How many items are followed.</summary>
    public int Count => _watches.Count;

    /// <summary>Follows a transaction until its receipt.</summary>
    public void WatchTransaction(string hash) => Add(WatchKind.Transaction, NormalizeHash(hash));

    /// <summary>Follows a peg-out (the RSK transaction that sent RBTC to the Bridge) until confirmed or rejected.</summary>
    public void WatchPegout(string hash) => Add(WatchKind.Pegout, NormalizeHash(hash));

    /// <summary>Follows a peg-in (its Bitcoin txid) until the Bridge registers or rejects it.</summary>
    public void WatchPegin(string btcTxId)
    {
        var id = (btcTxId ?? "").ToLowerInvariant();
        if (id.Length != 64 || !id.All(char.IsAsciiHexDigit))
        {
            throw new RskException(RskErrorKind.InvalidRequest, $"pegin: '{btcTxId}' is not a 64-hex-digit Bitcoin txid");
        }

        Add(WatchKind.Pegin, id);
    }

    /// <summary>Checks everything followed once; publishes changes and drops what reached a final state. Returns how many remain.</summary>
    public async Task<int> PollAsync(CancellationToken cancellationToken)
    {
        var chainId = _rsk.Options.ChainId;
        foreach (var (key, watch) in _watches)
        {
            try
            {
                await PollOneAsync(key, watch, chainId, cancellationToken).ConfigureAwait(false);
            }
            catch (RskException ex) when (ex.Kind is RskErrorKind.NotFound or RskErrorKind.InvalidRequest)
            {
                // Nothing to follow (a transaction that did not send RBTC to the Bridge): stop following it.
                _watches.TryRemove(key, out _);
            }
        }

        return _watches.Count;
    }

    private async Task PollOneAsync(string key, Watch watch, long chainId, CancellationToken cancellationToken)
    {
        switch (watch.Kind)
        {
            case WatchKind.Transaction:
                if (await _rsk.Rpc.GetTransactionReceiptAsync(watch.Id, cancellationToken).ConfigureAwait(false) is { } receipt)
                {
                    await PublishAsync(RskEvents.TransactionConfirmed, RskEvents.Confirmed(receipt, chainId), cancellationToken).ConfigureAwait(false);
                    _watches.TryRemove(key, out _);
                }

                break;
            case WatchKind.Pegout:
                var pegout = await _rsk.Peg.GetPegoutStatusAsync(watch.Id, cancellationToken).ConfigureAwait(false);
                await ChangedAsync(key, watch, pegout.Stage.ToString(), RskEvents.PegoutStatus, RskViews.Pegout(pegout), pegout.Stage is PegoutStage.Confirmed or PegoutStage.Rejected, cancellationToken).ConfigureAwait(false);
                break;
            default:
                var pegin = await _rsk.Peg.GetPeginStatusAsync(watch.Id, cancellationToken).ConfigureAwait(false);
                await ChangedAsync(key, watch, pegin.Stage.ToString(), RskEvents.PeginStatus, RskViews.Pegin(pegin, chainId), pegin.Stage != PeginStage.NotRegistered, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private async Task ChangedAsync(string key, Watch watch, string stage, string type, JsonObject data, bool final, CancellationToken cancellationToken)
    {
        if (!string.Equals(watch.LastStage, stage, StringComparison.Ordinal))
        {
            await PublishAsync(type, data, cancellationToken).ConfigureAwait(false);
            _watches.TryUpdate(key, watch with { LastStage = stage }, watch);
        }

        if (final)
        {
            _watches.TryRemove(key, out _);
        }
    }

    private async Task PublishAsync(string type, JsonObject data, CancellationToken cancellationToken)
    {
        if (_events is not null)
        {
            await _events.PublishAsync(RskEvents.Topic, type, data, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Add(WatchKind kind, string id) => _watches.TryAdd($"{kind}:{id}", new Watch(kind, id, null));

    private static string NormalizeHash(string hash)
    {
        var body = hash is not null && hash.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hash[2..] : hash ?? "";
        return body.Length == 64 && body.All(char.IsAsciiHexDigit)
            ? "0x" + body.ToLowerInvariant()
            : throw new RskException(RskErrorKind.InvalidRequest, $"rsk: '{hash}' is not a 32-byte transaction hash");
    }

    private sealed record Watch(WatchKind Kind, string Id, string? LastStage);
}

/// <summary>
/// The server's loop around <see cref="RskWatcher.PollAsync"/> every <c>Rsk:PollIntervalSeconds</c> while something is
/// followed. A node that is down is logged (once per distinct problem) and retried on the next round. The CLI never
/// starts it.
/// </summary>
public sealed partial class RskWatchService(RskWatcher watcher, RskOptions options, ILogger<RskWatchService>? logger) : BackgroundService
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.PollIntervalSeconds));
        string? lastProblem = null;
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (watcher.Count == 0)
            {
                continue;
            }

            try
            {
                await watcher.PollAsync(stoppingToken).ConfigureAwait(false);
                lastProblem = null;
            }
            catch (RskException ex)
            {
                if (!string.Equals(lastProblem, ex.Message, StringComparison.Ordinal))
                {
                    LogPollFailed(_logger, ex.Message);
                    lastProblem = ex.Message;
                }
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "rsk watcher: {Problem}; retrying on the next round")]
    private static partial void LogPollFailed(ILogger logger, string problem);
}
