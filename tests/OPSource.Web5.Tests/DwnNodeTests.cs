using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Npgsql;
using OPSource.Storage;
using OPSource.TestSupport;
using OPSource.Web5.Dids;
using OPSource.Web5.Dwn;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Tests;

/// <summary>A migrated web5 database for one test class: an SQLite file, or a fresh database on OPSOURCE_TEST_POSTGRES.</summary>
public sealed class Web5TestDatabase : IAsyncDisposable
{
    private readonly string? _dir;
    private readonly string? _admin;
    private readonly string? _name;

    private Web5TestDatabase(Database database, string? dir, string? admin, string? name, StorageOptions storage)
    {
        Database = database;
        _dir = dir;
        _admin = admin;
        _name = name;
        Storage = storage;
    }

    public Database Database { get; }

    /// <summary>The storage settings that open this database (PostgreSQL: for server instances sharing it).</summary>
    public StorageOptions Storage { get; }

    public static async Task<Web5TestDatabase> CreateAsync(string provider, CancellationToken cancellationToken)
    {
        Web5TestDatabase target;
        if (provider == "sqlite")
        {
            var dir = Directory.CreateTempSubdirectory("opsource-dwn-").FullName;
            var storage = new StorageOptions { Provider = "sqlite" };
            target = new Web5TestDatabase(Database.Create(storage, dir), dir, null, null, storage);
        }
        else
        {
            var admin = Environment.GetEnvironmentVariable("OPSOURCE_TEST_POSTGRES");
            if (string.IsNullOrWhiteSpace(admin))
            {
                const string message = "OPSOURCE_TEST_POSTGRES is not set: run scripts/test.sh, which starts a private PostgreSQL on 127.0.0.1";
                Assert.SkipWhen(!Vectors.IsCi, message);
                throw new InvalidOperationException(message + " (CI=true: PostgreSQL tests are mandatory)");
            }

            var name = "opsource_dwn_" + Guid.NewGuid().ToString("N")[..16];
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            var cs = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
            var storage = new StorageOptions { Provider = "postgres", ConnectionString = cs };
            target = new Web5TestDatabase(Database.Create(storage, Path.GetTempPath()), null, admin, name, storage);
        }

        await new Migrator(target.Database, [SettingsRepository.Migrations, DidStore.Migrations]).ApplyAsync(cancellationToken);
        return target;
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        if (_dir is not null)
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(_dir, recursive: true);
        }

        if (_admin is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_admin);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>
/// The DWN (message handling, storage, authorization) with dwn-sdk-js 0.5.2's status codes, on SQLite and PostgreSQL.
/// Each test uses fresh DIDs as tenants, so one database serves the class.
/// </summary>
public abstract class DwnNodeTests(string provider) : IAsyncLifetime
{
    private static readonly DidResolver Resolver = new([new DidKeyMethod(), new DidJwkMethod()]);
    private Web5TestDatabase? _db;
    private DwnNode? _node;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private DwnNode Node => _node!;

    public async ValueTask InitializeAsync()
    {
        _db = await Web5TestDatabase.CreateAsync(provider, Ct);
        _node = new DwnNode(new DwnMessageStore(_db.Database), Resolver);
    }

    public async ValueTask DisposeAsync()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    private static byte[] Json(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    private Task<DwnReply> Send(BearerDid tenant, JsonObject message, byte[]? data = null) =>
        Node.ProcessMessageAsync(tenant.Uri, message, data, Ct);

    /// <summary>An unpublished protocol with one type, <c>note</c> (JSON), and no $actions: only the tenant (or a grant) writes.</summary>
    internal static JsonObject NoteProtocol(string uri) => new()
    {
        ["protocol"] = uri, ["published"] = false,
        ["types"] = new JsonObject { ["note"] = new JsonObject { ["dataFormats"] = new JsonArray("application/json") } },
        ["structure"] = new JsonObject { ["note"] = new JsonObject() },
    };

    private async Task ConfigureNoteProtocolsAsync(BearerDid tenant, DateTimeOffset at, params string[] uris)
    {
        foreach (var uri in uris)
        {
            AssertStatus(202, await Send(tenant, ProtocolsConfigure.Create(tenant, NoteProtocol(uri), at)));
        }
    }

    private static void AssertStatus(int code, DwnReply reply, string? errorCode = null)
    {
        Assert.True(code == reply.Code, $"expected {code}, got {reply.Code} {reply.Detail}");
        if (errorCode is not null)
        {
            Assert.StartsWith(errorCode + ":", reply.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Tenant_write_query_read_round_trip_keeps_small_data_inline()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        var data = Json("{\"hello\":\"world\"}");
        var write = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "https://example.com/note" });
        AssertStatus(202, await Send(alice, write, data));

        var query = await Send(alice, DwnRequests.CreateRecordsQuery(new JsonObject { ["schema"] = "https://example.com/note" }, alice));
        AssertStatus(200, query);
        var entry = Assert.Single(query.Entries!)!.AsObject();
        Assert.Equal(write["recordId"]!.GetValue<string>(), entry["recordId"]!.GetValue<string>());
        Assert.Equal(B64Url.Encode(data), entry["encodedData"]!.GetValue<string>());
        Assert.Null(query.Cursor);

        var read = await Send(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = write["recordId"]!.GetValue<string>() }, alice));
        AssertStatus(200, read);
        Assert.Equal(data, read.Data);
        Assert.Null(read.Entry!["recordsWrite"]!["encodedData"]);
        Assert.Null(read.Entry["initialWrite"]);

        // The same message again is not newer than itself.
        AssertStatus(409, await Send(alice, write, data));
    }

