using System.Diagnostics.Metrics;
using OPSource.Dlc.Storage;
using OPSource.Platform.Telemetry;
using OPSource.Storage;

namespace OPSource.Dlc.Lifecycle;

/// <summary>
/// The <c>OPSource.Dlc</c> meter: <c>opsource.dlc.contracts</c> per state (tag <c>state</c>, every
/// <see cref="DlcState"/>, zero included) and <c>opsource.dlc.active</c>, the contracts not yet closed or refunded
/// (offered, accepted, signed, confirmed). Counted by <see cref="RefreshAsync"/>, which the server calls in the
/// background.
/// </summary>
public sealed class DlcMetrics : IMetricsRefresher, IDisposable
{
    /// <summary>The meter name the module declares.</summary>
    public const string MeterName = "OPSource.Dlc";

    private static readonly DlcState[] States = Enum.GetValues<DlcState>();

    private readonly Database _database;
    private readonly Meter _meter;
    private readonly GaugeSnapshot<DlcState> _counts = new();

    /// <summary>Creates the meter and its instruments.</summary>
    public DlcMetrics(Database database)
    {
        _database = database;
        _meter = new Meter(MeterName);
        _meter.CreateObservableGauge("opsource.dlc.contracts", ReadStates, "{contract}", "DLCs by state");
        _meter.CreateObservableGauge("opsource.dlc.active", ReadActive, "{contract}", "DLCs not yet closed or refunded");
    }

    /// <summary>True for the states of a contract that is still open.</summary>
    public static bool IsActive(DlcState state) => state is not (DlcState.Closed or DlcState.Refunded);

    /// <inheritdoc />
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var counts = States.ToDictionary(s => s, _ => 0L);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DlcSql.Command(connection, "SELECT state, COUNT(*) FROM dlc_contracts GROUP BY state");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // States are stored lower-case (DlcContractRepository).
            if (Enum.TryParse<DlcState>(reader.GetString(0), ignoreCase: true, out var state))
            {
                counts[state] += reader.GetInt64(1);
            }
        }

        _counts.Set(counts.Select(c => (c.Key, c.Value)));
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<long>> ReadStates() =>
        _counts.Read().Select(c => new Measurement<long>(c.Value, new KeyValuePair<string, object?>("state", c.Key.ToString().ToLowerInvariant())));

    private IEnumerable<Measurement<long>> ReadActive() =>
        _counts.HasValues ? [new Measurement<long>(_counts.Read().Where(c => IsActive(c.Key)).Sum(c => c.Value))] : [];
}
