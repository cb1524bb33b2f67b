using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Transactions;
using OPSource.Platform.Funding;
using OPSource.TestSupport.Peers;
using OPSource.Wallet.Signing;
using static OPSource.Wallet.Tests.WalletFixtures;

namespace OPSource.Wallet.Tests.Regtest;

/// <summary>The wallet core against a real Bitcoin Core v29.2 regtest node (one node for the class).</summary>
public sealed class RegtestWalletTests(RegtestNodeFixture fixture) : IClassFixture<RegtestNodeFixture>
{
    private BitcoinCoreNode node => fixture.Node;

    private async Task<string> CoreWalletAsync(string name)
    {
        var wallets = (await node.Rpc("listwallets"))!.AsArray().Select(w => (string)w!).ToList();
        if (!wallets.Contains(name))
        {
            await node.CreateWalletAsync(name);
        }

        return name;
    }

    [Fact]
    public async Task Derived_addresses_equal_cores_deriveaddresses()
    {
        var master = Master(42);
        var cosigners = Enumerable.Range(43, 2).Select(Master).ToList();
        string Key(ExtKey m) => $"[{m.Fingerprint}/48h/1h/0h/2h]{m.Derive(KeyPath.Parse("m/48'/1'/0'/2'")).Neuter().ToString(Net)}/0/*";
        var descriptors = new List<string>();
        foreach (var t in Enum.GetValues<WalletTemplate>())
        {
            var (e, i) = DescriptorTemplates.Account(master, t, Net);
            descriptors.Add(e.ToString());
            descriptors.Add(i.ToString());
        }

        descriptors.Add(DescriptorChecksum.Add($"wsh(sortedmulti(2,{Key(master)},{Key(cosigners[0])},{Key(cosigners[1])}))"));
        descriptors.Add(DescriptorChecksum.Add($"tr(50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0,multi_a(2,{Key(master)},{Key(cosigners[0])},{Key(cosigners[1])}))"));
        foreach (var text in descriptors)
        {
            var wallet = DescriptorWallet.Create(Descriptor.Parse(text, Net), null, Net, out _);
            var core = (await node.Rpc("deriveaddresses", text, new JsonArray(0, 24)))!.AsArray().Select(a => (string)a!).ToList();
            var ours = Enumerable.Range(0, 25).Select(i => wallet.PeekAddress(WalletKeychain.External, (uint)i).Address!.ToString()).ToList();
            Assert.Equal(core, ours);
        }
    }

    [Fact]
    public async Task Mine_mature_send_to_another_wallet_and_to_core_then_confirm_with_exact_balances()
    {
        var core = await CoreWalletAsync("core-send");
        var (alice, aliceKeys) = SeedWallet(WalletTemplate.Bip86, seed: 100);
        var (bob, bobKeys) = SeedWallet(WalletTemplate.Bip84, seed: 101);
        using var ak = aliceKeys;
        using var bk = bobKeys;
        await RegtestSync.SyncAsync(node, alice);
        await RegtestSync.SyncAsync(node, bob);

        // Mine one block to Alice, then 100 to Core so it matures.
        var aliceAddress = alice.RevealNextAddress().Address!.ToString();
        await node.MineAsync(1, aliceAddress);
        var coreAddress = (string)(await node.WalletRpc(core, "getnewaddress"))!;
        await node.MineAsync(100, coreAddress);
        await RegtestSync.SyncAsync(node, alice);
        var reward = alice.GetBalance();
        Assert.Equal(0, reward.Immature.Satoshis);
        Assert.True(reward.Confirmed.Satoshis > 0);

        var bobAddress = bob.RevealNextAddress();
        var corePayee = (string)(await node.WalletRpc(core, "getnewaddress"))!;
        await RegtestSync.SyncAsync(node, bob);
        var built = alice.BuildTransaction(new SendRequest
        {
            Recipients = [new Recipient(bobAddress.ScriptPubKey, Amount.FromBtc(1.5m)), new Recipient(Address.Parse(corePayee, Net).ScriptPubKey, Amount.FromBtc(0.25m))],
            FeeRate = FeeRate.FromSatoshisPerVByte(3),
            NowUnixSeconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            TipTimeUnixSeconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        });
        var tx = DescriptorWallet.FinalizeAndVerify(aliceKeys.Sign(built.Psbt, out _, out _));
        Assert.Equal((uint)alice.Tip.Height, tx.LockTime.Value, 100u); // anti-fee-sniping: tip height (sometimes up to 100 back)

        // testmempoolaccept first, then broadcast.
        var accept = (await node.Rpc("testmempoolaccept", new JsonArray(tx.ToHex())))![0]!;
        Assert.True((bool)accept["allowed"]!, accept.ToJsonString());
        Assert.Equal(built.Fee.ToBtcString(), ((decimal)accept["fees"]!["base"]!).ToString("0.00000000", CultureInfo.InvariantCulture));
        await node.Rpc("sendrawtransaction", tx.ToHex());
        alice.CommitChange(built);

        await RegtestSync.SyncAsync(node, alice);
        await RegtestSync.SyncAsync(node, bob);
        var aliceAfter = reward.Confirmed.Satoshis - Amount.FromBtc(1.75m).Satoshis - built.Fee.Satoshis;
        Assert.Equal(aliceAfter, alice.GetBalance().TrustedPending.Satoshis);
        Assert.Equal(Amount.FromBtc(1.5m), bob.GetBalance().UntrustedPending);

        await node.MineAsync(1, coreAddress);
        await RegtestSync.SyncAsync(node, alice);
        await RegtestSync.SyncAsync(node, bob);
        Assert.Equal(new WalletBalance(Amount.FromSatoshis(aliceAfter), Amount.Zero, Amount.Zero, Amount.Zero), alice.GetBalance());
        Assert.Equal(new WalletBalance(Amount.FromBtc(1.5m), Amount.Zero, Amount.Zero, Amount.Zero), bob.GetBalance());
        var received = (decimal)(await node.WalletRpc(core, "getreceivedbyaddress", corePayee, 1))!;
        Assert.Equal(0.25m, received);

        var aliceHistory = alice.ListTransactions();
        Assert.Equal(2, aliceHistory.Count);
        Assert.True(aliceHistory[0].Transaction.IsCoinBase);
        Assert.Equal(-(Amount.FromBtc(1.75m).Satoshis + built.Fee.Satoshis), aliceHistory[1].Net.Satoshis);
        Assert.Equal(1, aliceHistory[1].Confirmations);
        var bobHistory = Assert.Single(bob.ListTransactions());
        Assert.Equal(Amount.FromBtc(1.5m), bobHistory.Received);
        Assert.Equal(tx.GetTxId(), bobHistory.TxId);
    }

