using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OPSource.Platform.Telemetry;

namespace OPSource.Server.Telemetry;

/// <summary>
/// Refreshes every module's <see cref="IMetricsRefresher"/> once at start and then every
/// <see cref="TelemetryOptions.MetricsRefreshSeconds"/>, so the observable gauges a scrape reads are never older
/// than that. A failing refresher keeps its previous values; each new failure message is logged once.
/// </summary>
internal sealed partial class MetricsRefreshService(IEnumerable<IMetricsRefresher> refreshers, OpsourceOptions options, TimeProvider time, ILogger<MetricsRefreshService> logger) : BackgroundService
{
    private readonly IMetricsRefresher[] _refreshers = [.. refreshers];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var telemetry = options.Telemetry ?? new TelemetryOptions();
        var exported = telemetry.Prometheus || !string.IsNullOrEmpty(telemetry.OtlpEndpoint);
        if (_refreshers.Length == 0 || !exported)
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(telemetry.MetricsRefreshSeconds);
        var lastProblem = new string?[_refreshers.Length];
        while (!stoppingToken.IsCancellationRequested)
        {
            for (var i = 0; i < _refreshers.Length; i++)
            {
                try
                {
                    await _refreshers[i].RefreshAsync(stoppingToken).ConfigureAwait(false);
                    lastProblem[i] = null;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
#pragma warning disable CA1031 // A module's metrics failing (database busy, node down) must not stop the others or the server.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    if (ex.Message != lastProblem[i])
                    {
                        LogRefreshFailed(logger, _refreshers[i].GetType().Name, ex.Message);
                        lastProblem[i] = ex.Message;
                    }
                }
            }

            try
            {
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "metrics of {Refresher} not refreshed: {Problem}")]
    private static partial void LogRefreshFailed(ILogger logger, string refresher, string problem);
}
