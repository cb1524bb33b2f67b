namespace OPSource.Bitcoin.Sighash;

/// <summary>Signature hash types (Core script/interpreter.h).</summary>
[Flags]
#pragma warning disable CA1008, CA1069 // Values mirror Core's constants, including Default = 0.
public enum SigHashType : uint
{
    /// <summary>BIP341 SIGHASH_DEFAULT: Taproot only, commits like ALL without a hash-type byte.</summary>
    Default = 0,

    /// <summary>Commit to all inputs and outputs.</summary>
    All = 1,

    /// <summary>Commit to no outputs.</summary>
    None = 2,

    /// <summary>Commit to the output with the same index as the input.</summary>
    Single = 3,

    /// <summary>Commit to this input only.</summary>
    AnyoneCanPay = 0x80,
}
#pragma warning restore CA1008, CA1069

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
