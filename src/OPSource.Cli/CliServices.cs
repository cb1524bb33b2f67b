using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OPSource.Platform.Modules;
using OPSource.Server;
using OPSource.Server.Modules;
using OPSource.Storage;

namespace OPSource.Cli;

/// <summary>
/// The domain services for one CLI invocation: the same registrations the server makes
/// (<see cref="OpsourceServer.AddPlatformServices"/>), built into a plain service provider with the
/// schema brought up to date. Commands that act on stored state (wallets, DAOs, DLCs) open one with
/// <see cref="OpenAsync"/> and dispose it when done.
/// </summary>
internal sealed class CliServices : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private CliServices(ServiceProvider provider, OpsourceOptions options, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        _provider = provider;
        Options = options;
        Configuration = configuration;
    }

    /// <summary>The layered configuration of this invocation.</summary>
    public Microsoft.Extensions.Configuration.IConfiguration Configuration { get; }

    /// <summary>The validated options of this invocation.</summary>
    public OpsourceOptions Options { get; }

    /// <summary>The service provider.</summary>
    public IServiceProvider Services => _provider;

    /// <summary>Resolves a required service.</summary>
    public T Get<T>()
        where T : notnull => _provider.GetRequiredService<T>();

    /// <summary>
    /// Loads and validates the configuration, registers every module, and applies pending migrations.
    /// Invalid configuration and an unusable data dir or database are user errors (exit 1).
    /// </summary>
    /// <param name="context">The invocation.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <param name="modules">Modules (default: all).</param>
    /// <param name="applyMigrations">False for read-only commands (<c>opsource test</c>, <c>install --dry-run</c>) that must not create or change the schema.</param>
    public static async Task<CliServices> OpenAsync(CliContext context, CancellationToken cancellationToken, IReadOnlyList<ServerModule>? modules = null, bool applyMigrations = true)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (options, layers) = Commands.ConfigCommand.Load(context.Overrides);
        var services = new ServiceCollection();
        // Domain services log to stderr at warning level and up; results go to stdout only.
        services.AddLogging(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        try
        {
            OpsourceServer.AddPlatformServices(services, options, layers.Root, modules ?? OpsourceModules.All);
        }
        catch (ModuleConfigurationException ex)
        {
            throw new CliUserException("invalid configuration: " + ex.Message, ex) { Code = CliApp.ConfigurationCode };
        }

        if (applyMigrations)
        {
            EnsureDataDir(options.DataDir);
        }

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false, ValidateScopes = true });
        try
        {
            if (applyMigrations)
            {
                await provider.GetRequiredService<Migrator>().ApplyAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw new CliUserException($"data dir '{options.DataDir}' is not usable: {ex.Message}", ex) { Code = "environment.data_dir_unusable" };
        }
        catch (MigrationException ex)
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw new CliUserException(ex.Message, ex);
        }
        catch (System.Data.Common.DbException ex)
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw new CliUserException("database unavailable: " + ex.Message, ex) { Code = "environment.database_unavailable" };
        }

        context.ErrorMapper = provider.GetRequiredService<OPSource.Platform.Errors.DomainErrorMapper>();
        return new CliServices(provider, options, layers.Root);
    }

    /// <summary>Creates the data dir if needed; a path that is a file or cannot be created is one user-error line.</summary>
    public static void EnsureDataDir(string dataDir)
    {
        if (File.Exists(dataDir))
        {
            throw new CliUserException($"data dir '{dataDir}' is a file, not a directory (choose another with --data-dir)") { Code = "environment.data_dir_unusable" };
        }

        try
        {
            Directory.CreateDirectory(dataDir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliUserException($"data dir '{dataDir}' is not usable: {ex.Message}", ex) { Code = "environment.data_dir_unusable" };
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
