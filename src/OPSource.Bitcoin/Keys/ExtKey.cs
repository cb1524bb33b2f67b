using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Keys;

/// <summary>
/// A BIP32 extended private key (xprv and its SLIP-132 variants). A secret: <see cref="ToString"/>
/// shows only the fingerprint and depth, <see cref="Dispose"/> zeroes the key and chain code, and
/// the serialized form is only produced by <see cref="ToBase58(ExtKeyVersion)"/>.
/// </summary>
public sealed class ExtKey : IDisposable
{
    /// <summary>Length of the BIP32 serialization.</summary>
    public const int SerializedLength = ExtKeySerializer.Length;

    // BIP32 "Master key generation": I = HMAC-SHA512(Key = "Bitcoin seed", Data = S).
    private static readonly byte[] MasterHmacKey = "Bitcoin seed"u8.ToArray();

    private readonly SecretKey _secretKey;
    private readonly byte[] _chainCode;
    private ExtPubKey? _neutered;
    private bool _disposed;

    private ExtKey(SecretKey secretKey, ReadOnlySpan<byte> chainCode, byte depth, KeyFingerprint parentFingerprint, uint childIndex)
    {
        _secretKey = secretKey;
        _chainCode = chainCode.ToArray();
        Depth = depth;
        ParentFingerprint = parentFingerprint;
        ChildIndex = childIndex;
    }

    /// <summary>Number of derivation steps from the master key (0 for the master).</summary>
    public byte Depth { get; }

    /// <summary>The fingerprint of the parent key (zero for the master).</summary>
    public KeyFingerprint ParentFingerprint { get; }

    /// <summary>The index this key was derived with (hardened indexes carry bit 31).</summary>
    public uint ChildIndex { get; }

    /// <summary>True when this key was derived with a hardened index.</summary>
    public bool IsHardened => KeyPath.IsHardened(ChildIndex);

