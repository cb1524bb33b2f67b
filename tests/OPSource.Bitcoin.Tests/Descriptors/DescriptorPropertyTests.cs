using CsCheck;
using OPSource.Bitcoin.Descriptors;

namespace OPSource.Bitcoin.Tests.Descriptors;

public class DescriptorPropertyTests
{
    // Keys from the BIP380-390 vectors: compressed/uncompressed hex, x-only, WIF, xpub/xprv.
    private const string Compressed = "03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd";
    private const string Compressed2 = "0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600";
    private const string Uncompressed = "04a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd5b8dec5235a0fa8722476c7709c02559e3aa73aa03918ba2d492eea75abea235";
    private const string XOnly = "a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd";
    private const string WifC = "L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1";
    private const string Xpub = "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL";
    private const string Xprv = "xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS3xz7iAxn8L39njGVyuoseXzU6rcxFLJ8HFsTjSyQbLYnMpCqE2VbFWc";

    private static readonly Gen<string> Origin = Gen.OneOf(
        Gen.Const(string.Empty),
        Gen.Select(Gen.UInt, Gen.UInt[0, 0x7fffffff].Array[0, 3], Gen.Bool, (fp, path, apo) =>
            "[" + fp.ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + string.Concat(path.Select(p => "/" + (p % 1000) + (p % 2 == 0 ? (apo ? "'" : "h") : string.Empty))) + "]"));

    private static readonly Gen<string> ExtPath = Gen.Select(Gen.UInt[0, 100].Array[0, 3], Gen.Int[0, 3], (steps, range) =>
        string.Concat(steps.Select(s => "/" + s)) + range switch { 0 => string.Empty, 1 => "/*", 2 => "/*h", _ => "/<0;1>/*" });

    private static readonly Gen<string> CompressedKey = Gen.Select(Origin, Gen.OneOf(
        Gen.Const(Compressed), Gen.Const(Compressed2), Gen.Const(WifC),
        ExtPath.Select(p => Xpub + p.Replace("/*h", "/*", StringComparison.Ordinal)), ExtPath.Select(p => Xprv + p)), (o, k) => o + k);

    private static readonly Gen<string> LegacyKey = Gen.OneOf(CompressedKey, Origin.Select(o => o + Uncompressed));

    private static readonly Gen<string> TaprootKey = Gen.OneOf(CompressedKey, Origin.Select(o => o + XOnly));

    private static readonly Gen<string> Multi = Gen.Select(LegacyKey.Array[1, 3], Gen.Bool, (keys, sorted) =>
        $"{(sorted ? "sortedmulti" : "multi")}({keys.Length},{string.Join(',', keys)})");

    private static readonly Gen<string> Leaf = Gen.OneOf(
        TaprootKey.Select(k => $"pk({k})"),
        Gen.Select(TaprootKey.Array[1, 4], Gen.Bool, (keys, sorted) => $"{(sorted ? "sortedmulti_a" : "multi_a")}(1,{string.Join(',', keys)})"));

    private static readonly Gen<string> Tree = Gen.OneOf(Leaf, Gen.Select(Leaf, Leaf, (a, b) => "{" + a + "," + b + "}"), Gen.Select(Leaf, Leaf, Leaf, (a, b, c) => "{" + a + ",{" + b + "," + c + "}}"));

    private static readonly Gen<string> DescriptorText = Gen.OneOf(
        LegacyKey.Select(k => $"pk({k})"),
        LegacyKey.Select(k => $"pkh({k})"),
        CompressedKey.Select(k => $"wpkh({k})"),
        CompressedKey.Select(k => $"sh(wpkh({k}))"),
        LegacyKey.Select(k => $"combo({k})"),
        Multi,
        Multi.Select(m => $"sh({m})"),
        Multi.Where(m => !m.Contains(Uncompressed, StringComparison.Ordinal)).Select(m => $"wsh({m})"),
        CompressedKey.Select(k => $"sh(wsh(pkh({k})))"),
        TaprootKey.Select(k => $"tr({k})"),
        Gen.Select(TaprootKey, Tree, (k, t) => $"tr({k},{t})"),
        TaprootKey.Select(k => $"rawtr({k})"),
        Gen.Byte.Array[0, 40].Select(b => $"raw({Convert.ToHexStringLower(b)})"));

