using System.Net;
using System.Net.Http.Headers;

namespace OPSource.Chain.Rpc;

/// <summary>
/// The HTTP transport every OPSource JSON-RPC client shares (Bitcoin Core's, the RSK/EVM node's): one pooled
/// <see cref="HttpClient"/> per node without proxy or decompression, and one POST per attempt under a per-attempt
/// timeout, with failures classified as <see cref="RpcTransportFailure"/> (which decides whether a retry is safe).
/// </summary>
public static class RpcHttp
{
    /// <summary>A client for one node; <paramref name="handler"/> replaces the default <see cref="SocketsHttpHandler"/> (tests).</summary>
    public static HttpClient CreateClient(TimeSpan connectTimeout, HttpMessageHandler? handler = null) =>
        new(handler ?? new SocketsHttpHandler
        {
            // Nodes close idle keep-alive connections (Core after -rpcservertimeout, 30 s): drop ours first.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(15),
            ConnectTimeout = connectTimeout,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

    /// <summary>
    /// POSTs a JSON body and reads the whole reply within <paramref name="timeout"/>.
    /// </summary>
    /// <exception cref="RpcHttpException">No reply in time, no connection, or the connection was lost.</exception>
    public static async Task<(HttpStatusCode Status, byte[] Body)> PostJsonAsync(
        HttpClient http, Uri endpoint, byte[] body, string? authorization, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        linked.CancelAfter(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
            return (response.StatusCode, bytes);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RpcHttpException(RpcTransportFailure.Timeout, $"no reply within {timeout.TotalSeconds:0.###} s from {endpoint.GetLeftPart(UriPartial.Authority)}", ex);
        }
        catch (HttpRequestException ex)
        {
            var failure = ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
                ? RpcTransportFailure.ConnectionFailed
                : RpcTransportFailure.ConnectionLost;
            throw new RpcHttpException(failure, $"{(failure == RpcTransportFailure.ConnectionFailed ? "cannot connect to" : "connection lost with")} {endpoint.GetLeftPart(UriPartial.Authority)}: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new RpcHttpException(RpcTransportFailure.ConnectionLost, $"connection lost: {ex.Message}", ex);
        }
    }
}

/// <summary>A classified transport failure of <see cref="RpcHttp.PostJsonAsync"/>; each client wraps it in its own exception type.</summary>
public sealed class RpcHttpException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RpcHttpException(RpcTransportFailure failure, string message, Exception innerException)
        : base(message, innerException) => Failure = failure;

    /// <summary>Creates the exception.</summary>
    public RpcHttpException() => Failure = RpcTransportFailure.ConnectionLost;

    /// <summary>Creates the exception.</summary>
    public RpcHttpException(string message) : base(message) => Failure = RpcTransportFailure.ConnectionLost;

    /// <summary>Creates the exception.</summary>
    public RpcHttpException(string message, Exception innerException) : base(message, innerException) => Failure = RpcTransportFailure.ConnectionLost;

    /// <summary>How it failed.</summary>
    public RpcTransportFailure Failure { get; }
}
