using System.Text.Json.Nodes;
using OPSource.TestSupport.Peers;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

/// <summary><c>opsource node info|status</c> against a real regtest node, configured through the data dir's appsettings.json.</summary>
public sealed class NodeCommandTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("opsource-node-cli.").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Unconfigured_and_invalid_node_settings_are_one_line_user_errors()
    {
        AssertOneLineError(await Run("node", "status", "--data-dir", _dataDir, "--network", "regtest"), "Node:RpcUrl is not set");

        await File.WriteAllTextAsync(Path.Combine(_dataDir, "appsettings.json"), """{ "Node": { "RpcUrl": "ftp://nowhere", "RpcUser": "u", "RpcPassword": "hunter2" } }""", TestContext.Current.CancellationToken);
        var result = await Run("node", "info", "--data-dir", _dataDir);
        AssertOneLineError(result, "Node:RpcUrl 'ftp://nowhere' is not an http");
        Assert.DoesNotContain("hunter2", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_and_status_describe_the_node()
    {
        BitcoinCoreNode.RequireBitcoind();
        await using var node = new BitcoinCoreNode();
        await node.StartAsync(TestContext.Current.CancellationToken);
        await node.CreateWalletAsync("w");
        await node.MineAsync(3, (string)(await node.WalletRpc("w", "getnewaddress"))!);
        var settings = new JsonObject
        {
            ["Network"] = "regtest",
            ["Node"] = new JsonObject
            {
                ["RpcUrl"] = node.RpcUrl.ToString(),
                ["CookieFile"] = node.CookieFile,
                ["ZmqBlock"] = $"tcp://127.0.0.1:{node.ZmqBlockPort}",
            },
        };
        await File.WriteAllTextAsync(Path.Combine(_dataDir, "appsettings.json"), settings.ToJsonString(), TestContext.Current.CancellationToken);

        var (code, output, error) = await Run("node", "status", "--json", "--data-dir", _dataDir);
        Assert.True(code == 0, error);
        var status = JsonNode.Parse(output)!;
        Assert.Equal(3, (int)status["blocks"]!);
        Assert.Equal("regtest", (string)status["chain"]!);
        Assert.True((bool)status["network_matches"]!);
        Assert.Equal(0, (int)status["sync_lag_blocks"]!);
        Assert.Equal($"cookie file {node.CookieFile}", (string)status["auth"]!);
        Assert.Equal(0, (int)status["mempool"]!["size"]!);

        (code, output, error) = await Run("node", "info", "--data-dir", _dataDir);
        Assert.True(code == 0, error);
        Assert.Contains("Bitcoin Core 29.2.0", output, StringComparison.Ordinal);
        Assert.Contains("regtest (matches network regtest)", output, StringComparison.Ordinal);

        // Same node, installation configured for another network: still answers, and says so.
        (code, output, _) = await Run("node", "info", "--json", "--data-dir", _dataDir, "--network", "signet");
        Assert.Equal(0, code);
        Assert.False((bool)JsonNode.Parse(output)!["network_matches"]!);
    }
}
