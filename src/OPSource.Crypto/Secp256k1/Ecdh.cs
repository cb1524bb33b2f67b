using System.Security.Cryptography;

namespace OPSource.Crypto.Secp256k1;

/// <summary>Elliptic-curve Diffie-Hellman with libsecp256k1's default hash.</summary>
public static class Ecdh
{
    /// <summary>
    /// SHA256(0x02|0x03 by y parity || x) of k*peer (libsecp ecdh with ecdh_hash_function_sha256).
    /// </summary>
    public static void ComputeSharedSecret(SecretKey key, in PublicKey peer, Span<byte> output32)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (output32.Length < 32)
        {
            throw new ArgumentException("ecdh: output must hold 32 bytes", nameof(output32));
        }

        GroupElement shared = EcMult.Multiply(peer.Point, key.Scalar).ToAffine();
        Span<byte> buf = stackalloc byte[33];
        try
        {
            buf[0] = (byte)(0x02 | (shared.Y.IsOdd ? 1 : 0));
            shared.X.WriteTo(buf[1..]);
            SHA256.HashData(buf, output32[..32]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buf);
        }
    }
}
