using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Chain.Rpc;

/// <summary>The typed calls.</summary>
public sealed partial class BitcoinRpcClient
{
    /// <inheritdoc />
    public Task<BlockchainInfo> GetBlockchainInfoAsync(CancellationToken cancellationToken) =>
        InvokeAsync(Read("getblockchaininfo"), RpcParse.BlockchainInfo, cancellationToken);

    /// <inheritdoc />
    public Task<NetworkInfo> GetNetworkInfoAsync(CancellationToken cancellationToken) =>
        InvokeAsync(Read("getnetworkinfo"), RpcParse.NetworkInfo, cancellationToken);

    /// <inheritdoc />
    public Task<int> GetBlockCountAsync(CancellationToken cancellationToken) =>
        InvokeAsync(Read("getblockcount"), RpcParse.Int32, cancellationToken);

    /// <inheritdoc />
    public Task<BlockHash> GetBestBlockHashAsync(CancellationToken cancellationToken) =>
        InvokeAsync(Read("getbestblockhash"), RpcParse.BlockHashValue, cancellationToken);

    /// <inheritdoc />
    public Task<BlockHash> GetBlockHashAsync(int height, CancellationToken cancellationToken) =>
        InvokeAsync(Calls.GetBlockHash(height), RpcParse.BlockHashValue, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<BlockHash>> GetBlockHashesAsync(IReadOnlyList<int> heights, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(heights);
        return InvokeManyAsync(heights, Calls.GetBlockHash, RpcParse.BlockHashValue, cancellationToken);
    }

    /// <inheritdoc />
    public Task<BlockHeaderInfo> GetBlockHeaderAsync(BlockHash hash, CancellationToken cancellationToken) =>
        InvokeAsync(Calls.GetBlockHeader(hash, verbose: true), RpcParse.HeaderInfo, cancellationToken);

    /// <inheritdoc />
    public Task<BlockHeader> GetRawBlockHeaderAsync(BlockHash hash, CancellationToken cancellationToken) =>
        InvokeAsync(Calls.GetBlockHeader(hash, verbose: false), RpcParse.HeaderHex, cancellationToken);

    /// <inheritdoc />
    public Task<Block> GetBlockAsync(BlockHash hash, CancellationToken cancellationToken) =>
        InvokeAsync(Calls.GetBlock(hash, 0), RpcParse.BlockHex, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Block>> GetBlocksAsync(IReadOnlyList<BlockHash> hashes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        return InvokeManyAsync(hashes, h => Calls.GetBlock(h, 0), RpcParse.BlockHex, cancellationToken);
    }

    /// <inheritdoc />
    public Task<VerboseBlock> GetVerboseBlockAsync(BlockHash hash, CancellationToken cancellationToken) =>
        InvokeAsync(Calls.GetBlock(hash, 1), RpcParse.VerboseBlock, cancellationToken);

    /// <inheritdoc />
    public Task<VerboseBlockWithTransactions> GetBlockWithFeesAsync(BlockHash hash, CancellationToken cancellationToken) =>
        InvokeAsync(Calls.GetBlock(hash, 2), RpcParse.VerboseBlock2, cancellationToken);

    /// <inheritdoc />
    public Task<Transaction> GetRawTransactionAsync(TxId txid, BlockHash? blockHash, CancellationToken cancellationToken) =>
        InvokeAsync(Calls.GetRawTransaction(txid, 0, blockHash), RpcParse.TransactionHex, cancellationToken);

    /// <inheritdoc />
    public Task<RawTransactionInfo> GetRawTransactionInfoAsync(TxId txid, BlockHash? blockHash, CancellationToken cancellationToken) =>
        InvokeAsync(Calls.GetRawTransaction(txid, 1, blockHash), RpcParse.RawTransactionInfo, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<TxId>> GetRawMempoolAsync(CancellationToken cancellationToken) =>
        InvokeAsync(Read("getrawmempool", w => w.WriteBooleanValue(false)), RpcParse.TxIdList, cancellationToken);

    /// <inheritdoc />
    public Task<MempoolTxIds> GetRawMempoolWithSequenceAsync(CancellationToken cancellationToken) =>
        InvokeAsync(
            Read("getrawmempool", w =>
            {
                w.WriteBooleanValue(false);
                w.WriteBooleanValue(true);
            }),
            RpcParse.MempoolTxIds,
            cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<TxId, MempoolEntry>> GetRawMempoolVerboseAsync(CancellationToken cancellationToken) =>
        InvokeAsync(Read("getrawmempool", w => w.WriteBooleanValue(true)), RpcParse.VerboseMempool, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Transaction?>> GetMempoolTransactionsAsync(IReadOnlyList<TxId> txids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(txids);
        var result = new Transaction?[txids.Count];
        for (var start = 0; start < txids.Count; start += Options.MaxBatchSize)
        {
            var count = Math.Min(Options.MaxBatchSize, txids.Count - start);
            var calls = new RpcCall[count];
            for (var i = 0; i < count; i++)
            {
                calls[i] = Calls.GetRawTransaction(txids[start + i], 0, null);
            }

            var outcomes = await ExecuteAsync(calls, asBatch: true, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < count; i++)
            {
                // -5: gone from the mempool since the txid was listed (mined without -txindex, evicted, replaced).
                result[start + i] = outcomes[i].Reply.ErrorCode == (int)RpcErrorCode.InvalidAddressOrKey && outcomes[i].Exception is null
                    ? null
                    : Complete("getrawtransaction", outcomes[i], RpcParse.TransactionHex);
            }
        }

        return result;
    }

    /// <inheritdoc />
    public Task<MempoolEntry> GetMempoolEntryAsync(TxId txid, CancellationToken cancellationToken) =>
        InvokeAsync(Calls.GetMempoolEntry(txid), json => RpcParse.MempoolEntry(txid, RpcParse.Object(json, RpcJsonContext.Default.MempoolEntryDto)), cancellationToken);

    /// <inheritdoc />
    public Task<MempoolInfo> GetMempoolInfoAsync(CancellationToken cancellationToken) =>
        InvokeAsync(Read("getmempoolinfo"), RpcParse.MempoolInfo, cancellationToken);

    /// <inheritdoc />
    public Task<TxOutInfo?> GetTxOutAsync(OutPoint outPoint, bool includeMempool, CancellationToken cancellationToken) =>
        InvokeAsync(Calls.GetTxOut(outPoint, includeMempool), RpcParse.TxOut, cancellationToken);

    /// <inheritdoc />
    public Task<TxId> SendRawTransactionAsync(Transaction transaction, BroadcastOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var hex = transaction.ToHex();
        return InvokeAsync(
            new RpcCall(
                "sendrawtransaction",
                w =>
                {
                    w.WriteStringValue(hex);
                    WriteOptionalRate(w, options?.MaxFeeRate, more: options?.MaxBurnAmount is not null);
                    if (options?.MaxBurnAmount is { } burn)
                    {
                        w.WriteNumberValue(burn.ToBtc());
                    }
                },
                idempotent: false),
            RpcParse.TxIdValue,
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<MempoolAcceptResult>> TestMempoolAcceptAsync(IReadOnlyList<Transaction> transactions, FeeRate? maxFeeRate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        if (transactions.Count == 0)
        {
            throw new ArgumentException("testmempoolaccept: no transactions", nameof(transactions));
        }

        var hexes = transactions.Select(t => t.ToHex()).ToArray();
        return InvokeAsync(
            Read("testmempoolaccept", w =>
            {
                w.WriteStartArray();
                foreach (var hex in hexes)
                {
                    w.WriteStringValue(hex);
                }

                w.WriteEndArray();
                WriteOptionalRate(w, maxFeeRate, more: false);
            }),
            RpcParse.MempoolAccept,
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<FeeEstimate> EstimateSmartFeeAsync(int confirmationTarget, FeeEstimateMode mode, CancellationToken cancellationToken)
    {
        // Core accepts targets 1..1008 (clamped to 2..1008); outside that it throws -8.
        ArgumentOutOfRangeException.ThrowIfLessThan(confirmationTarget, 1);
        var modeName = mode switch
        {
            FeeEstimateMode.Economical => "economical",
            FeeEstimateMode.Conservative => "conservative",
            _ => "unset",
        };
        return InvokeAsync(
            Read("estimatesmartfee", w =>
            {
                w.WriteNumberValue(confirmationTarget);
                w.WriteStringValue(modeName);
            }),
            RpcParse.FeeEstimate,
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<BlockStats> GetBlockStatsAsync(int height, IReadOnlyList<string>? stats, CancellationToken cancellationToken) =>
        InvokeAsync(Calls.GetBlockStats(w => w.WriteNumberValue(height), stats), RpcParse.BlockStats, cancellationToken);

    /// <inheritdoc />
    public Task<BlockStats> GetBlockStatsAsync(BlockHash hash, IReadOnlyList<string>? stats, CancellationToken cancellationToken)
    {
        var text = hash.ToString();
        return InvokeAsync(Calls.GetBlockStats(w => w.WriteStringValue(text), stats), RpcParse.BlockStats, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ZmqNotification>> GetZmqNotificationsAsync(CancellationToken cancellationToken) =>
        InvokeAsync(Read("getzmqnotifications"), RpcParse.ZmqNotifications, cancellationToken);

    /// <summary>
    /// <c>generatetoaddress</c> (regtest/signet mining for tests and development): mines <paramref name="blocks"/> blocks paying
    /// <paramref name="address"/>; returns their hashes. Not idempotent: never retried after an ambiguous failure.
    /// </summary>
    public Task<IReadOnlyList<BlockHash>> GenerateToAddressAsync(int blocks, Address address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfNegative(blocks);
        var text = address.ToString();
        return InvokeAsync(
            new RpcCall(
                "generatetoaddress",
                w =>
                {
                    w.WriteNumberValue(blocks);
                    w.WriteStringValue(text);
                },
                idempotent: false),
            RpcParse.BlockHashList,
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<JsonNode?> CallAsync(string method, IReadOnlyList<JsonNode?> parameters, bool idempotent, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentNullException.ThrowIfNull(parameters);
        return InvokeAsync(new RpcCall(method, RpcCall.Nodes(parameters), idempotent), RpcParse.Node, cancellationToken);
    }

    /// <summary>Any RPC method, not idempotent (see <see cref="CallAsync(string, IReadOnlyList{JsonNode?}, bool, CancellationToken)"/>).</summary>
    public Task<JsonNode?> CallAsync(string method, CancellationToken cancellationToken, params JsonNode?[] parameters) =>
        CallAsync(method, parameters, idempotent: false, cancellationToken);

    /// <summary>Calls one method per item in batches of <see cref="BitcoinRpcClientOptions.MaxBatchSize"/>; the first failing item throws.</summary>
    private async Task<IReadOnlyList<TResult>> InvokeManyAsync<TItem, TResult>(
        IReadOnlyList<TItem> items, Func<TItem, RpcCall> call, Func<ReadOnlyMemory<byte>, TResult> parse, CancellationToken cancellationToken)
    {
        var result = new TResult[items.Count];
        for (var start = 0; start < items.Count; start += Options.MaxBatchSize)
        {
            var count = Math.Min(Options.MaxBatchSize, items.Count - start);
            var calls = new RpcCall[count];
            for (var i = 0; i < count; i++)
            {
                calls[i] = call(items[start + i]);
            }

            var outcomes = await ExecuteAsync(calls, asBatch: true, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < count; i++)
            {
                result[start + i] = Complete(calls[i].Method, outcomes[i], parse);
            }
        }

        return result;
    }

    private static RpcCall Read(string method, Action<Utf8JsonWriter>? parameters = null) => new(method, parameters, idempotent: true);

    private static void WriteOptionalRate(Utf8JsonWriter w, FeeRate? rate, bool more)
    {
        if (rate is { } r)
        {
            // Core takes maxfeerate in BTC/kvB.
            w.WriteNumberValue(r.SatoshisPerKvB / (decimal)Amount.SatoshisPerBitcoin);
        }
        else if (more)
        {
            w.WriteNullValue();
        }
    }

    /// <summary>Call builders shared by the client and <see cref="RpcBatch"/>.</summary>
    internal static class Calls
    {
        public static RpcCall GetBlockHash(int height)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(height);
            return Read("getblockhash", w => w.WriteNumberValue(height));
        }

        public static RpcCall GetBlockHeader(BlockHash hash, bool verbose)
        {
            var text = hash.ToString();
            return Read("getblockheader", w =>
            {
                w.WriteStringValue(text);
                w.WriteBooleanValue(verbose);
            });
        }

        public static RpcCall GetBlock(BlockHash hash, int verbosity)
        {
            var text = hash.ToString();
            return Read("getblock", w =>
            {
                w.WriteStringValue(text);
                w.WriteNumberValue(verbosity);
            });
        }

        public static RpcCall GetRawTransaction(TxId txid, int verbosity, BlockHash? blockHash)
        {
            var text = txid.ToString();
            var block = blockHash?.ToString();
            return Read("getrawtransaction", w =>
            {
                w.WriteStringValue(text);
                w.WriteNumberValue(verbosity);
                if (block is not null)
                {
                    w.WriteStringValue(block);
                }
            });
        }

        public static RpcCall GetMempoolEntry(TxId txid)
        {
            var text = txid.ToString();
            return Read("getmempoolentry", w => w.WriteStringValue(text));
        }

        public static RpcCall GetTxOut(OutPoint outPoint, bool includeMempool)
        {
            var text = outPoint.TxId.ToString();
            return Read("gettxout", w =>
            {
                w.WriteStringValue(text);
                w.WriteNumberValue(outPoint.Index);
                w.WriteBooleanValue(includeMempool);
            });
        }

        public static RpcCall GetBlockStats(Action<Utf8JsonWriter> target, IReadOnlyList<string>? stats)
        {
            var list = stats?.ToArray();
            return Read("getblockstats", w =>
            {
                target(w);
                if (list is not null)
                {
                    w.WriteStartArray();
                    foreach (var s in list)
                    {
                        w.WriteStringValue(s);
                    }

                    w.WriteEndArray();
                }
            });
        }
    }
}
