using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using OPSource.Storage;
using OPSource.Web5.Dids;
using OPSource.Web5.Encoding;
using OPSource.Web5.Keys;

namespace OPSource.Web5;

/// <summary>A stored DID (public parts; the keys stay sealed).</summary>
/// <param name="Uri">The DID.</param>
/// <param name="Method">Its method.</param>
/// <param name="Document">The document.</param>
/// <param name="Metadata">Method metadata.</param>
/// <param name="CreatedAt">When it was stored.</param>
public sealed record StoredDid(string Uri, string Method, DidDocument Document, JsonObject Metadata, DateTimeOffset CreatedAt);

/// <summary>
/// Stores DIDs with their private keys sealed in a <see cref="KeyEnvelope"/> (Argon2id +
/// XChaCha20-Poly1305), and did:dht signed packets for the built-in gateway.
/// </summary>
public sealed class DidStore
{
    /// <summary>The module's migrations.</summary>
    public static IMigrationSource Migrations { get; } = new MigrationList(
        new Migration(
            Web5Module.ModuleName,
            1,
            "DIDs with sealed keys; did:dht gateway packets",
            """
            CREATE TABLE web5_dids (
                uri          TEXT PRIMARY KEY,
                method       TEXT NOT NULL,
                document     TEXT NOT NULL,
                metadata     TEXT NOT NULL,
                key_envelope TEXT NOT NULL,
                created_at   TEXT NOT NULL
            );
            CREATE TABLE web5_dht_packets (
                identity   TEXT PRIMARY KEY,
                seq        INTEGER NOT NULL,
                body       BLOB NOT NULL,
                updated_at TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE web5_dids (
                uri          TEXT PRIMARY KEY,
                method       TEXT NOT NULL,
                document     TEXT NOT NULL,
                metadata     TEXT NOT NULL,
                key_envelope TEXT NOT NULL,
                created_at   TIMESTAMPTZ NOT NULL
            );
            CREATE TABLE web5_dht_packets (
                identity   TEXT PRIMARY KEY,
                seq        BIGINT NOT NULL,
                body       BYTEA NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL
            )
            """),
        Auth.DidLoginService.Migration,
        Dwn.DwnMessageStore.Migration,
        Dwn.DwnMessageStore.EventLogMigration);

    private readonly Database _database;
    private readonly TimeProvider _time;

    /// <summary>Creates the store.</summary>
    public DidStore(Database database, TimeProvider? time = null)
    {
        _database = database ?? throw new ArgumentNullException(nameof(database));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Argon2id cost for new envelopes (tests lower it).</summary>
    public Argon2Cost Cost { get; init; } = new();

    /// <summary>Stores a DID and seals its keys; false when the DID is already stored (nothing changes).</summary>
    public async Task<bool> AddAsync(BearerDid did, ReadOnlyMemory<byte> passphrase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(did);
        var portable = did.ToPortableUtf8();
        string envelope;
        try
        {
            envelope = KeyEnvelope.Seal(portable, passphrase.Span, Cost).ToJsonString();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(portable);
        }

        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO web5_dids (uri, method, document, metadata, key_envelope, created_at) VALUES (@uri, @method, @document, @metadata, @envelope, @now) ON CONFLICT (uri) DO NOTHING";
        command.WithParameter("uri", did.Uri).WithParameter("method", did.Method).WithParameter("document", Web5Json.Serialize(did.Document.ToJson()))
            .WithParameter("metadata", Web5Json.Serialize(did.Metadata)).WithParameter("envelope", envelope).WithParameter("now", _time.GetUtcNow());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Updates a DID's metadata (did:dht publication state).</summary>
    public async Task SetMetadataAsync(string uri, JsonObject metadata, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE web5_dids SET metadata = @metadata WHERE uri = @uri";
        command.WithParameter("uri", uri).WithParameter("metadata", Web5Json.Serialize(metadata));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every stored DID, oldest first.</summary>
    public async Task<IReadOnlyList<StoredDid>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT uri, method, document, metadata, created_at FROM web5_dids ORDER BY created_at, uri";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<StoredDid>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    /// <summary>One stored DID, or null.</summary>
    public async Task<StoredDid?> GetAsync(string uri, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT uri, method, document, metadata, created_at FROM web5_dids WHERE uri = @uri";
        command.WithParameter("uri", uri);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    private static StoredDid Read(DbDataReader reader)
    {
        var created = reader.GetValue(4) switch
        {
            DateTimeOffset d => d,
            DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
            var other => DateTimeOffset.Parse(Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture)!, System.Globalization.CultureInfo.InvariantCulture),
        };
        return new StoredDid(
            reader.GetString(0),
            reader.GetString(1),
            DidDocument.FromJson(Web5Json.ParseObject(reader.GetString(2), "stored document")),
            Web5Json.ParseObject(reader.GetString(3), "stored metadata"),
            created);
    }

    /// <summary>
    /// Opens a stored DID with its private keys; null when absent. Throws
    /// <see cref="CryptographicException"/> when the passphrase is wrong.
    /// </summary>
    public async Task<BearerDid?> OpenAsync(string uri, ReadOnlyMemory<byte> passphrase, CancellationToken cancellationToken)
    {
        string envelope;
        await using (var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT key_envelope FROM web5_dids WHERE uri = @uri";
            command.WithParameter("uri", uri);
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string e)
            {
                return null;
            }

            envelope = e;
        }

        if (!KeyEnvelope.TryOpen(Web5Json.ParseObject(envelope, "key envelope"), passphrase.Span, out var plaintext))
        {
            throw new CryptographicException("web5: wrong passphrase for the stored keys (or the envelope was altered)");
        }

        try
        {
            return BearerDid.ParsePortable(plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Stores a verified did:dht packet when its seq is newer than the stored one; false when it is not.</summary>
    public async Task<bool> PutDhtPacketAsync(string identity, long seq, byte[] body, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // BEP44: a mutable item is only replaced by a higher sequence number.
        command.CommandText = "INSERT INTO web5_dht_packets (identity, seq, body, updated_at) VALUES (@id, @seq, @body, @now) " +
            "ON CONFLICT (identity) DO UPDATE SET seq = excluded.seq, body = excluded.body, updated_at = excluded.updated_at WHERE web5_dht_packets.seq < excluded.seq";
        command.WithParameter("id", identity).WithParameter("seq", seq).WithParameter("body", body).WithParameter("now", _time.GetUtcNow());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>The stored packet body of an identity, or null.</summary>
    public async Task<byte[]?> GetDhtPacketAsync(string identity, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT body FROM web5_dht_packets WHERE identity = @id";
        command.WithParameter("id", identity);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    }
}
