using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Dwn;

/// <summary>
/// dwn-server's JSON-RPC over HTTP (dwn-server 0.6 src/http-api.ts, json-rpc-handlers/dwn/process-message.ts):
/// <c>POST</c> with the JSON-RPC request <c>{"jsonrpc":"2.0","id","method":"dwn.processMessage","params":{"target","message"}}</c>
/// in the <c>dwn-request</c> header and the record data as the body; the reply is
/// <c>{"jsonrpc":"2.0","id","result":{"reply"}}</c> as the JSON body, or, when the reply carries data (RecordsRead),
/// in the <c>dwn-response</c> header with the data as an <c>application/octet-stream</c> body. JSON-RPC errors
/// come with HTTP 400 (no or unparsable request) or 500 (anything the router refuses).
/// </summary>
public static class DwnJsonRpc
{
    /// <summary>The one method dwn-server's HTTP transport serves.</summary>
    public const string ProcessMessage = "dwn.processMessage";

    /// <summary>The request header holding the JSON-RPC request.</summary>
    public const string RequestHeader = "dwn-request";

    /// <summary>The response header holding the JSON-RPC response when the body is record data.</summary>
    public const string ResponseHeader = "dwn-response";

    /// <summary>JSON-RPC 2.0 and dwn-server error codes (lib/json-rpc.ts JsonRpcErrorCodes).</summary>
    public static class ErrorCodes
    {
        /// <summary>InvalidRequest.</summary>
        public const int InvalidRequest = -32600;

        /// <summary>MethodNotFound.</summary>
        public const int MethodNotFound = -32601;

        /// <summary>InvalidParams.</summary>
        public const int InvalidParams = -32602;

        /// <summary>InternalError.</summary>
        public const int InternalError = -32603;

        /// <summary>BadRequest (HTTP 400 equivalent).</summary>
        public const int BadRequest = -50400;
    }

    /// <summary>A JSON-RPC request for dwn.processMessage.</summary>
    public static JsonObject Request(string id, string target, JsonObject message) => new()
    {
        ["jsonrpc"] = "2.0",
        ["id"] = id,
        ["method"] = ProcessMessage,
        ["params"] = new JsonObject { ["target"] = target, ["message"] = message.DeepClone() },
    };

    /// <summary>A JSON-RPC success response carrying a reply.</summary>
    public static JsonObject Success(JsonNode? id, DwnReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id?.DeepClone(), ["result"] = new JsonObject { ["reply"] = reply.ToJson() } };
    }

    /// <summary>A JSON-RPC error response.</summary>
    public static JsonObject Error(JsonNode? id, int code, string message) =>
        new() { ["jsonrpc"] = "2.0", ["id"] = id?.DeepClone(), ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };

    /// <summary>
    /// Sends a message to a DWN endpoint (OPSource's or dwn-server's) and returns the reply with the record data,
    /// if any. A JSON-RPC error becomes a <see cref="DwnTransportException"/>.
    /// </summary>
    public static async Task<DwnReply> SendAsync(HttpClient http, Uri endpoint, string target, JsonObject message, byte[]? data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(message);
        var request = Request(Guid.NewGuid().ToString(), target, message);
        using var post = new HttpRequestMessage(HttpMethod.Post, endpoint);
        post.Headers.TryAddWithoutValidation(RequestHeader, Web5Json.Serialize(request));
        if (data is not null)
        {
            post.Content = new ByteArrayContent(data);
            post.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        }

        using var response = await http.SendAsync(post, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        JsonObject rpc;
        byte[]? replyData = null;
        try
        {
            if (response.Headers.TryGetValues(ResponseHeader, out var headers))
            {
                rpc = Web5Json.ParseObject(string.Join(string.Empty, headers), "dwn-response header");
                replyData = body;
            }
            else
            {
                rpc = Web5Json.ParseObject(body, "DWN response");
            }
        }
        catch (FormatException e)
        {
            throw new DwnTransportException($"{endpoint}: HTTP {(int)response.StatusCode} with a body that is not a JSON-RPC response ({e.Message})", e);
        }

        if (rpc["error"] is JsonObject error)
        {
            throw new DwnTransportException($"{endpoint}: JSON-RPC error {error["code"]?.ToJsonString()}: {error.GetString("message")}");
        }

        var reply = (rpc["result"] as JsonObject)?["reply"] as JsonObject ?? throw new DwnTransportException($"{endpoint}: the JSON-RPC response has no result.reply");
        return ParseReply(reply) with { Data = replyData };
    }

    /// <summary>Reads a reply JSON ({status, entries, entry, cursor}).</summary>
    public static DwnReply ParseReply(JsonObject reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var status = reply["status"] as JsonObject ?? throw new DwnTransportException("the DWN reply has no status");
        return new DwnReply((int)(status.GetInt64("code") ?? 0), status.GetString("detail") ?? string.Empty)
        {
            Entries = reply["entries"]?.DeepClone() as JsonArray,
            Entry = reply["entry"]?.DeepClone() as JsonObject,
            Cursor = reply["cursor"]?.DeepClone() as JsonObject,
            Subscription = reply["subscription"]?.DeepClone() as JsonObject,
        };
    }
}

/// <summary>A DWN endpoint answered with a JSON-RPC error or something that is not a JSON-RPC response.</summary>
public sealed class DwnTransportException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DwnTransportException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public DwnTransportException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DwnTransportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
