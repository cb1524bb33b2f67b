namespace OPSource.Web5.Jose;

/// <summary>What went wrong in a JOSE operation.</summary>
public enum JoseErrorKind
{
    /// <summary>A JWK is malformed or unsupported.</summary>
    InvalidKey,

    /// <summary>The algorithm is unknown or does not fit the key.</summary>
    UnsupportedAlgorithm,

    /// <summary>A JWS or JWT is not well-formed.</summary>
    Malformed,

    /// <summary>The signature does not verify.</summary>
    InvalidSignature,

    /// <summary>A JWT claim check failed (expired, not yet valid, wrong audience...).</summary>
    InvalidClaims,

    /// <summary>A private key was needed but a public key was given, or the reverse.</summary>
    WrongKeyType,
}

/// <summary>A JOSE failure; the message names the field and the rule (never key material).</summary>
public sealed class JoseException : Exception
{
    /// <summary>Creates the exception.</summary>
    public JoseException(JoseErrorKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    /// <summary>The kind of failure.</summary>
    public JoseErrorKind Kind { get; }
}
