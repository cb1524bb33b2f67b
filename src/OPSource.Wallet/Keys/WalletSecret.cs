using System.Buffers.Binary;
using System.Security.Cryptography;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Keys;
using OPSource.Crypto.Secp256k1;
using OPSource.Wallet.Signing;

namespace OPSource.Wallet.Keys;

/// <summary>What a wallet's encrypted secret holds.</summary>
public enum WalletSecretKind
{
    /// <summary>A BIP39 mnemonic (entropy and word list) and its seed (with the BIP39 passphrase applied).</summary>
    Bip39 = 1,

    /// <summary>The private keys of imported descriptors: extended keys with their origins, and single keys.</summary>
    Keys = 2,
}

/// <summary>
/// The plaintext inside a wallet's <see cref="SecretEnvelope"/>, as bytes in pinned buffers that are cleared
/// after use (never strings). Layout, version 1:
/// <list type="bullet">
/// <item><c>01 | 01 | language | entropy length | entropy | seed[64]</c> for <see cref="WalletSecretKind.Bip39"/>;</item>
/// <item><c>01 | 02 | count (u16 LE) | entries</c> for <see cref="WalletSecretKind.Keys"/>, an entry being
/// <c>01 | fingerprint[4] | path length | path (u32 LE each) | BIP32 serialization[78]</c> or <c>02 | key[32]</c>.</item>
/// </list>
/// </summary>
public static class WalletSecret
{
    private const byte Version = 1;

    /// <summary>The plaintext of a BIP39 wallet: entropy and language (to show the words again) and the seed.</summary>
    public static byte[] EncodeBip39(Mnemonic mnemonic, Bip39Seed seed)
    {
        ArgumentNullException.ThrowIfNull(mnemonic);
        ArgumentNullException.ThrowIfNull(seed);
        var buffer = GC.AllocateArray<byte>(4 + mnemonic.EntropyLength + Bip39Seed.Length, pinned: true);
        buffer[0] = Version;
        buffer[1] = (byte)WalletSecretKind.Bip39;
        buffer[2] = (byte)mnemonic.Language;
        buffer[3] = (byte)mnemonic.EntropyLength;
        mnemonic.CopyEntropyTo(buffer.AsSpan(4));
        seed.Span.CopyTo(buffer.AsSpan(4 + mnemonic.EntropyLength));
        return buffer;
    }

    /// <summary>The plaintext of a descriptor wallet's private keys (every xprv with its origin, every WIF key).</summary>
    /// <exception cref="ArgumentException">No private key among the secrets.</exception>
    public static byte[] EncodeKeys(IReadOnlyList<DescriptorSecret> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (secrets.Count == 0 || secrets.Count > ushort.MaxValue)
        {
            throw new ArgumentException("wallet secret: no private keys to store", nameof(secrets));
        }

        var length = 4;
        foreach (var s in secrets)
        {
            length += s.ExtKey is not null ? 1 + 4 + 1 + (4 * s.Origin!.KeyPath.Length) + ExtKey.SerializedLength : 1 + SecretKey.Size;
        }

        var buffer = GC.AllocateArray<byte>(length, pinned: true);
        buffer[0] = Version;
        buffer[1] = (byte)WalletSecretKind.Keys;
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(2), (ushort)secrets.Count);
        var p = 4;
        foreach (var s in secrets)
        {
            if (s.ExtKey is { } ext)
            {
                var origin = s.Origin!;
                if (origin.KeyPath.Length > byte.MaxValue)
                {
                    CryptographicOperations.ZeroMemory(buffer);
                    throw new ArgumentException("wallet secret: key origin path is too long", nameof(secrets));
                }

                buffer[p++] = 1;
                origin.MasterFingerprint.WriteTo(buffer.AsSpan(p));
                p += 4;
                buffer[p++] = (byte)origin.KeyPath.Length;
                foreach (var index in origin.KeyPath.Indexes)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(p), index);
                    p += 4;
                }

