using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Platform.Modules;
using OPSource.Storage;

namespace OPSource.Platform.Events;

/// <summary>Settings of the <c>Events</c> section.</summary>
public sealed class EventsOptions
{
    /// <summary>Events kept per topic for clients resuming after a reconnect (16-100000, default 1024).</summary>
    public int ReplayWindow { get; init; } = 1024;

    /// <summary>Events one subscriber may have queued before it is dropped as too slow (16-100000, default 256).</summary>
    public int SubscriberQueue { get; init; } = 256;

    /// <summary>Topics one WebSocket connection may subscribe to (1-1000, default 64).</summary>
    public int MaxTopicsPerConnection { get; init; } = 64;

    /// <summary>Reads and validates the section.</summary>
    /// <exception cref="ModuleConfigurationException">A setting is out of range (the message names it).</exception>
    public static EventsOptions FromConfiguration(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var problems = new List<string>();
        var defaults = new EventsOptions();
        var options = new EventsOptions
        {
            ReplayWindow = Read(section, "ReplayWindow", defaults.ReplayWindow, 16, 100_000, problems),
            SubscriberQueue = Read(section, "SubscriberQueue", defaults.SubscriberQueue, 16, 100_000, problems),
            MaxTopicsPerConnection = Read(section, "MaxTopicsPerConnection", defaults.MaxTopicsPerConnection, 1, 1000, problems),
        };
        return problems.Count > 0 ? throw new ModuleConfigurationException(problems) : options;
    }

    private static int Read(IConfiguration section, string key, int fallback, int min, int max, List<string> problems)
    {
        var text = section[key];
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            problems.Add($"Events:{key} '{text}' must be a whole number between {min} and {max}");
            return fallback;
        }

        return value;
    }
}

/// <summary>
/// The platform's event module (<c>events</c>, section <c>Events</c>): the in-process bus and, on
/// PostgreSQL, the shared event log with LISTEN/NOTIFY fan-out across server instances.
/// </summary>
public sealed class EventsModule : IOpsourceModule
{
    /// <inheritdoc />
    public string Name => "events";

    /// <inheritdoc />
    public void Register(ModuleRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var options = EventsOptions.FromConfiguration(registration.Section);
        var services = registration.Services;
        services.AddSingleton(options);
        services.AddSingleton(sp => new PostgresEventLog(sp.GetRequiredService<Database>(), sp.GetRequiredService<TimeProvider>(), options.ReplayWindow));
        services.AddSingleton(sp => new InProcessEventBus(
            sp.GetServices<EventTopicFamily>(),
            sp.GetRequiredService<TimeProvider>(),
            options.ReplayWindow,
            options.SubscriberQueue,
            sp.GetRequiredService<Database>().Provider == StorageProvider.Postgres ? sp.GetRequiredService<PostgresEventLog>() : null));
        // SQLite: one instance, events stay in process. PostgreSQL: every publish goes through the shared
        // log, and every instance (this one included) delivers it when the notification arrives.
        services.AddSingleton<IEventPublisher>(sp =>
        {
            var bus = sp.GetRequiredService<InProcessEventBus>();
            if (sp.GetRequiredService<Database>().Provider != StorageProvider.Postgres)
            {
                return bus;
            }

            var log = sp.GetRequiredService<PostgresEventLog>();
            log.Bus ??= bus;
            return log;
        });
        // Services subscribe on the local bus: on PostgreSQL it also receives every other instance's events.
        services.AddSingleton<IEventSubscriber>(sp => sp.GetRequiredService<InProcessEventBus>());
        registration.AddMigrations(PostgresEventLog.Migrations).AddMeter(PlatformMetrics.MeterName);
    }
}
