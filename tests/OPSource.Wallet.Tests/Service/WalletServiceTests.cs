using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Platform.Funding;
using OPSource.Wallet.Service;
using PsbtDocument = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Wallet.Tests.Service;

public abstract class WalletServiceTests(string provider)
{
    private const string Phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    private static readonly ReadOnlyMemory<char> Pass = "correct horse battery staple".ToCharArray();
    private static readonly Script Foreign = Address.Parse("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", Network.Regtest).ScriptPubKey;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Create_restore_and_import_wallets_and_refusals_change_nothing()
    {
        await using var h = await ServiceHarness.CreateAsync(provider);
        var s = h.Service;
        var (a, words) = await s.CreateAsync(new CreateWalletRequest { Name = "a", WordCount = 12 }, Pass, default, Ct);
        char[] phrase;
        using (words)
        {
            Assert.Equal(12, words.WordCount);
            phrase = new char[words.PhraseLength];
            words.CopyPhraseTo(phrase);
        }

        Assert.Equal("bip39", a.SecretKind);
        Assert.False(a.WatchOnly);
        Assert.Equal(-1, a.BirthdayHeight); // no node: the first sync starts at the node's tip
        Assert.StartsWith("tr([", a.ExternalDescriptor, StringComparison.Ordinal);

        Assert.Equal(WalletErrorKind.AlreadyExists, (await Assert.ThrowsAsync<WalletOperationException>(() => s.CreateAsync(new CreateWalletRequest { Name = "a" }, Pass, default, Ct))).Kind);
        Assert.Equal(WalletErrorKind.InvalidRequest, (await Assert.ThrowsAsync<WalletOperationException>(() => s.CreateAsync(new CreateWalletRequest { Name = "bad name" }, Pass, default, Ct))).Kind);
        Assert.Equal(WalletErrorKind.InvalidRequest, (await Assert.ThrowsAsync<WalletOperationException>(() => s.CreateAsync(new CreateWalletRequest { Name = "c" }, default, default, Ct))).Kind);
        Assert.Equal(WalletErrorKind.NotFound, (await Assert.ThrowsAsync<WalletOperationException>(() => s.GetInfoAsync("nope", Ct))).Kind);
        Assert.Equal(["a"], await s.ListNamesAsync(Ct));

        // Restoring the words gives the same wallet (same descriptors), scanning from genesis.
        Assert.True(Mnemonic.TryParse(phrase.AsSpan(), out var restored, out _));
        Array.Clear(phrase);
        using (restored)
        {
            var b = await s.RestoreAsync(new CreateWalletRequest { Name = "b" }, restored, Pass, default, Ct);
            Assert.Equal(a.ExternalDescriptor, b.ExternalDescriptor);
            Assert.Equal(a.InternalDescriptor, b.InternalDescriptor);
            Assert.Equal(0, b.BirthdayHeight);
        }

        // The BIP39 passphrase changes the seed; the BIP84 template the script type.
        using (var m = Mnemonic.Parse(Phrase))
        {
            var c = await s.RestoreAsync(new CreateWalletRequest { Name = "c", Template = WalletTemplate.Bip84, BirthdayHeight = 5 }, m, Pass, "TREZOR".ToCharArray(), Ct);
            Assert.StartsWith("wpkh([", c.ExternalDescriptor, StringComparison.Ordinal);
            Assert.Equal(5, c.BirthdayHeight);
            using var seed = m.DeriveSeed("TREZOR");
            using var master = ExtKey.CreateMaster(seed);
            Assert.Contains($"[{master.Fingerprint}/84h/1h/0h]", c.ExternalDescriptor, StringComparison.Ordinal);
        }

        // Watch-only from the public descriptor: same addresses, no passphrase allowed.
        var w = await s.ImportAsync(new ImportWalletRequest { Name = "w", Descriptor = a.ExternalDescriptor, ChangeDescriptor = a.InternalDescriptor }, default, Ct);
        Assert.True(w.WatchOnly);
        Assert.Null(w.SecretKind);
        Assert.Equal((await s.GetNewAddressAsync("a", WalletKeychain.External, Ct)).Address, (await s.GetNewAddressAsync("w", WalletKeychain.External, Ct)).Address);
        await Assert.ThrowsAsync<WalletOperationException>(() => s.ImportAsync(new ImportWalletRequest { Name = "w2", Descriptor = a.ExternalDescriptor }, Pass, Ct));
        var mainnet = "wpkh(xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8/0/*)";
        Assert.Equal(WalletErrorKind.WrongNetwork, (await Assert.ThrowsAsync<WalletOperationException>(() => s.ImportAsync(new ImportWalletRequest { Name = "m", Descriptor = mainnet }, default, Ct))).Kind);
        var bad = await Assert.ThrowsAsync<WalletOperationException>(() => s.ImportAsync(new ImportWalletRequest { Name = "m", Descriptor = "wpkh(nonsense)" }, default, Ct));
        Assert.Equal(WalletErrorKind.InvalidRequest, bad.Kind);
        // The parser's typed error flows through: its code and the key's position (after "wpkh(").
        Assert.Equal(("descriptor.invalid_key", 5), (bad.InputError?.Code, bad.InputError?.Position));

        // A private descriptor: the keys are sealed, only the public form is stored.
        using var key = ExtKey.CreateMaster(Convert.FromHexString("000102030405060708090a0b0c0d0e0f"));
        var priv = DescriptorChecksum.Add($"wpkh({key.ToBase58(Network.Regtest)}/84h/1h/0h/0/*)");
        var k = await s.ImportAsync(new ImportWalletRequest { Name = "k", Descriptor = priv }, Pass, Ct);
        Assert.Equal("keys", k.SecretKind);
        Assert.DoesNotContain("tprv", k.ExternalDescriptor, StringComparison.Ordinal);
        Assert.StartsWith($"wpkh([{key.Fingerprint}/84h/1h/0h]tpub", k.ExternalDescriptor, StringComparison.Ordinal);
        Assert.True(await s.VerifyPassphraseAsync("k", Pass, Ct));
        Assert.Equal(["a", "b", "c", "k", "w"], await s.ListNamesAsync(Ct));
    }

