using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using PsbtT = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Bitcoin.Tests.Psbt;

// Issue 9: PSBT maps decode each field once (kept in the typed view), not on every access; the lists
// handed out cannot be changed through a cast; unknown and proprietary pairs stay byte-exact.
public class PsbtTypedFieldTests
{
    private static SecretKey Key(byte b) => SecretKey.Create([.. new byte[31], b]);

    private static (PsbtT Psbt, SecretKey Key) Signed()
    {
        var key = Key(7);
        var spk = StandardScripts.PayToWitnessPubKeyHash(key.PublicKey);
        var prev = new Transaction(2, [new TxIn(new OutPoint(TxId.Parse(new string('a', 64)), 3))], [new TxOut(Amount.FromSatoshis(5_000), Script.Empty), new TxOut(Amount.FromSatoshis(100_000), spk)], new LockTime(0));
        var tx = new Transaction(2, [new TxIn(new OutPoint(prev.GetTxId(), 1))], [new TxOut(Amount.FromSatoshis(90_000), spk)], new LockTime(0));
        var psbt = PsbtT.Create(tx).WithNonWitnessUtxo(0, prev).WithWitnessUtxo(0, prev.Outputs[1])
            .WithEntry(PsbtMapKind.Input, 0, PsbtEntry.Create(0x3e, [1, 2], [3]))
            .Sign([key], new PsbtSignOptions { SighashType = SigHashType.All });
        return (PsbtT.Parse(psbt.ToBytes()), key);
    }

    [Fact]
    public void Each_field_is_decoded_once_and_kept()
    {
        var (psbt, key) = Signed();
        using var _ = key;
        var input = psbt.Inputs[0];
        Assert.Same(input.NonWitnessUtxo, input.NonWitnessUtxo);
        Assert.Same(input.WitnessUtxo, input.WitnessUtxo);
        Assert.Same(input.GetUtxo(), input.GetUtxo());
        Assert.Same(input.PartialSignatures, input.PartialSignatures);
        Assert.Same(input.Unknown, input.Unknown);
        Assert.Same(psbt.Outputs[0].Bip32Derivations, psbt.Outputs[0].Bip32Derivations);
        Assert.Equal(Amount.FromSatoshis(100_000), input.GetUtxo()!.Value);
        Assert.Equal(key.PublicKey, Assert.Single(input.PartialSignatures).PublicKey);
        Assert.Equal(SigHashType.All, input.SighashType);

        // Absent fields are remembered as absent.
        Assert.Null(input.RedeemScript);
        Assert.Null(input.TapInternalKey);
        Assert.Null(input.TapInternalKey);
        Assert.Null(input.FinalScriptWitness);
    }

    [Fact]
    public void Decoded_lists_are_read_only_and_unknown_pairs_round_trip()
    {
        var (psbt, key) = Signed();
        using var _ = key;
        var sigs = psbt.Inputs[0].PartialSignatures;
        Assert.Throws<NotSupportedException>(() => ((IList<PsbtPartialSignature>)sigs)[0] = sigs[0]);
        var unknown = Assert.Single(psbt.Inputs[0].Unknown);
        Assert.Equal(0x3eUL, unknown.KeyType);
        Assert.Equal(psbt.ToBytes(), PsbtT.Parse(psbt.ToBytes()).ToBytes());
    }

    [Fact]
    public void Signing_every_input_of_a_transaction_shares_one_set_of_hashes_and_matches_a_fresh_computation()
    {
        // Two P2WPKH inputs and one P2TR key-path input, all with witness UTXOs: the signatures made with the
        // signer's one PrecomputedTransactionData verify against hashes computed afresh per input.
        using var k1 = Key(1);
        using var k2 = Key(2);
        using var k3 = Key(3);
        var spks = new[] { StandardScripts.PayToWitnessPubKeyHash(k1.PublicKey), StandardScripts.PayToWitnessPubKeyHash(k2.PublicKey), OPSource.Bitcoin.Taproot.TaprootSpendInfo.Create(k3.XOnlyPublicKey).ScriptPubKey };
        var utxos = spks.Select((s, i) => new TxOut(Amount.FromSatoshis(50_000 + i), s)).ToArray();
        var tx = new Transaction(2, [.. Enumerable.Range(0, 3).Select(i => new TxIn(new OutPoint(TxId.Parse(new string((char)('1' + i), 64)), (uint)i)))], [new TxOut(Amount.FromSatoshis(140_000), spks[0])], new LockTime(0));
        var psbt = PsbtT.Create(tx);
        for (var i = 0; i < 3; i++)
        {
            psbt = psbt.WithWitnessUtxo(i, utxos[i]);
        }

        psbt = psbt.WithTapInternalKey(2, k3.XOnlyPublicKey).Sign([k1, k2, k3]);
        Span<byte> hash = stackalloc byte[32];
        for (var i = 0; i < 2; i++)
        {
            SignatureHash.SegwitV0(new PrecomputedTransactionData(tx), i, StandardScripts.PayToPubKeyHash(spks[i].Span[2..]).Span, utxos[i].Value, SigHashType.All).WriteTo(hash);
            var sig = Assert.Single(psbt.Inputs[i].PartialSignatures);
            Assert.True(EcdsaSignature.TryParseDer(sig.Signature.Span[..^1], out var parsed));
            Assert.True(Ecdsa.Verify(parsed!, hash, sig.PublicKey));
        }

        Assert.True(SignatureHash.TryTaproot(new PrecomputedTransactionData(tx, utxos), 2, SigHashType.Default, null, default, out var tapHash));
        tapHash.WriteTo(hash);
        Assert.True(Schnorr.Verify(psbt.Inputs[2].TapKeySignature!.Value.Span, hash, XOnlyPublicKey.Parse(spks[2].Span[2..])));
    }

