using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using OPSource.ML.Fees;
using OPSource.ML.Hardware;

namespace OPSource.ML.Training;

/// <summary>
/// The fee model's ONNX export served by ONNX Runtime (threads from the ML settings); gives the same rates as
/// <see cref="FeeModel"/> up to float rounding of the tree sums. Kept for comparison (benchmarks, tests): the hosts
/// serve <see cref="FeeModel"/>'s tree files, which need no native runtime and work under Native AOT.
/// </summary>
public sealed class OnnxFeeModel : IDisposable
{
    private readonly Dictionary<int, (InferenceSession Session, string Input, string Output)> _sessions = [];
    private readonly RunOptions _run = new();

    private OnnxFeeModel(FeeModelReport report) => Report = report;

    /// <summary>The training report (offsets, schema).</summary>
    public FeeModelReport Report { get; }

    /// <summary>Opens the ONNX files of a model directory (written by <see cref="TrainedFeeModel.ExportOnnx"/>).</summary>
    public static OnnxFeeModel Load(string directory, MlSettings? settings)
    {
        var report = FeeModel.ReadReport(directory);
        var model = new OnnxFeeModel(report);
        try
        {
            foreach (var target in FeeLabels.Targets)
            {
                var file = FeeModel.OnnxFile(directory, target);
                if (!File.Exists(file))
                {
                    throw new FeeDataException($"fee model: {file} not found (run: opsource ml train fee --onnx)");
                }

                using var options = new SessionOptions
                {
                    IntraOpNumThreads = settings?.Threads ?? 1,
                    InterOpNumThreads = settings?.InterOpThreads ?? 1,
                    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                };
                var session = new InferenceSession(file, options);
                var input = session.InputMetadata.Keys.FirstOrDefault(k => k.StartsWith(nameof(TreeModelRow.Features), StringComparison.Ordinal))
                    ?? throw new FeeDataException($"fee model: {file} has no Features input");
                var output = session.OutputMetadata.Keys.FirstOrDefault(k => k.StartsWith("Score", StringComparison.Ordinal)) ?? session.OutputMetadata.Keys.Last();
                model._sessions[target] = (session, input, output);
            }
        }
        catch
        {
            model.Dispose();
            throw;
        }

        return model;
    }

    /// <summary>The raw score (ln rate) for a feature vector.</summary>
    public double Score(float[] features, int target)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Length != FeeFeatures.Count)
        {
            throw new FeeDataException($"fee model: {features.Length} features, the schema has {FeeFeatures.Count}");
        }

        var (session, input, output) = _sessions[target];
        using var value = OrtValue.CreateTensorValueFromMemory(features, [1, features.Length]);
        using var results = session.Run(_run, [input], [value], [output]);
        return results[0].GetTensorDataAsSpan<float>()[0];
    }

    /// <summary>The predicted fee rate (sat/vB) for a target.</summary>
    public double Predict(float[] features, int target)
    {
        var score = Score(features, target);
        return FeeModel.ToRate(score + Report.CalibrationFor(target).OffsetFor(score));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (session, _, _) in _sessions.Values)
        {
            session.Dispose();
        }

        _sessions.Clear();
        _run.Dispose();
    }
}
