using System.Globalization;
using Microsoft.Extensions.Configuration;
using OPSource.Chain.Rpc;

namespace OPSource.Node;

/// <summary>
/// The <c>Node</c> configuration section: how OPSource reaches its Bitcoin Core node. Parsed and validated at startup
/// by <see cref="Parse"/>, whose messages name the setting. <see cref="RpcPassword"/> is a secret: it is never shown
/// (see <see cref="Describe"/>), logged, or put in an exception message.
/// </summary>
public sealed class NodeOptions
{
    /// <summary>Default <c>Node:TimeoutSeconds</c>.</summary>
    public const int DefaultTimeoutSeconds = 30;

    /// <summary>Default <c>Node:MaxRetries</c>.</summary>
    public const int DefaultMaxRetries = 5;

    /// <summary>Default <c>Node:PollIntervalSeconds</c> (tip and mempool polling without ZMQ; a safety net with ZMQ).</summary>
    public const double DefaultPollIntervalSeconds = 2;

    private NodeOptions()
    {
    }

    /// <summary>True when <c>Node:RpcUrl</c> is set; the other settings are meaningful only then.</summary>
    public bool IsConfigured => RpcUrl is not null;

    /// <summary><c>Node:RpcUrl</c>: the node's RPC root (<c>http://127.0.0.1:8332/</c>).</summary>
    public Uri? RpcUrl { get; private init; }

    /// <summary><c>Node:CookieFile</c>: Core's <c>.cookie</c> (exclusive with user/password).</summary>
    public string? CookieFile { get; private init; }

    /// <summary><c>Node:RpcUser</c>.</summary>
    public string? RpcUser { get; private init; }

    /// <summary><c>Node:RpcPassword</c> (secret).</summary>
    internal string? RpcPassword { get; private init; }

    /// <summary><c>Node:ZmqBlock</c>: Core's <c>-zmqpubrawblock</c>/<c>-zmqpubhashblock</c> endpoint (<c>tcp://127.0.0.1:28332</c>), optional.</summary>
    public Uri? ZmqBlock { get; private init; }

    /// <summary><c>Node:ZmqTx</c>: Core's <c>-zmqpubrawtx</c> endpoint, optional.</summary>
    public Uri? ZmqTx { get; private init; }

    /// <summary><c>Node:TimeoutSeconds</c>: time allowed for one RPC attempt (1..3600, default 30).</summary>
    public int TimeoutSeconds { get; private init; } = DefaultTimeoutSeconds;

    /// <summary><c>Node:MaxRetries</c>: retries of transient RPC failures (0..20, default 5).</summary>
    public int MaxRetries { get; private init; } = DefaultMaxRetries;

    /// <summary><c>Node:PollIntervalSeconds</c>: tip/mempool poll interval (0.05..3600, default 2).</summary>
    public double PollIntervalSeconds { get; private init; } = DefaultPollIntervalSeconds;

    /// <summary>The credentials (cookie file or user/password).</summary>
    public RpcCredentials? Credentials { get; private init; }

