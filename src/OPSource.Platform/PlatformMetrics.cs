using System.Diagnostics.Metrics;

namespace OPSource.Platform;

/// <summary>
/// The platform's own instruments (meter <c>OPSource.Platform</c>, declared by the auth and events
/// modules, exported by the host like every module meter).
/// </summary>
public static class PlatformMetrics
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "OPSource.Platform";

    private static readonly Meter Meter = new(MeterName);

    /// <summary><c>opsource.events.published</c>: events published, by topic family.</summary>
    public static Counter<long> EventsPublished { get; } = Meter.CreateCounter<long>("opsource.events.published", unit: "{event}", description: "Events published, by topic family");

    /// <summary><c>opsource.events.subscribers_dropped</c>: subscribers dropped for falling behind.</summary>
    public static Counter<long> SubscribersDropped { get; } = Meter.CreateCounter<long>("opsource.events.subscribers_dropped", unit: "{subscriber}", description: "Event subscribers dropped as too slow");

    /// <summary><c>opsource.auth.token_exchanges</c>: API key exchanges, by outcome (issued, refused).</summary>
    public static Counter<long> TokenExchanges { get; } = Meter.CreateCounter<long>("opsource.auth.token_exchanges", unit: "{exchange}", description: "API key to access token exchanges, by outcome");
}
