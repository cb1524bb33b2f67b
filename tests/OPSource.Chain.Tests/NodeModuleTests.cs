using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Bitcoin;
using OPSource.Chain.Rpc;
using OPSource.Node;
using OPSource.Platform.Events;
using OPSource.Platform.Modules;
using OPSource.Platform.SelfTest;

namespace OPSource.Chain.Tests;

/// <summary>The <c>node</c> module: configuration validation, registrations, self-test checks against a real node.</summary>
public sealed class NodeModuleTests(CoreFixture fixture) : IClassFixture<CoreFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IConfiguration Config(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>("Node:" + v.Key, v.Value))).Build();

    private static IReadOnlyList<string> Problems(params (string Key, string? Value)[] values)
    {
        NodeOptions.Parse(Config(values).GetSection("Node"), "/data", out var problems);
        return problems;
    }

    public static TheoryData<string, string> Invalid => new()
    {
        { "RpcUrl", "ftp://x" },
        { "RpcUrl", "not a url" },
        { "ZmqBlock", "http://127.0.0.1:28332" },
        { "ZmqTx", "tcp://127.0.0.1" },
        { "TimeoutSeconds", "0" },
        { "MaxRetries", "many" },
        { "PollIntervalSeconds", "-1" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Each_invalid_setting_is_named(string key, string value)
    {
        var settings = new Dictionary<string, string?> { ["RpcUrl"] = "http://127.0.0.1:8332/", ["CookieFile"] = "/c", [key] = value };
        var problems = Problems([.. settings.Select(kv => (kv.Key, kv.Value))]);
        var problem = Assert.Single(problems);
        Assert.StartsWith($"Node:{key} '{value}'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Authentication_rules_name_the_settings_and_never_echo_the_password()
    {
        Assert.Empty(Problems());
        Assert.Contains("Node:RpcUrl is required", Problems(("CookieFile", "/c"))[0], StringComparison.Ordinal);
        Assert.Contains("Node:CookieFile or Node:RpcUser", Problems(("RpcUrl", "http://127.0.0.1:8332/"))[0], StringComparison.Ordinal);
        Assert.Contains("Node:RpcPassword is required", Problems(("RpcUrl", "http://h:1/"), ("RpcUser", "u"))[0], StringComparison.Ordinal);
        Assert.Contains("Node:RpcUser is required", Problems(("RpcUrl", "http://h:1/"), ("RpcPassword", "hunter2"))[0], StringComparison.Ordinal);
        Assert.Contains("exclusive", Problems(("RpcUrl", "http://h:1/"), ("RpcUser", "u"), ("RpcPassword", "hunter2"), ("CookieFile", "/c"))[0], StringComparison.Ordinal);
        var withCredentialsInUrl = Problems(("RpcUrl", "http://u:hunter2@h:1/"), ("CookieFile", "/c"));
        Assert.Contains("must not contain credentials", withCredentialsInUrl[0], StringComparison.Ordinal);
        var badUrlWithPassword = Problems(("RpcUrl", "ftp://u:hunter2@h:1/"), ("CookieFile", "/c"));
        Assert.DoesNotContain("hunter2", string.Join(" ", badUrlWithPassword), StringComparison.Ordinal);

        var options = NodeOptions.Parse(Config(("RpcUrl", "http://127.0.0.1:8332"), ("RpcUser", "alice"), ("RpcPassword", "hunter2")).GetSection("Node"), "/data", out var none);
        Assert.Empty(none);
        Assert.True(options.IsConfigured);
        Assert.DoesNotContain("hunter2", string.Join(" ", options.Describe().Select(kv => kv.Value)), StringComparison.Ordinal);
        Assert.Equal("(set)", options.Describe().Single(kv => kv.Key == "Node:RpcPassword").Value);
        Assert.Equal("user alice", options.DescribeAuth());
        Assert.DoesNotContain("hunter2", NodeStatusJson.Settings(options).ToJsonString(), StringComparison.Ordinal);

        var relative = NodeOptions.Parse(Config(("RpcUrl", "http://127.0.0.1:8332"), ("CookieFile", "regtest/.cookie")).GetSection("Node"), "/data", out _);
        Assert.Equal("/data/regtest/.cookie", relative.CookieFile);
    }

    [Fact]
    public void Invalid_section_stops_registration_and_an_unconfigured_node_names_the_setting()
    {
        var services = new ServiceCollection();
        var ex = Assert.Throws<ModuleConfigurationException>(() => services.AddOpsourceModules(
            [new NodeModule()], Config(("RpcUrl", "ftp://x"), ("CookieFile", "/c")), new PlatformContext(Network.Regtest, "/data")));
        Assert.Contains("Node:RpcUrl 'ftp://x'", ex.Message, StringComparison.Ordinal);

        using var provider = Provider(Config(), Network.Regtest);
        var notConfigured = Assert.Throws<NodeNotConfiguredException>(() => provider.GetRequiredService<IBitcoinNode>());
        Assert.Contains("Node:RpcUrl is not set", notConfigured.Message, StringComparison.Ordinal);
        Assert.Contains(provider.GetServices<EventTopicFamily>(), f => f.Family == "blocks" && f.Module == "node");
        Assert.Contains(provider.GetServices<ModuleMeter>(), m => m.Name == NodeMetrics.MeterName);
    }

    [Fact]
    public async Task Self_tests_skip_without_a_node()
    {
        using var provider = Provider(Config(), Network.Regtest);
        foreach (var check in provider.GetServices<ISelfTestCheck>().Where(c => c.Component == "node"))
        {
            Assert.Equal(SelfTestStatus.Skip, (await check.RunAsync(new SelfTestContext(), Ct)).Status);
        }
    }

    [Fact]
    public async Task Self_tests_and_status_against_the_regtest_node()
    {
        using var provider = Provider(NodeConfig(fixture.Node.RpcUrl.ToString()), Network.Regtest);
        var checks = provider.GetServices<ISelfTestCheck>().Where(c => c.Component == "node").ToDictionary(c => c.Name);
        Assert.Equal(["network", "reachable", "synced"], checks.Keys.Order());
        var reachable = await checks["reachable"].RunAsync(new SelfTestContext(), Ct);
        Assert.Equal(SelfTestStatus.Pass, reachable.Status);
        Assert.Contains("Bitcoin Core 29.2.0", reachable.Detail, StringComparison.Ordinal);
        Assert.Equal(SelfTestStatus.Pass, (await checks["network"].RunAsync(new SelfTestContext(), Ct)).Status);
        var synced = await checks["synced"].RunAsync(new SelfTestContext(), Ct);
        Assert.Equal(SelfTestStatus.Pass, synced.Status);

        var status = await provider.GetRequiredService<NodeStatusService>().GetAsync(Ct);
        Assert.Equal(await fixture.Client.GetBlockCountAsync(Ct), status.Blocks);
        Assert.Equal("regtest", status.Chain);
        Assert.True(status.NetworkMatches);
        Assert.Equal(0, status.SyncLag);
        var json = NodeStatusJson.Status(status, provider.GetRequiredService<NodeOptions>());
        Assert.Equal(status.Blocks, (int)json["blocks"]!);
        Assert.Equal("29.2.0", (string)json["version"]!);

        // The same node seen from an installation configured for mainnet.
        using var mainnet = Provider(NodeConfig(fixture.Node.RpcUrl.ToString()), Network.Mainnet);
        var wrong = await mainnet.GetServices<ISelfTestCheck>().Single(c => c.Component == "node" && c.Name == "network").RunAsync(new SelfTestContext(), Ct);
        Assert.Equal(SelfTestStatus.Fail, wrong.Status);
        Assert.Contains("'regtest' is not the configured network mainnet", wrong.Detail, StringComparison.Ordinal);

        // Nothing listening.
        using var down = Provider(NodeConfig($"http://127.0.0.1:{RpcDouble.FreePort()}/", retries: "0"), Network.Regtest);
        var unreachable = await down.GetServices<ISelfTestCheck>().Single(c => c.Component == "node" && c.Name == "reachable").RunAsync(new SelfTestContext(), Ct);
        Assert.Equal(SelfTestStatus.Fail, unreachable.Status);
        Assert.Contains("cannot connect", unreachable.Detail, StringComparison.Ordinal);
    }

    private IConfiguration NodeConfig(string url, string retries = "2") =>
        Config(("RpcUrl", url), ("CookieFile", fixture.Node.CookieFile), ("MaxRetries", retries), ("ZmqBlock", $"tcp://127.0.0.1:{fixture.Node.ZmqBlockPort}"));

    private static ServiceProvider Provider(IConfiguration configuration, Network network)
    {
        var services = new ServiceCollection();
        services.AddOpsourceModules([new NodeModule()], configuration, new PlatformContext(network, "/data"));
        services.AddSingleton(network);
        return services.BuildServiceProvider();
    }
}
