using CsCheck;
using OPSource.ML.Fees;

namespace OPSource.ML.Tests;

/// <summary>The label join: the definition of the needed rate and the absence of look-ahead.</summary>
public sealed class FeeLabelTests
{
    private static BlockRow Block(int height, long time, int p10, long weight = 3_993_000, int min = 1) =>
        new(height, time, time - 600, 3000, weight, 1_000_000, min, p10 + 5, p10, p10 + 1, p10 + 2, p10 + 3, p10 + 4);

    [Fact]
    public void A_full_block_needs_its_p10_and_a_block_with_room_needs_the_relay_floor()
    {
        Assert.Equal(17, FeeLabels.NeededRate(Block(1, 0, 17)));
        Assert.Equal(1, FeeLabels.NeededRate(Block(1, 0, 0)));
        Assert.Equal(1, FeeLabels.NeededRate(Block(1, 0, 17, weight: 2_000_000, min: 12)));
    }

    [Fact]
    public void The_label_is_the_minimum_over_the_next_N_blocks_after_the_snapshot_time()
    {
        // Heights 100..107, ten minutes apart from t=6000; block 103 has a header time behind its parent's.
        int[] p10 = [50, 40, 30, 20, 25, 10, 60, 70];
        long[] times = [6000, 6600, 7200, 7100, 8400, 9000, 9600, 10200];
        var history = new BlockHistory(p10.Select((p, i) => Block(100 + i, times[i], p)));
        // A snapshot at 7150: block 102 (7200) is the first later one; 103's earlier header time does not make it "past".
        Assert.Equal(2, history.NextIndex(7150));
        Assert.Equal(30, FeeLabels.Needed(history, 7150, 1));
        Assert.Equal(20, FeeLabels.Needed(history, 7150, 3));
        Assert.Equal(10, FeeLabels.Needed(history, 7150, 4));
        Assert.Equal(10, FeeLabels.Needed(history, 7150, 6));
        Assert.Null(FeeLabels.Needed(history, 7150, 144)); // 144 blocks after it are not in the history
        // Before the first block the parent is unknown: no label. After the last block: none either.
        Assert.Null(FeeLabels.Needed(history, 5000, 1));
        Assert.Null(FeeLabels.Needed(history, 20_000, 1));
        // A gap in heights inside the window: no label.
        var gapped = new BlockHistory(p10.Select((p, i) => Block(i < 4 ? 100 + i : 101 + i, times[i], p)));
        Assert.Null(FeeLabels.Needed(gapped, 7150, 3));
        Assert.Equal(30, FeeLabels.Needed(gapped, 7150, 1));
    }

    private static readonly Gen<(List<BlockRow> Blocks, long T, int Target, int Seed)> Scenario =
        Gen.Select(Gen.Int[12, 60], Gen.Int[0, int.MaxValue], Gen.Int[0, 3], Gen.Double[0.3, 0.7])
            .Select((n, seed, k, at) =>
            {
                var random = new Random(seed);
                var blocks = new List<BlockRow>();
                long time = 1_700_000_000;
                for (var i = 0; i < n; i++)
                {
                    // Mostly increasing header times with the occasional step back, as on mainnet.
                    time += random.Next(-300, 1500);
                    blocks.Add(Block(800_000 + i, time, random.Next(0, 200), random.Next(10) == 0 ? 1_500_000 : 3_990_000));
                }

                var target = new[] { 1, 3, 6, 144 }[k];
                var first = blocks.Min(b => b.Time);
                var last = blocks.Max(b => b.Time);
                return (blocks, first + (long)((last - first) * at), target, seed);
            });

