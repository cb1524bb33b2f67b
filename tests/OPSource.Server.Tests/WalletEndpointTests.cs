using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using OPSource.Platform.Events;
using OPSource.Platform.Security;
using OPSource.Server.Modules;
using OPSource.TestSupport.Peers;
using static OPSource.Server.Tests.HttpAsserts;

namespace OPSource.Server.Tests;

/// <summary>
/// <c>/api/v1/wallets/...</c> on the real host with every module and a Bitcoin Core regtest node: roles and
/// <c>wallet:NAME</c> scopes, problem+json refusals that change nothing, a send, and the events the server's chain
/// follower and wallet sync publish (<c>blocks</c>, <c>wallet:NAME</c>).
/// </summary>
public sealed class WalletEndpointTests : IAsyncLifetime
{
    private RegtestHost? _regtest;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TestHost Host => RegtestHost.Require(_regtest).Host;

    public async ValueTask InitializeAsync() => _regtest = await RegtestHost.StartAsync(new Dictionary<string, string?>
    {
        ["Node:PollIntervalSeconds"] = "0.2",
        ["Wallet:KdfMemoryKiB"] = "8192",
        ["Wallet:KdfPasses"] = "1",
        ["Wallet:SyncIntervalSeconds"] = "0.2",
        ["Wallet:FallbackFeeRate"] = "2",
    }, Ct);

    public async ValueTask DisposeAsync()
    {
        if (_regtest is not null)
        {
            await _regtest.DisposeAsync();
        }
    }

