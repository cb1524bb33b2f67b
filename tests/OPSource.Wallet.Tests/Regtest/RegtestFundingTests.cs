using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Rpc;
using OPSource.Platform.Funding;
using OPSource.TestSupport.Peers;
using OPSource.Wallet.Service;
using OPSource.Wallet.Tests.Service;
using PsbtDocument = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Wallet.Tests.Regtest;

/// <summary>
/// The wallet as the modules above use it (<see cref="IWalletFunding"/> and <see cref="IPsbtSigner"/> only), against a
/// real Bitcoin Core v29.2 regtest node on SQLite and PostgreSQL: two wallets of different script types each select
/// and lock coins for one transaction assembled outside the wallet (a DLC funding transaction's shape), each signs only
/// its own inputs, Core's mempool accepts the result at the requested fee rate (the wallets' witness size bounds hold),
/// and after confirmation both wallets see the spend; a released selection frees its coins; a funded PSBT of a
/// watch-only 2-of-2 treasury is signed by its two member wallets and accepted by Core.
/// </summary>
public abstract class RegtestFundingTests(RegtestNodeFixture fixture, string provider)
{
    private static readonly ReadOnlyMemory<char> Pass = "funding passphrase".ToCharArray();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BitcoinCoreNode Node => fixture.Node;

    private BitcoinRpcClient Rpc() => new(new BitcoinRpcClientOptions(Node.RpcUrl, RpcCredentials.FromCookieFile(Node.CookieFile)));

    private async Task<string> CoreAddressAsync()
    {
        if (!(await Node.Rpc("listwallets"))!.AsArray().Any(w => (string)w! == "core"))
        {
            await Node.CreateWalletAsync("core");
            await Node.MineAsync(101, (string)(await Node.WalletRpc("core", "getnewaddress"))!);
        }

        return (string)(await Node.WalletRpc("core", "getnewaddress"))!;
    }

    private async Task<string> RestoreAsync(WalletService s, string name, WalletTemplate template, byte seed)
    {
        using var m = Mnemonic.FromEntropy(Enumerable.Repeat(seed, 16).ToArray());
        await s.RestoreAsync(new CreateWalletRequest { Name = name, Template = template }, m, Pass, default, Ct);
        return name;
    }

    /// <summary>Core pays each amount to a fresh receive address of the wallet.</summary>
    private async Task PayAsync(IWalletFunding funding, string wallet, params decimal[] btc)
    {
        await CoreAddressAsync();
        foreach (var amount in btc)
        {
            var script = await funding.GetNewScriptAsync(wallet, WalletKeychain.External, Ct);
            var address = Bitcoin.Addresses.Address.TryFromScriptPubKey(script.ToBytes(), Network.Regtest, out var a) ? a.ToString() : throw new InvalidOperationException("no address");
            await Node.WalletRpc("core", "sendtoaddress", address, amount);
        }
    }

    /// <summary>
    /// The vsize a counterparty computes before anyone signs, from what <see cref="FundingInput"/> tells it (dlcspecs'
    /// fee computation): outpoint, sequence and scriptSig (the redeem script push) as non-witness bytes, the witness
    /// bound as witness bytes.
    /// </summary>
    private static long EstimatedWeight(IEnumerable<FundingInput> inputs)
    {
        long weight = 0;
        foreach (var i in inputs)
        {
            var scriptSig = i.RedeemScript.IsEmpty ? 0 : 1 + i.RedeemScript.Length;
            weight += 4 * (32 + 4 + 1 + scriptSig + 4) + i.MaxWitnessLength;
        }

        return weight;
    }

    private static long OutputWeight(Script script) => 4 * (8 + 1 + script.Length);

