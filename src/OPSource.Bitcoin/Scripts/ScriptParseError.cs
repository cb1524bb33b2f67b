namespace OPSource.Bitcoin.Scripts;

/// <summary>Why a script text (Core's ParseScript syntax or ASM) could not be read.</summary>
public enum ScriptParseErrorKind
{
    /// <summary>The input is null.</summary>
    Empty,

    /// <summary>A decimal outside -0xFFFFFFFF..0xFFFFFFFF (Core core_read.cpp ParseScript).</summary>
    NumberOutOfRange,

    /// <summary>A <c>0x</c> literal or ASM data push that is not valid hex.</summary>
    InvalidHex,

    /// <summary>A word that is neither a number, a literal nor an opcode name.</summary>
    UnknownWord,

    /// <summary><c>[error]</c>: a truncated push in ASM, which has no encoding.</summary>
    TruncatedPush,

    /// <summary>An ASM signature push with an unknown <c>[SIGHASH]</c> suffix.</summary>
    UnknownSighash,
}

/// <summary>A typed script text error (<c>script.*</c>); <see cref="BitcoinError.Position"/> is the index of the offending word.</summary>
public sealed class ScriptParseError : BitcoinError<ScriptParseErrorKind>
{
    /// <summary>Creates an error.</summary>
    public ScriptParseError(ScriptParseErrorKind kind, string message, int? position = null)
        : base("script", kind, message, position)
    {
    }
}
