using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

/// <summary><c>opsource ml train</c>: the trainer options are checked before any data is read, each with one line.</summary>
public sealed class MlTrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("opsource-cli-ml-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("error: ml train: --quantiles needs the fee model and --trainer lightgbm or auto (the quantile objective is LightGBM's)", "fee", "--trainer", "fasttree", "--quantiles", "0.5")]
    [InlineData("error: ml train: --quantiles needs the fee model and --trainer lightgbm or auto (the quantile objective is LightGBM's)", "forecast", "--quantiles", "0.5")]
    [InlineData("error: ml train: --quantiles: '1.5' is not a quantile between 0 and 1 (exclusive)", "fee", "--trainer", "lightgbm", "--quantiles", "0.5,1.5")]
    [InlineData("error: ml train: --quantiles: 'x' is not a quantile between 0 and 1 (exclusive)", "fee", "--quantiles", "x")]
    [InlineData("error: ml train: --onnx needs --trainer fasttree or mlnet-lightgbm (ML.NET models; LightGBM's are served from their tree files)", "fee", "--onnx")]
    [InlineData("error: ml train: --hold-out-regime is for the forecast (the fee model's snapshots cover one regime)", "fee", "--hold-out-regime", "909458")]
    public async Task A_trainer_option_that_does_not_fit_is_refused_before_the_data_is_read(string expected, params string[] args)
    {
        // No --blockstats: reading data would fail on the empty feature store with another message.
        var (code, output, error) = await Run(["ml", "train", .. args, "--model", Path.Combine(_dir, "model"), "--data-dir", _dir]);
        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Equal(expected, error.Trim());
        Assert.False(Directory.Exists(Path.Combine(_dir, "model")));
    }

    [Fact]
    public async Task A_held_out_regime_is_never_trained_on_and_evaluate_scores_all_of_it_on_its_own()
    {
        // Two synthetic regimes of four weeks of 10-minute blocks whose median fee rate follows a daily and weekly cycle.
        var file = Path.Combine(_dir, "blockstats.csv");
        var lines = new List<string> { "height,time,mediantime,txs,total_weight,totalfee,minfeerate,avgfeerate,feerate_p10,feerate_p25,feerate_p50,feerate_p75,feerate_p90" };
        foreach (var (first, start) in new[] { (100_000, 1_600_000_000L), (200_000, 1_700_000_000L) })
        {
            for (var i = 0; i < 4 * 7 * 144; i++)
            {
                var time = start + (i * 600L);
                var p50 = 10 + (int)(4 * Math.Sin(i * 2 * Math.PI / 144)) + (int)(3 * Math.Sin(i * 2 * Math.PI / 1008)) + (first / 100_000);
                lines.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{first + i},{time},{time - 3000},2000,3990000,10000000,1,{p50},{p50 - 1},{p50},{p50},{p50 + 1},{p50 + 2}"));
            }
        }

        await File.WriteAllLinesAsync(file, lines, TestContext.Current.CancellationToken);
        var model = Path.Combine(_dir, "forecast");
        var (code, output, error) = await Run(["ml", "train", "forecast", "--blockstats", file, "--hold-out-regime", "200000", "--iterations", "5", "--model", model, "--data-dir", _dir, "--json"]);
        Assert.True(code == 0, error);
        var report = System.Text.Json.Nodes.JsonNode.Parse(output)!;
        Assert.Equal("200000", (string?)report["held_out_regime"]);
        // Never trained on nor chosen on: no split of the report and no rolling validation window has it.
        Assert.All(report["metrics"]!.AsArray().Concat(report["rolling_validation"]!.AsArray()), m => Assert.NotEqual("200000", (string?)m!["segment"]));

        (code, output, error) = await Run(["ml", "evaluate", "forecast", "--blockstats", file, "--held-out", "--model", model, "--data-dir", _dir, "--json"]);
        Assert.True(code == 0, error);
        var metrics = System.Text.Json.Nodes.JsonNode.Parse(output)!["metrics"]!.AsArray();
        foreach (var h in new[] { 6, 24, 144 })
        {
            var rows = metrics.Where(m => (int)m!["horizon_hours"]! == h).ToDictionary(m => ((string)m!["split"]!, (string)m["segment"]!), m => (int)m!["rows"]!);
            // The held-out regime: every origin (a week after its start to 144 h before its end, hourly) on its own
            // split; "all" sums the other regimes' test rows only.
            // (about 672 h of blocks less a week and 144 h: 360 origins).
            Assert.InRange(rows[("held-out-regime", "200000")], 355, 361);
            // (At 144 h the kept regime's 15 days leave no test origin after the purge: no row rather than a NaN MAE.)
            Assert.Equal(rows.GetValueOrDefault(("test", "100000")), rows.GetValueOrDefault(("test", "all")));
            Assert.False(rows.ContainsKey(("test", "200000")));
        }
    }

    [Fact]
    public async Task A_hold_out_regime_that_is_not_the_first_height_of_one_is_named_with_the_regimes()
    {
        // Two regimes (heights 100.. and 500..) of a few blocks each: the check comes before any training.
        var file = Path.Combine(_dir, "blockstats.csv");
        var lines = new List<string> { "height,time,mediantime,txs,total_weight,totalfee,minfeerate,avgfeerate,feerate_p10,feerate_p25,feerate_p50,feerate_p75,feerate_p90" };
        foreach (var height in Enumerable.Range(100, 5).Concat(Enumerable.Range(500, 5)))
        {
            var time = 1_700_000_000 + (height * 600);
            lines.Add($"{height},{time},{time - 3000},2000,3990000,10000000,1,5,2,3,4,6,9");
        }

        await File.WriteAllLinesAsync(file, lines, TestContext.Current.CancellationToken);
        var (code, output, error) = await Run(["ml", "train", "forecast", "--blockstats", file, "--hold-out-regime", "101", "--model", Path.Combine(_dir, "model"), "--data-dir", _dir]);
        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Equal("error: ml train: --hold-out-regime 101 is not the first height of a regime in the block stats, or the only one (regimes: 100, 500)", error.Trim());
        Assert.False(Directory.Exists(Path.Combine(_dir, "model")));
    }
}
