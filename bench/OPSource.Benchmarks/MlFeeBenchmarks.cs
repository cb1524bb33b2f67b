using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using OPSource.ML.Fees;
using OPSource.ML.Training;
using OPSource.TestSupport;

namespace OPSource.Benchmarks;

/// <summary>In-process job (the ML native libraries load once; an out-of-process build takes minutes on the shared machine).</summary>
public sealed class MlBenchmarkConfig : ManualConfig
{
    public MlBenchmarkConfig() => AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance));
}

/// <summary>
/// Prediction latency of the fee model per request (one snapshot, one target) from the same trained model: the
/// exported tree file as the hosts serve it (<see cref="FeeModel"/>, also under Native AOT), ML.NET's prediction
/// engine and ONNX Runtime, side by side; and the feature builder for one snapshot.
/// The model is trained in setup on the shipped mainnet data (100 trees per target, as <c>opsource ml train fee</c>).
/// </summary>
[Config(typeof(MlBenchmarkConfig))]
[MemoryDiagnoser]
public class MlFeeBenchmarks
{
    private TrainedFeeModel _trained = null!;
    private FeeModel _model = null!;
    private OnnxFeeModel _onnx = null!;
    private float[] _features = [];
    private SnapshotRow _snapshot = null!;
    private BlockHistory _history = null!;
    private string _dir = "";

    [GlobalSetup]
    public void Setup()
    {
        var data = Path.GetFullPath(Path.Combine(Vectors.Path(), "..", "data", "fees"));
        _history = new BlockHistory(FeeCsv.ReadBlocks(Path.Combine(data, "blockstats.csv.gz")));
        var snapshots = FeeCsv.ReadSnapshots(Path.Combine(data, "mempool-snapshots.csv.gz"));
        var examples = FeeExample.Join(snapshots, _history);
        _trained = FeeModelTrainer.Train(examples, new FeeTrainOptions(Threads: 2), CancellationToken.None);
        _dir = Path.Combine(Path.GetTempPath(), $"opsource-ml-bench-{Guid.NewGuid():n}");
        _trained.Model.Save(_dir);
        _trained.ExportOnnx(_dir);
        _model = FeeModel.Load(_dir);
        _onnx = OnnxFeeModel.Load(_dir, null);
        _snapshot = snapshots[^1];
        _features = FeeFeatures.Build(_snapshot, _history)!;
        _ = _model.Predict(_features, 6);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _onnx.Dispose();
        Directory.Delete(_dir, true);
    }

    [Benchmark(Baseline = true, Description = "ML.NET PredictionEngine, target 6")]
    public double MlNet() => _trained.MlNetScore(_features, 6);

    [Benchmark(Description = "tree file (served, AOT), target 6")]
    public double Trees() => _model.Predict(_features, 6);

    [Benchmark(Description = "ONNX Runtime session, target 6")]
    public double OnnxRuntime() => _onnx.Predict(_features, 6);

    [Benchmark(Description = "features of one snapshot")]
    public float[]? Features() => FeeFeatures.Build(_snapshot, _history);
}
