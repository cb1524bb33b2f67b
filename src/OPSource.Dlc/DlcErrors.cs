namespace OPSource.Dlc;

/// <summary>Why a DLC operation was refused (maps to exit code 1 / HTTP 4xx; never a bug).</summary>
public enum DlcErrorKind
{
    /// <summary>A message or JSON document is malformed.</summary>
    MalformedMessage,

    /// <summary>The contract terms are invalid (descriptor, payout curve, oracles, locktimes, collateral).</summary>
    InvalidContract,

    /// <summary>An oracle announcement's signature or nonce count is wrong.</summary>
    InvalidOracleAnnouncement,

    /// <summary>An oracle attestation does not match its announcement.</summary>
    InvalidOracleAttestation,

    /// <summary>The counterparty's CET adaptor signatures are missing, extra or invalid.</summary>
    InvalidAdaptorSignature,

    /// <summary>A refund signature does not verify.</summary>
    InvalidRefundSignature,

    /// <summary>A funding input witness does not verify.</summary>
    InvalidFundingSignature,

    /// <summary>A funding input is malformed, not segwit, not the sender's, or already spent.</summary>
    InvalidFundingInput,

    /// <summary>Funding inputs do not cover collateral plus fees.</summary>
    InsufficientFunds,

    /// <summary>The fee rate is below this node's floor or above its ceiling.</summary>
    UnacceptableFeeRate,

    /// <summary>Serial ids collide (Protocol.md: they must be unique).</summary>
    DuplicateSerialId,

    /// <summary>The message belongs to another chain.</summary>
    WrongChain,

    /// <summary>No contract, event or oracle of that id.</summary>
    NotFound,

    /// <summary>The contract is not in a state that allows the operation.</summary>
    InvalidState,

    /// <summary>An id already exists.</summary>
    AlreadyExists,

    /// <summary>The oracle already attested this event with a different outcome.</summary>
    AlreadyAttested,

    /// <summary>The outcome is not one the event can have.</summary>
    InvalidOutcome,

    /// <summary>The node refused a transaction (testmempoolaccept or broadcast).</summary>
    TransactionRejected,

    /// <summary>The key store has no passphrase, a wrong one, or a secret fails authentication.</summary>
    KeyStoreLocked,

    /// <summary>A dependency (wallet, node) is not configured or refused the request.</summary>
    Unavailable,

    /// <summary>Too early: a lock time or maturity has not been reached.</summary>
    TooEarly,
}

/// <summary>A refused DLC operation with a one-line, secret-free reason.</summary>
public sealed class DlcException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DlcException(DlcErrorKind kind, string message)
        : base(message) => Kind = kind;

    /// <summary>Creates the exception.</summary>
    public DlcException(DlcErrorKind kind, string message, Exception innerException)
        : base(message, innerException) => Kind = kind;

    /// <summary>Creates the exception.</summary>
    public DlcException() => Kind = DlcErrorKind.InvalidContract;

    /// <summary>Creates the exception.</summary>
    public DlcException(string message)
        : base(message) => Kind = DlcErrorKind.InvalidContract;

    /// <summary>Creates the exception.</summary>
    public DlcException(string message, Exception innerException)
        : base(message, innerException) => Kind = DlcErrorKind.InvalidContract;

    /// <summary>What went wrong.</summary>
    public DlcErrorKind Kind { get; }

    /// <summary>The kind as a snake_case code (<c>invalid_adaptor_signature</c>) for JSON and problem+json.</summary>
    public string Code => ToCode(Kind);

    /// <summary>snake_case name of a kind.</summary>
    public static string ToCode(DlcErrorKind kind)
    {
        var name = kind.ToString();
        var sb = new System.Text.StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(name[i]));
        }

        return sb.ToString();
    }
}
