using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;
using OPSource.Bitcoin.Keys;
using OPSource.Layers.Rsk;
using OPSource.Layers.Tests.Rsk;
using OPSource.TestSupport;
using OPSource.TestSupport.Peers;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

/// <summary>
/// <c>opsource rsk ...</c> as separate processes of the built CLI against anvil (chain id 31, the Bridge TEST DOUBLE
/// at the precompile address) and a Bitcoin Core regtest node: the peg-in funded, signed and broadcast by an OPSource
/// wallet and registered by the (test double) federation, every other subcommand with <c>--json</c>, user errors as
/// exit code 1 with one line on stderr and nothing on stdout, and every example of docs/rsk.md run as written.
/// </summary>
public sealed class RskProcessTests(AnvilNode anvil) : IClassFixture<AnvilNode>, IAsyncLifetime
{
    private const string Words = "legal winner thank year wave sausage worth useful legal winner thank yellow";
    private const string Passphrase = "rsk process test passphrase";
    private readonly string _dir = Directory.CreateTempSubdirectory("opsource-rsk-proc.").FullName;
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
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private BitcoinCoreNode Node => BitcoinCoreNode.Require(_node);

    /// <summary><c>opsource rsk ARGS --data-dir DIR</c> in its own process, from the data dir (so <c>@words.txt</c> resolves).</summary>
    private Task<(int Code, string Out, string Err)> Rsk(string stdin, params string[] args) =>
        RunProcess(["rsk", .. args, "--data-dir", _dir], stdin, _dir);

    private async Task<JsonNode> RskJsonAsync(string stdin, params string[] args)
    {
        var (code, output, error) = await Rsk(stdin, [.. args, "--json"]);
        Assert.True(code == 0, $"opsource rsk {string.Join(' ', args)}: exit {code}: {error}");
        return JsonNode.Parse(output)!;
    }

    private static void AssertUserError((int Code, string Out, string Err) result, string expected)
    {
        AssertOneLineError(result, expected);
        Assert.StartsWith("error: ", result.Err, StringComparison.Ordinal);
        Assert.Equal("", result.Out);
    }

    private async Task MineAsync(string to)
    {
        await Node.MineAsync(1, to);
        var (code, _, error) = await Run("wallet", "sync", "treasury", "--data-dir", _dir);
        Assert.True(code == 0, error);
    }

    /// <summary>
    /// The data dir (regtest, the node, cheap Argon2id, anvil as Rsk:NodeUrl with chain id 31, words.txt and pass.txt),
    /// a Core wallet with mature coins, and the OPSource wallet "treasury" restored from the words and holding two
    /// confirmed coins of 0.05 BTC. Returns Core's mining address.
    /// </summary>
    private async Task<string> PrepareAsync()
    {
        var node = Node;
        var settings = new JsonObject
        {
            ["Network"] = "regtest",
            ["Node"] = new JsonObject { ["RpcUrl"] = node.RpcUrl.ToString(), ["CookieFile"] = node.CookieFile },
            ["Wallet"] = new JsonObject { ["KdfMemoryKiB"] = 8192, ["KdfPasses"] = 1, ["FallbackFeeRate"] = "2" },
            ["Rsk"] = new JsonObject { ["NodeUrl"] = anvil.Url.ToString(), ["ChainId"] = "31" },
        };
        await File.WriteAllTextAsync(Path.Combine(_dir, "appsettings.json"), settings.ToJsonString(), Ct);
        await File.WriteAllTextAsync(Path.Combine(_dir, "words.txt"), Words, Ct);
        await File.WriteAllTextAsync(Path.Combine(_dir, "pass.txt"), Passphrase, Ct);
        await node.CreateWalletAsync("core");
        var core = (string)(await node.WalletRpc("core", "getnewaddress"))!;
        await node.MineAsync(101, core);
        var (restored, _, restoreError) = await Run("wallet", "restore", "treasury", "--mnemonic-file", Path.Combine(_dir, "words.txt"), "--passphrase-file", Path.Combine(_dir, "pass.txt"), "--data-dir", _dir);
        Assert.True(restored == 0, restoreError);
        for (var i = 0; i < 2; i++)
        {
            var (code, output, error) = await Run("wallet", "address", "treasury", "--data-dir", _dir, "--json");
            Assert.True(code == 0, error);
            await node.WalletRpc("core", "sendtoaddress", (string)JsonNode.Parse(output)!["address"]!, 0.05m);
        }

        await MineAsync(core);
        return core;
    }

