using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using OPSource.Storage;
using OPSource.TestSupport;

namespace OPSource.Server.Tests;

/// <summary>Starts the real host on a free loopback port and talks to it over HTTP.</summary>
public sealed class ServerHostTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("opsource-server-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    private OpsourceOptions Options(StorageOptions? storage = null) => new()
    {
        Network = "regtest",
        DataDir = _dataDir,
        Storage = storage ?? new StorageOptions(),
        Server = new ServerOptions { Urls = "http://127.0.0.1:0", ShutdownTimeoutSeconds = 5 },
    };

    private static async Task<(WebApplication App, HttpClient Http)> StartAsync(OpsourceOptions options, Action<IServiceCollection>? services = null, bool prepare = true)
    {
        var app = OpsourceServer.Build(options, configureServices: services);
        if (prepare)
        {
            await OpsourceServer.PrepareAsync(app, Ct);
        }

        await app.StartAsync(Ct);
        var address = app.Urls.Single();
        Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
        return (app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) });
    }

    private static async Task StopAsync(WebApplication app, HttpClient http)
    {
        http.Dispose();
        await app.StopAsync(Ct);
        await app.DisposeAsync();
    }

    [Fact]
    public async Task Health_and_info_report_the_running_service()
    {
        var (app, http) = await StartAsync(Options());
        try
        {
            var health = await http.GetAsync("/api/v1/health", Ct);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("application/json", health.Content.Headers.ContentType?.MediaType);
            var h = JsonNode.Parse(await health.Content.ReadAsStringAsync(Ct))!;
            Assert.Equal("ok", (string?)h["status"]);
            Assert.Equal("ok", (string?)h["database"]!["status"]);
            Assert.Equal("sqlite", (string?)h["database"]!["provider"]);

            var info = JsonNode.Parse(await http.GetStringAsync("/api/v1/info", Ct))!;
            Assert.Equal("opsource", (string?)info["name"]);
            Assert.Equal("regtest", (string?)info["network"]);
            Assert.Equal(_dataDir, (string?)info["data_dir"]);
            Assert.Equal("sqlite", (string?)info["storage"]!["provider"]);
            Assert.Contains(Path.Combine(_dataDir, "opsource.db"), (string?)info["storage"]!["target"], StringComparison.Ordinal);
            Assert.NotEqual(Guid.Empty, Guid.Parse((string)info["instance_id"]!));
            Assert.True((double)info["uptime_s"]! >= 0);
            Assert.False(string.IsNullOrEmpty((string?)info["version"]));
        }
        finally
        {
            await StopAsync(app, http);
        }
    }

    [Fact]
    public async Task Instance_id_survives_a_restart_on_the_same_data_dir()
    {
        var (app1, http1) = await StartAsync(Options());
        var first = (string?)JsonNode.Parse(await http1.GetStringAsync("/api/v1/info", Ct))!["instance_id"];
        await StopAsync(app1, http1);

        var (app2, http2) = await StartAsync(Options());
        try
        {
            var second = (string?)JsonNode.Parse(await http2.GetStringAsync("/api/v1/info", Ct))!["instance_id"];
            Assert.Equal(first, second);
        }
        finally
        {
            await StopAsync(app2, http2);
        }
    }

    [Fact]
    public async Task Health_is_503_when_the_database_is_unreachable()
    {
        var storage = new StorageOptions { Provider = "postgres", ConnectionString = "Host=127.0.0.1;Port=1;Username=u;Password=hunter2;Timeout=2" };
        var (app, http) = await StartAsync(Options(storage), prepare: false);
        try
        {
            var response = await http.GetAsync("/api/v1/health", Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync(Ct);
            var h = JsonNode.Parse(body)!;
            Assert.Equal("unavailable", (string?)h["status"]);
            Assert.Equal("error", (string?)h["database"]!["status"]);
            Assert.False(string.IsNullOrEmpty((string?)h["database"]!["error"]));
            Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
        }
        finally
        {
            await StopAsync(app, http);
        }
    }

    [Fact]
    public async Task Unknown_route_is_a_problem_details_404()
    {
        var (app, http) = await StartAsync(Options());
        try
        {
            // Without a token an unknown route is indistinguishable from a protected one.
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/v1/nope", Ct)).StatusCode);
            var key = await app.Services.GetRequiredService<OPSource.Platform.Security.ApiKeyStore>().CreateAsync(null, OPSource.Platform.Security.ApiRole.Viewer, OPSource.Platform.Security.ScopeSet.Unrestricted, Ct);
            var token = JsonNode.Parse(await (await http.PostAsJsonAsync("/api/v1/auth/token", new JsonObject { ["api_key"] = key.Key }, Ct)).Content.ReadAsStringAsync(Ct))!["access_token"]!.ToString();
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            var response = await http.GetAsync("/api/v1/nope", Ct);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
            Assert.Equal(404, (int?)problem["status"]);
            Assert.Equal("not_found", (string?)problem["code"]);
            Assert.Equal(response.Headers.GetValues("X-Request-Id").Single(), (string?)problem["request_id"]);
        }
        finally
        {
            await StopAsync(app, http);
        }
    }

    [Fact]
    public async Task Unhandled_errors_are_problem_details_500_without_internals()
    {
        var app = OpsourceServer.Build(Options());
        await OpsourceServer.PrepareAsync(app, Ct);
        app.MapGet("/api/v1/test-boom", string () => throw new InvalidOperationException("secret internals")).AllowAnonymous();
        await app.StartAsync(Ct);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        try
        {
            var response = await http.GetAsync("/api/v1/test-boom", Ct);
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.Equal(500, (int?)JsonNode.Parse(body)!["status"]);
            Assert.DoesNotContain("secret internals", body, StringComparison.Ordinal);
        }
        finally
        {
            await StopAsync(app, http);
        }
    }

    [Fact]
    public async Task Requests_are_logged_as_structured_events_without_query_strings()
    {
        var capture = new CapturingLoggerProvider();
        var (app, http) = await StartAsync(Options(), s => s.AddSingleton<ILoggerProvider>(capture));
        try
        {
            (await http.GetAsync("/api/v1/health?token=s3cret-token", Ct)).EnsureSuccessStatusCode();
        }
        finally
        {
            await StopAsync(app, http);
        }

        var request = Assert.Single(capture.Entries, e => e.Category.StartsWith("Microsoft.AspNetCore.HttpLogging", StringComparison.Ordinal));
        Assert.Contains("/api/v1/health", request.Message, StringComparison.Ordinal);
        Assert.Contains("200", request.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(capture.Entries, e => e.Message.Contains("s3cret", StringComparison.Ordinal));
        Assert.Contains(capture.Entries, e => e.Message.StartsWith("schema up to date", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_is_graceful_and_closes_the_port()
    {
        var (app, http) = await StartAsync(Options());
        var address = app.Urls.Single();
        (await http.GetAsync("/api/v1/health", Ct)).EnsureSuccessStatusCode();
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await StopAsync(app, http);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"stop took {stopwatch.Elapsed}");

        using var after = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Assert.ThrowsAsync<HttpRequestException>(() => after.GetAsync(address + "/api/v1/health", Ct));
    }

    [Fact]
    public async Task Module_migrations_run_at_startup_and_an_edited_one_refuses_to_start()
    {
        var v1 = new Migration("testmod", 1, "test table", "CREATE TABLE testmod_items (id INTEGER PRIMARY KEY)");
        var (app, http) = await StartAsync(Options(), s => s.AddMigrations(new MigrationList(v1)));
        await StopAsync(app, http);
        await using (var db = Database.Create(new StorageOptions(), _dataDir))
        {
            await using var connection = await db.OpenConnectionAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM schema_migrations WHERE module = 'testmod'";
            Assert.Equal(1L, (long?)await command.ExecuteScalarAsync(Ct));
        }

        var edited = new Migration("testmod", 1, "test table", "CREATE TABLE testmod_items (id BIGINT PRIMARY KEY)");
        var broken = OpsourceServer.Build(Options(), configureServices: s => s.AddMigrations(new MigrationList(edited)));
        await using (broken)
        {
            var ex = await Assert.ThrowsAsync<MigrationException>(() => OpsourceServer.PrepareAsync(broken, Ct));
            Assert.Contains("testmod/1", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Runs_on_postgres_too()
    {
        var admin = Environment.GetEnvironmentVariable("OPSOURCE_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(admin))
        {
            if (Vectors.IsCi)
            {
                throw new InvalidOperationException("OPSOURCE_TEST_POSTGRES is not set (CI=true: PostgreSQL tests are mandatory)");
            }

            Assert.Skip("OPSOURCE_TEST_POSTGRES is not set: run scripts/test.sh");
        }

        var name = "opsource_srv_" + Guid.NewGuid().ToString("N")[..12];
        await using (var c = new NpgsqlConnection(admin))
        {
            await c.OpenAsync(Ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            await create.ExecuteNonQueryAsync(Ct);
        }

        try
        {
            var storage = new StorageOptions { Provider = "postgres", ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString };
            var (app, http) = await StartAsync(Options(storage));
            try
            {
                var h = await http.GetFromJsonAsync<JsonObject>("/api/v1/health", Ct);
                Assert.Equal("ok", (string?)h!["status"]);
                Assert.Equal("postgres", (string?)h["database"]!["provider"]);
                var info = await http.GetFromJsonAsync<JsonObject>("/api/v1/info", Ct);
                Assert.Equal("postgres", (string?)info!["storage"]!["provider"]);
            }
            finally
            {
                await StopAsync(app, http);
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var c = new NpgsqlConnection(admin);
            await c.OpenAsync(CancellationToken.None);
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", c);
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}

internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, string Message)> Queue { get; } = new();

    public IReadOnlyList<(string Category, string Message)> Entries => [.. Queue];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Queue);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<(string, string)> queue) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            queue.Enqueue((category, formatter(state, exception)));
    }
}
