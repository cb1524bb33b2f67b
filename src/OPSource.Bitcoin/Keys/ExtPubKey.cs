using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Keys;

/// <summary>
/// A BIP32 extended public key (xpub and its SLIP-132 variants): a public key plus chain code,
/// from which non-hardened children can be derived without the private key. Immutable.
/// </summary>
public sealed class ExtPubKey : IEquatable<ExtPubKey>
{
    /// <summary>Length of the BIP32 serialization.</summary>
    public const int SerializedLength = ExtKeySerializer.Length;

    private readonly byte[] _chainCode;
    private readonly byte[] _publicKeyBytes;
    private KeyFingerprint? _fingerprint;

    internal ExtPubKey(PublicKey publicKey, ReadOnlySpan<byte> chainCode, byte depth, KeyFingerprint parentFingerprint, uint childIndex)
    {
        PublicKey = publicKey;
        _publicKeyBytes = new byte[33];
        publicKey.WriteCompressed(_publicKeyBytes);
        _chainCode = chainCode.ToArray();
        Depth = depth;
        ParentFingerprint = parentFingerprint;
        ChildIndex = childIndex;
    }

    /// <summary>The public key K.</summary>
    public PublicKey PublicKey { get; }

    /// <summary>Number of derivation steps from the master key (0 for the master).</summary>
    public byte Depth { get; }

    /// <summary>The fingerprint of the parent key (zero for the master).</summary>
    public KeyFingerprint ParentFingerprint { get; }

    /// <summary>The index this key was derived with (hardened indexes carry bit 31).</summary>
    public uint ChildIndex { get; }

    /// <summary>True when this key was derived with a hardened index.</summary>
    public bool IsHardened => KeyPath.IsHardened(ChildIndex);

    /// <summary>The compressed SEC1 encoding of the public key (33 bytes).</summary>
    public ReadOnlySpan<byte> PublicKeyBytes => _publicKeyBytes;

    /// <summary>The chain code c (32 bytes).</summary>
    public ReadOnlySpan<byte> ChainCode => _chainCode;

    /// <summary>BIP32 key identifier: HASH160(serP(K)).</summary>
    public void WriteIdentifier(Span<byte> destination20) => Hashes.Hash160(_publicKeyBytes, destination20);

    /// <summary>BIP32 fingerprint: the first 32 bits of the identifier.</summary>
    public KeyFingerprint Fingerprint
    {
        get
        {
            if (_fingerprint is { } cached)
            {
                return cached;
            }

            Span<byte> id = stackalloc byte[20];
            WriteIdentifier(id);
            var fingerprint = new KeyFingerprint(id[..4]);
            _fingerprint = fingerprint;
            return fingerprint;
        }
    }

    /// <summary>
    /// BIP32 CKDpub for a non-hardened index. Returns false for hardened indexes and for the
    /// (probability &lt; 2^-127) invalid child, in which case BIP32 says to use the next index.
    /// </summary>
    public bool TryDerive(uint index, [NotNullWhen(true)] out ExtPubKey? child)
    {
        child = null;
        // BIP32 CKDpub: "if i >= 2^31 (hardened child): return failure".
        if (KeyPath.IsHardened(index) || Depth == byte.MaxValue)
        {
            return false;
        }

        // BIP32: I = HMAC-SHA512(Key = cpar, Data = serP(Kpar) || ser32(i)).
        Span<byte> data = stackalloc byte[37];
        _publicKeyBytes.CopyTo(data);
        BinaryPrimitives.WriteUInt32BigEndian(data[33..], index);
        Span<byte> i64 = stackalloc byte[64];
        Hashes.HmacSha512(_chainCode, data, i64);
        // BIP32: Ki = point(parse256(IL)) + Kpar; invalid if parse256(IL) >= n or Ki is the point at infinity.
        if (!PublicKey.TryAddTweak(i64[..32], out var childKey))
        {
            return false;
        }

        child = new ExtPubKey(childKey, i64[32..], (byte)(Depth + 1), Fingerprint, index);
        return true;
    }