    [Fact]
    public async Task Core_pays_every_address_type_and_opsource_spends_each_back()
    {
        var core = await CoreWalletAsync("core-types");
        var coreAddress = (string)(await node.WalletRpc(core, "getnewaddress"))!;
        await node.MineAsync(101, coreAddress);
        var masters = Enumerable.Range(200, 3).Select(Master).ToArray();
        string Key(int i) => $"[{masters[i].Fingerprint}/48h/1h/0h/2h]{masters[i].Derive(KeyPath.Parse("m/48'/1'/0'/2'")).Neuter().ToString(Net)}/<0;1>/*";
        var wallets = new List<(string Name, DescriptorWallet Wallet, WalletKeyRing[] Keys)>();
        foreach (var t in Enum.GetValues<WalletTemplate>())
        {
            var (e, i) = DescriptorTemplates.Account(masters[0], t, Net);
            wallets.Add((t.ToString(), DescriptorWallet.Create(e, i, Net, out _), [WalletKeyRing.FromMaster(masters[0].Clone())]));
        }

        foreach (var (name, text) in new[]
        {
            ("wsh-sortedmulti", $"wsh(sortedmulti(2,{Key(0)},{Key(1)},{Key(2)}))"),
            ("tr-multi_a", $"tr(50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0,multi_a(2,{Key(0)},{Key(1)},{Key(2)}))"),
        })
        {
            wallets.Add((name, DescriptorWallet.Create(Descriptor.Parse(text, Net), null, Net, out _), [WalletKeyRing.FromMaster(masters[1].Clone()), WalletKeyRing.FromMaster(masters[2].Clone())]));
        }

        foreach (var (_, wallet, _) in wallets)
        {
            await node.WalletRpc(core, "sendtoaddress", wallet.RevealNextAddress().Address!.ToString(), 0.1m);
        }

        await node.MineAsync(1, coreAddress);
        foreach (var (name, wallet, keys) in wallets)
        {
            await RegtestSync.SyncAsync(node, wallet);
            Assert.Equal(Amount.FromBtc(0.1m), wallet.GetBalance().Confirmed);
            var back = (string)(await node.WalletRpc(core, "getnewaddress"))!;
            var built = wallet.BuildTransaction(new SendRequest { Recipients = [new Recipient(Address.Parse(back, Net).ScriptPubKey, Amount.FromBtc(0.05m))], FeeRate = FeeRate.FromSatoshisPerVByte(2) });
            var psbt = built.Psbt;
            foreach (var k in keys)
            {
                psbt = k.Sign(psbt, out _, out _);
            }

            var tx = DescriptorWallet.FinalizeAndVerify(psbt);
            Assert.InRange(tx.VirtualSize, built.EstimatedVSize - 4, built.EstimatedVSize);
            var accept = (await node.Rpc("testmempoolaccept", new JsonArray(tx.ToHex())))![0]!;
            Assert.True((bool)accept["allowed"]!, name + ": " + accept.ToJsonString());
            await node.Rpc("sendrawtransaction", tx.ToHex());
            foreach (var k in keys)
            {
                k.Dispose();
            }
        }

        await node.MineAsync(1, coreAddress);
        foreach (var (name, wallet, _) in wallets)
        {
            await RegtestSync.SyncAsync(node, wallet);
            Assert.True(wallet.GetBalance().Confirmed < Amount.FromBtc(0.05m), name);
            Assert.Equal(Amount.Zero, wallet.GetBalance().TrustedPending);
        }
    }
}
