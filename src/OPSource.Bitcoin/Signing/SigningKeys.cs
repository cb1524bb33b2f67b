using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Taproot;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Signing;

/// <summary>
/// Where a signer finds private keys (Core's SigningProvider): by the HASH160 of a serialized public key
/// (Core's CKeyID, which covers P2PKH/P2WPKH and every explicit public key), by a BIP340 x-only key
/// (Taproot), and by BIP32 origin (a PSBT's or descriptor's derivation path with its master fingerprint).
/// Keys returned stay owned by the provider: the signer never disposes them.
/// </summary>
public interface ISigningKeyProvider
{
    /// <summary>The key whose serialized public key hashes to <paramref name="keyHash160"/>; <paramref name="compressed"/> says which serialization.</summary>
    bool TryGetKey(ReadOnlySpan<byte> keyHash160, [NotNullWhen(true)] out SecretKey? key, out bool compressed);

    /// <summary>The key whose BIP340 x-only public key is <paramref name="xOnly"/> (either parity of Y).</summary>
    bool TryGetKey(XOnlyPublicKey xOnly, [NotNullWhen(true)] out SecretKey? key);

    /// <summary>
    /// The key at BIP32 <paramref name="origin"/> when its public key is <paramref name="publicKey"/> (33-byte
    /// compressed or 32-byte x-only); false when the provider holds no key under that fingerprint and path.
    /// </summary>
    bool TryGetKey(RootedKeyPath origin, ReadOnlySpan<byte> publicKey, [NotNullWhen(true)] out SecretKey? key);

    /// <summary>
    /// BIP341 key path: the signing key of <paramref name="internalKey"/> (a key this provider returned) tweaked with
    /// <paramref name="merkleRoot"/> (taproot_tweak_seckey; null for a BIP86 key-only output), kept by the provider
    /// (it stays owned by the provider, like every key it returns) so that signing the same output again skips the
    /// tweak and the tweaked key's public key, as a libsecp256k1 keypair does. The default keeps nothing (false):
    /// the signer then tweaks the key itself and wipes the result.
    /// </summary>
    bool TryGetTweakedKey(SecretKey internalKey, UInt256? merkleRoot, [NotNullWhen(true)] out SecretKey? tweaked)
    {
        tweaked = null;
        return false;
    }
}

/// <summary>
/// An in-memory <see cref="ISigningKeyProvider"/>: single keys (WIF) indexed by both serializations'
/// HASH160 and by x-only key, and BIP32 extended keys with their origins, derived on request and
/// cached; Taproot key-path keys tweaked on request and kept (<see cref="TryGetTweakedKey"/>). Takes
/// ownership of what is added; disposing wipes every key, derived and tweaked ones included. Not thread-safe
/// (its caches fill on lookup): one signer at a time.
/// </summary>
public sealed class SigningKeyStore : ISigningKeyProvider, IDisposable
{
    private readonly Dictionary<UInt160Key, (SecretKey Key, bool Compressed)> _byHash = [];
    private readonly Dictionary<UInt256, SecretKey> _byXOnly = [];
    private readonly List<SecretKey> _owned = [];
    private readonly List<(ExtKey Key, RootedKeyPath Origin)> _roots = [];
    private readonly Dictionary<(KeyFingerprint, string), SecretKey> _derived = [];
    private readonly Dictionary<(UInt256 InternalKey, UInt256? MerkleRoot), SecretKey> _tweaked = [];
    private bool _disposed;

    /// <summary>An empty store.</summary>
    public SigningKeyStore()
    {
    }

    /// <summary>
    /// A store that looks up <paramref name="keys"/> without owning them: the caller keeps them alive
    /// while the store is used and disposes them itself (disposing the store does not).
    /// </summary>
    public static SigningKeyStore Borrowing(IEnumerable<SecretKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var store = new SigningKeyStore();
        foreach (var k in keys)
        {
            ArgumentNullException.ThrowIfNull(k);
            store.Index(k);
        }

        return store;
    }

    /// <summary>Adds a single key; takes ownership.</summary>
    public void AddKey(SecretKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _owned.Add(key);
        Index(key);
    }

