using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using OPSource.Storage;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

/// <summary><c>opsource serve</c> end to end: real host on a free loopback port, stopped through cancellation.</summary>
public sealed class ServeCommandTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("opsource-cli-serve-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Serve_answers_health_and_info_then_stops_gracefully_with_exit_0()
    {
        var url = $"http://127.0.0.1:{FreePort()}";
        using var stop = new CancellationTokenSource();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var run = Task.Run(() => CliApp.RunAsync(["serve", "--urls", url, "--data-dir", _dataDir, "--network", "signet"], output, error, stop.Token), Ct);

        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        JsonNode? health = null;
        for (var attempt = 0; attempt < 150 && health is null; attempt++)
        {
            Assert.False(run.IsCompleted, $"serve exited early: {error}");
            try
            {
                health = JsonNode.Parse(await http.GetStringAsync("/api/v1/health", Ct));
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100, Ct);
            }
        }

        Assert.NotNull(health);
        Assert.Equal("ok", (string?)health["status"]);
        var info = JsonNode.Parse(await http.GetStringAsync("/api/v1/info", Ct))!;
        Assert.Equal("signet", (string?)info["network"]);
        Assert.Equal(_dataDir, (string?)info["data_dir"]);
        Assert.True(File.Exists(Path.Combine(_dataDir, "opsource.db")));

        await stop.CancelAsync();
        var code = await run.WaitAsync(TimeSpan.FromSeconds(15), Ct);
        Assert.Equal(0, code);
        Assert.Empty(error.ToString());
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/api/v1/health", Ct));
    }

    [Fact]
    public async Task Invalid_urls_exit_1_naming_the_setting()
    {
        var (code, output, error) = await Run("serve", "--urls", "https://127.0.0.1:8443", "--data-dir", _dataDir);
        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Equal("error: invalid configuration: Server:Urls entry 'https://127.0.0.1:8443' is not an http://host:port URL", error.TrimEnd());
    }

    [Fact]
    public async Task Invalid_settings_file_exits_1_naming_the_setting()
    {
        File.WriteAllText(Path.Combine(_dataDir, "appsettings.json"), """{ "Storage": { "Provider": "postgres" } }""");
        var (code, _, error) = await Run("serve", "--data-dir", _dataDir);
        Assert.Equal(1, code);
        Assert.Contains("Storage:ConnectionString is required", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Database_newer_than_the_build_exits_1_naming_module_and_version()
    {
        await using (var db = Database.Create(new StorageOptions(), _dataDir))
        {
            await new Migrator(db, [SettingsRepository.Migrations]).ApplyAsync(Ct);
            await using var connection = await db.OpenConnectionAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO schema_migrations (module, version, description, checksum, applied_at) VALUES ('storage', 2, 'from the future', 'x', '2099-01-01')";
            await command.ExecuteNonQueryAsync(Ct);
        }

        var (code, _, error) = await Run("serve", "--data-dir", _dataDir, "--urls", $"http://127.0.0.1:{FreePort()}");

        Assert.Equal(1, code);
        Assert.Contains("module 'storage' is at schema version 2", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Port_in_use_exits_1_and_suggests_urls()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;

        var (code, _, error) = await Run("serve", "--data-dir", _dataDir, "--urls", $"http://127.0.0.1:{port}");

        Assert.Equal(1, code);
        Assert.Contains("address already in use", error, StringComparison.Ordinal);
        Assert.Contains("--urls", error, StringComparison.Ordinal);
    }
}
