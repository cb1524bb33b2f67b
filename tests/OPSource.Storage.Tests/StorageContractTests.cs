using System.Data.Common;

namespace OPSource.Storage.Tests;

/// <summary>
/// The storage contract, run once per provider (SqliteStorageTests, PostgresStorageTests):
/// migrations and the settings repository must behave identically on both.
/// </summary>
public abstract class StorageContractTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract Task<IStorageTarget> CreateTargetAsync();

    private static Migration Alpha1 => new("alpha", 1, "alpha items", "CREATE TABLE alpha_items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");

    private static Migration Alpha2 => new("alpha", 2, "alpha item note", "ALTER TABLE alpha_items ADD COLUMN note TEXT");

    private static Migration Beta1 => new(
        "beta",
        1,
        "beta links to alpha",
        "CREATE TABLE beta_links (id INTEGER PRIMARY KEY, alpha_id INTEGER NOT NULL REFERENCES alpha_items(id))");

    private static Migrator NewMigrator(Database db, params Migration[] migrations) =>
        new(db, [SettingsRepository.Migrations, .. migrations.GroupBy(m => m.Module).Select(g => new MigrationList([.. g]))], new SteppingTime(DateTimeOffset.UnixEpoch));

    private static async Task<long> CountAsync(Database db, string sql)
    {
        await using var connection = await db.OpenConnectionAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecAsync(Database db, string sql)
    {
        await using var connection = await db.OpenConnectionAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<bool> TableExistsAsync(Database db, string table)
    {
        var sql = db.Provider == StorageProvider.Sqlite
            ? $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
            : $"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{table}'";
        return await CountAsync(db, sql) == 1;
    }

    [Fact]
    public async Task Fresh_database_gets_every_migration_recorded_with_checksums()
    {
        await using var target = await CreateTargetAsync();
        var db = target.Open();
        var migrator = NewMigrator(db, Alpha1, Alpha2);

        var report = await migrator.ApplyAsync(Ct);

        Assert.Equal(["storage/1", "alpha/1", "alpha/2"], report.Applied.Select(m => $"{m.Module}/{m.Version}"));
        Assert.Equal(0, report.AlreadyApplied);
        var applied = await migrator.GetAppliedAsync(Ct);
        Assert.Equal(3, applied.Count);
        foreach (var row in applied)
        {
            var migration = migrator.Migrations.Single(m => m.Module == row.Module && m.Version == row.Version);
            Assert.Equal(migration.ChecksumFor(db.Provider), row.Checksum);
            Assert.Equal(migration.Description, row.Description);
            Assert.Equal(64, row.Checksum.Length);
        }

        await ExecAsync(db, "INSERT INTO alpha_items (id, name, note) VALUES (1, 'a', 'n')");
        Assert.Equal(1, await CountAsync(db, "SELECT COUNT(*) FROM alpha_items WHERE note = 'n'"));
    }

    [Fact]
    public async Task Rerun_applies_nothing_and_keeps_data()
    {
        await using var target = await CreateTargetAsync();
        var db = target.Open();
        await NewMigrator(db, Alpha1, Alpha2).ApplyAsync(Ct);
        await ExecAsync(db, "INSERT INTO alpha_items (id, name) VALUES (7, 'kept')");

        var second = await NewMigrator(target.Open(), Alpha1, Alpha2).ApplyAsync(Ct);

        Assert.Empty(second.Applied);
        Assert.Equal(3, second.AlreadyApplied);
        Assert.Equal(3, await CountAsync(db, "SELECT COUNT(*) FROM schema_migrations"));
        Assert.Equal(1, await CountAsync(db, "SELECT COUNT(*) FROM alpha_items WHERE id = 7"));
    }

    [Fact]
    public async Task Upgrade_applies_only_the_new_versions()
    {
        await using var target = await CreateTargetAsync();
        var db = target.Open();
        await NewMigrator(db, Alpha1).ApplyAsync(Ct);

        var report = await NewMigrator(db, Alpha1, Alpha2, Beta1).ApplyAsync(Ct);

        Assert.Equal(["alpha/2", "beta/1"], report.Applied.Select(m => $"{m.Module}/{m.Version}"));
        Assert.Equal(2, report.AlreadyApplied);
    }

    [Fact]
    public async Task Versions_run_in_order_and_modules_in_registration_order()
    {
        await using var target = await CreateTargetAsync();
        var db = target.Open();
        // Registered out of order: v2 (ALTER) before v1 (CREATE) in the source; beta references alpha's table.
        var migrator = new Migrator(
            db,
            [SettingsRepository.Migrations, new MigrationList(Alpha2, Alpha1), new MigrationList(Beta1)],
            new SteppingTime(DateTimeOffset.UnixEpoch));

        await migrator.ApplyAsync(Ct);

        var applied = await migrator.GetAppliedAsync(Ct);
        Assert.Equal(["storage/1", "alpha/1", "alpha/2", "beta/1"], applied.Select(a => $"{a.Module}/{a.Version}"));
        Assert.True(applied.Zip(applied.Skip(1)).All(p => p.First.AppliedAt < p.Second.AppliedAt));
    }

    [Fact]
    public async Task Changed_checksum_of_an_applied_migration_refuses_to_start()
    {
        await using var target = await CreateTargetAsync();
        var db = target.Open();
        await NewMigrator(db, Alpha1).ApplyAsync(Ct);
        var edited = new Migration("alpha", 1, "alpha items", "CREATE TABLE alpha_items (id INTEGER PRIMARY KEY, name TEXT)");

        var ex = await Assert.ThrowsAsync<MigrationException>(() => NewMigrator(db, edited, Alpha2).ApplyAsync(Ct));

        Assert.Contains("alpha/1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("changed", ex.Message, StringComparison.Ordinal);
        // Refused before anything else ran: alpha/2 was not applied.
        Assert.Equal(0, await CountAsync(db, "SELECT COUNT(*) FROM schema_migrations WHERE module = 'alpha' AND version = 2"));
    }

    [Fact]
    public async Task Database_newer_than_the_code_refuses_to_start()
    {
        await using var target = await CreateTargetAsync();
        var db = target.Open();
        await NewMigrator(db, Alpha1, Alpha2).ApplyAsync(Ct);

        var ex = await Assert.ThrowsAsync<MigrationException>(() => NewMigrator(db, Alpha1).ApplyAsync(Ct));

        Assert.Contains("'alpha'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("version 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("up to version 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failed_migration_rolls_back_completely_and_keeps_earlier_ones()
    {
        await using var target = await CreateTargetAsync();
        var db = target.Open();
        var broken = new Migration(
            "alpha",
            2,
            "half-done change",
            "CREATE TABLE alpha_half (id INTEGER PRIMARY KEY); INSERT INTO alpha_half (id) VALUES (1); INSERT INTO no_such_table (id) VALUES (1)");

        var ex = await Assert.ThrowsAsync<MigrationException>(() => NewMigrator(db, Alpha1, broken).ApplyAsync(Ct));

        Assert.Contains("alpha/2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("rolled back", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<DbException>(ex.InnerException);
        Assert.False(await TableExistsAsync(db, "alpha_half"));
        Assert.True(await TableExistsAsync(db, "alpha_items"));
        Assert.Equal(1, await CountAsync(db, "SELECT COUNT(*) FROM schema_migrations WHERE module = 'alpha'"));

        // The fixed migration then applies cleanly.
        var report = await NewMigrator(db, Alpha1, Alpha2).ApplyAsync(Ct);
        Assert.Equal(["alpha/2"], report.Applied.Select(m => $"{m.Module}/{m.Version}"));
    }

    [Fact]
    public async Task Two_processes_migrating_at_once_apply_each_migration_once()
    {
        await using var target = await CreateTargetAsync();
        var many = Enumerable.Range(1, 8)
            .Select(v => new Migration("gamma", v, $"gamma step {v}", $"CREATE TABLE gamma_{v} (id INTEGER PRIMARY KEY)"))
            .ToArray();
        var first = NewMigrator(target.Open(), many);
        var second = NewMigrator(target.Open(), many);

        var reports = await Task.WhenAll(Task.Run(() => first.ApplyAsync(Ct)), Task.Run(() => second.ApplyAsync(Ct)));

        Assert.Equal(9, reports.Sum(r => r.Applied.Count));
        Assert.All(reports, r => Assert.Equal(9, r.Applied.Count + r.AlreadyApplied));
        var db = target.Open();
        Assert.Equal(9, await CountAsync(db, "SELECT COUNT(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Foreign_keys_are_enforced()
    {
        await using var target = await CreateTargetAsync();
        var db = target.Open();
        await NewMigrator(db, Alpha1, Beta1).ApplyAsync(Ct);

        await Assert.ThrowsAnyAsync<DbException>(() => ExecAsync(db, "INSERT INTO beta_links (id, alpha_id) VALUES (1, 999)"));
        await ExecAsync(db, "INSERT INTO alpha_items (id, name) VALUES (999, 'parent')");
        await ExecAsync(db, "INSERT INTO beta_links (id, alpha_id) VALUES (1, 999)");
    }

    [Fact]
    public async Task Parameters_bind_the_same_way_on_both_providers()
    {
        await using var target = await CreateTargetAsync();
        var db = target.Open();
        await NewMigrator(db, Alpha1, Alpha2).ApplyAsync(Ct);
        await using var connection = await db.OpenConnectionAsync(Ct);
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = "INSERT INTO alpha_items (id, name, note) VALUES (@id, @name, @note)";
            await insert.WithParameter("id", 5).WithParameter("name", "Robert'); DROP TABLE alpha_items;--").WithParameter("note", null).ExecuteNonQueryAsync(Ct);
        }

        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT name FROM alpha_items WHERE id = @id AND note IS NULL";
        Assert.Equal("Robert'); DROP TABLE alpha_items;--", (string?)await select.WithParameter("id", 5).ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task Health_check_answers()
    {
        await using var target = await CreateTargetAsync();
        var check = await target.Open().CheckAsync(Ct);
        Assert.True(check.Ok, check.Error);
        Assert.Null(check.Error);
    }

    private static async Task<SettingsRepository> SettingsAsync(IStorageTarget target, TimeProvider? time = null)
    {
        var db = target.Open();
        await NewMigrator(db).ApplyAsync(Ct);
        return new SettingsRepository(db, time);
    }

    [Fact]
    public async Task Named_lock_is_shared_by_every_handle_on_postgres_and_holds_nothing_on_sqlite()
    {
        await using var target = await CreateTargetAsync();
        var a = target.Open();
        var b = target.Open(); // another pool: another server instance
        var shared = a.Provider == StorageProvider.Postgres;
        var held = await a.LockAsync("dwn record 1", Ct);

        // Another name is free at once; the same name waits for the holder (PostgreSQL) or does not lock (SQLite).
        await (await b.LockAsync("dwn record 2", Ct)).DisposeAsync();
        var waiting = b.LockAsync("dwn record 1", Ct);
        await Task.WhenAny(waiting, Task.Delay(500, Ct));
        Assert.Equal(!shared, waiting.IsCompleted);

        // A waiter that gives up leaves nothing behind.
        if (shared)
        {
            using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            var cancelled = b.LockAsync("dwn record 1", giveUp.Token);
            await giveUp.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        }

        // Released: the waiter gets it, and the first handle now waits in turn.
        await held.DisposeAsync();
        var second = await waiting;
        var again = a.LockAsync("dwn record 1", Ct);
        await Task.WhenAny(again, Task.Delay(300, Ct));
        Assert.Equal(!shared, again.IsCompleted);
        await second.DisposeAsync();
        await (await again).DisposeAsync();
    }

    [Fact]
    public async Task Settings_round_trip_typed_values()
    {
        await using var target = await CreateTargetAsync();
        var settings = await SettingsAsync(target);
        var id = Guid.NewGuid();
        var when = new DateTimeOffset(2024, 2, 29, 13, 14, 15, TimeSpan.FromHours(2));

        await settings.SetAsync(SettingKeys.String("node.name"), "héllo 'quoted' ✓", Ct);
        await settings.SetAsync(SettingKeys.Int64("node.height"), long.MinValue, Ct);
        await settings.SetAsync(SettingKeys.Boolean("node.pruned"), true, Ct);
        await settings.SetAsync(SettingKeys.Guid("node.instance_id"), id, Ct);
        await settings.SetAsync(SettingKeys.Timestamp("node.first_start"), when, Ct);

        Assert.Equal("héllo 'quoted' ✓", await settings.GetAsync(SettingKeys.String("node.name"), "", Ct));
        Assert.Equal(long.MinValue, await settings.GetAsync(SettingKeys.Int64("node.height"), 0, Ct));
        Assert.True(await settings.GetAsync(SettingKeys.Boolean("node.pruned"), false, Ct));
        Assert.Equal(id, await settings.GetAsync(SettingKeys.Guid("node.instance_id"), Guid.Empty, Ct));
        var readBack = await settings.GetAsync(SettingKeys.Timestamp("node.first_start"), default, Ct);
        Assert.Equal(when, readBack);
        Assert.Equal(when.Offset, readBack.Offset);
    }

    [Fact]
    public async Task Settings_absent_overwrite_remove_and_list()
    {
        await using var target = await CreateTargetAsync();
        var time = new SteppingTime(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var settings = await SettingsAsync(target, time);
        var height = SettingKeys.Int64("b.height");

        Assert.Equal((false, 0L), await settings.TryGetAsync(height, Ct));
        Assert.Equal(42, await settings.GetAsync(height, 42, Ct));
        await settings.SetAsync(height, 1, Ct);
        await settings.SetAsync(height, 2, Ct);
        await settings.SetAsync(SettingKeys.String("a.first"), "x", Ct);
        Assert.Equal((true, 2L), await settings.TryGetAsync(height, Ct));

        var list = await settings.ListAsync(Ct);
        Assert.Equal(["a.first", "b.height"], list.Select(s => s.Key));
        Assert.Equal("2", list[1].Value);
        Assert.True(list[1].UpdatedAt > new DateTimeOffset(2030, 1, 1, 0, 0, 1, TimeSpan.Zero), "overwrite must bump updated_at");

        Assert.True(await settings.RemoveAsync("b.height", Ct));
        Assert.False(await settings.RemoveAsync("b.height", Ct));
        Assert.Equal((false, 0L), await settings.TryGetAsync(height, Ct));
    }

    [Fact]
    public async Task Settings_wrongly_typed_stored_value_is_a_format_error_naming_the_key()
    {
        await using var target = await CreateTargetAsync();
        var settings = await SettingsAsync(target);
        await settings.SetAsync(SettingKeys.String("node.height"), "tall", Ct);

        var ex = await Assert.ThrowsAsync<FormatException>(() => settings.GetAsync(SettingKeys.Int64("node.height"), 0, Ct));
        Assert.Contains("node.height", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_get_or_add_keeps_the_first_value_under_concurrency()
    {
        await using var target = await CreateTargetAsync();
        await SettingsAsync(target);
        var key = SettingKeys.Guid("node.instance_id");
        var contenders = Enumerable.Range(0, 6).Select(_ => new SettingsRepository(target.Open())).ToArray();

        var ids = await Task.WhenAll(contenders.Select(s => Task.Run(() => s.GetOrAddAsync(key, Guid.NewGuid, Ct))));

        Assert.Single(ids.Distinct());
        Assert.Equal(ids[0], await contenders[0].GetAsync(key, Guid.Empty, Ct));
    }
}

public sealed class SqliteStorageTests : StorageContractTests
{
    protected override Task<IStorageTarget> CreateTargetAsync() => Task.FromResult<IStorageTarget>(new SqliteTarget());

    [Fact]
    public async Task Sqlite_file_is_under_the_data_dir_in_wal_mode_with_foreign_keys()
    {
        await using var target = new SqliteTarget();
        var db = target.Open();
        await using var connection = await db.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        command.CommandText = "PRAGMA foreign_keys";
        Assert.Equal(1L, (long?)await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        command.CommandText = "PRAGMA busy_timeout";
        Assert.Equal(5000L, (long?)await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        Assert.Equal(Path.Combine(target.DataDir, "opsource.db"), db.SqlitePath);
        Assert.True(File.Exists(db.SqlitePath));
        Assert.StartsWith("sqlite ", db.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pooled_sqlite_connection_keeps_foreign_keys_and_busy_timeout_when_reused()
    {
        // OpenConnectionAsync sets the pragmas once per SQLite handle; the pool hands the same handle out again.
        var ct = TestContext.Current.CancellationToken;
        await using var target = new SqliteTarget();
        var db = target.Open();
        object? firstHandle;
        await using (var first = await db.OpenConnectionAsync(ct))
        {
            firstHandle = ((Microsoft.Data.Sqlite.SqliteConnection)first).Handle;
        }

        for (var i = 0; i < 3; i++)
        {
            await using var again = await db.OpenConnectionAsync(ct);
            Assert.Same(firstHandle, ((Microsoft.Data.Sqlite.SqliteConnection)again).Handle);
            await using var command = again.CreateCommand();
            command.CommandText = "PRAGMA foreign_keys";
            Assert.Equal(1L, (long?)await command.ExecuteScalarAsync(ct));
            command.CommandText = "PRAGMA busy_timeout";
            Assert.Equal(5000L, (long?)await command.ExecuteScalarAsync(ct));
        }

        // Two connections at once: the second gets a new handle, set up as well.
        await using var a = await db.OpenConnectionAsync(ct);
        await using var b = await db.OpenConnectionAsync(ct);
        Assert.NotSame(((Microsoft.Data.Sqlite.SqliteConnection)a).Handle, ((Microsoft.Data.Sqlite.SqliteConnection)b).Handle);
        await using var check = b.CreateCommand();
        check.CommandText = "PRAGMA busy_timeout";
        Assert.Equal(5000L, (long?)await check.ExecuteScalarAsync(ct));
    }
}

public sealed class PostgresStorageTests : StorageContractTests
{
    protected override async Task<IStorageTarget> CreateTargetAsync() => await PostgresTarget.CreateAsync();

    [Fact]
    public async Task Description_never_shows_the_password()
    {
        PostgresTarget.RequireServer();
        var options = new StorageOptions { ConnectionString = "Host=127.0.0.1;Port=5432;Username=u;Password=hunter2;Database=d" };
        await using var db = Database.Create(options, Path.GetTempPath());
        Assert.Equal(StorageProvider.Postgres, db.Provider);
        Assert.DoesNotContain("hunter2", db.Description, StringComparison.Ordinal);
        Assert.Contains("***", db.Description, StringComparison.Ordinal);
    }
}
