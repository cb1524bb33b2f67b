using System.Diagnostics.Metrics;
using OPSource.Platform.Telemetry;

namespace OPSource.Dao.Service;

/// <summary>
/// The <c>OPSource.Dao</c> meter: <c>opsource.dao.open_proposals</c> per DAO (tag <c>dao</c>, the DAO id; zero
/// included): proposals neither closed nor canceled. Counted by <see cref="RefreshAsync"/>, which the server calls in
/// the background (<see cref="IMetricsRefresher"/>).
/// </summary>
public sealed class DaoMetrics : IMetricsRefresher, IDisposable
{
    /// <summary>The meter name the module declares.</summary>
    public const string MeterName = "OPSource.Dao";

    private readonly DaoService _service;
    private readonly Meter _meter;
    private readonly GaugeSnapshot<string> _open = new();

    /// <summary>Creates the meter and its gauge.</summary>
    public DaoMetrics(DaoService service)
    {
        _service = service;
        _meter = new Meter(MeterName);
        _meter.CreateObservableGauge("opsource.dao.open_proposals", Read, "{proposal}", "Proposals neither closed nor canceled, per DAO");
    }

    /// <inheritdoc />
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var open = await _service.OpenProposalsAsync(cancellationToken).ConfigureAwait(false);
        _open.Set(open.Select(o => (o.DaoId, o.Open)));
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<long>> Read() =>
        _open.Read().Select(o => new Measurement<long>(o.Value, new KeyValuePair<string, object?>("dao", o.Key)));
}
