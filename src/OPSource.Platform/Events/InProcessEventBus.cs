using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OPSource.Platform.Events;

/// <summary>
/// The in-process event bus: per-topic sequence numbers, a bounded replay window per topic (so a client
/// that reconnects resumes from its last sequence number), and bounded per-subscriber queues (a slow
/// subscriber is dropped, never buffered without limit). Cross-instance delivery (PostgreSQL
/// LISTEN/NOTIFY) is layered on top by the host through <see cref="DeliverRemote"/>.
/// </summary>
public sealed class InProcessEventBus : IEventPublisher, IEventSubscriber
{
    private readonly ConcurrentDictionary<string, TopicState> _topics = new(StringComparer.Ordinal);
    private readonly HashSet<string> _families;
    private readonly HashSet<string> _internalFamilies;
    private readonly TimeProvider _time;
    private readonly IEventHistory? _history;

    /// <summary>Creates a bus accepting the declared topic families.</summary>
    /// <param name="families">Declared topic families.</param>
    /// <param name="time">Clock for event times.</param>
    /// <param name="replayWindow">Events kept per topic for resumption.</param>
    /// <param name="subscriberQueue">Events a subscriber may have queued before it is dropped.</param>
    /// <param name="history">Shared history (PostgreSQL) read when a topic is first subscribed; null for none.</param>
    public InProcessEventBus(IEnumerable<EventTopicFamily> families, TimeProvider time, int replayWindow = 1024, int subscriberQueue = 256, IEventHistory? history = null)
    {
        ArgumentNullException.ThrowIfNull(families);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(replayWindow, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(subscriberQueue, 1);
        var declared = families.ToList();
        _families = new HashSet<string>(declared.Select(f => f.Family), StringComparer.Ordinal);
        _internalFamilies = new HashSet<string>(declared.Where(f => f.Internal).Select(f => f.Family), StringComparer.Ordinal);
        _time = time;
        _history = history;
        ReplayWindow = replayWindow;
        SubscriberQueue = subscriberQueue;
    }

    /// <summary>Events kept per topic for resumption.</summary>
    public int ReplayWindow { get; }

    /// <summary>Events a subscriber may have queued before it is dropped as too slow.</summary>
    public int SubscriberQueue { get; }

    /// <summary>Raised after an event was published locally (the host forwards it to other instances).</summary>
    public event Action<PlatformEvent>? Published;

    /// <summary>Whether a topic belongs to a declared family.</summary>
    public bool IsKnownTopic(string topic) => _families.Contains(EventTopicFamily.FamilyOf(topic));

    /// <summary>Whether API clients may subscribe to a topic: it belongs to a declared family that is not internal.</summary>
    public bool IsClientTopic(string topic) => IsKnownTopic(topic) && !_internalFamilies.Contains(EventTopicFamily.FamilyOf(topic));

    /// <inheritdoc />
    public ValueTask<PlatformEvent> PublishAsync(string topic, string type, JsonObject data, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(data);
        if (!IsKnownTopic(topic))
        {
            throw new ArgumentException($"events: topic '{topic}' belongs to no declared family", nameof(topic));
        }

        var state = _topics.GetOrAdd(topic, static _ => new TopicState());
        PlatformEvent published;
        lock (state)
        {
            published = new PlatformEvent(topic, state.NextSequence++, type, _time.GetUtcNow(), data);
            state.Append(published, ReplayWindow);
            state.Deliver(published);
        }

        PlatformMetrics.EventsPublished.Add(1, new KeyValuePair<string, object?>("family", EventTopicFamily.FamilyOf(topic)));
        Published?.Invoke(published);
        return ValueTask.FromResult(published);
    }

    /// <summary>
    /// Delivers an event published by another instance (already sequenced there); events at or below the
    /// topic's current sequence are ignored, so a topic's sequence stays monotonic.
    /// </summary>
    public void DeliverRemote(PlatformEvent remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        if (!IsKnownTopic(remote.Topic))
        {
            return;
        }

        var state = _topics.GetOrAdd(remote.Topic, static _ => new TopicState());
        lock (state)
        {
            if (remote.Sequence < state.NextSequence)
            {
                return;
            }

            state.NextSequence = remote.Sequence + 1;
            state.Append(remote, ReplayWindow);
            state.Deliver(remote);
        }
    }

    /// <summary>
    /// Subscribes to a topic. Events after <paramref name="afterSequence"/> still in the replay window are
    /// queued first (<c>long.MaxValue</c>: only new events); <see cref="EventSubscription.Gap"/> tells when
    /// some of the requested events were already evicted.
    /// </summary>
    public EventSubscription Subscribe(string topic, long afterSequence)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (!IsKnownTopic(topic))
        {
            throw new ArgumentException($"events: topic '{topic}' belongs to no declared family", nameof(topic));
        }

        var state = _topics.GetOrAdd(topic, static _ => new TopicState());
        var channel = Channel.CreateBounded<PlatformEvent>(new BoundedChannelOptions(SubscriberQueue)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        lock (state)
        {
            var last = state.NextSequence - 1;
            var replay = state.Replay.Where(e => e.Sequence > afterSequence).ToList();
            // Missing events: asked for some that are older than the window, or more than one queue holds.
            var gap = afterSequence >= 0 && afterSequence < last
                && ((replay.Count > 0 && replay[0].Sequence > afterSequence + 1) || replay.Count == 0 || replay.Count > SubscriberQueue);
            var subscription = new EventSubscription(topic, channel, gap, last, s => { lock (state) { state.Subscribers.Remove(s); } });
            foreach (var e in replay.TakeLast(SubscriberQueue))
            {
                channel.Writer.TryWrite(e);
            }

            state.Subscribers.Add(subscription);
            return subscription;
        }
    }

    /// <summary>
    /// Subscribes like <see cref="Subscribe"/>, first loading the topic's recent history from the shared
    /// store (PostgreSQL) when this instance has not seen the topic yet, so a client that reconnects to
    /// another instance still resumes where it left off.
    /// </summary>
    public async Task<EventSubscription> SubscribeAsync(string topic, long afterSequence, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (!IsKnownTopic(topic))
        {
            throw new ArgumentException($"events: topic '{topic}' belongs to no declared family", nameof(topic));
        }

        if (_history is not null)
        {
            var state = _topics.GetOrAdd(topic, static _ => new TopicState());
            bool seeded;
            lock (state)
            {
                seeded = state.Seeded;
            }

            if (!seeded)
            {
                var tail = await _history.ReadTailAsync(topic, ReplayWindow, cancellationToken).ConfigureAwait(false);
                Seed(topic, tail);
            }
        }

        return Subscribe(topic, afterSequence);
    }

    /// <summary>
    /// Merges stored history into a topic's replay window (older events slot in before newer ones already
    /// delivered); the sequence only moves forward. Subscribers are not sent seeded events.
    /// </summary>
    public void Seed(string topic, IReadOnlyList<PlatformEvent> history)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(history);
        var state = _topics.GetOrAdd(topic, static _ => new TopicState());
        lock (state)
        {
            var merged = new SortedDictionary<long, PlatformEvent>();
            foreach (var e in history.Where(e => e.Topic == topic).Concat(state.Replay))
            {
                merged[e.Sequence] = e;
            }

            state.Replay.Clear();
            foreach (var e in merged.Values.TakeLast(ReplayWindow))
            {
                state.Replay.Enqueue(e);
            }

            if (merged.Count > 0)
            {
                state.NextSequence = Math.Max(state.NextSequence, merged.Keys.Max() + 1);
            }

            state.Seeded = true;
        }
    }

