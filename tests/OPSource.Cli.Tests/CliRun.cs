namespace OPSource.Cli.Tests;

/// <summary>Runs the CLI in-process with captured streams; shared by the command test classes.</summary>
internal static class CliRun
{
    /// <summary>Runs <paramref name="args"/> with an empty standard input.</summary>
    public static Task<(int Code, string Out, string Err)> Run(params string[] args) => RunWithInput(string.Empty, args);

    /// <summary>Runs <paramref name="args"/> with <paramref name="stdin"/> as standard input.</summary>
    public static async Task<(int Code, string Out, string Err)> RunWithInput(string stdin, params string[] args)
    {
        using var input = new StringReader(stdin);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, input, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The CLI contract for user errors: exit 1 and exactly one line on stderr.</summary>
    public static void AssertOneLineError((int Code, string Out, string Err) result, string expected)
    {
        Assert.Equal(1, result.Code);
        Assert.Single(result.Err.TrimEnd().Split('\n'));
        Assert.Contains(expected, result.Err, StringComparison.Ordinal);
    }
}
