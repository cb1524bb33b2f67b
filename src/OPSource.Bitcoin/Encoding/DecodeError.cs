namespace OPSource.Bitcoin.Encoding;

/// <summary>Why consensus-encoded bytes (a transaction, block, header, witness, output...) could not be read.</summary>
public enum DecodeErrorKind
{
    /// <summary>The data ends before the field being read.</summary>
    UnexpectedEnd,

    /// <summary>A CompactSize uses more bytes than its value needs (Core serialize.h: "non-canonical ReadCompactSize()").</summary>
    NonCanonicalCompactSize,

    /// <summary>A size exceeds Core's MAX_SIZE (0x02000000) or what a length can address.</summary>
    SizeTooLarge,

    /// <summary>An element count promises more elements than the remaining bytes can hold.</summary>
    CountExceedsData,

    /// <summary>BIP144: a witness flag with every witness stack empty (Core: "Superfluous witness record").</summary>
    SuperfluousWitness,

    /// <summary>BIP144: unknown bits in the extended-serialization flag (Core: "Unknown transaction optional data").</summary>
    UnknownOptionalData,

    /// <summary>Bytes left over after a complete value.</summary>
    TrailingBytes,

    /// <summary>A fixed-size structure has the wrong length (a header is 80 bytes).</summary>
    WrongLength,

    /// <summary>The text form is not valid hex.</summary>
    InvalidHex,

    /// <summary>A field was read but its value breaks the format's rule (the message names both).</summary>
    InvalidValue,
}

/// <summary>A typed consensus-decoding error: what broke and at which byte offset.</summary>
public sealed class DecodeError : BitcoinError<DecodeErrorKind>
{
    /// <summary>Creates an error.</summary>
    public DecodeError(DecodeErrorKind kind, string message, int? position = null)
        : base("decode", kind, message, position)
    {
    }

    /// <summary>The same error with <paramref name="context"/> (e.g. <c>transaction</c>, <c>block: transaction 3</c>) in front of the message.</summary>
    public DecodeError WithContext(string context) => new(Kind, context + ": " + Message, Position);
}
