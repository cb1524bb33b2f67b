using CsCheck;
using OPSource.Bitcoin.Keys;

namespace OPSource.Bitcoin.Tests.Keys;

public class KeyPathTests
{
    [Theory]
    [InlineData("m", "m")]
    [InlineData("m/0", "m/0")]
    [InlineData("m/84'/0'/0'/0/5", "m/84'/0'/0'/0/5")]
    [InlineData("m/84h/0h/0h/0/5", "m/84'/0'/0'/0/5")]
    [InlineData("m/84H/0H/0H/1/2147483647", "m/84'/0'/0'/1/2147483647")]
    [InlineData("44'/1'", "m/44'/1'")]
    [InlineData("m/2147483647'", "m/2147483647'")]
    public void Parses_and_formats(string text, string expected)
    {
        Assert.True(KeyPath.TryParse(text, out var path, out var error), error);
        Assert.Equal(expected, path.ToString());
        Assert.Equal(path, KeyPath.Parse(path.ToString()));
    }

    [Fact]
    public void Indexes_carry_the_hardened_bit()
    {
        var path = KeyPath.Parse("m/84'/0'/0'/0/5");
        Assert.Equal(new uint[] { 0x80000054, 0x80000000, 0x80000000, 0, 5 }, path.Indexes);
        Assert.True(path.HasHardenedStep);
        Assert.Equal(5u, path.LastIndex);
        Assert.Equal("m/84'/0'/0'/0", path.Parent.ToString());
        Assert.Equal("84h/0h/0h/0/5", path.ToString(false, 'h'));
        Assert.Equal(path, KeyPath.Parse("m/84'/0'").Derive(KeyPath.Parse("0'/0/5")));
        Assert.Equal(path, KeyPath.Parse("m/84'/0'/0'/0").Derive(5));
        Assert.Equal(KeyPath.Parse("m/1'"), KeyPath.Root.Derive(1, hardened: true));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("m/", "step 1")]
    [InlineData("m/x", "step 1")]
    [InlineData("m/1//2", "step 2")]
    [InlineData("m/-1", "step 1")]
    [InlineData("m/2147483648", "out of range")]
    [InlineData("m/2147483648'", "out of range")]
    [InlineData("m/4294967296", "out of range")]
    [InlineData("m/99999999999999999999", "out of range")]
    [InlineData("m/1''", "step 1")]
    [InlineData("m/ 1", "step 1")]
    [InlineData("m/0/m", "step 2")]
    public void Rejects_bad_paths(string text, string expected)
    {
        Assert.False(KeyPath.TryParse(text, out _, out var error));
        Assert.Contains(expected, error);
        Assert.Throws<FormatException>(() => KeyPath.Parse(text));
    }

    [Theory]
    [InlineData("[d34db33f/84'/0'/0']", "d34db33f/84'/0'/0'")]
    [InlineData("d34db33f/44h/1h", "d34db33f/44'/1'")]
    [InlineData("[D34DB33F]", "d34db33f")]
    public void Parses_rooted_paths(string text, string expected)
    {
        var origin = RootedKeyPath.Parse(text);
        Assert.Equal(expected, origin.ToString());
        Assert.Equal(0xd34db33fu, origin.MasterFingerprint.Value);
        Assert.Equal(origin, RootedKeyPath.Parse(origin.ToString()));
        Assert.Equal(origin, RootedKeyPath.Parse(origin.ToDescriptorString()));
        Assert.Equal("[" + expected + "]", origin.ToDescriptorString());
    }

    [Theory]
    [InlineData("[d34db33f/84'")]
    [InlineData("d34db3/84'")]
    [InlineData("d34db33g/84'")]
    [InlineData("d34db33f/")]
    [InlineData("d34db33f/m/1")]
    [InlineData("")]
    public void Rejects_bad_rooted_paths(string text)
    {
        Assert.False(RootedKeyPath.TryParse(text, out _, out var error));
        Assert.StartsWith("key origin: ", error);
    }

    [Fact]
    public void Random_strings_never_crash()
    {
        Gen.String.Sample(s =>
        {
            _ = KeyPath.TryParse(s, out _, out _);
            _ = RootedKeyPath.TryParse(s, out _, out _);
        }, iter: 1000);
    }

    [Fact]
    public void Property_format_parse_round_trip()
    {
        Gen.UInt.Array[0, 10].Sample(indexes =>
        {
            var path = new KeyPath(indexes);
            Assert.Equal(path, KeyPath.Parse(path.ToString()));
            Assert.Equal(path, KeyPath.Parse(path.ToString(true, 'h')));
        }, iter: 300);
    }
}
