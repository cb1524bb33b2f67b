using System.CommandLine;

namespace OPSource.Cli;

/// <summary>Options every <c>opsource</c> command accepts (they are recursive).</summary>
internal sealed class GlobalOptions
{
    /// <summary>Network names accepted by <c>--network</c>.</summary>
    public static readonly string[] NetworkNames = ["mainnet", "testnet", "testnet4", "signet", "regtest"];

    public Option<string> DataDir { get; } = new("--data-dir")
    {
        Description = "Directory for the database, keys and configuration",
        DefaultValueFactory = _ => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".opsource"),
        Recursive = true,
    };

    public Option<string> Network { get; } = new("--network", "-n")
    {
        Description = "Bitcoin network: mainnet, testnet, testnet4, signet or regtest",
        DefaultValueFactory = _ => "mainnet",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Write machine-readable JSON instead of tables",
        Recursive = true,
    };

    /// <summary>Standard input handed to every command's context (Console.In unless a test supplies one).</summary>
    public TextReader Input { get; init; } = Console.In;

    public GlobalOptions()
    {
        Network.AcceptOnlyFromAmong(NetworkNames);
    }

    public void AddTo(RootCommand root)
    {
        root.Add(DataDir);
        root.Add(Network);
        root.Add(Json);
    }

    /// <summary>
    /// The context of one invocation. Network and data dir are the effective ones: typed options win,
    /// then <c>OPSOURCE_</c> variables and appsettings.json, then the defaults.
    /// </summary>
    public CliContext Bind(ParseResult result, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(result);
        var overrides = Overrides(result);
        var dataDir = result.GetValue(DataDir)!;
        var network = result.GetValue(Network)!;
        if (!overrides.ContainsKey("DataDir") || !overrides.ContainsKey("Network"))
        {
            try
            {
                var effective = OPSource.Server.OpsourceConfiguration.Bind(OPSource.Server.OpsourceConfiguration.Build(overrides).Root);
                dataDir = effective.DataDir;
                if (NetworkNames.Contains(effective.Network, StringComparer.Ordinal))
                {
                    network = effective.Network;
                }
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException or InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                // An unreadable configuration is reported by the commands that load it in full
                // (serve, config show); the others keep the command-line values.
            }
        }

        return new CliContext(dataDir, network, result.GetValue(Json), output, error) { Overrides = overrides, In = Input };
    }

    /// <summary>
    /// The global options the user actually typed, as configuration keys (<c>DataDir</c>, <c>Network</c>).
    /// Defaults are left out so that appsettings.json and OPSOURCE_ variables can supply them.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Overrides(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (result.GetResult(DataDir) is { Implicit: false })
        {
            overrides["DataDir"] = Path.GetFullPath(result.GetValue(DataDir)!);
        }

        if (result.GetResult(Network) is { Implicit: false })
        {
            overrides["Network"] = result.GetValue(Network);
        }

        return overrides;
    }
}
