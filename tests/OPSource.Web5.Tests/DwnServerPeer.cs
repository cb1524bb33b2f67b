using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OPSource.Web5.Tests;

/// <summary>
/// A real @web5/dwn-server 0.6.1 (dwn-sdk-js 0.5.2; tests/peers/web5, installed by scripts/setup.d/20-web5.sh) on a
/// free 127.0.0.1 port with LevelDB stores in a temporary folder; stopped and removed on dispose.
/// </summary>
internal sealed class DwnServerPeer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private DwnServerPeer(Process process, string dir, Uri endpoint)
    {
        _process = process;
        _dir = dir;
        Endpoint = endpoint;
    }

    /// <summary>The JSON-RPC endpoint (POST /).</summary>
    public Uri Endpoint { get; }

    /// <summary>The JSON-RPC over WebSocket endpoint (ws://127.0.0.1:PORT/).</summary>
    public Uri WebSocketEndpoint => new UriBuilder(Endpoint) { Scheme = "ws" }.Uri;

    public static async Task<DwnServerPeer> StartAsync(CancellationToken cancellationToken)
    {
        NodePeer.Require();
        var package = Path.Combine(NodePeer.Folder, "node_modules", "@web5", "dwn-server");
        var sqlite = Path.Combine(NodePeer.Folder, "node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node");
        if (!File.Exists(sqlite))
        {
            const string message = "dwn-server's better-sqlite3 is not built (scripts/setup.d/20-web5.sh rebuilds it)";
            Assert.SkipWhen(!OPSource.TestSupport.Vectors.IsCi, message);
            throw new InvalidOperationException(message + " (CI=true: peers are mandatory)");
        }

        var dir = Directory.CreateTempSubdirectory("opsource-dwn-server-").FullName;
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var psi = new ProcessStartInfo("node") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(package, "dist", "esm", "src", "main.js"));
        psi.Environment["DS_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["DWN_BASE_URL"] = $"http://127.0.0.1:{port}";
        foreach (var store in new[] { "MESSAGES", "DATA", "EVENTS", "RESUMABLE_TASKS" })
        {
            psi.Environment["DWN_STORAGE_" + store] = "level://" + Path.Combine(dir, store.ToLowerInvariant());
        }

        psi.Environment["DWN_TTL_CACHE_URL"] = "sqlite://" + Path.Combine(dir, "ttl.db");
        psi.Environment["DWN_SERVER_PACKAGE_JSON"] = Path.Combine(package, "package.json");
        psi.Environment["DS_WEBSOCKET_SERVER"] = "on"; // JSON-RPC over WebSocket at ws://127.0.0.1:PORT (RecordsSubscribe)
        psi.Environment["DWN_SERVER_LOG_LEVEL"] = "ERROR";
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var peer = new DwnServerPeer(process, dir, new Uri($"http://127.0.0.1:{port}/"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var info = await http.GetAsync(new Uri(peer.Endpoint, "info"), cancellationToken);
                if (info.IsSuccessStatusCode)
                {
                    return peer;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await peer.DisposeAsync();
                throw new InvalidOperationException($"dwn-server did not start on port {port}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
