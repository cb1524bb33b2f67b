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
    public async Task A_trainer_option_that_does_not_fit_is_refused_before_the_data_is_read(string expected, params string[] args)
    {
        // No --blockstats: reading data would fail on the empty feature store with another message.
        var (code, output, error) = await Run(["ml", "train", .. args, "--model", Path.Combine(_dir, "model"), "--data-dir", _dir]);
        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Equal(expected, error.Trim());
        Assert.False(Directory.Exists(Path.Combine(_dir, "model")));
    }
}
