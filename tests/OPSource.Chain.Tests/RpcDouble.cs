using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace OPSource.Chain.Tests;

/// <summary>
/// A scripted JSON-RPC server on 127.0.0.1 for unit tests of the client's transport (retries, error mapping, auth,
/// batching). A minimal HTTP/1.1 server over a TcpListener, so a test can also drop a connection without answering.
/// </summary>
internal sealed class RpcDouble : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<RpcDoubleRequest, Task> _handler;
    private readonly Task _loop;
    private readonly CancellationTokenSource _stop = new();

    public RpcDouble(Func<RpcDoubleRequest, Task> handler)
    {
        _handler = handler;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<RpcDoubleRequest> Requests { get; } = new();

    public int Count(string method) => Requests.Count(r => r.Methods.Contains(method));

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var (path, headers, body) = await ReadRequestAsync(stream).ConfigureAwait(false);
                    if (path is null)
                    {
                        return;
                    }

                    var request = new RpcDoubleRequest(stream, path, headers, JsonNode.Parse(body)!);
                    Requests.Enqueue(request);
                    await _handler(request).ConfigureAwait(false);
                    if (request.Aborted)
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                // Client went away (timeout tests).
            }
        }
    }

    private static async Task<(string? Path, Dictionary<string, string> Headers, string Body)> ReadRequestAsync(NetworkStream stream)
    {
        var headerBytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one).ConfigureAwait(false) == 0)
            {
                return (null, [], "");
            }

            headerBytes.Add(one[0]);
            var n = headerBytes.Count;
            if (n >= 4 && headerBytes[n - 4] == '\r' && headerBytes[n - 3] == '\n' && headerBytes[n - 2] == '\r' && headerBytes[n - 1] == '\n')
            {
                break;
            }
        }

        var lines = Encoding.ASCII.GetString([.. headerBytes]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var path = lines[0].Split(' ')[1];
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var length = int.Parse(headers["Content-Length"], System.Globalization.CultureInfo.InvariantCulture);
        var body = new byte[length];
        await stream.ReadExactlyAsync(body).ConfigureAwait(false);
        return (path, headers, Encoding.UTF8.GetString(body));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}

internal sealed class RpcDoubleRequest(NetworkStream stream, string path, Dictionary<string, string> headers, JsonNode body)
{
    public JsonNode Body { get; } = body;

    public string Path { get; } = path;

    public bool Aborted { get; private set; }

    public bool IsBatch => Body is JsonArray;

    public IReadOnlyList<JsonObject> Items => Body is JsonArray a ? [.. a.Select(n => n!.AsObject())] : [Body.AsObject()];

    public IReadOnlyList<string> Methods => [.. Items.Select(i => (string)i["method"]!)];

    public string Method => Methods[0];

    public string? Authorization => headers.TryGetValue("Authorization", out var v) ? v : null;

    public static JsonObject Result(JsonNode? id, JsonNode? result) => new() { ["jsonrpc"] = "2.0", ["result"] = result, ["id"] = id?.DeepClone() };

    public static JsonObject Error(JsonNode? id, int code, string message) =>
        new() { ["jsonrpc"] = "2.0", ["error"] = new JsonObject { ["code"] = code, ["message"] = message }, ["id"] = id?.DeepClone() };

    public Task ReplyAsync(JsonNode reply, int status = 200) => WriteAsync(status, reply.ToJsonString());

    /// <summary>Answers each item through <paramref name="answer"/> (a batch gets an array).</summary>
    public Task ReplyEachAsync(Func<JsonObject, JsonNode> answer) =>
        IsBatch ? ReplyAsync(new JsonArray([.. Items.Select(answer)])) : ReplyAsync(answer(Items[0]));

    public Task ResultAsync(JsonNode? result) => ReplyEachAsync(i => Result(i["id"], result?.DeepClone()));

    public Task ErrorAsync(int code, string message) => ReplyEachAsync(i => Error(i["id"], code, message));

    public async Task WriteAsync(int status, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = $"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head)).ConfigureAwait(false);
        await stream.WriteAsync(bytes).ConfigureAwait(false);
        await stream.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Drops the connection without an answer (the "connection lost" case).</summary>
    public void Abort()
    {
        Aborted = true;
        stream.Socket.Close(0);
    }
}
