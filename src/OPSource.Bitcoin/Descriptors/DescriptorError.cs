namespace OPSource.Bitcoin.Descriptors;

/// <summary>Why a descriptor could not be parsed (BIP380-390, Core descriptor.cpp).</summary>
public enum DescriptorErrorKind
{
    /// <summary>The text is empty.</summary>
    Empty,

    /// <summary>A character outside the BIP380 descriptor character set.</summary>
    InvalidCharacter,

    /// <summary>A checksum of the wrong length or that does not match (BIP380).</summary>
    Checksum,

    /// <summary>A missing or unexpected character (parenthesis, comma, brace) or text after the expression.</summary>
    Syntax,

    /// <summary>A function name that is not a descriptor or miniscript function.</summary>
    UnknownFunction,

    /// <summary>A function, key kind or miniscript used where its BIP does not allow it (top level only, tapscript only, x-only outside tr()...).</summary>
    WrongContext,

    /// <summary>A raw() argument that is not hex, or an addr() argument that is not an address (BIP385).</summary>
    InvalidArgument,

    /// <summary>A multisig threshold that is not a number or not in 1..n (BIP383/BIP387).</summary>
    Threshold,

    /// <summary>More keys than the context allows (BIP383/BIP387, Core policy).</summary>
    TooManyKeys,

    /// <summary>A script larger than its context allows (520-byte redeem script, 3600-byte witness script).</summary>
    ScriptTooLarge,

    /// <summary>A tr() script tree deeper than 128 levels (BIP341).</summary>
    TreeTooDeep,

    /// <summary>A key expression that is empty or is not a valid hex public key, WIF or extended key.</summary>
    InvalidKey,

    /// <summary>A malformed key origin <c>[fingerprint/path]</c> (BIP380).</summary>
    KeyOrigin,

    /// <summary>A malformed derivation path, wildcard or multipath specifier (BIP380/BIP389).</summary>
    DerivationPath,

    /// <summary>A WIF or extended key of another network family than the one the descriptor is parsed for.</summary>
    WrongNetwork,

    /// <summary>An uncompressed key inside a segwit or taproot context (BIP382/BIP386/BIP390).</summary>
    UncompressedKey,

    /// <summary>A musig() expression that breaks BIP390 (nesting, hardened derivation, participants).</summary>
    Musig,

    /// <summary>Multipath specifiers of different lengths (BIP389).</summary>
    Multipath,

    /// <summary>A miniscript expression that does not parse, type-check or is not sane (BIP379).</summary>
    Miniscript,

    /// <summary>
    /// Deriving a script needs a private key the descriptor does not hold: a hardened step below an extended
    /// public key (BIP32: hardened children derive from the private key only). The descriptor parses; deriving fails.
    /// </summary>
    NeedsPrivateKey,
}

/// <summary>
/// A typed descriptor parse error (<c>descriptor.*</c>). Messages start with <c>descriptor:</c> and
/// name the function, key and BIP rule broken; <see cref="BitcoinError.Position"/> is the character
/// index in the descriptor text (without its checksum) where the offending expression starts.
/// Messages never echo private keys.
/// </summary>
public sealed class DescriptorError : BitcoinError<DescriptorErrorKind>
{
    /// <summary>Creates an error.</summary>
    public DescriptorError(DescriptorErrorKind kind, string message, int? position = null)
        : base("descriptor", kind, message, position)
    {
    }

    /// <summary>The same error at <paramref name="position"/> when it has none of its own.</summary>
    internal DescriptorError WithPositionIfMissing(int? position) => Position is null && position is not null ? new(Kind, Message, position) : this;
}
