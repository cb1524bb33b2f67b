using OPSource.Platform.Errors;

namespace OPSource.Layers.Rsk;

/// <summary>Why an RSK operation was refused; each kind is the error's <c>code</c> (snake_case) on the CLI and REST.</summary>
public enum RskErrorKind
{
    /// <summary>Not a 20-byte hex address.</summary>
    InvalidAddress,

    /// <summary>A mixed-case address whose checksum matches neither EIP-1191 for the chain nor EIP-55.</summary>
    BadChecksum,

    /// <summary>Something signed for or checksummed for another chain id, or a node on another chain.</summary>
    WrongChain,

    /// <summary>Malformed RLP, hex or ABI data.</summary>
    InvalidEncoding,

    /// <summary>A transaction that rskj would refuse (high s, bad v, bad field).</summary>
    InvalidTransaction,

    /// <summary>A contract call or transaction reverted.</summary>
    Reverted,

    /// <summary>The nonce is below the account's next nonce (already used).</summary>
    NonceTooLow,

    /// <summary>The nonce leaves a gap above the account's next nonce.</summary>
    NonceGap,

    /// <summary>The gas price is below what the node accepts.</summary>
    Underpriced,

    /// <summary>The account cannot pay value plus gas.</summary>
    InsufficientFunds,

    /// <summary>Peg-in instructions (RSKT OP_RETURN) that rskj would refuse.</summary>
    InvalidPegin,

    /// <summary>Other user errors (bad amount, bad argument).</summary>
    InvalidRequest,

    /// <summary>No such transaction, receipt or resource.</summary>
    NotFound,

    /// <summary>The node refused the request for another reason (the node's message is kept).</summary>
    NodeRejected,

    /// <summary>The node could not be reached or answered something that is not JSON-RPC.</summary>
    NodeUnavailable,
}

/// <summary>A refused RSK operation (maps to exit code 1 / HTTP 4xx, 503 for an unreachable node).</summary>
public sealed class RskException : OpsourceException
{
    /// <summary>Creates the exception.</summary>
    public RskException(RskErrorKind kind, string message)
        : base(CategoryOf(kind), CodeOf(kind), message) => Kind = kind;

    /// <summary>Creates the exception with its cause.</summary>
    public RskException(RskErrorKind kind, string message, Exception innerException)
        : base(CategoryOf(kind), CodeOf(kind), message, innerException) => Kind = kind;

    /// <summary>Creates the exception.</summary>
    public RskException() : this(RskErrorKind.InvalidRequest, "rsk: invalid request")
    {
    }

    /// <summary>Creates the exception.</summary>
    public RskException(string message) : this(RskErrorKind.InvalidRequest, message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RskException(string message, Exception innerException) : this(RskErrorKind.InvalidRequest, message, innerException)
    {
    }

    /// <summary>What went wrong.</summary>
    public RskErrorKind Kind { get; }

    /// <summary>The snake_case code of a kind (<c>bad_checksum</c>).</summary>
    public static string CodeOf(RskErrorKind kind) => kind switch
    {
        RskErrorKind.InvalidAddress => "invalid_address",
        RskErrorKind.BadChecksum => "bad_checksum",
        RskErrorKind.WrongChain => "wrong_chain",
        RskErrorKind.InvalidEncoding => "invalid_encoding",
        RskErrorKind.InvalidTransaction => "invalid_transaction",
        RskErrorKind.Reverted => "reverted",
        RskErrorKind.NonceTooLow => "nonce_too_low",
        RskErrorKind.NonceGap => "nonce_gap",
        RskErrorKind.Underpriced => "underpriced",
        RskErrorKind.InsufficientFunds => "insufficient_funds",
        RskErrorKind.InvalidPegin => "invalid_pegin",
        RskErrorKind.NotFound => "not_found",
        RskErrorKind.NodeRejected => "node_rejected",
        RskErrorKind.NodeUnavailable => "node_unavailable",
        _ => "invalid_request",
    };

    private static ErrorCategory CategoryOf(RskErrorKind kind) => kind switch
    {
        RskErrorKind.Reverted or RskErrorKind.NonceTooLow or RskErrorKind.NonceGap or RskErrorKind.Underpriced
            or RskErrorKind.InsufficientFunds or RskErrorKind.NodeRejected or RskErrorKind.WrongChain => ErrorCategory.Refused,
        RskErrorKind.NotFound => ErrorCategory.NotFound,
        RskErrorKind.NodeUnavailable => ErrorCategory.Unavailable,
        _ => ErrorCategory.InvalidInput,
    };
}
