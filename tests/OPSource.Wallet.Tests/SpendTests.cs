using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Scripts;
using OPSource.Platform.Funding;
using OPSource.Wallet.Signing;
using static OPSource.Wallet.Tests.WalletFixtures;

namespace OPSource.Wallet.Tests;

public sealed class SpendTests
{
    private static readonly Script Destination = Address.Parse("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", Network.Regtest).ScriptPubKey;

    [Theory]
    [InlineData(WalletTemplate.Bip86)]
    [InlineData(WalletTemplate.Bip84)]
    [InlineData(WalletTemplate.Bip49)]
    [InlineData(WalletTemplate.Bip44)]
    public void Seed_wallet_receives_builds_signs_and_its_transaction_verifies_with_the_estimated_size(WalletTemplate template)
    {
        var (wallet, keys) = SeedWallet(template);
        using var ring = keys;
        var a = wallet.RevealNextAddress();
        var b = wallet.RevealNextAddress();
        Fund(wallet, (a.ScriptPubKey, 60_000), (b.ScriptPubKey, 70_000));
        Assert.Equal(130_000, wallet.GetBalance().Confirmed.Satoshis);

        var built = wallet.BuildTransaction(new SendRequest
        {
            Recipients = [new Recipient(Destination, Amount.FromSatoshis(100_000))],
            FeeRate = FeeRate.FromSatoshisPerVByte(5),
            Random = new Random(7),
        });
        Assert.Equal(2, built.Inputs.Count);
        var signed = keys.Sign(built.Psbt, out var signedInputs, out var refusals);
        Assert.Empty(refusals);
        Assert.Equal([0, 1], signedInputs);
        var tx = DescriptorWallet.FinalizeAndVerify(signed);

        // The estimate is an upper bound within the signature-size tolerance (one byte per ECDSA signature for R/S length).
        Assert.InRange(tx.VirtualSize, built.EstimatedVSize - (2 * 2), built.EstimatedVSize);
        Assert.Equal(130_000 - 100_000 - built.Fee.Satoshis, built.ChangeIndex is { } c ? tx.Outputs[c].Value.Satoshis : 0);
        Assert.True(built.Fee >= FeeRate.FromSatoshisPerVByte(5).GetFee(tx.VirtualSize));

        // Broadcast: the wallet sees it unconfirmed; change is trusted pending.
        wallet.CommitChange(built);
        wallet.ApplyUnconfirmed([(tx, 1_800_000_000)]);
        var balance = wallet.GetBalance();
        Assert.Equal(0, balance.Confirmed.Satoshis);
        Assert.Equal(30_000 - built.Fee.Satoshis, balance.TrustedPending.Satoshis);
        Mine(wallet, tx);
        Assert.Equal(30_000 - built.Fee.Satoshis, wallet.GetBalance().Confirmed.Satoshis);
        var history = wallet.ListTransactions();
        Assert.Equal(2, history.Count);
        Assert.Equal(-(100_000 + built.Fee.Satoshis), history[1].Net.Satoshis);
        Assert.Equal(built.Fee, history[1].Fee);
    }

    [Fact]
    public void Two_of_three_wsh_sortedmulti_and_tr_multi_a_spend_with_two_signers()
    {
        var masters = Enumerable.Range(10, 3).Select(Master).ToArray();
        string Key(int i) =>
            $"[{masters[i].Fingerprint}/48h/1h/0h/2h]{masters[i].Derive(Bitcoin.Keys.KeyPath.Parse("m/48'/1'/0'/2'")).Neuter().ToString(Net)}/<0;1>/*";
        // BIP341 NUMS point H as the internal key: only the multi_a leaf can spend.
        const string nums = "50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0";
        foreach (var text in new[]
        {
            $"wsh(sortedmulti(2,{Key(0)},{Key(1)},{Key(2)}))",
            $"tr({nums},multi_a(2,{Key(0)},{Key(1)},{Key(2)}))",
            $"sh(wsh(sortedmulti(2,{Key(0)},{Key(1)},{Key(2)})))",
        })
        {
            var wallet = DescriptorWallet.Create(Descriptor.Parse(text, Net), null, Net, out _);
            var addr = wallet.RevealNextAddress();
            Fund(wallet, (addr.ScriptPubKey, 500_000));
            var built = wallet.BuildTransaction(new SendRequest { Recipients = [new Recipient(Destination, Amount.FromSatoshis(200_000))], FeeRate = new FeeRate(2000), Random = new Random(1) });
            using var k0 = WalletKeyRing.FromMaster(masters[0].Clone());
            using var k2 = WalletKeyRing.FromMaster(masters[2].Clone());
            var psbt = k0.Sign(built.Psbt, out var s0, out _);
            Assert.Equal([0], s0);
            Assert.Throws<WalletCoreException>(() => DescriptorWallet.FinalizeAndVerify(psbt));
            psbt = k2.Sign(psbt, out _, out _);
            var tx = DescriptorWallet.FinalizeAndVerify(psbt);
            Assert.InRange(tx.VirtualSize, built.EstimatedVSize - 4, built.EstimatedVSize);
        }
    }

    [Fact]
    public void Refusals_are_typed_and_change_nothing()
    {
        var (wallet, keys) = SeedWallet(WalletTemplate.Bip84);
        using var ring = keys;
        Fund(wallet, (wallet.RevealNextAddress().ScriptPubKey, 50_000));
        var before = wallet.Staged;
        var poor = Assert.Throws<WalletCoreException>(() => wallet.BuildTransaction(new SendRequest { Recipients = [new Recipient(Destination, Amount.FromSatoshis(60_000))], FeeRate = new FeeRate(1000) }));
        Assert.Equal(WalletErrorKind.InsufficientFunds, poor.Kind);
        var dust = Assert.Throws<WalletCoreException>(() => wallet.BuildTransaction(new SendRequest { Recipients = [new Recipient(Destination, Amount.FromSatoshis(293))], FeeRate = new FeeRate(1000) }));
        Assert.Equal(WalletErrorKind.Dust, dust.Kind);
        Assert.Equal(before, wallet.Staged);
    }

    [Fact]
    public void Send_max_drains_every_coin_without_change_and_op_return_is_allowed_at_zero()
    {
        var (wallet, keys) = SeedWallet(WalletTemplate.Bip86);
        using var ring = keys;
        Fund(wallet, (wallet.RevealNextAddress().ScriptPubKey, 50_000), (wallet.RevealNextAddress().ScriptPubKey, 25_000));
        var built = wallet.BuildTransaction(new SendRequest
        {
            Recipients = [new Recipient(Destination, Amount.Zero), new Recipient(StandardScripts.NullData(new byte[] { 1, 2, 3 }), Amount.Zero)],
            FeeRate = new FeeRate(3000),
            SendMax = true,
        });
        Assert.Null(built.ChangeIndex);
        Assert.Equal(75_000 - built.Fee.Satoshis, built.Transaction.Outputs[0].Value.Satoshis);
        var tx = DescriptorWallet.FinalizeAndVerify(keys.Sign(built.Psbt, out _, out _));
        Assert.Equal(built.EstimatedVSize, tx.VirtualSize);
    }
}
