using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OPSource.Bitcoin;
using OPSource.Chain;
using OPSource.Chain.Rpc;
using OPSource.Platform.Fees;
using OPSource.Platform.Modules;
using OPSource.Platform.SelfTest;
using OPSource.Platform.Telemetry;

namespace OPSource.ML.Fees;

/// <summary>
/// The fee model's settings (section <c>Ml</c>): <c>FeeModel:Path</c> (default <c>{data dir}/ml/fee</c>),
/// <c>FeeModel:Enabled</c> (the wallet's fee choice may use it) and <c>FeeModel:CeilingSatVb</c> (never more).
/// </summary>
/// <param name="ModelDirectory">Directory of the trained model.</param>
/// <param name="Enabled">Whether the wallet may use the model.</param>
/// <param name="CeilingSatVb">Upper bound of any rate the model proposes.</param>
public sealed record MlFeeOptions(string ModelDirectory, bool Enabled, decimal CeilingSatVb)
{
    /// <summary>Reads the settings; invalid values are named.</summary>
    public static MlFeeOptions FromConfiguration(IConfiguration section, string dataDir)
    {
        ArgumentNullException.ThrowIfNull(section);
        var problems = new List<string>();
        var enabled = false;
        if (section["FeeModel:Enabled"] is { } e && !bool.TryParse(e, out enabled))
        {
            problems.Add($"Ml:FeeModel:Enabled '{e}' must be true or false");
        }

        var ceiling = 500m;
        if (section["FeeModel:CeilingSatVb"] is { } c && (!decimal.TryParse(c, NumberStyles.Number, CultureInfo.InvariantCulture, out ceiling) || ceiling < 1 || ceiling > 100_000))
        {
            problems.Add($"Ml:FeeModel:CeilingSatVb '{c}' must be a number of sat/vB between 1 and 100000");
        }

        return problems.Count > 0
            ? throw new ModuleConfigurationException(problems)
            : new MlFeeOptions(section["FeeModel:Path"] ?? Path.Combine(dataDir, "ml", "fee"), enabled, ceiling);
    }
}

/// <summary>One target's prediction next to the node's estimate and the bounds applied.</summary>
/// <param name="Target">Confirmation target, blocks.</param>
/// <param name="ModelSatVb">The model's rate.</param>
/// <param name="NodeEstimateSatVb">The node's <c>estimatesmartfee</c> (economical) for the target, null when it has none.</param>
/// <param name="MempoolMinSatVb">The node's mempool minimum fee rate.</param>
/// <param name="BoundedSatVb">The rate to use: the model's within [mempool minimum, min(node estimate, ceiling)].</param>
public sealed record FeePrediction(int Target, double ModelSatVb, decimal? NodeEstimateSatVb, decimal MempoolMinSatVb, decimal BoundedSatVb);

/// <summary>Predictions for every target at one moment.</summary>
/// <param name="Time">When the snapshot was taken.</param>
/// <param name="Height">The node's tip height.</param>
/// <param name="SchemaId">The model's feature schema.</param>
/// <param name="Predictions">Per target.</param>
public sealed record FeePredictionSet(DateTimeOffset Time, int Height, string SchemaId, IReadOnlyList<FeePrediction> Predictions);

/// <summary>The bounds every model rate passes before it is used.</summary>
public static class FeeBounds
{
    /// <summary>
    /// The model's rate, never below the mempool minimum (a lower rate is not even accepted), never above the node's
    /// estimate for the same target (the model may only save, not overpay, against the node) nor the ceiling;
    /// rounded up to 0.001 sat/vB (the <see cref="FeeRate"/> resolution). When the bounds cross, the mempool minimum wins.
    /// </summary>
    public static decimal Bound(double modelSatVb, decimal? nodeEstimateSatVb, decimal mempoolMinSatVb, decimal ceilingSatVb)
    {
        var model = double.IsFinite(modelSatVb) && modelSatVb > 0 ? (decimal)modelSatVb : mempoolMinSatVb;
        var upper = Math.Min(ceilingSatVb, nodeEstimateSatVb ?? ceilingSatVb);
        var value = Math.Max(mempoolMinSatVb, Math.Min(model, upper));
        return Math.Ceiling(value * 1000) / 1000;
    }
}

/// <summary>
/// Serves the fee model in-process: loads it once, and predicts from the node's current mempool and its recent blocks
/// (fetched with <c>getblockstats</c> into the feature store as they come), next to <c>estimatesmartfee</c>.
/// </summary>
/// <remarks>The node is resolved on first prediction, so a host without a configured node still starts.</remarks>
public sealed class FeeService(Func<IBitcoinNode> nodeSource, FeeStore store, MlFeeOptions options)
{
    private readonly Lock _lock = new();
    private FeeModel? _model;
    private DateTime _loadedStamp;

    /// <summary>The settings.</summary>
    public MlFeeOptions Options => options;

