namespace OPSource.Platform.Telemetry;

/// <summary>
/// A module's measurements that come from storage or another service (wallet balances, contract counts). An
/// observable instrument's callback is synchronous and runs on the scrape, so it must not wait on a database: the
/// server calls <see cref="RefreshAsync"/> in the background (once at start, then every
/// <c>Telemetry:MetricsRefreshSeconds</c>) and the module's observable gauges report the last values. Registered
/// with <see cref="Modules.ModuleRegistration.AddMeter{TRefresher}(string)"/>.
/// </summary>
public interface IMetricsRefresher
{
    /// <summary>Reads the current values; an exception leaves the previous values in place (the host logs it).</summary>
    Task RefreshAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The last values of a family of gauges keyed by their tags, replaced whole on each refresh, so a scrape never
/// sees a half-updated set and a key that disappeared (a deleted wallet) stops being reported.
/// </summary>
/// <typeparam name="TKey">What identifies one measurement (for example the wallet name and the balance kind).</typeparam>
public sealed class GaugeSnapshot<TKey>
    where TKey : notnull
{
    private IReadOnlyList<(TKey Key, long Value)> _values = [];

    /// <summary>True once a refresh succeeded (before that the gauges report nothing rather than zeros).</summary>
    public bool HasValues { get; private set; }

    /// <summary>Replaces every value.</summary>
    public void Set(IEnumerable<(TKey Key, long Value)> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var list = values.ToArray();
        Volatile.Write(ref _values, list);
        HasValues = true;
    }

    /// <summary>The last values, for an observable instrument's callback.</summary>
    public IReadOnlyList<(TKey Key, long Value)> Read() => Volatile.Read(ref _values);
}
