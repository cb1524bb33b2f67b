namespace OPSource.Bitcoin.Signing;

/// <summary>Why an input was not signed.</summary>
public enum SigningErrorKind
{
    /// <summary>The output the input spends is unknown (no prevout given).</summary>
    MissingSpentOutput,

    /// <summary>No key of the provider can sign for the script (nothing to sign with).</summary>
    MissingKey,

    /// <summary>A P2SH output was spent without its redeem script.</summary>
    MissingRedeemScript,

    /// <summary>A P2WSH output was spent without its witness script.</summary>
    MissingWitnessScript,

    /// <summary>A redeem or witness script does not hash to the spent output's program.</summary>
    ScriptMismatch,

    /// <summary>A key does not lead to the spent output's key (e.g. a Taproot internal key tweaked to another output key).</summary>
    KeyMismatch,

    /// <summary>The hash type is not valid for this input's signature scheme, or SIGHASH_SINGLE has no matching output.</summary>
    InvalidSighashType,

    /// <summary>The script is of a kind the signer does not satisfy (non-standard, unknown witness version, a tapscript leaf other than pk/multi_a).</summary>
    UnsupportedScript,

    /// <summary>Some but not enough signatures (a k-of-n multisig with fewer than k keys available).</summary>
    NotEnoughSignatures,
}

/// <summary>One input that could not be signed.</summary>
/// <param name="InputIndex">Index of the input.</param>
/// <param name="Kind">What went wrong.</param>
/// <param name="Message">One line naming the problem (never a key).</param>
public sealed record SigningIssue(int InputIndex, SigningErrorKind Kind, string Message)
{
    /// <summary><c>input N: message</c>.</summary>
    public override string ToString() => $"input {InputIndex}: {Message}";
}

/// <summary>Signing failed; <see cref="Issue"/> says which input and why.</summary>
public sealed class SigningException : Exception
{
    /// <summary>Creates the exception for <paramref name="issue"/>.</summary>
    public SigningException(SigningIssue issue)
        : base($"signing: {issue}")
    {
        Issue = issue;
    }

    /// <summary>Creates an exception with a message only (kind <see cref="SigningErrorKind.UnsupportedScript"/>, input -1).</summary>
    public SigningException()
        : this(new SigningIssue(-1, SigningErrorKind.UnsupportedScript, "signing failed"))
    {
    }

    /// <summary>Creates an exception with a message only.</summary>
    public SigningException(string message)
        : base(message)
    {
        Issue = new SigningIssue(-1, SigningErrorKind.UnsupportedScript, message);
    }

    /// <summary>Creates an exception with a message and an inner exception.</summary>
    public SigningException(string message, Exception innerException)
        : base(message, innerException)
    {
        Issue = new SigningIssue(-1, SigningErrorKind.UnsupportedScript, message);
    }

    /// <summary>The input and the reason.</summary>
    public SigningIssue Issue { get; }
}
