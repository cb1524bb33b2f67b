using Microsoft.Extensions.DependencyInjection;
using OPSource.Platform.Modules;

namespace OPSource.Platform.Security;

/// <summary>
/// The platform's own authentication module (<c>auth</c>, section <c>Auth</c>): API keys, the access
/// token issuer and the built-in resource kinds. Always loaded by <see cref="ModuleCatalog"/>, before
/// the listed domain modules.
/// </summary>
public sealed class AuthModule : IOpsourceModule
{
    /// <inheritdoc />
    public string Name => "auth";

    /// <inheritdoc />
    public void Register(ModuleRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var options = AuthOptions.FromConfiguration(registration.Section);
        var services = registration.Services;
        services.AddSingleton(options);
        services.AddSingleton(sp => new JwtAccessTokenService(options, sp.GetRequiredService<PlatformContext>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IAccessTokenIssuer>(sp => sp.GetRequiredService<JwtAccessTokenService>());
        services.AddSingleton(sp => new ApiKeyStore(sp.GetRequiredService<OPSource.Storage.Database>(), sp.GetRequiredService<TimeProvider>(), sp.GetServices<ResourceKind>()));
        services.AddSingleton<ICredentialStatus>(sp => sp.GetRequiredService<ApiKeyStore>());
        services.AddSingleton(sp => new ApiKeyTokenExchange(sp.GetRequiredService<ApiKeyStore>(), sp.GetRequiredService<IAccessTokenIssuer>()));
        registration.AddMigrations(ApiKeyStore.Migrations)
            .AddResourceKind(ResourceScope.WalletKind, "a wallet, by name")
            .AddResourceKind(ResourceScope.DaoKind, "a DAO, by id")
            .AddResourceKind(ResourceScope.DlcKind, "a DLC, by id");
    }
}
