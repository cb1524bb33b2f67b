using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Rpc;
using OPSource.Platform.Funding;
using OPSource.TestSupport.Peers;
using OPSource.Wallet.Service;
using OPSource.Wallet.Tests.Service;

namespace OPSource.Wallet.Tests.Regtest;

/// <summary>
/// The wallet service against a real Bitcoin Core v29.2 regtest node, on SQLite and on PostgreSQL: sync from the node,
/// balances and UTXOs equal to an equivalent watch-only descriptor wallet in Core, send, BIP125 bump and CPFP accepted
/// by Core's mempool, a reorg that unconfirms then reconfirms a transaction, and a restore from the mnemonic in a
/// fresh database that rescans to the same balance and history.
/// </summary>
public abstract class RegtestServiceTests(RegtestNodeFixture fixture, string provider)
{
    private static readonly ReadOnlyMemory<char> Pass = "regtest passphrase".ToCharArray();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BitcoinCoreNode Node => fixture.Node;

    private BitcoinRpcClient Rpc() => new(new BitcoinRpcClientOptions(Node.RpcUrl, RpcCredentials.FromCookieFile(Node.CookieFile)));

    private async Task<string> CoreWalletAsync(string name)
    {
        var wallets = (await Node.Rpc("listwallets"))!.AsArray().Select(w => (string)w!).ToList();
        if (!wallets.Contains(name))
        {
            await Node.CreateWalletAsync(name);
        }

        return name;
    }

    private async Task<string> CoreAddressAsync() => (string)(await Node.WalletRpc(await CoreWalletAsync("core"), "getnewaddress"))!;

    private async Task<string> CoreFundedAsync()
    {
        var core = await CoreWalletAsync("core");
        if ((decimal)(await Node.WalletRpc(core, "getbalance"))! < 20m)
        {
            await Node.MineAsync(101, await CoreAddressAsync());
        }

        return core;
    }

    /// <summary>A watch-only descriptor wallet in Core with the same descriptors (Core's own view of the same coins).</summary>
    private async Task<string> CoreWatchAsync(string name, WalletInfo info)
    {
        await Node.Rpc("createwallet", name, true, true);
        var request = new JsonArray(
            new JsonObject { ["desc"] = info.ExternalDescriptor, ["timestamp"] = 0, ["active"] = true, ["internal"] = false, ["range"] = new JsonArray(0, 200) },
            new JsonObject { ["desc"] = info.InternalDescriptor, ["timestamp"] = 0, ["active"] = true, ["internal"] = true, ["range"] = new JsonArray(0, 200) });
        var result = (await Node.WalletRpc(name, "importdescriptors", request))!.AsArray();
        Assert.All(result, r => Assert.True((bool)r!["success"]!));
        return name;
    }

    private static long Sats(JsonNode? btc) => (long)decimal.Round(decimal.Parse(btc!.ToJsonString(), CultureInfo.InvariantCulture) * 100_000_000m);

