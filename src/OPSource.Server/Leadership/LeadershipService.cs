using Microsoft.Extensions.Hosting;
using OPSource.Platform.Leadership;

namespace OPSource.Server.Leadership;

/// <summary>
/// Runs the PostgreSQL leadership lease while the server runs (nothing to do on SQLite, where the one instance always
/// leads). Registered before every module's hosted services, so on shutdown it stops after them: the chain follower
/// and the wallet sync have finished their last step before the lock is released to another instance.
/// </summary>
internal sealed class LeadershipService(ILeadership leadership, LeadershipMetrics metrics) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        GC.KeepAlive(metrics); // created with the service, so /metrics reports the gauge from the start
        return leadership is PostgresLeadership lease ? lease.RunAsync(stoppingToken) : Task.CompletedTask;
    }
}
