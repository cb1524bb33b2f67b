using CsCheck;
using System.Text.Json.Nodes;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Keys;
using OPSource.TestSupport;

namespace OPSource.Bitcoin.Tests.Addresses;

public class AddressTests
{
    private static JsonArray KeyIoValid() => JsonNode.Parse(Vectors.ReadText("bitcoin-core", "src-test-data", "key_io_valid.json"))!.AsArray();

    private static JsonArray KeyIoInvalid() => JsonNode.Parse(Vectors.ReadText("bitcoin-core", "src-test-data", "key_io_invalid.json"))!.AsArray();

    private static JsonObject Bech32Vectors() => JsonNode.Parse(Vectors.ReadText("bips", "bech32_bech32m_test_vectors.json"))!.AsObject();

    public static TheoryData<int> KeyIoValidCases() => Indexes(KeyIoValid().Count);

    public static TheoryData<int> KeyIoInvalidCases() => Indexes(KeyIoInvalid().Count);

    public static TheoryData<string, int> Bech32AddressCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var list in new[] { "bip350_valid_segwit_addresses", "bip350_invalid_segwit_addresses", "bip173_segwit_addresses", "bip173_invalid_segwit_addresses" })
        {
            for (var i = 0; i < Bech32Vectors()[list]!.AsArray().Count; i++)
            {
                data.Add(list, i);
            }
        }

        return data;
    }

    private static TheoryData<int> Indexes(int count)
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    // Core key_io_tests.cpp: the chain names used by the vectors.
    private static Network Chain(string name) => Network.Get(name);

    private static string FlipCase(string s) =>
        new(s.Select(c => char.IsAsciiLetterLower(c) ? char.ToUpperInvariant(c) : char.IsAsciiLetterUpper(c) ? char.ToLowerInvariant(c) : c).ToArray());

    [Theory]
    [MemberData(nameof(KeyIoValidCases))]
    public void Core_key_io_valid(int index)
    {
        var c = KeyIoValid()[index]!.AsArray();
        var text = (string)c[0]!;
        var payload = (string)c[1]!;
        var meta = c[2]!.AsObject();
        var network = Chain((string)meta["chain"]!);
        var isPrivkey = (bool)meta["isPrivkey"]!;

        if (isPrivkey)
        {
            var compressed = (bool)meta["isCompressed"]!;
            // Core: DecodeSecret must succeed with the right key and compression flag.
            Assert.True(Wif.TryParse(text, network, out var wif, out var error), error?.Message);
            using (wif)
            {
                Assert.Equal(compressed, wif.IsCompressed);
                Span<byte> key = stackalloc byte[32];
                wif.PrivateKey.WriteTo(key);
                Assert.Equal(payload, Convert.ToHexStringLower(key));
                // Core: EncodeSecret gives the same string back.
                Assert.Equal(text, Wif.Encode(wif.PrivateKey, network, compressed));
            }

            // Core: a private key is not a valid address.
            Assert.False(Address.TryParse(text, network, out _, out _));
        }
        else
        {
            // Core: DecodeDestination must succeed and give the expected scriptPubKey.
            Assert.True(Address.TryParse(text, network, out var address, out var error), error?.Message);
            Assert.Equal(payload, Convert.ToHexStringLower(address.ScriptPubKeyBytes));
            // Core: EncodeDestination(GetScriptForDestination) gives the same string (canonical lower case).
            Assert.True(Address.TryFromScriptPubKey(Convert.FromHexString(payload), network, out var fromScript));
            Assert.Equal(text, fromScript.ToString());
            Assert.Equal(address, fromScript);

            // Core: flipping case keeps bech32 valid (tryCaseFlip) and breaks base58.
            var tryCaseFlip = meta["tryCaseFlip"] is { } flag && (bool)flag;
            var flippedValid = Address.TryParse(FlipCase(text), network, out var flipped, out _);
            Assert.Equal(tryCaseFlip, flippedValid);
            if (flippedValid)
            {
                Assert.Equal(payload, Convert.ToHexStringLower(flipped!.ScriptPubKeyBytes));
            }

            // Core: an address is not a valid private key.
            Assert.False(Wif.TryParse(text, network, out _, out _));

            // Detecting the network finds one on which it is valid.
            Assert.True(Address.TryParse(text, out var detected, out error), error?.Message);
            Assert.True(detected.IsValidOn(network));
        }
    }

    [Theory]
    [MemberData(nameof(KeyIoInvalidCases))]
    public void Core_key_io_invalid(int index)
    {
        var text = (string)KeyIoInvalid()[index]![0]!;
        foreach (var network in Network.All)
        {
            Assert.False(Address.TryParse(text, network, out _, out var error));
            Assert.StartsWith("address: ", error?.Message, StringComparison.Ordinal);
            Assert.False(Wif.TryParse(text, network, out _, out var wifError));
            Assert.StartsWith("wif: ", wifError?.Message, StringComparison.Ordinal);
        }

        Assert.False(Address.TryParse(text, out _, out _));
    }

    [Theory]
    [MemberData(nameof(Bech32AddressCases))]
    public void Bip173_bip350_segwit_addresses(string list, int index)
    {
        var c = Bech32Vectors()[list]![index]!;
        var text = (string)c["address"]!;
        var valid = list == "bip350_valid_segwit_addresses"
            || (list == "bip173_segwit_addresses" && (bool)c["valid_under_bip350"]!);
        if (valid)
        {
            Assert.True(Address.TryParse(text, out var address, out var error), error?.Message);
            Assert.Equal((string)c["scriptPubKey_hex"]!, Convert.ToHexStringLower(address.ScriptPubKeyBytes));
            Assert.Equal(text.ToLowerInvariant(), address.ToString());
            var witness = Assert.IsType<WitnessAddress>(address);
            Assert.Equal(address.ScriptPubKeyBytes[0] == 0 ? 0 : address.ScriptPubKeyBytes[0] - 0x50, witness.WitnessVersion);
        }
        else
        {
            Assert.False(Address.TryParse(text, out _, out var error), text);
            Assert.StartsWith("address: ", error?.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", AddressType.P2wpkh)]
    [InlineData("bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", AddressType.P2wsh)]
    [InlineData("bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr", AddressType.P2tr)]
    [InlineData("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", AddressType.WitnessUnknown)]
    [InlineData("1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo", AddressType.P2pkh)]
    [InlineData("36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm", AddressType.P2sh)]
    public void Types_are_recognised(string text, AddressType type)
    {
        var address = Address.Parse(text, Network.Mainnet);
        Assert.Equal(type, address.Type);
        Assert.Same(Network.Mainnet, address.Network);
    }

    [Fact]
    public void Network_mismatch_is_named()
    {
        Assert.False(Address.TryParse("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", Network.Testnet, out _, out var error));
        Assert.Contains("'bc'", error?.Message, StringComparison.Ordinal);
        Assert.False(Address.TryParse("1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo", Network.Regtest, out _, out error));
        Assert.Contains("version byte 0", error?.Message, StringComparison.Ordinal);
        Assert.Throws<BitcoinFormatException>(() => Address.Parse("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", Network.Signet));
    }

    [Fact]
    public void Network_is_detected()
    {
        Assert.Same(Network.Mainnet, Address.Parse("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4").Network);
        Assert.Same(Network.Regtest, Address.Parse("bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9").Network);
        var test = Address.Parse("mzK2FFDEhxqHcmrJw1ysqFkVyhUULo45hZ");
        Assert.Same(Network.Testnet, test.Network);
        Assert.True(test.IsValidOn(Network.Regtest));
        Assert.False(test.IsValidOn(Network.Mainnet));
    }

    [Theory]
    [InlineData("6a0474657374")] // OP_RETURN
    [InlineData("21030000000000000000000000000000000000000000000000000000000000000001ac")] // P2PK
    [InlineData("0015751e76e8199196d454941c45d1b3a323f1433bd6aa")] // v0 with 21 bytes: non-standard
    [InlineData("5101")] // too short
    [InlineData("")]
    public void Non_address_scripts_have_no_address(string hex)
    {
        Assert.False(Address.TryFromScriptPubKey(Convert.FromHexString(hex), Network.Mainnet, out _));
    }

    [Fact]
    public void Random_strings_never_crash()
    {
        Gen.String.Sample(s =>
        {
            _ = Address.TryParse(s, out _, out _);
            _ = Wif.TryParse(s, null, out var w, out _);
            w?.Dispose();
        }, iter: 1000);
        Gen.Byte.Array[0, 50].Sample(b => { _ = Address.TryFromScriptPubKey(b, Network.Mainnet, out _); }, iter: 1000);
    }
}

public class AddressScriptTests
{
    [Theory]
    [InlineData("1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo")]
    [InlineData("36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm")]
    [InlineData("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")]
    [InlineData("bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr")]
    [InlineData("bc1pfeessrawgf")]
    public void Script_round_trip_agrees_with_standard_scripts(string text)
    {
        var address = Address.Parse(text, Network.Mainnet);
        var script = address.ScriptPubKey;
        Assert.True(Address.TryFromScriptPubKey(script, Network.Mainnet, out var back));
        Assert.Equal(address, back);
        var expected = address switch
        {
            P2pkhAddress p => OPSource.Bitcoin.Scripts.StandardScripts.PayToPubKeyHash(p.PubKeyHash),
            P2shAddress p => OPSource.Bitcoin.Scripts.StandardScripts.PayToScriptHash(p.ScriptHash),
            WitnessAddress w => OPSource.Bitcoin.Scripts.StandardScripts.WitnessProgram(w.WitnessVersion, w.Program),
            _ => throw new InvalidOperationException(),
        };
        Assert.Equal(expected, script);
    }
}
