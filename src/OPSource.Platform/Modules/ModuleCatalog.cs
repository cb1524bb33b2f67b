using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Platform.Events;

namespace OPSource.Platform.Modules;

/// <summary>Registers an explicit list of modules into a service collection.</summary>
public static class ModuleCatalog
{
    /// <summary>
    /// Calls every module's <see cref="IOpsourceModule.Register"/> in order, after the platform's own
    /// services (event bus). Duplicate module names are a programming error.
    /// </summary>
    public static IServiceCollection AddOpsourceModules(
        this IServiceCollection services, IEnumerable<IOpsourceModule> modules, IConfiguration configuration, PlatformContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(modules);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        services.AddPlatformEvents();
        foreach (var module in modules)
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
