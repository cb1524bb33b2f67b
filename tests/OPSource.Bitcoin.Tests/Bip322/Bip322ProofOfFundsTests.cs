using CsCheck;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Bip322;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using PsbtT = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Bitcoin.Tests.Bip322;

/// <summary>BIP322 "Full (Proof of Funds)": sign with extra inputs, verify against a supplied UTXO set.</summary>
public sealed class Bip322ProofOfFundsTests : IDisposable
{
    // Keys from the BIP322 vectors (basic P2WPKH key and the generated proof-of-funds keys).
    private readonly Wif _addressKey = Wif.Parse("L3VFeEujGtevx9w18HD1fhRbCH67Az2dpCymeRE1SoPK6XQtaN2k");
    private readonly Wif _p2wpkhKey = Wif.Parse("L1eU4opKaCpK3Pu3jp1yvNnCmfAFtgKcmdgapcuGPqB3fwANGTWT");
    private readonly Wif _p2trKey = Wif.Parse("Kx9Wif4uxmADZ46YBfXwDST1ZkAZFkiRzpPbK3orYGSqaEJPZLKh");

    private const string Message = "proof of reserves 2026-11-24";

    public void Dispose()
    {
        _addressKey.Dispose();
        _p2wpkhKey.Dispose();
        _p2trKey.Dispose();
    }

    private Wif[] Keys => [_addressKey, _p2wpkhKey, _p2trKey];

    private Address P2wpkhAddress => Address.P2wpkh(_addressKey.PrivateKey.PublicKey, Network.Mainnet);

    private Address P2trAddress => Address.P2tr(TaprootSpendInfo.Create(_addressKey.PrivateKey.XOnlyPublicKey).OutputKey, Network.Mainnet);

    private static OutPoint Out(byte fill, uint index) => new(TxId.FromBytes(Enumerable.Repeat(fill, 32).ToArray()), index);

    // One P2WPKH and one key-path P2TR UTXO of the two UTXO keys.
    private List<Bip322Utxo> Utxos() =>
    [
        new(Out(0x11, 0), new TxOut(Amount.FromSatoshis(150_000), StandardScripts.PayToWitnessPubKeyHash(_p2wpkhKey.PrivateKey.PublicKey))),
        new(Out(0x22, 3), new TxOut(Amount.FromSatoshis(2_500_000), TaprootSpendInfo.Create(_p2trKey.PrivateKey.XOnlyPublicKey).ScriptPubKey)),
    ];

    public static TheoryData<bool> AddressKinds() => new(false, true);

