using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using NSec.Cryptography;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Keys;

/// <summary>Argon2id cost settings (RFC 9106 section 4, "second recommended option": 64 MiB, 3 passes, 1 lane).</summary>
/// <param name="MemoryKiB">Memory in KiB.</param>
/// <param name="Passes">Iterations.</param>
public sealed record Argon2Cost(long MemoryKiB = 65536, long Passes = 3)
{
    /// <summary>A cheap setting for tests only.</summary>
    public static Argon2Cost Testing { get; } = new(8192, 1);
}

/// <summary>
/// Encrypts secrets at rest: Argon2id (RFC 9106) derives a 256-bit key from a passphrase and a random
/// 16-byte salt; XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) seals the plaintext under a random 24-byte
/// nonce, with the envelope header (version, KDF parameters) as associated data so none of it can be
/// altered. Both run in libsodium through NSec. The envelope is JSON:
/// <c>{"v":1,"kdf":"argon2id","m":KiB,"t":passes,"p":1,"salt":b64u,"aead":"xchacha20poly1305","nonce":b64u,"ct":b64u}</c>.
/// </summary>
public static class KeyEnvelope
{
    private const int SaltBytes = 16;

    /// <summary>Seals <paramref name="plaintext"/> under <paramref name="passphrase"/> (UTF-8 bytes).</summary>
    public static JsonObject Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> passphrase, Argon2Cost? cost = null)
    {
        cost ??= new Argon2Cost();
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var nonce = RandomNumberGenerator.GetBytes(24);
        var header = Header(cost, salt, nonce);
        using var key = DeriveKey(passphrase, salt, cost);
        var ciphertext = AeadAlgorithm.XChaCha20Poly1305.Encrypt(key, nonce, AssociatedData(header), plaintext);
        header["ct"] = B64Url.Encode(ciphertext);
        return header;
    }

    /// <summary>Opens an envelope; false when the passphrase is wrong or anything was altered.</summary>
    public static bool TryOpen(JsonObject envelope, ReadOnlySpan<byte> passphrase, out byte[] plaintext)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        plaintext = [];
        if (envelope.GetInt64("v") != 1 || envelope.GetString("kdf") != "argon2id" || envelope.GetString("aead") != "xchacha20poly1305")
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidKeyEnvelope, "key envelope: unsupported version, kdf or aead");
        }

        var m = envelope.GetInt64("m") ?? throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidKeyEnvelope, "key envelope: missing 'm'");
        var t = envelope.GetInt64("t") ?? throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidKeyEnvelope, "key envelope: missing 't'");
        if (m < 8 || m > 4L * 1024 * 1024 || t < 1 || t > 100 || envelope.GetInt64("p") != 1)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidKeyEnvelope, "key envelope: Argon2id parameters out of range");
        }

        var salt = B64Url.Decode(envelope.GetString("salt"), "key envelope: salt");
        var nonce = B64Url.Decode(envelope.GetString("nonce"), "key envelope: nonce");
        var ct = B64Url.Decode(envelope.GetString("ct"), "key envelope: ct");
        if (salt.Length != SaltBytes || nonce.Length != 24)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidKeyEnvelope, "key envelope: salt must be 16 bytes and nonce 24");
        }

        var cost = new Argon2Cost(m, t);
        using var key = DeriveKey(passphrase, salt, cost);
        var result = AeadAlgorithm.XChaCha20Poly1305.Decrypt(key, nonce, AssociatedData(Header(cost, salt, nonce)), ct);
        if (result is null)
        {
            return false;
        }

        plaintext = result;
        return true;
    }

    private static JsonObject Header(Argon2Cost cost, byte[] salt, byte[] nonce) => new()
    {
        ["v"] = 1,
        ["kdf"] = "argon2id",
        ["m"] = cost.MemoryKiB,
        ["t"] = cost.Passes,
        ["p"] = 1,
        ["salt"] = B64Url.Encode(salt),
        ["aead"] = "xchacha20poly1305",
        ["nonce"] = B64Url.Encode(nonce),
    };

    private static byte[] AssociatedData(JsonObject header) => System.Text.Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"opsource-key-envelope/v1/argon2id/m={header.GetInt64("m")}/t={header.GetInt64("t")}/p=1/salt={header.GetString("salt")}/xchacha20poly1305/nonce={header.GetString("nonce")}"));

    private static Key DeriveKey(ReadOnlySpan<byte> passphrase, byte[] salt, Argon2Cost cost)
    {
        if (passphrase.IsEmpty)
        {
            throw new ArgumentException("key envelope: the passphrase is empty", nameof(passphrase));
        }

        var kdf = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
        {
            DegreeOfParallelism = 1,
            MemorySize = cost.MemoryKiB,
            NumberOfPasses = cost.Passes,
        });
        return kdf.DeriveKey(passphrase, salt, AeadAlgorithm.XChaCha20Poly1305);
    }
}
