using System.Diagnostics;
using System.Text.Json.Nodes;
using OPSource.Layers.Stacks.Clarity;

namespace OPSource.Layers.Tests.Stacks;

/// <summary>
/// One Clarity simnet (tests/peers/stacks/simnet.mjs, @stacks/clarinet-sdk 3.21.0) per test class: a
/// line-oriented JSON conversation; arguments and results cross as Clarity wire hex.
/// </summary>
public sealed class SimnetPeer : IAsyncLifetime
{
    private Process? _process;

    public IReadOnlyDictionary<string, string> Accounts { get; private set; } = new Dictionary<string, string>();

    public async ValueTask InitializeAsync()
    {
        StacksPeer.Require("clarinet-sdk");
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = StacksPeer.Folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add("simnet.mjs");
        psi.ArgumentList.Add("serve");
        _process = Process.Start(psi)!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        string? ready = await _process.StandardOutput.ReadLineAsync(timeout.Token);
        if (ready is null || !ready.Contains("ready", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"simnet did not start: {ready}");
        }

        var accounts = await RequestAsync(new JsonObject { ["op"] = "accounts" }, CancellationToken.None);
        Accounts = accounts["accounts"]!.AsObject().ToDictionary(kv => kv.Key, kv => (string)kv.Value!);
    }

    public async Task<JsonObject> RequestAsync(JsonObject request, CancellationToken ct)
    {
        var process = _process ?? throw new InvalidOperationException("simnet not started");
        await process.StandardInput.WriteLineAsync(request.ToJsonString().AsMemory(), ct);
        await process.StandardInput.FlushAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        string line = await process.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("simnet exited");
        var response = JsonNode.Parse(line)!.AsObject();
        Assert.True(response["error"] is null, $"simnet {request["op"]}: {response["error"]}");
        return response;
    }

    public async Task<ClarityValue> CallAsync(string op, string contract, string function, IEnumerable<ClarityValue> args, string sender, CancellationToken ct)
    {
        var response = await RequestAsync(new JsonObject
        {
            ["op"] = op,
            ["contract"] = contract,
            ["fn"] = function,
            ["args"] = new JsonArray([.. args.Select(a => (JsonNode)ClarityCodec.ToHex(a))]),
            ["sender"] = sender,
        }, ct);
        return ClarityCodec.FromHex((string)response["result"]!);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(5000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process?.Dispose();
    }
}
