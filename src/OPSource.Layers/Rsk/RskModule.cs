using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OPSource.Layers.Rsk.Rpc;
using OPSource.Platform.Modules;

namespace OPSource.Layers.Rsk;

/// <summary>
/// The <c>rsk</c> module: Rootstock accounts, transactions, contract calls and the 2-way peg. Configuration section
/// <c>Rsk</c> (<see cref="RskOptions"/>); services <see cref="RskService"/> and <see cref="RskRpcClient"/>.
/// Errors are <see cref="RskException"/> (an <c>OpsourceException</c>: no mapping needed).
/// </summary>
public sealed class RskModule : IOpsourceModule
{
    /// <summary>The module name.</summary>
    public const string ModuleName = "rsk";

    /// <inheritdoc />
    public string Name => ModuleName;

    /// <inheritdoc />
    public void Register(ModuleRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var options = RskOptions.Bind(registration.Section, registration.Context.Network, out var problems);
        if (problems.Count > 0)
        {
            throw new ModuleConfigurationException(problems);
        }

        var services = registration.Services;
        services.AddSingleton(options);
        services.AddSingleton(sp => new RskRpcClient(
            new RskRpcOptions(options.NodeUrl) { RequestTimeout = TimeSpan.FromSeconds(options.RequestTimeoutSeconds), MaxRetries = options.MaxRetries },
            sp.GetService<ILogger<RskRpcClient>>()));
        services.AddSingleton(sp => new RskService(sp.GetRequiredService<RskRpcClient>(), options, registration.Context.Network));
    }
}
