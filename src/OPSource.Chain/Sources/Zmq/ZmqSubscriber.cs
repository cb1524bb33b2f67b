using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OPSource.Chain.Sources.Zmq;

/// <summary>Limits and timings of a <see cref="ZmqSubscriber"/>.</summary>
public sealed record ZmqSubscriberOptions
{
    /// <summary>Time to open the TCP connection. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time for the greeting and READY exchange. Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First wait before reconnecting; doubles after each failed attempt. Default 100 ms.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest wait between reconnect attempts. Default 30 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Largest message (all frames together) accepted; a larger one is a protocol violation and drops the connection.
    /// Default 8 MiB: a <c>rawblock</c> is at most 4,000,000 bytes (Core's MAX_BLOCK_SERIALIZED_SIZE, consensus.h).
    /// </summary>
    public long MaxMessageBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>Most frames in one message (Core sends 3). Default 16.</summary>
    public int MaxFrames { get; init; } = 16;

    /// <summary>Clock for the backoff waits.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>
/// One notification of Bitcoin Core's ZMQ publishers (doc/zmq.md): the three frames [topic, body, 4-byte little-endian
/// sequence number], plus what the subscriber concluded from the sequence numbers it saw before on this topic.
/// </summary>
/// <param name="Topic"><c>hashblock</c>, <c>rawblock</c>, <c>hashtx</c>, <c>rawtx</c> or <c>sequence</c>.</param>
/// <param name="Body">The body frame (a hash in RPC byte order for <c>hash*</c>, serialized data for <c>raw*</c>).</param>
/// <param name="Sequence">The publisher's per-topic sequence number.</param>
/// <param name="Missed">Messages of this topic that never arrived before this one (0 when none).</param>
/// <param name="PublisherRestarted">The sequence went backwards: the publisher (the node) restarted and counts from 0 again.</param>
public sealed record ZmqMessage(string Topic, ReadOnlyMemory<byte> Body, uint Sequence, long Missed, bool PublisherRestarted)
{
    /// <summary>Whether notifications were lost before this one (a gap or a publisher restart).</summary>
    public bool HasGap => Missed > 0 || PublisherRestarted;
}

/// <summary>
/// A ZMQ SUB client for one <c>tcp://host:port</c> endpoint, written against RFC 23/ZMTP 3.0 with the NULL
/// mechanism (no NetMQ: trim- and Native-AOT-safe). It connects, exchanges greetings and READY commands (the peer
/// must be a PUB or XPUB socket), subscribes to its topics, and yields Core's notifications; on a lost
/// connection or a protocol violation it logs the reason and reconnects with exponential backoff, forever,
/// until cancelled. Memory is bounded: frames are checked against <see cref="ZmqSubscriberOptions.MaxMessageBytes"/>
/// before anything is allocated, and nothing is queued (TCP flow control holds the publisher, whose own
/// high-water mark then drops messages, which the sequence numbers reveal).
/// </summary>
public sealed partial class ZmqSubscriber
{
    private readonly string _host;
    private readonly int _port;
    private readonly string _endpoint;
    private readonly string[] _topics;
    private readonly ZmqSubscriberOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, uint> _lastSequence = new(StringComparer.Ordinal);
    private TaskCompletionSource _connectedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _connections;
    private long _malformed;
    private string? _lastError;
    private bool _failedSinceConnect;

