using System.Text.Json.Nodes;
using OPSource.TestSupport;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

/// <summary>
/// The tools issue 9 asked for: <c>key derive</c>, <c>script decode|encode</c>, <c>address from-pubkey|from-script</c>,
/// <c>psbt update|sign|analyze</c>, checked against Core's vectors and the BIP174 workflow.
/// </summary>
public class ToolCommandsTests
{
    private static JsonNode Workflow() => JsonNode.Parse(Vectors.ReadText("bips", "bip174_psbt_test_vectors.json"))!["workflow"]!;

    private static string Base64(string step) => (string)Workflow()[step]!["expected_psbt"]!["base64"]!;

    public static TheoryData<int> DecodeScriptCases()
    {
        var data = new TheoryData<int>();
        var count = JsonNode.Parse(Vectors.ReadText("bitcoin-core", "functional-data", "rpc_decodescript.json"))!.AsArray().Count;
        for (var i = 0; i < count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DecodeScriptCases))]
    public async Task Script_decode_matches_core_decodescript(int index)
    {
        // Core's functional test data, run on regtest as Core's rpc_decodescript.py does.
        var row = JsonNode.Parse(Vectors.ReadText("bitcoin-core", "functional-data", "rpc_decodescript.json"))![index]!;
        var (code, output, err) = await Run("script", "decode", (string)row[0]!, "--json", "--network", "regtest");
        Assert.True(code == 0, err);
        Assert.True(JsonNode.DeepEquals(row[1], JsonNode.Parse(output)), $"expected {row[1]!.ToJsonString()}\ngot {output}");
    }

    [Theory]
    [InlineData("OP_DUP OP_HASH160 751e76e8199196d454941c45d1b3a323f1433bd6 OP_EQUALVERIFY OP_CHECKSIG", "76a914751e76e8199196d454941c45d1b3a323f1433bd688ac", "pubkeyhash")]
    [InlineData("0 751e76e8199196d454941c45d1b3a323f1433bd6", "0014751e76e8199196d454941c45d1b3a323f1433bd6", "witness_v0_keyhash")]
    [InlineData("OP_RETURN 0", "6a00", "nulldata")]
    [InlineData("1 -28398", "5102eeee", "witness_unknown")]
    [InlineData("3045022100f61038b308dc1da865a34852746f015772934208c6d24454393cd99bdf22177702200e6ea6a3c7ea9a8a1f6d09e6c77b1cd8d1e8b8ef86b2c65a45b5bdcda31c5e2a[ALL] 02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5",
        "483045022100f61038b308dc1da865a34852746f015772934208c6d24454393cd99bdf22177702200e6ea6a3c7ea9a8a1f6d09e6c77b1cd8d1e8b8ef86b2c65a45b5bdcda31c5e2a012102c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5", "nonstandard")]
    public async Task Script_encode_turns_decodescript_asm_back_into_hex(string asm, string hex, string type)
    {
        var (code, output, err) = await Run("script", "encode", asm, "--json");
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(hex, (string)json["hex"]!);
        Assert.Equal(type, (string)json["type"]!);
        var human = await Run("script", "encode", asm);
        Assert.Equal(hex, human.Out.Trim());

        // decode(encode(asm)).asm == asm (sighash suffixes aside, which decodescript does not print).
        var decoded = JsonNode.Parse((await Run("script", "decode", hex, "--json")).Out)!;
        Assert.Equal(asm.Replace("[ALL]", "01", StringComparison.Ordinal), (string)decoded["asm"]!);
    }

    [Theory]
    [InlineData("OP_DUP OP_FOO", "script: unknown word 'OP_FOO'")]
    [InlineData("OP_RETURN [error]", "'[error]' marks a truncated push")]
    [InlineData("3044[XYZ]", "unknown sighash suffix")]
    public async Task Script_encode_errors_are_one_line(string asm, string expected) =>
        AssertOneLineError(await Run("script", "encode", asm), expected);

    [Theory]
    // BIP173's P2WPKH and P2WSH examples (key 0279be66...1798).
    [InlineData("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", "p2wpkh", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")]
    [InlineData("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", "p2pkh", "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH")]
    // BIP86's first receive key (m/86'/0'/0'/0/0 of "abandon ... about"): internal key cc8a4bc6... gives bc1p5cyx...
    [InlineData("cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115", "p2tr", "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr")]
    public async Task Address_from_pubkey(string key, string type, string expected)
    {
        var (code, output, err) = await Run("address", "from-pubkey", key, "--type", type);
        Assert.True(code == 0, err);
        Assert.Equal(expected, output.Trim());
    }

    [Fact]
    public async Task Address_from_script_wraps_and_reads_scriptpubkeys()
    {
        // BIP173: P2WSH of "<0279be66...1798> OP_CHECKSIG".
        const string Script = "210279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798ac";
        Assert.Equal("bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", (await Run("address", "from-script", Script)).Out.Trim());
        Assert.Equal("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", (await Run("address", "from-script", Script, "--network", "testnet")).Out.Trim());
        var output = JsonNode.Parse((await Run("address", "from-script", "0014751e76e8199196d454941c45d1b3a323f1433bd6", "--type", "output", "--json")).Out)!;
        Assert.Equal("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", (string)output["address"]!);
        Assert.Equal("p2wpkh", (string)output["type"]!);
        AssertOneLineError(await Run("address", "from-script", "6a00", "--type", "output"), "a nulldata scriptPubKey has no address");
        AssertOneLineError(await Run("address", "from-pubkey", "04" + new string('0', 128), "--type", "p2pkh"), "not a valid secp256k1 public key");
    }

    [Fact]
    public async Task Key_derive_follows_bip32_test_vector_1()
    {
        // BIP32 test vector 1: chain m/0H/1 from seed 000102...0f.
        const string Master = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi";
        var (code, output, err) = await Run("key", "derive", Master, "--path", "m/0h/1", "--json");
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(output)!;
        Assert.Equal("xprv9wTYmMFdV23N2TdNG573QoEsfRrWKQgWeibmLntzniatZvR9BmLnvSxqu53Kw1UmYPxLgboyZQaXwTCg8MSY3H2EU4pWcQDnRnrVA1xe8fs", (string)json["xprv"]!);
        Assert.Equal("xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ", (string)json["xpub"]!);
        Assert.Equal("m/0h/1", (string)json["path"]!);
        Assert.Equal(2, (int)json["depth"]!);
        Assert.Equal("3442193e", (string)json["master_fingerprint"]!);
        Assert.Equal("5c1bd648", (string)json["parent_fingerprint"]!);
        Assert.StartsWith("[3442193e/0h/1]xpub6ASuArnXKPbf", (string)json["key_expression"]!, StringComparison.Ordinal);

        // From the xpub: normal steps work, hardened ones are a one-line error.
        var xpub = (string)json["xpub"]!;
        var child = JsonNode.Parse((await Run("key", "derive", xpub, "--path", "2", "--json")).Out)!;
        Assert.Equal(3, (int)child["depth"]!);
        Assert.Null(child["xprv"]);
        AssertOneLineError(await Run("key", "derive", xpub, "--path", "2h"), "has a hardened step, which needs the private key");
        AssertOneLineError(await Run("key", "derive", Master, "--network", "testnet"), "key: valid on mainnet, not on testnet (use --network)");
        AssertOneLineError(await Run("key", "derive", Master, "--path", "m/x"), "--path: step 1 'x'");
    }

    [Fact]
    public async Task Psbt_analyze_names_the_next_role_like_core()
    {
        // The BIP174 workflow: created (no UTXOs) -> updater; updated -> signer; half signed -> signer; combined -> finalizer; finalized -> extractor.
        foreach (var (step, next) in new[] { ("creator", "updater"), ("updater_add_sighash_all", "signer"), ("signer_1", "signer"), ("combiner", "finalizer"), ("finalizer", "extractor") })
        {
            var (code, output, err) = await Run("psbt", "analyze", Base64(step), "--json", "--network", "testnet");
            Assert.True(code == 0, $"{step}: {err}");
            var json = JsonNode.Parse(output)!;
            Assert.True(next == (string?)json["next"], $"{step}: next {json["next"]}, expected {next}");
            if (step != "creator")
            {
                Assert.Equal(0.0001m, (decimal)json["fee"]!);
            }

            if (step is "combiner" or "finalizer")
            {
                Assert.True((int)json["estimated_vsize"]! > 0);
                Assert.NotNull(json["estimated_feerate"]);
            }
        }

        // signer_1 signed one of the two multisig keys of each input: the other one is missing.
        var half = JsonNode.Parse((await Run("psbt", "analyze", Base64("signer_1"), "--json")).Out)!;
        Assert.Single(half["inputs"]![0]!["missing"]!["signatures"]!.AsArray());
        Assert.False((bool)half["inputs"]![0]!["is_final"]!);
        var done = JsonNode.Parse((await Run("psbt", "analyze", Base64("finalizer"), "--json")).Out)!;
        Assert.True((bool)done["inputs"]![1]!["is_final"]!);
    }

    [Fact]
    public async Task Psbt_sign_with_wif_keys_reproduces_bip174_signer_1()
    {
        var keys = Workflow()["signer_1"]!["keys"]!.AsArray().Select(k => (string)k!["wif"]!).ToArray();
        var (code, output, err) = await Run(["psbt", "sign", Base64("updater_add_sighash_all"), "--wif", keys[0], "--wif", keys[1], "--network", "testnet"]);
        Assert.True(code == 0, err);
        Assert.Equal(Base64("signer_1"), output.Trim());
    }

    [Fact]
    public async Task Psbt_sign_with_the_master_xprv_signs_every_derivation_then_finalizes()
    {
        var master = (string)Workflow()["master_tprv"]!;
        var (code, output, err) = await Run("psbt", "sign", Base64("updater_add_sighash_all"), "--xprv", master, "--network", "testnet", "--json");
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(output)!;
        Assert.True((bool)json["complete"]!);
        Assert.Equal([0, 1], json["signed_inputs"]!.AsArray().Select(n => (int)n!));
        // Signatures are ground to low R like Core's, so bytes may differ from the BIP's; the finalized
        // inputs must verify (analyze checks the final scripts against the UTXOs with the standard flags).
        var finalized = JsonNode.Parse((await Run("psbt", "finalize", (string)json["psbt"]!, "--json")).Out)!;
        Assert.True((bool)finalized["complete"]!);
        var analysis = JsonNode.Parse((await Run("psbt", "analyze", (string)finalized["psbt"]!, "--json")).Out)!;
        Assert.Equal("extractor", (string?)analysis["next"]);
        Assert.All(analysis["inputs"]!.AsArray(), i => Assert.True((bool)i!["is_final"]!));

        var unrelated = await Run("psbt", "sign", Base64("updater_add_sighash_all"), "--wif", "cVt4o7BGAig1UXywgGSmARhxMdzP5qvQsxKkSsc1XEkw3tDTQFpy", "--network", "testnet");
        AssertOneLineError(unrelated, "none of the keys signs any input");
        Assert.Equal(Base64("updater_add_sighash_all"), unrelated.Out.Trim());
    }

    [Fact]
    public async Task Psbt_update_attaches_utxos_from_previous_transactions()
    {
        var previous = Workflow()["updater"]!["previous_transactions"]!.AsArray().Select(t => (string)t!).ToArray();
        var (code, output, err) = await Run(["psbt", "update", Base64("creator"), "--prev-tx", previous[0], "--prev-tx", previous[1], "--json", "--network", "testnet"]);
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(output)!;
        Assert.Equal([0, 1], json["updated_inputs"]!.AsArray().Select(n => (int)n!));
        Assert.Empty(json["inputs_without_utxo"]!.AsArray());
        var analysis = JsonNode.Parse((await Run("psbt", "analyze", (string)json["psbt"]!, "--json")).Out)!;
        Assert.Equal(0.0001m, (decimal)analysis["fee"]!);
        Assert.All(analysis["inputs"]!.AsArray(), i => Assert.True((bool)i!["has_utxo"]!));

        // A transaction no input spends (version 3 instead of 2: another txid) attaches nothing: exit 1.
        var none = await Run("psbt", "update", Base64("creator"), "--prev-tx", "03" + previous[0][2..]);
        Assert.Equal(1, none.Code);
    }
}
