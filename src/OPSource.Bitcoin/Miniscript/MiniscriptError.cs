namespace OPSource.Bitcoin.Miniscript;

/// <summary>What went wrong while reading, decoding, checking or satisfying a miniscript.</summary>
public enum MiniscriptErrorKind
{
    /// <summary>The text is empty.</summary>
    Empty,

    /// <summary>A character or token that the grammar does not allow at this position.</summary>
    Syntax,

    /// <summary>A fragment name that is not part of miniscript.</summary>
    UnknownFragment,

    /// <summary>A wrapper letter before <c>:</c> that is not one of <c>asctdvjnlu</c> (or a repeated <c>v</c>).</summary>
    UnknownWrapper,

    /// <summary>A number (threshold, timelock) that is malformed or out of range.</summary>
    InvalidNumber,

    /// <summary>A hash argument that is not hex of the right length.</summary>
    InvalidHash,

    /// <summary>A key the key parser refused.</summary>
    InvalidKey,

    /// <summary><c>multi</c> outside P2WSH or <c>multi_a</c> outside Tapscript.</summary>
    WrongContext,

    /// <summary>The script is larger than the context allows.</summary>
    ScriptTooLarge,

    /// <summary>The expression does not type-check (BIP379 type rules).</summary>
    TypeError,

    /// <summary>The top-level expression is not of type B.</summary>
    NotTopLevel,

    /// <summary>The expression is valid but not sane (malleable, no signature, timelock mix, duplicate keys, resource limits).</summary>
    NotSane,

    /// <summary>No satisfaction exists.</summary>
    NotSatisfiable,

    /// <summary>The script is not the encoding of any miniscript (script to miniscript decoding failed).</summary>
    NotMiniscript,

    /// <summary>A policy (policy language) error.</summary>
    Policy,

    /// <summary>The policy compiler found no valid compilation.</summary>
    Compiler,
}

/// <summary>
/// A typed miniscript or policy error (the library's <see cref="BitcoinError{TKind}"/> shape): a
/// <see cref="BitcoinError{TKind}.Kind"/> for programs, a one-line message for people (lower case,
/// starting with <c>miniscript:</c> or <c>policy:</c>, naming the fragment and the rule), the
/// position in the text when known, and a code <c>miniscript.*</c> / <c>policy.*</c>. Messages never
/// contain secret key material. The throwing forms throw <see cref="BitcoinFormatException"/>.
/// </summary>
public sealed class MiniscriptError : BitcoinError<MiniscriptErrorKind>
{
    /// <summary>Creates an error.</summary>
    public MiniscriptError(MiniscriptErrorKind kind, string message, int? position = null)
        : base(kind is MiniscriptErrorKind.Policy or MiniscriptErrorKind.Compiler ? "policy" : "miniscript", kind, message, position)
    {
    }

    internal static MiniscriptError Of(MiniscriptErrorKind kind, string message, int? position = null) =>
        new(kind, message.StartsWith("miniscript:", StringComparison.Ordinal) || message.StartsWith("policy:", StringComparison.Ordinal) ? message : "miniscript: " + message, position);
}
