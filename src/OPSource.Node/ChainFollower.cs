using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OPSource.Bitcoin.Blocks;
using OPSource.Chain;
using OPSource.Chain.Rpc;
using OPSource.Chain.Sources;
using OPSource.Platform.Events;

namespace OPSource.Node;

/// <summary>
/// The server's chain follower: follows the node's active chain from the tip it finds at start (a
/// <see cref="BlockEmitter"/>, woken by ZMQ when <c>Node:ZmqBlock</c> is set, polling every
/// <c>Node:PollIntervalSeconds</c> otherwise), and for every block publishes on the <c>blocks</c> topic
/// <c>block.connected</c> (<c>height</c>, <c>hash</c>, <c>previous_block_hash</c>, <c>time</c>, <c>tx_count</c>) or,
/// in a reorg, <c>block.disconnected</c> (<c>height</c>, <c>hash</c>, <c>fork_height</c>, <c>fork_hash</c>, highest
/// first), counts them in the <c>OPSource.Node</c> meter and announces the new tip on <see cref="ChainTipSignal"/>
/// (the wallet sync wakes on it). Idle when no node is configured; a node that is down is retried with backoff and
/// the follower continues where it stopped.
/// </summary>
public sealed partial class ChainFollower(
    NodeOptions options,
    Func<IBlockSource> blockSource,
    ChainTipSignal signal,
    NodeMetrics metrics,
    IEventPublisher? events,
    TimeProvider time,
    ILoggerFactory? loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers?.CreateLogger<ChainFollower>() ?? NullLogger<ChainFollower>.Instance;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.IsConfigured)
        {
            return;
        }

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
                    if (emitter is null)
                    {
                        var height = await blocks.GetBlockCountAsync(stoppingToken).ConfigureAwait(false);
                        emitter = BlockEmitter.StartAt(height + 1, blocks, mempool: null, new BlockEmitterOptions { PollInterval = poll, WatchMempool = false, TimeProvider = time }, zmq);
                        LogFollowing(_logger, height, zmq is not null);
                    }

                    await foreach (var update in emitter.FollowAsync(stoppingToken).ConfigureAwait(false))
                    {
                        await PublishAsync(update, stoppingToken).ConfigureAwait(false);
                        backoff = poll;
                        lastProblem = null;
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is BitcoinRpcException or ChainSourceException or HttpRequestException or IOException)
                {
                    // The node is down or restarting: keep the emitter (its state only moves after a step succeeded).
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

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "chain follower paused: {Problem}")]
    private static partial void LogProblem(ILogger logger, string problem);
}
