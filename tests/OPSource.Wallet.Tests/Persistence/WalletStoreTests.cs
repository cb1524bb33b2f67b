using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Platform.Funding;
using OPSource.Wallet.Persistence;
using static OPSource.Wallet.Tests.WalletFixtures;

namespace OPSource.Wallet.Tests.Persistence;

public abstract class WalletStoreTests(string provider)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Changesets_saved_block_by_block_load_back_to_the_same_wallet()
    {
        await using var db = await WalletDatabase.CreateAsync(provider);
        var store = new WalletStore(db.Database);
        var (wallet, keys) = SeedWallet(WalletTemplate.Bip86, seed: 7);
        using var ring = keys;
        await store.CreateAsync(new StoredWallet("main", "regtest", wallet.External.ToString(), wallet.Internal!.ToString(), 0, DateTimeOffset.UtcNow, null), wallet.TakeStaged(), Ct);
        var duplicate = await Assert.ThrowsAsync<WalletOperationException>(() => store.CreateAsync(new StoredWallet("main", "regtest", "x", null, 0, DateTimeOffset.UtcNow, null), WalletChangeSet.Empty, Ct));
        Assert.Equal(WalletErrorKind.AlreadyExists, duplicate.Kind);

        for (var i = 0; i < 5; i++)
        {
            Fund(wallet, (wallet.RevealNextAddress().ScriptPubKey, 10_000 * (i + 1)));
            await store.SaveAsync("main", wallet.TakeStaged(), Ct);
        }

        var built = wallet.BuildTransaction(new SendRequest { Recipients = [new Recipient(Address.Parse("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", Net).ScriptPubKey, Amount.FromSatoshis(40_000))], FeeRate = new FeeRate(2000) });
        var tx = DescriptorWallet.FinalizeAndVerify(keys.Sign(built.Psbt, out _, out _));
        wallet.CommitChange(built);
        wallet.ApplyUnconfirmed([(tx, 1_800_000_000)]);
        wallet.SetLabel(new WalletLabel("tx", tx.GetTxId().ToString(), "rent"));
        wallet.SetLocked([built.Inputs[0].OutPoint], true);
        wallet.SetLocked([built.Inputs[0].OutPoint], false);
        await store.SaveAsync("main", wallet.TakeStaged(), Ct);

        // Saving a changeset twice (a replay after a crash) changes nothing.
        var all = await store.LoadAsync("main", Ct);
        await store.SaveAsync("main", all, Ct);

        var loaded = DescriptorWallet.Load(await store.LoadAsync("main", Ct));
        Assert.Equal(wallet.InitialChangeSet(), loaded.InitialChangeSet());
        Assert.Equal(wallet.GetBalance(), loaded.GetBalance());
        Assert.Equal(wallet.Tip, loaded.Tip);
        Assert.Equal("rent", loaded.GetLabel("tx", tx.GetTxId().ToString())!.Label);
        Assert.Equal(wallet.ListTransactions().Select(t => t.TxId), loaded.ListTransactions().Select(t => t.TxId));
        Assert.Equal(wallet.NextUnusedAddress(WalletKeychain.External), loaded.NextUnusedAddress(WalletKeychain.External));

        var list = await store.ListAsync(Ct);
        Assert.Equal("main", Assert.Single(list).Name);
        Assert.True(await store.DeleteAsync("main", Ct));
        await Assert.ThrowsAsync<WalletOperationException>(() => store.LoadAsync("main", Ct));
    }

    [Fact]
    public async Task A_reorg_persists_as_removed_blocks()
    {
        await using var db = await WalletDatabase.CreateAsync(provider);
        var store = new WalletStore(db.Database);
        var (wallet, keys) = SeedWallet(WalletTemplate.Bip84, seed: 8);
        using var ring = keys;
        await store.CreateAsync(new StoredWallet("w", "regtest", wallet.External.ToString(), wallet.Internal!.ToString(), 0, DateTimeOffset.UtcNow, null), wallet.TakeStaged(), Ct);
        Fund(wallet, (wallet.RevealNextAddress().ScriptPubKey, 10_000));
        Mine(wallet);
        await store.SaveAsync("w", wallet.TakeStaged(), Ct);
        wallet.DisconnectBlock(wallet.Chain.Get(1)!.Value);
        await store.SaveAsync("w", wallet.TakeStaged(), Ct);
        var loaded = DescriptorWallet.Load(await store.LoadAsync("w", Ct));
        Assert.Equal(0, loaded.Tip.Height);
        Assert.Equal(Amount.Zero, loaded.GetBalance().Total);
    }
}

public sealed class SqliteWalletStoreTests() : WalletStoreTests("sqlite");

public sealed class PostgresWalletStoreTests() : WalletStoreTests("postgres");
