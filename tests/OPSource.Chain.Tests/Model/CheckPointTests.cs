using CsCheck;
using OPSource.Chain.Model;
using static OPSource.Chain.Tests.Model.ModelFixtures;

namespace OPSource.Chain.Tests.Model;

public sealed class CheckPointTests
{
    [Fact]
    public void Lookups_on_a_contiguous_chain_find_every_height()
    {
        var tip = ChainTo(5000);
        Assert.Equal(5001, tip.Count);
        foreach (var h in new[] { 0, 1, 2, 3, 127, 128, 129, 2047, 4096, 4999, 5000 })
        {
            Assert.Equal(Block(h), tip.Get(h)!.Block);
        }

        Assert.Null(tip.Get(5001));
        Assert.Null(tip.Get(-1));
        Assert.Equal(0, tip.Base.Height);
    }

    [Fact]
    public void Sparse_chains_answer_floor_and_get_like_a_linear_walk()
    {
        Gen.Int[0, 2000].HashSet[1, 300].Sample(heights =>
        {
            var sorted = heights.Order().ToList();
            var tip = CheckPoint.FromBlocks(sorted.Select(h => Block(h)))!;
            for (var probe = -1; probe <= 2001; probe += 7)
            {
                var expectedFloor = sorted.LastOrDefault(h => h <= probe, -1);
                var floor = tip.Floor(probe);
                Assert.Equal(expectedFloor, floor?.Height ?? -1);
                Assert.Equal(heights.Contains(probe), tip.Get(probe) is not null);
            }
        }, iter: 100);
    }

    [Fact]
    public void Push_refuses_a_block_that_does_not_go_up()
    {
        var cp = CheckPoint.Create(Block(10));
        Assert.Throws<ArgumentException>(() => cp.Push(Block(10)));
        Assert.Throws<ArgumentException>(() => cp.Push(Block(3)));
    }
}
