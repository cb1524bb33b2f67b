using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Rpc;

namespace OPSource.Chain;

/// <summary>Read access to the node's blocks: what a chain follower (and the wallet's rescans) need.</summary>
public interface IBlockSource
{
    /// <summary><c>getblockchaininfo</c>.</summary>
    Task<BlockchainInfo> GetBlockchainInfoAsync(CancellationToken cancellationToken);

    /// <summary><c>getbestblockhash</c>.</summary>
    Task<BlockHash> GetBestBlockHashAsync(CancellationToken cancellationToken);

    /// <summary><c>getblockcount</c>: the active chain's height.</summary>
    Task<int> GetBlockCountAsync(CancellationToken cancellationToken);

    /// <summary><c>getblockhash</c>; a height above the tip throws <see cref="RpcInvalidParameterException"/>.</summary>
    Task<BlockHash> GetBlockHashAsync(int height, CancellationToken cancellationToken);

    /// <summary>Many <c>getblockhash</c> calls in JSON-RPC batches; the hashes in the heights' order.</summary>
    Task<IReadOnlyList<BlockHash>> GetBlockHashesAsync(IReadOnlyList<int> heights, CancellationToken cancellationToken);

    /// <summary><c>getblockheader HASH true</c>; an unknown hash throws <see cref="RpcInvalidAddressOrKeyException"/>.</summary>
    Task<BlockHeaderInfo> GetBlockHeaderAsync(BlockHash hash, CancellationToken cancellationToken);

    /// <summary><c>getblock HASH 0</c>, parsed; a pruned block throws <see cref="RpcErrorException"/> (-1).</summary>
    Task<Block> GetBlockAsync(BlockHash hash, CancellationToken cancellationToken);

    /// <summary>Many <c>getblock HASH 0</c> calls in JSON-RPC batches; the blocks in the hashes' order.</summary>
    Task<IReadOnlyList<Block>> GetBlocksAsync(IReadOnlyList<BlockHash> hashes, CancellationToken cancellationToken);
}

/// <summary>Read access to the node's mempool.</summary>
public interface IMempoolSource
{
    /// <summary><c>getrawmempool</c>: txids.</summary>
    Task<IReadOnlyList<TxId>> GetRawMempoolAsync(CancellationToken cancellationToken);

    /// <summary><c>getrawmempool false true</c>: txids and Core's mempool sequence number.</summary>
    Task<MempoolTxIds> GetRawMempoolWithSequenceAsync(CancellationToken cancellationToken);

    /// <summary><c>getrawmempool true</c>: every entry by txid.</summary>
    Task<IReadOnlyDictionary<TxId, MempoolEntry>> GetRawMempoolVerboseAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The transactions for <paramref name="txids"/> (batched <c>getrawtransaction</c>), index-aligned; null where the node
    /// no longer knows the transaction (left the mempool meanwhile).
    /// </summary>
    Task<IReadOnlyList<Transaction?>> GetMempoolTransactionsAsync(IReadOnlyList<TxId> txids, CancellationToken cancellationToken);

    /// <summary><c>getmempoolinfo</c>.</summary>
    Task<MempoolInfo> GetMempoolInfoAsync(CancellationToken cancellationToken);
}

/// <summary>What became of a broadcast.</summary>
public enum BroadcastStatus
{
    /// <summary>The node accepted the transaction into its mempool now.</summary>
    Accepted,

    /// <summary>It was already in the node's mempool (an earlier broadcast got through).</summary>
    AlreadyInMempool,

    /// <summary>It is already confirmed (its outputs are in the UTXO set).</summary>
    AlreadyConfirmed,
}

/// <summary>The outcome of <see cref="ITransactionBroadcaster.BroadcastAsync"/>.</summary>
/// <param name="TxId">Transaction id.</param>
/// <param name="Wtxid">Witness id.</param>
/// <param name="Status">Accepted now, or already known.</param>
/// <param name="VSize">Virtual size <c>testmempoolaccept</c> reported (null when already known).</param>
/// <param name="Fee">Fee <c>testmempoolaccept</c> reported (null when already known).</param>
/// <param name="EffectiveFeeRate">Package-aware fee rate (null when already known).</param>
public sealed record BroadcastResult(TxId TxId, Wtxid Wtxid, BroadcastStatus Status, int? VSize, Amount? Fee, FeeRate? EffectiveFeeRate);

/// <summary>Limits for a broadcast (Core's defaults when null).</summary>
/// <param name="MaxFeeRate">Refuse above this rate (Core: 0.10 BTC/kvB); <see cref="FeeRate.Zero"/> disables the check.</param>
/// <param name="MaxBurnAmount">Refuse provably unspendable outputs above this amount (Core: 0).</param>
public sealed record BroadcastOptions(FeeRate? MaxFeeRate = null, Amount? MaxBurnAmount = null);

