using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Bitcoin;
using OPSource.Layers.Stacks.Node;
using OPSource.Platform.Modules;
using OPSource.Platform.SelfTest;

namespace OPSource.Layers.Stacks;

/// <summary>The <c>Stacks</c> configuration section.</summary>
public sealed class StacksOptions
{
    /// <summary>The default node: a local stacks-node's RPC port.</summary>
    public static readonly Uri DefaultNodeUrl = new("http://127.0.0.1:20443");

    /// <summary>The Stacks node RPC (default <see cref="DefaultNodeUrl"/>).</summary>
    public Uri NodeUrl { get; private init; } = DefaultNodeUrl;

    /// <summary>Whether <c>Stacks:NodeUrl</c> was set (the self-test skips the node checks otherwise).</summary>
    public bool NodeUrlConfigured { get; private init; }

    /// <summary>mainnet or testnet (default: mainnet on Bitcoin mainnet, testnet on every Bitcoin test network).</summary>
    public StacksNetwork Network { get; private init; } = StacksNetwork.Mainnet;

    /// <summary>HTTP timeout towards the node.</summary>
    public TimeSpan Timeout { get; private init; } = TimeSpan.FromSeconds(30);

    /// <summary>The Stacks network that goes with a Bitcoin network: Stacks mainnet settles on Bitcoin mainnet, testnet on the test networks.</summary>
    public static StacksNetwork NetworkFor(Network bitcoin) => bitcoin == OPSource.Bitcoin.Network.Mainnet ? StacksNetwork.Mainnet : StacksNetwork.Testnet;

    /// <summary>Reads the section; <paramref name="problems"/> names every invalid setting.</summary>
    public static StacksOptions Bind(IConfiguration section, out IReadOnlyList<string> problems) => Bind(section, OPSource.Bitcoin.Network.Mainnet, out problems);

    /// <summary>Reads the section, the network defaulting to the one that goes with <paramref name="bitcoin"/>.</summary>
    public static StacksOptions Bind(IConfiguration section, Network bitcoin, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(section);
        var list = new List<string>();
        Uri nodeUrl = DefaultNodeUrl;
        var network = NetworkFor(bitcoin);
        var timeout = TimeSpan.FromSeconds(30);
        if (section["NodeUrl"] is { } url)
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                nodeUrl = uri;
            }
            else
            {
                list.Add($"Stacks:NodeUrl '{url}' is not an http(s) URL");
            }
        }

        if (section["Network"] is { } name)
        {
            if (name is "mainnet" or "testnet")
            {
                network = StacksNetwork.Parse(name);
            }
            else
            {
                list.Add($"Stacks:Network '{name}' must be mainnet or testnet");
            }
        }

        if (section["TimeoutSeconds"] is { } seconds)
        {
            if (int.TryParse(seconds, System.Globalization.CultureInfo.InvariantCulture, out int s) && s is > 0 and <= 600)
            {
                timeout = TimeSpan.FromSeconds(s);
            }
            else
            {
                list.Add($"Stacks:TimeoutSeconds '{seconds}' must be 1..600");
            }
        }

        problems = list;
        return new StacksOptions { NodeUrl = nodeUrl, NodeUrlConfigured = section["NodeUrl"] is not null, Network = network, Timeout = timeout };
    }
}

/// <summary>
/// The <c>stacks</c> module: Stacks addresses, SIP-005 transactions, Clarity values, the Stacks node
/// client and pox-4 stacking (docs/stacks.md). Configuration section <c>Stacks</c> (<see cref="StacksOptions"/>).
/// </summary>
public sealed class StacksModule : IOpsourceModule
{
    /// <summary>The module name.</summary>
    public const string ModuleName = "stacks";

    /// <inheritdoc />
    public string Name => ModuleName;

    /// <inheritdoc />
    public void Register(ModuleRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var options = StacksOptions.Bind(registration.Section, registration.Context.Network, out var problems);
        if (problems.Count > 0)
        {
            throw new ModuleConfigurationException(problems);
        }

        registration.Services.AddSingleton(options);
        registration.Services.AddSingleton(_ => new StacksNodeClient(new HttpClient { BaseAddress = options.NodeUrl, Timeout = options.Timeout }));
        registration
            .AddSelfTest<StacksNodeReachableCheck>()
            .AddSelfTest<StacksNodeNetworkCheck>();
    }
}

/// <summary>Shared plumbing of the Stacks node checks: skipped unless <c>Stacks:NodeUrl</c> is set; one-line failures.</summary>
internal abstract class StacksNodeCheck(StacksNodeClient node, StacksOptions options) : ISelfTestCheck
{
    public string Component => StacksModule.ModuleName;

    public abstract string Name { get; }

    protected StacksOptions Options => options;

    public async Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken)
    {
        if (!options.NodeUrlConfigured)
        {
            return SelfTestResult.Skip("Stacks:NodeUrl is not set");
        }

        try
        {
            return Evaluate(await node.GetInfoAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (StacksException ex)
        {
            return SelfTestResult.Fail(ex.Message);
        }
    }

    protected abstract SelfTestResult Evaluate(StacksNodeInfo info);
}

/// <summary><c>stacks/node_reachable</c>: the node's RPC answers <c>/v2/info</c>.</summary>
internal sealed class StacksNodeReachableCheck(StacksNodeClient node, StacksOptions options) : StacksNodeCheck(node, options)
{
    public override string Name => "node_reachable";

    protected override SelfTestResult Evaluate(StacksNodeInfo info) =>
        SelfTestResult.Pass($"stacks node {Options.NodeUrl} ({info.ServerVersion}): burn height {info.BurnBlockHeight}, stacks tip {info.StacksTipHeight}");
}

/// <summary><c>stacks/network</c>: the node's chain id is the configured Stacks network's.</summary>
internal sealed class StacksNodeNetworkCheck(StacksNodeClient node, StacksOptions options) : StacksNodeCheck(node, options)
{
    public override string Name => "network";

    protected override SelfTestResult Evaluate(StacksNodeInfo info) => info.Network == Options.Network
        ? SelfTestResult.Pass($"stacks node chain id 0x{info.NetworkId:x8} is {Options.Network.Name}")
        : SelfTestResult.Fail($"stacks node chain id 0x{info.NetworkId:x8} is {info.Network?.Name ?? "unknown"}, not the configured {Options.Network.Name} (Stacks:Network setting)");
}