    [Theory]
    [MemberData(nameof(AddressKinds))]
    public void Round_trip_with_p2wpkh_and_p2tr_extra_inputs(bool taprootAddress)
    {
        var address = taprootAddress ? P2trAddress : P2wpkhAddress;
        var utxos = Utxos();
        var signature = Bip322Message.SignProofOfFunds(Keys, address, Message, utxos, 2, new LockTime(800_000), new Sequence(6));
        Assert.StartsWith(Bip322Message.ProofOfFundsPrefix, signature, StringComparison.Ordinal);

        var result = Bip322Message.Verify(address, Message, signature, utxos);
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(Bip322State.Valid, result.State);
        Assert.Equal(Bip322Format.ProofOfFunds, result.Format);
        Assert.Equal(800_000u, result.LockTime.Value);
        Assert.Equal(6u, result.Sequence.Value);
        Assert.Equal(utxos, result.ProvenUtxos);
        Assert.Equal(Amount.FromSatoshis(2_650_000), result.ProvenAmount);

        // The proof is a finalized BIP174 PSBT of to_sign: every input finalized, segwit UTXOs recorded.
        var psbt = PsbtT.Parse(Convert.FromBase64String(signature[3..]));
        Assert.True(psbt.IsFinalized);
        Assert.Equal(3, psbt.Inputs.Count);
        Assert.Equal(utxos[0].Output, psbt.Inputs[1].WitnessUtxo);
        Assert.Equal(utxos[1].Output, psbt.Inputs[2].WitnessUtxo);

        // The supplied set may hold more UTXOs than the proof spends; order does not matter.
        var wider = new List<Bip322Utxo>(utxos) { new(Out(0x33, 0), new TxOut(Amount.FromSatoshis(1), Script.Empty)) };
        wider.Reverse();
        Assert.True(Bip322Message.Verify(address, Message, signature, wider).IsValid);

        // Another message or address does not verify.
        Assert.Equal(Bip322State.Invalid, Bip322Message.Verify(address, Message + "!", signature, utxos).State);
        var other = taprootAddress ? P2wpkhAddress : P2trAddress;
        Assert.Contains("does not spend to_spend", Bip322Message.Verify(other, Message, signature, utxos).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void P2pkh_and_nested_segwit_utxos_are_signed_too()
    {
        using var key = Wif.Parse("KwJez724aMRgicAjRH5Wn4PGjzt362M4Ce16uyLFrRtefYtjeEpu");
        var pub = key.PrivateKey.PublicKey;
        List<Bip322Utxo> utxos =
        [
            new(Out(0x44, 1), new TxOut(Amount.FromSatoshis(1000), StandardScripts.PayToPubKeyHash(pub))),
            new(Out(0x55, 0), new TxOut(Amount.FromSatoshis(2000), new Script(Address.P2shP2wpkh(pub, Network.Mainnet).ScriptPubKeyBytes))),
        ];
        var address = Address.P2pkh(pub, Network.Mainnet);
        var signature = Bip322Message.SignProofOfFunds([key], address, Message, utxos);
        var result = Bip322Message.Verify(address, Message, signature, utxos);
        Assert.True(result.IsValid, result.Error);

        // A P2PKH challenge records to_spend as non_witness_utxo; the legacy UTXO input records none.
        var psbt = PsbtT.Parse(Convert.FromBase64String(signature[3..]));
        Assert.NotNull(psbt.Inputs[0].NonWitnessUtxo);
        Assert.Null(psbt.Inputs[1].GetUtxo());
        Assert.NotNull(psbt.Inputs[2].FinalScriptSig);
        Assert.NotNull(psbt.Inputs[2].FinalScriptWitness);
    }

    [Fact]
    public void Missing_utxo_set_is_inconclusive_and_an_unknown_outpoint_is_invalid()
    {
        var utxos = Utxos();
        var signature = Bip322Message.SignProofOfFunds(Keys, P2wpkhAddress, Message, utxos);

        foreach (var missing in new[] { null, new List<Bip322Utxo>() })
        {
            var result = Bip322Message.Verify(P2wpkhAddress, Message, signature, missing);
            Assert.False(result.IsValid);
            Assert.Equal(Bip322State.Inconclusive, result.State);
            Assert.Equal("bip322: inconclusive: proof of funds spends 2 UTXO(s) besides to_spend; supply them (outpoint, amount, scriptPubKey) to verify it", result.Error);
            Assert.Empty(result.ProvenUtxos);
        }

        // The three-argument overload has no UTXO set either.
        Assert.Equal(Bip322State.Inconclusive, Bip322Message.Verify(P2wpkhAddress, Message, signature).State);

        // A set without the second outpoint: that coin is not unspent as far as the verifier knows.
        var result2 = Bip322Message.Verify(P2wpkhAddress, Message, signature, [utxos[0]]);
        Assert.Equal(Bip322State.Invalid, result2.State);
        Assert.Equal($"bip322: invalid signature: input 2 spends {utxos[1].OutPoint}, which is not in the supplied UTXO set", result2.Error);
    }

    [Fact]
    public void Supplied_utxo_that_does_not_match_is_invalid()
    {
        var utxos = Utxos();
        var signature = Bip322Message.SignProofOfFunds(Keys, P2wpkhAddress, Message, utxos);

        // The PSBT records the P2WPKH UTXO: a different amount is reported against it.
        List<Bip322Utxo> wrongAmount = [utxos[0] with { Output = utxos[0].Output with { Value = Amount.FromSatoshis(150_001) } }, utxos[1]];
        var result = Bip322Message.Verify(P2wpkhAddress, Message, signature, wrongAmount);
        Assert.Equal(Bip322State.Invalid, result.State);
        Assert.Contains("input 1: the PSBT's UTXO for", result.Error, StringComparison.Ordinal);
        Assert.Contains("(150000 sat, 0014", result.Error, StringComparison.Ordinal);
        Assert.Contains("differs from the supplied one (150001 sat, 0014", result.Error, StringComparison.Ordinal);

        // A different scriptPubKey for the taproot UTXO.
        List<Bip322Utxo> wrongScript = [utxos[0], utxos[1] with { Output = utxos[1].Output with { ScriptPubKey = utxos[0].Output.ScriptPubKey } }];
        Assert.Contains("input 2: the PSBT's UTXO", Bip322Message.Verify(P2wpkhAddress, Message, signature, wrongScript).Error, StringComparison.Ordinal);

        // The same proof as a plain full to_sign (older BIP text): nothing but the consensus interpreter
        // stands between a wrong amount and acceptance, and it refuses (BIP143/BIP341 commit to amounts).
        var full = Bip322Message.FullPrefix + Convert.ToBase64String(PsbtT.Parse(Convert.FromBase64String(signature[3..])).Extract().ToBytes());
        Assert.True(Bip322Message.Verify(P2wpkhAddress, Message, full, utxos).IsValid);
        var viaInterpreter = Bip322Message.Verify(P2wpkhAddress, Message, full, wrongAmount);
        Assert.Equal(Bip322State.Invalid, viaInterpreter.State);
        Assert.StartsWith("bip322: invalid signature (input 1: ", viaInterpreter.Error, StringComparison.Ordinal);
        List<Bip322Utxo> wrongTaprootAmount = [utxos[0], utxos[1] with { Output = utxos[1].Output with { Value = Amount.FromSatoshis(1) } }];
        Assert.StartsWith("bip322: invalid signature (input ", Bip322Message.Verify(P2wpkhAddress, Message, full, wrongTaprootAmount).Error, StringComparison.Ordinal);

        // Conflicting entries for one outpoint in the supplied set.
        var conflicting = new List<Bip322Utxo>(utxos) { wrongAmount[0] };
        Assert.Contains("twice with different outputs", Bip322Message.Verify(P2wpkhAddress, Message, signature, conflicting).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsigned_extra_input_is_invalid()
    {
        var utxos = Utxos();
        var signature = Bip322Message.SignProofOfFunds(Keys, P2wpkhAddress, Message, utxos);
        var signed = PsbtT.Parse(Convert.FromBase64String(signature[3..]));

        // Rebuild the PSBT without input 2's final_scriptwitness: that input is no longer signed.
        var stripped = PsbtT.Create(signed.GetUnsignedTransaction());
        for (var i = 0; i < signed.Inputs.Count; i++)
        {
            foreach (var entry in signed.Inputs[i].Map.Entries.Where(e => !(i == 2 && e.KeyType == PsbtKeys.InFinalScriptWitness)))
            {
                stripped = stripped.WithEntry(PsbtMapKind.Input, i, entry);
            }
        }

        var result = Bip322Message.Verify(P2wpkhAddress, Message, Bip322Message.ProofOfFundsPrefix + stripped.ToBase64(), utxos);
        Assert.Equal(Bip322State.Invalid, result.State);
        Assert.Equal("bip322: invalid signature: input 2 is not signed (a proof of funds is a finalized PSBT: final_scriptsig or final_scriptwitness on every input)", result.Error);

        // As a full to_sign, the empty witness fails in the interpreter.
        var tx = signed.Extract();
        var unsigned = tx.WithInputs([tx.Inputs[0], tx.Inputs[1], tx.Inputs[2] with { Witness = Witness.Empty }]);
        var full = Bip322Message.Verify(P2wpkhAddress, Message, Bip322Message.FullPrefix + Convert.ToBase64String(unsigned.ToBytes()), utxos);
        Assert.Equal(Bip322State.Invalid, full.State);
        Assert.StartsWith("bip322: invalid signature (input 2: ", full.Error, StringComparison.Ordinal);

        // A signature for input 1 moved to input 2 does not verify there either.
        var swapped = tx.WithInputs([tx.Inputs[0], tx.Inputs[1], tx.Inputs[2] with { Witness = tx.Inputs[1].Witness }]);
        Assert.Equal(Bip322State.Invalid, Bip322Message.Verify(P2wpkhAddress, Message, Bip322Message.FullPrefix + Convert.ToBase64String(swapped.ToBytes()), utxos).State);
    }

    [Fact]
    public void Duplicate_inputs_fail_the_consensus_checks()
    {
        var utxos = Utxos();
        var signature = Bip322Message.SignProofOfFunds(Keys, P2wpkhAddress, Message, utxos);
        var tx = PsbtT.Parse(Convert.FromBase64String(signature[3..])).Extract();
        var doubled = tx.WithInputs([.. tx.Inputs, tx.Inputs[1]]);
        var result = Bip322Message.Verify(P2wpkhAddress, Message, Bip322Message.FullPrefix + Convert.ToBase64String(doubled.ToBytes()), utxos);
        Assert.Equal("bip322: invalid signature: to_sign fails the consensus checks (bad-txns-inputs-duplicate)", result.Error);
    }

    [Fact]
    public void Signing_refuses_what_it_cannot_prove_without_echoing_keys()
    {
        var utxos = Utxos();
        var e = Assert.Throws<ArgumentException>(() => Bip322Message.SignProofOfFunds([_addressKey, _p2wpkhKey], P2wpkhAddress, Message, utxos));
        Assert.StartsWith($"bip322: no key given controls UTXO 1 ({utxos[1].OutPoint};", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Bip322Message.SignProofOfFunds([_p2wpkhKey, _p2trKey], P2wpkhAddress, Message, utxos));
        Assert.StartsWith("bip322: no key given controls bc1q", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Bip322Message.SignProofOfFunds(Keys, P2wpkhAddress, Message, [utxos[0], utxos[0]]));
        Assert.Contains("listed twice", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Bip322Message.SignProofOfFunds(Keys, P2wpkhAddress, Message, []));
        Assert.Contains("at least one UTXO", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Bip322Message.SignProofOfFunds(Keys, P2wpkhAddress, Message, utxos, version: 1));
        e = Assert.Throws<ArgumentException>(() => Bip322Message.Sign(_addressKey, P2wpkhAddress, Message, Bip322Format.ProofOfFunds));
        Assert.Contains("use SignProofOfFunds", e.Message, StringComparison.Ordinal);
        foreach (var key in Keys)
        {
            Assert.DoesNotContain(key.ToString(Network.Mainnet)[..12], e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Mutated_proofs_never_throw_and_only_verify_when_the_signed_transaction_is_unchanged()
    {
        // Flip one byte of a valid finalized PSBT: the verifier never throws, and a "valid" answer is only
        // possible when the flip left the signed to_sign intact (e.g. it turned a recorded UTXO field
        // into an unknown field, which BIP174 allows and which the supplied UTXO set makes irrelevant).
        var utxos = Utxos();
        var bytes = Convert.FromBase64String(Bip322Message.SignProofOfFunds(Keys, P2wpkhAddress, Message, utxos)[3..]);
        var signedTx = PsbtT.Parse(bytes).Extract().ToBytes();
        Gen.Select(Gen.Int[0, bytes.Length - 1], Gen.Byte[1, 255]).Sample((position, flip) =>
        {
            var mutated = (byte[])bytes.Clone();
            mutated[position] ^= flip;
            var result = Bip322Message.Verify(P2wpkhAddress, Message, Bip322Message.ProofOfFundsPrefix + Convert.ToBase64String(mutated), utxos);
            if (result.State == Bip322State.Valid)
            {
                Assert.Equal(signedTx, PsbtT.Parse(mutated).Extract().ToBytes());
            }
            else
            {
                Assert.StartsWith("bip322: ", result.Error, StringComparison.Ordinal);
            }
        }, iter: 1500);
    }

    [Fact]
    public void Upgradeable_rules_are_inconclusive_not_invalid()
    {
        // BIP350 vector: a witness v2 address. Spending it under Core's standard flags hits
        // DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM, which BIP322 calls inconclusive.
        var address = Address.Parse("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs");
        var writer = new BitcoinWriter();
        Witness.Create(new byte[] { 1 }).WriteTo(writer);
        var result = Bip322Message.Verify(address, Message, Bip322Message.SimplePrefix + Convert.ToBase64String(writer.WrittenSpan));
        Assert.Equal(Bip322State.Inconclusive, result.State);
        Assert.Equal("bip322: inconclusive: script uses a rule reserved for upgrades (DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM)", result.Error);
    }
}
