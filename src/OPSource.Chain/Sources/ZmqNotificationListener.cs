using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Sources.Zmq;

namespace OPSource.Chain.Sources;

/// <summary>
/// Subscribes to Bitcoin Core's ZMQ publishers (<c>-zmqpubhashblock</c>, <c>-zmqpubrawblock</c>, <c>-zmqpubrawtx</c>,
/// <c>-zmqpubsequence</c>) through OPSource's own ZMTP client (<see cref="ZmqSubscriber"/>, one per endpoint,
/// reconnecting on its own). ZMQ is lossy by design (high-water marks, reconnects, node restarts), so notifications
/// are only wake-ups and a cache: the <see cref="BlockEmitter"/> always reconciles through RPC, and uses a block or
/// transaction from here only to save a round trip. One listener may serve several emitters.
/// </summary>
public sealed partial class ZmqNotificationListener : IDisposable
{
    /// <summary>The topics subscribed on every endpoint.</summary>
    public static readonly IReadOnlyList<string> Topics = ["hashblock", "rawblock", "rawtx", "sequence"];

    private const int MaxCachedBlocks = 16;
    private const int MaxCachedTransactions = 50_000;

    private readonly ZmqSubscriber[] _subscribers;
    private readonly Task[] _readers;
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<BlockHash, Block> _blocks = new();
    private readonly ConcurrentQueue<BlockHash> _blockOrder = new();
    private readonly ConcurrentDictionary<TxId, Transaction> _transactions = new();
    private readonly ConcurrentQueue<TxId> _transactionOrder = new();
    private readonly Lock _waitersGate = new();
    private readonly List<SemaphoreSlim> _waiters = [];
    private long _messages;
    private long _gaps;
    private long _missed;

    /// <summary>Connects to each endpoint (<c>tcp://127.0.0.1:28332</c>) and subscribes to <see cref="Topics"/>.</summary>
    public ZmqNotificationListener(IEnumerable<Uri> endpoints, ILogger<ZmqNotificationListener>? logger = null)
        : this(endpoints, null, logger)
    {
    }

    /// <summary>Connects to each endpoint with the given limits and timings.</summary>
    public ZmqNotificationListener(IEnumerable<Uri> endpoints, ZmqSubscriberOptions? options, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        _logger = logger ?? NullLogger.Instance;
        _subscribers = [.. endpoints.Distinct().Select(e => new ZmqSubscriber(e, Topics, options, _logger))];
        if (_subscribers.Length == 0)
        {
            throw new ArgumentException("zmq: no endpoint", nameof(endpoints));
        }

        _readers = [.. _subscribers.Select(s => Task.Run(() => ReadAsync(s, _stop.Token)))];
    }

    /// <summary>Notifications received so far.</summary>
    public long MessagesReceived => Interlocked.Read(ref _messages);

    /// <summary>Times a topic's sequence number skipped or restarted (messages lost; the emitter's RPC reconciliation covers them).</summary>
    public long SequenceGaps => Interlocked.Read(ref _gaps);

    /// <summary>Notifications known to be lost (the sum of the gaps).</summary>
    public long MessagesMissed => Interlocked.Read(ref _missed);

    /// <summary>The per-endpoint subscribers (connection counts, last error).</summary>
    public IReadOnlyList<ZmqSubscriber> Subscribers => _subscribers;

    /// <summary>Waits until every endpoint completed its first handshake (subscriptions sent).</summary>
    public Task WaitUntilConnectedAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_subscribers.Select(s => s.WaitForConnectionAsync(1, cancellationToken)));

    /// <summary>A new wake-up signal, set by every later notification (each emitter holds its own).</summary>
    public SemaphoreSlim Subscribe()
    {
        var signal = new SemaphoreSlim(0, 1);
        lock (_waitersGate)
        {
            _waiters.Add(signal);
        }

        return signal;
    }

    /// <summary>Stops delivering to a signal from <see cref="Subscribe"/>.</summary>
    public void Unsubscribe(SemaphoreSlim signal)
    {
        lock (_waitersGate)
        {
            _waiters.Remove(signal);
        }
    }

    /// <summary>A block received as <c>rawblock</c>, if still cached.</summary>
    public bool TryGetBlock(BlockHash hash, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Block? block) => _blocks.TryGetValue(hash, out block);

    /// <summary>A transaction received as <c>rawtx</c>, if still cached.</summary>
    public bool TryGetTransaction(TxId txid, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Transaction? transaction) =>
        _transactions.TryGetValue(txid, out transaction);

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            Task.WaitAll(_readers, TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Readers end with OperationCanceledException.
        }

        _stop.Dispose();
    }

    private async Task ReadAsync(ZmqSubscriber subscriber, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in subscriber.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                Handle(message);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // A bug, not a connection problem (those are retried inside the subscriber): say so instead of going quiet.
            LogReaderFailed(_logger, ex, subscriber.Endpoint);
            throw;
        }
    }

    private void Handle(ZmqMessage message)
    {
        Interlocked.Increment(ref _messages);
        if (message.HasGap)
        {
            Interlocked.Increment(ref _gaps);
            Interlocked.Add(ref _missed, message.Missed);
        }

        switch (message.Topic)
        {
            case "rawblock":
                if (Block.TryParse(message.Body.Span, out var block, out var blockError))
                {
                    var hash = block.GetBlockHash();
                    if (_blocks.TryAdd(hash, block))
                    {
                        _blockOrder.Enqueue(hash);
                        while (_blockOrder.Count > MaxCachedBlocks && _blockOrder.TryDequeue(out var old))
                        {
                            _blocks.TryRemove(old, out _);
                        }
                    }
                }
                else
                {
                    LogBadMessage(_logger, $"rawblock #{message.Sequence} does not parse: {blockError}");
                }

                break;
            case "rawtx":
                if (Transaction.TryParse(message.Body.Span, out var tx, out var txError))
                {
                    var txid = tx.GetTxId();
                    if (_transactions.TryAdd(txid, tx))
                    {
                        _transactionOrder.Enqueue(txid);
                        while (_transactionOrder.Count > MaxCachedTransactions && _transactionOrder.TryDequeue(out var old))
                        {
                            _transactions.TryRemove(old, out _);
                        }
                    }
                }
                else
                {
                    LogBadMessage(_logger, $"rawtx #{message.Sequence} does not parse: {txError}");
                }

                break;
        }

        lock (_waitersGate)
        {
            foreach (var waiter in _waiters)
            {
                if (waiter.CurrentCount == 0)
                {
                    try
                    {
                        waiter.Release();
                    }
                    catch (SemaphoreFullException)
                    {
                        // Already signalled.
                    }
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "zmq {Endpoint}: the notification reader stopped; the emitter falls back to polling")]
    private static partial void LogReaderFailed(ILogger logger, Exception exception, string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "zmq: unreadable notification ignored: {Reason}")]
    private static partial void LogBadMessage(ILogger logger, string reason);
}
