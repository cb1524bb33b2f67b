using System.Buffers.Binary;
using System.Security.Cryptography;
using NSec.Cryptography;

namespace OPSource.Wallet.Keys;

/// <summary>Argon2id cost of a <see cref="SecretEnvelope"/> (RFC 9106 section 4, second recommended option by default: 64 MiB, 3 passes, 1 lane).</summary>
/// <param name="MemoryKiB">Memory in KiB (8192 .. 4 GiB).</param>
/// <param name="Passes">Iterations (1 .. 100).</param>
public sealed record KdfCost(long MemoryKiB = 65536, long Passes = 3)
{
    /// <summary>The smallest accepted cost (tests only).</summary>
    public static KdfCost Minimum { get; } = new(8192, 1);

    /// <summary>Null when in range, else why not (naming the setting).</summary>
    public string? Check() =>
        MemoryKiB < 8192 || MemoryKiB > 4L * 1024 * 1024 ? "memory must be 8192 .. 4194304 KiB"
        : Passes < 1 || Passes > 100 ? "passes must be 1 .. 100"
        : null;
}

/// <summary>
/// Encrypts a wallet secret under a passphrase: Argon2id (RFC 9106) derives a 256-bit key from the passphrase
/// and a random 16-byte salt, XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) seals the plaintext under a random
/// 24-byte nonce, both through libsodium (NSec). The binary header (magic, version, KDF parameters, salt,
/// nonce) is the associated data, so none of it can be altered without failing authentication.
/// Layout: <c>"OPSW" | 01 | 01 (argon2id) | m KiB (u32 LE) | t (u32 LE) | p=1 | salt[16] | 01 (xchacha20poly1305) | nonce[24] | ciphertext+tag</c>.
/// </summary>
public static class SecretEnvelope
{
    private const int SaltLength = 16;
    private const int NonceLength = 24;
    private const int HeaderLength = 4 + 1 + 1 + 4 + 4 + 1 + SaltLength + 1 + NonceLength;
    private static ReadOnlySpan<byte> Magic => "OPSW"u8;

    /// <summary>Bytes added to the plaintext.</summary>
    public static int Overhead => HeaderLength + AeadAlgorithm.XChaCha20Poly1305.TagSize;

    /// <summary>Seals <paramref name="plaintext"/> under the UTF-8 bytes of <paramref name="passphrase"/>.</summary>
    /// <exception cref="ArgumentException">The passphrase is empty or not valid Unicode; the cost is out of range.</exception>
    public static byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<char> passphrase, KdfCost cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        if (cost.Check() is { } problem)
        {
            throw new ArgumentException("wallet encryption: " + problem, nameof(cost));
        }

        var result = new byte[HeaderLength + plaintext.Length + AeadAlgorithm.XChaCha20Poly1305.TagSize];
        var header = result.AsSpan(0, HeaderLength);
        Magic.CopyTo(header);
        header[4] = 1;
        header[5] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(header[6..], (uint)cost.MemoryKiB);
        BinaryPrimitives.WriteUInt32LittleEndian(header[10..], (uint)cost.Passes);
        header[14] = 1;
        RandomNumberGenerator.Fill(header.Slice(15, SaltLength));
        header[15 + SaltLength] = 1;
        RandomNumberGenerator.Fill(header.Slice(16 + SaltLength, NonceLength));
        using var key = DeriveKey(passphrase, header.Slice(15, SaltLength), cost);
        AeadAlgorithm.XChaCha20Poly1305.Encrypt(key, header.Slice(16 + SaltLength, NonceLength), header, plaintext, result.AsSpan(HeaderLength));
        return result;
    }

    /// <summary>
    /// Opens an envelope into a new pinned buffer the caller must clear. False when the passphrase is wrong or
    /// anything in the envelope was altered (the two cannot be told apart).
    /// </summary>
    /// <exception cref="FormatException">Not an envelope of a known version, or parameters out of range.</exception>
    public static bool TryOpen(ReadOnlySpan<byte> envelope, ReadOnlySpan<char> passphrase, out byte[] plaintext)
    {
        plaintext = [];
        if (envelope.Length < Overhead || !envelope.StartsWith(Magic))
        {
            throw new FormatException("wallet secret: not an encrypted wallet secret");
        }

        var header = envelope[..HeaderLength];
        if (header[4] != 1 || header[5] != 1 || header[14] != 1 || header[15 + SaltLength] != 1)
        {
            throw new FormatException("wallet secret: unsupported envelope version, KDF or cipher");
        }

        var cost = new KdfCost(BinaryPrimitives.ReadUInt32LittleEndian(header[6..]), BinaryPrimitives.ReadUInt32LittleEndian(header[10..]));
        if (cost.Check() is { } problem)
        {
            throw new FormatException("wallet secret: Argon2id " + problem);
        }

        using var key = DeriveKey(passphrase, header.Slice(15, SaltLength), cost);
        var output = GC.AllocateArray<byte>(envelope.Length - Overhead, pinned: true);
        if (!AeadAlgorithm.XChaCha20Poly1305.Decrypt(key, header.Slice(16 + SaltLength, NonceLength), header, envelope[HeaderLength..], output))
        {
            CryptographicOperations.ZeroMemory(output);
            return false;
        }

        plaintext = output;
        return true;
    }

    private static Key DeriveKey(ReadOnlySpan<char> passphrase, ReadOnlySpan<byte> salt, KdfCost cost)
    {
        if (passphrase.IsEmpty)
        {
            throw new ArgumentException("wallet encryption: the passphrase is empty", nameof(passphrase));
        }

        if (OPSource.Bitcoin.Encoding.UnicodeText.FindInvalid(passphrase) >= 0)
        {
            throw new ArgumentException("wallet encryption: the passphrase is not valid Unicode text", nameof(passphrase));
        }

        var bytes = GC.AllocateArray<byte>(System.Text.Encoding.UTF8.GetByteCount(passphrase), pinned: true);
        try
        {
            System.Text.Encoding.UTF8.GetBytes(passphrase, bytes);
            var kdf = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
            {
                DegreeOfParallelism = 1,
                MemorySize = cost.MemoryKiB,
                NumberOfPasses = cost.Passes,
            });
            return kdf.DeriveKey(bytes, salt, AeadAlgorithm.XChaCha20Poly1305);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}
