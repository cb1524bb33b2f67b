using System.Text.Json.Nodes;

using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

// `opsource psbt create|add-input|add-output|add-pair|complete` (BIP370 Creator and Constructor).
public class PsbtConstructCommandTests
{
    private const string TxA = "0b0ad921419c1c8719735d72dc739f9ea9e0638d1fe4c1eef0f9944084815fc8";
    private const string TxB = "3a1b3b3c837d6489ea7a31d8e6c7dd503c001bef3e06958e7574808d68ca78a5";

    // BIP173's mainnet P2WPKH example and its scriptPubKey.
    private const string Address = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";
    private const string AddressScript = "0014751e76e8199196d454941c45d1b3a323f1433bd6";

    private static async Task<JsonNode> Ok(params string[] args)
    {
        var (code, output, err) = await Run([.. args, "--json", "--network", "mainnet"]);
        Assert.True(code == 0, err);
        return JsonNode.Parse(output)!;
    }

    private static async Task<string> UserError(params string[] args)
    {
        var (code, output, error) = await Run([.. args, "--network", "mainnet"]);
        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        Assert.Single(error.Trim().Split('\n'));
        return error.Trim();
    }

    [Fact]
    public async Task Create_add_inputs_outputs_and_complete()
    {
        var created = await Ok("psbt", "create", "--locktime", "650000");
        Assert.Equal(0, (int)created["inputs"]!);
        Assert.Equal(3, (int)created["tx_modifiable"]!);
        var psbt = (string)created["psbt"]!;

        psbt = (string)(await Ok("psbt", "add-input", psbt, "--outpoint", TxA + ":1", "--sequence", "0xfffffffd", "--required-height", "700000"))["psbt"]!;
        psbt = (string)(await Ok("psbt", "add-output", psbt, "--address", Address, "--amount", "150000sat"))["psbt"]!;
        psbt = (string)(await Ok("psbt", "add-output", psbt, "--script", "51", "--amount", "0.00001btc", "--index", "0"))["psbt"]!;
        var paired = await Ok("psbt", "add-pair", psbt, "--outpoint", TxB + ":0", "--script", "6a", "--amount", "0", "--index", "0");
        Assert.Equal(2, (int)paired["inputs"]!);
        Assert.Equal(3, (int)paired["outputs"]!);
        psbt = (string)paired["psbt"]!;

        var decoded = await Ok("psbt", "decode", psbt);
        Assert.Equal(2, (int)decoded["psbt_version"]!);
        Assert.Equal(700000, (int)decoded["tx"]!["locktime"]!);
        Assert.Equal(650000, (int)decoded["fallback_locktime"]!);
        var inputs = decoded["inputs"]!.AsArray();
        Assert.Equal(TxB, (string)inputs[0]!["previous_txid"]!);
        Assert.Null(inputs[0]!["sequence"]); // PSBT_IN_SEQUENCE not set: the transaction uses the default
        Assert.Equal(0xffffffffu, (uint)decoded["tx"]!["vin"]![0]!["sequence"]!);
        Assert.Equal(TxA, (string)inputs[1]!["previous_txid"]!);
        Assert.Equal(1, (int)inputs[1]!["previous_vout"]!);
        Assert.Equal(0xfffffffdu, (uint)inputs[1]!["sequence"]!);
        Assert.Equal(700000, (int)inputs[1]!["height_locktime"]!);
        var outputs = decoded["outputs"]!.AsArray();
        Assert.Equal(["6a", "51", AddressScript], outputs.Select(o => (string)o!["script"]!["hex"]!));
        Assert.Equal(Address, (string)outputs[2]!["script"]!["address"]!);
        Assert.Equal(0.0015m, (decimal)outputs[2]!["amount"]!);
        Assert.Equal(0.00001m, (decimal)outputs[1]!["amount"]!);

        // Close inputs only, then everything: the field disappears and nothing more may be added.
        var inputsClosed = await Ok("psbt", "complete", psbt, "--only", "inputs");
        Assert.Equal(2, (int)inputsClosed["tx_modifiable"]!);
        var done = await Ok("psbt", "complete", (string)inputsClosed["psbt"]!);
        Assert.Null(done["tx_modifiable"]);
        Assert.Equal("error: psbt: cannot add input: inputs are not modifiable (PSBT_GLOBAL_TX_MODIFIABLE bit 0 clear)",
            await UserError("psbt", "add-input", (string)done["psbt"]!, "--outpoint", TxA + ":2"));
        Assert.Equal("error: psbt: cannot add output: outputs are not modifiable (PSBT_GLOBAL_TX_MODIFIABLE bit 1 clear)",
            await UserError("psbt", "add-output", (string)done["psbt"]!, "--script", "51", "--amount", "1sat"));

        // Human output is the base64 PSBT alone.
        var (code, human, err) = await Run("psbt", "complete", psbt);
        Assert.True(code == 0, err);
        Assert.Equal((string)(await Ok("psbt", "complete", psbt))["psbt"]!, human.Trim());
    }

