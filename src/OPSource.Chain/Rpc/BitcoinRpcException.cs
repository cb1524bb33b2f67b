namespace OPSource.Chain.Rpc;

/// <summary>
/// A call to Bitcoin Core's JSON-RPC failed. Subclasses tell why: the node answered with an error
/// (<see cref="RpcErrorException"/> and its typed subclasses), the node could not be reached or gave no usable
/// answer (<see cref="BitcoinRpcTransportException"/>), or it refused the credentials
/// (<see cref="BitcoinRpcAuthenticationException"/>). Messages name the method and never include parameters
/// or credentials.
/// </summary>
public class BitcoinRpcException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BitcoinRpcException(string method, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Method = method;
    }

    /// <summary>The RPC method (or <c>batch</c>) that failed.</summary>
    public string Method { get; } = "";
}

/// <summary>How a transport failure happened; decides whether a retry is safe (see docs/chain.md).</summary>
public enum RpcTransportFailure
{
    /// <summary>No connection could be made (refused, unreachable, name not resolved): the node never saw the request.</summary>
    ConnectionFailed,

    /// <summary>The connection broke after the request may have been sent (reset, closed early): the call may or may not have run.</summary>
    ConnectionLost,

    /// <summary>No answer within the configured timeout: the call may or may not have run.</summary>
    Timeout,

    /// <summary>HTTP 503: Core's work queue was full (or it is shutting down) and it rejected the request before running it.</summary>
    ServiceUnavailable,

    /// <summary>Another HTTP status without a JSON-RPC body (404 on a wrong URL path, 500 with HTML...).</summary>
    HttpStatus,

    /// <summary>The body was not a JSON-RPC reply (or a reply to another request).</summary>
    InvalidResponse,
}

/// <summary>The node could not be reached, did not answer in time, or answered with something that is not JSON-RPC.</summary>
public sealed class BitcoinRpcTransportException : BitcoinRpcException
{
    /// <summary>Creates the exception.</summary>
    public BitcoinRpcTransportException(string method, RpcTransportFailure failure, string message, int? httpStatus = null, Exception? innerException = null)
        : base(method, message, innerException)
    {
        Failure = failure;
        HttpStatus = httpStatus;
    }

    /// <summary>What went wrong.</summary>
    public RpcTransportFailure Failure { get; }

    /// <summary>The HTTP status when there was one.</summary>
    public int? HttpStatus { get; }

    /// <summary>True when the node provably did not run the call (safe to retry any method).</summary>
    public bool NotExecuted => Failure is RpcTransportFailure.ConnectionFailed or RpcTransportFailure.ServiceUnavailable;
}

/// <summary>The node refused the credentials (HTTP 401) or the client address (HTTP 403, <c>-rpcallowip</c>, <c>-rpcwhitelist</c>).</summary>
public sealed class BitcoinRpcAuthenticationException : BitcoinRpcException
{
    /// <summary>Creates the exception.</summary>
    public BitcoinRpcAuthenticationException(string method, int httpStatus, string message)
        : base(method, message)
    {
        HttpStatus = httpStatus;
    }

    /// <summary>401 or 403.</summary>
    public int HttpStatus { get; }
}

/// <summary>
/// The node answered the call with a JSON-RPC error. <see cref="Code"/> is Core's error code and
/// <see cref="NodeMessage"/> the node's own message. Use <see cref="Create"/> to get the typed subclass for a code.
/// </summary>
public class RpcErrorException : BitcoinRpcException
{
    /// <summary>Creates the exception.</summary>
    public RpcErrorException(string method, RpcErrorCode code, string nodeMessage)
        : base(method, $"bitcoind {method}: {nodeMessage} (code {(int)code})")
    {
        Code = code;
        NodeMessage = nodeMessage;
    }

    /// <summary>Core's error code (may be a number outside <see cref="RpcErrorCode"/>'s named values).</summary>
    public RpcErrorCode Code { get; }

    /// <summary>The node's message, verbatim.</summary>
    public string NodeMessage { get; } = "";

    /// <summary>The typed exception for a Core error code.</summary>
    public static RpcErrorException Create(string method, int code, string nodeMessage)
    {
        ArgumentNullException.ThrowIfNull(method);
        nodeMessage ??= "";
        var c = (RpcErrorCode)code;
        return c switch
        {
            RpcErrorCode.VerifyError => new RpcVerifyException(method, nodeMessage),
            RpcErrorCode.VerifyRejected => new RpcVerifyRejectedException(method, nodeMessage),
            RpcErrorCode.VerifyAlreadyInChain => new RpcVerifyAlreadyInChainException(method, nodeMessage),
            RpcErrorCode.InvalidAddressOrKey => new RpcInvalidAddressOrKeyException(method, nodeMessage),
            RpcErrorCode.InvalidParameter => new RpcInvalidParameterException(method, nodeMessage),
            RpcErrorCode.InWarmup => new RpcInWarmupException(method, nodeMessage),
            RpcErrorCode.DeserializationError => new RpcDeserializationException(method, nodeMessage),
            RpcErrorCode.MethodNotFound => new RpcMethodNotFoundException(method, nodeMessage),
            RpcErrorCode.ClientInInitialDownload => new RpcInInitialDownloadException(method, nodeMessage),
            RpcErrorCode.WalletError or RpcErrorCode.WalletInsufficientFunds or RpcErrorCode.WalletInvalidLabelName
                or RpcErrorCode.WalletKeypoolRanOut or RpcErrorCode.WalletUnlockNeeded or RpcErrorCode.WalletPassphraseIncorrect
                or RpcErrorCode.WalletWrongEncState or RpcErrorCode.WalletEncryptionFailed or RpcErrorCode.WalletAlreadyUnlocked
                or RpcErrorCode.WalletNotFound or RpcErrorCode.WalletNotSpecified or RpcErrorCode.WalletAlreadyLoaded
                or RpcErrorCode.WalletAlreadyExists => new RpcWalletException(method, c, nodeMessage),
            _ => new RpcErrorException(method, c, nodeMessage),
        };
    }
}

