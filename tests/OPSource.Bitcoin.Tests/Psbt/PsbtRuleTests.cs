using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using PsbtT = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Bitcoin.Tests.Psbt;

// Validity rules beyond the shared vectors (BIP370 v2 fields, BIP371 tap fields, preimages,
// locktime determination), each rejected with a message naming map, index and rule.
public class PsbtRuleTests
{
    private static readonly Transaction Spend = new(2,
        [new TxIn(new OutPoint(TxId.FromBytes(Enumerable.Repeat((byte)7, 32).ToArray()), 1), Script.Empty, Sequence.Final, Witness.Empty)],
        [new TxOut(Amount.FromSatoshis(5000), new Script([0x51]))], LockTime.Zero);

    private static string WithInputEntry(PsbtT psbt, string keyHex, string valueHex)
    {
        // Rebuild the bytes with an extra raw input entry, bypassing the Updater's checks.
        var entry = Hex.Parse(keyHex);
        var w = new BitcoinWriter();
        w.WriteBytes(PsbtT.Parse(psbt.ToBytes()).ToBytes().AsSpan(0, 5));
        foreach (var e in psbt.GlobalMap.Entries)
        {
            w.WriteVarBytes(e.Key);
            w.WriteVarBytes(e.Value);
        }

        w.WriteUInt8(0);
        foreach (var e in psbt.Inputs[0].Map.Entries)
        {
            w.WriteVarBytes(e.Key);
            w.WriteVarBytes(e.Value);
        }

        w.WriteVarBytes(entry);
        w.WriteVarBytes(Hex.Parse(valueHex));
        w.WriteUInt8(0);
        foreach (var o in psbt.Outputs)
        {
            foreach (var e in o.Map.Entries)
            {
                w.WriteVarBytes(e.Key);
                w.WriteVarBytes(e.Value);
            }

            w.WriteUInt8(0);
        }

        return Hex.Encode(w.WrittenSpan);
    }

    private static string Error(string hex)
    {
        Assert.False(PsbtT.TryParse(hex, out _, out var error));
        return error.Message;
    }

    private static readonly string Key = Hex.Encode(SecretKey.Create(Enumerable.Repeat((byte)3, 32).ToArray()).PublicKey.ToCompressed());
    private static readonly string XOnly = Key[2..];

    [Theory]
    [InlineData(false, "0e", "0707070707070707070707070707070707070707070707070707070707070707", "psbt: input 0 previous_txid is not allowed in version 0 (BIP370)")]
    [InlineData(true, "11", "00000000", "psbt: input 0 required_time_locktime must be at least 500000000")]
    [InlineData(true, "12", "0065cd1d", "psbt: input 0 required_height_locktime must be between 1 and 499999999")]
    [InlineData(false, "0b0000000000000000000000000000000000000000000000000000000000000000", "01", "psbt: input 0 sha256 preimage does not match its hash")]
    [InlineData(false, "0a00", "01", "psbt: input 0 ripemd160 key must hold a 20-byte hash")]
    [InlineData(false, "13", "00", "psbt: input 0 tap_key_sig value must be a 64 or 65 byte signature")]
    [InlineData(false, "17", "00", "psbt: input 0 tap_internal_key value must be a valid 32-byte x-only public key")]
    [InlineData(false, "18", "0000", "psbt: input 0 tap_merkle_root value must be 32 bytes")]
    [InlineData(false, "15c0", "51c0", "psbt: input 0 tap_leaf_script key must hold a control block of 33 + 32m bytes (m <= 128)")]
    [InlineData(false, "0302", "01000000", "psbt: input 0 sighash_type key must be exactly 1 byte")]
    [InlineData(false, "02" + "02" + "0000000000000000000000000000000000000000000000000000000000000000", "300602010102010101", "psbt: input 0 partial_sig key must hold a valid 33 or 65 byte public key")]
    public void Input_field_rules(bool v2, string keyHex, string valueHex, string expected)
    {
        var psbt = v2 ? PsbtT.CreateV2(Spend) : PsbtT.Create(Spend);
        Assert.Equal(expected, Error(WithInputEntry(psbt, keyHex, valueHex)));
    }

