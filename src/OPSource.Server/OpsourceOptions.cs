using Microsoft.Extensions.Options;
using OPSource.Storage;

namespace OPSource.Server;

/// <summary>
/// OPSource's settings, bound from configuration (see <see cref="OpsourceConfiguration"/> for the
/// precedence). Mutable only for the options binder; validated once at startup.
/// </summary>
public sealed class OpsourceOptions
{
    /// <summary>Network names accepted by <see cref="Network"/>.</summary>
    public static IReadOnlyList<string> NetworkNames { get; } = ["mainnet", "testnet", "testnet4", "signet", "regtest"];

    /// <summary>Bitcoin network: mainnet, testnet, testnet4, signet or regtest.</summary>
    public string Network { get; set; } = "mainnet";

    /// <summary>Directory for the database, keys and the user's appsettings.json.</summary>
    public string DataDir { get; set; } = OpsourceConfiguration.DefaultDataDir;

    /// <summary>Where data is stored.</summary>
    public StorageOptions Storage { get; set; } = new();

    /// <summary>The HTTP service.</summary>
    public ServerOptions Server { get; set; } = new();

    /// <summary>Traces, metrics and their exporters.</summary>
    public TelemetryOptions Telemetry { get; set; } = new();
}

/// <summary>Settings of the <c>Telemetry</c> section.</summary>
public sealed class TelemetryOptions
{
    /// <summary>Serve Prometheus metrics at <c>/metrics</c> (viewer token or API key required).</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary>OTLP endpoint (<c>http://127.0.0.1:4317</c>) traces and metrics are exported to; empty = none.</summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary>OTLP protocol: <c>grpc</c> (default, port 4317) or <c>http/protobuf</c> (port 4318; signal paths /v1/traces, /v1/metrics are appended).</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>The <c>service.name</c> resource attribute.</summary>
    public string ServiceName { get; set; } = "opsource";

    /// <summary>Seconds between refreshes of the gauges modules read from storage (wallet balances, DLC counts); 1-3600, default 15.</summary>
    public int MetricsRefreshSeconds { get; set; } = 15;
}

/// <summary>Settings of the HTTP service (<c>Server</c> section).</summary>
public sealed class ServerOptions
{
    /// <summary>Default bind address: loopback only, so nothing is exposed unless asked for.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8080";

    /// <summary>Semicolon-separated http URLs to listen on (<c>--urls</c>).</summary>
    public string Urls { get; set; } = DefaultUrls;

    /// <summary>How long in-flight requests get to finish after Ctrl-C/SIGTERM.</summary>
    public int ShutdownTimeoutSeconds { get; set; } = 10;

    /// <summary>Largest request body accepted (bytes, 1 KiB-64 MiB, default 1 MiB); larger bodies get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Semicolon-separated browser origins allowed by CORS (<c>https://ops.example.org</c>); empty = none.</summary>
    public string CorsOrigins { get; set; } = "";

    /// <summary>Requests per second each credential may make (token bucket; 0 = unlimited).</summary>
    public int RateLimitPerSecond { get; set; } = 100;

    /// <summary>Burst size of each credential's bucket.</summary>
    public int RateLimitBurst { get; set; } = 200;

    /// <summary>Requests per second per client address without a token (token exchange, unknown callers; 0 = unlimited).</summary>
    public int AnonymousRateLimitPerSecond { get; set; } = 20;

    /// <summary>
    /// How long a successful health check answers later <c>/api/v1/health</c> requests, in milliseconds (0-60000,
    /// default 250; concurrent requests share one check). 0: every request runs its own database check.
    /// </summary>
    public int HealthCheckReuseMilliseconds { get; set; } = 250;
}

