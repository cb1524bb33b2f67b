using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Layers.Rsk;
using OPSource.Platform.Events;
using OPSource.Platform.SelfTest;

namespace OPSource.Layers.Tests.Rsk;

/// <summary>
/// What the rsk module contributes through the module contract: the <c>rsk/reachable</c> and <c>rsk/chain</c> self-test
/// checks run against anvil (pass, wrong chain id, unreachable node, not configured), the <c>rsk</c> event topic, and
/// the server's watcher service.
/// </summary>
public sealed class RskModuleContractTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    private static async Task<SelfTestComponentReport> SelfTestAsync(RskHost host, CancellationToken ct)
    {
        var report = await SelfTestRunner.RunAsync(host.Services.GetServices<ISelfTestCheck>(), new SelfTestContext(), "test", TimeProvider.System, RskModule.ModuleName, null, TimeSpan.FromSeconds(30), ct);
        return Assert.Single(report.Components);
    }

    [Fact]
    public async Task Self_test_passes_against_a_node_on_the_configured_chain()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await RskHost.StartAsync(anvil, null, ct);
        var rsk = await SelfTestAsync(host, ct);
        Assert.Equal(["reachable", "chain"], rsk.Checks.Select(c => c.Name));
        Assert.Equal(SelfTestStatus.Pass, rsk.Status);
        Assert.Contains(anvil.Url.GetLeftPart(UriPartial.Path), rsk.Checks[0].Detail, StringComparison.Ordinal);
        Assert.Equal("node chain 31 (testnet) is Rsk:ChainId", rsk.Checks[1].Detail);
    }

    [Fact]
    public async Task Self_test_fails_for_another_chain_id_and_for_an_unreachable_node_and_skips_without_a_node()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var mainnet = await RskHost.StartAsync(anvil, null, ct, new Dictionary<string, string?> { ["Rsk:ChainId"] = "30" }))
        {
            var rsk = await SelfTestAsync(mainnet, ct);
            Assert.Equal(SelfTestStatus.Fail, rsk.Status);
            Assert.Equal(SelfTestStatus.Pass, rsk.Checks[0].Status);
            Assert.Equal(SelfTestStatus.Fail, rsk.Checks[1].Status);
            Assert.Equal("node chain 31 (testnet) is not Rsk:ChainId 30 (mainnet)", rsk.Checks[1].Detail);
        }

        var closed = $"http://127.0.0.1:{ClosedPort()}/";
        await using (var down = await RskHost.StartAsync(null, null, ct, new Dictionary<string, string?> { ["Rsk:NodeUrl"] = closed, ["Rsk:MaxRetries"] = "0" }))
        {
            var rsk = await SelfTestAsync(down, ct);
            Assert.All(rsk.Checks, c => Assert.Equal(SelfTestStatus.Fail, c.Status));
            Assert.StartsWith($"node at {closed} (Rsk:NodeUrl): ", rsk.Checks[0].Detail, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', rsk.Checks[0].Detail);
        }

        await using (var unconfigured = await RskHost.StartAsync(null, null, ct))
        {
            var rsk = await SelfTestAsync(unconfigured, ct);
            Assert.Equal(SelfTestStatus.Skip, rsk.Status);
            Assert.All(rsk.Checks, c => Assert.Equal("Rsk:NodeUrl is not set", c.Detail));
        }
    }

    [Fact]
    public async Task The_module_declares_the_rsk_topic_and_its_watcher_publishes_a_broadcast_transactions_receipt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await RskHost.StartAsync(anvil, null, ct);
        var family = Assert.Single(host.Services.GetServices<EventTopicFamily>(), f => f.Family == RskEvents.Topic);
        Assert.Equal(RskModule.ModuleName, family.Module);

        // A transaction the server did not sign (anvil's dev account), followed until its receipt.
        var bus = host.Get<InProcessEventBus>();
        Assert.True(bus.IsKnownTopic(RskEvents.Topic));
        using var events = bus.Subscribe(RskEvents.Topic, 0);
        var watcher = host.Get<RskWatcher>();
        await anvil.Rpc.RawCallAsync("evm_setAutomine", [false], ct);
        string hash;
        try
        {
            hash = (string)(await anvil.Rpc.RawCallAsync("eth_sendTransaction", [new JsonObject { ["from"] = AnvilNode.DevAccount, ["to"] = "0x00000000000000000000000000000000000000aa", ["value"] = "0x1" }], ct))!;
            watcher.WatchTransaction(hash);
            Assert.Equal(1, await watcher.PollAsync(ct)); // pending: nothing yet
            Assert.False(events.Reader.TryRead(out _));
            await anvil.Rpc.RawCallAsync("evm_mine", [], ct);
        }
        finally
        {
            await anvil.Rpc.RawCallAsync("evm_setAutomine", [true], ct);
        }

        Assert.Equal(0, await watcher.PollAsync(ct));
        var confirmed = await PegIntegrationTests.NextAsync(events, RskEvents.TransactionConfirmed, ct);
        Assert.Equal(hash, (string)confirmed.Data["transaction_hash"]!);
        Assert.Equal("success", (string)confirmed.Data["status"]!);
        Assert.Throws<RskException>(() => watcher.WatchTransaction("0x12"));
        Assert.Throws<RskException>(() => watcher.WatchPegin("not a txid"));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
