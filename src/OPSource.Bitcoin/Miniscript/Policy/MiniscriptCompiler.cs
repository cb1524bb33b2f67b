using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace OPSource.Bitcoin.Miniscript.Policy;

/// <summary>A node of a compiled Taproot script tree: a leaf miniscript or two subtrees.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class CompiledTapTree<TKey>
    where TKey : notnull
{
    internal CompiledTapTree(MiniscriptNode<TKey> leaf, double probability)
    {
        Leaf = leaf;
        Probability = probability;
    }

    internal CompiledTapTree(CompiledTapTree<TKey> left, CompiledTapTree<TKey> right, double probability)
    {
        Left = left;
        Right = right;
        Probability = probability;
    }

    /// <summary>The leaf (null for a branch).</summary>
    public MiniscriptNode<TKey>? Leaf { get; }

    /// <summary>The left subtree (null for a leaf).</summary>
    public CompiledTapTree<TKey>? Left { get; }

    /// <summary>The right subtree (null for a leaf).</summary>
    public CompiledTapTree<TKey>? Right { get; }

    /// <summary>The probability that a spend uses this subtree (the weights given by the policy's or branches).</summary>
    public double Probability { get; }

    /// <summary>The leaves, depth first, with their depths (BIP386 order).</summary>
    public IEnumerable<(int Depth, MiniscriptNode<TKey> Leaf, double Probability)> Leaves()
    {
        var stack = new Stack<(CompiledTapTree<TKey> Node, int Depth)>();
        stack.Push((this, 0));
        while (stack.Count > 0)
        {
            var (node, depth) = stack.Pop();
            if (node.Leaf is not null)
            {
                yield return (depth, node.Leaf, node.Probability);
                continue;
            }

            stack.Push((node.Right!, depth + 1));
            stack.Push((node.Left!, depth + 1));
        }
    }

    /// <summary>The BIP386 tree text (<c>{A,B}</c> for branches), or null when a key cannot be written.</summary>
    public string? ToString(IMiniscriptKeyFormatter<TKey> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var sb = new StringBuilder();
        var stack = new Stack<object>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            switch (stack.Pop())
            {
                case string text:
                    sb.Append(text);
                    break;
                case CompiledTapTree<TKey> node when node.Leaf is not null:
                    if (node.Leaf.ToString(formatter) is not { } leaf)
                    {
                        return null;
                    }

                    sb.Append(leaf);
                    break;
                case CompiledTapTree<TKey> node:
                    sb.Append('{');
                    stack.Push("}");
                    stack.Push(node.Right!);
                    stack.Push(",");
                    stack.Push(node.Left!);
                    break;
            }
        }

        return sb.ToString();
    }
}

/// <summary>A Taproot compilation: the internal key (from the policy or the unspendable key given) and the script tree, if any.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed record TaprootCompilation<TKey>(TKey InternalKey, CompiledTapTree<TKey>? Tree)
    where TKey : notnull
{
    /// <summary>True when the internal key came from the policy (a spend path of its own), false when it is the unspendable key given.</summary>
    public bool InternalKeyFromPolicy { get; init; }

    /// <summary>The <c>tr(KEY[,TREE])</c> descriptor text (without checksum).</summary>
    public string? ToDescriptor(IMiniscriptKeyFormatter<TKey> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var key = formatter.Format(InternalKey, MiniscriptContext.Tapscript);
        if (key is null)
        {
            return null;
        }

        if (Tree is null)
        {
            return $"tr({key})";
        }

        return Tree.ToString(formatter) is { } tree ? $"tr({key},{tree})" : null;
    }
}

/// <summary>
/// The policy compiler (rust-miniscript's algorithm, Core's type rules): <c>TryCompile</c>
/// gives the cheapest sane miniscript for P2WSH or a single Tapscript leaf;
/// <see cref="TryCompileTaproot{TKey}"/> splits a policy's top-level disjunctions into leaves of a
/// Huffman tree (likelier leaves nearer the root) and promotes the likeliest single-key branch to the
/// internal key, for <c>tr()</c>.
/// </summary>
public static class MiniscriptCompiler
{
    // rust-miniscript MAX_COMPILATION_LEAVES.
    private const int MaxCompilationLeaves = 1024;

