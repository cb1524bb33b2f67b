using System.Text.Json.Nodes;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Chain.Rpc;

/// <summary>
/// A JSON-RPC batch: queue calls (each returns a task), then <see cref="SendAsync"/> sends them in one HTTP request.
/// Each task completes with its own result or typed exception; a transport failure fails them all. Items the node
/// answers with -28 (warming up) are resent; the batch as a whole is retried after an ambiguous failure only when
/// every queued call is idempotent. A batch is sent once.
/// </summary>
public sealed class RpcBatch
{
    private readonly BitcoinRpcClient _client;
    private readonly List<RpcCall> _calls = [];
    private readonly List<Action<RpcOutcome>> _completions = [];
    private readonly List<Action<Exception>> _failures = [];
    private int _sent;

    internal RpcBatch(BitcoinRpcClient client)
    {
        _client = client;
    }

    /// <summary>Calls queued so far.</summary>
    public int Count => _calls.Count;

    /// <summary>Queues <c>getblockhash</c>.</summary>
    public Task<BlockHash> GetBlockHash(int height) => Add(BitcoinRpcClient.Calls.GetBlockHash(height), RpcParse.BlockHashValue);

    /// <summary>Queues <c>getblockheader HASH true</c>.</summary>
    public Task<BlockHeaderInfo> GetBlockHeader(BlockHash hash) => Add(BitcoinRpcClient.Calls.GetBlockHeader(hash, verbose: true), RpcParse.HeaderInfo);

    /// <summary>Queues <c>getblock HASH 0</c>.</summary>
    public Task<Block> GetBlock(BlockHash hash) => Add(BitcoinRpcClient.Calls.GetBlock(hash, 0), RpcParse.BlockHex);

    /// <summary>Queues <c>getblock HASH 1</c>.</summary>
    public Task<VerboseBlock> GetVerboseBlock(BlockHash hash) => Add(BitcoinRpcClient.Calls.GetBlock(hash, 1), RpcParse.VerboseBlock);

    /// <summary>Queues <c>getrawtransaction TXID 0 [BLOCKHASH]</c>.</summary>
    public Task<Transaction> GetRawTransaction(TxId txid, BlockHash? blockHash = null) =>
        Add(BitcoinRpcClient.Calls.GetRawTransaction(txid, 0, blockHash), RpcParse.TransactionHex);

    /// <summary>Queues <c>getmempoolentry</c>.</summary>
    public Task<MempoolEntry> GetMempoolEntry(TxId txid) =>
        Add(BitcoinRpcClient.Calls.GetMempoolEntry(txid), json => RpcParse.MempoolEntry(txid, RpcParse.Object(json, RpcJsonContext.Default.MempoolEntryDto)));

    /// <summary>Queues <c>gettxout</c> (null result when spent).</summary>
    public Task<TxOutInfo?> GetTxOut(OutPoint outPoint, bool includeMempool = true) =>
        Add(BitcoinRpcClient.Calls.GetTxOut(outPoint, includeMempool), RpcParse.TxOut);

    /// <summary>Queues <c>getblockstats HEIGHT [STATS]</c>.</summary>
    public Task<BlockStats> GetBlockStats(int height, IReadOnlyList<string>? stats = null) =>
        Add(BitcoinRpcClient.Calls.GetBlockStats(w => w.WriteNumberValue(height), stats), RpcParse.BlockStats);

    /// <summary>Queues any method (not idempotent unless <paramref name="idempotent"/>).</summary>
    public Task<JsonNode?> Call(string method, IReadOnlyList<JsonNode?> parameters, bool idempotent = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentNullException.ThrowIfNull(parameters);
        return Add(new RpcCall(method, RpcCall.Nodes(parameters), idempotent), RpcParse.Node);
    }

    /// <summary>Sends the queued calls in one request and completes their tasks. Throws only when cancelled.</summary>
    public async Task SendAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _sent, 1) != 0)
        {
            throw new InvalidOperationException("rpc batch: already sent");
        }

        RpcOutcome[] outcomes;
        try
        {
            outcomes = await _client.ExecuteAsync(_calls, asBatch: true, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex)
        {
            foreach (var fail in _failures)
            {
                fail(ex);
            }

            throw;
        }
        catch (BitcoinRpcException ex)
        {
            foreach (var fail in _failures)
            {
                fail(ex);
            }

            return;
        }

        for (var i = 0; i < outcomes.Length; i++)
        {
            _completions[i](outcomes[i]);
        }
    }

    private Task<T> Add<T>(RpcCall call, Func<ReadOnlyMemory<byte>, T> parse)
    {
        if (Volatile.Read(ref _sent) != 0)
        {
            throw new InvalidOperationException("rpc batch: already sent");
        }

        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls.Add(call);
        _completions.Add(outcome =>
        {
            try
            {
                tcs.TrySetResult(BitcoinRpcClient.Complete(call.Method, outcome, parse));
            }
            catch (BitcoinRpcException ex)
            {
                tcs.TrySetException(ex);
            }
        });
        _failures.Add(ex =>
        {
            if (ex is OperationCanceledException oce)
            {
                tcs.TrySetCanceled(oce.CancellationToken);
            }
            else
            {
                tcs.TrySetException(ex);
            }
        });
        return tcs.Task;
    }
}
