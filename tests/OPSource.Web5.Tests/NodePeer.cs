using System.Diagnostics;
using System.Text.Json.Nodes;
using OPSource.TestSupport;

namespace OPSource.Web5.Tests;

/// <summary>Runs tests/peers/web5/interop.mjs (the npm reference libraries); skips locally, fails under CI when absent.</summary>
internal static class NodePeer
{
    public static string Folder => Path.Combine(Vectors.RepoRoot, "tests", "peers", "web5");

    public static void Require()
    {
        var ok = File.Exists(Path.Combine(Folder, "node_modules", "@web5", "dids", "package.json")) && Which("node") is not null;
        if (!ok)
        {
            const string message = "Web5 npm peers not installed (scripts/setup.d/20-web5.sh)";
            if (Vectors.IsCi)
            {
                throw new InvalidOperationException(message + " (CI=true: peers are mandatory)");
            }

            Assert.Skip(message);
        }
    }

    private static string? Which(string name) => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
        .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    public static Task<(int Code, string Stdout, string Stderr)> RunAsync(IReadOnlyList<string> args, string? gateway, CancellationToken ct) =>
        RunScriptAsync("interop.mjs", args, gateway, ct);

    /// <summary>Runs tests/peers/web5/dwn.mjs (@tbd54566975/dwn-sdk-js) and parses its JSON output.</summary>
    public static async Task<JsonObject> RunDwnJsonAsync(CancellationToken ct, params string[] args)
    {
        var (code, stdout, stderr) = await RunScriptAsync("dwn.mjs", args, null, ct);
        Assert.True(code == 0, $"node dwn.mjs {string.Join(' ', args.Select(a => a.Length > 40 ? a[..40] + "..." : a))} failed: {stderr}");
        return JsonNode.Parse(stdout)!.AsObject();
    }

    public static async Task<(int Code, string Stdout, string Stderr)> RunScriptAsync(string script, IReadOnlyList<string> args, string? gateway, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("node") { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (gateway is not null)
        {
            psi.Environment["DHT_GATEWAY"] = gateway;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(180)); // a loaded machine: dwn-server round trips take seconds
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    public static async Task<JsonObject> RunJsonAsync(CancellationToken ct, string? gateway, params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(args, gateway, ct);
        Assert.True(code == 0, $"node interop.mjs {string.Join(' ', args.Select(a => a.Length > 40 ? a[..40] + "..." : a))} failed: {stderr}");
        return JsonNode.Parse(stdout)!.AsObject();
    }
}
