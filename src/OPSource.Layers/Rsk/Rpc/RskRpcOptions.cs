namespace OPSource.Layers.Rsk.Rpc;

/// <summary>Where and how <see cref="RskRpcClient"/> talks to an RSK (or any EVM) node's JSON-RPC.</summary>
public sealed record RskRpcOptions
{
    /// <summary>Creates options for a node at <paramref name="url"/> (rskj's default <c>http://127.0.0.1:4444/</c>).</summary>
    public RskRpcOptions(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"rsk rpc: '{url}' is not an http:// or https:// URL", nameof(url));
        }

        Url = url;
    }

    /// <summary>The node's JSON-RPC URL.</summary>
    public Uri Url { get; }

    /// <summary>Time allowed for one HTTP attempt. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after the first attempt for transient failures (same rule as the Bitcoin client). Default 5.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>Delay before the first retry; doubles with jitter. Default 100 ms.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest delay between attempts. Default 5 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Clock for backoff delays.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
