using System.Text.Json.Nodes;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

/// <summary><c>opsource wallet ...</c> without a node: creation, restore, addresses, labels, descriptors and the refusals (exit 1, one line, nothing stored).</summary>
public sealed class WalletCommandTests : IDisposable
{
    private const string Phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    private readonly string _dataDir = Directory.CreateTempSubdirectory("opsource-wallet-cli.").FullName;
    private readonly string _pass;

    public WalletCommandTests()
    {
        // Cheap Argon2id for tests; regtest.
        File.WriteAllText(Path.Combine(_dataDir, "appsettings.json"), """{ "Network": "regtest", "Wallet": { "KdfMemoryKiB": 8192, "KdfPasses": 1 } }""");
        _pass = Path.Combine(_dataDir, "pass.txt");
        File.WriteAllText(_pass, "a long wallet passphrase\n");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    private Task<(int Code, string Out, string Err)> Wallet(params string[] args) => Run(["wallet", .. args, "--data-dir", _dataDir]);

    private static JsonNode Ok((int Code, string Out, string Err) r)
    {
        Assert.True(r.Code == 0, r.Err);
        return JsonNode.Parse(r.Out)!;
    }

    [Fact]
    public void Every_wallet_command_has_examples_that_parse_against_its_options()
    {
        // The help examples are real invocations: every opsource command of each one parses without errors, and one of them is the command itself.
        var root = CliApp.Build(new GlobalOptions(), TextWriter.Null, TextWriter.Null);
        var wallet = root.Subcommands.Single(c => c.Name == "wallet");
        var leaves = Leaves(wallet).ToList();
        Assert.Equal(21, leaves.Count); // with unlock and lock
        foreach (var leaf in leaves)
        {
            var help = leaf.Description ?? "";
            var at = help.IndexOf("Examples:", StringComparison.Ordinal);
            Assert.True(at >= 0, $"'{leaf.Name}' has no examples");
            var examples = help[(at + "Examples:".Length)..].Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.NotEmpty(examples);
            foreach (var example in examples)
            {
                var runsLeaf = false;
                foreach (var segment in example.Split('|').Select(p => p.Split(['<', '>'])[0]).Where(p => p.TrimStart().StartsWith("opsource ", StringComparison.Ordinal)))
                {
                    var parse = root.Parse(ShellWords(segment).Skip(1).ToArray(), new System.CommandLine.ParserConfiguration { ResponseFileTokenReplacer = null });
                    Assert.True(parse.Errors.Count == 0, $"{example}: {CliApp.DescribeParseErrors(parse)}");
                    runsLeaf |= ReferenceEquals(leaf, parse.CommandResult.Command);
                }

                Assert.True(runsLeaf, $"{example} does not run 'wallet ... {leaf.Name}'");
            }
        }
    }

    private static IEnumerable<System.CommandLine.Command> Leaves(System.CommandLine.Command command) =>
        command.Subcommands.Count == 0 ? [command] : command.Subcommands.SelectMany(Leaves);

    /// <summary>Splits a command line at spaces outside double quotes (enough for the examples).</summary>
    private static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in line.Trim())
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ' ' && !quoted)
            {
                if (current.Length > 0)
                {
                    words.Add(current.ToString());
                    current.Clear();
                }
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    [Fact]
    public async Task Create_restore_list_info_addresses_and_descriptors()
    {
        var created = Ok(await Wallet("create", "alpha", "--words", "12", "--passphrase-file", _pass, "--json"));
        var words = ((string)created["mnemonic"]!).Split(' ');
        Assert.Equal(12, words.Length);
        Assert.Equal("bip39", (string)created["secret_kind"]!);
        Assert.StartsWith("tr([", (string)created["external_descriptor"]!, StringComparison.Ordinal);

        // Human form: the words on stdout once, the warning on stderr.
        var human = await Wallet("create", "beta", "--template", "bip84", "--passphrase-file", _pass);
        Assert.Equal(0, human.Code);
        Assert.Contains("mnemonic: ", human.Out, StringComparison.Ordinal);
        Assert.Contains("not shown again", human.Err, StringComparison.Ordinal);

        AssertOneLineError(await Wallet("create", "alpha", "--passphrase-file", _pass), "already exists");
        AssertOneLineError(await Wallet("create", "gamma"), "passphrase is required");
        AssertOneLineError(await Wallet("create", "bad name!", "--passphrase-file", _pass), "wallet name");

        var mnemonicFile = Path.Combine(_dataDir, "words.txt");
        await File.WriteAllTextAsync(mnemonicFile, Phrase, TestContext.Current.CancellationToken);
        var restored = Ok(await Wallet("restore", "restored", "--mnemonic-file", mnemonicFile, "--passphrase-file", _pass, "--json"));
        Assert.Equal(0, (int)restored["birthday_height"]!);
        Assert.Null(restored["mnemonic"]);
        // BIP86 test vector account (m/86'/1'/0' of the "abandon ... about" seed): the first receive address.
        var first = Ok(await Wallet("address", "restored", "--json"));
        Assert.Equal(0, (int)first["index"]!);
        var second = Ok(await Wallet("address", "restored", "--json"));
        Assert.Equal(1, (int)second["index"]!);
        Assert.NotEqual((string)first["address"]!, (string)second["address"]!);
        Assert.Equal((string)first["address"]!, (string)Ok(await Wallet("address", "restored", "--unused", "--json"))["address"]!);
        Assert.Equal(2, Ok(await Wallet("address", "restored", "--list", "--json")).AsArray().Count);

        var bad = Path.Combine(_dataDir, "bad.txt");
        await File.WriteAllTextAsync(bad, "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon", TestContext.Current.CancellationToken);
        AssertOneLineError(await Wallet("restore", "x", "--mnemonic-file", bad, "--passphrase-file", _pass), "checksum");

        var list = Ok(await Wallet("list", "--json")).AsArray();
        Assert.Equal(["alpha", "beta", "restored"], list.Select(w => (string)w!["name"]!));
        var info = Ok(await Wallet("info", "restored", "--json"));
        Assert.Equal(0, (long)info["balance"]!["total_sat"]!);
        Assert.Equal(0, (int)info["tip_height"]!);

        var descriptors = Ok(await Wallet("export-descriptors", "restored", "--json"));
        Assert.Equal("restored", (string)descriptors["wallet_name"]!);
        var d = descriptors["descriptors"]!.AsArray();
        Assert.Equal(2, d.Count);
        Assert.Contains("73c5da0a/86h/1h/0h", (string)d[0]!["desc"]!, StringComparison.Ordinal);
        Assert.Equal(2, (int)d[0]!["next_index"]!);

        // Watch-only from the exported descriptor: same first address, no passphrase needed.
        var watch = Ok(await Wallet("create", "watch", "--descriptor", (string)d[0]!["desc"]!, "--change-descriptor", (string)d[1]!["desc"]!, "--json"));
        Assert.True((bool)watch["watch_only"]!);
        Assert.Equal((string)first["address"]!, (string)Ok(await Wallet("address", "watch", "--json"))["address"]!);
        AssertOneLineError(await Wallet("create", "main", "--descriptor", "wpkh(xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8/0/*)"), "descriptor");
    }

    [Fact]
    public async Task Labels_round_trip_and_a_bad_import_changes_nothing()
    {
        var mnemonicFile = Path.Combine(_dataDir, "words.txt");
        await File.WriteAllTextAsync(mnemonicFile, Phrase, TestContext.Current.CancellationToken);
        Ok(await Wallet("restore", "w", "--mnemonic-file", mnemonicFile, "--passphrase-file", _pass, "--json"));
        var address = (string)Ok(await Wallet("address", "w", "--json"))["address"]!;
        var txid = "f91d0a8a78462bc59398f2c5d7a84fcff491c26ba54c4833478b202796c8aafd";
        var good = string.Join('\n',
            $$"""{ "type": "tx", "ref": "{{txid}}", "label": "Transaction", "origin": "wpkh([d34db33f/84'/0'/0'])" }""",
            $$"""{ "type": "addr", "ref": "{{address}}", "label": "Address" }""",
            $$"""{ "type": "output", "ref": "{{txid}}:1", "label": "Output", "spendable": false }""",
            """{ "type": "unknown-future-type", "ref": "whatever", "label": "ignored" }""",
            "");
        var bad = good + """{ "type": "output", "ref": "not-an-outpoint", "label": "x" }""" + "\n";
        var badFile = Path.Combine(_dataDir, "bad.jsonl");
        await File.WriteAllTextAsync(badFile, bad, TestContext.Current.CancellationToken);
        AssertOneLineError(await Wallet("labels", "import", "w", badFile), "line 5");
        Assert.Equal(string.Empty, (await Wallet("labels", "export", "w")).Out);

        var mainnet = Path.Combine(_dataDir, "mainnet.jsonl");
        await File.WriteAllTextAsync(mainnet, """{ "type": "addr", "ref": "bc1q34aq5drpuwy3wgl9lhup9892qp6svr8ldzyy7c", "label": "Address" }""", TestContext.Current.CancellationToken);
        AssertOneLineError(await Wallet("labels", "import", "w", mainnet), "not regtest");

        var (code, output, error) = await RunWithInput(good, "wallet", "labels", "import", "w", "-", "--json", "--data-dir", _dataDir);
        Assert.True(code == 0, error);
        Assert.Equal(3, (int)JsonNode.Parse(output)!["imported"]!);
        var lines = (await Wallet("labels", "export", "w")).Out.TrimEnd().Split('\n').Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Contains(lines, l => (string)l["type"]! == "addr" && (string)l["ref"]! == address && (string)l["label"]! == "Address" && (string)l["keypath"]! == "/0/0");
        Assert.Contains(lines, l => (string)l["type"]! == "output" && (bool)l["spendable"]! == false);

        // A record without a label keeps the stored one (BIP329).
        var (c2, _, e2) = await RunWithInput($$"""{ "type": "output", "ref": "{{txid}}:1", "spendable": true }""", "wallet", "labels", "import", "w", "-", "--data-dir", _dataDir);
        Assert.True(c2 == 0, e2);
        var output1 = (await Wallet("labels", "export", "w")).Out.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!).Single(l => (string)l["type"]! == "output");
        Assert.Equal("Output", (string)output1["label"]!);
        Assert.True((bool)output1["spendable"]!);
    }

    [Fact]
    public async Task Spending_refusals_are_one_line_and_change_nothing()
    {
        var mnemonicFile = Path.Combine(_dataDir, "words.txt");
        await File.WriteAllTextAsync(mnemonicFile, Phrase, TestContext.Current.CancellationToken);
        Ok(await Wallet("restore", "w", "--mnemonic-file", mnemonicFile, "--passphrase-file", _pass, "--json"));
        var regtest = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";
        AssertOneLineError(await Wallet("psbt", "create", "w", regtest, "0.123456789", "--fee-rate", "2"), "amount");
        AssertOneLineError(await Wallet("psbt", "create", "w", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "0.1", "--fee-rate", "2"), "mainnet");
        AssertOneLineError(await Wallet("psbt", "create", "w", regtest, "0.1", "--fee-rate", "2"), "insufficient funds");
        AssertOneLineError(await Wallet("psbt", "create", "w", regtest, "100sat", "--fee-rate", "2"), "dust");
        AssertOneLineError(await Wallet("psbt", "create", "w", regtest, "0.1", "--fee-rate", "abc"), "--fee-rate");
        AssertOneLineError(await Wallet("psbt", "create", "nobody", regtest, "0.1", "--fee-rate", "2"), "no wallet named 'nobody'");
        AssertOneLineError(await Wallet("psbt", "sign", "w", "cHNidP8BAA==", "--passphrase-file", _pass), "psbt");
        AssertOneLineError(await Wallet("bump", "w", "00", "--passphrase-file", _pass), "txid");
        // No node configured: sync and broadcasting say so in one line.
        AssertOneLineError(await Wallet("sync", "w"), "Node:RpcUrl");
        // Nothing above changed the wallet (no address revealed, no lock).
        var info = Ok(await Wallet("info", "w", "--json"));
        Assert.Equal(0, (int)info["utxo_count"]!);
        Assert.Empty(Ok(await Wallet("address", "w", "--list", "--json", "--change")).AsArray());
    }
}
