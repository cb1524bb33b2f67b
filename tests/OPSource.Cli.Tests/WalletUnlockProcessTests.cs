using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using OPSource.TestSupport.Peers;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

/// <summary>
/// Issue 11 <c>wallet unlock --for</c> through the real <c>opsource</c> binary against a real <c>opsource serve</c>
/// process and a regtest Bitcoin Core: while the server holds the keys a <c>wallet send --remote</c> without a
/// passphrase is broadcast; after the period ends, or after <c>wallet lock</c>, it fails with "wallet ... is locked".
/// </summary>
public sealed class WalletUnlockProcessTests : IAsyncLifetime
{
    private const string Phrase = "legal winner thank year wave sausage worth useful legal winner thank yellow";
    private readonly string _dir = Directory.CreateTempSubdirectory("opsource-unlock-proc.").FullName;
    private BitcoinCoreNode? _node;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _serverLog = new();
    private Process? _server;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _node = await BitcoinCoreNode.StartIfAvailableAsync(Ct);

    public async ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Send_works_while_the_server_holds_the_keys_and_fails_as_locked_after_expiry_and_after_lock()
    {
        var node = BitcoinCoreNode.Require(_node);
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        await File.WriteAllTextAsync(Path.Combine(_dir, "appsettings.json"), new JsonObject
        {
            ["Network"] = "regtest",
            ["Node"] = new JsonObject { ["RpcUrl"] = node.RpcUrl.ToString(), ["CookieFile"] = node.CookieFile },
            ["Wallet"] = new JsonObject { ["KdfMemoryKiB"] = 8192, ["KdfPasses"] = 1, ["FallbackFeeRate"] = "2" },
            ["Server"] = new JsonObject { ["Urls"] = url },
        }.ToJsonString(), Ct);
        var pass = Path.Combine(_dir, "pass.txt");
        await File.WriteAllTextAsync(pass, "unlock test passphrase", Ct);
        await File.WriteAllTextAsync(Path.Combine(_dir, "words.txt"), Phrase, Ct);

        // Set up in-process: a funded wallet and an operator API key.
        await Cli("wallet", "restore", "w", "--mnemonic-file", Path.Combine(_dir, "words.txt"), "--passphrase-file", pass, "--template", "bip84");
        await node.CreateWalletAsync("core");
        var coreAddress = (string)(await node.WalletRpc("core", "getnewaddress"))!;
        await node.MineAsync(101, coreAddress);
        await node.WalletRpc("core", "sendtoaddress", (string)(await Cli("wallet", "address", "w"))["address"]!, 1m);
        await node.MineAsync(1, coreAddress);
        await Cli("wallet", "sync", "w");
        var apiKey = (string)(await Cli("apikey", "create", "--role", "operator", "--name", "unlock-test"))["key"]!;

        _server = Start(["serve", "--data-dir", _dir], apiKey);
        _server.OutputDataReceived += (_, e) => _serverLog.Enqueue(e.Data ?? "");
        _server.ErrorDataReceived += (_, e) => _serverLog.Enqueue(e.Data ?? "");
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        await WaitForHealthAsync(url);

        // Locked from the start: a remote send without a passphrase is refused.
        var refused = await Opsource(["wallet", "send", "w", coreAddress, "0.01btc", "--remote"], apiKey);
        AssertLocked(refused);

        // Unlocked (passphrase on standard input, never in argv): the server signs and broadcasts.
        var unlock = await Opsource(["wallet", "unlock", "w", "--for", "20s", "--passphrase-file", "-", "--json"], apiKey, stdin: "unlock test passphrase\n");
        Assert.True(unlock.Code == 0, unlock.Err);
        var until = DateTimeOffset.Parse((string)JsonNode.Parse(unlock.Out)!["unlocked_until"]!, System.Globalization.CultureInfo.InvariantCulture);
        var sent = await Opsource(["wallet", "send", "w", coreAddress, "0.01btc", "--remote", "--fee-rate", "2", "--json"], apiKey);
        Assert.True(sent.Code == 0, sent.Err);
        var txid = (string)JsonNode.Parse(sent.Out)!["txid"]!;
        Assert.Contains((await node.Rpc("getrawmempool"))!.AsArray(), t => (string)t! == txid);

        // The period ends: locked again.
        var left = until - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left, Ct);
        }

        AssertLocked(await Opsource(["wallet", "send", "w", coreAddress, "0.01btc", "--remote"], apiKey));

        // Unlocked for 10 minutes, then locked early.
        var again = await Opsource(["wallet", "unlock", "w", "--for", "10m", "--passphrase-file", pass], apiKey);
        Assert.True(again.Code == 0, again.Err);
        var locked = await Opsource(["wallet", "lock", "w", "--json"], apiKey);
        Assert.True(locked.Code == 0, locked.Err);
        Assert.True((bool)JsonNode.Parse(locked.Out)!["was_unlocked"]!);
        AssertLocked(await Opsource(["wallet", "send", "w", coreAddress, "0.01btc", "--remote"], apiKey));

        // A wrong passphrase and a bad duration are one-line user errors; the server log never shows the passphrase.
        var wrong = await Opsource(["wallet", "unlock", "w", "--for", "1m", "--passphrase-file", "-"], apiKey, stdin: "not the passphrase\n");
        AssertOneLineError(wrong, "wrong_passphrase");
        AssertOneLineError(await Opsource(["wallet", "unlock", "w", "--for", "10x", "--passphrase-file", pass], apiKey), "--for: '10x' is not a duration");

        _server.Kill(entireProcessTree: true);
        await _server.WaitForExitAsync(Ct);
        var log = string.Join('\n', _serverLog);
        Assert.Contains("unlocked until", log, StringComparison.Ordinal);
        Assert.DoesNotContain("unlock test passphrase", log, StringComparison.Ordinal);
        Assert.DoesNotContain("not the passphrase", log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10")]
    [InlineData("1.5h")]
    [InlineData("1h30m")]
    [InlineData("0s")]
    [InlineData("-5m")]
    [InlineData("10min")]
    [InlineData("366d")]
    public async Task Bad_durations_are_refused_before_anything_is_asked(string duration)
    {
        var result = await Run("wallet", "unlock", "w", "--for", duration, "--data-dir", _dir);
        AssertOneLineError(result, $"--for: '{duration}' is not a duration like 90s, 10m, 1h or 2d");
    }

    [Fact]
    public async Task Without_an_api_key_unlock_says_how_to_give_one()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "p.txt"), "x", Ct);
        var previous = Environment.GetEnvironmentVariable("OPSOURCE_API_KEY");
        Environment.SetEnvironmentVariable("OPSOURCE_API_KEY", null);
        try
        {
            var result = await Run("wallet", "unlock", "w", "--for", "90s", "--passphrase-file", Path.Combine(_dir, "p.txt"), "--data-dir", _dir);
            AssertOneLineError(result, "give --api-key-file FILE|- or set OPSOURCE_API_KEY");
        }
        finally
        {
            Environment.SetEnvironmentVariable("OPSOURCE_API_KEY", previous);
        }
    }

    private static void AssertLocked((int Code, string Out, string Err) result)
    {
        AssertOneLineError(result, "wallet 'w' is locked");
        Assert.Contains("wallet_locked", result.Err, StringComparison.Ordinal);
    }

    private async Task<JsonNode> Cli(params string[] args)
    {
        var (code, output, error) = await Run([.. args, "--data-dir", _dir, "--json"]);
        Assert.True(code == 0, $"opsource {string.Join(' ', args)}: {error}");
        return JsonNode.Parse(output)!;
    }

    private Process Start(string[] args, string apiKey)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "opsource.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (!args.Contains("--data-dir"))
        {
            start.ArgumentList.Add("--data-dir");
            start.ArgumentList.Add(_dir);
        }

        start.Environment["OPSOURCE_API_KEY"] = apiKey;
        start.Environment.Remove("OPSOURCE_SERVER_URL");
        return Process.Start(start)!;
    }

    /// <summary>Runs the real binary to the end: exit code, stdout, stderr.</summary>
    private async Task<(int Code, string Out, string Err)> Opsource(string[] args, string apiKey, string stdin = "")
    {
        using var process = Start(args, apiKey);
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    private async Task WaitForHealthAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(_server!.HasExited, "serve exited: " + string.Join(" | ", _serverLog.TakeLast(5)));
            try
            {
                if ((await http.GetAsync($"{url}/api/v1/health", Ct)).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !Ct.IsCancellationRequested)
            {
                // Not listening yet, or still starting on a loaded machine.
            }

            await Task.Delay(100, Ct);
        }

        Assert.Fail("serve did not answer /api/v1/health within 3 minutes");
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
