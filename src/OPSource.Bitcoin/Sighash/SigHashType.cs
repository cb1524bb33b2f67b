using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace OPSource.Bitcoin.Sighash;

/// <summary>
/// A signature hash type (Core script/interpreter.h). Legacy and BIP143 hashes commit to the full
/// 32-bit value (Core hashes whatever byte ends the signature); ECDSA signatures carry its low byte;
/// BIP341 allows only <see cref="Default"/> and 0x01..0x03, 0x81..0x83. Every API that takes a hash
/// type takes this type, never a bare integer.
/// </summary>
public readonly record struct SigHashType
{
    /// <summary>Creates a hash type from its 32-bit value (any value is hashable in legacy/BIP143 sighashes).</summary>
    public SigHashType(uint value) => Value = value;

    /// <summary>The 32-bit value.</summary>
    public uint Value { get; }

    /// <summary>BIP341 SIGHASH_DEFAULT (0x00): Taproot only, commits like ALL without a hash-type byte.</summary>
    public static SigHashType Default => new(0);

    /// <summary>SIGHASH_ALL: commit to all inputs and outputs.</summary>
    public static SigHashType All => new(1);

    /// <summary>SIGHASH_NONE: commit to no outputs.</summary>
    public static SigHashType None => new(2);

    /// <summary>SIGHASH_SINGLE: commit to the output with the same index as the input.</summary>
    public static SigHashType Single => new(3);

    /// <summary>The SIGHASH_ANYONECANPAY flag (0x80) alone; combine it with <c>|</c>.</summary>
    public static SigHashType AnyoneCanPay => new(0x80);

    /// <summary>SIGHASH_ALL|SIGHASH_ANYONECANPAY (0x81).</summary>
    public static SigHashType AllAnyoneCanPay => new(0x81);

    /// <summary>SIGHASH_NONE|SIGHASH_ANYONECANPAY (0x82).</summary>
    public static SigHashType NoneAnyoneCanPay => new(0x82);

    /// <summary>SIGHASH_SINGLE|SIGHASH_ANYONECANPAY (0x83).</summary>
    public static SigHashType SingleAnyoneCanPay => new(0x83);

    /// <summary>From the byte that ends an ECDSA signature or a 65-byte Schnorr signature.</summary>
    public static SigHashType FromByte(byte value) => new(value);

    /// <summary>Legacy/BIP143 base type: the value masked with 0x1f (Core interpreter.cpp).</summary>
    public SigHashType BaseType => new(Value & SigHashMasks.BaseTypeMask);

    /// <summary>BIP341 output type: DEFAULT counts as ALL, otherwise the value masked with SIGHASH_OUTPUT_MASK (3).</summary>
    public SigHashType TaprootOutputType => Value == 0 ? All : new(Value & SigHashMasks.OutputMask);

    /// <summary>The SIGHASH_ANYONECANPAY bit is set.</summary>
    public bool HasAnyoneCanPay => (Value & SigHashMasks.InputMask) != 0;

    /// <summary>Core IsDefinedHashtypeSignature: without ANYONECANPAY the value is ALL, NONE or SINGLE (ECDSA, STRICTENC).</summary>
    public bool IsDefinedEcdsa => (Value & ~(uint)SigHashMasks.InputMask) is >= 1 and <= 3;

    /// <summary>BIP341: 0x00..0x03 or 0x81..0x83.</summary>
    public bool IsValidTaproot => Value is <= 0x03 or (>= 0x81 and <= 0x83);

    /// <summary>The low byte, as appended to signatures.</summary>
    public byte ToByte() => (byte)Value;

    /// <summary>The 32-bit value.</summary>
    public uint ToUInt32() => Value;

    /// <summary>Combines flags (e.g. <c>SigHashType.All | SigHashType.AnyoneCanPay</c>).</summary>
    public static SigHashType operator |(SigHashType left, SigHashType right) => new(left.Value | right.Value);

    /// <summary>Same as <c>|</c>.</summary>
    public static SigHashType BitwiseOr(SigHashType left, SigHashType right) => left | right;

    public static explicit operator uint(SigHashType value) => value.Value;

    public static explicit operator byte(SigHashType value) => (byte)value.Value;

    public static explicit operator SigHashType(uint value) => new(value);

    /// <summary>Core SighashToStr: "ALL", "ALL|ANYONECANPAY", ..., "DEFAULT"; null for a value it has no name for.</summary>
    public string? Name => Value switch
    {
        0x00 => "DEFAULT",
        0x01 => "ALL",
        0x02 => "NONE",
        0x03 => "SINGLE",
        0x81 => "ALL|ANYONECANPAY",
        0x82 => "NONE|ANYONECANPAY",
        0x83 => "SINGLE|ANYONECANPAY",
        _ => null,
    };

    /// <summary>Core's name (<see cref="Name"/>); other values as 0x-prefixed hex.</summary>
    public override string ToString() => Name ?? "0x" + Value.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>Core ParseSighashString: DEFAULT, ALL, NONE, SINGLE, and each with "|ANYONECANPAY" (case-sensitive, as Core).</summary>
    public static bool TryParse(string? text, out SigHashType value)
    {
        value = text switch
        {
            "DEFAULT" => Default,
            "ALL" => All,
            "NONE" => None,
            "SINGLE" => Single,
            "ALL|ANYONECANPAY" => AllAnyoneCanPay,
            "NONE|ANYONECANPAY" => NoneAnyoneCanPay,
            "SINGLE|ANYONECANPAY" => SingleAnyoneCanPay,
            _ => new SigHashType(uint.MaxValue),
        };
        return value.Value != uint.MaxValue;
    }

    /// <summary>Parses like <see cref="TryParse"/> or throws <see cref="BitcoinFormatException"/>.</summary>
    public static SigHashType Parse(string text) =>
        TryParse(text, out var value) ? value : throw new BitcoinFormatException($"sighash: '{text}' is not a sighash type (DEFAULT, ALL, NONE, SINGLE, optionally |ANYONECANPAY)");
}