/// <summary>
/// Startup validation of <see cref="OpsourceOptions"/>: every message names the setting with its
/// configuration path (<c>Storage:Provider</c>, <c>Server:Urls</c>...). Hand-written so it is
/// Native-AOT safe and can check cross-field rules.
/// </summary>
public sealed class OpsourceOptionsValidator : IValidateOptions<OpsourceOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, OpsourceOptions options)
    {
        var errors = Check(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>All problems, one message each; empty when the options are usable.</summary>
    public static IReadOnlyList<string> Check(OpsourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!OpsourceOptions.NetworkNames.Contains(options.Network, StringComparer.Ordinal))
        {
            errors.Add($"Network '{options.Network}' is not supported (use {string.Join(", ", OpsourceOptions.NetworkNames)})");
        }

        if (string.IsNullOrWhiteSpace(options.DataDir))
        {
            errors.Add("DataDir must not be empty");
        }
        else if (!Path.IsPathFullyQualified(options.DataDir))
        {
            errors.Add($"DataDir '{options.DataDir}' must be an absolute path");
        }

        if (options.Storage is null)
        {
            errors.Add("Storage section is missing");
        }
        else
        {
            errors.AddRange(options.Storage.Validate());
        }

        var server = options.Server ?? new ServerOptions();
        var urls = SplitUrls(server.Urls);
        if (urls.Count == 0)
        {
            errors.Add("Server:Urls must name at least one http URL");
        }

        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query))
            {
                // TLS is terminated by a reverse proxy; the service itself speaks plain HTTP.
                errors.Add($"Server:Urls entry '{url}' is not an http://host:port URL");
            }
        }

        if (server.ShutdownTimeoutSeconds is < 1 or > 300)
        {
            errors.Add($"Server:ShutdownTimeoutSeconds must be between 1 and 300 (got {server.ShutdownTimeoutSeconds})");
        }

        if (server.MaxRequestBodyBytes is < 1024 or > 64L * 1024 * 1024)
        {
            errors.Add($"Server:MaxRequestBodyBytes must be between 1024 and 67108864 (got {server.MaxRequestBodyBytes})");
        }

        foreach (var origin in SplitUrls(server.CorsOrigins))
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                || uri.AbsolutePath != "/" || origin.EndsWith('/') || !string.IsNullOrEmpty(uri.Query))
            {
                errors.Add($"Server:CorsOrigins entry '{origin}' is not an origin like https://host[:port]");
            }
        }

        if (server.RateLimitPerSecond < 0 || server.AnonymousRateLimitPerSecond < 0)
        {
            errors.Add("Server:RateLimitPerSecond and Server:AnonymousRateLimitPerSecond must not be negative");
        }

        if (server.HealthCheckReuseMilliseconds is < 0 or > 60_000)
        {
            errors.Add($"Server:HealthCheckReuseMilliseconds must be between 0 and 60000 (got {server.HealthCheckReuseMilliseconds})");
        }

        if (server.RateLimitBurst < 1)
        {
            errors.Add($"Server:RateLimitBurst must be at least 1 (got {server.RateLimitBurst})");
        }

        var telemetry = options.Telemetry ?? new TelemetryOptions();
        if (!string.IsNullOrEmpty(telemetry.OtlpEndpoint)
            && (!Uri.TryCreate(telemetry.OtlpEndpoint, UriKind.Absolute, out var otlp) || (otlp.Scheme != Uri.UriSchemeHttp && otlp.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"Telemetry:OtlpEndpoint '{telemetry.OtlpEndpoint}' is not an http(s) URL");
        }

        if (telemetry.OtlpProtocol is not ("grpc" or "http/protobuf"))
        {
            errors.Add($"Telemetry:OtlpProtocol '{telemetry.OtlpProtocol}' must be grpc or http/protobuf");
        }

        if (string.IsNullOrWhiteSpace(telemetry.ServiceName))
        {
            errors.Add("Telemetry:ServiceName must not be empty");
        }

        if (telemetry.MetricsRefreshSeconds is < 1 or > 3600)
        {
            errors.Add($"Telemetry:MetricsRefreshSeconds must be between 1 and 3600 (got {telemetry.MetricsRefreshSeconds})");
        }

        return errors;
    }

    /// <summary>Splits a <c>;</c>-separated URL list.</summary>
    public static IReadOnlyList<string> SplitUrls(string? urls) =>
        (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
