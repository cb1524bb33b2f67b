using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Keys;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Tests.Descriptors;

// Issue 9: Descriptor.Equals/GetHashCode compare the public form and which keys are private, without
// rendering a private key to a string; the results are those of comparing the private-form texts.
public class DescriptorEqualityTests
{
    private static SecretKey Key(byte b) => SecretKey.Create([.. new byte[31], b]);

    [Fact]
    public void Equality_follows_the_private_form_without_rendering_it()
    {
        using var key = Key(5);
        using var other = Key(6);
        var pub = Convert.ToHexString(key.PublicKey.ToCompressed()).ToLowerInvariant();
        var wifMain = Wif.Encode(key, Network.Mainnet);
        var wifTest = Wif.Encode(key, Network.Testnet);
        using var privMain = Descriptor.Parse($"wpkh({wifMain})", Network.Mainnet);
        using var privMain2 = Descriptor.Parse($"wpkh({wifMain})", Network.Mainnet);
        using var privTest = Descriptor.Parse($"wpkh({wifTest})", Network.Testnet);
        using var pubOnly = Descriptor.Parse($"wpkh({pub})", Network.Mainnet);
        using var otherKey = Descriptor.Parse($"wpkh({Wif.Encode(other, Network.Mainnet)})", Network.Mainnet);

        Assert.Equal(privMain, privMain2);
        Assert.Equal(privMain.GetHashCode(), privMain2.GetHashCode());
        Assert.NotEqual(privMain, pubOnly); // one holds the secret, the other does not
        Assert.NotEqual(pubOnly, privMain);
        Assert.NotEqual(privMain, privTest); // the WIF version byte differs
        Assert.NotEqual(privMain, otherKey);
        foreach (var (a, b) in new[] { (privMain, privMain2), (privMain, pubOnly), (privMain, privTest), (privMain, otherKey) })
        {
            Assert.Equal(a.ToPrivateString() == b.ToPrivateString(), a.Equals(b));
        }
    }

    [Fact]
    public void Nested_and_multi_key_descriptors_compare_every_key()
    {
        using var k1 = Key(1);
        using var k2 = Key(2);
        var w1 = Wif.Encode(k1, Network.Mainnet);
        var p1 = Convert.ToHexString(k1.PublicKey.ToCompressed()).ToLowerInvariant();
        var w2 = Wif.Encode(k2, Network.Mainnet);
        var p2 = Convert.ToHexString(k2.PublicKey.ToCompressed()).ToLowerInvariant();
        using var both = Descriptor.Parse($"sh(wsh(multi(1,{w1},{w2})))", Network.Mainnet);
        using var both2 = Descriptor.Parse($"sh(wsh(multi(1,{w1},{w2})))", Network.Mainnet);
        using var first = Descriptor.Parse($"sh(wsh(multi(1,{w1},{p2})))", Network.Mainnet);
        using var second = Descriptor.Parse($"sh(wsh(multi(1,{p1},{w2})))", Network.Mainnet);
        Assert.Equal(both, both2);
        Assert.NotEqual(both, first);
        Assert.NotEqual(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode()); // same public form
    }
}
