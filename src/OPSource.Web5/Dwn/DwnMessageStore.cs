using System.Data.Common;
using System.Text.Json.Nodes;
using OPSource.Storage;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Dwn;

/// <summary>A stored DWN message: its CID, the message (without data), its indexes and its inline data (base64url), if any.</summary>
/// <param name="MessageCid">The message CID.</param>
/// <param name="Message">The message JSON.</param>
/// <param name="Indexes">The index key/values the message was stored with.</param>
/// <param name="EncodedData">Inline record data, base64url (dwn-sdk-js encodedData), or null.</param>
public sealed record StoredDwnMessage(string MessageCid, JsonObject Message, JsonObject Indexes, string? EncodedData)
{
    /// <summary>The descriptor.</summary>
    public JsonObject Descriptor => (JsonObject)Message["descriptor"]!;

    /// <summary>descriptor.method.</summary>
    public string Method => Descriptor.GetString("method") ?? string.Empty;

    /// <summary>descriptor.messageTimestamp.</summary>
    public string MessageTimestamp => Descriptor.GetString("messageTimestamp") ?? string.Empty;

    /// <summary>The message with its inline data as <c>encodedData</c> (dwn-sdk-js RecordsQueryReplyEntry), a copy.</summary>
    public JsonObject WithEncodedData()
    {
        var copy = (JsonObject)Message.DeepClone();
        if (EncodedData is not null)
        {
            copy["encodedData"] = EncodedData;
        }

        return copy;
    }
}

/// <summary>A page of query results and the cursor to the next page (null on the last page).</summary>
/// <param name="Messages">The messages, in sort order.</param>
/// <param name="Cursor">{messageCid, value} of the last message when more follow, else null.</param>
public sealed record DwnQueryResult(IReadOnlyList<StoredDwnMessage> Messages, JsonObject? Cursor);

/// <summary>
/// The DWN message store and data store on OPSource.Storage (SQLite or PostgreSQL), with dwn-sdk-js 0.5's
/// semantics (src/store/message-store-level.ts, index-level.ts, data-store-level.ts): messages kept per tenant
/// with their index key/values; a query takes OR-ed filters (<see cref="DwnFilter"/>), sorts by one index
/// (then by message CID) and pages with a {messageCid, value} cursor. Record data up to
/// <see cref="MaxEncodedDataSize"/> bytes is kept inline with the message (encodedData); larger data goes to
/// <c>web5_dwn_data</c> as a blob keyed by (tenant, recordId, dataCid).
/// </summary>
public sealed class DwnMessageStore
{
    /// <summary>dwn-sdk-js DwnConstant.maxDataSizeAllowedToBeEncoded: data up to this size is stored and returned inline.</summary>
    public const int MaxEncodedDataSize = 30_000;

    /// <summary>The store's migration (module web5, version 3).</summary>
    public static Migration Migration { get; } = new(
        Web5Module.ModuleName,
        3,
        "DWN message store (messages with their indexes, inline data) and data store (blobs)",
        Schema("INTEGER", "BLOB"),
        Schema("BIGINT", "BYTEA"));

    /// <summary>
    /// The event log's migration (module web5, version 4): every message the node stores is appended with its indexes
    /// and a watermark (dwn-sdk-js 0.5.2 src/event-log/event-log-level.ts: a monotonic ULID per process; here the
    /// database's sequence, so instances sharing a PostgreSQL database share one order). MessagesQuery reads it.
    /// </summary>
    public static Migration EventLogMigration { get; } = new(
        Web5Module.ModuleName,
        4,
        "DWN event log (message CIDs in append order with their indexes)",
        """
        CREATE TABLE web5_dwn_events (
            watermark   INTEGER PRIMARY KEY AUTOINCREMENT,
            tenant      TEXT NOT NULL,
            message_cid TEXT NOT NULL,
            indexes     TEXT NOT NULL,
            UNIQUE (tenant, message_cid)
        );
        CREATE INDEX web5_dwn_events_tenant ON web5_dwn_events (tenant, watermark)
        """,
        """
        CREATE TABLE web5_dwn_events (
            watermark   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            tenant      TEXT NOT NULL,
            message_cid TEXT NOT NULL,
            indexes     TEXT NOT NULL,
            UNIQUE (tenant, message_cid)
        );
        CREATE INDEX web5_dwn_events_tenant ON web5_dwn_events (tenant, watermark)
        """);

    // Index names with their own column: a filter whose OR-branches all require the same value narrows the SQL scan.
    private static readonly (string Index, string Column)[] PushDown =
    [
        ("interface", "interface"), ("method", "method"), ("recordId", "record_id"), ("protocol", "protocol"), ("parentId", "parent_id"),
    ];

