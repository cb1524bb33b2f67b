using OPSource.Bitcoin.Sighash;
using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using PsbtT = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Bitcoin.Tests.Psbt;

// BIP174 "workflow" (creator -> updater -> signers -> combiner -> finalizer -> extractor, byte-exact,
// keys derived from master_tprv) and fails_signer_checks; Core rpc_psbt.json role cases.
public class PsbtRoleVectorTests
{
    private static JsonNode Workflow() => PsbtParseVectorTests.Bip174()["workflow"]!;

    private static string ExpectedHex(string step) => (string)Workflow()[step]!["expected_psbt"]!["hex"]!;

    private static PsbtT Step(string step) => PsbtT.Parse(ExpectedHex(step));

    private static Transaction CreatorTransaction(JsonNode creator)
    {
        var inputs = creator["inputs"]!.AsArray().Select(i =>
            new TxIn(new OutPoint(TxId.Parse((string)i!["txid"]!), (uint)i["vout"]!), Script.Empty, Sequence.Final, Witness.Empty));
        var outputs = creator["outputs"]!.AsArray().Select(o =>
            new TxOut(Amount.FromBtc(decimal.Parse((string)o!["amount_btc"]!, CultureInfo.InvariantCulture)), Script.FromHex((string)o["scriptPubKey_hex"]!)));
        return new Transaction(2, inputs, outputs, LockTime.Zero);
    }

    [Fact]
    public void Workflow_creator()
    {
        var psbt = PsbtT.Create(CreatorTransaction(Workflow()["creator"]!));
        Assert.Equal(ExpectedHex("creator"), psbt.ToHex());
    }

    [Fact]
    public void Workflow_updater()
    {
        var u = Workflow()["updater"]!;
        var psbt = Step("creator");
        var prevs = u["previous_transactions"]!.AsArray().Select(t => Transaction.Parse((string)t!)).ToList();
        var redeem = u["redeem_scripts"]!.AsArray().Select(s => Script.FromHex((string)s!)).ToList();
        var witness = u["witness_scripts"]!.AsArray().Select(s => Script.FromHex((string)s!)).ToList();
        for (var i = 0; i < psbt.Inputs.Count; i++)
        {
            var prevout = psbt.Inputs[i].PreviousOutPoint;
            var prev = prevs.Single(t => t.GetTxId() == prevout.TxId);
            var spk = prev.Outputs[(int)prevout.Index].ScriptPubKey;
            var r = redeem.Single(s => StandardScripts.PayToScriptHash(s) == spk);
            psbt = psbt.WithRedeemScript(i, r);

            // BIP174 Updater: a witness UTXO for segwit spends, the full previous tx otherwise.
            if (r.IsWitnessProgram())
            {
                psbt = psbt.WithWitnessUtxo(i, prev.Outputs[(int)prevout.Index])
                    .WithWitnessScript(i, witness.Single(w => StandardScripts.PayToWitnessScriptHash(w) == r));
            }
            else
            {
                psbt = psbt.WithNonWitnessUtxo(i, prev);
            }
        }

        using var master = ExtKey.Parse((string)Workflow()["master_tprv"]!);
        var origins = u["public_keys"]!.AsArray().Select(k =>
        {
            var path = KeyPath.Parse((string)k!["path"]!);
            using var derived = master.Derive(path);
            Assert.Equal((string)k["pubkey"]!, Hex.Encode(derived.PublicKey.ToCompressed()));
            return new PsbtKeyOrigin(derived.PublicKey, true, new RootedKeyPath(master.Fingerprint, path));
        }).ToList();
        psbt = psbt.WithKeyOrigins(origins);
        Assert.Equal(ExpectedHex("updater"), psbt.ToHex());
    }

    [Fact]
    public void Workflow_updater_adds_sighash_all()
    {
        var psbt = Step("updater");
        for (var i = 0; i < psbt.Inputs.Count; i++)
        {
            psbt = psbt.WithSighashType(i, new SigHashType(1));
        }

        Assert.Equal(ExpectedHex("updater_add_sighash_all"), psbt.ToHex());
    }

    [Theory]
    [InlineData("signer_1")]
    [InlineData("signer_2")]
    public void Workflow_signer(string step)
    {
        using var master = ExtKey.Parse((string)Workflow()["master_tprv"]!);
        var keys = Workflow()[step]!["keys"]!.AsArray().Select(k =>
        {
            using var derived = master.Derive(KeyPath.Parse((string)k!["path"]!));
            using var wif = Wif.Parse((string)k["wif"]!);
            Assert.Equal(wif.PrivateKey, derived.PrivateKey);
            Span<byte> secret = stackalloc byte[32];
            derived.PrivateKey.WriteTo(secret);
            return SecretKey.Create(secret);
        }).ToList();
        Assert.True(Step("updater_add_sighash_all").TrySign(keys, out var signed, out var refusals, new PsbtSignOptions { GrindLowR = false }), string.Join("; ", refusals));
        Assert.Equal(ExpectedHex(step), signed.ToHex());
        keys.ForEach(k => k.Dispose());
    }

    [Fact]
    public void Workflow_combiner()
    {
        var combined = PsbtT.Combine(Step("signer_1"), Step("signer_2"));
        Assert.Equal(ExpectedHex("combiner"), combined.ToHex());
        Assert.Equal(ExpectedHex("combiner"), PsbtT.Combine(Step("signer_2"), Step("signer_1")).ToHex());
    }

