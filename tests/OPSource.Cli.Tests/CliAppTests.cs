using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

public class CliAppTests
{
    [Fact]
    public async Task Info_as_json_reports_network_and_data_dir()
    {
        var (code, output, _) = await Run("info", "--json", "--network", "regtest", "--data-dir", "/tmp/x");
        Assert.Equal(0, code);
        var json = System.Text.Json.Nodes.JsonNode.Parse(output)!;
        Assert.Equal("regtest", (string?)json["network"]);
        Assert.Equal("/tmp/x", (string?)json["data_dir"]);
    }

    [Fact]
    public async Task Unknown_network_is_a_user_error_with_one_line()
    {
        var (code, _, error) = await Run("info", "--network", "moonnet");
        Assert.Equal(1, code);
        Assert.Contains("moonnet", error);
    }

    [Fact]
    public async Task Version_prints_the_product_version_and_exits_0()
    {
        var (code, output, error) = await Run("--version");
        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.Matches(@"^\d+\.\d+\.\d+", output.Trim());
    }

    [Fact]
    public async Task Help_lists_the_global_options_and_commands()
    {
        var (code, output, _) = await Run("--help");
        Assert.Equal(0, code);
        foreach (var expected in new[] { "--data-dir", "--network", "--json", "--version", "serve", "config", "info" })
        {
            Assert.Contains(expected, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Unknown_command_is_a_user_error_on_stderr_only()
    {
        var (code, output, error) = await Run("frobnicate");
        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
    }

    private static CliContext Context(StringWriter output, StringWriter error) => new("/tmp", "mainnet", false, output, error);

    [Fact]
    public async Task Guard_maps_user_errors_to_1_and_everything_else_to_2_with_one_line()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var ctx = Context(output, error);

        Assert.Equal(1, await CliApp.Guard(ctx, _ => throw new CliUserException("bad\ninput"), CancellationToken.None));
        Assert.Equal(1, await CliApp.Guard(ctx, _ => throw new OPSource.Bitcoin.BitcoinFormatException("hex: odd length"), CancellationToken.None));
        // A plain FormatException is not a typed error: it comes from a bug.
        Assert.Equal(2, await CliApp.Guard(ctx, _ => throw new FormatException("Input string was not in a correct format."), CancellationToken.None));
        Assert.Equal(2, await CliApp.Guard(ctx, _ => throw new InvalidOperationException("boom"), CancellationToken.None));
        Assert.Equal(0, await CliApp.Guard(ctx, _ => CliApp.ExitOk, CancellationToken.None));

        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["error: bad input", "error: hex: odd length", "internal error: FormatException: Input string was not in a correct format.", "internal error: InvalidOperationException: boom"], lines);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task Global_options_typed_by_the_user_become_configuration_overrides()
    {
        var globals = new GlobalOptions();
        var root = CliApp.Build(globals, TextWriter.Null, TextWriter.Null);
        var typed = globals.Overrides(root.Parse(["info", "--network", "signet", "--data-dir", "rel/dir"]));
        Assert.Equal("signet", typed["Network"]);
        Assert.Equal(Path.GetFullPath("rel/dir"), typed["DataDir"]);

        var defaults = globals.Overrides(root.Parse(["info"]));
        Assert.Empty(defaults);
        await Task.CompletedTask;
    }
}
