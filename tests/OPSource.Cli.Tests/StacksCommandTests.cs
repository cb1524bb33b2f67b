using System.Text.Json.Nodes;
using OPSource.Bitcoin.Encoding;
using OPSource.Layers.Stacks;
using OPSource.Layers.Stacks.Clarity;
using OPSource.Layers.Stacks.Pox;
using OPSource.Layers.Stacks.Transactions;
using OPSource.Layers.Tests.Stacks;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

/// <summary>
/// <c>opsource stacks ...</c> as the built process (<c>dotnet opsource.dll</c>), against the local double of a
/// Stacks node's <c>/v2</c> RPC where a node is needed: results on stdout (<c>--json</c> and the human form),
/// long arguments from <c>@FILE</c> and <c>-</c>, and exit 1 with one line for each bad input of issue #17.
/// The transactions the process prints are the library's (checked byte for byte against stacks.js by
/// OPSource.Layers.Tests), and stacks.js reads and verifies them here too.
/// </summary>
public sealed class StacksCommandTests : IAsyncLifetime
{
    private const string KeyHex = "edf9aee84d9b7abc145504dde6726c64f369d37ee34ded868fabd876c26570bc01";
    private const string Recipient = "ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5";
    private const string Tokens = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.tokens";

    // Clarinet's devnet deployer (a public test mnemonic): ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM at m/44'/5757'/0'/0/0.
    private const string Devnet = "twice kind fence tip hidden tilt action fragile skin nothing glory cousin green tomorrow spring wrist shed math olympic multiply hip blue scout claw";

    private readonly string _dir = Directory.CreateTempSubdirectory("opsource-stacks-cli.").FullName;
    private readonly StacksNodeDouble _node = new(StacksNetwork.Testnet);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Node => _node.Url.ToString();

