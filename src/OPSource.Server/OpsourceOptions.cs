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

        return errors;
    }

    /// <summary>Splits a <c>;</c>-separated URL list.</summary>
    public static IReadOnlyList<string> SplitUrls(string? urls) =>
        (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