    // Issue 9 (second pass): an Updater entry is checked alone, the unsigned transaction and unchanged inputs' views
    // carry over between roles, and typed setters hand their value to the new view. The result must be exactly what
    // parsing its own bytes gives, and invalid entries must still be refused.
    [Fact]
    public void Updater_results_are_what_their_bytes_parse_to()
    {
        using var key = Key(9);
        using var other = Key(10);
        var wpkh = StandardScripts.PayToWitnessPubKeyHash(key.PublicKey);
        var tr = StandardScripts.PayToTaproot(key.XOnlyPublicKey);
        var prev = new Transaction(2, [new TxIn(new OutPoint(TxId.Parse(new string('b', 64)), 0))], [new TxOut(Amount.FromSatoshis(7_000), wpkh)], new LockTime(0));
        var tx = new Transaction(
            2,
            [new TxIn(new OutPoint(TxId.Parse(new string('c', 64)), 1)), new TxIn(new OutPoint(TxId.Parse(new string('d', 64)), 0)), new TxIn(new OutPoint(prev.GetTxId(), 0))],
            [new TxOut(Amount.FromSatoshis(20_000), wpkh)],
            new LockTime(0));
        var origin = new OPSource.Bitcoin.Keys.RootedKeyPath(OPSource.Bitcoin.Keys.KeyFingerprint.FromValue(0x01020304), OPSource.Bitcoin.Keys.KeyPath.Parse("m/84'/1'/0'/0/5"));
        var psbt = PsbtT.Create(tx)
            .WithWitnessUtxo(0, new TxOut(Amount.FromSatoshis(10_000), wpkh))
            .WithTapInternalKey(1, key.XOnlyPublicKey)
            .WithWitnessUtxo(1, new TxOut(Amount.FromSatoshis(11_000), tr))
            .WithNonWitnessUtxo(2, prev)
            .WithBip32Derivation(2, other.PublicKey, origin)
            .WithBip32Derivation(2, key.PublicKey, origin)
            .WithSighashType(0, SigHashType.All)
            .WithOutputBip32Derivation(0, key.PublicKey, origin);

        var reparsed = PsbtT.Parse(psbt.ToBytes());
        Assert.Equal(reparsed.ToBytes(), psbt.ToBytes());
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(reparsed.Inputs[i].GetUtxo(), psbt.Inputs[i].GetUtxo());
            Assert.Equal(reparsed.Inputs[i].TapInternalKey, psbt.Inputs[i].TapInternalKey);
            Assert.Equal(reparsed.Inputs[i].Bip32Derivations.Select(d => d.PublicKey), psbt.Inputs[i].Bip32Derivations.Select(d => d.PublicKey));
        }

        Assert.Equal(key.XOnlyPublicKey, psbt.Inputs[1].TapInternalKey);
        Assert.Same(tx, psbt.UnsignedTransaction);

        // Still refused: a UTXO for another outpoint, a key off the curve, a field with a bad value, on any input.
        Assert.Throws<ArgumentException>(() => psbt.WithNonWitnessUtxo(0, prev));
        Assert.Throws<ArgumentException>(() => psbt.WithEntry(PsbtMapKind.Input, 1, PsbtEntry.Create(PsbtKeys.InTapInternalKey, [], Enumerable.Repeat((byte)0xff, 32).ToArray())));
        Assert.Throws<ArgumentException>(() => psbt.WithEntry(PsbtMapKind.Input, 0, PsbtEntry.Create(PsbtKeys.InSighashType, [], [1, 0])));
        Assert.Throws<ArgumentException>(() => psbt.WithEntry(PsbtMapKind.Output, 0, PsbtEntry.Create(PsbtKeys.OutTapInternalKey, [], new byte[31])));
        Assert.Throws<ArgumentException>(() => psbt.WithEntry(PsbtMapKind.Global, 0, PsbtEntry.Create(PsbtKeys.GlobalVersion, [], [2, 0, 0, 0])));
    }
}