    private async Task AssertSameAsCoreAsync(WalletService s, string wallet, string coreWatch)
    {
        var ours = await s.GetBalanceAsync(wallet, Ct);
        var mine = (await Node.WalletRpc(coreWatch, "getbalances"))!["mine"]!;
        Assert.Equal(Sats(mine["trusted"]), ours.Trusted.Satoshis);
        Assert.Equal(Sats(mine["untrusted_pending"]), ours.UntrustedPending.Satoshis);
        Assert.Equal(Sats(mine["immature"]), ours.Immature.Satoshis);
        var coreUtxos = (await Node.WalletRpc(coreWatch, "listunspent", 0))!.AsArray()
            .Select(u => $"{(string)u!["txid"]!}:{(int)u["vout"]!}").Order(StringComparer.Ordinal).ToList();
        var ourUtxos = (await s.ListUnspentAsync(wallet, Ct)).Where(u => u.IsMature).Select(u => u.OutPoint.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(coreUtxos, ourUtxos);
    }

    private async Task<bool> InMempoolAsync(TxId txid) =>
        (await Node.Rpc("getrawmempool"))!.AsArray().Any(t => (string)t! == txid.ToString());

    [Fact]
    public async Task Sync_send_bump_and_cpfp_are_accepted_by_core_and_balances_match_cores_own_view()
    {
        using var rpc = Rpc();
        await using var h = await ServiceHarness.CreateAsync(provider, () => rpc);
        var s = h.Service;
        var name = "a" + provider;
        using (var m = Mnemonic.FromEntropy(Enumerable.Repeat((byte)(provider.Length + 11), 16).ToArray()))
        {
            await s.RestoreAsync(new CreateWalletRequest { Name = name, Template = WalletTemplate.Bip86 }, m, Pass, default, Ct);
        }

        var info = await s.GetInfoAsync(name, Ct);
        var watch = await CoreWatchAsync("watch-" + name, info);
        var core = await CoreFundedAsync();

        // Mine a coinbase to the wallet and mature it.
        await Node.MineAsync(1, (await s.GetNewAddressAsync(name, WalletKeychain.External, Ct)).Address!.ToString());
        await Node.MineAsync(100, await CoreAddressAsync());
        var progress = await s.SyncAsync(name, mempool: true, Ct);
        Assert.Equal((int)(await Node.Rpc("getblockcount"))!, progress.Tip.Height);
        Assert.Equal((string)(await Node.Rpc("getbestblockhash"))!, progress.Tip.Hash.ToString());
        await AssertSameAsCoreAsync(s, name, watch);
        Assert.True((await s.GetBalanceAsync(name, Ct)).Confirmed > Amount.Zero);

        // Send to Core: testmempoolaccept then broadcast; recorded as pending at once.
        var sent = await s.SendAsync(name, new SpendRequest { Payments = [new Payment(await CoreAddressAsync(), Amount.FromBtc(1m))], FeeRate = FeeRate.FromSatoshisPerVByte(2) }, Pass, Ct);
        Assert.True(await InMempoolAsync(sent.TxId));
        Assert.True(sent.Transaction.SignalsRbf);
        var pending = await s.GetTransactionAsync(name, sent.TxId, Ct);
        Assert.Equal(0, pending!.Confirmations);

        // BIP125 bump: Core replaces the original with the higher-fee transaction.
        var bumped = await s.BumpFeeAsync(name, sent.TxId, FeeRate.FromSatoshisPerVByte(6), Pass, Ct);
        Assert.True(await InMempoolAsync(bumped.TxId));
        Assert.False(await InMempoolAsync(sent.TxId));
        Assert.Equal([sent.TxId], bumped.Replaced);
        var entry = await rpc.GetMempoolEntryAsync(bumped.TxId, Ct);
        Assert.True(entry.FeeRate >= FeeRate.FromSatoshisPerVByte(6), $"bumped rate {entry.FeeRate}");
        Assert.Contains(bumped.Transaction.Outputs, o => o.Value == Amount.FromBtc(1m));
        await s.SyncAsync(name, mempool: true, Ct);
        Assert.Null((await s.ListTransactionsAsync(name, Ct)).FirstOrDefault(t => t.TxId == sent.TxId));
        Assert.Equal(WalletErrorKind.InvalidRequest, (await Assert.ThrowsAsync<WalletOperationException>(() => s.BumpFeeAsync(name, sent.TxId, FeeRate.FromSatoshisPerVByte(20), Pass, Ct))).Kind);

        // CPFP: Core pays the wallet at 1 sat/vB; the child lifts the package to 25 sat/vB.
        var parentId = TxId.Parse((string)(await Node.WalletRpc(core, "sendtoaddress", (await s.GetNewAddressAsync(name, WalletKeychain.External, Ct)).Address!.ToString(), 0.5m, "", "", false, true, null, "unset", null, 1))!);
        await s.SyncAsync(name, mempool: true, Ct);
        var child = await s.CpfpAsync(name, parentId, FeeRate.FromSatoshisPerVByte(25), Pass, Ct);
        Assert.True(await InMempoolAsync(child.TxId));
        var childEntry = await rpc.GetMempoolEntryAsync(child.TxId, Ct);
        Assert.Equal(2, childEntry.AncestorCount);
        Assert.True(FeeRate.FromFee(childEntry.AncestorFees.ToAmount(), childEntry.AncestorSize) >= FeeRate.FromSatoshisPerVByte(25), $"package rate {FeeRate.FromFee(childEntry.AncestorFees.ToAmount(), childEntry.AncestorSize)}");

        await s.SyncAsync(name, mempool: true, Ct);
        await Node.Rpc("syncwithvalidationinterfacequeue");
        await AssertSameAsCoreAsync(s, name, watch);

        // Confirm everything: exact balances against Core's own view of the same descriptors.
        await Node.MineAsync(1, await CoreAddressAsync());
        await s.SyncAsync(name, mempool: true, Ct);
        await Node.Rpc("syncwithvalidationinterfacequeue");
        await AssertSameAsCoreAsync(s, name, watch);
        var history = await s.ListTransactionsAsync(name, Ct);
        Assert.All(history, t => Assert.True(t.Confirmations > 0));
        Assert.Contains(history, t => t.TxId == bumped.TxId && t.Fee == bumped.Fee);
        Assert.Contains(history, t => t.TxId == child.TxId);
    }

    [Fact]
    public async Task A_reorg_unconfirms_a_transaction_and_a_new_block_confirms_it_again()
    {
        using var rpc = Rpc();
        await using var h = await ServiceHarness.CreateAsync(provider, () => rpc);
        var s = h.Service;
        var name = "r" + provider;
        using (var m = Mnemonic.FromEntropy(Enumerable.Repeat((byte)(provider.Length + 21), 16).ToArray()))
        {
            await s.RestoreAsync(new CreateWalletRequest { Name = name, Template = WalletTemplate.Bip84 }, m, Pass, default, Ct);
        }

        var core = await CoreFundedAsync();
        var address = (await s.GetNewAddressAsync(name, WalletKeychain.External, Ct)).Address!.ToString();
        var txid = TxId.Parse((string)(await Node.WalletRpc(core, "sendtoaddress", address, 1.25m))!);
        var block = (await Node.MineAsync(1, await CoreAddressAsync()))[0];
        await s.SyncAsync(name, mempool: true, Ct);
        var confirmed = await s.GetTransactionAsync(name, txid, Ct);
        Assert.Equal(1, confirmed!.Confirmations);
        Assert.Equal(Amount.FromBtc(1.25m), (await s.GetBalanceAsync(name, Ct)).Confirmed);

        // invalidateblock, then a longer competing chain of empty blocks: the transaction is back in the mempool only.
        await Node.Rpc("invalidateblock", block);
        var other = await CoreAddressAsync();
        await Node.Rpc("generateblock", other, new JsonArray());
        await Node.Rpc("generateblock", other, new JsonArray());
        var progress = await s.SyncAsync(name, mempool: true, Ct);
        Assert.True(progress.BlocksDisconnected >= 1);
        Assert.Equal((string)(await Node.Rpc("getbestblockhash"))!, progress.Tip.Hash.ToString());
        var unconfirmed = await s.GetTransactionAsync(name, txid, Ct);
        Assert.Equal(0, unconfirmed!.Confirmations);
        var balance = await s.GetBalanceAsync(name, Ct);
        Assert.Equal(Amount.Zero, balance.Confirmed);
        Assert.Equal(Amount.FromBtc(1.25m), balance.UntrustedPending);

        // A new block includes it again.
        await Node.MineAsync(1, other);
        await s.SyncAsync(name, mempool: true, Ct);
        Assert.Equal(1, (await s.GetTransactionAsync(name, txid, Ct))!.Confirmations);
        Assert.Equal(Amount.FromBtc(1.25m), (await s.GetBalanceAsync(name, Ct)).Confirmed);
        await Node.Rpc("reconsiderblock", block);
    }

    [Fact]
    public async Task Restoring_the_mnemonic_in_a_fresh_database_rescans_to_the_same_balance_and_history()
    {
        using var rpc = Rpc();
        var entropy = Enumerable.Repeat((byte)(provider.Length + 31), 32).ToArray();
        var name = "orig" + provider;
        WalletBalance balance;
        List<TxId> history;
        await using (var h = await ServiceHarness.CreateAsync(provider, () => rpc))
        {
            var s = h.Service;
            using (var m = Mnemonic.FromEntropy(entropy))
            {
                await s.RestoreAsync(new CreateWalletRequest { Name = name, Template = WalletTemplate.Bip86 }, m, Pass, "bip39 words".ToCharArray(), Ct);
            }

            var core = await CoreFundedAsync();
            for (var i = 0; i < 3; i++)
            {
                // Three receive addresses; the restore must find every payment without them being revealed first.
                var address = (await s.GetNewAddressAsync(name, WalletKeychain.External, Ct)).Address!.ToString();
                await Node.WalletRpc(core, "sendtoaddress", address, 0.3m + i);
            }

            await Node.MineAsync(1, await CoreAddressAsync());
            await s.SyncAsync(name, mempool: true, Ct);
            await s.SendAsync(name, new SpendRequest { Payments = [new Payment(await CoreAddressAsync(), Amount.FromBtc(1m))], FeeRate = FeeRate.FromSatoshisPerVByte(3) }, Pass, Ct);
            await Node.MineAsync(1, await CoreAddressAsync());
            await s.SyncAsync(name, mempool: true, Ct);
            balance = await s.GetBalanceAsync(name, Ct);
            history = [.. (await s.ListTransactionsAsync(name, Ct)).Select(t => t.TxId)];
            Assert.Equal(4, history.Count);
        }

        // A fresh data dir and database: restore from the words (and the BIP39 passphrase), scan from genesis.
        await using (var fresh = await ServiceHarness.CreateAsync(provider, () => rpc))
        {
            var s = fresh.Service;
            using (var m = Mnemonic.FromEntropy(entropy))
            {
                await s.RestoreAsync(new CreateWalletRequest { Name = "restored", Template = WalletTemplate.Bip86 }, m, Pass, "bip39 words".ToCharArray(), Ct);
            }

            await s.SyncAsync("restored", mempool: true, Ct);
            Assert.Equal(balance, await s.GetBalanceAsync("restored", Ct));
            Assert.Equal(history, (await s.ListTransactionsAsync("restored", Ct)).Select(t => t.TxId));

            // A rescan from the first block finds nothing new and changes nothing.
            var rescan = await s.RescanAsync("restored", 1, Ct);
            Assert.Equal(0, rescan.TransactionsFound);
            Assert.Equal(balance, await s.GetBalanceAsync("restored", Ct));
        }
    }
}

public sealed class SqliteRegtestServiceTests(RegtestNodeFixture fixture) : RegtestServiceTests(fixture, "sqlite"), IClassFixture<RegtestNodeFixture>;

public sealed class PostgresRegtestServiceTests(RegtestNodeFixture fixture) : RegtestServiceTests(fixture, "postgres"), IClassFixture<RegtestNodeFixture>;
