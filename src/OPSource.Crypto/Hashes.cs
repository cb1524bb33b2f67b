using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;

namespace OPSource.Crypto;

/// <summary>
/// The hash functions Bitcoin uses. All write into caller-provided spans; none allocate
/// except <see cref="Ripemd160"/> (BouncyCastle digest state).
/// </summary>
public static class Hashes
{
    /// <summary>Size of SHA-256 output in bytes.</summary>
    public const int Sha256Size = 32;

    /// <summary>Size of RIPEMD-160 / HASH160 output in bytes.</summary>
    public const int Hash160Size = 20;

    /// <summary>SHA-256 of <paramref name="data"/>.</summary>
    public static void Sha256(ReadOnlySpan<byte> data, Span<byte> output32) =>
        System.Security.Cryptography.SHA256.HashData(data, output32);

    /// <summary>SHA-256 of <paramref name="data"/>, returned as a new array.</summary>
    public static byte[] Sha256(ReadOnlySpan<byte> data) => System.Security.Cryptography.SHA256.HashData(data);

    /// <summary>SHA256(SHA256(data)), Bitcoin's HASH256 (txids, block hashes, Base58Check checksums).</summary>
    public static void Hash256(ReadOnlySpan<byte> data, Span<byte> output32)
    {
        Span<byte> first = stackalloc byte[Sha256Size];
        System.Security.Cryptography.SHA256.HashData(data, first);
        System.Security.Cryptography.SHA256.HashData(first, output32);
    }

    /// <summary>SHA-1, needed only by OP_SHA1.</summary>
    public static void Sha1(ReadOnlySpan<byte> data, Span<byte> output20) =>
#pragma warning disable CA5350 // OP_SHA1 is consensus; SHA-1 is not used for security here.
        System.Security.Cryptography.SHA1.HashData(data, output20);
#pragma warning restore CA5350

    /// <summary>RIPEMD-160 of <paramref name="data"/>.</summary>
    public static void Ripemd160(ReadOnlySpan<byte> data, Span<byte> output20)
    {
        var digest = new RipeMD160Digest();
        digest.BlockUpdate(data);
        digest.DoFinal(output20);
    }

    /// <summary>RIPEMD160(SHA256(data)), Bitcoin's HASH160 (P2PKH, P2SH, P2WPKH programs).</summary>
    public static void Hash160(ReadOnlySpan<byte> data, Span<byte> output20)
    {
        Span<byte> sha = stackalloc byte[Sha256Size];
        System.Security.Cryptography.SHA256.HashData(data, sha);
        Ripemd160(sha, output20);
    }

    /// <summary>HMAC-SHA512 (BIP32 key derivation, BIP39 seeds via PBKDF2).</summary>
    public static void HmacSha512(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> output64) =>
        HMACSHA512.HashData(key, data, output64);

    /// <summary>HMAC-SHA256 (RFC 6979 nonces).</summary>
    public static void HmacSha256(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> output32) =>
        HMACSHA256.HashData(key, data, output32);

    /// <summary>
    /// BIP340 tagged hash: SHA256(SHA256(tag) || SHA256(tag) || data). Tag hashes are cached, and
    /// inputs up to 1 KiB are hashed from a stack buffer, so the common case does not allocate.
    /// </summary>
    public static void TaggedHash(string tag, ReadOnlySpan<byte> data, Span<byte> output32)
    {
        ArgumentNullException.ThrowIfNull(tag);
        if (!TagHashes.TryGetValue(tag, out byte[]? tagHash))
        {
            tagHash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(tag));
            if (TagHashes.Count < 256)
            {
                TagHashes.TryAdd(tag, tagHash);
            }
        }

        int total = 64 + data.Length;
        if (total <= 1024)
        {
            Span<byte> buf = stackalloc byte[total];
            tagHash.CopyTo(buf);
            tagHash.CopyTo(buf[32..]);
            data.CopyTo(buf[64..]);
            System.Security.Cryptography.SHA256.HashData(buf, output32);
            return;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(tagHash);
        hash.AppendData(tagHash);
        hash.AppendData(data);
        hash.GetHashAndReset(output32);
    }

    // Tags are protocol constants (TapLeaf, TapBranch, TapSighash, BIP0340/...); the cache is capped anyway.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> TagHashes = new(StringComparer.Ordinal);
}
