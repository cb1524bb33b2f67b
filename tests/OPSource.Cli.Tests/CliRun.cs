using System.Diagnostics;

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

    /// <summary>
    /// Runs the built CLI (<c>dotnet opsource.dll</c>) as a separate process to the end: exit code, stdout, stderr.
    /// <paramref name="environment"/> values of null remove a variable; the process gets two minutes.
    /// </summary>
    public static Task<(int Code, string Out, string Err)> RunProcess(
        IEnumerable<string> args, string stdin = "", string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null) =>
        RunFile("dotnet", [Path.Combine(AppContext.BaseDirectory, "opsource.dll"), .. args], stdin, workingDirectory, environment);

    /// <summary>
    /// Runs <paramref name="file"/> (e.g. <c>bash</c> for a documented example) as a separate process to the end: exit
    /// code, stdout, stderr. <paramref name="environment"/> values of null remove a variable; the process gets two minutes.
    /// </summary>
    public static async Task<(int Code, string Out, string Err)> RunFile(
        string file, IEnumerable<string> args, string stdin = "", string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        var ct = TestContext.Current.CancellationToken;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.StandardInput.WriteAsync(stdin.AsMemory(), ct);
        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The CLI contract for user errors: exit 1 and exactly one line on stderr.</summary>
    public static void AssertOneLineError((int Code, string Out, string Err) result, string expected)
    {
        Assert.Equal(1, result.Code);
        Assert.Single(result.Err.TrimEnd().Split('\n'));
        Assert.Contains(expected, result.Err, StringComparison.Ordinal);
    }
}
