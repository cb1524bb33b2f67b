using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Platform.Errors;
using OPSource.Platform.Events;
using OPSource.Platform.Security;

namespace OPSource.Platform.Modules;

/// <summary>Registers an explicit list of modules into a service collection.</summary>
public static class ModuleCatalog
{
    /// <summary>The platform's own modules, registered before the listed domain modules.</summary>
    public static IReadOnlyList<IOpsourceModule> PlatformModules { get; } = [new AuthModule(), new EventsModule()];

    /// <summary>
    /// Calls every module's <see cref="IOpsourceModule.Register"/> in order, after the platform's own
    /// services and modules (<see cref="PlatformModules"/>). Duplicate module names are a programming error.
    /// </summary>
    public static IServiceCollection AddOpsourceModules(
        this IServiceCollection services, IEnumerable<IOpsourceModule> modules, IConfiguration configuration, PlatformContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(modules);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        services.AddPlatformEvents();
        services.AddSingleton<IErrorMapping>(DomainErrorMapper.WalletErrors);
        services.AddSingleton(sp => new DomainErrorMapper(sp.GetServices<IErrorMapping>()));
        foreach (var module in PlatformModules.Concat(modules))
        {
            if (!seen.Add(module.Name))
            {
                throw new ArgumentException($"module '{module.Name}' is listed twice", nameof(modules));
            }

            services.AddSingleton(module);
            module.Register(new ModuleRegistration(module.Name, services, configuration, context));
        }

        return services;
    }
}
