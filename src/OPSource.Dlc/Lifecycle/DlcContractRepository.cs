using System.Data.Common;
using OPSource.Bitcoin.Transactions;
using OPSource.Dlc.Messages;
using OPSource.Dlc.Storage;
using OPSource.Storage;

namespace OPSource.Dlc.Lifecycle;

/// <summary>Stores contracts; every update is conditional on the row version it read (optimistic concurrency).</summary>
public sealed class DlcContractRepository
{
    private const string Columns = "id, contract_id, role, state, wallet, offer, accept, sign, funding_key_id, funding_tx, funding_height, closing_tx, outcome, version, created_at, updated_at";
    private readonly Database _database;
    private readonly TimeProvider _time;

    /// <summary>Creates the repository.</summary>
    public DlcContractRepository(Database database, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Inserts a new contract.</summary>
    /// <exception cref="DlcException">The id already exists (Protocol.md: temporary ids must be unique).</exception>
    public async Task<DlcContractRecord> InsertAsync(DlcContractRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var now = _time.GetUtcNow();
        var stored = record with { Version = 1, CreatedAt = now, UpdatedAt = now };
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Bind(DlcSql.Command(connection, $"INSERT INTO dlc_contracts ({Columns}) VALUES (@id, @cid, @role, @state, @wallet, @offer, @accept, @sign, @key, @ftx, @fh, @ctx, @outcome, @version, @created, @updated) ON CONFLICT (id) DO NOTHING"), stored);
        try
        {
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new DlcException(DlcErrorKind.AlreadyExists, $"contract {record.Id} already exists");
            }
        }
        catch (DbException ex) when (IsUniqueViolation(ex))
        {
            throw new DlcException(DlcErrorKind.AlreadyExists, $"contract id {record.ContractId} already exists", ex);
        }

        return stored;
    }

    /// <summary>Replaces a contract if nobody changed it since <paramref name="record"/> was read.</summary>
    /// <exception cref="DlcException">It changed meanwhile (InvalidState).</exception>
    public async Task<DlcContractRecord> UpdateAsync(DlcContractRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var updated = record with { Version = record.Version + 1, UpdatedAt = _time.GetUtcNow() };
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Bind(
            DlcSql.Command(connection, "UPDATE dlc_contracts SET contract_id = @cid, role = @role, state = @state, wallet = @wallet, offer = @offer, accept = @accept, sign = @sign, funding_key_id = @key, funding_tx = @ftx, funding_height = @fh, closing_tx = @ctx, outcome = @outcome, version = @version, updated_at = @updated WHERE id = @id AND version = @expected"),
            updated).With("expected", record.Version);
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
        {
            throw new DlcException(DlcErrorKind.InvalidState, $"contract {record.Id} changed meanwhile; retry");
        }

        return updated;
    }

    /// <summary>A contract by temporary id or contract id; null when none.</summary>
    public async Task<DlcContractRecord?> FindAsync(ContractId id, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DlcSql.Command(connection, $"SELECT {Columns} FROM dlc_contracts WHERE id = @id OR contract_id = @id").With("id", id.ToString());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    /// <summary>Contracts, newest first, optionally only in some states.</summary>
    public async Task<IReadOnlyList<DlcContractRecord>> ListAsync(IReadOnlyCollection<DlcState>? states, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DlcSql.Command(connection, $"SELECT {Columns} FROM dlc_contracts ORDER BY created_at DESC, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<DlcContractRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var r = Read(reader);
            if (states is null || states.Contains(r.State))
            {
                list.Add(r);
            }
        }

        return list;
    }

    private static DbCommand Bind(DbCommand c, DlcContractRecord r) => c
        .With("id", r.Id.ToString())
        .With("cid", r.ContractId?.ToString())
        .With("role", r.Role.ToString().ToLowerInvariant())
        .With("state", r.State.ToString().ToLowerInvariant())
        .With("wallet", r.Wallet)
        .With("offer", DlcWireCodec.Encode(r.Offer))
        .With("accept", r.Accept is null ? null : DlcWireCodec.Encode(r.Accept))
        .With("sign", r.Sign is null ? null : DlcWireCodec.Encode(r.Sign))
        .With("key", r.FundingKeyId)
        .With("ftx", r.FundingTx?.ToBytes())
        .With("fh", r.FundingHeight is { } h ? (long)h : null)
        .With("ctx", r.ClosingTx?.ToBytes())
        .With("outcome", r.Outcome)
        .With("version", r.Version)
        .With("created", r.CreatedAt)
        .With("updated", r.UpdatedAt);

    private static DlcContractRecord Read(DbDataReader r) => new(
        ContractId.Parse(r.GetString(0)),
        DlcSql.Text(r, 1) is { } cid ? ContractId.Parse(cid) : null,
        Enum.Parse<DlcRole>(r.GetString(2), ignoreCase: true),
        Enum.Parse<DlcState>(r.GetString(3), ignoreCase: true),
        r.GetString(4),
        DlcWireCodec.Decode<OfferDlc>(r.GetFieldValue<byte[]>(5)),
        DlcSql.Bytes(r, 6) is { } a ? DlcWireCodec.Decode<AcceptDlc>(a) : null,
        DlcSql.Bytes(r, 7) is { } s ? DlcWireCodec.Decode<SignDlc>(s) : null,
        r.GetString(8),
        DlcSql.Bytes(r, 9) is { } f ? Transaction.Parse(f) : null,
        r.IsDBNull(10) ? null : (int)r.GetInt64(10),
        DlcSql.Bytes(r, 11) is { } c ? Transaction.Parse(c) : null,
        DlcSql.Text(r, 12),
        r.GetInt64(13),
        DlcSql.Time(r, 14),
        DlcSql.Time(r, 15));

    private static bool IsUniqueViolation(DbException ex) =>
        ex.SqlState == "23505" || ex.Message.Contains("UNIQUE", StringComparison.OrdinalIgnoreCase);
}