    [Fact]
    public async Task Unlock_lock_wrong_passphrase_and_watch_only_refusals()
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var h = await ServiceHarness.CreateAsync(provider, time: clock);
        var s = h.Service;
        using (var m = Mnemonic.Parse(Phrase))
        {
            await s.RestoreAsync(new CreateWalletRequest { Name = "a" }, m, Pass, default, Ct);
        }

        var info = await s.GetInfoAsync("a", Ct);
        await s.ImportAsync(new ImportWalletRequest { Name = "w", Descriptor = info.ExternalDescriptor }, default, Ct);
        await ServiceHarness.FundAsync(s, "a", ((await s.GetNewAddressAsync("a", WalletKeychain.External, Ct)).ScriptPubKey, 100_000));
        var psbt = (await s.CreatePsbtAsync("a", new SpendRequest { Payments = [new Payment("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", Amount.FromSatoshis(50_000))], FeeRate = new FeeRate(2000) }, Ct)).Psbt;

        Assert.False(await s.VerifyPassphraseAsync("a", "wrong".ToCharArray(), Ct));
        Assert.True(await s.VerifyPassphraseAsync("a", Pass, Ct));
        var wrong = await Assert.ThrowsAsync<WalletOperationException>(() => s.UnlockAsync("a", "wrong".ToCharArray(), TimeSpan.FromMinutes(10), Ct));
        Assert.Equal(WalletErrorKind.WrongPassphrase, wrong.Kind);
        Assert.DoesNotContain("wrong", wrong.Message.Replace("wrong passphrase", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(WalletErrorKind.Locked, (await Assert.ThrowsAsync<WalletOperationException>(() => s.SignAsync("a", psbt, Ct))).Kind);
        Assert.Equal(WalletErrorKind.WatchOnly, (await Assert.ThrowsAsync<WalletOperationException>(() => s.SignPsbtAsync("w", psbt, Pass, Ct))).Kind);
        Assert.Equal(WalletErrorKind.InvalidRequest, (await Assert.ThrowsAsync<WalletOperationException>(() => s.UnlockAsync("a", Pass, TimeSpan.FromDays(30), Ct))).Kind);

        var until = await s.UnlockAsync("a", Pass, TimeSpan.FromMinutes(10), Ct);
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromMinutes(10), until);
        Assert.Equal(until, (await s.GetInfoAsync("a", Ct)).UnlockedUntil);
        var signed = await s.SignAsync("a", psbt, Ct);
        Assert.Equal([0], signed.SignedInputs);
        var (tx, none) = await s.FinalizePsbtAsync("a", signed.Psbt, broadcast: false, Ct);
        Assert.Null(none);
        Assert.Equal(psbt.GetUnsignedTxId(), tx.GetTxId());

        // The unlock period ends: the keys are gone.
        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Null((await s.GetInfoAsync("a", Ct)).UnlockedUntil);
        Assert.Equal(WalletErrorKind.Locked, (await Assert.ThrowsAsync<WalletOperationException>(() => s.SignAsync("a", psbt, Ct))).Kind);
        await s.UnlockAsync("a", Pass, TimeSpan.FromMinutes(10), Ct);
        Assert.True(s.Lock("a"));
        Assert.Equal(WalletErrorKind.Locked, (await Assert.ThrowsAsync<WalletOperationException>(() => s.SignAsync("a", psbt, Ct))).Kind);

        // A passphrase given for one call signs without unlocking.
        Assert.Equal([0], (await s.SignPsbtAsync("a", psbt, Pass, Ct)).SignedInputs);
    }

