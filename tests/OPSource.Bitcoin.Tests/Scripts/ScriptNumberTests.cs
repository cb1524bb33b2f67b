using CsCheck;
using OPSource.Bitcoin.Scripts;

namespace OPSource.Bitcoin.Tests.Scripts;

public class ScriptNumberTests
{
    [Theory]
    [InlineData(0L, "")]
    [InlineData(1L, "01")]
    [InlineData(-1L, "81")]
    [InlineData(127L, "7f")]
    [InlineData(128L, "8000")]
    [InlineData(-128L, "8080")]
    [InlineData(255L, "ff00")]
    [InlineData(256L, "0001")]
    [InlineData(-255L, "ff80")]
    [InlineData(2147483647L, "ffffff7f")]
    [InlineData(-2147483647L, "ffffffff")]
    [InlineData(2147483648L, "0000008000")]
    [InlineData(-2147483648L, "0000008080")]
    public void Encodes_minimally_and_round_trips(long value, string hex)
    {
        var encoded = new ScriptNumber(value).Encode();
        Assert.Equal(hex, Convert.ToHexStringLower(encoded));
        Assert.True(ScriptNumber.TryDecode(encoded, requireMinimal: true, maxSize: 5, out long back));
        Assert.Equal(value, back);
    }

    [Theory]
    [InlineData("00")]
    [InlineData("80")]
    [InlineData("0100")]
    [InlineData("ff0080")]
    public void Rejects_non_minimal_encodings_only_when_asked(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        Assert.False(ScriptNumber.TryDecode(bytes, requireMinimal: true, maxSize: 4, out _));
        Assert.True(ScriptNumber.TryDecode(bytes, requireMinimal: false, maxSize: 4, out _));
    }

    [Fact]
    public void Negative_zero_decodes_to_zero_and_long_inputs_overflow()
    {
        Assert.True(ScriptNumber.TryDecode([0x00, 0x80], false, 4, out long negZero));
        Assert.Equal(0, negZero);
        Assert.False(ScriptNumber.TryDecode([1, 2, 3, 4, 5], false, 4, out _));
        Assert.True(ScriptNumber.TryDecode([1, 2, 3, 4, 5], false, 5, out long five));
        Assert.Equal(0x0504030201L, five);
    }

    [Fact]
    public void Clamps_to_int32_like_core_getint()
    {
        Assert.Equal(int.MaxValue, new ScriptNumber(1L << 40).ToInt32Clamped());
        Assert.Equal(int.MinValue, new ScriptNumber(-(1L << 40)).ToInt32Clamped());
    }

    [Fact]
    public void Every_five_byte_value_round_trips()
    {
        Gen.Long[-(1L << 39) + 1, (1L << 39) - 1].Sample(v =>
        {
            var bytes = new ScriptNumber(v).Encode();
            return bytes.Length <= 5 && ScriptNumber.IsMinimallyEncoded(bytes)
                && ScriptNumber.TryDecode(bytes, true, 5, out long back) && back == v;
        });
    }
}

public class ScriptFlagsTests
{
    [Fact]
    public void Encodes_like_CScriptNum_over_the_full_64_bit_range()
    {
        Assert.Empty(ScriptNumber.Encode(0));
        Assert.Equal([0xff, 0x00], ScriptNumber.Encode(255));
        Assert.Equal([0x80, 0x80], ScriptNumber.Encode(-128));
        Assert.Equal([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], ScriptNumber.Encode(long.MinValue + 1));
        Assert.Equal([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], ScriptNumber.Encode(long.MaxValue));
        Assert.Equal([0x80, 0x00], ScriptNumber.Encode(128));
        Assert.False(ScriptNumber.TryDecode([0x00], true, 4, out _));
        Assert.True(ScriptNumber.TryDecode([0x00], false, 4, out var z) && z == 0);
        Assert.True(ScriptNumber.TryDecode([0xff, 0x80], true, 4, out var m) && m == -255);
        Assert.False(ScriptNumber.TryDecode([1, 2, 3, 4, 5], true, 4, out _));
        Gen.Long[-0x7fffffffffffffff, long.MaxValue].Sample(n =>
            ScriptNumber.TryDecode(ScriptNumber.Encode(n), true, 9, out var back) && back == n || ScriptNumber.Encode(n).Length == 9);
        Gen.Long[-0xffffffff, 0xffffffff].Sample(n => ScriptNumber.DecodeUnchecked(ScriptNumber.Encode(n)) == n);
    }
}
