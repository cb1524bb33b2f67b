using OPSource.Bitcoin;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Chain.Rpc;

/// <summary><c>getblockchaininfo</c>.</summary>
/// <param name="Chain">Core's chain name (<c>main</c>, <c>test</c>, <c>testnet4</c>, <c>signet</c>, <c>regtest</c>).</param>
/// <param name="Network">The chain as a <see cref="Bitcoin.Network"/>, null for a chain this library does not know.</param>
/// <param name="Blocks">Height of the active chain's tip (fully validated blocks).</param>
/// <param name="Headers">Height of the best known header chain.</param>
/// <param name="BestBlockHash">The tip's hash.</param>
/// <param name="Bits">The tip's compact target.</param>
/// <param name="Difficulty">The tip's difficulty.</param>
/// <param name="Time">The tip's header time.</param>
/// <param name="MedianTime">The tip's median time past.</param>
/// <param name="VerificationProgress">Estimated fraction of the chain verified (0..1).</param>
/// <param name="InitialBlockDownload">True while the node is in initial block download.</param>
/// <param name="ChainWork">Total work of the active chain.</param>
/// <param name="SizeOnDisk">Block and undo files on disk, bytes.</param>
/// <param name="Pruned">Whether the node prunes.</param>
/// <param name="PruneHeight">Lowest height with a complete block when pruned.</param>
/// <param name="Warnings">Node warnings.</param>
public sealed record BlockchainInfo(
    string Chain,
    Network? Network,
    int Blocks,
    int Headers,
    BlockHash BestBlockHash,
    uint Bits,
    double Difficulty,
    DateTimeOffset Time,
    DateTimeOffset MedianTime,
    double VerificationProgress,
    bool InitialBlockDownload,
    UInt256 ChainWork,
    long SizeOnDisk,
    bool Pruned,
    int? PruneHeight,
    IReadOnlyList<string> Warnings);

/// <summary><c>getnetworkinfo</c> (the parts OPSource uses).</summary>
/// <param name="Version">Core's version number (<c>290200</c> for v29.2.0).</param>
/// <param name="Subversion">User agent (<c>/Satoshi:29.2.0/</c>).</param>
/// <param name="ProtocolVersion">P2P protocol version.</param>
/// <param name="LocalRelay">Whether the node relays transactions.</param>
/// <param name="TimeOffset">Median clock offset to peers, seconds.</param>
/// <param name="NetworkActive">Whether P2P networking is on.</param>
/// <param name="Connections">Peer connections.</param>
/// <param name="ConnectionsIn">Inbound connections.</param>
/// <param name="ConnectionsOut">Outbound connections.</param>
/// <param name="RelayFee">Minimum relay fee rate (<c>-minrelaytxfee</c>).</param>
/// <param name="IncrementalFee">Incremental relay fee rate (BIP125 replacements, mempool limiting).</param>
/// <param name="Warnings">Node warnings.</param>
public sealed record NetworkInfo(
    int Version,
    string Subversion,
    int ProtocolVersion,
    bool LocalRelay,
    long TimeOffset,
    bool NetworkActive,
    int Connections,
    int ConnectionsIn,
    int ConnectionsOut,
    FeeRate RelayFee,
    FeeRate IncrementalFee,
    IReadOnlyList<string> Warnings);

/// <summary><c>getblockheader HASH true</c>: the header with its position (checked: the header hashes to <see cref="Hash"/>).</summary>
/// <param name="Hash">The block hash.</param>
/// <param name="Confirmations">Confirmations in the active chain; -1 when the block is not in it (stale or reorged out).</param>
/// <param name="Height">Height.</param>
/// <param name="Header">The 80-byte header.</param>
/// <param name="MedianTime">Median time past.</param>
/// <param name="ChainWork">Total chain work up to and including this block.</param>
/// <param name="TransactionCount">Number of transactions (<c>nTx</c>).</param>
/// <param name="PreviousBlockHash">Parent hash (null for genesis).</param>
/// <param name="NextBlockHash">Successor in the active chain, when any.</param>
public sealed record BlockHeaderInfo(
    BlockHash Hash,
    int Confirmations,
    int Height,
    BlockHeader Header,
    DateTimeOffset MedianTime,
    UInt256 ChainWork,
    int TransactionCount,
    BlockHash? PreviousBlockHash,
    BlockHash? NextBlockHash)
{
    /// <summary>True when the block is part of the node's active chain.</summary>
    public bool IsInActiveChain => Confirmations >= 0;
}

/// <summary><c>getblock HASH 1</c>: header information and transaction ids.</summary>
/// <param name="Header">Header and position.</param>
/// <param name="Size">Serialized size with witnesses.</param>
/// <param name="StrippedSize">Serialized size without witnesses.</param>
/// <param name="Weight">BIP141 weight.</param>
/// <param name="TxIds">Transaction ids in block order.</param>
public sealed record VerboseBlock(BlockHeaderInfo Header, int Size, int StrippedSize, int Weight, IReadOnlyList<TxId> TxIds);