    [Fact]
    public void Perturbing_or_shuffling_rows_after_the_label_window_never_changes_a_label_or_a_feature()
    {
        Scenario.Sample(s =>
        {
            var history = new BlockHistory(s.Blocks);
            var next = history.NextIndex(s.T);
            var label = FeeLabels.Needed(history, s.T, s.Target);
            var snapshot = new SnapshotRow(s.T, 10, 1_000_000, 5_000_000, [.. Enumerable.Range(0, 52).Select(i => (long)(i * 1000))], null);
            var features = FeeFeatures.Build(snapshot, history);

            // Rows beyond the label window: new fee values, more blocks, and the input in random order.
            var random = new Random(s.Seed ^ 0x5eed);
            var windowEnd = next + s.Target;
            var changed = s.Blocks.Select((b, i) => i >= windowEnd ? b with { P10 = random.Next(0, 500), TotalWeight = random.Next(0, 4_000_000), P50 = random.Next(0, 500) } : b)
                // More blocks only where the window is complete (a missing block of the window makes the label null).
                .Concat(Enumerable.Range(0, label is null ? 0 : random.Next(0, 10)).Select(j => Block(800_000 + s.Blocks.Count + j, s.Blocks.Max(b => b.Time) + 600 * (j + 1), random.Next(0, 500))))
                .OrderBy(_ => random.Next()).ToList();
            var after = new BlockHistory(changed);
            Assert.Equal(label, FeeLabels.Needed(after, s.T, s.Target));

            // Features see no block at or after "next" at all: perturb every later block's fees.
            var future = s.Blocks.Select((b, i) => i >= next ? b with { P10 = random.Next(0, 500), P50 = random.Next(0, 500), P90 = random.Next(0, 900), TotalWeight = random.Next(0, 4_000_000) } : b)
                .OrderBy(_ => random.Next());
            var featuresAfter = FeeFeatures.Build(snapshot, new BlockHistory(future));
            Assert.Equal(features is null, featuresAfter is null);
            if (features is not null)
            {
                Assert.Equal(features, featuresAfter!);
            }
        }, iter: 300);
    }

    [Fact]
    public void Joining_more_later_snapshots_in_any_order_leaves_earlier_examples_unchanged()
    {
        var random = new Random(7);
        var blocks = Enumerable.Range(0, 400).Select(i => Block(800_000 + i, 1_700_000_000 + (i * 600L), random.Next(1, 80))).ToList();
        var history = new BlockHistory(blocks);
        SnapshotRow Snap(long t) => new(t, random.Next(1000, 90000), random.Next(1_000_000, 90_000_000), random.Next(), [.. Enumerable.Range(0, 52).Select(_ => (long)random.Next(0, 2_000_000))], null);
        var early = Enumerable.Range(0, 50).Select(i => Snap(1_700_006_000 + (i * 300L))).ToList();
        var late = Enumerable.Range(0, 50).Select(i => Snap(1_700_030_000 + (i * 300L))).ToList();
        var alone = FeeExample.Join(early, history);
        var together = FeeExample.Join([.. late.Concat(early).OrderBy(_ => random.Next())], history);
        Assert.Equal(alone.Count, together.Take(alone.Count).Count());
        for (var i = 0; i < alone.Count; i++)
        {
            Assert.Equal(alone[i].Time, together[i].Time);
            Assert.Equal(alone[i].Features, together[i].Features);
            Assert.Equal(alone[i].Needed, together[i].Needed);
        }
    }

    [Fact]
    public void On_the_shipped_data_every_snapshot_joins_to_blocks_and_labels_grow_with_urgency()
    {
        var history = new BlockHistory(ShippedFeeData.Blocks);
        var examples = FeeExample.Join(ShippedFeeData.Snapshots, history);
        Assert.True(examples.Count > 15_000, $"{examples.Count} joined rows");
        // The needed rate for "within N blocks" can only fall as N grows (a minimum over more blocks).
        Assert.All(examples, e =>
        {
            var labels = e.Needed.Where(n => n is not null).Select(n => n!.Value).ToList();
            Assert.True(labels.SequenceEqual(labels.OrderDescending()), string.Join(",", labels));
            Assert.All(labels, l => Assert.InRange(l, 1, 2000));
        });
    }
}
