using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

/// <summary>
/// The conventions of docs/cli.md (issue 9, "A CLI that scripts well"), each checked on the command the
/// issue named and, where the rule is general, on every command.
/// </summary>
public sealed class CliConventionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("opsource-cli-conv-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static IEnumerable<Command> Leaves(Command command) =>
        command.Subcommands.Count == 0 ? [command] : command.Subcommands.SelectMany(Leaves);

    [Fact]
    public async Task Opsource_alone_prints_the_usage()
    {
        var (code, output, error) = await Run();
        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains("psbt", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command", output + error, StringComparison.Ordinal);

        (code, output, _) = await Run("psbt");
        Assert.Equal(0, code);
        Assert.Contains("finalize", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "tx", "decod", "00" }, "unknown command 'decod' for 'opsource tx'; did you mean 'opsource tx decode'?")]
    [InlineData(new[] { "psbt", "finalise", "x" }, "did you mean 'opsource psbt finalize'?")]
    [InlineData(new[] { "mnemonik", "new" }, "did you mean 'opsource mnemonic'?")]
    [InlineData(new[] { "info", "--jsn" }, "unknown option '--jsn' for 'opsource info'; did you mean '--json'?")]
    [InlineData(new[] { "frobnicate" }, "unknown command 'frobnicate' for 'opsource' (see opsource --help)")]
    public async Task Typos_get_one_line_with_a_suggestion(string[] args, string expected)
    {
        var result = await Run(args);
        AssertOneLineError(result, expected);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task Parse_errors_are_one_line_without_dotnet_type_names()
    {
        var network = await Run("info", "--network", "foonet");
        AssertOneLineError(network, "error: --network: 'foonet' is not a network; use mainnet, testnet, testnet4, signet or regtest");
        Assert.DoesNotContain("\t", network.Err, StringComparison.Ordinal);

        var words = await Run("mnemonic", "new", "--words", "99999999999999999999");
        AssertOneLineError(words, "--words: '99999999999999999999' is not a BIP39 word count");
        Assert.DoesNotContain("System.", words.Err, StringComparison.Ordinal);

        // Any typed option left in the tree is described in words too.
        var root = CliApp.Build(new GlobalOptions(), TextWriter.Null, TextWriter.Null);
        var typed = root.Parse(["message", "sign", "--format", "bogus", "--wif", "x", "m"]);
        Assert.DoesNotContain("\n", CliApp.DescribeParseErrors(typed), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_command_has_examples_in_its_help()
    {
        var root = CliApp.Build(new GlobalOptions(), TextWriter.Null, TextWriter.Null);
        var missing = Leaves(root).Where(c => c.Description?.Contains("Examples:", StringComparison.Ordinal) != true).Select(c => c.Name).ToList();
        Assert.True(missing.Count == 0, "commands without examples: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task Invalid_configuration_is_refused_by_offline_commands_too()
    {
        File.WriteAllText(Path.Combine(_dir, "appsettings.json"), """{ "Network": "foonet" }""");
        foreach (var args in new[] { new[] { "info" }, ["tx", "decode", "00"], ["descriptor", "checksum", "raw(00)"], ["script", "decode", "51"] })
        {
            var result = await Run([.. args, "--data-dir", _dir]);
            AssertOneLineError(result, "error: invalid configuration: Network 'foonet' is not supported");
            Assert.Empty(result.Out);
        }

        // A typed --network overrides the file's, so the effective configuration is valid again.
        var fixedByOption = await Run("info", "--data-dir", _dir, "--network", "regtest", "--json");
        Assert.Equal(0, fixedByOption.Code);
        Assert.Equal("regtest", (string?)JsonNode.Parse(fixedByOption.Out)!["network"]);
    }

    [Fact]
    public async Task Opsource_network_environment_variable_is_validated_by_info()
    {
        // OPSOURCE_Network=foonet opsource info, in a real process so the variable stays out of this one.
        var exe = Path.Combine(AppContext.BaseDirectory, "opsource.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(exe);
        start.ArgumentList.Add("info");
        start.ArgumentList.Add("--data-dir");
        start.ArgumentList.Add(_dir);
        start.Environment["OPSOURCE_Network"] = "foonet";
        using var process = Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, process.ExitCode);
        Assert.Empty(stdout);
        Assert.Equal("error: invalid configuration: Network 'foonet' is not supported (use mainnet, testnet, testnet4, signet, regtest)", stderr.Trim());
    }

    [Fact]
    public async Task The_wrong_network_message_is_the_same_everywhere()
    {
        const string Testnet = "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx";
        const string Expected = "valid on testnet, testnet4, signet, not on mainnet (use --network)";
        var validate = await Run("address", "validate", Testnet);
        Assert.Equal(1, validate.Code);
        Assert.Equal($"error: address: {Expected}", validate.Err.Trim());

        var v2 = (string)JsonNode.Parse((await Run("psbt", "create", "--json")).Out)!["psbt"]!;
        Assert.Equal($"error: --address: {Expected}", (await Run("psbt", "add-output", v2, "--address", Testnet, "--amount", "1sat")).Err.Trim());
        Assert.Equal($"error: address: {Expected}", (await Run("message", "verify", Testnet, "AAAA", "m")).Err.Trim());
        Assert.Equal($"error: --address: {Expected}",
            (await Run("message", "sign", "--wif", "KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn", "--address", Testnet, "m")).Err.Trim());
        Assert.Equal("error: --wif: valid on testnet, testnet4, signet, regtest, not on mainnet (use --network)",
            (await Run("message", "sign", "--wif", "cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N", "m")).Err.Trim());
    }

    [Fact]
    public async Task Negative_results_print_their_json_and_keep_exit_1()
    {
        var address = await Run("address", "validate", "bc1qnotanaddress", "--json");
        Assert.Equal(1, address.Code);
        var json = JsonNode.Parse(address.Out)!;
        Assert.False((bool)json["isvalid"]!);
        Assert.StartsWith("address: ", (string?)json["error"], StringComparison.Ordinal);
        Assert.Single(address.Err.Trim().Split('\n'));

        // BIP322 basic vector: "Hello World" signed by bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l; another message is invalid.
        const string Signature = "smpAkcwRAIgZRfIY3p7/DoVTty6YZbWS71bc5Vct9p9Fia83eRmw2QCICK/ENGfwLtptFluMGs2KsqoNSk89pO7F29zJLUx9a/sASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=";
        var message = await Run("message", "verify", "bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l", Signature, "Hello World!", "--json");
        Assert.Equal(1, message.Code);
        var verdict = JsonNode.Parse(message.Out)!;
        Assert.False((bool)verdict["valid"]!);
        Assert.Equal("invalid", (string?)verdict["state"]);
        Assert.False(string.IsNullOrEmpty((string?)verdict["reason"]));
        Assert.Single(message.Err.Trim().Split('\n'));

        var valid = await Run("message", "verify", "bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l", Signature, "Hello World", "--json");
        Assert.True(valid.Code == 0, valid.Err);
    }

    [Fact]
    public async Task Long_arguments_read_stdin_and_files_on_every_kind()
    {
        var psbtFile = Path.Combine(_dir, "tx.psbt");
        var v2 = (string)JsonNode.Parse((await Run("psbt", "create", "--json")).Out)!["psbt"]!;
        File.WriteAllText(psbtFile, v2 + "\n");
        File.WriteAllBytes(Path.Combine(_dir, "binary.psbt"), Convert.FromBase64String(v2));
        File.WriteAllText(Path.Combine(_dir, "desc.txt"), "raw(deadbeef)\n");

        foreach (var (stdin, args) in new (string, string[])[]
        {
            (v2, ["psbt", "decode", "-"]),
            (string.Empty, ["psbt", "decode", "@" + psbtFile]),
            (string.Empty, ["psbt", "decode", "@" + Path.Combine(_dir, "binary.psbt")]),
            (v2, ["psbt", "analyze", "-"]),
            (string.Empty, ["psbt", "complete", "@" + psbtFile]),
            ("raw(deadbeef)", ["descriptor", "checksum", "-"]),
            (string.Empty, ["descriptor", "info", "@" + Path.Combine(_dir, "desc.txt")]),
            ("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac\n", ["script", "decode", "-"]),
            ("OP_RETURN 68656c6c6f", ["script", "encode", "-"]),
            ("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", ["address", "from-pubkey", "-"]),
        })
        {
            var result = await RunWithInput(stdin, [.. args, "--json"]);
            Assert.True(result.Code == 0, $"{string.Join(' ', args)}: {result.Err}");
            Assert.NotNull(JsonNode.Parse(result.Out));
        }

        var twice = await RunWithInput(v2, "psbt", "combine", "-", "-");
        AssertOneLineError(twice, "standard input was already read by another argument");
    }

    [Fact]
    public async Task Consensus_verify_reads_the_transaction_from_stdin()
    {
        // Core script_tests-style spend of OP_TRUE: any input satisfies it.
        const string Tx = "010000000100000000000000000000000000000000000000000000000000000000000000000000000000ffffffff0100000000000000000000000000";
        var prevouts = Path.Combine(_dir, "prevouts.json");
        File.WriteAllText(prevouts, """[{"txid":"0000000000000000000000000000000000000000000000000000000000000000","vout":0,"scriptPubKey":"51","amount":0}]""");
        var result = await RunWithInput(Tx, "consensus", "verify", "--tx", "-", "--prevouts", "@" + prevouts, "--flags", "P2SH", "--json");
        Assert.True(result.Code == 0, result.Err);
        Assert.True((bool)JsonNode.Parse(result.Out)!["ok"]!);
    }

    [Fact]
    public async Task Verify_batch_errors_do_not_leak_json_reader_internals()
    {
        var (code, output, _) = await RunWithInput("{ not json\n{\"tx\":\"00\",\"tx\":\"00\"}\n", "consensus", "verify-batch");
        Assert.Equal(0, code);
        var lines = output.Trim().Split('\n').Select(l => JsonNode.Parse(l)!).ToList();
        var first = (string)lines[0]["error"]!;
        Assert.StartsWith("line: invalid JSON: ", first, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePositionInLine", first, StringComparison.Ordinal);
        Assert.DoesNotContain("Path:", first, StringComparison.Ordinal);
        Assert.Contains("(line 1, column ", first, StringComparison.Ordinal);
        Assert.Equal("line: duplicate key 'tx'", (string)lines[1]["error"]!);
    }

    [Fact]
    public async Task A_data_dir_that_is_a_file_is_one_clear_line()
    {
        var file = Path.Combine(_dir, "not-a-dir");
        File.WriteAllText(file, "x");
        var result = await Run("serve", "--data-dir", file, "--urls", "http://127.0.0.1:1");
        AssertOneLineError(result, $"error: data dir '{file}' is a file, not a directory (choose another with --data-dir)");
        Assert.DoesNotContain("internal error", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_in_use_is_found_before_migrations_run()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;
        var dataDir = Path.Combine(_dir, "data");

        var result = await Run("serve", "--data-dir", dataDir, "--urls", $"http://127.0.0.1:{port}");

        AssertOneLineError(result, $"error: cannot listen on http://127.0.0.1:{port}: address already in use (choose another with --urls)");
        Assert.Empty(result.Out); // no log lines, no stack trace
        Assert.False(File.Exists(Path.Combine(dataDir, "opsource.db")), "migrations ran before the port check");
    }

    [Fact]
    public async Task An_unreachable_postgresql_is_one_clear_line()
    {
        // Port 1 on loopback: nothing listens there.
        File.WriteAllText(Path.Combine(_dir, "appsettings.json"),
            """{ "Storage": { "ConnectionString": "Host=127.0.0.1;Port=1;Username=u;Password=secret-pw;Database=d;Timeout=3" } }""");
        using var free = new TcpListener(IPAddress.Loopback, 0);
        free.Start();
        var port = ((IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();

        var result = await Run("serve", "--data-dir", _dir, "--urls", $"http://127.0.0.1:{port}");

        AssertOneLineError(result, "error: database unavailable: ");
        Assert.DoesNotContain("internal error", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", result.Err + result.Out, StringComparison.Ordinal);
    }
}