/// <summary><c>getblock HASH 2</c>: the whole block plus each transaction's fee (null for the coinbase, or when undo data is missing).</summary>
/// <param name="Header">Header and position.</param>
/// <param name="Size">Serialized size with witnesses.</param>
/// <param name="StrippedSize">Serialized size without witnesses.</param>
/// <param name="Weight">BIP141 weight.</param>
/// <param name="Block">The block (rebuilt from the transactions' hex; its hash is checked).</param>
/// <param name="Fees">Fee per transaction, index-aligned with <see cref="Block.Transactions"/>.</param>
public sealed record VerboseBlockWithTransactions(BlockHeaderInfo Header, int Size, int StrippedSize, int Weight, Block Block, IReadOnlyList<Amount?> Fees);

/// <summary><c>getrawtransaction TXID 1</c>.</summary>
/// <param name="Transaction">The transaction.</param>
/// <param name="BlockHash">Containing block, when confirmed.</param>
/// <param name="Confirmations">Confirmations (0 when unconfirmed).</param>
/// <param name="BlockTime">Containing block's time, when confirmed.</param>
/// <param name="InActiveChain">When a block hash was passed: whether that block is in the active chain.</param>
public sealed record RawTransactionInfo(Transaction Transaction, BlockHash? BlockHash, int Confirmations, DateTimeOffset? BlockTime, bool? InActiveChain);

/// <summary>A mempool entry (<c>getmempoolentry</c>, <c>getrawmempool true</c>).</summary>
/// <param name="TxId">The transaction id.</param>
/// <param name="Wtxid">The witness id.</param>
/// <param name="VSize">Virtual size as policy counts it (sigop-adjusted), vB.</param>
/// <param name="Weight">BIP141 weight.</param>
/// <param name="Time">When it entered the mempool.</param>
/// <param name="Height">Chain height when it entered.</param>
/// <param name="DescendantCount">In-mempool descendants including itself.</param>
/// <param name="DescendantSize">Their virtual size.</param>
/// <param name="AncestorCount">In-mempool ancestors including itself.</param>
/// <param name="AncestorSize">Their virtual size.</param>
/// <param name="BaseFee">The fee the transaction pays.</param>
/// <param name="ModifiedFee">Fee with <c>prioritisetransaction</c> deltas, as mining sees it.</param>
/// <param name="AncestorFees">Modified fees of itself and its in-mempool ancestors.</param>
/// <param name="DescendantFees">Modified fees of itself and its in-mempool descendants.</param>
/// <param name="Depends">Unconfirmed parents.</param>
/// <param name="SpentBy">Unconfirmed children.</param>
/// <param name="Bip125Replaceable">BIP125 signal (inherited), when the node reports it.</param>
/// <param name="Unbroadcast">Submitted locally and not yet seen relayed.</param>
public sealed record MempoolEntry(
    TxId TxId,
    Wtxid Wtxid,
    int VSize,
    int Weight,
    DateTimeOffset Time,
    int Height,
    int DescendantCount,
    long DescendantSize,
    int AncestorCount,
    long AncestorSize,
    Amount BaseFee,
    SignedAmount ModifiedFee,
    SignedAmount AncestorFees,
    SignedAmount DescendantFees,
    IReadOnlyList<TxId> Depends,
    IReadOnlyList<TxId> SpentBy,
    bool? Bip125Replaceable,
    bool Unbroadcast)
{
    /// <summary>The transaction's own fee rate, <see cref="BaseFee"/> / <see cref="VSize"/> (Core's CFeeRate truncation).</summary>
    public FeeRate FeeRate => VSize > 0 ? FeeRate.FromFee(BaseFee, VSize) : FeeRate.Zero;
}

/// <summary><c>getrawmempool false true</c>: the mempool's txids and Core's mempool sequence number (matches ZMQ <c>sequence</c>).</summary>
/// <param name="TxIds">Transaction ids.</param>
/// <param name="MempoolSequence">Core's mempool sequence at the time of the snapshot.</param>
public sealed record MempoolTxIds(IReadOnlyList<TxId> TxIds, ulong MempoolSequence);

/// <summary><c>gettxout</c> for an unspent output.</summary>
/// <param name="BestBlock">The tip the answer refers to.</param>
/// <param name="Confirmations">Confirmations (0 for a mempool output).</param>
/// <param name="Value">Amount.</param>
/// <param name="ScriptPubKey">Output script.</param>
/// <param name="Coinbase">Created by a coinbase.</param>
public sealed record TxOutInfo(BlockHash BestBlock, int Confirmations, Amount Value, Script ScriptPubKey, bool Coinbase);

