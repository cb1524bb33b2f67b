using CsCheck;
using OPSource.Bitcoin.Consensus;

namespace OPSource.Bitcoin.Tests.Consensus;

public class ScriptNumTests
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
        var encoded = new ScriptNum(value).Encode();
        Assert.Equal(hex, Convert.ToHexStringLower(encoded));
        Assert.True(ScriptNum.TryDecode(encoded, requireMinimal: true, maxSize: 5, out var back));
        Assert.Equal(value, back.Value);
    }

    [Theory]
    [InlineData("00")]
    [InlineData("80")]
    [InlineData("0100")]
    [InlineData("ff0080")]
    public void Rejects_non_minimal_encodings_only_when_asked(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        Assert.False(ScriptNum.TryDecode(bytes, requireMinimal: true, maxSize: 4, out _));
        Assert.True(ScriptNum.TryDecode(bytes, requireMinimal: false, maxSize: 4, out _));
    }

    [Fact]
    public void Negative_zero_decodes_to_zero_and_long_inputs_overflow()
    {
        Assert.True(ScriptNum.TryDecode([0x00, 0x80], false, 4, out var negZero));
        Assert.Equal(0, negZero.Value);
        Assert.False(ScriptNum.TryDecode([1, 2, 3, 4, 5], false, 4, out _));
        Assert.True(ScriptNum.TryDecode([1, 2, 3, 4, 5], false, 5, out var five));
        Assert.Equal(0x0504030201L, five.Value);
    }

    [Fact]
    public void Clamps_to_int32_like_core_getint()
    {
        Assert.Equal(int.MaxValue, new ScriptNum(1L << 40).ToInt32Clamped());
        Assert.Equal(int.MinValue, new ScriptNum(-(1L << 40)).ToInt32Clamped());
    }

    [Fact]
    public void Every_five_byte_value_round_trips()
    {
        Gen.Long[-(1L << 39) + 1, (1L << 39) - 1].Sample(v =>
        {
            var bytes = new ScriptNum(v).Encode();
            return bytes.Length <= 5 && ScriptNum.IsMinimallyEncoded(bytes)
                && ScriptNum.TryDecode(bytes, true, 5, out var back) && back.Value == v;
        });
    }
}

public class ScriptFlagsTests
{
    [Fact]
    public void Parses_and_formats_core_flag_names()
    {
        var flags = ScriptFlags.Parse("P2SH,STRICTENC, WITNESS");
        Assert.Equal(ScriptVerifyFlags.P2SH | ScriptVerifyFlags.STRICTENC | ScriptVerifyFlags.WITNESS, flags);
        Assert.Equal("P2SH,STRICTENC,WITNESS", ScriptFlags.Format(flags));
        Assert.Equal(ScriptVerifyFlags.NONE, ScriptFlags.Parse(""));
        Assert.Equal(ScriptVerifyFlags.NONE, ScriptFlags.Parse("NONE"));
        Assert.Equal("", ScriptFlags.Format(ScriptVerifyFlags.NONE));
    }

    [Fact]
    public void Unknown_flag_names_are_reported()
    {
        Assert.False(ScriptFlags.TryParse("P2SH,BOGUS", out _, out var error));
        Assert.Contains("BOGUS", error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => ScriptFlags.Parse("p2sh"));
    }

    [Fact]
    public void Core_bit_positions_and_policy_sets()
    {
        Assert.Equal(1u << 11, (uint)ScriptVerifyFlags.WITNESS);
        Assert.Equal(1u << 17, (uint)ScriptVerifyFlags.TAPROOT);
        Assert.Equal(1u << 20, (uint)ScriptVerifyFlags.DISCOURAGE_UPGRADABLE_PUBKEYTYPE);
        Assert.Equal(ScriptFlags.Mandatory, ScriptFlags.Standard & ScriptFlags.Mandatory);
        Assert.Equal(0u, (uint)(ScriptFlags.Standard & ScriptVerifyFlags.SIGPUSHONLY));
        Assert.Equal(ScriptFlags.All, ScriptFlags.Parse(ScriptFlags.Format(ScriptFlags.All)));
    }

    [Fact]
    public void Error_names_round_trip()
    {
        foreach (var error in ScriptErrors.Values)
        {
            Assert.Equal(error, ScriptErrors.Parse(ScriptErrors.Name(error)));
        }

        Assert.Equal("NULLFAIL", ScriptErrors.Name(ScriptError.NULLFAIL));
        Assert.False(ScriptErrors.TryParse("NOPE", out _));
    }
}
