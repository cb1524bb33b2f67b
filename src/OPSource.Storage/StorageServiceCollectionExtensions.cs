using Microsoft.Extensions.DependencyInjection;

namespace OPSource.Storage;

/// <summary>Registers storage in a host's service collection.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the shared <see cref="Database"/>, the <see cref="Migrator"/> (over every registered
    /// <see cref="IMigrationSource"/>, in registration order) and the <see cref="SettingsRepository"/>
    /// with Storage's own migrations first.
    /// </summary>
    public static IServiceCollection AddOpsourceStorage(this IServiceCollection services, StorageOptions options, string dataDir)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(_ => Database.Create(options, dataDir));
        services.AddSingleton(sp => new Migrator(sp.GetRequiredService<Database>(), sp.GetServices<IMigrationSource>(), sp.GetService<TimeProvider>()));
        services.AddSingleton(sp => new SettingsRepository(sp.GetRequiredService<Database>(), sp.GetService<TimeProvider>()));
        services.AddMigrations(SettingsRepository.Migrations);
        return services;
    }

    /// <summary>Adds a module's migrations; they run at startup after those registered before them.</summary>
    public static IServiceCollection AddMigrations(this IServiceCollection services, IMigrationSource source)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(source);
        services.AddSingleton(source);
        return services;
    }
}