    [Fact]
    public async Task Funding_selection_for_an_external_transaction_locks_coins_and_the_wallet_signs_its_own_inputs()
    {
        await using var h = await ServiceHarness.CreateAsync(provider);
        IWalletFunding funding = h.Service;
        IPsbtSigner signer = h.Service;
        using (var m = Mnemonic.Parse(Phrase))
        {
            await h.Service.RestoreAsync(new CreateWalletRequest { Name = "a", Template = WalletTemplate.Bip84 }, m, Pass, default, Ct);
        }

        foreach (var sats in new long[] { 40_000, 70_000, 120_000 })
        {
            await ServiceHarness.FundAsync(h.Service, "a", (await funding.GetNewScriptAsync("a", WalletKeychain.External, Ct), sats));
        }

        var selection = await funding.SelectFundingAsync(new FundingRequest("a", Amount.FromSatoshis(100_000), new FeeRate(2000)), Ct);
        Assert.True(selection.Total >= Amount.FromSatoshis(100_000));
        foreach (var input in selection.Inputs)
        {
            Assert.Equal(input.OutPoint.TxId, input.PreviousTransaction.GetTxId());
            Assert.Equal(input.Output, input.PreviousTransaction.Outputs[(int)input.OutPoint.Index]);
            Assert.Equal(107, input.MaxWitnessLength); // P2WPKH: count + low-R signature + compressed key (dlcspecs' 107)
            Assert.True(input.RedeemScript.IsEmpty);
        }

        var utxos = await h.Service.ListUnspentAsync("a", Ct);
        Assert.All(selection.Inputs, i => Assert.True(utxos.Single(u => u.OutPoint == i.OutPoint).IsLocked));
        Assert.True((await h.Service.GetCoreAsync("a", Ct)).IsMine(selection.ChangeScript));

        // Locked coins are not offered again; releasing them makes them available.
        var rest = utxos.Where(u => !u.IsLocked).Sum(u => u.Value.Satoshis);
        await Assert.ThrowsAsync<WalletOperationException>(() => funding.SelectFundingAsync(new FundingRequest("a", Amount.FromSatoshis(rest + 1), new FeeRate(2000)), Ct));
        await funding.ReleaseAsync("a", [.. selection.Inputs.Select(i => i.OutPoint)], Ct);
        Assert.DoesNotContain(await h.Service.ListUnspentAsync("a", Ct), u => u.IsLocked);

        // A transaction assembled elsewhere (foreign input first, no PSBT fields): the wallet adds its own data and signs only its inputs.
        var foreignInput = new TxIn(new OutPoint(new TxId(new UInt256(new byte[32])), 7));
        var tx = new Transaction(2, [foreignInput, .. selection.Inputs.Select(i => new TxIn(i.OutPoint, Script.Empty, i.Sequence, Witness.Empty))],
            [new TxOut(Amount.FromSatoshis(90_000), Foreign), new TxOut(selection.Total - Amount.FromSatoshis(90_000) - Amount.FromSatoshis(1_000), selection.ChangeScript)], LockTime.Zero);
        var psbt = PsbtDocument.Create(tx).WithWitnessUtxo(0, new TxOut(Amount.FromSatoshis(5_000), Foreign));
        await h.Service.UnlockAsync("a", Pass, TimeSpan.FromMinutes(1), Ct);
        var signed = await signer.SignAsync("a", psbt, Ct);
        Assert.Equal(Enumerable.Range(1, selection.Inputs.Count), signed.SignedInputs);
        Assert.Empty(signed.Psbt.Inputs[0].PartialSignatures);

        // And a funded PSBT for a treasury-style spend.
        var funded = await funding.CreatePsbtAsync(new PsbtRequest("a", [new PaymentOutput(Foreign, Amount.FromSatoshis(30_000))], new FeeRate(3000)), Ct);
        var done = await signer.SignAsync("a", funded, Ct);
        var final = DescriptorWallet.FinalizeAndVerify(done.Psbt);
        Assert.Contains(final.Outputs, o => o.ScriptPubKey == Foreign && o.Value == Amount.FromSatoshis(30_000));
    }

