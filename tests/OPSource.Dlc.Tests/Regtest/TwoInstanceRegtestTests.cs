using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using OPSource.Dlc.Messages;
using OPSource.TestSupport.Peers;

namespace OPSource.Dlc.Tests.Regtest;

/// <summary>
/// A Bitcoin Core v29.2 regtest node, a Core wallet that mines, and two OPSource instances (Alice and Bob: separate
/// data dirs, databases, wallets and DLC key stores) whose wallets Core funded. Alice also runs the built-in oracle.
/// Created once for the test class; without bitcoind the tests skip locally and fail under CI=true.
/// </summary>
public sealed class TwoInstanceFixture : IAsyncLifetime
{
    // -debug=rpc: Core logs every RPC method it serves, so a test can check that each broadcast was preceded by
    // testmempoolaccept (the manager's broadcaster checks first).
    private readonly BitcoinCoreNode _node = new("-debug=rpc");
    private bool _started;

    internal BitcoinCoreNode Node
    {
        get
        {
            if (!_started)
            {
                BitcoinCoreNode.RequireBitcoind();
            }

            return _node;
        }
    }

    internal OpsourceInstance Alice { get; private set; } = null!;

    internal OpsourceInstance Bob { get; private set; } = null!;

    internal string MinerAddress { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        if (BitcoinCoreNode.LocateBitcoind() is null)
        {
            return;
        }

        var ct = TestContext.Current.CancellationToken;
        await _node.StartAsync(ct);
        _started = true;
        await _node.CreateWalletAsync("miner");
        MinerAddress = (string)(await _node.WalletRpc("miner", "getnewaddress"))!;
        await _node.MineAsync(101, MinerAddress);

        Alice = await OpsourceInstance.StartAsync("alice", _node, ct);
        // Bob refuses offers below 2 sat/vB (Dlc:MinFeeRatePerVb), so an offer can fall below his floor.
        Bob = await OpsourceInstance.StartAsync("bob", _node, ct, new Dictionary<string, string?> { ["Dlc:MinFeeRatePerVb"] = "2" });
        foreach (var party in new[] { Alice, Bob })
        {
            await party.CreateWalletAsync(ct);
            for (int i = 0; i < 4; i++)
            {
                await _node.WalletRpc("miner", "sendtoaddress", await party.NewAddressAsync(ct), 0.005m);
            }
        }

        await MineAsync(1, ct);
    }

    /// <summary>Mines blocks, then lets both wallets and both DLC managers follow the chain.</summary>
    internal async Task MineAsync(int blocks, CancellationToken cancellationToken)
    {
        await _node.MineAsync(blocks, MinerAddress);
        foreach (var party in new[] { Alice, Bob })
        {
            await party.SyncWalletAsync(cancellationToken);
            await party.PostOkAsync("/api/v1/dlcs/sync", null, cancellationToken);
        }
    }

    internal async Task<int> HeightAsync() => (int)(await _node.Rpc("getblockcount"))!;

    public async ValueTask DisposeAsync()
    {
        if (Alice is not null)
        {
            await Alice.DisposeAsync();
        }

        if (Bob is not null)
        {
            await Bob.DisposeAsync();
        }

        await _node.DisposeAsync();
    }
}

