using System.Numerics;
using System.Text.Json.Nodes;
using OPSource.Crypto.Secp256k1.Musig;
using OPSource.TestSupport;

namespace OPSource.Crypto.Tests.Musig;

/// <summary>
/// BIP328 vectors: the plain (full-point) MuSig2 aggregate key of the given keys, and the synthetic
/// xpub built from it. Checks <see cref="KeyAggContext.PublicKey"/> beyond BIP327's x-only output.
/// </summary>
public class Bip328VectorTests
{
    // BIP328: chain code = SHA256("MuSig2MuSig2MuSig2").
    private static readonly byte[] ChainCode = Convert.FromHexString("868087CA02A6F974C4598924C36B57762D32CB45717167E300622C7167E38965");

    public static TheoryData<int> Cases
    {
        get
        {
            var data = new TheoryData<int>();
            var count = JsonNode.Parse(File.ReadAllText(Vectors.Path("bips", "bip328_vectors.json")))!.AsArray().Count;
            for (var i = 0; i < count; i++)
            {
                data.Add(i);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Aggregate_key_and_synthetic_xpub(int index)
    {
        var test = JsonNode.Parse(Vectors.ReadText("bips", "bip328_vectors.json"))![index]!;
        var keys = test["keys"]!.AsArray().Select(k => (ReadOnlyMemory<byte>)Convert.FromHexString(k!.GetValue<string>())).ToArray();

        // BIP328: keys are aggregated in the order given (callers sort first if they want to).
        var ctx = KeyAggContext.Create(Musig2.ParsePublicKeys(keys));
        var compressed = ctx.PublicKey.ToCompressed();
        Assert.Equal(test["aggregate_pubkey"]!.GetValue<string>(), Convert.ToHexStringLower(compressed));

        // BIP32 serialization: version || depth 0 || fingerprint 0 || child 0 || chain code || key.
        byte[] payload = [0x04, 0x88, 0xB2, 0x1E, 0, 0, 0, 0, 0, 0, 0, 0, 0, .. ChainCode, .. compressed];
        Assert.Equal(test["xpub"]!.GetValue<string>(), Base58Check(payload));
    }

    private static string Base58Check(byte[] payload)
    {
        const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        var checksum = new byte[32];
        Hashes.Hash256(payload, checksum);
        byte[] data = [.. payload, .. checksum.AsSpan(0, 4)];
        var value = new BigInteger(data, isUnsigned: true, isBigEndian: true);
        var chars = new List<char>();
        while (value > 0)
        {
            chars.Add(Alphabet[(int)(value % 58)]);
            value /= 58;
        }

        chars.AddRange(data.TakeWhile(b => b == 0).Select(_ => '1'));
        chars.Reverse();
        return new string([.. chars]);
    }
}
