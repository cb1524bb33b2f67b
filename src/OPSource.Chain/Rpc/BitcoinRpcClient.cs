using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace OPSource.Chain.Rpc;

/// <summary>
/// A typed client for Bitcoin Core's JSON-RPC interface: cookie or user/password auth, per-wallet paths
/// (<see cref="ForWallet"/>), JSON-RPC batches (<see cref="CreateBatch"/>), a per-attempt timeout, and retries with
/// exponential backoff on transient failures only. Thread-safe; one instance per node is meant to be shared.
/// </summary>
/// <remarks>
/// Retry rule (see docs/chain.md): a failure where the node provably did not run the call (connection refused,
/// HTTP 503 work queue full, RPC -28 warming up) is retried for every method; an ambiguous failure (timeout,
/// connection lost after sending) only for idempotent reads. <c>sendrawtransaction</c>, <c>generatetoaddress</c>
/// and raw calls are not idempotent; <see cref="BroadcastAsync"/> resolves an ambiguous broadcast by looking the
/// transaction up before it resends it.
/// </remarks>
public sealed partial class BitcoinRpcClient : IBitcoinNode, IDisposable
{
    private static long s_nextId;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ResiliencePipeline _safeRetries;
    private readonly ResiliencePipeline _idempotentRetries;
    private readonly ILogger _logger;

