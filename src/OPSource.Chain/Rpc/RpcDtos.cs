using System.Text.Json;
using System.Text.Json.Serialization;

namespace OPSource.Chain.Rpc;

// Wire shapes of Core's replies (v29.2 field names), bound by the source generator (Native AOT: no reflection).
// The public results in RpcResults.cs are built from these and validated there.
#pragma warning disable CA1812 // instantiated by the JSON source generator
#pragma warning disable SA1402

internal sealed class BlockchainInfoDto
{
    [JsonPropertyName("chain")] public string Chain { get; set; } = "";
    [JsonPropertyName("blocks")] public int Blocks { get; set; }
    [JsonPropertyName("headers")] public int Headers { get; set; }
    [JsonPropertyName("bestblockhash")] public string BestBlockHash { get; set; } = "";
    [JsonPropertyName("bits")] public string? Bits { get; set; }
    [JsonPropertyName("difficulty")] public double Difficulty { get; set; }
    [JsonPropertyName("time")] public long Time { get; set; }
    [JsonPropertyName("mediantime")] public long MedianTime { get; set; }
    [JsonPropertyName("verificationprogress")] public double VerificationProgress { get; set; }
    [JsonPropertyName("initialblockdownload")] public bool InitialBlockDownload { get; set; }
    [JsonPropertyName("chainwork")] public string ChainWork { get; set; } = "";
    [JsonPropertyName("size_on_disk")] public long SizeOnDisk { get; set; }
    [JsonPropertyName("pruned")] public bool Pruned { get; set; }
    [JsonPropertyName("pruneheight")] public int? PruneHeight { get; set; }
    [JsonPropertyName("warnings")] public JsonElement Warnings { get; set; }
}

internal sealed class NetworkInfoDto
{
    [JsonPropertyName("version")] public int Version { get; set; }
    [JsonPropertyName("subversion")] public string Subversion { get; set; } = "";
    [JsonPropertyName("protocolversion")] public int ProtocolVersion { get; set; }
    [JsonPropertyName("localrelay")] public bool LocalRelay { get; set; }
    [JsonPropertyName("timeoffset")] public long TimeOffset { get; set; }
    [JsonPropertyName("networkactive")] public bool NetworkActive { get; set; }
    [JsonPropertyName("connections")] public int Connections { get; set; }
    [JsonPropertyName("connections_in")] public int ConnectionsIn { get; set; }
    [JsonPropertyName("connections_out")] public int ConnectionsOut { get; set; }
    [JsonPropertyName("relayfee")] public decimal RelayFee { get; set; }
    [JsonPropertyName("incrementalfee")] public decimal IncrementalFee { get; set; }
    [JsonPropertyName("warnings")] public JsonElement Warnings { get; set; }
}

internal class BlockHeaderDto
{
    [JsonPropertyName("hash")] public string Hash { get; set; } = "";
    [JsonPropertyName("confirmations")] public int Confirmations { get; set; }
    [JsonPropertyName("height")] public int Height { get; set; }
    [JsonPropertyName("version")] public int Version { get; set; }
    [JsonPropertyName("merkleroot")] public string MerkleRoot { get; set; } = "";
    [JsonPropertyName("time")] public uint Time { get; set; }
    [JsonPropertyName("mediantime")] public long MedianTime { get; set; }
    [JsonPropertyName("nonce")] public uint Nonce { get; set; }
    [JsonPropertyName("bits")] public string Bits { get; set; } = "";
    [JsonPropertyName("chainwork")] public string ChainWork { get; set; } = "";
    [JsonPropertyName("nTx")] public int TransactionCount { get; set; }
    [JsonPropertyName("previousblockhash")] public string? PreviousBlockHash { get; set; }
    [JsonPropertyName("nextblockhash")] public string? NextBlockHash { get; set; }
}

internal sealed class VerboseBlockDto : BlockHeaderDto
{
    [JsonPropertyName("size")] public int Size { get; set; }
    [JsonPropertyName("strippedsize")] public int StrippedSize { get; set; }
    [JsonPropertyName("weight")] public int Weight { get; set; }
    [JsonPropertyName("tx")] public List<string> Tx { get; set; } = [];
}

internal sealed class VerboseBlockTxDto
{
    [JsonPropertyName("txid")] public string TxId { get; set; } = "";
    [JsonPropertyName("hex")] public string Hex { get; set; } = "";
    [JsonPropertyName("fee")] public decimal? Fee { get; set; }
}

internal sealed class VerboseBlock2Dto : BlockHeaderDto
{
    [JsonPropertyName("size")] public int Size { get; set; }
    [JsonPropertyName("strippedsize")] public int StrippedSize { get; set; }
    [JsonPropertyName("weight")] public int Weight { get; set; }
    [JsonPropertyName("tx")] public List<VerboseBlockTxDto> Tx { get; set; } = [];
}

