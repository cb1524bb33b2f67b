using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace OPSource.Storage;

/// <summary>
/// One versioned schema change owned by a module. Versions of a module start at 1 and have no gaps;
/// once released, a migration's SQL never changes (its checksum is verified at every start):
/// fix mistakes with a new version.
/// </summary>
public sealed partial record Migration
{
    /// <summary>Creates a migration whose SQL differs between SQLite and PostgreSQL.</summary>
    public Migration(string module, int version, string description, string sqliteSql, string postgresSql)
    {
        if (!ModuleName().IsMatch(module ?? ""))
        {
            throw new ArgumentException($"migration: module name '{module}' must match [a-z][a-z0-9_]* (at most 64 characters)", nameof(module));
        }

        if (version < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, $"migration {module}: version must be 1 or more");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        ArgumentException.ThrowIfNullOrWhiteSpace(sqliteSql);
        ArgumentException.ThrowIfNullOrWhiteSpace(postgresSql);
        Module = module!;
        Version = version;
        Description = description;
        SqliteSql = sqliteSql;
        PostgresSql = postgresSql;
    }

    /// <summary>Creates a migration whose SQL is the same on both providers.</summary>
    public Migration(string module, int version, string description, string sql)
        : this(module, version, description, sql, sql)
    {
    }

    /// <summary>Owner of the tables this migration touches (e.g. <c>wallet</c>).</summary>
    public string Module { get; }

    /// <summary>Position in the module's sequence, from 1.</summary>
    public int Version { get; }

    /// <summary>What the migration does, for operators.</summary>
    public string Description { get; }

    /// <summary>The SQL run on SQLite (may hold several statements).</summary>
    public string SqliteSql { get; }

    /// <summary>The SQL run on PostgreSQL (may hold several statements).</summary>
    public string PostgresSql { get; }

    /// <summary>The SQL for a provider.</summary>
    public string SqlFor(StorageProvider provider) => provider == StorageProvider.Postgres ? PostgresSql : SqliteSql;

    /// <summary>
    /// SHA-256 (hex) of the provider's SQL with line endings normalised and outer whitespace
    /// trimmed: what <c>schema_migrations.checksum</c> records.
    /// </summary>
    public string ChecksumFor(StorageProvider provider)
    {
        var normalized = SqlFor(provider).ReplaceLineEndings("\n").Trim();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));
    }

    /// <inheritdoc />
    public override string ToString() => $"{Module}/{Version} ('{Description}')";

    [GeneratedRegex("^[a-z][a-z0-9_]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex ModuleName();
}

/// <summary>
/// A module's migrations. Each module (wallet, dao, ...) implements one and registers it with
/// <see cref="StorageServiceCollectionExtensions.AddMigrations"/>; the migrator applies them at startup.
/// </summary>
public interface IMigrationSource
{
    /// <summary>The module's migrations, any order (the migrator sorts and checks them).</summary>
    IEnumerable<Migration> Migrations { get; }
}

/// <summary>A migration source over a fixed list (handy for modules with few migrations and for tests).</summary>
public sealed class MigrationList(params Migration[] migrations) : IMigrationSource
{
    private readonly Migration[] _migrations = [.. migrations];

    /// <inheritdoc />
    public IEnumerable<Migration> Migrations => _migrations;
}

/// <summary>A row of <c>schema_migrations</c>.</summary>
public sealed record AppliedMigration(string Module, int Version, string Description, string Checksum, DateTimeOffset AppliedAt);

/// <summary>What a migrator run did.</summary>
public sealed record MigrationReport(IReadOnlyList<Migration> Applied, int AlreadyApplied);

/// <summary>
/// The schema cannot be brought to what this build expects: a migration failed (and was rolled back),
/// an applied migration was edited, or the database is newer than the code. The message names the
/// module and version.
/// </summary>
public sealed class MigrationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MigrationException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public MigrationException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception.</summary>
    public MigrationException() { }
}
