using System.Runtime.InteropServices;

namespace OPSource.Bitcoin.Miniscript;

/// <summary>
/// One immutable miniscript expression (Core <c>miniscript::Node</c>) over keys of type
/// <typeparamref name="TKey"/>: its fragment, threshold/timelock <see cref="K"/>, keys, hash
/// <see cref="Data"/> and sub-expressions, with the type, script size, op count, stack and witness
/// bounds computed once at construction. Every walk over the tree is iterative, so expressions as
/// deep as the Tapscript size limit allows cannot overflow the call stack.
/// </summary>
/// <typeparam name="TKey">The key type: a <c>PublicKey</c>, a descriptor key expression, ...</typeparam>
public sealed partial class MiniscriptNode<TKey> : IEquatable<MiniscriptNode<TKey>>
    where TKey : notnull
{
    private static readonly MiniscriptNode<TKey>[] NoSubs = [];
    private static readonly TKey[] NoKeys = [];

    private readonly MiniscriptNode<TKey>[] _subs;
    private readonly TKey[] _keys;
    private readonly byte[] _data;
    private readonly IEqualityComparer<TKey> _keyComparer;

    // 0 = not computed, 1 = no duplicates, 2 = duplicates (benign race: every writer writes the same value).
    private int _duplicateState;

    private MiniscriptNode(MiniscriptContext context, Fragment fragment, MiniscriptNode<TKey>[] subs, TKey[] keys, byte[] data, uint k, IEqualityComparer<TKey> keyComparer)
    {
        Context = context;
        Fragment = fragment;
        _subs = subs;
        _keys = keys;
        _data = data;
        K = k;
        _keyComparer = keyComparer;
        Ops = CalcOps();
        StackBounds = CalcStackSize();
        WitnessBounds = CalcWitnessSize();
        Type = CalcType();
        ScriptSize = CalcScriptLen();
    }

    /// <summary>The script context (P2WSH or Tapscript) the expression was built for.</summary>
    public MiniscriptContext Context { get; }

    /// <summary>The fragment.</summary>
    public Fragment Fragment { get; }

    /// <summary>The timelock value (older/after) or threshold (thresh/multi/multi_a); 0 otherwise.</summary>
    public uint K { get; }

    /// <summary>The keys (pk_k/pk_h: one; multi/multi_a: all of them, in script order).</summary>
    public IReadOnlyList<TKey> Keys => _keys;

    /// <summary>The hash of sha256/hash256 (32 bytes) or ripemd160/hash160 (20 bytes); empty otherwise.</summary>
    public ReadOnlyMemory<byte> Data => _data;

    /// <summary>The sub-expressions (wrappers: one; and_*/or_*: two; andor: three; thresh: n).</summary>
    public IReadOnlyList<MiniscriptNode<TKey>> Subs => _subs;

    /// <summary>The type (BIP379), empty when the expression does not type-check.</summary>
    public MiniscriptType Type { get; }

    /// <summary>The script length in bytes (Core ScriptSize), computed without building the script.</summary>
    public int ScriptSize { get; }

    internal OpsCount Ops { get; }

    internal StackSize StackBounds { get; }

    internal WitnessSize WitnessBounds { get; }

    /// <summary>The comparer used for the duplicate-key rule.</summary>
    public IEqualityComparer<TKey> KeyComparer => _keyComparer;

    // ------------------------------------------------------------------ construction

    /// <summary>
    /// Builds a node, checking the arguments each fragment takes (Core's ComputeType sanity
    /// checks): sub-expression count, threshold and timelock ranges, hash length, key count and
    /// context (multi only in P2WSH, multi_a only in Tapscript). The node may still not type-check:
    /// see <see cref="IsValid"/>. Throws <see cref="ArgumentException"/> on malformed arguments.
    /// </summary>
    public static MiniscriptNode<TKey> Create(MiniscriptContext context, Fragment fragment, IEnumerable<MiniscriptNode<TKey>>? subs = null, IEnumerable<TKey>? keys = null, ReadOnlySpan<byte> data = default, uint k = 0, IEqualityComparer<TKey>? keyComparer = null)
    {
        var subArray = subs is null ? NoSubs : subs.ToArray();
        var keyArray = keys is null ? NoKeys : keys.ToArray();
        var error = CheckArguments(context, fragment, subArray, keyArray, data.Length, k);
        if (error is not null)
        {
            throw new ArgumentException("miniscript: " + error);
        }

        foreach (var sub in subArray)
        {
            ArgumentNullException.ThrowIfNull(sub, nameof(subs));
            if (sub.Context != context)
            {
                throw new ArgumentException("miniscript: a sub-expression was built for another script context", nameof(subs));
            }
        }

        return new MiniscriptNode<TKey>(context, fragment, subArray, keyArray, data.ToArray(), k, keyComparer ?? EqualityComparer<TKey>.Default);
    }

    internal static MiniscriptNode<TKey> CreateUnchecked(MiniscriptContext context, Fragment fragment, MiniscriptNode<TKey>[] subs, TKey[] keys, byte[] data, uint k, IEqualityComparer<TKey> keyComparer) =>
        new(context, fragment, subs, keys, data, k, keyComparer);

    internal static MiniscriptNode<TKey> Leaf(MiniscriptContext context, Fragment fragment, uint k, IEqualityComparer<TKey> keyComparer) =>
        new(context, fragment, NoSubs, NoKeys, [], k, keyComparer);

    internal static MiniscriptNode<TKey> Hash(MiniscriptContext context, Fragment fragment, byte[] hash, IEqualityComparer<TKey> keyComparer) =>
        new(context, fragment, NoSubs, NoKeys, hash, 0, keyComparer);

    internal static MiniscriptNode<TKey> WithKeys(MiniscriptContext context, Fragment fragment, TKey[] keys, uint k, IEqualityComparer<TKey> keyComparer) =>
        new(context, fragment, NoSubs, keys, [], k, keyComparer);

    internal static MiniscriptNode<TKey> WithSubs(MiniscriptContext context, Fragment fragment, MiniscriptNode<TKey>[] subs, uint k, IEqualityComparer<TKey> keyComparer) =>
        new(context, fragment, subs, NoKeys, [], k, keyComparer);

    internal static string? CheckArguments(MiniscriptContext context, Fragment fragment, MiniscriptNode<TKey>[] subs, TKey[] keys, int dataLength, uint k)
    {
        var expectedData = fragment switch
        {
            Fragment.Sha256 or Fragment.Hash256 => 32,
            Fragment.Ripemd160 or Fragment.Hash160 => 20,
            _ => 0,
        };
        if (dataLength != expectedData)
        {
            return $"{FragmentName(fragment)} takes a {expectedData}-byte hash, got {dataLength} bytes";
        }

        var expectedSubs = fragment switch
        {
            Fragment.AndV or Fragment.AndB or Fragment.OrB or Fragment.OrC or Fragment.OrI or Fragment.OrD => 2,
            Fragment.AndOr => 3,
            Fragment.WrapA or Fragment.WrapS or Fragment.WrapC or Fragment.WrapD or Fragment.WrapV or Fragment.WrapJ or Fragment.WrapN => 1,
            Fragment.Thresh => -1,
            _ => 0,
        };
        if (expectedSubs >= 0 && subs.Length != expectedSubs)
        {
            return $"{FragmentName(fragment)} takes {expectedSubs} sub-expressions, got {subs.Length}";
        }

        switch (fragment)
        {
            case Fragment.Older or Fragment.After when k < 1 || k >= 0x80000000u:
                return $"{FragmentName(fragment)}({k}): the value must be at least 1 and below 2^31";
            case Fragment.Thresh when subs.Length == 0 || k < 1 || k > subs.Length:
                return $"thresh({k},...) with {subs.Length} sub-expressions: k must be between 1 and n";
            case Fragment.Multi when context != MiniscriptContext.P2Wsh:
                return "multi() is only valid in P2WSH; use multi_a() in Tapscript";
            case Fragment.MultiA when context != MiniscriptContext.Tapscript:
                return "multi_a() is only valid in Tapscript; use multi() in P2WSH";
            case Fragment.Multi or Fragment.MultiA:
                var max = fragment == Fragment.Multi ? MiniscriptLimits.MaxPubKeysPerMultisig : MiniscriptLimits.MaxPubKeysPerMultiA;
                if (keys.Length < 1 || keys.Length > max)
                {
                    return $"{FragmentName(fragment)} takes 1 to {max} keys, got {keys.Length}";
                }

                if (k < 1 || k > keys.Length)
                {
                    return $"{FragmentName(fragment)}({k},...) with {keys.Length} keys: k must be between 1 and n";
                }

                return null;
            case Fragment.Older or Fragment.After or Fragment.Thresh:
                break;
            default:
                if (k != 0)
                {
                    return $"{FragmentName(fragment)} takes no number";
                }

                break;
        }

        var expectedKeys = fragment is Fragment.PkK or Fragment.PkH ? 1 : 0;
        return keys.Length != expectedKeys ? $"{FragmentName(fragment)} takes {expectedKeys} keys, got {keys.Length}" : null;
    }

    internal static string FragmentName(Fragment fragment) => fragment switch
    {
        Fragment.Just0 => "0",
        Fragment.Just1 => "1",
        Fragment.PkK => "pk_k",
        Fragment.PkH => "pk_h",
        Fragment.Older => "older",
        Fragment.After => "after",
        Fragment.Sha256 => "sha256",
        Fragment.Hash256 => "hash256",
        Fragment.Ripemd160 => "ripemd160",
        Fragment.Hash160 => "hash160",
        Fragment.WrapA => "a:",
        Fragment.WrapS => "s:",
        Fragment.WrapC => "c:",
        Fragment.WrapD => "d:",
        Fragment.WrapV => "v:",
        Fragment.WrapJ => "j:",
        Fragment.WrapN => "n:",
        Fragment.AndV => "and_v",
        Fragment.AndB => "and_b",
        Fragment.OrB => "or_b",
        Fragment.OrC => "or_c",
        Fragment.OrD => "or_d",
        Fragment.OrI => "or_i",
        Fragment.AndOr => "andor",
        Fragment.Thresh => "thresh",
        Fragment.Multi => "multi",
        Fragment.MultiA => "multi_a",
        _ => fragment.ToString(),
    };

    /// <summary>The same tree with every key mapped (types and sizes do not depend on key values).</summary>
    public MiniscriptNode<TOther> MapKeys<TOther>(Func<TKey, TOther> map, IEqualityComparer<TOther>? keyComparer = null)
        where TOther : notnull
    {
        ArgumentNullException.ThrowIfNull(map);
        var comparer = keyComparer ?? EqualityComparer<TOther>.Default;
        return Evaluate<MiniscriptNode<TOther>>((node, subs) => MiniscriptNode<TOther>.CreateUnchecked(
            node.Context, node.Fragment, subs.ToArray(), node._keys.Length == 0 ? [] : [.. node._keys.Select(map)], node._data, node.K, comparer));
    }

    // ------------------------------------------------------------------ tree walks

    /// <summary>
    /// Core TreeEval: computes a result for every node bottom-up, without recursion. <paramref name="up"/>
    /// receives a node and the results of its sub-expressions in order.
    /// </summary>
    internal TResult Evaluate<TResult>(Func<MiniscriptNode<TKey>, ReadOnlySpan<TResult>, TResult> up)
    {
        var stack = new List<(MiniscriptNode<TKey> Node, int Expanded)> { (this, 0) };
        var results = new List<TResult>();
        while (stack.Count > 0)
        {
            var (node, expanded) = stack[^1];
            if (expanded < node._subs.Length)
            {
                stack[^1] = (node, expanded + 1);
                stack.Add((node._subs[expanded], 0));
                continue;
            }

            var n = node._subs.Length;
            var result = up(node, CollectionsMarshal.AsSpan(results)[(results.Count - n)..]);
            results.RemoveRange(results.Count - n, n);
            results.Add(result);
            stack.RemoveAt(stack.Count - 1);
        }

        return results[0];
    }

    /// <summary>Every node, parent before children, depth first (no recursion).</summary>
    public IEnumerable<MiniscriptNode<TKey>> Nodes()
    {
        var stack = new Stack<MiniscriptNode<TKey>>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            yield return node;
            for (var i = node._subs.Length - 1; i >= 0; i--)
            {
                stack.Push(node._subs[i]);
            }
        }
    }

    /// <summary>Every key in script order (a key used twice appears twice).</summary>
    public IEnumerable<TKey> AllKeys() => Nodes().SelectMany(n => n._keys);

    // ------------------------------------------------------------------ computed properties

    private MiniscriptType CalcType()
    {
        if (Fragment == Fragment.Thresh)
        {
            Span<MiniscriptType> subTypes = _subs.Length <= 64 ? stackalloc MiniscriptType[_subs.Length] : new MiniscriptType[_subs.Length];
            for (var i = 0; i < _subs.Length; i++)
            {
                subTypes[i] = _subs[i].Type;
            }

            return MiniscriptRules.ComputeType(Fragment, default, default, default, subTypes, K, _subs.Length, Context);
        }

        var x = _subs.Length > 0 ? _subs[0].Type : default;
        var y = _subs.Length > 1 ? _subs[1].Type : default;
        var z = _subs.Length > 2 ? _subs[2].Type : default;

        // A sub-expression without a type makes its parent invalid (its basic type is required).
        return MiniscriptRules.ComputeType(Fragment, x, y, z, default, K, _subs.Length, Context);
    }

    private int CalcScriptLen()
    {
        var subSize = 0;
        foreach (var sub in _subs)
        {
            subSize += sub.ScriptSize;
        }

        return MiniscriptRules.ComputeScriptLen(Fragment, _subs.Length > 0 ? _subs[0].Type : default, subSize, K, _subs.Length, _keys.Length, Context);
    }

    // Core Node::CalcOps.
    private OpsCount CalcOps()
    {
        switch (Fragment)
        {
            case Fragment.Just1: return new(0, MaxInt.Of(0), MaxInt.None);
            case Fragment.Just0: return new(0, MaxInt.None, MaxInt.Of(0));
            case Fragment.PkK: return new(0, MaxInt.Of(0), MaxInt.Of(0));
            case Fragment.PkH: return new(3, MaxInt.Of(0), MaxInt.Of(0));
            case Fragment.Older:
            case Fragment.After: return new(1, MaxInt.Of(0), MaxInt.None);
            case Fragment.Sha256:
            case Fragment.Ripemd160:
            case Fragment.Hash256:
            case Fragment.Hash160: return new(4, MaxInt.Of(0), MaxInt.None);
            case Fragment.AndV: return new(S0.Ops.Count + S1.Ops.Count, S0.Ops.Sat + S1.Ops.Sat, MaxInt.None);
            case Fragment.AndB: return new(1 + S0.Ops.Count + S1.Ops.Count, S0.Ops.Sat + S1.Ops.Sat, S0.Ops.Dsat + S1.Ops.Dsat);
            case Fragment.OrB:
                return new(1 + S0.Ops.Count + S1.Ops.Count, (S0.Ops.Sat + S1.Ops.Dsat) | (S1.Ops.Sat + S0.Ops.Dsat), S0.Ops.Dsat + S1.Ops.Dsat);
            case Fragment.OrD:
                return new(3 + S0.Ops.Count + S1.Ops.Count, S0.Ops.Sat | (S1.Ops.Sat + S0.Ops.Dsat), S0.Ops.Dsat + S1.Ops.Dsat);
            case Fragment.OrC:
                return new(2 + S0.Ops.Count + S1.Ops.Count, S0.Ops.Sat | (S1.Ops.Sat + S0.Ops.Dsat), MaxInt.None);
            case Fragment.OrI:
                return new(3 + S0.Ops.Count + S1.Ops.Count, S0.Ops.Sat | S1.Ops.Sat, S0.Ops.Dsat | S1.Ops.Dsat);
            case Fragment.AndOr:
                return new(3 + S0.Ops.Count + S1.Ops.Count + S2.Ops.Count, (S1.Ops.Sat + S0.Ops.Sat) | (S0.Ops.Dsat + S2.Ops.Sat), S0.Ops.Dsat + S2.Ops.Dsat);
            case Fragment.Multi: return new(1, MaxInt.Of((uint)_keys.Length), MaxInt.Of((uint)_keys.Length));
            case Fragment.MultiA: return new((uint)_keys.Length + 1, MaxInt.Of(0), MaxInt.Of(0));
            case Fragment.WrapS:
            case Fragment.WrapC:
            case Fragment.WrapN: return new(1 + S0.Ops.Count, S0.Ops.Sat, S0.Ops.Dsat);
            case Fragment.WrapA: return new(2 + S0.Ops.Count, S0.Ops.Sat, S0.Ops.Dsat);
            case Fragment.WrapD: return new(3 + S0.Ops.Count, S0.Ops.Sat, MaxInt.Of(0));
            case Fragment.WrapJ: return new(4 + S0.Ops.Count, S0.Ops.Sat, MaxInt.Of(0));
            case Fragment.WrapV: return new(S0.Ops.Count + (MiniscriptRules.IsX(S0.Type) ? 1u : 0u), S0.Ops.Sat, MaxInt.None);
            case Fragment.Thresh:
            {
                uint count = 0;
                var sats = new List<MaxInt> { MaxInt.Of(0) };
                foreach (var sub in _subs)
                {
                    count += sub.Ops.Count + 1;
                    var next = new List<MaxInt>(sats.Count + 1) { sats[0] + sub.Ops.Dsat };
                    for (var j = 1; j < sats.Count; j++)
                    {
                        next.Add((sats[j] + sub.Ops.Dsat) | (sats[j - 1] + sub.Ops.Sat));
                    }

                    next.Add(sats[^1] + sub.Ops.Sat);
                    sats = next;
                }

                return new(count, K < sats.Count ? sats[(int)K] : MaxInt.None, sats[0]);
            }

            default: throw new InvalidOperationException("miniscript: unknown fragment");
        }
    }

    // Core Node::CalcStackSize.
    private StackSize CalcStackSize()
    {
        switch (Fragment)
        {
            case Fragment.Just0: return new(SatInfo.None, SatInfo.Push);
            case Fragment.Just1: return new(SatInfo.Push, SatInfo.None);
            case Fragment.Older:
            case Fragment.After: return new(SatInfo.Push + SatInfo.Nop, SatInfo.None);
            case Fragment.PkK: return new(SatInfo.Push);
            case Fragment.PkH: return new(SatInfo.OpDup + SatInfo.Hash + SatInfo.Push + SatInfo.OpEqualVerify);
            case Fragment.Sha256:
            case Fragment.Ripemd160:
            case Fragment.Hash256:
            case Fragment.Hash160:
                return new(SatInfo.OpSize + SatInfo.Push + SatInfo.OpEqualVerify + SatInfo.Hash + SatInfo.Push + SatInfo.OpEqual, SatInfo.None);
            case Fragment.AndOr:
            {
                var (x, y, z) = (S0.StackBounds, S1.StackBounds, S2.StackBounds);
                return new((x.Sat + SatInfo.If + y.Sat) | (x.Dsat + SatInfo.If + z.Sat), x.Dsat + SatInfo.If + z.Dsat);
            }

            case Fragment.AndV: return new(S0.StackBounds.Sat + S1.StackBounds.Sat, SatInfo.None);
            case Fragment.AndB:
            {
                var (x, y) = (S0.StackBounds, S1.StackBounds);
                return new(x.Sat + y.Sat + SatInfo.BinaryOp, x.Dsat + y.Dsat + SatInfo.BinaryOp);
            }

            case Fragment.OrB:
            {
                var (x, y) = (S0.StackBounds, S1.StackBounds);
                return new(((x.Sat + y.Dsat) | (x.Dsat + y.Sat)) + SatInfo.BinaryOp, x.Dsat + y.Dsat + SatInfo.BinaryOp);
            }

            case Fragment.OrC:
            {
                var (x, y) = (S0.StackBounds, S1.StackBounds);
                return new((x.Sat + SatInfo.If) | (x.Dsat + SatInfo.If + y.Sat), SatInfo.None);
            }

            case Fragment.OrD:
            {
                var (x, y) = (S0.StackBounds, S1.StackBounds);
                return new(
                    (x.Sat + SatInfo.OpIfDup(true) + SatInfo.If) | (x.Dsat + SatInfo.OpIfDup(false) + SatInfo.If + y.Sat),
                    x.Dsat + SatInfo.OpIfDup(false) + SatInfo.If + y.Dsat);
            }

            case Fragment.OrI:
            {
                var (x, y) = (S0.StackBounds, S1.StackBounds);
                return new(SatInfo.If + (x.Sat | y.Sat), SatInfo.If + (x.Dsat | y.Dsat));
            }

            // multi(k, n keys) starts with k+1 elements, peaks at k+n+3, ends with 1.
            case Fragment.Multi: return new(SatInfo.Of((int)K, (int)K + _keys.Length + 2));

            // multi_a(k, n keys) starts with n elements, peaks at n+1, ends with 1.
            case Fragment.MultiA: return new(SatInfo.Of(_keys.Length - 1, _keys.Length));
            case Fragment.WrapA:
            case Fragment.WrapN:
            case Fragment.WrapS: return S0.StackBounds;
            case Fragment.WrapC: return new(S0.StackBounds.Sat + SatInfo.OpCheckSig, S0.StackBounds.Dsat + SatInfo.OpCheckSig);
            case Fragment.WrapD: return new(SatInfo.OpDup + SatInfo.If + S0.StackBounds.Sat, SatInfo.OpDup + SatInfo.If);
            case Fragment.WrapV: return new(S0.StackBounds.Sat + SatInfo.OpVerify, SatInfo.None);
            case Fragment.WrapJ:
                return new(SatInfo.OpSize + SatInfo.Op0NotEqual + SatInfo.If + S0.StackBounds.Sat, SatInfo.OpSize + SatInfo.Op0NotEqual + SatInfo.If);
            case Fragment.Thresh:
            {
                // sats[j]: all traces reaching j satisfactions.
                var sats = new List<SatInfo> { SatInfo.Empty };
                for (var i = 0; i < _subs.Length; i++)
                {
                    var add = i > 0 ? SatInfo.BinaryOp : SatInfo.Empty;
                    var sub = _subs[i].StackBounds;
                    var next = new List<SatInfo>(sats.Count + 1) { sats[0] + sub.Dsat + add };
                    for (var j = 1; j < sats.Count; j++)
                    {
                        next.Add(((sats[j] + sub.Dsat) | (sats[j - 1] + sub.Sat)) + add);
                    }

                    next.Add(sats[^1] + sub.Sat + add);
                    sats = next;
                }

                var satK = K < sats.Count ? sats[(int)K] : SatInfo.None;
                return new(satK + SatInfo.Push + SatInfo.OpEqual, sats[0] + SatInfo.Push + SatInfo.OpEqual);
            }

            default: throw new InvalidOperationException("miniscript: unknown fragment");
        }
    }

    // Core Node::CalcWitnessSize: sizes include each push's length prefix; signatures are counted
    // at their maximum (73 bytes ECDSA with hashtype, 66 Schnorr with hashtype).
    private WitnessSize CalcWitnessSize()
    {
        var tapscript = Context == MiniscriptContext.Tapscript;
        uint sigSize = tapscript ? 1u + 65 : 1u + 72;
        uint pubkeySize = tapscript ? 1u + 32 : 1u + 33;
        switch (Fragment)
        {
            case Fragment.Just0: return new(MaxInt.None, MaxInt.Of(0));
            case Fragment.Just1:
            case Fragment.Older:
            case Fragment.After: return new(MaxInt.Of(0), MaxInt.None);
            case Fragment.PkK: return new(MaxInt.Of(sigSize), MaxInt.Of(1));
            case Fragment.PkH: return new(MaxInt.Of(sigSize + pubkeySize), MaxInt.Of(1 + pubkeySize));
            case Fragment.Sha256:
            case Fragment.Ripemd160:
            case Fragment.Hash256:
            case Fragment.Hash160: return new(MaxInt.Of(1 + 32), MaxInt.None);
            case Fragment.AndOr:
                return new((S0.WitnessBounds.Sat + S1.WitnessBounds.Sat) | (S0.WitnessBounds.Dsat + S2.WitnessBounds.Sat), S0.WitnessBounds.Dsat + S2.WitnessBounds.Dsat);
            case Fragment.AndV: return new(S0.WitnessBounds.Sat + S1.WitnessBounds.Sat, MaxInt.None);
            case Fragment.AndB: return new(S0.WitnessBounds.Sat + S1.WitnessBounds.Sat, S0.WitnessBounds.Dsat + S1.WitnessBounds.Dsat);
            case Fragment.OrB:
                return new((S0.WitnessBounds.Dsat + S1.WitnessBounds.Sat) | (S0.WitnessBounds.Sat + S1.WitnessBounds.Dsat), S0.WitnessBounds.Dsat + S1.WitnessBounds.Dsat);
            case Fragment.OrC: return new(S0.WitnessBounds.Sat | (S0.WitnessBounds.Dsat + S1.WitnessBounds.Sat), MaxInt.None);
            case Fragment.OrD:
                return new(S0.WitnessBounds.Sat | (S0.WitnessBounds.Dsat + S1.WitnessBounds.Sat), S0.WitnessBounds.Dsat + S1.WitnessBounds.Dsat);
            case Fragment.OrI:
                return new(
                    (S0.WitnessBounds.Sat + MaxInt.Of(1 + 1)) | (S1.WitnessBounds.Sat + MaxInt.Of(1)),
                    (S0.WitnessBounds.Dsat + MaxInt.Of(1 + 1)) | (S1.WitnessBounds.Dsat + MaxInt.Of(1)));
            case Fragment.Multi: return new(MaxInt.Of((K * sigSize) + 1), MaxInt.Of(K + 1));
            case Fragment.MultiA: return new(MaxInt.Of((K * sigSize) + (uint)_keys.Length - K), MaxInt.Of((uint)_keys.Length));
            case Fragment.WrapA:
            case Fragment.WrapN:
            case Fragment.WrapS:
            case Fragment.WrapC: return S0.WitnessBounds;
            case Fragment.WrapD: return new(MaxInt.Of(1 + 1) + S0.WitnessBounds.Sat, MaxInt.Of(1));
            case Fragment.WrapV: return new(S0.WitnessBounds.Sat, MaxInt.None);
            case Fragment.WrapJ: return new(S0.WitnessBounds.Sat, MaxInt.Of(1));
            case Fragment.Thresh:
            {
                var sats = new List<MaxInt> { MaxInt.Of(0) };
                foreach (var sub in _subs)
                {
                    var next = new List<MaxInt>(sats.Count + 1) { sats[0] + sub.WitnessBounds.Dsat };
                    for (var j = 1; j < sats.Count; j++)
                    {
                        next.Add((sats[j] + sub.WitnessBounds.Dsat) | (sats[j - 1] + sub.WitnessBounds.Sat));
                    }

                    next.Add(sats[^1] + sub.WitnessBounds.Sat);
                    sats = next;
                }

                return new(K < sats.Count ? sats[(int)K] : MaxInt.None, sats[0]);
            }

            default: throw new InvalidOperationException("miniscript: unknown fragment");
        }
    }

    private MiniscriptNode<TKey> S0 => _subs[0];

    private MiniscriptNode<TKey> S1 => _subs[1];

    private MiniscriptNode<TKey> S2 => _subs[2];

    // ------------------------------------------------------------------ Core's checks

    /// <summary>Core GetOps: the most non-push opcodes a non-malleable satisfaction executes (incl. CHECKMULTISIG keys); null when unsatisfiable.</summary>
    public int? MaxOps => Ops.Sat.Valid ? (int)(Ops.Count + Ops.Sat.Value) : null;

    /// <summary>Core GetStaticOps: non-push opcodes in the script.</summary>
    public int StaticOps => (int)Ops.Count;

    /// <summary>Core CheckOpsLimit: P2WSH satisfactions stay within 201 opcodes (no limit in Tapscript, BIP342).</summary>
    public bool CheckOpsLimit() => Context == MiniscriptContext.Tapscript || MaxOps is not { } ops || ops <= MiniscriptLimits.MaxOpsPerScript;

    private bool IsBkw => MiniscriptRules.IsBkw(Type);

    /// <summary>Core GetStackSize: the most witness stack elements a satisfaction needs (not counting the script or control block); null when unsatisfiable.</summary>
    public int? MaxStackSize => StackBounds.Sat.Valid ? StackBounds.Sat.NetDiff + (IsBkw ? 1 : 0) : null;

    /// <summary>Core GetExecStackSize: the highest stack (plus altstack) during a satisfying execution; null when unsatisfiable.</summary>
    public int? MaxExecStackSize => StackBounds.Sat.Valid ? StackBounds.Sat.Exec + (IsBkw ? 1 : 0) : null;

    /// <summary>
    /// Core CheckStackSize: Tapscript executions stay within 1000 stack elements (BIP342); P2WSH
    /// satisfactions within the 100-item standardness limit.
    /// </summary>
    public bool CheckStackSize()
    {
        if (Context == MiniscriptContext.Tapscript)
        {
            return MaxExecStackSize is not { } exec || exec <= MiniscriptLimits.MaxStackSize;
        }

        return MaxStackSize is not { } size || size <= MiniscriptLimits.MaxStandardP2WshStackItems;
    }

    /// <summary>Core IsNotSatisfiable: no satisfaction exists at all.</summary>
    public bool IsNotSatisfiable => MaxStackSize is null;

    /// <summary>
    /// Core GetWitnessSize: the largest non-malleable satisfaction witness in bytes, each element
    /// with its length prefix, not counting the witness script, control block or element count.
    /// </summary>
    public int? MaxWitnessSize => WitnessBounds.Sat.Valid ? (int)WitnessBounds.Sat.Value : null;

    /// <summary>Core IsValid: type-checks and fits the context's script size limit.</summary>
    public bool IsValid => Type.IsValid && ScriptSize <= MiniscriptLimits.MaxScriptSize(Context);

    /// <summary>Core IsValidTopLevel: valid and of type B.</summary>
    public bool IsValidTopLevel => IsValid && MiniscriptRules.IsB(Type);

    /// <summary>Core IsNonMalleable (property m).</summary>
    public bool IsNonMalleable => MiniscriptRules.IsM(Type);

    /// <summary>Core NeedsSignature (property s).</summary>
    public bool NeedsSignature => MiniscriptRules.IsS(Type);

    /// <summary>Core CheckTimeLocksMix (property k): no spend path mixes heights and times of the same lock kind.</summary>
    public bool CheckTimeLocksMix => MiniscriptRules.IsK(Type);

    /// <summary>Core CheckDuplicateKey: no key appears twice in this expression.</summary>
    public bool CheckDuplicateKey
    {
        get
        {
            if (Volatile.Read(ref _duplicateState) == 0)
            {
                ComputeDuplicates();
            }

            return _duplicateState == 1;
        }
    }

    /// <summary>Core ValidSatisfactions: non-malleable satisfactions are guaranteed valid (size, ops, stack limits).</summary>
    public bool ValidSatisfactions => IsValid && CheckOpsLimit() && CheckStackSize();

    /// <summary>Core IsSaneSubexpression: valid satisfactions, non-malleable, no timelock mix, no duplicate keys.</summary>
    public bool IsSaneSubexpression => ValidSatisfactions && IsNonMalleable && CheckTimeLocksMix && CheckDuplicateKey;

    /// <summary>Core IsSane: a sane top-level script that always needs a signature.</summary>
    public bool IsSane => IsValidTopLevel && IsSaneSubexpression && NeedsSignature;

    // Core DuplicateKeyCheck: every node learns whether its subtree repeats a key.
    private void ComputeDuplicates()
    {
        Evaluate<HashSet<TKey>?>((node, subs) =>
        {
            if (node._duplicateState != 0 && node._duplicateState == 2)
            {
                return null;
            }

            HashSet<TKey>? set = null;
            foreach (var sub in subs)
            {
                if (sub is null)
                {
                    node._duplicateState = 2;
                    return null;
                }
            }

            // Merge the largest child set into the others (the smaller ones are copied).
            var largest = -1;
            for (var i = 0; i < subs.Length; i++)
            {
                if (largest < 0 || subs[i]!.Count > subs[largest]!.Count)
                {
                    largest = i;
                }
            }

            set = largest >= 0 ? subs[largest]! : new HashSet<TKey>(node._keyComparer);
            for (var i = 0; i < subs.Length; i++)
            {
                if (i == largest)
                {
                    continue;
                }

                foreach (var key in subs[i]!)
                {
                    if (!set.Add(key))
                    {
                        node._duplicateState = 2;
                        return null;
                    }
                }
            }

            foreach (var key in node._keys)
            {
                if (!set.Add(key))
                {
                    node._duplicateState = 2;
                    return null;
                }
            }

            node._duplicateState = 1;
            return set;
        });
    }

    /// <summary>Core FindInsaneSub: an insane node none of whose children is insane, or null when every node is sane.</summary>
    public MiniscriptNode<TKey>? FindInsaneSub()
    {
        _ = CheckDuplicateKey;
        return Evaluate<MiniscriptNode<TKey>?>((node, subs) =>
        {
            foreach (var sub in subs)
            {
                if (sub is not null)
                {
                    return sub;
                }
            }

            return node.IsSaneSubexpression ? null : node;
        });
    }

    /// <summary>
    /// Core IsSatisfiable: whether the expression can be satisfied when <paramref name="available"/>
    /// says which key, timelock and hash leaves can be.
    /// </summary>
    public bool IsSatisfiable(Func<MiniscriptNode<TKey>, bool> available)
    {
        ArgumentNullException.ThrowIfNull(available);
        return Evaluate<bool>((node, subs) => node.Fragment switch
        {
            Fragment.Just0 => false,
            Fragment.Just1 => true,
            Fragment.PkK or Fragment.PkH or Fragment.Multi or Fragment.MultiA or Fragment.After or Fragment.Older
                or Fragment.Hash256 or Fragment.Hash160 or Fragment.Sha256 or Fragment.Ripemd160 => available(node),
            Fragment.AndOr => (subs[0] && subs[1]) || subs[2],
            Fragment.AndV or Fragment.AndB => subs[0] && subs[1],
            Fragment.OrB or Fragment.OrC or Fragment.OrD or Fragment.OrI => subs[0] || subs[1],
            Fragment.Thresh => CountTrue(subs) >= node.K,
            _ => subs[0],
        });
    }

    private static uint CountTrue(ReadOnlySpan<bool> values)
    {
        uint count = 0;
        foreach (var v in values)
        {
            count += v ? 1u : 0u;
        }

        return count;
    }

    /// <summary>
    /// Why the expression is not sane, in Core's words (descriptor.cpp ParseScript): the first
    /// insane sub-expression and the reason, or null when <see cref="IsSane"/> and satisfiable.
    /// <paramref name="format"/> writes the keys.
    /// </summary>
    public string? InsanityReason(IMiniscriptKeyFormatter<TKey> format)
    {
        if (IsSane && !IsNotSatisfiable)
        {
            return null;
        }

        var insane = FindInsaneSub() ?? this;
        var text = insane.ToString(format) ?? FragmentName(insane.Fragment);
        if (!insane.IsValid)
        {
            return text + (insane.Type.IsValid ? " is invalid: script larger than the context allows" : " is invalid");
        }

        if (!IsSane)
        {
            if (!insane.IsNonMalleable)
            {
                return text + " is not sane: malleable witnesses exist";
            }

            if (ReferenceEquals(insane, this) && !insane.NeedsSignature)
            {
                return text + " is not sane: witnesses without signature exist";
            }

            if (!insane.CheckTimeLocksMix)
            {
                return text + " is not sane: contains mixes of timelocks expressed in blocks and seconds";
            }

            if (!insane.CheckDuplicateKey)
            {
                return text + " is not sane: contains duplicate public keys";
            }

            if (!insane.ValidSatisfactions)
            {
                return text + " is not sane: needs witnesses that may exceed resource limits";
            }

            if (!IsValidTopLevel)
            {
                return text + " is not sane: the top level is not of type B";
            }

            return text + " is not sane";
        }

        return text + " is not satisfiable";
    }

    // ------------------------------------------------------------------ equality

    /// <summary>Structural equality (fragment, k, keys, data and sub-expressions; Core's Compare == 0).</summary>
    public bool Equals(MiniscriptNode<TKey>? other)
    {
        if (other is null)
        {
            return false;
        }

        var queue = new Stack<(MiniscriptNode<TKey> A, MiniscriptNode<TKey> B)>();
        queue.Push((this, other));
        while (queue.Count > 0)
        {
            var (a, b) = queue.Pop();
            if (ReferenceEquals(a, b))
            {
                continue;
            }

            if (a.Fragment != b.Fragment || a.K != b.K || a.Context != b.Context || a._keys.Length != b._keys.Length
                || !a._data.AsSpan().SequenceEqual(b._data) || a._subs.Length != b._subs.Length)
            {
                return false;
            }

            for (var i = 0; i < a._keys.Length; i++)
            {
                if (!_keyComparer.Equals(a._keys[i], b._keys[i]))
                {
                    return false;
                }
            }

            for (var i = 0; i < a._subs.Length; i++)
            {
                queue.Push((a._subs[i], b._subs[i]));
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as MiniscriptNode<TKey>);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Fragment, K, ScriptSize, Type.Flags);
}