    [Fact]
    public void Parse_of_ToString_round_trips_generated_descriptors()
    {
        DescriptorText.Sample(text =>
        {
            Assert.True(Descriptor.TryParse(text, out var d, out var error), $"{text}: {error}");
            using (d)
            {
                // Private form round trips to an equal descriptor; the public form drops secrets and re-parses.
                var again = Descriptor.Parse(d.ToPrivateString());
                Assert.Equal(d, again);
                Assert.Equal(d.ToPrivateString(), again.ToPrivateString());
                var pub = Descriptor.Parse(d.ToString());
                Assert.False(pub.HasPrivateKeys);
                Assert.Equal(pub.ToString(), again.ToString());
                Assert.DoesNotContain(WifC, d.ToString(), StringComparison.Ordinal);
                Assert.DoesNotContain("xprv", d.ToString(), StringComparison.Ordinal);

                // Both forms derive the same scripts when no hardened step needs the private key.
                if (!d.HasHardenedDerivation)
                {
                    foreach (var single in d.Expand().Zip(pub.Expand()))
                    {
                        Assert.Equal(single.First.GetScriptPubKeys(3), single.Second.GetScriptPubKeys(3));
                    }
                }
            }
        }, iter: 300);
    }

    [Fact]
    public void Random_strings_never_crash_the_parser()
    {
        Gen.String.Sample(s => { _ = Descriptor.TryParse(s, out _, out _); }, iter: 3000);
    }

    [Fact]
    public void Mutated_descriptors_never_crash_the_parser()
    {
        // Flip, drop or insert one character of valid descriptors: parse must return a result or an error.
        const string alphabet = "()[],'/*h<>;{}#0123456789abcdefxpubL";
        Gen.Select(DescriptorText, Gen.Int[0, 1000], Gen.Int[0, 2], Gen.Int[0, alphabet.Length - 1], (text, pos, op, ch) =>
        {
            var p = pos % (text.Length + 1);
            return op switch
            {
                0 when p < text.Length => text.Remove(p, 1),
                1 => text.Insert(p, alphabet[ch].ToString()),
                _ when p < text.Length => text.Remove(p, 1).Insert(p, alphabet[ch].ToString()),
                _ => text,
            };
        }).Sample(text =>
        {
            if (Descriptor.TryParse(text, out var d, out var error))
            {
                using (d)
                {
                    _ = d.ToString();
                }
            }
            else
            {
                Assert.StartsWith("descriptor:", error?.Message, StringComparison.Ordinal);
            }
        }, iter: 2000);
    }

