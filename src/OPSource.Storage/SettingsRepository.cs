using System.Globalization;
using System.Text.RegularExpressions;

namespace OPSource.Storage;

/// <summary>
/// A typed setting name: how its value is written to and read from the <c>settings</c> table.
/// Delegates instead of reflection keep it Native-AOT safe.
/// </summary>
/// <typeparam name="T">The value's type.</typeparam>
public sealed partial class SettingKey<T>
{
    /// <summary>Creates a key with its own text format.</summary>
    /// <param name="name">Lower-case dotted name, e.g. <c>node.instance_id</c>.</param>
    /// <param name="format">Value to text.</param>
    /// <param name="tryParse">Text to value; false when the stored text is not a valid value.</param>
    public SettingKey(string name, Func<T, string> format, TryParseValue tryParse)
    {
        SettingKeys.EnsureValidName(name);
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(tryParse);
        Name = name;
        Format = format;
        TryParse = tryParse;
    }

    /// <summary>Parser shape for a setting's stored text.</summary>
    public delegate bool TryParseValue(string text, out T value);

    /// <summary>The key's name in the table.</summary>
    public string Name { get; }

    /// <summary>Formats a value for storage.</summary>
    public Func<T, string> Format { get; }

    /// <summary>Parses a stored value.</summary>
    public TryParseValue TryParse { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>Factories for the common setting types.</summary>
public static partial class SettingKeys
{
    /// <summary>A text setting.</summary>
    public static SettingKey<string> String(string name) => new(name, v => v, (string t, out string v) => { v = t; return true; });

    /// <summary>A 64-bit integer setting (invariant culture).</summary>
    public static SettingKey<long> Int64(string name) => new(
        name,
        v => v.ToString(CultureInfo.InvariantCulture),
        (string t, out long v) => long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v));

    /// <summary>A boolean setting stored as <c>true</c>/<c>false</c>.</summary>
    public static SettingKey<bool> Boolean(string name) => new(
        name,
        v => v ? "true" : "false",
        (string t, out bool v) => bool.TryParse(t, out v));

    /// <summary>A GUID setting (e.g. an instance id).</summary>
    public static SettingKey<Guid> Guid(string name) => new(
        name,
        v => v.ToString("D"),
        (string t, out Guid v) => System.Guid.TryParseExact(t, "D", out v));

    /// <summary>A timestamp setting stored as ISO 8601 (round-trip format).</summary>
    public static SettingKey<DateTimeOffset> Timestamp(string name) => new(
        name,
        v => v.ToString("O", CultureInfo.InvariantCulture),
        (string t, out DateTimeOffset v) => DateTimeOffset.TryParseExact(t, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out v));

    internal static void EnsureValidName(string name)
    {
        if (name is null || !NamePattern().IsMatch(name))
        {
            throw new ArgumentException($"settings: key '{name}' must be 1-128 characters of a-z, 0-9, '.', '_' or '-', starting with a letter", nameof(name));
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}

/// <summary>One stored setting.</summary>
public sealed record StoredSetting(string Key, string Value, DateTimeOffset UpdatedAt);

/// <summary>
/// Key/value store for node and application settings (instance id, first start, module flags).
/// Not for secrets: values are stored in clear.
/// </summary>
public sealed class SettingsRepository
{
    /// <summary>The module name of Storage's own migrations.</summary>
    public const string Module = "storage";

    private readonly Database _database;
    private readonly TimeProvider _time;

    /// <summary>Creates the repository over a database whose migrations include <see cref="Migrations"/>.</summary>
    public SettingsRepository(Database database, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Storage's own migrations (the <c>settings</c> table).</summary>
    public static IMigrationSource Migrations { get; } = new MigrationList(
        new Migration(
            Module,
            1,
            "settings key/value table",
            """
            CREATE TABLE settings (
                key        TEXT PRIMARY KEY,
                value      TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE settings (
                key        TEXT PRIMARY KEY,
                value      TEXT NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL
            )
            """));

    /// <summary>Reads a setting; <c>(false, default)</c> when absent.</summary>
    /// <exception cref="FormatException">The stored text is not a valid value for the key's type.</exception>
    public async Task<(bool Found, T Value)> TryGetAsync<T>(SettingKey<T> key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var text = await GetRawAsync(key.Name, cancellationToken).ConfigureAwait(false);
        if (text is null)
        {
            return (false, default!);
        }

        return key.TryParse(text, out var value)
            ? (true, value)
            : throw new FormatException($"settings: stored value of '{key.Name}' is not a valid {typeof(T).Name}");
    }

    /// <summary>Reads a setting or returns <paramref name="defaultValue"/> when absent.</summary>
    public async Task<T> GetAsync<T>(SettingKey<T> key, T defaultValue, CancellationToken cancellationToken)
    {
        var (found, value) = await TryGetAsync(key, cancellationToken).ConfigureAwait(false);
        return found ? value : defaultValue;
    }

    /// <summary>Inserts or replaces a setting.</summary>
    public async Task SetAsync<T>(SettingKey<T> key, T value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Db.Command(
            connection,
            "INSERT INTO settings (key, value, updated_at) VALUES (@key, @value, @now) " +
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
        Db.AddParameter(command, "key", key.Name);
        Db.AddParameter(command, "value", key.Format(value));
        Db.AddParameter(command, "now", _time.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Returns the stored value, or stores and returns <paramref name="create"/>'s value when absent.
    /// Atomic across processes: concurrent callers all get the first value stored.
    /// </summary>
    public async Task<T> GetOrAddAsync<T>(SettingKey<T> key, Func<T> create, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(create);
        var (found, existing) = await TryGetAsync(key, cancellationToken).ConfigureAwait(false);
        if (found)
        {
            return existing;
        }

        await using (var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var command = Db.Command(
                connection,
                "INSERT INTO settings (key, value, updated_at) VALUES (@key, @value, @now) ON CONFLICT (key) DO NOTHING");
            Db.AddParameter(command, "key", key.Name);
            Db.AddParameter(command, "value", key.Format(create()));
            Db.AddParameter(command, "now", _time.GetUtcNow());
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var (_, stored) = await TryGetAsync(key, cancellationToken).ConfigureAwait(false);
        return stored;
    }

    /// <summary>Deletes a setting; false when it was absent.</summary>
    public async Task<bool> RemoveAsync(string key, CancellationToken cancellationToken)
    {
        SettingKeys.EnsureValidName(key);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Db.Command(connection, "DELETE FROM settings WHERE key = @key");
        Db.AddParameter(command, "key", key);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>All settings, ordered by key.</summary>
    public async Task<IReadOnlyList<StoredSetting>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Db.Command(connection, "SELECT key, value, updated_at FROM settings ORDER BY key");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<StoredSetting>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(new StoredSetting(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return result;
    }

    private async Task<string?> GetRawAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Db.Command(connection, "SELECT value FROM settings WHERE key = @key");
        Db.AddParameter(command, "key", key);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }
}
