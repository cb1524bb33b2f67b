using OPSource.Storage;

namespace OPSource.Dlc.Storage;

/// <summary>The <c>dlc</c> module's schema: the encrypted key store, the built-in oracle's events and the contracts.</summary>
public static class DlcMigrations
{
    /// <summary>Module name of the migrations (and of the module).</summary>
    public const string Module = "dlc";

    /// <summary>All migrations of the module.</summary>
    public static IMigrationSource Source { get; } = new MigrationList(
        new Migration(
            Module,
            1,
            "key store, oracle events, contracts",
            """
            CREATE TABLE dlc_keystore (
                id               INTEGER PRIMARY KEY CHECK (id = 1),
                salt             BLOB NOT NULL,
                kdf_memory_kib   INTEGER NOT NULL,
                kdf_passes       INTEGER NOT NULL,
                check_nonce      BLOB NOT NULL,
                check_ciphertext BLOB NOT NULL,
                created_at       TEXT NOT NULL
            );
            CREATE TABLE dlc_secrets (
                id         TEXT PRIMARY KEY,
                kind       TEXT NOT NULL,
                nonce      BLOB NOT NULL,
                ciphertext BLOB NOT NULL,
                created_at TEXT NOT NULL
            );
            CREATE TABLE dlc_oracle_events (
                event_id     TEXT PRIMARY KEY,
                announcement BLOB NOT NULL,
                maturity     INTEGER NOT NULL,
                outcome      TEXT NULL,
                attestation  BLOB NULL,
                created_at   TEXT NOT NULL,
                attested_at  TEXT NULL
            );
            CREATE TABLE dlc_contracts (
                id             TEXT PRIMARY KEY,
                contract_id    TEXT NULL UNIQUE,
                role           TEXT NOT NULL,
                state          TEXT NOT NULL,
                wallet         TEXT NOT NULL,
                offer          BLOB NOT NULL,
                accept         BLOB NULL,
                sign           BLOB NULL,
                funding_key_id TEXT NOT NULL,
                funding_tx     BLOB NULL,
                funding_height INTEGER NULL,
                closing_tx     BLOB NULL,
                outcome        TEXT NULL,
                version        INTEGER NOT NULL,
                created_at     TEXT NOT NULL,
                updated_at     TEXT NOT NULL
            );
            CREATE INDEX dlc_contracts_state ON dlc_contracts (state);
            """,
            """
            CREATE TABLE dlc_keystore (
                id               INTEGER PRIMARY KEY CHECK (id = 1),
                salt             BYTEA NOT NULL,
                kdf_memory_kib   BIGINT NOT NULL,
                kdf_passes       BIGINT NOT NULL,
                check_nonce      BYTEA NOT NULL,
                check_ciphertext BYTEA NOT NULL,
                created_at       TIMESTAMPTZ NOT NULL
            );
            CREATE TABLE dlc_secrets (
                id         TEXT PRIMARY KEY,
                kind       TEXT NOT NULL,
                nonce      BYTEA NOT NULL,
                ciphertext BYTEA NOT NULL,
                created_at TIMESTAMPTZ NOT NULL
            );
            CREATE TABLE dlc_oracle_events (
                event_id     TEXT PRIMARY KEY,
                announcement BYTEA NOT NULL,
                maturity     BIGINT NOT NULL,
                outcome      TEXT NULL,
                attestation  BYTEA NULL,
                created_at   TIMESTAMPTZ NOT NULL,
                attested_at  TIMESTAMPTZ NULL
            );
            CREATE TABLE dlc_contracts (
                id             TEXT PRIMARY KEY,
                contract_id    TEXT NULL UNIQUE,
                role           TEXT NOT NULL,
                state          TEXT NOT NULL,
                wallet         TEXT NOT NULL,
                offer          BYTEA NOT NULL,
                accept         BYTEA NULL,
                sign           BYTEA NULL,
                funding_key_id TEXT NOT NULL,
                funding_tx     BYTEA NULL,
                funding_height BIGINT NULL,
                closing_tx     BYTEA NULL,
                outcome        TEXT NULL,
                version        BIGINT NOT NULL,
                created_at     TIMESTAMPTZ NOT NULL,
                updated_at     TIMESTAMPTZ NOT NULL
            );
            CREATE INDEX dlc_contracts_state ON dlc_contracts (state);
            """));
}