    [Fact]
    public async Task A_watch_only_multisig_treasury_gets_a_psbt_that_two_member_wallets_sign()
    {
        await using var h = await ServiceHarness.CreateAsync(provider);
        var s = h.Service;
        var keys = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var m = Mnemonic.FromEntropy(Enumerable.Repeat((byte)(i + 1), 16).ToArray());
            await s.RestoreAsync(new CreateWalletRequest { Name = $"member{i}" }, m, Pass, default, Ct);
            using var seed = m.DeriveSeed();
            using var master = ExtKey.CreateMaster(seed);
            using var account = master.Derive(KeyPath.Parse("m/48h/1h/0h/2h"));
            keys.Add($"[{master.Fingerprint}/48h/1h/0h/2h]{account.Neuter().ToString(Network.Regtest)}/<0;1>/*");
        }

        IWalletProvisioning provisioning = s;
        var descriptor = DescriptorChecksum.Add($"wsh(sortedmulti(2,{string.Join(",", keys)}))");
        await provisioning.CreateWatchOnlyWalletAsync(new WatchOnlyWalletRequest("treasury", descriptor), Ct);
        Assert.True(await provisioning.ExistsAsync("treasury", Ct));
        Assert.False(await provisioning.ExistsAsync("nobody", Ct));
        Assert.Equal(WalletErrorKind.AlreadyExists, (await Assert.ThrowsAsync<WalletOperationException>(() => provisioning.CreateWatchOnlyWalletAsync(new WatchOnlyWalletRequest("treasury", descriptor), Ct))).Kind);
        var info = await s.GetInfoAsync("treasury", Ct);
        Assert.True(info.WatchOnly);
        Assert.NotNull(info.InternalDescriptor);