    /// <summary>
    /// The model (loaded on first use, and again when its training report changes, so a model trained while the
    /// server runs is served without a restart; a removed model is no longer served).
    /// </summary>
    /// <exception cref="FeeDataException">No model, or one for another feature schema.</exception>
    public FeeModel Model
    {
        get
        {
            var report = Path.Combine(options.ModelDirectory, FeeModel.ReportFile);
            lock (_lock)
            {
                var stamp = File.Exists(report) ? File.GetLastWriteTimeUtc(report) : default;
                if (_model is null || stamp != _loadedStamp)
                {
                    _model = null;
                    _model = FeeModel.Load(options.ModelDirectory);
                    _loadedStamp = stamp;
                }

                return _model;
            }
        }
    }

    /// <summary>Ingests the latest blocks and a snapshot, then predicts every target.</summary>
    public async Task<FeePredictionSet> PredictLiveAsync(CancellationToken cancellationToken)
    {
        var model = Model;
        var live = await LiveAsync(cancellationToken).ConfigureAwait(false);
        var predictions = new List<FeePrediction>();
        foreach (var target in FeeLabels.Targets)
        {
            predictions.Add(await PredictAsync(model, live, target, target, cancellationToken).ConfigureAwait(false));
        }

        return new FeePredictionSet(DateTimeOffset.FromUnixTimeSeconds(live.Time), live.Height, model.Report.SchemaId, predictions);
    }

    /// <summary>
    /// The bounded rate to confirm within <paramref name="confirmationTarget"/> blocks (any target from 1): the model's
    /// rate for the largest modelled target not above it (a rate that confirms within fewer blocks also confirms
    /// within more), bounded by the node's estimate for <paramref name="confirmationTarget"/> itself.
    /// </summary>
    /// <exception cref="FeeDataException">No model, one for another schema, or too few blocks known.</exception>
    /// <exception cref="BitcoinRpcException">The node failed.</exception>
    public async Task<FeePrediction> PredictForTargetAsync(int confirmationTarget, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(confirmationTarget, 1);
        var model = Model;
        var modelTarget = ModelTargetFor(confirmationTarget);
        var live = await LiveAsync(cancellationToken).ConfigureAwait(false);
        return await PredictAsync(model, live, modelTarget, confirmationTarget, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The largest modelled target (1, 3, 6, 144) not above a confirmation target of at least 1.</summary>
    public static int ModelTargetFor(int confirmationTarget) => FeeLabels.Targets.Where(t => t <= confirmationTarget).DefaultIfEmpty(FeeLabels.Targets[0]).Max();

    private async Task<FeePrediction> PredictAsync(FeeModel model, LiveFeatures live, int modelTarget, int nodeTarget, CancellationToken cancellationToken)
    {
        var rate = model.Predict(live.Features, modelTarget);
        // estimatesmartfee answers for 2 blocks at the least (Core: a target of 1 is treated as 2).
        var estimate = await live.Node.EstimateSmartFeeAsync(Math.Max(2, nodeTarget), FeeEstimateMode.Economical, cancellationToken).ConfigureAwait(false);
        var nodeRate = estimate.FeeRate?.SatoshisPerVByte;
        return new FeePrediction(nodeTarget, rate, nodeRate, live.MempoolMin, FeeBounds.Bound(rate, nodeRate, live.MempoolMin, options.CeilingSatVb));
    }

    private sealed record LiveFeatures(IBitcoinNode Node, float[] Features, long Time, int Height, decimal MempoolMin);

    private async Task<LiveFeatures> LiveAsync(CancellationToken cancellationToken)
    {
        var node = nodeSource();
        var ingestor = new FeeIngestor(node, store);
        await ingestor.CatchUpAsync(150, cancellationToken).ConfigureAwait(false);
        var snapshot = await ingestor.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        var tip = await node.GetBlockCountAsync(cancellationToken).ConfigureAwait(false);
        var blocks = await store.GetBlocksAsync(cancellationToken, Math.Max(0, tip - 200), tip).ConfigureAwait(false);
        var history = new BlockHistory(blocks);
        // Live, every block up to the tip is known, even one whose header time is ahead of this clock (consensus
        // allows up to 2 hours ahead: Core's MAX_FUTURE_BLOCK_TIME); training's "known before the snapshot" rule would
        // otherwise drop it, so the live snapshot is placed no earlier than the newest block's time.
        var newest = blocks.Count > 0 ? blocks.Max(b => b.Time) : snapshot.Time;
        var features = FeeFeatures.Build(newest > snapshot.Time ? snapshot with { Time = newest } : snapshot, history)
            ?? throw new FeeDataException($"fee model: fewer than 6 blocks known before {FeeModel.Rfc3339(snapshot.Time)}");
        var info = await node.GetMempoolInfoAsync(cancellationToken).ConfigureAwait(false);
        var min = Math.Max(info.MempoolMinFee.SatoshisPerVByte, info.MinRelayTxFee.SatoshisPerVByte);
        return new LiveFeatures(node, features, snapshot.Time, tip, min);
    }
}

/// <summary>
/// The wallet's fee advisor backed by the fee model: only when <c>Ml:FeeModel:Enabled</c> and a model is trained;
/// otherwise (or when the model or the node fails) it has no advice and the wallet uses the node's
/// <c>estimatesmartfee</c>. The rate is the model's bounded by the node's estimate for the target, the mempool minimum
/// and <c>Ml:FeeModel:CeilingSatVb</c> (<see cref="FeeBounds"/>).
/// </summary>
public sealed partial class MlFeeRateAdvisor(FeeService service, ILogger<MlFeeRateAdvisor>? logger = null) : IFeeRateAdvisor
{
    /// <inheritdoc />
    public async Task<FeeAdvice?> AdviseAsync(int confirmationTarget, CancellationToken cancellationToken)
    {
        if (!service.Options.Enabled || confirmationTarget < 1)
        {
            return null;
        }

        try
        {
            var p = await service.PredictForTargetAsync(confirmationTarget, cancellationToken).ConfigureAwait(false);
            var modelTarget = FeeService.ModelTargetFor(confirmationTarget);
            var detail = string.Create(CultureInfo.InvariantCulture, $"fee model (target {modelTarget}) {p.ModelSatVb:0.###} sat/vB, bounded by estimatesmartfee {confirmationTarget} ({(p.NodeEstimateSatVb is { } n ? n.ToString("0.###", CultureInfo.InvariantCulture) + " sat/vB" : "none")}), mempool minimum {p.MempoolMinSatVb:0.###} and ceiling {service.Options.CeilingSatVb:0.###}");
            return new FeeAdvice(FeeRate.FromSatoshisPerVByte(p.BoundedSatVb), FeeRateSource.Model, detail);
        }
        catch (FeeDataException ex)
        {
            LogNoAdvice(logger ?? (ILogger)NullLogger.Instance, ex.Message);
            return null;
        }
        catch (BitcoinRpcException ex)
        {
            LogNoAdvice(logger ?? (ILogger)NullLogger.Instance, ex.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "fee model not used, falling back to the node's estimate: {Reason}")]
    private static partial void LogNoAdvice(ILogger logger, string reason);
}

/// <summary>Self-test: the fee model file loads, matches this build's feature schema and predicts finite rates.</summary>
public sealed class FeeModelCheck(MlFeeOptions options) : ISelfTestCheck
{
    /// <inheritdoc />
    public string Component => "ml";

    /// <inheritdoc />
    public string Name => "fee_model_loads";

    /// <inheritdoc />
    public Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(options.ModelDirectory, FeeModel.ReportFile)))
        {
            return Task.FromResult(options.Enabled
                ? SelfTestResult.Fail($"Ml:FeeModel:Enabled is true but no model in {options.ModelDirectory} (run: opsource ml train fee)")
                : SelfTestResult.Skip($"fee model not enabled and none trained in {options.ModelDirectory} (train one with: opsource ml train fee)"));
        }

        try
        {
            var model = FeeModel.Load(options.ModelDirectory);
            var probe = new float[FeeFeatures.Count];
            var rates = FeeLabels.Targets.Select(t => model.Predict(probe, t)).ToList();
            return Task.FromResult(rates.All(r => double.IsFinite(r) && r >= FeeLabels.MinRelaySatVb)
                ? SelfTestResult.Pass($"{model.Report.SchemaId}, {FeeFeatures.Count} features, targets {string.Join("/", FeeLabels.Targets)}")
                : SelfTestResult.Fail("the fee model predicts a non-finite rate"));
        }
        catch (FeeDataException ex)
        {
            return Task.FromResult(SelfTestResult.Fail(ex.Message));
        }
    }
}

/// <summary>Gauges of the fee model's predictions next to the node's estimates (sat/kvB), refreshed by the host.</summary>
public sealed class FeeMetricsRefresher : IMetricsRefresher, IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "OPSource.ML";

