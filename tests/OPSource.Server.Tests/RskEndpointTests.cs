using System.Net;
using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using OPSource.Bitcoin;
using OPSource.Layers.Rsk;
using OPSource.Layers.Rsk.Abi;
using OPSource.Layers.Rsk.Peg;
using OPSource.Layers.Tests.Rsk;
using OPSource.Platform.Events;
using OPSource.Platform.Security;
using OPSource.Server.Modules;

using static OPSource.Server.Tests.HttpAsserts;

namespace OPSource.Server.Tests;

/// <summary>
/// <c>/api/v1/rsk/...</c> on the real host with every module, against anvil (chain id 31) with the Bridge TEST DOUBLE
/// at the precompile address: authentication and roles, status, balances, calls, broadcasting a transaction signed
/// by the client, receipts, the peg endpoints, problem+json for bad input, and the <c>rsk</c> events the server's
/// watcher publishes for what it broadcast or was asked to follow.
/// </summary>
public sealed class RskEndpointTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<TestHost> StartAsync() => TestHost.StartAsync(
        modules: OpsourceModules.All,
        configuration: new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Rsk:NodeUrl"] = anvil.Url.ToString(),
            ["Rsk:ChainId"] = "31",
            ["Rsk:PollIntervalSeconds"] = "0.2",
        }).Build());

    private static string Raw(RskTransaction tx) => "0x" + Convert.ToHexStringLower(tx.Encode());

    private async Task<RskTransaction> SignedAsync(RskAccount from, RskAddress to, BigInteger value, int chainId = 31)
    {
        var nonce = await anvil.Rpc.GetTransactionCountAsync(from.Address, OPSource.Layers.Rsk.Rpc.BlockTag.Pending, Ct);
        var price = await anvil.Rpc.GetGasPriceAsync(Ct);
        return new RskTransaction { Nonce = nonce, GasPrice = price, GasLimit = 100_000, To = to, Value = value, ChainId = chainId }.Sign(from);
    }

    [Fact]
    public async Task Rsk_over_rest_with_roles_problems_and_events()
    {
        await anvil.InstallBridgeTestDoubleAsync("2N5muMepJizJE1gR7FbHJU6CD18V3BpNF9p", Ct);
        await using var host = await StartAsync();
        using var anonymous = host.Client(null);
        using var viewer = host.Client(await host.TokenAsync(ApiRole.Viewer));
        using var operatorClient = host.Client(await host.TokenAsync(ApiRole.Operator));
        using var events = host.Get<InProcessEventBus>().Subscribe(RskEvents.Topic, 0);
        using var alice = RskAccount.FromSecretKey(Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray());
        await anvil.FundAsync(alice.Address, BigInteger.Pow(10, 18), Ct);
        var bob = RskAddress.Parse("0x00000000000000000000000000000000000000b0", 31);

        // Authentication first: no token is 401 on every rsk endpoint; fund-moving ones need an operator.
        foreach (var path in new[] { "/api/v1/rsk/status", "/api/v1/rsk/peg", $"/api/v1/rsk/addresses/{alice.Address}" })
        {
            await AssertProblemAsync(await anonymous.GetAsync(path, Ct), HttpStatusCode.Unauthorized, "unauthenticated", "");
        }

        var transfer = await SignedAsync(alice, bob, 12345);
        await AssertProblemAsync(await anonymous.PostAsync("/api/v1/rsk/transactions", Body(new JsonObject { ["raw"] = Raw(transfer) }), Ct), HttpStatusCode.Unauthorized, "unauthenticated", "");
        await AssertProblemAsync(await viewer.PostAsync("/api/v1/rsk/transactions", Body(new JsonObject { ["raw"] = Raw(transfer) }), Ct), HttpStatusCode.Forbidden, "insufficient_role", "operator");
        await AssertProblemAsync(await viewer.PostAsync("/api/v1/rsk/peg/pegins", Body(new JsonObject { ["btc_txid"] = new string('a', 64) }), Ct), HttpStatusCode.Forbidden, "insufficient_role", "operator");
        Assert.Equal(BigInteger.Zero, await anvil.Rpc.GetBalanceAsync(bob, OPSource.Layers.Rsk.Rpc.BlockTag.Latest, Ct)); // nothing was broadcast

        // Reads as a viewer.
        var status = await ExpectAsync(await viewer.GetAsync("/api/v1/rsk/status?bridge=true", Ct), HttpStatusCode.OK);
        Assert.Equal(31, (int)status["chain_id"]!);
        Assert.Equal("testnet", (string)status["network"]!);
        Assert.Equal("2N5muMepJizJE1gR7FbHJU6CD18V3BpNF9p", (string)status["bridge"]!["federation_address"]!);
        var address = await ExpectAsync(await viewer.GetAsync($"/api/v1/rsk/addresses/{alice.Address.ToString().ToUpperInvariant().Replace("0X", "0x", StringComparison.Ordinal)}", Ct), HttpStatusCode.OK);
        Assert.Equal(alice.Address.ToChecksumString(31), (string)address["address"]!);
        Assert.Equal("1", (string)address["balance_rbtc"]!);
        var peg = await ExpectAsync(await viewer.GetAsync("/api/v1/rsk/peg", Ct), HttpStatusCode.OK);
        Assert.Equal(500_000, (long)peg["minimum_pegin_sat"]!);
        var call = await ExpectAsync(await viewer.PostAsync("/api/v1/rsk/call", Body(new JsonObject { ["to"] = RskAddress.Bridge.ToString(), ["function"] = "getMinimumLockTxValue() returns (int256)" }), Ct), HttpStatusCode.OK);
        Assert.Equal("500000", (string)call["values"]![0]!);

        // Broadcast as an operator: 202, then the watcher publishes the receipt on the rsk topic.
        var sent = await ExpectAsync(await operatorClient.PostAsync("/api/v1/rsk/transactions", Body(new JsonObject { ["raw"] = Raw(transfer) }), Ct), HttpStatusCode.Accepted);
        var hash = (string)sent["hash"]!;
        Assert.Equal("0x" + Convert.ToHexStringLower(transfer.Hash()), hash);
        Assert.Equal(alice.Address.ToChecksumString(31), (string)sent["from"]!);
        var confirmed = await NextAsync(events, RskEvents.TransactionConfirmed);
        Assert.Equal(hash, (string)confirmed.Data["transaction_hash"]!);
        Assert.Equal("success", (string)confirmed.Data["status"]!);
        var receipt = await ExpectAsync(await viewer.GetAsync($"/api/v1/rsk/transactions/{hash}", Ct), HttpStatusCode.OK);
        Assert.Equal("success", (string)receipt["status"]!);
        Assert.Equal("12345", (string)(await ExpectAsync(await viewer.GetAsync($"/api/v1/rsk/addresses/{bob}", Ct), HttpStatusCode.OK))["balance_wei"]!);
        await AssertProblemAsync(await viewer.GetAsync($"/api/v1/rsk/transactions/0x{new string('0', 64)}", Ct), HttpStatusCode.NotFound, "not_found", "no receipt");

        // A peg-out broadcast through the server is followed through the Bridge's events.
        var pegout = await SignedAsync(alice, RskAddress.Bridge, RbtcUnits.ToWei(Amount.FromSatoshis(1_000_000)));
        var pegoutHash = (string)(await ExpectAsync(await operatorClient.PostAsync("/api/v1/rsk/transactions", Body(new JsonObject { ["raw"] = Raw(pegout) }), Ct), HttpStatusCode.Accepted))["hash"]!;
        var received = await NextAsync(events, RskEvents.PegoutStatus);
        Assert.Equal(pegoutHash, (string)received.Data["rsk_tx_hash"]!);
        Assert.Equal("received", (string)received.Data["stage"]!);
        Assert.Equal(1_000_000, (long)received.Data["amount_sat"]!);
        Assert.Equal("received", (string)(await ExpectAsync(await viewer.GetAsync($"/api/v1/rsk/peg/pegouts/{pegoutHash}", Ct), HttpStatusCode.OK))["stage"]!);

        // A peg-in the operator asks the server to follow, registered later by the (test double) federation.
        var btcTxId = Convert.ToHexStringLower(Enumerable.Range(0, 32).Select(i => (byte)(0xA0 + i)).ToArray());
        var follow = await ExpectAsync(await operatorClient.PostAsync("/api/v1/rsk/peg/pegins", Body(new JsonObject { ["btc_txid"] = btcTxId }), Ct), HttpStatusCode.Accepted);
        Assert.Equal("not_registered", (string)follow["stage"]!);
        Assert.Equal("not_registered", (string)(await NextAsync(events, RskEvents.PeginStatus)).Data["stage"]!);
        await anvil.BridgeTestDoubleCallAsync(AnvilNode.RegisterPegin.EncodeCall([btcTxId, Convert.FromHexString(btcTxId), alice.Address, new BigInteger(700_000)]), Ct);
        var registered = await NextAsync(events, RskEvents.PeginStatus);
        Assert.Equal("registered", (string)registered.Data["stage"]!);
        Assert.Equal(700_000, (long)registered.Data["amount_sat"]!);
        Assert.Equal(alice.Address.ToChecksumString(31), (string)registered.Data["receiver"]!);

        // Bad input: one problem each, nothing broadcast.
        var mixed = alice.Address.ToChecksumString(31);
        var flipped = mixed[..^1] + (char.IsUpper(mixed[^1]) ? char.ToLowerInvariant(mixed[^1]) : char.IsLower(mixed[^1]) ? char.ToUpperInvariant(mixed[^1]) : mixed[^1]);
        if (flipped == mixed)
        {
            var i = mixed.IndexOfAny("abcdefABCDEF".ToCharArray(), 2);
            flipped = mixed[..i] + (char.IsUpper(mixed[i]) ? char.ToLowerInvariant(mixed[i]) : char.ToUpperInvariant(mixed[i])) + mixed[(i + 1)..];
        }

        await AssertProblemAsync(await viewer.GetAsync($"/api/v1/rsk/addresses/{flipped}", Ct), HttpStatusCode.BadRequest, "bad_checksum", "checksum");
        await AssertProblemAsync(await viewer.GetAsync($"/api/v1/rsk/addresses/{alice.Address.ToChecksumString(30)}", Ct), HttpStatusCode.UnprocessableEntity, "wrong_chain", "chain 30");
        await AssertProblemAsync(await viewer.GetAsync("/api/v1/rsk/addresses/0x1234", Ct), HttpStatusCode.BadRequest, "invalid_address", "40 hex digits");
        var otherChain = await SignedAsync(alice, bob, 1, chainId: 30);
        await AssertProblemAsync(await operatorClient.PostAsync("/api/v1/rsk/transactions", Body(new JsonObject { ["raw"] = Raw(otherChain) }), Ct), HttpStatusCode.UnprocessableEntity, "wrong_chain", "signed for chain 30");
        await AssertProblemAsync(await operatorClient.PostAsync("/api/v1/rsk/transactions", Body(new JsonObject { ["raw"] = "0xzz" }), Ct), HttpStatusCode.BadRequest, "invalid_encoding", "hex");
        await AssertProblemAsync(await viewer.PostAsync("/api/v1/rsk/call", new StringContent("{not json", Encoding.UTF8, "application/json"), Ct), HttpStatusCode.BadRequest, "invalid_request", "invalid JSON");

        // A reverted call: a solc-compiled contract whose require() fails, its reason in the problem.
        var compiled = await RskPeers.CompileAsync(Path.Combine(OPSource.TestSupport.Vectors.RepoRoot, "tests", "OPSource.Layers.Tests", "Rsk", "Contracts", "Counter.sol"), Ct);
        var types = AbiType.ParseList("uint256,string");
        var deploy = await host.Get<RskService>().SendAsync(
            alice, new RskSendRequest(null, BigInteger.Zero, (byte[])[.. Convert.FromHexString(((string)compiled["Counter"]!["bytecode"]!).Replace("0x", "", StringComparison.Ordinal)), .. AbiCodec.Encode(types, [new BigInteger(41), "start"])]), waitForReceipt: true, Ct);
        var counter = deploy.ContractAddress!.ToChecksumString(31);
        var describe = await ExpectAsync(await viewer.PostAsync("/api/v1/rsk/call", Body(new JsonObject { ["to"] = counter, ["function"] = "describe() returns (uint256,string,address)" }), Ct), HttpStatusCode.OK);
        Assert.Equal("start", (string)describe["values"]![1]!);
        await AssertProblemAsync(
            await viewer.PostAsync("/api/v1/rsk/call", Body(new JsonObject { ["to"] = counter, ["function"] = "increment(uint256,string) returns (uint256)", ["args"] = new JsonArray(0, "x") }), Ct),
            HttpStatusCode.UnprocessableEntity,
            "reverted",
            "by must be positive");
        await AssertProblemAsync(await operatorClient.PostAsync("/api/v1/rsk/peg/pegins", Body(new JsonObject { ["btc_txid"] = "xyz" }), Ct), HttpStatusCode.BadRequest, "invalid_request", "64-hex-digit");
        Assert.Equal("12345", (string)(await ExpectAsync(await viewer.GetAsync($"/api/v1/rsk/addresses/{bob}", Ct), HttpStatusCode.OK))["balance_wei"]!);
    }

    [Fact]
    public async Task A_node_on_another_chain_is_refused_and_an_unreachable_node_is_503()
    {
        await using var host = await TestHost.StartAsync(
            modules: OpsourceModules.All,
            configuration: new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Rsk:NodeUrl"] = anvil.Url.ToString(), ["Rsk:ChainId"] = "30" }).Build());
        using var viewer = host.Client(await host.TokenAsync(ApiRole.Viewer));
        await AssertProblemAsync(await viewer.GetAsync("/api/v1/rsk/status", Ct), HttpStatusCode.UnprocessableEntity, "wrong_chain", "is on chain 31, configuration says Rsk:ChainId 30");

        await using var down = await TestHost.StartAsync(
            modules: OpsourceModules.All,
            configuration: new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Rsk:NodeUrl"] = "http://127.0.0.1:9/", ["Rsk:MaxRetries"] = "0" }).Build());
        using var viewerDown = down.Client(await down.TokenAsync(ApiRole.Viewer));
        using var response = await viewerDown.GetAsync("/api/v1/rsk/status", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("node_unavailable", (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["code"]!);
    }
}
