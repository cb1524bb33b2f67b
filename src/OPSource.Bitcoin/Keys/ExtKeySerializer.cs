using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Keys;

/// <summary>The BIP32 78-byte serialization shared by <see cref="ExtKey"/> and <see cref="ExtPubKey"/>.</summary>
internal static class ExtKeySerializer
{
    // BIP32 "Serialization format": version(4) depth(1) parent fingerprint(4) child number(4) chain code(32) key(33).
    public const int Length = 78;
    private const int ChainCodeOffset = 13;
    private const int KeyOffset = 45;

    public static void Write(Span<byte> destination, ExtKeyVersion version, byte depth, KeyFingerprint parent, uint childIndex, ReadOnlySpan<byte> chainCode, ReadOnlySpan<byte> key33)
    {
        if (destination.Length < Length)
        {
            throw new ArgumentException("bip32: destination must hold 78 bytes", nameof(destination));
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, version.Value);
        destination[4] = depth;
        parent.WriteTo(destination[5..9]);
        BinaryPrimitives.WriteUInt32BigEndian(destination[9..13], childIndex);
        chainCode.CopyTo(destination[ChainCodeOffset..KeyOffset]);
        key33.CopyTo(destination[KeyOffset..Length]);
    }

    /// <summary>The decoded fields; <see cref="SecretKey"/> is set for private versions (the caller owns it).</summary>
    public readonly record struct Fields(
        ExtKeyVersion Version, byte Depth, KeyFingerprint Parent, uint ChildIndex, byte[] ChainCode, SecretKey? SecretKey, PublicKey? PublicKey);

    public static bool TryRead(ReadOnlySpan<byte> data, out Fields fields, [NotNullWhen(false)] out KeyError? error)
    {
        fields = default;
        if (data.Length != Length)
        {
            error = new KeyError(KeyErrorKind.InvalidLength, string.Create(CultureInfo.InvariantCulture,
                $"bip32: extended key is {data.Length} bytes; must be {Length}"));
            return false;
        }

        var versionValue = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (!ExtKeyVersion.TryFromValue(versionValue, out var version))
        {
            error = new KeyError(KeyErrorKind.UnknownVersion, string.Create(CultureInfo.InvariantCulture,
                $"bip32: unknown extended key version 0x{versionValue:x8}"), 0);
            return false;
        }

        var depth = data[4];
        var parent = new KeyFingerprint(data[5..9]);
        var childIndex = BinaryPrimitives.ReadUInt32BigEndian(data[9..13]);
        var keyData = data[KeyOffset..Length];

        // BIP32: private keys are 0x00 || ser256(k); public keys are serP(K) (0x02/0x03 prefix).
        if (version.IsPrivate)
        {
            if (keyData[0] is 0x02 or 0x03)
            {
                error = new KeyError(KeyErrorKind.WrongKeyType, $"bip32: {version.Prefix} version is private but the key data is a public key", KeyOffset);
                return false;
            }

            if (keyData[0] != 0x00)
            {
                error = new KeyError(KeyErrorKind.InvalidKeyData, string.Create(CultureInfo.InvariantCulture,
                    $"bip32: invalid private key prefix 0x{keyData[0]:x2}; must be 0x00"), KeyOffset);
                return false;
            }
        }
        else
        {
            if (keyData[0] == 0x00)
            {
                error = new KeyError(KeyErrorKind.WrongKeyType, $"bip32: {version.Prefix} version is public but the key data is a private key", KeyOffset);
                return false;
            }

            if (keyData[0] is not (0x02 or 0x03))
            {
                error = new KeyError(KeyErrorKind.InvalidKeyData, string.Create(CultureInfo.InvariantCulture,
                    $"bip32: invalid public key prefix 0x{keyData[0]:x2}; must be 0x02 or 0x03"), KeyOffset);
                return false;
            }
        }

        // BIP32: a master key (depth 0) has parent fingerprint 0x00000000 and child number 0.
        if (depth == 0 && parent != KeyFingerprint.Zero)
        {
            error = new KeyError(KeyErrorKind.InvalidDepth, "bip32: zero depth with non-zero parent fingerprint", 5);
            return false;
        }

        if (depth == 0 && childIndex != 0)
        {
            error = new KeyError(KeyErrorKind.InvalidDepth, "bip32: zero depth with non-zero child index", 9);
            return false;
        }

        SecretKey? secret = null;
        PublicKey? publicKey = null;
        if (version.IsPrivate)
        {
            // BIP32: "the key must be in 1..n-1".
            if (!SecretKey.TryCreate(keyData[1..], out secret))
            {
                error = new KeyError(KeyErrorKind.InvalidKey, "bip32: private key is not in 1..n-1", KeyOffset + 1);
                return false;
            }
        }
        else if (PublicKey.TryParse(keyData, out var parsedKey))
        {
            publicKey = parsedKey;
        }
        else
        {
            error = new KeyError(KeyErrorKind.InvalidKey, "bip32: public key is not a valid curve point", KeyOffset);
            return false;
        }

        fields = new Fields(version, depth, parent, childIndex, data[ChainCodeOffset..KeyOffset].ToArray(), secret, publicKey);
        error = null;
        return true;
    }

    public static bool TryDecodeBase58(string? text, Span<byte> destination78, [NotNullWhen(false)] out KeyError? error)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            error = new KeyError(KeyErrorKind.Empty, "bip32: extended key is empty");
            return false;
        }

        if (!Encoding.Base58.TryDecodeCheck(text.Trim(), out var payload, out var b58Error))
        {
            error = new KeyError(KeyErrorKind.InvalidEncoding, "bip32: " + b58Error.Message, b58Error.Position + (text.Length - text.TrimStart().Length));
            return false;
        }

        try
        {
            if (payload.Length != Length)
            {
                error = new KeyError(KeyErrorKind.InvalidLength, string.Create(CultureInfo.InvariantCulture,
                    $"bip32: extended key is {payload.Length} bytes; must be {Length}"));
                return false;
            }

            payload.CopyTo(destination78);
            error = null;
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(payload);
        }
    }

    public static string EncodeBase58(ReadOnlySpan<byte> data78) => Encoding.Base58.EncodeCheck(data78);
}
