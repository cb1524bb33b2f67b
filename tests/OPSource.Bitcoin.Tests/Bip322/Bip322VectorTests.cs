using System.Text.Json.Nodes;
using CsCheck;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Bip322;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.TestSupport;

namespace OPSource.Bitcoin.Tests.Bip322;

/// <summary>Every case of bip-0322/basic-test-vectors.json and generated-test-vectors.json.</summary>
public class Bip322VectorTests
{
    private static readonly string[] Files = ["basic-test-vectors.json", "generated-test-vectors.json"];

    private static JsonObject Load(string file) => JsonNode.Parse(Vectors.ReadText("bips", "bip-0322", file))!.AsObject();

    private static JsonObject Case(string file, string list, int index) => Load(file)[list]![index]!.AsObject();

    private static TheoryData<string, string, int> Cases(string list)
    {
        var data = new TheoryData<string, string, int>();
        foreach (var file in Files)
        {
            if (Load(file)[list] is JsonArray array)
            {
                for (var i = 0; i < array.Count; i++)
                {
                    data.Add(file, list, i);
                }
            }
        }

        return data;
    }

    public static TheoryData<string, string, int> TxHashCases() => Cases("tx_hashes");

    public static TheoryData<string, string, int> SimpleCases() => Cases("simple");

    public static TheoryData<string, string, int> FullCases() => Cases("full");

    public static TheoryData<string, string, int> ErrorCases() => Cases("error");

    public static TheoryData<string, string, int> ProofOfFundsCases() => Cases("proof_of_funds");

    [Theory]
    [MemberData(nameof(TxHashCases))]
    public void Message_hash_and_virtual_transaction_ids(string file, string list, int index)
    {
        var c = Case(file, list, index);
        var message = c["message"]!.GetValue<string>();
        var address = Address.Parse(c["address"]!.GetValue<string>());
        Assert.Equal(c["message_hash"]!.GetValue<string>(), Hex.Encode(Bip322Message.ComputeMessageHash(message)));
        var toSpend = Bip322Message.CreateToSpend(new Script(address.ScriptPubKeyBytes), message);
        Assert.Equal(c["to_spend_tx_hash"]!.GetValue<string>(), toSpend.GetTxId().ToString());
        var toSign = Bip322Message.CreateToSign(toSpend, Witness.Empty);
        Assert.Equal(c["to_sign_tx_hash"]!.GetValue<string>(), toSign.GetTxId().ToString());
    }

    [Theory]
    [MemberData(nameof(SimpleCases))]
    public void Simple_signatures_verify_and_signing_reproduces_them(string file, string list, int index)
    {
        var c = Case(file, list, index);
        var message = c["message"]!.GetValue<string>();
        var address = Address.Parse(c["address"]!.GetValue<string>());
        var signatures = c["bip322_signatures"]!.AsArray().Select(s => s!.GetValue<string>()).ToArray();
        foreach (var signature in signatures)
        {
            var result = Bip322Message.Verify(address, message, signature);
            Assert.True(result.IsValid, result.Error);
            Assert.Equal(Bip322Format.Simple, result.Format);
        }

        SignAndCheck(c, address, message, Bip322Format.Simple, signatures);
    }

    [Theory]
    [MemberData(nameof(FullCases))]
    public void Full_signatures_verify_with_their_time_locks(string file, string list, int index)
    {
        var c = Case(file, list, index);
        var message = c["message"]!.GetValue<string>();
        var address = Address.Parse(c["address"]!.GetValue<string>());
        foreach (var signature in c["bip322_signatures"]!.AsArray().Select(s => s!.GetValue<string>()))
        {
            var result = Bip322Message.Verify(address, message, signature);
            Assert.True(result.IsValid, result.Error);
            Assert.Equal(Bip322Format.Full, result.Format);

            // BIP322: valid at time T (nLockTime) and age S (nSequence of input 0).
            Assert.Equal(c["lock_time"]!.GetValue<uint>(), result.LockTime.Value);
            Assert.Equal(c["sequence"]!.GetValue<uint>(), result.Sequence.Value);
        }

        SignAndCheck(c, address, message, Bip322Format.Full, []);
    }

