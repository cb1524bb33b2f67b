using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OPSource.Layers.Rsk.Rpc;
using OPSource.Platform.Events;
using OPSource.Platform.Modules;

namespace OPSource.Layers.Rsk;

/// <summary>
/// The <c>rsk</c> module: Rootstock accounts, transactions, contract calls and the 2-way peg. Configuration section
/// <c>Rsk</c> (<see cref="RskOptions"/>); services <see cref="RskService"/>, <see cref="RskRpcClient"/> and
/// <see cref="RskWatcher"/> (with the server's <see cref="RskWatchService"/>); self-test checks <c>rsk/reachable</c> and
/// <c>rsk/chain</c>; the <c>rsk</c> event topic (<see cref="RskEvents"/>).
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
        services.AddSingleton(sp => new RskService(sp.GetRequiredService<RskRpcClient>(), options, registration.Context.Network, sp.GetService<IEventPublisher>()));

        // The server follows broadcast transactions and pegs for the rsk topic; the CLI never starts the service.
        services.AddSingleton(sp => new RskWatcher(sp.GetRequiredService<RskService>(), sp.GetService<IEventPublisher>()));
        services.AddHostedService(sp => new RskWatchService(sp.GetRequiredService<RskWatcher>(), options, sp.GetService<ILogger<RskWatchService>>()));
        registration
            .AddSelfTest<RskReachableCheck>()
            .AddSelfTest<RskChainCheck>()
            .AddEventTopic(RskEvents.Topic, RskEvents.Description);
    }
}