    /// <summary>
    /// BIP341's provably unspendable x-only key H (the SHA256 of the uncompressed generator, lifted),
    /// a default internal key for Taproot compilations whose policy has no key-only branch.
    /// </summary>
    public const string UnspendableKeyHex = "50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0";

    private static MiniscriptError Fail(string message) => new(MiniscriptErrorKind.Compiler, "policy: " + message);

    /// <summary>
    /// Compiles <paramref name="policy"/> for <paramref name="context"/>: refused when a key repeats,
    /// when a path mixes heights and times, when some spend path needs no signature, or when no
    /// non-malleable compilation fits the limits. The result is sane (<see cref="MiniscriptNode{TKey}.IsSane"/>).
    /// </summary>
    public static bool TryCompile<TKey>(Policy<TKey> policy, MiniscriptContext context, IEqualityComparer<TKey> comparer, [NotNullWhen(true)] out MiniscriptNode<TKey>? node, [NotNullWhen(false)] out MiniscriptError? error)
        where TKey : notnull =>
        TryCompile(policy, context, comparer, out node, out _, out error);

    /// <summary>
    /// Compiles like <see cref="TryCompile{TKey}(Policy{TKey}, MiniscriptContext, IEqualityComparer{TKey}, out MiniscriptNode{TKey}?, out MiniscriptError?)"/>
    /// and also gives the cost it minimised: script size plus expected satisfaction witness bytes
    /// (rust-miniscript cost_1d at p = 1).
    /// </summary>
    public static bool TryCompile<TKey>(Policy<TKey> policy, MiniscriptContext context, IEqualityComparer<TKey> comparer, [NotNullWhen(true)] out MiniscriptNode<TKey>? node, out double expectedCost, [NotNullWhen(false)] out MiniscriptError? error)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(comparer);
        node = null;
        expectedCost = 0;
        if ((error = CheckPolicy(policy, comparer)) is not null)
        {
            return false;
        }

        if (!PolicyCompiler<TKey>.TryCompile(policy, context, comparer, out node, out expectedCost, out error))
        {
            return false;
        }