    // Single-key cases are signed again with our signer: deterministic ECDSA must reproduce one of the
    // listed simple signatures; every produced signature must verify; multisig/script cases are verify-only.
    private static void SignAndCheck(JsonObject c, Address address, string message, Bip322Format format, string[] expected)
    {
        var type = c["type"]!.GetValue<string>();
        if (type is not ("p2wpkh" or "p2tr" or "p2pkh" or "p2sh-p2wpkh"))
        {
            Assert.True(c["private_keys"]!.AsArray().Count > 1 || type.Contains("time-lock", StringComparison.Ordinal), type);
            return;
        }

        using var wif = Wif.Parse(c["private_keys"]![0]!.GetValue<string>());
        var signature = Bip322Message.Sign(wif, address, message, format);
        var result = Bip322Message.Verify(address, message, signature);
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(format, result.Format);
        Assert.False(Bip322Message.Verify(address, message + "x", signature).IsValid);
        if (format == Bip322Format.Simple && type == "p2wpkh")
        {
            var unprefixed = expected.Select(e => e.StartsWith(Bip322Message.SimplePrefix, StringComparison.Ordinal) ? e[3..] : e);
            // Deterministic RFC6979: the vectors list Core's low-R signature and/or the plain one.
            var plain = Bip322Message.Sign(wif, address, message, format, grindLowR: false);
            Assert.True(Bip322Message.Verify(address, message, plain).IsValid);
            Assert.Contains(unprefixed, e => e == signature[3..] || e == plain[3..]);
        }
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void Error_cases_fail_with_the_expected_reason(string file, string list, int index)
    {
        var c = Case(file, list, index);
        var address = Address.Parse(c["address"]!.GetValue<string>());
        var result = Bip322Message.Verify(address, c["message"]!.GetValue<string>(), c["signature"]!.GetValue<string>());
        Assert.False(result.IsValid, c["description"]!.GetValue<string>());
        Assert.Contains(c["error_substr"]!.GetValue<string>(), result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ProofOfFundsCases))]
    public void Proof_of_funds_verifies_against_the_supplied_utxos(string file, string list, int index)
    {
        var c = Case(file, list, index);
        var message = c["message"]!.GetValue<string>();
        var address = Address.Parse(c["address"]!.GetValue<string>());
        var signature = Assert.Single(c["bip322_signatures"]!.AsArray())!.GetValue<string>();
        var utxos = VectorUtxos(c, signature);

        // BIP322: valid at time T and age S, every additional input checked against its UTXO.
        var result = Bip322Message.Verify(address, message, signature, utxos);
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(Bip322State.Valid, result.State);
        Assert.Equal(Bip322Format.ProofOfFunds, result.Format);
        Assert.Equal(c["lock_time"]!.GetValue<uint>(), result.LockTime.Value);
        Assert.Equal(c["sequence"]!.GetValue<uint>(), result.Sequence.Value);
        Assert.Equal(utxos, result.ProvenUtxos);
        Assert.Equal(Amount.FromSatoshis(utxos.Sum(u => u.Output.Value.Satoshis)), result.ProvenAmount);

        // Without the UTXO set the validator cannot check the scripts: inconclusive, not valid.
        var withoutUtxos = Bip322Message.Verify(address, message, signature);
        Assert.False(withoutUtxos.IsValid);
        Assert.Equal(Bip322State.Inconclusive, withoutUtxos.State);

        // Another message or a changed amount of a supplied UTXO is invalid.
        Assert.Equal(Bip322State.Invalid, Bip322Message.Verify(address, message + "x", signature, utxos).State);
        var changed = utxos.Select((u, i) => i == utxos.Count - 1 ? u with { Output = u.Output with { Value = u.Output.Value + Amount.FromSatoshis(1) } } : u).ToList();
        Assert.Equal(Bip322State.Invalid, Bip322Message.Verify(address, message, signature, changed).State);

        // Our signer, given the vector's keys and UTXOs, produces a proof that verifies the same way.
        var keys = c["private_keys"]!.AsArray().Select(k => Wif.Parse(k!.GetValue<string>())).ToList();
        try
        {
            var ours = Bip322Message.SignProofOfFunds(keys, address, message, utxos, c["tx_version"]!.GetValue<int>(),
                new LockTime(c["lock_time"]!.GetValue<uint>()), new Sequence(c["sequence"]!.GetValue<uint>()));
            var again = Bip322Message.Verify(address, message, ours, utxos);
            Assert.True(again.IsValid, again.Error);
            Assert.Equal(result.LockTime, again.LockTime);
            Assert.Equal(result.Sequence, again.Sequence);
            Assert.Equal(utxos, again.ProvenUtxos);
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }

    // The vector lists each additional input's amount and scriptPubKey (grouped per funding transaction,
    // in input order); the outpoints are those the PSBT's inputs 1..n spend.
    private static List<Bip322Utxo> VectorUtxos(JsonObject c, string signature)
    {
        var psbt = OPSource.Bitcoin.Psbt.Psbt.Parse(Convert.FromBase64String(signature[Bip322Message.ProofOfFundsPrefix.Length..]));
        var outputs = c["additional_inputs"]!.AsArray().SelectMany(group => group!.AsArray())
            .Select(i => new TxOut(Amount.FromSatoshis(i!["value"]!.GetValue<long>()), Script.FromHex(i["pk_script"]!.GetValue<string>())))
            .ToList();
        Assert.Equal(psbt.Inputs.Count - 1, outputs.Count);
        return [.. outputs.Select((o, i) => new Bip322Utxo(psbt.Inputs[i + 1].PreviousOutPoint, o))];
    }

    [Fact]
    public void Signatures_with_another_sighash_type_are_rejected()
    {
        // Re-sign the BIP322 basic P2WPKH case with SIGHASH_NONE: the script would pass, BIP322 must not.
        var address = Address.Parse("bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l");
        using var wif = Wif.Parse("L3VFeEujGtevx9w18HD1fhRbCH67Az2dpCymeRE1SoPK6XQtaN2k");
        var toSpend = Bip322Message.CreateToSpend(new Script(address.ScriptPubKeyBytes), "Hello World");
        var unsigned = Bip322Message.CreateToSign(toSpend, Witness.Empty);
        var pub = wif.PrivateKey.PublicKey.ToCompressed();
        var scriptCode = new Script(Address.P2pkh(wif.PrivateKey.PublicKey, Network.Mainnet).ScriptPubKeyBytes);
        var sighash = new byte[32];
        OPSource.Bitcoin.Sighash.SignatureHash.SegwitV0(new OPSource.Bitcoin.Sighash.PrecomputedTransactionData(unsigned), 0, scriptCode.Span, Amount.Zero, OPSource.Bitcoin.Sighash.SigHashType.None).WriteTo(sighash);
        var der = OPSource.Crypto.Secp256k1.Ecdsa.SignGrindLowR(wif.PrivateKey, sighash).ToDer();
        var witness = Witness.Create((byte[])[.. der, 0x02], pub);
        var writer = new BitcoinWriter();
        witness.WriteTo(writer);
        var result = Bip322Message.Verify(address, "Hello World", Convert.ToBase64String(writer.WrittenSpan));
        Assert.False(result.IsValid);
        Assert.Contains("SIGHASH_ALL", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_signatures_never_throw()
    {
        var address = Address.Parse("bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l");
        Gen.Byte.Array[0, 120].Sample(bytes =>
        {
            foreach (var prefix in new[] { "", "smp", "ful", "pof" })
            {
                Assert.False(Bip322Message.Verify(address, "m", prefix + Convert.ToBase64String(bytes)).IsValid);
            }
        }, iter: 500);
        Gen.String.Sample(s => Assert.False(Bip322Message.Verify(address, "m", s).IsValid), iter: 500);
    }
}
