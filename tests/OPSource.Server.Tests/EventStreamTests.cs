using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using OPSource.Platform.Events;
using OPSource.Platform.Modules;
using OPSource.Platform.Security;
using OPSource.Server.Modules;
using OPSource.TestSupport;

namespace OPSource.Server.Tests;

/// <summary>The WebSocket event stream over real sockets, and fan-out across two instances on PostgreSQL.</summary>
public sealed class EventStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class TopicsModule : IOpsourceModule
    {
        public string Name => "topics";

        public void Register(ModuleRegistration registration) =>
            registration.AddEventTopic("blocks", "new blocks").AddEventTopic("wallet", "wallet events");
    }

    private static ServerModule Topics => new(new TopicsModule());

    private static async Task<ClientWebSocket> ConnectAsync(TestHost host, string? token, bool inQuery = false)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        var uri = new Uri(host.BaseAddress.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "api/v1/events" + (inQuery && token is not null ? "?access_token=" + token : ""));
        if (token is not null && !inQuery)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        await socket.ConnectAsync(uri, Ct);
        return socket;
    }

    private static async Task SendAsync(ClientWebSocket socket, JsonObject message) =>
        await socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, Ct);

    private static Task<JsonObject?> ReceiveAsync(ClientWebSocket socket)
    {
        return EventSockets.ReceiveJsonAsync(socket, TimeSpan.FromSeconds(20), Ct);
    }

    private static async Task<JsonObject> ExpectAsync(ClientWebSocket socket, string kind)
    {
        var message = await ReceiveAsync(socket);
        Assert.NotNull(message);
        Assert.Equal(kind, (string?)message["kind"]);
        return message;
    }

    [Fact]
    public async Task The_stream_requires_a_token()
    {
        await using var host = await TestHost.StartAsync([Topics]);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(host.BaseAddress.ToString().Replace("http", "ws", StringComparison.Ordinal) + "api/v1/events"), Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
        var plain = await host.Client(await host.TokenAsync(ApiRole.Viewer)).GetAsync("/api/v1/events", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
    }

    [Fact]
    public async Task Subscribers_get_sequenced_events_and_resume_after_a_reconnect()
    {
        await using var host = await TestHost.StartAsync([Topics]);
        var publisher = host.Get<IEventPublisher>();
        var token = await host.TokenAsync(ApiRole.Viewer);
        using (var socket = await ConnectAsync(host, token, inQuery: true))
        {
            await SendAsync(socket, new JsonObject { ["op"] = "subscribe", ["topic"] = "blocks" });
            var subscribed = await ExpectAsync(socket, "subscribed");
            Assert.Equal(0, (long)subscribed["last_sequence"]!);
            for (var height = 1; height <= 3; height++)
            {
                await publisher.PublishAsync("blocks", "block.connected", new JsonObject { ["height"] = height }, Ct);
            }

            for (var expected = 1; expected <= 3; expected++)
            {
                var e = await ExpectAsync(socket, "event");
                Assert.Equal(("blocks", expected, "block.connected", expected), ((string)e["topic"]!, (long)e["sequence"]!, (string)e["type"]!, (int)e["data"]!["height"]!));
                Assert.EndsWith("Z", (string)e["time"]!, StringComparison.Ordinal);
            }

            await SendAsync(socket, new JsonObject { ["op"] = "ping" });
            await ExpectAsync(socket, "pong");
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", Ct);
        }

        // Missed while disconnected: 4 and 5; the client resumes after 3.
        await publisher.PublishAsync("blocks", "block.connected", new JsonObject { ["height"] = 4 }, Ct);
        await publisher.PublishAsync("blocks", "block.connected", new JsonObject { ["height"] = 5 }, Ct);
        using var again = await ConnectAsync(host, token);
        await SendAsync(again, new JsonObject { ["op"] = "subscribe", ["topic"] = "blocks", ["after"] = 3 });
        var resumed = await ExpectAsync(again, "subscribed");
        Assert.False((bool)resumed["gap"]!);
        Assert.Equal(5, (long)resumed["last_sequence"]!);
        Assert.Equal(4, (long)(await ExpectAsync(again, "event"))["sequence"]!);
        Assert.Equal(5, (long)(await ExpectAsync(again, "event"))["sequence"]!);
    }

    [Fact]
    public async Task Topics_follow_the_tokens_scopes_and_bad_requests_get_errors()
    {
        await using var host = await TestHost.StartAsync([Topics]);
        using var socket = await ConnectAsync(host, await host.TokenAsync(ApiRole.Viewer, "wallet:a"));
        await SendAsync(socket, new JsonObject { ["op"] = "subscribe", ["topic"] = "wallet:b" });
        Assert.Equal("scope_denied", (string?)(await ExpectAsync(socket, "error"))["code"]);
        await SendAsync(socket, new JsonObject { ["op"] = "subscribe", ["topic"] = "wallet" });
        Assert.Equal("scope_denied", (string?)(await ExpectAsync(socket, "error"))["code"]);
        await SendAsync(socket, new JsonObject { ["op"] = "subscribe", ["topic"] = "moon:1" });
        Assert.Equal("unknown_topic", (string?)(await ExpectAsync(socket, "error"))["code"]);
        await SendAsync(socket, new JsonObject { ["op"] = "dance" });
        Assert.Equal("invalid_request", (string?)(await ExpectAsync(socket, "error"))["code"]);
        await SendAsync(socket, new JsonObject { ["op"] = "subscribe", ["topic"] = "wallet:a" });
        await ExpectAsync(socket, "subscribed");
        await SendAsync(socket, new JsonObject { ["op"] = "subscribe", ["topic"] = "blocks" });
        await ExpectAsync(socket, "subscribed");
        await host.Get<IEventPublisher>().PublishAsync("wallet:b", "tx.received", [], Ct);
        await host.Get<IEventPublisher>().PublishAsync("wallet:a", "tx.received", new JsonObject { ["amount_sat"] = 1000 }, Ct);
        var e = await ExpectAsync(socket, "event");
        Assert.Equal(("wallet:a", 1000), ((string)e["topic"]!, (int)e["data"]!["amount_sat"]!));
    }

    [Fact]
    public async Task A_client_that_does_not_read_is_dropped_with_a_close_reason()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Events:SubscriberQueue"] = "16", ["Events:ReplayWindow"] = "16" }).Build();
        await using var host = await TestHost.StartAsync([Topics], configuration: config);
        using var socket = await ConnectAsync(host, await host.TokenAsync(ApiRole.Viewer));
        await SendAsync(socket, new JsonObject { ["op"] = "subscribe", ["topic"] = "blocks" });
        await ExpectAsync(socket, "subscribed");

        // 64 KiB events until the socket buffers fill and the server's queue overflows; the client reads nothing meanwhile.
        var bus = host.Get<InProcessEventBus>();
        var payload = new string('x', 64 * 1024);
        var published = 0;
        var dropped = false;
        while (published < 5000 && !dropped)
        {
            await bus.PublishAsync("blocks", "block.connected", new JsonObject { ["pad"] = payload }, Ct);
            published++;
            if (published % 20 == 0)
            {
                await Task.Delay(20, Ct);
                dropped = bus.SubscriberCount("blocks") == 0;
            }
        }

        Assert.True(published < 5000, "the slow subscriber was never dropped");
        JsonObject? message;
        var received = 0;
        while ((message = await ReceiveAsync(socket)) is not null)
        {
            received++;
        }

        Assert.Equal((WebSocketCloseStatus)4008, socket.CloseStatus);
        Assert.StartsWith("slow_consumer", socket.CloseStatusDescription, StringComparison.Ordinal);
        Assert.True(received < published, $"received {received} of {published}");
    }

    [Fact]
    public async Task Events_published_on_one_instance_reach_clients_of_another_through_postgres()
    {
        await using var database = await TestPostgres.CreateAsync("opsource_ev_", Ct);
        var shared = Directory.CreateTempSubdirectory("opsource-shared-").FullName;
        try
        {
            var storage = database.Storage;
            // Two stateless instances: own data dirs, one database, one token signing key.
            var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:SigningKeyFile"] = Path.Combine(shared, "jwt.key") }).Build();
            await using var a = await TestHost.StartAsync([Topics], storage: storage, configuration: config);
            await using var b = await TestHost.StartAsync([Topics], storage: storage, configuration: config);
            await a.Get<PostgresEventLog>().Listening.WaitAsync(TimeSpan.FromSeconds(20), Ct);
            await b.Get<PostgresEventLog>().Listening.WaitAsync(TimeSpan.FromSeconds(20), Ct);

            var token = await a.TokenAsync(ApiRole.Viewer);
            using var onB = await ConnectAsync(b, token);
            await SendAsync(onB, new JsonObject { ["op"] = "subscribe", ["topic"] = "wallet:w" });
            await ExpectAsync(onB, "subscribed");

            // Both instances publish concurrently: sequences are unique and delivered in order on B.
            var pa = a.Get<IEventPublisher>();
            var pb = b.Get<IEventPublisher>();
            await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? pa : pb).PublishAsync("wallet:w", "tx", new JsonObject { ["i"] = i }, Ct).AsTask()));
            var seen = new List<long>();
            for (var i = 0; i < 20; i++)
            {
                seen.Add((long)(await ExpectAsync(onB, "event"))["sequence"]!);
            }

            Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), seen);

            // Reconnecting to the other instance resumes from its history.
            using var onA = await ConnectAsync(a, token);
            await SendAsync(onA, new JsonObject { ["op"] = "subscribe", ["topic"] = "wallet:w", ["after"] = 18 });
            var resumed = await ExpectAsync(onA, "subscribed");
            Assert.Equal(20, (long)resumed["last_sequence"]!);
            Assert.Equal(19, (long)(await ExpectAsync(onA, "event"))["sequence"]!);
            Assert.Equal(20, (long)(await ExpectAsync(onA, "event"))["sequence"]!);
            await pb.PublishAsync("wallet:w", "tx", [], Ct);
            Assert.Equal(21, (long)(await ExpectAsync(onA, "event"))["sequence"]!);
            Assert.Equal(21, (long)(await ExpectAsync(onB, "event"))["sequence"]!);
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
        }
    }
}
