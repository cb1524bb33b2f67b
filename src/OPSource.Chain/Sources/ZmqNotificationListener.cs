using System.Buffers.Binary;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NetMQ;
using NetMQ.Sockets;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Chain.Sources;

/// <summary>
/// Subscribes to Bitcoin Core's ZMQ publishers (<c>-zmqpubhashblock</c>, <c>-zmqpubrawblock</c>, <c>-zmqpubrawtx</c>) with NetMQ.
/// ZMQ is lossy by design (high-water marks, reconnects), so notifications are only wake-ups and a cache: the
/// <see cref="BlockEmitter"/> always reconciles through RPC, and uses a block or transaction from here only to save a
/// round trip. One listener may serve several emitters.
/// </summary>
public sealed partial class ZmqNotificationListener : IDisposable
{
    private const int MaxCachedBlocks = 16;
    private const int MaxCachedTransactions = 50_000;

    private readonly SubscriberSocket _socket;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<BlockHash, Block> _blocks = new();
    private readonly ConcurrentQueue<BlockHash> _blockOrder = new();
    private readonly ConcurrentDictionary<TxId, Transaction> _transactions = new();
    private readonly ConcurrentQueue<TxId> _transactionOrder = new();
    private readonly Lock _waitersGate = new();
    private readonly List<SemaphoreSlim> _waiters = [];
    private readonly Dictionary<string, uint> _lastSequence = new(StringComparer.Ordinal);
    private long _messages;
    private long _gaps;

    /// <summary>Connects to each endpoint (<c>tcp://127.0.0.1:28332</c>) and subscribes to the block and transaction topics.</summary>
    public ZmqNotificationListener(IEnumerable<Uri> endpoints, ILogger<ZmqNotificationListener>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _socket = new SubscriberSocket();
        _socket.Options.ReceiveHighWatermark = 0;
        var any = false;
        foreach (var endpoint in endpoints.Distinct())
        {
            if (endpoint.Scheme != "tcp")
            {
                throw new ArgumentException($"zmq: '{endpoint}' is not a tcp:// endpoint", nameof(endpoints));
            }

            _socket.Connect($"tcp://{endpoint.Host}:{endpoint.Port}");
            any = true;
        }

        if (!any)
        {
            throw new ArgumentException("zmq: no endpoint", nameof(endpoints));
        }

        foreach (var topic in new[] { "hashblock", "rawblock", "rawtx", "sequence" })
        {
            _socket.Subscribe(topic);
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "opsource-zmq" };
        _thread.Start();
    }

    /// <summary>Notifications received so far.</summary>
    public long MessagesReceived => Interlocked.Read(ref _messages);

    /// <summary>Times a topic's sequence number skipped (messages lost; the emitter's RPC reconciliation covers them).</summary>
    public long SequenceGaps => Interlocked.Read(ref _gaps);

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
        _thread.Join(TimeSpan.FromSeconds(5));
        _socket.Dispose();
        _stop.Dispose();
    }

    private void Run()
    {
        var message = new NetMQMessage();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (!_socket.TryReceiveMultipartMessage(TimeSpan.FromMilliseconds(200), ref message) || message.FrameCount < 2)
                {
                    continue;
                }

                Handle(message);
            }
            catch (Exception ex) when (ex is NetMQException or FormatException or ArgumentException or InvalidOperationException)
            {
                LogBadMessage(_logger, ex.Message);
            }
        }
    }

    private void Handle(NetMQMessage message)
    {
        Interlocked.Increment(ref _messages);
        var topic = message[0].ConvertToString(System.Text.Encoding.ASCII);
        var body = message[1].ToByteArray();

        // Core's notifiers append a 4-byte little-endian sequence number per topic.
        if (message.FrameCount >= 3 && message[2].MessageSize == 4)
        {
            var sequence = BinaryPrimitives.ReadUInt32LittleEndian(message[2].ToByteArray());
            if (_lastSequence.TryGetValue(topic, out var last) && sequence != unchecked(last + 1))
            {
                Interlocked.Increment(ref _gaps);
            }

            _lastSequence[topic] = sequence;
        }

        switch (topic)
        {
            case "rawblock" when Block.TryParse(body, out var block, out _):
                var hash = block.GetBlockHash();
                if (_blocks.TryAdd(hash, block))
                {
                    _blockOrder.Enqueue(hash);
                    while (_blockOrder.Count > MaxCachedBlocks && _blockOrder.TryDequeue(out var old))
                    {
                        _blocks.TryRemove(old, out _);
                    }
                }

                break;
            case "rawtx" when Transaction.TryParse(body, out var tx, out _):
                var txid = tx.GetTxId();
                if (_transactions.TryAdd(txid, tx))
                {
                    _transactionOrder.Enqueue(txid);
                    while (_transactionOrder.Count > MaxCachedTransactions && _transactionOrder.TryDequeue(out var old))
                    {
                        _transactions.TryRemove(old, out _);
                    }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "zmq: unreadable notification ignored: {Reason}")]
    private static partial void LogBadMessage(ILogger logger, string reason);
}
