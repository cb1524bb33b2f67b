using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OPSource.Bitcoin.Blocks;
using OPSource.Chain;
using OPSource.Chain.Rpc;
using OPSource.Chain.Sources;
using OPSource.Chain.Model;
using OPSource.Platform.Events;
using OPSource.Platform.Leadership;
using OPSource.Storage;

namespace OPSource.Node;

/// <summary>
/// The server's chain follower: follows the node's active chain from the tip it finds at start (a
/// <see cref="BlockEmitter"/>, woken by ZMQ when <c>Node:ZmqBlock</c> is set, polling every
/// <c>Node:PollIntervalSeconds</c> otherwise), and for every block publishes on the <c>blocks</c> topic
/// <c>block.connected</c> (<c>height</c>, <c>hash</c>, <c>previous_block_hash</c>, <c>time</c>, <c>tx_count</c>) or,
/// in a reorg, <c>block.disconnected</c> (<c>height</c>, <c>hash</c>, <c>fork_height</c>, <c>fork_hash</c>, highest
/// first), counts them in the <c>OPSource.Node</c> meter and announces the new tip on <see cref="ChainTipSignal"/>
/// (the wallet sync wakes on it). Idle when no node is configured; a node that is down is retried with backoff and
/// the follower continues where it stopped. Runs only while this instance leads (<see cref="ILeadership"/>: one
/// follower per database across server instances) and stores its position (<see cref="CheckpointKey"/>) after every
/// block, so a restarted server or a new leader continues from the last block published: none repeated, none skipped.
/// </summary>
public sealed partial class ChainFollower(
    NodeOptions options,
    Func<IBlockSource> blockSource,
    ChainTipSignal signal,
    NodeMetrics metrics,
    IEventPublisher? events,
    TimeProvider time,
    ILoggerFactory? loggers,
    ILeadership? leadership = null,
    SettingsRepository? settings = null) : BackgroundService
{
    private readonly ILogger _logger = loggers?.CreateLogger<ChainFollower>() ?? NullLogger<ChainFollower>.Instance;

    /// <summary>Settings key of the follower's checkpoint: the last block published (<c>height:hash</c>).</summary>
    public static SettingKey<BlockId> CheckpointKey { get; } = new(
        "chain.follower.tip",
        id => id.Height.ToString(CultureInfo.InvariantCulture) + ":" + id.Hash,
        TryParseCheckpoint);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.IsConfigured)
        {
            return;
        }

        // Once per database: only the leader follows; a new leader continues from the stored checkpoint.
        await leadership.RunWhileLeaderAsync(FollowAsync, stoppingToken).ConfigureAwait(false);
    }

    private async Task FollowAsync(CancellationToken stoppingToken)
    {
        var blocks = blockSource(); // resolved only when a node is configured
        var poll = TimeSpan.FromSeconds(options.PollIntervalSeconds);
        using var zmq = options.ZmqBlock is { } endpoint ? new ZmqNotificationListener([endpoint], loggers?.CreateLogger<ZmqNotificationListener>()) : null;
        BlockEmitter? emitter = null;
        var backoff = poll;
        string? lastProblem = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    emitter ??= await StartAsync(blocks, poll, zmq, stoppingToken).ConfigureAwait(false);
                    await foreach (var update in emitter.FollowAsync(stoppingToken).ConfigureAwait(false))
                    {
                        // A block is published and checkpointed as one step that a stop or a lost lease does not cut in
                        // half, so the next leader neither repeats nor skips it.
                        await PublishAsync(update, CancellationToken.None).ConfigureAwait(false);
                        await SaveCheckpointAsync(update, CancellationToken.None).ConfigureAwait(false);
                        backoff = poll;
                        lastProblem = null;
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is BitcoinRpcException or ChainSourceException or HttpRequestException or IOException or System.Data.Common.DbException)
                {
                    // The node (or the database) is down or restarting: keep the emitter (its state only moves after a
                    // step succeeded).
                    if (ex.Message != lastProblem)
                    {
                        LogProblem(_logger, ex.Message);
                        lastProblem = ex.Message;
                    }

                    await Task.Delay(backoff, time, stoppingToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            emitter?.Dispose();
        }
    }

    // From the stored checkpoint (the block after it comes next, or a disconnect when it left the active chain while
    // nobody followed); without one, from the node's tip, which becomes the checkpoint.
    private async Task<BlockEmitter> StartAsync(IBlockSource blocks, TimeSpan poll, ZmqNotificationListener? zmq, CancellationToken cancellationToken)
    {
        var emitterOptions = new BlockEmitterOptions { PollInterval = poll, WatchMempool = false, TimeProvider = time };
        if (settings is not null)
        {
            var (found, checkpoint) = await settings.TryGetAsync(CheckpointKey, cancellationToken).ConfigureAwait(false);
            if (found)
            {
                LogResuming(_logger, checkpoint.Height, checkpoint.Hash.ToString(), zmq is not null);
                return new BlockEmitter(blocks, mempool: null, [checkpoint], emitterOptions, zmq);
            }
        }

        var height = await blocks.GetBlockCountAsync(cancellationToken).ConfigureAwait(false);
        if (settings is not null)
        {
            var hash = await blocks.GetBlockHashAsync(height, cancellationToken).ConfigureAwait(false);
            await settings.SetAsync(CheckpointKey, new BlockId(height, hash), cancellationToken).ConfigureAwait(false);
        }

        LogFollowing(_logger, height, zmq is not null);
        return BlockEmitter.StartAt(height + 1, blocks, mempool: null, emitterOptions, zmq);
    }

    private async Task SaveCheckpointAsync(ChainUpdate update, CancellationToken cancellationToken)
    {
        BlockId? tip = update switch
        {
            BlockConnected connected => connected.Id,
            BlocksDisconnected disconnected => disconnected.ForkPoint,
            _ => null,
        };
        if (settings is not null && tip is { } id)
        {
            await settings.SetAsync(CheckpointKey, id, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool TryParseCheckpoint(string text, out BlockId value)
    {
        value = default;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0
            || !int.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var height)
            || !BlockHash.TryParse(text[(colon + 1)..], out var hash))
        {
            return false;
        }

        value = new BlockId(height, hash);
        return true;
    }

    private async Task PublishAsync(ChainUpdate update, CancellationToken cancellationToken)
    {
        switch (update)
        {
            case BlockConnected connected:
                metrics.BlockConnected();
                signal.Announce(connected.Id);
                if (events is not null)
                {
                    var header = connected.Block.Header;
                    await events.PublishAsync(NodeModule.BlocksTopic, "block.connected", new JsonObject
                    {
                        ["height"] = connected.Height,
                        ["hash"] = connected.Hash.ToString(),
                        ["previous_block_hash"] = header.PreviousBlockHash.ToString(),
                        ["time"] = DateTimeOffset.FromUnixTimeSeconds(header.Time).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                        ["tx_count"] = connected.Block.Transactions.Count,
                    }, cancellationToken).ConfigureAwait(false);
                }

                break;
            case BlocksDisconnected disconnected:
                metrics.BlocksDisconnected(disconnected.Disconnected.Count);
                signal.Announce(disconnected.ForkPoint);
                if (events is not null)
                {
                    foreach (var block in disconnected.Disconnected.OrderByDescending(b => b.Height))
                    {
                        await events.PublishAsync(NodeModule.BlocksTopic, "block.disconnected", new JsonObject
                        {
                            ["height"] = block.Height,
                            ["hash"] = block.Hash.ToString(),
                            ["fork_height"] = disconnected.ForkPoint.Height,
                            ["fork_hash"] = disconnected.ForkPoint.Hash.ToString(),
                        }, cancellationToken).ConfigureAwait(false);
                    }
                }

                break;
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "chain follower: following the node from height {Height} (zmq: {Zmq})")]
    private static partial void LogFollowing(ILogger logger, int height, bool zmq);

    [LoggerMessage(EventId = 42, Level = LogLevel.Information, Message = "chain follower: resuming after checkpoint {Height} {Hash} (zmq: {Zmq})")]
    private static partial void LogResuming(ILogger logger, int height, string hash, bool zmq);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "chain follower paused: {Problem}")]
    private static partial void LogProblem(ILogger logger, string problem);
}
