using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Tests.Keys;

public class WifTests
{
    private static string Check(params byte[] payload) => Base58.EncodeCheck(payload);

    private static byte[] Key(byte last) => [.. new byte[31], last];

    [Fact]
    public void Compressed_and_uncompressed_round_trip()
    {
        using var key = SecretKey.Create(Key(1));
        var compressed = Wif.Encode(key, Network.Mainnet);
        var uncompressed = Wif.Encode(key, Network.Mainnet, compressed: false);
        // Well-known WIFs of private key 1.
        Assert.Equal("KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn", compressed);
        Assert.Equal("5HpHagT65TZzG1PH3CSu63k8DbpvD8s5ip4nEB3kEsreAnchuDf", uncompressed);
        using var a = Wif.Parse(compressed);
        using var b = Wif.Parse(uncompressed, Network.Mainnet);
        Assert.True(a.IsCompressed);
        Assert.False(b.IsCompressed);
        Assert.Equal(key, a.PrivateKey);
        Assert.Equal(compressed, a.ToString(Network.Mainnet));
        Assert.Equal([Network.Mainnet], a.Networks);
    }

    [Fact]
    public void Test_networks_share_a_prefix()
    {
        using var key = SecretKey.Create(Key(7));
        using var wif = Wif.Parse(Wif.Encode(key, Network.Regtest));
        Assert.Equal(239, wif.Prefix);
        Assert.True(wif.IsFor(Network.Testnet));
        Assert.True(wif.IsFor(Network.Signet));
        Assert.False(wif.IsFor(Network.Mainnet));
    }

    [Theory]
    [InlineData("wif: is empty", new byte[0])]
    [InlineData("payload is 32 bytes", new byte[] { 128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 })]
    public void Rejects_empty_and_short(string expected, byte[] payload)
    {
        var text = payload.Length == 0 ? "" : Check(payload);
        Assert.False(Wif.TryParse(text, null, out _, out var error));
        Assert.Contains(expected, error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_bad_flag_zero_key_unknown_prefix_and_wrong_network()
    {
        Assert.False(Wif.TryParse(Check([128, .. Key(1), 2]), null, out _, out var error));
        Assert.Contains("compression flag 0x01", error?.Message, StringComparison.Ordinal);
        Assert.False(Wif.TryParse(Check([128, .. new byte[32], 1]), null, out _, out error));
        Assert.Contains("not in 1..n-1", error?.Message, StringComparison.Ordinal);
        Assert.False(Wif.TryParse(Check([0x42, .. Key(1), 1]), null, out _, out error));
        Assert.Contains("prefix 66 belongs to no known network", error?.Message, StringComparison.Ordinal);
        Assert.False(Wif.TryParse(Check([239, .. Key(1), 1]), Network.Mainnet, out _, out error));
        Assert.Contains("not mainnet's", error?.Message, StringComparison.Ordinal);
        var good = Check([128, .. Key(1), 1]);
        Assert.False(Wif.TryParse(good[..^1] + (good[^1] == 'a' ? 'b' : 'a'), null, out _, out error));
        Assert.Contains("checksum", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Secret_is_hidden_and_zeroed()
    {
        var wif = Wif.Parse("KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn");
        Assert.Equal("Wif(compressed)", wif.ToString());
        wif.Dispose();
        Assert.Throws<ObjectDisposedException>(() => wif.PrivateKey);
    }
}
