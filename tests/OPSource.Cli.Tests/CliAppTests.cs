namespace OPSource.Cli.Tests;

public class CliAppTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Info_as_json_reports_network_and_data_dir()
    {
        var (code, output, _) = await Run("info", "--json", "--network", "regtest", "--data-dir", "/tmp/x");
        Assert.Equal(0, code);
        var json = System.Text.Json.Nodes.JsonNode.Parse(output)!;
        Assert.Equal("regtest", (string?)json["network"]);
        Assert.Equal("/tmp/x", (string?)json["dataDir"]);
    }

    [Fact]
    public async Task Unknown_network_is_a_user_error_with_one_line()
    {
        var (code, _, error) = await Run("info", "--network", "moonnet");
        Assert.Equal(1, code);
        Assert.Contains("moonnet", error);
    }
}