    /// <summary>Creates a client; <paramref name="handler"/> replaces the default <see cref="SocketsHttpHandler"/> (tests).</summary>
    public BitcoinRpcClient(BitcoinRpcClientOptions options, ILogger<BitcoinRpcClient>? logger = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.RequestTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetries);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1);
        Options = options;
        Endpoint = options.Url;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _http = RpcHttp.CreateClient(options.RequestTimeout, handler);
        _ownsHttp = true;
        _safeRetries = BuildPipeline(options, idempotent: false);
        _idempotentRetries = BuildPipeline(options, idempotent: true);
    }

    private BitcoinRpcClient(BitcoinRpcClient parent, Uri endpoint, string wallet)
    {
        Options = parent.Options;
        Endpoint = endpoint;
        Wallet = wallet;
        _logger = parent._logger;
        _http = parent._http;
        _ownsHttp = false;
        _safeRetries = parent._safeRetries;
        _idempotentRetries = parent._idempotentRetries;
    }

    /// <summary>The options this client was created with.</summary>
    public BitcoinRpcClientOptions Options { get; }

    /// <summary>The URL requests go to (<c>.../wallet/NAME</c> for a wallet client).</summary>
    public Uri Endpoint { get; }

    /// <summary>The wallet this client addresses, or null for node-level calls.</summary>
    public string? Wallet { get; }

    /// <summary>
    /// A client whose calls address Core's wallet <paramref name="name"/> (URL path <c>/wallet/NAME</c>), sharing this
    /// client's connections, credentials and retry settings. Disposing it does nothing; dispose the root client.
    /// </summary>
    public BitcoinRpcClient ForWallet(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var root = Options.Url.AbsoluteUri.EndsWith('/') ? Options.Url : new Uri(Options.Url.AbsoluteUri + "/");
        return new BitcoinRpcClient(this, new Uri(root, "wallet/" + Uri.EscapeDataString(name)), name);
    }

    /// <summary>Starts a JSON-RPC batch: queue calls on it, then <see cref="RpcBatch.SendAsync"/> sends them in one HTTP request.</summary>
    public RpcBatch CreateBatch() => new(this);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    /// <summary>Runs one call (not batched) and returns its reply; RPC errors become typed exceptions.</summary>
    internal async Task<T> InvokeAsync<T>(RpcCall call, Func<ReadOnlyMemory<byte>, T> parse, CancellationToken cancellationToken)
    {
        var outcomes = await ExecuteAsync([call], asBatch: false, cancellationToken).ConfigureAwait(false);
        return Complete(call.Method, outcomes[0], parse);
    }

    internal static T Complete<T>(string method, RpcOutcome outcome, Func<ReadOnlyMemory<byte>, T> parse)
    {
        if (outcome.Exception is { } failure)
        {
            throw failure;
        }

        var reply = outcome.Reply;
        if (reply.IsError)
        {
            throw RpcErrorException.Create(method, reply.ErrorCode!.Value, reply.ErrorMessage ?? "");
        }

        try
        {
            return parse(reply.Result);
        }
        catch (Exception ex) when (ex is RpcResultFormatException or FormatException or ArgumentException or OverflowException)
        {
            throw new BitcoinRpcTransportException(method, RpcTransportFailure.InvalidResponse, $"bitcoind {method}: {ex.Message}", innerException: ex);
        }
    }

    /// <summary>
    /// Sends calls (as one batch or one plain request) through the retry pipeline. Returns one outcome per call:
    /// its reply (which may be an RPC error) or, for items still warming up after the last retry, the exception.
    /// Transport failures of the whole exchange are thrown.
    /// </summary>
    internal async Task<RpcOutcome[]> ExecuteAsync(IReadOnlyList<RpcCall> calls, bool asBatch, CancellationToken cancellationToken)
    {
        var outcomes = new RpcOutcome[calls.Count];
        if (calls.Count == 0)
        {
            return outcomes;
        }

        var label = asBatch ? "batch" : calls[0].Method;
        var pending = Enumerable.Range(0, calls.Count).ToList();
        var idempotent = calls.All(c => c.Idempotent);
        var pipeline = idempotent ? _idempotentRetries : _safeRetries;
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(MethodKey, label);
        try
        {
            await pipeline.ExecuteAsync(
                async (ctx, _) =>
                {
                    var sending = pending.ToArray();
                    var replies = await ExchangeAsync(label, [.. sending.Select(i => calls[i])], asBatch, ctx.CancellationToken).ConfigureAwait(false);
                    pending.Clear();
                    RpcReply? warmup = null;
                    for (var k = 0; k < sending.Length; k++)
                    {
                        if (replies[k].ErrorCode == (int)RpcErrorCode.InWarmup)
                        {
                            // Core answers -28 before running anything: always safe to ask again.
                            pending.Add(sending[k]);
                            warmup ??= replies[k];
                        }
                        else
                        {
                            outcomes[sending[k]] = new RpcOutcome(replies[k], null);
                        }
                    }

                    if (warmup is { } w)
                    {
                        throw new RpcInWarmupException(label, w.ErrorMessage ?? "");
                    }
                },
                context,
                0).ConfigureAwait(false);
        }
        catch (RpcInWarmupException warmup)
        {
            foreach (var i in pending)
            {
                outcomes[i] = new RpcOutcome(default, new RpcInWarmupException(calls[i].Method, warmup.NodeMessage));
            }
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        return outcomes;
    }

    /// <summary>One HTTP exchange: sends the calls, returns one reply per call in order.</summary>
    private async Task<RpcReply[]> ExchangeAsync(string label, IReadOnlyList<RpcCall> calls, bool asBatch, CancellationToken cancellationToken)
    {
        var firstId = Interlocked.Add(ref s_nextId, calls.Count) - calls.Count + 1;
        var body = RpcJson.Serialize(calls, firstId, asBatch);
        for (var authAttempt = 0; ; authAttempt++)
        {
            var authorization = await Options.Credentials.GetHeaderValueAsync(refresh: authAttempt > 0, cancellationToken).ConfigureAwait(false);
            HttpStatusCode status;
            byte[] bytes;
            try
            {
                (status, bytes) = await RpcHttp.PostJsonAsync(_http, Endpoint, body, authorization, Options.RequestTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcHttpException ex)
            {
                throw new BitcoinRpcTransportException(label, ex.Failure, $"bitcoind {label}: {ex.Message}", innerException: ex.InnerException);
            }

            switch (status)
            {
                case HttpStatusCode.Unauthorized when authAttempt == 0:
                    // A restarted node writes a new cookie: read it again once.
                    continue;
                case HttpStatusCode.Unauthorized:
                    throw new BitcoinRpcAuthenticationException(label, 401, $"bitcoind {label}: the node refused the credentials ({Options.Credentials}) with HTTP 401");
                case HttpStatusCode.Forbidden:
                    throw new BitcoinRpcAuthenticationException(label, 403, $"bitcoind {label}: HTTP 403 forbidden (check -rpcallowip and -rpcwhitelist on the node)");
                case HttpStatusCode.ServiceUnavailable:
                    throw new BitcoinRpcTransportException(label, RpcTransportFailure.ServiceUnavailable, $"bitcoind {label}: HTTP 503 (work queue full or shutting down)", 503);
            }

            var replies = new List<RpcReply>(calls.Count);
            if (!RpcJson.TryParseReplies(bytes, replies, out var parseError))
            {
                throw status == HttpStatusCode.OK
                    ? new BitcoinRpcTransportException(label, RpcTransportFailure.InvalidResponse, $"bitcoind {label}: not a JSON-RPC reply ({parseError})", 200)
                    : new BitcoinRpcTransportException(label, RpcTransportFailure.HttpStatus, $"bitcoind {label}: HTTP {(int)status} from {Endpoint.AbsolutePath}", (int)status);
            }

            return Align(label, replies, calls.Count, firstId, asBatch);
        }
    }

    private static RpcReply[] Align(string label, List<RpcReply> replies, int count, long firstId, bool asBatch)
    {
        var aligned = new RpcReply[count];
        if (!asBatch)
        {
            // A plain request gets exactly one reply; a parse-level error may carry id null.
            if (replies.Count != 1 || (replies[0].Id is { } id && id != firstId))
            {
                throw new BitcoinRpcTransportException(label, RpcTransportFailure.InvalidResponse, $"bitcoind {label}: reply does not answer the request");
            }

            aligned[0] = replies[0];
            return aligned;
        }

        var filled = new bool[count];
        foreach (var reply in replies)
        {
            if (reply.Id is not { } id || id < firstId || id >= firstId + count || filled[id - firstId])
            {
                if (replies.Count == 1 && reply.IsError && reply.Id is null)
                {
                    // The whole batch was refused (e.g. parse error): every item gets that error.
                    Array.Fill(aligned, reply);
                    return aligned;
                }

                throw new BitcoinRpcTransportException(label, RpcTransportFailure.InvalidResponse, $"bitcoind {label}: batch reply with unknown or repeated id");
            }

            aligned[id - firstId] = reply;
            filled[id - firstId] = true;
        }

        if (Array.IndexOf(filled, false) is var missing and >= 0)
        {
            throw new BitcoinRpcTransportException(label, RpcTransportFailure.InvalidResponse, $"bitcoind {label}: batch reply lacks item {missing}");
        }

        return aligned;
    }

    private static ResiliencePropertyKey<string> MethodKey => RpcRetryPolicy.MethodKey;

    private ResiliencePipeline BuildPipeline(BitcoinRpcClientOptions options, bool idempotent) =>
        RpcRetryPolicy.Build(
            options.MaxRetries, options.InitialBackoff, options.MaxBackoff, options.TimeProvider,
            ex => IsTransient(ex, idempotent),
            (method, ex, attempt, delay) => LogRetry(_logger, method, ex?.Message ?? "", attempt, options.MaxRetries, (long)delay.TotalMilliseconds));

    /// <summary>The retry rule: not-executed failures always, ambiguous ones only for idempotent calls.</summary>
    internal static bool IsTransient(Exception ex, bool idempotent) => ex switch
    {
        RpcInWarmupException => true,
        BitcoinRpcTransportException t when t.NotExecuted => true,
        BitcoinRpcTransportException { Failure: RpcTransportFailure.Timeout or RpcTransportFailure.ConnectionLost } => idempotent,
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "rpc {Method}: {Reason}; retry {Attempt} of {MaxRetries} in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, string method, string reason, int attempt, int maxRetries, long delayMs);
}

/// <summary>What became of one call: the node's reply (possibly an RPC error) or a client-side exception.</summary>
internal readonly record struct RpcOutcome(RpcReply Reply, Exception? Exception);
