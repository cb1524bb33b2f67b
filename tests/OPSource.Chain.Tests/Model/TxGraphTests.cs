using CsCheck;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Model;
using static OPSource.Chain.Tests.Model.ModelFixtures;

namespace OPSource.Chain.Tests.Model;

public sealed class TxGraphTests
{
    private static CheckPoint Tip(int height, int branch = 0, int fork = int.MaxValue) => ChainTo(height, branch, fork);

    [Fact]
    public void A_replacement_seen_later_wins_and_the_replaced_transaction_with_its_child_drop_out()
    {
        var graph = new TxGraph();
        var funding = Tx(External(1), 100_000, spk: 1);
        graph.InsertTransaction(funding);
        graph.InsertAnchor(funding.GetTxId(), Anchor(Block(5)));

        var original = Tx(Op(funding), 90_000, spk: 2);
        var child = Tx(Op(original), 80_000, spk: 3);
        var replacement = Tx(Op(funding), 85_000, spk: 4);
        graph.InsertTransaction(original);
        graph.InsertTransaction(child);
        graph.InsertTransaction(replacement);
        graph.InsertSeenAt(original.GetTxId(), 100);
        graph.InsertSeenAt(child.GetTxId(), 110);
        graph.InsertSeenAt(replacement.GetTxId(), 120);

        var view = graph.Canonicalize(Tip(10));
        Assert.True(view.Contains(funding.GetTxId()));
        Assert.True(view.Contains(replacement.GetTxId()));
        Assert.False(view.Contains(original.GetTxId()));
        Assert.False(view.Contains(child.GetTxId()));
        Assert.Equal(replacement.GetTxId(), view.SpenderOf(Op(funding)));
        Assert.Equal(2, graph.GetSpenders(Op(funding)).Count);

        // The original is confirmed after all: it beats the newer replacement, and its child comes back.
        graph.InsertAnchor(original.GetTxId(), Anchor(Block(9)));
        view = graph.Canonicalize(Tip(10));
        Assert.True(view.Get(original.GetTxId())!.Position.IsConfirmed);
        Assert.True(view.Contains(child.GetTxId()));
        Assert.False(view.Contains(replacement.GetTxId()));
    }

    [Fact]
    public void An_anchor_in_a_stale_block_does_not_confirm_and_a_stale_coinbase_does_not_count()
    {
        var graph = new TxGraph();
        var coinbase = Coinbase(8, 50_0000_0000);
        var spend = Tx(External(2), 1000);
        graph.InsertTransaction(coinbase);
        graph.InsertTransaction(spend);
        graph.InsertAnchor(coinbase.GetTxId(), Anchor(Block(8)));
        graph.InsertAnchor(spend.GetTxId(), Anchor(Block(8)));
        graph.InsertSeenAt(spend.GetTxId(), 50);

        var before = graph.Canonicalize(Tip(10));
        Assert.True(before.Get(coinbase.GetTxId())!.Position.IsConfirmed);
        Assert.Equal(3, before.Get(spend.GetTxId())!.Position.Confirmations(10));

        // Reorg at height 7: block 8 is gone. The coinbase is invalid; the spend goes back to the mempool view.
        var after = graph.Canonicalize(Tip(10, branch: 1, fork: 7));
        Assert.False(after.Contains(coinbase.GetTxId()));
        var pos = after.Get(spend.GetTxId())!.Position;
        Assert.False(pos.IsConfirmed);
        Assert.Equal(50, pos.LastSeen);
    }

    [Fact]
    public void Unconfirmed_ancestors_come_in_with_their_descendant_and_evicted_transactions_drop_out()
    {
        var graph = new TxGraph();
        var parent = Tx(External(3), 5000);
        var child = Tx(Op(parent), 4000);
        graph.InsertTransaction(parent);
        graph.InsertTransaction(child);
        graph.InsertSeenAt(child.GetTxId(), 10);

        var view = graph.Canonicalize(Tip(3));
        Assert.True(view.Get(parent.GetTxId())!.Position.Transitively);
        Assert.Equal(parent.GetTxId(), view.Transactions[0].TxId);

        graph.InsertEvictedAt(child.GetTxId(), 11);
        Assert.Empty(graph.Canonicalize(Tip(3)).Transactions);
        graph.InsertSeenAt(child.GetTxId(), 12);
        Assert.Equal(2, graph.Canonicalize(Tip(3)).Transactions.Count);
    }

