using OPSource.Storage;

namespace OPSource.Wallet.Persistence;

/// <summary>The wallet module's schema (one migration set for SQLite and PostgreSQL).</summary>
public sealed class WalletMigrations : IMigrationSource
{
    /// <summary>The module name the migrations belong to.</summary>
    public const string Module = "wallet";

    /// <inheritdoc/>
    public IEnumerable<Migration> Migrations { get; } =
    [
        new Migration(Module, 1, "wallets, chain, transaction graph, revealed indexes, labels, locks", Schema(SqlDialect.Sqlite), Schema(SqlDialect.Postgres)),
        new Migration(Module, 2, "wallet revision (optimistic concurrency between processes), secret kind, signing fingerprints", Revision(SqlDialect.Sqlite), Revision(SqlDialect.Postgres)),
    ];

    private static string Revision(SqlDialect d) =>
        $"""
        ALTER TABLE wallet_wallets ADD COLUMN revision {d.Int64Type} NOT NULL DEFAULT 0;
        ALTER TABLE wallet_wallets ADD COLUMN secret_kind TEXT;
        ALTER TABLE wallet_wallets ADD COLUMN fingerprints TEXT NOT NULL DEFAULT ''
        """;

    private static string Schema(SqlDialect d) =>
        $"""
        CREATE TABLE IF NOT EXISTS wallet_wallets (
            name                TEXT PRIMARY KEY,
            network             TEXT NOT NULL,
            external_descriptor TEXT NOT NULL,
            internal_descriptor TEXT,
            birthday_height     INTEGER NOT NULL,
            created_at          {d.TimestampType} NOT NULL,
            secret              {d.BinaryType}
        );
        CREATE TABLE IF NOT EXISTS wallet_blocks (
            wallet TEXT NOT NULL REFERENCES wallet_wallets(name) ON DELETE CASCADE,
            height INTEGER NOT NULL,
            hash   {d.BinaryType} NOT NULL,
            PRIMARY KEY (wallet, height)
        );
        CREATE TABLE IF NOT EXISTS wallet_txs (
            wallet TEXT NOT NULL REFERENCES wallet_wallets(name) ON DELETE CASCADE,
            txid   {d.BinaryType} NOT NULL,
            raw    {d.BinaryType} NOT NULL,
            PRIMARY KEY (wallet, txid)
        );
        CREATE TABLE IF NOT EXISTS wallet_txouts (
            wallet TEXT NOT NULL REFERENCES wallet_wallets(name) ON DELETE CASCADE,
            txid   {d.BinaryType} NOT NULL,
            vout   {d.Int64Type} NOT NULL,
            value  {d.Int64Type} NOT NULL,
            script {d.BinaryType} NOT NULL,
            PRIMARY KEY (wallet, txid, vout)
        );
        CREATE TABLE IF NOT EXISTS wallet_anchors (
            wallet     TEXT NOT NULL REFERENCES wallet_wallets(name) ON DELETE CASCADE,
            txid       {d.BinaryType} NOT NULL,
            height     INTEGER NOT NULL,
            block_hash {d.BinaryType} NOT NULL,
            block_time {d.Int64Type} NOT NULL,
            PRIMARY KEY (wallet, txid, height, block_hash)
        );
        CREATE TABLE IF NOT EXISTS wallet_last_seen (
            wallet TEXT NOT NULL REFERENCES wallet_wallets(name) ON DELETE CASCADE,
            txid   {d.BinaryType} NOT NULL,
            seen   {d.Int64Type} NOT NULL,
            PRIMARY KEY (wallet, txid)
        );
        CREATE TABLE IF NOT EXISTS wallet_last_evicted (
            wallet  TEXT NOT NULL REFERENCES wallet_wallets(name) ON DELETE CASCADE,
            txid    {d.BinaryType} NOT NULL,
            evicted {d.Int64Type} NOT NULL,
            PRIMARY KEY (wallet, txid)
        );
        CREATE TABLE IF NOT EXISTS wallet_revealed (
            wallet        TEXT NOT NULL REFERENCES wallet_wallets(name) ON DELETE CASCADE,
            descriptor_id TEXT NOT NULL,
            last_index    {d.Int64Type} NOT NULL,
            PRIMARY KEY (wallet, descriptor_id)
        );
        CREATE TABLE IF NOT EXISTS wallet_labels (
            wallet    TEXT NOT NULL REFERENCES wallet_wallets(name) ON DELETE CASCADE,
            type      TEXT NOT NULL,
            ref       TEXT NOT NULL,
            label     TEXT,
            spendable INTEGER,
            PRIMARY KEY (wallet, type, ref)
        );
        CREATE TABLE IF NOT EXISTS wallet_locks (
            wallet TEXT NOT NULL REFERENCES wallet_wallets(name) ON DELETE CASCADE,
            txid   {d.BinaryType} NOT NULL,
            vout   {d.Int64Type} NOT NULL,
            PRIMARY KEY (wallet, txid, vout)
        )
        """;
}
