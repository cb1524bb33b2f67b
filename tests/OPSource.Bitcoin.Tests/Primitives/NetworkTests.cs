using OPSource.Bitcoin.Encoding;

namespace OPSource.Bitcoin.Tests.Primitives;

public class NetworkTests
{
    [Theory]
    [InlineData("mainnet", "mainnet")]
    [InlineData("main", "mainnet")]
    [InlineData("Bitcoin", "mainnet")]
    [InlineData("testnet", "testnet")]
    [InlineData("test", "testnet")]
    [InlineData("testnet3", "testnet")]
    [InlineData("testnet4", "testnet4")]
    [InlineData("signet", "signet")]
    [InlineData("REGTEST", "regtest")]
    public void TryGet_accepts_aliases(string name, string canonical)
    {
        Assert.True(Network.TryGet(name, out var network));
        Assert.Equal(canonical, network.Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("testnet5")]
    [InlineData(null)]
    public void TryGet_rejects_unknown(string? name)
    {
        Assert.False(Network.TryGet(name, out _));
        if (name is not null)
        {
            Assert.Throws<FormatException>(() => Network.Get(name));
        }
    }

    [Fact]
    public void Mainnet_parameters_match_core_chainparams()
    {
        var n = Network.Mainnet;
        Assert.Equal(0xD9B4BEF9u, n.Magic);
        Assert.Equal("f9beb4d9", Hex.Encode(n.MagicBytes));
        Assert.Equal("bc", n.Bech32Hrp);
        Assert.Equal(0, n.PubKeyAddressPrefix);
        Assert.Equal(5, n.ScriptAddressPrefix);
        Assert.Equal(128, n.SecretKeyPrefix);
        Assert.Equal(0x0488B21Eu, n.ExtPubKeyVersion);
        Assert.Equal(0x0488ADE4u, n.ExtSecretKeyVersion);
        Assert.Equal(0, n.CoinType);
        Assert.Equal(8333, n.DefaultPort);
        Assert.Equal(8332, n.DefaultRpcPort);
        Assert.Equal("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", n.GenesisBlockHash.ToString());
        Assert.False(n.IsTest);
    }

    [Fact]
    public void Test_networks_share_testnet_prefixes_but_differ_in_magic_and_genesis()
    {
        Assert.Equal("bcrt", Network.Regtest.Bech32Hrp);
        Assert.Equal("0b110907", Hex.Encode(Network.Testnet.MagicBytes));
        Assert.Equal("1c163f28", Hex.Encode(Network.Testnet4.MagicBytes));
        Assert.Equal("0a03cf40", Hex.Encode(Network.Signet.MagicBytes));
        Assert.Equal("fabfb5da", Hex.Encode(Network.Regtest.MagicBytes));
        foreach (var n in new[] { Network.Testnet, Network.Testnet4, Network.Signet, Network.Regtest })
        {
            Assert.Equal(111, n.PubKeyAddressPrefix);
            Assert.Equal(196, n.ScriptAddressPrefix);
            Assert.Equal(239, n.SecretKeyPrefix);
            Assert.Equal(0x043587CFu, n.ExtPubKeyVersion);
            Assert.Equal(0x04358394u, n.ExtSecretKeyVersion);
            Assert.Equal(1, n.CoinType);
            Assert.True(n.IsTest);
        }

        Assert.Equal(5, Network.All.Select(n => n.GenesisBlockHash).Distinct().Count() + 0);
        Assert.Equal(5, Network.All.Select(n => n.Magic).Distinct().Count());
    }
}
