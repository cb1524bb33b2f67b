using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using static OPSource.Cli.Tests.CliRun;
using PsbtT = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Cli.Tests;

/// <summary>
/// <c>opsource miniscript parse|compile|satisfy</c>, miniscript descriptors through <c>opsource descriptor</c>
/// and <c>opsource psbt sign/finalize</c> on miniscript inputs (issue 10, Surfaces).
/// </summary>
public class MiniscriptCommandTests
{
    // Keys of Core's miniscript_tests.cpp.
    private const string K1 = "03d01115d548e7561b15c38f004d734633687cf4419620095bc5b0f47070afe85a";
    private const string K2 = "025601570cb47f238d2b0286db4a990fa0f3ba28d1a319f5e7cf55c2a2444da7cc";
    private const string K3 = "03d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65";
    private const string X1 = "d01115d548e7561b15c38f004d734633687cf4419620095bc5b0f47070afe85a";
    private const string X2 = "5601570cb47f238d2b0286db4a990fa0f3ba28d1a319f5e7cf55c2a2444da7cc";
    private const string X3 = "d30199d74fb5a22d47b6e054e2f378cedacffcb89904a61d75d0dbd407143e65";

    // BIP341's NUMS point H.
    private const string Nums = "50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0";

    // miniscript_tests.cpp: uuj:and_v(v:multi(2,...),after(1231488000)), its P2WSH script and limits (ops 14, stack 5, witness 2+2+1+2*73).
    private const string CoreCase = "uuj:and_v(v:multi(2," + K1 + "," + K2 + "),after(1231488000))";
    private const string CoreScript = "6363829263522103d01115d548e7561b15c38f004d734633687cf4419620095bc5b0f47070afe85a21025601570cb47f238d2b0286db4a990fa0f3ba28d1a319f5e7cf55c2a2444da7cc52af0400046749b168670068670068";

    private static async Task<JsonNode> Json(params string[] args)
    {
        var (code, output, err) = await Run(args);
        Assert.True(code == 0, err);
        return JsonNode.Parse(output)!;
    }

    [Fact]
    public async Task Parse_reports_cores_script_limits_and_properties()
    {
        var json = await Json("miniscript", "parse", CoreCase, "--json");
        Assert.Equal(CoreScript, (string?)json["script_hex"]);
        Assert.Equal(14, (int)json["max_ops"]!);
        Assert.Equal(5, (int)json["max_witness_elements"]!);
        Assert.Equal(2 + 2 + 1 + (2 * 73), (int)json["max_witness_size"]!);
        Assert.Equal(CoreScript.Length / 2, (int)json["script_size"]!);
        Assert.Equal("B", (string?)json["basic_type"]);
        Assert.StartsWith("B", (string?)json["type"], StringComparison.Ordinal);
        Assert.True((bool)json["non_malleable"]!);
        Assert.True((bool)json["needs_signature"]!);
        Assert.Equal(1231488000u, (uint)json["after"]![0]!);
        Assert.Equal(new[] { K1, K2 }, json["keys"]!.AsArray().Select(k => (string)k!));
        Assert.Contains("OP_CHECKMULTISIG", (string?)json["script_asm"], StringComparison.Ordinal);

        // The wsh() descriptor it prints derives the same address through `descriptor derive`.
        var derived = await Json("descriptor", "derive", (string)json["descriptor"]!, "--json");
        Assert.Equal((string?)json["address"], (string?)derived["paths"]![0]!["outputs"]![0]!["address"]);
        Assert.Equal("0020" + Sha256Hex(CoreScript), (string?)derived["paths"]![0]!["outputs"]![0]!["script_pubkey"]);
    }

    private static string Sha256Hex(string hex)
    {
        var hash = new byte[32];
        OPSource.Crypto.Hashes.Sha256(Hex.Parse(hex), hash);
        return Hex.Encode(hash);
    }

