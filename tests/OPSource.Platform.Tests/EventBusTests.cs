using System.Text.Json.Nodes;
using OPSource.Platform.Events;

namespace OPSource.Platform.Tests;

public sealed class EventBusTests
{
    private static InProcessEventBus NewBus(int replay = 8, int queue = 4) =>
        new([new EventTopicFamily("wallet", "wallet", "wallet events"), new EventTopicFamily("blocks", "chain", "new blocks")], TimeProvider.System, replay, queue);

    [Fact]
    public async Task Sequences_are_per_topic_and_gapless()
    {
        var bus = NewBus();
        var a1 = await bus.PublishAsync("wallet:a", "tx", [], CancellationToken.None);
        var b1 = await bus.PublishAsync("wallet:b", "tx", [], CancellationToken.None);
        var a2 = await bus.PublishAsync("wallet:a", "tx", [], CancellationToken.None);
        Assert.Equal((1, 1, 2), (a1.Sequence, b1.Sequence, a2.Sequence));
    }

    [Fact]
    public async Task Undeclared_family_is_refused()
    {
        var bus = NewBus();
        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await bus.PublishAsync("dao:x", "vote", [], CancellationToken.None));
        Assert.Contains("dao:x", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => bus.Subscribe("nope", 0));
    }

    [Fact]
    public async Task Subscriber_resumes_after_its_last_sequence()
    {
        var bus = NewBus();
        for (var i = 0; i < 5; i++)
        {
            await bus.PublishAsync("blocks", "block", new JsonObject { ["height"] = i }, CancellationToken.None);
        }

        using var sub = bus.Subscribe("blocks", afterSequence: 3);
        Assert.False(sub.Gap);
        await bus.PublishAsync("blocks", "block", new JsonObject { ["height"] = 5 }, CancellationToken.None);
        var seen = new List<long>();
        while (seen.Count < 3)
        {
            seen.Add((await sub.Reader.ReadAsync(TestContext.Current.CancellationToken)).Sequence);
        }

        Assert.Equal([4L, 5L, 6L], seen);
    }

    [Fact]
    public async Task Resuming_from_an_evicted_sequence_reports_a_gap()
    {
        var bus = NewBus(replay: 2);
        for (var i = 0; i < 5; i++)
        {
            await bus.PublishAsync("blocks", "block", [], CancellationToken.None);
        }

        using var sub = bus.Subscribe("blocks", afterSequence: 1);
        Assert.True(sub.Gap);
        Assert.Equal(4, (await sub.Reader.ReadAsync(TestContext.Current.CancellationToken)).Sequence);
    }

    [Fact]
    public async Task Slow_subscriber_is_dropped_and_memory_stays_bounded()
    {
        var bus = NewBus(replay: 4, queue: 3);
        using var slow = bus.Subscribe("blocks", afterSequence: long.MaxValue);
        using var fast = bus.Subscribe("blocks", afterSequence: long.MaxValue);
        var fastSeen = 0;
        for (var i = 0; i < 10; i++)
        {
            await bus.PublishAsync("blocks", "block", [], CancellationToken.None);
            while (fast.Reader.TryRead(out _))
            {
                fastSeen++;
            }
        }

        Assert.Equal(10, fastSeen);
        Assert.True(slow.Overflowed);
        var drained = 0;
        await Assert.ThrowsAsync<EventSubscriberOverflowException>(async () =>
        {
            await foreach (var _ in slow.Reader.ReadAllAsync(TestContext.Current.CancellationToken))
            {
                drained++;
            }
        });
        Assert.Equal(3, drained);
    }

    [Fact]
    public async Task Remote_events_keep_the_topic_monotonic()
    {
        var bus = NewBus();
        await bus.PublishAsync("blocks", "block", [], CancellationToken.None);
        using var sub = bus.Subscribe("blocks", afterSequence: 1);
        bus.DeliverRemote(new PlatformEvent("blocks", 1, "block", DateTimeOffset.UtcNow, []));
        bus.DeliverRemote(new PlatformEvent("blocks", 7, "block", DateTimeOffset.UtcNow, []));
        var next = await bus.PublishAsync("blocks", "block", [], CancellationToken.None);
        Assert.Equal(8, next.Sequence);
        Assert.Equal(7, (await sub.Reader.ReadAsync(TestContext.Current.CancellationToken)).Sequence);
        Assert.Equal(8, (await sub.Reader.ReadAsync(TestContext.Current.CancellationToken)).Sequence);
    }
}
