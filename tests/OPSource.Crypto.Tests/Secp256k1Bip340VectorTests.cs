using OPSource.Crypto.Secp256k1;
using OPSource.TestSupport;

namespace OPSource.Crypto.Tests;

/// <summary>Every row of BIP340's test-vectors.csv: signing (when a secret key is given) and verification.</summary>
public class Secp256k1Bip340VectorTests
{
    public static TheoryData<int> Rows()
    {
        var data = new TheoryData<int>();
        string[] lines = Vectors.ReadText("bips", "bip340_test-vectors.csv").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 1; i < lines.Length; i++)
        {
            data.Add(int.Parse(lines[i].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture));
        }

        return data;
    }

    private static string[] Row(int index)
    {
        string[] lines = Vectors.ReadText("bips", "bip340_test-vectors.csv").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Skip(1).Select(l => l.TrimEnd('\r').Split(',')).Single(f => f[0] == index.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Bip340_vector(int index)
    {
        string[] f = Row(index);
        string secret = f[1], pub = f[2], aux = f[3], msg = f[4], sig = f[5];
        bool expected = f[6] == "TRUE";
        string comment = f.Length > 7 ? f[7] : "";
        byte[] message = Convert.FromHexString(msg);
        byte[] signature = Convert.FromHexString(sig);

        if (secret.Length > 0)
        {
            using SecretKey key = SecretKey.Create(Convert.FromHexString(secret));
            Assert.Equal(pub, key.XOnlyPublicKey.ToString(), ignoreCase: true);
            byte[] produced = Schnorr.Sign(key, message, Convert.FromHexString(aux));
            Assert.Equal(sig, Convert.ToHexString(produced));
        }

        bool parsed = XOnlyPublicKey.TryParse(Convert.FromHexString(pub), out XOnlyPublicKey xonly);
        bool verified = parsed && Schnorr.Verify(signature, message, xonly);
        Assert.True(expected == verified, $"row {index}: expected {expected}, got {verified} ({comment})");
    }
}
