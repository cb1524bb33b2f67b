using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OPSource.Bitcoin;
using OPSource.Platform.Leadership;
using OPSource.Platform.Modules;
using OPSource.Server.Endpoints;
using OPSource.Server.Events;
using OPSource.Server.Http;
using OPSource.Server.Modules;
using OPSource.Server.Security;
using OPSource.Server.Telemetry;
using OPSource.Storage;

namespace OPSource.Server;

/// <summary>
/// Builds the OPSource HTTP service: a slim (Native-AOT) ASP.NET Core host with the <c>/api/v1</c>
/// route group, JSON console logs, ProblemDetails errors and graceful shutdown. Migrations run in
/// <see cref="PrepareAsync"/>, before the first request is accepted.
/// </summary>
public static partial class OpsourceServer
{
    /// <summary>Prefix of every API route.</summary>
    public const string ApiPrefix = "/api/v1";

    /// <summary>
    /// Builds (does not start) the service.
    /// </summary>
    /// <param name="options">Validated options (see <see cref="OpsourceConfiguration.Load"/>).</param>
    /// <param name="configuration">The configuration they came from (for <c>Logging</c> and module sections); may be null.</param>
    /// <param name="configureServices">Extra registrations, e.g. a module's migrations or a test clock.</param>
    /// <param name="args">Host arguments (rarely needed; the CLI parses its own).</param>
    /// <param name="modules">The modules to load (default <see cref="OpsourceModules.All"/>; tests pass a subset).</param>
    /// <exception cref="ModuleConfigurationException">A module's configuration section is invalid.</exception>
    public static WebApplication Build(
        OpsourceOptions options,
        IConfiguration? configuration = null,
        Action<IServiceCollection>? configureServices = null,
        string[]? args = null,
        IReadOnlyList<ServerModule>? modules = null)
    {
        modules ??= OpsourceModules.All;
        ArgumentNullException.ThrowIfNull(options);
        var errors = OpsourceOptionsValidator.Check(options);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(OpsourceOptions), typeof(OpsourceOptions), errors);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args ?? [],
            // Not the working directory: an unrelated appsettings.json there must not leak in.
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = "opsource",
        });
        if (configuration is not null)
        {
            builder.Configuration.AddConfiguration(configuration);
        }

        builder.WebHost.UseUrls([.. OpsourceOptionsValidator.SplitUrls(options.Server.Urls)]);
        // Ctrl-C / SIGTERM: stop accepting, let in-flight requests finish within this timeout.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(options.Server.ShutdownTimeoutSeconds));

        // Structured logs: one JSON object per line; requests are logged without headers, bodies or
        // query strings, so credentials never reach the log.
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
        });
        // The same JSON lines, written in batches instead of a writer wake-up and a write call per line (per request).
        foreach (var console in builder.Services.Where(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider)).ToList())
        {
            builder.Services.Remove(console);
        }

        builder.Services.AddSingleton<ILoggerProvider, JsonLinesLoggerProvider>();
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.HttpLogging", LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);

        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.Server.MaxRequestBodyBytes);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ProblemResponses.Customize);
        builder.Services.AddExceptionHandler<DomainExceptionHandler>();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ServerJsonContext.Default);
            foreach (var module in modules)
            {
                if (module.Json is { } resolver)
                {
                    o.SerializerOptions.TypeInfoResolverChain.Insert(1, resolver);
                }
            }

            // The house convention for every module's JSON: snake_case keys (names come from these options
            // when a source-generated context is used as a resolver here).
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
        });

        var corsOrigins = OpsourceOptionsValidator.SplitUrls(options.Server.CorsOrigins);
        if (corsOrigins.Count > 0)
        {
            builder.Services.AddCors(o => o.AddDefaultPolicy(p => p
                .WithOrigins([.. corsOrigins])
                .WithMethods("GET", "POST", "PUT", "PATCH", "DELETE")
                .WithHeaders("Authorization", "Content-Type", RequestIds.Header)
                .WithExposedHeaders(RequestIds.Header, "Retry-After")));
        }

        builder.Services.AddSingleton<ServerRuntime>();
        builder.Services.AddSingleton<Endpoints.HealthProbe>();
        AddPlatformServices(builder.Services, options, builder.Configuration, modules);
        builder.Services.AddApiSecurity();
        builder.Services.AddApiRateLimits(options.Server);
        builder.Services.AddHostedService<Events.EventRelayService>();
        builder.Services.AddApiDocuments();
        builder.Services.AddOpsourceTelemetry(options.Telemetry);
        builder.Services.AddHostedService<Telemetry.MetricsRefreshService>();
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        // Order matters: the request id first (every response and problem carries it), the request log (its scope
        // covers everything after it, its line the final status), then errors as problems, routing, CORS,
        // authentication (the key id joins the log scope), rate limits per credential, and authorization.
        app.Use(RequestIds.AssignAsync);
        app.UseMiddleware<RequestLogMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        if (corsOrigins.Count > 0)
        {
            app.UseCors();
        }

        // Before authentication: a WebSocket handshake may carry its token as ?access_token=.
        app.UseWebSockets();
        app.UseAuthentication();
        app.Use(RequestLogMiddleware.SetKeyIdAsync);
        app.UseRateLimiter();
        app.UseAuthorization();
        MapApi(app.MapGroup(ApiPrefix), modules);
        app.MapApiDocuments();
        app.MapMetrics(options.Telemetry);
        return app;
    }

    /// <summary>
    /// The services both hosts share: options, clock, storage and every module's registrations. The CLI
    /// builds a plain service provider from this (no web host) so its commands run the same services.
    /// </summary>
    /// <exception cref="ModuleConfigurationException">A module's configuration section is invalid.</exception>
    public static IServiceCollection AddPlatformServices(
        IServiceCollection services, OpsourceOptions options, IConfiguration configuration, IReadOnlyList<ServerModule> modules)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(modules);
        services.AddSingleton(options);
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(TimeProvider.System);
        services.AddOpsourceStorage(options.Storage, options.DataDir);
        var context = new PlatformContext(Network.Get(options.Network), options.DataDir);
        services.AddSingleton(context);
        services.AddSingleton(context.Network);
        // The platform's self-test checks first, so they lead the report.
        services.AddSingleton<OPSource.Platform.SelfTest.ISelfTestCheck, SelfTest.PlatformChecks.DataDirWritable>();
        services.AddSingleton<OPSource.Platform.SelfTest.ISelfTestCheck, SelfTest.PlatformChecks.DatabaseReachable>();
        services.AddSingleton<OPSource.Platform.SelfTest.ISelfTestCheck, SelfTest.PlatformChecks.MigrationsCurrent>();
        services.AddSingleton<OPSource.Platform.SelfTest.ISelfTestCheck, SelfTest.PlatformChecks.ApiAnswering>();
        services.AddSingleton<OPSource.Platform.Install.IInstallStep>(sp => new Install.NodeInstallStep(
            sp.GetRequiredService<PlatformContext>(), sp.GetRequiredService<OpsourceOptions>(), sp.GetRequiredService<OPSource.ML.Hardware.IHardwareSource>()));
        // Before the modules: hosted services stop in reverse order, so the lease is released after the chain follower stopped.
        services.AddLeadership(configuration);
        services.AddHostedService<OPSource.Server.Leadership.LeadershipService>();
        services.AddOpsourceModules(modules.Select(m => m.Module), configuration, context);
        // Hardware detection (node tuning, ML settings); a module may have registered a source already.
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddSingleton<OPSource.ML.Hardware.IHardwareSource>(services, OPSource.ML.Hardware.SystemHardwareSource.Instance);
        return services;
    }

    /// <summary>Maps the system endpoints and every module's endpoints on the <c>/api/v1</c> group.</summary>
    public static void MapApi(IEndpointRouteBuilder api, IReadOnlyList<ServerModule> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        api.MapSystemEndpoints();
        api.MapAuthEndpoints();
        api.MapEventStream();
        foreach (var module in modules)
        {
            module.MapEndpoints?.Invoke(api);
        }
    }

    /// <summary>
    /// Applies pending migrations (refusing to start on a checksum or version mismatch) and loads the
    /// instance identity. Call after <see cref="Build"/> and before the host starts.
    /// </summary>
    /// <exception cref="MigrationException">The schema cannot be brought up to date.</exception>
    public static async Task PrepareAsync(WebApplication app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OPSource.Server");
        var database = app.Services.GetRequiredService<Database>();
        LogStorage(logger, database.Description);
        var report = await app.Services.GetRequiredService<Migrator>().ApplyAsync(cancellationToken).ConfigureAwait(false);
        foreach (var migration in report.Applied)
        {
            LogMigrationApplied(logger, migration.Module, migration.Version, migration.Description);
        }

        LogMigrationsDone(logger, report.Applied.Count, report.AlreadyApplied);
        var runtime = app.Services.GetRequiredService<ServerRuntime>();
        var settings = app.Services.GetRequiredService<SettingsRepository>();
        runtime.InstanceId = await settings.GetOrAddAsync(InstanceIdKey, Guid.NewGuid, cancellationToken).ConfigureAwait(false);
        await settings.SetAsync(LastStartedKey, runtime.StartedAt, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Settings key of the installation's stable id.</summary>
    public static SettingKey<Guid> InstanceIdKey { get; } = SettingKeys.Guid("node.instance_id");

    /// <summary>Settings key of the last start time.</summary>
    public static SettingKey<DateTimeOffset> LastStartedKey { get; } = SettingKeys.Timestamp("node.last_started_at");

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "storage: {Target}")]
    private static partial void LogStorage(ILogger logger, string target);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "migration applied: {Module}/{Version} ({Description})")]
    private static partial void LogMigrationApplied(ILogger logger, string module, int version, string description);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "schema up to date: {Applied} applied now, {AlreadyApplied} already applied")]
    private static partial void LogMigrationsDone(ILogger logger, int applied, int alreadyApplied);
}