    /// <summary>Parses the <c>Node</c> section; <paramref name="problems"/> lists every invalid setting by name.</summary>
    public static NodeOptions Parse(IConfiguration section, string dataDir, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(section);
        var errors = new List<string>();
        string? Get(string key) => section[key] is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

        var rpcUrl = Get("RpcUrl");
        var cookie = Get("CookieFile");
        var user = Get("RpcUser");
        var password = section["RpcPassword"] is { Length: > 0 } p ? p : null;
        var zmqBlock = Get("ZmqBlock");
        var zmqTx = Get("ZmqTx");

        Uri? url = null;
        if (rpcUrl is not null)
        {
            if (!Uri.TryCreate(rpcUrl, UriKind.Absolute, out url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(url.Host))
            {
                errors.Add($"Node:RpcUrl '{RedactUrl(rpcUrl)}' is not an http:// or https:// URL (e.g. http://127.0.0.1:8332/)");
                url = null;
            }
            else if (!string.IsNullOrEmpty(url.UserInfo))
            {
                errors.Add("Node:RpcUrl must not contain credentials: use Node:CookieFile or Node:RpcUser/Node:RpcPassword");
                url = null;
            }
        }
        else if (cookie is not null || user is not null || password is not null || zmqBlock is not null || zmqTx is not null)
        {
            errors.Add("Node:RpcUrl is required when other Node settings are set");
        }

        RpcCredentials? credentials = null;
        if (cookie is not null && (user is not null || password is not null))
        {
            errors.Add("Node:CookieFile and Node:RpcUser/Node:RpcPassword are exclusive: set one way of authenticating");
        }
        else if (cookie is not null)
        {
            var full = Path.IsPathRooted(ExpandHome(cookie)) ? ExpandHome(cookie) : Path.GetFullPath(Path.Combine(dataDir, cookie));
            credentials = RpcCredentials.FromCookieFile(full);
            cookie = full;
        }
        else if (user is not null || password is not null)
        {
            if (user is null)
            {
                errors.Add("Node:RpcUser is required with Node:RpcPassword");
            }
            else if (password is null)
            {
                errors.Add("Node:RpcPassword is required with Node:RpcUser");
            }
            else if (user.Contains(':', StringComparison.Ordinal))
            {
                errors.Add("Node:RpcUser must not contain ':'");
            }
            else
            {
                credentials = RpcCredentials.FromUserPassword(user, password);
            }
        }
        else if (url is not null)
        {
            errors.Add("Node:CookieFile or Node:RpcUser and Node:RpcPassword must be set with Node:RpcUrl");
        }

        var block = ParseZmq("Node:ZmqBlock", zmqBlock, errors);
        var tx = ParseZmq("Node:ZmqTx", zmqTx, errors);
        var timeout = ParseInt(section, "TimeoutSeconds", DefaultTimeoutSeconds, 1, 3600, errors);
        var retries = ParseInt(section, "MaxRetries", DefaultMaxRetries, 0, 20, errors);
        var poll = DefaultPollIntervalSeconds;
        if (Get("PollIntervalSeconds") is { } pollText)
        {
            if (!double.TryParse(pollText, NumberStyles.Float, CultureInfo.InvariantCulture, out poll) || poll < 0.05 || poll > 3600 || double.IsNaN(poll))
            {
                errors.Add($"Node:PollIntervalSeconds '{pollText}' is not a number of seconds between 0.05 and 3600");
                poll = DefaultPollIntervalSeconds;
            }
        }

        problems = errors;
        return new NodeOptions
        {
            RpcUrl = url,
            CookieFile = cookie,
            RpcUser = user,
            RpcPassword = password,
            Credentials = credentials,
            ZmqBlock = block,
            ZmqTx = tx,
            TimeoutSeconds = timeout,
            MaxRetries = retries,
            PollIntervalSeconds = poll,
        };
    }

    /// <summary>The client options these settings describe.</summary>
    public BitcoinRpcClientOptions ToClientOptions()
    {
        if (RpcUrl is null || Credentials is null)
        {
            throw new NodeNotConfiguredException();
        }

        return new BitcoinRpcClientOptions(RpcUrl, Credentials)
        {
            RequestTimeout = TimeSpan.FromSeconds(TimeoutSeconds),
            MaxRetries = MaxRetries,
        };
    }

    /// <summary>The settings for display, the password replaced by <c>(set)</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Describe() =>
    [
        new("Node:RpcUrl", RpcUrl?.ToString() ?? ""),
        new("Node:CookieFile", CookieFile ?? ""),
        new("Node:RpcUser", RpcUser ?? ""),
        new("Node:RpcPassword", RpcPassword is null ? "" : "(set)"),
        new("Node:ZmqBlock", ZmqBlock?.ToString() ?? ""),
        new("Node:ZmqTx", ZmqTx?.ToString() ?? ""),
        new("Node:TimeoutSeconds", TimeoutSeconds.ToString(CultureInfo.InvariantCulture)),
        new("Node:MaxRetries", MaxRetries.ToString(CultureInfo.InvariantCulture)),
        new("Node:PollIntervalSeconds", PollIntervalSeconds.ToString(CultureInfo.InvariantCulture)),
    ];

    /// <summary>"user alice" / "cookie file /x/.cookie" / "none".</summary>
    public string DescribeAuth() => Credentials?.ToString() ?? "none";

    private static Uri? ParseZmq(string name, string? value, List<string> errors)
    {
        if (value is null)
        {
            return null;
        }

        // Core's -zmqpub* take ZeroMQ endpoints; OPSource subscribes over TCP only.
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != "tcp" || string.IsNullOrEmpty(uri.Host) || uri.Port <= 0 ||
            uri.AbsolutePath is not ("" or "/"))
        {
            errors.Add($"{name} '{value}' is not a tcp://host:port endpoint (Core's -zmqpub* address)");
            return null;
        }

        return uri;
    }

    private static int ParseInt(IConfiguration section, string key, int fallback, int min, int max, List<string> errors)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            errors.Add($"Node:{key} '{text}' is not a whole number between {min} and {max}");
            return fallback;
        }

        return value;
    }

    private static string RedactUrl(string url)
    {
        // Never echo credentials someone put in the URL.
        var at = url.IndexOf('@', StringComparison.Ordinal);
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        return at > 0 && scheme >= 0 && at > scheme ? url[..(scheme + 3)] + "***@" + url[(at + 1)..] : url;
    }

    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "")
            : path;
}

/// <summary>A node call was needed but <c>Node:RpcUrl</c> is not configured.</summary>
public sealed class NodeNotConfiguredException : BitcoinRpcException
{
    /// <summary>Creates the exception.</summary>
    public NodeNotConfiguredException()
        : base("node", "node: Node:RpcUrl is not set (configure Node:RpcUrl and Node:CookieFile or Node:RpcUser/Node:RpcPassword)")
    {
    }
}