    [Fact]
    public void Partial_sig_must_be_strict_der_with_a_defined_sighash()
    {
        var psbt = PsbtT.Create(Spend);
        Assert.Equal("psbt: input 0 partial_sig value is not a strict DER signature with a defined sighash type",
            Error(WithInputEntry(psbt, "02" + Key, "3006020101020101" + "04")));
        Assert.True(PsbtT.TryParse(WithInputEntry(psbt, "02" + Key, "3006020101020101" + "81"), out _, out var error), error?.Message);
    }

    [Fact]
    public void Tap_script_sig_and_leaf_script_rules()
    {
        var psbt = PsbtT.Create(Spend);
        var leafHash = new string('a', 64);
        Assert.Equal("psbt: input 0 tap_script_sig value is a 65-byte signature with explicit SIGHASH_DEFAULT",
            Error(WithInputEntry(psbt, "14" + XOnly + leafHash, new string('1', 128) + "00")));
        Assert.Equal("psbt: input 0 tap_leaf_script leaf version does not match the control block",
            Error(WithInputEntry(psbt, "15c0" + XOnly, "51c2")));
        Assert.True(PsbtT.TryParse(WithInputEntry(psbt, "15c1" + XOnly, "51c0"), out _, out var error), error?.Message);
    }

    [Fact]
    public void Non_witness_utxo_must_match_the_outpoint()
    {
        var prev = new Transaction(2, [new TxIn(OutPoint.Null, Script.Empty, Sequence.Final, Witness.Empty)], [new TxOut(Amount.FromSatoshis(1), Script.Empty)], LockTime.Zero);
        var error = Error(WithInputEntry(PsbtT.Create(Spend), "00", prev.ToHex()));
        Assert.StartsWith("psbt: input 0 non_witness_utxo txid " + prev.GetTxId() + " does not match the spent outpoint", error, StringComparison.Ordinal);
        var ex = Assert.Throws<ArgumentException>(() => PsbtT.Create(Spend).WithNonWitnessUtxo(0, prev));
        Assert.Contains("does not match the spent outpoint", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_keys_name_the_map_and_key()
    {
        var psbt = PsbtT.Create(Spend).WithSighashType(0, new SigHashType(1));
        Assert.Equal("psbt: input 0 has duplicate key 03 (sighash_type)", Error(WithInputEntry(psbt, "03", "01000000")));
    }

    [Fact]
    public void Output_tap_tree_must_be_complete_and_well_formed()
    {
        var psbt = PsbtT.Create(Spend);
        Assert.Throws<ArgumentException>(() => psbt.WithOutputTapTree(0, [new PsbtTapLeaf(1, 0xc0, new Script([0x51]))]));
        Assert.Throws<ArgumentException>(() => psbt.WithOutputTapTree(0, [new PsbtTapLeaf(0, 0xc1, new Script([0x51]))]));
        Assert.Throws<ArgumentException>(() => psbt.WithOutputTapTree(0,
            [new PsbtTapLeaf(2, 0xc0, new Script([0x51])), new PsbtTapLeaf(1, 0xc0, new Script([0x52])), new PsbtTapLeaf(2, 0xc0, new Script([0x53]))]));
        var ok = psbt.WithOutputTapTree(0,
            [new PsbtTapLeaf(1, 0xc0, new Script([0x51])), new PsbtTapLeaf(2, 0xc0, new Script([0x52])), new PsbtTapLeaf(2, 0xc0, new Script([0x53]))]);
        Assert.Equal([1, 2, 2], PsbtT.Parse(ok.ToBytes()).Outputs[0].TapTree!.Select(l => l.Depth));
    }

    [Fact]
    public void Version_rules()
    {
        var v0 = PsbtT.Create(Spend);
        var v2 = PsbtT.CreateV2(Spend);
        Assert.Equal(2, v2.Version);
        Assert.Equal(Spend.GetTxId(), v2.GetUnsignedTxId());
        Assert.Equal(v0.ToHex(), v2.ToVersion0().ToHex());
        Assert.Equal(v2.ToHex(), v0.ToVersion2().ToHex());

        // BIP370: v0 forbids v2 globals, v2 forbids the unsigned tx and needs its counts; versions 1 and 3+ are unknown.
        Assert.Equal("psbt: global version 1 is not supported (only 0 and 2)", Error(v0.ToHex().Replace("70736274ff", "70736274ff01fb0401000000", StringComparison.Ordinal)));
        Assert.Equal("psbt: global tx_version is not allowed in version 0 (BIP370)", Error(v0.ToHex().Replace("70736274ff", "70736274ff01020402000000", StringComparison.Ordinal)));
        var txBytes = Spend.ToBytes(includeWitness: false);
        var withTx = "70736274ff0100" + Hex.Encode([(byte)txBytes.Length]) + Hex.Encode(txBytes) + v2.ToHex()[10..];
        Assert.Equal("psbt: global unsigned_tx is not allowed in version 2 (BIP370)", Error(withTx));
        var noCount = v2.ToHex().Replace("01040101", "", StringComparison.Ordinal);
        Assert.Equal("psbt: global input_count is required in version 2", Error(noCount));
    }

    [Fact]
    public void Output_values_outside_money_range_are_kept_as_serialized()
    {
        // Fuzz finding: the wire nValue is a signed 64-bit integer and Core's PSBT decoder keeps any value, so the
        // unsigned transaction, version conversion and combine must carry it through instead of throwing from Amount.
        foreach (var raw in new[] { -1L, Amount.MaxSatoshis + 1, long.MinValue })
        {
            var spend = Spend.WithOutputs([TxOut.FromRawValue(raw, new Script([0x51]))]);
            var v0 = PsbtT.Parse(PsbtT.Create(spend).ToBytes());
            var v2 = PsbtT.Parse(v0.ToVersion2().ToBytes());
            Assert.Equal(raw, v2.Outputs[0].TxOut.RawValue);
            Assert.True(v2.TryGetUnsignedTransaction(out var tx, out _));
            Assert.Equal(spend.GetTxId(), tx.GetTxId());
            Assert.Equal(v0.ToHex(), v2.ToVersion0().ToHex());
            Assert.True(PsbtT.TryCombine([v2, v2], out _, out _));
            Assert.Null(v2.Fee);
            Assert.Throws<InvalidOperationException>(() => v2.Outputs[0].Amount);
        }
    }

    [Fact]
    public void V2_lock_time_is_determined_by_bip370()
    {
        var two = new Transaction(2,
            [Spend.Inputs[0], Spend.Inputs[0] with { PrevOut = new OutPoint(Spend.Inputs[0].PrevOut.TxId, 2) }],
            Spend.Outputs, new LockTime(42));
        var psbt = PsbtT.CreateV2(two);
        Assert.Equal(42u, psbt.GetUnsignedTransaction().LockTime.Value);

        PsbtT Req(PsbtT p, int input, ulong type, uint value) =>
            p.WithEntry(PsbtMapKind.Input, input, PsbtEntry.Create(type, default, BitConverter.GetBytes(value)));

        // Height chosen when every input allows it, even if time is possible too.
        var both = Req(Req(Req(psbt, 0, PsbtKeys.InRequiredHeightLockTime, 100), 0, PsbtKeys.InRequiredTimeLockTime, 500_000_100), 1, PsbtKeys.InRequiredHeightLockTime, 200);
        Assert.Equal(200u, both.GetUnsignedTransaction().LockTime.Value);
        var time = Req(Req(psbt, 0, PsbtKeys.InRequiredTimeLockTime, 500_000_100), 1, PsbtKeys.InRequiredTimeLockTime, 500_000_900);
        Assert.Equal(500_000_900u, time.GetUnsignedTransaction().LockTime.Value);
        var conflict = Req(Req(psbt, 0, PsbtKeys.InRequiredTimeLockTime, 500_000_100), 1, PsbtKeys.InRequiredHeightLockTime, 10);
        Assert.False(conflict.TryGetUnsignedTransaction(out _, out var error));
        Assert.Equal("psbt: inputs require both time and height lock times, so no lock time satisfies them all", error?.Message);
    }
}