    private readonly FeeService _service;
    private readonly Meter _meter;
    private readonly GaugeSnapshot<(int Target, string Source)> _rates = new();

    /// <summary>Creates the gauges.</summary>
    public FeeMetricsRefresher(FeeService service)
    {
        _service = service;
        _meter = new Meter(MeterName);
        _meter.CreateObservableGauge("opsource.ml.fee_rate", Read, "sat/kvB", "Fee rate per confirmation target: the model's, the bounded one and the node's estimatesmartfee");
    }

    /// <inheritdoc />
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(_service.Options.ModelDirectory, FeeModel.ReportFile)))
        {
            return;
        }

        var set = await _service.PredictLiveAsync(cancellationToken).ConfigureAwait(false);
        var values = new List<((int, string), long)>();
        foreach (var p in set.Predictions)
        {
            values.Add(((p.Target, "model"), (long)Math.Round(p.ModelSatVb * 1000)));
            values.Add(((p.Target, "bounded"), (long)(p.BoundedSatVb * 1000)));
            if (p.NodeEstimateSatVb is { } n)
            {
                values.Add(((p.Target, "node"), (long)(n * 1000)));
            }
        }

        _rates.Set(values);
    }

    private IEnumerable<Measurement<long>> Read() =>
        _rates.Read().Select(v => new Measurement<long>(v.Value, new KeyValuePair<string, object?>("target", v.Key.Target), new KeyValuePair<string, object?>("source", v.Key.Source)));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