    [Fact]
    public async Task Two_wallets_fund_one_externally_assembled_transaction_and_core_accepts_it()
    {
        using var rpc = Rpc();
        await using var h = await ServiceHarness.CreateAsync(provider, () => rpc);
        var s = h.Service;
        IWalletFunding funding = s;
        IPsbtSigner signer = s;
        var alice = await RestoreAsync(s, "alice" + provider, WalletTemplate.Bip86, 41);
        var bob = await RestoreAsync(s, "bob" + provider, WalletTemplate.Bip49, 42);
        await PayAsync(funding, alice, 0.3m, 0.7m, 1.1m);
        await PayAsync(funding, bob, 0.4m, 0.25m);
        await Node.MineAsync(1, await CoreAddressAsync());
        await s.SyncAsync(alice, mempool: true, Ct);
        await s.SyncAsync(bob, mempool: true, Ct);

        // Each party covers its collateral, its change output and half of the shared part (version, counts, locktime,
        // segwit marker and flag, the contract output), all at the same rate (dlcspecs' fee split).
        var rate = FeeRate.FromSatoshisPerVByte(5);
        var contract = s.ParseAddress(await CoreAddressAsync());
        var collateralA = Amount.FromBtc(0.9m);
        var collateralB = Amount.FromBtc(0.5m);
        long sharedWeight = (4 * (4 + 1 + 1 + 4)) + 2 + OutputWeight(contract);
        var halfShared = rate.GetFee((sharedWeight + 7) / 8);
        var changeFee = rate.GetFee((OutputWeight(new Script(new byte[34])) + 3) / 4); // change is at most 34 bytes (P2TR/P2WSH)
        var selA = await funding.SelectFundingAsync(new FundingRequest(alice, collateralA + halfShared + changeFee, rate), Ct);
        var selB = await funding.SelectFundingAsync(new FundingRequest(bob, collateralB + halfShared + changeFee, rate), Ct);
        Assert.All(selB.Inputs, i => Assert.False(i.RedeemScript.IsEmpty)); // P2SH-P2WPKH: the counterparty needs the redeem script
        Assert.All(selA.Inputs, i => Assert.True(i.RedeemScript.IsEmpty));

        // The selected coins are locked: a second selection of everything the wallet has must fail.
        var aliceTotal = (await s.ListUnspentAsync(alice, Ct)).Sum(u => u.Value.Satoshis);
        Assert.Equal(WalletErrorKind.InsufficientFunds, (await Assert.ThrowsAsync<WalletOperationException>(() =>
            funding.SelectFundingAsync(new FundingRequest(alice, Amount.FromSatoshis(aliceTotal - selA.Total.Satoshis + 1), rate), Ct))).Kind);

        // The funding transaction, assembled from the selections only (inputs ordered Bob first, then Alice); each
        // change pays exactly what its party owes.
        var changeA = selA.Total - collateralA - halfShared - changeFee - rate.GetFee((EstimatedWeight(selA.Inputs) + 3) / 4);
        var changeB = selB.Total - collateralB - halfShared - changeFee - rate.GetFee((EstimatedWeight(selB.Inputs) + 3) / 4);
        Assert.True(changeA > Amount.Zero && changeB > Amount.Zero);
        var estimatedWeight = sharedWeight + OutputWeight(selA.ChangeScript) + OutputWeight(selB.ChangeScript) + EstimatedWeight(selB.Inputs.Concat(selA.Inputs));
        var tx = new Transaction(
            2,
            [.. selB.Inputs.Concat(selA.Inputs).Select(i => new TxIn(i.OutPoint, Script.Empty, i.Sequence, Witness.Empty))],
            [new TxOut(collateralA + collateralB, contract), new TxOut(changeA, selA.ChangeScript), new TxOut(changeB, selB.ChangeScript)],
            LockTime.Zero);
        var bare = PsbtDocument.Create(tx);
        await s.UnlockAsync(alice, Pass, TimeSpan.FromMinutes(1), Ct);
        await s.UnlockAsync(bob, Pass, TimeSpan.FromMinutes(1), Ct);

        // BIP341: a Taproot signature commits to every spent output, so without the other party's UTXOs the Taproot
        // wallet signs nothing (and says so by its empty list); the assembler adds every input's UTXO first.
        Assert.Empty((await signer.SignAsync(alice, bare, Ct)).SignedInputs);
        var psbt = bare;
        var all = selB.Inputs.Concat(selA.Inputs).ToList();
        for (var i = 0; i < all.Count; i++)
        {
            psbt = psbt.WithWitnessUtxo(i, all[i].Output);
        }

        // Each wallet signs exactly its own inputs (it adds its own derivation data and redeem script first).
        var signedA = await signer.SignAsync(alice, psbt, Ct);
        Assert.Equal(Enumerable.Range(selB.Inputs.Count, selA.Inputs.Count), signedA.SignedInputs);
        var signedB = await signer.SignAsync(bob, signedA.Psbt, Ct);
        Assert.Equal(Enumerable.Range(0, selB.Inputs.Count), signedB.SignedInputs);
        s.Lock(alice);
        s.Lock(bob);

        var final = DescriptorWallet.FinalizeAndVerify(signedB.Psbt);
        Assert.True(final.Weight <= estimatedWeight, $"signed weight {final.Weight} > estimate {estimatedWeight}");
        var accept = (await Node.Rpc("testmempoolaccept", new JsonArray(final.ToHex())))![0]!;
        Assert.True((bool)accept["allowed"]!, accept.ToJsonString());
        var fee = selA.Total + selB.Total - final.Outputs.Aggregate(Amount.Zero, (sum, o) => sum + o.Value);
        Assert.True(FeeRate.FromFee(fee, final.VirtualSize) >= rate, $"fee rate {FeeRate.FromFee(fee, final.VirtualSize)} < {rate}");
        await Node.Rpc("sendrawtransaction", final.ToHex());
        await Node.MineAsync(1, await CoreAddressAsync());

        // Both wallets see the confirmed spend: the selected coins are gone, the change is theirs.
        foreach (var (wallet, selection, change) in new[] { (alice, selA, changeA), (bob, selB, changeB) })
        {
            await s.SyncAsync(wallet, mempool: true, Ct);
            var utxos = await s.ListUnspentAsync(wallet, Ct);
            Assert.DoesNotContain(utxos, u => selection.Inputs.Any(i => i.OutPoint == u.OutPoint));
            Assert.DoesNotContain(utxos, u => u.IsLocked);
            Assert.Contains(utxos, u => u.OutPoint.TxId == final.GetTxId() && u.Value == change && u.Confirmations == 1);
            var record = await s.GetTransactionAsync(wallet, final.GetTxId(), Ct);
            Assert.Equal(1, record!.Confirmations);
            Assert.Equal(change.ToSignedAmount() - selection.Total, record.Net);
        }
    }

