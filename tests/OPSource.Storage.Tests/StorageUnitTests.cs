using CsCheck;

namespace OPSource.Storage.Tests;

/// <summary>Provider-independent rules: registration checks, options validation, redaction.</summary>
public class StorageUnitTests
{
    [Fact]
    public void Lock_keys_are_the_first_8_bytes_of_sha256_big_endian_and_stable()
    {
        // python3: struct.unpack('>q', hashlib.sha256(b'OPSource').digest()[:8])
        Assert.Equal(-4379099527345880034L, DatabaseLock.KeyOf("OPSource"));
        Assert.Equal(-3114122112348526279L, DatabaseLock.KeyOf("web5.dwn\ndid:example:alice\nbafy"));
        Assert.NotEqual(DatabaseLock.KeyOf("web5.dwn\na\nb"), DatabaseLock.KeyOf("web5.dwn\na\nc"));
    }

    private static Database Sqlite() => Database.Create(new StorageOptions(), Path.GetTempPath());

    [Fact]
    public void Migration_versions_with_a_gap_are_rejected_at_registration()
    {
        using var db = Sqlite();
        var ex = Assert.Throws<ArgumentException>(() => new Migrator(db, [new MigrationList(
            new Migration("m", 1, "one", "SELECT 1"),
            new Migration("m", 3, "three", "SELECT 1"))]));
        Assert.Contains("'m'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("found 3 where 2 was expected", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_versions_and_modules_in_two_sources_are_rejected()
    {
        using var db = Sqlite();
        var dup = Assert.Throws<ArgumentException>(() => new Migrator(db, [new MigrationList(
            new Migration("m", 1, "one", "SELECT 1"),
            new Migration("m", 1, "again", "SELECT 2"))]));
        Assert.Contains("version 1 twice", dup.Message, StringComparison.Ordinal);

        var twoSources = Assert.Throws<ArgumentException>(() => new Migrator(db, [
            new MigrationList(new Migration("m", 1, "one", "SELECT 1")),
            new MigrationList(new Migration("m", 2, "two", "SELECT 1"))]));
        Assert.Contains("more than one migration source", twoSources.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Wallet")]
    [InlineData("1wallet")]
    [InlineData("wal-let")]
    public void Module_names_are_lowercase_identifiers(string module)
    {
        Assert.Throws<ArgumentException>(() => new Migration(module, 1, "d", "SELECT 1"));
    }

    [Fact]
    public void Migration_version_starts_at_one()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Migration("m", 0, "d", "SELECT 1"));
    }

    [Fact]
    public void Checksum_ignores_line_endings_and_outer_whitespace_but_not_content()
    {
        var a = new Migration("m", 1, "d", "CREATE TABLE t (id INTEGER);\nSELECT 1;");
        var b = new Migration("m", 1, "d", "  CREATE TABLE t (id INTEGER);\r\nSELECT 1;\n");
        var c = new Migration("m", 1, "d", "CREATE TABLE t (id BIGINT);\nSELECT 1;");
        Assert.Equal(a.ChecksumFor(StorageProvider.Sqlite), b.ChecksumFor(StorageProvider.Sqlite));
        Assert.NotEqual(a.ChecksumFor(StorageProvider.Sqlite), c.ChecksumFor(StorageProvider.Sqlite));
        var split = new Migration("m", 1, "d", "SELECT 1", "SELECT 2");
        Assert.NotEqual(split.ChecksumFor(StorageProvider.Sqlite), split.ChecksumFor(StorageProvider.Postgres));
    }

    [Theory]
    [InlineData(null, null, StorageProvider.Sqlite)]
    [InlineData("", "Host=h", StorageProvider.Postgres)]
    [InlineData("SQLite", null, StorageProvider.Sqlite)]
    [InlineData("postgresql", "Host=h", StorageProvider.Postgres)]
    public void Provider_is_explicit_or_inferred_from_the_connection_string(string? provider, string? connectionString, StorageProvider expected)
    {
        var options = new StorageOptions { Provider = provider, ConnectionString = connectionString };
        Assert.Empty(options.Validate());
        Assert.Equal(expected, options.ResolveProvider());
    }

    [Theory]
    [InlineData("mysql", null, 5, "Storage:Provider 'mysql' is not supported")]
    [InlineData("postgres", null, 5, "Storage:ConnectionString is required")]
    [InlineData("postgres", "Port=5432", 5, "Storage:ConnectionString has no Host")]
    [InlineData("postgres", "Host=h;Bogus Key=1;Password=s3cret", 5, "Storage:ConnectionString is not a valid")]
    [InlineData("sqlite", "Host=h", 5, "Storage:ConnectionString is set but Storage:Provider is sqlite")]
    [InlineData("sqlite", null, -1, "Storage:BusyTimeoutSeconds must be between 0 and 600")]
    public void Invalid_options_name_the_setting(string? provider, string? connectionString, int busy, string expected)
    {
        var options = new StorageOptions { Provider = provider, ConnectionString = connectionString, BusyTimeoutSeconds = busy };
        var errors = options.Validate();
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("s3cret", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => Database.Create(options, Path.GetTempPath()));
    }

    [Fact]
    public void Redaction_hides_passwords_and_keeps_the_rest()
    {
        var redacted = StorageOptions.RedactConnectionString("Host=db;Username=ops;Password=hunter2;Database=opsource;SSL Password=k3y");
        Assert.DoesNotContain("hunter2", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("k3y", redacted, StringComparison.Ordinal);
        Assert.Contains("Host=db", redacted, StringComparison.Ordinal);
        Assert.Contains("Database=opsource", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_and_redaction_never_throw_on_arbitrary_text()
    {
        Gen.String.Select(Gen.String, Gen.Int[-5, 700]).Sample((cs, path, busy) =>
        {
            var options = new StorageOptions { Provider = "postgres", ConnectionString = cs, SqlitePath = path, BusyTimeoutSeconds = busy };
            _ = options.Validate();
            _ = StorageOptions.RedactConnectionString(cs);
            var sqlite = new StorageOptions { SqlitePath = path, BusyTimeoutSeconds = busy };
            _ = sqlite.Validate();
        });
    }

    [Fact]
    public void Setting_keys_validate_names_and_round_trip_values()
    {
        Assert.Throws<ArgumentException>(() => SettingKeys.String("Bad Key"));
        Assert.Throws<ArgumentException>(() => SettingKeys.String(""));
        var key = SettingKeys.Int64("n");
        Gen.Long.Sample(v => key.TryParse(key.Format(v), out var back) && back == v);
        var ts = SettingKeys.Timestamp("t");
        Gen.DateTimeOffset.Sample(v => ts.TryParse(ts.Format(v), out var back) && back == v && back.Offset == v.Offset);
    }

    [Fact]
    public async Task Unreachable_postgres_reports_unhealthy_without_throwing()
    {
        var options = new StorageOptions { ConnectionString = "Host=127.0.0.1;Port=1;Username=u;Password=hunter2;Timeout=3" };
        await using var db = Database.Create(options, Path.GetTempPath());
        var check = await db.CheckAsync(TestContext.Current.CancellationToken);
        Assert.False(check.Ok);
        Assert.NotNull(check.Error);
        Assert.DoesNotContain("hunter2", check.Error, StringComparison.Ordinal);
    }
}

public class DataDirTests
{
    [Fact]
    public void New_data_dir_is_private_to_the_user()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("POSIX permissions only");
            return;
        }

        var parent = Directory.CreateTempSubdirectory("opsource-perm-").FullName;
        try
        {
            var dataDir = Path.Combine(parent, "nested", "data");
            using var db = Database.Create(new StorageOptions(), dataDir);
            Assert.Equal(
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                File.GetUnixFileMode(dataDir));
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }
}
