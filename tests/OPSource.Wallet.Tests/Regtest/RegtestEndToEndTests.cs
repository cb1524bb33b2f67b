using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Rpc;
using OPSource.Platform.Funding;
using OPSource.TestSupport.Peers;
using OPSource.Wallet.Service;
using OPSource.Wallet.Tests.Service;

namespace OPSource.Wallet.Tests.Regtest;

/// <summary>
/// Issue 11's end-to-end cases through the persisted wallet service (SQLite and PostgreSQL) against a real Bitcoin Core
/// v29.2 regtest node started with <c>-debug=rpc</c>, so Core's own RPC log shows that every transaction OPSource
/// broadcast passed <c>testmempoolaccept</c> first: a mined and matured coinbase spent to a second OPSource wallet and
/// to a Core wallet with exact balances and histories on both sides; Core paying an address of every type (P2PKH,
/// P2SH-P2WPKH, P2WPKH, P2TR, a 2-of-3 <c>wsh(sortedmulti)</c> and a 2-of-3 <c>tr(NUMS,multi_a)</c>) and OPSource
/// spending each back (the multisigs as watch-only wallets whose PSBTs two member wallets sign).
/// </summary>
public abstract class RegtestEndToEndTests(RpcLoggingNodeFixture fixture, string provider)
{
    private static readonly ReadOnlyMemory<char> Pass = "end to end passphrase".ToCharArray();

    /// <summary>BIP341's NUMS point H: a Taproot internal key nobody can spend with.</summary>
    private const string Nums = "50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BitcoinCoreNode Node => fixture.Node;

    private BitcoinRpcClient Rpc() => new(new BitcoinRpcClientOptions(Node.RpcUrl, RpcCredentials.FromCookieFile(Node.CookieFile)));

    private async Task<string> CoreAsync()
    {
        var wallets = (await Node.Rpc("listwallets"))!.AsArray().Select(w => (string)w!).ToList();
        if (!wallets.Contains("core"))
        {
            await Node.CreateWalletAsync("core");
            await Node.MineAsync(101, await CoreAddressAsync());
        }

        return "core";
    }

    private async Task<string> CoreAddressAsync() => (string)(await Node.WalletRpc("core", "getnewaddress"))!;

    private static Amount Btc(JsonNode? value) => Amount.FromSatoshis((long)decimal.Round(decimal.Parse(value!.ToJsonString(), CultureInfo.InvariantCulture) * 100_000_000m));

    private async Task<bool> InMempoolAsync(TxId txid) =>
        (await Node.Rpc("getrawmempool"))!.AsArray().Any(t => (string)t! == txid.ToString());

    private async Task RestoreAsync(WalletService s, string name, WalletTemplate template, byte fill)
    {
        using var m = Mnemonic.FromEntropy(Enumerable.Repeat(fill, 16).ToArray());
        await s.RestoreAsync(new CreateWalletRequest { Name = name, Template = template }, m, Pass, default, Ct);
    }

