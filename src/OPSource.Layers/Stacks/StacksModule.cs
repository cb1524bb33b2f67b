using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Layers.Stacks.Node;
using OPSource.Platform.Modules;

namespace OPSource.Layers.Stacks;

/// <summary>The <c>Stacks</c> configuration section.</summary>
public sealed class StacksOptions
{
    /// <summary>The Stacks node RPC (default http://127.0.0.1:20443, a local stacks-node's RPC port).</summary>
    public Uri NodeUrl { get; private init; } = new("http://127.0.0.1:20443");

    /// <summary>mainnet or testnet.</summary>
    public StacksNetwork Network { get; private init; } = StacksNetwork.Mainnet;

    /// <summary>HTTP timeout towards the node.</summary>
    public TimeSpan Timeout { get; private init; } = TimeSpan.FromSeconds(30);

    /// <summary>Reads the section; <paramref name="problems"/> names every invalid setting.</summary>
    public static StacksOptions Bind(IConfiguration section, out IReadOnlyList<string> problems)
    {
        var list = new List<string>();
        var options = new StacksOptions();
        if (section["NodeUrl"] is { } url)
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                options = new StacksOptions { NodeUrl = uri, Network = options.Network, Timeout = options.Timeout };
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
                options = new StacksOptions { NodeUrl = options.NodeUrl, Network = StacksNetwork.Parse(name), Timeout = options.Timeout };
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
                options = new StacksOptions { NodeUrl = options.NodeUrl, Network = options.Network, Timeout = TimeSpan.FromSeconds(s) };
            }
            else
            {
                list.Add($"Stacks:TimeoutSeconds '{seconds}' must be 1..600");
            }
        }

        problems = list;
        return options;
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
        var options = StacksOptions.Bind(registration.Section, out var problems);
        if (problems.Count > 0)
        {
            throw new ModuleConfigurationException(problems);
        }

        registration.Services.AddSingleton(options);
        registration.Services.AddSingleton(_ => new StacksNodeClient(new HttpClient { BaseAddress = options.NodeUrl, Timeout = options.Timeout }));
    }
}