    [Fact]
    public void A_confirmed_child_confirms_its_unanchored_parent_transitively()
    {
        var graph = new TxGraph();
        var parent = Tx(External(4), 5000);
        var child = Tx(Op(parent), 4000);
        graph.InsertTransaction(parent);
        graph.InsertTransaction(child);
        graph.InsertAnchor(child.GetTxId(), Anchor(Block(2)));
        var pos = graph.Canonicalize(Tip(3)).Get(parent.GetTxId())!.Position;
        Assert.True(pos.IsConfirmed);
        Assert.True(pos.Transitively);
    }

    private static readonly Transaction[] Pool = BuildPool();

    private static Transaction[] BuildPool()
    {
        var txs = new List<Transaction>();
        for (var i = 0; i < 6; i++)
        {
            txs.Add(Tx(External(i), 1000 + i));
        }

        txs.Add(Tx(Op(txs[0]), 900));
        txs.Add(Tx(Op(txs[0]), 800)); // conflicts with the previous one
        txs.Add(Tx(Op(txs[6]), 700));
        return [.. txs];
    }

    private static readonly Gen<TxGraphChangeSet> GenGraphChangeSet =
        Gen.Select(Gen.Int[0, Pool.Length - 1].Array[0, 4], Gen.Int[0, Pool.Length - 1].Array[0, 3], Gen.Int[0, 20], Gen.Int[0, Pool.Length - 1].Array[0, 3], Gen.Int[0, 30])
            .Select(t =>
            {
                var graph = new TxGraph();
                var cs = TxGraphChangeSet.Empty;
                foreach (var i in t.Item1)
                {
                    cs = cs.Merge(graph.InsertTransaction(Pool[i]));
                }

                foreach (var i in t.Item2)
                {
                    cs = cs.Merge(graph.InsertAnchor(Pool[i].GetTxId(), Anchor(Block(t.Item3))));
                }

                foreach (var i in t.Item4)
                {
                    cs = cs.Merge(graph.InsertSeenAt(Pool[i].GetTxId(), t.Item5));
                    cs = cs.Merge(graph.InsertTxOut(External(100 + i), new TxOut(Bitcoin.Amount.FromSatoshis(i), Spk(i))));
                }

                return cs;
            });

    [Fact]
    public void Graph_changeset_merge_is_associative_commutative_and_idempotent()
    {
        Gen.Select(GenGraphChangeSet, GenGraphChangeSet, GenGraphChangeSet).Sample((a, b, c) =>
        {
            Assert.Equal(a.Merge(b).Merge(c), a.Merge(b.Merge(c)));
            Assert.Equal(a.Merge(b), b.Merge(a));
            Assert.Equal(a, a.Merge(a));
            Assert.Equal(a, a.Merge(TxGraphChangeSet.Empty));
        });
    }

    [Fact]
    public void Applying_a_merged_graph_changeset_equals_applying_both_and_the_graph_round_trips()
    {
        Gen.Select(GenGraphChangeSet, GenGraphChangeSet).Sample((a, b) =>
        {
            var one = new TxGraph();
            one.ApplyChangeSet(a);
            one.ApplyChangeSet(b);
            var two = new TxGraph();
            two.ApplyChangeSet(a.Merge(b));
            Assert.Equal(one.InitialChangeSet(), two.InitialChangeSet());
            Assert.Equal(a.Merge(b).Transactions.Count, two.Count);

            var tip = Tip(25);
            Assert.Equal(one.Canonicalize(tip).Transactions.Select(t => t.TxId), two.Canonicalize(tip).Transactions.Select(t => t.TxId));
        });
    }

    [Fact]
    public void Canonical_view_never_holds_two_spenders_of_one_outpoint()
    {
        Gen.Select(GenGraphChangeSet, GenGraphChangeSet).Sample((a, b) =>
        {
            var graph = new TxGraph();
            graph.ApplyChangeSet(a.Merge(b));
            var view = graph.Canonicalize(Tip(25));
            var spent = view.Transactions.SelectMany(t => t.Transaction.Inputs.Select(i => i.PrevOut)).ToList();
            Assert.Equal(spent.Count, spent.Distinct().Count());
            foreach (var t in view.Transactions)
            {
                foreach (var input in t.Transaction.Inputs)
                {
                    if (graph.GetTransaction(input.PrevOut.TxId) is not null)
                    {
                        Assert.True(view.Contains(input.PrevOut.TxId), "a canonical transaction's in-graph parent is canonical");
                    }
                }
            }
        });
    }
}
