using System.Numerics;
using System.Text.Json.Nodes;
using OPSource.Bitcoin.Keys;
using OPSource.Layers.Rsk;
using OPSource.Layers.Tests.Rsk;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

/// <summary><c>opsource rsk ...</c> against a real EVM node (anvil, chain id 31), configured through the data dir's appsettings.json.</summary>
public sealed class RskCommandTests(AnvilNode anvil) : IClassFixture<AnvilNode>, IDisposable
{
    private const string Words = "legal winner thank year wave sausage worth useful legal winner thank yellow";

    private readonly string _dataDir = Directory.CreateTempSubdirectory("opsource-rsk-cli.").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private Task<(int Code, string Out, string Err)> Rsk(string stdin, params string[] args) =>
        RunWithInput(stdin, ["rsk", .. args, "--data-dir", _dataDir]);

    [Fact]
    public async Task Address_balance_send_deploy_call_and_status_work_end_to_end()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = new JsonObject { ["Network"] = "regtest", ["Rsk"] = new JsonObject { ["NodeUrl"] = anvil.Url.ToString(), ["ChainId"] = "31" } };
        await File.WriteAllTextAsync(Path.Combine(_dataDir, "appsettings.json"), settings.ToJsonString(), ct);
        using var seed = Mnemonic.Parse(Words).DeriveSeed();
        using var alice = RskAccount.FromSeed(seed.Span, RskChain.Testnet, 0);
        using var bob = RskAccount.FromSeed(seed.Span, RskChain.Testnet, 1);

        var (code, output, error) = await Rsk(Words, "address", "--mnemonic-file", "-", "--json");
        Assert.True(code == 0, error);
        var address = JsonNode.Parse(output)!;
        Assert.Equal("m/44'/37310'/0'/0/0", (string)address["path"]!);
        Assert.Equal(alice.Address.ToChecksumString(31), (string)address["address"]!);
        Assert.Equal(31, (int)address["chain_id"]!);

        // A checksum of chain 30 typed where chain 31 is configured: one line naming the problem.
        AssertOneLineError(await Rsk("", "address", alice.Address.ToChecksumString(30)), "checksum of chain 30");
        AssertOneLineError(await Rsk("", "balance", "0x12"), "40 hex digits");

        await anvil.FundAsync(alice.Address, BigInteger.Pow(10, 19), ct);
        (code, output, error) = await Rsk("", "balance", alice.Address.ToChecksumString(31), "--json");
        Assert.True(code == 0, error);
        Assert.Equal("10", (string)JsonNode.Parse(output)!["balance_rbtc"]!);

        (code, output, error) = await Rsk(Words, "send", bob.Address.ToChecksumString(31), "0.25rbtc", "--mnemonic-file", "-", "--json");
        Assert.True(code == 0, error);
        var sent = JsonNode.Parse(output)!;
        Assert.Equal("success", (string)sent["receipt"]!["status"]!);
        Assert.Equal("250000000000000000", (string)sent["value_wei"]!);

        var compiled = await RskPeers.CompileAsync(Path.Combine(OPSource.TestSupport.Vectors.RepoRoot, "tests", "OPSource.Layers.Tests", "Rsk", "Contracts", "Counter.sol"), ct);
        var binFile = Path.Combine(_dataDir, "Counter.bin");
        await File.WriteAllTextAsync(binFile, (string)compiled["Counter"]!["bytecode"]!, ct);
        (code, output, error) = await Rsk(Words, "deploy", "@" + binFile, "--constructor", "uint256,string", "--args", "[41, \"start\"]", "--mnemonic-file", "-", "--json");
        Assert.True(code == 0, error);
        var contract = (string)JsonNode.Parse(output)!["contract_address"]!;

        (code, output, error) = await Rsk("", "call", contract, "describe() returns (uint256,string,address)", "--json");
        Assert.True(code == 0, error);
        var values = JsonNode.Parse(output)!["values"]!.AsArray();
        Assert.Equal("41", (string)values[0]!);
        Assert.Equal("start", (string)values[1]!);

        AssertOneLineError(await Rsk("", "call", contract, "increment(uint256,string) returns (uint256)", "[0, \"x\"]"), "by must be positive");
        AssertOneLineError(await Rsk(Words, "send", bob.Address.ToChecksumString(31), "1wei", "--gas-price", "1wei", "--mnemonic-file", "-"), "below the node's minimum");
        AssertOneLineError(await Rsk(Words, "send", bob.Address.ToChecksumString(31), "1000rbtc", "--mnemonic-file", "-"), "holds");
        AssertOneLineError(await Rsk(Words, "send", bob.Address.ToChecksumString(31), "0.1234567890123456789rbtc", "--mnemonic-file", "-"), "more than 18 decimals");

        (code, output, error) = await Rsk("", "status", "--json");
        Assert.True(code == 0, error);
        Assert.Equal(31, (int)JsonNode.Parse(output)!["chain_id"]!);
        (code, output, error) = await Rsk("", "status", "--tx", (string)sent["hash"]!);
        Assert.True(code == 0, error);
        Assert.Contains("success", output, StringComparison.Ordinal);

        // Configured for mainnet's chain id against this node: refused with one line.
        settings["Rsk"]!["ChainId"] = "30";
        await File.WriteAllTextAsync(Path.Combine(_dataDir, "appsettings.json"), settings.ToJsonString(), ct);
        AssertOneLineError(await Rsk("", "status"), "is on chain 31");
        settings["Rsk"]!["ChainId"] = "500";
        await File.WriteAllTextAsync(Path.Combine(_dataDir, "appsettings.json"), settings.ToJsonString(), ct);
        AssertOneLineError(await Rsk("", "status"), "Rsk:ChainId '500'");
    }
}