    [Fact]
    public async Task Parse_decodes_scripts_and_reads_stdin_and_files()
    {
        var decoded = await Json("miniscript", "parse", "--from-script", CoreScript, "--json");
        Assert.Equal(CoreScript, (string?)decoded["script_hex"]);
        Assert.Contains("multi(2," + K1 + "," + K2 + ")", (string?)decoded["miniscript"], StringComparison.Ordinal);

        var (code, output, err) = await RunWithInput(CoreCase + "\n", "miniscript", "parse", "-", "--json");
        Assert.True(code == 0, err);
        Assert.Equal(CoreScript, (string?)JsonNode.Parse(output)!["script_hex"]);

        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, CoreCase);
            Assert.Equal(CoreScript, (string?)(await Json("miniscript", "parse", "@" + file, "--json"))["script_hex"]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Parse_tapscript_multi_a_and_human_output()
    {
        var json = await Json("miniscript", "parse", $"and_v(v:multi_a(2,{X1},{X2}),after(1231488000))", "--context", "tapscript", "--json");
        // BIP387: <X1> CHECKSIG <X2> CHECKSIGADD 2 NUMEQUALVERIFY, then <1231488000> CHECKLOCKTIMEVERIFY.
        Assert.Equal($"20{X1}ac20{X2}ba529d0400046749b1", (string?)json["script_hex"]);
        Assert.Equal("tapscript", (string?)json["context"]);
        Assert.Null(json["descriptor"]);

        var (code, output, _) = await Run("miniscript", "parse", $"pk({K1})");
        Assert.Equal(0, code);
        Assert.Contains($"hex:               21{K1}ac", output, StringComparison.Ordinal);
        Assert.Contains("sane:              yes", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "and_v(pk_k(" + K1 + "),1)" }, "and_v(X,Y) needs X of type V")]
    [InlineData(new[] { "pk(" + K1 + ")", "--context", "p2sh" }, "--context: 'p2sh' is not a miniscript context")]
    [InlineData(new[] { "pk(" + X1 + ")" }, "x-only (32-byte) keys are only valid in Tapscript")]
    [InlineData(new[] { CoreCase, "--context", "tapscript" }, "miniscript:")]
    [InlineData(new[] { "--from-script", "6a" }, "script: not a miniscript")]
    public async Task Parse_errors_are_one_line(string[] args, string expected)
    {
        var result = await Run(["miniscript", "parse", .. args]);
        AssertOneLineError(result, expected);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task Compile_gives_rust_miniscripts_published_results()
    {
        // rust-miniscript compiler.rs compile_misc: the CSV reordering trick.
        var json = await Json("miniscript", "compile", $"and(older(10000),thresh(2,pk({K1}),pk({K2}),pk({K3})))", "--json");
        Assert.Equal($"and_v(v:multi(2,{K1},{K2},{K3}),older(10000))", (string?)json["miniscript"]);
        Assert.True((bool)json["sane"]!);
        Assert.StartsWith("wsh(and_v(v:multi(2,", (string?)json["descriptor"], StringComparison.Ordinal);

        // compile_tr: a threshold without a key-only branch goes into one multi_a leaf under the unspendable key.
        var tr = await Json("miniscript", "compile", $"thresh(2,pk({K1}),pk({K2}),pk({K3}))", "--context", "tr", "--json");
        Assert.Equal(Nums, (string?)tr["internal_key"]);
        Assert.False((bool)tr["internal_key_from_policy"]!);
        Assert.StartsWith($"tr({Nums},multi_a(2,{X1},{X2},{X3}))#", (string?)tr["descriptor"], StringComparison.Ordinal);
        var leaf = tr["leaves"]!.AsArray().Single()!;
        Assert.Equal(0, (int)leaf["depth"]!);
        Assert.Equal($"20{X1}ac20{X2}ba20{X3}ba529c", (string?)leaf["script_hex"]);

        // A key-only branch becomes the internal key; the other branch the only leaf.
        var keyPath = await Json("miniscript", "compile", $"or(pk({K1}),and(pk({K2}),older(144)))", "--context", "tr", "--json");
        Assert.Equal(X1, (string?)keyPath["internal_key"]);
        Assert.StartsWith($"tr({X1},and_v(v:pk({X2}),older(144)))#", (string?)keyPath["descriptor"], StringComparison.Ordinal);
        var derived = await Json("descriptor", "derive", (string)keyPath["descriptor"]!, "--json");
        Assert.Equal((string?)keyPath["address"], (string?)derived["paths"]![0]!["outputs"]![0]!["address"]);
    }

    [Theory]
    [InlineData("and(pk(K),after(9))x", "policy:")]
    [InlineData("older(1)", "without signatures")]
    [InlineData("and(pk(" + K1 + "),pk(" + K1 + "))", "the same key twice")]
    public async Task Compile_errors_are_one_line(string policy, string expected) =>
        AssertOneLineError(await Run("miniscript", "compile", policy), expected);

    private const string Decaying = "or_d(pk(" + K1 + "),and_v(v:pk(" + K2 + "),older(144)))";

    [Fact]
    public async Task Satisfy_chooses_the_branch_the_material_allows()
    {
        // K1 alone: its signature (placeholder of the 72-byte maximum).
        var first = await Json("miniscript", "satisfy", Decaying, "--key", K1, "--json");
        Assert.Equal(new[] { $"<sig:{K1}>" }, first["witness"]!.AsArray().Select(e => (string)e!));
        Assert.Equal(73, (int)first["witness_size"]!);
        Assert.Equal("needs_signatures", (string?)first["status"]);

        // K2 after 144 blocks: K2's signature under the empty dissatisfaction of pk(K1) (bottom first).
        var recovery = await Json("miniscript", "satisfy", Decaying, "--key", K2, "--age", "144", "--json");
        Assert.Equal(new[] { $"<sig:{K2}>", string.Empty }, recovery["witness"]!.AsArray().Select(e => (string)e!));
        Assert.Equal(74, (int)recovery["witness_size"]!);

        // K2 too early: no witness; the result is still printed, exit 1.
        var early = await Run("miniscript", "satisfy", Decaying, "--key", K2, "--sequence", "143", "--json");
        Assert.Equal(1, early.Code);
        Assert.Equal("unsatisfiable", (string?)JsonNode.Parse(early.Out)!["status"]);
        Assert.Single(early.Err.TrimEnd().Split('\n'));

        // Both may sign later: among placeholder (Maybe) witnesses Core keeps the larger, a bound for fee estimation.
        var both = await Json("miniscript", "satisfy", Decaying, "--key", K1, "--key", K2, "--age", "144", "--json");
        Assert.Equal(2, both["witness"]!.AsArray().Count);

        // Both signatures made: the smaller witness, K1's branch.
        var signed = await Json("miniscript", "satisfy", Decaying, "--sig", $"{K1}={Sig}", "--sig", $"{K2}={Sig}", "--age", "144", "--json");
        Assert.Equal(new[] { Sig }, signed["witness"]!.AsArray().Select(e => (string)e!));
        Assert.Equal("complete", (string?)signed["status"]);
    }

    // A 71-byte DER-shaped signature with SIGHASH_ALL; the satisfier does not verify signatures.
    private const string Sig = "30440220" + "1111111111111111111111111111111111111111111111111111111111111111" + "0220" + "2222222222222222222222222222222222222222222222222222222222222222" + "01";

    [Fact]
    public async Task Satisfy_uses_signatures_and_preimages_given()
    {
        var preimage = new string('0', 64);
        var hash = Sha256Hex(preimage);
        var json = await Json("miniscript", "satisfy", $"and_v(v:pk({K1}),sha256({hash}))", "--sig", $"{K1}={Sig}", "--preimage", preimage, "--json");
        Assert.True((bool)json["complete"]!);
        Assert.Equal(new[] { preimage, Sig }, json["witness"]!.AsArray().Select(e => (string)e!));
        Assert.Equal(33 + 72, (int)json["witness_size"]!);

        AssertOneLineError(await Run("miniscript", "satisfy", $"and_v(v:pk({K1}),sha256({hash}))", "--key", K1, "--preimage", "00"), "--preimage: must be 32 bytes");
        AssertOneLineError(await Run("miniscript", "satisfy", $"pk({K1})", "--sig", $"{K1}=00"), "--sig: a P2WSH signature is DER");
        AssertOneLineError(await Run("miniscript", "satisfy", $"and_v(v:pk({K1}),sha256({hash}))", "--key", K1), "no non-malleable witness");
    }

    [Fact]
    public async Task Satisfy_multi_a_puts_the_first_keys_signature_on_top()
    {
        var json = await Json("miniscript", "satisfy", $"multi_a(2,{X1},{X2},{X3})", "--context", "tapscript", "--key", X1, "--key", X3, "--json");
        Assert.Equal(new[] { $"<sig:{X3}>", string.Empty, $"<sig:{X1}>" }, json["witness"]!.AsArray().Select(e => (string)e!));
        Assert.Equal(66 + 1 + 66, (int)json["witness_size"]!);
    }

    [Fact]
    public async Task Descriptor_commands_accept_miniscript_multi_a_and_rawtr()
    {
        // descriptor_tests.cpp: rawtr() of a key is the P2TR output with that key, untweaked.
        var rawtr = await Json("descriptor", "derive", $"rawtr({X1})", "--json");
        Assert.Equal("5120" + X1, (string?)rawtr["paths"]![0]!["outputs"]![0]!["script_pubkey"]);

        var tr = $"tr({Nums},{{multi_a(1,{X1},{X2}),sortedmulti_a(2,{X2},{X1})}})";
        var info = await Json("descriptor", "info", tr, "--json");
        Assert.True((bool)info["issolvable"]!);
        Assert.Equal("tr", (string?)info["type"]);
        var checksum = await Json("descriptor", "checksum", tr, "--json");
        Assert.Equal((string?)info["checksum"], (string?)checksum["checksum"]);

        var wsh = $"wsh(andor(pk({K1}),older(1008),and_v(v:pk({K2}),hash160(20195b5a3d650c17f0f29f91c33f8f6335193d07))))";
        var derived = await Json("descriptor", "derive", wsh, "--json");
        var script = (string)(await Json("miniscript", "parse", wsh[4..^1], "--json"))["script_hex"]!;
        Assert.Equal("0020" + Sha256Hex(script), (string?)derived["paths"]![0]!["outputs"]![0]!["script_pubkey"]);

        // An insane miniscript (a spend path without signature) is refused like Core's getdescriptorinfo.
        AssertOneLineError(await Run("descriptor", "info", "wsh(older(144))"), "error:");
    }

    private sealed record CoreDescriptor(int Line, string Prv, string Pub, string NormPub, bool Range, string[] Scripts);

    // Bitcoin Core v29.2 src/test/descriptor_tests.cpp Check(...) cases with miniscript leaves, sh(wsh()), multi_a
    // and rawtr(): private form, public form, normalised form, range, scripts at indexes 0.. (line numbers of the file).
    private static readonly CoreDescriptor[] CoreDescriptors =
    [
        new(1026, "sh(wsh(thresh(1,pkh(L4gM1FBdyHNpkzsFh9ipnofLhpZRp2mwobpeULy1a6dBTvw8Ywtd),a:and_n(multi(1,xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS3xz7iAxn8L39njGVyuoseXzU6rcxFLJ8HFsTjSyQbLYnMpCqE2VbFWc,xprv9uPDJpEQgRQfDcW7BkF7eTya6RPxXeJCqCJGHuCJ4GiRVLzkTXBAJMu2qaMWPrS7AANYqdq6vcBcBUdJCVVFceUvJFjaPdGZ2y9WACViL4L/0),n:older(2)))))", "sh(wsh(thresh(1,pkh(03cdabb7f2dce7bfbd8a0b9570c6fd1e712e5d64045e9d6b517b3d5072251dc204),a:and_n(multi(1,xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL,xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y/0),n:older(2)))))", "sh(wsh(thresh(1,pkh(03cdabb7f2dce7bfbd8a0b9570c6fd1e712e5d64045e9d6b517b3d5072251dc204),a:and_n(multi(1,xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL,xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y/0),n:older(2)))))", false, ["a914767e9119ff3b3ac0cb6dcfe21de1842ccf85f1c487"]),
        new(1031, "sh(wsh(thresh(2,ndv:after(1000),a:and_n(multi(1,xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS3xz7iAxn8L39njGVyuoseXzU6rcxFLJ8HFsTjSyQbLYnMpCqE2VbFWc,xprv9uPDJpEQgRQfDcW7BkF7eTya6RPxXeJCqCJGHuCJ4GiRVLzkTXBAJMu2qaMWPrS7AANYqdq6vcBcBUdJCVVFceUvJFjaPdGZ2y9WACViL4L/0),n:older(2)))))", "sh(wsh(thresh(2,ndv:after(1000),a:and_n(multi(1,xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL,xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y/0),n:older(2)))))", "sh(wsh(thresh(2,ndv:after(1000),a:and_n(multi(1,xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL,xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y/0),n:older(2)))))", false, ["a914099f400961f930d4c16c3b33c0e2a58ef53ac38f87"]),
        new(1041, "wsh(and_v(v:sha256(7426ba0604c3f8682c7016b44673f85c5bd9da2fa6c1080810cf53ae320c9863),pk(xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS3xz7iAxn8L39njGVyuoseXzU6rcxFLJ8HFsTjSyQbLYnMpCqE2VbFWc)))", "wsh(and_v(v:sha256(7426ba0604c3f8682c7016b44673f85c5bd9da2fa6c1080810cf53ae320c9863),pk(xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL)))", "wsh(and_v(v:sha256(7426ba0604c3f8682c7016b44673f85c5bd9da2fa6c1080810cf53ae320c9863),pk(xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL)))", false, ["002071f7283dbbb9a55ed43a54cda16ba0efd0f16dc48fe200f299e57bb5d7be8dd4"]),
        new(1054, "tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd,{{pkh(KykUPmR5967F4URzMUeCv9kNMU9CNRWycrPmx3ZvfkWoQLabbimL),pk(L3Enys1jFgTq4E24b8Uom1kAz6cNkz3Z82XZpBKCE2ztErq9fqvJ)},thresh(1,pk(L1NKM8dVA1h52mwDrmk1YreTWkAZZTu2vmKLpmLEbFRqGQYjHeEV),s:pk(Kz3iCBy3HNGP5CZWDsAMmnCMFNwqdDohudVN9fvkrN7tAkzKNtM7))})", "tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd,{{pkh(1c9bc926084382e76da33b5a52d17b1fa153c072aae5fb5228ecc2ccf89d79d5),pk(0dd6b52b192ab195558d22dd8437a9ec4519ee5ded496c0d55bc9b1a8b0e8c2b)},thresh(1,pk(30a6069f344fb784a2b4c99540a91ee727c91e3a25ef6aae867d9c65b5f23529),s:pk(9918d400c1b8c3c478340a40117ced4054b6b58f48cdb3c89b836bdfee1f5766))})", "tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd,{{pkh(1c9bc926084382e76da33b5a52d17b1fa153c072aae5fb5228ecc2ccf89d79d5),pk(0dd6b52b192ab195558d22dd8437a9ec4519ee5ded496c0d55bc9b1a8b0e8c2b)},thresh(1,pk(30a6069f344fb784a2b4c99540a91ee727c91e3a25ef6aae867d9c65b5f23529),s:pk(9918d400c1b8c3c478340a40117ced4054b6b58f48cdb3c89b836bdfee1f5766))})", false, ["5120d8ea39b29de2b550b68bd2ada8b075c888c2b2df3290c7a35856482747848934"]),
        new(1056, "tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd,{and_v(v:pk(xpub6AGbgdKcAGeUWaGNKH2o3sRvjtvJCGZ1NwrHqMJDwD4bN1QuwPQSsdeAYkPZGPt2FTAyu6nWGsC3fN2nsBELrLPcRNuwwr5k1X7yW5WV4aX/*),pk(02daf6e3477fc3906a1997820ed2940c8f5fa0942946d0368f981b001fdd85afcb)),and_v(v:pk(xprv9wCN7tTqN5ATsmBGEijuNeUgQjma9tv3GmdWLmbYiuArPsAMj6tD1uASiBfm47kdoi7bDBAVxUZNLM2MkeouPK5menDTyCNZtExQrKhVu7C/*),pk(03272c0c1ae2c07528283b91ca57b45d2cc84e7960e1f17f58815372285f35e99a))})", "tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd,{and_v(v:pk(xpub6AGbgdKcAGeUWaGNKH2o3sRvjtvJCGZ1NwrHqMJDwD4bN1QuwPQSsdeAYkPZGPt2FTAyu6nWGsC3fN2nsBELrLPcRNuwwr5k1X7yW5WV4aX/*),pk(02daf6e3477fc3906a1997820ed2940c8f5fa0942946d0368f981b001fdd85afcb)),and_v(v:pk(xpub6ABiXPzjCSim6FFjLkGujnRQxmc4ZMdtdzZ79A1AHEhqGfVWGeCTZhUvZTSf1mNnGUtyNqgfE9eWaYdYReDKbPYqgqi9LLVZSmWnLQRx477/*),pk(03272c0c1ae2c07528283b91ca57b45d2cc84e7960e1f17f58815372285f35e99a))})", "tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd,{and_v(v:pk(xpub6AGbgdKcAGeUWaGNKH2o3sRvjtvJCGZ1NwrHqMJDwD4bN1QuwPQSsdeAYkPZGPt2FTAyu6nWGsC3fN2nsBELrLPcRNuwwr5k1X7yW5WV4aX/*),pk(02daf6e3477fc3906a1997820ed2940c8f5fa0942946d0368f981b001fdd85afcb)),and_v(v:pk(xpub6ABiXPzjCSim6FFjLkGujnRQxmc4ZMdtdzZ79A1AHEhqGfVWGeCTZhUvZTSf1mNnGUtyNqgfE9eWaYdYReDKbPYqgqi9LLVZSmWnLQRx477/*),pk(03272c0c1ae2c07528283b91ca57b45d2cc84e7960e1f17f58815372285f35e99a))})", true, ["5120793185cd1a9a0bb710fa57df3845ac4ddf7df63b74beadce2573cbb0b508b3a4"]),
        new(918, "tr(L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1,multi_a(1,KzoAz5CanayRKex3fSLQ2BwJpN7U52gZvxMyk78nDMHuqrUxuSJy))", "tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd,multi_a(1,669b8afcec803a0d323e9a17f3ea8e68e8abe5a278020a929adbec52421adbd0))", "tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd,multi_a(1,669b8afcec803a0d323e9a17f3ea8e68e8abe5a278020a929adbec52421adbd0))", false, ["5120eb5bd3894327d75093891cc3a62506df7d58ec137fcd104cdd285d67816074f3"]),
        new(917, "tr(L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1,pk(KzoAz5CanayRKex3fSLQ2BwJpN7U52gZvxMyk78nDMHuqrUxuSJy))", "tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd,pk(669b8afcec803a0d323e9a17f3ea8e68e8abe5a278020a929adbec52421adbd0))", "tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd,pk(669b8afcec803a0d323e9a17f3ea8e68e8abe5a278020a929adbec52421adbd0))", false, ["512017cf18db381d836d8923b1bdb246cfcd818da1a9f0e6e7907f187f0b2f937754"]),
        new(957, "rawtr(xprv9vHkqa6EV4sPZHYqZznhT2NPtPCjKuDKGY38FBWLvgaDx45zo9WQRUT3dKYnjwih2yJD9mkrocEZXo1ex8G81dwSM1fwqWpWkeS3v86pgKt/86'/1'/0'/1/*)#a5gn3t7k", "rawtr(xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH/86'/1'/0'/1/*)#4ur3xhft", "rawtr([5a61ff8e/86h/1h/0h]xpub6DtZpc9PRL2B6pwoNGysmHAaBofDmWv5S6KQEKKGPKhf5fV62ywDtSziSApYVK3JnYY5KUSgiCwiXW5wtd8z7LNBxT9Mu5sEro8itdGfTeA/1/*)#vwgx7hj9", true, ["51205172af752f057d543ce8e4a6f8dcf15548ec6be44041bfa93b72e191cfc8c1ee", "51201b66f20b86f700c945ecb9ad9b0ad1662b73084e2bfea48bee02126350b8a5b1", "512063e70f66d815218abcc2306aa930aaca07c5cde73b75127eb27b5e8c16b58a25"]),
    ];

    public static TheoryData<int> CoreDescriptorLines()
    {
        var data = new TheoryData<int>();
        foreach (var c in CoreDescriptors)
        {
            data.Add(c.Line);
        }

        return data;
    }

    private static string NoChecksum(string text) => text.Length > 9 && text[^9] == '#' ? text[..^9] : text;

    [Theory]
    [MemberData(nameof(CoreDescriptorLines))]
    public async Task Descriptor_commands_agree_with_cores_descriptor_tests(int line)
    {
        var c = CoreDescriptors.Single(x => x.Line == line);

        // info: Core's public form (getdescriptorinfo), its checksum, range and the normalised form.
        var info = await Json("descriptor", "info", c.Prv, "--json");
        Assert.Equal(NoChecksum(c.Pub), NoChecksum((string)info["descriptor"]!));
        Assert.Equal(NoChecksum(c.NormPub), NoChecksum((string)info["normalized_descriptor"]!));
        Assert.Equal(c.Range, (bool)info["isrange"]!);
        Assert.True((bool)info["hasprivatekeys"]! || c.Prv == c.Pub);

        // checksum: the same checksum for the public form, whichever form was given.
        var checksum = await Json("descriptor", "checksum", NoChecksum(c.Pub), "--json");
        Assert.Equal((string)info["checksum"]!, (string)checksum["checksum"]!);

        // derive: Core's scripts, from the private form (and from the public form when no hardened step needs the xprv).
        var range = c.Range ? $"0-{c.Scripts.Length - 1}" : "0";
        var forms = c.Line == 957 ? new[] { c.Prv } : [c.Prv, c.Pub];
        foreach (var form in forms)
        {
            var derived = await Json("descriptor", "derive", form, "--range", range, "--json");
            var scripts = derived["paths"]![0]!["outputs"]!.AsArray().Select(o => (string)o!["script_pubkey"]!).ToArray();
            Assert.Equal(c.Scripts, scripts);
        }
    }

    [Fact]
    public async Task Descriptor_commands_expand_multipath_miniscript()
    {
        // descriptor_tests.cpp line 843: a multipath key in a tr() miniscript leaf, one descriptor and script per path.
        const string prv = "tr(xprv9yYge4PS54XkYT9KiLfCRwc8Jeuz8DucxQGtuEecJZYhKNiqbPxYHTPzXtskmzWBqdqkRAGsghNmZzNsfU2wstaB3XjDQFPv567aQSSuPyo,l:pk(xprvA1ADjaN8H3HGnZSmt4VF7YdWoV9oNq8jhqhurxsrYycBAFK555cECoaY22KWt6BTRNLuvobW5VQTF89PN3iA485LAg7epazevPyjCa4xTzd/<2;3>))";
        var derived = await Json("descriptor", "derive", prv, "--json");
        var paths = derived["paths"]!.AsArray();
        Assert.Equal(2, paths.Count);
        Assert.Equal("512094cb097990da64eebbad7b979b1326f3cbe356357abf4deb4c4ff80c7acbe902", (string?)paths[0]!["outputs"]![0]!["script_pubkey"]);
        Assert.Equal("5120f091450b88c606f5cbc3f0cebe89e00bc5dd27f92e22f54da06439bc0c401f41", (string?)paths[1]!["outputs"]![0]!["script_pubkey"]);
        Assert.EndsWith("/2))", NoChecksum((string)paths[0]!["descriptor"]!), StringComparison.Ordinal);
        Assert.Equal(2, (int)(await Json("descriptor", "info", prv, "--json"))["multipath_count"]!);
    }

    [Theory]
    // descriptor_tests.cpp line 1004: a wrong checksum.
    [InlineData("wsh(and_v(vc:andor(pk(03cdabb7f2dce7bfbd8a0b9570c6fd1e712e5d64045e9d6b517b3d5072251dc204),pk_k(032707170c71d8f75e4ca4e3fce870b9409dcaf12b051d3bcadff74747fa7619c0),and_v(v:older(1),pk_k(02aa27e5eb2c185e87cd1dbc3e0efc9cb1175235e0259df1713424941c3cb40402))),after(10)))#abcdef12", "checksum")]
    // descriptor_tests.cpp line 1015, with Core's words.
    [InlineData("wsh(and_b(vc:andor(pk(03cdabb7f2dce7bfbd8a0b9570c6fd1e712e5d64045e9d6b517b3d5072251dc204),pk_k(032707170c71d8f75e4ca4e3fce870b9409dcaf12b051d3bcadff74747fa7619c0),and_v(v:older(1),pk_k(02aa27e5eb2c185e87cd1dbc3e0efc9cb1175235e0259df1713424941c3cb40402))),after(10)))", "and_b(vc:andor(pk(03cdabb7f2dce7bfbd8a0b9570c6fd1e712e5d64045e9d6b517b3d5072251dc204),pk_k(032707170c71d8f75e4ca4e3fce870b9409dcaf12b051d3bcadff74747fa7619c0),and_v(v:older(1),pk_k(02aa27e5eb2c185e87cd1dbc3e0efc9cb1175235e0259df1713424941c3cb40402))),after(10)) is invalid")]
    // descriptor_tests.cpp line 1021, with Core's words.
    [InlineData("wsh(and_b(and_b(older(1),a:older(100000000)),s:pk(03cdabb7f2dce7bfbd8a0b9570c6fd1e712e5d64045e9d6b517b3d5072251dc204)))", "and_b(older(1),a:older(100000000)) is not sane: contains mixes of timelocks expressed in blocks and seconds")]
    // descriptor_tests.cpp line 976: rawtr() takes one key.
    [InlineData("rawtr(xpub68FQ9imX6mCWacw6eNRjaa8q8ynnHmUd5i7MVR51ZMPP5JycyfVHSLQVFPHMYiTybWJnSBL2tCBpy6aJTR2DYrshWYfwAxs8SosGXd66d8/*, xpub69Mvq3QMipdvnd9hAyeTnT5jrkcBuLErV212nsGf3qr7JPWysc9HnNhCsazdzj1etSx28hPSE8D7DnceFbNdw4Kg8SyRfjE2HFLv1P8TSGc/*)", "rawtr")]
    // multi_a is Tapscript only; a spend path without signature is not sane; x-only keys belong to tr().
    [InlineData("wsh(multi_a(1," + K1 + "," + K2 + "))", "multi_a")]
    [InlineData("wsh(or_i(older(1),pk(" + K1 + ")))", "not sane")]
    [InlineData("wsh(pk(" + X1 + "))", "x-only")]
    [InlineData("tr(" + Nums + ",{pk(" + X1 + "),and_v(v:pk(" + X2 + "),older(0))})", "older")]
    public async Task Descriptor_errors_are_one_line_naming_the_problem(string descriptor, string expected)
    {
        foreach (var command in new[] { "info", "derive", "checksum" })
        {
            var result = await Run("descriptor", command, descriptor);
            if (command == "checksum" && result.Code == 0)
            {
                continue; // checksum only needs the descriptor's characters, as Core's getdescriptorinfo does not
            }

            AssertOneLineError(result, expected);
        }
    }

    private static byte[] Secret(byte b)
    {
        var bytes = new byte[32];
        bytes[31] = b;
        return bytes;
    }

    /// <summary>A PSBT spending output 0 of a descriptor with the Updater fields a wallet adds (witness UTXO, scripts, tap leaves).</summary>
    private static PsbtT CreatePsbt(string descriptorText, uint sequence, out TxOut utxo, uint lockTime = 0, byte[]? preimage = null)
    {
        using var descriptor = Descriptor.Parse(descriptorText, Network.Regtest);
        var info = descriptor.GetSpendInfo(0);
        utxo = new TxOut(Amount.FromSatoshis(100_000), info.ScriptPubKey);
        var outpoint = new OutPoint(TxId.Parse(new string('1', 64)), 0);
        var tx = new Transaction(2, [new TxIn(outpoint, Script.Empty, new Sequence(sequence), Witness.Empty)], [new TxOut(Amount.FromSatoshis(90_000), info.ScriptPubKey)], new LockTime(lockTime));
        var psbt = info.UpdateInput(PsbtT.Create(tx).WithWitnessUtxo(0, utxo), 0);
        if (preimage is not null)
        {
            // BIP174 PSBT_IN_SHA256/HASH160 records, as an Updater that knows the secret adds them.
            psbt = psbt.WithPreimage(0, Bitcoin.Psbt.PsbtKeys.InSha256, preimage).WithPreimage(0, Bitcoin.Psbt.PsbtKeys.InHash160, preimage);
        }

        return psbt;
    }

    [Fact]
    public async Task Psbt_sign_and_finalize_spend_miniscript_inputs()
    {
        using var a = SecretKey.Create(Secret(1));
        using var b = SecretKey.Create(Secret(2));
        using var c = SecretKey.Create(Secret(3));
        string P(SecretKey k) => Hex.Encode(k.PublicKey.ToCompressed());
        string X(SecretKey k) => Hex.Encode(k.XOnlyPublicKey.ToBytes());
        string W(SecretKey k) => Wif.Encode(k, Network.Regtest);

        var preimage = Secret(0x42);
        var sha256 = Hex.Encode(OPSource.Crypto.Hashes.Sha256(preimage));
        var hash160Bytes = new byte[20];
        OPSource.Crypto.Hashes.Hash160(preimage, hash160Bytes);
        var hash160 = Hex.Encode(hash160Bytes);

        var cases = new (string Descriptor, uint Sequence, SecretKey[] Signers, bool Complete, uint LockTime, byte[]? Preimage)[]
        {
            // sh(wsh()) with a hash lock: complete with the PSBT's sha256 preimage, not without it.
            ($"sh(wsh(and_v(v:pk({P(a)}),sha256({sha256}))))", 0xfffffffd, [a], true, 0, preimage),
            ($"sh(wsh(and_v(v:pk({P(a)}),sha256({sha256}))))", 0xfffffffd, [a], false, 0, null),
            // after(): the transaction's nLockTime decides.
            ($"wsh(and_v(v:pk({P(a)}),after(100)))", 0xfffffffd, [a], true, 100, null),
            ($"wsh(and_v(v:pk({P(a)}),after(100)))", 0xfffffffd, [a], false, 99, null),
            // rawtr(): the key path with the untweaked output key.
            ($"rawtr({X(b)})", 0xfffffffd, [b], true, 0, null),
            // A Tapscript hash160 leaf beside a key leaf the signer lacks.
            ($"tr({Nums},{{pk({X(c)}),and_v(v:pk({X(b)}),hash160({hash160}))}})", 0xfffffffd, [b], true, 0, preimage),
            // sortedmulti_a leaf, 2 of 3.
            ($"tr({Nums},sortedmulti_a(2,{X(c)},{X(a)},{X(b)}))", 0xfffffffd, [b, c], true, 0, null),
            // A and (B, or 10 blocks later): B absent, the timelock branch.
            ($"wsh(and_v(v:pk({P(a)}),or_d(pk({P(b)}),older(10))))", 10, [a], true, 0, null),
            // The same before the 10 blocks: not finalizable.
            ($"wsh(and_v(v:pk({P(a)}),or_d(pk({P(b)}),older(10))))", 0xfffffffd, [a], false, 0, null),
            // 2-of-3 multi_a leaf beside a timelocked leaf, unspendable internal key: the multi_a leaf.
            ($"tr({Nums},{{multi_a(2,{X(a)},{X(b)},{X(c)}),and_v(v:pk({X(c)}),older(10))}})", 0xfffffffd, [a, c], true, 0, null),
            // Only C: the timelocked leaf once 10 blocks passed.
            ($"tr({Nums},{{multi_a(2,{X(a)},{X(b)},{X(c)}),and_v(v:pk({X(c)}),older(10))}})", 10, [c], true, 0, null),
        };

        foreach (var (descriptor, sequence, signers, complete, lockTime, withPreimage) in cases)
        {
            var psbt = CreatePsbt(descriptor, sequence, out var utxo, lockTime, withPreimage);
            var signArgs = new List<string> { "psbt", "sign", psbt.ToBase64(), "--network", "regtest", "--json" };
            foreach (var signer in signers)
            {
                signArgs.AddRange(["--wif", W(signer)]);
            }

            var signed = await Json([.. signArgs]);
            var (code, output, err) = await Run("psbt", "finalize", (string)signed["psbt"]!, "--json");
            var json = JsonNode.Parse(output)!;
            Assert.True(complete == (bool)json["complete"]!, $"{descriptor}: {err}");
            if (!complete)
            {
                Assert.Equal(1, code);
                Assert.Contains("not complete", err, StringComparison.Ordinal);
                continue;
            }

            Assert.Equal(0, code);

            // The final witness satisfies the output script in the consensus interpreter.
            Assert.True(Transaction.TryParse((string?)json["hex"], out var tx, out var decodeError), decodeError?.ToString());
            Assert.True(TransactionVerifier.VerifyInput(tx, 0, utxo, new PrecomputedTransactionData(tx, [utxo]), ScriptFlags.Standard, out var scriptError), $"{descriptor}: {scriptError}");
        }
    }
}
