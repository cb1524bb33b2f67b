using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OPSource.Platform.Events;
using OPSource.Platform.Security;
using OPSource.Server.Http;
using OPSource.Server.Security;

namespace OPSource.Server.Events;

/// <summary>
/// <c>GET /api/v1/events</c>: a WebSocket carrying JSON events of the topics a client subscribes to.
/// See docs/api.md ("Events") for the protocol and close codes.
/// </summary>
public static partial class EventStreamEndpoint
{
    /// <summary>Close code: the client fell behind by more than its queue and was dropped (resume after the last sequence it saw).</summary>
    public const int CloseSlowConsumer = 4008;

    /// <summary>Close code: the access token expired (reconnect with a fresh one and resume).</summary>
    public const int CloseTokenExpired = 4001;

    /// <summary>Close code: the credential behind the token was revoked.</summary>
    public const int CloseRevoked = 4003;

    private const int MaxClientMessage = 4096;

    /// <summary>Maps the endpoint on the <c>/api/v1</c> group.</summary>
    public static IEndpointRouteBuilder MapEventStream(this IEndpointRouteBuilder api)
    {
        api.MapGet("/events", HandleAsync).WithName("events").WithTags("events")
            .WithSummary("WebSocket: subscribe to topics (blocks, wallet:{name}, dao:{id}, dlc:{id}); JSON events with per-topic sequence numbers and resume");
        return api;
    }

