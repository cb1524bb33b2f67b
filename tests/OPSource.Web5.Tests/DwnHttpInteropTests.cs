using System.Text.Json.Nodes;
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
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private Web5TestHost? _host;
    private DwnServerPeer? _reference;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Uri Ours => _host!.DwnEndpoint;

    public async ValueTask InitializeAsync()
    {
        NodePeer.Require();
        _host = await Web5TestHost.StartAsync("dwn-interop", Ct);
        _reference = await DwnServerPeer.StartAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_reference is not null)
        {
            await _reference.DisposeAsync();
        }

        if (_host is not null)
        {
            await _host.DisposeAsync();
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

    [Theory]
    [InlineData("Ed25519")]
    [InlineData("secp256k1")]
    public async Task Permission_grants_written_by_either_side_authorize_alike_here_and_on_dwn_server(string curve)
    {
        using var alice = DidFactory.CreateKey(curve);
        using var bob = DidFactory.CreateKey("Ed25519");
        var alicePortable = Portable(alice);
        var bobPortable = Portable(bob);
        const string notes = "http://grant-notes.example/protocol";
        const string other = "http://grant-other.example/protocol";
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-10);
        string Ts(TimeSpan offset) => DwnMessage.Timestamp(t0 + offset);
        await ConfigureNoteProtocolsAsync(alice, t0, notes, other);

        var data = "{\"text\":\"by grant\"}"u8.ToArray();
        JsonObject Note(string protocol, string? grantId, TimeSpan at) =>
            RecordsWrite.Create(bob, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = protocol, ProtocolPath = "note", PermissionGrantId = grantId, Timestamp = t0 + at });
        await BothAsync(alice, Note(notes, null, TimeSpan.FromMinutes(1)), data, 401);

        // dwn-sdk-js writes the grant (Alice to Bob: Records/Write in the notes protocol); Bob's messages signed here use it.
        var scope = new PermissionScope("Records", "Write", notes).ToJson().ToJsonString();
        var theirs = await NodePeer.RunDwnJsonAsync(Ct, "grant", alicePortable, bob.Uri, scope, Ts(TimeSpan.FromSeconds(30)), Ts(TimeSpan.FromMinutes(5)));
        var theirGrant = theirs["message"]!.AsObject();
        var theirGrantData = Convert.FromBase64String(theirs["data_b64"]!.GetValue<string>());
        await BothAsync(alice, theirGrant, theirGrantData, 202);
        var theirGrantId = theirGrant["recordId"]!.GetValue<string>();
        await BothAsync(alice, Note(notes, theirGrantId, TimeSpan.FromMinutes(1)), data, 202);
        await BothAsync(alice, Note(other, theirGrantId, TimeSpan.FromMinutes(1)), data, 401);         // out of scope
        await BothAsync(alice, Note(notes, theirGrantId, TimeSpan.FromSeconds(10)), data, 401);        // not yet active
        await BothAsync(alice, Note(notes, theirGrantId, TimeSpan.FromMinutes(6)), data, 401);         // expired

        // OPSource writes the grant (a second later: the same grant data and date would be the same record); Bob's
        // messages signed by dwn-sdk-js use it.
        var (ourGrant, ourGrantData) = DwnPermissions.CreateGrant(alice, bob.Uri, t0.AddMinutes(60), new PermissionScope("Records", "Write", notes), dateGranted: t0.AddSeconds(31));
        await BothAsync(alice, ourGrant, ourGrantData, 202);
        var ourGrantId = ourGrant["recordId"]!.GetValue<string>();
        async Task TheirNoteAsync(string protocol, string grantId, TimeSpan at, int expected)
        {
            var options = new JsonObject { ["protocol"] = protocol, ["protocolPath"] = "note", ["text"] = "{\"text\":\"theirs\"}", ["messageTimestamp"] = Ts(at) };
            var write = await NodePeer.RunDwnJsonAsync(Ct, "grant-write", bobPortable, grantId, options.ToJsonString());
            await BothAsync(alice, write["message"]!.AsObject(), Convert.FromBase64String(write["data_b64"]!.GetValue<string>()), expected);
        }

        await TheirNoteAsync(notes, ourGrantId, TimeSpan.FromMinutes(1), 202);
        await TheirNoteAsync(other, ourGrantId, TimeSpan.FromMinutes(1), 401);
        await TheirNoteAsync(notes, ourGrantId, TimeSpan.FromSeconds(20), 401);        // not yet active

        // A Records/Read grant written by dwn-sdk-js lets Bob (signing here) read Alice's note; the write grant does not.
        var aliceNote = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = notes, ProtocolPath = "note", Timestamp = t0.AddMinutes(1) });
        await BothAsync(alice, aliceNote, data, 202);
        var readScope = new PermissionScope("Records", "Read", notes).ToJson().ToJsonString();
        var readGrant = await NodePeer.RunDwnJsonAsync(Ct, "grant", alicePortable, bob.Uri, readScope, Ts(TimeSpan.FromSeconds(30)), Ts(TimeSpan.FromMinutes(5)));
        await BothAsync(alice, readGrant["message"]!.AsObject(), Convert.FromBase64String(readGrant["data_b64"]!.GetValue<string>()), 202);
        var noteFilter = new JsonObject { ["recordId"] = aliceNote["recordId"]!.GetValue<string>() };
        var read = await BothAsync(alice, DwnRequests.CreateRecordsRead(noteFilter, bob, timestamp: t0.AddMinutes(2), permissionGrantId: readGrant["message"]!["recordId"]!.GetValue<string>()), null, 200);
        Assert.Equal(data, read.Data);
        await BothAsync(alice, DwnRequests.CreateRecordsRead(noteFilter, bob, timestamp: t0.AddMinutes(2), permissionGrantId: ourGrantId), null, 401);

        // Revocations: dwn-sdk-js revokes OPSource's grant (0.5.2's createRevocation stamps it with the current time) and
        // OPSource revokes dwn-sdk-js's (at t0 + 3 min); later messages are refused, earlier ones still authorized.
        var theirRevocation = await NodePeer.RunDwnJsonAsync(Ct, "revoke", alicePortable, ourGrant.ToJsonString(), Convert.ToBase64String(ourGrantData), Ts(TimeSpan.FromMinutes(3)));
        await BothAsync(alice, theirRevocation["message"]!.AsObject(), Convert.FromBase64String(theirRevocation["data_b64"]!.GetValue<string>()), 202);
        await TheirNoteAsync(notes, ourGrantId, DateTimeOffset.UtcNow.AddMinutes(1) - t0, 401);
        await BothAsync(alice, Note(notes, ourGrantId, TimeSpan.FromMinutes(2)), data, 202);
        var (ourRevocation, ourRevocationData) = DwnPermissions.CreateRevocation(alice, PermissionGrant.Parse(theirGrant, theirGrantData), dateRevoked: t0.AddMinutes(3));
        await BothAsync(alice, ourRevocation, ourRevocationData, 202);
        await BothAsync(alice, Note(notes, theirGrantId, TimeSpan.FromMinutes(4)), data, 401);

        // Bob reads the grants given to him (the grant's recipient may read it).
        await BothAsync(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = theirGrantId }, bob, timestamp: t0.AddMinutes(5)), null, 200);
    }

    [Theory]
    [InlineData("Ed25519")]
    [InlineData("secp256k1")]
    public async Task Delegated_grants_authorize_alike_here_and_on_dwn_server(string curve)
    {
        // Alice (the tenant) delegates to Bob: Bob signs, Alice is the author. The grants travel inside the messages
        // (authorDelegatedGrant / ownerDelegatedGrant); only the revoked one is also stored in Alice's DWN.
        using var alice = DidFactory.CreateKey(curve);
        using var bob = DidFactory.CreateKey("secp256k1");
        using var carol = DidFactory.CreateKey("Ed25519");
        var alicePortable = Portable(alice);
        var bobPortable = Portable(bob);
        var carolPortable = Portable(carol);
        const string notes = "http://delegated-notes.example/protocol";
        const string other = "http://delegated-other.example/protocol";
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-10);
        string Ts(TimeSpan offset) => DwnMessage.Timestamp(t0 + offset);
        await ConfigureNoteProtocolsAsync(alice, t0, notes, other);

        var data = "{\"text\":\"mine\"}"u8.ToArray();
        var aliceNote = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = notes, ProtocolPath = "note", Timestamp = t0.AddMinutes(1) });
        var aliceOther = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = other, ProtocolPath = "note", Timestamp = t0.AddMinutes(1) });
        await BothAsync(alice, aliceNote, data, 202);
        await BothAsync(alice, aliceOther, data, 202);

        // Grants written by dwn-sdk-js (PermissionsProtocol.createGrant with delegated: true), as data-encoded messages.
        async Task<JsonObject> TheirGrantAsync(string grantor, string grantee, PermissionScope scope, bool delegated = true, int expiresMinutes = 60)
        {
            var result = await NodePeer.RunDwnJsonAsync(Ct, "grant", grantor, grantee, scope.ToJson().ToJsonString(), Ts(TimeSpan.FromSeconds(30)), Ts(TimeSpan.FromMinutes(expiresMinutes)), string.Empty, delegated ? "true" : string.Empty);
            return result["encoded"]!.AsObject();
        }

        // A message signed by dwn-sdk-js under a delegated grant, sent to both servers.
        async Task<DwnReply> TheirsAsync(string signer, string kind, JsonObject grant, JsonObject options, int expected)
        {
            var result = await NodePeer.RunDwnJsonAsync(Ct, "delegate", signer, kind, grant.ToJsonString(), options.ToJsonString());
            var bytes = result["data_b64"] is { } b ? Convert.FromBase64String(b.GetValue<string>()) : null;
            return await BothAsync(alice, result["message"]!.AsObject(), bytes, expected);
        }

        JsonObject NoteOptions(string protocol, TimeSpan at) => new() { ["protocol"] = protocol, ["protocolPath"] = "note", ["text"] = "{\"text\":\"by delegate\"}", ["messageTimestamp"] = Ts(at) };

        // RecordsWrite: Bob writes for Alice in the grant's protocol (without the grant Bob may not write at all).
        var writeGrant = await TheirGrantAsync(alicePortable, bob.Uri, new PermissionScope("Records", "Write", notes));
        await TheirsAsync(bobPortable, "Write", writeGrant, NoteOptions(notes, TimeSpan.FromMinutes(1)), 202);
        var byAlice = await BothAsync(alice, DwnRequests.CreateRecordsQuery(new JsonObject { ["protocol"] = notes, ["author"] = alice.Uri }, alice, timestamp: t0.AddMinutes(2)), null, 200);
        Assert.Equal(2, byAlice.Entries!.Count);                                                                    // Alice's own note and Bob's, authored by Alice
        await TheirsAsync(bobPortable, "Write", writeGrant, NoteOptions(other, TimeSpan.FromMinutes(1)), 401);     // out of scope
        await TheirsAsync(bobPortable, "Write", writeGrant, NoteOptions(notes, TimeSpan.FromSeconds(10)), 401);    // before the grant
        await TheirsAsync(bobPortable, "Write", writeGrant, NoteOptions(notes, TimeSpan.FromMinutes(61)), 401);    // expired
        await TheirsAsync(carolPortable, "Write", writeGrant, NoteOptions(notes, TimeSpan.FromMinutes(1)), 400);   // not the grantee
        var plainGrant = await TheirGrantAsync(alicePortable, bob.Uri, new PermissionScope("Records", "Write", notes), delegated: false);
        await TheirsAsync(bobPortable, "Write", plainGrant, NoteOptions(notes, TimeSpan.FromMinutes(1)), 400);     // not a delegated grant
        var backdated = (JsonObject)writeGrant.DeepClone();                                                         // not what Alice signed
        backdated["descriptor"]!["dateCreated"] = Ts(TimeSpan.FromSeconds(1));
        await TheirsAsync(bobPortable, "Write", backdated, NoteOptions(notes, TimeSpan.FromSeconds(5)), 401);
        var selfMade = await TheirGrantAsync(bobPortable, bob.Uri, new PermissionScope("Records", "Write", notes)); // Bob delegating to himself: the author is Bob
        await TheirsAsync(bobPortable, "Write", selfMade, NoteOptions(notes, TimeSpan.FromMinutes(1)), 401);

        // ownerDelegatedGrant: Carol's note (which she may not write) retained by Bob as Alice's owner-delegate.
        var carolNote = RecordsWrite.Create(carol, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = notes, ProtocolPath = "note", Timestamp = t0.AddMinutes(1) });
        await BothAsync(alice, carolNote, data, 401);
        await TheirsAsync(bobPortable, "OwnerWrite", writeGrant, new JsonObject { ["message"] = carolNote.DeepClone(), ["data_b64"] = Convert.ToBase64String(data) }, 202);
        var carolOther = RecordsWrite.Create(carol, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = other, ProtocolPath = "note", Timestamp = t0.AddMinutes(1) });
        await TheirsAsync(bobPortable, "OwnerWrite", writeGrant, new JsonObject { ["message"] = carolOther.DeepClone(), ["data_b64"] = Convert.ToBase64String(data) }, 401);

        // RecordsRead, RecordsQuery, RecordsDelete and ProtocolsConfigure under their delegated grants.
        var readGrant = await TheirGrantAsync(alicePortable, bob.Uri, new PermissionScope("Records", "Read", notes));
        var read = await TheirsAsync(bobPortable, "Read", readGrant, new JsonObject { ["recordId"] = aliceNote["recordId"]!.DeepClone() }, 200);
        Assert.Equal(data, read.Data);
        await TheirsAsync(bobPortable, "Read", readGrant, new JsonObject { ["recordId"] = aliceOther["recordId"]!.DeepClone() }, 401);
        await TheirsAsync(bobPortable, "Read", writeGrant, new JsonObject { ["recordId"] = aliceNote["recordId"]!.DeepClone() }, 401);
        var queryGrant = await TheirGrantAsync(alicePortable, bob.Uri, new PermissionScope("Records", "Query", notes));
        var queried = await TheirsAsync(bobPortable, "Query", queryGrant, new JsonObject { ["protocol"] = notes }, 200);
        Assert.Equal(3, queried.Entries!.Count);                                                                    // what Alice sees: her note, Bob's, Carol's
        await TheirsAsync(bobPortable, "Query", queryGrant, new JsonObject { ["protocol"] = other }, 401);
        var deleteGrant = await TheirGrantAsync(alicePortable, bob.Uri, new PermissionScope("Records", "Delete", notes));
        await TheirsAsync(bobPortable, "Delete", deleteGrant, new JsonObject { ["recordId"] = aliceOther["recordId"]!.DeepClone() }, 401);
        await TheirsAsync(bobPortable, "Delete", deleteGrant, new JsonObject { ["recordId"] = carolNote["recordId"]!.DeepClone() }, 202);
        const string delegatedProtocol = "http://delegated-configure.example/protocol";
        var configureGrant = await TheirGrantAsync(alicePortable, bob.Uri, new PermissionScope("Protocols", "Configure", delegatedProtocol));
        JsonObject Definition(string uri) => new()
        {
            ["protocol"] = uri, ["published"] = true,
            ["types"] = new JsonObject { ["x"] = new JsonObject() },
            ["structure"] = new JsonObject { ["x"] = new JsonObject() },
        };
        await TheirsAsync(bobPortable, "Configure", configureGrant, new JsonObject { ["definition"] = Definition(delegatedProtocol) }, 202);
        await TheirsAsync(bobPortable, "Configure", configureGrant, new JsonObject { ["definition"] = Definition("http://elsewhere.example/protocol") }, 401);

        // Messages OPSource signs under delegated grants (ours and dwn-sdk-js's) are accepted by dwn-server alike.
        var (ourGrant, ourGrantData) = DwnPermissions.CreateGrant(alice, bob.Uri, t0.AddMinutes(60), new PermissionScope("Records", "Write", notes), delegated: true, dateGranted: t0.AddSeconds(31));
        var ours = DwnDelegatedGrants.Embed(ourGrant, ourGrantData);
        JsonObject OurNote(JsonObject grant, string protocol, TimeSpan at) =>
            RecordsWrite.Create(bob, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = protocol, ProtocolPath = "note", Timestamp = t0 + at, DelegatedGrant = grant });
        var ourNote = OurNote(ours, notes, TimeSpan.FromMinutes(2));
        await BothAsync(alice, ourNote, data, 202);
        await BothAsync(alice, OurNote(writeGrant, notes, TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1)), data, 202);
        await BothAsync(alice, OurNote(ours, other, TimeSpan.FromMinutes(2)), data, 401);
        var (ourRead, ourReadData) = DwnPermissions.CreateGrant(alice, bob.Uri, t0.AddMinutes(60), new PermissionScope("Records", "Read", notes), delegated: true, dateGranted: t0.AddSeconds(31));
        var filter = new JsonObject { ["recordId"] = aliceNote["recordId"]!.DeepClone() };
        var ourReadReply = await BothAsync(alice, DwnRequests.CreateRecordsRead(filter, bob, delegatedGrant: DwnDelegatedGrants.Embed(ourRead, ourReadData)), null, 200);
        Assert.Equal(data, ourReadReply.Data);
        await BothAsync(alice, DwnRequests.CreateRecordsQuery(new JsonObject { ["protocol"] = notes }, bob, delegatedGrant: queryGrant), null, 200);
        await TheirsAsync(carolPortable, "Query", queryGrant, new JsonObject { ["protocol"] = notes }, 400);
        await BothAsync(alice, DwnRequests.CreateRecordsDelete(ourNote["recordId"]!.GetValue<string>(), bob, delegatedGrant: deleteGrant), null, 202);
        await BothAsync(alice, ProtocolsConfigure.Create(bob, Definition(delegatedProtocol), delegatedGrant: configureGrant), null, 202);

        // ProtocolsQuery and the Messages interface take no delegated grant (their authorization schema has only a signature).
        var protocolsQuery = DwnRequests.CreateProtocolsQuery(null, bob);
        protocolsQuery["authorization"]!["authorDelegatedGrant"] = queryGrant.DeepClone();
        await BothAsync(alice, protocolsQuery, null, 400);

        // Revocation: once Alice's revocation (stored in her DWN, with the grant it revokes) is older than a message, the
        // delegated grant no longer authorizes it; earlier messages still are.
        var storedGrant = (JsonObject)writeGrant.DeepClone();
        var storedData = B64Url.Decode(storedGrant["encodedData"]!.GetValue<string>(), "grant data");
        storedGrant.Remove("encodedData");
        await BothAsync(alice, storedGrant, storedData, 202);
        var (revocation, revocationData) = DwnPermissions.CreateRevocation(alice, PermissionGrant.Parse(storedGrant, storedData), dateRevoked: t0.AddMinutes(3));
        await BothAsync(alice, revocation, revocationData, 202);
        await TheirsAsync(bobPortable, "Write", writeGrant, NoteOptions(notes, TimeSpan.FromMinutes(4)), 401);
        await TheirsAsync(bobPortable, "Write", writeGrant, NoteOptions(notes, TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(30)), 202);

        // Known difference: a grant whose encodedData was changed after the grantor signed it (here: an expired grant
        // extended to 2099). dwn-sdk-js 0.5.2 reads encodedData without checking it against the signed dataCid and accepts
        // the message; OPSource refuses it (401: the grant's data is not what its grantor signed).
        var shortGrant = await TheirGrantAsync(alicePortable, bob.Uri, new PermissionScope("Records", "Write", notes), expiresMinutes: 5);
        await TheirsAsync(bobPortable, "Write", shortGrant, NoteOptions(notes, TimeSpan.FromMinutes(6)), 401);
        var extended = (JsonObject)shortGrant.DeepClone();
        var extendedData = Web5Json.ParseObject(B64Url.Decode(extended["encodedData"]!.GetValue<string>(), "grant data"), "grant data");
        extendedData["dateExpires"] = "2099-01-01T00:00:00.000000Z";
        extended["encodedData"] = B64Url.Encode(Web5Json.SerializeUtf8(extendedData));
        var extendedNote = await NodePeer.RunDwnJsonAsync(Ct, "delegate", bobPortable, "Write", extended.ToJsonString(), NoteOptions(notes, TimeSpan.FromMinutes(6)).ToJsonString());
        var extendedMessage = extendedNote["message"]!.AsObject();
        var extendedBytes = Convert.FromBase64String(extendedNote["data_b64"]!.GetValue<string>());
        var refused = await DwnJsonRpc.SendAsync(_http, Ours, alice.Uri, extendedMessage, extendedBytes, Ct);
        Assert.Equal((401, "GeneralJwsVerifierInvalidSignature"), (refused.Code, refused.Detail.Split(':')[0]));
        Assert.Equal(202, (await DwnJsonRpc.SendAsync(_http, _reference!.Endpoint, alice.Uri, extendedMessage, extendedBytes, Ct)).Code);
    }

    [Fact]
    public async Task Records_subscribe_over_websocket_delivers_what_dwn_server_delivers()
    {
        // dwn-server's own JsonRpcSocket client subscribes (as the tenant and anonymously) over each server's WebSocket
        // while dwn-sdk-js writes, updates and deletes records over HTTP.
        using var alice = DidFactory.CreateKey("Ed25519");
        var portable = Portable(alice);
        var ws = new UriBuilder(Ours) { Scheme = "ws" }.Uri;
        var ours = await NodePeer.RunDwnJsonAsync(Ct, "subscribe", portable, Ours.ToString(), ws.ToString());
        var theirs = await NodePeer.RunDwnJsonAsync(Ct, "subscribe", portable, _reference!.Endpoint.ToString(), _reference.WebSocketEndpoint.ToString());

        foreach (var run in new[] { theirs, ours })
        {
            var expected = run["expected"]!;
            Assert.Equal("[202,202,202,202,202,202]", run["codes"]!.ToJsonString());
            Assert.Equal(200, run["subscribe"]!["code"]!.GetValue<int>());
            Assert.Equal(200, run["anonymous"]!["code"]!.GetValue<int>());
            Assert.True(run["subscription_id_is_cid"]!.GetValue<bool>());
            var events = run["events"]!.AsArray();
            Assert.Equal(["Write", "Write", "Write", "Delete"], events.Select(e => e!["method"]!.GetValue<string>()));
            Assert.Equal(
                [expected["w1"]!.GetValue<string>(), expected["w2"]!.GetValue<string>(), expected["w1"]!.GetValue<string>(), expected["w2"]!.GetValue<string>()],
                events.Select(e => e!["record_id"]!.GetValue<string>()));
            Assert.Equal(expected["u1"]!.GetValue<string>(), events[2]!["message_cid"]!.GetValue<string>());
            Assert.Equal(expected["d2"]!.GetValue<string>(), events[3]!["message_cid"]!.GetValue<string>());
            Assert.NotNull(events[2]!["initial_write"]?.GetValue<string>());
            Assert.Null(events[0]!["initial_write"]?.GetValue<string>());
            var anonymous = run["anonymous_events"]!.AsArray();
            Assert.Equal([expected["w1"]!.GetValue<string>(), expected["w1"]!.GetValue<string>()], anonymous.Select(e => e!["record_id"]!.GetValue<string>()));
            Assert.Equal(0, run["after_close"]!.GetValue<int>());
        }

        foreach (var field in new[] { "close_unknown_error", "write_over_ws_error", "subscribe_over_process_error", "query_over_ws" })
        {
            Assert.True(JsonNode.DeepEquals(theirs[field], ours[field]), $"{field}: OPSource {ours[field]?.ToJsonString()}, dwn-server {theirs[field]?.ToJsonString()}");
        }
    }

    [Fact]
    public async Task Messages_query_read_and_grants_answer_alike_here_and_on_dwn_server()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        using var bob = DidFactory.CreateKey("secp256k1");
        var alicePortable = Portable(alice);
        var bobPortable = Portable(bob);
        const string notes = "http://messages-notes.example/protocol";
        const string other = "http://messages-other.example/protocol";
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-30);
        string Ts(TimeSpan offset) => DwnMessage.Timestamp(t0 + offset);
        var configures = new List<string>();
        foreach (var uri in new[] { notes, other })
        {
            var definition = new JsonObject
            {
                ["protocol"] = uri, ["published"] = false,
                ["types"] = new JsonObject { ["note"] = new JsonObject { ["dataFormats"] = new JsonArray("application/json") } },
                ["structure"] = new JsonObject { ["note"] = new JsonObject() },
            };
            var configure = ProtocolsConfigure.Create(alice, definition, t0);
            await BothAsync(alice, configure, null, 202);
            configures.Add(DwnMessage.ComputeCid(configure));
        }

        var data = "{\"text\":\"note\"}"u8.ToArray();
        var edit = "{\"text\":\"edited\"}"u8.ToArray();
        JsonObject Note(string protocol, TimeSpan at) =>
            RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = protocol, ProtocolPath = "note", Timestamp = t0 + at });
        var note = Note(notes, TimeSpan.FromMinutes(1));
        var otherNote = Note(other, TimeSpan.FromMinutes(1));
        var plain = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "https://schema.org/Note", Timestamp = t0 + TimeSpan.FromMinutes(1) });
        var update = RecordsWrite.CreateUpdate(alice, note, edit, timestamp: t0 + TimeSpan.FromMinutes(2));
        foreach (var (message, bytes) in new[] { (note, data), (otherNote, data), (plain, data), (update, edit) })
        {
            await BothAsync(alice, message, bytes, 202);
        }

        string Cid(JsonObject m) => DwnMessage.ComputeCid(m);
        static IEnumerable<string> Entries(DwnReply reply) => reply.Entries!.Select(e => e!.GetValue<string>());

        // The tenant's whole event log (signed here), in append order; the updated record keeps its initial write.
        var all = await BothAsync(alice, DwnRequests.CreateMessagesQuery([], alice, timestamp: t0.AddMinutes(3)), null, 200);
        Assert.Equal([configures[0], configures[1], Cid(note), Cid(otherNote), Cid(plain), Cid(update)], Entries(all));
        Assert.Equal(Cid(update), all.Cursor!.GetString("messageCid"));

        // Filters built by dwn-sdk-js: by protocol (OR-ed), by interface/method and a messageTimestamp range.
        async Task<DwnReply> TheirsAsync(BearerDid tenant, string portable, string kind, JsonObject options, int expected)
        {
            var created = await NodePeer.RunDwnJsonAsync(Ct, "messages", portable, kind, options.ToJsonString());
            return await BothAsync(tenant, created["message"]!.AsObject(), null, expected);
        }

        var byProtocol = await TheirsAsync(alice, alicePortable, "Query", new JsonObject { ["filters"] = new JsonArray(new JsonObject { ["protocol"] = notes }) }, 200);
        Assert.Equal([configures[0], Cid(note), Cid(update)], Entries(byProtocol));
        var writesInRange = await TheirsAsync(alice, alicePortable, "Query", new JsonObject
        {
            ["filters"] = new JsonArray(new JsonObject { ["interface"] = "Records", ["method"] = "Write", ["messageTimestamp"] = new JsonObject { ["from"] = Ts(TimeSpan.FromSeconds(90)) } }),
        }, 200);
        Assert.Equal([Cid(update)], Entries(writesInRange));

        // Cursor pagination: each server continues after its own cursor with the same entries.
        var delete = DwnRequests.CreateRecordsDelete(otherNote["recordId"]!.GetValue<string>(), alice, timestamp: t0.AddMinutes(4));
        await BothAsync(alice, delete, null, 202);
        var oursCursor = await DwnJsonRpc.SendAsync(_http, Ours, alice.Uri, DwnRequests.CreateMessagesQuery([], alice, timestamp: t0.AddMinutes(3)), null, Ct);
        var theirsCursor = await DwnJsonRpc.SendAsync(_http, _reference!.Endpoint, alice.Uri, DwnRequests.CreateMessagesQuery([], alice, timestamp: t0.AddMinutes(3)), null, Ct);
        Assert.Equal(Entries(theirsCursor), Entries(oursCursor));
        var afterAll = DwnRequests.CreateMessagesQuery([], alice, cursor: all.Cursor, timestamp: t0.AddMinutes(5));
        var oursNext = await DwnJsonRpc.SendAsync(_http, Ours, alice.Uri, afterAll, null, Ct);
        Assert.Equal([Cid(delete)], Entries(oursNext));
        var theirCursorPage = await TheirsAsync(alice, alicePortable, "Query", new JsonObject { ["filters"] = new JsonArray(), ["cursor"] = theirsCursor.Cursor!.DeepClone() }, 200);
        Assert.Empty(theirCursorPage.Entries!);

        // The tenant reads any message; a RecordsWrite comes with its data.
        var readUpdate = await BothAsync(alice, DwnRequests.CreateMessagesRead(Cid(update), alice, t0.AddMinutes(5)), null, 200);
        Assert.Equal(edit, readUpdate.Data);
        await TheirsAsync(alice, alicePortable, "Read", new JsonObject { ["messageCid"] = configures[1] }, 200);
        await BothAsync(alice, DwnRequests.CreateMessagesRead(Cid(DwnRequests.CreateRecordsQuery(new JsonObject { ["schema"] = "x" }, alice)), alice, t0.AddMinutes(5)), null, 404);

        // Others need a Messages grant: without one, or with one for another method or protocol, they are refused.
        await BothAsync(alice, DwnRequests.CreateMessagesQuery([new JsonObject { ["protocol"] = notes }], bob, timestamp: t0.AddMinutes(5)), null, 401);
        await BothAsync(alice, DwnRequests.CreateMessagesRead(Cid(note), bob, t0.AddMinutes(5)), null, 401);
        async Task<(string Id, string Cid)> GrantAsync(string method, string? protocol)
        {
            var scope = new PermissionScope("Messages", method, protocol).ToJson().ToJsonString();
            var grant = await NodePeer.RunDwnJsonAsync(Ct, "grant", alicePortable, bob.Uri, scope, Ts(TimeSpan.FromMinutes(4)), Ts(TimeSpan.FromMinutes(20)));
            await BothAsync(alice, grant["message"]!.AsObject(), Convert.FromBase64String(grant["data_b64"]!.GetValue<string>()), 202);
            return (grant["message"]!["recordId"]!.GetValue<string>(), Cid(grant["message"]!.AsObject()));
        }

        var (queryGrant, queryGrantCid) = await GrantAsync("Query", notes);
        var (readGrant, readGrantCid) = await GrantAsync("Read", notes);
        var (anyReadGrant, _) = await GrantAsync("Read", null);

        // A notes-scoped query grant lists the notes protocol's messages and its permission records (the grants tagged with it).
        var granted = await TheirsAsync(alice, bobPortable, "Query", new JsonObject { ["filters"] = new JsonArray(new JsonObject { ["protocol"] = notes }), ["permissionGrantId"] = queryGrant, ["messageTimestamp"] = Ts(TimeSpan.FromMinutes(6)) }, 200);
        Assert.Equal([configures[0], Cid(note), Cid(update), queryGrantCid, readGrantCid], Entries(granted));
        await BothAsync(alice, DwnRequests.CreateMessagesQuery([new JsonObject { ["protocol"] = other }], bob, timestamp: t0.AddMinutes(6), permissionGrantId: queryGrant), null, 401);
        await BothAsync(alice, DwnRequests.CreateMessagesQuery([new JsonObject { ["protocol"] = notes }], bob, timestamp: t0.AddMinutes(21), permissionGrantId: queryGrant), null, 401);   // expired
        await BothAsync(alice, DwnRequests.CreateMessagesQuery([new JsonObject { ["protocol"] = notes }], bob, timestamp: t0.AddMinutes(6), permissionGrantId: readGrant), null, 401);     // method

        // Without filters a protocol-scoped grant would list every message: dwn-sdk-js 0.5.2 allows it, OPSource refuses.
        var unfiltered = DwnRequests.CreateMessagesQuery([], bob, timestamp: t0.AddMinutes(6), permissionGrantId: queryGrant);
        Assert.Equal(200, (await DwnJsonRpc.SendAsync(_http, _reference!.Endpoint, alice.Uri, unfiltered, null, Ct)).Code);
        var refused = await DwnJsonRpc.SendAsync(_http, Ours, alice.Uri, unfiltered, null, Ct);
        Assert.Equal(401, refused.Code);
        Assert.StartsWith(nameof(DwnErrorCode.EventsGrantAuthorizationMismatchedProtocol), refused.Detail, StringComparison.Ordinal);

        // A notes-scoped read grant reads the notes messages (a delete by its record's newest write), not the others'.
        var read = await TheirsAsync(alice, bobPortable, "Read", new JsonObject { ["messageCid"] = Cid(update), ["permissionGrantId"] = readGrant, ["messageTimestamp"] = Ts(TimeSpan.FromMinutes(6)) }, 200);
        Assert.Equal(edit, read.Data);
        await BothAsync(alice, DwnRequests.CreateMessagesRead(configures[0], bob, t0.AddMinutes(6), readGrant), null, 200);
        await BothAsync(alice, DwnRequests.CreateMessagesRead(queryGrantCid, bob, t0.AddMinutes(6), readGrant), null, 200);
        await BothAsync(alice, DwnRequests.CreateMessagesRead(Cid(otherNote), bob, t0.AddMinutes(6), readGrant), null, 401);
        await BothAsync(alice, DwnRequests.CreateMessagesRead(Cid(delete), bob, t0.AddMinutes(6), readGrant), null, 401);
        await BothAsync(alice, DwnRequests.CreateMessagesRead(Cid(plain), bob, t0.AddMinutes(6), readGrant), null, 401);
        await BothAsync(alice, DwnRequests.CreateMessagesRead(Cid(plain), bob, t0.AddMinutes(6), anyReadGrant), null, 200);

        // Revoked by dwn-sdk-js: later reads are refused.
        var grantRecord = await DwnJsonRpc.SendAsync(_http, Ours, alice.Uri, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = anyReadGrant }, alice), null, Ct);
        var revocation = await NodePeer.RunDwnJsonAsync(Ct, "revoke", alicePortable, grantRecord.Entry!["recordsWrite"]!.ToJsonString(), Convert.ToBase64String(grantRecord.Data!), Ts(TimeSpan.FromMinutes(7)));
        await BothAsync(alice, revocation["message"]!.AsObject(), Convert.FromBase64String(revocation["data_b64"]!.GetValue<string>()), 202);
        await BothAsync(alice, DwnRequests.CreateMessagesRead(Cid(plain), bob, DateTimeOffset.UtcNow, anyReadGrant), null, 401);
    }

    [Fact]
    public async Task Messages_subscribe_over_websocket_delivers_what_dwn_server_delivers()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        var portable = Portable(alice);
        var definition = new JsonObject
        {
            ["protocol"] = "http://messages-subscribe.example/protocol", ["published"] = true,
            ["types"] = new JsonObject { ["note"] = new JsonObject { ["dataFormats"] = new JsonArray("application/json") } },
            ["structure"] = new JsonObject { ["note"] = new JsonObject() },
        }.ToJsonString();
        var ws = new UriBuilder(Ours) { Scheme = "ws" }.Uri;
        var ours = await NodePeer.RunDwnJsonAsync(Ct, "messages-subscribe", portable, Ours.ToString(), ws.ToString(), definition);
        var theirs = await NodePeer.RunDwnJsonAsync(Ct, "messages-subscribe", portable, _reference!.Endpoint.ToString(), _reference.WebSocketEndpoint.ToString(), definition);
        foreach (var run in new[] { theirs, ours })
        {
            var expected = run["expected"]!;
            string Expected(string name) => expected[name]!.GetValue<string>();
            Assert.Equal("[202,202,202,202,202]", run["codes"]!.ToJsonString());
            Assert.Equal(200, run["subscribe"]!["code"]!.GetValue<int>());
            Assert.Equal(200, run["scoped"]!["code"]!.GetValue<int>());
            Assert.Equal([Expected("configure"), Expected("p1"), Expected("plain"), Expected("u1"), Expected("d1")], run["events"]!.AsArray().Select(e => e!["message_cid"]!.GetValue<string>()));
            Assert.Equal([Expected("configure"), Expected("p1"), Expected("u1"), Expected("d1")], run["scoped_events"]!.AsArray().Select(e => e!["message_cid"]!.GetValue<string>()));
        }

        // Each run signs its own messages (other CIDs); the kinds of events are the same.
        static string Kinds(JsonObject run, string name) => string.Join(",", run[name]!.AsArray().Select(e => e!["interface"]!.GetValue<string>() + e["method"]!.GetValue<string>()));
        Assert.Equal(Kinds(theirs, "events"), Kinds(ours, "events"));
        Assert.Equal(Kinds(theirs, "scoped_events"), Kinds(ours, "scoped_events"));
    }

    /// <summary>Sends one message to OPSource and to dwn-server; both must answer with the expected code, the same error code and the same results.</summary>
    private async Task ConfigureNoteProtocolsAsync(BearerDid tenant, DateTimeOffset at, params string[] uris)
    {
        foreach (var uri in uris)
        {
            await BothAsync(tenant, ProtocolsConfigure.Create(tenant, DwnNodeTests.NoteProtocol(uri), at), null, 202);
        }
    }

    private static string Portable(BearerDid did) => System.Text.Encoding.UTF8.GetString(did.ToPortableUtf8());

    private async Task<DwnReply> BothAsync(BearerDid tenant, JsonObject message, byte[]? data, int expected)
    {
        var ours = await DwnJsonRpc.SendAsync(_http, Ours, tenant.Uri, message, data, Ct);
        var theirs = await DwnJsonRpc.SendAsync(_http, _reference!.Endpoint, tenant.Uri, message, data, Ct);
        var kind = message["descriptor"]!["interface"]!.GetValue<string>() + message["descriptor"]!["method"]!.GetValue<string>();
        Assert.True(theirs.Code == expected, $"{kind}: dwn-server answered {theirs.Code} {theirs.Detail}, the test expects {expected}");
        Assert.True(ours.Code == theirs.Code, $"{kind}: OPSource answered {ours.Code} {ours.Detail}; dwn-server {theirs.Code} {theirs.Detail}");
        Assert.Equal(theirs.Detail.Split(':')[0], ours.Detail.Split(':')[0]);
        if (kind == "MessagesQuery")
        {
            // MessagesQuery entries are message CIDs in event-log order: the same list in the same order.
            Assert.Equal(theirs.Entries?.Select(e => e!.GetValue<string>()), ours.Entries?.Select(e => e!.GetValue<string>()));
        }
        else
        {
            Assert.Equal(theirs.Entries?.Select(e => e!["recordId"]?.ToJsonString() ?? DwnMessage.ComputeCid(e.AsObject())).Order(StringComparer.Ordinal), ours.Entries?.Select(e => e!["recordId"]?.ToJsonString() ?? DwnMessage.ComputeCid(e.AsObject())).Order(StringComparer.Ordinal));
        }

        if (kind == "MessagesRead" && theirs.Entry is not null)
        {
            Assert.True(JsonNode.DeepEquals(theirs.Entry, ours.Entry), $"MessagesRead entry differs: {ours.Entry?.ToJsonString()} vs dwn-server {theirs.Entry.ToJsonString()}");
        }

        Assert.Equal(theirs.Data, ours.Data);
        return ours;
    }
}