        return CheckResult(ref node, out error);
    }

    /// <summary>Compiles a policy with hex public keys.</summary>
    public static bool TryCompile(Policy<Crypto.Secp256k1.PublicKey> policy, MiniscriptContext context, [NotNullWhen(true)] out MiniscriptNode<Crypto.Secp256k1.PublicKey>? node, [NotNullWhen(false)] out MiniscriptError? error) =>
        TryCompile(policy, context, XOnlyComparer.For(context), out node, out error);

    private static bool CheckResult<TKey>([NotNullWhen(true)] ref MiniscriptNode<TKey>? node, [NotNullWhen(false)] out MiniscriptError? error)
        where TKey : notnull
    {
        // The compiler only keeps non-malleable candidates within the limits; insist on sanity anyway.
        if (!node!.IsSane || node.IsNotSatisfiable)
        {
            error = Fail("the compilation is not a sane miniscript (compiler error)");
            node = null;
            return false;
        }

        error = null;
        return true;
    }

    // rust-miniscript compile(): is_valid (timelocks, duplicate keys) and is_safe_nonmalleable.
    private static MiniscriptError? CheckPolicy<TKey>(Policy<TKey> policy, IEqualityComparer<TKey> comparer)
        where TKey : notnull
    {
        if (policy.ContainsTimelockCombination())
        {
            return Fail("a spending path combines a block-height timelock with a time-based one of the same kind");
        }

        var seen = new HashSet<TKey>(comparer);
        if (policy.Keys().Any(k => !seen.Add(k)))
        {
            return Fail("the policy contains the same key twice");
        }

        var (signed, nonMalleable) = policy.SafeNonMalleable();
        if (!signed)
        {
            return Fail("the policy has a spending path without signatures (add a key to every path)");
        }

        return nonMalleable ? null : Fail("the policy has no non-malleable compilation");
    }

    /// <summary>
    /// rust-miniscript compile_tr: the likeliest key among the policy's top-level disjuncts becomes
    /// the internal key (else the one <paramref name="unspendableKey"/> gives, e.g. a NUMS point; null:
    /// none), every other disjunct is compiled as a Tapscript leaf and the leaves form a Huffman tree
    /// by probability. <paramref name="keyOrder"/> orders keys to break ties as rust-miniscript does.
    /// </summary>
    public static bool TryCompileTaproot<TKey>(Policy<TKey> policy, Func<TKey>? unspendableKey, IEqualityComparer<TKey> comparer, IComparer<TKey> keyOrder, [NotNullWhen(true)] out TaprootCompilation<TKey>? result, [NotNullWhen(false)] out MiniscriptError? error)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(comparer);
        ArgumentNullException.ThrowIfNull(keyOrder);
        result = null;
        if ((error = CheckPolicy(policy, comparer)) is not null)
        {
            return false;
        }

        // extract_key: the key leaf with the highest probability (the last of equals, as max_by_key).
        TKey? internalKey = default;
        var found = false;
        var bestProb = double.NegativeInfinity;
        foreach (var (prob, leaf) in TapleafProbabilities(policy))
        {
            if (leaf.Kind == PolicyKind.Key && prob >= bestProb)
            {
                bestProb = prob;
                internalKey = leaf.Key;
                found = true;
            }
        }

        var fromPolicy = found;
        if (found)
        {
            var key = internalKey!;
            policy = policy.Evaluate<Policy<TKey>>((node, subs) => node.Kind switch
            {
                PolicyKind.Key when comparer.Equals(node.Key!, key) => Policy<TKey>.Unsatisfiable,
                PolicyKind.And => Policy<TKey>.And(subs[0], subs[1]),
                PolicyKind.Or => Policy<TKey>.Or(node.Weights[0], subs[0], node.Weights[1], subs[1]),
                PolicyKind.Thresh => Policy<TKey>.Thresh(node.Value, subs.ToArray()),
                _ => node,
            });
        }
        else if (unspendableKey is not null)
        {
            internalKey = unspendableKey();
        }
        else
        {
            error = Fail("no key of the policy can be the internal key and no unspendable key was given (pass a NUMS key)");
            return false;
        }

        var leaves = TapleafProbabilities(policy).ToList();
        if (leaves.Count > MaxCompilationLeaves)
        {
            error = Fail($"the policy has {leaves.Count} Taproot leaves; at most {MaxCompilationLeaves}");
            return false;
        }

        if (policy.Kind == PolicyKind.Trivial)
        {
            result = new TaprootCompilation<TKey>(internalKey!, null) { InternalKeyFromPolicy = fromPolicy };
            return true;
        }

        var compiled = new List<(double Prob, CompiledTapTree<TKey> Tree, List<(int Depth, MiniscriptNode<TKey> Ms)> Order)>();
        foreach (var (prob, leaf) in leaves)
        {
            if (leaf.Kind == PolicyKind.Unsatisfiable)
            {
                continue;
            }

            if (!PolicyCompiler<TKey>.TryCompile(leaf, MiniscriptContext.Tapscript, comparer, out var ms, out _, out error) || !CheckResult(ref ms, out error))
            {
                return false;
            }

            compiled.Add((prob, new CompiledTapTree<TKey>(ms, prob), [(0, ms)]));
        }

        CompiledTapTree<TKey>? tree = null;
        if (compiled.Count > 0)
        {
            if (!TryHuffman(compiled, keyOrder, out tree, out error))
            {
                return false;
            }
        }

        result = new TaprootCompilation<TKey>(internalKey!, tree) { InternalKeyFromPolicy = fromPolicy };
        return true;
    }

    /// <summary>Compiles for Taproot with hex public keys (ties ordered by x-only key bytes).</summary>
    public static bool TryCompileTaproot(Policy<Crypto.Secp256k1.PublicKey> policy, Crypto.Secp256k1.PublicKey? unspendableKey, [NotNullWhen(true)] out TaprootCompilation<Crypto.Secp256k1.PublicKey>? result, [NotNullWhen(false)] out MiniscriptError? error) =>
        TryCompileTaproot(policy, unspendableKey is { } key ? () => key : null, XOnlyComparer.For(MiniscriptContext.Tapscript), XOnlyComparer.For(MiniscriptContext.Tapscript), out result, out error);

    /// <summary>
    /// rust-miniscript TapleafProbabilityIter: top-level or (by weight) and thresh(1,...) (evenly) split
    /// into leaves, depth first, left to right.
    /// </summary>
    internal static IEnumerable<(double Prob, Policy<TKey> Leaf)> TapleafProbabilities<TKey>(Policy<TKey> policy)
        where TKey : notnull
    {
        var stack = new Stack<(double, Policy<TKey>)>();
        stack.Push((1.0, policy));
        while (stack.Count > 0)
        {
            var (prob, top) = stack.Pop();
            if (top.Kind == PolicyKind.Or)
            {
                var total = top.Weights[0] + (ulong)top.Weights[1];
                for (var i = 1; i >= 0; i--)
                {
                    stack.Push((prob * (top.Weights[i] / (double)total), top.Subs[i]));
                }
            }
            else if (top.IsOrThresh)
            {
                var n = (double)top.Subs.Count;
                for (var i = top.Subs.Count - 1; i >= 0; i--)
                {
                    stack.Push((prob / n, top.Subs[i]));
                }
            }
            else
            {
                yield return (prob, top);
            }
        }
    }

    // rust with_huffman_tree: a max-heap of (Reverse(prob), tree) merged two at a time; the smallest
    // probabilities first, equal ones broken by rust-miniscript's TapTree ordering (the larger pops first).
    private static bool TryHuffman<TKey>(List<(double Prob, CompiledTapTree<TKey> Tree, List<(int Depth, MiniscriptNode<TKey> Ms)> Order)> nodes, IComparer<TKey> keyOrder, [NotNullWhen(true)] out CompiledTapTree<TKey>? tree, [NotNullWhen(false)] out MiniscriptError? error)
        where TKey : notnull
    {
        var heap = nodes.ToList();
        while (heap.Count > 1)
        {
            var first = PopMax(heap, keyOrder);
            var second = PopMax(heap, keyOrder);
            var order = first.Order.Concat(second.Order).Select(x => (x.Depth + 1, x.Ms)).ToList();
            if (order.Any(x => x.Item1 > ConsensusLimits.TaprootControlMaxNodeCount))
            {
                tree = null;
                error = Fail("the Taproot tree would be deeper than 128 levels (BIP341)");
                return false;
            }

            var p = first.Prob + second.Prob;
            heap.Add((p, new CompiledTapTree<TKey>(first.Tree, second.Tree, p), order));
        }

        tree = heap[0].Tree;
        error = null;
        return true;
    }

    private static (double Prob, CompiledTapTree<TKey> Tree, List<(int Depth, MiniscriptNode<TKey> Ms)> Order) PopMax<TKey>(List<(double Prob, CompiledTapTree<TKey> Tree, List<(int Depth, MiniscriptNode<TKey> Ms)> Order)> heap, IComparer<TKey> keyOrder)
        where TKey : notnull
    {
        var best = 0;
        for (var i = 1; i < heap.Count; i++)
        {
            var c = heap[i].Prob.CompareTo(heap[best].Prob);
            if (c < 0 || (c == 0 && CompareTrees(heap[i].Order, heap[best].Order, keyOrder) > 0))
            {
                best = i;
            }
        }

        var item = heap[best];
        heap.RemoveAt(best);
        return item;
    }

    // rust TapTree Ord: the (depth, miniscript) list compared lexicographically.
    private static int CompareTrees<TKey>(List<(int Depth, MiniscriptNode<TKey> Ms)> a, List<(int Depth, MiniscriptNode<TKey> Ms)> b, IComparer<TKey> keyOrder)
        where TKey : notnull
    {
        for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            var c = a[i].Depth.CompareTo(b[i].Depth);
            if (c == 0)
            {
                c = RustDisplayOrder.Compare(a[i].Ms, b[i].Ms, keyOrder);
            }

            if (c != 0)
            {
                return c;
            }
        }

        return a.Count.CompareTo(b.Count);
    }

    /// <summary>Keys equal when their x-only (Tapscript) or compressed (P2WSH) forms are; ordered by those bytes.</summary>
    private sealed class XOnlyComparer(MiniscriptContext context) : IEqualityComparer<Crypto.Secp256k1.PublicKey>, IComparer<Crypto.Secp256k1.PublicKey>
    {
        private static readonly XOnlyComparer Wsh = new(MiniscriptContext.P2Wsh);
        private static readonly XOnlyComparer Tap = new(MiniscriptContext.Tapscript);

        public static XOnlyComparer For(MiniscriptContext context) => context == MiniscriptContext.Tapscript ? Tap : Wsh;

        private byte[] Bytes(Crypto.Secp256k1.PublicKey key) => MiniscriptPublicKeys.Default.ToPushBytes(key, context);

        public bool Equals(Crypto.Secp256k1.PublicKey x, Crypto.Secp256k1.PublicKey y) => Bytes(x).AsSpan().SequenceEqual(Bytes(y));

        public int GetHashCode(Crypto.Secp256k1.PublicKey obj) => Encoding.Hex.Encode(Bytes(obj)).GetHashCode(StringComparison.Ordinal);

        public int Compare(Crypto.Secp256k1.PublicKey x, Crypto.Secp256k1.PublicKey y) => Bytes(x).AsSpan().SequenceCompareTo(Bytes(y));
    }
}

