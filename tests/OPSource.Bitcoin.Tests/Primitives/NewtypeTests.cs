using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Bitcoin.Tests.Primitives;

/// <summary>The typed values: output amounts vs raw nValue, hash types, block and sighash hashes.</summary>
public class NewtypeTests
{
    [Theory]
    [InlineData(-1L, "bad-txns-vout-negative")]
    [InlineData(long.MinValue, "bad-txns-vout-negative")]
    [InlineData(Amount.MaxSatoshis + 1, "bad-txns-vout-toolarge")]
    [InlineData(long.MaxValue, "bad-txns-vout-toolarge")]
    public void Out_of_range_values_decode_round_trip_and_are_rejected_with_cores_reason(long nValue, string reason)
    {
        var tx = new Transaction(2, [new TxIn(new OutPoint(new TxId(new UInt256(new byte[32])), 0))], [TxOut.FromRawValue(nValue, Script.FromHex("51"))], LockTime.Zero);
        var parsed = Transaction.Parse(tx.ToBytes());
        Assert.Equal(tx.ToHex(), parsed.ToHex());
        var output = parsed.Outputs[0];
        Assert.Equal(nValue, output.RawValue);
        Assert.False(output.HasValidValue);
        Assert.Throws<InvalidOperationException>(() => output.Value);
        Assert.Throws<InvalidOperationException>(() => parsed.TotalOutput);
        Assert.False(TransactionChecks.CheckTransaction(parsed, out var rejected));
        Assert.Equal(reason, rejected);
    }

    [Fact]
    public void Built_outputs_carry_a_checked_amount()
    {
        var output = new TxOut(Amount.FromSatoshis(5000), Script.FromHex("51"));
        Assert.True(output.HasValidValue);
        Assert.Equal(5000, output.RawValue);
        Assert.Equal(Amount.FromSatoshis(7000), (output with { Value = Amount.FromSatoshis(7000) }).Value);
        Assert.Equal(output, TxOut.FromRawValue(5000, Script.FromHex("51")));
        Assert.Equal(-1, TxOut.Null.RawValue);
        Assert.Equal("ffffffffffffffff00", Hex.Encode(ConsensusEncoding.ToBytes(TxOut.Null)));
    }

    [Fact]
    public void Sighash_types_name_parse_and_classify_like_core()
    {
        Assert.Equal(SigHashType.AllAnyoneCanPay, SigHashType.All | SigHashType.AnyoneCanPay);
        Assert.Equal("ALL|ANYONECANPAY", SigHashType.AllAnyoneCanPay.ToString());
        Assert.Equal("DEFAULT", SigHashType.Default.ToString());
        Assert.Equal("0x41", new SigHashType(0x41).ToString());
        foreach (var name in new[] { "DEFAULT", "ALL", "NONE", "SINGLE", "ALL|ANYONECANPAY", "NONE|ANYONECANPAY", "SINGLE|ANYONECANPAY" })
        {
            Assert.Equal(name, SigHashType.Parse(name).ToString());
        }

        Assert.False(SigHashType.TryParse("all", out _));
        Assert.Throws<BitcoinFormatException>(() => SigHashType.Parse("ANYONECANPAY"));
        Assert.True(SigHashType.SingleAnyoneCanPay.IsValidTaproot);
        Assert.False(SigHashType.AnyoneCanPay.IsValidTaproot);
        Assert.False(new SigHashType(4).IsValidTaproot);
        Assert.True(new SigHashType(0x41).IsDefinedEcdsa == false && SigHashType.NoneAnyoneCanPay.IsDefinedEcdsa);
        Assert.Equal(SigHashType.Single, new SigHashType(0x43).BaseType);
        Assert.Equal(SigHashType.All, SigHashType.Default.TaprootOutputType);
        Assert.Equal(0x83, SigHashType.SingleAnyoneCanPay.ToByte());
    }

    [Fact]
    public void Block_hashes_display_reversed_and_parse_back()
    {
        var genesis = Network.Mainnet.GenesisBlockHash;
        Assert.Equal("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", genesis.ToString());
        Assert.Equal(genesis, BlockHash.Parse(genesis.ToString()));
        Assert.False(BlockHash.TryParse("00", out _));
    }

    [Fact]
    public void Taproot_key_path_sighash_is_one_call_and_refuses_undefined_types()
    {
        var spent = new[] { new TxOut(Amount.FromSatoshis(1000), StandardScripts.PayToTaproot(new byte[32])) };
        var tx = new Transaction(2, [new TxIn(new OutPoint(new TxId(new UInt256(new byte[32])), 1))], [new TxOut(Amount.FromSatoshis(900), Script.FromHex("51"))], LockTime.Zero);
        var data = new PrecomputedTransactionData(tx, spent);
        var simple = SignatureHash.TaprootKeySpend(data, 0);
        Assert.True(SignatureHash.TryTaproot(data, 0, SigHashType.Default, null, default, out var general));
        Assert.Equal(simple, general);
        Assert.NotEqual(simple, SignatureHash.TaprootKeySpend(data, 0, SigHashType.All));
        Assert.Throws<ArgumentException>(() => SignatureHash.TaprootKeySpend(data, 0, new SigHashType(0x04)));
        Assert.Throws<ArgumentException>(() => SignatureHash.TaprootKeySpend(new PrecomputedTransactionData(tx), 0));
    }
}
