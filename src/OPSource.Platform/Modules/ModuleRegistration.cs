using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Platform.Errors;
using OPSource.Platform.Events;
using OPSource.Platform.Install;
using OPSource.Platform.SelfTest;
using OPSource.Storage;

namespace OPSource.Platform.Modules;

/// <summary>
/// What a module registers with the host. Everything is recorded in the host's service collection, so
/// the Server and the CLI build the same services from the same module list.
/// </summary>
public sealed partial class ModuleRegistration
{
    /// <summary>Creates a registration for one module.</summary>
    public ModuleRegistration(string module, IServiceCollection services, IConfiguration configuration, PlatformContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(context);
        if (module is null || !ModuleNamePattern().IsMatch(module))
        {
            throw new ArgumentException($"module name '{module}' must be lower-case letters, digits and '-'", nameof(module));
        }

        Module = module;
        Services = services;
        Configuration = configuration;
        Context = context;
    }

    /// <summary>The registering module's name.</summary>
    public string Module { get; }

    /// <summary>The host's service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The whole configuration (a module binds its own section, see <see cref="Section"/>).</summary>
    public IConfiguration Configuration { get; }

    /// <summary>Network and data directory.</summary>
    public PlatformContext Context { get; }

    /// <summary>The module's configuration section (its name with a capital first letter, e.g. <c>Wallet</c>).</summary>
    public IConfigurationSection Section => Configuration.GetSection(char.ToUpperInvariant(Module[0]) + Module[1..]);

    /// <summary>Registers the module's schema migrations (module name inside the migrations must equal <see cref="Module"/>).</summary>
    public ModuleRegistration AddMigrations(IMigrationSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        foreach (var migration in source.Migrations)
        {
            if (!string.Equals(migration.Module, Module, StringComparison.Ordinal))
            {
                throw new ArgumentException($"migration {migration.Module}/{migration.Version} registered by module '{Module}'", nameof(source));
            }
        }

        Services.AddMigrations(source);
        return this;
    }

    /// <summary>Adds a self-test check (resolved from the container when <c>opsource test</c> runs).</summary>
    public ModuleRegistration AddSelfTest<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TCheck>()
        where TCheck : class, ISelfTestCheck
    {
        Services.AddSingleton<ISelfTestCheck, TCheck>();
        return this;
    }

    /// <summary>Adds a self-test check instance.</summary>
    public ModuleRegistration AddSelfTest(ISelfTestCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        Services.AddSingleton(check);
        return this;
    }

    /// <summary>
    /// Declares an event topic family (<c>wallet</c> for <c>wallet:{name}</c>, <c>blocks</c>); only declared
    /// families can be published to or subscribed to.
    /// </summary>
    public ModuleRegistration AddEventTopic(string family, string description)
    {
        Services.AddSingleton(new EventTopicFamily(family, Module, description));
        return this;
    }

    /// <summary>
    /// Declares an internal event topic family: the module's services publish (<see cref="Events.IEventPublisher"/>)
    /// and subscribe (<see cref="Events.IEventSubscriber"/>) to it across instances, but API clients of the events
    /// WebSocket cannot subscribe to it (the module authorizes who sees its events itself).
    /// </summary>
    public ModuleRegistration AddInternalEventTopic(string family, string description)
    {
        Services.AddSingleton(new EventTopicFamily(family, Module, description, Internal: true));
        return this;
    }

    /// <summary>
    /// Declares a <see cref="System.Diagnostics.Metrics.Meter"/> name the module records into; the host
    /// exports every declared meter (Prometheus <c>/metrics</c>, OpenTelemetry).
    /// </summary>
    public ModuleRegistration AddMeter(string meterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(meterName);
        Services.AddSingleton(new ModuleMeter(meterName, Module));
        return this;
    }

    /// <summary>
    /// Declares a meter whose observable gauges report values read from storage or another service: the refresher
    /// (a singleton that owns the meter) is called by the server in the background, see
    /// <see cref="Telemetry.IMetricsRefresher"/>. The CLI never creates it.
    /// </summary>
    public ModuleRegistration AddMeter<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TRefresher>(string meterName)
        where TRefresher : class, Telemetry.IMetricsRefresher
    {
        AddMeter(meterName);
        Services.AddSingleton<TRefresher>();
        Services.AddSingleton<Telemetry.IMetricsRefresher>(sp => sp.GetRequiredService<TRefresher>());
        return this;
    }

    /// <summary>
    /// Maps the module's own exception type to a transport-neutral <see cref="DomainError"/>: the HTTP host
    /// answers RFC 9457 problem+json with the category's status (400/404/409/422/401/403/503) and the
    /// error's <c>code</c>; the CLI exits 1 with the detail. (Modules may instead throw
    /// <see cref="OpsourceException"/>, which needs no mapping.)
    /// </summary>
    public ModuleRegistration AddErrorMapping<TException>(Func<TException, DomainError> map)
        where TException : Exception
    {
        Services.AddSingleton<IErrorMapping>(new ErrorMapping<TException>(map));
        return this;
    }

    /// <summary>Adds an install step (<c>opsource install</c> asks its questions and applies it; see <see cref="IInstallStep"/>).</summary>
    public ModuleRegistration AddInstallStep<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStep>()
        where TStep : class, IInstallStep
    {
        Services.AddSingleton<IInstallStep, TStep>();
        return this;
    }

    /// <summary>Adds an install step instance.</summary>
    public ModuleRegistration AddInstallStep(IInstallStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        Services.AddSingleton(step);
        return this;
    }

    /// <summary>
    /// Declares a resource kind API keys may be scoped to (<c>--scope KIND:ID</c>) besides the built-in
    /// <c>wallet</c>, <c>dao</c> and <c>dlc</c>. Endpoints check it with <c>RequireScope(kind, routeValue)</c>.
    /// </summary>
    public ModuleRegistration AddResourceKind(string kind, string description)
    {
        Security.ResourceScope.Create(kind, "x");
        Services.AddSingleton(new Security.ResourceKind(kind, Module, description));
        return this;
    }

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex ModuleNamePattern();
}

/// <summary>A meter declared by a module (exported by the host).</summary>
/// <param name="Name">The <see cref="System.Diagnostics.Metrics.Meter"/> name.</param>
/// <param name="Module">The declaring module.</param>
public sealed record ModuleMeter(string Name, string Module);
