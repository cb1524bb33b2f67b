using System.Diagnostics;
using System.Text.Json.Nodes;
using OPSource.TestSupport;

namespace OPSource.Layers.Tests.Rsk;

/// <summary>
/// The npm peers under tests/peers/rsk (installed by scripts/setup.d/30-rsk.sh): ethers 6 and @rsksmart/rsk-utils
/// driven through diff.mjs, solc through compile.mjs, and the anvil binary. Skips locally, fails under CI=true when absent.
/// </summary>
internal static class RskPeers
{
    public static string Folder => Path.Combine(Vectors.RepoRoot, "tests", "peers", "rsk");

    public static string AnvilBinary => Path.Combine(Folder, "node_modules", "@foundry-rs", "anvil-linux-amd64", "bin", "anvil");

    public static void Require()
    {
        var ok = File.Exists(Path.Combine(Folder, "node_modules", "ethers", "package.json"))
            && File.Exists(Path.Combine(Folder, "node_modules", "@rsksmart", "rsk-utils", "package.json"))
            && File.Exists(Path.Combine(Folder, "node_modules", "solc", "soljson.js"))
            && File.Exists(AnvilBinary)
            && Which("node") is not null;
        if (!ok)
        {
            const string message = "RSK npm peers not installed (scripts/setup.d/30-rsk.sh)";
            if (Vectors.IsCi)
            {
                throw new InvalidOperationException(message + " (CI=true: peers are mandatory)");
            }

            Assert.Skip(message);
        }
    }

    private static string? Which(string name) => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
        .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>Runs diff.mjs over <paramref name="cases"/>; one result object per case.</summary>
    public static async Task<JsonArray> DiffAsync(JsonArray cases, CancellationToken ct)
    {
        var stdout = await RunNodeAsync(["diff.mjs"], cases.ToJsonString(), ct);
        var results = JsonNode.Parse(stdout)!.AsArray();
        Assert.Equal(cases.Count, results.Count);
        return results;
    }

    /// <summary>Compiles a Solidity file with solc (soljson.js); contract name to (abi, bytecode, deployed).</summary>
    public static async Task<JsonObject> CompileAsync(string solFile, CancellationToken ct) =>
        JsonNode.Parse(await RunNodeAsync(["compile.mjs", solFile], null, ct))!.AsObject();

    private static async Task<string> RunNodeAsync(IReadOnlyList<string> args, string? stdin, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), ct);
        }

        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"node {string.Join(' ', args)} failed: {await stderr}");
        return output;
    }
}
