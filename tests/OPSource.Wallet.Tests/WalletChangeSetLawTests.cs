using System.Globalization;
using System.Text;
using CsCheck;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Platform.Funding;
using static OPSource.Wallet.Tests.WalletFixtures;

namespace OPSource.Wallet.Tests;

/// <summary>
/// The laws the persistence rests on, as property tests over random histories of a whole wallet (blocks paying revealed
/// and lookahead addresses, spends with change, mempool payments and evictions, reorgs, labels, coin locks): the
/// changesets a wallet stages rebuild it exactly after any prefix (a crash after any save loses nothing), merging is
/// associative with the empty changeset as identity (any grouping into database transactions gives the same wallet), and
/// saving a run of changesets a second time changes nothing (a replayed batch double-counts nothing).
/// </summary>
public sealed class WalletChangeSetLawTests
{
    private static readonly Script Foreign = Script.FromHex("0014" + new string('7', 40));

    private static readonly (Descriptor External, Descriptor? Internal) Descriptors = DescriptorTemplates.Account(Master(7), WalletTemplate.Bip84, Net);

    [Fact]
    public void A_descriptor_that_cannot_derive_without_a_missing_private_key_is_refused()
    {
        // One key holds its xprv, the other is an xpub with a hardened step: HasPrivateKeys is true, yet the
        // second key cannot derive (BIP32), so the wallet must refuse it at creation, not at the first address.
        var xprv = Master(8).ToBase58(Net);
        var xpub = Master(9).Neuter().ToString(Net);
        using var d = Descriptor.Parse($"wsh(multi(1,{xprv}/0/*,{xpub}/1h/*))", Net);
        Assert.True(d.HasPrivateKeys);
        Assert.False(d.CanDeriveWithoutPrivateKeys);
        var e = Assert.Throws<WalletCoreException>(() => DescriptorWallet.Create(d, null, Net, out _));
        Assert.Contains("hardened", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Changesets_of_a_random_history_rebuild_the_wallet_after_every_prefix_in_any_grouping_and_replay_idempotently()
    {
        Gen.Select(Gen.Int[0, 1_000_000].Array[4, 24], Gen.Int[1, 5].Array[24]).Sample((steps, cuts) =>
        {
            var wallet = DescriptorWallet.Create(Descriptors.External, Descriptors.Internal, Net, out _);
            var log = new List<WalletChangeSet> { wallet.TakeStaged() };
            var states = new List<string> { State(wallet) };
            foreach (var step in steps)
            {
                Step(wallet, step);
                log.Add(wallet.TakeStaged());
                states.Add(State(wallet));
            }

            // Every prefix of the saved changesets rebuilds the state the wallet had right after saving the last of them.
            for (var k = 1; k <= log.Count; k++)
            {
                Assert.Equal(states[k - 1], State(DescriptorWallet.Load(Fold(log.Take(k)))));
            }

            // Any grouping of consecutive changesets (merged per group, then the groups merged) gives the same wallet.
            var groups = new List<WalletChangeSet>();
            for (int i = 0, c = 0; i < log.Count; i += cuts[c++ % cuts.Length])
            {
                groups.Add(Fold(log.Skip(i).Take(cuts[c % cuts.Length])));
            }

            Assert.Equal(states[^1], State(DescriptorWallet.Load(Fold(groups))));
            Assert.Equal(states[^1], State(DescriptorWallet.Load(groups.AsEnumerable().Reverse().Aggregate(WalletChangeSet.Empty, (later, earlier) => earlier.Merge(later)))));

            // Empty is the identity on both sides.
            var all = Fold(log);
            Assert.Equal(states[^1], State(DescriptorWallet.Load(WalletChangeSet.Empty.Merge(all))));
            Assert.Equal(states[^1], State(DescriptorWallet.Load(all.Merge(WalletChangeSet.Empty))));

            // A run of changesets saved again (a batch replayed after a crash) changes nothing.
            var from = cuts[0] % log.Count;
            var replay = Fold(log.Skip(from).Take(cuts[1]));
            Assert.Equal(states[Math.Min(log.Count, from + cuts[1]) - 1], State(DescriptorWallet.Load(Fold(log.Take(from + cuts[1])).Merge(replay))));
        }, iter: 15);
    }

    private static WalletChangeSet Fold(IEnumerable<WalletChangeSet> changes) => changes.Aggregate(WalletChangeSet.Empty, (a, b) => a.Merge(b));

    private static long _coin;

    private static OutPoint MadeUpCoin() => new(new TxId(new UInt256(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(Interlocked.Increment(ref _coin) + 5_000_000)))), 0);

    /// <summary>One random change to the wallet.</summary>
    private static void Step(DescriptorWallet wallet, int step)
    {
        var value = 10_000 + (step % 997 * 100);
        var utxos = wallet.ListUnspent();
        switch (step % 8)
        {
            case 0:
                // A block paying a newly revealed receive address.
                Fund(wallet, (wallet.RevealNextAddress().ScriptPubKey, value));
                break;
            case 1:
                // A block paying an address inside the lookahead that was never revealed (found by the gap-limit index).
                var ahead = (uint)(wallet.ListAddresses(WalletKeychain.External).Count + (step % 7));
                Fund(wallet, (wallet.PeekAddress(WalletKeychain.External, ahead).ScriptPubKey, value));
                break;
            case 2 when utxos.Count > 0:
                // A block spending one of the wallet's coins to a foreign script, with change.
                var coin = utxos[step % utxos.Count];
                var change = wallet.RevealNextAddress(WalletKeychain.Internal).ScriptPubKey;
                var pay = coin.Value.Satoshis / 3;
                Mine(wallet, new Transaction(2, [new TxIn(coin.OutPoint)], [new TxOut(Amount.FromSatoshis(pay), Foreign), new TxOut(Amount.FromSatoshis(coin.Value.Satoshis - pay - 500), change)], LockTime.Zero));
                break;
            case 3:
                // A mempool payment to the wallet.
                var tx = new Transaction(2, [new TxIn(MadeUpCoin())], [new TxOut(Amount.FromSatoshis(value), wallet.RevealNextAddress().ScriptPubKey)], LockTime.Zero);
                wallet.ApplyUnconfirmed([(tx, 1_700_000_000L + step)]);
                break;
            case 4:
                // A label set, changed or removed.
                var history = wallet.ListTransactions();
                if (history.Count > 0)
                {
                    var txid = history[step % history.Count].TxId.ToString();
                    wallet.SetLabel(new WalletLabel("tx", txid, step % 3 == 0 ? null : "label " + (step % 5).ToString(CultureInfo.InvariantCulture)));
                }

                break;
            case 5 when utxos.Count > 0:
                wallet.SetLocked([utxos[step % utxos.Count].OutPoint], step % 2 == 0);
                break;
            case 6 when wallet.Tip.Height > 0:
                // A reorg: the tip block leaves the chain (the next block builds on its parent).
                wallet.DisconnectBlock(wallet.Tip);
                break;
            case 7:
                // Unconfirmed transactions leave the mempool.
                var pending = wallet.ListTransactions().Where(t => t.Confirmations == 0).Select(t => (t.TxId, 1_800_000_000L + step)).ToList();
                wallet.ApplyEvicted(pending);
                break;
            default:
                Fund(wallet, (wallet.NextUnusedAddress().ScriptPubKey, value));
                break;
        }
    }

    /// <summary>Everything a user of the wallet can observe.</summary>
    private static string State(DescriptorWallet wallet)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"tip {wallet.Tip}; balance {wallet.GetBalance()}\n");
        foreach (var u in wallet.ListUnspent().OrderBy(u => u.OutPoint.ToString(), StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"utxo {u.OutPoint} {u.Value.Satoshis} {u.Keychain}/{u.Index} conf {u.Confirmations} locked {u.IsLocked}\n");
        }

        foreach (var t in wallet.ListTransactions())
        {
            text.Append(CultureInfo.InvariantCulture, $"tx {t.TxId} conf {t.Confirmations} net {t.Net.Satoshis} fee {t.Fee?.Satoshis}\n");
        }

        foreach (var keychain in new[] { WalletKeychain.External, WalletKeychain.Internal })
        {
            foreach (var a in wallet.ListAddresses(keychain))
            {
                text.Append(CultureInfo.InvariantCulture, $"addr {keychain}/{a.Index} used {a.Used}\n");
            }
        }

        foreach (var l in wallet.Labels.OrderBy(l => l.Ref, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"label {l}\n");
        }

        foreach (var o in wallet.LockedOutPoints.Select(o => o.ToString()).Order(StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"lock {o}\n");
        }

        return text.ToString();
    }
}
