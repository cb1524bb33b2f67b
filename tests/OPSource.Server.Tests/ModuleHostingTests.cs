using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Data.Sqlite;
using OPSource.Platform.Modules;
using OPSource.Server.Modules;
using OPSource.Storage;

namespace OPSource.Server.Tests;

/// <summary>A module plugs in through the module list alone: its migrations run and its endpoints answer.</summary>
public sealed class ModuleHostingTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("opsource-modules-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    private sealed class GreetingModule : IOpsourceModule
    {
        public string Name => "greeting";

        public void Register(ModuleRegistration registration) =>
            registration.AddMigrations(new MigrationList(new Migration("greeting", 1, "greetings", "CREATE TABLE IF NOT EXISTS greetings (word TEXT NOT NULL)")));
    }

    private static void MapGreeting(IEndpointRouteBuilder api) =>
        api.MapGet("/greeting", (string? name) => TypedResults.Text($"hello {name ?? "world"}")).AllowAnonymous();

    [Fact]
    public async Task Listed_module_gets_its_migrations_and_endpoints()
    {
        var options = new OpsourceOptions
        {
            Network = "regtest",
            DataDir = _dataDir,
            Server = new ServerOptions { Urls = "http://127.0.0.1:0", ShutdownTimeoutSeconds = 5 },
        };
        var app = OpsourceServer.Build(options, modules: [new ServerModule(new GreetingModule(), MapGreeting)]);
        await OpsourceServer.PrepareAsync(app, Ct);
        await app.StartAsync(Ct);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
            var response = await http.GetAsync("/api/v1/greeting?name=bob", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("hello bob", await response.Content.ReadAsStringAsync(Ct));

            var database = (Database)app.Services.GetService(typeof(Database))!;
            await using var connection = await database.OpenConnectionAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM schema_migrations WHERE module = 'greeting'";
            Assert.Equal(1L, Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            await app.StopAsync(Ct);
            await app.DisposeAsync();
        }
    }

    [Fact]
    public void Module_configuration_errors_stop_the_build()
    {
        var options = new OpsourceOptions { Network = "regtest", DataDir = _dataDir };
        var bad = new ServerModule(new BadConfigModule());
        var ex = Assert.Throws<ModuleConfigurationException>(() => OpsourceServer.Build(options, modules: [bad]));
        Assert.Equal("Bad:Url is required", ex.Message);
    }

    private sealed class BadConfigModule : IOpsourceModule
    {
        public string Name => "bad";

        public void Register(ModuleRegistration registration)
        {
            if (string.IsNullOrEmpty(registration.Section["Url"]))
            {
                throw new ModuleConfigurationException(["Bad:Url is required"]);
            }
        }
    }
}
