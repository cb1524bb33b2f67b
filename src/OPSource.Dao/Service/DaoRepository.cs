using System.Data.Common;
using OPSource.Dao.Bundle;
using OPSource.Dao.Log;
using OPSource.Storage;

namespace OPSource.Dao.Service;

/// <summary>A stored DAO's row.</summary>
/// <param name="Id">DAO id.</param>
/// <param name="Name">Name.</param>
/// <param name="TreasuryWallet">The watch-only wallet following the treasury, or null.</param>
/// <param name="CreatedAt">When created here.</param>
public sealed record DaoRecord(string Id, string Name, string? TreasuryWallet, DateTimeOffset CreatedAt);

/// <summary>Stores DAOs and their logs. An event is inserted under its (dao, seq) key, so two writers can never both append at one position.</summary>
public sealed class DaoRepository(Database database)
{
    private static DbCommand Command(DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // SQL text comes from this class's constants, never from user input.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = transaction;
        return command;
    }

    /// <summary>Inserts a DAO with its creation event.</summary>
    public async Task InsertAsync(DaoRecord record, DaoEvent create, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(create);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = Command(connection, "INSERT INTO dao_daos (id, name, treasury_wallet, created_at) VALUES (@id, @name, @wallet, @created)", transaction)
            .WithParameter("id", record.Id).WithParameter("name", record.Name).WithParameter("wallet", record.TreasuryWallet).WithParameter("created", record.CreatedAt))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await InsertEventAsync(connection, transaction, record.Id, create, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends an event; false when another writer took that position first.</summary>
    public async Task<bool> AppendAsync(string daoId, DaoEvent e, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await InsertEventAsync(connection, null, daoId, e, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DbException)
        {
            // Primary key (dao_id, seq) taken: someone appended concurrently.
            return false;
        }
    }

    private static async Task InsertEventAsync(DbConnection connection, DbTransaction? transaction, string daoId, DaoEvent e, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, "INSERT INTO dao_events (dao_id, seq, height, prev, body, sig, hash) VALUES (@dao, @seq, @height, @prev, @body, @sig, @hash)", transaction)
            .WithParameter("dao", daoId).WithParameter("seq", e.Seq).WithParameter("height", e.Height).WithParameter("prev", e.Prev)
            .WithParameter("body", e.Body).WithParameter("sig", e.Signature).WithParameter("hash", e.Hash);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A DAO by id, or null.</summary>
    public async Task<DaoRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "SELECT id, name, treasury_wallet, created_at FROM dao_daos WHERE id = @id").WithParameter("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    /// <summary>All DAOs, oldest first.</summary>
    public async Task<IReadOnlyList<DaoRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "SELECT id, name, treasury_wallet, created_at FROM dao_daos ORDER BY created_at, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<DaoRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    private static DaoRecord Read(DbDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3));

    /// <summary>The DAO's log in order.</summary>
    public async Task<IReadOnlyList<DaoEvent>> EventsAsync(string daoId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "SELECT seq, height, prev, body, sig, hash FROM dao_events WHERE dao_id = @dao ORDER BY seq").WithParameter("dao", daoId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<DaoEvent>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new DaoEvent(
                reader.GetInt64(0),
                reader.GetInt32(1),
                reader.GetFieldValue<byte[]>(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<byte[]>(4),
                reader.GetFieldValue<byte[]>(5)));
        }

        return list;
    }

    /// <summary>Stores (or updates the block proof of) a transaction the log names.</summary>
    public async Task SaveTransactionAsync(string daoId, BundleTransaction tx, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tx);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, """
            INSERT INTO dao_transactions (dao_id, txid, raw_tx, block_hash, block_height, block_header, txout_proof)
            VALUES (@dao, @txid, @raw, @hash, @height, @header, @proof)
            ON CONFLICT (dao_id, txid) DO UPDATE SET block_hash = @hash, block_height = @height, block_header = @header, txout_proof = @proof
            """)
            .WithParameter("dao", daoId).WithParameter("txid", tx.Txid).WithParameter("raw", tx.RawTransaction).WithParameter("hash", tx.BlockHash)
            .WithParameter("height", tx.BlockHeight).WithParameter("header", tx.BlockHeader).WithParameter("proof", tx.TxOutProof);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The transactions stored for a DAO.</summary>
    public async Task<IReadOnlyList<BundleTransaction>> TransactionsAsync(string daoId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "SELECT txid, raw_tx, block_hash, block_height, block_header, txout_proof FROM dao_transactions WHERE dao_id = @dao ORDER BY txid").WithParameter("dao", daoId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<BundleTransaction>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new BundleTransaction(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return list;
    }

    /// <summary>The pending treasury PSBT of a spend proposal, or null.</summary>
    public async Task<string?> FindPsbtAsync(string daoId, string proposalId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "SELECT psbt FROM dao_psbts WHERE dao_id = @dao AND proposal_id = @p").WithParameter("dao", daoId).WithParameter("p", proposalId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>Stores the pending treasury PSBT of a spend proposal.</summary>
    public async Task SavePsbtAsync(string daoId, string proposalId, string psbt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "INSERT INTO dao_psbts (dao_id, proposal_id, psbt) VALUES (@dao, @p, @psbt) ON CONFLICT (dao_id, proposal_id) DO UPDATE SET psbt = @psbt")
            .WithParameter("dao", daoId).WithParameter("p", proposalId).WithParameter("psbt", psbt);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Points the DAO at the watch-only wallet of its rotated treasury.</summary>
    public async Task SetTreasuryWalletAsync(string daoId, string wallet, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "UPDATE dao_daos SET treasury_wallet = @wallet WHERE id = @dao").WithParameter("dao", daoId).WithParameter("wallet", wallet);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops the DAO's pending treasury PSBTs (their coins left with a rotation).</summary>
    public async Task DeletePsbtsAsync(string daoId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "DELETE FROM dao_psbts WHERE dao_id = @dao").WithParameter("dao", daoId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The number of events of each DAO.</summary>
    public async Task<IReadOnlyDictionary<string, long>> EventCountsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "SELECT dao_id, COUNT(*) FROM dao_events GROUP BY dao_id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }
}