    [Fact]
    public async Task Initial_write_without_data_is_kept_but_not_queryable()
    {
        using var alice = DidFactory.CreateKey("secp256k1");
        var data = Json("{\"n\":1}");
        var write = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "s" });
        AssertStatus(204, await Send(alice, write));
        var query = await Send(alice, DwnRequests.CreateRecordsQuery(new JsonObject { ["schema"] = "s" }, alice));
        Assert.Empty(query.Entries!);
        AssertStatus(404, await Send(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = write["recordId"]!.GetValue<string>() }, alice)));
    }

    [Fact]
    public async Task Data_that_does_not_match_the_descriptor_is_refused_and_nothing_is_stored()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        var data = Json("{\"n\":1}");
        var write = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "s" });
        AssertStatus(400, await Send(alice, write, Json("{\"n\":2}")), "RecordsWriteDataCidMismatch");

        var big = new byte[40_000];
        Random.Shared.NextBytes(big);
        var bigWrite = RecordsWrite.Create(alice, big, new RecordsWriteOptions { DataFormat = "application/octet-stream", Schema = "s" });
        AssertStatus(400, await Send(alice, bigWrite, big[..^1]), "RecordsWriteDataCidMismatch");

        var tampered = (JsonObject)write.DeepClone();
        tampered["descriptor"]!["dataSize"] = 99;
        AssertStatus(400, await Send(alice, tampered, data), "AuthenticateDescriptorCidMismatch");
        Assert.Empty((await Send(alice, DwnRequests.CreateRecordsQuery(new JsonObject { ["schema"] = "s" }, alice))).Entries!);
    }

    [Fact]
    public async Task Large_data_goes_to_the_blob_store_and_updates_replace_it()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        var big = new byte[DwnMessageStore.MaxEncodedDataSize + 1];
        Random.Shared.NextBytes(big);
        var write = RecordsWrite.Create(alice, big, new RecordsWriteOptions { DataFormat = "application/octet-stream", Schema = "blob" });
        var recordId = write["recordId"]!.GetValue<string>();
        AssertStatus(202, await Send(alice, write, big));
        var query = await Send(alice, DwnRequests.CreateRecordsQuery(new JsonObject { ["recordId"] = recordId }, alice));
        Assert.Null(Assert.Single(query.Entries!)!["encodedData"]);
        Assert.Equal(big, (await Send(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = recordId }, alice))).Data);
        Assert.NotNull(await Node.Store.GetDataAsync(alice.Uri, recordId, write["descriptor"]!["dataCid"]!.GetValue<string>(), Ct));

        var bigger = new byte[50_000];
        Random.Shared.NextBytes(bigger);
        var update = RecordsWrite.CreateUpdate(alice, write, bigger, timestamp: DateTimeOffset.UtcNow.AddSeconds(1));
        AssertStatus(202, await Send(alice, update, bigger));
        var read = await Send(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = recordId }, alice));
        Assert.Equal(bigger, read.Data);
        Assert.Equal(write["descriptor"]!.ToJsonString(), read.Entry!["initialWrite"]!["descriptor"]!.ToJsonString());

        // The replaced blob is gone; the new one is there.
        Assert.Null(await Node.Store.GetDataAsync(alice.Uri, recordId, write["descriptor"]!["dataCid"]!.GetValue<string>(), Ct));
        Assert.NotNull(await Node.Store.GetDataAsync(alice.Uri, recordId, update["descriptor"]!["dataCid"]!.GetValue<string>(), Ct));
    }

    [Fact]
    public async Task Newest_write_wins_and_immutable_properties_stay()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        var t0 = DateTimeOffset.UtcNow;
        var v1 = Json("{\"v\":1}");
        var write = RecordsWrite.Create(alice, v1, new RecordsWriteOptions { DataFormat = "application/json", Schema = "doc", Timestamp = t0 });
        AssertStatus(202, await Send(alice, write, v1));
        var v3 = Json("{\"v\":3}");
        var newer = RecordsWrite.CreateUpdate(alice, write, v3, timestamp: t0.AddSeconds(3));
        var v2 = Json("{\"v\":2}");
        var older = RecordsWrite.CreateUpdate(alice, write, v2, timestamp: t0.AddSeconds(2));
        AssertStatus(202, await Send(alice, newer, v3));
        AssertStatus(409, await Send(alice, older, v2));

        var query = await Send(alice, DwnRequests.CreateRecordsQuery(new JsonObject { ["schema"] = "doc" }, alice));
        var entry = Assert.Single(query.Entries!)!.AsObject();
        Assert.Equal(B64Url.Encode(v3), entry["encodedData"]!.GetValue<string>());
        Assert.Equal(write["descriptor"]!["dateCreated"]!.GetValue<string>(), entry["initialWrite"]!["descriptor"]!["dateCreated"]!.GetValue<string>());

        // An update without data keeps the newest data when it names the same data CID.
        var same = RecordsWrite.CreateUpdate(alice, newer, v3, published: true, timestamp: t0.AddSeconds(4));
        AssertStatus(202, await Send(alice, same));
        Assert.Equal(v3, (await Send(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = write["recordId"]!.GetValue<string>() }, null))).Data);

        // An update without data naming other data is refused; so is changing the schema.
        var other = RecordsWrite.CreateUpdate(alice, same, Json("{\"v\":5}"), timestamp: t0.AddSeconds(5));
        AssertStatus(400, await Send(alice, other), "RecordsWriteDataCidMismatch");
        var changed = (JsonObject)write.DeepClone();
        changed["descriptor"]!["schema"] = "http://other";
        var resigned = RecordsWrite.CreateUpdate(alice, changed, v1, timestamp: t0.AddSeconds(6));
        AssertStatus(400, await Send(alice, resigned, v1), "RecordsWriteImmutablePropertyChanged");
    }

    [Fact]
    public async Task Others_see_published_records_and_records_addressed_to_them_only()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        using var bob = DidFactory.CreateKey("Ed25519");
        using var carol = DidFactory.CreateKey("secp256k1");
        var data = Json("{}");
        var mine = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "post" });
        var published = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "post", Published = true });
        var toBob = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "post", Recipient = bob.Uri });
        foreach (var w in new[] { mine, published, toBob })
        {
            AssertStatus(202, await Send(alice, w, data));
        }

        // Bob may not write into Alice's DWN without a protocol.
        var intruder = RecordsWrite.Create(bob, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "post" });
        AssertStatus(401, await Send(alice, intruder, data), "RecordsWriteAuthorizationFailed");

        static HashSet<string> Ids(DwnReply r) => [.. r.Entries!.Select(e => e!["recordId"]!.GetValue<string>())];
        var filter = new JsonObject { ["schema"] = "post" };
        Assert.Equal(3, Ids(await Send(alice, DwnRequests.CreateRecordsQuery(filter, alice))).Count);
        Assert.Equal([published["recordId"]!.GetValue<string>()], Ids(await Send(alice, DwnRequests.CreateRecordsQuery(filter, null))));
        Assert.Equal([published["recordId"]!.GetValue<string>(), toBob["recordId"]!.GetValue<string>()], Ids(await Send(alice, DwnRequests.CreateRecordsQuery(filter, bob))).Order().ToHashSet());
        Assert.Equal([published["recordId"]!.GetValue<string>()], Ids(await Send(alice, DwnRequests.CreateRecordsQuery(filter, carol))));

        AssertStatus(200, await Send(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = toBob["recordId"]!.GetValue<string>() }, bob)));
        AssertStatus(401, await Send(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = toBob["recordId"]!.GetValue<string>() }, carol)), "RecordsReadAuthorizationFailed");
        AssertStatus(401, await Send(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = mine["recordId"]!.GetValue<string>() }, null)), "RecordsReadAuthorizationFailed");
        AssertStatus(400, await Send(alice, DwnRequests.CreateRecordsRead(filter, alice)), "RecordsReadReturnedMultiple");
    }

    [Fact]
    public async Task Delete_hides_the_record_and_refuses_later_writes()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        using var bob = DidFactory.CreateKey("Ed25519");
        var t0 = DateTimeOffset.UtcNow;
        var data = Json("{\"x\":1}");
        var write = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "d", Timestamp = t0 });
        var recordId = write["recordId"]!.GetValue<string>();
        AssertStatus(202, await Send(alice, write, data));
        AssertStatus(401, await Send(alice, DwnRequests.CreateRecordsDelete(recordId, bob, timestamp: t0.AddSeconds(1))), "RecordsDeleteAuthorizationFailed");
        AssertStatus(202, await Send(alice, DwnRequests.CreateRecordsDelete(recordId, alice, timestamp: t0.AddSeconds(1))));

        var read = await Send(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = recordId }, alice));
        AssertStatus(404, read);
        Assert.Equal("Delete", read.Entry!["recordsDelete"]!["descriptor"]!["method"]!.GetValue<string>());
        Assert.Equal(recordId, read.Entry["initialWrite"]!["recordId"]!.GetValue<string>());
        Assert.Empty((await Send(alice, DwnRequests.CreateRecordsQuery(new JsonObject { ["schema"] = "d" }, alice))).Entries!);

        AssertStatus(404, await Send(alice, DwnRequests.CreateRecordsDelete(recordId, alice, timestamp: t0.AddSeconds(2))));
        var after = RecordsWrite.CreateUpdate(alice, write, data, timestamp: t0.AddSeconds(3));
        AssertStatus(400, await Send(alice, after, data), "RecordsWriteNotAllowedAfterDelete");
        AssertStatus(404, await Send(alice, DwnRequests.CreateRecordsDelete("bafyreinotthere", alice)));
    }

    [Fact]
    public async Task Query_sorts_by_date_and_pages_with_a_cursor()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        var t0 = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var data = Json($"{{\"i\":{i}}}");
            var w = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "page", Timestamp = t0.AddMinutes(i), Published = i % 2 == 0, Tags = new JsonObject { ["i"] = i, ["kind"] = i < 3 ? "low" : "high" } });
            AssertStatus(202, await Send(alice, w, data));
            ids.Add(w["recordId"]!.GetValue<string>());
        }

        var filter = new JsonObject { ["schema"] = "page" };
        var seen = new List<string>();
        JsonObject? cursor = null;
        do
        {
            var page = await Send(alice, DwnRequests.CreateRecordsQuery(filter, alice, "createdDescending", 2, cursor));
            AssertStatus(200, page);
            seen.AddRange(page.Entries!.Select(e => e!["recordId"]!.GetValue<string>()));
            cursor = page.Cursor;
        }
        while (cursor is not null);
        Assert.Equal(Enumerable.Reverse(ids), seen);

        var published = await Send(alice, DwnRequests.CreateRecordsQuery(filter, alice, "publishedAscending"));
        Assert.Equal([ids[0], ids[2], ids[4]], published.Entries!.Select(e => e!["recordId"]!.GetValue<string>()));

        var ranged = await Send(alice, DwnRequests.CreateRecordsQuery(new JsonObject { ["schema"] = "page", ["dateCreated"] = new JsonObject { ["from"] = DwnMessage.Timestamp(t0.AddMinutes(1)), ["to"] = DwnMessage.Timestamp(t0.AddMinutes(3)) } }, alice));
        Assert.Equal([ids[1], ids[2]], ranged.Entries!.Select(e => e!["recordId"]!.GetValue<string>()));

        var tagged = await Send(alice, DwnRequests.CreateRecordsQuery(new JsonObject { ["tags"] = new JsonObject { ["kind"] = "high", ["i"] = new JsonObject { ["gte"] = 4 } } }, alice));
        Assert.Equal([ids[4]], tagged.Entries!.Select(e => e!["recordId"]!.GetValue<string>()));
        var prefix = await Send(alice, DwnRequests.CreateRecordsQuery(new JsonObject { ["tags"] = new JsonObject { ["kind"] = new JsonObject { ["startsWith"] = "lo" } } }, alice));
        Assert.Equal(3, prefix.Entries!.Count);

        var invalid = DwnRequests.CreateRecordsQuery(new JsonObject { ["schema"] = "page", ["published"] = false }, alice);
        invalid["descriptor"]!["dateSort"] = "publishedAscending";
        AssertStatus(400, await Send(alice, invalid));
    }

    [Fact]
    public async Task Protocols_are_configured_by_the_tenant_and_queried_by_anyone_when_published()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        using var bob = DidFactory.CreateKey("Ed25519");
        var t0 = DateTimeOffset.UtcNow;
        var chat = Web5Json.ParseObject(Vectors.ReadText("web5", "dwn-sdk-js", "protocol-definitions", "chat.json"), "chat");
        var secret = Web5Json.ParseObject(Vectors.ReadText("web5", "dwn-sdk-js", "protocol-definitions", "private-protocol.json"), "private");
        AssertStatus(401, await Send(alice, ProtocolsConfigure.Create(bob, chat, t0)), "ProtocolsConfigureAuthorizationFailed");
        AssertStatus(202, await Send(alice, ProtocolsConfigure.Create(alice, chat, t0.AddSeconds(1))));
        AssertStatus(409, await Send(alice, ProtocolsConfigure.Create(alice, chat, t0)));
        AssertStatus(202, await Send(alice, ProtocolsConfigure.Create(alice, secret, t0.AddSeconds(1))));
        AssertStatus(202, await Send(alice, ProtocolsConfigure.Create(alice, chat, t0.AddSeconds(2))));

        Assert.Equal(2, (await Send(alice, DwnRequests.CreateProtocolsQuery(null, alice))).Entries!.Count);
        var anonymous = await Send(alice, DwnRequests.CreateProtocolsQuery(null, null));
        var only = Assert.Single(anonymous.Entries!)!;
        Assert.Equal("http://chat-protocol.xyz", only["descriptor"]!["definition"]!["protocol"]!.GetValue<string>());
        Assert.Equal(DwnMessage.Timestamp(t0.AddSeconds(2)), only["descriptor"]!["messageTimestamp"]!.GetValue<string>());
        Assert.Single((await Send(alice, DwnRequests.CreateProtocolsQuery(null, bob))).Entries!);
        Assert.Single((await Send(alice, DwnRequests.CreateProtocolsQuery(secret["protocol"]!.GetValue<string>(), alice))).Entries!);
    }

    [Fact]
    public async Task Protocol_rules_decide_who_may_write_and_read()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        using var bob = DidFactory.CreateKey("Ed25519");
        using var carol = DidFactory.CreateKey("Ed25519");
        var chat = Web5Json.ParseObject(Vectors.ReadText("web5", "dwn-sdk-js", "protocol-definitions", "chat.json"), "chat");
        var data = Json("{\"text\":\"hi\"}");
        var thread = RecordsWrite.Create(bob, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = "http://chat-protocol.xyz", ProtocolPath = "thread", Schema = "thread", Recipient = carol.Uri });
        AssertStatus(400, await Send(alice, thread, data), "ProtocolAuthorizationProtocolNotFound");
        AssertStatus(202, await Send(alice, ProtocolsConfigure.Create(alice, chat)));

        // Anyone may create a thread; its author and recipient may read it, others may not.
        AssertStatus(202, await Send(alice, thread, data));
        var threadId = thread["recordId"]!.GetValue<string>();
        AssertStatus(200, await Send(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = threadId }, bob)));
        AssertStatus(200, await Send(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = threadId }, carol)));
        using var dave = DidFactory.CreateKey("Ed25519");
        AssertStatus(401, await Send(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = threadId }, dave)), "ProtocolAuthorizationActionNotAllowed");

        // Messages go below the thread; a wrong path, type, format or contextId is refused.
        var message = RecordsWrite.Create(carol, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = "http://chat-protocol.xyz", ProtocolPath = "thread/message", Schema = "message", ParentContextId = thread["contextId"]!.GetValue<string>() });
        AssertStatus(202, await Send(alice, message, data));
        var badPath = RecordsWrite.Create(carol, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = "http://chat-protocol.xyz", ProtocolPath = "thread/message", Schema = "message" });
        AssertStatus(400, await Send(alice, badPath, data), "ProtocolAuthorizationParentlessIncorrectProtocolPath");
        var noRules = RecordsWrite.Create(carol, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = "http://chat-protocol.xyz", ProtocolPath = "message", Schema = "message" });
        AssertStatus(400, await Send(alice, noRules, data), "ProtocolAuthorizationMissingRuleSet");
        var badSchema = RecordsWrite.Create(carol, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = "http://chat-protocol.xyz", ProtocolPath = "thread", Schema = "message" });
        AssertStatus(400, await Send(alice, badSchema, data), "ProtocolAuthorizationInvalidSchema");
        var badFormat = RecordsWrite.Create(carol, Json("x"), new RecordsWriteOptions { DataFormat = "text/plain", Protocol = "http://chat-protocol.xyz", ProtocolPath = "thread", Schema = "thread" });
        AssertStatus(400, await Send(alice, badFormat, Json("x")), "ProtocolAuthorizationIncorrectDataFormat");
        var badType = RecordsWrite.Create(carol, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = "http://chat-protocol.xyz", ProtocolPath = "reply", Schema = "message" });
        AssertStatus(400, await Send(alice, badType, data), "ProtocolAuthorizationInvalidType");

        // Bob (not the message author nor recipient) may not update Carol's message (no co-update rule); Carol may.
        var bobUpdate = RecordsWrite.CreateUpdate(bob, message, data, timestamp: DateTimeOffset.UtcNow.AddSeconds(5));
        AssertStatus(401, await Send(alice, bobUpdate, data), "ProtocolAuthorizationActionNotAllowed");
        var carolUpdate = RecordsWrite.CreateUpdate(carol, message, Json("{\"text\":\"edited\"}"), timestamp: DateTimeOffset.UtcNow.AddSeconds(5));
        AssertStatus(202, await Send(alice, carolUpdate, Json("{\"text\":\"edited\"}")));

        // Non-owners may not delete without a delete rule; the owner may.
        AssertStatus(401, await Send(alice, DwnRequests.CreateRecordsDelete(message["recordId"]!.GetValue<string>(), carol, timestamp: DateTimeOffset.UtcNow.AddSeconds(6))), "ProtocolAuthorizationActionNotAllowed");
        AssertStatus(202, await Send(alice, DwnRequests.CreateRecordsDelete(threadId, alice, prune: true, timestamp: DateTimeOffset.UtcNow.AddSeconds(6))));
        AssertStatus(404, await Send(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = message["recordId"]!.GetValue<string>() }, alice)));
    }

    [Fact]
    public async Task Role_records_authorize_their_recipients()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        using var bob = DidFactory.CreateKey("Ed25519");
        using var carol = DidFactory.CreateKey("Ed25519");
        const string protocol = "http://thread-role.xyz";
        var definition = Web5Json.ParseObject(Vectors.ReadText("web5", "dwn-sdk-js", "protocol-definitions", "thread-role.json"), "thread-role");
        AssertStatus(202, await Send(alice, ProtocolsConfigure.Create(alice, definition)));
        var data = Json("{}");
        var thread = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = protocol, ProtocolPath = "thread" });
        AssertStatus(202, await Send(alice, thread, data));
        var threadContext = thread["contextId"]!.GetValue<string>();
        var participant = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = protocol, ProtocolPath = "thread/participant", ParentContextId = threadContext, Recipient = bob.Uri });
        AssertStatus(202, await Send(alice, participant, data));
        var duplicate = RecordsWrite.Create(alice, Json("{\"again\":1}"), new RecordsWriteOptions { DataFormat = "application/json", Protocol = protocol, ProtocolPath = "thread/participant", ParentContextId = threadContext, Recipient = bob.Uri });
        AssertStatus(400, await Send(alice, duplicate, Json("{\"again\":1}")), "ProtocolAuthorizationDuplicateRoleRecipient");
        var noRecipient = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = protocol, ProtocolPath = "globalAdmin" });
        AssertStatus(400, await Send(alice, noRecipient, data), "ProtocolAuthorizationRoleMissingRecipient");

        // Bob invokes his participant role to post a chat; Carol holds no role.
        var bobChat = RecordsWrite.Create(bob, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = protocol, ProtocolPath = "thread/chat", ParentContextId = threadContext, ProtocolRole = "thread/participant" });
        AssertStatus(202, await Send(alice, bobChat, data));
        var carolChat = RecordsWrite.Create(carol, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = protocol, ProtocolPath = "thread/chat", ParentContextId = threadContext, ProtocolRole = "thread/participant" });
        AssertStatus(401, await Send(alice, carolChat, data), "ProtocolAuthorizationMatchingRoleRecordNotFound");
        var carolNoRole = RecordsWrite.Create(carol, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = protocol, ProtocolPath = "thread/chat", ParentContextId = threadContext });
        AssertStatus(401, await Send(alice, carolNoRole, data), "ProtocolAuthorizationActionNotAllowed");

        // Role-authorized queries see the unpublished chats of the context.
        var roleQuery = DwnRequests.CreateRecordsQuery(new JsonObject { ["protocol"] = protocol, ["protocolPath"] = "thread/chat", ["contextId"] = threadContext }, bob, protocolRole: "thread/participant");
        var chats = await Send(alice, roleQuery);
        AssertStatus(200, chats);
        Assert.Single(chats.Entries!);
        var carolQuery = DwnRequests.CreateRecordsQuery(new JsonObject { ["protocol"] = protocol, ["protocolPath"] = "thread/chat", ["contextId"] = threadContext }, carol, protocolRole: "thread/participant");
        AssertStatus(401, await Send(alice, carolQuery), "ProtocolAuthorizationMatchingRoleRecordNotFound");
    }

    [Fact]
    public async Task Permission_grants_authorize_in_scope_until_expired_or_revoked()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        using var bob = DidFactory.CreateKey("secp256k1");
        using var carol = DidFactory.CreateKey("Ed25519");
        const string notes = "http://notes.example/protocol";
        const string other = "http://other.example/protocol";
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-10);
        await ConfigureNoteProtocolsAsync(alice, t0, notes, other);

        var data = Json("{\"text\":\"by grant\"}");
        JsonObject Note(BearerDid author, string protocol, string? grantId, DateTimeOffset at, bool? published = null) =>
            RecordsWrite.Create(author, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = protocol, ProtocolPath = "note", PermissionGrantId = grantId, Timestamp = at, Published = published });
        Task<DwnReply> SendNote(JsonObject note) => Send(alice, note, data);

        // Without a grant Bob may not write; with Alice's Records/Write grant for the notes protocol he may.
        AssertStatus(401, await SendNote(Note(bob, notes, null, t0.AddMinutes(1))), "ProtocolAuthorizationActionRulesNotFound");
        var (grantMessage, grantData) = DwnPermissions.CreateGrant(alice, bob.Uri, t0.AddMinutes(5), new PermissionScope("Records", "Write", notes), publication: "Prohibited", dateGranted: t0.AddSeconds(30));
        AssertStatus(202, await Send(alice, grantMessage, grantData));
        var grant = PermissionGrant.Parse(grantMessage, grantData);
        Assert.Equal((alice.Uri, bob.Uri), (grant.Grantor, grant.Grantee));
        AssertStatus(202, await SendNote(Note(bob, notes, grant.Id, t0.AddMinutes(1))));

        // Out of scope: another protocol, a published record against the condition, before the grant, after its expiry,
        // another author, another method.
        AssertStatus(401, await SendNote(Note(bob, other, grant.Id, t0.AddMinutes(1))), "RecordsGrantAuthorizationScopeProtocolMismatch");
        AssertStatus(401, await SendNote(Note(bob, notes, grant.Id, t0.AddMinutes(1), published: true)), "RecordsGrantAuthorizationConditionPublicationProhibited");
        AssertStatus(401, await SendNote(Note(bob, notes, grant.Id, t0.AddSeconds(10))), "GrantAuthorizationGrantNotYetActive");
        AssertStatus(401, await SendNote(Note(bob, notes, grant.Id, t0.AddMinutes(6))), "GrantAuthorizationGrantExpired");
        AssertStatus(401, await SendNote(Note(carol, notes, grant.Id, t0.AddMinutes(1))), "GrantAuthorizationNotGrantedToAuthor");
        var aliceNote = Note(alice, notes, null, t0.AddMinutes(1));
        AssertStatus(202, await Send(alice, aliceNote, data));
        var readFilter = new JsonObject { ["recordId"] = aliceNote["recordId"]!.GetValue<string>() };
        AssertStatus(401, await Send(alice, DwnRequests.CreateRecordsRead(readFilter, bob, timestamp: t0.AddMinutes(2), permissionGrantId: grant.Id)), "GrantAuthorizationMethodMismatch");
        AssertStatus(401, await SendNote(Note(bob, notes, "bafyreigrantthatdoesnotexist", t0.AddMinutes(1))), "GrantAuthorizationGrantMissing");

        // A read grant lets Bob read Alice's note; Bob may read his grant (recipient of it), Carol may not.
        var (readGrant, readGrantData) = DwnPermissions.CreateGrant(alice, bob.Uri, t0.AddMinutes(5), new PermissionScope("Records", "Read", notes), dateGranted: t0.AddSeconds(30));
        AssertStatus(202, await Send(alice, readGrant, readGrantData));
        var read = await Send(alice, DwnRequests.CreateRecordsRead(readFilter, bob, timestamp: t0.AddMinutes(2), permissionGrantId: readGrant["recordId"]!.GetValue<string>()));
        AssertStatus(200, read);
        Assert.Equal(data, read.Data);
        AssertStatus(200, await Send(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = grant.Id }, bob)));
        AssertStatus(401, await Send(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = grant.Id }, carol)), "ProtocolAuthorizationActionNotAllowed");

        // A revocation ends the grant from its timestamp on; earlier messages stay authorized.
        var (revocation, revocationData) = DwnPermissions.CreateRevocation(alice, grant, dateRevoked: t0.AddMinutes(3));
        AssertStatus(202, await Send(alice, revocation, revocationData));
        AssertStatus(401, await SendNote(Note(bob, notes, grant.Id, t0.AddMinutes(4))), "GrantAuthorizationGrantRevoked");
        AssertStatus(202, await SendNote(Note(bob, notes, grant.Id, t0.AddMinutes(2))));

        // Only the tenant writes grants; a grant without the protocol tag, or with unknown members, is refused.
        var (byBob, byBobData) = DwnPermissions.CreateGrant(bob, carol.Uri, t0.AddMinutes(5), new PermissionScope("Records", "Write", notes));
        AssertStatus(401, await Send(alice, byBob, byBobData), "ProtocolAuthorizationActionNotAllowed");
        var untagged = Json("{\"dateExpires\":\"2099-01-01T00:00:00.000000Z\",\"scope\":{\"interface\":\"Records\",\"method\":\"Write\",\"protocol\":\"http://notes.example/protocol\"}}");
        var untaggedGrant = RecordsWrite.Create(alice, untagged, new RecordsWriteOptions { DataFormat = "application/json", Protocol = DwnPermissions.Uri, ProtocolPath = "grant", Recipient = bob.Uri });
        AssertStatus(400, await Send(alice, untaggedGrant, untagged), "PermissionsProtocolValidateScopeMissingProtocolTag");
        var extra = Json("{\"dateExpires\":\"2099-01-01T00:00:00.000000Z\",\"scope\":{\"interface\":\"Protocols\",\"method\":\"Query\"},\"admin\":true}");
        var extraGrant = RecordsWrite.Create(alice, extra, new RecordsWriteOptions { DataFormat = "application/json", Protocol = DwnPermissions.Uri, ProtocolPath = "grant", Recipient = bob.Uri });
        AssertStatus(400, await Send(alice, extraGrant, extra), "SchemaValidatorAdditionalPropertyNotAllowed");

        // Protocols: a Configure grant for one protocol; a Query grant shows the unpublished protocols.
        var (configureGrant, configureGrantData) = DwnPermissions.CreateGrant(alice, bob.Uri, t0.AddMinutes(5), new PermissionScope("Protocols", "Configure", "http://bob.example/protocol"), dateGranted: t0.AddSeconds(30));
        AssertStatus(202, await Send(alice, configureGrant, configureGrantData));
        var bobsDefinition = new JsonObject
        {
            ["protocol"] = "http://bob.example/protocol", ["published"] = false,
            ["types"] = new JsonObject { ["x"] = new JsonObject() },
            ["structure"] = new JsonObject { ["x"] = new JsonObject() },
        };
        var configureGrantId = configureGrant["recordId"]!.GetValue<string>();
        AssertStatus(202, await Send(alice, ProtocolsConfigure.Create(bob, bobsDefinition, t0.AddMinutes(1), configureGrantId)));
        bobsDefinition["protocol"] = "http://elsewhere.example/protocol";
        AssertStatus(401, await Send(alice, ProtocolsConfigure.Create(bob, bobsDefinition, t0.AddMinutes(1), configureGrantId)), "ProtocolsGrantAuthorizationScopeProtocolMismatch");
        AssertEmpty(await Send(alice, DwnRequests.CreateProtocolsQuery(null, bob, t0.AddMinutes(2))));
        var (queryGrant, queryGrantData) = DwnPermissions.CreateGrant(alice, bob.Uri, t0.AddMinutes(5), new PermissionScope("Protocols", "Query"), dateGranted: t0.AddSeconds(30));
        AssertStatus(202, await Send(alice, queryGrant, queryGrantData));
        var all = await Send(alice, DwnRequests.CreateProtocolsQuery(null, bob, t0.AddMinutes(2), queryGrant["recordId"]!.GetValue<string>()));
        AssertStatus(200, all);
        Assert.Equal(3, all.Entries!.Count);

        static void AssertEmpty(DwnReply reply)
        {
            AssertStatus(200, reply);
            Assert.Empty(reply.Entries!);
        }
    }

    [Fact]
    public async Task Delegated_grants_let_the_grantee_sign_for_the_grantor_within_the_grant()
    {
        // Alice (the tenant) delegates to Bob; Carol is a stranger. The grants travel inside the messages.
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-10);
        using var alice = DidFactory.CreateKey("Ed25519");
        using var bob = DidFactory.CreateKey("secp256k1");
        using var carol = DidFactory.CreateKey("Ed25519");
        const string notes = "http://delegated.example/protocol";
        const string other = "http://delegated-other.example/protocol";
        await ConfigureNoteProtocolsAsync(alice, t0, notes, other);

        var data = Json("{\"text\":\"delegated\"}");
        JsonObject Grant(string method, bool delegated = true, string protocol = notes, int minutes = 60, BearerDid? grantor = null, BearerDid? grantee = null)
        {
            var (message, bytes) = DwnPermissions.CreateGrant(grantor ?? alice, (grantee ?? bob).Uri, t0.AddMinutes(minutes), new PermissionScope("Records", method, protocol), delegated: delegated, dateGranted: t0.AddSeconds(30));
            return DwnDelegatedGrants.Embed(message, bytes);
        }

        JsonObject Note(BearerDid signer, JsonObject? grant, string protocol, DateTimeOffset at) =>
            RecordsWrite.Create(signer, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = protocol, ProtocolPath = "note", Timestamp = at, DelegatedGrant = grant });

        // Bob writes for Alice: the author (entry ID, record ID, the author index) is Alice; Bob is only the signer.
        var write = Grant("Write");
        var note = Note(bob, write, notes, t0.AddMinutes(1));
        AssertStatus(401, await Send(alice, Note(bob, null, notes, t0.AddMinutes(1)), data), "ProtocolAuthorizationActionRulesNotFound");
        AssertStatus(202, await Send(alice, note, data));
        var parsed = await RecordsWrite.ParseAsync(note, Resolver, Ct);
        Assert.Equal((alice.Uri, bob.Uri, true), (parsed.Author, parsed.Signer, parsed.IsInitialWrite));
        var mine = await Send(alice, DwnRequests.CreateRecordsQuery(new JsonObject { ["author"] = alice.Uri, ["protocol"] = notes }, alice));
        Assert.Equal(note["recordId"]!.GetValue<string>(), Assert.Single(mine.Entries!)!["recordId"]!.GetValue<string>());

        // Refusals with dwn-sdk-js's statuses: the parse step (400) for a grant not to the signer, not delegated, or not
        // the one signed; authentication (401) for a grant whose content its grantor did not sign; authorization (401)
        // out of scope, before the grant, expired, revoked.
        AssertStatus(400, await Send(alice, Note(carol, write, notes, t0.AddMinutes(1)), data), "RecordsAuthorDelegatedGrantGrantedToAndOwnerSignatureMismatch");
        AssertStatus(400, await Send(alice, Note(bob, Grant("Write", delegated: false), notes, t0.AddMinutes(1)), data), "RecordsAuthorDelegatedGrantNotADelegatedGrant");
        var swapped = Note(bob, write, notes, t0.AddMinutes(1).AddSeconds(1));
        swapped["authorization"]!["authorDelegatedGrant"] = Grant("Write", minutes: 61);
        AssertStatus(400, await Send(alice, swapped, data), "RecordsAuthorDelegatedGrantCidMismatch");
        var unannounced = Note(bob, null, notes, t0.AddMinutes(1).AddSeconds(2));
        unannounced["authorization"]!["authorDelegatedGrant"] = write.DeepClone();
        AssertStatus(400, await Send(alice, unannounced, data), "RecordsAuthorDelegatedGrantAndIdExistenceMismatch");
        var notAGrant = (JsonObject)write.DeepClone();
        notAGrant["descriptor"]!["protocolPath"] = "request";
        AssertStatus(400, await Send(alice, Note(bob, notAGrant, notes, t0.AddMinutes(1).AddSeconds(3)), data), "RecordsAuthorDelegatedGrantNotADelegatedGrant");
        var backdated = (JsonObject)write.DeepClone();
        backdated["descriptor"]!["dateCreated"] = DwnMessage.Timestamp(t0);
        AssertStatus(401, await Send(alice, Note(bob, backdated, notes, t0.AddSeconds(5)), data), "AuthenticateDescriptorCidMismatch");
        var widened = (JsonObject)Grant("Write", minutes: 5).DeepClone();
        var widenedData = Web5Json.ParseObject(B64Url.Decode(widened["encodedData"]!.GetValue<string>(), "grant"), "grant");
        widenedData["dateExpires"] = "2099-01-01T00:00:00.000000Z";
        widened["encodedData"] = B64Url.Encode(Web5Json.SerializeUtf8(widenedData));
        AssertStatus(401, await Send(alice, Note(bob, widened, notes, t0.AddMinutes(6)), data), "GeneralJwsVerifierInvalidSignature");
        var forged = Grant("Write", grantor: carol);                                   // "Alice's" grant signed by Carol: the author is Carol
        AssertStatus(401, await Send(alice, Note(bob, forged, notes, t0.AddMinutes(1).AddSeconds(4)), data), "ProtocolAuthorizationActionRulesNotFound");
        AssertStatus(401, await Send(alice, Note(bob, write, other, t0.AddMinutes(1)), data), "RecordsGrantAuthorizationScopeProtocolMismatch");
        AssertStatus(401, await Send(alice, Note(bob, write, notes, t0.AddSeconds(10)), data), "GrantAuthorizationGrantNotYetActive");
        AssertStatus(401, await Send(alice, Note(bob, write, notes, t0.AddMinutes(61)), data), "GrantAuthorizationGrantExpired");

        // Read, query, subscribe and delete under their own delegated grants; each method needs its own grant.
        var aliceOther = Note(alice, null, other, t0.AddMinutes(1));
        AssertStatus(202, await Send(alice, aliceOther, data));
        var byId = new JsonObject { ["recordId"] = note["recordId"]!.DeepClone() };
        var read = await Send(alice, DwnRequests.CreateRecordsRead(byId, bob, delegatedGrant: Grant("Read")));
        AssertStatus(200, read);
        Assert.Equal(data, read.Data);
        AssertStatus(401, await Send(alice, DwnRequests.CreateRecordsRead(byId, bob, delegatedGrant: write)), "GrantAuthorizationMethodMismatch");
        AssertStatus(401, await Send(alice, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = aliceOther["recordId"]!.DeepClone() }, bob, delegatedGrant: Grant("Read"))), "RecordsGrantAuthorizationScopeProtocolMismatch");
        var query = Grant("Query");
        Assert.Single((await Send(alice, DwnRequests.CreateRecordsQuery(new JsonObject { ["protocol"] = notes }, bob, delegatedGrant: query))).Entries!);
        AssertStatus(401, await Send(alice, DwnRequests.CreateRecordsQuery(new JsonObject { ["protocol"] = other }, bob, delegatedGrant: query)), "RecordsGrantAuthorizationQueryOrSubscribeProtocolScopeMismatch");
        var events = new List<JsonObject>();
        var (subscribed, subscription) = await Node.SubscribeAsync(alice.Uri, DwnRequests.CreateRecordsSubscribe(new JsonObject { ["protocol"] = notes }, bob, delegatedGrant: Grant("Subscribe")), e => { lock (events) { events.Add(e); } }, Ct);
        AssertStatus(200, subscribed);
        var (refusedSubscription, none) = await Node.SubscribeAsync(alice.Uri, DwnRequests.CreateRecordsSubscribe(new JsonObject { ["protocol"] = other }, bob, delegatedGrant: Grant("Subscribe")), _ => { }, Ct);
        AssertStatus(401, refusedSubscription, "RecordsGrantAuthorizationQueryOrSubscribeProtocolScopeMismatch");
        Assert.Null(none);
        var delete = Grant("Delete");
        AssertStatus(401, await Send(alice, DwnRequests.CreateRecordsDelete(aliceOther["recordId"]!.GetValue<string>(), bob, delegatedGrant: delete)), "RecordsGrantAuthorizationDeleteProtocolScopeMismatch");
        AssertStatus(202, await Send(alice, DwnRequests.CreateRecordsDelete(note["recordId"]!.GetValue<string>(), bob, delegatedGrant: delete)));
        using (subscription)
        {
            Assert.Equal("Delete", Assert.Single(events)["message"]!["descriptor"]!["method"]!.GetValue<string>());
        }

        // ProtocolsConfigure under a delegated Protocols/Configure grant; ProtocolsQuery and Messages take none.
        var (configureGrant, configureData) = DwnPermissions.CreateGrant(alice, bob.Uri, t0.AddMinutes(60), new PermissionScope("Protocols", "Configure", "http://bobs.example/protocol"), delegated: true, dateGranted: t0.AddSeconds(30));
        var definitionByBob = new JsonObject
        {
            ["protocol"] = "http://bobs.example/protocol", ["published"] = true,
            ["types"] = new JsonObject { ["x"] = new JsonObject() },
            ["structure"] = new JsonObject { ["x"] = new JsonObject() },
        };
        AssertStatus(202, await Send(alice, ProtocolsConfigure.Create(bob, definitionByBob, t0.AddMinutes(1), delegatedGrant: DwnDelegatedGrants.Embed(configureGrant, configureData))));
        definitionByBob["protocol"] = "http://not-bobs.example/protocol";
        AssertStatus(401, await Send(alice, ProtocolsConfigure.Create(bob, definitionByBob, t0.AddMinutes(1), delegatedGrant: DwnDelegatedGrants.Embed(configureGrant, configureData))), "ProtocolsGrantAuthorizationScopeProtocolMismatch");
        foreach (var request in new[] { DwnRequests.CreateProtocolsQuery(null, bob), DwnRequests.CreateMessagesQuery([], bob) })
        {
            request["authorization"]!["authorDelegatedGrant"] = query.DeepClone();
            AssertStatus(400, await Send(alice, request), "SchemaValidatorAdditionalPropertyNotAllowed");
        }

        // A revocation stored in Alice's DWN (with the grant it revokes) ends the delegated grant from its timestamp on.
        var stored = (JsonObject)write.DeepClone();
        var storedData = B64Url.Decode(stored["encodedData"]!.GetValue<string>(), "grant");
        stored.Remove("encodedData");
        AssertStatus(202, await Send(alice, stored, storedData));
        var (revocation, revocationData) = DwnPermissions.CreateRevocation(alice, PermissionGrant.Parse(stored, storedData), dateRevoked: t0.AddMinutes(3));
        AssertStatus(202, await Send(alice, revocation, revocationData));
        AssertStatus(401, await Send(alice, Note(bob, write, notes, t0.AddMinutes(4)), data), "GrantAuthorizationGrantRevoked");
        AssertStatus(202, await Send(alice, Note(bob, write, notes, t0.AddMinutes(2)), data));
    }

    [Fact]
    public async Task Event_log_follows_the_message_store_and_messages_requests_are_checked()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        using var bob = DidFactory.CreateKey("Ed25519");
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-5);
        var data = Json("{\"x\":1}");
        var definition = new JsonObject
        {
            ["protocol"] = "http://event-log.example/protocol", ["published"] = true,
            ["types"] = new JsonObject { ["a"] = new JsonObject(), ["b"] = new JsonObject() },
            ["structure"] = new JsonObject { ["a"] = new JsonObject { ["b"] = new JsonObject() } },
        };
        var configure = ProtocolsConfigure.Create(alice, definition, t0);
        AssertStatus(202, await Send(alice, configure));
        var parent = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = "http://event-log.example/protocol", ProtocolPath = "a", Timestamp = t0.AddSeconds(1) });
        AssertStatus(202, await Send(alice, parent, data));
        var child = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Protocol = "http://event-log.example/protocol", ProtocolPath = "a/b", ParentContextId = parent["contextId"]!.GetValue<string>(), Timestamp = t0.AddSeconds(2) });
        AssertStatus(202, await Send(alice, child, data));
        var plain = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "s", Timestamp = t0.AddSeconds(3) });
        var update1 = RecordsWrite.CreateUpdate(alice, plain, Json("{\"x\":2}"), timestamp: t0.AddSeconds(4));
        var update2 = RecordsWrite.CreateUpdate(alice, plain, Json("{\"x\":3}"), timestamp: t0.AddSeconds(5));
        AssertStatus(202, await Send(alice, plain, data));
        AssertStatus(202, await Send(alice, update1, Json("{\"x\":2}")));
        AssertStatus(202, await Send(alice, update2, Json("{\"x\":3}")));

        async Task<List<string>> LogAsync(JsonObject? cursor = null)
        {
            var reply = await Send(alice, DwnRequests.CreateMessagesQuery([], alice, cursor: cursor));
            AssertStatus(200, reply);
            return [.. reply.Entries!.Select(e => e!.GetValue<string>())];
        }

        string Cid(JsonObject m) => DwnMessage.ComputeCid(m);

        // An update replaces the previous update's event; the initial write keeps its own.
        Assert.Equal([Cid(configure), Cid(parent), Cid(child), Cid(plain), Cid(update2)], await LogAsync());

        // A pruning delete removes its descendants' events; a newer configure replaces the older one's.
        var prune = DwnRequests.CreateRecordsDelete(parent["recordId"]!.GetValue<string>(), alice, prune: true, timestamp: t0.AddSeconds(6));
        AssertStatus(202, await Send(alice, prune));
        var reconfigure = ProtocolsConfigure.Create(alice, definition, t0.AddSeconds(7));
        AssertStatus(202, await Send(alice, reconfigure));
        var log = await Send(alice, DwnRequests.CreateMessagesQuery([], alice));
        Assert.Equal([Cid(parent), Cid(plain), Cid(update2), Cid(prune), Cid(reconfigure)], log.Entries!.Select(e => e!.GetValue<string>()));
        Assert.Equal(Cid(reconfigure), log.Cursor!.GetString("messageCid"));
        Assert.Empty(await LogAsync(log.Cursor));

        // Filters: deletes only; the protocol (its records and configure).
        var deletes = await Send(alice, DwnRequests.CreateMessagesQuery([new JsonObject { ["method"] = "Delete" }], alice));
        Assert.Equal([Cid(prune)], deletes.Entries!.Select(e => e!.GetValue<string>()));
        var protocol = await Send(alice, DwnRequests.CreateMessagesQuery([new JsonObject { ["protocol"] = "http://event-log.example/protocol" }], alice));
        Assert.Equal([Cid(parent), Cid(prune), Cid(reconfigure)], protocol.Entries!.Select(e => e!.GetValue<string>()));

        // MessagesRead: any stored message (the pruned child is gone), with a write's data.
        var read = await Send(alice, DwnRequests.CreateMessagesRead(Cid(update2), alice));
        AssertStatus(200, read);
        Assert.Equal(Json("{\"x\":3}"), read.Data);
        Assert.Equal(Cid(update2), read.Entry!.GetString("messageCid"));
        AssertStatus(404, await Send(alice, DwnRequests.CreateMessagesRead(Cid(child), alice)));

        // Refusals: not signed, a bad filter or CID, someone else without a grant.
        var unsigned = DwnRequests.CreateMessagesQuery([], alice);
        unsigned.Remove("authorization");
        AssertStatus(400, await Send(alice, unsigned), "SchemaValidatorFailure");
        var badFilter = DwnRequests.CreateMessagesQuery([], alice);
        badFilter["descriptor"]!["filters"] = new JsonArray(new JsonObject { ["schema"] = "s" });
        AssertStatus(400, await Send(alice, badFilter), "SchemaValidatorFailure");
        var badCid = DwnRequests.CreateMessagesRead(Cid(plain), alice);
        badCid["descriptor"]!["messageCid"] = "not-a-cid";
        AssertStatus(400, await Send(alice, badCid), "MessagesReadInvalidCid");
        AssertStatus(401, await Send(alice, DwnRequests.CreateMessagesQuery([], bob)), "MessagesQueryAuthorizationFailed");
        AssertStatus(401, await Send(alice, DwnRequests.CreateMessagesRead(Cid(plain), bob)), "MessagesReadAuthorizationFailed");
        var (subscribeReply, subscription) = await Node.SubscribeAsync(alice.Uri, DwnRequests.CreateMessagesSubscribe([], bob), _ => { }, Ct);
        AssertStatus(401, subscribeReply, "MessagesSubscribeAuthorizationFailed");
        Assert.Null(subscription);

        // MessagesSubscribe by the tenant sees protocol configures and record events.
        var events = new List<JsonObject>();
        var (opened, open) = await Node.SubscribeAsync(alice.Uri, DwnRequests.CreateMessagesSubscribe([new JsonObject { ["interface"] = "Protocols" }], alice), e => { lock (events) { events.Add(e); } }, Ct);
        AssertStatus(200, opened);
        using (open)
        {
            var third = ProtocolsConfigure.Create(alice, definition, t0.AddSeconds(8));
            AssertStatus(202, await Send(alice, third));
            AssertStatus(202, await Send(alice, RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "s", Timestamp = t0.AddSeconds(9) }), data));
            lock (events)
            {
                Assert.Equal([Cid(third)], events.Select(e => Cid((JsonObject)e["message"]!)));
            }
        }
    }

    [Fact]
    public async Task Records_subscribe_sees_matching_writes_and_deletes_until_closed()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        using var bob = DidFactory.CreateKey("Ed25519");
        var filter = new JsonObject { ["schema"] = "https://example.com/note" };
        var owner = new List<JsonObject>();
        var stranger = new List<JsonObject>();
        var signed = DwnRequests.CreateRecordsSubscribe(filter, alice);
        var (reply, subscription) = await Node.SubscribeAsync(alice.Uri, signed, e => { lock (owner) { owner.Add(e); } }, Ct);
        AssertStatus(200, reply);
        Assert.Equal(DwnMessage.ComputeCid(signed), reply.Subscription!["id"]!.GetValue<string>());
        var (bobReply, bobSubscription) = await Node.SubscribeAsync(alice.Uri, DwnRequests.CreateRecordsSubscribe(filter, bob), e => { lock (stranger) { stranger.Add(e); } }, Ct);
        AssertStatus(200, bobReply);

        // A tampered subscribe is refused and opens nothing; RecordsSubscribe through ProcessMessageAsync is refused.
        var tampered = signed.DeepClone().AsObject();
        tampered["descriptor"]!["filter"]!["schema"] = "https://example.com/other";
        var (bad, none) = await Node.SubscribeAsync(alice.Uri, tampered, _ => { }, Ct);
        Assert.NotEqual(200, bad.Code);
        Assert.Null(none);
        AssertStatus(400, await Send(alice, signed));

        var data = Json("{\"n\":1}");
        var note = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "https://example.com/note" });
        var other = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "https://example.com/other", Published = true });
        var published = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "https://example.com/note", Published = true });
        AssertStatus(202, await Send(alice, note, data));
        AssertStatus(202, await Send(alice, other, data));
        AssertStatus(202, await Send(alice, published, data));
        AssertStatus(204, await Send(alice, RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "https://example.com/note", Timestamp = DateTimeOffset.UtcNow.AddSeconds(-5) })));
        var edit = Json("{\"n\":2}");
        var update = RecordsWrite.CreateUpdate(alice, note, edit);
        AssertStatus(202, await Send(alice, update, edit));
        var delete = DwnRequests.CreateRecordsDelete(note["recordId"]!.GetValue<string>(), alice);
        AssertStatus(202, await Send(alice, delete));

        // The owner sees every matching write (not the one without data) and the delete; Bob only the published note.
        Assert.Equal(
            [DwnMessage.ComputeCid(note), DwnMessage.ComputeCid(published), DwnMessage.ComputeCid(update), DwnMessage.ComputeCid(delete)],
            owner.Select(e => DwnMessage.ComputeCid(e["message"]!.AsObject())));
        Assert.Null(owner[0]["initialWrite"]);
        Assert.Equal(DwnMessage.ComputeCid(note), DwnMessage.ComputeCid(owner[2]["initialWrite"]!.AsObject()));
        Assert.Equal([DwnMessage.ComputeCid(published)], stranger.Select(e => DwnMessage.ComputeCid(e["message"]!.AsObject())));

        // Closed subscriptions see nothing more.
        subscription!.Dispose();
        bobSubscription!.Dispose();
        var later = RecordsWrite.Create(alice, data, new RecordsWriteOptions { DataFormat = "application/json", Schema = "https://example.com/note", Published = true });
        AssertStatus(202, await Send(alice, later, data));
        Assert.Equal(4, owner.Count);
        Assert.Single(stranger);
    }
}

public sealed class SqliteDwnNodeTests() : DwnNodeTests("sqlite");

public sealed class PostgresDwnNodeTests() : DwnNodeTests("postgres");
