using System.Globalization;
using System.Net;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OPSource.Chain.Rpc;
using OPSource.Layers.Rsk.Abi;
using Polly;

namespace OPSource.Layers.Rsk.Rpc;

/// <summary>
/// A typed client for an RSK (rskj) or other EVM node's Ethereum JSON-RPC. It follows the Bitcoin RPC client's
/// resilience rules and shares its retry pipeline (<see cref="RpcRetryPolicy"/>): a per-attempt timeout; failures
/// where the node provably did not run the call (connection refused, HTTP 503) are retried for every method,
/// ambiguous ones (timeout, connection lost) only for reads; <c>eth_sendRawTransaction</c> resolves an ambiguous
/// failure by looking the transaction up before it resends. Node errors become <see cref="RskException"/>s of a
/// precise kind (reverted, nonce too low, underpriced, insufficient funds...). Thread-safe; share one per node.
/// </summary>
public sealed partial class RskRpcClient : IDisposable
{
    private static long s_nextId;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _reads;
    private readonly ResiliencePipeline _writes;
    private readonly ILogger _logger;

    /// <summary>Creates a client; <paramref name="handler"/> replaces the default handler (tests).</summary>
    public RskRpcClient(RskRpcOptions options, ILogger<RskRpcClient>? logger = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.RequestTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetries);
        Options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _http = RpcHttp.CreateClient(options.RequestTimeout, handler);
        _reads = Pipeline(idempotent: true);
        _writes = Pipeline(idempotent: false);
    }

    /// <summary>The options.</summary>
    public RskRpcOptions Options { get; }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    /// <summary><c>eth_chainId</c>.</summary>
    public async Task<long> GetChainIdAsync(CancellationToken cancellationToken) =>
        (long)ParseQuantity(await CallAsync("eth_chainId", [], true, cancellationToken).ConfigureAwait(false), "eth_chainId");

    /// <summary><c>eth_blockNumber</c>.</summary>
    public async Task<ulong> GetBlockNumberAsync(CancellationToken cancellationToken) =>
        (ulong)ParseQuantity(await CallAsync("eth_blockNumber", [], true, cancellationToken).ConfigureAwait(false), "eth_blockNumber");

    /// <summary><c>eth_gasPrice</c> (rskj: the minimum gas price the next block accepts).</summary>
    public async Task<BigInteger> GetGasPriceAsync(CancellationToken cancellationToken) =>
        ParseQuantity(await CallAsync("eth_gasPrice", [], true, cancellationToken).ConfigureAwait(false), "eth_gasPrice");

    /// <summary><c>eth_getBalance</c> in wei.</summary>
    public async Task<BigInteger> GetBalanceAsync(RskAddress address, BlockTag block, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        return ParseQuantity(await CallAsync("eth_getBalance", [address.ToString(), block.ToString()], true, cancellationToken).ConfigureAwait(false), "eth_getBalance");
    }

    /// <summary><c>eth_getTransactionCount</c> (the next nonce at <paramref name="block"/>).</summary>
    public async Task<ulong> GetTransactionCountAsync(RskAddress address, BlockTag block, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        return (ulong)ParseQuantity(await CallAsync("eth_getTransactionCount", [address.ToString(), block.ToString()], true, cancellationToken).ConfigureAwait(false), "eth_getTransactionCount");
    }

    /// <summary><c>eth_call</c>: the return data; a revert throws <see cref="RskErrorKind.Reverted"/> with the decoded reason.</summary>
    public async Task<byte[]> CallAsync(RskCallRequest request, BlockTag block, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ParseData(await CallAsync("eth_call", [CallObject(request), block.ToString()], true, cancellationToken).ConfigureAwait(false), "eth_call");
    }

    /// <summary><c>eth_estimateGas</c>; a revert throws <see cref="RskErrorKind.Reverted"/>.</summary>
    public async Task<ulong> EstimateGasAsync(RskCallRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return (ulong)ParseQuantity(await CallAsync("eth_estimateGas", [CallObject(request)], true, cancellationToken).ConfigureAwait(false), "eth_estimateGas");
    }

    /// <summary>
    /// <c>eth_sendRawTransaction</c>; returns the transaction hash (0x hex). After an ambiguous failure (timeout,
    /// connection lost) it asks <c>eth_getTransactionByHash</c> and resends only when the node does not know it.
    /// </summary>
    public async Task<string> SendRawTransactionAsync(RskTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var raw = "0x" + Convert.ToHexStringLower(transaction.Encode());
        var hash = "0x" + Convert.ToHexStringLower(transaction.Hash());
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var result = await CallAsync("eth_sendRawTransaction", [raw], false, cancellationToken).ConfigureAwait(false);
                return result.GetString() ?? hash;
            }
            catch (RskException ex) when (ex.InnerException is RskTransportException { NotExecuted: false } && attempt < 2)
            {
                var known = await CallAsync("eth_getTransactionByHash", [hash], true, cancellationToken).ConfigureAwait(false);
                if (known.ValueKind != JsonValueKind.Null)
                {
                    return hash;
                }
            }
        }
    }

    /// <summary><c>eth_getTransactionReceipt</c>, or null while the transaction is not mined.</summary>
    public async Task<RskReceipt?> GetTransactionReceiptAsync(string transactionHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transactionHash);
        var result = await CallAsync("eth_getTransactionReceipt", [transactionHash], true, cancellationToken).ConfigureAwait(false);
        return result.ValueKind == JsonValueKind.Null ? null : ParseReceipt(result);
    }

    /// <summary><c>eth_getLogs</c>.</summary>
    public async Task<IReadOnlyList<RskLog>> GetLogsAsync(RskLogFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var obj = new JsonObject
        {
            ["fromBlock"] = filter.FromBlock.ToString(),
            ["toBlock"] = filter.ToBlock.ToString(),
        };
        if (filter.Address is not null)
        {
            obj["address"] = filter.Address.ToString();
        }

        var topics = new JsonArray();
        foreach (var t in filter.Topics)
        {
            topics.Add(t is null ? null : (JsonNode)JsonValue.Create("0x" + Convert.ToHexStringLower(t)));
        }

        obj["topics"] = topics;
        var result = await CallAsync("eth_getLogs", [obj], true, cancellationToken).ConfigureAwait(false);
        if (result.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("eth_getLogs", "result is not an array");
        }

        return [.. result.EnumerateArray().Select(ParseLog)];
    }

    /// <summary>Waits for a receipt, polling every <paramref name="pollInterval"/>, until <paramref name="cancellationToken"/> fires.</summary>
    public async Task<RskReceipt> WaitForReceiptAsync(string transactionHash, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await GetTransactionReceiptAsync(transactionHash, cancellationToken).ConfigureAwait(false) is { } receipt)
            {
                return receipt;
            }

            await Task.Delay(pollInterval, Options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A raw call (used by tests and by node-specific methods such as <c>anvil_setCode</c>); the result as JSON.
    /// Not retried on ambiguous failures.
    /// </summary>
    public async Task<JsonNode?> RawCallAsync(string method, JsonArray parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var result = await CallAsync(method, [.. parameters.Select(p => p?.DeepClone())], false, cancellationToken).ConfigureAwait(false);
        return JsonNode.Parse(result.GetRawText());
    }

    private static JsonObject CallObject(RskCallRequest request)
    {
        var obj = new JsonObject();
        if (request.From is not null)
        {
            obj["from"] = request.From.ToString();
        }

        if (request.To is not null)
        {
            obj["to"] = request.To.ToString();
        }

        if (request.Gas is { } gas)
        {
            obj["gas"] = Quantity(gas);
        }

        if (request.GasPrice is { } price)
        {
            obj["gasPrice"] = Quantity(price);
        }

        if (request.Value is { } value)
        {
            obj["value"] = Quantity(value);
        }

        obj["data"] = "0x" + Convert.ToHexStringLower(request.Data.Span);
        return obj;
    }

    private static string Quantity(BigInteger value) => value.IsZero ? "0x0" : "0x" + value.ToString("x", CultureInfo.InvariantCulture).TrimStart('0');

    private async Task<JsonElement> CallAsync(string method, JsonNode?[] parameters, bool idempotent, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RpcRetryPolicy.MethodKey, method);
        try
        {
            return await (idempotent ? _reads : _writes).ExecuteAsync(
                async (ctx, _) => await ExchangeAsync(method, parameters, ctx.CancellationToken).ConfigureAwait(false),
                context,
                0).ConfigureAwait(false);
        }
        catch (RskTransportException ex)
        {
            throw new RskException(RskErrorKind.NodeUnavailable, ex.Message, ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task<JsonElement> ExchangeAsync(string method, JsonNode?[] parameters, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref s_nextId);
        var body = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = id,
            ["method"] = method,
            ["params"] = new JsonArray([.. parameters.Select(p => p?.DeepClone())]),
        };
        var authority = Options.Url.GetLeftPart(UriPartial.Authority);
        HttpStatusCode status;
        byte[] bytes;
        try
        {
            (status, bytes) = await RpcHttp.PostJsonAsync(_http, Options.Url, System.Text.Encoding.UTF8.GetBytes(body.ToJsonString()), null, Options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcHttpException ex)
        {
            throw new RskTransportException(method, ex.Failure, $"rsk node {method}: {ex.Message}", ex.InnerException);
        }

        if (status == HttpStatusCode.ServiceUnavailable)
        {
            throw new RskTransportException(method, RpcTransportFailure.ServiceUnavailable, $"rsk node {method}: HTTP 503 from {authority}");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException ex)
        {
            throw new RskTransportException(method, status == HttpStatusCode.OK ? RpcTransportFailure.InvalidResponse : RpcTransportFailure.HttpStatus, $"rsk node {method}: HTTP {(int)status}, not a JSON-RPC reply", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var replyId) || replyId.ValueKind != JsonValueKind.Number || replyId.GetInt64() != id)
            {
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var early) && early.ValueKind == JsonValueKind.Object)
                {
                    throw NodeError(method, early);
                }

                throw new RskTransportException(method, RpcTransportFailure.InvalidResponse, $"rsk node {method}: reply does not answer the request");
            }

            if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                throw NodeError(method, error);
            }

            if (!root.TryGetProperty("result", out var result))
            {
                throw new RskTransportException(method, RpcTransportFailure.InvalidResponse, $"rsk node {method}: reply without result");
            }

            return result.Clone();
        }
    }

    /// <summary>Classifies a node's JSON-RPC error (rskj, geth and anvil wordings) into one clear <see cref="RskException"/>.</summary>
    internal static RskException NodeError(string method, JsonElement error)
    {
        var code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt64() : 0;
        var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() ?? "" : "";
        byte[] data = [];
        if (error.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.String && d.GetString() is { } hex && hex.StartsWith("0x", StringComparison.Ordinal)
            && hex.Length % 2 == 0 && hex[2..].All(char.IsAsciiHexDigit))
        {
            data = Convert.FromHexString(hex[2..]);
        }

        var lower = message.ToLowerInvariant();
        if (code == 3 || lower.Contains("revert", StringComparison.Ordinal))
        {
            var reason = data.Length > 0 ? AbiFunction.DescribeRevert(data) : message;
            return new RskException(RskErrorKind.Reverted, $"rsk node {method}: execution reverted: {reason}");
        }

        var kind = lower switch
        {
            _ when lower.Contains("nonce too low", StringComparison.Ordinal) || lower.Contains("nonce is lower", StringComparison.Ordinal) || lower.Contains("already known", StringComparison.Ordinal) => RskErrorKind.NonceTooLow,
            _ when lower.Contains("nonce too high", StringComparison.Ordinal) || lower.Contains("nonce gap", StringComparison.Ordinal) => RskErrorKind.NonceGap,
            _ when lower.Contains("underpriced", StringComparison.Ordinal) || lower.Contains("gas price", StringComparison.Ordinal) || lower.Contains("base fee", StringComparison.Ordinal) || lower.Contains("minimum", StringComparison.Ordinal) => RskErrorKind.Underpriced,
            _ when lower.Contains("insufficient funds", StringComparison.Ordinal) || lower.Contains("not enough", StringComparison.Ordinal) => RskErrorKind.InsufficientFunds,
            _ when lower.Contains("chain id", StringComparison.Ordinal) || lower.Contains("chainid", StringComparison.Ordinal) => RskErrorKind.WrongChain,
            _ => RskErrorKind.NodeRejected,
        };
        return new RskException(kind, $"rsk node {method}: {message} (code {code})");
    }

    private ResiliencePipeline Pipeline(bool idempotent) => RpcRetryPolicy.Build(
        Options.MaxRetries, Options.InitialBackoff, Options.MaxBackoff, Options.TimeProvider,
        ex => ex is RskTransportException t && (t.NotExecuted || (idempotent && t.Failure is RpcTransportFailure.Timeout or RpcTransportFailure.ConnectionLost)),
        (method, ex, attempt, delay) => LogRetry(_logger, method, ex?.Message ?? "", attempt, Options.MaxRetries, (long)delay.TotalMilliseconds));

    [LoggerMessage(Level = LogLevel.Warning, Message = "rsk rpc {Method}: {Reason}; retry {Attempt} of {MaxRetries} in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, string method, string reason, int attempt, int maxRetries, long delayMs);

    internal static BigInteger ParseQuantity(JsonElement element, string method)
    {
        var text = element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        if (text is null || !text.StartsWith("0x", StringComparison.Ordinal) || text.Length < 3 || !text[2..].All(char.IsAsciiHexDigit))
        {
            throw Invalid(method, "expected a 0x quantity");
        }

        return BigInteger.Parse("0" + text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
    }

    private static byte[] ParseData(JsonElement element, string method)
    {
        var text = element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        if (text is null || !text.StartsWith("0x", StringComparison.Ordinal) || text.Length % 2 != 0 || !text[2..].All(char.IsAsciiHexDigit))
        {
            throw Invalid(method, "expected 0x data");
        }

        return Convert.FromHexString(text[2..]);
    }

    private static RskAddress? OptionalAddress(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? RskAddress.Parse(s, null) : null;

    private static RskLog ParseLog(JsonElement log)
    {
        var topics = log.GetProperty("topics").EnumerateArray().Select(t => ParseData(t, "log")).ToList();
        return new RskLog(
            OptionalAddress(log, "address") ?? throw Invalid("log", "no address"),
            topics,
            ParseData(log.GetProperty("data"), "log"),
            log.TryGetProperty("blockNumber", out var b) && b.ValueKind == JsonValueKind.String ? (ulong)ParseQuantity(b, "log") : null,
            log.TryGetProperty("transactionHash", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null,
            log.TryGetProperty("logIndex", out var i) && i.ValueKind == JsonValueKind.String ? (ulong)ParseQuantity(i, "log") : null);
    }

    private static RskReceipt ParseReceipt(JsonElement r)
    {
        try
        {
            return new RskReceipt(
                r.GetProperty("transactionHash").GetString() ?? "",
                (ulong)ParseQuantity(r.GetProperty("blockNumber"), "receipt"),
                ParseQuantity(r.GetProperty("status"), "receipt") == BigInteger.One,
                (ulong)ParseQuantity(r.GetProperty("gasUsed"), "receipt"),
                OptionalAddress(r, "contractAddress"),
                OptionalAddress(r, "from"),
                OptionalAddress(r, "to"),
                [.. r.GetProperty("logs").EnumerateArray().Select(ParseLog)]);
        }
        catch (KeyNotFoundException ex)
        {
            throw new RskException(RskErrorKind.NodeUnavailable, "rsk node eth_getTransactionReceipt: receipt lacks a field", ex);
        }
    }

    private static RskException Invalid(string method, string what) => new(RskErrorKind.NodeUnavailable, $"rsk node {method}: invalid reply ({what})");
}

/// <summary>A transport failure talking to the RSK node (classified like the Bitcoin client's, see <see cref="RpcTransportFailure"/>).</summary>
public sealed class RskTransportException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RskTransportException(string method, RpcTransportFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Method = method;
        Failure = failure;
    }

    /// <summary>Creates the exception.</summary>
    public RskTransportException() : this("rpc", RpcTransportFailure.InvalidResponse, "rsk node: transport failure")
    {
    }

    /// <summary>Creates the exception.</summary>
    public RskTransportException(string message) : this("rpc", RpcTransportFailure.InvalidResponse, message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RskTransportException(string message, Exception innerException) : this("rpc", RpcTransportFailure.InvalidResponse, message, innerException)
    {
    }

    /// <summary>The JSON-RPC method.</summary>
    public string Method { get; } = "rpc";

    /// <summary>What went wrong.</summary>
    public RpcTransportFailure Failure { get; }

    /// <summary>True when the node provably did not run the call (safe to retry any method).</summary>
    public bool NotExecuted => Failure is RpcTransportFailure.ConnectionFailed or RpcTransportFailure.ServiceUnavailable;
}