    /// <summary>Creates a subscriber (it connects when <see cref="ReadAllAsync"/> is enumerated).</summary>
    /// <param name="endpoint"><c>tcp://host:port</c>.</param>
    /// <param name="topics">Topic prefixes to subscribe to (e.g. <c>hashblock</c>, <c>rawblock</c>, <c>sequence</c>).</param>
    /// <param name="options">Limits and timings.</param>
    /// <param name="logger">Connection events and problems (no message contents).</param>
    public ZmqSubscriber(Uri endpoint, IEnumerable<string> topics, ZmqSubscriberOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(topics);
        if (endpoint.Scheme != "tcp" || endpoint.Port <= 0 || string.IsNullOrEmpty(endpoint.Host))
        {
            throw new ArgumentException($"zmq: '{endpoint}' is not a tcp://host:port endpoint", nameof(endpoint));
        }

        _host = endpoint.Host;
        _port = endpoint.Port;
        _endpoint = $"tcp://{endpoint.Host}:{endpoint.Port}";
        _topics = [.. topics.Distinct(StringComparer.Ordinal)];
        foreach (var topic in _topics)
        {
            if (topic.Length > 255 || topic.Any(c => c is < (char)0x21 or > (char)0x7E))
            {
                throw new ArgumentException($"zmq: topic '{topic}' is not 0-255 printable ASCII characters", nameof(topics));
            }
        }

        _options = options ?? new ZmqSubscriberOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxMessageBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxFrames, 1);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The endpoint, <c>tcp://host:port</c>.</summary>
    public string Endpoint => _endpoint;

    /// <summary>The subscribed topic prefixes.</summary>
    public IReadOnlyList<string> Topics => _topics;

    /// <summary>Completed handshakes so far (1 after the first connection, +1 per reconnection).</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Messages skipped because they were not Core's [topic, body, 4-byte sequence] shape.</summary>
    public long MalformedMessages => Interlocked.Read(ref _malformed);

    /// <summary>Why the last failed connection attempt or connection failed (null while none failed).</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>Waits until at least <paramref name="count"/> handshakes completed (subscriptions sent).</summary>
    public async Task WaitForConnectionAsync(long count, CancellationToken cancellationToken)
    {
        while (true)
        {
            var signal = Volatile.Read(ref _connectedSignal).Task;
            if (Connections >= count)
            {
                return;
            }

            await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Connects (and reconnects) and yields every notification until <paramref name="cancellationToken"/> is
    /// cancelled. Only cancellation ends the sequence; connection problems are logged and retried.
    /// </summary>
    public async IAsyncEnumerable<ZmqMessage> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var backoff = _options.InitialBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            Connection? stream = null;
            try
            {
                stream = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsConnectionProblem(ex, cancellationToken))
            {
                Fail(ex);
            }

            if (stream is not null)
            {
                await using (stream.ConfigureAwait(false))
                {
                    backoff = _options.InitialBackoff;
                    while (true)
                    {
                        ZmqMessage? message;
                        try
                        {
                            message = await ReceiveAsync(stream, cancellationToken).ConfigureAwait(false);
                        }
                        catch (Exception ex) when (IsConnectionProblem(ex, cancellationToken))
                        {
                            Fail(ex);
                            break;
                        }

                        if (message is not null)
                        {
                            yield return message;
                        }
                    }
                }
            }

            await Task.Delay(backoff, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private static bool IsConnectionProblem(Exception ex, CancellationToken cancellationToken) =>
        ex is IOException or SocketException or ObjectDisposedException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private void Fail(Exception ex)
    {
        var reason = ex switch
        {
            ZmtpProtocolException => ex.Message,
            EndOfStreamException => $"zmq {_endpoint}: the publisher closed the connection",
            OperationCanceledException => $"zmq {_endpoint}: no connection or handshake within the timeout",
            _ => $"zmq {_endpoint}: {ex.Message}",
        };
        if (ex is ZmtpProtocolException)
        {
            LogProtocolViolation(_logger, reason);
        }
        else if (!_failedSinceConnect || reason != _lastError)
        {
            LogDisconnected(_logger, reason);
        }

        _failedSinceConnect = true;
        Volatile.Write(ref _lastError, reason);
    }

    /// <summary>TCP connect, greeting, NULL READY exchange, subscriptions (RFC 23 "Connection Heartbeating" aside).</summary>
    private async Task<Connection> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Connection? stream = null;
        try
        {
            // Keepalive finds a peer that vanished without closing (a killed VM, a pulled cable): a SUB never writes.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            TrySetTcpOption(socket, SocketOptionName.TcpKeepAliveTime, 30);
            TrySetTcpOption(socket, SocketOptionName.TcpKeepAliveInterval, 10);
            TrySetTcpOption(socket, SocketOptionName.TcpKeepAliveRetryCount, 3);
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connect.CancelAfter(_options.ConnectTimeout);
                await socket.ConnectAsync(_host, _port, connect.Token).ConfigureAwait(false);
            }

            stream = new Connection(new NetworkStream(socket, ownsSocket: true));
            using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                handshake.CancelAfter(_options.HandshakeTimeout);
                await HandshakeAsync(stream, handshake.Token).ConfigureAwait(false);
            }

            foreach (var topic in _topics)
            {
                await stream.WriteAsync(Zmtp.EncodeSubscribe(topic), cancellationToken).ConfigureAwait(false);
            }

            Interlocked.Increment(ref _connections);
            Interlocked.Exchange(ref _connectedSignal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            if (_failedSinceConnect || Connections == 1)
            {
                LogConnected(_logger, _endpoint, string.Join(",", _topics));
            }

            _failedSinceConnect = false;
            return stream;
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            throw;
        }
    }

    private static void TrySetTcpOption(Socket socket, SocketOptionName name, int value)
    {
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Tcp, name, value);
        }
        catch (SocketException)
        {
            // Not supported on this platform: the OS defaults apply.
        }
    }

