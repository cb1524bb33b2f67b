using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Server;
using OPSource.TestSupport;
using OPSource.Platform.Funding;
using OPSource.Wallet.Service;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

/// <summary>
/// <c>opsource install</c>'s wallet step (the wallet module's <c>WalletInstallStep</c> over <c>WalletService</c>) through
/// the real command line: create shows the mnemonic once and stores the seed encrypted; restore reproduces BIP86's
/// published derivation; a re-run leaves the wallet alone; the self-test opens the seed with the passphrase.
/// </summary>
public sealed class InstallWalletTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("opsource-cli-install-wallet-").FullName;

    // Answer files live outside the data dir, whose every file is searched for secrets.
    private readonly string _secretsDir = Directory.CreateTempSubdirectory("opsource-cli-install-secrets-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
        Directory.Delete(_secretsDir, recursive: true);
    }

    [Fact]
    public async Task Create_shows_the_mnemonic_once_encrypts_the_seed_and_a_rerun_keeps_the_wallet()
    {
        var passphraseFile = Secret("pass", "correct horse battery staple");
        string[] install =
        [
            "install", "--yes", "--json", "--data-dir", _dataDir, "--network", "regtest", .. NodeAnswers(),
            "--answer", "wallet.name=main", "--answer", "wallet.words=12", "--answer", "wallet.passphrase=@" + passphraseFile,
        ];
        var plan = await Run([.. install, "--dry-run"]);
        Assert.Equal(0, plan.Code);
        var planned = JsonNode.Parse(plan.Out)!["steps"]!.AsArray().Single(s => (string)s!["id"]! == "wallet")!;
        Assert.Equal("planned", (string?)planned["outcome"]);
        Assert.Contains("create wallet 'main' (bip86)", string.Join("\n", planned["actions"]!.AsArray().Select(a => (string)a!)), StringComparison.Ordinal);
        Assert.Null(JsonNode.Parse(plan.Out)!["show_once"]);

        var applied = await Run(install);
        Assert.Equal(0, applied.Code);
        var json = JsonNode.Parse(applied.Out)!;
        var wallet = json["steps"]!.AsArray().Single(s => (string)s!["id"]! == "wallet")!;
        Assert.Equal("applied", (string?)wallet["outcome"]);
        var shown = Assert.Single(json["show_once"]!.AsArray())!;
        Assert.Contains("wallet 'main' mnemonic (12 words)", (string)shown["label"]!, StringComparison.Ordinal);
        var mnemonic = (string)shown["value"]!;
        Assert.Equal(12, mnemonic.Split(' ').Length);
        Assert.DoesNotContain(mnemonic, applied.Err, StringComparison.Ordinal);

        // The seed is stored encrypted: neither the words nor the passphrase appear in any file of the data dir.
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.EnumerateFiles(_dataDir, "*", SearchOption.AllDirectories))
        {
            var text = Encoding.UTF8.GetString(File.ReadAllBytes(file));
            Assert.DoesNotContain(mnemonic, text, StringComparison.Ordinal);
            Assert.DoesNotContain("correct horse battery staple", text, StringComparison.Ordinal);
        }

        // The wallet is BIP86 (taproot) by default.
        var info = await WalletInfoAsync("regtest", "main");
        Assert.StartsWith("tr([", info.ExternalDescriptor, StringComparison.Ordinal);
        Assert.Contains("/86h/1h/0h]", info.ExternalDescriptor, StringComparison.Ordinal);
        Assert.False(info.WatchOnly);

        // A re-run with nothing asked changes nothing and shows no mnemonic again.
        var again = await Run("install", "--yes", "--json", "--data-dir", _dataDir, "--network", "regtest");
        Assert.Equal(0, again.Code);
        var rerun = JsonNode.Parse(again.Out)!;
        Assert.Null(rerun["show_once"]);
        Assert.DoesNotContain(mnemonic, again.Out, StringComparison.Ordinal);
        var state = rerun["steps"]!.AsArray().Single(s => (string)s!["id"]! == "wallet")!;
        Assert.Equal("unchanged", (string?)state["outcome"]);
        Assert.Contains("wallets: main", (string)state["state"]![0]!, StringComparison.Ordinal);

        // The self-test opens the encrypted seed with the right passphrase and fails with a wrong one.
        var test = await Run("test", "--component", "wallet", "--json", "--data-dir", _dataDir, "--network", "regtest", "--passphrase-file", passphraseFile);
        var checks = JsonNode.Parse(test.Out)!["components"]![0]!["checks"]!.AsArray().ToDictionary(c => (string)c!["name"]!, c => (string)c!["status"]!);
        Assert.Equal(("pass", "pass"), (checks["store"], checks["seed_decryptable"]));
        Assert.Equal(0, test.Code);
        var wrong = await Run("test", "--component", "wallet", "--json", "--data-dir", _dataDir, "--network", "regtest", "--passphrase-file", Secret("wrong", "not it"));
        Assert.Equal(1, wrong.Code);
        Assert.Equal("fail", (string?)JsonNode.Parse(wrong.Out)!["overall"]);
        var skipped = await Run("test", "--component", "wallet", "--json", "--data-dir", _dataDir, "--network", "regtest");
        Assert.Contains("no wallet passphrase given", skipped.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restore_derives_bip86s_published_addresses()
    {
        var vectors = JsonNode.Parse(Vectors.ReadText("bips", "bip49_84_86_derivation_vectors.json"))!["bips"]!["bip86"]!.AsArray();
        var words = (string)vectors[0]!["fields"]!["mnemonic"]!;
        var accountXpub = (string)vectors.Single(v => (string?)v!["path"] == "m/86'/0'/0'")!["fields"]!["xpub"]!;
        var firstAddress = (string)vectors.Single(v => (string?)v!["path"] == "m/86'/0'/0'/0/0")!["fields"]!["address"]!;
        var changeAddress = (string)vectors.Single(v => (string?)v!["path"] == "m/86'/0'/0'/1/0")!["fields"]!["address"]!;

        var result = await Run(
        [
            "install", "--yes", "--json", "--data-dir", _dataDir, "--network", "mainnet", .. NodeAnswers(),
            "--answer", "wallet.mode=restore", "--answer", "wallet.name=restored", "--answer", "wallet.mnemonic=@" + Secret("words", words),
            "--answer", "wallet.passphrase=@" + Secret("pass", "pw"), "--answer", "wallet.birthday=0",
        ]);
        Assert.Equal(0, result.Code);
        Assert.Null(JsonNode.Parse(result.Out)!["show_once"]);
        Assert.DoesNotContain("abandon", result.Out + result.Err, StringComparison.Ordinal);

        var info = await WalletInfoAsync("mainnet", "restored");
        Assert.StartsWith("tr([73c5da0a/86h/0h/0h]" + accountXpub + "/", info.ExternalDescriptor, StringComparison.Ordinal);
        await using var services = Open("mainnet");
        var wallets = services.GetRequiredService<WalletService>();
        Assert.Equal(firstAddress, (await wallets.GetUnusedAddressAsync("restored", WalletKeychain.External, Ct)).Address?.ToString());
        Assert.Equal(changeAddress, (await wallets.GetUnusedAddressAsync("restored", WalletKeychain.Internal, Ct)).Address?.ToString());
    }

    [Fact]
    public async Task A_bad_mnemonic_is_a_one_line_error_and_creates_no_wallet()
    {
        var result = await Run(
        [
            "install", "--yes", "--data-dir", _dataDir, "--network", "regtest", .. NodeAnswers(),
            "--answer", "wallet.mode=restore", "--answer", "wallet.mnemonic=@" + Secret("words", "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon"),
            "--answer", "wallet.passphrase=@" + Secret("pass", "pw"),
        ]);
        AssertOneLineError(result, "wallet.mnemonic:");
        Assert.DoesNotContain("abandon", result.Err, StringComparison.Ordinal);
        await using var services = Open("regtest");
        Assert.Empty(await services.GetRequiredService<WalletService>().ListNamesAsync(Ct));
    }

    private string[] NodeAnswers() =>
        ["--answer", "node.mode=generate", "--answer", $"node.rpc_port={FreePort()}", "--answer", $"node.p2p_port={FreePort()}", "--answer", $"node.zmq_port={FreePort()}"];

    private string Secret(string name, string value)
    {
        var path = Path.Combine(_secretsDir, name + ".secret");
        File.WriteAllText(path, value);
        return path;
    }

    private ServiceProvider Open(string network)
    {
        var (options, layers) = OpsourceConfiguration.Load(new Dictionary<string, string?> { ["DataDir"] = _dataDir, ["Network"] = network });
        var services = new ServiceCollection();
        services.AddLogging();
        OpsourceServer.AddPlatformServices(services, options, layers.Root, OPSource.Server.Modules.OpsourceModules.All);
        return services.BuildServiceProvider();
    }

    private async Task<WalletInfo> WalletInfoAsync(string network, string name)
    {
        await using var services = Open(network);
        return await services.GetRequiredService<WalletService>().GetInfoAsync(name, Ct);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
