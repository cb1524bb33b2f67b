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
        // One line naming the option and the choices (AcceptOnlyFromAmong prints one line per choice).
        CliOptions.OneOf(Network, NetworkNames, "network");
    }

    public void AddTo(RootCommand root)
    {
        root.Add(DataDir);
        root.Add(Network);
        root.Add(Json);
    }

    /// <summary>
    /// The context of one invocation. Network and data dir are the effective ones: typed options win,
    /// then <c>OPSOURCE_</c> variables and appsettings.json, then the defaults. The configuration is
    /// validated here for every command: a problem is kept in <see cref="CliContext.ConfigurationError"/>
    /// and reported by <see cref="CliApp.Guard(CliContext, Func{CliContext, CancellationToken, Task{int}}, CancellationToken)"/>
    /// as a one-line user error before the command runs (<c>config show</c> binds with
    /// <paramref name="validate"/> false and reports the problems itself).
    /// </summary>
    public CliContext Bind(ParseResult result, TextWriter output, TextWriter error, bool validate = true)
    {
        ArgumentNullException.ThrowIfNull(result);
        var overrides = Overrides(result);
        var dataDir = result.GetValue(DataDir)!;
        var network = result.GetValue(Network)!;
        CliFailure? configurationError = null;
        try
        {
            var (options, _) = Commands.ConfigCommand.Load(overrides);
            dataDir = options.DataDir;
            network = options.Network;
        }
        catch (CliUserException ex)
        {
            configurationError = CliApp.Classify(ex, mapper: null, CancellationToken.None);
        }

        return new CliContext(dataDir, network, result.GetValue(Json), output, error)
        {
            Overrides = overrides,
            In = Input,
            ConfigurationError = validate ? configurationError : null,
        };
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
