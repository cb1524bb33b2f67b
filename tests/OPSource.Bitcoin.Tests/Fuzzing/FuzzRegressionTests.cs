using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using PsbtT = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Bitcoin.Tests.Fuzzing;

/// <summary>
/// Inputs the fuzz targets (fuzz/OPSource.Fuzz, docs/fuzzing.md) found, fixed, and kept here so
/// they stay fixed. Each names its target; the lone-surrogate BIP39 crash is in Encoding/UnicodeTextTests.
/// </summary>
public class FuzzRegressionTests
{
    // psbt-v0: BIP174's "unknown types in the inputs" vector with key type 0xf0 mutated to 0x0f.
    // In v0 that key (with key data) is unknown and kept; v2 defines 0x0f as PSBT_IN_OUTPUT_INDEX,
    // so ToVersion2 produced a PSBT that does not parse. It now refuses with a clear message.
    private const string V0WithV2KeyType =
        "70736274ff01003f0200000001ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff0000000000ffffffff010000000000000000036a0100000000000a0f0102030405060708090f0102030405060708090a0b0c0d0e0f000a0f0102030405060708090f0102030405060708090a0b0c0d0e0f000a0f0102030405060708090f0102030405060708090a0b0c0d0e0f00";

    [Fact]
    public void ToVersion2_refuses_a_v0_unknown_key_whose_type_v2_defines()
    {
        Assert.True(PsbtT.TryParse(Convert.FromHexString(V0WithV2KeyType), out var psbt, out var error), error?.Message);
        Assert.Equal(0, psbt.Version);
        var ex = Assert.Throws<InvalidOperationException>(psbt.ToVersion2);
        Assert.Equal("psbt: cannot convert to version 2: input 0 has an unknown key of type 0x0f, which version 2 defines as output_index", ex.Message);
    }

    // script-asm: a 9-byte push of digits only ("000000000000000010") printed by ToAsm read back as
    // the decimal 10. In ASM, decimals are CScriptNum values of at most 4 bytes (no leading zeros).
    [Theory]
    [InlineData("0x09 0x000000000000000010", "000000000000000010")]
    [InlineData("0x05 0x1234567890", "1234567890")] // ambiguous in Core's ASM: reads back as the number, which prints the same
    [InlineData("0x05 0x4294967295", "4294967295")] // above 2^31 - 1: only a push prints like this
    public void Asm_digit_strings_round_trip(string parseScript, string asm)
    {
        var script = ScriptAsm.Parse(parseScript);
        Assert.Equal(asm, ScriptAsm.ToAsm(script));
        Assert.True(ScriptAsm.TryParseAsm(asm, out var again, out var error), error?.Message);
        Assert.Equal(asm, ScriptAsm.ToAsm(again));
    }

    // transaction: a parsed transaction whose output values sum past 2^63: TotalOutput overflowed with OverflowException. Core's GetValueOut is defined
    // only within MoneyRange; TryGetTotalOutput says so without throwing.
    private const string OverflowingOutputs =
        "01000000010000000000000000000000ffffffff0d038bc400fe02062f503853482ff2ffffff01a078072a0121000023de02971dd6034ed0cf52450b608d196c07d6345184000002000000000e000000000100000000640000000000000000000000000000000000e000ffff0000";

    [Fact]
    public void TotalOutput_of_out_of_range_values_is_refused_not_overflowed()
    {
        var tx = Transaction.Parse(Convert.FromHexString(OverflowingOutputs));
        Assert.False(tx.TryGetTotalOutput(out _));
        var ex = Assert.Throws<InvalidOperationException>(() => tx.TotalOutput);
        Assert.StartsWith("transaction: an output value or the total is outside", ex.Message, StringComparison.Ordinal);
        Assert.False(OPSource.Bitcoin.Consensus.TransactionChecks.CheckTransaction(tx, out _));
    }

    [Fact]
    public void TotalOutput_sums_in_range_values()
    {
        var spk = Script.Empty;
        var tx = new Transaction(2, [new TxIn(new OutPoint(TxId.Zero, 0))],
            [new TxOut(Amount.FromSatoshis(1), spk), new TxOut(Amount.MaxMoney - Amount.FromSatoshis(1), spk)], LockTime.Zero);
        Assert.True(tx.TryGetTotalOutput(out var total));
        Assert.Equal(Amount.MaxMoney, total);
        Assert.Equal(Amount.MaxMoney, tx.TotalOutput);
        var over = tx.WithOutputs([.. tx.Outputs, new TxOut(Amount.FromSatoshis(1), spk)]);
        Assert.False(over.TryGetTotalOutput(out _));
    }
}