/// <summary>
/// Hands transactions to the node. Modules that broadcast (wallet, DLC, DAO) depend on this, never on HTTP.
/// </summary>
public interface ITransactionBroadcaster
{
    /// <summary><c>testmempoolaccept</c>: would the mempool take these (a package of up to 25, parents first)?</summary>
    Task<IReadOnlyList<MempoolAcceptResult>> TestMempoolAcceptAsync(IReadOnlyList<Transaction> transactions, FeeRate? maxFeeRate, CancellationToken cancellationToken);

    /// <summary>
    /// <c>testmempoolaccept</c>, then <c>sendrawtransaction</c>. A refusal throws <see cref="RpcVerifyRejectedException"/>
    /// with Core's reject reason; a transaction already in the mempool or already confirmed is reported as such, not as an error.
    /// An ambiguous failure of the send (timeout, lost connection) is resolved by looking the transaction up before resending it.
    /// </summary>
    Task<BroadcastResult> BroadcastAsync(Transaction transaction, BroadcastOptions? options, CancellationToken cancellationToken);
}

/// <summary>Fee estimates from the node.</summary>
public interface IFeeEstimator
{
    /// <summary><c>estimatesmartfee</c>.</summary>
    Task<FeeEstimate> EstimateSmartFeeAsync(int confirmationTarget, FeeEstimateMode mode, CancellationToken cancellationToken);
}

/// <summary>
/// Everything OPSource asks of a Bitcoin Core node. <see cref="BitcoinRpcClient"/> implements it; modules depend on
/// the narrowest interface that serves them (<see cref="IBlockSource"/>, <see cref="IMempoolSource"/>,
/// <see cref="ITransactionBroadcaster"/>, <see cref="IFeeEstimator"/>).
/// </summary>
public interface IBitcoinNode : IBlockSource, IMempoolSource, ITransactionBroadcaster, IFeeEstimator
{
    /// <summary><c>getnetworkinfo</c>.</summary>
    Task<NetworkInfo> GetNetworkInfoAsync(CancellationToken cancellationToken);

    /// <summary><c>getblock HASH 1</c>.</summary>
    Task<VerboseBlock> GetVerboseBlockAsync(BlockHash hash, CancellationToken cancellationToken);

    /// <summary><c>getblock HASH 2</c>: the block with each transaction's fee.</summary>
    Task<VerboseBlockWithTransactions> GetBlockWithFeesAsync(BlockHash hash, CancellationToken cancellationToken);

    /// <summary><c>getblockheader HASH false</c>: the raw 80-byte header.</summary>
    Task<BlockHeader> GetRawBlockHeaderAsync(BlockHash hash, CancellationToken cancellationToken);

    /// <summary><c>getrawtransaction TXID 0 [BLOCKHASH]</c> (a confirmed transaction needs <c>-txindex</c> or its block hash).</summary>
    Task<Transaction> GetRawTransactionAsync(TxId txid, BlockHash? blockHash, CancellationToken cancellationToken);

    /// <summary><c>getrawtransaction TXID 1 [BLOCKHASH]</c>.</summary>
    Task<RawTransactionInfo> GetRawTransactionInfoAsync(TxId txid, BlockHash? blockHash, CancellationToken cancellationToken);

    /// <summary><c>getmempoolentry</c>; a transaction not in the mempool throws <see cref="RpcInvalidAddressOrKeyException"/>.</summary>
    Task<MempoolEntry> GetMempoolEntryAsync(TxId txid, CancellationToken cancellationToken);

    /// <summary><c>gettxout</c>: the unspent output, or null when it is spent or never existed.</summary>
    Task<TxOutInfo?> GetTxOutAsync(OutPoint outPoint, bool includeMempool, CancellationToken cancellationToken);

    /// <summary><c>sendrawtransaction</c> alone (prefer <see cref="ITransactionBroadcaster.BroadcastAsync"/>).</summary>
    Task<TxId> SendRawTransactionAsync(Transaction transaction, BroadcastOptions? options, CancellationToken cancellationToken);

    /// <summary><c>getblockstats HEIGHT [STATS]</c> (all stats when <paramref name="stats"/> is null).</summary>
    Task<BlockStats> GetBlockStatsAsync(int height, IReadOnlyList<string>? stats, CancellationToken cancellationToken);

    /// <summary><c>getblockstats HASH [STATS]</c>.</summary>
    Task<BlockStats> GetBlockStatsAsync(BlockHash hash, IReadOnlyList<string>? stats, CancellationToken cancellationToken);

    /// <summary><c>getzmqnotifications</c>: the node's ZMQ publishers.</summary>
    Task<IReadOnlyList<ZmqNotification>> GetZmqNotificationsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Any RPC method with positional parameters; returns the raw <c>result</c>. Treated as not idempotent (only
    /// provably-not-run failures are retried) unless <paramref name="idempotent"/> is true.
    /// </summary>
    Task<JsonNode?> CallAsync(string method, IReadOnlyList<JsonNode?> parameters, bool idempotent, CancellationToken cancellationToken);
}
