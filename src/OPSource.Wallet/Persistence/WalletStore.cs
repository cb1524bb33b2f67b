using System.Collections.Immutable;
using System.Data.Common;
using System.Globalization;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Model;
using OPSource.Platform.Funding;
using OPSource.Storage;

namespace OPSource.Wallet.Persistence;

/// <summary>A wallet's stored record (identity and encrypted secret).</summary>
/// <param name="Name">Wallet name.</param>
/// <param name="Network">Network name.</param>
/// <param name="ExternalDescriptor">Public receive descriptor.</param>
/// <param name="InternalDescriptor">Public change descriptor, or null.</param>
/// <param name="BirthdayHeight">Height from which a rescan starts.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="Secret">The encrypted secret envelope, or null for a watch-only wallet.</param>
public sealed record StoredWallet(string Name, string Network, string ExternalDescriptor, string? InternalDescriptor, int BirthdayHeight, DateTimeOffset CreatedAt, byte[]? Secret)
{
    /// <summary>Incremented by every saved changeset (optimistic concurrency between processes sharing the database).</summary>
    public long Revision { get; init; }

    /// <summary>What the encrypted secret holds (<c>bip39</c>, <c>keys</c>), null for a watch-only wallet.</summary>
    public string? SecretKind { get; init; }

    /// <summary>Master fingerprints of the keys in the secret (public: used to size spends before unlocking).</summary>
    public IReadOnlyList<KeyFingerprint> SigningFingerprints { get; init; } = [];

    /// <summary>True when the wallet holds no private keys.</summary>
    public bool IsWatchOnly => Secret is null;
}

/// <summary>
/// Persistence of wallets as changesets in Storage (SQLite or PostgreSQL): <see cref="SaveAsync"/>
/// writes one changeset in one database transaction (all of it or nothing), <see cref="LoadAsync"/>
/// reads everything back as one merged changeset. Every write is idempotent (set semantics, maxima,
/// last-writer per key), so replaying a changeset after a crash double-counts nothing.
/// </summary>
public sealed class WalletStore
{
    private readonly Database _database;