                ext.WriteTo(buffer.AsSpan(p, ExtKey.SerializedLength), ExtKeyVersion.Xprv);
                p += ExtKey.SerializedLength;
            }
            else
            {
                buffer[p++] = 2;
                s.Key!.WriteTo(buffer.AsSpan(p, SecretKey.Size));
                p += SecretKey.Size;
            }
        }

        return buffer;
    }

    /// <summary>The kind of a plaintext.</summary>
    /// <exception cref="FormatException">Unknown version or kind.</exception>
    public static WalletSecretKind KindOf(ReadOnlySpan<byte> plaintext) =>
        plaintext.Length >= 2 && plaintext[0] == Version && plaintext[1] is 1 or 2
            ? (WalletSecretKind)plaintext[1]
            : throw new FormatException("wallet secret: unknown format");

    /// <summary>The mnemonic of a <see cref="WalletSecretKind.Bip39"/> plaintext (dispose it).</summary>
    /// <exception cref="FormatException">Not a BIP39 secret, or malformed.</exception>
    public static Mnemonic ReadMnemonic(ReadOnlySpan<byte> plaintext)
    {
        if (KindOf(plaintext) != WalletSecretKind.Bip39 || plaintext.Length < 4 || plaintext.Length != 4 + plaintext[3] + Bip39Seed.Length
            || !Enum.IsDefined((MnemonicLanguage)plaintext[2]))
        {
            throw new FormatException("wallet secret: malformed BIP39 secret");
        }

        return Mnemonic.FromEntropy(plaintext.Slice(4, plaintext[3]), (MnemonicLanguage)plaintext[2]);
    }

    /// <summary>A key ring holding the keys of a plaintext (the BIP32 master of the seed, or every stored key).</summary>
    /// <exception cref="FormatException">Malformed plaintext.</exception>
    public static WalletKeyRing ToKeyRing(ReadOnlySpan<byte> plaintext)
    {
        if (KindOf(plaintext) == WalletSecretKind.Bip39)
        {
            if (plaintext.Length < 4 || plaintext.Length != 4 + plaintext[3] + Bip39Seed.Length)
            {
                throw new FormatException("wallet secret: malformed BIP39 secret");
            }

            return WalletKeyRing.FromMaster(ExtKey.CreateMaster(plaintext[^Bip39Seed.Length..]));
        }

        var ring = new WalletKeyRing();
        try
        {
            var count = BinaryPrimitives.ReadUInt16LittleEndian(plaintext[2..]);
            var p = 4;
            for (var i = 0; i < count; i++)
            {
                var type = plaintext[p++];
                if (type == 1)
                {
                    var fingerprint = new KeyFingerprint(plaintext.Slice(p, 4));
                    p += 4;
                    var depth = plaintext[p++];
                    var path = new uint[depth];
                    for (var d = 0; d < depth; d++)
                    {
                        path[d] = BinaryPrimitives.ReadUInt32LittleEndian(plaintext[p..]);
                        p += 4;
                    }

                    if (!ExtKey.TryRead(plaintext.Slice(p, ExtKey.SerializedLength), out var key, out _, out _))
                    {
                        throw new FormatException("wallet secret: malformed extended key");
                    }

                    p += ExtKey.SerializedLength;
                    ring.AddExtendedKey(key, new RootedKeyPath(fingerprint, new KeyPath(path)));
                }
                else if (type == 2)
                {
                    ring.AddKey(SecretKey.Create(plaintext.Slice(p, SecretKey.Size)));
                    p += SecretKey.Size;
                }
                else
                {
                    throw new FormatException("wallet secret: unknown key entry");
                }
            }

            if (p != plaintext.Length)
            {
                throw new FormatException("wallet secret: trailing bytes");
            }

            return ring;
        }
        catch (Exception ex) when (ex is ArgumentException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            ring.Dispose();
            throw new FormatException("wallet secret: malformed key list", ex);
        }
        catch
        {
            ring.Dispose();
            throw;
        }
    }
}