        IWalletFunding funding = s;
        await ServiceHarness.FundAsync(s, "treasury", (await funding.GetNewScriptAsync("treasury", WalletKeychain.External, Ct), 500_000));
        var psbt = await funding.CreatePsbtAsync(new PsbtRequest("treasury", [new PaymentOutput(Foreign, Amount.FromSatoshis(200_000))], new FeeRate(2000)), Ct);
        Assert.Equal(WalletErrorKind.WatchOnly, (await Assert.ThrowsAsync<WalletOperationException>(() => s.SignAsync("treasury", psbt, Ct))).Kind);

        var one = await s.SignPsbtAsync("member0", psbt, Pass, Ct);
        Assert.Equal([0], one.SignedInputs);
        Assert.False(one.Complete);
        var two = await s.SignPsbtAsync("member2", one.Psbt, Pass, Ct);
        Assert.True(two.Complete);
        var (tx, _) = await s.FinalizePsbtAsync("treasury", two.Psbt, broadcast: false, Ct);
        Assert.Contains(tx.Outputs, o => o.ScriptPubKey == Foreign);
    }

    [Fact]
    public async Task Two_services_on_one_database_never_hand_out_the_same_address_and_see_each_others_changes()
    {
        await using var h = await ServiceHarness.CreateAsync(provider);
        using (var m = Mnemonic.Parse(Phrase))
        {
            await h.Service.RestoreAsync(new CreateWalletRequest { Name = "a" }, m, Pass, default, Ct);
        }

        using var other = h.Another();
        var tasks = new List<Task<WalletAddress>>();
        for (var i = 0; i < 10; i++)
        {
            tasks.Add(h.Service.GetNewAddressAsync("a", WalletKeychain.External, Ct));
            tasks.Add(other.GetNewAddressAsync("a", WalletKeychain.External, Ct));
        }

        var addresses = await Task.WhenAll(tasks);
        Assert.Equal(20, addresses.Select(a => a.Index).Distinct().Count());

        await ServiceHarness.FundAsync(h.Service, "a", (addresses[0].ScriptPubKey, 10_000));
        Assert.Equal(Amount.FromSatoshis(10_000), (await other.GetBalanceAsync("a", Ct)).Confirmed);
        await other.SetLabelsAsync("a", [new WalletLabel("addr", addresses[0].Address!.ToString(), "first")], Ct);
        Assert.Equal("first", Assert.Single(await h.Service.ListLabelsAsync("a", Ct)).Label);
    }

    [Fact]
    public async Task A_block_applied_twice_counts_once()
    {
        await using var h = await ServiceHarness.CreateAsync(provider);
        using (var m = Mnemonic.Parse(Phrase))
        {
            await h.Service.RestoreAsync(new CreateWalletRequest { Name = "a" }, m, Pass, default, Ct);
        }

        var spk = (await h.Service.GetNewAddressAsync("a", WalletKeychain.External, Ct)).ScriptPubKey;
        var tx = new Transaction(2, [new TxIn(new OutPoint(new TxId(new UInt256(new byte[32])), 3))], [new TxOut(Amount.FromSatoshis(25_000), spk)], LockTime.Zero);
        var block = await ServiceHarness.NextBlockAsync(h.Service, "a", tx);
        Assert.Equal(1, await h.Service.ApplyBlockAsync("a", 1, block, Ct));
        Assert.Equal(0, await h.Service.ApplyBlockAsync("a", 1, block, Ct));
        Assert.Equal(0, await h.Service.ApplyMempoolAsync("a", [(tx, 1_800_000_000)], [], Ct));
        Assert.Equal(Amount.FromSatoshis(25_000), (await h.Service.GetBalanceAsync("a", Ct)).Confirmed);
        Assert.Single(await h.Service.ListTransactionsAsync("a", Ct));
        Assert.Equal(1, (await h.Service.GetInfoAsync("a", Ct)).Tip.Height);
    }
}

public sealed class SqliteWalletServiceTests() : WalletServiceTests("sqlite");

public sealed class PostgresWalletServiceTests() : WalletServiceTests("postgres");

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
