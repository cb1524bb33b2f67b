using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Dwn;

/// <summary>
/// One connection of dwn-server's JSON-RPC over WebSocket (dwn-server 0.6.1 src/connection/socket-connection.ts,
/// json-rpc-api.ts, json-rpc-handlers/): every text message is a JSON-RPC request and gets one response.
/// <list type="bullet">
/// <item><c>dwn.processMessage</c> <c>{target, message}</c>: any message but RecordsWrite (its data needs HTTP).</item>
/// <item><c>rpc.subscribe.dwn.processMessage</c> <c>{target, message}</c> with <c>"subscription": {"id"}</c>: a
/// RecordsSubscribe; after the reply (<c>{status, subscription: {id: message CID}}</c>) each matching event arrives as a
/// JSON-RPC success response whose <c>id</c> is the subscription id and whose result is <c>{event: {message,
/// initialWrite}}</c>.</item>
/// <item><c>rpc.subscribe.close</c> with <c>"subscription": {"id"}</c>: closes it (<c>{reply: {status: 200, detail:
/// "Accepted"}}</c>).</item>
/// </list>
/// The transport (the server's WebSocket endpoint) feeds received text to <see cref="HandleAsync"/> and writes what
/// <c>send</c> gets; <c>send</c> is called from event emitters too, so it must be thread-safe and must not block.
/// Disposing the session closes its subscriptions.
/// </summary>
public sealed class DwnSocketSession : IDisposable
{
    /// <summary>The subscribe method.</summary>
    public const string SubscribeMethod = "rpc.subscribe.dwn.processMessage";

    /// <summary>The close method.</summary>
    public const string CloseMethod = "rpc.subscribe.close";

    private readonly DwnNode _node;
    private readonly Action<JsonObject> _send;
    private readonly ConcurrentDictionary<string, DwnSubscription> _subscriptions = new(StringComparer.Ordinal);
    private volatile bool _disposed;

    /// <summary>Creates a session sending its responses and events through <paramref name="send"/>.</summary>
    public DwnSocketSession(DwnNode node, Action<JsonObject> send)
    {
        _node = node ?? throw new ArgumentNullException(nameof(node));
        _send = send ?? throw new ArgumentNullException(nameof(send));
    }

    /// <summary>The number of open subscriptions.</summary>
    public int SubscriptionCount => _subscriptions.Count;

    /// <summary>Handles one received text message (UTF-8 JSON).</summary>
    public async Task HandleAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken)
    {
        _send(await RespondAsync(utf8, cancellationToken).ConfigureAwait(false));
    }

    private async Task<JsonObject> RespondAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken)
    {
        if (utf8.IsEmpty)
        {
            return DwnJsonRpc.Error(Guid.NewGuid().ToString(), DwnJsonRpc.ErrorCodes.BadRequest, "request payload required.");
        }

        JsonObject request;
        try
        {
            request = Web5Json.ParseObject(utf8.Span, "JSON-RPC request");
        }
        catch (FormatException e)
        {
            return DwnJsonRpc.Error(Guid.NewGuid().ToString(), DwnJsonRpc.ErrorCodes.BadRequest, e.Message);
        }

        var id = request["id"] ?? JsonValue.Create(Guid.NewGuid().ToString());
        var method = request.GetString("method");
        var subscriptionId = (request["subscription"] as JsonObject)?["id"] is JsonValue sid ? IdKey(sid) : null;
        switch (method)
        {
            case CloseMethod:
                if (subscriptionId is null)
                {
                    return DwnJsonRpc.Error(id, DwnJsonRpc.ErrorCodes.InvalidRequest, "subscribe options do not exist");
                }

                if (!_subscriptions.TryRemove(subscriptionId, out var open))
                {
                    return DwnJsonRpc.Error(id, DwnJsonRpc.ErrorCodes.InvalidParams, $"subscription {subscriptionId} does not exist.");
                }

                open.Dispose();
                return new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id.DeepClone(), ["result"] = new JsonObject { ["reply"] = new JsonObject { ["status"] = 200, ["detail"] = "Accepted" } } };
            case DwnJsonRpc.ProcessMessage or SubscribeMethod:
                break;
            default:
                return DwnJsonRpc.Error(id, DwnJsonRpc.ErrorCodes.MethodNotFound, $"method '{method}' is not supported");
        }

        if (request["params"] is not JsonObject parameters || parameters.GetString("target") is not { } target || parameters["message"] is not JsonObject message)
        {
            return DwnJsonRpc.Error(id, DwnJsonRpc.ErrorCodes.InvalidParams, "params needs target (a DID) and message (an object)");
        }

        var descriptor = message["descriptor"] as JsonObject;
        var kind = descriptor?.GetString("interface") + descriptor?.GetString("method");
        if (kind == "RecordsWrite")
        {
            // RecordsWrite needs its data as an HTTP body (dwn-server issue 108).
            return DwnJsonRpc.Error(id, DwnJsonRpc.ErrorCodes.InvalidParams, "RecordsWrite is not supported via ws");
        }

        // A subscription request is one with the rpc.subscribe. method, a subscription id and a Subscribe message.
        var isSubscribe = method == SubscribeMethod && subscriptionId is not null && descriptor?.GetString("method") == "Subscribe";
        if (descriptor?.GetString("method") == "Subscribe" && !isSubscribe)
        {
            return DwnJsonRpc.Error(id, DwnJsonRpc.ErrorCodes.InvalidRequest, "subscribe methods must contain a subscriptionRequest context");
        }

        if (!isSubscribe)
        {
            var reply = await _node.ProcessMessageAsync(target, message, null, cancellationToken).ConfigureAwait(false);
            return DwnJsonRpc.Success(id, reply with { Data = null });
        }

        if (_subscriptions.ContainsKey(subscriptionId!))
        {
            return DwnJsonRpc.Error(id, DwnJsonRpc.ErrorCodes.InvalidParams, $"the subscribe id: {subscriptionId} is in use by an active subscription");
        }

        var eventId = (request["subscription"] as JsonObject)!["id"]!.DeepClone();
        var (subscribeReply, subscription) = await _node.SubscribeAsync(
            target,
            message,
            e => _send(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = eventId.DeepClone(), ["result"] = new JsonObject { ["event"] = e } }),
            cancellationToken).ConfigureAwait(false);
        if (subscription is not null && (_disposed || !_subscriptions.TryAdd(subscriptionId!, subscription)))
        {
            subscription.Dispose();
            return DwnJsonRpc.Error(id, DwnJsonRpc.ErrorCodes.InvalidParams, $"the subscribe id: {subscriptionId} is in use by an active subscription");
        }

        return DwnJsonRpc.Success(id, subscribeReply);
    }

    // JSON-RPC ids are strings or numbers; both spellings of one id name the same subscription.
    private static string IdKey(JsonValue id) => id.TryGetValue<string>(out var s) ? s : id.ToJsonString();

    /// <summary>Closes every subscription of the connection.</summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (var key in _subscriptions.Keys)
        {
            if (_subscriptions.TryRemove(key, out var subscription))
            {
                subscription.Dispose();
            }
        }
    }
}
