using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Server.Http;
using OPSource.Web5.Dwn;
using OPSource.Web5.Encoding;

namespace OPSource.Server.Endpoints;

/// <summary>
/// <c>GET /api/v1/web5/dwn</c> as a WebSocket: dwn-server's JSON-RPC over WebSocket (its WebSocket server on the same
/// address as <c>POST /</c>): queries, reads and RecordsSubscribe with events pushed as they happen. The transport only:
/// the JSON-RPC protocol is <see cref="DwnSocketSession"/>. Anonymous like the HTTP endpoint (messages carry their own
/// authorization).
/// </summary>
internal static class DwnWebSocketEndpoint
{
    // A JSON-RPC request carries one DWN message (RecordsWrite, the one that can be large, is HTTP-only).
    private const int MaxRequestBytes = 1 << 20;

    // Responses and events queued for a client; a client that falls this far behind is disconnected (events are
    // emitted on the writer's request thread and must never wait for a slow reader).
    private const int MaxQueued = 1024;

    // Two parameters so the Delegate overload (and the request delegate generator) is used.
    internal static async Task HandleAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, "websocket_required", "GET /api/v1/web5/dwn is a WebSocket endpoint (send Upgrade: websocket); POST it for JSON-RPC over HTTP").ConfigureAwait(false);
            return;
        }

        var node = context.RequestServices.GetRequiredService<DwnNode>();
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.FromSeconds(30) }).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var outgoing = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(MaxQueued) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var overflowed = false;
        using var session = new DwnSocketSession(node, json =>
        {
            if (!outgoing.Writer.TryWrite(Web5Json.SerializeUtf8(json)))
            {
                overflowed = true;
                stop.Cancel();
            }
        });
        var sender = SendLoopAsync(socket, outgoing.Reader, stop.Token);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxRequestBytes);
        try
        {
            while (socket.State == WebSocketState.Open && !stop.IsCancellationRequested)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == MaxRequestBytes)
                    {
                        await CloseAsync(socket, WebSocketCloseStatus.MessageTooBig, "requests are limited to 1 MiB").ConfigureAwait(false);
                        return;
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(length, MaxRequestBytes - length), stop.Token).ConfigureAwait(false);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                await session.HandleAsync(buffer.AsMemory(0, length), stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            // The client went away, the host is stopping, or the client fell behind.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            session.Dispose();
            outgoing.Writer.TryComplete();
            await sender.ConfigureAwait(false);
            await CloseAsync(socket, overflowed ? WebSocketCloseStatus.PolicyViolation : WebSocketCloseStatus.NormalClosure, overflowed ? "too many undelivered events" : "bye").ConfigureAwait(false);
        }
    }

    private static async Task SendLoopAsync(WebSocket socket, ChannelReader<byte[]> reader, CancellationToken token)
    {
        try
        {
            await foreach (var frame in reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
        }
    }

    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await socket.CloseOutputAsync(status, reason, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
        {
            socket.Abort();
        }
    }
}
