using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OPSource.Chain;
using OPSource.Chain.Rpc;
using OPSource.Chain.Sources;
using OPSource.Platform.Events;
using OPSource.Platform.Modules;

namespace OPSource.Node;

/// <summary>
/// The <c>node</c> module: the Bitcoin Core connection (section <c>Node</c>), validated at startup; the RPC client as
/// <see cref="IBitcoinNode"/> and its narrow interfaces; self-test checks <c>node/reachable</c>, <c>node/network</c>,
/// <c>node/synced</c>; the <c>blocks</c> event topic and the server's <see cref="ChainFollower"/> that publishes on it
/// (and announces tips on <see cref="ChainTipSignal"/>); the <c>OPSource.Node</c> meter.
/// </summary>
public sealed class NodeModule : IOpsourceModule
{
    /// <summary>The event topic family of block connect/disconnect events.</summary>
    public const string BlocksTopic = "blocks";

    /// <inheritdoc />
    public string Name => "node";

    /// <inheritdoc />
    public void Register(ModuleRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var options = NodeOptions.Parse(registration.Section, registration.Context.DataDir, out var problems);
        if (problems.Count > 0)
        {
            throw new ModuleConfigurationException(problems);
        }

        var services = registration.Services;
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<NodeMetrics>();
        services.AddSingleton<NodeStatusService>();

        // Resolving the client without a configured node throws NodeNotConfiguredException naming Node:RpcUrl.
        services.AddSingleton(sp => new BitcoinRpcClient(options.ToClientOptions(), sp.GetService<ILogger<BitcoinRpcClient>>()));
        services.AddSingleton<IBitcoinNode>(sp => sp.GetRequiredService<BitcoinRpcClient>());
        services.AddSingleton<IBlockSource>(sp => sp.GetRequiredService<BitcoinRpcClient>());
        services.AddSingleton<IMempoolSource>(sp => sp.GetRequiredService<BitcoinRpcClient>());
        services.AddSingleton<ITransactionBroadcaster>(sp => sp.GetRequiredService<BitcoinRpcClient>());
        services.AddSingleton<IFeeEstimator>(sp => sp.GetRequiredService<BitcoinRpcClient>());

        // The server's chain follower (blocks topic, tip signal for the wallet sync); the CLI never starts it.
        services.TryAddSingleton<ChainTipSignal>();
        services.AddHostedService(sp => new ChainFollower(
            options,
            () => sp.GetRequiredService<IBlockSource>(),
            sp.GetRequiredService<ChainTipSignal>(),
            sp.GetRequiredService<NodeMetrics>(),
            sp.GetService<IEventPublisher>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetService<OPSource.Platform.Leadership.ILeadership>(),
            sp.GetService<OPSource.Storage.SettingsRepository>()));

        registration
            .AddSelfTest<NodeReachableCheck>()
            .AddSelfTest<NodeNetworkCheck>()
            .AddSelfTest<NodeSyncedCheck>()
            .AddEventTopic(BlocksTopic, "Blocks connected to and disconnected from the node's active chain (block.connected, block.disconnected)")
            .AddMeter<NodeMetricsRefresher>(NodeMetrics.MeterName);
    }
}
