using System.CommandLine;
using System.Text.Json.Nodes;
using OPSource.Cli.Commands;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

// mnemonic / address / message command groups (btc-keys).
public class KeysCommandsTests
{
    private const string Abandon = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

    [Theory]
    [InlineData("12")]
    [InlineData("24")]
    public async Task Mnemonic_new_prints_a_valid_phrase(string words)
    {
        var (code, output, _) = await Run("mnemonic", "new", "--words", words, "--json");
        Assert.Equal(0, code);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(int.Parse(words, System.Globalization.CultureInfo.InvariantCulture), (int)json["words"]!);
        Assert.True(OPSource.Bitcoin.Keys.Mnemonic.TryParse((string)json["mnemonic"]!, out var m, out _));
        m.Dispose();
    }

    [Fact]
    public async Task Mnemonic_new_in_japanese_uses_ideographic_spaces()
    {
        var (code, output, _) = await Run("mnemonic", "new", "--language", "japanese");
        Assert.Equal(0, code);
        Assert.Equal(11, output.Count(c => c == '\u3000'));
    }

    [Fact]
    public async Task Mnemonic_new_rejects_bad_word_count_and_language()
    {
        AssertOneLineError(await Run("mnemonic", "new", "--words", "13"), "--words: '13' is not a BIP39 word count");
        AssertOneLineError(await Run("mnemonic", "new", "--language", "klingon"), "--language: 'klingon'");
    }

    [Fact]
    public async Task Mnemonic_seed_matches_bip84_vector_root()
    {
        var (code, output, _) = await Run("mnemonic", "seed", "--mnemonic", Abandon, "--json");
        Assert.Equal(0, code);
        var json = JsonNode.Parse(output)!;
        // BIP84 test vector root (shown there as zprv; same key with xprv version bytes) and the seed of "abandon ... about".
        Assert.Equal("5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc19a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4", (string)json["seed"]!);
        Assert.Equal("xprv9s21ZrQH143K3GJpoapnV8SFfukcVBSfeCficPSGfubmSFDxo1kuHnLisriDvSnRRuL2Qrg5ggqHKNVpxR86QEC8w35uxmGoggxtQTPvfUu", (string)json["root_xprv"]!);
        Assert.Equal("73c5da0a", (string)json["master_fingerprint"]!);
    }

    [Fact]
    public async Task Mnemonic_seed_uses_passphrase_and_network()
    {
        var (code, output, _) = await Run("mnemonic", "seed", "--mnemonic", Abandon, "--passphrase", "TREZOR", "--network", "regtest", "--json");
        Assert.Equal(0, code);
        var json = JsonNode.Parse(output)!;
        Assert.StartsWith("tprv", (string)json["root_xprv"]!, StringComparison.Ordinal);
        Assert.Equal("c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04", (string)json["seed"]!);
    }

    [Fact]
    public async Task Mnemonic_seed_reads_standard_input()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var globals = new GlobalOptions();
        var root = new RootCommand();
        globals.AddTo(root);
        root.Add(MnemonicCommand.Create(globals, output, error, new StringReader(Abandon + "\n")));
        var code = await root.Parse(["mnemonic", "seed", "--json"]).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, code);
        Assert.Equal("73c5da0a", (string)JsonNode.Parse(output.ToString())!["master_fingerprint"]!);
    }

    [Fact]
    public async Task Mnemonic_seed_rejects_bad_checksum_without_echoing_words()
    {
        var result = await Run("mnemonic", "seed", "--mnemonic", "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon");
        AssertOneLineError(result, "checksum");
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task Address_validate_describes_segwit_address()
    {
        var (code, output, _) = await Run("address", "validate", "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr", "--json");
        Assert.Equal(0, code);
        var json = JsonNode.Parse(output)!;
        Assert.True((bool)json["isvalid"]!);
        Assert.Equal("p2tr", (string)json["type"]!);
        Assert.Equal(1, (int)json["witness_version"]!);
        Assert.Equal("a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c", (string)json["witness_program"]!);
        Assert.Equal("5120a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c", (string)json["scriptPubKey"]!);
    }

    [Fact]
    public async Task Address_validate_human_output_for_p2pkh()
    {
        var (code, output, _) = await Run("address", "validate", "mpLQjfK79b7CCV4VMJWEWAj5Mpx8Up5zxB", "--network", "regtest");
        Assert.Equal(0, code);
        Assert.Contains("p2pkh", output, StringComparison.Ordinal);
        Assert.Contains("76a9", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Address_validate_rejects_wrong_network_and_garbage()
    {
        AssertOneLineError(await Run("address", "validate", "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"), "valid on testnet, testnet4, signet, not on mainnet");
        AssertOneLineError(await Run("address", "validate", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"), "address: ");
    }

    [Fact]
    public async Task Message_sign_and_verify_round_trip_with_core_vector()
    {
        var (code, output, _) = await Run("message", "sign", "--wif", "cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N", "This is just a test message", "--network", "regtest", "--json");
        Assert.Equal(0, code);
        var json = JsonNode.Parse(output)!;
        // Bitcoin Core test/functional/rpc_signmessagewithprivkey.py expected_signature.
        Assert.Equal("INbVnW4e6PeRmsv2Qgu8NuopvrVjkcxob+sX8OcZG0SALhWybUjzMLPdAsXI46YZGb0KQTRii+wWIQzRpG/U+S0=", (string)json["signature"]!);
        Assert.Equal("mpLQjfK79b7CCV4VMJWEWAj5Mpx8Up5zxB", (string)json["address"]!);

        var verify = await Run("message", "verify", "mpLQjfK79b7CCV4VMJWEWAj5Mpx8Up5zxB", (string)json["signature"]!, "This is just a test message", "--network", "regtest", "--json");
        Assert.Equal(0, verify.Code);
        Assert.True((bool)JsonNode.Parse(verify.Out)!["valid"]!);
    }

    [Fact]
    public async Task Message_verify_fails_for_other_message_or_non_p2pkh()
    {
        const string sig = "IPojfrX2dfPnH26UegfbGQQLrdK844DlHq5157/P6h57WyuS/Qsl+h/WSVGDF4MUi4rWSswW38oimDYfNNUBUOk=";
        AssertOneLineError(await Run("message", "verify", "15CRxFdyRpGZLW9w8HnHvVduizdL5jKNbs", sig, "I never signed this"), "does not match");
        // A legacy signature for a segwit address goes to BIP322, which rejects it.
        AssertOneLineError(await Run("message", "verify", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", sig, "Trust no one"), "bip322:");
        AssertOneLineError(await Run("message", "verify", "15CRxFdyRpGZLW9w8HnHvVduizdL5jKNbs", "not base64!", "x"), "malformed");
    }

    [Fact]
    public async Task Message_sign_rejects_bad_wif_without_echoing_it()
    {
        var result = await Run("message", "sign", "--wif", "cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N", "hi");
        AssertOneLineError(result, "--wif: valid on testnet, testnet4, signet, regtest, not on mainnet (use --network)");
        Assert.DoesNotContain("cUeKHd5", result.Err, StringComparison.Ordinal);
    }
}
