using OPSource.Bitcoin.Consensus;

namespace OPSource.Bitcoin.Tests.Consensus;

public class ScriptFlagAndErrorNameTests
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
        Assert.Contains("BOGUS", error?.Message, StringComparison.Ordinal);
        Assert.Throws<BitcoinFormatException>(() => ScriptFlags.Parse("p2sh"));
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