    [Fact]
    public void Workflow_finalizer()
    {
        Assert.True(Step("combiner").TryFinalize(out var finalized, out var problems), string.Join("; ", problems));
        Assert.Equal(ExpectedHex("finalizer"), finalized.ToHex());
    }

    [Fact]
    public void Workflow_extractor()
    {
        Assert.Equal((string)Workflow()["extractor"]!["expected_tx_hex"]!, Step("finalizer").Extract().ToHex());
    }

    [Fact]
    public void Workflow_extractor_refuses_unfinalized()
    {
        Assert.False(Step("combiner").TryExtract(out _, out var error));
        Assert.Equal("psbt: input 0 is not finalized (no final_scriptsig or final_scriptwitness)", error?.Message);
    }

    [Fact]
    public void Workflow_combiner_unknown_keys()
    {
        var c = Workflow()["combiner_unknown_keys"]!;
        var inputs = c["inputs"]!.AsArray().Select(i => PsbtT.Parse((string)i!["hex"]!)).ToList();
        Assert.Equal((string)c["expected_psbt_lexicographic"]!["hex"]!, PsbtT.Combine(inputs).ToHex());
    }

    public static TheoryData<int> SignerChecks()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < PsbtParseVectorTests.Bip174()["fails_signer_checks"]!.AsArray().Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SignerChecks))]
    public void Bip174_signer_refuses(int index)
    {
        var c = PsbtParseVectorTests.Bip174()["fails_signer_checks"]![index]!;
        var psbt = PsbtT.Parse((string)c["hex"]!);
        using var key = SecretKey.Generate();
        Assert.False(psbt.TrySign([key], out var unchanged, out var refusals), (string)c["description"]!);
        Assert.Equal(psbt.ToHex(), unchanged.ToHex());
        var error = Assert.Single(refusals);
        var expected = index switch
        {
            0 => "has a witness_utxo but spends a non-witness script",
            1 => "redeem_script does not match the scriptPubKey of the non_witness_utxo",
            2 => "redeem_script does not match the scriptPubKey of the witness_utxo",
            _ => "witness_script does not match the redeem_script",
        };
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    private static JsonObject Core() => PsbtParseVectorTests.Core();

    private static TheoryData<int> CoreIndexes(string section)
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Core()[section]!.AsArray().Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    public static TheoryData<int> CoreCreator() => CoreIndexes("creator");

    public static TheoryData<int> CoreSigner() => CoreIndexes("signer");

    public static TheoryData<int> CoreCombiner() => CoreIndexes("combiner");

    public static TheoryData<int> CoreFinalizer() => CoreIndexes("finalizer");

    public static TheoryData<int> CoreExtractor() => CoreIndexes("extractor");

    [Theory]
    [MemberData(nameof(CoreCreator))]
    public void Core_creator(int index)
    {
        var c = Core()["creator"]![index]!;
        var inputs = c["inputs"]!.AsArray().Select(i =>
            new TxIn(new OutPoint(TxId.Parse((string)i!["txid"]!), (uint)i["vout"]!), Script.Empty, Sequence.Final, Witness.Empty));
        var outputs = c["outputs"]!.AsArray().Select(o =>
        {
            var (address, amount) = o!.AsObject().Single();
            return new TxOut(Amount.FromBtc(amount!.GetValue<decimal>()), new Script(Address.Parse(address, Network.Regtest).ScriptPubKeyBytes));
        });
        var psbt = PsbtT.Create(new Transaction(2, inputs, outputs, LockTime.Zero));
        Assert.Equal((string)c["result"]!, psbt.ToBase64());
    }

    [Theory]
    [MemberData(nameof(CoreSigner))]
    public void Core_signer(int index)
    {
        var c = Core()["signer"]![index]!;
        var wifs = c["privkeys"]!.AsArray().Select(k => Wif.Parse((string)k!)).ToList();
        try
        {
            // Core's test signs with walletprocesspsbt(sighashtype="ALL"); cases 2-5 are BIP174's
            // fails_signer_checks, which Core leaves unsigned and we also report as refusals.
            var psbt = PsbtT.Parse((string)c["psbt"]!);
            var ok = psbt.TrySign(wifs.Select(w => w.PrivateKey), out var signed, out var refusals, new PsbtSignOptions { SighashType = new SigHashType(1) });
            Assert.Equal((string)c["result"]!, signed.ToBase64());
            Assert.Equal(ok, refusals.Count == 0);
        }
        finally
        {
            wifs.ForEach(w => w.Dispose());
        }
    }

    [Theory]
    [MemberData(nameof(CoreCombiner))]
    public void Core_combiner(int index)
    {
        var c = Core()["combiner"]![index]!;
        var parts = c["combine"]!.AsArray().Select(p => PsbtT.Parse((string)p!)).ToList();
        Assert.Equal((string)c["result"]!, PsbtT.Combine(parts).ToBase64());
    }

    [Theory]
    [MemberData(nameof(CoreFinalizer))]
    public void Core_finalizer(int index)
    {
        var c = Core()["finalizer"]![index]!;
        Assert.True(PsbtT.Parse((string)c["finalize"]!).TryFinalize(out var finalized, out var problems), string.Join("; ", problems));
        Assert.Equal((string)c["result"]!, finalized.ToBase64());
    }

    [Theory]
    [MemberData(nameof(CoreExtractor))]
    public void Core_extractor(int index)
    {
        var c = Core()["extractor"]![index]!;
        Assert.Equal((string)c["result"]!, PsbtT.Parse((string)c["extract"]!).Extract().ToHex());
    }
}
