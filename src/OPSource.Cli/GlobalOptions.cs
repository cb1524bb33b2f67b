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

    public CliContext Bind(ParseResult result, TextWriter output, TextWriter error) => new(
        DataDir: result.GetValue(DataDir)!,
        Network: result.GetValue(Network)!,
        Json: result.GetValue(Json),
        Out: output,
        Error: error)
    {
        Overrides = Overrides(result),
    };

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
