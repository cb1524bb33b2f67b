using System.Globalization;
using OPSource.Bitcoin;
using OPSource.ML.Fees;
using OPSource.ML.Hardware;
using OPSource.Platform.Modules;
using OPSource.Platform.SelfTest;

namespace OPSource.ML.Tests;

/// <summary>The ML module's self-test checks: the fee model loads and fits this build's schema; the ML settings fit the hardware.</summary>
public sealed class MlSelfTestTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A small model written as the hosts read it: one tree per target (x0 &lt;= 0.5 ? ln 3 : ln 9).</summary>
    internal static FeeModel HandMadeModel()
    {
        var trees = FeeLabels.Targets.ToDictionary(t => t, _ => new TreeEnsemble(FeeFeatures.Count, 0, [new RegressionTreeData([0], [0.5f], [~0], [~1], [Math.Log(3), Math.Log(9)])]));
        var offsets = FeeLabels.Targets.ToDictionary(t => t.ToString(CultureInfo.InvariantCulture), _ => 1e-6);
        return new FeeModel(trees, new FeeModelReport("fee", FeeFeatures.SchemaId, FeeFeatures.Names, new FeeTrainOptions(), offsets, [], 0, 0, "hand-made"));
    }

    private static async Task<SelfTestResult> RunAsync(string dir, bool enabled) =>
        await new FeeModelCheck(new MlFeeOptions(dir, enabled, 500)).RunAsync(new SelfTestContext(), Ct);

    [Fact]
    public async Task The_fee_model_check_skips_without_a_model_fails_when_enabled_without_one_and_passes_for_a_sound_one()
    {
        var dir = Directory.CreateTempSubdirectory("opsource-ml-check-").FullName;
        try
        {
            var skipped = await RunAsync(dir, enabled: false);
            Assert.Equal(SelfTestStatus.Skip, skipped.Status);
            Assert.Contains("opsource ml train fee", skipped.Detail, StringComparison.Ordinal);
            var failed = await RunAsync(dir, enabled: true);
            Assert.Equal(SelfTestStatus.Fail, failed.Status);
            Assert.Contains("Ml:FeeModel:Enabled", failed.Detail, StringComparison.Ordinal);

            HandMadeModel().Save(dir);
            var passed = await RunAsync(dir, enabled: true);
            Assert.Equal(SelfTestStatus.Pass, passed.Status);
            Assert.Contains(FeeFeatures.SchemaId, passed.Detail, StringComparison.Ordinal);
            Assert.Equal(3, FeeModel.Load(dir).Predict(new float[FeeFeatures.Count], 6));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task The_fee_model_check_fails_with_one_line_for_another_schema_a_missing_or_a_damaged_tree_file()
    {
        var dir = Directory.CreateTempSubdirectory("opsource-ml-check-").FullName;
        try
        {
            var model = HandMadeModel();
            model.WithReport(model.Report with { SchemaId = "fee-features-v0-000000000000" }).Save(dir);
            var schema = await RunAsync(dir, enabled: false);
            Assert.Equal(SelfTestStatus.Fail, schema.Status);
            Assert.Contains("feature schema", schema.Detail, StringComparison.Ordinal);

            model.Save(dir);
            File.Delete(FeeModel.TreeFile(dir, 144));
            var missing = await RunAsync(dir, enabled: false);
            Assert.Equal(SelfTestStatus.Fail, missing.Status);
            Assert.Contains("fee-t144.trees.json", missing.Detail, StringComparison.Ordinal);

            // A tree whose leaf index is out of range, and a tree for another feature count.
            new TreeEnsemble(FeeFeatures.Count, 0, [new RegressionTreeData([0], [0.5f], [~5], [~1], [1, 2])]).Save(FeeModel.TreeFile(dir, 144));
            var damaged = await RunAsync(dir, enabled: false);
            Assert.Equal(SelfTestStatus.Fail, damaged.Status);
            Assert.Contains("damaged", damaged.Detail, StringComparison.Ordinal);
            new TreeEnsemble(3, 0, [new RegressionTreeData([], [], [], [], [1])]).Save(FeeModel.TreeFile(dir, 144));
            var other = await RunAsync(dir, enabled: false);
            Assert.Equal(SelfTestStatus.Fail, other.Status);
            Assert.Contains("expects 3 features", other.Detail, StringComparison.Ordinal);
            Assert.All(new[] { schema, missing, damaged, other }, r => Assert.DoesNotContain('\n', r.Detail));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task The_config_check_warns_without_settings_passes_for_the_derived_ones_and_fails_for_ones_the_machine_cannot_run()
    {
        var hardware = new RecordedHardware("vm-2core");
        var platform = new PlatformContext(Network.Regtest, "/data");
        var detected = HardwareDetector.Detect(hardware, "/data");
        var derived = MlSettingsRules.Derive(detected).Settings;

        var none = await new MlConfigCheck(new MlConfiguration(null, null), hardware, platform).RunAsync(new SelfTestContext(), Ct);
        Assert.Equal(SelfTestStatus.Warn, none.Status);

        var fits = await new MlConfigCheck(new MlConfiguration(derived, detected.Fingerprint), hardware, platform).RunAsync(new SelfTestContext(), Ct);
        Assert.Equal(SelfTestStatus.Pass, fits.Status);

        var moved = await new MlConfigCheck(new MlConfiguration(derived, "another-machine"), hardware, platform).RunAsync(new SelfTestContext(), Ct);
        Assert.Equal(SelfTestStatus.Warn, moved.Status);
        Assert.Contains("hardware changed", moved.Detail, StringComparison.Ordinal);

        // CUDA on a machine without a GPU, and more threads than it has.
        var cuda = await new MlConfigCheck(new MlConfiguration(derived with { ExecutionProvider = MlExecutionProviders.Cuda }, detected.Fingerprint), hardware, platform).RunAsync(new SelfTestContext(), Ct);
        Assert.Equal(SelfTestStatus.Fail, cuda.Status);
        var threads = await new MlConfigCheck(new MlConfiguration(derived with { Threads = 64 }, detected.Fingerprint), hardware, platform).RunAsync(new SelfTestContext(), Ct);
        Assert.Equal(SelfTestStatus.Fail, threads.Status);
    }
}
