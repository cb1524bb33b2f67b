using System.Diagnostics;
using System.Text.Json.Nodes;
using OPSource.TestSupport;

namespace OPSource.Layers.Tests.Stacks;

/// <summary>
/// Runs tests/peers/stacks/*.mjs (@stacks/transactions 7.6.0, @stacks/clarinet-sdk 3.21.0, installed by
/// scripts/setup.d/40-stacks.sh); skips locally and fails under CI=true when they are absent.
/// </summary>
internal static class StacksPeer
{
    public static string Folder => Path.Combine(Vectors.RepoRoot, "tests", "peers", "stacks");

    public static void Require(string package = "transactions")
    {
        bool ok = File.Exists(Path.Combine(Folder, "node_modules", "@stacks", package, "package.json")) && Which("node") is not null;
        if (!ok)
        {
            string message = $"Stacks npm peer @stacks/{package} not installed (scripts/setup.d/40-stacks.sh)";
            if (Vectors.IsCi)
            {
                throw new InvalidOperationException(message + " (CI=true: peers are mandatory)");
            }

            Assert.Skip(message);
        }
    }

    private static string? Which(string name) => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
        .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>Runs <paramref name="script"/> with a command and a JSON input file; returns its JSON output.</summary>
    public static async Task<JsonNode> RunAsync(string script, string command, JsonNode input, CancellationToken ct, int timeoutSeconds = 120)
    {
        string file = Path.Combine(Path.GetTempPath(), $"opsource-stacks-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, input.ToJsonString(), ct);
        try
        {
            var psi = new ProcessStartInfo("node") { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(script);
            psi.ArgumentList.Add(command);
            psi.ArgumentList.Add(file);
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            string output = await stdout;
            Assert.True(process.ExitCode == 0, $"node {script} {command} failed: {await stderr}");
            return JsonNode.Parse(output)!;
        }
        finally
        {
            File.Delete(file);
        }
    }
}
