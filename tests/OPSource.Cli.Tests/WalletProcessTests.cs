using System.Diagnostics;
using System.Text.Json.Nodes;
using Npgsql;
using OPSource.TestSupport;
using OPSource.TestSupport.Peers;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

/// <summary>
/// The wallet CLI against a real Bitcoin Core regtest node, on SQLite and on PostgreSQL: a full receive / send / PSBT
/// flow through <c>opsource wallet</c>, and a real <c>opsource wallet sync</c> child process killed with SIGKILL in the
/// middle of a sync of several hundred blocks, then restarted: the result equals an uninterrupted sync of the same
/// wallet in another database (same tip, balance, history and coins; nothing lost, nothing counted twice).
/// </summary>
public abstract class WalletProcessTests(string provider) : IAsyncLifetime
{
    private const string Phrase = "legal winner thank year wave sausage worth useful legal winner thank yellow";
    private readonly List<string> _dirs = [];
    private readonly List<string> _databases = [];
    private BitcoinCoreNode? _node;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _node = await BitcoinCoreNode.StartIfAvailableAsync(Ct);

    public async ValueTask DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        NpgsqlConnection.ClearAllPools();
        foreach (var dir in _dirs)
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        if (_databases.Count > 0 && Environment.GetEnvironmentVariable("OPSOURCE_TEST_POSTGRES") is { } admin)
        {
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync();
            foreach (var db in _databases)
            {
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {db} WITH (FORCE)", connection);
                await drop.ExecuteNonQueryAsync();
            }
        }
    }

    private BitcoinCoreNode Node => BitcoinCoreNode.Require(_node);

    /// <summary>A data dir configured for the node, regtest, cheap Argon2id, and this test's storage provider.</summary>
    private async Task<string> DataDirAsync()
    {
        var dir = Directory.CreateTempSubdirectory("opsource-wallet-proc.").FullName;
        _dirs.Add(dir);
        var settings = new JsonObject
        {
            ["Network"] = "regtest",
            ["Node"] = new JsonObject { ["RpcUrl"] = Node.RpcUrl.ToString(), ["CookieFile"] = Node.CookieFile },
            ["Wallet"] = new JsonObject { ["KdfMemoryKiB"] = 8192, ["KdfPasses"] = 1, ["FallbackFeeRate"] = "2" },
        };
        if (provider == "postgres")
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

            var name = "opsource_wp_" + Guid.NewGuid().ToString("N")[..16];
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync(Ct);
                await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
                await create.ExecuteNonQueryAsync(Ct);
            }

            _databases.Add(name);
            settings["Storage"] = new JsonObject { ["Provider"] = "postgres", ["ConnectionString"] = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString };
        }

        await File.WriteAllTextAsync(Path.Combine(dir, "appsettings.json"), settings.ToJsonString(), Ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "pass.txt"), "process test passphrase", Ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "words.txt"), Phrase, Ct);
        return dir;
    }

    private static async Task<JsonNode> WalletAsync(string dir, params string[] args)
    {
        var (code, output, error) = await Run(["wallet", .. args, "--data-dir", dir, "--json"]);
        Assert.True(code == 0, $"opsource wallet {string.Join(' ', args)}: {error}");
        return JsonNode.Parse(output)!;
    }

    private async Task<string> CoreAsync()
    {
        if (!(await Node.Rpc("listwallets"))!.AsArray().Any(w => (string)w! == "core"))
        {
            await Node.CreateWalletAsync("core");
            await Node.MineAsync(110, (string)(await Node.WalletRpc("core", "getnewaddress"))!);
        }

        return "core";
    }

    [Fact]
    public async Task Receive_send_psbt_and_rescan_through_the_cli()
    {
        var dir = await DataDirAsync();
        var pass = Path.Combine(dir, "pass.txt");
        await WalletAsync(dir, "restore", "w", "--mnemonic-file", Path.Combine(dir, "words.txt"), "--passphrase-file", pass, "--template", "bip84");
        var core = await CoreAsync();
        var address = (string)(await WalletAsync(dir, "address", "w"))["address"]!;
        await Node.WalletRpc(core, "sendtoaddress", address, 2.5m);
        await Node.MineAsync(1, (string)(await Node.WalletRpc(core, "getnewaddress"))!);
        var sync = await WalletAsync(dir, "sync", "w");
        Assert.Equal((int)(await Node.Rpc("getblockcount"))!, (int)sync[0]!["tip_height"]!);
        Assert.Equal(250_000_000, (long)(await WalletAsync(dir, "balance", "w"))["confirmed_sat"]!);

        var payee = (string)(await Node.WalletRpc(core, "getnewaddress"))!;
        var sent = await WalletAsync(dir, "send", "w", payee, "0.5btc", "--fee-rate", "3", "--label", "rent", "--passphrase-file", pass);
        var txid = (string)sent["txid"]!;
        Assert.Contains((await Node.Rpc("getrawmempool"))!.AsArray(), t => (string)t! == txid);
        var history = (await WalletAsync(dir, "history", "w")).AsArray();
        Assert.Contains(history, t => (string)t!["txid"]! == txid && (string)t["label"]! == "rent" && (long)t["net_sat"]! == -(50_000_000 + (long)sent["fee_sat"]!));

        // PSBT create (coins locked), sign, finalize and broadcast.
        var psbt = await WalletAsync(dir, "psbt", "create", "w", payee, "0.25", "--fee-rate", "2");
        var utxos = (await WalletAsync(dir, "utxos", "w")).AsArray();
        Assert.Contains(utxos, u => (bool)u!["locked"]!);
        var signed = await WalletAsync(dir, "psbt", "sign", "w", (string)psbt["psbt"]!, "--passphrase-file", pass);
        Assert.True((bool)signed["complete"]!);
        var final = await WalletAsync(dir, "psbt", "finalize", "w", (string)signed["psbt"]!, "--broadcast");
        Assert.True((bool)final["broadcast"]!);
        Assert.Contains((await Node.Rpc("getrawmempool"))!.AsArray(), t => (string)t! == (string)final["txid"]!);

        await Node.MineAsync(1, payee);
        await WalletAsync(dir, "sync", "--all");
        var balance = await WalletAsync(dir, "balance", "w");
        var rescan = await WalletAsync(dir, "rescan", "w", "--from", "1");
        Assert.Equal(0, (int)rescan["transactions_found"]!);
        Assert.Equal(balance.ToJsonString(), (await WalletAsync(dir, "balance", "w")).ToJsonString());
        Assert.Equal(3, (await WalletAsync(dir, "history", "w")).AsArray().Count);
    }

    [Fact]
    public async Task A_sync_killed_with_sigkill_and_restarted_ends_in_the_same_state_as_an_uninterrupted_one()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Skip("POSIX signals only");
        }

        var killed = await DataDirAsync();
        var reference = await DataDirAsync();
        foreach (var dir in new[] { killed, reference })
        {
            await WalletAsync(dir, "restore", "w", "--mnemonic-file", Path.Combine(dir, "words.txt"), "--passphrase-file", Path.Combine(dir, "pass.txt"));
        }

        // Activity spread over many blocks: coinbases and payments to several addresses.
        var core = await CoreAsync();
        var addresses = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            addresses.Add((string)(await WalletAsync(reference, "address", "w"))["address"]!);
        }

        var coreAddress = (string)(await Node.WalletRpc(core, "getnewaddress"))!;
        for (var round = 0; round < 12; round++)
        {
            await Node.WalletRpc(core, "sendtoaddress", addresses[round], 0.1m + (round / 100m));
            await Node.MineAsync(round % 3 == 0 ? 1 : 40, round % 4 == 0 ? addresses[(round + 5) % 12] : coreAddress);
        }

        var height = (int)(await Node.Rpc("getblockcount"))!;
        Assert.True(height > 300);

        // The child process: opsource wallet sync, killed (SIGKILL) once it has applied some of the blocks.
        var exe = Path.Combine(AppContext.BaseDirectory, "opsource.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { exe, "wallet", "sync", "w", "--data-dir", killed })
        {
            start.ArgumentList.Add(arg);
        }

        int? at = null;
        using (var process = Process.Start(start)!)
        {
            var stderr = process.StandardError.ReadToEndAsync(Ct);
            _ = process.StandardOutput.ReadToEndAsync(Ct);
            var stopwatch = Stopwatch.StartNew();
            while (!process.HasExited && stopwatch.Elapsed < TimeSpan.FromMinutes(3))
            {
                var blocks = await StoredBlocksAsync(killed);
                if (blocks > 30)
                {
                    process.Kill(); // SIGKILL: no cleanup, no flush beyond what was committed
                    at = blocks;
                    break;
                }

                await Task.Delay(20, Ct);
            }

            await process.WaitForExitAsync(Ct);
            Assert.True(at is not null, "the sync finished before it could be killed: " + await stderr);
            Assert.NotEqual(0, process.ExitCode);
        }

        var afterKill = await StoredBlocksAsync(killed);
        Assert.True(afterKill < height, $"killed at {at} blocks of {height}, {afterKill} stored");

        // Restart: the second run continues from what was committed; the reference syncs in one go.
        await WalletAsync(killed, "sync", "w");
        await WalletAsync(reference, "sync", "w");
        foreach (var view in new[] { "info", "history", "utxos", "balance" })
        {
            var a = await WalletAsync(killed, view, "w");
            var b = await WalletAsync(reference, view, "w");
            if (view == "info")
            {
                foreach (var key in new[] { "tx_count", "utxo_count", "tip_height", "tip_hash", "balance", "external_descriptor" })
                {
                    Assert.Equal(b[key]?.ToJsonString(), a[key]?.ToJsonString());
                }

                Assert.Equal(height, (int)a["tip_height"]!);
                continue;
            }

            if (view == "history")
            {
                // last_seen is the time each process saw a mempool transaction; everything else must match.
                foreach (var t in a.AsArray().Concat(b.AsArray()))
                {
                    t!.AsObject().Remove("last_seen");
                }
            }

            Assert.Equal(b.ToJsonString(), a.ToJsonString());
        }

        // 12 payments from Core and 81 coinbases (rounds 0, 4 and 8 mined 1 + 40 + 40 blocks to the wallet).
        Assert.Equal(93, (await WalletAsync(killed, "history", "w")).AsArray().Count);
    }

    /// <summary>Blocks of the wallet stored in the data dir's database (what a restart continues from).</summary>
    private async Task<int> StoredBlocksAsync(string dir)
    {
        System.Data.Common.DbConnection connection;
        if (provider == "postgres")
        {
            var settings = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "appsettings.json"), Ct))!;
            connection = new NpgsqlConnection((string)settings["Storage"]!["ConnectionString"]!);
        }
        else
        {
            connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dir, "opsource.db")};Mode=ReadOnly;Pooling=False");
        }

        await using (connection)
        {
            try
            {
                await connection.OpenAsync(Ct);
                await using var cmd = connection.CreateCommand();
                cmd.CommandText = "SELECT COUNT(*) FROM wallet_blocks";
                return Convert.ToInt32(await cmd.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (System.Data.Common.DbException)
            {
                return 0; // the child has not created the schema yet, or holds a lock for a moment
            }
        }
    }
}

public sealed class SqliteWalletProcessTests() : WalletProcessTests("sqlite");

public sealed class PostgresWalletProcessTests() : WalletProcessTests("postgres");
