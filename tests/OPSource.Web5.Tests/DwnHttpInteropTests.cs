using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using OPSource.Server;
using OPSource.Server.Modules;
using OPSource.TestSupport;
using OPSource.Web5.Dids;
using OPSource.Web5.Dwn;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Tests;

/// <summary>
/// The DWN endpoint (<c>POST /api/v1/web5/dwn</c>, dwn-server's JSON-RPC) against the references: dwn-sdk-js 0.5.2
/// drives a RecordsWrite → RecordsQuery → RecordsRead round trip through it, and every message OPSource signs is sent
/// to both OPSource and a real @web5/dwn-server 0.6.1 on 127.0.0.1, which must answer with the same status codes,
/// error codes and results.
/// </summary>
public sealed class DwnHttpInteropTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "opsource-dwn-interop-" + Guid.NewGuid().ToString("N"));
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private WebApplication? _app;
    private DwnServerPeer? _reference;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Uri Ours => new(_app!.Urls.Single() + "/api/v1/web5/dwn");

    public async ValueTask InitializeAsync()
    {
        NodePeer.Require();
        // The node's key passphrase in its default place ({DataDir}/web5.passphrase), not in the process-wide
        // OPSOURCE_WEB5_PASSPHRASE, which would override the files other test classes give their nodes.
        Directory.CreateDirectory(_dataDir);
        File.WriteAllText(Path.Combine(_dataDir, "web5.passphrase"), "interop-test-passphrase");
        var options = new OpsourceOptions
        {
            Network = "regtest",
            DataDir = _dataDir,
            Server = new ServerOptions { Urls = "http://127.0.0.1:0", ShutdownTimeoutSeconds = 5 },
        };
        _app = OpsourceServer.Build(options, modules: OpsourceModules.All);
        await OpsourceServer.PrepareAsync(_app, Ct);
        await _app.StartAsync(Ct);
        _reference = await DwnServerPeer.StartAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_reference is not null)
        {
            await _reference.DisposeAsync();
        }

        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Theory]
    [InlineData(100)]
    [InlineData(40_000)]
    public async Task Dwn_sdk_js_round_trip_through_our_endpoint_matches_dwn_server(int size)
    {
        using var tenant = DidFactory.CreateKey("Ed25519");
        var portable = System.Text.Encoding.UTF8.GetString(tenant.ToPortableUtf8());
        var size_ = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var result = await NodePeer.RunDwnJsonAsync(Ct, "roundtrip", portable, size_, Ours.ToString(), _reference!.Endpoint.ToString());
        var recordId = result["record_id"]!.GetValue<string>();
        var ours = result["runs"]![0]!.AsObject();
        var theirs = result["runs"]![1]!.AsObject();

        JsonObject Reply(JsonObject run, string step) => run[step]!["result"]!["reply"]!.AsObject();
        Assert.Equal(202, Reply(ours, "write")["status"]!["code"]!.GetValue<int>());
        var entry = Assert.Single(Reply(ours, "query")["entries"]!.AsArray())!;
        Assert.Equal(recordId, entry["recordId"]!.GetValue<string>());
        Assert.Equal(size <= DwnMessageStore.MaxEncodedDataSize, entry["encodedData"] is not null);
        Assert.Equal(200, Reply(ours, "read")["status"]!["code"]!.GetValue<int>());
        Assert.Equal(DwnMessageTests.Pattern(size), Convert.FromBase64String(ours["read_data_b64"]!.GetValue<string>()));
        Assert.Equal(recordId, Reply(ours, "read")["entry"]!["recordsWrite"]!["recordId"]!.GetValue<string>());
        Assert.Equal(401, Reply(ours, "other_read")["status"]!["code"]!.GetValue<int>());

        // dwn-server answers each step the same way (status and detail), and both return the same entries.
        foreach (var step in new[] { "write", "query", "read", "other_read" })
        {
            Assert.Equal(Reply(theirs, step)["status"]!.ToJsonString(), Reply(ours, step)["status"]!.ToJsonString());
        }

        var theirEntry = Assert.Single(Reply(theirs, "query")["entries"]!.AsArray())!;
        // Member order differs (dwn-server's store rebuilds the objects); the content is the same.
        Assert.True(JsonNode.DeepEquals(theirEntry, entry), $"query entry differs: {entry.ToJsonString()} vs dwn-server {theirEntry.ToJsonString()}");
        Assert.True(JsonNode.DeepEquals(Reply(theirs, "read")["entry"], Reply(ours, "read")["entry"]), "read entry differs");
        Assert.Equal(theirs["read_data_b64"]!.GetValue<string>(), ours["read_data_b64"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("Ed25519")]
    [InlineData("secp256k1")]
    public async Task Messages_signed_here_are_answered_alike_by_dwn_server(string curve)
    {
        using var alice = DidFactory.CreateKey(curve);
        using var bob = DidFactory.CreateKey("Ed25519");
        var t0 = DateTimeOffset.UtcNow;
        var chat = Web5Json.ParseObject(Vectors.ReadText("web5", "dwn-sdk-js", "protocol-definitions", "chat.json"), "chat");
        var data = "{\"text\":\"hello\"}"u8.ToArray();

        await BothAsync(alice, ProtocolsConfigure.Create(alice, chat, t0), null, 202);
        await BothAsync(alice, ProtocolsConfigure.Create(alice, chat, t0.AddSeconds(-1)), null, 409);
        var thread = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = "http://chat-protocol.xyz", ProtocolPath = "thread", Schema = "thread", Recipient = bob.Uri, Timestamp = t0.AddSeconds(1) });
        await BothAsync(alice, thread, data, 202);
        var message = RecordsWrite.Create(bob, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = "http://chat-protocol.xyz", ProtocolPath = "thread/message", Schema = "message", ParentContextId = thread["contextId"]!.GetValue<string>(), Timestamp = t0.AddSeconds(2) });
        await BothAsync(alice, message, data, 202);
        var stray = RecordsWrite.Create(bob, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = "http://chat-protocol.xyz", ProtocolPath = "thread/message", Schema = "message", Timestamp = t0.AddSeconds(2) });
        await BothAsync(alice, stray, data, 400);
        var plain = RecordsWrite.Create(bob, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "note", Timestamp = t0.AddSeconds(2) });
        await BothAsync(alice, plain, data, 401);

        var byTenant = await BothAsync(alice, DwnRequests.CreateRecordsQuery(new JsonObject { ["protocol"] = "http://chat-protocol.xyz" }, alice, timestamp: t0.AddSeconds(3)), null, 200);
        Assert.Equal(2, byTenant.Entries!.Count);
        var byBob = await BothAsync(alice, DwnRequests.CreateRecordsQuery(new JsonObject { ["protocol"] = "http://chat-protocol.xyz" }, bob, timestamp: t0.AddSeconds(3)), null, 200);
        Assert.Equal(2, byBob.Entries!.Count);
        var anonymous = await BothAsync(alice, DwnRequests.CreateRecordsQuery(new JsonObject { ["protocol"] = "http://chat-protocol.xyz" }, null, timestamp: t0.AddSeconds(3)), null, 200);
        Assert.Empty(anonymous.Entries!);

        using var carol = DidFactory.CreateKey("Ed25519");
        var read = await BothAsync(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = thread["recordId"]!.GetValue<string>() }, bob, timestamp: t0.AddSeconds(3)), null, 200);
        Assert.Equal(data, read.Data);
        await BothAsync(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = thread["recordId"]!.GetValue<string>() }, carol, timestamp: t0.AddSeconds(3)), null, 401);

        var edit = "{\"text\":\"edited\"}"u8.ToArray();
        await BothAsync(alice, RecordsWrite.CreateUpdate(bob, message, edit, timestamp: t0.AddSeconds(5)), edit, 202);
        await BothAsync(alice, RecordsWrite.CreateUpdate(bob, message, data, timestamp: t0.AddSeconds(4)), data, 409);
        await BothAsync(alice, RecordsWrite.CreateUpdate(carol, message, data, timestamp: t0.AddSeconds(6)), data, 401);
        var updated = await BothAsync(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = message["recordId"]!.GetValue<string>() }, alice, timestamp: t0.AddSeconds(6)), null, 200);
        Assert.Equal(edit, updated.Data);

        await BothAsync(alice, DwnRequests.CreateRecordsDelete(message["recordId"]!.GetValue<string>(), bob, timestamp: t0.AddSeconds(7)), null, 401);
        await BothAsync(alice, DwnRequests.CreateRecordsDelete(message["recordId"]!.GetValue<string>(), alice, timestamp: t0.AddSeconds(7)), null, 202);
        await BothAsync(alice, DwnRequests.CreateRecordsDelete(message["recordId"]!.GetValue<string>(), alice, timestamp: t0.AddSeconds(8)), null, 404);
        await BothAsync(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = message["recordId"]!.GetValue<string>() }, alice, timestamp: t0.AddSeconds(8)), null, 404);

        var protocols = await BothAsync(alice, DwnRequests.CreateProtocolsQuery(null, null, t0.AddSeconds(8)), null, 200);
        Assert.Single(protocols.Entries!);
    }

    [Fact]
    public async Task Every_protocol_fixture_configures_alike_here_and_on_dwn_server()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        var folder = Vectors.Path("web5", "dwn-sdk-js", "protocol-definitions");
        var files = Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var definition = Web5Json.ParseObject(File.ReadAllText(file), file);
            await BothAsync(alice, ProtocolsConfigure.Create(alice, definition), null, 202);
        }

        // Fixtures sharing a protocol URI replace each other (the newest configure wins).
        var uris = files.Select(f => Web5Json.ParseObject(File.ReadAllText(f), f).GetString("protocol")).Distinct().Count();
        var all = await BothAsync(alice, DwnRequests.CreateProtocolsQuery(null, alice), null, 200);
        Assert.Equal(uris, all.Entries!.Count);
    }

    /// <summary>Sends one message to OPSource and to dwn-server; both must answer with the expected code, the same error code and the same results.</summary>
    private async Task<DwnReply> BothAsync(BearerDid tenant, JsonObject message, byte[]? data, int expected)
    {
        var ours = await DwnJsonRpc.SendAsync(_http, Ours, tenant.Uri, message, data, Ct);
        var theirs = await DwnJsonRpc.SendAsync(_http, _reference!.Endpoint, tenant.Uri, message, data, Ct);
        var kind = message["descriptor"]!["interface"]!.GetValue<string>() + message["descriptor"]!["method"]!.GetValue<string>();
        Assert.True(theirs.Code == expected, $"{kind}: dwn-server answered {theirs.Code} {theirs.Detail}, the test expects {expected}");
        Assert.True(ours.Code == theirs.Code, $"{kind}: OPSource answered {ours.Code} {ours.Detail}; dwn-server {theirs.Code} {theirs.Detail}");
        Assert.Equal(theirs.Detail.Split(':')[0], ours.Detail.Split(':')[0]);
        Assert.Equal(theirs.Entries?.Select(e => e!["recordId"]?.ToJsonString() ?? DwnMessage.ComputeCid(e.AsObject())).Order(StringComparer.Ordinal), ours.Entries?.Select(e => e!["recordId"]?.ToJsonString() ?? DwnMessage.ComputeCid(e.AsObject())).Order(StringComparer.Ordinal));
        Assert.Equal(theirs.Data, ours.Data);
        return ours;
    }
}
