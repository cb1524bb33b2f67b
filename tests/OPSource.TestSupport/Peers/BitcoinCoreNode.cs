using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace OPSource.TestSupport.Peers;

/// <summary>
/// A private Bitcoin Core v29.2 regtest node on 127.0.0.1 for one test class (use it as an
/// <c>IClassFixture</c> or create one per test): free ports, its own data dir, cookie auth, ZMQ
/// <c>rawblock</c>/<c>hashblock</c>/<c>sequence</c> on one port and <c>rawtx</c> on another; <see cref="RestartAsync"/>
/// stops and starts it on the same ports and data dir. Binaries are found through <c>BITCOIND</c>/<c>BITCOIN_CLI</c>,
/// then PATH, then <c>../shared/bitcoin-core/bin</c>; when none is found the test is skipped locally and
/// fails under <c>CI=true</c>. The raw JSON-RPC here is a test helper only: product code talks to the
/// node through OPSource.Chain's client.
/// </summary>
public sealed class BitcoinCoreNode : IAsyncDisposable, IAsyncLifetime
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(5) };
    private Process? _process;
    private int _id;

    /// <summary>Creates (does not start) a node; <see cref="StartAsync"/> or xunit's lifetime starts it.</summary>
    public BitcoinCoreNode(params string[] extraArgs)
    {
        ExtraArgs = extraArgs;
        DataDir = Directory.CreateTempSubdirectory("opsource-btc-test.").FullName;
    }

    /// <summary>Extra bitcoind arguments (e.g. <c>-prune=550</c>).</summary>
    public IReadOnlyList<string> ExtraArgs { get; }

    /// <summary>The node's data dir (deleted on dispose).</summary>
    public string DataDir { get; }

    /// <summary>RPC port on 127.0.0.1.</summary>
    public int RpcPort { get; private set; }

    /// <summary>P2P port (listening disabled; reserved so nodes never collide).</summary>
    public int P2pPort { get; private set; }

    /// <summary>ZMQ port publishing <c>rawblock</c>, <c>hashblock</c> and <c>sequence</c>.</summary>
    public int ZmqBlockPort { get; private set; }

    /// <summary>ZMQ port publishing <c>rawtx</c>.</summary>
    public int ZmqTxPort { get; private set; }

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri RpcUrl => new($"http://127.0.0.1:{RpcPort}/");

    /// <summary>The cookie file (user <c>__cookie__</c>).</summary>
    public string CookieFile => Path.Combine(DataDir, "regtest", ".cookie");

    /// <summary>Path of bitcoind, or null when not found.</summary>
    public static string? LocateBitcoind() => Locate("bitcoind", "BITCOIND");

    /// <summary>Path of bitcoin-cli, or null when not found.</summary>
    public static string? LocateBitcoinCli() => Locate("bitcoin-cli", "BITCOIN_CLI");

    /// <summary>Skips (locally) or fails (CI) the current test when bitcoind is missing; returns its path.</summary>
    public static string RequireBitcoind()
    {
        var path = LocateBitcoind();
        if (path is null)
        {
            const string message = "bitcoind not found: set BITCOIND, put it on PATH, or place ../shared/bitcoin-core beside the repository";
            if (Vectors.IsCi)
            {
                throw new InvalidOperationException(message + " (CI=true: the reference node is mandatory)");
            }

            Assert.Skip(message);
        }

        return path!;
    }

    /// <summary>
    /// A started node, or null when bitcoind is not found (for a test class's <c>InitializeAsync</c>; its tests then
    /// call <see cref="Require"/>, which skips locally and fails under CI).
    /// </summary>
    public static async Task<BitcoinCoreNode?> StartIfAvailableAsync(CancellationToken cancellationToken)
    {
        if (LocateBitcoind() is null)
        {
            return null;
        }

        var node = new BitcoinCoreNode();
        try
        {
            await node.StartAsync(cancellationToken).ConfigureAwait(false);
            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The node <see cref="StartIfAvailableAsync"/> started, or the missing-bitcoind outcome (skip locally, fail under CI).</summary>
    public static BitcoinCoreNode Require(BitcoinCoreNode? started)
    {
        if (started is null)
        {
            RequireBitcoind();
        }

        return started!;
    }

    /// <inheritdoc />
    public async ValueTask InitializeAsync() => await StartAsync().ConfigureAwait(false);

    /// <summary>Starts the node (on the ports of an earlier start, if any) and waits until RPC answers.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var bitcoind = RequireBitcoind();
        if (RpcPort == 0)
        {
            RpcPort = FreePort();
            P2pPort = FreePort();
            ZmqBlockPort = FreePort();
            ZmqTxPort = FreePort();
        }

        var start = new ProcessStartInfo(bitcoind)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "-regtest", $"-datadir={DataDir}", "-server=1", "-rpcbind=127.0.0.1", "-rpcallowip=127.0.0.1", $"-rpcport={RpcPort}",
            $"-port={P2pPort}", "-listen=0", "-dnsseed=0", "-fixedseeds=0", "-txindex=1", "-fallbackfee=0.0002",
            "-printtoconsole=0", "-rpcthreads=8", "-rpcworkqueue=64",
            $"-zmqpubrawblock=tcp://127.0.0.1:{ZmqBlockPort}", $"-zmqpubhashblock=tcp://127.0.0.1:{ZmqBlockPort}",
            $"-zmqpubsequence=tcp://127.0.0.1:{ZmqBlockPort}",
            $"-zmqpubrawtx=tcp://127.0.0.1:{ZmqTxPort}",
        }.Concat(ExtraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("bitcoind did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                var log = Path.Combine(DataDir, "regtest", "debug.log");
                var tail = File.Exists(log) ? string.Join(" | ", File.ReadLines(log).TakeLast(5)) : "(no debug.log)";
                throw new InvalidOperationException($"bitcoind exited with {_process.ExitCode}: {tail}");
            }

            if (File.Exists(CookieFile))
            {
                try
                {
                    await CallAsync("getblockcount", [], null, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException or BitcoinRpcTestException { Code: -28 })
                {
                    // Warming up (-28) or not listening yet.
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("bitcoind RPC did not answer within 60 s");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Calls an RPC method (optionally on a wallet); returns <c>result</c>, throws on <c>error</c>.</summary>
    public async Task<JsonNode?> CallAsync(string method, JsonNode?[] parameters, string? wallet = null, CancellationToken cancellationToken = default)
    {
        var cookie = await File.ReadAllTextAsync(CookieFile, cancellationToken).ConfigureAwait(false);
        var body = new JsonObject
        {
            ["jsonrpc"] = "1.0",
            ["id"] = Interlocked.Increment(ref _id),
            ["method"] = method,
            ["params"] = new JsonArray([.. parameters.Select(p => p?.DeepClone())]),
        };
        var url = wallet is null ? RpcUrl : new Uri(RpcUrl, "wallet/" + Uri.EscapeDataString(wallet));
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(cookie.Trim())));
        using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new HttpRequestException("bitcoind: 401 unauthorized");
        }

        JsonNode? reply;
        try
        {
            reply = JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            throw new HttpRequestException($"bitcoind: HTTP {(int)response.StatusCode} {text}");
        }

        if (reply?["error"] is JsonObject error)
        {
            throw new BitcoinRpcTestException((int?)error["code"] ?? 0, (string?)error["message"] ?? "", method);
        }

        return reply?["result"];
    }

    /// <summary>Calls an RPC method with positional parameters given as plain values (strings, numbers, bools, JsonNodes).</summary>
    public Task<JsonNode?> Rpc(string method, params object?[] parameters) =>
        CallAsync(method, [.. parameters.Select(ToNode)]);

    /// <summary>Calls a wallet RPC method.</summary>
    public Task<JsonNode?> WalletRpc(string wallet, string method, params object?[] parameters) =>
        CallAsync(method, [.. parameters.Select(ToNode)], wallet);

    /// <summary>Creates (or loads) a descriptor wallet in Core and returns its name.</summary>
    public async Task<string> CreateWalletAsync(string name)
    {
        await Rpc("createwallet", name).ConfigureAwait(false);
        return name;
    }

    /// <summary>Mines <paramref name="blocks"/> blocks to <paramref name="address"/>; returns the block hashes.</summary>
    public async Task<IReadOnlyList<string>> MineAsync(int blocks, string address)
    {
        var hashes = await Rpc("generatetoaddress", blocks, address).ConfigureAwait(false);
        return [.. hashes!.AsArray().Select(h => (string)h!)];
    }

    /// <summary>Stops the node and starts it again on the same ports and data dir (the chain is kept).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync().ConfigureAwait(false);
        await StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the node and deletes its data dir.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open: leave the temp dir to the OS.
        }
    }

    /// <summary>Stops the node (RPC <c>stop</c>, killed after 30 s), keeping its data dir.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            try
            {
                await CallAsync("stop", []).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or BitcoinRpcTestException or IOException or TaskCanceledException)
            {
                // Already going down.
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process?.Dispose();
        _process = null;
    }

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode node => node,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        decimal d => JsonValue.Create(d),
        double d => JsonValue.Create(d),
        _ => throw new ArgumentException($"unsupported RPC parameter type {value.GetType().Name}", nameof(value)),
    };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? Locate(string name, string variable)
    {
        var fromEnv = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(fromEnv))
        {
            return fromEnv;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        var shared = Path.GetFullPath(Path.Combine(Vectors.RepoRoot, "..", "shared", "bitcoin-core", "bin", name));
        return File.Exists(shared) ? shared : null;
    }
}

/// <summary>An RPC error returned by the test node.</summary>
public sealed class BitcoinRpcTestException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BitcoinRpcTestException(int code, string message, string method)
        : base($"bitcoind {method}: {message} (code {code})")
    {
        Code = code;
    }

    /// <summary>Creates the exception.</summary>
    public BitcoinRpcTestException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public BitcoinRpcTestException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public BitcoinRpcTestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Core's RPC error code (-25 verify error, -26 rejected, -5 invalid address...).</summary>
    public int Code { get; }
}