/// <summary>One transaction's verdict from <c>testmempoolaccept</c> (Core's field names in the JSON forms).</summary>
/// <param name="TxId">Transaction id.</param>
/// <param name="Wtxid">Witness id.</param>
/// <param name="Allowed">True when the mempool would accept it.</param>
/// <param name="VSize">Virtual size when allowed.</param>
/// <param name="BaseFee">Fee when allowed.</param>
/// <param name="EffectiveFeeRate">Package-aware fee rate when allowed.</param>
/// <param name="EffectiveIncludes">Wtxids whose fees and sizes the effective rate includes.</param>
/// <param name="RejectReason">Core's reject reason when refused (<c>min relay fee not met</c>, <c>txn-already-in-mempool</c>...).</param>
/// <param name="RejectDetails">Core's longer reject text (v29+), when refused.</param>
/// <param name="PackageError">Package-level error, when any.</param>
public sealed record MempoolAcceptResult(
    TxId TxId,
    Wtxid Wtxid,
    bool Allowed,
    int? VSize,
    Amount? BaseFee,
    FeeRate? EffectiveFeeRate,
    IReadOnlyList<Wtxid> EffectiveIncludes,
    string? RejectReason,
    string? RejectDetails,
    string? PackageError);

/// <summary><c>estimatesmartfee</c>'s estimate mode.</summary>
public enum FeeEstimateMode
{
    /// <summary>The node's default (economical since v28).</summary>
    Unset,

    /// <summary>Shorter history, quicker to follow falling fees.</summary>
    Economical,

    /// <summary>Longer history, less likely to underpay.</summary>
    Conservative,
}

/// <summary><c>estimatesmartfee</c>.</summary>
/// <param name="FeeRate">Estimated rate, or null when the node has no estimate yet (see <see cref="Errors"/>).</param>
/// <param name="Blocks">The target the estimate is for (may differ from the requested one).</param>
/// <param name="Errors">Why there is no estimate.</param>
public sealed record FeeEstimate(FeeRate? FeeRate, int Blocks, IReadOnlyList<string> Errors);

/// <summary><c>getmempoolinfo</c>.</summary>
/// <param name="Loaded">Whether the mempool finished loading from disk.</param>
/// <param name="Size">Transactions.</param>
/// <param name="Bytes">Sum of virtual sizes.</param>
/// <param name="Usage">Memory usage, bytes.</param>
/// <param name="TotalFee">Sum of fees.</param>
/// <param name="MaxMempool">Memory limit, bytes.</param>
/// <param name="MempoolMinFee">Current minimum rate for acceptance.</param>
/// <param name="MinRelayTxFee">Relay floor (<c>-minrelaytxfee</c>).</param>
/// <param name="IncrementalRelayFee">BIP125 / limiting increment.</param>
/// <param name="UnbroadcastCount">Locally submitted transactions not yet seen relayed.</param>
/// <param name="FullRbf">Whether full replace-by-fee is on.</param>
public sealed record MempoolInfo(
    bool Loaded,
    int Size,
    long Bytes,
    long Usage,
    Amount TotalFee,
    long MaxMempool,
    FeeRate MempoolMinFee,
    FeeRate MinRelayTxFee,
    FeeRate IncrementalRelayFee,
    int UnbroadcastCount,
    bool FullRbf);

/// <summary>
/// <c>getblockstats</c> (Core's field names in the JSON forms; null when the stat was not requested). Amounts are
/// satoshis; fee rates are whole sat/vB as Core truncates them; sizes in bytes; the percentiles are weight-weighted
/// 10th/25th/50th/75th/90th.
/// </summary>
public sealed record BlockStats(
    BlockHash? BlockHash,
    int? Height,
    DateTimeOffset? Time,
    DateTimeOffset? MedianTime,
    long? Txs,
    long? Ins,
    long? Outs,
    Amount? Subsidy,
    Amount? TotalFee,
    Amount? TotalOut,
    Amount? AverageFee,
    Amount? MedianFee,
    Amount? MinFee,
    Amount? MaxFee,
    FeeRate? AverageFeeRate,
    FeeRate? MinFeeRate,
    FeeRate? MaxFeeRate,
    IReadOnlyList<FeeRate>? FeeRatePercentiles,
    long? AverageTxSize,
    long? MedianTxSize,
    long? MinTxSize,
    long? MaxTxSize,
    long? TotalSize,
    long? TotalWeight,
    long? SegwitTxs,
    long? SegwitTotalSize,
    long? SegwitTotalWeight,
    long? UtxoIncrease,
    long? UtxoSizeIncrease,
    long? UtxoIncreaseActual,
    long? UtxoSizeIncreaseActual);

/// <summary>One ZMQ publisher the node has (<c>getzmqnotifications</c>).</summary>
/// <param name="Type">Notification type (<c>pubhashblock</c>, <c>pubrawblock</c>, <c>pubrawtx</c>, <c>pubhashtx</c>, <c>pubsequence</c>).</param>
/// <param name="Address">Endpoint (<c>tcp://127.0.0.1:28332</c>).</param>
/// <param name="HighWaterMark">Outbound message high-water mark.</param>
public sealed record ZmqNotification(string Type, string Address, int HighWaterMark);
