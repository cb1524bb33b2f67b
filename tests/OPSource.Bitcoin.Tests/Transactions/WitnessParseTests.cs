using CsCheck;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Bitcoin.Tests.Transactions;

// Witness.TryParse is the one stack reader behind PSBT_IN_FINAL_SCRIPTWITNESS, BIP322 full
// signatures and (through Witness.TryRead) the transaction parser.
public class WitnessParseTests
{
    [Fact]
    public void Round_trips_and_requires_the_data_to_be_filled_exactly()
    {
        var witness = Witness.FromHex("", "01", "30440220aa");
        var w = new BitcoinWriter();
        witness.WriteTo(w);
        var bytes = w.ToArray();
        Assert.Equal("0300" + "0101" + "0530440220aa", Hex.Encode(bytes));

        Assert.True(Witness.TryParse(bytes, out var parsed));
        Assert.Equal(witness, parsed);
        Assert.Equal(witness, Witness.Parse(bytes));
        Assert.True(Witness.TryParse([0x00], out var empty));
        Assert.True(empty.IsEmpty);

        Assert.False(Witness.TryParse([.. bytes, 0x00], out _)); // trailing byte
        Assert.False(Witness.TryParse(bytes.AsSpan(0, bytes.Length - 1), out _)); // truncated item
        Assert.False(Witness.TryParse([0xfd, 0xff, 0xff], out _)); // count beyond the data
        Assert.False(Witness.TryParse([], out _));
        Assert.Throws<BitcoinFormatException>(() => Witness.Parse([0x02, 0x00]));
    }

    [Fact]
    public void Random_bytes_never_throw() =>
        Gen.Byte.Array[0, 64].Sample(data =>
        {
            if (Witness.TryParse(data, out var w))
            {
                Assert.Equal(data.Length, w.SerializedSize);
            }
        });
}