/// <summary>Masks used when interpreting hash types.</summary>
public static class SigHashMasks
{
    /// <summary>Legacy/BIP143: the base type is hashType &amp; 0x1f.</summary>
    public const uint BaseTypeMask = 0x1f;

    /// <summary>BIP341 SIGHASH_OUTPUT_MASK.</summary>
    public const byte OutputMask = 3;

    /// <summary>BIP341 SIGHASH_INPUT_MASK.</summary>
    public const byte InputMask = 0x80;
}

/// <summary>A legacy (pre-segwit) signature hash: what an ECDSA signature of a SIGVERSION_BASE input signs.</summary>
/// <param name="Value">The 32 bytes, in the order they are signed.</param>
public readonly record struct LegacySighash(Encoding.UInt256 Value)
{
    /// <summary>Writes the 32 bytes to sign.</summary>
    public void WriteTo(Span<byte> destination) => Value.WriteTo(destination);
}

/// <summary>A BIP143 (segwit v0) signature hash.</summary>
/// <param name="Value">The 32 bytes, in the order they are signed.</param>
public readonly record struct SegwitV0Sighash(Encoding.UInt256 Value)
{
    /// <summary>Writes the 32 bytes to sign.</summary>
    public void WriteTo(Span<byte> destination) => Value.WriteTo(destination);
}

/// <summary>A BIP341/BIP342 signature hash (the TapSighash tagged hash of the signature message).</summary>
/// <param name="Value">The 32 bytes, in the order they are signed.</param>
public readonly record struct TapSighash(Encoding.UInt256 Value)
{
    /// <summary>Writes the 32 bytes to sign.</summary>
    public void WriteTo(Span<byte> destination) => Value.WriteTo(destination);
}

/// <summary>The BIP342 script-path part of a Taproot signature message: the leaf and the last executed OP_CODESEPARATOR.</summary>
/// <param name="LeafHash">The tapleaf hash of the script being executed.</param>
/// <param name="CodeSeparatorPosition">Opcode position of the last executed OP_CODESEPARATOR, or <see cref="SignatureHash.NoCodeSeparator"/>.</param>
public readonly record struct TapScriptSpend(Taproot.TapLeafHash LeafHash, uint CodeSeparatorPosition = SignatureHash.NoCodeSeparator);
