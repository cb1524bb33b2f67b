using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OPSource.Platform.Modules;
using OPSource.Platform.SelfTest;
using OPSource.Storage;

namespace OPSource.Platform.Leadership;

/// <summary>Registers <see cref="ILeadership"/> for the configured database (both hosts; only the server runs it).</summary>
public static class LeadershipServices
{
    /// <summary>
    /// Adds <see cref="LeadershipOptions"/> (section <c>Leadership</c>), <see cref="ILeadership"/> (PostgreSQL: an
    /// advisory-lock lease, which the server's hosted service runs; SQLite: always leading), its gauge and the
    /// <c>platform/leadership</c> self-test check.
    /// </summary>
    /// <exception cref="ModuleConfigurationException">The section is invalid.</exception>
    public static IServiceCollection AddLeadership(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = LeadershipOptions.Parse(configuration.GetSection(LeadershipOptions.SectionName), out var problems);
        if (problems.Count > 0)
        {
            throw new ModuleConfigurationException(problems);
        }

        services.AddSingleton(options);
        services.AddSingleton<ILeadership>(sp => sp.GetRequiredService<Database>().Provider == StorageProvider.Postgres
            ? new PostgresLeadership(sp.GetRequiredService<Database>(), options, sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<PostgresLeadership>>())
            : SingleInstanceLeadership.Instance);
        services.AddSingleton<LeadershipMetrics>();
        services.AddSingleton<ISelfTestCheck, LeadershipCheck>();
        return services;
    }
}

/// <summary>
/// The gauge <c>opsource.leadership.leader</c> (meter <c>OPSource.Platform</c>): 1 while this instance leads (runs
/// the chain follower), 0 while it stands by; tagged with the mode.
/// </summary>
public sealed class LeadershipMetrics : IDisposable
{
    private readonly Meter _meter = new(PlatformMetrics.MeterName);

    /// <summary>The meter holding the gauge (one per host; several hosts in one process each have their own).</summary>
    public Meter Meter => _meter;

    /// <summary>Creates the gauge over <paramref name="leadership"/>.</summary>
    public LeadershipMetrics(ILeadership leadership)
    {
        ArgumentNullException.ThrowIfNull(leadership);
        _meter.CreateObservableGauge(
            "opsource.leadership.leader",
            () => new Measurement<int>(leadership.IsLeader ? 1 : 0, new KeyValuePair<string, object?>("mode", leadership.Mode)),
            unit: "{instance}",
            description: "1 while this instance leads (runs the chain follower, wallet sync and DLC watch), 0 while it stands by");
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}

/// <summary>
/// Self-test <c>platform/leadership</c>: on PostgreSQL, whether some server instance holds the chain follower's lease
/// (warn when none does: no server is following the chain); on SQLite the single server always follows.
/// </summary>
internal sealed class LeadershipCheck(Database database, ILeadership leadership) : ISelfTestCheck
{
    public string Component => "platform";

    public string Name => "leadership";

    public async Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken)
    {
        if (database.Provider != StorageProvider.Postgres)
        {
            return SelfTestResult.Pass("single instance (SQLite): the server runs the chain follower itself");
        }

        if (leadership.IsLeader)
        {
            return SelfTestResult.Pass("this instance leads: it runs the chain follower");
        }

        try
        {
            return await PostgresLeadership.IsHeldAsync(database, cancellationToken).ConfigureAwait(false)
                ? SelfTestResult.Pass("another instance on this database leads and runs the chain follower")
                : SelfTestResult.Warn("no server instance on this database holds the chain follower lease (is a server running?)");
        }
        catch (System.Data.Common.DbException ex)
        {
            return SelfTestResult.Fail("cannot read the leadership lease: " + ex.GetType().Name);
        }
    }
}
