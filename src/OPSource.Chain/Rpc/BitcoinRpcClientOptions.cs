namespace OPSource.Chain.Rpc;

/// <summary>Where and how <see cref="BitcoinRpcClient"/> talks to Bitcoin Core.</summary>
public sealed record BitcoinRpcClientOptions
{
    /// <summary>Creates options for a node at <paramref name="url"/> (<c>http://127.0.0.1:8332/</c>).</summary>
    public BitcoinRpcClientOptions(Uri url, RpcCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(credentials);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"rpc: '{url}' is not an http:// or https:// URL", nameof(url));
        }

        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            throw new ArgumentException("rpc: put credentials in the credentials, not in the URL", nameof(url));
        }

        Url = url;
        Credentials = credentials;
    }

    /// <summary>The node's RPC root URL; wallet calls go to <c>wallet/NAME</c> below it.</summary>
    public Uri Url { get; }

    /// <summary>Cookie file or user/password.</summary>
    public RpcCredentials Credentials { get; }

    /// <summary>Time allowed for one HTTP attempt (request sent, whole reply read). Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after the first attempt for transient failures (see docs/chain.md). Default 5; 0 disables retries.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>Delay before the first retry; doubles each time (with jitter) up to <see cref="MaxBackoff"/>. Default 100 ms.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest delay between two attempts. Default 5 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Calls per JSON-RPC batch in the multi-item helpers (<c>GetBlockHashesAsync</c>...). Default 500.</summary>
    public int MaxBatchSize { get; init; } = 500;

    /// <summary>Clock for backoff delays (tests substitute a fake).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
