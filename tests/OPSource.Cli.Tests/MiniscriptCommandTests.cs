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

    private static byte[] Secret(byte b)
    {
        var bytes = new byte[32];
        bytes[31] = b;
        return bytes;
    }

    /// <summary>A PSBT spending output 0 of a descriptor with the Updater fields a wallet adds (witness UTXO, scripts, tap leaves).</summary>
    private static PsbtT CreatePsbt(string descriptorText, uint sequence, out TxOut utxo)
    {
        using var descriptor = Descriptor.Parse(descriptorText, Network.Regtest);
        var info = descriptor.GetSpendInfo(0);
        utxo = new TxOut(Amount.FromSatoshis(100_000), info.ScriptPubKey);
        var outpoint = new OutPoint(TxId.Parse(new string('1', 64)), 0);
        var tx = new Transaction(2, [new TxIn(outpoint, Script.Empty, new Sequence(sequence), Witness.Empty)], [new TxOut(Amount.FromSatoshis(90_000), info.ScriptPubKey)], new LockTime(0));
        return info.UpdateInput(PsbtT.Create(tx).WithWitnessUtxo(0, utxo), 0);
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

        var cases = new (string Descriptor, uint Sequence, SecretKey[] Signers, bool Complete)[]
        {
            // A and (B, or 10 blocks later): B absent, the timelock branch.
            ($"wsh(and_v(v:pk({P(a)}),or_d(pk({P(b)}),older(10))))", 10, [a], true),
            // The same before the 10 blocks: not finalizable.
            ($"wsh(and_v(v:pk({P(a)}),or_d(pk({P(b)}),older(10))))", 0xfffffffd, [a], false),
            // 2-of-3 multi_a leaf beside a timelocked leaf, unspendable internal key: the multi_a leaf.
            ($"tr({Nums},{{multi_a(2,{X(a)},{X(b)},{X(c)}),and_v(v:pk({X(c)}),older(10))}})", 0xfffffffd, [a, c], true),
            // Only C: the timelocked leaf once 10 blocks passed.
            ($"tr({Nums},{{multi_a(2,{X(a)},{X(b)},{X(c)}),and_v(v:pk({X(c)}),older(10))}})", 10, [c], true),
        };

        foreach (var (descriptor, sequence, signers, complete) in cases)
        {
            var psbt = CreatePsbt(descriptor, sequence, out var utxo);
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