    [Fact]
    public async Task Constructor_rules_are_user_errors()
    {
        var psbt = (string)(await Ok("psbt", "create", "--modifiable", "inputs"))["psbt"]!;
        psbt = (string)(await Ok("psbt", "add-input", psbt, "--outpoint", TxA + ":1"))["psbt"]!;
        Assert.Equal($"error: psbt: cannot add input: input 0 already spends {TxA}:1",
            await UserError("psbt", "add-input", psbt, "--outpoint", TxA + ":1"));
        Assert.Equal("error: psbt: cannot add output: outputs are not modifiable (PSBT_GLOBAL_TX_MODIFIABLE bit 1 clear)",
            await UserError("psbt", "add-output", psbt, "--address", Address, "--amount", "5"));
        Assert.Equal("error: psbt: cannot add input: required time lock time 5 is below 500000000 (BIP370)",
            await UserError("psbt", "add-input", psbt, "--outpoint", TxB + ":0", "--required-time", "5"));
        Assert.Equal("error: psbt: cannot add input: index 7 is out of range (1 inputs, 0 outputs)",
            await UserError("psbt", "add-input", psbt, "--outpoint", TxB + ":0", "--index", "7"));
    }

    [Theory]
    [InlineData("psbt: --modifiable must be inputs, outputs, both or none", "create", "--modifiable", "sometimes")]
    [InlineData("psbt: --tx-version must be at least 2 (BIP370)", "create", "--tx-version", "1")]
    [InlineData("--locktime: 'soon' is not a whole number in 0..4294967295", "create", "--locktime", "soon")]
    [InlineData("psbt: --outpoint 'nope' is not txid:vout", "add-input", "PSBT", "--outpoint", "nope")]
    [InlineData("--sequence: '4294967296' is not a whole number in 0..4294967295", "add-input", "PSBT", "--outpoint", TxA + ":0", "--sequence", "4294967296")]
    [InlineData("psbt: give exactly one of --address and --script", "add-output", "PSBT", "--script", "51", "--address", Address, "--amount", "1")]
    [InlineData("psbt: give exactly one of --address and --script", "add-output", "PSBT", "--amount", "1")]
    [InlineData("psbt: --script is not hex", "add-output", "PSBT", "--script", "zz", "--amount", "1")]
    [InlineData("--amount: '21000000.00000001': amount exceeds 21,000,000 BTC", "add-output", "PSBT", "--script", "51", "--amount", "21000000.00000001")]
    [InlineData("--amount: '2100000000000001sat': amount exceeds 21,000,000 BTC", "add-output", "PSBT", "--script", "51", "--amount", "2100000000000001sat")]
    [InlineData("--amount: '-1sat' is negative", "add-output", "PSBT", "--script", "51", "--amount", "-1sat")]
    [InlineData("--amount: '0.000000001': more than 8 decimal places", "add-output", "PSBT", "--script", "51", "--amount", "0.000000001")]
    [InlineData("psbt: --only must be inputs or outputs", "complete", "PSBT", "--only", "both")]
    [InlineData("psbt: complete needs a version 2 PSBT (BIP370)", "complete", "V0")]
    [InlineData("psbt: cannot add input: the Constructor role needs a version 2 PSBT (BIP370)", "add-input", "V0", "--outpoint", TxA + ":0")]
    public async Task Bad_options_are_one_line_user_errors(string expected, params string[] args)
    {
        var v2 = (string)(await Ok("psbt", "create"))["psbt"]!;
        const string V0 = "cHNidP8BAAoCAAAAAAAAAAAAAA==";
        var error = await UserError(["psbt", .. args.Select(a => a switch { "PSBT" => v2, "V0" => V0, _ => a })]);
        Assert.StartsWith("error: " + expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_address_for_another_network_is_refused()
    {
        var v2 = (string)(await Ok("psbt", "create"))["psbt"]!;
        // The same wrong-network message as `address validate` (issue 9).
        Assert.Equal("error: --address: valid on testnet, testnet4, signet, not on mainnet (use --network)",
            await UserError("psbt", "add-output", v2, "--address", "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", "--amount", "1"));
    }
}