    /// <summary>Derives a non-hardened child; throws when the index is hardened or the child is invalid.</summary>
    public ExtPubKey Derive(uint index)
    {
        if (KeyPath.IsHardened(index))
        {
            throw new InvalidOperationException("bip32: cannot derive a hardened child from a public key");
        }

        return TryDerive(index, out var child)
            ? child
            : throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"bip32: child {index} is invalid or depth 255 is exceeded; BIP32 says to use the next index"));
    }

    /// <summary>Derives along a path of non-hardened steps.</summary>
    public ExtPubKey Derive(KeyPath path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var key = this;
        foreach (var index in path.Indexes)
        {
            key = key.Derive(index);
        }

        return key;
    }

    /// <summary>Writes the 78-byte BIP32 serialization with the given (public) version.</summary>
    public void WriteTo(Span<byte> destination78, ExtKeyVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (version.IsPrivate)
        {
            throw new ArgumentException("bip32: a public key needs a public version", nameof(version));
        }

        ExtKeySerializer.Write(destination78, version, Depth, ParentFingerprint, ChildIndex, _chainCode, _publicKeyBytes);
    }

    /// <summary>Base58Check form with the given version (xpub, tpub, zpub, ...).</summary>
    public string ToString(ExtKeyVersion version)
    {
        Span<byte> data = stackalloc byte[SerializedLength];
        WriteTo(data, version);
        return ExtKeySerializer.EncodeBase58(data);
    }

    /// <summary>Base58Check form with the network's BIP32 version (xpub or tpub).</summary>
    public string ToString(Network network) => ToString(ExtKeyVersion.For(network, false));

    /// <summary>The mainnet xpub form.</summary>
    public override string ToString() => ToString(ExtKeyVersion.Xpub);

    /// <summary>Reads the 78-byte serialization of a public extended key.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, [NotNullWhen(true)] out ExtPubKey? key, [NotNullWhen(true)] out ExtKeyVersion? version, [NotNullWhen(false)] out KeyError? error)
    {
        key = null;
        version = null;
        if (!ExtKeySerializer.TryRead(data, out var f, out error))
        {
            return false;
        }

        if (f.SecretKey is { } secret)
        {
            secret.Dispose();
            error = new KeyError(KeyErrorKind.WrongKeyType, $"bip32: {f.Version.Prefix} is a private extended key; expected a public one", 0);
            return false;
        }

        key = new ExtPubKey(f.PublicKey!.Value, f.ChainCode, f.Depth, f.Parent, f.ChildIndex);
        version = f.Version;
        return true;
    }

    /// <summary>Parses an xpub/tpub/ypub/zpub/... string; reports the version it carried.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ExtPubKey? key, [NotNullWhen(true)] out ExtKeyVersion? version, [NotNullWhen(false)] out KeyError? error)
    {
        key = null;
        version = null;
        Span<byte> data = stackalloc byte[SerializedLength];
        return ExtKeySerializer.TryDecodeBase58(text, data, out error) && TryRead(data, out key, out version, out error);
    }

    /// <summary>Parses an extended public key; throws <see cref="BitcoinFormatException"/> naming the broken rule.</summary>
    public static ExtPubKey Parse(string text) =>
        TryParse(text, out var key, out _, out var error) ? key : throw error.ToException();

    /// <inheritdoc />
    public bool Equals(ExtPubKey? other) =>
        other is not null && Depth == other.Depth && ParentFingerprint == other.ParentFingerprint && ChildIndex == other.ChildIndex
        && _chainCode.AsSpan().SequenceEqual(other._chainCode) && _publicKeyBytes.AsSpan().SequenceEqual(other._publicKeyBytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ExtPubKey);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(BinaryPrimitives.ReadInt32BigEndian(_publicKeyBytes.AsSpan(1)), ChildIndex, Depth);
}
