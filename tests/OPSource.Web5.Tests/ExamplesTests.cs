using System.Diagnostics;
using OPSource.TestSupport;

namespace OPSource.Web5.Tests;

/// <summary>Runs every examples/web5/*.sh against the built CLI so the examples never rot.</summary>
public class ExamplesTests
{
    public static TheoryData<string> Examples() => new(Directory.GetFiles(Path.Combine(Vectors.RepoRoot, "examples", "web5"), "*.sh").Select(Path.GetFileName).OfType<string>());

    /// <summary>The newest built opsource.dll; skips the test locally when there is none, fails under CI=true.</summary>
    internal static string BuiltCli()
    {
        var cli = Directory.GetFiles(Path.Combine(Vectors.RepoRoot, "src", "OPSource.Cli", "bin"), "opsource.dll", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
        if (cli is null)
        {
            if (Vectors.IsCi)
            {
                throw new InvalidOperationException("the CLI is not built (src/OPSource.Cli/bin/**/opsource.dll)");
            }

            Assert.Skip("build src/OPSource.Cli first");
        }

        return cli;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Example_runs(string script)
    {
        var cli = BuiltCli();
        var dataDir = Path.Combine(Path.GetTempPath(), "opsource-example-" + Guid.NewGuid().ToString("N"));
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Vectors.RepoRoot };
        psi.ArgumentList.Add(Path.Combine(Vectors.RepoRoot, "examples", "web5", script));
        psi.Environment["OPSOURCE"] = $"dotnet {cli} --data-dir {dataDir}";
        psi.Environment["OPSOURCE_WEB5_PASSPHRASE"] = "example-passphrase";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        try
        {
            Assert.True(process.ExitCode == 0, $"{script} exited {process.ExitCode}\n{await stdout}\n{await stderr}");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
