using System.Net.WebSockets;
using System.Text.Json.Nodes;

namespace OPSource.TestSupport;

/// <summary>Reads the platform's WebSocket event stream (<c>/api/v1/events</c>) in tests.</summary>
public static class EventSockets
{
    /// <summary>The next JSON message of the stream (null when the server closed it); fails after <paramref name="timeout"/>.</summary>
    public static async Task<JsonObject?> ReceiveJsonAsync(ClientWebSocket socket, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, deadline.Token).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonNode.Parse(message.ToArray())!.AsObject();
            }
        }
    }
}
