namespace OPSource.Bitcoin.Encoding;

/// <summary>Why a hex or Base58/Base58Check text could not be decoded.</summary>
public enum EncodingErrorKind
{
    /// <summary>The input is null or empty where text is required.</summary>
    Empty,

    /// <summary>Hex with an odd number of digits.</summary>
    OddLength,

    /// <summary>A character outside the alphabet (hex digits, Base58's 58 characters); <see cref="BitcoinError.Position"/> is its index.</summary>
    InvalidCharacter,

    /// <summary>The text is longer than the decoder accepts.</summary>
    TooLong,

    /// <summary>Base58Check data shorter than its 4-byte checksum.</summary>
    TooShort,

    /// <summary>The Base58Check checksum (first 4 bytes of HASH256 of the payload) does not match.</summary>
    ChecksumMismatch,
}

/// <summary>A typed text-encoding error (<c>encoding.*</c>): hex and Base58/Base58Check.</summary>
public sealed class EncodingError : BitcoinError<EncodingErrorKind>
{
    /// <summary>Creates an error.</summary>
    public EncodingError(EncodingErrorKind kind, string message, int? position = null)
        : base("encoding", kind, message, position)
    {
    }
}
