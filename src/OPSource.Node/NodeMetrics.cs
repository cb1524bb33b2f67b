using System.Diagnostics.Metrics;

namespace OPSource.Node;

/// <summary>
/// The <c>OPSource.Node</c> meter: chain height, header height, sync lag and tip age of the node, mempool size,
/// and counters of connected and disconnected blocks (the chain follower's view).
/// </summary>
public sealed class NodeMetrics : IDisposable
{
    /// <summary>The meter name the module declares.</summary>
    public const string MeterName = "OPSource.Node";

    private readonly Meter _meter;
    private readonly TimeProvider _time;
    private readonly Counter<long> _connected;
    private readonly Counter<long> _disconnected;
    private readonly Lock _gate = new();
    private int? _height;
    private int? _headers;
    private DateTimeOffset? _tipTime;
    private int? _mempoolSize;

    /// <summary>Creates the meter and its instruments.</summary>
    public NodeMetrics(TimeProvider time)
    {
        _time = time;
        _meter = new Meter(MeterName);
        _meter.CreateObservableGauge("opsource.node.chain.height", () => Read(() => _height), "{block}", "Height of the node's active chain");
        _meter.CreateObservableGauge("opsource.node.headers.height", () => Read(() => _headers), "{block}", "Height of the node's best header chain");
        _meter.CreateObservableGauge("opsource.node.sync.lag", () => Read(() => _height is { } h && _headers is { } hd ? Math.Max(0, hd - h) : null), "{block}", "Headers known but not yet validated");
        _meter.CreateObservableGauge("opsource.node.tip.age", () => ReadAge(), "s", "Seconds since the tip block's header time");
        _meter.CreateObservableGauge("opsource.node.mempool.size", () => Read(() => _mempoolSize), "{transaction}", "Transactions in the node's mempool");
        _connected = _meter.CreateCounter<long>("opsource.node.blocks.connected", "{block}", "Blocks the chain follower connected");
        _disconnected = _meter.CreateCounter<long>("opsource.node.blocks.disconnected", "{block}", "Blocks the chain follower disconnected in reorgs");
    }

    /// <summary>Records the latest observation of the node.</summary>
    public void Observe(int height, int headers, DateTimeOffset tipTime, int? mempoolSize)
    {
        lock (_gate)
        {
            _height = height;
            _headers = Math.Max(headers, height);
            _tipTime = tipTime;
            _mempoolSize = mempoolSize ?? _mempoolSize;
        }
    }

    /// <summary>Counts a connected block.</summary>
    public void BlockConnected() => _connected.Add(1);

    /// <summary>Counts disconnected blocks.</summary>
    public void BlocksDisconnected(int count) => _disconnected.Add(count);

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<int>> Read(Func<int?> value)
    {
        int? v;
        lock (_gate)
        {
            v = value();
        }

        return v is { } x ? [new Measurement<int>(x)] : [];
    }

    private IEnumerable<Measurement<double>> ReadAge()
    {
        DateTimeOffset? tip;
        lock (_gate)
        {
            tip = _tipTime;
        }

        return tip is { } t ? [new Measurement<double>(Math.Max(0, (_time.GetUtcNow() - t).TotalSeconds))] : [];
    }
}
