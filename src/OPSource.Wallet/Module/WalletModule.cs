using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OPSource.Chain;
using OPSource.Chain.Model;
using OPSource.Chain.Sources;
using OPSource.Platform.Events;
using OPSource.Platform.Errors;
using OPSource.Platform.Funding;
using OPSource.Platform.Modules;
using OPSource.Storage;
using OPSource.Wallet.Persistence;
using OPSource.Wallet.Service;

namespace OPSource.Wallet.Module;

/// <summary>
/// The <c>wallet</c> module: settings (section <c>Wallet</c>, see <see cref="WalletOptions"/>), the schema, the
/// <see cref="WalletService"/> (also as <see cref="IWalletFunding"/>, <see cref="IPsbtSigner"/> and
/// <see cref="IWalletProvisioning"/> for the modules above), the background sync in the server, the
/// <c>wallet/*</c> self-test checks, the <c>wallet</c> install step, the balance gauges (<see cref="WalletMetrics"/>) and the <c>wallet:{name}</c> event topics.
/// Register after the node module (it resolves <see cref="IBitcoinNode"/> lazily, only when a wallet needs the node).
/// </summary>
public sealed class WalletModule : IOpsourceModule
{
    /// <summary>The event topic family (<c>wallet:{name}</c>).</summary>
    public const string EventFamily = "wallet";

    /// <inheritdoc />
    public string Name => "wallet";

    /// <inheritdoc />
    public void Register(ModuleRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var options = WalletOptions.Parse(registration.Section, out var problems);
        if (problems.Count > 0)
        {
            throw new ModuleConfigurationException(problems);
        }

        var services = registration.Services;
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new WalletStore(sp.GetRequiredService<Database>()));
        services.AddSingleton(sp => new WalletService(
            sp.GetRequiredService<WalletStore>(),
            options,
            registration.Context.Network,
            sp.GetRequiredService<TimeProvider>(),
            () => sp.GetRequiredService<IBitcoinNode>(),
            sp.GetService<ILogger<WalletService>>(),
            sp.GetService<OPSource.Platform.Fees.IFeeRateAdvisor>()));
        services.AddSingleton<IWalletFunding>(sp => sp.GetRequiredService<WalletService>());
        services.AddSingleton<IPsbtSigner>(sp => sp.GetRequiredService<WalletService>());
        services.AddSingleton<IWalletProvisioning>(sp => sp.GetRequiredService<WalletService>());
        services.AddHostedService(sp => new WalletSyncService(
            sp.GetRequiredService<WalletService>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<WalletSyncService>>(),
            sp.GetService<ChainTipSignal>(),
            sp.GetService<IEventPublisher>(),
            sp.GetService<OPSource.Platform.Leadership.ILeadership>()));

        registration
            .AddMigrations(new WalletMigrations())
            .AddSelfTest<WalletStoreCheck>()
            .AddSelfTest<WalletSeedCheck>()
            .AddInstallStep<WalletInstallStep>()
            .AddMeter<WalletMetrics>(WalletMetrics.MeterName)
            .AddEventTopic(EventFamily, "wallet activity per wallet: transaction.added|confirmed|unconfirmed|removed, sync.progress")
            .AddErrorMapping<WalletCoreException>(ex => DomainErrorMapper.WalletErrors.TryMap(new WalletOperationException(ex.Kind, ex.Message))!)
            .AddErrorMapping<ChainUpdateException>(ex => new DomainError(ErrorCategory.Conflict, "chain_changed", "the node's chain changed during the operation; try again"));
    }
}