    [Fact]
    public async Task A_matured_coinbase_pays_another_opsource_wallet_and_core_with_exact_balances_and_histories()
    {
        using var rpc = Rpc();
        await using var h = await ServiceHarness.CreateAsync(provider, () => rpc);
        var s = h.Service;
        var core = await CoreAsync();
        var broadcastsBefore = fixture.Broadcasts();
        var (alice, bob) = ("alice-" + provider, "bob-" + provider);
        await RestoreAsync(s, alice, WalletTemplate.Bip86, (byte)(provider.Length + 40));
        await RestoreAsync(s, bob, WalletTemplate.Bip84, (byte)(provider.Length + 41));

        // Mine one block to Alice and 100 more so its coinbase matures (COINBASE_MATURITY, consensus/consensus.h).
        var mined = (await Node.MineAsync(1, (await s.GetNewAddressAsync(alice, WalletKeychain.External, Ct)).Address!.ToString()))[0];
        var coinbase = (await Node.Rpc("getblock", mined, 2))!["tx"]![0]!;
        var reward = coinbase["vout"]!.AsArray().Select(o => Btc(o!["value"])).Aggregate(Amount.Zero, (a, b) => a + b);
        await s.SyncAsync(alice, mempool: true, Ct);
        Assert.Equal(new WalletBalance(Amount.Zero, Amount.Zero, Amount.Zero, reward), await s.GetBalanceAsync(alice, Ct));
        await Node.MineAsync(100, await CoreAddressAsync());
        await s.SyncAsync(alice, mempool: true, Ct);
        Assert.Equal(new WalletBalance(reward, Amount.Zero, Amount.Zero, Amount.Zero), await s.GetBalanceAsync(alice, Ct));

        // One transaction pays Bob (another OPSource wallet) 1.5 BTC and a Core wallet address 0.25 BTC.
        var bobAddress = (await s.GetNewAddressAsync(bob, WalletKeychain.External, Ct)).Address!.ToString();
        var corePayee = await CoreAddressAsync();
        var sent = await s.SendAsync(alice, new SpendRequest
        {
            Payments = [new Payment(bobAddress, Amount.FromBtc(1.5m)), new Payment(corePayee, Amount.FromBtc(0.25m))],
            FeeRate = FeeRate.FromSatoshisPerVByte(3),
        }, Pass, Ct);
        Assert.True(await InMempoolAsync(sent.TxId));
        var entry = await rpc.GetMempoolEntryAsync(sent.TxId, Ct);
        Assert.Equal(sent.Fee, entry.BaseFee);
        var aliceLeft = reward - Amount.FromBtc(1.75m) - sent.Fee;

        await s.SyncAsync(bob, mempool: true, Ct);
        Assert.Equal(new WalletBalance(Amount.Zero, aliceLeft, Amount.Zero, Amount.Zero), await s.GetBalanceAsync(alice, Ct));
        Assert.Equal(new WalletBalance(Amount.Zero, Amount.Zero, Amount.FromBtc(1.5m), Amount.Zero), await s.GetBalanceAsync(bob, Ct));

        // Confirmed: exact balances on both OPSource wallets and Core's.
        await Node.MineAsync(1, await CoreAddressAsync());
        await s.SyncAsync(alice, mempool: true, Ct);
        await s.SyncAsync(bob, mempool: true, Ct);
        Assert.Equal(new WalletBalance(aliceLeft, Amount.Zero, Amount.Zero, Amount.Zero), await s.GetBalanceAsync(alice, Ct));
        Assert.Equal(new WalletBalance(Amount.FromBtc(1.5m), Amount.Zero, Amount.Zero, Amount.Zero), await s.GetBalanceAsync(bob, Ct));
        Assert.Equal(Amount.FromBtc(0.25m), Btc(await Node.WalletRpc(core, "getreceivedbyaddress", corePayee, 1)));

        // Histories: Alice's coinbase then her payment (fee known), Bob's one receipt.
        var aliceHistory = await s.ListTransactionsAsync(alice, Ct);
        Assert.Equal(2, aliceHistory.Count);
        Assert.Equal(TxId.Parse((string)coinbase["txid"]!), aliceHistory[0].TxId);
        Assert.True(aliceHistory[0].Transaction.IsCoinBase);
        Assert.Equal((SignedAmount)reward, aliceHistory[0].Net);
        Assert.Equal(102, aliceHistory[0].Confirmations);
        Assert.Equal(sent.TxId, aliceHistory[1].TxId);
        Assert.Equal(-(Amount.FromBtc(1.75m) + sent.Fee).Satoshis, aliceHistory[1].Net.Satoshis);
        Assert.Equal(sent.Fee, aliceHistory[1].Fee);
        Assert.Equal(1, aliceHistory[1].Confirmations);
        var bobHistory = Assert.Single(await s.ListTransactionsAsync(bob, Ct));
        Assert.Equal(sent.TxId, bobHistory.TxId);
        Assert.Equal((SignedAmount)Amount.FromBtc(1.5m), bobHistory.Net);
        Assert.Equal(1, bobHistory.Confirmations);
        var coreTx = await Node.WalletRpc(core, "gettransaction", sent.TxId.ToString());
        Assert.Equal(1, (int)coreTx!["confirmations"]!);

        // Core's RPC log: the one broadcast came after a testmempoolaccept.
        Assert.Equal(broadcastsBefore + 1, fixture.Broadcasts());
    }

    [Fact]
    public async Task Core_pays_every_address_type_and_opsource_spends_each_back()
    {
        using var rpc = Rpc();
        await using var h = await ServiceHarness.CreateAsync(provider, () => rpc);
        var s = h.Service;
        var core = await CoreAsync();
        var broadcastsBefore = fixture.Broadcasts();

        // Single-sig wallets of every template, and two watch-only 2-of-3 multisigs over three member wallets.
        var singles = new List<(string Name, string Prefix)>();
        foreach (var (template, prefix, i) in new[] { (WalletTemplate.Bip44, "m|n", 0), (WalletTemplate.Bip49, "2", 1), (WalletTemplate.Bip84, "bcrt1q", 2), (WalletTemplate.Bip86, "bcrt1p", 3) })
        {
            var name = $"{template}-{provider}".ToLowerInvariant();
            await RestoreAsync(s, name, template, (byte)(provider.Length + 50 + i));
            singles.Add((name, prefix));
        }

        var keys = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var fill = (byte)(provider.Length + 60 + i);
            await RestoreAsync(s, $"member{i}-{provider}", WalletTemplate.Bip86, fill);
            using var m = Mnemonic.FromEntropy(Enumerable.Repeat(fill, 16).ToArray());
            using var seed = m.DeriveSeed();
            using var master = ExtKey.CreateMaster(seed);
            using var account = master.Derive(KeyPath.Parse("m/48h/1h/0h/2h"));
            keys.Add($"[{master.Fingerprint}/48h/1h/0h/2h]{account.Neuter().ToString(Network.Regtest)}/<0;1>/*");
        }

