using System.Collections.Immutable;
using System.Text.Json.Nodes;
using OPSource.Web5.Credentials;

namespace OPSource.Web5.Dwn;

/// <summary>
/// The DWN's in-process event stream (dwn-sdk-js 0.5.2 src/event-log/event-emitter-stream.ts): RecordsWrite (when it
/// becomes the latest base state) and RecordsDelete emit <c>{message, initialWrite}</c> with the message's indexes;
/// each subscription sees the events of its tenant that match one of its filters. Listeners run on the emitting
/// thread and must not block (the WebSocket transport queues). Events are not persisted: a subscriber sees what
/// happens while it is subscribed, in this process.
/// </summary>
public sealed class DwnEventStream
{
    private ImmutableArray<Listener> _listeners = [];

    /// <summary>Adds a listener for <paramref name="tenant"/>'s events whose indexes match one of <paramref name="filters"/>.</summary>
    public DwnSubscription Subscribe(string tenant, string id, IReadOnlyList<JsonObject> filters, Action<JsonObject> handler)
    {
        var listener = new Listener(tenant, filters, handler);
        ImmutableInterlocked.Update(ref _listeners, list => list.Add(listener));
        return new DwnSubscription(id, () => ImmutableInterlocked.Update(ref _listeners, list => list.Remove(listener)));
    }

    /// <summary>The number of open subscriptions.</summary>
    public int Count => _listeners.Length;

    internal void Emit(string tenant, JsonObject message, JsonObject? initialWrite, JsonObject indexes)
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