    private async Task HandshakeAsync(Connection stream, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Zmtp.CreateGreeting(), cancellationToken).ConfigureAwait(false);

        // Signature and major version first (11 bytes): a ZMTP 1.0/2.0 peer would wait for us after them.
        var greeting = new byte[Zmtp.GreetingLength];
        await stream.Reader.ReadExactlyAsync(greeting.AsMemory(0, 11), cancellationToken).ConfigureAwait(false);
        Zmtp.CheckSignature(greeting.AsSpan(0, 11), _endpoint);

        await stream.Reader.ReadExactlyAsync(greeting.AsMemory(11), cancellationToken).ConfigureAwait(false);
        Zmtp.CheckGreeting(greeting, _endpoint);

        await stream.WriteAsync(Zmtp.EncodeReady("SUB"), cancellationToken).ConfigureAwait(false);

        var frame = await Zmtp.ReadFrameAsync(stream.Reader, 64 * 1024, _endpoint, cancellationToken).ConfigureAwait(false);
        if (!frame.IsCommand)
        {
            throw new ZmtpProtocolException($"zmq {_endpoint}: expected the READY command, got a message frame");
        }

        var (name, data) = Zmtp.ParseCommand(frame.Body, _endpoint);
        if (name == "ERROR")
        {
            throw new ZmtpProtocolException($"zmq {_endpoint}: the publisher refused the connection: {Zmtp.ParseErrorReason(data.Span)}");
        }

        if (name != "READY")
        {
            throw new ZmtpProtocolException($"zmq {_endpoint}: expected the READY command, got '{Zmtp.Printable(Encoding.ASCII.GetBytes(name))}'");
        }

        var properties = Zmtp.ParseMetadata(data.Span, _endpoint);
        var socketType = properties.TryGetValue("Socket-Type", out var value) ? Encoding.ASCII.GetString(value) : "";