    // The advisory lock namespace of event-log appends ("DWNL"); the tenant's hash is the second key.
    private const int EventLogLockSpace = 0x44574E4C;

    private readonly Database _database;

    /// <summary>Creates the store over a migrated database.</summary>
    public DwnMessageStore(Database database)
    {
        _database = database ?? throw new ArgumentNullException(nameof(database));
    }

    /// <summary>
    /// Takes the write lock of one record (<paramref name="key"/> is its record ID) or, with a <c>protocol:</c> key, of one
    /// protocol's configuration, of <paramref name="tenant"/>: shared by every server instance on the same PostgreSQL database
    /// (<see cref="Database.LockAsync"/>), so two instances never both decide on the record's state at once. Held around a
    /// write's read-decide-write section; dispose to release. On SQLite it holds nothing (one process, whose own lock serves).
    /// </summary>
    public Task<DatabaseLock> LockAsync(string tenant, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(key);
        return _database.LockAsync("web5.dwn\n" + tenant + "\n" + key, cancellationToken);
    }

    /// <summary>Stores (or replaces) a message with its indexes and optional inline data.</summary>
    public async Task PutAsync(string tenant, JsonObject message, JsonObject indexes, string? encodedData, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(indexes);
        var stored = (JsonObject)message.DeepClone();
        stored.Remove("encodedData");
        var cid = DwnMessage.ComputeCid(stored);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO web5_dwn_messages (tenant, message_cid, interface, method, record_id, protocol, parent_id, is_latest_base_state, indexes, message, encoded_data)
            VALUES (@tenant, @cid, @interface, @method, @record, @protocol, @parent, @latest, @indexes, @message, @data)
            ON CONFLICT (tenant, message_cid) DO UPDATE SET record_id = excluded.record_id, protocol = excluded.protocol, parent_id = excluded.parent_id,
                is_latest_base_state = excluded.is_latest_base_state, indexes = excluded.indexes, message = excluded.message, encoded_data = excluded.encoded_data
            """;
        command.WithParameter("tenant", tenant).WithParameter("cid", cid)
            .WithParameter("interface", indexes.GetString("interface") ?? string.Empty).WithParameter("method", indexes.GetString("method") ?? string.Empty)
            .WithParameter("record", indexes.GetString("recordId")).WithParameter("protocol", indexes.GetString("protocol")).WithParameter("parent", indexes.GetString("parentId"))
            .WithParameter("latest", indexes["isLatestBaseState"] is JsonValue v && v.TryGetValue<bool>(out var latest) ? (latest ? 1 : 0) : null)
            .WithParameter("indexes", Web5Json.Serialize(indexes)).WithParameter("message", Web5Json.Serialize(stored)).WithParameter("data", encodedData);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a message by CID (nothing happens when it is not stored).</summary>
    public async Task DeleteAsync(string tenant, string messageCid, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM web5_dwn_messages WHERE tenant = @tenant AND message_cid = @cid";
        command.WithParameter("tenant", tenant).WithParameter("cid", messageCid);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Messages of a tenant matching any of <paramref name="filters"/>, sorted by <paramref name="sortProperty"/> then
    /// message CID (messages without the sort index are left out), from after <paramref name="cursor"/>, at most
    /// <paramref name="limit"/> (then the cursor of the last one is returned when more follow).
    /// </summary>
    public async Task<DwnQueryResult> QueryAsync(
        string tenant,
        IReadOnlyList<JsonObject> filters,
        string sortProperty = "messageTimestamp",
        bool descending = false,
        int? limit = null,
        JsonObject? cursor = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filters);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var sql = new System.Text.StringBuilder("SELECT message_cid, indexes, message, encoded_data FROM web5_dwn_messages WHERE tenant = @tenant");
        command.WithParameter("tenant", tenant);
        if (filters.Count > 0)
        {
            foreach (var (index, column) in PushDown)
            {
                if (CommonEqualValue(filters, index) is { } value)
                {
                    sql.Append(" AND ").Append(column).Append(" = @").Append(column);
                    command.WithParameter(column, value);
                }
            }

            if (filters.All(f => f["isLatestBaseState"] is JsonValue b && b.TryGetValue<bool>(out _))
                && filters.Select(f => f["isLatestBaseState"]!.GetValue<bool>()).Distinct().Count() == 1)
            {
                sql.Append(" AND is_latest_base_state = @latest");
                command.WithParameter("latest", filters[0]["isLatestBaseState"]!.GetValue<bool>() ? 1 : 0);
            }
        }

        command.CommandText = sql.ToString();
        var matches = new List<StoredDwnMessage>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var indexes = Web5Json.ParseObject(reader.GetString(1), "stored DWN indexes");
                if (indexes[sortProperty] is JsonValue && DwnFilter.MatchAny(indexes, filters))
                {
                    matches.Add(new StoredDwnMessage(reader.GetString(0), Web5Json.ParseObject(reader.GetString(2), "stored DWN message"), indexes, reader.IsDBNull(3) ? null : reader.GetString(3)));
                }
            }
        }

        int Order(StoredDwnMessage a, StoredDwnMessage b)
        {
            var c = DwnFilter.Compare((JsonValue)a.Indexes[sortProperty]!, (JsonValue)b.Indexes[sortProperty]!);
            c = c != 0 ? c : Math.Sign(string.CompareOrdinal(a.MessageCid, b.MessageCid));
            return descending ? -c : c;
        }

        matches.Sort(Order);
        var start = 0;
        if (cursor is not null)
        {
            var cursorValue = cursor["value"] as JsonValue;
            var cursorCid = cursor.GetString("messageCid") ?? string.Empty;
            start = matches.FindIndex(m =>
            {
                var c = cursorValue is null ? 0 : DwnFilter.Compare((JsonValue)m.Indexes[sortProperty]!, cursorValue);
                c = c != 0 ? c : Math.Sign(string.CompareOrdinal(m.MessageCid, cursorCid));
                return descending ? c < 0 : c > 0;
            });
            if (start < 0)
            {
                return new DwnQueryResult([], null);
            }
        }

        var page = matches.Skip(start).Take(limit ?? int.MaxValue).ToList();
        JsonObject? next = null;
        if (limit is not null && start + limit.Value < matches.Count && page.Count > 0)
        {
            var last = page[^1];
            next = new JsonObject { ["messageCid"] = last.MessageCid, ["value"] = last.Indexes[sortProperty]!.DeepClone() };
        }

        return new DwnQueryResult(page, next);
    }

    /// <summary>A stored message by CID (dwn-sdk-js MessageStore.get), or null.</summary>
    public async Task<StoredDwnMessage?> GetAsync(string tenant, string messageCid, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT message_cid, indexes, message, encoded_data FROM web5_dwn_messages WHERE tenant = @tenant AND message_cid = @cid";
        command.WithParameter("tenant", tenant).WithParameter("cid", messageCid);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new StoredDwnMessage(reader.GetString(0), Web5Json.ParseObject(reader.GetString(2), "stored DWN message"), Web5Json.ParseObject(reader.GetString(1), "stored DWN indexes"), reader.IsDBNull(3) ? null : reader.GetString(3))
            : null;
    }

    /// <summary>
    /// EventLog.append: adds a stored message to the tenant's event log (a message already there keeps its place).
    /// A reader paging by watermark must never see a larger watermark of a tenant before a smaller one. SQLite holds
    /// its one write lock from the insert (which assigns the rowid) to the commit, so commits follow watermark order.
    /// PostgreSQL assigns identity values at insert, and concurrent transactions may commit in another order than
    /// they drew them: the append takes the tenant's transaction-level advisory lock before the insert draws its
    /// watermark and keeps it until the transaction is committed and visible, so within a tenant every watermark is
    /// drawn after the previous append became visible (the identity has CACHE 1, so values follow drawing order).
    /// </summary>
    public async Task AppendEventAsync(string tenant, string messageCid, JsonObject indexes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(indexes);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (_database.Provider == StorageProvider.Postgres)
        {
            await using var lockCommand = connection.CreateCommand();
            lockCommand.Transaction = transaction;
            // Two-key form: (namespace, hash of the tenant); a hash collision only serializes two tenants' appends.
            lockCommand.CommandText = "SELECT pg_advisory_xact_lock(@space, hashtext(@tenant))";
            lockCommand.WithParameter("space", EventLogLockSpace).WithParameter("tenant", tenant);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO web5_dwn_events (tenant, message_cid, indexes) VALUES (@tenant, @cid, @indexes) ON CONFLICT (tenant, message_cid) DO NOTHING";
        command.WithParameter("tenant", tenant).WithParameter("cid", messageCid).WithParameter("indexes", Web5Json.Serialize(indexes));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// EventLog.queryEvents: the CIDs of the tenant's events matching any of <paramref name="filters"/> (all when none),
    /// in append order after <paramref name="afterWatermark"/>, and the cursor {messageCid, value: watermark} of the
    /// last one (null when there is none).
    /// </summary>
    public async Task<(IReadOnlyList<string> Events, JsonObject? Cursor)> QueryEventsAsync(string tenant, IReadOnlyList<JsonObject> filters, long? afterWatermark, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filters);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT watermark, message_cid, indexes FROM web5_dwn_events WHERE tenant = @tenant AND watermark > @after ORDER BY watermark";
        command.WithParameter("tenant", tenant).WithParameter("after", afterWatermark ?? 0L);
        var events = new List<string>();
        JsonObject? cursor = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var indexes = Web5Json.ParseObject(reader.GetString(2), "stored DWN event indexes");
            if (DwnFilter.MatchAny(indexes, filters))
            {
                events.Add(reader.GetString(1));
                cursor = new JsonObject { ["messageCid"] = reader.GetString(1), ["value"] = reader.GetInt64(0) };
            }
        }

        return (events, cursor);
    }

    /// <summary>The watermark of a message in the tenant's event log, or null when it is not there.</summary>
    public async Task<long?> EventWatermarkAsync(string tenant, string messageCid, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT watermark FROM web5_dwn_events WHERE tenant = @tenant AND message_cid = @cid";
        command.WithParameter("tenant", tenant).WithParameter("cid", messageCid);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } value and not DBNull ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>EventLog.deleteEventsByCid.</summary>
    public async Task DeleteEventsAsync(string tenant, IEnumerable<string> messageCids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageCids);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var cid in messageCids)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM web5_dwn_events WHERE tenant = @tenant AND message_cid = @cid";
            command.WithParameter("tenant", tenant).WithParameter("cid", cid);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stores record data as a blob (replacing an identical key).</summary>
    public async Task PutDataAsync(string tenant, string recordId, string dataCid, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO web5_dwn_data (tenant, record_id, data_cid, data_size, data) VALUES (@tenant, @record, @cid, @size, @data)
            ON CONFLICT (tenant, record_id, data_cid) DO NOTHING
            """;
        command.WithParameter("tenant", tenant).WithParameter("record", recordId).WithParameter("cid", dataCid)
            .WithParameter("size", (long)data.Length).WithParameter("data", data.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A record's data blob, or null.</summary>
    public async Task<byte[]?> GetDataAsync(string tenant, string recordId, string dataCid, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT data FROM web5_dwn_data WHERE tenant = @tenant AND record_id = @record AND data_cid = @cid";
        command.WithParameter("tenant", tenant).WithParameter("record", recordId).WithParameter("cid", dataCid);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (byte[])reader.GetValue(0) : null;
    }

    /// <summary>Deletes a record's data blob.</summary>
    public async Task DeleteDataAsync(string tenant, string recordId, string dataCid, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM web5_dwn_data WHERE tenant = @tenant AND record_id = @record AND data_cid = @cid";
        command.WithParameter("tenant", tenant).WithParameter("record", recordId).WithParameter("cid", dataCid);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Schema(string int64, string blob) => $"""
        CREATE TABLE web5_dwn_messages (
            tenant               TEXT NOT NULL,
            message_cid          TEXT NOT NULL,
            interface            TEXT NOT NULL,
            method               TEXT NOT NULL,
            record_id            TEXT,
            protocol             TEXT,
            parent_id            TEXT,
            is_latest_base_state INTEGER,
            indexes              TEXT NOT NULL,
            message              TEXT NOT NULL,
            encoded_data         TEXT,
            PRIMARY KEY (tenant, message_cid)
        );
        CREATE INDEX web5_dwn_messages_record ON web5_dwn_messages (tenant, record_id);
        CREATE INDEX web5_dwn_messages_protocol ON web5_dwn_messages (tenant, protocol);
        CREATE INDEX web5_dwn_messages_parent ON web5_dwn_messages (tenant, parent_id);
        CREATE INDEX web5_dwn_messages_kind ON web5_dwn_messages (tenant, interface, method);
        CREATE TABLE web5_dwn_data (
            tenant    TEXT NOT NULL,
            record_id TEXT NOT NULL,
            data_cid  TEXT NOT NULL,
            data_size {int64} NOT NULL,
            data      {blob} NOT NULL,
            PRIMARY KEY (tenant, record_id, data_cid)
        )
        """;

    private static string? CommonEqualValue(IReadOnlyList<JsonObject> filters, string index)
    {
        string? common = null;
        foreach (var filter in filters)
        {
            if (filter[index] is not JsonValue v || !v.TryGetValue<string>(out var s) || (common is not null && common != s))
            {
                return null;
            }

            common = s;
        }

        return common;
    }
}
