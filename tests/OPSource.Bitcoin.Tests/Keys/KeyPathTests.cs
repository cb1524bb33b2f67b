using CsCheck;
using OPSource.Bitcoin.Descriptors;
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
        Assert.True(KeyPath.TryParse(text, out var path, out var error), error?.Message);
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
        Assert.Contains(expected, error?.Message);
        Assert.Throws<BitcoinFormatException>(() => KeyPath.Parse(text));
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
        Assert.StartsWith("key origin: ", error?.Message);
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("7'", true)]
    [InlineData("7h", true)]
    [InlineData("2147483647h", true)]
    [InlineData("2147483648", false)]
    [InlineData("99999999999", false)]
    [InlineData("", false)]
    [InlineData("x", false)]
    [InlineData("1''", false)]
    [InlineData("-1", false)]
    [InlineData("*", false)]
    [InlineData("<0;1>", false)]
    public void Keypath_and_descriptor_key_origin_share_one_step_grammar(string step, bool valid)
    {
        // One step parser (KeyPathSyntax) behind both: the same step is accepted or refused by both,
        // and an accepted one yields the same index.
        const string key = "03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd";
        var keyPathOk = KeyPath.TryParse("m/" + step, out var path, out var keyPathError);
        var descriptorOk = Descriptor.TryParse($"pk([d34db33f/{step}]{key})", out var d, out var descriptorError);
        Assert.Equal(valid, keyPathOk);
        Assert.Equal(valid, descriptorOk);
        if (valid)
        {
            Assert.Equal(path!.Indexes, d!.Keys[0].Origin!.KeyPath.Indexes);
        }
        else
        {
            Assert.StartsWith("keypath: step 1", keyPathError?.Message, StringComparison.Ordinal);
            Assert.StartsWith("descriptor: pk()", descriptorError?.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Upper_case_h_is_a_keypath_marker_but_not_a_descriptor_one()
    {
        // BIP380 allows only ' and h in descriptors; plain BIP32 paths also accept H.
        Assert.Equal(KeyPath.Parse("m/1'"), KeyPath.Parse("m/1H"));
        Assert.False(Descriptor.TryParse("pk([d34db33f/1H]03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)", out _, out var error));
        Assert.Contains("'1H' is not a number", error?.Message, StringComparison.Ordinal);
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
