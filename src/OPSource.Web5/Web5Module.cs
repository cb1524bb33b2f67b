using Microsoft.Extensions.DependencyInjection;
using OPSource.Platform.Errors;
using OPSource.Platform.Events;
using OPSource.Platform.Modules;
using OPSource.Storage;

namespace OPSource.Web5;

/// <summary>
/// The <c>web5</c> module: DIDs (key, jwk, web, dht), verifiable credentials, the did:dht gateway store.
/// Configuration section <c>Web5</c> (<see cref="Web5Options"/>).
/// </summary>
public sealed class Web5Module : IOpsourceModule
{
    /// <summary>The module name.</summary>
    public const string ModuleName = "web5";

    /// <inheritdoc />
    public string Name => ModuleName;

    /// <inheritdoc />
    public void Register(ModuleRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var options = Web5Options.Bind(registration.Section, registration.Context.Network, out var problems);
        if (problems.Count > 0)
        {
            throw new ModuleConfigurationException(problems);
        }

        registration.AddMigrations(DidStore.Migrations);
        // Typed refusals keep their code (a wrapped parse error's web5.kind / key.kind) in problem+json and --json.
        registration.AddErrorMapping<Web5Exception>(ex => new DomainError(
            ex.Kind switch
            {
                Web5ErrorKind.NotFound => ErrorCategory.NotFound,
                Web5ErrorKind.Refused => ErrorCategory.Refused,
                Web5ErrorKind.Passphrase or Web5ErrorKind.Unavailable => ErrorCategory.Unavailable,
                _ => ErrorCategory.InvalidInput,
            },
            ex.Code,
            ex.Message));
        var services = registration.Services;
        services.AddSingleton(options);
        services.AddSingleton(sp => new DidStore(sp.GetRequiredService<Database>(), sp.GetService<TimeProvider>()));
        services.AddSingleton(sp => new Web5Service(
            sp.GetRequiredService<DidStore>(),
            options,
            new HttpClient { Timeout = TimeSpan.FromSeconds(options.HttpTimeoutSeconds) },
            registration.Context.DataDir));
        services.AddSingleton(sp => new Auth.DidLoginService(
            sp.GetRequiredService<Database>(),
            sp.GetRequiredService<Web5Service>().Resolver,
            sp.GetRequiredService<OPSource.Platform.Security.IAccessTokenIssuer>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System));
        // DWN subscription events travel on the platform's bus (internal topic 'dwn'): on PostgreSQL every instance
        // sharing the database delivers them to its subscribers.
        registration.AddInternalEventTopic(Dwn.DwnEventStream.Topic, "DWN subscription events ({tenant, message, initialWrite, indexes}), authorized by the DWN per subscription");
        services.AddSingleton(sp => new Dwn.DwnEventStream(sp.GetRequiredService<IEventPublisher>(), sp.GetRequiredService<IEventSubscriber>()));
        services.AddSingleton(sp => new Dwn.DwnNode(new Dwn.DwnMessageStore(sp.GetRequiredService<Database>()), sp.GetRequiredService<Web5Service>().Resolver, sp.GetRequiredService<Dwn.DwnEventStream>()));
        // Tokens issued to a DID stay valid only while its role binding exists.
        services.AddSingleton<OPSource.Platform.Security.ICredentialStatus>(sp => sp.GetRequiredService<Auth.DidLoginService>());
    }
}
