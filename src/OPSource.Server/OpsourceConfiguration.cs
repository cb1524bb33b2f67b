using System.Collections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OPSource.Platform.Errors;
using OPSource.Storage;

namespace OPSource.Server;

/// <summary>
/// Builds OPSource's configuration. Precedence, lowest first:
/// built-in defaults; <c>appsettings.json</c> beside the executable; <c>appsettings.json</c> in the
/// data directory; <c>OPSOURCE_</c> environment variables (<c>OPSOURCE_Storage__Provider</c>);
/// command-line overrides (<c>--network</c>, <c>--data-dir</c>, <c>--urls</c>).
/// </summary>
public static class OpsourceConfiguration
{
    /// <summary>Prefix of environment variables that configure OPSource (<c>__</c> separates sections).</summary>
    public const string EnvironmentPrefix = "OPSOURCE_";

    /// <summary>Name of the JSON settings file looked for beside the executable and in the data directory.</summary>
    public const string SettingsFileName = "appsettings.json";

    /// <summary><c>~/.opsource</c>.</summary>
    public static string DefaultDataDir { get; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".opsource");

    /// <summary>
    /// Builds the layered configuration.
    /// </summary>
    /// <param name="overrides">Command-line values by configuration key (<c>Network</c>, <c>DataDir</c>, <c>Server:Urls</c>).</param>
    /// <param name="environment">Environment variables (null: this process's).</param>
    /// <param name="appDir">Folder of the built-in appsettings.json (null: the executable's folder).</param>
    public static ConfigurationLayers Build(
        IReadOnlyDictionary<string, string?> overrides,
        IDictionary? environment = null,
        string? appDir = null)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        appDir ??= AppContext.BaseDirectory;
        var env = FromEnvironment(environment ?? Environment.GetEnvironmentVariables());
        var appFile = Path.Combine(appDir, SettingsFileName);

        // The data dir decides where the user's file is, so it is resolved first from the other layers.
        var early = BuildFiles(new ConfigurationBuilder()
            .AddJsonFile(appFile, optional: true, reloadOnChange: false)
            .AddInMemoryCollection(env)
            .AddInMemoryCollection(overrides));
        var dataDir = ExpandHome(early["DataDir"]) ?? DefaultDataDir;
        var dataFile = Path.Combine(dataDir, SettingsFileName);

