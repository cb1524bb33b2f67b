using System.Text.Json.Nodes;
using Npgsql;
using OPSource.Storage;
using OPSource.Web5.Dids;
using OPSource.Web5.Dwn;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Tests;

/// <summary>
/// Two DWN nodes, each with its own <see cref="Database"/> (its own connection pool, as two server instances have), on
/// one PostgreSQL database, racing conflicting writes to the same record or protocol. A trigger sleeps a random 0-20 ms
/// after each message insert, inside the write section, so both instances are in it at once on every run unless the
/// section is serialized across instances. Afterwards the record holds exactly dwn-sdk-js's state: the initial write
/// and the newest message (Message.isNewer: later messageTimestamp, ties by the larger message CID) as the one latest
/// base state, each message accepted at most once, and the event log naming exactly the stored messages.
/// </summary>
public sealed class DwnCrossInstanceWriteTests : IAsyncLifetime
{
    private const int Updates = 24;
    private static readonly DidResolver Resolver = new([new DidKeyMethod(), new DidJwkMethod()]);
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private Web5TestDatabase? _db;
    private Database? _second;
    private DwnNode[] _nodes = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _db = await Web5TestDatabase.CreateAsync("postgres", Ct);
        _second = Database.Create(_db.Storage, Path.GetTempPath());
        _nodes = [new DwnNode(new DwnMessageStore(_db.Database), Resolver), new DwnNode(new DwnMessageStore(_second), Resolver)];
        await using var connection = (NpgsqlConnection)await _db.Database.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand(
            """
            CREATE FUNCTION web5_test_slow_put() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_sleep(random() * 0.020); RETURN NEW; END $$;
            CREATE TRIGGER web5_test_slow_put AFTER INSERT OR UPDATE ON web5_dwn_messages FOR EACH ROW EXECUTE FUNCTION web5_test_slow_put();
            """,
            connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_second is not null)
        {
            await _second.DisposeAsync();
        }

        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    private static byte[] Data(int i) => System.Text.Encoding.UTF8.GetBytes($"{{\"version\":{i}}}");

    /// <summary>Sends every message to both nodes at once; returns the status codes per message, in message order.</summary>
    private async Task<int[][]> RaceAsync(BearerDid tenant, IReadOnlyList<(JsonObject Message, byte[]? Data)> messages)
    {
        var sends = messages.Select(m => _nodes.Select(node => Task.Run(
            async () => (await node.ProcessMessageAsync(tenant.Uri, (JsonObject)m.Message.DeepClone(), m.Data, Ct)).Code, Ct)).ToArray()).ToArray();
        await Task.WhenAll(sends.SelectMany(s => s));
        return [.. sends.Select(s => s.Select(t => t.Result).ToArray())];
    }

    private static (JsonObject Descriptor, string Cid) Newest(IEnumerable<JsonObject> messages) =>
        messages.Select(m => ((JsonObject)m["descriptor"]!, DwnMessage.ComputeCid(m)))
            .Aggregate((a, b) => DwnNode.IsNewer(b.Item1, b.Item2, a.Item1, a.Item2) ? b : a);

    private async Task<List<StoredDwnMessage>> RecordMessagesAsync(BearerDid tenant, string recordId) =>
        [.. (await _nodes[1].Store.QueryAsync(tenant.Uri, [new JsonObject { ["interface"] = "Records", ["recordId"] = recordId }], cancellationToken: Ct)).Messages];

    private async Task<List<string>> EventCidsAsync(BearerDid tenant) =>
        [.. (await _nodes[0].Store.QueryEventsAsync(tenant.Uri, [], null, Ct)).Events];