    /// <summary>Adds an extended private key whose origin is <paramref name="origin"/>; takes ownership.</summary>
    public void AddExtendedKey(ExtKey key, RootedKeyPath origin)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(origin);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _roots.Add((key, origin));
    }

    /// <summary>Adds a BIP32 master key (its origin is its own fingerprint and the empty path); takes ownership.</summary>
    public void AddMasterKey(ExtKey master)
    {
        ArgumentNullException.ThrowIfNull(master);
        AddExtendedKey(master, new RootedKeyPath(master.Fingerprint, KeyPath.Root));
    }

    /// <inheritdoc/>
    public bool TryGetKey(ReadOnlySpan<byte> keyHash160, [NotNullWhen(true)] out SecretKey? key, out bool compressed)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        key = null;
        compressed = false;
        if (keyHash160.Length != Hashes.Hash160Size || !_byHash.TryGetValue(new UInt160Key(keyHash160), out var found))
        {
            return false;
        }

        (key, compressed) = found;
        return true;
    }

    /// <inheritdoc/>
    public bool TryGetKey(XOnlyPublicKey xOnly, [NotNullWhen(true)] out SecretKey? key)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> x = stackalloc byte[32];
        xOnly.WriteTo(x);
        return _byXOnly.TryGetValue(new UInt256(x), out key);
    }

    /// <inheritdoc/>
    public bool TryGetKey(RootedKeyPath origin, ReadOnlySpan<byte> publicKey, [NotNullWhen(true)] out SecretKey? key)
    {
        ArgumentNullException.ThrowIfNull(origin);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var id = (origin.MasterFingerprint, origin.KeyPath.ToString());
        if (!_derived.TryGetValue(id, out key))
        {
            key = Derive(origin);
            if (key is null)
            {
                return false;
            }

            _derived.Add(id, key);
            _owned.Add(key);
            Index(key);
        }

        // The derivation must lead to the public key the caller expects (BIP174: a signer checks the key it derived).
        if (!MatchesPublicKey(key, publicKey))
        {
            key = null;
            return false;
        }

        return true;
    }

    /// <inheritdoc/>
    public bool TryGetTweakedKey(SecretKey internalKey, UInt256? merkleRoot, [NotNullWhen(true)] out SecretKey? tweaked)
    {
        ArgumentNullException.ThrowIfNull(internalKey);
        ObjectDisposedException.ThrowIf(_disposed, this);
        // BIP341 taproot_tweak_seckey depends on the internal key only through its x-only public key (the secret is
        // negated for an odd Y), so that and the merkle root identify the tweaked key.
        Span<byte> x = stackalloc byte[32];
        internalKey.XOnlyPublicKey.WriteTo(x);
        var id = (new UInt256(x), merkleRoot);
        if (!_tweaked.TryGetValue(id, out tweaked))
        {
            tweaked = TaprootSpendInfo.TweakSecretKey(internalKey, merkleRoot);
            _tweaked.Add(id, tweaked);
            _owned.Add(tweaked);
        }

        return true;
    }

    /// <summary>True when <paramref name="key"/>'s compressed (33 bytes) or x-only (32 bytes) public key is <paramref name="publicKey"/>.</summary>
    internal static bool MatchesPublicKey(SecretKey key, ReadOnlySpan<byte> publicKey) => publicKey.Length switch
    {
        32 => key.XOnlyPublicKey.ToBytes().AsSpan().SequenceEqual(publicKey),
        33 => key.PublicKey.ToCompressed().AsSpan().SequenceEqual(publicKey),
        65 => key.PublicKey.ToUncompressed().AsSpan().SequenceEqual(publicKey),
        _ => false,
    };

    private SecretKey? Derive(RootedKeyPath origin)
    {
        foreach (var (root, rootOrigin) in _roots)
        {
            if (origin.MasterFingerprint != rootOrigin.MasterFingerprint || !StartsWith(origin.KeyPath, rootOrigin.KeyPath))
            {
                continue;
            }

            var rest = new KeyPath([.. origin.KeyPath.Indexes.Skip(rootOrigin.KeyPath.Length)]);
            using var child = root.Derive(rest);
            return Copy(child.PrivateKey);
        }

        return null;
    }

    private void Index(SecretKey key)
    {
        Span<byte> h = stackalloc byte[Hashes.Hash160Size];
        // Core CKeyID: HASH160 of the serialized public key; the uncompressed form first so a key
        // added as compressed is found as compressed when both hashes would collide (they never do).
        Hashes.Hash160(key.PublicKey.ToUncompressed(), h);
        _byHash.TryAdd(new UInt160Key(h), (key, false));
        Hashes.Hash160(key.PublicKey.ToCompressed(), h);
        _byHash.TryAdd(new UInt160Key(h), (key, true));
        _byXOnly.TryAdd(new UInt256(key.XOnlyPublicKey.ToBytes()), key);
    }

    private static bool StartsWith(KeyPath path, KeyPath prefix)
    {
        if (prefix.Length > path.Length)
        {
            return false;
        }

        for (var i = 0; i < prefix.Length; i++)
        {
            if (path.Indexes[i] != prefix.Indexes[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A copy of <paramref name="key"/> the caller owns.</summary>
    public static SecretKey Copy(SecretKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> bytes = stackalloc byte[SecretKey.Size];
        try
        {
            key.WriteTo(bytes);
            return SecretKey.Create(bytes);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var k in _owned)
        {
            k.Dispose();
        }

        foreach (var (k, _) in _roots)
        {
            k.Dispose();
        }

        _owned.Clear();
        _roots.Clear();
        _byHash.Clear();
        _byXOnly.Clear();
        _derived.Clear();
        _tweaked.Clear();
    }

    /// <summary>A 20-byte hash as a dictionary key.</summary>
    private readonly record struct UInt160Key(ulong A, ulong B, uint C)
    {
        public UInt160Key(ReadOnlySpan<byte> h)
            : this(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(h), System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(h[8..]), System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(h[16..]))
        {
        }
    }
}