/// <summary>RPC_VERIFY_ERROR (-25): transaction or block submission failed (missing or spent inputs, fee above <c>maxfeerate</c>...).</summary>
public sealed class RpcVerifyException(string method, string nodeMessage) : RpcErrorException(method, RpcErrorCode.VerifyError, nodeMessage);

/// <summary>
/// RPC_VERIFY_REJECTED (-26): the transaction was rejected by consensus or policy rules. Also thrown by
/// <see cref="BitcoinRpcClient.BroadcastAsync"/> when <c>testmempoolaccept</c> refuses a transaction.
/// </summary>
public sealed class RpcVerifyRejectedException : RpcErrorException
{
    /// <summary>Creates the exception; <see cref="RejectReason"/> is the message up to Core's first ", " or " (".</summary>
    public RpcVerifyRejectedException(string method, string nodeMessage)
        : this(method, nodeMessage, ExtractReason(nodeMessage))
    {
    }

    /// <summary>Creates the exception with an explicit reject reason (<c>testmempoolaccept</c>'s <c>reject-reason</c>).</summary>
    public RpcVerifyRejectedException(string method, string nodeMessage, string rejectReason)
        : base(method, RpcErrorCode.VerifyRejected, nodeMessage)
    {
        RejectReason = rejectReason;
    }

    /// <summary>Core's short reject reason (<c>min relay fee not met</c>, <c>mandatory-script-verify-flag-failed</c>, <c>missing-inputs</c>...).</summary>
    public string RejectReason { get; }

    // Core's TxValidationState::ToString is "reason" or "reason, debug message"; ATMP's script failures are "reason (detail)".
    private static string ExtractReason(string message)
    {
        var cut = message.Length;
        var comma = message.IndexOf(", ", StringComparison.Ordinal);
        var paren = message.IndexOf(" (", StringComparison.Ordinal);
        if (comma >= 0)
        {
            cut = comma;
        }

        if (paren >= 0 && paren < cut)
        {
            cut = paren;
        }

        return message[..cut];
    }
}

/// <summary>RPC_VERIFY_ALREADY_IN_UTXO_SET (-27): the transaction is already confirmed (its outputs are in the UTXO set).</summary>
public sealed class RpcVerifyAlreadyInChainException(string method, string nodeMessage) : RpcErrorException(method, RpcErrorCode.VerifyAlreadyInChain, nodeMessage);

/// <summary>RPC_INVALID_ADDRESS_OR_KEY (-5): invalid address or key; also an unknown block or transaction ("Block not found").</summary>
public sealed class RpcInvalidAddressOrKeyException(string method, string nodeMessage) : RpcErrorException(method, RpcErrorCode.InvalidAddressOrKey, nodeMessage);

/// <summary>RPC_INVALID_PARAMETER (-8): invalid, missing or duplicate parameter (e.g. "Block height out of range").</summary>
public sealed class RpcInvalidParameterException(string method, string nodeMessage) : RpcErrorException(method, RpcErrorCode.InvalidParameter, nodeMessage);

/// <summary>RPC_IN_WARMUP (-28): the node is starting; the call was not run (retried automatically).</summary>
public sealed class RpcInWarmupException(string method, string nodeMessage) : RpcErrorException(method, RpcErrorCode.InWarmup, nodeMessage);

/// <summary>RPC_DESERIALIZATION_ERROR (-22): the raw transaction, block or PSBT could not be decoded.</summary>
public sealed class RpcDeserializationException(string method, string nodeMessage) : RpcErrorException(method, RpcErrorCode.DeserializationError, nodeMessage);

/// <summary>RPC_METHOD_NOT_FOUND (-32601): unknown method, or a wallet method on a node without wallet support.</summary>
public sealed class RpcMethodNotFoundException(string method, string nodeMessage) : RpcErrorException(method, RpcErrorCode.MethodNotFound, nodeMessage);

/// <summary>RPC_CLIENT_IN_INITIAL_DOWNLOAD (-10): the node is still in initial block download.</summary>
public sealed class RpcInInitialDownloadException(string method, string nodeMessage) : RpcErrorException(method, RpcErrorCode.ClientInInitialDownload, nodeMessage);

/// <summary>One of Core's RPC_WALLET_* errors (-4, -6, -11...-19, -35, -36); <see cref="RpcErrorException.Code"/> tells which.</summary>
public sealed class RpcWalletException(string method, RpcErrorCode code, string nodeMessage) : RpcErrorException(method, code, nodeMessage);