    [Fact]
    public async Task Every_rsk_subcommand_runs_as_a_process_with_json_results_and_one_line_errors()
    {
        var node = Node;
        var core = await PrepareAsync();
        using var seed = Mnemonic.Parse(Words).DeriveSeed();
        using var alice = RskAccount.FromSeed(seed.Span, RskChain.Testnet, 0);
        var aliceAddress = alice.Address.ToChecksumString(31);

        // A 2-of-3 P2SH federation of Core's keys.
        var keys = new JsonArray();
        for (var i = 0; i < 3; i++)
        {
            keys.Add((string)(await node.WalletRpc("core", "getaddressinfo", (string)(await node.WalletRpc("core", "getnewaddress", "", "legacy"))!))!["pubkey"]!);
        }

        var federation = (string)(await node.Rpc("createmultisig", 2, keys, "legacy"))!["address"]!;
        await anvil.InstallBridgeTestDoubleAsync(federation, Ct);

        // address, balance, send, deploy, call.
        var address = await RskJsonAsync("", "address", "--mnemonic-file", "@words.txt");
        Assert.Equal(aliceAddress, (string)address["address"]!);
        Assert.Equal("m/44'/37310'/0'/0/0", (string)address["path"]!);
        var before = BigInteger.Parse((string)(await RskJsonAsync("", "balance", aliceAddress))["balance_wei"]!, System.Globalization.CultureInfo.InvariantCulture);
        await anvil.FundAsync(alice.Address, BigInteger.Pow(10, 19), Ct);
        var after = await RskJsonAsync("", "balance", aliceAddress);
        Assert.Equal(before + BigInteger.Pow(10, 19), BigInteger.Parse((string)after["balance_wei"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(aliceAddress, (string)after["address"]!);
        var bob = RskAddress.Parse("0x00000000000000000000000000000000000000b0", 31).ToChecksumString(31);
        var sent = await RskJsonAsync(Words, "send", bob, "0.25rbtc", "--mnemonic-file", "-");
        Assert.Equal("success", (string)sent["receipt"]!["status"]!);
        Assert.Equal("250000000000000000", (string)(await RskJsonAsync("", "balance", bob))["balance_wei"]!);
        var compiled = await RskPeers.CompileAsync(Path.Combine(Vectors.RepoRoot, "tests", "OPSource.Layers.Tests", "Rsk", "Contracts", "Counter.sol"), Ct);
        await File.WriteAllTextAsync(Path.Combine(_dir, "Counter.bin"), (string)compiled["Counter"]!["bytecode"]!, Ct);
        var deployed = await RskJsonAsync("", "deploy", "@Counter.bin", "--constructor", "uint256,string", "--args", "[41, \"start\"]", "--mnemonic-file", "@words.txt");
        var contract = (string)deployed["contract_address"]!;
        var values = (await RskJsonAsync("", "call", contract, "describe() returns (uint256,string,address)", "--from", aliceAddress))["values"]!.AsArray();
        Assert.Equal(new[] { "41", "start", aliceAddress }, values.Select(v => (string)v!)); // describe() returns msg.sender: --from

        // pegin: the OPSource wallet funds, signs and broadcasts to the federation with the RSKT OP_RETURN.
        var pegin = await RskJsonAsync("", "pegin", "--wallet", "treasury", "--amount", "0.01btc", "--mnemonic-file", "@words.txt", "--passphrase-file", "@pass.txt");
        var btcTxId = (string)pegin["btc_txid"]!;
        Assert.Contains((await node.Rpc("getrawmempool"))!.AsArray(), t => (string)t! == btcTxId);
        Assert.Equal(federation, (string)pegin["federation_address"]!);
        Assert.Equal(1_000_000, (long)pegin["amount_sat"]!);
        Assert.Equal(aliceAddress, (string)pegin["rsk_destination"]!);
        Assert.Equal("52534b5401" + alice.Address.ToString()[2..], (string)pegin["op_return"]!);
        var decoded = (await node.Rpc("getrawtransaction", btcTxId, true))!;
        Assert.Contains(decoded["vout"]!.AsArray(), o => (string)o!["scriptPubKey"]!["hex"]! == "6a19" + (string)pegin["op_return"]!);
        Assert.Contains(decoded["vout"]!.AsArray(), o => (string?)o!["scriptPubKey"]!["address"] == federation && (decimal)o["value"]! == 0.01m);
        await MineAsync(core);
        Assert.Equal("not_registered", (string)(await RskJsonAsync("", "status", "--pegin", btcTxId))["stage"]!);
        await anvil.BridgeTestDoubleCallAsync(AnvilNode.RegisterPegin.EncodeCall([btcTxId, Convert.FromHexString(btcTxId), alice.Address, new BigInteger(1_000_000)]), Ct);
        var registered = await RskJsonAsync("", "status", "--pegin", btcTxId);
        Assert.Equal("registered", (string)registered["stage"]!);
        Assert.Equal(1_000_000, (long)registered["amount_sat"]!);

        // pegout and status.
        var pegout = await RskJsonAsync("", "pegout", "0.01btc", "--mnemonic-file", "@words.txt");
        Assert.Equal(RskAddress.Bridge.ToChecksumString(31), (string)pegout["to"]!);
        Assert.Equal("received", (string)(await RskJsonAsync("", "status", "--pegout", (string)pegout["hash"]!))["stage"]!);
        var status = await RskJsonAsync("", "status", "--bridge");
        Assert.Equal(31, (int)status["chain_id"]!);
        Assert.Equal(federation, (string)status["bridge"]!["federation_address"]!);
        Assert.Equal("success", (string)(await RskJsonAsync("", "status", "--tx", (string)sent["hash"]!))["status"]!);

        // User errors: exit 1, one line on stderr, nothing on stdout.
        AssertUserError(await Rsk("", "address", alice.Address.ToChecksumString(30)), "checksum of chain 30");
        AssertUserError(await Rsk("", "balance", "0x12"), "40 hex digits");
        AssertUserError(await Rsk("", "call", contract, "increment(uint256,string) returns (uint256)", "[0, \"x\"]"), "by must be positive");
        AssertUserError(await Rsk("", "send", bob, "1wei", "--gas-price", "1wei", "--mnemonic-file", "@words.txt"), "below the node's minimum");
        AssertUserError(await Rsk("", "send", bob, "1wei", "--nonce", "999", "--mnemonic-file", "@words.txt"), "leaves a gap");
        AssertUserError(await Rsk("", "pegin", "--wallet", "treasury", "--amount", "0.001btc", "--to", aliceAddress, "--passphrase-file", "@pass.txt"), "below the Bridge's minimum");
        AssertUserError(await Rsk("", "pegin", "--wallet", "nosuch", "--amount", "0.01btc", "--to", aliceAddress, "--passphrase-file", "@pass.txt"), "no wallet named 'nosuch'");
        await File.WriteAllTextAsync(Path.Combine(_dir, "wrong.txt"), "not the passphrase", Ct);
        AssertUserError(await Rsk("", "pegin", "--wallet", "treasury", "--amount", "0.01btc", "--to", aliceAddress, "--passphrase-file", "@wrong.txt"), "wrong passphrase");
        var segwit = (string)(await node.WalletRpc("core", "getnewaddress", "", "bech32"))!;
        AssertUserError(await Rsk("", "pegin", "--wallet", "treasury", "--amount", "0.01btc", "--to", aliceAddress, "--refund", segwit, "--psbt"), "must be P2PKH or P2SH");
        AssertUserError(await Rsk("", "status", "--pegin", "xyz"), "64-hex-digit");
        Assert.Empty((await node.Rpc("getrawmempool"))!.AsArray()); // the refused peg-ins sent nothing
    }

    [Fact]
    public async Task The_cli_examples_of_docs_rsk_md_work_as_written()
    {
        await PrepareAsync();
        using var seed = Mnemonic.Parse(Words).DeriveSeed();
        using var alice = RskAccount.FromSeed(seed.Span, RskChain.Testnet, 0);
        await anvil.FundAsync(alice.Address, BigInteger.Pow(10, 19), Ct);
        await anvil.InstallBridgeTestDoubleAsync("2N5muMepJizJE1gR7FbHJU6CD18V3BpNF9p", Ct);
        var compiled = await RskPeers.CompileAsync(Path.Combine(Vectors.RepoRoot, "tests", "OPSource.Layers.Tests", "Rsk", "Contracts", "Counter.sol"), Ct);
        await File.WriteAllTextAsync(Path.Combine(_dir, "Counter.bin"), (string)compiled["Counter"]!["bytecode"]!, Ct);

        // The ``` block of the CLI section, each line run as written (comments dropped), from the data dir.
        var doc = await File.ReadAllTextAsync(Path.Combine(Vectors.RepoRoot, "docs", "rsk.md"), Ct);
        var cli = doc[doc.IndexOf("## CLI", StringComparison.Ordinal)..];
        var block = cli[(cli.IndexOf("```", StringComparison.Ordinal) + 3)..];
        block = block[..block.IndexOf("```", StringComparison.Ordinal)];
        var lines = block.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("opsource rsk ", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count >= 10, block);
        string? pegoutHash = null;
        foreach (var line in lines)
        {
            var command = line.Contains(" #", StringComparison.Ordinal) ? line[..line.IndexOf(" #", StringComparison.Ordinal)].Trim() : line;
            if (command.Contains("0x<rsk tx hash>", StringComparison.Ordinal))
            {
                Assert.NotNull(pegoutHash);
                command = command.Replace("0x<rsk tx hash>", pegoutHash, StringComparison.Ordinal);
            }

            var args = ShellWords(command).Skip(1).ToList();
            var (code, output, error) = await RunProcess([.. args, "--data-dir", _dir], "", _dir);
            Assert.True(code == 0, $"{line}: exit {code}: {error}");
            Assert.NotEqual("", output.Trim());
            if (args[1] == "pegout")
            {
                pegoutHash = output.Trim().Split('\n')[0].Trim();
            }
        }

        Assert.NotNull(pegoutHash);
    }

    /// <summary>Splits a documented command line as a POSIX shell would for these examples (single and double quotes).</summary>
    private static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char? quote = null;
        foreach (var c in line)
        {
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }
}