    /// <summary>Creates a store over a database whose migrations include <see cref="WalletMigrations"/>.</summary>
    public WalletStore(Database database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>Stores a new wallet and its initial changeset atomically.</summary>
    /// <exception cref="WalletOperationException">A wallet of that name exists (nothing is written).</exception>
    public async Task CreateAsync(StoredWallet wallet, WalletChangeSet initial, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wallet);
        ArgumentNullException.ThrowIfNull(initial);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var exists = Command(connection, tx, "SELECT COUNT(*) FROM wallet_wallets WHERE name = @name").WithParameter("name", wallet.Name))
        {
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) > 0)
            {
                throw new WalletOperationException(WalletErrorKind.AlreadyExists, $"wallet '{wallet.Name}' already exists");
            }
        }

        await using (var insert = Command(connection, tx,
            "INSERT INTO wallet_wallets (name, network, external_descriptor, internal_descriptor, birthday_height, created_at, secret, revision, secret_kind, fingerprints) VALUES (@name, @network, @ext, @int, @birthday, @created, @secret, 1, @kind, @fps)"))
        {
            insert.WithParameter("name", wallet.Name).WithParameter("network", wallet.Network).WithParameter("ext", wallet.ExternalDescriptor)
                .WithParameter("int", wallet.InternalDescriptor).WithParameter("birthday", wallet.BirthdayHeight)
                .WithParameter("created", _database.Provider == StorageProvider.Postgres ? wallet.CreatedAt : wallet.CreatedAt.ToString("O", CultureInfo.InvariantCulture))
                .WithParameter("secret", wallet.Secret).WithParameter("kind", wallet.SecretKind)
                .WithParameter("fps", string.Join(",", wallet.SigningFingerprints));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await WriteAsync(connection, tx, wallet.Name, initial, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Persists one changeset atomically (a no-op for an empty one).</summary>
    /// <exception cref="WalletOperationException">No wallet of that name.</exception>
    public async Task SaveAsync(string name, WalletChangeSet changeSet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changeSet);
        if (changeSet.IsEmpty)
        {
            return;
        }

        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var bump = Command(connection, tx, "UPDATE wallet_wallets SET revision = revision + 1 WHERE name = @name").WithParameter("name", name))
        {
            if (await bump.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new WalletOperationException(WalletErrorKind.NotFound, $"no wallet named '{name}'");
            }
        }

        await WriteAsync(connection, tx, name, changeSet, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Persists one changeset atomically if the stored wallet is still at <paramref name="expectedRevision"/>
    /// (nobody else saved since it was loaded): returns the new revision, or null when another process got
    /// there first (nothing is written; reload and apply again).
    /// </summary>
    /// <exception cref="WalletOperationException">No wallet of that name.</exception>
    public async Task<long?> TrySaveAsync(string name, WalletChangeSet changeSet, long expectedRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changeSet);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var bump = Command(connection, tx, "UPDATE wallet_wallets SET revision = revision + 1 WHERE name = @name AND revision = @revision")
            .WithParameter("name", name).WithParameter("revision", expectedRevision))
        {
            if (await bump.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                await RequireAsync(connection, tx, name, cancellationToken).ConfigureAwait(false);
                await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return null;
            }
        }

        await WriteAsync(connection, tx, name, changeSet, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return expectedRevision + 1;
    }

    /// <summary>The stored revision of a wallet (one cheap query), or null when there is no such wallet.</summary>
    public async Task<long?> GetRevisionAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = Command(connection, null, "SELECT revision FROM wallet_wallets WHERE name = @name").WithParameter("name", name);
        var value = await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? null : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    /// <summary>The stored wallets, by name.</summary>
    public async Task<IReadOnlyList<StoredWallet>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = Command(connection, null, "SELECT name, network, external_descriptor, internal_descriptor, birthday_height, created_at, secret, revision, secret_kind, fingerprints FROM wallet_wallets ORDER BY name");
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<StoredWallet>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(ReadWallet(reader));
        }

        return result;
    }

    /// <summary>One stored wallet, or null.</summary>
    public async Task<StoredWallet?> GetAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = Command(connection, null, "SELECT name, network, external_descriptor, internal_descriptor, birthday_height, created_at, secret, revision, secret_kind, fingerprints FROM wallet_wallets WHERE name = @name").WithParameter("name", name);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadWallet(reader) : null;
    }

    /// <summary>Replaces a wallet's encrypted secret (passphrase change).</summary>
    public async Task SetSecretAsync(string name, byte[]? secret, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = Command(connection, null, "UPDATE wallet_wallets SET secret = @secret, revision = revision + 1 WHERE name = @name").WithParameter("name", name).WithParameter("secret", secret);
        if (await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            throw new WalletOperationException(WalletErrorKind.NotFound, $"no wallet named '{name}'");
        }
    }

    /// <summary>Deletes a wallet and everything stored for it.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var table in new[] { "wallet_blocks", "wallet_txs", "wallet_txouts", "wallet_anchors", "wallet_last_seen", "wallet_last_evicted", "wallet_revealed", "wallet_labels", "wallet_locks" })
        {
            await using var del = Command(connection, tx, $"DELETE FROM {table} WHERE wallet = @w").WithParameter("w", name);
            await del.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var cmd = Command(connection, tx, "DELETE FROM wallet_wallets WHERE name = @w").WithParameter("w", name);
        var n = await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return n > 0;
    }

    /// <summary>Everything stored for a wallet as one merged changeset (what <see cref="DescriptorWallet.Load"/> takes).</summary>
    /// <exception cref="WalletOperationException">No wallet of that name.</exception>
    public async Task<WalletChangeSet> LoadAsync(string name, CancellationToken cancellationToken) =>
        (await LoadStateAsync(name, cancellationToken).ConfigureAwait(false)).ChangeSet;

    /// <summary>The wallet's record (with its revision) and everything stored for it, read in one snapshot.</summary>
    /// <exception cref="WalletOperationException">No wallet of that name.</exception>
    public async Task<(StoredWallet Wallet, WalletChangeSet ChangeSet)> LoadStateAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // One snapshot for every table.
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var stored = await RequireAsync(connection, tx, name, cancellationToken).ConfigureAwait(false);

        var blocks = ImmutableSortedDictionary.CreateBuilder<int, BlockHash?>();
        await ForEachAsync(connection, tx, "SELECT height, hash FROM wallet_blocks WHERE wallet = @w", name, r => blocks[r.GetInt32(0)] = BlockHash.FromBytes(Bytes(r, 1)), cancellationToken).ConfigureAwait(false);

        var txs = ImmutableDictionary.CreateBuilder<TxId, Transaction>();
        await ForEachAsync(connection, tx, "SELECT raw FROM wallet_txs WHERE wallet = @w", name, r =>
        {
            var t = Transaction.Parse(Bytes(r, 0));
            txs[t.GetTxId()] = t;
        }, cancellationToken).ConfigureAwait(false);

        var txouts = ImmutableDictionary.CreateBuilder<OutPoint, TxOut>();
        await ForEachAsync(connection, tx, "SELECT txid, vout, value, script FROM wallet_txouts WHERE wallet = @w", name,
            r => txouts[new OutPoint(TxId.FromBytes(Bytes(r, 0)), (uint)r.GetInt64(1))] = new TxOut(Amount.FromSatoshis(r.GetInt64(2)), new Script(Bytes(r, 3))), cancellationToken).ConfigureAwait(false);

        var anchors = ImmutableHashSet.CreateBuilder<(TxId, ConfirmationAnchor)>();
        await ForEachAsync(connection, tx, "SELECT txid, height, block_hash, block_time FROM wallet_anchors WHERE wallet = @w", name,
            r => anchors.Add((TxId.FromBytes(Bytes(r, 0)), new ConfirmationAnchor(new BlockId(r.GetInt32(1), BlockHash.FromBytes(Bytes(r, 2))), r.GetInt64(3)))), cancellationToken).ConfigureAwait(false);

        var seen = ImmutableDictionary.CreateBuilder<TxId, long>();
        await ForEachAsync(connection, tx, "SELECT txid, seen FROM wallet_last_seen WHERE wallet = @w", name, r => seen[TxId.FromBytes(Bytes(r, 0))] = r.GetInt64(1), cancellationToken).ConfigureAwait(false);
        var evicted = ImmutableDictionary.CreateBuilder<TxId, long>();
        await ForEachAsync(connection, tx, "SELECT txid, evicted FROM wallet_last_evicted WHERE wallet = @w", name, r => evicted[TxId.FromBytes(Bytes(r, 0))] = r.GetInt64(1), cancellationToken).ConfigureAwait(false);

        var revealed = ImmutableDictionary.CreateBuilder<DescriptorId, uint>();
        await ForEachAsync(connection, tx, "SELECT descriptor_id, last_index FROM wallet_revealed WHERE wallet = @w", name, r => revealed[DescriptorId.Parse(r.GetString(0))] = (uint)r.GetInt64(1), cancellationToken).ConfigureAwait(false);

        var labels = ImmutableDictionary.CreateBuilder<(string, string), WalletLabel?>();
        await ForEachAsync(connection, tx, "SELECT type, ref, label, spendable FROM wallet_labels WHERE wallet = @w", name, r =>
        {
            var type = r.GetString(0);
            var reference = r.GetString(1);
            labels[(type, reference)] = new WalletLabel(type, reference, r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : Convert.ToInt64(r.GetValue(3), CultureInfo.InvariantCulture) != 0);
        }, cancellationToken).ConfigureAwait(false);

        var locks = ImmutableDictionary.CreateBuilder<OutPoint, bool>();
        await ForEachAsync(connection, tx, "SELECT txid, vout FROM wallet_locks WHERE wallet = @w", name, r => locks[new OutPoint(TxId.FromBytes(Bytes(r, 0)), (uint)r.GetInt64(1))] = true, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);

        return (stored, new WalletChangeSet
        {
            Network = stored.Network,
            ExternalDescriptor = stored.ExternalDescriptor,
            InternalDescriptor = stored.InternalDescriptor,
            Chain = new ChainChangeSet(blocks.ToImmutable()),
            Graph = new TxGraphChangeSet
            {
                Transactions = txs.ToImmutable(),
                TxOuts = txouts.ToImmutable(),
                Anchors = anchors.ToImmutable(),
                LastSeen = seen.ToImmutable(),
                LastEvicted = evicted.ToImmutable(),
            },
            Index = new KeychainIndexChangeSet { LastRevealed = revealed.ToImmutable() },
            Labels = labels.ToImmutable(),
            Locks = locks.ToImmutable(),
        });
    }

    private static async Task<StoredWallet> RequireAsync(DbConnection connection, DbTransaction tx, string name, CancellationToken cancellationToken)
    {
        await using var cmd = Command(connection, tx, "SELECT name, network, external_descriptor, internal_descriptor, birthday_height, created_at, secret, revision, secret_kind, fingerprints FROM wallet_wallets WHERE name = @name").WithParameter("name", name);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new WalletOperationException(WalletErrorKind.NotFound, $"no wallet named '{name}'");
        }

        return ReadWallet(reader);
    }

    private static StoredWallet ReadWallet(DbDataReader r)
    {
        var created = r.GetValue(5) switch
        {
            DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
            DateTimeOffset dto => dto,
            var v => DateTimeOffset.Parse(Convert.ToString(v, CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture),
        };
        return new StoredWallet(r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetInt32(4), created, r.IsDBNull(6) ? null : Bytes(r, 6))
        {
            Revision = r.GetInt64(7),
            SecretKind = r.IsDBNull(8) ? null : r.GetString(8),
            SigningFingerprints = [.. r.GetString(9).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(KeyFingerprint.Parse)],
        };
    }

    private static async Task WriteAsync(DbConnection connection, DbTransaction tx, string wallet, WalletChangeSet cs, CancellationToken ct)
    {
        foreach (var (height, hash) in cs.Chain.Blocks)
        {
            if (hash is { } h)
            {
                await ExecAsync(connection, tx, "INSERT INTO wallet_blocks (wallet, height, hash) VALUES (@w, @a, @b) ON CONFLICT (wallet, height) DO UPDATE SET hash = excluded.hash", wallet, height, h.ToBytes(), ct).ConfigureAwait(false);
            }
            else
            {
                await ExecAsync(connection, tx, "DELETE FROM wallet_blocks WHERE wallet = @w AND height = @a", wallet, height, null, ct).ConfigureAwait(false);
            }
        }

        foreach (var (txid, t) in cs.Graph.Transactions)
        {
            await ExecAsync(connection, tx, "INSERT INTO wallet_txs (wallet, txid, raw) VALUES (@w, @a, @b) ON CONFLICT (wallet, txid) DO NOTHING", wallet, txid.ToBytes(), t.ToBytes(), ct).ConfigureAwait(false);
        }

        foreach (var (op, o) in cs.Graph.TxOuts)
        {
            await using var cmd = Command(connection, tx, "INSERT INTO wallet_txouts (wallet, txid, vout, value, script) VALUES (@w, @a, @b, @c, @d) ON CONFLICT (wallet, txid, vout) DO NOTHING")
                .WithParameter("w", wallet).WithParameter("a", op.TxId.ToBytes()).WithParameter("b", (long)op.Index).WithParameter("c", o.Value.Satoshis).WithParameter("d", o.ScriptPubKey.ToBytes());
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        foreach (var (txid, anchor) in cs.Graph.Anchors)
        {
            await using var cmd = Command(connection, tx, "INSERT INTO wallet_anchors (wallet, txid, height, block_hash, block_time) VALUES (@w, @a, @b, @c, @d) ON CONFLICT (wallet, txid, height, block_hash) DO NOTHING")
                .WithParameter("w", wallet).WithParameter("a", txid.ToBytes()).WithParameter("b", anchor.Height).WithParameter("c", anchor.Block.Hash.ToBytes()).WithParameter("d", anchor.ConfirmationTime);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        foreach (var (txid, t) in cs.Graph.LastSeen)
        {
            await ExecAsync(connection, tx, "INSERT INTO wallet_last_seen (wallet, txid, seen) VALUES (@w, @a, @b) ON CONFLICT (wallet, txid) DO UPDATE SET seen = CASE WHEN excluded.seen > wallet_last_seen.seen THEN excluded.seen ELSE wallet_last_seen.seen END", wallet, txid.ToBytes(), t, ct).ConfigureAwait(false);
        }

        foreach (var (txid, t) in cs.Graph.LastEvicted)
        {
            await ExecAsync(connection, tx, "INSERT INTO wallet_last_evicted (wallet, txid, evicted) VALUES (@w, @a, @b) ON CONFLICT (wallet, txid) DO UPDATE SET evicted = CASE WHEN excluded.evicted > wallet_last_evicted.evicted THEN excluded.evicted ELSE wallet_last_evicted.evicted END", wallet, txid.ToBytes(), t, ct).ConfigureAwait(false);
        }

        foreach (var (id, index) in cs.Index.LastRevealed)
        {
            await ExecAsync(connection, tx, "INSERT INTO wallet_revealed (wallet, descriptor_id, last_index) VALUES (@w, @a, @b) ON CONFLICT (wallet, descriptor_id) DO UPDATE SET last_index = CASE WHEN excluded.last_index > wallet_revealed.last_index THEN excluded.last_index ELSE wallet_revealed.last_index END", wallet, id.ToString(), (long)index, ct).ConfigureAwait(false);
        }

        foreach (var ((type, reference), label) in cs.Labels)
        {
            if (label is null)
            {
                await using var del = Command(connection, tx, "DELETE FROM wallet_labels WHERE wallet = @w AND type = @a AND ref = @b").WithParameter("w", wallet).WithParameter("a", type).WithParameter("b", reference);
                await del.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                continue;
            }

            await using var cmd = Command(connection, tx, "INSERT INTO wallet_labels (wallet, type, ref, label, spendable) VALUES (@w, @a, @b, @c, @d) ON CONFLICT (wallet, type, ref) DO UPDATE SET label = excluded.label, spendable = excluded.spendable")
                .WithParameter("w", wallet).WithParameter("a", type).WithParameter("b", reference).WithParameter("c", label.Label).WithParameter("d", label.Spendable is { } s ? (s ? 1 : 0) : null);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        foreach (var (op, locked) in cs.Locks)
        {
            var sql = locked
                ? "INSERT INTO wallet_locks (wallet, txid, vout) VALUES (@w, @a, @b) ON CONFLICT (wallet, txid, vout) DO NOTHING"
                : "DELETE FROM wallet_locks WHERE wallet = @w AND txid = @a AND vout = @b";
            await ExecAsync(connection, tx, sql, wallet, op.TxId.ToBytes(), (long)op.Index, ct).ConfigureAwait(false);
        }
    }

    private static async Task ExecAsync(DbConnection connection, DbTransaction tx, string sql, string wallet, object a, object? b, CancellationToken ct)
    {
        await using var cmd = Command(connection, tx, sql).WithParameter("w", wallet).WithParameter("a", a);
        if (b is not null)
        {
            cmd.WithParameter("b", b);
        }

        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static async Task ForEachAsync(DbConnection connection, DbTransaction tx, string sql, string wallet, Action<DbDataReader> row, CancellationToken ct)
    {
        await using var cmd = Command(connection, tx, sql).WithParameter("w", wallet);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            row(reader);
        }
    }

    private static byte[] Bytes(DbDataReader r, int ordinal) => (byte[])r.GetValue(ordinal);

    private static DbCommand Command(DbConnection connection, DbTransaction? tx, string sql)
    {
        var cmd = connection.CreateCommand();
#pragma warning disable CA2100 // SQL text is a constant of this class; values are parameters.
        cmd.CommandText = sql;
#pragma warning restore CA2100
        cmd.Transaction = tx;
        return cmd;
    }
}
