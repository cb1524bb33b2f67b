using System.Numerics;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Transactions;
using OPSource.Layers.Rsk;
using OPSource.Layers.Rsk.Peg;
using OPSource.Layers.Rsk.Rpc;
using OPSource.Chain;
using OPSource.Platform.Events;
using OPSource.Platform.Funding;
using OPSource.TestSupport.Peers;
using OPSource.Wallet.Service;

namespace OPSource.Layers.Tests.Rsk;

/// <summary>Both chains for the peg tests: a Bitcoin Core regtest node and anvil with the Bridge TEST DOUBLE at the precompile address.</summary>
public sealed class PegPeers : IAsyncLifetime
{
    public BitcoinCoreNode Bitcoin { get; } = new();

    public AnvilNode Anvil { get; } = new();

    public async ValueTask InitializeAsync()
    {
        BitcoinCoreNode.RequireBitcoind();
        await Anvil.InitializeAsync();
        await Bitcoin.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Anvil.DisposeAsync();
        await Bitcoin.DisposeAsync();
    }
}

/// <summary>
/// The 2-way peg end to end on real nodes: the Bridge's public ABI read through <c>eth_call</c> from a Bridge TEST
/// DOUBLE (tests/OPSource.Layers.Tests/Rsk/Contracts/BridgeTestDouble.sol, installed with anvil_setCode; not RSK
/// consensus), a peg-in funded, signed and broadcast by the OPSource wallet (through <see cref="IWalletFunding"/> and
/// <see cref="IPsbtSigner"/>, as the host's modules wire them) on a Bitcoin Core regtest node, and peg-in and peg-out
/// status followed through the Bridge's events and published on the <c>rsk</c> topic.
/// </summary>
public sealed class PegIntegrationTests(PegPeers peers) : IClassFixture<PegPeers>
{
    private static readonly BigInteger Rbtc = BigInteger.Pow(10, 18);

    private const string WalletPassphrase = "peg-in wallet passphrase";

    private Task InstallBridgeTestDoubleAsync(string federation, CancellationToken ct) => peers.Anvil.InstallBridgeTestDoubleAsync(federation, ct);

    private Task<RskReceipt> DevSendAsync(byte[] data, CancellationToken ct) => peers.Anvil.BridgeTestDoubleCallAsync(data, ct);

