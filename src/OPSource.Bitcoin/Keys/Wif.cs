using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using OPSource.Bitcoin.Encoding;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Keys;

/// <summary>
/// A private key in Wallet Import Format (Core key_io.cpp EncodeSecret/DecodeSecret): Base58Check of
/// the network's secret-key prefix, the 32-byte key and, for keys whose public key is used
/// compressed, a trailing 0x01. A secret: <see cref="ToString()"/> hides it, <see cref="Dispose"/> zeroes it.
/// </summary>
public sealed class Wif : IDisposable
{
    private readonly SecretKey _key;
    private bool _disposed;

    private Wif(SecretKey key, bool isCompressed, byte prefix)
    {
        _key = key;
        IsCompressed = isCompressed;
        Prefix = prefix;
    }

    /// <summary>The private key. Owned by this object: do not dispose it separately.</summary>
    public SecretKey PrivateKey
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _key;
        }
    }

    /// <summary>True when the key's public key is used in compressed form (trailing 0x01 byte).</summary>
    public bool IsCompressed { get; }

    /// <summary>The Base58Check version byte (128 on mainnet, 239 on every test network).</summary>
    public byte Prefix { get; }

    /// <summary>True when the prefix is that of <paramref name="network"/>.</summary>
    public bool IsFor(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.SecretKeyPrefix == Prefix;
    }

    /// <summary>The networks whose WIF prefix this key carries (the test networks share one prefix).</summary>
    public IReadOnlyList<Network> Networks => Network.All.Where(IsFor).ToList();

    /// <summary>Encodes a private key as WIF. This reveals the secret.</summary>
    public static string Encode(SecretKey key, Network network, bool compressed = true)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(network);
        Span<byte> data = stackalloc byte[34];
        try
        {
            // Core key_io.cpp EncodeSecret: prefix || key32 || (compressed ? 0x01 : nothing).
            data[0] = network.SecretKeyPrefix;
            key.WriteTo(data.Slice(1, 32));
            data[33] = 1;
            return Base58.EncodeCheck(compressed ? data : data[..33]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    /// <summary>This key encoded again for <paramref name="network"/>. This reveals the secret.</summary>
    public string ToString(Network network)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Encode(_key, network, IsCompressed);
    }

    /// <summary>
    /// Decodes a WIF string. With <paramref name="network"/> set, the prefix must be that network's;
    /// otherwise any known network's prefix is accepted.
    /// </summary>
    public static bool TryParse(string? text, Network? network, [NotNullWhen(true)] out Wif? wif, [NotNullWhen(false)] out KeyError? error)
    {
        wif = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = new KeyError(KeyErrorKind.Empty, "wif: is empty");
            return false;
        }

        if (!Base58.TryDecodeCheck(text.Trim(), out var data, out var b58Error))
        {
            error = new KeyError(KeyErrorKind.InvalidEncoding, "wif: " + b58Error.Message, b58Error.Position + (text.Length - text.TrimStart().Length));
            return false;
        }

        try
        {
            // Core key_io.cpp DecodeSecret: 1 prefix byte + 32 key bytes, or 34 bytes ending in 0x01.
            var compressed = data.Length == 34 && data[33] == 1;
            if (data.Length != 33 && !compressed)
            {
                error = new KeyError(KeyErrorKind.InvalidKeyData, data.Length == 34
                    ? "wif: 34-byte payload must end with the compression flag 0x01"
                    : string.Create(CultureInfo.InvariantCulture, $"wif: payload is {data.Length} bytes; must be 33 or 34"), 33);
                return false;
            }

            var prefix = data[0];
            if (network is not null && prefix != network.SecretKeyPrefix)
            {
                error = new KeyError(KeyErrorKind.WrongNetwork, string.Create(CultureInfo.InvariantCulture,
                    $"wif: prefix {prefix} is not {network.Name}'s secret key prefix {network.SecretKeyPrefix}"), 0);
                return false;
            }

            if (network is null && !Network.All.Any(n => n.SecretKeyPrefix == prefix))
            {
                error = new KeyError(KeyErrorKind.UnknownVersion, string.Create(CultureInfo.InvariantCulture, $"wif: prefix {prefix} belongs to no known network"), 0);
                return false;
            }

            // Core key.cpp Check: the key must be in 1..n-1.
            if (!SecretKey.TryCreate(data.AsSpan(1, 32), out var key))
            {
                error = new KeyError(KeyErrorKind.InvalidKey, "wif: private key is not in 1..n-1", 1);
                return false;
            }

            wif = new Wif(key, compressed, prefix);
            error = null;
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    /// <summary>Decodes a WIF string; throws <see cref="BitcoinFormatException"/> naming the broken rule.</summary>
    public static Wif Parse(string text, Network? network = null) =>
        TryParse(text, network, out var wif, out var error) ? wif : throw error.ToException();

    /// <summary>Never shows the key.</summary>
    public override string ToString() => IsCompressed ? "Wif(compressed)" : "Wif(uncompressed)";

    /// <summary>Zeroes the key.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _key.Dispose();
            _disposed = true;
        }
    }
}