    /// <summary>The record's initial write (version 0), through the first node.</summary>
    private async Task<(JsonObject Initial, string RecordId)> WriteInitialAsync(BearerDid tenant)
    {
        var initial = RecordsWrite.Create(tenant, Data(0), new RecordsWriteOptions { DataFormat = "application/json", Schema = "https://example.com/v", Timestamp = Start });
        Assert.Equal(202, (await _nodes[0].ProcessMessageAsync(tenant.Uri, initial, Data(0), Ct)).Code);
        return (initial, initial["recordId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Concurrent_updates_of_one_record_on_two_instances_leave_exactly_the_newest_as_latest()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        var (initial, recordId) = await WriteInitialAsync(alice);

        // Six timestamps for 24 updates: most of them tie, and the tie goes to the larger message CID.
        var updates = Enumerable.Range(1, Updates)
            .Select(i => (Message: RecordsWrite.CreateUpdate(alice, initial, Data(i), timestamp: Start.AddSeconds(1 + (i % 6))), Data: (byte[]?)Data(i)))
            .ToList();
        var codes = await RaceAsync(alice, updates);

        var (winner, winnerCid) = Newest(updates.Select(u => u.Message));
        var stored = await RecordMessagesAsync(alice, recordId);
        var latest = Assert.Single(stored, m => m.Indexes["isLatestBaseState"]!.GetValue<bool>());
        Assert.Equal(winnerCid, latest.MessageCid);
        Assert.Equal(winner.GetString("dataCid"), latest.Descriptor.GetString("dataCid"));
        Assert.Equal(new[] { DwnMessage.ComputeCid(initial), winnerCid }.Order(StringComparer.Ordinal), stored.Select(m => m.MessageCid).Order(StringComparer.Ordinal));

        // Each message was accepted at most once, the newest exactly once; every other answer is a 409.
        for (var i = 0; i < updates.Count; i++)
        {
            Assert.All(codes[i], c => Assert.True(c is 202 or 409, $"update {i + 1}: {c}"));
            var accepted = codes[i].Count(c => c == 202);
            Assert.True(accepted <= 1, $"update {i + 1} was accepted {accepted} times");
            if (DwnMessage.ComputeCid(updates[i].Message) == winnerCid)
            {
                Assert.Equal(1, accepted);
            }
        }

        // The event log names exactly the stored messages: no update left behind, none twice.
        Assert.Equal(stored.Select(m => m.MessageCid).Order(StringComparer.Ordinal), (await EventCidsAsync(alice)).Order(StringComparer.Ordinal));

        // Both instances read the winner's data.
        foreach (var node in _nodes)
        {
            var read = await node.ProcessMessageAsync(alice.Uri, DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = recordId }, alice), null, Ct);
            Assert.Equal(200, read.Code);
            Assert.Equal(updates.Single(u => DwnMessage.ComputeCid(u.Message) == winnerCid).Data, read.Data);
        }
    }

    [Fact]
    public async Task Concurrent_updates_and_a_delete_on_two_instances_keep_one_consistent_newest_state()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        var (initial, recordId) = await WriteInitialAsync(alice);
        var messages = Enumerable.Range(1, Updates)
            .Select(i => (Message: RecordsWrite.CreateUpdate(alice, initial, Data(i), timestamp: Start.AddSeconds(i)), Data: (byte[]?)Data(i)))
            .ToList();
        messages.Insert(Updates / 2, (DwnRequests.CreateRecordsDelete(recordId, alice, timestamp: Start.AddSeconds(Updates / 2).AddMilliseconds(500)), null));
        var codes = await RaceAsync(alice, messages);

        // Which message wins depends on arrival order (a write after the delete is refused), but the state must be the
        // newest of the accepted messages, stored alone next to the initial write, and every message accepted at most once.
        var accepted = messages.Where((m, i) => codes[i].Contains(202)).Select(m => m.Message).ToList();
        Assert.All(codes, c => Assert.True(c.Count(x => x == 202) <= 1, "a message was accepted twice"));
        var (_, winnerCid) = Newest(accepted);
        var stored = await RecordMessagesAsync(alice, recordId);
        Assert.Equal(winnerCid, Assert.Single(stored, m => m.Indexes["isLatestBaseState"]!.GetValue<bool>()).MessageCid);
        Assert.Equal(new[] { DwnMessage.ComputeCid(initial), winnerCid }.Order(StringComparer.Ordinal), stored.Select(m => m.MessageCid).Order(StringComparer.Ordinal));
        Assert.Equal(stored.Select(m => m.MessageCid).Order(StringComparer.Ordinal), (await EventCidsAsync(alice)).Order(StringComparer.Ordinal));
        Assert.All(stored.Where(m => m.MessageCid != winnerCid), m => Assert.True(DwnNode.IsInitialWrite(m)));
    }

    [Fact]
    public async Task Concurrent_configures_of_one_protocol_on_two_instances_keep_only_the_newest()
    {
        using var alice = DidFactory.CreateKey("Ed25519");
        const string uri = "https://example.com/race";
        var configures = Enumerable.Range(1, Updates)
            .Select(i =>
            {
                var definition = DwnNodeTests.NoteProtocol(uri);
                definition["published"] = i % 2 == 0;
                definition["types"]!["note"]!["schema"] = "https://example.com/note/v" + i; // every configure differs
                return (Message: ProtocolsConfigure.Create(alice, definition, Start.AddSeconds(i % 5)), Data: (byte[]?)null);
            })
            .ToList();
        var codes = await RaceAsync(alice, configures);

        var (_, winnerCid) = Newest(configures.Select(c => c.Message));
        var stored = (await _nodes[0].Store.QueryAsync(alice.Uri, [DwnNode.ProtocolFilter(uri)], cancellationToken: Ct)).Messages;
        Assert.Equal(winnerCid, Assert.Single(stored).MessageCid);
        Assert.Equal([winnerCid], await EventCidsAsync(alice));
        Assert.All(codes, c => Assert.True(c.Count(x => x == 202) <= 1, "a configure was accepted twice"));
        Assert.Equal(1, codes[configures.FindIndex(c => DwnMessage.ComputeCid(c.Message) == winnerCid)].Count(x => x == 202));
    }
}
