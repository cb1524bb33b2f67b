using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using OPSource.Crypto.Secp256k1;
using OPSource.Dlc.Messages;
using OPSource.Dlc.Storage;
using OPSource.Platform.Events;
using OPSource.Storage;

namespace OPSource.Dlc.Oracle;

/// <summary>An event of the built-in oracle.</summary>
/// <param name="EventId">The event id.</param>
/// <param name="Announcement">The signed announcement.</param>
/// <param name="CreatedAt">When it was announced.</param>
/// <param name="Outcome">The outcome attested (null until attested).</param>
/// <param name="Attestation">The attestation (null until attested).</param>
/// <param name="AttestedAt">When it was attested.</param>
public sealed record OracleEventRecord(string EventId, OracleAnnouncement Announcement, DateTimeOffset CreatedAt, string? Outcome, OracleAttestation? Attestation, DateTimeOffset? AttestedAt)
{
    /// <summary>The event's maturity.</summary>
    public DateTimeOffset Maturity => DateTimeOffset.FromUnixTimeSeconds(Announcement.Event.EventMaturityEpoch);
}

/// <summary>
/// The built-in oracle (Oracle.md): one long-lived BIP340 key; per event fresh nonces, sealed in the key
/// store until used; announcements signed over the serialized event; each event attested exactly once.
/// A second attestation with the same outcome returns the first; a different outcome is refused (signing
/// two messages with one nonce would reveal the oracle's key), and the nonces are erased once used.
/// </summary>
public sealed class DlcOracleService
{
    /// <summary>Key-store id of the oracle key.</summary>
    public const string KeyId = "oracle/key";

    private readonly Database _database;
    private readonly DlcKeyStore _keys;
    private readonly IEventPublisher? _events;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _keyOnce = new(1, 1);