        IWalletProvisioning provisioning = s;
        var multisigs = new List<(string Name, string Prefix)>();
        foreach (var (kind, text, prefix) in new[]
        {
            ("wsh", $"wsh(sortedmulti(2,{string.Join(",", keys)}))", "bcrt1q"),
            ("tr", $"tr({Nums},multi_a(2,{string.Join(",", keys)}))", "bcrt1p"),
        })
        {
            var name = $"{kind}-multisig-{provider}";
            await provisioning.CreateWatchOnlyWalletAsync(new WatchOnlyWalletRequest(name, DescriptorChecksum.Add(text)), Ct);
            multisigs.Add((name, prefix));
        }

        // Core pays 0.1 BTC to each (one block).
        foreach (var (name, prefix) in singles.Concat(multisigs))
        {
            var address = (await s.GetNewAddressAsync(name, WalletKeychain.External, Ct)).Address!.ToString();
            Assert.True(prefix.Split('|').Any(p => address.StartsWith(p, StringComparison.Ordinal)), $"{name}: {address}");
            await Node.WalletRpc(core, "sendtoaddress", address, 0.1m);
        }

        await Node.MineAsync(1, await CoreAddressAsync());

        // OPSource spends 0.05 BTC of each back to Core: single-sig with send, multisig by PSBT signed by two members.
        var spends = new List<(string Name, TxId TxId, Amount Fee, string Back)>();
        foreach (var (name, _) in singles.Concat(multisigs))
        {
            await s.SyncAsync(name, mempool: true, Ct);
            Assert.Equal(new WalletBalance(Amount.FromBtc(0.1m), Amount.Zero, Amount.Zero, Amount.Zero), await s.GetBalanceAsync(name, Ct));
            var back = await CoreAddressAsync();
            var request = new SpendRequest { Payments = [new Payment(back, Amount.FromBtc(0.05m))], FeeRate = FeeRate.FromSatoshisPerVByte(2) };
            if (singles.Any(w => w.Name == name))
            {
                var sent = await s.SendAsync(name, request, Pass, Ct);
                spends.Add((name, sent.TxId, sent.Fee, back));
                continue;
            }

            var created = await s.CreatePsbtAsync(name, request, Ct);
            var one = await s.SignPsbtAsync($"member0-{provider}", created.Psbt, Pass, Ct);
            Assert.False(one.Complete, name);
            var two = await s.SignPsbtAsync($"member2-{provider}", one.Psbt, Pass, Ct);
            Assert.True(two.Complete, name);
            var (tx, broadcast) = await s.FinalizePsbtAsync(name, two.Psbt, broadcast: true, Ct);
            Assert.NotNull(broadcast);
            Assert.InRange(tx.VirtualSize, created.EstimatedVSize - 4, created.EstimatedVSize);
            spends.Add((name, tx.GetTxId(), created.Fee, back));
        }

        foreach (var (name, txid, _, _) in spends)
        {
            Assert.True(await InMempoolAsync(txid), name);
        }

        await Node.MineAsync(1, await CoreAddressAsync());
        foreach (var (name, txid, fee, back) in spends)
        {
            await s.SyncAsync(name, mempool: true, Ct);
            Assert.Equal(new WalletBalance(Amount.FromBtc(0.05m) - fee, Amount.Zero, Amount.Zero, Amount.Zero), await s.GetBalanceAsync(name, Ct));
            var history = await s.ListTransactionsAsync(name, Ct);
            Assert.Equal(2, history.Count);
            Assert.Equal(txid, history[1].TxId);
            Assert.Equal(fee, history[1].Fee);
            Assert.Equal(Amount.FromBtc(0.05m), Btc(await Node.WalletRpc(core, "getreceivedbyaddress", back, 1)));
        }

        Assert.Equal(broadcastsBefore + spends.Count, fixture.Broadcasts());
    }
}

/// <summary>A private regtest node logging every RPC it serves (<c>-debug=rpc</c>), one per test class.</summary>
public sealed class RpcLoggingNodeFixture() : RegtestNodeFixture("-debug=rpc")
{
    /// <summary>
    /// How many <c>sendrawtransaction</c> calls Core has served, asserting from its RPC log that each one came after a
    /// <c>testmempoolaccept</c>.
    /// </summary>
    public int Broadcasts()
    {
        var log = Path.Combine(Node.DataDir, "regtest", "debug.log");
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var broadcasts = 0;
        var tested = false;
        while (reader.ReadLine() is { } line)
        {
            var at = line.IndexOf("ThreadRPCServer method=", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var method = line[(at + "ThreadRPCServer method=".Length)..].Split(' ')[0];
            if (method == "testmempoolaccept")
            {
                tested = true;
            }
            else if (method == "sendrawtransaction")
            {
                Assert.True(tested, "Core served a sendrawtransaction that no testmempoolaccept preceded");
                tested = false;
                broadcasts++;
            }
        }

        return broadcasts;
    }
}

public sealed class SqliteRegtestEndToEndTests(RpcLoggingNodeFixture fixture) : RegtestEndToEndTests(fixture, "sqlite"), IClassFixture<RpcLoggingNodeFixture>;

public sealed class PostgresRegtestEndToEndTests(RpcLoggingNodeFixture fixture) : RegtestEndToEndTests(fixture, "postgres"), IClassFixture<RpcLoggingNodeFixture>;