    [Fact]
    public async Task Wallets_over_rest_with_scopes_problems_and_events()
    {
        var host = Host;
        var node = _regtest!.Node;
        using var admin = host.Client(await host.TokenAsync(ApiRole.Admin));
        using var operatorW = host.Client(await host.TokenAsync(ApiRole.Operator, "wallet:w"));
        using var viewerOther = host.Client(await host.TokenAsync(ApiRole.Viewer, "wallet:other"));
        using var viewerW = host.Client(await host.TokenAsync(ApiRole.Viewer, "wallet:w"));
        var bus = host.Get<InProcessEventBus>();

        // Creating a wallet (it shows a mnemonic) needs an unrestricted admin.
        await AssertProblemAsync(await operatorW.PostAsync("/api/v1/wallets", Body(new JsonObject { ["name"] = "w", ["passphrase"] = "rest passphrase" }), Ct), HttpStatusCode.Forbidden, "insufficient_role", "admin");
        using var createResponse = await admin.PostAsync("/api/v1/wallets", Body(new JsonObject { ["name"] = "w", ["template"] = "bip84", ["words"] = 12, ["passphrase"] = "rest passphrase" }), Ct);
        Assert.Equal("no-store", createResponse.Headers.CacheControl?.ToString());
        var created = await ExpectAsync(createResponse, HttpStatusCode.Created);
        Assert.Equal(12, ((string)created["mnemonic"]!).Split(' ').Length);
        await AssertProblemAsync(await admin.PostAsync("/api/v1/wallets", Body(new JsonObject { ["name"] = "w", ["passphrase"] = "x" }), Ct), HttpStatusCode.Conflict, "wallet_exists", "already exists");
        await AssertProblemAsync(await admin.PostAsync("/api/v1/wallets", Body(new JsonObject { ["name"] = "x", ["descriptor"] = "wpkh(nonsense)" }), Ct), HttpStatusCode.BadRequest, "descriptor.invalid_key", "descriptor");
        // The wallet keeps the parser's typed error: its code and position reach problem+json (docs/errors.md).
        var badDescriptor = await ExpectAsync(await admin.PostAsync("/api/v1/wallets", Body(new JsonObject { ["name"] = "x", ["descriptor"] = "wpkh(nonsense)" }), Ct), HttpStatusCode.BadRequest);
        Assert.Equal(5, (int)badDescriptor["position"]!);
        // The protocol library's typed errors keep their own code (docs/errors.md): key.* for a bad mnemonic.
        await AssertProblemAsync(await admin.PostAsync("/api/v1/wallets", Body(new JsonObject { ["name"] = "x", ["mnemonic"] = "abandon abandon abandon", ["passphrase"] = "p" }), Ct), HttpStatusCode.BadRequest, "key.word_count", "mnemonic: has 3 words");
        await AssertProblemAsync(await admin.PostAsync("/api/v1/wallets", Body(new JsonObject { ["name"] = "x", ["mnemonic"] = string.Join(' ', Enumerable.Repeat("abandon", 12)), ["passphrase"] = "p" }), Ct), HttpStatusCode.BadRequest, "key.checksum_mismatch", "checksum mismatch");
        await AssertProblemAsync(await admin.PostAsync("/api/v1/wallets", new StringContent("{not json", Encoding.UTF8, "application/json"), Ct), HttpStatusCode.BadRequest, "invalid_request", "JSON");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/v1/wallets", Body(new JsonObject { ["name"] = "other", ["passphrase"] = "p" }), Ct)).StatusCode);

        // Scopes: a viewer of wallet:other sees only that wallet and is refused on w.
        var visible = (await ExpectAsync(await viewerOther.GetAsync("/api/v1/wallets", Ct), HttpStatusCode.OK)).AsArray();
        Assert.Equal(["other"], visible.Select(v => (string)v!["name"]!));
        await AssertProblemAsync(await viewerOther.GetAsync("/api/v1/wallets/w/balance", Ct), HttpStatusCode.Forbidden, "scope_denied", "wallet:w");
        await AssertProblemAsync(await viewerOther.GetAsync("/api/v1/wallets/w", Ct), HttpStatusCode.Forbidden, "scope_denied", "wallet:w");
        await AssertProblemAsync(await viewerW.PostAsync("/api/v1/wallets/w/addresses", Body([]), Ct), HttpStatusCode.Forbidden, "insufficient_role", "operator");
        await AssertProblemAsync(await admin.GetAsync("/api/v1/wallets/nobody/balance", Ct), HttpStatusCode.NotFound, "wallet_not_found", "nobody");

        // Core pays a fresh address; the follower publishes the block, the wallet sync the transaction.
        await node.CreateWalletAsync("core");
        var coreAddress = (string)(await node.WalletRpc("core", "getnewaddress"))!;
        using var blocks = bus.Subscribe("blocks", long.MaxValue);
        await node.MineAsync(101, coreAddress);
        var address = (string)(await ExpectAsync(await operatorW.PostAsync("/api/v1/wallets/w/addresses", Body([]), Ct), HttpStatusCode.OK))["address"]!;
        using var walletEvents = bus.Subscribe("wallet:w", long.MaxValue);
        var paid = (string)(await node.WalletRpc("core", "sendtoaddress", address, 1.5m))!;
        var added = await NextAsync(walletEvents, "transaction.added", d => (string)d["txid"]! == paid);
        Assert.Equal(150_000_000, (long)added.Data["net_sat"]!);
        var hash = (await node.MineAsync(1, coreAddress))[0];
        var block = await NextAsync(blocks, "block.connected", d => (string)d["hash"]! == hash);
        Assert.Equal(102, (int)block.Data["height"]!);
        Assert.Equal(2, (int)block.Data["tx_count"]!);
        var confirmed = await NextAsync(walletEvents, "transaction.confirmed", d => (string)d["txid"]! == paid);
        Assert.Equal(102, (int)confirmed.Data["height"]!);
        var progress = await NextAsync(walletEvents, "sync.progress", d => (int)d["tip_height"]! == 102);
        Assert.Equal(150_000_000, (long)progress.Data["balance"]!["confirmed_sat"]!);
        Assert.Equal(150_000_000, (long)(await ExpectAsync(await viewerW.GetAsync("/api/v1/wallets/w/balance", Ct), HttpStatusCode.OK))["confirmed_sat"]!);

        // Refusals: problem+json with the typed code, and nothing stored changes (no lock, no address revealed).
        var before = (await ExpectAsync(await viewerW.GetAsync("/api/v1/wallets/w/addresses?keychain=change", Ct), HttpStatusCode.OK)).AsArray().Count;
        JsonObject Send(string to, long sat, string passphrase = "rest passphrase") => new()
        {
            ["payments"] = new JsonArray(new JsonObject { ["address"] = to, ["amount_sat"] = sat }),
            ["fee_rate_sat_vb"] = 2,
            ["passphrase"] = passphrase,
        };
        await AssertProblemAsync(await operatorW.PostAsync("/api/v1/wallets/w/send", Body(Send(coreAddress, 100)), Ct), HttpStatusCode.UnprocessableEntity, "dust_output", "dust");
        await AssertProblemAsync(await operatorW.PostAsync("/api/v1/wallets/w/send", Body(Send(coreAddress, 10_000_000_000)), Ct), HttpStatusCode.UnprocessableEntity, "insufficient_funds", "insufficient funds");
        await AssertProblemAsync(await operatorW.PostAsync("/api/v1/wallets/w/send", Body(Send("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", 10_000)), Ct), HttpStatusCode.BadRequest, "wrong_network", "mainnet");
        await AssertProblemAsync(await operatorW.PostAsync("/api/v1/wallets/w/send", Body(Send(coreAddress, 10_000, "wrong passphrase")), Ct), HttpStatusCode.UnprocessableEntity, "wrong_passphrase", "passphrase");
        var badAmount = Send(coreAddress, 0);
        badAmount["payments"]![0]!["amount_sat"] = 0.5;
        await AssertProblemAsync(await operatorW.PostAsync("/api/v1/wallets/w/send", Body(badAmount), Ct), HttpStatusCode.BadRequest, "invalid_request", "amount_sat");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerW.PostAsync("/api/v1/wallets/w/send", Body(Send(coreAddress, 10_000)), Ct)).StatusCode);
        var utxos = (await ExpectAsync(await viewerW.GetAsync("/api/v1/wallets/w/utxos", Ct), HttpStatusCode.OK)).AsArray();
        Assert.Single(utxos);
        Assert.False((bool)utxos[0]!["locked"]!);
        Assert.Equal(before, (await ExpectAsync(await viewerW.GetAsync("/api/v1/wallets/w/addresses?keychain=change", Ct), HttpStatusCode.OK)).AsArray().Count);

        // Unlock for a while, then send without a passphrase: Core's mempool has it, the wallet's topic says so.
        var unlocked = await ExpectAsync(await operatorW.PostAsync("/api/v1/wallets/w/unlock", Body(new JsonObject { ["passphrase"] = "rest passphrase", ["duration_s"] = 60 }), Ct), HttpStatusCode.OK);
        Assert.NotNull((string?)unlocked["unlocked_until"]);
        var sent = await ExpectAsync(await operatorW.PostAsync("/api/v1/wallets/w/send", Body(new JsonObject
        {
            ["payments"] = new JsonArray(new JsonObject { ["address"] = coreAddress, ["amount_sat"] = 40_000_000 }),
            ["fee_rate_sat_vb"] = 3,
            ["label"] = "rest payment",
        }), Ct), HttpStatusCode.OK);
        var txid = (string)sent["txid"]!;
        Assert.Contains((await node.Rpc("getrawmempool"))!.AsArray(), t => (string)t! == txid);
        var sentEvent = await NextAsync(walletEvents, "transaction.added", d => (string)d["txid"]! == txid);
        Assert.Equal(-(40_000_000 + (long)sent["fee_sat"]!), (long)sentEvent.Data["net_sat"]!);
        Assert.True((bool)(await ExpectAsync(await operatorW.PostAsync("/api/v1/wallets/w/lock", Body([]), Ct), HttpStatusCode.OK))["was_unlocked"]!);
        await AssertProblemAsync(await operatorW.PostAsync("/api/v1/wallets/w/send", Body(new JsonObject
        {
            ["payments"] = new JsonArray(new JsonObject { ["address"] = coreAddress, ["amount_sat"] = 10_000 }),
        }), Ct), HttpStatusCode.Conflict, "wallet_locked", "locked");
        var history = (await ExpectAsync(await viewerW.GetAsync("/api/v1/wallets/w/transactions", Ct), HttpStatusCode.OK)).AsArray();
        Assert.Contains(history, t => (string)t!["txid"]! == txid && (string)t["label"]! == "rest payment");
    }
}
