using CsCheck;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Keys;
using System.Collections.Immutable;
using OPSource.Chain.Model;
using static OPSource.Chain.Tests.Model.ModelFixtures;

namespace OPSource.Chain.Tests.Model;

public sealed class KeychainIndexTests
{
    private static Descriptor Wpkh(int chain)
    {
        using var master = ExtKey.CreateMaster(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        using var account = master.Derive(KeyPath.Parse("m/84'/1'/0'"));
        return Descriptor.Parse($"wpkh([{master.Fingerprint}/84h/1h/0h]{account.Neuter().ToString(Network.Regtest)}/{chain}/*)", Network.Regtest);
    }

    [Fact]
    public void Watches_the_lookahead_and_moves_it_when_a_lookahead_script_is_paid()
    {
        var index = new KeychainIndex<string>(lookahead: 20);
        index.AddKeychain("receive", Wpkh(0));
        index.AddKeychain("change", Wpkh(1));
        Assert.Equal(40, index.ScriptCount);
        Assert.Null(index.LastRevealed("receive"));

        var fifteenth = index.ScriptAt("receive", 15);
        var tx = Tx([External(1)], (5000, fifteenth));
        var cs = index.IndexTransaction(tx);
        Assert.Equal(15u, index.LastRevealed("receive"));
        Assert.Equal(15u, Assert.Single(cs.LastRevealed).Value);
        Assert.Equal(36 + 20, index.ScriptCount);
        Assert.True(index.IsUsed("receive", 15));
        Assert.True(index.TryGetOrigin(fifteenth, out var k, out var i) && k == "receive" && i == 15);

        // The lowest revealed index nobody paid is 0; then the next one; revealing does not reuse.
        Assert.Equal(0u, index.NextUnused("receive", out var none).Index);
        Assert.True(none.IsEmpty);
        Assert.Equal(16u, index.RevealNext("receive", out var revealed).Index);
        Assert.Equal(16u, revealed.LastRevealed.Single().Value);
        Assert.Equal(index.ScriptAt("receive", 16), Wpkh(0).GetScriptPubKey(16));
    }

    [Fact]
    public void A_changeset_applied_before_the_keychain_is_added_takes_effect_when_it_is()
    {
        var index = new KeychainIndex<string>(5);
        index.ApplyChangeSet(new KeychainIndexChangeSet { LastRevealed = System.Collections.Immutable.ImmutableDictionary<DescriptorId, uint>.Empty.Add(DescriptorId.Of(Wpkh(0)), 7) });
        index.AddKeychain("receive", Wpkh(0));
        Assert.Equal(7u, index.LastRevealed("receive"));
        Assert.Equal(13, index.ScriptCount);
        Assert.Throws<ArgumentException>(() => index.AddKeychain("other", Wpkh(0)));
    }

    [Fact]
    public void A_fixed_descriptor_has_only_index_zero()
    {
        var index = new KeychainIndex<int>();
        index.AddKeychain(0, Descriptor.Parse("addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)", Network.Regtest));
        Assert.Equal(1, index.ScriptCount);
        Assert.Equal(0u, index.RevealNext(0, out _).Index);
        Assert.Equal(0u, index.RevealNext(0, out var again).Index);
        Assert.True(again.IsEmpty);
    }

    [Fact]
    public void Index_changeset_merge_is_a_join()
    {
        var ids = new[] { DescriptorId.Of(Wpkh(0)), DescriptorId.Of(Wpkh(1)) };
        var gen = Gen.Select(Gen.Int[0, 1], Gen.UInt[0, 50]).Array[0, 4]
            .Select(items => new KeychainIndexChangeSet { LastRevealed = items.GroupBy(i => i.Item1).ToDictionary(g => ids[g.Key], g => g.Max(x => x.Item2)).ToImmutableDictionary() });
        Gen.Select(gen, gen, gen).Sample((a, b, c) =>
        {
            Assert.Equal(a.Merge(b).Merge(c), a.Merge(b.Merge(c)));
            Assert.Equal(a.Merge(b), b.Merge(a));
            Assert.Equal(a, a.Merge(a));
        });
    }
}