    /// <summary>Creates the service.</summary>
    public DlcOracleService(Database database, DlcKeyStore keys, IEventPublisher? events = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(keys);
        _database = database;
        _keys = keys;
        _events = events;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The oracle's public key (the key is created on first use).</summary>
    public async Task<XOnlyPublicKey> GetPublicKeyAsync(CancellationToken cancellationToken)
    {
        using var key = await GetKeyAsync(cancellationToken).ConfigureAwait(false);
        return key.XOnlyPublicKey;
    }

    /// <summary>Whether the oracle key exists (without decrypting it).</summary>
    public Task<bool> HasKeyAsync(CancellationToken cancellationToken) => _keys.ExistsAsync(KeyId, cancellationToken);

    /// <summary>Announces an event with fresh nonces.</summary>
    /// <exception cref="DlcException">Invalid id or descriptor, or the event exists.</exception>
    public async Task<OracleEventRecord> AnnounceAsync(string eventId, EventDescriptor descriptor, DateTimeOffset maturity, CancellationToken cancellationToken)
    {
        ValidateEventId(eventId);
        ValidateDescriptor(descriptor);
        var epoch = maturity.ToUnixTimeSeconds();
        if (epoch < 0 || epoch > uint.MaxValue)
        {
            throw new DlcException(DlcErrorKind.InvalidContract, "oracle: maturity must be between 1970 and 2106");
        }

        if (await GetAsync(eventId, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new DlcException(DlcErrorKind.AlreadyExists, $"oracle: event '{eventId}' already exists");
        }

        using var key = await GetKeyAsync(cancellationToken).ConfigureAwait(false);
        var nonces = Enumerable.Range(0, descriptor.ExpectedNonceCount).Select(_ => SecretKey.Generate()).ToArray();
        var secret = new byte[nonces.Length * 32];
        try
        {
            for (int i = 0; i < nonces.Length; i++)
            {
                nonces[i].WriteTo(secret.AsSpan(i * 32, 32));
            }

            var announcement = OracleSigner.Announce(key, nonces, (uint)epoch, descriptor, eventId);
            var nonceId = NonceId(eventId);
            // A nonce secret without an event row is left by a crash before the row was written: its nonces were never published.
            await _keys.DeleteAsync(nonceId, cancellationToken).ConfigureAwait(false);
            await _keys.StoreAsync(nonceId, "oracle-nonces", secret, cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            await using (var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            {
                await using var command = DlcSql.Command(connection, "INSERT INTO dlc_oracle_events (event_id, announcement, maturity, created_at) VALUES (@id, @a, @m, @now) ON CONFLICT (event_id) DO NOTHING")
                    .With("id", eventId).With("a", DlcWireCodec.EncodeAnnouncement(announcement)).With("m", epoch).With("now", now);
                if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    throw new DlcException(DlcErrorKind.AlreadyExists, $"oracle: event '{eventId}' already exists");
                }
            }

            await PublishAsync("oracle.announced", eventId, cancellationToken).ConfigureAwait(false);
            return new OracleEventRecord(eventId, announcement, now, null, null, null);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
            foreach (var n in nonces)
            {
                n.Dispose();
            }
        }
    }

    /// <summary>
    /// Attests an event's outcome: an enumerated outcome, or an integer for a digit decomposition event
    /// (clamped to the attestable range). Idempotent for the same outcome; a different one is refused.
    /// </summary>
    public async Task<OracleEventRecord> AttestAsync(string eventId, string outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var record = await GetAsync(eventId, cancellationToken).ConfigureAwait(false)
            ?? throw new DlcException(DlcErrorKind.NotFound, $"oracle: no event '{eventId}'");
        var strings = OracleSigner.OutcomeStrings(record.Announcement.Event.Descriptor, outcome);
        var canonical = Canonical(record.Announcement.Event.Descriptor, strings);

        if (record.Outcome is not null && !string.Equals(record.Outcome, canonical, StringComparison.Ordinal))
        {
            throw new DlcException(DlcErrorKind.AlreadyAttested, $"oracle: event '{eventId}' is already attested as \"{record.Outcome}\"; a second, different attestation is refused");
        }

        if (record.Attestation is not null)
        {
            return record;
        }

        if (_time.GetUtcNow() < record.Maturity)
        {
            throw new DlcException(DlcErrorKind.TooEarly, $"oracle: event '{eventId}' matures at {record.Maturity:yyyy-MM-ddTHH:mm:ssZ}");
        }

        // Claim the outcome first (atomic): concurrent attesters of another outcome lose before signing anything.
        await using (var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var claim = DlcSql.Command(connection, "UPDATE dlc_oracle_events SET outcome = @o WHERE event_id = @id AND outcome IS NULL")
                .With("o", canonical).With("id", eventId);
            await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        record = (await GetAsync(eventId, cancellationToken).ConfigureAwait(false))!;
        if (!string.Equals(record.Outcome, canonical, StringComparison.Ordinal))
        {
            throw new DlcException(DlcErrorKind.AlreadyAttested, $"oracle: event '{eventId}' is already attested as \"{record.Outcome}\"; a second, different attestation is refused");
        }

        if (record.Attestation is not null)
        {
            return record;
        }

        var nonceBytes = await _keys.TryLoadAsync(NonceId(eventId), cancellationToken).ConfigureAwait(false)
            ?? throw new DlcException(DlcErrorKind.NotFound, $"oracle: the nonces of '{eventId}' are missing from the key store");
        var nonces = new SecretKey[nonceBytes.Length / 32];
        try
        {
            for (int i = 0; i < nonces.Length; i++)
            {
                nonces[i] = SecretKey.Create(nonceBytes.AsSpan(i * 32, 32));
            }

            using var key = await GetKeyAsync(cancellationToken).ConfigureAwait(false);
            var attestation = OracleSigner.Attest(key, nonces, record.Announcement, strings);
            var now = _time.GetUtcNow();
            await using (var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            {
                await using var store = DlcSql.Command(connection, "UPDATE dlc_oracle_events SET attestation = @a, attested_at = @now WHERE event_id = @id AND outcome = @o AND attestation IS NULL")
                    .With("a", DlcWireCodec.EncodeAttestation(attestation)).With("now", now).With("id", eventId).With("o", canonical);
                await store.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // Used nonces are erased: they can never sign anything else.
            await _keys.DeleteAsync(NonceId(eventId), cancellationToken).ConfigureAwait(false);
            await PublishAsync("oracle.attested", eventId, cancellationToken).ConfigureAwait(false);
            return (await GetAsync(eventId, cancellationToken).ConfigureAwait(false))!;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(nonceBytes);
            foreach (var n in nonces)
            {
                n?.Dispose();
            }
        }
    }

    /// <summary>One event, or null.</summary>
    public async Task<OracleEventRecord?> GetAsync(string eventId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DlcSql.Command(connection, "SELECT event_id, announcement, created_at, outcome, attestation, attested_at FROM dlc_oracle_events WHERE event_id = @id").With("id", eventId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    /// <summary>Every event, newest first.</summary>
    public async Task<IReadOnlyList<OracleEventRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DlcSql.Command(connection, "SELECT event_id, announcement, created_at, outcome, attestation, attested_at FROM dlc_oracle_events ORDER BY created_at DESC, event_id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<OracleEventRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    /// <summary>The attestation of an announcement of this oracle, if attested.</summary>
    public async Task<OracleAttestation?> FindAttestationAsync(OracleAnnouncement announcement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(announcement);
        var record = await GetAsync(announcement.Event.EventId, cancellationToken).ConfigureAwait(false);
        return record is not null && record.Announcement.OraclePublicKey == announcement.OraclePublicKey ? record.Attestation : null;
    }

    private static OracleEventRecord Read(System.Data.Common.DbDataReader r) => new(
        r.GetString(0),
        DlcWireCodec.DecodeAnnouncement(r.GetFieldValue<byte[]>(1)),
        DlcSql.Time(r, 2),
        DlcSql.Text(r, 3),
        DlcSql.Bytes(r, 4) is { } a ? DlcWireCodec.DecodeAttestation(a) : null,
        DlcSql.TimeOrNull(r, 5));

    private static string NonceId(string eventId) => "oracle/nonces/" + eventId;

    private static string Canonical(EventDescriptor descriptor, string[] strings) => descriptor switch
    {
        DigitDecompositionEventDescriptor d => (d.IsSigned && strings[0] == "-" ? "-" : string.Empty)
            + Contracts.DigitDecomposition.Compose([.. strings.Skip(d.IsSigned ? 1 : 0).Select(s => int.Parse(s, CultureInfo.InvariantCulture))], d.Base).ToString(CultureInfo.InvariantCulture),
        _ => strings[0],
    };

    private static void ValidateEventId(string eventId)
    {
        // Kept short and printable: it travels in messages, URLs and key-store ids.
        if (string.IsNullOrEmpty(eventId) || eventId.Length > 100 || eventId.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '/'))
        {
            throw new DlcException(DlcErrorKind.InvalidContract, "oracle: event id must be 1-100 printable characters without spaces or '/'");
        }
    }

    private static void ValidateDescriptor(EventDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        switch (descriptor)
        {
            case EnumEventDescriptor e:
                if (e.Outcomes.Count == 0 || e.Outcomes.Count > ushort.MaxValue || e.Outcomes.Distinct(StringComparer.Ordinal).Count() != e.Outcomes.Count
                    || e.Outcomes.Any(o => o.Length == 0 || !o.IsNormalized(NormalizationForm.FormC)))
                {
                    // Messaging.md: strings are NFC-normalized UTF-8.
                    throw new DlcException(DlcErrorKind.InvalidContract, "oracle: outcomes must be distinct, non-empty NFC strings");
                }

                break;
            case DigitDecompositionEventDescriptor d:
                if (d.Base < 2 || d.Base > 64 || d.NbDigits < 1 || Contracts.DigitDecomposition.MaxValue(d.Base, d.NbDigits) is null)
                {
                    throw new DlcException(DlcErrorKind.InvalidContract, "oracle: base must be 2..64 and the digits must fit 64 bits");
                }

                break;
        }
    }

    private async Task<SecretKey> GetKeyAsync(CancellationToken cancellationToken)
    {
        var key = await _keys.TryLoadKeyAsync(KeyId, cancellationToken).ConfigureAwait(false);
        if (key is not null)
        {
            return key;
        }

        await _keyOnce.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            key = await _keys.TryLoadKeyAsync(KeyId, cancellationToken).ConfigureAwait(false);
            if (key is not null)
            {
                return key;
            }

            try
            {
                return await _keys.CreateKeyAsync(KeyId, "oracle-key", cancellationToken).ConfigureAwait(false);
            }
            catch (DlcException ex) when (ex.Kind == DlcErrorKind.AlreadyExists)
            {
                // Another process created it first.
                return await _keys.LoadKeyAsync(KeyId, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _keyOnce.Release();
        }
    }

    private async Task PublishAsync(string type, string eventId, CancellationToken cancellationToken)
    {
        if (_events is not null)
        {
            await _events.PublishAsync("oracle", type, new JsonObject { ["event_id"] = eventId }, cancellationToken).ConfigureAwait(false);
        }
    }
}
