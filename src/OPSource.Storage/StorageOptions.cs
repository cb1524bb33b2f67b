using Microsoft.Data.Sqlite;
using Npgsql;

namespace OPSource.Storage;

/// <summary>Which database engine holds OPSource's state.</summary>
public enum StorageProvider
{
    /// <summary>An embedded SQLite file under the data directory (the default: nothing to install).</summary>
    Sqlite,

    /// <summary>A PostgreSQL server (scale-out deployments).</summary>
    Postgres,
}

/// <summary>
/// Storage settings, bound from the <c>Storage</c> configuration section. Mutable only because the
/// options pattern binds into it; validate with <see cref="Validate"/> before use.
/// </summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Storage";

    /// <summary>
    /// <c>sqlite</c> or <c>postgres</c>. When empty, PostgreSQL is used if a connection string is set,
    /// SQLite otherwise.
    /// </summary>
    public string? Provider { get; set; }

    /// <summary>PostgreSQL connection string (may hold a password: never log it, use <see cref="Describe"/>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>SQLite database file; relative paths are below the data directory.</summary>
    public string SqlitePath { get; set; } = "opsource.db";

    /// <summary>How long a connection waits for a lock held by another connection or process.</summary>
    public int BusyTimeoutSeconds { get; set; } = 5;

    /// <summary>The provider these options select (after <see cref="Validate"/> reported no error).</summary>
    public StorageProvider ResolveProvider()
    {
        if (string.IsNullOrWhiteSpace(Provider))
        {
            return string.IsNullOrWhiteSpace(ConnectionString) ? StorageProvider.Sqlite : StorageProvider.Postgres;
        }

        return TryParseProvider(Provider, out var provider)
            ? provider
            : throw new InvalidOperationException($"Storage:Provider '{Provider}' is not supported (use sqlite or postgres)");
    }

    /// <summary>Parses a provider name: <c>sqlite</c>, <c>postgres</c> or <c>postgresql</c> (any case).</summary>
    public static bool TryParseProvider(string? name, out StorageProvider provider)
    {
        switch (name?.Trim().ToUpperInvariant())
        {
            case "SQLITE":
                provider = StorageProvider.Sqlite;
                return true;
            case "POSTGRES" or "POSTGRESQL":
                provider = StorageProvider.Postgres;
                return true;
            default:
                provider = default;
                return false;
        }
    }

    /// <summary>
    /// Checks the settings and returns one message per problem, each naming the setting
    /// (<c>Storage:Provider</c>, ...). Connection-string contents never appear in a message.
    /// </summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(Provider) && !TryParseProvider(Provider, out _))
        {
            errors.Add($"Storage:Provider '{Provider}' is not supported (use sqlite or postgres)");
            return errors;
        }

        if (BusyTimeoutSeconds is < 0 or > 600)
        {
            errors.Add($"Storage:BusyTimeoutSeconds must be between 0 and 600 (got {BusyTimeoutSeconds})");
        }

        switch (ResolveProvider())
        {
            case StorageProvider.Postgres:
                if (string.IsNullOrWhiteSpace(ConnectionString))
                {
                    errors.Add("Storage:ConnectionString is required when Storage:Provider is postgres");
                }
                else
                {
                    // The parser's own message may quote the string (and its password): not echoed.
                    if (!TryParsePostgres(ConnectionString, out var builder))
                    {
                        errors.Add("Storage:ConnectionString is not a valid PostgreSQL connection string");
                    }
                    else if (string.IsNullOrWhiteSpace(builder.Host))
                    {
                        errors.Add("Storage:ConnectionString has no Host");
                    }
                }

                break;
            case StorageProvider.Sqlite:
                if (!string.IsNullOrWhiteSpace(ConnectionString))
                {
                    errors.Add("Storage:ConnectionString is set but Storage:Provider is sqlite (SQLite uses Storage:SqlitePath)");
                }

                if (string.IsNullOrWhiteSpace(SqlitePath))
                {
                    errors.Add("Storage:SqlitePath must not be empty");
                }
                else if (SqlitePath.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0)
                {
                    errors.Add("Storage:SqlitePath contains characters that are not valid in a path");
                }

                break;
        }

        return errors;
    }

    /// <summary>The SQLite file these options point at, resolved against <paramref name="dataDir"/>.</summary>
    public string ResolveSqlitePath(string dataDir) => Path.GetFullPath(Path.Combine(dataDir, SqlitePath));

    /// <summary>A human description of the target with any password redacted (safe to log and print).</summary>
    public string Describe(string dataDir) => ResolveProvider() switch
    {
        StorageProvider.Sqlite => $"sqlite {ResolveSqlitePath(dataDir)}",
        _ => $"postgres {RedactConnectionString(ConnectionString)}",
    };

    /// <summary>Returns a PostgreSQL connection string with its password (and similar secrets) replaced by <c>***</c>.</summary>
    public static string RedactConnectionString(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return "";
        }

        if (!TryParsePostgres(connectionString, out var builder))
        {
            return "(invalid connection string)";
        }

        var redacted = new NpgsqlConnectionStringBuilder();
        foreach (var key in builder.Keys)
        {
            if (!builder.TryGetValue(key, out var value) || value is null)
            {
                continue;
            }

            redacted[key] = IsSecretKey(key) ? "***" : value;
        }

        return redacted.ConnectionString;
    }

    /// <summary>Parses a PostgreSQL connection string; false (never an exception) when it is malformed.</summary>
    private static bool TryParsePostgres(string connectionString, out NpgsqlConnectionStringBuilder builder)
    {
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or KeyNotFoundException or FormatException or InvalidCastException or OverflowException)
        {
            // Npgsql throws several exception types for malformed keys and values.
            builder = null!;
            return false;
        }
    }

    private static bool IsSecretKey(string key) =>
        key.Contains("password", StringComparison.OrdinalIgnoreCase)
        || key.Contains("passfile", StringComparison.OrdinalIgnoreCase)
        || key.Contains("sslkey", StringComparison.OrdinalIgnoreCase)
        || key.Equals("ssl key", StringComparison.OrdinalIgnoreCase)
        || key.Contains("ssl password", StringComparison.OrdinalIgnoreCase);

    internal string BuildSqliteConnectionString(string dataDir) => new SqliteConnectionStringBuilder
    {
        DataSource = ResolveSqlitePath(dataDir),
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Default,
        Pooling = true,
        // Foreign keys are turned on once per new handle by Database.OpenConnectionAsync (a pooled handle keeps
        // the setting); ForeignKeys=True here would run the pragma again on every open.
        DefaultTimeout = BusyTimeoutSeconds,
    }.ToString();
}
