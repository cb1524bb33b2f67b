using OPSource.Bitcoin.Encoding;

namespace OPSource.Bitcoin.Addresses;

/// <summary>Why a text is not an address of the expected network.</summary>
public enum AddressErrorKind
{
    /// <summary>The text is empty or only whitespace.</summary>
    Empty,

    /// <summary>Leading or trailing whitespace (Core does not trim addresses).</summary>
    Whitespace,

    /// <summary>Neither valid Base58Check nor valid Bech32/Bech32m.</summary>
    InvalidEncoding,

    /// <summary>A well-formed address of another network (Base58 version byte or Bech32 human-readable part).</summary>
    WrongNetwork,

    /// <summary>A Base58Check payload that is not 21 bytes (version byte and 20-byte hash).</summary>
    InvalidLength,

    /// <summary>Bech32 for a v0 program or Bech32m for v1+ (BIP350).</summary>
    WrongVariant,

    /// <summary>A witness version above 16, or none (BIP173).</summary>
    InvalidWitnessVersion,

    /// <summary>A witness program of the wrong length or with bad padding (BIP141/BIP173).</summary>
    InvalidWitnessProgram,
}

/// <summary>A typed address parse error (<c>address.*</c>).</summary>
public sealed class AddressError : BitcoinError<AddressErrorKind>
{
    /// <summary>Creates an error.</summary>
    public AddressError(AddressErrorKind kind, string message, int? position = null)
        : base("address", kind, message, position)
    {
    }

    internal static AddressError FromSegwit(SegwitAddressError error)
    {
        var kind = error.Kind switch
        {
            SegwitAddressErrorKind.Bech32 => AddressErrorKind.InvalidEncoding,
            SegwitAddressErrorKind.HrpMismatch => AddressErrorKind.WrongNetwork,
            SegwitAddressErrorKind.WrongVariant => AddressErrorKind.WrongVariant,
            SegwitAddressErrorKind.EmptyData or SegwitAddressErrorKind.InvalidWitnessVersion => AddressErrorKind.InvalidWitnessVersion,
            _ => AddressErrorKind.InvalidWitnessProgram,
        };
        var position = error.Bech32Error is { Positions.Count: > 0 } b ? b.Positions[0] : (int?)null;
        return new AddressError(kind, "address: " + error.Message, position);
    }
}
