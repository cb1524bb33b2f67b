using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Platform.Events;
using OPSource.Platform.Security;
using OPSource.TestSupport;
using OPSource.Web5.Dids;
using OPSource.Web5.Dwn;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Tests;

/// <summary>
/// DWN subscriptions through the real service's JSON-RPC WebSocket (<c>/api/v1/web5/dwn</c>): with two server instances
/// on one PostgreSQL database, a subscriber on one instance receives the writes, updates, deletes and protocol
/// configures made through either instance, each exactly once, in the shape dwn-server sends; with one instance on
/// SQLite the same scenario runs in one process.
/// </summary>
public sealed class DwnEventStreamTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_subscriber_on_one_instance_receives_writes_made_through_another_exactly_once()
    {
        await using var database = await Web5TestDatabase.CreateAsync("postgres", Ct);
        await using var a = await Web5TestHost.StartAsync("dwn-events-a", Ct, database.Storage);
        await using var b = await Web5TestHost.StartAsync("dwn-events-b", Ct, database.Storage);
        await a.App.Services.GetRequiredService<PostgresEventLog>().Listening.WaitAsync(Wait, Ct);
        await b.App.Services.GetRequiredService<PostgresEventLog>().Listening.WaitAsync(Wait, Ct);
        await RunScenarioAsync(a, b);
    }

    [Fact]
    public async Task A_subscriber_on_a_single_sqlite_instance_receives_each_write_exactly_once()
    {
        await using var host = await Web5TestHost.StartAsync("dwn-events-sqlite", Ct);
        await RunScenarioAsync(host, host);

        // The bus topic is internal: even an admin's token cannot subscribe to it on /api/v1/events.
        var keys = host.App.Services.GetRequiredService<ApiKeyStore>();
        var key = await keys.CreateAsync(null, ApiRole.Admin, keys.ParseScopes([]), Ct);
        using var http = new HttpClient { BaseAddress = new Uri(host.Url) };
        var exchange = await http.PostAsync("/api/v1/auth/token", new StringContent(new JsonObject { ["api_key"] = key.Key }.ToJsonString(), System.Text.Encoding.UTF8, "application/json"), Ct);
        var token = JsonNode.Parse(await exchange.Content.ReadAsStringAsync(Ct))!["access_token"]!.GetValue<string>();
        using var events = new ClientWebSocket();
        events.Options.SetRequestHeader("Authorization", "Bearer " + token);
        await events.ConnectAsync(new Uri(host.Url.Replace("http://", "ws://", StringComparison.Ordinal) + "/api/v1/events"), Ct);
        await RequestAsync(events, new JsonObject { ["op"] = "subscribe", ["topic"] = DwnEventStream.Topic });
        var refused = await NextAsync(events);
        Assert.Equal("error", refused["kind"]!.GetValue<string>());
        Assert.Equal("unknown_topic", refused["code"]!.GetValue<string>());
    }

    // Subscribes on A (RecordsSubscribe and MessagesSubscribe) and on B (RecordsSubscribe), writes through both.
    private static async Task RunScenarioAsync(Web5TestHost a, Web5TestHost b)
    {
        using var http = new HttpClient { Timeout = Wait };
        using var alice = DidFactory.CreateKey("Ed25519");
        using var onA = await ConnectAsync(a);
        using var onB = await ConnectAsync(b);
        var notes = new JsonObject { ["schema"] = "https://example.com/note" };
        await SubscribeAsync(onA, alice, "records-a", DwnRequests.CreateRecordsSubscribe(notes, alice));
        await SubscribeAsync(onA, alice, "messages-a", DwnRequests.CreateMessagesSubscribe([], alice));
        await SubscribeAsync(onB, alice, "records-b", DwnRequests.CreateRecordsSubscribe(notes, alice));

        // Sequential writes through B and A: a write, one on another schema, an update, a delete, a protocol configure.
        var data = "{\"n\":1}"u8.ToArray();
        var first = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "https://example.com/note" });
        var other = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "https://example.com/other" });
        var edit = "{\"n\":2}"u8.ToArray();
        var update = RecordsWrite.CreateUpdate(alice, first, edit);
        var delete = DwnRequests.CreateRecordsDelete(first["recordId"]!.GetValue<string>(), alice);
        // A definition large enough that its event exceeds a NOTIFY payload: on PostgreSQL it travels by reference.
        var types = new JsonObject();
        var structure = new JsonObject();
        for (var i = 0; i < 80; i++)
        {
            types[$"note{i}"] = new JsonObject { ["schema"] = $"https://example.com/schemas/events/a-rather-long-schema-name/note{i}", ["dataFormats"] = new JsonArray("text/plain") };
            structure[$"note{i}"] = new JsonObject();
        }

        var configure = ProtocolsConfigure.Create(alice, new JsonObject
        {
            ["protocol"] = "https://example.com/protocol/events",
            ["published"] = true,
            ["types"] = types,
            ["structure"] = structure,
        });
        Assert.True(Web5Json.SerializeUtf8(configure).Length > 8000);
        await SendAsync(http, b, alice, first, data, 202);
        await SendAsync(http, a, alice, other, data, 202);
        await SendAsync(http, b, alice, update, edit, 202);
        await SendAsync(http, a, alice, delete, null, 202);
        await SendAsync(http, b, alice, configure, null, 202);

        // Concurrent writes through both instances, then a last one: events come in one order everywhere, so when
        // the last one arrived every earlier one has, and nothing may have come twice.
        var concurrent = Enumerable.Range(0, 8).Select(i => RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "https://example.com/note", Published = i % 2 == 0 })).ToList();
        await Task.WhenAll(concurrent.Select((m, i) => SendAsync(http, i % 2 == 0 ? a : b, alice, m, data, 202)));
        var last = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "https://example.com/note" });
        await SendAsync(http, a, alice, last, data, 202);

        var sequential = new[] { first, update, delete };
        var onASubscriptions = await ReceiveUntilAsync(onA, ["records-a", "messages-a"], Cid(last));
        var onBSubscriptions = await ReceiveUntilAsync(onB, ["records-b"], Cid(last));
        foreach (var records in new[] { onASubscriptions["records-a"], onBSubscriptions["records-b"] })
        {
            // Notes only: the first write, its update (with the initial write), the delete, the concurrent ones, the last.
            var cids = records.Select(e => Cid(e["message"]!.AsObject())).ToList();
            Assert.Equal(sequential.Select(Cid), cids.Take(3));
            Assert.Equal(concurrent.Select(Cid).Order(StringComparer.Ordinal), cids.Skip(3).SkipLast(1).Order(StringComparer.Ordinal));
            Assert.Equal(Cid(last), cids[^1]);

            // dwn-server's event shape: {message, initialWrite} (no initialWrite for an initial write), the message as sent.
            Assert.Equal(["message"], records[0].Select(p => p.Key));
            Assert.True(JsonNode.DeepEquals(first, records[0]["message"]));
            Assert.True(JsonNode.DeepEquals(update, records[1]["message"]));
            Assert.True(JsonNode.DeepEquals(first, records[1]["initialWrite"]));
            Assert.True(JsonNode.DeepEquals(first, records[2]["initialWrite"]));
        }

        // MessagesSubscribe without filters: every event of the tenant, configure included, once each.
        var messages = onASubscriptions["messages-a"].Select(e => Cid(e["message"]!.AsObject())).ToList();
        Assert.Equal(new[] { first, other, update, delete, configure }.Select(Cid), messages.Take(5));
        Assert.Equal(concurrent.Select(Cid).Order(StringComparer.Ordinal), messages.Skip(5).SkipLast(1).Order(StringComparer.Ordinal));
        Assert.Equal(Cid(last), messages[^1]);
        Assert.True(JsonNode.DeepEquals(configure, onASubscriptions["messages-a"][4]["message"]));

        // Closed subscriptions get nothing more: after closing both on A and opening another there, a write through B
        // reaches the new one (and B's) only; a closed one would have been handed the event before the new one.
        foreach (var id in new[] { "records-a", "messages-a" })
        {
            await RequestAsync(onA, new JsonObject { ["jsonrpc"] = "2.0", ["id"] = "close-" + id, ["method"] = DwnSocketSession.CloseMethod, ["subscription"] = new JsonObject { ["id"] = id } });
            var closed = await NextAsync(onA);
            Assert.Equal("close-" + id, closed["id"]!.GetValue<string>());
            Assert.Equal(200, closed["result"]!["reply"]!["status"]!.GetValue<int>());
        }

        await SubscribeAsync(onA, alice, "again-a", DwnRequests.CreateRecordsSubscribe(notes, alice));
        var after = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "https://example.com/note" });
        await SendAsync(http, b, alice, after, data, 202);
        Assert.Equal([Cid(after)], (await ReceiveUntilAsync(onA, ["again-a"], Cid(after)))["again-a"].Select(e => Cid(e["message"]!.AsObject())));
        Assert.Equal([Cid(after)], (await ReceiveUntilAsync(onB, ["records-b"], Cid(after)))["records-b"].Select(e => Cid(e["message"]!.AsObject())));
    }

    private static string Cid(JsonObject message) => DwnMessage.ComputeCid(message);

    private static async Task<ClientWebSocket> ConnectAsync(Web5TestHost host)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(host.Url.Replace("http://", "ws://", StringComparison.Ordinal) + "/api/v1/web5/dwn"), Ct);
        return socket;
    }

    private static async Task SendAsync(HttpClient http, Web5TestHost host, BearerDid tenant, JsonObject message, byte[]? data, int expected)
    {
        var reply = await DwnJsonRpc.SendAsync(http, host.DwnEndpoint, tenant.Uri, message, data, Ct);
        Assert.True(reply.Code == expected, $"expected {expected}, got {reply.Code} {reply.Detail}");
    }

    private static Task RequestAsync(ClientWebSocket socket, JsonObject request) =>
        socket.SendAsync(Web5Json.SerializeUtf8(request), WebSocketMessageType.Text, endOfMessage: true, Ct);

    private static async Task<JsonObject> NextAsync(ClientWebSocket socket) =>
        await EventSockets.ReceiveJsonAsync(socket, Wait, Ct) ?? throw new InvalidOperationException("the server closed the DWN socket");

    private static async Task SubscribeAsync(ClientWebSocket socket, BearerDid tenant, string id, JsonObject message)
    {
        var request = DwnJsonRpc.Request("open-" + id, tenant.Uri, message);
        request["method"] = DwnSocketSession.SubscribeMethod;
        request["subscription"] = new JsonObject { ["id"] = id };
        await RequestAsync(socket, request);
        var reply = await NextAsync(socket);
        Assert.Equal("open-" + id, reply["id"]!.GetValue<string>());
        Assert.Equal(200, reply["result"]!["reply"]!["status"]!["code"]!.GetValue<int>());
        Assert.Equal(Cid(message), reply["result"]!["reply"]!["subscription"]!["id"]!.GetValue<string>());
    }

    // Collects each subscription's events until every one of them has received the message with CID lastCid.
    private static async Task<Dictionary<string, List<JsonObject>>> ReceiveUntilAsync(ClientWebSocket socket, string[] ids, string lastCid)
    {
        var events = ids.ToDictionary(id => id, _ => new List<JsonObject>(), StringComparer.Ordinal);
        while (events.Values.Any(list => list.Count == 0 || Cid(list[^1]["message"]!.AsObject()) != lastCid))
        {
            var next = await NextAsync(socket);
            var id = next["id"]!.GetValue<string>();
            Assert.True(events.ContainsKey(id), $"unexpected message on the socket: {next.ToJsonString()}");
            Assert.Equal("2.0", next["jsonrpc"]!.GetValue<string>());
            events[id].Add(next["result"]!["event"]!.AsObject());
        }

        return events;
    }
}
