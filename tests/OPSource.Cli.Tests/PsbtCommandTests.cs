using System.Text.Json.Nodes;

using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

// `opsource psbt ...` driven through CliApp.RunAsync with the BIP174 workflow vectors.
public class PsbtCommandTests
{
    private static JsonNode Workflow()
    {
        var text = OPSource.TestSupport.Vectors.ReadText("bips", "bip174_psbt_test_vectors.json");
        return JsonNode.Parse(text)!["workflow"]!;
    }

    private static string Hex(string step) => (string)Workflow()[step]!["expected_psbt"]!["hex"]!;

    private static string Base64(string step) => (string)Workflow()[step]!["expected_psbt"]!["base64"]!;

    [Fact]
    public async Task Decode_json_lists_inputs_outputs_and_fee()
    {
        var (code, output, err) = await Run("psbt", "decode", Base64("combiner"), "--json", "--network", "testnet");
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(0, (int)json["psbt_version"]!);
        Assert.Equal(2, json["tx"]!["vin"]!.AsArray().Count);
        Assert.Equal(2, json["inputs"]!.AsArray().Count);
        Assert.Equal(2, json["outputs"]!.AsArray().Count);
        Assert.Equal(2, json["inputs"]![0]!["partial_signatures"]!.AsObject().Count);
        Assert.Equal("0020" + "8c2353173743b595dfb4a07b72ba8e42e3797da74e87fe7d9d7497e3b2028903", (string)json["inputs"]![1]!["redeem_script"]!["hex"]!);
        Assert.Equal(1.49990000m, (decimal)json["tx"]!["vout"]![0]!["value"]!);
        Assert.Equal("ALL", (string)json["inputs"]![0]!["sighash"]!);
        Assert.Equal(4, json["inputs"]![0]!["bip32_derivs"]!.AsArray().Count + json["inputs"]![1]!["bip32_derivs"]!.AsArray().Count);

        // Inputs: 0.5 BTC (non-witness UTXO output 0) + 2 BTC (witness UTXO); outputs 1.4999 + 1 BTC.
        // Core decodepsbt prints the fee in BTC with 8 decimals.
        Assert.Equal(0.00010000m, (decimal)json["fee"]!);
        Assert.Contains("\"fee\": 0.00010000", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decode_accepts_hex_and_prints_a_human_summary()
    {
        var (code, output, err) = await Run("psbt", "decode", Hex("creator"));
        Assert.True(code == 0, err);
        Assert.Contains("PSBT v0, 2 input(s), 2 output(s)", output, StringComparison.Ordinal);
        Assert.Contains("fee:   unknown", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Combine_merges_signer_outputs()
    {
        var (code, output, err) = await Run("psbt", "combine", Base64("signer_1"), Base64("signer_2"), "--json");
        Assert.True(code == 0, err);
        Assert.Equal(Base64("combiner"), (string)JsonNode.Parse(output)!["psbt"]!);
    }

    [Fact]
    public async Task Finalize_then_extract_gives_the_network_transaction()
    {
        var (code, output, err) = await Run("psbt", "finalize", Base64("combiner"), "--json");
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(output)!;
        Assert.True((bool)json["complete"]!);
        Assert.Equal(Base64("finalizer"), (string)json["psbt"]!);

        var expectedTx = (string)Workflow()["extractor"]!["expected_tx_hex"]!;
        Assert.Equal(expectedTx, (string)json["hex"]!);
        (code, output, err) = await Run("psbt", "extract", Base64("finalizer"));
        Assert.True(code == 0, err);
        Assert.Equal(expectedTx, output.Trim());
    }

    [Fact]
    public async Task Finalize_reports_incomplete_inputs()
    {
        // Issue 9: an incomplete PSBT is a negative result: the JSON result on stdout, one error line, exit 1.
        var (code, output, error) = await Run("psbt", "finalize", Base64("signer_1"), "--json");
        Assert.Equal(1, code);
        var json = JsonNode.Parse(output)!;
        Assert.False((bool)json["complete"]!);
        Assert.Contains("1 of the 2 signatures", (string)json["problems"]![0]!, StringComparison.Ordinal);
        Assert.StartsWith("error: psbt: not complete: ", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Finalize_of_an_incomplete_psbt_writes_only_the_psbt_to_stdout()
    {
        // P=$(opsource psbt finalize ...) must capture a PSBT or fail; never "incomplete:" lines.
        var (code, output, error) = await Run("psbt", "finalize", Base64("signer_1"));
        Assert.Equal(1, code);
        Assert.Single(output.Trim().Split('\n'));
        Assert.True(OPSource.Bitcoin.Psbt.Psbt.TryParse(output.Trim(), out _, out _));
        Assert.DoesNotContain("incomplete", output, StringComparison.Ordinal);
        Assert.Contains("not complete", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("decode", "not-a-psbt")]
    [InlineData("decode", "cHNidP8BAAoCAAAAAAAAAAAAAA==extra")]
    [InlineData("extract", "combiner")]
    [InlineData("finalize", "AAAA")]
    [InlineData("combine", "creator+other")]
    public async Task Bad_input_is_a_user_error_with_one_line(string subcommand, string argument)
    {
        string[] args = argument switch
        {
            "combiner" => ["psbt", subcommand, Base64("combiner")],
            "creator+other" => ["psbt", subcommand, Base64("creator"), "cHNidP8BAAoCAAAAAAAAAAAAAAA="],
            _ => ["psbt", subcommand, argument],
        };
        var (code, output, error) = await Run(args);
        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith("error: psbt: ", error, StringComparison.Ordinal);
    }
}
