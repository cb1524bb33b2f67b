using OPSource.Storage;

namespace OPSource.Dao.Service;

/// <summary>The <c>dao</c> module's schema: DAOs, their event logs, anchor/spend transactions and pending treasury PSBTs.</summary>
public static class DaoMigrations
{
    /// <summary>Module name of the migrations (and of the module).</summary>
    public const string Module = "dao";

    /// <summary>All migrations of the module.</summary>
    public static IMigrationSource Source { get; } = new MigrationList(
        new Migration(Module, 1, "daos, event logs, transactions, pending treasury PSBTs", Schema(SqlDialect.Sqlite), Schema(SqlDialect.Postgres)));

    // Released SQL: the per-dialect text this renders must stay byte-identical (the migrator checks its checksum).
    private static string Schema(SqlDialect d) =>
        $"""
        CREATE TABLE dao_daos (
            id              TEXT PRIMARY KEY,
            name            TEXT NOT NULL,
            treasury_wallet TEXT NULL,
            created_at      {d.TimestampType} NOT NULL
        );
        CREATE TABLE dao_events (
            dao_id TEXT NOT NULL,
            seq    {d.Int64Type} NOT NULL,
            height INTEGER NOT NULL,
            prev   {d.BinaryType} NOT NULL,
            body   TEXT NOT NULL,
            sig    {d.BinaryType} NULL,
            hash   {d.BinaryType} NOT NULL,
            PRIMARY KEY (dao_id, seq)
        );
        CREATE TABLE dao_transactions (
            dao_id       TEXT NOT NULL,
            txid         TEXT NOT NULL,
            raw_tx       TEXT NOT NULL,
            block_hash   TEXT NULL,
            block_height INTEGER NULL,
            block_header TEXT NULL,
            txout_proof  TEXT NULL,
            PRIMARY KEY (dao_id, txid)
        );
        CREATE TABLE dao_psbts (
            dao_id      TEXT NOT NULL,
            proposal_id TEXT NOT NULL,
            psbt        TEXT NOT NULL,
            PRIMARY KEY (dao_id, proposal_id)
        );
        """;
}
