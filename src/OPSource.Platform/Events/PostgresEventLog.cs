using System.Data.Common;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OPSource.Storage;

namespace OPSource.Platform.Events;

/// <summary>
/// Events shared by every server instance on one PostgreSQL database. Publishing assigns the topic's
/// next sequence number in the database (a row lock per topic, so concurrent publishers on different
/// instances never reuse a number), stores the event (the last <c>ReplayWindow</c> per topic are kept)
/// and sends <c>NOTIFY opsource_events</c> in the same transaction. Each instance LISTENs
/// (<see cref="RunListenerAsync"/>) and hands notifications to its <see cref="InProcessEventBus"/>;
/// PostgreSQL delivers notifications in commit order, and a sequence gap (a lost connection) is
/// filled from the table, so every instance's subscribers see every topic's events in order.
/// </summary>
public sealed partial class PostgresEventLog : IEventPublisher, IEventHistory
{
    /// <summary>The notification channel.</summary>
    public const string Channel = "opsource_events";

    /// <summary>Migrations module name.</summary>
    public const string Module = "events";

    // NOTIFY payloads must stay under 8000 bytes; larger events travel as a reference to their row.
    private const int MaxInlinePayload = 7000;

    private readonly Database _database;
    private readonly TimeProvider _time;
    private readonly int _window;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates the log.</summary>
    public PostgresEventLog(Database database, TimeProvider time, int replayWindow)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(time);
        _database = database;
        _time = time;
        _window = replayWindow;
    }

    /// <summary>The event tables (created on both providers; only PostgreSQL uses them).</summary>
    public static IMigrationSource Migrations { get; } = new MigrationList(new Migration(
        Module,
        1,
        "shared event log (per-topic sequences, recent events)",
        """
        CREATE TABLE event_topics (topic TEXT PRIMARY KEY, last_sequence INTEGER NOT NULL);
        CREATE TABLE platform_events (
            topic    TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            type     TEXT NOT NULL,
            time     TEXT NOT NULL,
            data     TEXT NOT NULL,
            PRIMARY KEY (topic, sequence)
        );
        """,
        """
        CREATE TABLE event_topics (topic TEXT PRIMARY KEY, last_sequence BIGINT NOT NULL);
        CREATE TABLE platform_events (
            topic    TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            type     TEXT NOT NULL,
            time     TIMESTAMPTZ NOT NULL,
            data     TEXT NOT NULL,
            PRIMARY KEY (topic, sequence)
        );
        """));

    /// <summary>The bus whose topic families publishing is checked against (set by the host).</summary>
    public InProcessEventBus? Bus { get; set; }

    /// <summary>Completes once <see cref="RunListenerAsync"/> is listening.</summary>
    public Task Listening => _listening.Task;

    /// <inheritdoc />
    public async ValueTask<PlatformEvent> PublishAsync(string topic, string type, JsonObject data, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(data);
        if (Bus is { } bus && !bus.IsKnownTopic(topic))
        {
            throw new ArgumentException($"events: topic '{topic}' belongs to no declared family", nameof(topic));
        }

        var time = _time.GetUtcNow();
        var dataText = data.ToJsonString();
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        long sequence;
        await using (var next = connection.CreateCommand())
        {
            next.Transaction = transaction;
            next.CommandText = "INSERT INTO event_topics (topic, last_sequence) VALUES (@topic, 1) "
                + "ON CONFLICT (topic) DO UPDATE SET last_sequence = event_topics.last_sequence + 1 RETURNING last_sequence";
            next.WithParameter("topic", topic);
            sequence = Convert.ToInt64(await next.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }

        var published = new PlatformEvent(topic, sequence, type, time, data);
        var wire = PlatformEventJson.ToUtf8(published);
        var payload = wire.Length <= MaxInlinePayload
            ? Encoding.UTF8.GetString(wire)
            : new JsonObject { ["ref"] = true, ["topic"] = topic, ["sequence"] = sequence }.ToJsonString();
        await using (var store = connection.CreateCommand())
        {
            store.Transaction = transaction;
            store.CommandText = "INSERT INTO platform_events (topic, sequence, type, time, data) VALUES (@topic, @sequence, @type, @time, @data); "
                + "DELETE FROM platform_events WHERE topic = @topic AND sequence <= @oldest; "
                + "SELECT pg_notify('" + Channel + "', @payload)";
            store.WithParameter("topic", topic).WithParameter("sequence", sequence).WithParameter("type", type)
                .WithParameter("time", time).WithParameter("data", dataText)
                .WithParameter("oldest", sequence - _window).WithParameter("payload", payload);
            await store.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        PlatformMetrics.EventsPublished.Add(1, new KeyValuePair<string, object?>("family", EventTopicFamily.FamilyOf(topic)));
        return published;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PlatformEvent>> ReadTailAsync(string topic, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var rows = await ReadAsync(
            "SELECT topic, sequence, type, time, data FROM platform_events WHERE topic = @topic ORDER BY sequence DESC LIMIT @max",
            c => c.WithParameter("topic", topic).WithParameter("max", max),
            cancellationToken).ConfigureAwait(false);
        rows.Reverse();
        return rows;
    }

    /// <summary>
    /// Listens for notifications and delivers them to <paramref name="bus"/> until cancelled, reconnecting
    /// (with catch-up from the table) after a lost connection.
    /// </summary>
    public async Task RunListenerAsync(InProcessEventBus bus, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bus);
        logger ??= NullLogger.Instance;
        var inbox = System.Threading.Channels.Channel.CreateBounded<string>(new BoundedChannelOptions(10_000)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });
        var overflowed = 0;
        var processor = ProcessAsync(bus, inbox.Reader, () => Interlocked.Exchange(ref overflowed, 0) == 1, logger, cancellationToken);
        var delay = TimeSpan.FromMilliseconds(200);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await using var connection = (NpgsqlConnection)await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                    connection.Notification += (_, args) =>
                    {
                        if (!inbox.Writer.TryWrite(args.Payload))
                        {
                            Volatile.Write(ref overflowed, 1);
                        }
                    };
                    await using (var listen = connection.CreateCommand())
                    {
                        listen.CommandText = "LISTEN " + Channel;
                        await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    // Whatever was published while this instance was not listening.
                    await CatchUpAsync(bus, cancellationToken).ConfigureAwait(false);
                    _listening.TrySetResult();
                    delay = TimeSpan.FromMilliseconds(200);
                    while (true)
                    {
                        await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex) when (ex is DbException or IOException or InvalidOperationException or TimeoutException)
                {
                    LogListenerLost(logger, ex.GetType().Name, delay.TotalMilliseconds);
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                    delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 10_000));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            inbox.Writer.TryComplete();
            await processor.ConfigureAwait(false);
        }
    }

    private async Task ProcessAsync(InProcessEventBus bus, ChannelReader<string> inbox, Func<bool> takeOverflow, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var payload in inbox.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    if (takeOverflow())
                    {
                        await CatchUpAsync(bus, cancellationToken).ConfigureAwait(false);
                    }

                    var e = PlatformEventJson.TryParse(Encoding.UTF8.GetBytes(payload));
                    if (e is null)
                    {
                        var reference = JsonNode.Parse(payload) as JsonObject;
                        var topic = (string?)reference?["topic"];
                        var sequence = (long?)reference?["sequence"];
                        if (topic is null || sequence is null)
                        {
                            continue;
                        }

                        e = (await ReadRangeAsync(topic, sequence.Value - 1, sequence.Value, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
                        if (e is null)
                        {
                            continue;
                        }
                    }

                    await DeliverInOrderAsync(bus, e, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is DbException or IOException or InvalidOperationException or System.Text.Json.JsonException)
                {
                    LogDeliveryFailed(logger, ex.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverInOrderAsync(InProcessEventBus bus, PlatformEvent e, CancellationToken cancellationToken)
    {
        var last = bus.GetLastSequence(e.Topic);
        if (last is { } known && e.Sequence > known + 1)
        {
            foreach (var missed in await ReadRangeAsync(e.Topic, known, e.Sequence - 1, cancellationToken).ConfigureAwait(false))
            {
                bus.DeliverRemote(missed);
            }
        }

        bus.DeliverRemote(e);
    }

    private async Task CatchUpAsync(InProcessEventBus bus, CancellationToken cancellationToken)
    {
        foreach (var topic in bus.KnownTopics)
        {
            if (bus.GetLastSequence(topic) is { } last)
            {
                foreach (var e in await ReadRangeAsync(topic, last, long.MaxValue, cancellationToken).ConfigureAwait(false))
                {
                    bus.DeliverRemote(e);
                }
            }
        }
    }

    private async Task<List<PlatformEvent>> ReadRangeAsync(string topic, long after, long upTo, CancellationToken cancellationToken) =>
        await ReadAsync(
            "SELECT topic, sequence, type, time, data FROM platform_events WHERE topic = @topic AND sequence > @after AND sequence <= @upto ORDER BY sequence",
            c => c.WithParameter("topic", topic).WithParameter("after", after).WithParameter("upto", upTo),
            cancellationToken).ConfigureAwait(false);

    private async Task<List<PlatformEvent>> ReadAsync(string sql, Action<DbCommand> parameters, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
#pragma warning disable CA2100 // Constant SQL from this class.
        command.CommandText = sql;
#pragma warning restore CA2100
        parameters(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<PlatformEvent>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var data = JsonNode.Parse(reader.GetString(4)) as JsonObject ?? [];
            result.Add(new PlatformEvent(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), data));
        }

        return result;
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "events: PostgreSQL listener lost its connection ({Error}); retrying in {DelayMs} ms")]
    private static partial void LogListenerLost(ILogger logger, string error, double delayMs);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "events: could not deliver a notification ({Error})")]
    private static partial void LogDeliveryFailed(ILogger logger, string error);
}