    public async ValueTask InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "seed.txt"), Devnet + "\n", Ct);
        await File.WriteAllTextAsync(Path.Combine(_dir, "stx.key"), KeyHex + "\n", Ct);
        await File.WriteAllTextAsync(Path.Combine(_dir, "hello.clar"), "(define-read-only (hello) (ok \"hello\"))\n", Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _node.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private string File_(string name) => "@" + Path.Combine(_dir, name);

    private static string Exe => Path.Combine(AppContext.BaseDirectory, "opsource.dll");

    /// <summary>Runs the built CLI as a child process with <paramref name="stdin"/> on its standard input.</summary>
    private Task<(int Code, string Out, string Err)> Opsource(string stdin, params string[] args) =>
        CliRun.RunFile("dotnet", [Exe, "--data-dir", _dir, .. args], stdin, _dir);

    private Task<(int Code, string Out, string Err)> Testnet(params string[] args) => Opsource("", ["--network", "testnet", "stacks", .. args]);

    private static JsonNode Json((int Code, string Out, string Err) result)
    {
        Assert.True(result.Code == 0, $"exit {result.Code}: {result.Err}");
        Assert.Equal("", result.Err);
        return JsonNode.Parse(result.Out)!;
    }

    private static StacksTransaction Sign(Payload payload, ulong nonce, ulong fee, params PostCondition[] postConditions)
    {
        using var key = StacksPrivateKey.Parse(KeyHex);
        return TransactionSigner.SignOrigin(TransactionBuilder.Unsigned(StacksNetwork.Testnet, TransactionBuilder.SingleSig(key.PublicKeyBytes, nonce, fee), payload, postConditions: postConditions), key);
    }

    [Fact]
    public async Task Address_comes_from_the_seed_file_or_standard_input()
    {
        var json = Json(await Testnet("address", "--mnemonic", File_("seed.txt"), "--json"));
        Assert.Equal("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM", (string)json["address"]!);
        Assert.Equal("m/44'/5757'/0'/0/0", (string)json["path"]!);
        Assert.Equal(26, (int)json["version"]!);

        var (code, output, error) = await Opsource(Devnet, "stacks", "address", "--mnemonic", "-", "--index", "0");
        Assert.True(code == 0, error);
        var mainnet = new StacksAddress(22, StacksAddress.Parse("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM").Hash160); // mainnet: the same key, version 22
        Assert.Equal(mainnet + Environment.NewLine, output);

        (code, output, error) = await Testnet("address", "--key", File_("stx.key"));
        Assert.True(code == 0, error);
        using var key = StacksPrivateKey.Parse(KeyHex);
        Assert.Equal(key.Address(StacksNetwork.Testnet) + Environment.NewLine, output);
    }

    [Fact]
    public async Task Tx_build_and_decode_give_the_librarys_bytes_and_read_long_arguments_from_files_and_stdin()
    {
        // Token transfer with a memo and a post-condition: the human form is the hex alone.
        var (code, output, error) = await Testnet("tx", "build", "--key", File_("stx.key"), "--transfer", Recipient, "--amount", "1000000",
            "--memo", "invoice-42", "--nonce", "0", "--fee", "180", "--post-condition", "stx origin lte 1000000");
        Assert.True(code == 0, error);
        var transfer = Sign(TokenTransferPayload.Create(Cv.Principal(Recipient), 1_000_000, "invoice-42"), 0, 180, PostConditionText.Parse("stx origin lte 1000000"));
        Assert.Equal(Hex.Encode(transfer.Serialize()) + Environment.NewLine, output);

        // Decode from @FILE and from standard input.
        await File.WriteAllTextAsync(Path.Combine(_dir, "tx.hex"), output, Ct);
        var decoded = Json(await Testnet("tx", "decode", File_("tx.hex"), "--json"));
        Assert.Equal(transfer.TxId, (string)decoded["txid"]!);
        Assert.True((bool)decoded["signatures_valid"]!);
        Assert.Equal("invoice-42", (string)decoded["payload"]!["memo"]!);
        Assert.Equal("stx origin lte 1000000", (string)decoded["post_conditions"]![0]!);
        var piped = Json(await Opsource(output, "stacks", "tx", "decode", "-", "--json"));
        Assert.Equal(transfer.TxId, (string)piped["txid"]!);

        // Contract call whose arguments come inline, from a file and from standard input.
        await File.WriteAllTextAsync(Path.Combine(_dir, "meta.clar"), "(some {id: 0x01020304, tags: (list u\"a\" u\"\\u{e9}\")})\n", Ct);
        var call = Json(await Opsource($"'{Recipient}", "--network", "testnet", "stacks", "tx", "build", "--key", File_("stx.key"), "--call", Tokens + "::pay",
            "--arg", "u5", "--arg", "-", "--arg", File_("meta.clar"), "--nonce", "3", "--fee", "2000", "--json"));
        var args = new[] { Cv.UInt(5), Cv.Principal(Recipient), ClarityText.Parse("(some {id: 0x01020304, tags: (list u\"a\" u\"\\u{e9}\")})") };
        var expected = Sign(new ContractCallPayload(StacksAddress.Parse("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM"), "tokens", "pay", [.. args]), 3, 2000);
        Assert.Equal(Hex.Encode(expected.Serialize()), (string)call["hex"]!);
        Assert.Equal(expected.TxId, (string)call["txid"]!);
        Assert.Equal("contract_call", (string)call["payload"]!["type"]!);

        // Versioned deploy with the source from a file.
        var deploy = Json(await Testnet("tx", "build", "--key", File_("stx.key"), "--deploy", "hello", "--source", File_("hello.clar"),
            "--clarity-version", "3", "--nonce", "1", "--fee", "5000", "--post-condition", "stx origin lte 0", "--json"));
        Assert.Equal("versioned_smart_contract", (string)deploy["payload"]!["type"]!);
        Assert.Equal(3, (int)deploy["payload"]!["clarity_version"]!);
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(_dir, "hello.clar"), Ct), (string)deploy["payload"]!["code_body"]!);
    }

    [Fact]
    public async Task With_the_node_the_nonce_fee_and_call_are_checked_and_the_transaction_broadcast()
    {
        var sent = Json(await Testnet("tx", "build", "--key", File_("stx.key"), "--call", Tokens + "::pay", "--arg", "u5", "--arg", $"'{Recipient}", "--arg", "none",
            "--post-condition", $"ft origin lte 5 {Tokens}::gold", "--check", "--broadcast", "--node", Node, "--json"));
        Assert.Equal("7", (string)sent["origin"]!["nonce"]!); // the node's account nonce
        Assert.Equal("240", (string)sent["origin"]!["fee_ustx"]!); // the middle of the node's three estimates
        Assert.Equal("1234", (string)sent["broadcast_txid"]!);
        Assert.Equal((string)sent["hex"]!, Hex.Encode(_node.Requests.Last(r => r.Path == "/v2/transactions").Body));
        Assert.Contains(_node.Requests, r => r.Path == "/v2/contracts/interface/ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM/tokens");

        var read = Json(await Testnet("call", Tokens, "get-thing", "u1", "\"abc\"", "--node", Node, "--json"));
        Assert.Equal("(ok u42)", (string)read["repr"]!);
        var (code, output, error) = await Testnet("call", "ST000000000000000000002AMW42H.pox-4", "get-stacker-info", $"'{Recipient}", "--node", Node);
        Assert.True(code == 0, error);
        Assert.Equal("none" + Environment.NewLine, output);

        var pox = Json(await Testnet("pox-info", "--node", Node, "--stacker", Recipient, "--json"));
        Assert.Equal("u3", (string)pox["current_reward_cycle"]!["repr"]!);
        Assert.Equal(ClarityText.Print(StacksNodeDouble.PoxInfo), (string)pox["pox_4_info"]!["repr"]!);
        Assert.Equal("none", (string)pox["stacker_info"]!["repr"]!);
        Assert.Equal(120, (int)pox["pox"]!["current_burnchain_block_height"]!);
    }

    [Fact]
    public async Task Stack_and_delegate_build_pox4_calls_with_the_signer_signature()
    {
        const string PoxAddr = "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx";
        var json = Json(await Testnet("stack", "--mnemonic", File_("seed.txt"), "--amount", "100000000000", "--pox-address", PoxAddr,
            "--cycles", "2", "--start-burn-height", "1000", "--reward-cycle", "0", "--nonce", "0", "--auth-id", "7", "--json"));
        Assert.Equal("ST000000000000000000002AMW42H.pox-4", (string)json["payload"]!["contract"]!);
        Assert.Equal("stack-stx", (string)json["payload"]!["function"]!);
        Assert.Equal(4, (int)json["pox_address"]!["version"]!);
        Assert.Equal("751e76e8199196d454941c45d1b3a323f1433bd6", (string)json["pox_address"]!["hashbytes"]!);
        Assert.Equal("10000", (string)json["origin"]!["fee_ustx"]!);
        using (var seed = OPSource.Bitcoin.Keys.Mnemonic.Parse(Devnet).DeriveSeed())
        using (var master = OPSource.Bitcoin.Keys.ExtKey.CreateMaster(seed))
        using (var key = StacksKeys.Derive(master, 0))
        {
            var pox = PoxAddress.Parse(PoxAddr, PoxAddress.BitcoinNetworkFor(StacksNetwork.Testnet));
            var signature = Pox4.SignerSignature(key, StacksNetwork.Testnet, pox, 0, Pox4Topic.StackStx, 2, 100_000_000_000, 7);
            Assert.Equal(Hex.Encode(signature), (string)json["stacking"]!["signer_signature"]!);
            Assert.Equal(Hex.Encode(key.PublicKeyBytes), (string)json["stacking"]!["signer_key"]!);
        }

        // Cycle and burn height from the node when not given.
        var fromNode = Json(await Testnet("stack", "--key", File_("stx.key"), "--amount", "5", "--pox-address", PoxAddr, "--nonce", "1", "--node", Node, "--json"));
        Assert.Equal(3, (int)fromNode["stacking"]!["reward_cycle"]!);
        Assert.Equal(120, (int)fromNode["stacking"]!["start_burn_height"]!);

        var delegated = Json(await Testnet("stack", "--key", File_("stx.key"), "--amount", "100000000000", "--pox-address", PoxAddr,
            "--delegate-to", Recipient, "--nonce", "4", "--fee", "300", "--json"));
        Assert.Equal("delegate-stx", (string)delegated["payload"]!["function"]!);
        Assert.Equal($"'{Recipient}", (string)delegated["payload"]!["args"]![1]!);
        Assert.Equal("300", (string)delegated["origin"]!["fee_ustx"]!);
    }

    [Fact]
    public async Task Each_bad_input_of_the_issue_is_exit_1_with_one_line()
    {
        string[] transfer = ["tx", "build", "--key", File_("stx.key"), "--amount", "1", "--nonce", "0", "--fee", "180"];

        // A malformed c32 address (last character changed: the checksum fails) and a wrong network's address.
        AssertOneLineError(await Testnet([.. transfer, "--transfer", "ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD6"]), "bad checksum");
        AssertOneLineError(await Testnet([.. transfer, "--transfer", "ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPDU"]), "not c32");
        AssertOneLineError(await Testnet([.. transfer, "--transfer", "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7"]), "a mainnet address (version 22), expected testnet");
        AssertOneLineError(await Testnet("call", "SP000000000000000000002Q6VF78.pox-4", "get-pox-info", "--node", Node), "expected testnet");

        // An oversize memo.
        AssertOneLineError(await Testnet([.. transfer, "--transfer", Recipient, "--memo", new string('m', 35)]), "memo is 35 bytes, at most 34 fit");

        // A Clarity value that does not fit its type: a literal out of range, and arguments against the contract's interface.
        AssertOneLineError(await Testnet("tx", "build", "--key", File_("stx.key"), "--call", Tokens + "::pay", "--arg", "u340282366920938463463374607431768211456", "--nonce", "0", "--fee", "1"), "does not fit uint");
        AssertOneLineError(await Testnet("tx", "build", "--key", File_("stx.key"), "--call", Tokens + "::pay", "--arg", "u5", "--arg", $"'{Recipient}", "--arg", "(some {id: 0x0102030405, tags: (list)})",
            "--nonce", "0", "--fee", "1", "--check", "--node", Node), "pay argument 3 (meta) (some).id is 5 bytes, more than (buff 4) allows");
        AssertOneLineError(await Testnet("call", Tokens, "get-thing", "1", "\"abc\"", "--node", Node), "get-thing argument 1 (n) 1 is not uint");
        AssertOneLineError(await Testnet("call", Tokens, "get-thing", "--node", Node), "get-thing takes 2 argument(s)");

        // A post-condition on an asset the contract does not declare, and on a contract that does not exist.
        AssertOneLineError(await Testnet([.. transfer, "--transfer", Recipient, "--post-condition", $"ft origin eq 1 {Tokens}::silver", "--check", "--node", Node]),
            $"{Tokens} declares no fungible token 'silver' (it declares: gold)");
        AssertOneLineError(await Testnet([.. transfer, "--transfer", Recipient, "--post-condition", "nft origin sent ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.nothing::badge u1", "--check", "--node", Node]),
            "contract ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.nothing of asset 'badge' does not exist");
        Assert.DoesNotContain(_node.Requests, r => r.Path == "/v2/transactions");

        // Other refusals: one line each.
        AssertOneLineError(await Testnet("tx", "build", "--key", File_("stx.key"), "--call", Tokens + "::get-thing", "--arg", "u1", "--arg", "\"a\"", "--check", "--node", Node),
            "is read-only: a transaction can only call public functions");
        AssertOneLineError(await Testnet("tx", "decode", "80800000000400zz"), "stacks decode");
        AssertOneLineError(await Testnet([.. transfer, "--transfer", Recipient, "--deploy", "x"]), "exactly one of --transfer, --call, --deploy");
        AssertOneLineError(await Testnet("tx", "build", "--key", File_("stx.key"), "--transfer", Recipient, "--amount", "1", "--fee", "1"), "give --nonce, or --check");
        AssertOneLineError(await Testnet("tx", "build", "--key", File_("missing.key"), "--transfer", Recipient, "--amount", "1", "--nonce", "0", "--fee", "1"), "cannot read");
        AssertOneLineError(await Testnet("tx", "build", "--key", File_("stx.key"), "--transfer", Recipient, "--amount", "1.5", "--nonce", "0", "--fee", "1"), "--amount must be an integer");
        AssertOneLineError(await Testnet("pox-info", "--node", "http://127.0.0.1:1/"), "stacks node http://127.0.0.1:1/");
        AssertOneLineError(await Testnet("stack", "--key", File_("stx.key"), "--amount", "5", "--pox-address", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "--nonce", "0", "--delegate-to", Recipient), "pox:");
    }

    [Fact]
    public async Task Every_cli_example_in_the_stacks_docs_runs()
    {
        string doc = await File.ReadAllTextAsync(Path.Combine(OPSource.TestSupport.Vectors.RepoRoot, "docs", "stacks.md"), Ct);
        int start = doc.IndexOf("```\n", doc.IndexOf("## CLI", StringComparison.Ordinal), StringComparison.Ordinal) + 4;
        int end = doc.IndexOf("```\n", start, StringComparison.Ordinal);
        string[] examples = doc[start..end].Replace("\\\n", " ", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(examples.Length >= 10, $"{examples.Length} examples");
        await File.WriteAllTextAsync(Path.Combine(_dir, "meta.clar"), "(some {id: 0x01020304, tags: (list u\"a\")})\n", Ct);
        foreach (string example in examples)
        {
            Assert.StartsWith("opsource ", example, StringComparison.Ordinal);
            string script = $"set -eo pipefail\nopsource() {{ dotnet '{Exe}' --data-dir '{_dir}' \"$@\"; }}\n"
                + example.Replace("http://127.0.0.1:20443", Node.TrimEnd('/'), StringComparison.Ordinal);
            var (code, output, error) = await CliRun.RunFile("bash", ["-c", script], "", _dir);
            Assert.True(code == 0 && error.Length == 0, $"{example}\nexit {code}: {error}");
            Assert.True(output.Length > 0 || example.Contains("> tx.hex", StringComparison.Ordinal), example);
        }

        Assert.Contains(_node.Requests, r => r.Path.StartsWith("/v2/contracts/interface/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stacks_js_reads_and_verifies_what_the_process_prints()
    {
        StacksPeer.Require();
        var hexes = new JsonArray();
        foreach (var args in new[]
        {
            new[] { "tx", "build", "--key", File_("stx.key"), "--transfer", Recipient, "--amount", "1000000", "--memo", "invoice-42", "--nonce", "0", "--fee", "180", "--post-condition", "stx origin lte 1000000" },
            ["tx", "build", "--key", File_("stx.key"), "--call", Tokens + "::pay", "--arg", "u5", "--arg", $"'{Recipient}", "--arg", "none", "--nonce", "2", "--fee", "300", "--post-condition", $"nft origin not-sent {Tokens}::badge u9", "--post-condition-mode", "allow"],
            ["tx", "build", "--key", File_("stx.key"), "--deploy", "hello", "--source", File_("hello.clar"), "--clarity-version", "3", "--nonce", "1", "--fee", "5000", "--anchor-mode", "on-chain-only"],
            ["tx", "build", "--key", File_("stx.key"), "--transfer", Recipient, "--amount", "5", "--nonce", "9", "--sponsored"],
            ["stack", "--mnemonic", File_("seed.txt"), "--amount", "100000000000", "--pox-address", "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", "--cycles", "2", "--start-burn-height", "1000", "--reward-cycle", "0", "--nonce", "0"],
        })
        {
            var (code, output, error) = await Testnet(args);
            Assert.True(code == 0, error);
            hexes.Add(output.Trim());
        }

        var read = (await StacksPeer.RunAsync("driver.mjs", "read", hexes, Ct)).AsArray();
        for (int i = 0; i < hexes.Count; i++)
        {
            Assert.Equal((string)hexes[i]!, (string)read[i]!["hex"]!);
            Assert.True((bool)read[i]!["ok"]!, (string?)read[i]!["error"]);
            Assert.Equal(TransactionCodec.ParseHex((string)hexes[i]!).TxId, (string)read[i]!["txid"]!);
        }
    }
}
