using Org.BouncyCastle.Crypto.Digests;

namespace OPSource.Layers.Rsk;

/// <summary>
/// Keccak-256 as Ethereum and Rootstock use it (the original Keccak padding 0x01, not SHA3-256's 0x06;
/// Ethereum Yellow Paper appendix; rskj <c>co.rsk.crypto.Keccak256</c>), via BouncyCastle's <see cref="KeccakDigest"/>.
/// </summary>
public static class Keccak
{
    /// <summary>Size of a digest in bytes.</summary>
    public const int Size = 32;

    /// <summary>Writes Keccak-256(<paramref name="data"/>) into <paramref name="destination32"/>.</summary>
    public static void Hash256(ReadOnlySpan<byte> data, Span<byte> destination32)
    {
        if (destination32.Length < Size)
        {
            throw new ArgumentException("keccak: destination must hold 32 bytes", nameof(destination32));
        }

        var digest = new KeccakDigest(256);
        digest.BlockUpdate(data);
        digest.DoFinal(destination32);
    }

    /// <summary>Keccak-256 of <paramref name="data"/>.</summary>
    public static byte[] Hash256(ReadOnlySpan<byte> data)
    {
        var result = new byte[Size];
        Hash256(data, result);
        return result;
    }
}
