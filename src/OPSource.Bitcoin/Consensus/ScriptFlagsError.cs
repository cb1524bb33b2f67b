namespace OPSource.Bitcoin.Consensus;

/// <summary>Why a list of script verification flag names could not be read.</summary>
public enum ScriptFlagsErrorKind
{
    /// <summary>No text at all (null).</summary>
    Missing,

    /// <summary>A name that is not one of Core's SCRIPT_VERIFY_* names (case-sensitive, as in Core's tests).</summary>
    UnknownFlag,
}

/// <summary>A typed script-flags error (<c>flags.*</c>); <see cref="BitcoinError.Position"/> is the index of the unknown name.</summary>
public sealed class ScriptFlagsError : BitcoinError<ScriptFlagsErrorKind>
{
    /// <summary>Creates an error.</summary>
    public ScriptFlagsError(ScriptFlagsErrorKind kind, string message, int? position = null)
        : base("flags", kind, message, position)
    {
    }
}
