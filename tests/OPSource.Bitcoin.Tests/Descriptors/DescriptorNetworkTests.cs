using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Keys;

namespace OPSource.Bitcoin.Tests.Descriptors;

/// <summary>
/// Core key_io.cpp DecodeSecret/DecodeExtPubKey/DecodeExtKey: a WIF key in a descriptor must carry the chain's
/// version byte (0x80 mainnet, 0xef every test network) and an extended key the chain's version (xpub/xprv,
/// tpub/tprv); Core answers "key '...' is not valid" otherwise.
/// </summary>
public class DescriptorNetworkTests
{
    // BIP380-390 vector key (mainnet WIF) and the same secret with the test-network version byte.
    private const string MainnetWif = "L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1";
    private const string Compressed = "03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd";
    private const string OtherKey = "0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600";

    private static string TestnetWif()
    {
        using var wif = Wif.Parse(MainnetWif, Network.Mainnet);
        return Wif.Encode(wif.PrivateKey, Network.Testnet);
    }

    public static TheoryData<string> TestNetworks() => new(Network.All.Where(n => n.IsTest).Select(n => n.Name));

    [Theory]
    [MemberData(nameof(TestNetworks))]
    public void Mainnet_wif_is_rejected_on_a_test_network(string networkName)
    {
        var network = Network.Get(networkName);
        Assert.False(Descriptor.TryParse($"wpkh({MainnetWif})", network, out _, out var error));
        Assert.Equal(
            $"descriptor: wpkh(): WIF private key at position 5 is for mainnet (version byte 0x80), but the descriptor is parsed for {networkName}, whose WIF version byte is 0xef",
            error?.Message);
        Assert.DoesNotContain(MainnetWif[..10], error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Testnet_wif_is_rejected_on_mainnet_explicitly_and_by_default()
    {
        var testnetWif = TestnetWif();
        const string expected = "descriptor: pk(): WIF private key at position 3 is for the test networks (testnet, testnet4, signet, regtest) (version byte 0xef), but the descriptor is parsed for mainnet, whose WIF version byte is 0x80";
        Assert.False(Descriptor.TryParse($"pk({testnetWif})", Network.Mainnet, out _, out var error));
        Assert.Equal(expected, error?.Message);
        Assert.False(Descriptor.TryParse($"pk({testnetWif})", out _, out error));
        Assert.Equal(expected, error?.Message);
        Assert.DoesNotContain(testnetWif[..10], error?.Message, StringComparison.Ordinal);
        var thrown = Assert.Throws<BitcoinFormatException>(() => Descriptor.Parse($"pk({testnetWif})"));
        Assert.Equal(expected, thrown.Message);
    }

    [Fact]
    public void Error_names_the_key_position_inside_multisig_and_taproot_leaves()
    {
        // "wsh(multi(1," is 12 characters, then a 66-character key and a comma.
        Assert.False(Descriptor.TryParse($"wsh(multi(1,{Compressed},{MainnetWif}))", Network.Regtest, out _, out var error));
        Assert.StartsWith("descriptor: multi() key 2: WIF private key at position 79 is for mainnet", error?.Message, StringComparison.Ordinal);

        var testnetWif = TestnetWif();
        var text = $"tr({OtherKey},pk([d34db33f/1h]{testnetWif}))";
        Assert.False(Descriptor.TryParse(text, Network.Mainnet, out _, out error));
        Assert.StartsWith($"descriptor: pk(): WIF private key at position {text.IndexOf('[', StringComparison.Ordinal)} is for the test networks", error?.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestNetworks))]
    public void Test_network_wif_parses_on_every_test_network_and_round_trips(string networkName)
    {
        var network = Network.Get(networkName);
        var testnetWif = TestnetWif();
        using var d = Descriptor.Parse($"wpkh({testnetWif})", network);
        using var mainnet = Descriptor.Parse($"wpkh({MainnetWif})", Network.Mainnet);

        // Same secret, same script; the private form keeps the network's WIF and parses back.
        Assert.Equal(mainnet.GetScriptPubKey(0), d.GetScriptPubKey(0));
        Assert.Equal($"wpkh({testnetWif})", d.ToString(includePrivate: true, includeChecksum: false));
        Assert.Equal(d, Descriptor.Parse(d.ToPrivateString(), network));
        Assert.Equal($"wpkh({Compressed})", d.ToString(includePrivate: false, includeChecksum: false));
    }

    // BIP32 test vector 1, chain m: the same key as xpub/xprv (mainnet) and tpub/tprv (test networks).
    private const string Xpub = "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8";
    private const string Xprv = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi";

    [Fact]
    public void Hex_public_keys_do_not_depend_on_the_network()
    {
        foreach (var network in Network.All)
        {
            using var hex = Descriptor.Parse($"wpkh({Compressed})", network);
            Assert.Equal(Descriptor.Parse($"wpkh({Compressed})").GetScriptPubKey(0), hex.GetScriptPubKey(0));
        }
    }

    // Core key_io.cpp DecodeExtPubKey/DecodeExtKey: xpub/xprv on mainnet, tpub/tprv on every test network.
    [Theory]
    [MemberData(nameof(TestNetworks))]
    public void Extended_keys_must_use_the_networks_version(string networkName)
    {
        var network = Network.Get(networkName);
        string tpub = ExtPubKey.Parse(Xpub).ToString(network);
        using var xprv = ExtKey.Parse(Xprv);
        string tprv = xprv.ToBase58(network);
        Assert.StartsWith("tpub", tpub, StringComparison.Ordinal);
        Assert.StartsWith("tprv", tprv, StringComparison.Ordinal);

        // The same key under the right version derives the same scripts on either side.
        using var mainnet = Descriptor.Parse($"wpkh({Xpub}/0/*)", Network.Mainnet);
        using var test = Descriptor.Parse($"wpkh({tpub}/0/*)", network);
        using var testPrivate = Descriptor.Parse($"wpkh({tprv}/0/*)", network);
        Assert.Equal(mainnet.GetScriptPubKey(3), test.GetScriptPubKey(3));
        Assert.Equal(mainnet.GetScriptPubKey(3), testPrivate.GetScriptPubKey(3));

        Assert.False(Descriptor.TryParse($"wpkh({Xpub}/0/*)", network, out _, out var error));
        Assert.Contains("extended key at position 5 (xpub) is for mainnet", error?.Message, StringComparison.Ordinal);
        Assert.Contains($"parsed for {network.Name}, which uses tpub", error?.Message, StringComparison.Ordinal);

        Assert.False(Descriptor.TryParse($"wsh(multi(1,{Compressed},[d34db33f/1']{Xprv}/0/*))", network, out _, out error));
        Assert.Contains("(xprv) is for mainnet", error?.Message, StringComparison.Ordinal);
        Assert.Contains("which uses tprv", error?.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Xprv, error?.Message, StringComparison.Ordinal);

        Assert.False(Descriptor.TryParse($"wpkh({tpub}/0/*)", Network.Mainnet, out _, out error));
        Assert.Contains("(tpub) is for the test networks", error?.Message, StringComparison.Ordinal);
        Assert.False(Descriptor.TryParse($"tr({tprv})", out _, out error));
        Assert.Contains("(tprv) is for the test networks", error?.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(tprv, error?.Message, StringComparison.Ordinal);
    }
}
