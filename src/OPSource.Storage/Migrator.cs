using System.Data.Common;

namespace OPSource.Storage;

/// <summary>
/// Applies every registered module's pending migrations, in order, each in its own transaction,
/// and records them in <c>schema_migrations</c>. Refuses to run when an applied migration's
/// checksum changed or the database holds a version this build does not know. Safe when two
/// processes start at once (PostgreSQL advisory lock; SQLite <c>BEGIN IMMEDIATE</c> plus a re-check).
/// </summary>
public sealed class Migrator
{
    private readonly Database _database;
    private readonly TimeProvider _time;

    /// <summary>Collects and checks the sources: modules run in registration order, versions ascending.</summary>
    /// <exception cref="ArgumentException">A module's versions are duplicated or have gaps, or a module registered twice.</exception>
    public Migrator(Database database, IEnumerable<IMigrationSource> sources, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(sources);
        _database = database;
        _time = time ?? TimeProvider.System;

        var moduleOrder = new List<string>();
        var byModule = new Dictionary<string, List<Migration>>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            var sourceModules = new HashSet<string>(StringComparer.Ordinal);
            foreach (var migration in source.Migrations)
            {
                if (!byModule.TryGetValue(migration.Module, out var list))
                {
                    list = [];
                    byModule.Add(migration.Module, list);
                    moduleOrder.Add(migration.Module);
                }
                else if (!sourceModules.Contains(migration.Module))
                {
                    throw new ArgumentException($"migration: module '{migration.Module}' is registered by more than one migration source", nameof(sources));
                }

                sourceModules.Add(migration.Module);
                list.Add(migration);
            }
        }

        var ordered = new List<Migration>();
        foreach (var module in moduleOrder)
        {
            var list = byModule[module];
            list.Sort((a, b) => a.Version.CompareTo(b.Version));
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i].Version != i + 1)
                {
                    throw new ArgumentException(
                        i > 0 && list[i].Version == list[i - 1].Version
                            ? $"migration: module '{module}' has version {list[i].Version} twice"
                            : $"migration: module '{module}' versions must run 1, 2, 3... without gaps (found {list[i].Version} where {i + 1} was expected)",
                        nameof(sources));
                }
            }

            ordered.AddRange(list);
        }

        Migrations = ordered;
    }

    /// <summary>All known migrations in the order they are applied.</summary>
    public IReadOnlyList<Migration> Migrations { get; }

    /// <summary>Brings the schema up to date.</summary>
    /// <exception cref="MigrationException">A check or a migration failed; nothing of a failed migration remains.</exception>
    public async Task<MigrationReport> ApplyAsync(CancellationToken cancellationToken)
    {
        var provider = _database.Provider;
        var dialect = _database.Dialect;
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await dialect.AcquireMigrationLockAsync(connection, cancellationToken).ConfigureAwait(false);
        try
        {
            await using (var create = Db.Command(connection, dialect.SchemaMigrationsDdl))
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var applied = await ReadAppliedAsync(connection, null, cancellationToken).ConfigureAwait(false);
            Verify(applied, provider);

            var done = new List<Migration>();
            var already = 0;
            foreach (var migration in Migrations)
            {
                if (applied.ContainsKey((migration.Module, migration.Version)))
                {
                    already++;
                    continue;
                }

                if (await ApplyOneAsync(connection, migration, cancellationToken).ConfigureAwait(false))
                {
                    done.Add(migration);
                }
                else
                {
                    already++;
                }
            }

            return new MigrationReport(done, already);
        }
        finally
        {
            // Not cancellable: the lock must be released even when the run was cancelled.
            await dialect.ReleaseMigrationLockAsync(connection, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The rows of <c>schema_migrations</c>, oldest first (the table exists once <see cref="ApplyAsync"/> has run).</summary>
    public async Task<IReadOnlyList<AppliedMigration>> GetAppliedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var applied = await ReadAppliedAsync(connection, null, cancellationToken).ConfigureAwait(false);
        return [.. applied.Values.OrderBy(a => a.AppliedAt).ThenBy(a => a.Module, StringComparer.Ordinal).ThenBy(a => a.Version)];
    }

    /// <summary>Applies one migration; false when another process applied it first.</summary>
    private async Task<bool> ApplyOneAsync(DbConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        var provider = _database.Provider;
        await using var transaction = await _database.Dialect.BeginMigrationTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
        try
        {
            // Re-check under the write lock: a concurrent process may have applied it meanwhile.
            await using (var check = Db.Command(connection, "SELECT checksum FROM schema_migrations WHERE module = @module AND version = @version", transaction))
            {
                Db.AddParameter(check, "module", migration.Module);
                Db.AddParameter(check, "version", migration.Version);
                if (await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string existing)
                {
                    if (!string.Equals(existing, migration.ChecksumFor(provider), StringComparison.Ordinal))
                    {
                        throw ChecksumChanged(migration);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return false;
                }
            }

            await using (var apply = Db.Command(connection, migration.SqlFor(provider), transaction))
            {
                await apply.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var record = Db.Command(
                connection,
                "INSERT INTO schema_migrations (module, version, description, checksum, applied_at) VALUES (@module, @version, @description, @checksum, @applied_at)",
                transaction))
            {
                Db.AddParameter(record, "module", migration.Module);
                Db.AddParameter(record, "version", migration.Version);
                Db.AddParameter(record, "description", migration.Description);
                Db.AddParameter(record, "checksum", migration.ChecksumFor(provider));
                Db.AddParameter(record, "applied_at", _time.GetUtcNow());
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DbException ex)
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            throw new MigrationException($"storage: migration {migration} failed and was rolled back: {ex.Message.ReplaceLineEndings(" ")}", ex);
        }
        catch
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private void Verify(Dictionary<(string Module, int Version), AppliedMigration> applied, StorageProvider provider)
    {
        var known = Migrations.ToDictionary(m => (m.Module, m.Version));
        var latest = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var m in Migrations)
        {
            latest[m.Module] = Math.Max(latest.GetValueOrDefault(m.Module), m.Version);
        }

        foreach (var row in applied.Values.OrderBy(r => r.Module, StringComparer.Ordinal).ThenBy(r => r.Version))
        {
            if (!latest.TryGetValue(row.Module, out var max))
            {
                // A module this build does not include (e.g. an optional module): not ours to judge.
                continue;
            }

            if (!known.TryGetValue((row.Module, row.Version), out var migration))
            {
                throw new MigrationException(
                    $"storage: module '{row.Module}' is at schema version {row.Version} ('{row.Description}') but this build knows only up to version {max}; run a newer OPSource or restore a backup");
            }

            if (!string.Equals(row.Checksum, migration.ChecksumFor(provider), StringComparison.Ordinal))
            {
                throw ChecksumChanged(migration);
            }
        }
    }

    private static MigrationException ChecksumChanged(Migration migration) => new(
        $"storage: migration {migration} was changed after it was applied (checksum differs); restore its original SQL and add a new version instead");

    private static async Task<Dictionary<(string Module, int Version), AppliedMigration>> ReadAppliedAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var result = new Dictionary<(string, int), AppliedMigration>();
        await using var command = Db.Command(connection, "SELECT module, version, description, checksum, applied_at FROM schema_migrations", transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var row = new AppliedMigration(
                reader.GetString(0),
                Convert.ToInt32(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4));
            result[(row.Module, row.Version)] = row;
        }

        return result;
    }
}
