using System.Text.Json.Nodes;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

public class TxCommandTests
{
    // BIP143 "Native P2WPKH" signed example: input 0 legacy P2PK spend, input 1 P2WPKH. Checked against
    // the BIP (the public key ends ...aeee6357; an earlier copy here had ...aeeb6357, a point not on the
    // curve) and by Bip143_example_verifies_against_its_prevouts below.
    private const string SegwitTx =
        "01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f00000000494830450221008b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f9281a99f2b1c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac000247304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee635711000000";

    private const string GenesisCoinbase =
        "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000";

    [Fact]
    public async Task Decode_segwit_transaction_as_json()
    {
        var (code, output, err) = await Run("tx", "decode", SegwitTx, "--json");
        Assert.Equal(0, code);
        Assert.Equal(string.Empty, err);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(1, (int)json["version"]!);
        Assert.Equal(SegwitTx.Length / 2, (int)json["size"]!);
        Assert.Equal(17, (int)json["locktime"]!);
        Assert.NotEqual((string?)json["txid"], (string?)json["hash"]);
        Assert.Equal(((int)json["weight"]! + 3) / 4, (int)json["vsize"]!);

        var vin = json["vin"]!.AsArray();
        Assert.Equal(2, vin.Count);
        Assert.Equal("9f96ade4b41d5433f4eda31e1738ec2b36f6e7d1420d94a6af99801a88f7f7ff", (string?)vin[0]!["txid"]);
        Assert.EndsWith("[ALL]", (string?)vin[0]!["scriptSig"]!["asm"], StringComparison.Ordinal);
        Assert.Null(vin[0]!["txinwitness"]);
        Assert.Equal(4294967278u, (uint)vin[0]!["sequence"]!);
        Assert.Equal(2, vin[1]!["txinwitness"]!.AsArray().Count);
        Assert.Equal("025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee6357", (string?)vin[1]!["txinwitness"]![1]);

        var vout = json["vout"]!.AsArray();
        Assert.Equal(1.1234m, (decimal)vout[0]!["value"]!);
        Assert.Equal("pubkeyhash", (string?)vout[0]!["scriptPubKey"]!["type"]);
        Assert.Equal("OP_DUP OP_HASH160 8280b37df378db99f66f85c95a783a76ac7a6d59 OP_EQUALVERIFY OP_CHECKSIG", (string?)vout[0]!["scriptPubKey"]!["asm"]);
        // Expected value computed independently (Python Base58Check of 00 || hash160).
        Assert.Equal("1Cu32FVupVCgHkMMRJdYJugxwo2Aprgk7H", (string?)vout[0]!["scriptPubKey"]!["address"]);
        Assert.Equal(2.2345m, (decimal)vout[1]!["value"]!);
    }

    [Fact]
    public async Task Decode_coinbase_human_and_network_specific_address()
    {
        var (code, output, _) = await Run("tx", "decode", GenesisCoinbase);
        Assert.Equal(0, code);
        Assert.Contains("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b", output, StringComparison.Ordinal);
        Assert.Contains("coinbase 04ffff001d", output, StringComparison.Ordinal);
        Assert.Contains("50.00000000 BTC pubkey", output, StringComparison.Ordinal);

        var (_, json, _) = await Run("tx", "decode", GenesisCoinbase, "--json", "--network", "regtest");
        var node = JsonNode.Parse(json)!;
        Assert.NotNull(node["vin"]![0]!["coinbase"]);
        Assert.Null(node["vout"]![0]!["scriptPubKey"]!["address"]); // bare pubkey outputs have no address
    }

    [Fact]
    public async Task Witness_outputs_show_program_and_address_on_the_chosen_network()
    {
        // 1 input, outputs: P2TR and P2WPKH.
        const string tx = "02000000017de20cbff686da83a54981d2b9bab3586f4ca7e48f57f5b55963115f3b334e9c0100000000ffffffff02e80300000000000022512053a1f6e454df1aa2776a2814a721372d6258050de330b3c6d10ee8f4e0dda343d007000000000000160014751e76e8199196d454941c45d1b3a323f1433bd600000000";
        var (code, output, err) = await Run("tx", "decode", tx, "--json", "--network", "testnet");
        Assert.Equal(0, code);
        Assert.Equal(string.Empty, err);
        var vout = JsonNode.Parse(output)!["vout"]!.AsArray();
        Assert.Equal("witness_v1_taproot", (string?)vout[0]!["scriptPubKey"]!["type"]);
        // Core's ScriptToUniv: asm, desc, hex, address, type (no witness program fields).
        Assert.Equal("rawtr(53a1f6e454df1aa2776a2814a721372d6258050de330b3c6d10ee8f4e0dda343)", ((string?)vout[0]!["scriptPubKey"]!["desc"])!.Split('#')[0]);
        Assert.Null(vout[0]!["scriptPubKey"]!["witnessVersion"]);
        Assert.Equal(["asm", "desc", "hex", "address", "type"], vout[0]!["scriptPubKey"]!.AsObject().Select(p => p.Key));
        Assert.StartsWith("tb1p", (string?)vout[0]!["scriptPubKey"]!["address"], StringComparison.Ordinal);
        Assert.Equal("witness_v0_keyhash", (string?)vout[1]!["scriptPubKey"]!["type"]);
        Assert.Equal("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", (string?)vout[1]!["scriptPubKey"]!["address"]);
    }