    // Two parameters so the Delegate overload (and the request delegate generator) is used: the
    // endpoint then has the metadata the OpenAPI document lists.
    internal static async Task HandleAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, "websocket_required", "GET /api/v1/events is a WebSocket endpoint (send Upgrade: websocket)").ConfigureAwait(false);
            return;
        }

        var principal = context.GetApiPrincipal()!;
        var services = context.RequestServices;
        var session = new Session(
            principal,
            services.GetRequiredService<InProcessEventBus>(),
            services.GetRequiredService<EventsOptions>(),
            services.GetServices<ResourceKind>().Select(k => k.Kind).ToHashSet(StringComparer.Ordinal),
            services.GetRequiredService<CredentialStatusCache>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger("OPSource.Server.Events"),
            ExpiryOf(context));
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.FromSeconds(30) }).ConfigureAwait(false);
        await session.RunAsync(socket, cancellationToken).ConfigureAwait(false);
    }

    private static DateTimeOffset? ExpiryOf(HttpContext context)
    {
        var exp = context.User.FindFirst("exp")?.Value;
        return long.TryParse(exp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
    }

    private sealed partial class Session(
        ApiPrincipal principal,
        InProcessEventBus bus,
        EventsOptions options,
        HashSet<string> resourceKinds,
        CredentialStatusCache credentials,
        TimeProvider time,
        ILogger logger,
        DateTimeOffset? expiresAt)
    {
        private readonly Dictionary<string, (EventSubscription Subscription, Task Pump)> _subscriptions = new(StringComparer.Ordinal);
        private readonly Channel<byte[]> _outgoing = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(options.SubscriberQueue)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        private readonly CancellationTokenSource _stop = new();
        private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private (int Code, string Reason)? _closeWith;
        private volatile bool _closing;

        public async Task RunAsync(WebSocket socket, CancellationToken aborted)
        {
            // Pending socket operations are never cancelled to stop (a cancelled send or receive aborts the
            // connection without a close frame): stopping completes the outgoing queue, lets the frame in
            // flight finish, then sends the close frame with its reason.
            var receiver = ReceiveLoopAsync(socket, aborted);
            var sender = SendLoopAsync(socket, aborted);
            var watchdog = WatchAsync(_stop.Token);
            await Task.WhenAny(receiver, _stopped.Task).ConfigureAwait(false);
            _closing = true;
            await _stop.CancelAsync().ConfigureAwait(false);
            foreach (var (subscription, _) in _subscriptions.Values)
            {
                subscription.Dispose();
            }

            _outgoing.Writer.TryComplete();
            await Task.WhenAll(_subscriptions.Values.Select(s => s.Pump).Append(watchdog)).ConfigureAwait(false);
            if (!await FinishesWithinAsync(sender, TimeSpan.FromSeconds(30)).ConfigureAwait(false))
            {
                socket.Abort();
            }

            await CloseAsync(socket).ConfigureAwait(false);
            if (!await FinishesWithinAsync(receiver, TimeSpan.FromSeconds(10)).ConfigureAwait(false))
            {
                socket.Abort();
            }

            await Task.WhenAll(receiver, sender).ConfigureAwait(false);
            _stop.Dispose();
        }

        private static async Task<bool> FinishesWithinAsync(Task task, TimeSpan limit) =>
            await Task.WhenAny(task, Task.Delay(limit)).ConfigureAwait(false) == task;

        private async Task CloseAsync(WebSocket socket)
        {
            if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
            {
                return;
            }

            var (code, reason) = _closeWith ?? ((int)WebSocketCloseStatus.NormalClosure, "bye");
            try
            {
                var close = socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, CancellationToken.None);
                if (!await FinishesWithinAsync(close, TimeSpan.FromSeconds(30)).ConfigureAwait(false))
                {
                    // A client that never reads cannot receive the close frame: drop the connection.
                    socket.Abort();
                }

                await close.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
            {
                socket.Abort();
            }
        }

        private void Stop(int code, string reason)
        {
            lock (_stopped)
            {
                _closeWith ??= (code, reason);
            }

            _stopped.TrySetResult();
        }

        private async Task ReceiveLoopAsync(WebSocket socket, CancellationToken token)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(MaxClientMessage);
            try
            {
                while (socket.State == WebSocketState.Open)
                {
                    var length = 0;
                    ValueWebSocketReceiveResult result;
                    do
                    {
                        if (length == MaxClientMessage)
                        {
                            Stop((int)WebSocketCloseStatus.MessageTooBig, "client messages are limited to 4096 bytes");
                            return;
                        }

                        result = await socket.ReceiveAsync(buffer.AsMemory(length, MaxClientMessage - length), token).ConfigureAwait(false);
                        length += result.Count;
                    }
                    while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        Stop((int)WebSocketCloseStatus.NormalClosure, "bye");
                        return;
                    }

                    if (!_closing)
                    {
                        await HandleMessageAsync(buffer.AsMemory(0, length), _stop.Token).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ChannelClosedException)
            {
                _stopped.TrySetResult();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private async Task HandleMessageAsync(ReadOnlyMemory<byte> message, CancellationToken token)
        {
            JsonObject? request;
            try
            {
                request = JsonNode.Parse(message.Span) as JsonObject;
            }
            catch (JsonException)
            {
                request = null;
            }

            var op = request?["op"] is JsonValue o && o.TryGetValue<string>(out var opText) ? opText : null;
            var topic = request?["topic"] is JsonValue t && t.TryGetValue<string>(out var topicText) ? topicText : null;
            switch (op)
            {
                case "subscribe" when topic is not null:
                    long after = long.MaxValue;
                    if (request!["after"] is JsonValue a && !a.TryGetValue(out after))
                    {
                        await ReplyAsync(Error("invalid_request", "after must be a whole number (the last sequence seen)", topic), token).ConfigureAwait(false);
                        return;
                    }

                    await SubscribeAsync(topic, after < 0 ? 0 : after, token).ConfigureAwait(false);
                    return;
                case "unsubscribe" when topic is not null:
                    if (_subscriptions.Remove(topic, out var existing))
                    {
                        existing.Subscription.Dispose();
                    }

                    await ReplyAsync(new JsonObject { ["kind"] = "unsubscribed", ["topic"] = topic }, token).ConfigureAwait(false);
                    return;
                case "ping":
                    await ReplyAsync(new JsonObject { ["kind"] = "pong" }, token).ConfigureAwait(false);
                    return;
                default:
                    await ReplyAsync(Error("invalid_request", "send {\"op\":\"subscribe\",\"topic\":\"TOPIC\",\"after\":N}, {\"op\":\"unsubscribe\",\"topic\":\"TOPIC\"} or {\"op\":\"ping\"}", topic), token).ConfigureAwait(false);
                    return;
            }
        }

        private async Task SubscribeAsync(string topic, long after, CancellationToken token)
        {
            if (_subscriptions.ContainsKey(topic))
            {
                await ReplyAsync(Error("already_subscribed", $"already subscribed to '{topic}'", topic), token).ConfigureAwait(false);
                return;
            }

            if (_subscriptions.Count >= options.MaxTopicsPerConnection)
            {
                await ReplyAsync(Error("too_many_topics", $"at most {options.MaxTopicsPerConnection} topics per connection (Events:MaxTopicsPerConnection)", topic), token).ConfigureAwait(false);
                return;
            }

            // Internal families (dwn) are for services only: their events are authorized by their module.
            if (topic.Length > 200 || !bus.IsClientTopic(topic))
            {
                await ReplyAsync(Error("unknown_topic", $"topic '{(topic.Length > 200 ? topic[..200] : topic)}' belongs to no family clients may subscribe to", topic), token).ConfigureAwait(false);
                return;
            }

            // Topics of a resource family (wallet:{name}) follow the token's resource scopes.
            var family = EventTopicFamily.FamilyOf(topic);
            if (resourceKinds.Contains(family))
            {
                var id = topic.Length > family.Length ? topic[(family.Length + 1)..] : null;
                var allowed = id is null ? principal.Scopes.IsUnrestricted : principal.CanAccess(family, id);
                if (!allowed)
                {
                    await ReplyAsync(Error("scope_denied", $"the token is not scoped to {topic}", topic), token).ConfigureAwait(false);
                    return;
                }
            }

            var subscription = await bus.SubscribeAsync(topic, after, token).ConfigureAwait(false);
            await ReplyAsync(
                new JsonObject { ["kind"] = "subscribed", ["topic"] = topic, ["last_sequence"] = subscription.LastSequenceAtStart, ["gap"] = subscription.Gap },
                token).ConfigureAwait(false);
            _subscriptions[topic] = (subscription, PumpAsync(subscription, token));
        }

        private async Task PumpAsync(EventSubscription subscription, CancellationToken token)
        {
            try
            {
                await foreach (var e in subscription.Reader.ReadAllAsync(token).ConfigureAwait(false))
                {
                    var buffer = new ArrayBufferWriter<byte>(256);
                    using (var writer = new Utf8JsonWriter(buffer))
                    {
                        PlatformEventJson.Write(writer, e, "event");
                    }

                    await _outgoing.Writer.WriteAsync(buffer.WrittenSpan.ToArray(), token).ConfigureAwait(false);
                }
            }
            catch (EventSubscriberOverflowException)
            {
                LogSlowConsumer(logger, subscription.Topic, principal.CredentialId);
                _closing = true;
                Stop(CloseSlowConsumer, $"slow_consumer: fell behind on {Truncate(subscription.Topic)}; reconnect and resume after your last sequence");
            }
            catch (OperationCanceledException)
            {
            }
            catch (ChannelClosedException)
            {
            }
        }

        private async Task SendLoopAsync(WebSocket socket, CancellationToken token)
        {
            try
            {
                while (await _outgoing.Reader.WaitToReadAsync(token).ConfigureAwait(false))
                {
                    while (!_closing && _outgoing.Reader.TryRead(out var frame))
                    {
                        await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, token).ConfigureAwait(false);
                    }

                    if (_closing)
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
            {
                _stopped.TrySetResult();
            }
        }

        private async Task WatchAsync(CancellationToken token)
        {
            try
            {
                while (!token.IsCancellationRequested)
                {
                    var wait = TimeSpan.FromSeconds(15);
                    if (expiresAt is { } expiry)
                    {
                        var left = expiry - time.GetUtcNow();
                        if (left <= TimeSpan.Zero)
                        {
                            Stop(CloseTokenExpired, "token_expired: reconnect with a new access token and resume");
                            return;
                        }

                        wait = left < wait ? left : wait;
                    }

                    await Task.Delay(wait, time, token).ConfigureAwait(false);
                    if (!await credentials.IsActiveAsync(principal.Method, principal.CredentialId, token).ConfigureAwait(false))
                    {
                        Stop(CloseRevoked, "credential_revoked");
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task ReplyAsync(JsonObject reply, CancellationToken token) =>
            await _outgoing.Writer.WriteAsync(Encoding.UTF8.GetBytes(reply.ToJsonString()), token).ConfigureAwait(false);

        private static JsonObject Error(string code, string detail, string? topic) => new()
        {
            ["kind"] = "error",
            ["code"] = code,
            ["detail"] = detail,
            ["topic"] = topic is null ? null : Truncate(topic),
        };

        // Close reasons are limited to 123 bytes (RFC 6455 section 5.5).
        private static string Truncate(string topic) => topic.Length > 60 ? topic[..60] : topic;

        [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "events: dropped a slow WebSocket subscriber of {Topic} (key {KeyId})")]
        private static partial void LogSlowConsumer(ILogger logger, string topic, string keyId);
    }
}