    [Fact]
    public async Task A_released_selection_frees_its_coins_and_a_locked_wallet_refuses_to_sign()
    {
        using var rpc = Rpc();
        await using var h = await ServiceHarness.CreateAsync(provider, () => rpc);
        var s = h.Service;
        IWalletFunding funding = s;
        IPsbtSigner signer = s;
        var w = await RestoreAsync(s, "rel" + provider, WalletTemplate.Bip84, 43);
        await PayAsync(funding, w, 0.2m, 0.3m);
        await Node.MineAsync(1, await CoreAddressAsync());
        await s.SyncAsync(w, mempool: true, Ct);

        var rate = FeeRate.FromSatoshisPerVByte(2);
        var both = Amount.FromBtc(0.35m); // more than either coin
        var selection = await funding.SelectFundingAsync(new FundingRequest(w, both, rate), Ct);
        Assert.Equal(2, selection.Inputs.Count);
        await Assert.ThrowsAsync<WalletOperationException>(() => funding.SelectFundingAsync(new FundingRequest(w, Amount.FromSatoshis(1_000), rate), Ct));
        await funding.ReleaseAsync(w, [.. selection.Inputs.Select(i => i.OutPoint)], Ct);
        var again = await funding.SelectFundingAsync(new FundingRequest(w, both, rate), Ct);
        Assert.Equal(selection.Inputs.Select(i => i.OutPoint.ToString()).Order(StringComparer.Ordinal), again.Inputs.Select(i => i.OutPoint.ToString()).Order(StringComparer.Ordinal));

        // Coins confirmed less than MinConfirmations deep are not offered; a payment from another wallet is not
        // offered before it confirms (Core's trusted rule).
        await funding.ReleaseAsync(w, [.. again.Inputs.Select(i => i.OutPoint)], Ct);
        await PayAsync(funding, w, 1m);
        await s.SyncAsync(w, mempool: true, Ct);
        Assert.Equal(WalletErrorKind.InsufficientFunds, (await Assert.ThrowsAsync<WalletOperationException>(() =>
            funding.SelectFundingAsync(new FundingRequest(w, Amount.FromBtc(0.6m), rate, MinConfirmations: 0), Ct))).Kind);
        await Node.MineAsync(1, await CoreAddressAsync());
        await s.SyncAsync(w, mempool: true, Ct);
        Assert.Equal(WalletErrorKind.InsufficientFunds, (await Assert.ThrowsAsync<WalletOperationException>(() =>
            funding.SelectFundingAsync(new FundingRequest(w, Amount.FromBtc(0.6m), rate, MinConfirmations: 2), Ct))).Kind);
        var deepEnough = await funding.SelectFundingAsync(new FundingRequest(w, Amount.FromBtc(0.6m), rate, MinConfirmations: 1), Ct);
        Assert.Contains(deepEnough.Inputs, i => i.Output.Value == Amount.FromBtc(1m));
        await funding.ReleaseAsync(w, [.. deepEnough.Inputs.Select(i => i.OutPoint)], Ct);

        var psbt = await funding.CreatePsbtAsync(new PsbtRequest(w, [new PaymentOutput(s.ParseAddress(await CoreAddressAsync()), Amount.FromBtc(0.1m))], rate), Ct);
        Assert.Equal(WalletErrorKind.Locked, (await Assert.ThrowsAsync<WalletOperationException>(() => signer.SignAsync(w, psbt, Ct))).Kind);
        Assert.Equal(WalletErrorKind.NotFound, (await Assert.ThrowsAsync<WalletOperationException>(() => signer.SignAsync("nobody", psbt, Ct))).Kind);
        await s.UnlockAsync(w, Pass, TimeSpan.FromMinutes(1), Ct);
        var signed = await signer.SignAsync(w, psbt, Ct);
        var tx = DescriptorWallet.FinalizeAndVerify(signed.Psbt);
        var accept = (await Node.Rpc("testmempoolaccept", new JsonArray(tx.ToHex())))![0]!;
        Assert.True((bool)accept["allowed"]!, accept.ToJsonString());
        s.Lock(w);
    }
}

public sealed class SqliteRegtestFundingTests(RegtestNodeFixture fixture) : RegtestFundingTests(fixture, "sqlite"), IClassFixture<RegtestNodeFixture>;

public sealed class PostgresRegtestFundingTests(RegtestNodeFixture fixture) : RegtestFundingTests(fixture, "postgres"), IClassFixture<RegtestNodeFixture>;