    /// <summary>The last sequence number this instance knows for a topic, or null when it has seen none.</summary>
    public long? GetLastSequence(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (!_topics.TryGetValue(topic, out var state))
        {
            return null;
        }

        lock (state)
        {
            return state.NextSequence == 1 ? null : state.NextSequence - 1;
        }
    }

    /// <summary>Current subscribers of a topic (for diagnostics and tests).</summary>
    public int SubscriberCount(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (!_topics.TryGetValue(topic, out var state))
        {
            return 0;
        }

        lock (state)
        {
            return state.Subscribers.Count;
        }
    }

    /// <summary>Topics this instance has state for.</summary>
    public IReadOnlyList<string> KnownTopics => [.. _topics.Keys];

    private sealed class TopicState
    {
        public long NextSequence { get; set; } = 1;

        public bool Seeded { get; set; }

        public Queue<PlatformEvent> Replay { get; } = new();

        public List<EventSubscription> Subscribers { get; } = [];

        public void Append(PlatformEvent e, int window)
        {
            Replay.Enqueue(e);
            while (Replay.Count > window)
            {
                Replay.Dequeue();
            }
        }

        public void Deliver(PlatformEvent e)
        {
            for (var i = Subscribers.Count - 1; i >= 0; i--)
            {
                var subscriber = Subscribers[i];
                if (!subscriber.Offer(e))
                {
                    Subscribers.RemoveAt(i);
                }
            }
        }
    }
}