        // RFC 23 "Socket types": a SUB talks only to a PUB or an XPUB.
        if (socketType is not ("PUB" or "XPUB"))
        {
            throw new ZmtpProtocolException($"zmq {_endpoint}: the peer is a '{Zmtp.Printable(Encoding.ASCII.GetBytes(socketType))}' socket, a SUB needs a PUB or XPUB");
        }
    }

    /// <summary>Reads one whole message; null when it was skipped (not Core's shape).</summary>
    private async Task<ZmqMessage?> ReceiveAsync(Connection stream, CancellationToken cancellationToken)
    {
        var frames = new List<byte[]>(3);
        long total = 0;
        while (true)
        {
            var frame = await Zmtp.ReadFrameAsync(stream.Reader, _options.MaxMessageBytes - total, _endpoint, cancellationToken).ConfigureAwait(false);
            if (frame.IsCommand)
            {
                if (frames.Count > 0)
                {
                    throw new ZmtpProtocolException($"zmq {_endpoint}: a command arrived inside a multipart message");
                }

                await HandleCommandAsync(stream, frame.Body, cancellationToken).ConfigureAwait(false);
                continue;
            }

            total += frame.Body.Length;
            frames.Add(frame.Body);
            if (!frame.More)
            {
                break;
            }

            if (frames.Count >= _options.MaxFrames)
            {
                throw new ZmtpProtocolException($"zmq {_endpoint}: a message of more than {_options.MaxFrames} frames");
            }
        }

        // Core's notifiers send [topic, body, sequence (uint32 LE)] (zmq/zmqpublishnotifier.cpp SendZmqMessage).
        if (frames.Count != 3 || frames[2].Length != 4 || frames[0].Length == 0)
        {
            Interlocked.Increment(ref _malformed);
            LogMalformed(_logger, _endpoint, frames.Count, frames.Count == 3 ? frames[2].Length : -1);
            return null;
        }

        var topic = Encoding.ASCII.GetString(frames[0]);
        var sequence = BinaryPrimitives.ReadUInt32LittleEndian(frames[2]);
        long missed = 0;
        var restarted = false;
        if (_lastSequence.TryGetValue(topic, out var last))
        {
            var expected = unchecked(last + 1);
            if (sequence == expected)
            {
                missed = 0;
            }
            else if (sequence > expected)
            {
                missed = sequence - expected;
            }
            else
            {
                // Backwards: the node restarted and its notifier counts from 0 again; 0..sequence-1 never arrived.
                restarted = true;
                missed = sequence;
            }
        }

        _lastSequence[topic] = sequence;
        if (missed > 0 || restarted)
        {
            LogGap(_logger, _endpoint, topic, missed, restarted);
        }

        return new ZmqMessage(topic, frames[1], sequence, missed, restarted);
    }

    private async Task HandleCommandAsync(Connection stream, byte[] body, CancellationToken cancellationToken)
    {
        var (name, data) = Zmtp.ParseCommand(body, _endpoint);
        switch (name)
        {
            case "ERROR":
                throw new ZmtpProtocolException($"zmq {_endpoint}: the publisher sent ERROR: {Zmtp.ParseErrorReason(data.Span)}");
            case "PING":
                // RFC 37 (ZMTP 3.1) heartbeat: PING = TTL (2 octets) + context (0-16 octets); PONG echoes the context.
                if (data.Length < 2 || data.Length > 18)
                {
                    throw new ZmtpProtocolException($"zmq {_endpoint}: malformed PING ({data.Length} bytes)");
                }

                await stream.WriteAsync(Zmtp.EncodeCommand("PONG", data.Span[2..]), cancellationToken).ConfigureAwait(false);
                break;
            default:
                // Other commands (PONG, a second READY) carry nothing for a SUB; ignore them.
                break;
        }
    }

    /// <summary>One TCP connection: reads through a buffer, writes (rare: handshake, subscriptions, PONG) straight to the socket.</summary>
    private sealed class Connection(NetworkStream network) : IAsyncDisposable
    {
        public Stream Reader { get; } = new BufferedStream(network, 64 * 1024);

        public ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) => network.WriteAsync(bytes, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await Reader.DisposeAsync().ConfigureAwait(false);
            await network.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "zmq: subscribed to {Endpoint} ({Topics})")]
    private static partial void LogConnected(ILogger logger, string endpoint, string topics);

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning, Message = "{Reason}; reconnecting")]
    private static partial void LogDisconnected(ILogger logger, string reason);

    [LoggerMessage(EventId = 62, Level = LogLevel.Warning, Message = "{Reason}; dropped the connection, reconnecting")]
    private static partial void LogProtocolViolation(ILogger logger, string reason);

    [LoggerMessage(EventId = 63, Level = LogLevel.Warning, Message = "zmq {Endpoint}: skipped a message of {Frames} frames (last frame {Last} bytes), not Core's [topic, body, sequence]")]
    private static partial void LogMalformed(ILogger logger, string endpoint, int frames, int last);

    [LoggerMessage(EventId = 64, Level = LogLevel.Information, Message = "zmq {Endpoint}: {Missed} '{Topic}' notifications lost (publisher restarted: {Restarted}); RPC reconciliation covers them")]
    private static partial void LogGap(ILogger logger, string endpoint, string topic, long missed, bool restarted);
}