    [Fact]
    public async Task Versions_of_2_pow_31_and_more_print_unsigned_like_core_and_amounts_have_8_decimals()
    {
        // Version 0xffffffff (Core's CTransaction::version is a uint32_t) and a 1 BTC output.
        const string tx = "ffffffff0100000000000000000000000000000000000000000000000000000000000000000000000000ffffffff0100e1f50500000000015100000000";
        var (code, output, err) = await Run("tx", "decode", tx, "--json");
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(4294967295u, (uint)json["version"]!);
        Assert.Contains("\"version\": 4294967295", output, StringComparison.Ordinal);
        Assert.Contains("\"value\": 1.00000000", output, StringComparison.Ordinal);
        var human = await Run("tx", "decode", tx);
        Assert.Contains("version:   4294967295", human.Out, StringComparison.Ordinal);
        Assert.Contains("1.00000000 BTC", human.Out, StringComparison.Ordinal);

        (_, output, _) = await Run("tx", "decode", SegwitTx, "--json");
        Assert.Contains("\"value\": 1.12340000", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bip143_example_verifies_against_its_prevouts()
    {
        // BIP143: input 0 spends P2PK 2103c9f4...5432ac with 6.25 BTC, input 1 P2WPKH 00141d0f...71a1 with 6 BTC.
        const string prevouts = """
            [{"txid":"9f96ade4b41d5433f4eda31e1738ec2b36f6e7d1420d94a6af99801a88f7f7ff","vout":0,"scriptPubKey":"2103c9f4836b9a4f77fc0d81f7bcb01b7f1b35916864b9476c241ce9fc198bd25432ac","amount":625000000},
             {"txid":"8ac60eb9575db5b2d987e29f301b5b819ea83a5c6579d282d189cc04b8e151ef","vout":1,"scriptPubKey":"00141d0f172a0ecb48aee1be1f2687d2963ae33f71a1","amount":600000000}]
            """;
        var result = await RunWithInput(prevouts, "consensus", "verify", "--tx", SegwitTx, "--prevouts", "-", "--json");
        Assert.True(result.Code == 0, result.Err);
        Assert.True((bool)JsonNode.Parse(result.Out)!["ok"]!);

        // The copy with the off-curve key (...aeeb6357) does not verify: the fixture was wrong, not the code.
        var broken = SegwitTx.Replace("07aeee6357", "07aeeb6357", StringComparison.Ordinal);
        var bad = await RunWithInput(prevouts, "consensus", "verify", "--tx", broken, "--prevouts", "-", "--json");
        Assert.Equal(1, bad.Code);
        Assert.False((bool)JsonNode.Parse(bad.Out)!["ok"]!);
    }

    [Fact]
    public async Task Transaction_hex_reads_from_stdin_and_files()
    {
        var (code, output, err) = await RunWithInput(SegwitTx + "\n", "tx", "decode", "-", "--json");
        Assert.True(code == 0, err);
        var txid = (string?)JsonNode.Parse(output)!["txid"];
        var file = Path.Combine(Path.GetTempPath(), $"opsource-tx-{Guid.NewGuid():N}.hex");
        await File.WriteAllTextAsync(file, SegwitTx, TestContext.Current.CancellationToken);
        try
        {
            var fromFile = await Run("tx", "decode", "@" + file, "--json");
            Assert.Equal(txid, (string?)JsonNode.Parse(fromFile.Out)!["txid"]);
        }
        finally
        {
            File.Delete(file);
        }

        AssertOneLineError(await Run("tx", "decode", "@/nonexistent/tx.hex"), "tx: cannot read '/nonexistent/tx.hex'");
    }

    [Theory]
    [InlineData("zz", "position 0")]
    [InlineData("0100000001", "transaction:")]
    [InlineData("abc", "odd")]
    public async Task Bad_input_is_a_one_line_user_error(string hex, string fragment)
    {
        var (code, output, err) = await Run("tx", "decode", hex);
        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains(fragment, err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }
}
