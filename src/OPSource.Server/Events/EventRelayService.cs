using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OPSource.Platform.Events;
using OPSource.Storage;

namespace OPSource.Server.Events;

/// <summary>
/// On PostgreSQL, listens for events published by any instance (this one included) and hands them to
/// the local bus, so WebSocket clients of every instance see every event in per-topic order.
/// </summary>
internal sealed class EventRelayService(Database database, PostgresEventLog log, InProcessEventBus bus, ILogger<EventRelayService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Provider != StorageProvider.Postgres)
        {
            return Task.CompletedTask;
        }

        log.Bus = bus;
        return log.RunListenerAsync(bus, logger, stoppingToken);
    }
}
