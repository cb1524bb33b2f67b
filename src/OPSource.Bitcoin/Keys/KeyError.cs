namespace OPSource.Bitcoin.Keys;

/// <summary>Why a key, key path, key origin or mnemonic could not be read (BIP32, BIP39, WIF, BIP380 origins).</summary>
public enum KeyErrorKind
{
    /// <summary>The text is empty.</summary>
    Empty,

    /// <summary>Not valid Base58Check, or not valid Unicode text (mnemonics).</summary>
    InvalidEncoding,

    /// <summary>The decoded payload has the wrong length (BIP32: 78 bytes; WIF: 33 or 34).</summary>
    InvalidLength,

    /// <summary>An unknown BIP32/SLIP-132 version or WIF prefix.</summary>
    UnknownVersion,

    /// <summary>A key of another network than the one required.</summary>
    WrongNetwork,

    /// <summary>A private key where a public one is expected, or the reverse (BIP32 version vs key data).</summary>
    WrongKeyType,

    /// <summary>Key data with a bad prefix byte, a WIF compression flag other than 0x01.</summary>
    InvalidKeyData,

    /// <summary>A master key (depth 0) with a non-zero parent fingerprint or child index (BIP32).</summary>
    InvalidDepth,

    /// <summary>A private key outside 1..n-1, or a public key that is not a curve point.</summary>
    InvalidKey,

    /// <summary>A derivation path step that is not a number below 2^31 with an optional hardened marker.</summary>
    InvalidPath,

    /// <summary>A key origin (<c>[fingerprint/path]</c>) that breaks BIP380.</summary>
    InvalidOrigin,

    /// <summary>A mnemonic that is not 12, 15, 18, 21 or 24 words (BIP39).</summary>
    WordCount,

    /// <summary>A mnemonic word that is not in the word list (the message names its number, never the word).</summary>
    UnknownWord,

    /// <summary>The BIP39 checksum does not match.</summary>
    ChecksumMismatch,
}

/// <summary>
/// A typed key error (<c>key.*</c>): BIP32 extended keys, key paths and origins, WIF and BIP39
/// mnemonics. Messages keep their prefixes (<c>bip32:</c>, <c>keypath:</c>, <c>key origin:</c>,
/// <c>wif:</c>, <c>mnemonic:</c>) and never contain key material or mnemonic words.
/// </summary>
public sealed class KeyError : BitcoinError<KeyErrorKind>
{
    /// <summary>Creates an error.</summary>
    public KeyError(KeyErrorKind kind, string message, int? position = null)
        : base("key", kind, message, position)
    {
    }

    /// <summary>The same error with <paramref name="prefix"/> in front of its message (and <paramref name="kind"/> when given).</summary>
    internal KeyError Prefixed(string prefix, KeyErrorKind? kind = null) => new(kind ?? Kind, prefix + Message, Position);
}
