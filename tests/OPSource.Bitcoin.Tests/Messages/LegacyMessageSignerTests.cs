using CsCheck;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Messages;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Tests.Messages;

// Vectors from Bitcoin Core: src/test/util_tests.cpp (message_sign, message_verify, message_hash)
// and test/functional/rpc_signmessagewithprivkey.py.
public class LegacyMessageSignerTests
{
    private const string CoreUnitKeyHex = "d97f5108f11cda6eeebaaa420fef0726b1f898060b98489fa3098463c0032866";
    private const string CoreUnitAddress = "15CRxFdyRpGZLW9w8HnHvVduizdL5jKNbs";
    private const string CoreUnitSignature = "IPojfrX2dfPnH26UegfbGQQLrdK844DlHq5157/P6h57WyuS/Qsl+h/WSVGDF4MUi4rWSswW38oimDYfNNUBUOk=";

    [Fact]
    public void Message_hash_matches_core()
    {
        // util_tests.cpp message_hash: Hash(ser(MESSAGE_MAGIC) || ser(message)).
        Span<byte> hash = stackalloc byte[32];
        LegacyMessageSigner.ComputeMessageHash("Trust no one", hash);
        Assert.Equal("aa8215d723ecd2f14867eeb7e19f192be7bc15a2352a24b991d4f5870cbaf6e8", Convert.ToHexStringLower(hash));

        var prefixed = new byte[] { (byte)LegacyMessageSigner.MessageMagic.Length }
            .Concat(System.Text.Encoding.UTF8.GetBytes(LegacyMessageSigner.MessageMagic))
            .Concat(new byte[] { 3 }).Concat("..."u8.ToArray()).ToArray();
        var expected = System.Security.Cryptography.SHA256.HashData(System.Security.Cryptography.SHA256.HashData(prefixed));
        LegacyMessageSigner.ComputeMessageHash("...", hash);
        Assert.Equal(expected, hash.ToArray());
    }

    [Fact]
    public void Signs_like_core_message_sign()
    {
        using var key = SecretKey.Create(Convert.FromHexString(CoreUnitKeyHex));
        Assert.Equal(CoreUnitAddress, Address.P2pkh(key.PublicKey, Network.Mainnet).ToString());
        Assert.Equal(CoreUnitSignature, LegacyMessageSigner.Sign(key, "Trust no one"));
    }

    [Fact]
    public void Signs_like_core_signmessagewithprivkey()
    {
        using var wif = Wif.Parse("cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N", Network.Regtest);
        const string message = "This is just a test message";
        var signature = LegacyMessageSigner.Sign(wif, message);
        Assert.Equal("INbVnW4e6PeRmsv2Qgu8NuopvrVjkcxob+sX8OcZG0SALhWybUjzMLPdAsXI46YZGb0KQTRii+wWIQzRpG/U+S0=", signature);
        Assert.Equal(MessageVerificationResult.Ok, LegacyMessageSigner.Verify("mpLQjfK79b7CCV4VMJWEWAj5Mpx8Up5zxB", signature, message, Network.Regtest));
    }

    [Theory]
    [InlineData("invalid address", "signature should be irrelevant", "message too", MessageVerificationResult.InvalidAddress)]
    [InlineData("3B5fQsEXEaV8v6U3ejYc8XaKXAkyQj2MjV", "signature should be irrelevant", "message too", MessageVerificationResult.AddressHasNoKey)]
    [InlineData("1KqbBpLy5FARmTPD4VZnDDpYjkUvkr82Pm", "invalid signature, not in base64 encoding", "message should be irrelevant", MessageVerificationResult.MalformedSignature)]
    [InlineData("1KqbBpLy5FARmTPD4VZnDDpYjkUvkr82Pm", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "message should be irrelevant", MessageVerificationResult.PublicKeyNotRecovered)]
    [InlineData(CoreUnitAddress, CoreUnitSignature, "I never signed this", MessageVerificationResult.NotSigned)]
    [InlineData(CoreUnitAddress, CoreUnitSignature, "Trust no one", MessageVerificationResult.Ok)]
    [InlineData("11canuhp9X2NocwCq7xNrQYTmUgZAnLK3", "IIcaIENoYW5jZWxsb3Igb24gYnJpbmsgb2Ygc2Vjb25kIGJhaWxvdXQgZm9yIGJhbmtzIAaHRtbCeDZINyavx14=", "Trust me", MessageVerificationResult.Ok)]
    public void Verifies_like_core_message_verify(string address, string signature, string message, MessageVerificationResult expected)
    {
        Assert.Equal(expected, LegacyMessageSigner.Verify(address, signature, message, Network.Mainnet));
    }