/// <summary>
/// Issue 14's two-party end-to-end test: two OPSource instances exchange offer_dlc, accept_dlc and sign_dlc over their
/// REST APIs (as wire hex), fund from their own wallets, confirm, let the built-in oracle attest, close with the CET the
/// attestation unlocks (or refund after the lock time), and both wallets receive their payouts on Core's chain.
/// </summary>
public sealed class TwoInstanceRegtestTests(TwoInstanceFixture fx) : IClassFixture<TwoInstanceFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Offer (Alice) → accept (Bob) → sign (Alice) → funding broadcast (Bob) → one block: both Confirmed.</summary>
    private async Task<(string Id, OfferDlc Offer, string FundingTxid)> EstablishAsync(JsonObject offerRequest)
    {
        var offered = await fx.Alice.PostOkAsync("/api/v1/dlcs/offers", offerRequest, Ct);
        var id = (string)offered["contract"]!["id"]!;
        Assert.Equal("offered", (string)offered["contract"]!["state"]!);
        var offerHex = (string)offered["offer"]!["hex"]!;

        var accepted = await fx.Bob.PostOkAsync("/api/v1/dlcs/accept", new JsonObject { ["wallet"] = fx.Bob.Name, ["offer"] = offerHex }, Ct);
        Assert.Equal("accepted", (string)accepted["contract"]!["state"]!);
        Assert.Equal(id, (string)accepted["contract"]!["id"]!);
        var signed = await fx.Alice.PostOkAsync("/api/v1/dlcs/sign", new JsonObject { ["accept"] = (string)accepted["accept"]!["hex"]! }, Ct);
        Assert.Equal("signed", (string)signed["contract"]!["state"]!);
        var completed = await fx.Bob.PostOkAsync("/api/v1/dlcs/sign", new JsonObject { ["sign"] = (string)signed["sign"]!["hex"]! }, Ct);
        var fundingTxid = (string)completed["contract"]!["funding_txid"]!;
        Assert.Equal(fundingTxid, (string)signed["contract"]!["funding_txid"]!);

        // The funding transaction is in Core's mempool: a 2-of-2 P2WSH output of collateral plus closing fees.
        var funding = await fx.Node.Rpc("getrawtransaction", fundingTxid, true);
        var fundOut = funding!["vout"]![(int)completed["contract"]!["fund_output_index"]!]!;
        Assert.Equal("witness_v0_scripthash", (string)fundOut["scriptPubKey"]!["type"]!);
        Assert.Equal((long)completed["contract"]!["fund_output_sat"]!, Sats(fundOut["value"]!));

        await fx.MineAsync(1, Ct);
        foreach (var party in new[] { fx.Alice, fx.Bob })
        {
            var contract = await party.GetAsync("/api/v1/dlcs/" + id, Ct);
            Assert.Equal("confirmed", (string)contract["state"]!);
            Assert.Equal(await fx.HeightAsync(), (int)contract["funding_height"]!);
        }

        return (id, DlcWireCodec.Decode<OfferDlc>(Convert.FromHexString(offerHex)), fundingTxid);
    }

    private async Task<string> AnnounceAsync(JsonObject descriptor)
    {
        var eventId = "e2e-" + Guid.NewGuid().ToString("N")[..10];
        descriptor["event_id"] = eventId;
        var announced = await fx.Alice.PostOkAsync("/api/v1/oracle/events", descriptor, Ct);
        return (string)announced["announcement"]!;
    }

    private static long Sats(JsonNode btc) => (long)decimal.Round(decimal.Parse(btc.ToJsonString(), CultureInfo.InvariantCulture) * 100_000_000m);

    /// <summary>The wallet's unspent outputs created by <paramref name="txid"/>, by value (the wallet's REST API).</summary>
    private static async Task<long[]> PaidByAsync(OpsourceInstance party, string txid) =>
        [.. (await party.UtxosAsync(Ct)).Where(u => (string)u!["txid"]! == txid).Select(u => (long)u!["amount_sat"]!).Order()];

    /// <summary>Each sendrawtransaction Core served came after a testmempoolaccept (Core's own RPC log).</summary>
    private void AssertEveryBroadcastWasTestedFirst(int expectedBroadcasts)
    {
        var log = Path.Combine(fx.Node.DataDir, "regtest", "debug.log");
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var methods = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            var at = line.IndexOf("ThreadRPCServer method=", StringComparison.Ordinal);
            if (at >= 0)
            {
                methods.Add(line[(at + "ThreadRPCServer method=".Length)..].Split(' ')[0]);
            }
        }

        int broadcasts = 0;
        bool tested = false;
        foreach (var m in methods)
        {
            if (m == "testmempoolaccept")
            {
                tested = true;
            }
            else if (m == "sendrawtransaction")
            {
                Assert.True(tested, "a sendrawtransaction was not preceded by testmempoolaccept");
                tested = false;
                broadcasts++;
            }
        }

        Assert.True(broadcasts >= expectedBroadcasts, $"expected at least {expectedBroadcasts} broadcasts in Core's RPC log, found {broadcasts}");
    }

    [Fact]
    public async Task Enumerated_contract_closed_by_the_accepter_with_the_attestation_from_the_oracle_api()
    {
        var height = await fx.HeightAsync();
        var announcement = await AnnounceAsync(new JsonObject { ["outcomes"] = new JsonArray("up", "down", "flat") });
        var eventId = DlcWireCodec.DecodeAnnouncement(Convert.FromHexString(announcement)).Event.EventId;
        var request = new JsonObject
        {
            ["wallet"] = fx.Alice.Name,
            ["announcements"] = new JsonArray(announcement),
            ["total_collateral_sat"] = 200_000,
            ["offer_collateral_sat"] = 100_000,
            ["fee_rate_sat_vb"] = 2,
            ["payouts_sat"] = new JsonObject { ["up"] = 200_000, ["down"] = 0, ["flat"] = 120_000 },
            ["cet_locktime"] = height,
            ["refund_locktime"] = height + 1000,
        };

        var (id, offer, fundingTxid) = await EstablishAsync(request);
        // Alice's event stream for the contract, subscribed after the fact: the bus replays from the first event on.
        using var stream = await fx.Alice.SubscribeAsync("dlc:" + id, Ct);

        // The oracle has not attested: closing is refused and changes nothing.
        var (early, problem) = await fx.Bob.PostAsync($"/api/v1/dlcs/{id}/close", null, Ct);
        Assert.Equal(422, early);
        Assert.Equal("invalid_oracle_attestation", (string)problem["code"]!);
        Assert.Equal("confirmed", (string)(await fx.Bob.GetAsync("/api/v1/dlcs/" + id, Ct))["state"]!);

        // A second offer reusing Alice's now spent coins (a new temporary id): Bob refuses it and stores nothing.
        var before = (await fx.Bob.GetAsync("/api/v1/dlcs", Ct))["dlcs"]!.AsArray().Count;
        var stale = offer with { TemporaryContractId = ContractId.NewRandom() };
        var (status, refused) = await fx.Bob.PostAsync("/api/v1/dlcs/accept", new JsonObject { ["wallet"] = fx.Bob.Name, ["offer"] = Convert.ToHexStringLower(DlcWireCodec.Encode(stale)) }, Ct);
        Assert.Equal(422, status);
        Assert.Equal("invalid_funding_input", (string)refused["code"]!);
        Assert.Contains("already spent", (string)refused["detail"]!, StringComparison.Ordinal);
        Assert.Equal(before, (await fx.Bob.GetAsync("/api/v1/dlcs", Ct))["dlcs"]!.AsArray().Count);
        Assert.DoesNotContain(await fx.Bob.UtxosAsync(Ct), u => (bool)u!["locked"]!);

        // The oracle (Alice's instance) attests; Bob reads the attestation from Alice's public API and closes.
        await fx.Alice.PostOkAsync($"/api/v1/oracle/events/{eventId}/attest", new JsonObject { ["outcome"] = "flat" }, Ct);
        var attestation = (string)(await fx.Alice.GetAsync("/api/v1/oracle/events/" + eventId, Ct))["attestation"]!;
        var closed = await fx.Bob.PostOkAsync($"/api/v1/dlcs/{id}/close", new JsonObject { ["attestations"] = new JsonArray(attestation) }, Ct);
        Assert.Equal("closed", (string)closed["state"]!);
        Assert.Equal(120_000, (long)closed["outcome"]!["offer_payout_sat"]!);
        Assert.Equal(80_000, (long)closed["outcome"]!["accept_payout_sat"]!);
        var cetTxid = (string)closed["closing_txid"]!;

        // The CET spends the funding output and pays exactly the payouts of "flat"; after a block both wallets hold them.
        var cet = await fx.Node.Rpc("getrawtransaction", cetTxid, true);
        Assert.Equal(fundingTxid, (string)cet!["vin"]![0]!["txid"]!);
        await fx.MineAsync(1, Ct);
        Assert.Equal(new[] { 120_000L }, await PaidByAsync(fx.Alice, cetTxid));
        Assert.Equal(new[] { 80_000L }, await PaidByAsync(fx.Bob, cetTxid));
        var aliceView = await fx.Alice.GetAsync("/api/v1/dlcs/" + id, Ct);
        Assert.Equal("closed", (string)aliceView["state"]!);
        Assert.Equal(cetTxid, (string)aliceView["closing_txid"]!);
        Assert.Equal(120_000, (long)aliceView["outcome"]!["offer_payout_sat"]!);

        // Alice's event stream for the contract saw every state change, in order, with the closing transaction.
        var states = new List<string>();
        while (states.LastOrDefault() != "closed")
        {
            var message = await OpsourceInstance.ReceiveAsync(stream, Ct);
            Assert.NotNull(message);
            Assert.Equal("event", (string)message["kind"]!);
            Assert.Equal("dlc:" + id, (string)message["topic"]!);
            Assert.Equal("dlc.state", (string)message["type"]!);
            states.Add((string)message["data"]!["state"]!);
            if (states[^1] == "closed")
            {
                Assert.Equal(cetTxid, (string)message["data"]!["closing_txid"]!);
            }
        }

        Assert.Equal(["offered", "signed", "confirmed", "closed"], states);
        AssertEveryBroadcastWasTestedFirst(2);
    }

    [Fact]
    public async Task Numeric_contract_closed_by_the_offerers_sync_once_its_built_in_oracle_attested()
    {
        var height = await fx.HeightAsync();
        var announcement = await AnnounceAsync(new JsonObject { ["nb_digits"] = 10, ["unit"] = "usd/btc" });
        var eventId = DlcWireCodec.DecodeAnnouncement(Convert.FromHexString(announcement)).Event.EventId;
        // Offerer payout: 0 at 0, rising linearly to the whole 200000 sat at 1000, flat above; rounded to 10000 sat.
        var (id, _, fundingTxid) = await EstablishAsync(new JsonObject
        {
            ["wallet"] = fx.Alice.Name,
            ["announcements"] = new JsonArray(announcement),
            ["total_collateral_sat"] = 200_000,
            ["offer_collateral_sat"] = 110_000,
            ["fee_rate_sat_vb"] = 3,
            ["payout_curve"] = new JsonArray(new JsonArray(0, 0), new JsonArray(1000, 200_000), new JsonArray(1023, 200_000)),
            ["rounding_intervals"] = new JsonArray(new JsonArray(0, 10_000)),
            ["cet_locktime"] = height,
            ["refund_locktime"] = height + 1000,
        });

        await fx.Alice.PostOkAsync($"/api/v1/oracle/events/{eventId}/attest", new JsonObject { ["outcome"] = 700 }, Ct);
        // A second, different attestation of the same event is refused.
        var (again, problem) = await fx.Alice.PostAsync($"/api/v1/oracle/events/{eventId}/attest", new JsonObject { ["outcome"] = 701 }, Ct);
        Assert.Equal(409, again);
        Assert.Equal("already_attested", (string)problem["code"]!);

        // Watching for the attestation: the offerer's next sync finds its own oracle's attestation and closes.
        var synced = await fx.Alice.PostOkAsync("/api/v1/dlcs/sync", null, Ct);
        var closed = synced["changed"]!.AsArray().Single(c => (string)c!["id"]! == id)!;
        Assert.Equal("closed", (string)closed["state"]!);
        Assert.Equal(140_000, (long)closed["outcome"]!["offer_payout_sat"]!);
        Assert.Equal(60_000, (long)closed["outcome"]!["accept_payout_sat"]!);
        var cetTxid = (string)closed["closing_txid"]!;
        var cet = await fx.Node.Rpc("getrawtransaction", cetTxid, true);
        Assert.Equal(fundingTxid, (string)cet!["vin"]![0]!["txid"]!);
        Assert.Equal([60_000L, 140_000L], cet["vout"]!.AsArray().Select(o => Sats(o!["value"]!)).Order().ToArray());

        await fx.MineAsync(1, Ct);
        Assert.Equal(new[] { 140_000L }, await PaidByAsync(fx.Alice, cetTxid));
        Assert.Equal(new[] { 60_000L }, await PaidByAsync(fx.Bob, cetTxid));
        var bobView = await fx.Bob.GetAsync("/api/v1/dlcs/" + id, Ct);
        Assert.Equal("closed", (string)bobView["state"]!);
        Assert.Equal(cetTxid, (string)bobView["closing_txid"]!);
        Assert.Equal(60_000, (long)bobView["outcome"]!["accept_payout_sat"]!);
        AssertEveryBroadcastWasTestedFirst(2);
    }

    [Fact]
    public async Task Refund_after_the_refund_locktime_returns_both_collaterals()
    {
        var height = await fx.HeightAsync();
        var announcement = await AnnounceAsync(new JsonObject { ["outcomes"] = new JsonArray("yes", "no") });
        var refundHeight = height + 6;
        var (id, _, fundingTxid) = await EstablishAsync(new JsonObject
        {
            ["wallet"] = fx.Alice.Name,
            ["announcements"] = new JsonArray(announcement),
            ["total_collateral_sat"] = 150_000,
            ["offer_collateral_sat"] = 90_000,
            ["fee_rate_sat_vb"] = 2,
            ["payouts_sat"] = new JsonObject { ["yes"] = 150_000, ["no"] = 0 },
            ["cet_locktime"] = height,
            ["refund_locktime"] = refundHeight,
        });

        // Too early: refused by the manager (the tip is below the lock time) and nothing changes.
        var (early, problem) = await fx.Bob.PostAsync($"/api/v1/dlcs/{id}/refund", null, Ct);
        Assert.Equal(422, early);
        Assert.Equal("too_early", (string)problem["code"]!);
        Assert.Contains($"refund_locktime is block {refundHeight}", (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.Equal("confirmed", (string)(await fx.Bob.GetAsync("/api/v1/dlcs/" + id, Ct))["state"]!);

        // Mine until the tip reaches the lock time: the next block's height then exceeds it (Core's IsFinalTx:
        // nLockTime < height of the including block).
        await fx.MineAsync(refundHeight - await fx.HeightAsync(), Ct);
        var refunded = await fx.Bob.PostOkAsync($"/api/v1/dlcs/{id}/refund", null, Ct);
        Assert.Equal("refunded", (string)refunded["state"]!);
        var refundTxid = (string)refunded["closing_txid"]!;
        Assert.Equal((string)refunded["refund_txid"]!, refundTxid);
        var refund = await fx.Node.Rpc("getrawtransaction", refundTxid, true);
        Assert.Equal(fundingTxid, (string)refund!["vin"]![0]!["txid"]!);
        Assert.Equal(refundHeight, (int)refund["locktime"]!);

        await fx.MineAsync(1, Ct);
        Assert.Equal(new[] { 90_000L }, await PaidByAsync(fx.Alice, refundTxid));
        Assert.Equal(new[] { 60_000L }, await PaidByAsync(fx.Bob, refundTxid));
        var aliceView = await fx.Alice.GetAsync("/api/v1/dlcs/" + id, Ct);
        Assert.Equal("refunded", (string)aliceView["state"]!);
        Assert.Equal(refundTxid, (string)aliceView["closing_txid"]!);
        AssertEveryBroadcastWasTestedFirst(2);
    }

    /// <summary>
    /// An accept_dlc made outside any OPSource instance (a counterparty's own software): correctly built and signed for
    /// <paramref name="offer"/>, but funded with the coin <paramref name="prevTx"/>:<paramref name="vout"/>.
    /// </summary>
    private static AcceptDlc AcceptFundedWith(OfferDlc offer, Transaction prevTx, uint vout)
    {
        using var key = SecretKey.Generate();
        var spk = StandardScripts.PayToWitnessPubKeyHash(key.PublicKey);
        var taken = new HashSet<ulong>(offer.FundingInputs.Select(i => i.InputSerialId)) { offer.ChangeSerialId, offer.FundOutputSerialId, offer.PayoutSerialId };
        var inputs = DlcProtocol.ToFundingInputs([(prevTx, vout, 0xffffffffu, 108, Script.Empty)], taken);
        return DlcProtocol.CreateAccept(offer, new DlcPolicy(Network.Regtest), new DlcOwnSide(key, spk, spk, inputs), Ct).Accept;
    }

    private async Task<Transaction> TransactionAsync(string txid) =>
        Transaction.Parse((string)(await fx.Node.Rpc("getrawtransaction", txid))!);

    private static string Hex(DlcMessage message) => Convert.ToHexStringLower(DlcWireCodec.Encode(message));

    /// <summary>
    /// POSTs a counterparty message <paramref name="party"/> must refuse: 422 with the error kind and the reason, and
    /// the JSON at <paramref name="viewPath"/> (the stored contract, or the contract list) is the same afterwards.
    /// </summary>
    private static async Task AssertRefusedAsync(OpsourceInstance party, string path, JsonObject body, string code, string reason, string viewPath)
    {
        var before = (await party.GetAsync(viewPath, Ct)).ToJsonString();
        var (status, problem) = await party.PostAsync(path, body, Ct);
        Assert.Equal(422, status);
        Assert.Equal(code, (string)problem["code"]!);
        Assert.Contains(reason, (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.Equal(before, (await party.GetAsync(viewPath, Ct)).ToJsonString());
    }

    [Fact]
    public async Task Bad_counterparty_messages_are_refused_with_the_reason_and_leave_the_stored_contract_unchanged()
    {
        var height = await fx.HeightAsync();
        var announcement = await AnnounceAsync(new JsonObject { ["outcomes"] = new JsonArray("red", "green", "blue") });
        var offered = await fx.Alice.PostOkAsync("/api/v1/dlcs/offers", new JsonObject
        {
            ["wallet"] = fx.Alice.Name,
            ["announcements"] = new JsonArray(announcement),
            ["total_collateral_sat"] = 100_000,
            ["offer_collateral_sat"] = 50_000,
            ["fee_rate_sat_vb"] = 2,
            ["payouts_sat"] = new JsonObject { ["red"] = 100_000, ["green"] = 0, ["blue"] = 50_000 },
            ["cet_locktime"] = height,
            ["refund_locktime"] = height + 1000,
        }, Ct);
        var id = (string)offered["contract"]!["id"]!;
        var offer = DlcWireCodec.Decode<OfferDlc>(Convert.FromHexString((string)offered["offer"]!["hex"]!));

        // Offers Bob refuses: nothing is stored on his side and none of his coins stays locked.
        async Task BobRefusesOffer(OfferDlc bad, string code, string reason)
        {
            await AssertRefusedAsync(fx.Bob, "/api/v1/dlcs/accept", new JsonObject { ["wallet"] = fx.Bob.Name, ["offer"] = Hex(bad) }, code, reason, "/api/v1/dlcs");
            Assert.DoesNotContain(await fx.Bob.UtxosAsync(Ct), u => (bool)u!["locked"]!);
        }

        // A fee rate below Bob's floor (Dlc:MinFeeRatePerVb = 2).
        await BobRefusesOffer(offer with { TemporaryContractId = ContractId.NewRandom(), FeeRatePerVb = 1 }, "unacceptable_fee_rate", "feerate_per_vb 1 sat/vB is below this node's floor of 2 sat/vB");
        // An oracle announcement whose event was altered after the oracle signed it.
        var inner = offer.ContractInfo.Inners[0];
        var signedAnnouncement = ((SingleOracleInfo)inner.OracleInfo).Announcement;
        var altered = signedAnnouncement with { Event = signedAnnouncement.Event with { EventMaturityEpoch = signedAnnouncement.Event.EventMaturityEpoch + 60 } };
        await BobRefusesOffer(
            offer with { TemporaryContractId = ContractId.NewRandom(), ContractInfo = new SingleContractInfo(offer.ContractInfo.TotalCollateral, inner with { OracleInfo = new SingleOracleInfo(altered) }) },
            "invalid_oracle_announcement",
            "announcement signature does not verify");

        var accepted = await fx.Bob.PostOkAsync("/api/v1/dlcs/accept", new JsonObject { ["wallet"] = fx.Bob.Name, ["offer"] = Hex(offer) }, Ct);
        var accept = DlcWireCodec.Decode<AcceptDlc>(Convert.FromHexString((string)accepted["accept"]!["hex"]!));

        // Accepts Alice refuses: her contract stays exactly as stored (an open offer, no accept, same row).
        async Task AliceRefusesAccept(AcceptDlc bad, string code, string reason)
        {
            await AssertRefusedAsync(fx.Alice, "/api/v1/dlcs/sign", new JsonObject { ["accept"] = Hex(bad) }, code, reason, "/api/v1/dlcs/" + id);
            Assert.Equal("offered", (string)(await fx.Alice.GetAsync("/api/v1/dlcs/" + id, Ct))["state"]!);
        }

        // A wrong adaptor signature (two of Bob's swapped), and a CET set missing one outcome.
        var swapped = accept.CetAdaptorSignatures.ToArray();
        (swapped[0], swapped[1]) = (swapped[1], swapped[0]);
        await AliceRefusesAccept(accept with { CetAdaptorSignatures = swapped }, "invalid_adaptor_signature", "CET adaptor signature 0");
        await AliceRefusesAccept(accept with { CetAdaptorSignatures = accept.CetAdaptorSignatures.Take(2).ToArray() }, "invalid_adaptor_signature", "2 CET adaptor signatures, the contract needs 3");

        // Correctly signed accepts whose funding input is not the counterparty's: a coin of Alice's own wallet (not in
        // her offer), and a coin that is already spent (the output an Alice coin's transaction spent).
        var aliceCoin = (await fx.Alice.UtxosAsync(Ct)).First(u => !(bool)u!["locked"]!)!;
        var aliceTx = await TransactionAsync((string)aliceCoin["txid"]!);
        await AliceRefusesAccept(AcceptFundedWith(offer, aliceTx, (uint)aliceCoin["vout"]!), "invalid_funding_input", "is a coin of wallet 'alice' on this node, not theirs");
        var spent = aliceTx.Inputs[0].PrevOut;
        var spentTx = await TransactionAsync(spent.TxId.ToString());
        await AliceRefusesAccept(AcceptFundedWith(offer, spentTx, spent.Index), "invalid_funding_input", "is already spent");

        var signed = await fx.Alice.PostOkAsync("/api/v1/dlcs/sign", new JsonObject { ["accept"] = Hex(accept) }, Ct);
        Assert.Equal("signed", (string)signed["contract"]!["state"]!);
        var sign = DlcWireCodec.Decode<SignDlc>(Convert.FromHexString((string)signed["sign"]!["hex"]!));
        var fundingTxid = (string)signed["contract"]!["funding_txid"]!;

        // Sign messages Bob refuses: his contract stays Accepted and the funding transaction is not broadcast.
        async Task BobRefusesSign(SignDlc bad, string code, string reason)
        {
            await AssertRefusedAsync(fx.Bob, "/api/v1/dlcs/sign", new JsonObject { ["sign"] = Hex(bad) }, code, reason, "/api/v1/dlcs/" + id);
            Assert.Equal("accepted", (string)(await fx.Bob.GetAsync("/api/v1/dlcs/" + id, Ct))["state"]!);
            Assert.DoesNotContain(fundingTxid, (await fx.Node.Rpc("getrawmempool"))!.AsArray().Select(t => (string)t!));
        }

        var swappedSign = sign.CetAdaptorSignatures.ToArray();
        (swappedSign[1], swappedSign[2]) = (swappedSign[2], swappedSign[1]);
        await BobRefusesSign(sign with { CetAdaptorSignatures = swappedSign }, "invalid_adaptor_signature", "sign_dlc: CET adaptor signature 1");
        await BobRefusesSign(sign with { CetAdaptorSignatures = sign.CetAdaptorSignatures.Skip(1).ToArray() }, "invalid_adaptor_signature", "sign_dlc: 2 CET adaptor signatures, the contract needs 3");

        // The untouched messages still complete the contract: the refusals changed nothing on either side.
        var completed = await fx.Bob.PostOkAsync("/api/v1/dlcs/sign", new JsonObject { ["sign"] = Hex(sign) }, Ct);
        Assert.Equal(fundingTxid, (string)completed["contract"]!["funding_txid"]!);
        await fx.MineAsync(1, Ct);
        foreach (var party in new[] { fx.Alice, fx.Bob })
        {
            Assert.Equal("confirmed", (string)(await party.GetAsync("/api/v1/dlcs/" + id, Ct))["state"]!);
        }

        AssertEveryBroadcastWasTestedFirst(1);
    }
}
