using System.Text.Json.Nodes;

namespace OPSource.Platform.Events;

/// <summary>
/// One event on a topic (<c>blocks</c>, <c>wallet:treasury</c>, <c>dao:7f3a...</c>): a per-topic sequence
/// number (1, 2, 3, ... without gaps, so a client resumes after the last one it saw), a type
/// (<c>tx.received</c>), the time, and a JSON payload that never holds secrets.
/// </summary>
public sealed record PlatformEvent(string Topic, long Sequence, string Type, DateTimeOffset Time, JsonObject Data);

/// <summary>A declared topic family: <c>wallet</c> covers <c>wallet</c> and <c>wallet:{anything}</c>.</summary>
/// <param name="Family">Family name (lower case).</param>
/// <param name="Module">The module that declared it.</param>
/// <param name="Description">One line for the API reference.</param>
/// <param name="Internal">
/// True for a family only services publish and subscribe to (through <see cref="IEventSubscriber"/>): API clients of
/// <c>/api/v1/events</c> cannot subscribe to it (its events carry data the module authorizes itself, such as DWN messages).
/// </param>
public sealed record EventTopicFamily(string Family, string Module, string Description, bool Internal = false)
{
    /// <summary>The family of a topic: the part before the first ':'.</summary>
    public static string FamilyOf(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var colon = topic.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? topic : topic[..colon];
    }
}

/// <summary>Publishes events for WebSocket subscribers (and other server instances sharing the database).</summary>
public interface IEventPublisher
{
    /// <summary>Publishes an event; returns it with its assigned sequence number.</summary>
    /// <exception cref="ArgumentException">The topic's family was not declared by any module.</exception>
    ValueTask<PlatformEvent> PublishAsync(string topic, string type, JsonObject data, CancellationToken cancellationToken);
}

/// <summary>
/// Subscribes services to the bus: the events of every instance sharing the database (PostgreSQL), each once, in
/// per-topic sequence order. Implemented by <see cref="InProcessEventBus"/>.
/// </summary>
public interface IEventSubscriber
{
    /// <summary>
    /// Subscribes to a topic of a declared family: events after <paramref name="afterSequence"/> still in the replay
    /// window first (<c>long.MaxValue</c>: only new events), then live ones, in a bounded queue (a subscriber that falls
    /// further behind is dropped: its reader completes with <see cref="EventSubscriberOverflowException"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The topic's family was not declared by any module.</exception>
    Task<EventSubscription> SubscribeAsync(string topic, long afterSequence, CancellationToken cancellationToken);
}

/// <summary>A shared, durable tail of recent events (PostgreSQL), read when a topic is first subscribed on an instance.</summary>
public interface IEventHistory
{
    /// <summary>The last <paramref name="max"/> events of a topic, oldest first.</summary>
    Task<IReadOnlyList<PlatformEvent>> ReadTailAsync(string topic, int max, CancellationToken cancellationToken);
}