internal sealed class RawTransactionDto
{
    [JsonPropertyName("txid")] public string TxId { get; set; } = "";
    [JsonPropertyName("hex")] public string Hex { get; set; } = "";
    [JsonPropertyName("blockhash")] public string? BlockHash { get; set; }
    [JsonPropertyName("confirmations")] public int? Confirmations { get; set; }
    [JsonPropertyName("blocktime")] public long? BlockTime { get; set; }
    [JsonPropertyName("in_active_chain")] public bool? InActiveChain { get; set; }
}

internal sealed class MempoolFeesDto
{
    [JsonPropertyName("base")] public decimal Base { get; set; }
    [JsonPropertyName("modified")] public decimal Modified { get; set; }
    [JsonPropertyName("ancestor")] public decimal Ancestor { get; set; }
    [JsonPropertyName("descendant")] public decimal Descendant { get; set; }
}

internal sealed class MempoolEntryDto
{
    [JsonPropertyName("vsize")] public int VSize { get; set; }
    [JsonPropertyName("weight")] public int Weight { get; set; }
    [JsonPropertyName("time")] public long Time { get; set; }
    [JsonPropertyName("height")] public int Height { get; set; }
    [JsonPropertyName("descendantcount")] public int DescendantCount { get; set; }
    [JsonPropertyName("descendantsize")] public long DescendantSize { get; set; }
    [JsonPropertyName("ancestorcount")] public int AncestorCount { get; set; }
    [JsonPropertyName("ancestorsize")] public long AncestorSize { get; set; }
    [JsonPropertyName("wtxid")] public string Wtxid { get; set; } = "";
    [JsonPropertyName("fees")] public MempoolFeesDto Fees { get; set; } = new();
    [JsonPropertyName("depends")] public List<string> Depends { get; set; } = [];
    [JsonPropertyName("spentby")] public List<string> SpentBy { get; set; } = [];
    [JsonPropertyName("bip125-replaceable")] public bool? Bip125Replaceable { get; set; }
    [JsonPropertyName("unbroadcast")] public bool Unbroadcast { get; set; }
}

internal sealed class MempoolTxIdsDto
{
    [JsonPropertyName("txids")] public List<string> TxIds { get; set; } = [];
    [JsonPropertyName("mempool_sequence")] public ulong MempoolSequence { get; set; }
}

internal sealed class ScriptPubKeyDto
{
    [JsonPropertyName("hex")] public string Hex { get; set; } = "";
}

internal sealed class TxOutDto
{
    [JsonPropertyName("bestblock")] public string BestBlock { get; set; } = "";
    [JsonPropertyName("confirmations")] public int Confirmations { get; set; }
    [JsonPropertyName("value")] public decimal Value { get; set; }
    [JsonPropertyName("scriptPubKey")] public ScriptPubKeyDto ScriptPubKey { get; set; } = new();
    [JsonPropertyName("coinbase")] public bool Coinbase { get; set; }
}

internal sealed class MempoolAcceptFeesDto
{
    [JsonPropertyName("base")] public decimal? Base { get; set; }
    [JsonPropertyName("effective-feerate")] public decimal? EffectiveFeeRate { get; set; }
    [JsonPropertyName("effective-includes")] public List<string>? EffectiveIncludes { get; set; }
}

internal sealed class MempoolAcceptDto
{
    [JsonPropertyName("txid")] public string TxId { get; set; } = "";
    [JsonPropertyName("wtxid")] public string Wtxid { get; set; } = "";
    [JsonPropertyName("package-error")] public string? PackageError { get; set; }
    [JsonPropertyName("allowed")] public bool? Allowed { get; set; }
    [JsonPropertyName("vsize")] public int? VSize { get; set; }
    [JsonPropertyName("fees")] public MempoolAcceptFeesDto? Fees { get; set; }
    [JsonPropertyName("reject-reason")] public string? RejectReason { get; set; }
    [JsonPropertyName("reject-details")] public string? RejectDetails { get; set; }
}

internal sealed class FeeEstimateDto
{
    [JsonPropertyName("feerate")] public decimal? FeeRate { get; set; }
    [JsonPropertyName("errors")] public List<string>? Errors { get; set; }
    [JsonPropertyName("blocks")] public int Blocks { get; set; }
}