    [Theory]
    [InlineData("wpkh(" + Uncompressed + ")", "uncompressed")]
    [InlineData("pk(" + XOnly + ")", "x-only")]
    [InlineData("wsh(sh(pk(" + Compressed + ")))", "sh() is only allowed at top level")]
    [InlineData("multi(1," + Compressed + "," + Compressed + "," + Compressed + "," + Compressed + ")", "bare multisig")]
    [InlineData("tr(" + XOnly + ",multi(1," + Compressed + "))", "multi_a")]
    [InlineData("pk(" + Compressed + ")#abcdefgh", "checksum mismatch")]
    [InlineData("pkh(" + Xpub + "/0/*/1)", "'*' must be the last")]
    [InlineData("wpkh(" + Xpub + "/<0;0>)", "repeats an index")]
    public void Errors_name_the_rule(string text, string expected)
    {
        Assert.False(Descriptor.TryParse(text, out _, out var error));
        Assert.Contains(expected, error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_never_echo_private_keys()
    {
        Assert.False(Descriptor.TryParse(WifC, out _, out var e1));
        Assert.False(Descriptor.TryParse($"wpkh({WifC}/0)", out _, out var e2));
        Assert.False(Descriptor.TryParse($"sh({Xprv})", out _, out var e3));
        foreach (var e in new[] { e1, e2, e3 })
        {
            Assert.DoesNotContain(WifC[..12], e?.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Xprv[..12], e?.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Checksum_add_and_verify()
    {
        Assert.Equal("raw(deadbeef)#89f8spxm", DescriptorChecksum.Add("raw(deadbeef)"));
        Assert.Equal("raw(deadbeef)#89f8spxm", DescriptorChecksum.Add("raw(deadbeef)#qqqqqqqq"));
        Assert.True(DescriptorChecksum.HasValidChecksum("raw(deadbeef)#89f8spxm"));
        Assert.False(DescriptorChecksum.HasValidChecksum("raw(deadbeef)"));
        Assert.Throws<BitcoinFormatException>(() => DescriptorChecksum.Compute("raw(Ü)"));
    }

    [Fact]
    public void Addresses_and_solvability()
    {
        using var d = Descriptor.Parse($"wpkh({Compressed})");
        Assert.True(d.IsSolvable);
        Assert.Equal("bc1qngw83fg8dz0k749cg7k3emc7v98wy0c74dlrkd", d.GetAddresses(0, Network.Mainnet).Single().ToString());
        Assert.False(Descriptor.Parse("raw(deadbeef)").IsSolvable);
        Assert.False(Descriptor.Parse("addr(3PUNyaW7M55oKWJ3kDukwk9bsKvryra15j)").IsSolvable);
        Assert.Throws<InvalidOperationException>(() => Descriptor.Parse($"wpkh({Xpub}/<0;1>/*)").GetScriptPubKeys(0));
    }
}

public class DescriptorDeriveRangeTests
{
    [Fact]
    public void Derive_range_matches_single_index_derivation_and_addresses()
    {
        // BIP382 vector wpkh([ffffffff/13']xpub.../1/2/*): scripts 0..2 from the vector file.
        using var d = Descriptor.Parse("wpkh([ffffffff/13']xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH/1/2/*)");
        var outputs = d.Derive(0, 2, Network.Mainnet);
        Assert.Equal(["0014326b2249e3a25d5dc60935f044ee835d090ba859", "0014af0bd98abc2f2cae66e36896a39ffe2d32984fb7", "00141fa798efd1cbf95cebf912c031b8a4a6e9fb9f27"], outputs.Select(o => o.ScriptPubKey.ToHex()));
        Assert.Equal([0u, 1u, 2u], outputs.Select(o => o.Index));
        Assert.All(outputs, o => Assert.StartsWith("bc1q", o.Address!.ToString(), StringComparison.Ordinal));
        Assert.Equal(d.GetAddresses(1, Network.Mainnet).Single(), outputs[1].Address);
    }

    [Fact]
    public void Non_ranged_descriptor_derives_once_and_p2pk_has_no_address()
    {
        using var d = Descriptor.Parse("pk(03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)");
        var outputs = d.Derive(5, 9, Network.Regtest);
        Assert.Single(outputs);
        Assert.Null(outputs[0].Address);
        Assert.Equal(0u, outputs[0].Index);
    }

    [Theory]
    [InlineData("wpkh(xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH/1/*h)")]
    // Found by the fuzz smoke run: a hardened step in the middle of the path of one key of several.
    [InlineData("multi(2,xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL/2/*,xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y/4/0h/*)")]
    public void Hardened_step_below_an_xpub_parses_but_deriving_is_a_typed_error(string text)
    {
        // Core parses these too and fails only when expanding without the private key (descriptor.cpp, CanSelfExpand).
        using var d = Descriptor.Parse(text);
        Assert.True(d.HasHardenedDerivation);
        Assert.False(d.CanDeriveWithoutPrivateKeys);
        var e = Assert.Throws<BitcoinFormatException>(() => d.Derive(0, 1, Network.Mainnet));
        var error = Assert.IsType<DescriptorError>(e.Error);
        Assert.Equal(DescriptorErrorKind.NeedsPrivateKey, error.Kind);
        Assert.Equal("descriptor.needs_private_key", error.Code);
        Assert.Contains("hardened", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unhardened_xpub_descriptor_can_derive_without_private_keys()
    {
        using var d = Descriptor.Parse("wpkh(xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH/1/*)");
        Assert.True(d.CanDeriveWithoutPrivateKeys);
        Assert.Single(d.GetScriptPubKeys(0));
    }
}
