using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using OPSource.Chain.Sources.Zmq;

namespace OPSource.Chain.Tests.Zmq;

/// <summary>
/// RFC 23/ZMTP 3.0 framing and the SUB handshake of <see cref="ZmqSubscriber"/>, against byte streams and a scripted
/// in-process publisher (a unit-test double; the real Bitcoin Core publisher is in <see cref="ZmqCoreTests"/>).
/// </summary>
public sealed class ZmtpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<ZmtpFrame> ReadAsync(byte[] bytes, long max = 1 << 20) =>
        await Zmtp.ReadFrameAsync(new MemoryStream(bytes), max, "test", Ct);

    [Fact]
    public void Our_greeting_is_zmtp_3_0_null_as_client_and_passes_the_check()
    {
        var g = Zmtp.CreateGreeting();
        Assert.Equal(64, g.Length);
        Assert.Equal(0xFF, g[0]);
        Assert.Equal(0x7F, g[9]);
        Assert.Equal([3, 0], g[10..12]);
        Assert.Equal("NULL", Encoding.ASCII.GetString(g, 12, 4));
        Assert.All(g[16..32], b => Assert.Equal(0, b));
        Assert.Equal(0, g[32]);
        Zmtp.CheckGreeting(g, "test");
    }

    [Theory]
    [InlineData(0, 0xFE, "not a ZMTP peer")]
    [InlineData(9, 0x00, "not a ZMTP peer")]
    [InlineData(10, 2, "major version 2")]
    [InlineData(12, (byte)'C', "mechanism 'CULL'")]
    [InlineData(17, (byte)'X', "mechanism 'NULL'")]
    [InlineData(32, 2, "as-server byte is 2")]
    public void Bad_greetings_are_refused_naming_the_problem(int offset, byte value, string expected)
    {
        var g = Zmtp.CreateGreeting();
        g[offset] = value;
        var ex = Assert.Throws<ZmtpProtocolException>(() => Zmtp.CheckGreeting(g, "tcp://x:1"));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("zmq tcp://x:1: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zmtp_3_1_greeting_is_accepted()
    {
        var g = Zmtp.CreateGreeting();
        g[11] = 1;
        g[32] = 1;
        Zmtp.CheckGreeting(g, "test");
    }

    [Theory]
    [InlineData(0, false, false)]
    [InlineData(1, true, false)]
    [InlineData(255, false, false)]
    [InlineData(256, true, false)]
    [InlineData(70_000, false, false)]
    [InlineData(40, false, true)]
    [InlineData(300, false, true)]
    public async Task Frames_round_trip_in_short_and_long_form(int size, bool more, bool command)
    {
        var body = new byte[size];
        new Random(size).NextBytes(body);
        var encoded = Zmtp.EncodeFrame(body, more, command);

        // RFC 23: short frames carry a 1-octet size, long ones (flag bit 1) 8 octets in network byte order.
        Assert.Equal(size <= 255 ? 2 + size : 9 + size, encoded.Length);
        Assert.Equal(size > 255, (encoded[0] & 0x02) != 0);
        if (size > 255)
        {
            Assert.Equal((ulong)size, BinaryPrimitives.ReadUInt64BigEndian(encoded.AsSpan(1)));
        }

        var frame = await ReadAsync(encoded);
        Assert.Equal(body, frame.Body);
        Assert.Equal(more, frame.More);
        Assert.Equal(command, frame.IsCommand);
    }

    [Fact]
    public async Task A_long_frame_with_a_small_size_is_accepted()
    {
        byte[] bytes = [0x02, 0, 0, 0, 0, 0, 0, 0, 3, 0xAA, 0xBB, 0xCC];
        Assert.Equal([0xAA, 0xBB, 0xCC], (await ReadAsync(bytes)).Body);
    }

    [Theory]
    [InlineData(new byte[] { 0x08, 0x00 }, "reserved bits")]
    [InlineData(new byte[] { 0x80, 0x00 }, "reserved bits")]
    [InlineData(new byte[] { 0x05, 0x00 }, "command frame has the MORE flag")]
    [InlineData(new byte[] { 0x00, 0xFF }, "255 bytes is over the 100-byte limit")]
    [InlineData(new byte[] { 0x02, 0x80, 0, 0, 0, 0, 0, 0, 0 }, "9223372036854775808 bytes is over the 100-byte limit")]
    [InlineData(new byte[] { 0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, "command of 18446744073709551615 bytes is over")]
    public async Task Malformed_and_oversize_frames_are_refused_before_allocation(byte[] bytes, string expected)
    {
        var ex = await Assert.ThrowsAsync<ZmtpProtocolException>(async () => await ReadAsync(bytes, 100));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x00 })]
    [InlineData(new byte[] { 0x02, 0, 0, 0 })]
    [InlineData(new byte[] { 0x00, 5, 1, 2 })]
    public async Task Truncated_frames_end_the_stream(byte[] bytes)
    {
        await Assert.ThrowsAsync<EndOfStreamException>(async () => await ReadAsync(bytes));
    }

    [Fact]
    public void Ready_carries_the_socket_type_and_parses_back()
    {
        var frame = Zmtp.EncodeReady("SUB");
        Assert.Equal(0x04, frame[0]);
        var (name, data) = Zmtp.ParseCommand(frame[2..], "test");
        Assert.Equal("READY", name);
        var properties = Zmtp.ParseMetadata(data.Span, "test");
        Assert.Equal("SUB", Encoding.ASCII.GetString(properties["socket-type"]));
    }

    [Theory]
    [InlineData(new byte[] { 11, (byte)'S' }, "malformed READY metadata")]
    [InlineData(new byte[] { 1, (byte)'A', 0, 0, 0, 9, 1 }, "claims 9 bytes, 1 remain")]
    [InlineData(new byte[] { 0, 0, 0, 0, 0 }, "malformed READY metadata")]
    public void Malformed_metadata_is_refused(byte[] data, string expected)
    {
        var ex = Assert.Throws<ZmtpProtocolException>(() => Zmtp.ParseMetadata(data, "test"));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0 })]
    [InlineData(new byte[] { 6, (byte)'R' })]
    public void Malformed_commands_are_refused(byte[] body)
    {
        Assert.Throws<ZmtpProtocolException>(() => Zmtp.ParseCommand(body, "test"));
    }

    [Fact]
    public void Subscribe_is_a_message_of_byte_1_and_the_prefix()
    {
        Assert.Equal([0x00, 10, 1, .. "hashblock"u8], Zmtp.EncodeSubscribe("hashblock"));
    }

    [Fact]
    public async Task Subscriber_handshakes_subscribes_and_reports_gaps_restarts_and_odd_messages()
    {
        await using var pub = new ScriptedPublisher(async (stream, subscriptions, ct) =>
        {
            Assert.Equal(["hashblock", "sequence"], subscriptions);
            await Send(stream, "hashblock", [1], 7, ct);
            await Send(stream, "hashblock", [2], 8, ct);
            await Send(stream, "hashblock", [3], 11, ct);      // 9 and 10 lost
            await stream.WriteAsync(Zmtp.EncodeFrame("hashblock"u8, true, false), ct); // 2 frames only: skipped
            await stream.WriteAsync(Zmtp.EncodeFrame([9], false, false), ct);
            await Send(stream, "sequence", [4], 0, ct);        // a new topic starts anywhere
            await Send(stream, "hashblock", [5], 1, ct);       // backwards: the node restarted
            await stream.FlushAsync(ct);
            await Task.Delay(Timeout.Infinite, ct);
        }) { SubscriptionCount = 2 };
        var subscriber = new ZmqSubscriber(pub.Endpoint, ["hashblock", "sequence"]);
        var messages = await Take(subscriber, 5);
        Assert.Equal([7u, 8, 11, 0, 1], messages.Select(m => m.Sequence));
        Assert.Equal([0L, 0, 2, 0, 1], messages.Select(m => m.Missed));
        Assert.Equal([false, false, false, false, true], messages.Select(m => m.PublisherRestarted));
        Assert.Equal([1, 2, 3, 4, 5], messages.Select(m => m.Body.Span[0]));
        Assert.Equal(1, subscriber.MalformedMessages);
        Assert.Equal(1, subscriber.Connections);
    }

    [Theory]
    [InlineData("oversize", "over the 1024-byte limit")]
    [InlineData("reserved", "reserved bits")]
    [InlineData("command-inside", "a command arrived inside a multipart message")]
    [InlineData("error", "the publisher sent ERROR: go away")]
    [InlineData("too-many-frames", "more than 16 frames")]
    public async Task Protocol_violations_drop_the_connection_with_a_clear_error_and_it_reconnects(string violation, string expected)
    {
        var connection = 0;
        await using var pub = new ScriptedPublisher(async (stream, _, ct) =>
        {
            if (Interlocked.Increment(ref connection) == 1)
            {
                switch (violation)
                {
                    case "oversize":
                        await stream.WriteAsync(new byte[] { 0x02, 0, 0, 0, 0, 0, 0, 0x04, 0x01 }, ct);
                        break;
                    case "reserved":
                        await stream.WriteAsync(new byte[] { 0x10, 0 }, ct);
                        break;
                    case "command-inside":
                        await stream.WriteAsync(Zmtp.EncodeFrame("hashblock"u8, true, false), ct);
                        await stream.WriteAsync(Zmtp.EncodeCommand("PONG", []), ct);
                        break;
                    case "error":
                        await stream.WriteAsync(Zmtp.EncodeCommand("ERROR", [7, .. "go away"u8]), ct);
                        break;
                    case "too-many-frames":
                        for (var i = 0; i < 20; i++)
                        {
                            await stream.WriteAsync(Zmtp.EncodeFrame([1], true, false), ct);
                        }

                        break;
                }

                await stream.FlushAsync(ct);
                await Task.Delay(Timeout.Infinite, ct);
            }

            await Send(stream, "hashblock", [42], 3, ct);
            await stream.FlushAsync(ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        var subscriber = new ZmqSubscriber(pub.Endpoint, ["hashblock"], new ZmqSubscriberOptions { MaxMessageBytes = 1024, InitialBackoff = TimeSpan.FromMilliseconds(10) });
        var message = Assert.Single(await Take(subscriber, 1));
        var error = subscriber.LastError;
        Assert.Equal(42, message.Body.Span[0]);
        Assert.Equal(2, subscriber.Connections);
        Assert.NotNull(error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.StartsWith($"zmq {subscriber.Endpoint}: ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("REP", "the peer is a 'REP' socket, a SUB needs a PUB or XPUB")]
    [InlineData("", "the peer is a '' socket")]
    public async Task A_peer_that_is_not_a_publisher_is_refused(string socketType, string expected)
    {
        await using var pub = new ScriptedPublisher((_, _, ct) => Task.Delay(Timeout.Infinite, ct), socketType);
        var subscriber = new ZmqSubscriber(pub.Endpoint, ["hashblock"], new ZmqSubscriberOptions { InitialBackoff = TimeSpan.FromMilliseconds(10) });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var reader = Task.Run(async () =>
        {
            await foreach (var unused in subscriber.ReadAllAsync(cts.Token))
            {
            }
        }, Ct);
        while (subscriber.LastError is null)
        {
            await Task.Delay(10, Ct);
        }

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader);
        Assert.Contains(expected, subscriber.LastError, StringComparison.Ordinal);
        Assert.Equal(0, subscriber.Connections);
    }

    [Fact]
    public async Task A_silent_server_times_out_the_handshake_and_a_closed_port_is_retried()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var subscriber = new ZmqSubscriber(new Uri($"tcp://127.0.0.1:{port}"), ["hashblock"], new ZmqSubscriberOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(200), InitialBackoff = TimeSpan.FromMilliseconds(10) });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var reader = Task.Run(async () =>
        {
            await foreach (var unused in subscriber.ReadAllAsync(cts.Token))
            {
            }
        }, Ct);
        while (subscriber.LastError is null)
        {
            await Task.Delay(10, Ct);
        }

        Assert.Contains("no connection or handshake within the timeout", subscriber.LastError, StringComparison.Ordinal);
        silent.Stop();
        while (!subscriber.LastError!.Contains("refused", StringComparison.OrdinalIgnoreCase))
        {
            await Task.Delay(10, Ct);
        }

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader);
    }

    [Theory]
    [InlineData("http://127.0.0.1:1")]
    [InlineData("tcp://127.0.0.1")]
    public void Endpoints_must_be_tcp_host_port(string endpoint)
    {
        var ex = Assert.Throws<ArgumentException>(() => new ZmqSubscriber(new Uri(endpoint), ["hashblock"]));
        Assert.Contains("is not a tcp://host:port endpoint", ex.Message, StringComparison.Ordinal);
    }

    private static async Task Send(Stream stream, string topic, byte[] body, uint sequence, CancellationToken ct)
    {
        var seq = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(seq, sequence);
        await stream.WriteAsync(Zmtp.EncodeFrame(Encoding.ASCII.GetBytes(topic), true, false), ct);
        await stream.WriteAsync(Zmtp.EncodeFrame(body, true, false), ct);
        await stream.WriteAsync(Zmtp.EncodeFrame(seq, false, false), ct);
    }

    private static async Task<List<ZmqMessage>> Take(ZmqSubscriber subscriber, int count)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(30));
        var messages = new List<ZmqMessage>();
        await foreach (var message in subscriber.ReadAllAsync(cts.Token))
        {
            messages.Add(message);
            if (messages.Count == count)
            {
                break;
            }
        }

        return messages;
    }

    /// <summary>A PUB side speaking ZMTP 3.0 with NULL: greeting, READY, reads the subscriptions, then runs a script.</summary>
    private sealed class ScriptedPublisher : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accept;

        public ScriptedPublisher(Func<Stream, IReadOnlyList<string>, CancellationToken, Task> script, string socketType = "PUB")
        {
            _listener.Start();
            Endpoint = new Uri($"tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
            _accept = Task.Run(async () =>
            {
                var connections = new List<Task>();
                try
                {
                    while (true)
                    {
                        var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                        connections.Add(Task.Run(async () =>
                        {
                            using (client)
                            {
                                var stream = client.GetStream();
                                try
                                {
                                    var greeting = new byte[64];
                                    await stream.ReadExactlyAsync(greeting, _stop.Token);
                                    Zmtp.CheckGreeting(greeting, "sub");
                                    var ours = Zmtp.CreateGreeting();
                                    ours[32] = 1;
                                    await stream.WriteAsync(ours, _stop.Token);
                                    var ready = await Zmtp.ReadFrameAsync(stream, 1024, "sub", _stop.Token);
                                    Assert.Equal("READY", Zmtp.ParseCommand(ready.Body, "sub").Name);
                                    await stream.WriteAsync(Zmtp.EncodeReady(socketType), _stop.Token);
                                    if (socketType is not ("PUB" or "XPUB"))
                                    {
                                        await Task.Delay(Timeout.Infinite, _stop.Token);
                                    }

                                    var subscriptions = new List<string>();
                                    while (subscriptions.Count < SubscriptionCount)
                                    {
                                        var frame = await Zmtp.ReadFrameAsync(stream, 1024, "sub", _stop.Token);
                                        Assert.Equal(1, frame.Body[0]);
                                        subscriptions.Add(Encoding.ASCII.GetString(frame.Body, 1, frame.Body.Length - 1));
                                    }

                                    await script(stream, subscriptions, _stop.Token);
                                }
                                catch (Exception ex) when (ex is OperationCanceledException or IOException)
                                {
                                }
                            }
                        }));
                    }
                }
                catch (OperationCanceledException)
                {
                }

                await Task.WhenAll(connections);
            });
        }

        public Uri Endpoint { get; }

        public int SubscriptionCount { get; init; } = 1;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accept;
            _stop.Dispose();
        }
    }
}
