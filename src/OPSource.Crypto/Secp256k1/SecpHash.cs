using System.Buffers;
using System.Security.Cryptography;

namespace OPSource.Crypto.Secp256k1;

/// <summary>Allocation-free hashing helpers for the signature schemes (cached BIP340 tag hashes, RFC6979 DRBG).</summary>
internal static class SecpHash
{
    internal static readonly byte[] TagAux = TagHash("BIP0340/aux");
    internal static readonly byte[] TagNonce = TagHash("BIP0340/nonce");
    internal static readonly byte[] TagChallenge = TagHash("BIP0340/challenge");
    internal static readonly byte[] TagTapTweak = TagHash("TapTweak");

    /// <summary>hash_BIP0340/aux of 32 zero bytes: the nonce mask when aux_rand is zero or absent (libsecp256k1's ZERO_MASK).</summary>
    internal static readonly byte[] ZeroAuxMask = ZeroAux();

    private static byte[] ZeroAux()
    {
        var mask = new byte[32];
        Tagged(TagAux, stackalloc byte[32], default, default, mask);
        return mask;
    }

    private static byte[] TagHash(string tag) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(tag));

    /// <summary>BIP340 tagged hash with a precomputed SHA256(tag): SHA256(th || th || a || b || c).</summary>
    internal static void Tagged(ReadOnlySpan<byte> tagHash, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, Span<byte> output32)
    {
        int total = 64 + a.Length + b.Length + c.Length;
        byte[]? rented = null;
        Span<byte> buf = total <= 512 ? stackalloc byte[total] : (rented = ArrayPool<byte>.Shared.Rent(total)).AsSpan(0, total);
        try
        {
            tagHash.CopyTo(buf);
            tagHash.CopyTo(buf[32..]);
            a.CopyTo(buf[64..]);
            b.CopyTo(buf[(64 + a.Length)..]);
            c.CopyTo(buf[(64 + a.Length + b.Length)..]);
            SHA256.HashData(buf, output32);
        }
        finally
        {
            // The buffer may hold a masked secret key (BIP340 nonce derivation).
            CryptographicOperations.ZeroMemory(buf);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// RFC6979 HMAC-SHA256 DRBG as libsecp256k1's nonce_function_rfc6979: seeded with
    /// key32 || msg32 (msg reduced mod n) [|| extra32], returning the output of the (counter+1)-th generate call.
    /// </summary>
    /// <remarks>
    /// HMAC-SHA256 (RFC 2104) is computed here from two one-shot SHA-256 calls over stack buffers
    /// (<see cref="HmacSha256"/>): the key changes at every step of the DRBG, and the one-shot
    /// HMACSHA256.HashData sets up an HMAC context per call, which measured several times slower.
    /// </remarks>
    internal static void Rfc6979(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> msg32, ReadOnlySpan<byte> extra32, uint counter, Span<byte> nonce32)
    {
        Span<byte> k = stackalloc byte[32];
        Span<byte> v = stackalloc byte[32];
        Span<byte> buf = stackalloc byte[32 + 1 + 96];
        Span<byte> scratch = stackalloc byte[HmacScratchSize];
        try
        {
            v.Fill(0x01);
            k.Clear();
            int seedLen = 64 + extra32.Length;

            // RFC6979 3.2 d-g.
            v.CopyTo(buf);
            buf[32] = 0x00;
            key32.CopyTo(buf[33..]);
            msg32.CopyTo(buf[65..]);
            extra32.CopyTo(buf[97..]);
            HmacSha256(k, buf[..(33 + seedLen)], k, scratch);
            HmacSha256(k, v, v, scratch);
            v.CopyTo(buf);
            buf[32] = 0x01;
            HmacSha256(k, buf[..(33 + seedLen)], k, scratch);
            HmacSha256(k, v, v, scratch);

            for (uint i = 0; i <= counter; i++)
            {
                if (i > 0)
                {
                    // libsecp rfc6979_hmac_sha256_generate retry: K = HMAC(K, V || 0x00), V = HMAC(K, V).
                    v.CopyTo(buf);
                    buf[32] = 0x00;
                    HmacSha256(k, buf[..33], k, scratch);
                    HmacSha256(k, v, v, scratch);
                }

                HmacSha256(k, v, v, scratch);
            }

            v.CopyTo(nonce32);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(k);
            CryptographicOperations.ZeroMemory(v);
            CryptographicOperations.ZeroMemory(buf);
            CryptographicOperations.ZeroMemory(scratch);
        }
    }

    /// <summary>Scratch size for <see cref="HmacSha256"/>: one block of padded key plus the longest RFC6979 message (32 + 1 + 96 bytes).</summary>
    private const int HmacScratchSize = 64 + 32 + 1 + 96;

    /// <summary>
    /// RFC 2104 HMAC-SHA256 with a 32-byte key: H((K ^ opad) || H((K ^ ipad) || data)). <paramref name="output32"/>
    /// may alias <paramref name="key32"/> or <paramref name="data"/>; <paramref name="scratch"/> holds the padded
    /// key (secret) and is wiped by the caller.
    /// </summary>
    internal static void HmacSha256(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> data, Span<byte> output32, Span<byte> scratch)
    {
        Span<byte> inner = stackalloc byte[32];
        // RFC 2104: the 32-byte key is zero-padded to the 64-byte block, then XORed with 0x36 (ipad).
        for (int i = 0; i < 32; i++)
        {
            scratch[i] = (byte)(key32[i] ^ 0x36);
        }

        scratch[32..64].Fill(0x36);
        data.CopyTo(scratch[64..]);
        SHA256.HashData(scratch[..(64 + data.Length)], inner);

        // ... and with 0x5c (opad) for the outer hash.
        for (int i = 0; i < 32; i++)
        {
            scratch[i] = (byte)(key32[i] ^ 0x5c);
        }

        scratch[32..64].Fill(0x5c);
        inner.CopyTo(scratch[64..]);
        SHA256.HashData(scratch[..96], output32);
    }
}
