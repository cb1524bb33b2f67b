namespace OPSource.Chain.Rpc;

/// <summary>
/// Bitcoin Core's JSON-RPC error codes (src/rpc/protocol.h, v29.2), with Core's names in PascalCase.
/// Codes Core may add later still reach the caller as their number in <see cref="RpcErrorException.Code"/>.
/// </summary>
public enum RpcErrorCode
{
    /// <summary>RPC_INVALID_REQUEST: the request object is not valid JSON-RPC.</summary>
    InvalidRequest = -32600,

    /// <summary>RPC_METHOD_NOT_FOUND (also a wallet method called with no wallet support).</summary>
    MethodNotFound = -32601,

    /// <summary>RPC_INVALID_PARAMS.</summary>
    InvalidParams = -32602,

    /// <summary>RPC_INTERNAL_ERROR.</summary>
    InternalError = -32603,

    /// <summary>RPC_PARSE_ERROR: the request body is not JSON.</summary>
    ParseError = -32700,

    /// <summary>RPC_MISC_ERROR: std::exception thrown in command handling.</summary>
    MiscError = -1,

    /// <summary>RPC_FORBIDDEN_BY_SAFE_MODE (unused since 0.17, kept for old nodes).</summary>
    ForbiddenBySafeMode = -2,

    /// <summary>RPC_TYPE_ERROR: unexpected type passed as a parameter.</summary>
    TypeError = -3,

    /// <summary>RPC_INVALID_ADDRESS_OR_KEY: invalid address or key; also "Block not found", "No such mempool transaction".</summary>
    InvalidAddressOrKey = -5,

    /// <summary>RPC_OUT_OF_MEMORY.</summary>
    OutOfMemory = -7,

    /// <summary>RPC_INVALID_PARAMETER: invalid, missing or duplicate parameter (e.g. height out of range).</summary>
    InvalidParameter = -8,

    /// <summary>RPC_DATABASE_ERROR.</summary>
    DatabaseError = -20,

    /// <summary>RPC_DESERIALIZATION_ERROR: error parsing or validating a raw structure (bad transaction hex).</summary>
    DeserializationError = -22,

    /// <summary>RPC_VERIFY_ERROR (RPC_TRANSACTION_ERROR): general error during transaction or block submission (missing inputs, fee above maxfeerate).</summary>
    VerifyError = -25,

    /// <summary>RPC_VERIFY_REJECTED (RPC_TRANSACTION_REJECTED): rejected by network rules (consensus or policy).</summary>
    VerifyRejected = -26,

    /// <summary>RPC_VERIFY_ALREADY_IN_UTXO_SET (formerly RPC_VERIFY_ALREADY_IN_CHAIN): the transaction's outputs are already in the UTXO set.</summary>
    VerifyAlreadyInChain = -27,

    /// <summary>RPC_IN_WARMUP: the node is still starting (loading the block index, verifying blocks).</summary>
    InWarmup = -28,

    /// <summary>RPC_METHOD_DEPRECATED.</summary>
    MethodDeprecated = -32,

    /// <summary>RPC_CLIENT_NOT_CONNECTED: the node has no peers.</summary>
    ClientNotConnected = -9,

    /// <summary>RPC_CLIENT_IN_INITIAL_DOWNLOAD.</summary>
    ClientInInitialDownload = -10,

    /// <summary>RPC_CLIENT_NODE_ALREADY_ADDED.</summary>
    ClientNodeAlreadyAdded = -23,

    /// <summary>RPC_CLIENT_NODE_NOT_ADDED.</summary>
    ClientNodeNotAdded = -24,

    /// <summary>RPC_CLIENT_NODE_NOT_CONNECTED.</summary>
    ClientNodeNotConnected = -29,

    /// <summary>RPC_CLIENT_INVALID_IP_OR_SUBNET.</summary>
    ClientInvalidIpOrSubnet = -30,

    /// <summary>RPC_CLIENT_P2P_DISABLED.</summary>
    ClientP2PDisabled = -31,

    /// <summary>RPC_CLIENT_MEMPOOL_DISABLED.</summary>
    ClientMempoolDisabled = -33,

    /// <summary>RPC_CLIENT_NODE_CAPACITY_REACHED.</summary>
    ClientNodeCapacityReached = -34,

    /// <summary>RPC_WALLET_ERROR: unspecified wallet problem.</summary>
    WalletError = -4,

    /// <summary>RPC_WALLET_INSUFFICIENT_FUNDS.</summary>
    WalletInsufficientFunds = -6,

    /// <summary>RPC_WALLET_INVALID_LABEL_NAME.</summary>
    WalletInvalidLabelName = -11,

    /// <summary>RPC_WALLET_KEYPOOL_RAN_OUT.</summary>
    WalletKeypoolRanOut = -12,

    /// <summary>RPC_WALLET_UNLOCK_NEEDED.</summary>
    WalletUnlockNeeded = -13,

    /// <summary>RPC_WALLET_PASSPHRASE_INCORRECT.</summary>
    WalletPassphraseIncorrect = -14,

    /// <summary>RPC_WALLET_WRONG_ENC_STATE.</summary>
    WalletWrongEncState = -15,

    /// <summary>RPC_WALLET_ENCRYPTION_FAILED.</summary>
    WalletEncryptionFailed = -16,

    /// <summary>RPC_WALLET_ALREADY_UNLOCKED.</summary>
    WalletAlreadyUnlocked = -17,

    /// <summary>RPC_WALLET_NOT_FOUND: no such wallet (or not loaded).</summary>
    WalletNotFound = -18,

    /// <summary>RPC_WALLET_NOT_SPECIFIED: several wallets loaded and none named in the URL.</summary>
    WalletNotSpecified = -19,

    /// <summary>RPC_WALLET_ALREADY_LOADED.</summary>
    WalletAlreadyLoaded = -35,

    /// <summary>RPC_WALLET_ALREADY_EXISTS.</summary>
    WalletAlreadyExists = -36,
}