    [Fact]
    public async Task Pegin_is_funded_signed_and_broadcast_by_the_opsource_wallet_and_followed_through_pegin_btc()
    {
        var ct = TestContext.Current.CancellationToken;
        var core = peers.Bitcoin;
        var miner = await core.CreateWalletAsync("miner");
        var mine = (string)(await core.WalletRpc(miner, "getnewaddress"))!;
        await core.MineAsync(101, mine);

        // A 2-of-3 P2SH federation (rskj federations are P2SH multisig).
        var keys = new JsonArray();
        for (var i = 0; i < 3; i++)
        {
            var info = await core.WalletRpc(miner, "getaddressinfo", (string)(await core.WalletRpc(miner, "getnewaddress", "", "legacy"))!);
            keys.Add((string)info!["pubkey"]!);
        }

        var federation = (string)(await core.Rpc("createmultisig", 2, keys, "legacy"))!["address"]!;
        await InstallBridgeTestDoubleAsync(federation, ct);

        // The OPSource host's services: node, wallet and rsk modules through the module contract, on SQLite.
        await using var host = await RskHost.StartAsync(peers.Anvil, peers.Bitcoin, ct);
        var service = host.Get<RskService>();
        var wallets = host.Get<WalletService>();
        var bus = host.Get<InProcessEventBus>();
        using var events = bus.Subscribe(RskEvents.Topic, 0);
        var (_, words) = await wallets.CreateAsync(new CreateWalletRequest { Name = "treasury", WordCount = 12 }, WalletPassphrase.AsMemory(), ReadOnlyMemory<char>.Empty, ct);
        words.Dispose();
        var funding = host.Get<IWalletFunding>();
        var receive = await funding.GetNewScriptAsync("treasury", WalletKeychain.External, ct);
        Assert.True(Address.TryFromScriptPubKey(receive, Network.Regtest, out var receiveAddress));
        await core.WalletRpc(miner, "sendtoaddress", receiveAddress.ToString(), 0.05m); // one coin: a leaked lock would leave nothing to spend
        await core.MineAsync(1, mine);
        await wallets.SyncAsync("treasury", true, ct);

        var bridge = await service.Bridge.GetInfoAsync(ct);
        Assert.Equal(federation, bridge.FederationAddress.ToString());
        Assert.Equal(500_000, bridge.MinimumPegin.Satoshis);
        Assert.Equal(12_345, bridge.EstimatedPegoutFees.Satoshis);
        Assert.Equal(200, bridge.BtcBestHeight);

        using var seed = Mnemonic.Parse("legal winner thank year wave sausage worth useful legal winner thank yellow").DeriveSeed();
        using var receiver = RskAccount.FromSeed(seed.Span, RskChain.Regtest, 0);
        var refund = Address.Parse((string)(await core.WalletRpc(miner, "getnewaddress", "", "legacy"))!, Network.Regtest);
        var instructions = new PeginInstructions(receiver.Address, refund);
        var signer = host.Get<IPsbtSigner>();
        var broadcaster = host.Get<ITransactionBroadcaster>();
        var rate = FeeRate.FromSatoshisPerVByte(2);

        // Below the Bridge's minimum: refused before any coin is chosen.
        var low = await Assert.ThrowsAsync<RskException>(() => service.PeginAsync("treasury", Amount.FromSatoshis(499_999), rate, instructions, funding, signer, broadcaster, ct));
        Assert.Contains("minimum", low.Message, StringComparison.Ordinal);

        // A locked wallet cannot sign: refused, and the coin it had locked for the peg-in is released.
        var locked = await Assert.ThrowsAsync<WalletOperationException>(() => service.PeginAsync("treasury", Amount.FromSatoshis(1_000_000), rate, instructions, funding, signer, broadcaster, ct));
        Assert.Equal(WalletErrorKind.Locked, locked.Kind);

        await wallets.UnlockAsync("treasury", WalletPassphrase.AsMemory(), TimeSpan.FromMinutes(5), ct);
        var sent = await service.PeginAsync("treasury", Amount.FromSatoshis(1_000_000), rate, instructions, funding, signer, broadcaster, ct);
        var txid = sent.TxId.ToString();
        Assert.Contains((await core.Rpc("getrawmempool"))!.AsArray(), t => (string)t! == txid);

        // What the node holds is what rskj reads: the federation output and the RSKT instructions.
        var tx = Transaction.Parse((string)(await core.Rpc("getrawtransaction", txid))!);
        var parsed = PeginInstructions.FromTransaction(tx, Network.Regtest)!;
        Assert.Equal(receiver.Address, parsed.Destination);
        Assert.Equal(refund.ToString(), parsed.RefundAddress!.ToString());
        Assert.Contains(tx.Outputs, o => o.Value.Satoshis == 1_000_000 && o.ScriptPubKey.Span.SequenceEqual(bridge.FederationAddress.ScriptPubKeyBytes));
        Assert.True(sent.FeeSatoshis >= 2 * (long)(await core.Rpc("getmempoolentry", txid))!["vsize"]!);
        var broadcastEvent = await NextAsync(events, RskEvents.PeginBroadcast, ct);
        Assert.Equal(txid, (string)broadcastEvent.Data["btc_txid"]!);
        Assert.Equal("treasury", (string)broadcastEvent.Data["wallet"]!);
        await core.MineAsync(1, mine);

        // The federation's side, played by the test double: register the peg-in; the watcher publishes each stage.
        var watcher = host.Get<RskWatcher>();
        watcher.WatchPegin(txid);
        Assert.Equal(1, await watcher.PollAsync(ct));
        Assert.Equal("not_registered", (string)(await NextAsync(events, RskEvents.PeginStatus, ct)).Data["stage"]!);
        Assert.Equal(1, await watcher.PollAsync(ct)); // unchanged: nothing published
        var tracker = service.Peg;
        Assert.Equal(PeginStage.NotRegistered, (await tracker.GetPeginStatusAsync(txid, ct)).Stage);
        Assert.Null(await service.Bridge.GetProcessedHeightAsync(txid, ct));
        await DevSendAsync(AnvilNode.RegisterPegin.EncodeCall([txid, Convert.FromHexString(txid), receiver.Address, new BigInteger(1_000_000)]), ct);
        var status = await tracker.GetPeginStatusAsync(txid, ct);
        Assert.Equal(PeginStage.Registered, status.Stage);
        Assert.Equal(receiver.Address, status.Receiver);
        Assert.Equal(1_000_000, status.AmountSatoshis);
        Assert.NotNull(await service.Bridge.GetProcessedHeightAsync(txid, ct));
        Assert.Equal(0, await watcher.PollAsync(ct));
        var registered = await NextAsync(events, RskEvents.PeginStatus, ct);
        Assert.Equal("registered", (string)registered.Data["stage"]!);
        Assert.Equal(receiver.Address.ToChecksumString(31), (string)registered.Data["receiver"]!);
        Assert.False(events.Reader.TryRead(out var extra), extra?.Type);
    }