internal sealed class MempoolInfoDto
{
    [JsonPropertyName("loaded")] public bool Loaded { get; set; }
    [JsonPropertyName("size")] public int Size { get; set; }
    [JsonPropertyName("bytes")] public long Bytes { get; set; }
    [JsonPropertyName("usage")] public long Usage { get; set; }
    [JsonPropertyName("total_fee")] public decimal TotalFee { get; set; }
    [JsonPropertyName("maxmempool")] public long MaxMempool { get; set; }
    [JsonPropertyName("mempoolminfee")] public decimal MempoolMinFee { get; set; }
    [JsonPropertyName("minrelaytxfee")] public decimal MinRelayTxFee { get; set; }
    [JsonPropertyName("incrementalrelayfee")] public decimal IncrementalRelayFee { get; set; }
    [JsonPropertyName("unbroadcastcount")] public int UnbroadcastCount { get; set; }
    [JsonPropertyName("fullrbf")] public bool FullRbf { get; set; }
}

internal sealed class BlockStatsDto
{
    [JsonPropertyName("avgfee")] public long? AvgFee { get; set; }
    [JsonPropertyName("avgfeerate")] public long? AvgFeeRate { get; set; }
    [JsonPropertyName("avgtxsize")] public long? AvgTxSize { get; set; }
    [JsonPropertyName("blockhash")] public string? BlockHash { get; set; }
    [JsonPropertyName("feerate_percentiles")] public List<long>? FeeRatePercentiles { get; set; }
    [JsonPropertyName("height")] public int? Height { get; set; }
    [JsonPropertyName("ins")] public long? Ins { get; set; }
    [JsonPropertyName("maxfee")] public long? MaxFee { get; set; }
    [JsonPropertyName("maxfeerate")] public long? MaxFeeRate { get; set; }
    [JsonPropertyName("maxtxsize")] public long? MaxTxSize { get; set; }
    [JsonPropertyName("medianfee")] public long? MedianFee { get; set; }
    [JsonPropertyName("mediantime")] public long? MedianTime { get; set; }
    [JsonPropertyName("mediantxsize")] public long? MedianTxSize { get; set; }
    [JsonPropertyName("minfee")] public long? MinFee { get; set; }
    [JsonPropertyName("minfeerate")] public long? MinFeeRate { get; set; }
    [JsonPropertyName("mintxsize")] public long? MinTxSize { get; set; }
    [JsonPropertyName("outs")] public long? Outs { get; set; }
    [JsonPropertyName("subsidy")] public long? Subsidy { get; set; }
    [JsonPropertyName("swtotal_size")] public long? SwTotalSize { get; set; }
    [JsonPropertyName("swtotal_weight")] public long? SwTotalWeight { get; set; }
    [JsonPropertyName("swtxs")] public long? SwTxs { get; set; }
    [JsonPropertyName("time")] public long? Time { get; set; }
    [JsonPropertyName("total_out")] public long? TotalOut { get; set; }
    [JsonPropertyName("total_size")] public long? TotalSize { get; set; }
    [JsonPropertyName("total_weight")] public long? TotalWeight { get; set; }
    [JsonPropertyName("totalfee")] public long? TotalFee { get; set; }
    [JsonPropertyName("txs")] public long? Txs { get; set; }
    [JsonPropertyName("utxo_increase")] public long? UtxoIncrease { get; set; }
    [JsonPropertyName("utxo_size_inc")] public long? UtxoSizeInc { get; set; }
    [JsonPropertyName("utxo_increase_actual")] public long? UtxoIncreaseActual { get; set; }
    [JsonPropertyName("utxo_size_inc_actual")] public long? UtxoSizeIncActual { get; set; }
}

internal sealed class ZmqNotificationDto
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("address")] public string Address { get; set; } = "";
    [JsonPropertyName("hwm")] public int Hwm { get; set; }
}

[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(BlockchainInfoDto))]
[JsonSerializable(typeof(NetworkInfoDto))]
[JsonSerializable(typeof(BlockHeaderDto))]
[JsonSerializable(typeof(VerboseBlockDto))]
[JsonSerializable(typeof(VerboseBlock2Dto))]
[JsonSerializable(typeof(RawTransactionDto))]
[JsonSerializable(typeof(MempoolEntryDto))]
[JsonSerializable(typeof(Dictionary<string, MempoolEntryDto>))]
[JsonSerializable(typeof(MempoolTxIdsDto))]
[JsonSerializable(typeof(TxOutDto))]
[JsonSerializable(typeof(List<MempoolAcceptDto>))]
[JsonSerializable(typeof(FeeEstimateDto))]
[JsonSerializable(typeof(MempoolInfoDto))]
[JsonSerializable(typeof(BlockStatsDto))]
[JsonSerializable(typeof(List<ZmqNotificationDto>))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class RpcJsonContext : JsonSerializerContext;