    /// <summary>The private key k. Owned by this object: do not dispose it; it dies with this key.</summary>
    public SecretKey PrivateKey
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _secretKey;
        }
    }

    /// <summary>The public key K = k·G.</summary>
    public PublicKey PublicKey => Neuter().PublicKey;

    /// <summary>BIP32 key identifier: HASH160 of the compressed public key.</summary>
    public void WriteIdentifier(Span<byte> destination20) => Neuter().WriteIdentifier(destination20);

    /// <summary>BIP32 fingerprint of this key (first 4 bytes of HASH160 of the public key).</summary>
    public KeyFingerprint Fingerprint => Neuter().Fingerprint;

    /// <summary>BIP32 master key from a seed of 16..64 bytes.</summary>
    public static ExtKey CreateMaster(ReadOnlySpan<byte> seed)
    {
        // BIP32: "Generate a seed byte sequence S of a chosen length (between 128 and 512 bits)".
        if (seed.Length < 16 || seed.Length > 64)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"bip32: seed is {seed.Length} bytes; must be 16..64"), nameof(seed));
        }

        Span<byte> i64 = stackalloc byte[64];
        try
        {
            Hashes.HmacSha512(MasterHmacKey, seed, i64);
            // BIP32: "In case parse256(IL) is 0 or parse256(IL) >= n, the master key is invalid."
            if (!SecretKey.TryCreate(i64[..32], out var master))
            {
                throw new ArgumentException("bip32: this seed gives an invalid master key (probability < 2^-127); use another seed", nameof(seed));
            }

            return new ExtKey(master, i64[32..], 0, KeyFingerprint.Zero, 0);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(i64);
        }
    }

    /// <summary>BIP32 master key from a BIP39 seed.</summary>
    public static ExtKey CreateMaster(Bip39Seed seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        return CreateMaster(seed.Span);
    }

    /// <summary>
    /// BIP32 CKDpriv. Returns false only for the (probability &lt; 2^-127) invalid child, in which
    /// case BIP32 says to use the next index, or when depth 255 would be exceeded.
    /// </summary>
    public bool TryDerive(uint index, [NotNullWhen(true)] out ExtKey? child)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        child = null;
        if (Depth == byte.MaxValue)
        {
            return false;
        }

        Span<byte> data = stackalloc byte[37];
        Span<byte> i64 = stackalloc byte[64];
        try
        {
            if (KeyPath.IsHardened(index))
            {
                // BIP32: I = HMAC-SHA512(Key = cpar, Data = 0x00 || ser256(kpar) || ser32(i)).
                data[0] = 0;
                _secretKey.WriteTo(data[1..33]);
            }
            else
            {
                // BIP32: I = HMAC-SHA512(Key = cpar, Data = serP(point(kpar)) || ser32(i)).
                Neuter().PublicKeyBytes.CopyTo(data);
            }

            BinaryPrimitives.WriteUInt32BigEndian(data[33..], index);
            Hashes.HmacSha512(_chainCode, data, i64);
            // BIP32: ki = parse256(IL) + kpar (mod n); invalid if parse256(IL) >= n or ki = 0.
            if (!_secretKey.TryAddTweak(i64[..32], out var childKey))
            {
                return false;
            }

            child = new ExtKey(childKey, i64[32..], (byte)(Depth + 1), Fingerprint, index);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
            CryptographicOperations.ZeroMemory(i64);
        }
    }

    /// <summary>Derives a child (hardened when bit 31 is set); throws in the 2^-127 invalid case.</summary>
    public ExtKey Derive(uint index) => TryDerive(index, out var child)
        ? child
        : throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
            $"bip32: child {index & ~KeyPath.HardenedBit}{(KeyPath.IsHardened(index) ? "'" : "")} is invalid or depth 255 is exceeded; BIP32 says to use the next index"));

    /// <summary>Derives along a path; intermediate keys are disposed.</summary>
    public ExtKey Derive(KeyPath path)
    {
        ArgumentNullException.ThrowIfNull(path);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (path.Length == 0)
        {
            return Clone();
        }

        ExtKey? current = null;
        foreach (var index in path.Indexes)
        {
            var next = (current ?? this).Derive(index);
            current?.Dispose();
            current = next;
        }

        return current!;
    }

    /// <summary>BIP32 N(): the extended public key with the same chain code.</summary>
    public ExtPubKey Neuter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _neutered ??= new ExtPubKey(_secretKey.PublicKey, _chainCode, Depth, ParentFingerprint, ChildIndex);
    }

    /// <summary>An independent copy (its own secret buffer) that must be disposed separately.</summary>
    public ExtKey Clone()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> k = stackalloc byte[32];
        try
        {
            _secretKey.WriteTo(k);
            return new ExtKey(SecretKey.Create(k), _chainCode, Depth, ParentFingerprint, ChildIndex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(k);
        }
    }

    /// <summary>Writes the 78-byte BIP32 serialization with the given (private) version. The output is secret.</summary>
    public void WriteTo(Span<byte> destination78, ExtKeyVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!version.IsPrivate)
        {
            throw new ArgumentException("bip32: a private key needs a private version", nameof(version));
        }

        Span<byte> key33 = stackalloc byte[33];
        try
        {
            key33[0] = 0;
            _secretKey.WriteTo(key33[1..]);
            ExtKeySerializer.Write(destination78, version, Depth, ParentFingerprint, ChildIndex, _chainCode, key33);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key33);
        }
    }

    /// <summary>Base58Check form with the given version (xprv, tprv, zprv, ...). This reveals the secret.</summary>
    public string ToBase58(ExtKeyVersion version)
    {
        Span<byte> data = stackalloc byte[SerializedLength];
        try
        {
            WriteTo(data, version);
            return ExtKeySerializer.EncodeBase58(data);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    /// <summary>Base58Check form with the network's BIP32 version (xprv or tprv). This reveals the secret.</summary>
    public string ToBase58(Network network) => ToBase58(ExtKeyVersion.For(network, true));

    /// <summary>Reads the 78-byte serialization of a private extended key.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, [NotNullWhen(true)] out ExtKey? key, [NotNullWhen(true)] out ExtKeyVersion? version, [NotNullWhen(false)] out KeyError? error)
    {
        key = null;
        version = null;
        if (!ExtKeySerializer.TryRead(data, out var f, out error))
        {
            return false;
        }

        if (f.SecretKey is not { } secret)
        {
            error = new KeyError(KeyErrorKind.WrongKeyType, $"bip32: {f.Version.Prefix} is a public extended key; expected a private one", 0);
            return false;
        }

        key = new ExtKey(secret, f.ChainCode, f.Depth, f.Parent, f.ChildIndex);
        CryptographicOperations.ZeroMemory(f.ChainCode);
        version = f.Version;
        return true;
    }

    /// <summary>Parses an xprv/tprv/yprv/zprv/... string; reports the version it carried.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ExtKey? key, [NotNullWhen(true)] out ExtKeyVersion? version, [NotNullWhen(false)] out KeyError? error)
    {
        key = null;
        version = null;
        Span<byte> data = stackalloc byte[SerializedLength];
        try
        {
            return ExtKeySerializer.TryDecodeBase58(text, data, out error) && TryRead(data, out key, out version, out error);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    /// <summary>Parses an extended private key; throws <see cref="BitcoinFormatException"/> naming the broken rule.</summary>
    public static ExtKey Parse(string text) =>
        TryParse(text, out var key, out _, out var error) ? key : throw error.ToException();

    /// <summary>Shows only public metadata, never the key.</summary>
    public override string ToString() => _disposed
        ? "ExtKey(disposed)"
        : string.Create(CultureInfo.InvariantCulture, $"ExtKey(depth {Depth}, fingerprint {Fingerprint})");

    /// <summary>Zeroes the private key and chain code.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _secretKey.Dispose();
        CryptographicOperations.ZeroMemory(_chainCode);
        _disposed = true;
    }
}
