using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Npgsql;
using OPSource.Web5.Dids;
using OPSource.Web5.Dwn;

namespace OPSource.Web5.Tests;

/// <summary>
/// The DWN event log's watermark on PostgreSQL under concurrent appends: a reader paging MessagesQuery with the cursor
/// must see every event exactly once, although concurrent transactions commit in another order than they drew their
/// identity values. A trigger sleeps a random 0-15 ms after each insert (inside the appending transaction, after the
/// watermark was drawn), so out-of-order commits happen on every run; without the append lock the reader skips events.
/// </summary>
public sealed class DwnEventLogOrderingTests : IAsyncLifetime
{
    private const int Writers = 8;
    private const int AppendsPerWriter = 30;
    private static readonly DidResolver Resolver = new([new DidKeyMethod(), new DidJwkMethod()]);
    private Web5TestDatabase? _db;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _db = await Web5TestDatabase.CreateAsync("postgres", Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_cursor_reader_sees_every_concurrently_appended_event_exactly_once()
    {
        await using (var connection = (NpgsqlConnection)await _db!.Database.OpenConnectionAsync(Ct))
        {
            await using var command = new NpgsqlCommand(
                """
                CREATE FUNCTION web5_test_slow_append() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_sleep(random() * 0.015); RETURN NEW; END $$;
                CREATE TRIGGER web5_test_slow_append AFTER INSERT ON web5_dwn_events FOR EACH ROW EXECUTE FUNCTION web5_test_slow_append();
                """,
                connection);
            await command.ExecuteNonQueryAsync(Ct);
        }

        using var alice = DidFactory.CreateKey("Ed25519");
        using var bob = DidFactory.CreateKey("Ed25519");
        var store = new DwnMessageStore(_db.Database);
        var node = new DwnNode(store, Resolver);

        // Writers append to two tenants at once (the order is per tenant); the readers page alice's and bob's logs.
        var written = new ConcurrentDictionary<string, byte>();
        var done = new CancellationTokenSource();
        var readers = new[] { ReadAllAsync(node, alice, done.Token), ReadAllAsync(node, bob, done.Token) };
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(
            async () =>
            {
                var tenant = w % 2 == 0 ? alice : bob;
                for (var i = 0; i < AppendsPerWriter; i++)
                {
                    var cid = $"{tenant.Uri}/writer{w}/event{i}";
                    var indexes = new JsonObject { ["interface"] = "Records", ["method"] = "Write", ["messageTimestamp"] = DateTimeOffset.UtcNow.ToString("O") };
                    await store.AppendEventAsync(tenant.Uri, cid, indexes, Ct);
                    written[cid] = 0;
                }
            },
            Ct)).ToList();
        await Task.WhenAll(writers);
        await done.CancelAsync();
        var seen = (await Task.WhenAll(readers)).SelectMany(r => r).ToList();

        // Every appended event was read, none twice (a skipped one would be missing: the cursor has passed it).
        Assert.Equal(Writers * AppendsPerWriter, written.Count);
        Assert.Equal(seen.Count, seen.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(written.Keys.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    // Pages the tenant's log with MessagesQuery and its cursor until told to stop, then reads once more.
    private static async Task<List<string>> ReadAllAsync(DwnNode node, BearerDid tenant, CancellationToken stop)
    {
        var seen = new List<string>();
        JsonObject? cursor = null;
        var finished = false;
        while (!finished)
        {
            finished = stop.IsCancellationRequested;
            var reply = await node.ProcessMessageAsync(tenant.Uri, DwnRequests.CreateMessagesQuery([], tenant, cursor), null, Ct);
            Assert.True(reply.Code == 200, $"MessagesQuery: {reply.Code} {reply.Detail}");
            seen.AddRange(reply.Entries!.Select(e => e!.GetValue<string>()));
            cursor = reply.Cursor ?? cursor;
        }

        return seen;
    }
}