/// <summary>
/// rust-miniscript's ordering of miniscripts (Terminal Ord, display.rs): by fragment name as written
/// (with the sugar: pk, pkh, t, l, u, and_n), then over the written tree in pre-order (names,
/// thresholds, keys, timelocks, hashes), up to the shorter one.
/// </summary>
internal static class RustDisplayOrder
{
    private enum ItemKind
    {
        Node,
        K,
        Key,
        Lock,
        Hash,
    }

    public static int Compare<TKey>(MiniscriptNode<TKey> a, MiniscriptNode<TKey> b, IComparer<TKey> keyOrder)
        where TKey : notnull
    {
        var c = string.CompareOrdinal(Name(a), Name(b));
        if (c != 0)
        {
            return c;
        }

        using var ea = Items(a).GetEnumerator();
        using var eb = Items(b).GetEnumerator();
        while (ea.MoveNext() && eb.MoveNext())
        {
            var (x, y) = (ea.Current, eb.Current);
            c = x.Kind.CompareTo(y.Kind);
            if (c == 0)
            {
                c = x.Kind switch
                {
                    ItemKind.Node => string.CompareOrdinal(Name(x.Node!), Name(y.Node!)),
                    ItemKind.K or ItemKind.Lock => x.Value.CompareTo(y.Value),
                    ItemKind.Key => keyOrder.Compare(x.Key!, y.Key!),
                    _ => x.Hash.Span.SequenceCompareTo(y.Hash.Span),
                };
            }

            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }

    private static IEnumerable<(ItemKind Kind, MiniscriptNode<TKey>? Node, uint Value, TKey? Key, ReadOnlyMemory<byte> Hash)> Items<TKey>(MiniscriptNode<TKey> root)
        where TKey : notnull
    {
        var stack = new Stack<(ItemKind, MiniscriptNode<TKey>?, uint, TKey?, ReadOnlyMemory<byte>)>();
        stack.Push((ItemKind.Node, root, 0, default, default));
        while (stack.Count > 0)
        {
            var item = stack.Pop();
            yield return item;
            if (item.Item1 != ItemKind.Node)
            {
                continue;
            }

            var node = item.Item2!;
            var s = node.Subs;
            var children = new List<(ItemKind, MiniscriptNode<TKey>?, uint, TKey?, ReadOnlyMemory<byte>)>();
            switch (node.Fragment)
            {
                case Fragment.Just0 or Fragment.Just1:
                    break;
                case Fragment.PkK or Fragment.PkH:
                    children.Add((ItemKind.Key, null, 0, node.Keys[0], default));
                    break;
                case Fragment.After or Fragment.Older:
                    children.Add((ItemKind.Lock, null, node.K, default, default));
                    break;
                case Fragment.Sha256 or Fragment.Hash256 or Fragment.Ripemd160 or Fragment.Hash160:
                    children.Add((ItemKind.Hash, null, 0, default, node.Data));
                    break;
                case Fragment.WrapC when s[0].Fragment is Fragment.PkK or Fragment.PkH:
                    children.Add((ItemKind.Key, null, 0, s[0].Keys[0], default));
                    break;
                case Fragment.AndV when s[1].Fragment == Fragment.Just1:
                    children.Add(NodeItem(s[0]));
                    break;
                case Fragment.OrI when s[0].Fragment == Fragment.Just0:
                    children.Add(NodeItem(s[1]));
                    break;
                case Fragment.OrI when s[1].Fragment == Fragment.Just0:
                    children.Add(NodeItem(s[0]));
                    break;
                case Fragment.AndOr when s[2].Fragment == Fragment.Just0:
                    children.Add(NodeItem(s[0]));
                    children.Add(NodeItem(s[1]));
                    break;
                case Fragment.Thresh:
                    children.Add((ItemKind.K, null, node.K, default, default));
                    children.AddRange(s.Select(NodeItem));
                    break;
                case Fragment.Multi or Fragment.MultiA:
                    children.Add((ItemKind.K, null, node.K, default, default));
                    children.AddRange(node.Keys.Select(k => (ItemKind.Key, (MiniscriptNode<TKey>?)null, 0u, (TKey?)k, default(ReadOnlyMemory<byte>))));
                    break;
                default:
                    children.AddRange(s.Select(NodeItem));
                    break;
            }

            for (var i = children.Count - 1; i >= 0; i--)
            {
                stack.Push(children[i]);
            }
        }

        static (ItemKind, MiniscriptNode<TKey>?, uint, TKey?, ReadOnlyMemory<byte>) NodeItem(MiniscriptNode<TKey> n) => (ItemKind.Node, n, 0, default, default);
    }

    // rust Terminal::fragment_name.
    private static string Name<TKey>(MiniscriptNode<TKey> node)
        where TKey : notnull
    {
        var s = node.Subs;
        return node.Fragment switch
        {
            Fragment.WrapC when s[0].Fragment == Fragment.PkK => "pk",
            Fragment.WrapC when s[0].Fragment == Fragment.PkH => "pkh",
            Fragment.WrapC => "c",
            Fragment.WrapA => "a",
            Fragment.WrapS => "s",
            Fragment.WrapD => "d",
            Fragment.WrapV => "v",
            Fragment.WrapJ => "j",
            Fragment.WrapN => "n",
            Fragment.AndV when s[1].Fragment == Fragment.Just1 => "t",
            Fragment.AndOr when s[2].Fragment == Fragment.Just0 => "and_n",
            Fragment.OrI when s[1].Fragment == Fragment.Just0 => "u",
            Fragment.OrI when s[0].Fragment == Fragment.Just0 => "l",
            _ => MiniscriptNode<TKey>.FragmentName(node.Fragment),
        };
    }
}