/// <summary>One subscriber's bounded queue of events for one topic.</summary>
public sealed class EventSubscription : IDisposable
{
    private readonly Channel<PlatformEvent> _channel;
    private readonly Action<EventSubscription> _unsubscribe;
    private int _disposed;

    internal EventSubscription(string topic, Channel<PlatformEvent> channel, bool gap, long lastSequence, Action<EventSubscription> unsubscribe)
    {
        Topic = topic;
        LastSequenceAtStart = lastSequence;
        _channel = channel;
        Gap = gap;
        _unsubscribe = unsubscribe;
    }

    /// <summary>The subscribed topic.</summary>
    public string Topic { get; }

    /// <summary>The topic's last sequence number when the subscription started (0: none yet).</summary>
    public long LastSequenceAtStart { get; }

    /// <summary>True when events the subscriber asked to resume from were no longer in the replay window.</summary>
    public bool Gap { get; }

    /// <summary>True once the subscriber was dropped because its queue was full.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>The events, in sequence order; completes when the subscription ends.</summary>
    public ChannelReader<PlatformEvent> Reader => _channel.Reader;

    internal bool Offer(PlatformEvent e)
    {
        if (_channel.Writer.TryWrite(e))
        {
            return true;
        }

        // Full (too slow) or completed (disposed): either way this subscriber leaves.
        if (Volatile.Read(ref _disposed) == 0)
        {
            Overflowed = true;
            PlatformMetrics.SubscribersDropped.Add(1);
            _channel.Writer.TryComplete(new EventSubscriberOverflowException(Topic));
        }

        return false;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _channel.Writer.TryComplete();
            _unsubscribe(this);
        }
    }
}

/// <summary>A subscriber fell behind by more than its queue and was dropped.</summary>
public sealed class EventSubscriberOverflowException : Exception
{
    /// <summary>Creates the exception for a topic.</summary>
    public EventSubscriberOverflowException(string topic)
        : base($"events: subscriber to '{topic}' fell too far behind and was dropped")
    {
    }

    /// <summary>Creates the exception.</summary>
    public EventSubscriberOverflowException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public EventSubscriberOverflowException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Registration of the event bus.</summary>
public static class PlatformEventsServiceCollectionExtensions
{
    /// <summary>Registers the in-process bus as <see cref="IEventPublisher"/> (idempotent).</summary>
    public static IServiceCollection AddPlatformEvents(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new InProcessEventBus(sp.GetServices<EventTopicFamily>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IEventPublisher>(sp => sp.GetRequiredService<InProcessEventBus>());
        services.TryAddSingleton<IEventSubscriber>(sp => sp.GetRequiredService<InProcessEventBus>());
        return services;
    }
}
