using System.Collections.Immutable;
using CsCheck;
using OPSource.Bitcoin.Blocks;
using OPSource.Chain.Model;
using static OPSource.Chain.Tests.Model.ModelFixtures;

namespace OPSource.Chain.Tests.Model;

public sealed class LocalChainTests
{
    private static LocalChain Genesis(out ChainChangeSet cs) => LocalChain.FromGenesis(Hash(0), out cs);

    [Fact]
    public void Connecting_blocks_one_by_one_emits_one_change_each()
    {
        var chain = Genesis(out var all);
        for (var h = 1; h <= 10; h++)
        {
            var update = CheckPoint.Create(Block(h - 1)).Push(Block(h));
            var cs = chain.ApplyUpdate(update);
            Assert.Single(cs.Blocks);
            Assert.Equal(Hash(h), cs.Blocks[h]);
            all = all.Merge(cs);
        }

        Assert.Equal(Block(10), chain.Tip.Block);
        Assert.True(chain.ApplyUpdate(CheckPoint.Create(Block(9)).Push(Block(10))).IsEmpty);
        Assert.Equal(chain.Blocks(), LocalChain.FromChangeSet(all).Blocks());
    }

    [Fact]
    public void A_reorg_disconnects_back_to_the_fork_point_and_connects_the_new_branch()
    {
        var chain = LocalChain.FromChangeSet(new ChainChangeSet(ChainTo(10).ToImmutableSortedDictionary(b => b.Height, b => (BlockHash?)b.Hash)));

        // The node's best chain forked after height 7 and is now one block longer (height 11).
        var update = CheckPoint.FromBlocks(Enumerable.Range(7, 5).Select(h => Block(h, h <= 7 ? 0 : 1)))!;
        var cs = chain.ApplyUpdate(update);

        Assert.Equal(Block(11, 1), chain.Tip.Block);
        Assert.Equal(Block(7), chain.Get(7));
        Assert.Equal(Block(8, 1), chain.Get(8));
        Assert.Equal([8, 9, 10, 11], cs.Blocks.Keys);
        Assert.All(cs.Blocks.Values, v => Assert.NotNull(v));
        Assert.False(chain.Contains(Block(10)));
    }

    [Fact]
    public void A_reorg_to_a_shorter_chain_removes_the_stale_blocks_above_it()
    {
        var chain = LocalChain.FromChangeSet(new ChainChangeSet(ChainTo(10).ToImmutableSortedDictionary(b => b.Height, b => (BlockHash?)b.Hash)));
        var update = CheckPoint.FromBlocks([Block(5), Block(6, 2), Block(7, 2)])!;
        var cs = chain.ApplyUpdate(update);
        Assert.Equal(Block(7, 2), chain.Tip.Block);
        Assert.Null(cs.Blocks[8]);
        Assert.Null(cs.Blocks[10]);
        Assert.Equal(Hash(6, 2), cs.Blocks[6]);
    }

    [Fact]
    public void An_update_without_a_shared_block_is_refused_and_changes_nothing()
    {
        var chain = LocalChain.FromChangeSet(new ChainChangeSet(ChainTo(5).ToImmutableSortedDictionary(b => b.Height, b => (BlockHash?)b.Hash)));
        var before = chain.Blocks();
        var ex = Assert.Throws<ChainUpdateException>(() => chain.ApplyUpdate(CheckPoint.FromBlocks([Block(7), Block(8)])!));
        Assert.Equal(ChainUpdateErrorKind.CannotConnect, ex.Kind);
        Assert.NotNull(ex.TryIncludeHeight);
        var conflict = Assert.Throws<ChainUpdateException>(() => chain.ApplyUpdate(CheckPoint.FromBlocks([Block(4, 3), Block(5, 3)])!));
        Assert.Equal(ChainUpdateErrorKind.CannotConnect, conflict.Kind);
        Assert.Throws<ChainUpdateException>(() => chain.ApplyUpdate(CheckPoint.Create(Block(0, 9))));
        Assert.Equal(before, chain.Blocks());
    }

    [Fact]
    public void Disconnect_removes_a_block_and_everything_above()
    {
        var chain = LocalChain.FromChangeSet(new ChainChangeSet(ChainTo(6).ToImmutableSortedDictionary(b => b.Height, b => (BlockHash?)b.Hash)));
        var cs = chain.Disconnect(Block(4));
        Assert.Equal([4, 5, 6], cs.Blocks.Keys);
        Assert.Equal(Block(3), chain.Tip.Block);
        Assert.True(chain.Disconnect(Block(5)).IsEmpty);
        Assert.Throws<ChainUpdateException>(() => chain.Disconnect(Block(0)));
    }

    private static readonly Gen<ChainChangeSet> GenChangeSet =
        Gen.Select(Gen.Int[1, 40], Gen.Int[0, 3], Gen.Bool)
            .Select(t => (t.Item1, t.Item3 ? (BlockHash?)null : Hash(t.Item1, t.Item2)))
            .Array[0, 12]
            .Select(items => new ChainChangeSet(items.GroupBy(i => i.Item1).ToImmutableSortedDictionary(g => g.Key, g => g.Last().Item2)));

    [Fact]
    public void Changeset_merge_is_associative_with_empty_as_identity()
    {
        Gen.Select(GenChangeSet, GenChangeSet, GenChangeSet).Sample((a, b, c) =>
        {
            Assert.Equal(a.Merge(b).Merge(c), a.Merge(b.Merge(c)));
            Assert.Equal(a, a.Merge(ChainChangeSet.Empty));
            Assert.Equal(a, ChainChangeSet.Empty.Merge(a));
        });
    }

    [Fact]
    public void Applying_a_merged_changeset_equals_applying_both_in_order()
    {
        Gen.Select(GenChangeSet, GenChangeSet).Sample((a, b) =>
        {
            var one = Genesis(out _);
            one.ApplyChangeSet(a);
            one.ApplyChangeSet(b);
            var two = Genesis(out _);
            two.ApplyChangeSet(a.Merge(b));
            Assert.Equal(one.Blocks(), two.Blocks());
        });
    }

    [Fact]
    public void Emitted_changesets_replay_to_the_same_chain()
    {
        // Random walk of connects and reorgs; the merged changesets rebuild the same chain.
        Gen.Int[0, 1000].Array[5, 30].Sample(steps =>
        {
            var chain = Genesis(out var all);
            var branch = 0;
            foreach (var s in steps)
            {
                var tip = chain.Tip.Height;
                ChainChangeSet cs;
                if (s % 4 == 0 && tip > 2)
                {
                    var fork = tip - 1 - (s % Math.Min(tip - 1, 5));
                    branch++;
                    var update = CheckPoint.Create(chain.Get(fork)!.Value);
                    for (var h = fork + 1; h <= tip + (s % 3); h++)
                    {
                        update = update.Push(Block(h, branch));
                    }

                    cs = chain.ApplyUpdate(update);
                }
                else
                {
                    cs = chain.ApplyUpdate(CheckPoint.Create(chain.Tip.Block).Push(Block(tip + 1, branch)));
                }

                all = all.Merge(cs);
            }

            Assert.Equal(chain.Blocks(), LocalChain.FromChangeSet(all).Blocks());
            Assert.Equal(chain.Blocks(), LocalChain.FromChangeSet(chain.InitialChangeSet()).Blocks());
        }, iter: 200);
    }
}