        var root = BuildFiles(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["DataDir"] = dataDir })
            .AddJsonFile(appFile, optional: true, reloadOnChange: false)
            .AddJsonFile(dataFile, optional: true, reloadOnChange: false)
            .AddInMemoryCollection(env)
            .AddInMemoryCollection(overrides)
            .AddInMemoryCollection(new Dictionary<string, string?> { ["DataDir"] = dataDir }));
        IReadOnlyList<string> files = [.. new[] { appFile, dataFile }.Where(File.Exists)];
        return new ConfigurationLayers(root, files);
    }

    // The JSON provider reports a file it cannot parse as InvalidDataException ("Failed to load configuration from
    // file ...") around the parser's own error; that is the operator's file, a typed settings error.
    private static IConfigurationRoot BuildFiles(IConfigurationBuilder builder)
    {
        try
        {
            return builder.Build();
        }
        catch (InvalidDataException ex)
        {
            var detail = ex.InnerException?.Message is { Length: > 0 } inner ? $" ({inner})" : string.Empty;
            throw SettingsError.Exception(SettingsErrorKind.InvalidFile, ex.Message.TrimEnd('.') + detail);
        }
    }

    /// <summary>Binds options from configuration without validating them.</summary>
    public static OpsourceOptions Bind(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new OpsourceOptions();
        // Intercepted by the configuration binding source generator: no reflection.
        configuration.Bind(options);
        return options;
    }

    /// <summary>Builds, binds and validates: the one call a host makes at startup.</summary>
    /// <exception cref="OptionsValidationException">A setting is invalid; each failure names its setting.</exception>
    /// <exception cref="OPSource.Bitcoin.BitcoinFormatException">A settings file is not valid JSON (<see cref="SettingsErrorKind.InvalidFile"/>).</exception>
    public static (OpsourceOptions Options, ConfigurationLayers Layers) Load(
        IReadOnlyDictionary<string, string?> overrides,
        IDictionary? environment = null,
        string? appDir = null)
    {
        var layers = Build(overrides, environment, appDir);
        OpsourceOptions options;
        try
        {
            options = Bind(layers.Root);
        }
        catch (InvalidOperationException ex)
        {
            // The binder names the key it could not convert ("...at 'Server:ShutdownTimeoutSeconds'...").
            throw new OptionsValidationException(nameof(OpsourceOptions), typeof(OpsourceOptions), [ex.Message]);
        }

        var errors = OpsourceOptionsValidator.Check(options);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(OpsourceOptions), typeof(OpsourceOptions), errors);
        }

        return (options, layers);
    }

    /// <summary>
    /// The effective settings as (key, value) pairs for display, secrets redacted
    /// (the PostgreSQL password never leaves this method).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Describe(OpsourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var storage = options.Storage ?? new StorageOptions();
        var server = options.Server ?? new ServerOptions();
        StorageProvider? resolved = storage.Validate().Count == 0 ? storage.ResolveProvider() : null;
        var provider = resolved?.ToString().ToLowerInvariant() ?? storage.Provider ?? "";
        return
        [
            new("Network", options.Network),
            new("DataDir", options.DataDir),
            new("Storage:Provider", provider),
            new("Storage:ConnectionString", StorageOptions.RedactConnectionString(storage.ConnectionString)),
            new("Storage:SqlitePath", resolved == StorageProvider.Sqlite ? storage.ResolveSqlitePath(options.DataDir) : ""),
            new("Storage:BusyTimeoutSeconds", storage.BusyTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("Server:Urls", server.Urls),
            new("Server:ShutdownTimeoutSeconds", server.ShutdownTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("Server:MaxRequestBodyBytes", server.MaxRequestBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("Server:CorsOrigins", server.CorsOrigins),
            new("Server:RateLimitPerSecond", server.RateLimitPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("Server:RateLimitBurst", server.RateLimitBurst.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("Server:AnonymousRateLimitPerSecond", server.AnonymousRateLimitPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("Server:HealthCheckReuseMilliseconds", server.HealthCheckReuseMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("Telemetry:Prometheus", (options.Telemetry ?? new TelemetryOptions()).Prometheus ? "true" : "false"),
            new("Telemetry:OtlpEndpoint", (options.Telemetry ?? new TelemetryOptions()).OtlpEndpoint),
            new("Telemetry:OtlpProtocol", (options.Telemetry ?? new TelemetryOptions()).OtlpProtocol),
            new("Telemetry:ServiceName", (options.Telemetry ?? new TelemetryOptions()).ServiceName),
            new("Telemetry:MetricsRefreshSeconds", (options.Telemetry ?? new TelemetryOptions()).MetricsRefreshSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ];
    }

    /// <summary>One line summarising a validation failure (for the CLI's stderr).</summary>
    public static string OneLine(OptionsValidationException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return "invalid configuration: " + string.Join("; ", exception.Failures);
    }

    private static string? ExpandHome(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            return Path.GetFullPath(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : ""));
        }

        return Path.GetFullPath(path);
    }

    private static Dictionary<string, string?> FromEnvironment(IDictionary environment)
    {
        // Same mapping as AddEnvironmentVariables(prefix): strip the prefix, "__" separates sections.
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string key && key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) && key.Length > EnvironmentPrefix.Length)
            {
                result[key[EnvironmentPrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = entry.Value as string;
            }
        }

        return result;
    }
}

/// <summary>The built configuration and which settings files it read.</summary>
public sealed record ConfigurationLayers(IConfigurationRoot Root, IReadOnlyList<string> Files);
