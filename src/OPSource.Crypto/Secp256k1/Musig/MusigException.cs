namespace OPSource.Crypto.Secp256k1.Musig;

/// <summary>Which input of a MuSig2 operation was malformed (BIP327 "InvalidContributionError").</summary>
public enum MusigContribution
{
    /// <summary>An individual public key (not a valid 33-byte compressed point).</summary>
    PublicKey,

    /// <summary>A signer's public nonce (one of its two halves is not a valid compressed point).</summary>
    PublicNonce,

    /// <summary>The aggregate nonce (a half is neither a valid point nor 33 zero bytes).</summary>
    AggregateNonce,

    /// <summary>The aggregate of the other signers' nonces given to DeterministicSign.</summary>
    AggregateOtherNonce,

    /// <summary>A partial signature (not a scalar below the group order).</summary>
    PartialSignature,
}

/// <summary>
/// A MuSig2 operation failed for a reason that is not attributable to one participant's input
/// (BIP327 "ValueError": tweak out of range, reused secret nonce, signer key not in the session).
/// </summary>
public class MusigException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public MusigException()
        : base("musig: operation failed")
    {
    }

    /// <summary>Creates an exception with a message naming the rule that was broken.</summary>
    public MusigException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception wrapping an inner cause.</summary>
    public MusigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A participant sent something malformed. BIP327 requires reporting who misbehaved so the
/// honest parties can exclude them; <see cref="Signer"/> is null when the culprit is unknown
/// (the aggregate nonce is produced by an untrusted coordinator).
/// </summary>
public sealed class InvalidContributionException : MusigException
{
    /// <summary>Creates an exception blaming <paramref name="signer"/> for <paramref name="contribution"/>.</summary>
    public InvalidContributionException(int? signer, MusigContribution contribution)
        : base(Describe(signer, contribution))
    {
        Signer = signer;
        Contribution = contribution;
    }

    /// <summary>Creates an exception with a generic message (required by the exception pattern).</summary>
    public InvalidContributionException()
        : base("musig: invalid contribution")
    {
    }

    /// <summary>Creates an exception with a custom message (required by the exception pattern).</summary>
    public InvalidContributionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a custom message and cause (required by the exception pattern).</summary>
    public InvalidContributionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Zero-based index of the participant whose input was invalid, or null if unknown.</summary>
    public int? Signer { get; }

    /// <summary>Which kind of input was invalid.</summary>
    public MusigContribution Contribution { get; }

    private static string Describe(int? signer, MusigContribution contribution)
    {
        var what = contribution switch
        {
            MusigContribution.PublicKey => "public key",
            MusigContribution.PublicNonce => "public nonce",
            MusigContribution.AggregateNonce => "aggregate nonce",
            MusigContribution.AggregateOtherNonce => "aggregate of the other signers' nonces",
            MusigContribution.PartialSignature => "partial signature",
            _ => "contribution",
        };
        return signer is int i
            ? $"musig: invalid {what} from signer {i}"
            : $"musig: invalid {what}";
    }
}