    /// <summary>The next event of a type on a subscription (others are skipped); fails after 30 s.</summary>
    internal static async Task<PlatformEvent> NextAsync(EventSubscription subscription, string type, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var e = await subscription.Reader.ReadAsync(timeout.Token);
            if (e.Type == type)
            {
                return e;
            }
        }
    }

    [Fact]
    public async Task Pegout_sends_rbtc_to_the_bridge_and_its_status_follows_the_events()
    {
        var ct = TestContext.Current.CancellationToken;
        await InstallBridgeTestDoubleAsync("2N5muMepJizJE1gR7FbHJU6CD18V3BpNF9p", ct);
        await using var host = await RskHost.StartAsync(peers.Anvil, null, ct);
        var service = host.Get<RskService>();
        var watcher = host.Get<RskWatcher>();
        using var events = host.Get<InProcessEventBus>().Subscribe(RskEvents.Topic, 0);
        using var account = RskAccount.FromSecretKey(RskDifferentialTests.RandomKey(new Random(42)));
        await peers.Anvil.FundAsync(account.Address, Rbtc, ct);

        var sent = await service.PegoutAsync(account, Amount.FromSatoshis(1_000_000), waitForReceipt: true, ct);
        Assert.Equal(RskAddress.Bridge, sent.Transaction.To);
        Assert.Equal(RbtcUnits.ToWei(Amount.FromSatoshis(1_000_000)), sent.Transaction.Value);
        var confirmed = await NextAsync(events, RskEvents.TransactionConfirmed, ct);
        Assert.Equal(sent.Hash, (string)confirmed.Data["transaction_hash"]!);
        Assert.Equal("success", (string)confirmed.Data["status"]!);
        Assert.Equal(sent.Receipt!.BlockNumber, (ulong)confirmed.Data["block_number"]!);

        var tracker = service.Peg;
        var status = await tracker.GetPegoutStatusAsync(sent.Hash, ct);
        Assert.Equal(PegoutStage.Received, status.Stage);
        Assert.Equal(1_000_000, status.AmountSatoshis);
        watcher.WatchPegout(sent.Hash);
        Assert.Equal(1, await watcher.PollAsync(ct));
        Assert.Equal("received", (string)(await NextAsync(events, RskEvents.PegoutStatus, ct)).Data["stage"]!);

        var btcHash = RskDifferentialTests.RandomBytes(new Random(7), 32);
        await DevSendAsync(AnvilNode.ReleaseRequested.EncodeCall([Convert.FromHexString(sent.Hash[2..]), btcHash, new BigInteger(1_000_000)]), ct);
        status = await tracker.GetPegoutStatusAsync(sent.Hash, ct);
        Assert.Equal(PegoutStage.Requested, status.Stage);
        Assert.Equal(Convert.ToHexStringLower(btcHash), status.BtcTxId);
        Assert.Equal(1, await watcher.PollAsync(ct));
        var requested = await NextAsync(events, RskEvents.PegoutStatus, ct);
        Assert.Equal("requested", (string)requested.Data["stage"]!);
        Assert.Equal(Convert.ToHexStringLower(btcHash), (string)requested.Data["btc_txid"]!);

        await DevSendAsync(AnvilNode.PegoutConfirmed.EncodeCall([btcHash, new BigInteger(1)]), ct);
        Assert.Equal(PegoutStage.Confirmed, (await tracker.GetPegoutStatusAsync(sent.Hash, ct)).Stage);
        Assert.Equal(0, await watcher.PollAsync(ct)); // final: no longer followed
        Assert.Equal("confirmed", (string)(await NextAsync(events, RskEvents.PegoutStatus, ct)).Data["stage"]!);

        // Below the minimum the (test double) Bridge rejects and refunds.
        var small = await service.PegoutAsync(account, Amount.FromSatoshis(1_000), waitForReceipt: true, ct);
        var rejected = await tracker.GetPegoutStatusAsync(small.Hash, ct);
        Assert.Equal(PegoutStage.Rejected, rejected.Stage);
        Assert.Equal(1, rejected.Reason);
        watcher.WatchPegout(small.Hash);
        Assert.Equal(0, await watcher.PollAsync(ct));
        var rejectedEvent = await NextAsync(events, RskEvents.PegoutStatus, ct);
        Assert.Equal("rejected", (string)rejectedEvent.Data["stage"]!);
        Assert.Equal(small.Hash, (string)rejectedEvent.Data["rsk_tx_hash"]!);
    }
}
