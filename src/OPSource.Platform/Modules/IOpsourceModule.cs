namespace OPSource.Platform.Modules;

/// <summary>
/// The one contract through which a domain module (wallet, DAO, DLC, Web5, layers, ML) plugs into the
/// hosts. The hosts list modules explicitly (no assembly scanning, so Native AOT and trimming keep
/// working); each module registers everything it brings through <see cref="ModuleRegistration"/>:
/// services, migrations, self-test checks, metrics (meter names) and event topics. HTTP endpoints and
/// CLI commands are the hosts' adapters over those services (Server: <c>ApiModule</c>; Cli: its
/// command groups), so a domain project never references ASP.NET Core or a console library.
/// </summary>
public interface IOpsourceModule
{
    /// <summary>
    /// Lower-case identifier (<c>wallet</c>, <c>dao</c>): the migrations' module name, the self-test
    /// component, the configuration section (<c>Wallet</c>, case-insensitive) and the log category.
    /// </summary>
    string Name { get; }

    /// <summary>Registers the module's services and declarations. Called once per host, in list order.</summary>
    void Register(ModuleRegistration registration);
}
