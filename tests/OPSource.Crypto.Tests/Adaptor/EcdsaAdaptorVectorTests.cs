using System.Text.Json.Nodes;
using OPSource.Crypto.Secp256k1;
using OPSource.Crypto.Secp256k1.Adaptor;
using OPSource.TestSupport;

namespace OPSource.Crypto.Tests.Adaptor;

/// <summary>Every case of dlcspecs test/ecdsa_adaptor.json, reported individually.</summary>
public class EcdsaAdaptorVectorTests
{
    private static readonly Lazy<JsonArray> Cases = new(() => JsonNode.Parse(Vectors.ReadText("dlc", "dlcspecs", "ecdsa_adaptor.json"))!.AsArray());

    public static TheoryData<int, string> All
    {
        get
        {
            var data = new TheoryData<int, string>();
            var cases = JsonNode.Parse(File.ReadAllText(Vectors.Path("dlc", "dlcspecs", "ecdsa_adaptor.json")))!.AsArray();
            for (var i = 0; i < cases.Count; i++)
            {
                data.Add(i, cases[i]!["kind"]!.GetValue<string>());
            }

            return data;
        }
    }

    private static byte[] Hex(JsonNode? node) => Convert.FromHexString(node!.GetValue<string>());

    private static string? Text(JsonNode test, string key) => test[key]?.GetValue<string>();

    [Theory]
    [MemberData(nameof(All))]
    public void Vector(int index, string kind)
    {
        var test = Cases.Value[index]!;
        switch (kind)
        {
            case "verification":
                Verification(test);
                break;
            case "recovery":
                Recovery(test);
                break;
            case "serialization":
                Serialization(test);
                break;
            default:
                Assert.Fail($"case {index}: unknown kind {kind}");
                break;
        }
    }

    private static void Verification(JsonNode test)
    {
        var adaptor = AdaptorSignature.Parse(Hex(test["adaptor_sig"]));
        var signingKey = PublicKey.Parse(Hex(test["public_signing_key"]));
        var encryptionKey = PublicKey.Parse(Hex(test["encryption_key"]));
        var msg = Hex(test["message_hash"]);
        var valid = adaptor.Verify(signingKey, msg, encryptionKey);
        if (Text(test, "error") is not null)
        {
            Assert.False(valid);
            return;
        }

        Assert.True(valid);

        // Decrypting with y gives exactly the expected (low-s) ECDSA signature, which verifies.
        var decryptionKey = SecretKey.Create(Hex(test["decryption_key"]));
        var signature = adaptor.Decrypt(decryptionKey);
        var compact = new byte[64];
        signature.WriteCompact(compact);
        Assert.Equal(Text(test, "signature"), Convert.ToHexStringLower(compact));
        Assert.True(Ecdsa.Verify(signature, msg, signingKey));

        // Recovering from the decrypted signature gives y back.
        Assert.True(adaptor.TryRecover(signature, encryptionKey, out var recovered));
        Assert.Equal(Text(test, "decryption_key"), Convert.ToHexStringLower(Bytes(recovered)));
    }

    private static void Recovery(JsonNode test)
    {
        var adaptor = AdaptorSignature.Parse(Hex(test["adaptor_sig"]));
        Assert.True(EcdsaSignature.TryParseCompact(Hex(test["signature"]), out var signature));
        var encryptionKey = PublicKey.Parse(Hex(test["encryption_key"]));
        var ok = adaptor.TryRecover(signature, encryptionKey, out var recovered);
        var expected = Text(test, "decryption_key");
        if (expected is null)
        {
            Assert.NotNull(Text(test, "error"));
            Assert.False(ok);
            return;
        }

        Assert.True(ok);
        Assert.Equal(expected, Convert.ToHexStringLower(Bytes(recovered)));
    }

    private static void Serialization(JsonNode test)
    {
        var bytes = Hex(test["adaptor_sig"]);
        var ok = AdaptorSignature.TryParse(bytes, out var adaptor);
        if (Text(test, "error") is not null)
        {
            Assert.False(ok);
            Assert.Throws<FormatException>(() => AdaptorSignature.Parse(bytes));
            return;
        }

        Assert.True(ok);
        Assert.Equal(bytes, adaptor!.ToArray());
    }

    private static byte[] Bytes(SecretKey? key)
    {
        Assert.NotNull(key);
        var buffer = new byte[32];
        key.WriteTo(buffer);
        return buffer;
    }
}