    [Fact]
    public void Uncompressed_keys_use_header_27_to_30()
    {
        using var key = SecretKey.Create(Convert.FromHexString(CoreUnitKeyHex));
        var signature = LegacyMessageSigner.Sign(key, "hello", compressed: false);
        var header = Convert.FromBase64String(signature)[0];
        Assert.InRange(header, (byte)27, (byte)30);
        var uncompressed = Address.P2pkh(key.PublicKey, Network.Mainnet, compressed: false);
        Assert.Equal(MessageVerificationResult.Ok, LegacyMessageSigner.Verify(uncompressed, signature, "hello"));
        // The compressed-key address does not match an uncompressed signature.
        Assert.Equal(MessageVerificationResult.NotSigned, LegacyMessageSigner.Verify(CoreUnitAddress, signature, "hello", Network.Mainnet));
    }

    [Fact]
    public void Recovers_the_signing_key()
    {
        using var key = SecretKey.Create(Convert.FromHexString(CoreUnitKeyHex));
        Assert.True(LegacyMessageSigner.TryRecoverPublicKey(CoreUnitSignature, "Trust no one", out var recovered, out var compressed));
        Assert.True(compressed);
        Assert.Equal(key.PublicKey.ToCompressed(), recovered.ToCompressed());
    }

    [Fact]
    public void Legacy_scheme_only_verifies_p2pkh()
    {
        IMessageSignatureScheme scheme = LegacyMessageSigner.Instance;
        Assert.Equal("legacy", scheme.Name);
        Assert.True(scheme.CanVerify(Address.Parse(CoreUnitAddress)));
        Assert.False(scheme.CanVerify(Address.Parse("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")));
        Assert.Equal(MessageVerificationResult.AddressHasNoKey,
            scheme.Verify(Address.Parse("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"), CoreUnitSignature, "Trust no one"));
    }

    [Fact]
    public void Property_sign_then_verify()
    {
        Gen.Select(Gen.Byte.Array[32], Gen.String, Gen.Bool).Sample((bytes, message, compressed) =>
        {
            if (!SecretKey.TryCreate(bytes, out var key))
            {
                return;
            }

            using (key)
            {
                var address = Address.P2pkh(key.PublicKey, Network.Mainnet, compressed);
                var signature = LegacyMessageSigner.Sign(key, message, compressed);
                Assert.Equal(MessageVerificationResult.Ok, LegacyMessageSigner.Verify(address, signature, message));
                Assert.Equal(MessageVerificationResult.NotSigned, LegacyMessageSigner.Verify(address, signature, message + "x"));
            }
        }, iter: 50);
    }

    [Fact]
    public void Random_signatures_never_crash()
    {
        Gen.Byte.Array[65].Sample(bytes =>
        {
            var result = LegacyMessageSigner.Verify(CoreUnitAddress, Convert.ToBase64String(bytes), "m", Network.Mainnet);
            Assert.NotEqual(MessageVerificationResult.Ok, result);
        }, iter: 300);
        Gen.String.Sample(s => { _ = LegacyMessageSigner.Verify(CoreUnitAddress, s, "m", Network.Mainnet); }, iter: 300);
    }
}
