using OPSource.Bitcoin.Miniscript;
using OPSource.Bitcoin.Miniscript.Policy;

namespace OPSource.Bitcoin.Tests.MiniscriptTests;

/// <summary>
/// Semantic equivalence of a policy and its compilation (rust-miniscript checks it by lifting): for
/// every assignment of the leaf conditions (keys, hashes, timelocks) the policy holds exactly when the
/// miniscript can be satisfied.
/// </summary>
internal static class PolicySemantics
{
    private static string LeafId<TKey>(PolicyKind kind, TKey? key, uint value, ReadOnlyMemory<byte> hash) =>
        kind + ":" + key + ":" + value + ":" + Convert.ToHexString(hash.Span);

    public static void AssertEquivalent<TKey>(Policy<TKey> policy, MiniscriptNode<TKey> node)
        where TKey : notnull
    {
        var leaves = policy.Nodes().Where(n => n.Subs.Count == 0 && n.Kind is not (PolicyKind.Trivial or PolicyKind.Unsatisfiable))
            .Select(n => LeafId(n.Kind, n.Key, n.Value, n.Hash)).Distinct().ToList();
        Assert.True(leaves.Count <= 16, "too many leaves for a truth table");
        for (var mask = 0; mask < (1 << leaves.Count); mask++)
        {
            bool Has(string id) => (mask & (1 << leaves.IndexOf(id))) != 0;
            var expected = policy.IsSatisfiedBy(p => Has(LeafId(p.Kind, p.Key, p.Value, p.Hash)));
            var actual = node.IsSatisfiable(n => n.Fragment switch
            {
                Fragment.PkK or Fragment.PkH => Has(LeafId<TKey>(PolicyKind.Key, n.Keys[0], 0, default)),
                Fragment.Multi or Fragment.MultiA => n.Keys.Count(k => Has(LeafId<TKey>(PolicyKind.Key, k, 0, default))) >= n.K,
                Fragment.After => Has(LeafId<TKey>(PolicyKind.After, default, n.K, default)),
                Fragment.Older => Has(LeafId<TKey>(PolicyKind.Older, default, n.K, default)),
                Fragment.Sha256 => Has(LeafId<TKey>(PolicyKind.Sha256, default, 0, n.Data)),
                Fragment.Hash256 => Has(LeafId<TKey>(PolicyKind.Hash256, default, 0, n.Data)),
                Fragment.Ripemd160 => Has(LeafId<TKey>(PolicyKind.Ripemd160, default, 0, n.Data)),
                _ => Has(LeafId<TKey>(PolicyKind.Hash160, default, 0, n.Data)),
            });
            Assert.True(expected == actual, $"leaves {mask:b}: policy {expected}, miniscript {actual}");
        }
    }
}
