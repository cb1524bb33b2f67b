using Microsoft.AspNetCore.Builder;
using OPSource.Server;
using OPSource.Server.Modules;

namespace OPSource.Web5.Tests;

/// <summary>
/// The real OPSource service (all modules, SQLite or a given PostgreSQL database) on a free 127.0.0.1 port with its own temporary data folder, for the
/// tests that talk to its HTTP endpoints; stopped and removed on dispose.
/// </summary>
internal sealed class Web5TestHost : IAsyncDisposable
{
    private readonly string _dataDir;

    private Web5TestHost(string dataDir, WebApplication app)
    {
        _dataDir = dataDir;
        App = app;
    }

    /// <summary>The running application (its services for direct calls).</summary>
    public WebApplication App { get; }

    /// <summary>The base URL, <c>http://127.0.0.1:PORT</c>.</summary>
    public string Url => App.Urls.Single();

    /// <summary>The DWN endpoint (dwn-server's JSON-RPC over HTTP).</summary>
    public Uri DwnEndpoint => new(Url + "/api/v1/web5/dwn");

    /// <summary>Starts a host on SQLite in its data folder, or on <paramref name="storage"/> (a PostgreSQL database several hosts may share).</summary>
    public static async Task<Web5TestHost> StartAsync(string name, CancellationToken cancellationToken, OPSource.Storage.StorageOptions? storage = null)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), $"opsource-{name}-" + Guid.NewGuid().ToString("N"));

        // The node's key passphrase in its default place ({DataDir}/web5.passphrase), not in the process-wide
        // OPSOURCE_WEB5_PASSPHRASE, which would override the files other test classes give their nodes.
        Directory.CreateDirectory(dataDir);
        File.WriteAllText(Path.Combine(dataDir, "web5.passphrase"), "interop-test-passphrase");
        var options = new OpsourceOptions
        {
            Network = "regtest",
            DataDir = dataDir,
            Server = new ServerOptions { Urls = "http://127.0.0.1:0", ShutdownTimeoutSeconds = 5 },
            Storage = storage ?? new OPSource.Storage.StorageOptions(),
        };
        var app = OpsourceServer.Build(options, modules: OpsourceModules.All);
        var host = new Web5TestHost(dataDir, app);
        try
        {
            await OpsourceServer.PrepareAsync(app, cancellationToken);
            await app.StartAsync(cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync(CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        await App.DisposeAsync();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
