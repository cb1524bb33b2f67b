using System.Collections.Immutable;
using System.Text.Json.Nodes;
using OPSource.Platform.Events;
using OPSource.Web5.Credentials;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Dwn;

/// <summary>
/// The DWN's event stream (dwn-sdk-js 0.5.2 src/event-log/event-emitter-stream.ts): RecordsWrite (when it becomes the
/// latest base state), RecordsDelete and ProtocolsConfigure emit <c>{message, initialWrite}</c> with the message's
/// indexes; each subscription sees the events of its tenant that match one of its filters, each once, in emit order.
/// <para>
/// Without a bus (<see cref="DwnEventStream()"/>) events stay in this process and listeners run on the emitting
/// thread. With the platform's event bus (<see cref="DwnEventStream(IEventPublisher, IEventSubscriber)"/>, as the
/// <c>web5</c> module wires it) every event is published on the internal topic <see cref="Topic"/>, and one
/// subscription to that topic per node hands the events to the listeners: on PostgreSQL the bus fans them out to every
/// server instance sharing the database (LISTEN/NOTIFY, one sequence per topic), so a subscriber on one instance sees
/// the writes made through any other. Listeners must not block (the WebSocket transport queues). Events are not
/// replayed to new subscriptions: a subscriber sees what is emitted while it is subscribed (MessagesQuery reads the
/// durable event log).
/// </para>
/// </summary>
public sealed class DwnEventStream : IDisposable
{
    /// <summary>The internal event topic (family) DWN events travel on between instances.</summary>
    public const string Topic = "dwn";

    /// <summary>The event type of a DWN event on <see cref="Topic"/>.</summary>
    public const string EventType = "dwn.event";

    private readonly IEventPublisher? _publisher;
    private readonly IEventSubscriber? _subscriber;
    private readonly SemaphoreSlim _opening = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private ImmutableArray<Listener> _listeners = [];
    private Task? _pump;
    private int _disposed;

    /// <summary>An in-process stream (one instance, or tests): events reach this process's listeners only.</summary>
    public DwnEventStream()
    {
    }

    /// <summary>A stream over the platform's event bus (events of every instance sharing the database).</summary>
    public DwnEventStream(IEventPublisher publisher, IEventSubscriber subscriber)
    {
        _publisher = publisher ?? throw new ArgumentNullException(nameof(publisher));
        _subscriber = subscriber ?? throw new ArgumentNullException(nameof(subscriber));
    }

    /// <summary>The number of open subscriptions.</summary>
    public int Count => _listeners.Length;

    /// <summary>
    /// Adds a listener for <paramref name="tenant"/>'s events whose indexes match one of <paramref name="filters"/>; with
    /// a bus, the node's subscription to <see cref="Topic"/> is open when this returns, so every event emitted afterwards
    /// (on any instance) reaches the listener.
    /// </summary>
    public async Task<DwnSubscription> SubscribeAsync(string tenant, string id, IReadOnlyList<JsonObject> filters, Action<JsonObject> handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_subscriber is not null && Volatile.Read(ref _pump) is null or { IsCompleted: true })
        {
            await OpenAsync(_subscriber, cancellationToken).ConfigureAwait(false);
        }

        var listener = new Listener(tenant, filters, handler);
        ImmutableInterlocked.Update(ref _listeners, list => list.Add(listener));
        return new DwnSubscription(id, () => ImmutableInterlocked.Update(ref _listeners, list => list.Remove(listener)));
    }

    /// <summary>
    /// Emits an event: with a bus, publishes it (every instance's listeners receive it from the bus, this one's too);
    /// without, hands it to this process's listeners before returning.
    /// </summary>
    internal async Task EmitAsync(string tenant, JsonObject message, JsonObject? initialWrite, JsonObject indexes, CancellationToken cancellationToken)
    {
        if (_publisher is null)
        {
            Deliver(tenant, message, initialWrite, indexes);
            return;
        }

        var data = new JsonObject
        {
            ["tenant"] = tenant,
            ["message"] = message.DeepClone(),
            ["initialWrite"] = initialWrite?.DeepClone(),
            ["indexes"] = indexes.DeepClone(),
        }.RemoveNullMembers();
        await _publisher.PublishAsync(Topic, EventType, data, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the bus subscription; listeners receive nothing more.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _listeners = [];
    }

    private void Deliver(string tenant, JsonObject message, JsonObject? initialWrite, JsonObject indexes)
    {
        foreach (var listener in _listeners)
        {
            if (listener.Tenant == tenant && DwnFilter.MatchAny(indexes, listener.Filters))
            {
                // Each listener gets its own copy: handlers serialize or keep it.
                listener.Handler(new JsonObject { ["message"] = message.DeepClone(), ["initialWrite"] = initialWrite?.DeepClone() }.RemoveNullMembers());
            }
        }
    }

    private async Task OpenAsync(IEventSubscriber subscriber, CancellationToken cancellationToken)
    {
        await _opening.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Opened once; reopened only if the pump ever ended (it ends on dispose, or if resubscribing failed).
            if (_pump is null or { IsCompleted: true })
            {
                // Only events published from now on: a DWN subscription does not replay.
                var subscription = await subscriber.SubscribeAsync(Topic, long.MaxValue, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _pump, PumpAsync(subscriber, subscription, _stop.Token));
            }
        }
        finally
        {
            _opening.Release();
        }
    }

    // One bus subscription per node; each bus event reaches each matching listener once. When the bus drops the
    // subscription (its queue overflowed), it resubscribes after the last sequence handed on: the bus replays the rest
    // from its window, so nothing is delivered twice and nothing is skipped unless more than the window was missed.
    private async Task PumpAsync(IEventSubscriber subscriber, EventSubscription subscription, CancellationToken stop)
    {
        await Task.Yield();
        var last = subscription.LastSequenceAtStart;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await foreach (var e in subscription.Reader.ReadAllAsync(stop).ConfigureAwait(false))
                    {
                        if (e.Sequence <= last)
                        {
                            continue;
                        }

                        last = e.Sequence;
                        if (e.Type == EventType && e.Data.GetString("tenant") is { } tenant
                            && e.Data["message"] is JsonObject message && e.Data["indexes"] is JsonObject indexes)
                        {
                            Deliver(tenant, message, e.Data["initialWrite"] as JsonObject, indexes);
                        }
                    }

                    return;
                }
                catch (EventSubscriberOverflowException)
                {
                    subscription.Dispose();
                    subscription = await subscriber.SubscribeAsync(Topic, last, stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            subscription.Dispose();
        }
    }

    private sealed record Listener(string Tenant, IReadOnlyList<JsonObject> Filters, Action<JsonObject> Handler);
}

/// <summary>An open subscription; disposing it closes it (no events after that). The id is the subscribe message's CID.</summary>
public sealed class DwnSubscription : IDisposable
{
    private Action? _close;

    internal DwnSubscription(string id, Action close)
    {
        Id = id;
        _close = close;
    }

    /// <summary>The subscription id (the RecordsSubscribe message CID, as dwn-sdk-js reports it).</summary>
    public string Id { get; }

    /// <summary>Closes the subscription.</summary>
    public void Dispose() => Interlocked.Exchange(ref _close, null)?.Invoke();
}
