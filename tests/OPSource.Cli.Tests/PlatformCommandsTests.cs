using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using OPSource.Server;
using OPSource.Server.Configuration;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

/// <summary>configure, ml config, test and install through the real command line.</summary>
public sealed class PlatformCommandsTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("opsource-cli-platform-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string SettingsPath => Path.Combine(_dataDir, "appsettings.json");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Configure_sets_valid_values_and_refuses_invalid_ones_naming_the_setting()
    {
        var ok = await Run("configure", "--set", "Server:RateLimitPerSecond=50", "--set", "Auth:TokenLifetimeMinutes=5", "--data-dir", _dataDir);
        Assert.Equal(0, ok.Code);
        var file = JsonNode.Parse(File.ReadAllText(SettingsPath))!;
        Assert.Equal(50, (int)file["Server"]!["RateLimitPerSecond"]!);
        Assert.Equal(5, (int)file["Auth"]!["TokenLifetimeMinutes"]!);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SettingsPath));
        var shown = JsonNode.Parse((await Run("configure", "--show", "--json", "--data-dir", _dataDir)).Out)!;
        Assert.Equal("50", (string?)shown["settings"]!["Server:RateLimitPerSecond"]);

        var before = File.ReadAllText(SettingsPath);
        AssertOneLineError(await Run("configure", "--set", "Server:Urls=https://0.0.0.0:1", "--data-dir", _dataDir), "Server:Urls entry 'https://0.0.0.0:1'");
        AssertOneLineError(await Run("configure", "--set", "Auth:TokenLifetimeMinutes=0", "--data-dir", _dataDir), "Auth:TokenLifetimeMinutes '0'");
        AssertOneLineError(await Run("configure", "--set", "Ml:Precision=float16", "--data-dir", _dataDir), "Ml:Precision float16 needs a GPU execution provider");
        AssertOneLineError(await Run("configure", "--set", "Node:RpcUrl=ftp://x", "--data-dir", _dataDir), "Node:RpcUrl");
        AssertOneLineError(await Run("configure", "--set", "nonsense", "--data-dir", _dataDir), "expected Section:Key=value");
        Assert.Equal(before, File.ReadAllText(SettingsPath));

        Assert.Equal(0, (await Run("configure", "--unset", "Auth:TokenLifetimeMinutes", "--data-dir", _dataDir)).Code);
        Assert.Null(JsonNode.Parse(File.ReadAllText(SettingsPath))!["Auth"]!["TokenLifetimeMinutes"]);

        // A removed key falls back to its default (not to nothing, not to the old file's value).
        Assert.Equal(0, (await Run("configure", "--set", "Server:Urls=http://127.0.0.1:18999", "--data-dir", _dataDir)).Code);
        Assert.Equal(0, (await Run("configure", "--unset", "Server:Urls", "--json", "--data-dir", _dataDir)).Code);
        Assert.Null(JsonNode.Parse(File.ReadAllText(SettingsPath))!["Server"]!["Urls"]);
        var defaults = JsonNode.Parse((await Run("configure", "--show", "--json", "--data-dir", _dataDir)).Out)!;
        Assert.Equal("http://127.0.0.1:8080", (string?)defaults["settings"]!["Server:Urls"]);
    }

    [Fact]
    public async Task Ml_config_shows_this_machine_and_apply_writes_settings_the_self_test_accepts()
    {
        var (code, output, _) = await Run("ml", "config", "--json", "--data-dir", _dataDir);
        Assert.Equal(0, code);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(Environment.ProcessorCount, (int)json["hardware"]!["logical_cores"]!);
        Assert.Null(json["configured"]);
        var derived = json["derived"]!;
        if ((string)derived["execution_provider"]! == "cpu")
        {
            Assert.Equal("float32", (string?)derived["precision"]);
        }

        Assert.InRange((int)derived["threads"]!, 1, Environment.ProcessorCount);
        Assert.NotEmpty(json["reasons"]!.AsArray());

        Assert.Equal(0, (await Run("ml", "config", "--apply", "--data-dir", _dataDir)).Code);
        var written = JsonNode.Parse(File.ReadAllText(SettingsPath))!["Ml"]!;
        Assert.Equal((string)derived["execution_provider"]!, (string?)written["ExecutionProvider"]);
        var test = await Run("test", "--component", "ml", "--json", "--data-dir", _dataDir);
        var report = JsonNode.Parse(test.Out)!;
        Assert.Equal("pass", (string?)report["overall"]);
        Assert.Equal(0, test.Code);

        // Settings that do not fit this machine fail the check.
        await Run("configure", "--set", $"Ml:Threads={Environment.ProcessorCount + 1}", "--data-dir", _dataDir);
        var bad = await Run("test", "--component", "ml", "--json", "--data-dir", _dataDir);
        Assert.Equal(1, bad.Code);
        Assert.Contains("exceeds the", (string)JsonNode.Parse(bad.Out)!["components"]![0]!["checks"]![0]!["detail"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Self_test_prints_one_json_document_and_fails_until_installed_and_served()
    {
        var port = FreePort();
        Assert.Equal(0, (await Run("configure", "--set", $"Server:Urls=http://127.0.0.1:{port}", "--data-dir", _dataDir, "--network", "regtest")).Code);
        var first = await Run("test", "--json", "--data-dir", _dataDir, "--network", "regtest");
        Assert.Equal(1, first.Code);
        var report = JsonNode.Parse(first.Out)!.AsObject();
        Assert.Equal(["version", "timestamp", "host", "overall", "components"], report.Select(p => p.Key));
        Assert.Equal("fail", (string?)report["overall"]);
        var platform = report["components"]!.AsArray().Single(c => (string)c!["name"]! == "platform")!;
        Assert.Equal(["name", "status", "duration_ms", "checks"], platform.AsObject().Select(p => p.Key));
        var checks = platform["checks"]!.AsArray().ToDictionary(c => (string)c!["name"]!, c => (string)c!["status"]!);
        Assert.Equal("pass", checks["config_valid"]);
        Assert.Equal("pass", checks["data_dir_writable"]);
        Assert.Equal("pass", checks["database_reachable"]);
        Assert.Equal("fail", checks["migrations_current"]);
        Assert.Equal("fail", checks["api_answering"]);
        Assert.Contains(report["components"]!.AsArray(), c => (string)c!["name"]! == "ml");

        // Serve it (migrations applied at start): every platform check passes.
        var (options, layers) = OpsourceConfiguration.Load(new Dictionary<string, string?> { ["DataDir"] = _dataDir, ["Network"] = "regtest" });
        var app = OpsourceServer.Build(options, layers.Root);
        await OpsourceServer.PrepareAsync(app, Ct);
        await app.StartAsync(Ct);
        try
        {
            var second = await Run("test", "--component", "platform", "--json", "--data-dir", _dataDir, "--network", "regtest");
            Assert.Equal(0, second.Code);
            var passed = JsonNode.Parse(second.Out)!;
            Assert.Equal("pass", (string?)passed["overall"]);
            Assert.All(passed["components"]![0]!["checks"]!.AsArray(), c => Assert.Equal("pass", (string?)c!["status"]));

            var table = await Run("test", "--component", "platform", "--data-dir", _dataDir, "--network", "regtest");
            Assert.Contains("overall: pass", table.Out, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync(Ct);
            await app.DisposeAsync();
        }

        AssertOneLineError(await Run("test", "--component", "nope", "--data-dir", _dataDir, "--network", "regtest"), "--component nope: no such component");
    }

    /// <summary>The DLC module's checks reach the report through the module contract: warn/skip, then pass, then fail.</summary>
    [Fact]
    public async Task Dlc_checks_report_the_key_store_and_the_oracle_key()
    {
        async Task<Dictionary<string, (string Status, string Detail)>> DlcChecks(int expectedCode)
        {
            var result = await Run("test", "--component", "dlc", "--json", "--data-dir", _dataDir, "--network", "regtest");
            Assert.True(result.Code == expectedCode, result.Out + result.Err);
            var component = Assert.Single(JsonNode.Parse(result.Out)!["components"]!.AsArray())!;
            Assert.Equal("dlc", (string?)component["name"]);
            return component["checks"]!.AsArray().ToDictionary(c => (string)c!["name"]!, c => ((string)c!["status"]!, (string)c!["detail"]!));
        }

        // Before any migration (the self-test never migrates): the database's problem, named, not a crash.
        var fresh = await DlcChecks(1);
        Assert.Equal("warn", fresh["keystore"].Status);
        Assert.Contains("Dlc:PassphraseFile", fresh["keystore"].Detail, StringComparison.Ordinal);
        Assert.Equal("fail", fresh["oracle_key"].Status);
        Assert.Contains("database error:", fresh["oracle_key"].Detail, StringComparison.Ordinal);
        Assert.Contains("migrations_current", fresh["oracle_key"].Detail, StringComparison.Ordinal);

        // Migrated (as install or serve do), without an oracle key yet: nothing to check.
        Assert.Equal(0, (await Run("oracle", "list", "--data-dir", _dataDir, "--network", "regtest")).Code);
        var unconfigured = await DlcChecks(0);
        Assert.Equal("warn", unconfigured["keystore"].Status);
        Assert.Equal("skip", unconfigured["oracle_key"].Status);

        var passphrase = Path.Combine(_dataDir, "dlc-passphrase");
        File.WriteAllText(passphrase, "the dlc key-store passphrase\n");
        Assert.Equal(0, (await Run("configure", "--set", "Dlc:PassphraseFile=dlc-passphrase", "--set", "Dlc:KdfMemoryKiB=8192", "--set", "Dlc:KdfPasses=1", "--data-dir", _dataDir)).Code);
        var announced = await Run("oracle", "announce", "match-1", "--outcomes", "home,away", "--json", "--data-dir", _dataDir, "--network", "regtest");
        Assert.True(announced.Code == 0, announced.Err);
        var configured = await DlcChecks(0);
        Assert.Equal("pass", configured["keystore"].Status);
        Assert.Equal("pass", configured["oracle_key"].Status);
        Assert.Contains((string)JsonNode.Parse(announced.Out)!["oracle_public_key"]!, configured["oracle_key"].Detail, StringComparison.Ordinal);

        // A changed passphrase no longer opens the keys: both checks fail, the report says so, and no secret is shown.
        File.WriteAllText(passphrase, "another passphrase\n");
        var wrong = await DlcChecks(1);
        Assert.Equal(("fail", "fail"), (wrong["keystore"].Status, wrong["oracle_key"].Status));
        Assert.DoesNotContain("passphrase\n", string.Join(" ", wrong.Values.Select(v => v.Detail)), StringComparison.Ordinal);
        Assert.DoesNotContain("another passphrase", string.Join(" ", wrong.Values.Select(v => v.Detail)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_configuration_is_a_failed_report_not_a_crash()
    {
        File.WriteAllText(SettingsPath, """{ "Server": { "Urls": "https://x" } }""");
        var (code, output, _) = await Run("test", "--json", "--data-dir", _dataDir);
        Assert.Equal(1, code);
        var report = JsonNode.Parse(output)!;
        var check = report["components"]![0]!["checks"]![0]!;
        Assert.Equal(("config_valid", "fail"), ((string)check["name"]!, (string)check["status"]!));
        Assert.Contains("Server:Urls", (string)check["detail"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_plans_applies_once_and_leaves_configured_steps_alone()
    {
        var list = JsonNode.Parse((await Run("install", "--list", "--json", "--data-dir", _dataDir, "--network", "regtest")).Out)!.AsArray();
        var keys = list.SelectMany(s => s!["questions"]!.AsArray().Select(q => (string)q!["key"]!)).ToList();
        Assert.Contains("node.mode", keys);
        Assert.Contains("node.rpc_url", keys);
        Assert.Contains("ml.mode", keys);

        var passphrase = Path.Combine(Path.GetTempPath(), "opsource-install-pass-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(passphrase, "pw");
        string[] answers =
        [
            "--answer", "node.mode=generate", "--answer", $"node.rpc_port={FreePort()}", "--answer", $"node.p2p_port={FreePort()}", "--answer", $"node.zmq_port={FreePort()}",
            "--answer", "wallet.words=12", "--answer", "wallet.passphrase=@" + passphrase,
        ];
        var dry = await Run(["install", "--yes", "--dry-run", "--json", "--data-dir", _dataDir, "--network", "regtest", .. answers]);
        Assert.Equal(0, dry.Code);
        var plan = JsonNode.Parse(dry.Out)!;
        Assert.True((bool)plan["dry_run"]!);
        Assert.All(plan["steps"]!.AsArray(), s => Assert.Equal("planned", (string?)s!["outcome"]));
        Assert.False(File.Exists(SettingsPath));
        Assert.False(Directory.Exists(Path.Combine(_dataDir, "bitcoin")));

        var applied = await Run(["install", "--yes", "--json", "--data-dir", _dataDir, "--network", "regtest", .. answers]);
        Assert.Equal(0, applied.Code);
        var steps = JsonNode.Parse(applied.Out)!["steps"]!.AsArray().ToDictionary(s => (string)s!["id"]!, s => s!);
        Assert.Equal("applied", (string?)steps["node"]["outcome"]);
        Assert.Equal("applied", (string?)steps["ml"]["outcome"]);
        Assert.Equal("applied", (string?)steps["wallet"]["outcome"]);
        File.Delete(passphrase);
        Assert.True(File.Exists(Path.Combine(_dataDir, "bitcoin", "bitcoin.conf")));
        var settings = JsonNode.Parse(File.ReadAllText(SettingsPath))!;
        Assert.Equal("regtest", (string?)settings["Network"]);
        Assert.StartsWith("http://127.0.0.1:", (string?)settings["Node"]!["RpcUrl"], StringComparison.Ordinal);
        Assert.NotNull(settings["Ml"]!["ExecutionProvider"]);
        var written = File.ReadAllText(SettingsPath);

        // A re-run with nothing asked changes nothing.
        var again = await Run("install", "--yes", "--json", "--data-dir", _dataDir, "--network", "regtest");
        Assert.Equal(0, again.Code);
        Assert.All(JsonNode.Parse(again.Out)!["steps"]!.AsArray(), s => Assert.Equal("unchanged", (string?)s!["outcome"]));
        Assert.Equal(written, File.ReadAllText(SettingsPath));

        // Asking changes only that step.
        var ml = await Run("install", "--yes", "--json", "--data-dir", _dataDir, "--network", "regtest", "--answer", "ml.mode=manual", "--answer", "ml.threads=1");
        Assert.Equal(0, ml.Code);
        var outcomes = JsonNode.Parse(ml.Out)!["steps"]!.AsArray().ToDictionary(s => (string)s!["id"]!, s => (string)s!["outcome"]!);
        Assert.Equal(("unchanged", "applied"), (outcomes["node"], outcomes["ml"]));
        Assert.Equal(1, (int)JsonNode.Parse(File.ReadAllText(SettingsPath))!["Ml"]!["Threads"]!);
        Assert.Equal((string?)settings["Node"]!["RpcUrl"], (string?)JsonNode.Parse(File.ReadAllText(SettingsPath))!["Node"]!["RpcUrl"]);
    }

    [Theory]
    [InlineData("ml.mode=sometimes", "--answer ml.mode: 'sometimes' is not one of auto, manual", true)]
    [InlineData("wallet.colour=red", "--answer wallet.colour: no install step asks this", true)]
    [InlineData("node.mode=connect", "node at http://127.0.0.1:", false)]
    public async Task Install_refuses_bad_answers_in_one_line(string answer, string expected, bool refusedBeforeApplying)
    {
        var result = await Run("install", "--yes", "--data-dir", _dataDir, "--network", "regtest", "--answer", answer, "--answer", $"node.rpc_url=http://127.0.0.1:{FreePort()}/", "--answer", "node.cookie_file=/nonexistent/.cookie", "--answer", "wallet.mode=skip");
        AssertOneLineError(result, expected);
        Assert.False(File.Exists(Path.Combine(_dataDir, "bitcoin", "bitcoin.conf")));
        if (refusedBeforeApplying)
        {
            Assert.False(File.Exists(SettingsPath), "a refused answer must not write the settings file (not even the network)");
        }
        else
        {
            // The node step's live check fails when it applies: the network may be written, the node settings are not.
            Assert.Null(SettingsFile.Read(SettingsPath)["Node"]);
        }
    }

    [Fact]
    public async Task Interactive_install_needs_a_terminal() =>
        AssertOneLineError(await Run("install", "--data-dir", _dataDir), "no terminal to ask questions on");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
