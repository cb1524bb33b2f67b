using Org.BouncyCastle.Crypto.Digests;

namespace OPSource.Layers.Stacks;

/// <summary>SHA-512/256 (FIPS 180-4 §6.7), the hash of Stacks txids and sighashes (SIP-005 "Transaction signing").</summary>
public static class Sha512_256
{
    /// <summary>Hashes <paramref name="data"/> into 32 bytes.</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> output32)
    {
        var digest = new Sha512tDigest(256);
        digest.BlockUpdate(data);
        digest.DoFinal(output32);
    }

    /// <summary>Hashes <paramref name="data"/>.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        var result = new byte[32];
        Hash(data, result);
        return result;
    }
}
