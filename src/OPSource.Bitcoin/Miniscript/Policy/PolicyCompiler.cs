using System.Diagnostics.CodeAnalysis;

namespace OPSource.Bitcoin.Miniscript.Policy;

/// <summary>
/// Compiles a policy into the miniscript with the lowest expected spending cost, by the algorithm of
/// rust-miniscript's policy compiler (src/policy/compiler.rs): for every sub-policy, satisfaction
/// probability and dissatisfaction probability it keeps the cheapest compilation of each type
/// (script size plus probability-weighted satisfaction and dissatisfaction witness sizes), tries
/// every fragment and wrapper that fits, and discards anything malleable or beyond the context's
/// resource limits. Types and limits come from this library's BIP379 type checker (Core's rules),
/// and the result is checked once more as a sane miniscript.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
internal sealed class PolicyCompiler<TKey>
    where TKey : notnull
{
    private readonly MiniscriptContext _context;
    private readonly IEqualityComparer<TKey> _comparer;
    private readonly Dictionary<(string Policy, double Sat, double? Dissat), CompilationMap> _cache = [];
    private readonly Dictionary<Policy<TKey>, string> _ids = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<TKey, int> _keyIds;
    private readonly MiniscriptNode<TKey> _false;
    private readonly MiniscriptNode<TKey> _true;

    private PolicyCompiler(MiniscriptContext context, IEqualityComparer<TKey> comparer)
    {
        _context = context;
        _comparer = comparer;
        _keyIds = new Dictionary<TKey, int>(comparer);
        _false = MiniscriptNode<TKey>.Leaf(context, Fragment.Just0, 0, comparer);
        _true = MiniscriptNode<TKey>.Leaf(context, Fragment.Just1, 0, comparer);
    }

    private bool Schnorr => _context == MiniscriptContext.Tapscript;

    /// <summary>rust-miniscript best_compilation: the cheapest B expression for p = 1, q = none, which must be signed and non-malleable.</summary>
    public static bool TryCompile(Policy<TKey> policy, MiniscriptContext context, IEqualityComparer<TKey> comparer, [NotNullWhen(true)] out MiniscriptNode<TKey>? node, out double cost, [NotNullWhen(false)] out MiniscriptError? error)
    {
        node = null;
        cost = 0;
        var compiler = new PolicyCompiler<TKey>(context, comparer);
        if (!compiler.TryBestT(policy, 1.0, null, out var best, out error))
        {
            return false;
        }

        var ty = RustType.Of(best.Ms.Type);
        if (!ty.Signed)
        {
            error = Fail("the compilation has a spending path without signatures");
            return false;
        }

        if (!ty.NonMalleable)
        {
            error = Fail("no non-malleable compilation exists");
            return false;
        }

        node = best.Ms;
        cost = best.Cost(1.0, null);
        return true;
    }

    private static MiniscriptError Fail(string message) => new(MiniscriptErrorKind.Compiler, "policy: " + message);

    private static MiniscriptError LimitsExceeded() =>
        Fail("every compilation exceeds the consensus or standardness limits of the context (script size, ops, stack)");

    // ---------------------------------------------------------------- compilation data

    /// <summary>rust-miniscript CompilerExtData: expected witness costs (bytes) to satisfy and to dissatisfy.</summary>
    private readonly record struct Ext(double SatCost, double? DissatCost)
    {
        public static Ext True => new(0.0, null);

        public static Ext False => new(double.MaxValue, 0.0);
    }

    /// <summary>A candidate: the miniscript and its costs (rust AstElemExt).</summary>
    private sealed record Elem(MiniscriptNode<TKey> Ms, Ext Ext)
    {
        // rust cost_1d: script size plus expected witness; an undissatisfiable candidate costs infinity when a dissatisfaction may be needed.
        public double Cost(double sat, double? dissat) => Ms.ScriptSize + (Ext.SatCost * sat) + (dissat, Ext.DissatCost) switch
        {
            ({ } p, { } c) => p * c,
            ({ }, null) => double.PositiveInfinity,
            _ => 0.0,
        };
    }

    /// <summary>rust CompilationKey: type (rust's encoding), free verify, dissatisfaction probability; ordered as rust derives it.</summary>
    private readonly record struct Key(RustType Type, bool FreeVerify, double? DissatProb) : IComparable<Key>
    {
        public bool IsSubtype(Key other) => Type.IsSubtype(other.Type) && FreeVerify == other.FreeVerify && DissatProb == other.DissatProb;

        public int CompareTo(Key other)
        {
            var c = Type.CompareTo(other.Type);
            if (c != 0)
            {
                return c;
            }

            c = FreeVerify.CompareTo(other.FreeVerify);
            if (c != 0)
            {
                return c;
            }

            return (DissatProb, other.DissatProb) switch
            {
                (null, null) => 0,
                (null, _) => -1,
                (_, null) => 1,
                ({ } a, { } b) => a.CompareTo(b),
            };
        }
    }

    /// <summary>A BTreeMap&lt;CompilationKey, AstElemExt&gt;: candidates kept in key order.</summary>
    private sealed class CompilationMap
    {
        public List<(Key Key, Elem Elem, double Cost)> Entries { get; } = [];

        public bool WrappedFromNone { get; set; }

        public CompilationMap Clone()
        {
            var copy = new CompilationMap();
            copy.Entries.AddRange(Entries);
            return copy;
        }

        public void Insert(Key key, Elem elem, double cost)
        {
            var lo = 0;
            var hi = Entries.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                var c = Entries[mid].Key.CompareTo(key);
                if (c == 0)
                {
                    Entries[mid] = (key, elem, cost);
                    return;
                }

                if (c < 0)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            Entries.Insert(lo, (key, elem, cost));
        }
    }

    // rust-miniscript CompilerExtData for terminals (ECDSA signatures 73 bytes with length, BIP340 66).
    private Ext TerminalExt(MiniscriptNode<TKey> ms) => ms.Fragment switch
    {
        Fragment.Just1 => Ext.True,
        Fragment.Just0 => Ext.False,
        Fragment.PkK => new(Schnorr ? 1.0 + 64.0 + 1.0 : 73.0, 1.0),
        Fragment.PkH => new(Schnorr ? 66.0 + 33.0 : 73.0 + 34.0, 1.0 + (Schnorr ? 33.0 : 34.0)),
        Fragment.Multi => new(1.0 + (73.0 * ms.K), 1.0 * (ms.K + 1)),
        Fragment.MultiA => new((66.0 * ms.K) + (ms.Keys.Count - ms.K), ms.Keys.Count),
        Fragment.After or Fragment.Older => new(0.0, null),
        _ => new(33.0, 33.0),
    };

    private static Ext CastExt(Fragment cast, Ext x) => cast switch
    {
        Fragment.WrapA or Fragment.WrapS or Fragment.WrapC or Fragment.WrapN => x,
        Fragment.WrapD => new(2.0 + x.SatCost, 1.0),
        Fragment.WrapV => new(x.SatCost, null),
        Fragment.WrapJ => new(x.SatCost, 1.0),
        _ => throw new ArgumentOutOfRangeException(nameof(cast)),
    };

    private static Ext AndB(Ext l, Ext r) => new(l.SatCost + r.SatCost, l.DissatCost is { } a && r.DissatCost is { } b ? a + b : null);

    private static Ext AndV(Ext l, Ext r) => new(l.SatCost + r.SatCost, null);

    private static Ext OrB(Ext l, double lp, Ext r, double rp) =>
        new((lp * (l.SatCost + r.DissatCost!.Value)) + (rp * (r.SatCost + l.DissatCost!.Value)), l.DissatCost!.Value + r.DissatCost!.Value);

    private static Ext OrD(Ext l, double lp, Ext r, double rp) =>
        new((lp * l.SatCost) + (rp * (r.SatCost + l.DissatCost!.Value)), r.DissatCost is { } rd ? l.DissatCost!.Value + rd : null);

    private static Ext OrC(Ext l, double lp, Ext r, double rp) =>
        new((lp * l.SatCost) + (rp * (r.SatCost + l.DissatCost!.Value)), null);

    private static Ext OrI(Ext l, double lp, Ext r, double rp)
    {
        double? dissat;
        if (l.DissatCost is { } ld && r.DissatCost is { } rd)
        {
            dissat = 2.0 + ld > 1.0 + rd ? 1.0 + rd : 2.0 + ld;
        }
        else if (l.DissatCost is { } l2)
        {
            dissat = 2.0 + l2;
        }
        else if (r.DissatCost is { } r2)
        {
            dissat = 1.0 + r2;
        }
        else
        {
            dissat = null;
        }

        return new((lp * (2.0 + l.SatCost)) + (rp * (1.0 + r.SatCost)), dissat);
    }

    private static Ext AndOr(Ext a, double ap, Ext b, Ext c, double cp)
    {
        var adis = a.DissatCost!.Value;
        return new((ap * (a.SatCost + b.SatCost)) + (cp * (adis + c.SatCost)), c.DissatCost is { } cd ? adis + cd : null);
    }

    private static Ext Threshold(uint k, IReadOnlyList<Ext> subs)
    {
        var n = subs.Count;
        var kOverN = k / (double)n;
        var sat = 0.0;
        var dissat = 0.0;
        foreach (var s in subs)
        {
            sat += s.SatCost;
            dissat += s.DissatCost!.Value;
        }

        return new((sat * kOverN) + (dissat * (1.0 - kOverN)), dissat);
    }

    // ---------------------------------------------------------------- node building

    private MiniscriptNode<TKey> Node(Fragment fragment, params MiniscriptNode<TKey>[] subs) =>
        MiniscriptNode<TKey>.WithSubs(_context, fragment, subs, 0, _comparer);

    // rust all_casts, in its order: c:, d:, l: (likely), u: (unlikely), v:, j:, t:, s:, a:, n:.
    private static readonly Fragment[] CastOrder = [Fragment.WrapC, Fragment.WrapD, Fragment.OrI, Fragment.AndOr, Fragment.WrapV, Fragment.WrapJ, Fragment.AndV, Fragment.WrapS, Fragment.WrapA, Fragment.WrapN];

    private Elem? Cast(int index, Elem x)
    {
        MiniscriptNode<TKey> node;
        Ext ext;
        switch (index)
        {
            case 2:
                // l:X = or_i(0,X) (cast_likely: 1 + sat, dissat 2).
                node = Node(Fragment.OrI, _false, x.Ms);
                ext = new(1.0 + x.Ext.SatCost, 2.0);
                break;
            case 3:
                // u:X = or_i(X,0) (cast_unlikely: 2 + sat, dissat 1).
                node = Node(Fragment.OrI, x.Ms, _false);
                ext = new(2.0 + x.Ext.SatCost, 1.0);
                break;
            case 6:
                // t:X = and_v(X,1) (cast_true).
                node = Node(Fragment.AndV, x.Ms, _true);
                ext = new(x.Ext.SatCost, null);
                break;
            default:
                node = Node(CastOrder[index], x.Ms);
                ext = CastExt(CastOrder[index], x.Ext);
                break;
        }

        return node.Type.IsValid ? new Elem(node, ext) : null;
    }

    // ---------------------------------------------------------------- rust insert_elem and friends

    /// <summary>rust insert_elem: keeps the candidate unless a cheaper one of a subtype exists; drops the ones it beats.</summary>
    private bool InsertElem(CompilationMap map, Elem elem, double sat, double? dissat)
    {
        var ty = RustType.Of(elem.Ms.Type);
        if (!ty.NonMalleable || !LocallyValid(elem.Ms))
        {
            return false;
        }

        var cost = elem.Cost(sat, dissat);
        var key = new Key(ty, !MiniscriptRules.IsX(elem.Ms.Type), dissat);
        foreach (var (existingKey, _, existingCost) in map.Entries)
        {
            if (existingCost <= cost && existingKey.IsSubtype(key))
            {
                return false;
            }
        }

        map.Entries.RemoveAll(e => e.Cost >= cost && key.IsSubtype(e.Key));
        map.Insert(key, elem, cost);
        return true;
    }

    // rust Ctx::check_local_validity, with this library's (Core's) limits: valid, within the ops and
    // stack limits, and (P2WSH, where rust counts satisfaction ops) satisfiable at all.
    private bool LocallyValid(MiniscriptNode<TKey> ms) =>
        ms.IsValid && ms.CheckOpsLimit() && ms.CheckStackSize() && (Schnorr || ms.MaxOps is not null);

    /// <summary>rust insert_elem_closure: the candidate and every wrapper chain on it that survives.</summary>
    private void InsertElemClosure(CompilationMap map, Elem elem, double sat, double? dissat)
    {
        var queue = new Queue<Elem>();
        if (InsertElem(map, elem, sat, dissat))
        {
            queue.Enqueue(elem);
        }

        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            for (var c = 0; c < CastOrder.Length; c++)
            {
                if (Cast(c, current) is { } next && InsertElem(map, next, sat, dissat))
                {
                    queue.Enqueue(next);
                }
            }
        }
    }

    /// <summary>
    /// rust insert_best_wrapped: the candidate's closure, and when a dissatisfaction may be needed also
    /// the wrappers on the compilations without one (l:/u:/d:/j: add a dissatisfaction). Re-inserting
    /// the same wrapped compilations is a no-op, so that part runs once per map.
    /// </summary>
    private bool TryInsertBestWrapped(Policy<TKey> policy, CompilationMap map, Elem data, double sat, double? dissat, [NotNullWhen(false)] out MiniscriptError? error)
    {
        InsertElemClosure(map, data, sat, dissat);
        error = null;
        if (dissat is null || map.WrappedFromNone)
        {
            return true;
        }

        map.WrappedFromNone = true;
        if (!TryBestCompilations(policy, sat, null, out var none, out error))
        {
            return false;
        }

        for (var c = 0; c < CastOrder.Length; c++)
        {
            foreach (var (_, x, _) in none.Entries)
            {
                if (Cast(c, x) is { } wrapped)
                {
                    InsertElemClosure(map, wrapped, sat, dissat);
                }
            }
        }

        return true;
    }

    private string Id(Policy<TKey> policy)
    {
        if (!_ids.TryGetValue(policy, out var id))
        {
            id = policy.StructuralKey(k =>
            {
                if (!_keyIds.TryGetValue(k, out var n))
                {
                    n = _keyIds.Count;
                    _keyIds[k] = n;
                }

                return n;
            });
            _ids[policy] = id;
        }

        return id;
    }

    /// <summary>rust best_compilations: the map of best candidates per type for (policy, sat, dissat), cached.</summary>
    private bool TryBestCompilations(Policy<TKey> policy, double sat, double? dissat, [NotNullWhen(true)] out CompilationMap? result, [NotNullWhen(false)] out MiniscriptError? error)
    {
        var cacheKey = (Id(policy), sat, dissat);
        if (_cache.TryGetValue(cacheKey, out var cached))
        {
            result = cached.Clone();
            error = null;
            return true;
        }

        var ret = new CompilationMap();
        result = null;
        error = null;
        switch (policy.Kind)
        {
            case PolicyKind.Unsatisfiable:
                if (!Wrap(policy, ret, new Elem(_false, Ext.False), sat, dissat, out error))
                {
                    return false;
                }

                break;
            case PolicyKind.Trivial:
                if (!Wrap(policy, ret, new Elem(_true, Ext.True), sat, dissat, out error))
                {
                    return false;
                }

                break;
            case PolicyKind.Key:
                if (!Wrap(policy, ret, Terminal(MiniscriptNode<TKey>.WithKeys(_context, Fragment.PkH, [policy.Key!], 0, _comparer)), sat, dissat, out error)
                    || !Wrap(policy, ret, Terminal(MiniscriptNode<TKey>.WithKeys(_context, Fragment.PkK, [policy.Key!], 0, _comparer)), sat, dissat, out error))
                {
                    return false;
                }

                break;
            case PolicyKind.After:
            case PolicyKind.Older:
                if (!Wrap(policy, ret, Terminal(MiniscriptNode<TKey>.Leaf(_context, policy.Kind == PolicyKind.After ? Fragment.After : Fragment.Older, policy.Value, _comparer)), sat, dissat, out error))
                {
                    return false;
                }

                break;
            case PolicyKind.Sha256:
            case PolicyKind.Hash256:
            case PolicyKind.Ripemd160:
            case PolicyKind.Hash160:
            {
                var fragment = policy.Kind switch
                {
                    PolicyKind.Sha256 => Fragment.Sha256,
                    PolicyKind.Hash256 => Fragment.Hash256,
                    PolicyKind.Ripemd160 => Fragment.Ripemd160,
                    _ => Fragment.Hash160,
                };
                if (!Wrap(policy, ret, Terminal(MiniscriptNode<TKey>.Hash(_context, fragment, policy.Hash.ToArray(), _comparer)), sat, dissat, out error))
                {
                    return false;
                }

                break;
            }

            case PolicyKind.And:
                if (!CompileAnd(policy, ret, sat, dissat, out error))
                {
                    return false;
                }

                break;
            case PolicyKind.Or:
                if (!CompileOr(policy, ret, sat, dissat, out error))
                {
                    return false;
                }

                break;
            case PolicyKind.Thresh:
                if (!CompileThresh(policy, ref ret, sat, dissat, out error))
                {
                    return false;
                }

                break;
        }

        if (ret.Entries.Count == 0)
        {
            // Everything was malleable or beyond the limits.
            error = LimitsExceeded();
            return false;
        }

        _cache[cacheKey] = ret;
        result = ret.Clone();
        return true;
    }

    private Elem Terminal(MiniscriptNode<TKey> ms) => new(ms, TerminalExt(ms));

    private bool Wrap(Policy<TKey> policy, CompilationMap map, Elem data, double sat, double? dissat, [NotNullWhen(false)] out MiniscriptError? error) =>
        TryInsertBestWrapped(policy, map, data, sat, dissat, out error);

    private bool CompileAnd(Policy<TKey> policy, CompilationMap ret, double sat, double? dissat, [NotNullWhen(false)] out MiniscriptError? error)
    {
        var (x, y) = (policy.Subs[0], policy.Subs[1]);
        if (!TryBestCompilations(x, sat, dissat, out var left, out error) || !TryBestCompilations(y, sat, dissat, out var right, out error)
            || !TryBestCompilations(y, sat, null, out var qZeroRight, out error) || !TryBestCompilations(x, sat, null, out var qZeroLeft, out error))
        {
            return false;
        }

        if (!CompileBinary(policy, ret, left, right, 1.0, 1.0, sat, dissat, Fragment.AndB, out error)
            || !CompileBinary(policy, ret, right, left, 1.0, 1.0, sat, dissat, Fragment.AndB, out error)
            || !CompileBinary(policy, ret, left, right, 1.0, 1.0, sat, dissat, Fragment.AndV, out error)
            || !CompileBinary(policy, ret, right, left, 1.0, 1.0, sat, dissat, Fragment.AndV, out error))
        {
            return false;
        }

        // and_n(X,Y) = andor(X,Y,0).
        var zero = new CompilationMap();
        zero.Insert(new Key(RustType.Of(_false.Type), false, dissat), new Elem(_false, Ext.False), new Elem(_false, Ext.False).Cost(sat, dissat));
        return CompileTernary(policy, ret, left, qZeroRight, zero, 1.0, 0.0, sat, dissat, out error)
            && CompileTernary(policy, ret, right, qZeroLeft, zero, 1.0, 0.0, sat, dissat, out error);
    }

    private bool CompileOr(Policy<TKey> policy, CompilationMap ret, double sat, double? dissat, [NotNullWhen(false)] out MiniscriptError? error)
    {
        error = null;
        var total = (double)(policy.Weights[0] + (ulong)policy.Weights[1]);
        var lw = policy.Weights[0] / total;
        var rw = policy.Weights[1] / total;
        var (l, r) = (policy.Subs[0], policy.Subs[1]);
        var q = dissat ?? 0.0;

        // andor(a, b, c) for or(and(a, b), c), both ways round, and mirrored.
        if (l.Kind == PolicyKind.And && !TryAndOr(policy, ret, l, r, lw, rw, sat, dissat, q, out error))
        {
            return false;
        }

        if (r.Kind == PolicyKind.And && !TryAndOr(policy, ret, r, l, rw, lw, sat, dissat, q, out error))
        {
            return false;
        }

        double?[] DissatProbs(double w) => [q + (w * sat), w * sat, dissat, null];
        var lComp = new CompilationMap[4];
        var rComp = new CompilationMap[4];
        var lProbs = DissatProbs(rw);
        var rProbs = DissatProbs(lw);
        for (var i = 0; i < 4; i++)
        {
            if (!TryBestCompilations(l, lw * sat, lProbs[i], out var lm, out error))
            {
                return false;
            }

            lComp[i] = lm;
        }

        for (var i = 0; i < 4; i++)
        {
            if (!TryBestCompilations(r, rw * sat, rProbs[i], out var rm, out error))
            {
                return false;
            }

            rComp[i] = rm;
        }

        return CompileBinary(policy, ret, lComp[0], rComp[0], lw, rw, sat, dissat, Fragment.OrB, out error)
            && CompileBinary(policy, ret, rComp[0], lComp[0], rw, lw, sat, dissat, Fragment.OrB, out error)
            && CompileBinary(policy, ret, lComp[0], rComp[2], lw, rw, sat, dissat, Fragment.OrD, out error)
            && CompileBinary(policy, ret, rComp[0], lComp[2], rw, lw, sat, dissat, Fragment.OrD, out error)
            && CompileBinary(policy, ret, lComp[1], rComp[3], lw, rw, sat, dissat, Fragment.OrC, out error)
            && CompileBinary(policy, ret, rComp[1], lComp[3], rw, lw, sat, dissat, Fragment.OrC, out error)
            && CompileBinary(policy, ret, lComp[2], rComp[3], lw, rw, sat, dissat, Fragment.OrI, out error)
            && CompileBinary(policy, ret, rComp[2], lComp[3], rw, lw, sat, dissat, Fragment.OrI, out error)
            && CompileBinary(policy, ret, lComp[3], rComp[2], lw, rw, sat, dissat, Fragment.OrI, out error)
            && CompileBinary(policy, ret, rComp[3], lComp[2], rw, lw, sat, dissat, Fragment.OrI, out error);
    }

    private bool TryAndOr(Policy<TKey> policy, CompilationMap ret, Policy<TKey> and, Policy<TKey> other, double aw, double ow, double sat, double? dissat, double q, [NotNullWhen(false)] out MiniscriptError? error)
    {
        var (x0, x1) = (and.Subs[0], and.Subs[1]);
        if (!TryBestCompilations(x0, aw * sat, q + (ow * sat), out var a1, out error)
            || !TryBestCompilations(x0, aw * sat, null, out var a2, out error)
            || !TryBestCompilations(x1, aw * sat, q + (ow * sat), out var b1, out error)
            || !TryBestCompilations(x1, aw * sat, null, out var b2, out error)
            || !TryBestCompilations(other, ow * sat, dissat, out var c, out error))
        {
            return false;
        }

        return CompileTernary(policy, ret, a1, b2, c, aw, ow, sat, dissat, out error)
            && CompileTernary(policy, ret, b1, a2, c, aw, ow, sat, dissat, out error);
    }

    private bool CompileBinary(Policy<TKey> policy, CompilationMap ret, CompilationMap left, CompilationMap right, double lw, double rw, double sat, double? dissat, Fragment fragment, [NotNullWhen(false)] out MiniscriptError? error)
    {
        error = null;
        foreach (var (_, l, _) in left.Entries)
        {
            foreach (var (_, r, _) in right.Entries)
            {
                var node = Node(fragment, l.Ms, r.Ms);
                if (!node.Type.IsValid)
                {
                    continue;
                }

                var ext = fragment switch
                {
                    Fragment.AndB => AndB(l.Ext, r.Ext),
                    Fragment.AndV => AndV(l.Ext, r.Ext),
                    Fragment.OrB => OrB(l.Ext, lw, r.Ext, rw),
                    Fragment.OrD => OrD(l.Ext, lw, r.Ext, rw),
                    Fragment.OrC => OrC(l.Ext, lw, r.Ext, rw),
                    _ => OrI(l.Ext, lw, r.Ext, rw),
                };
                if (!TryInsertBestWrapped(policy, ret, new Elem(node, ext), sat, dissat, out error))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private bool CompileTernary(Policy<TKey> policy, CompilationMap ret, CompilationMap aComp, CompilationMap bComp, CompilationMap cComp, double abw, double cw, double sat, double? dissat, [NotNullWhen(false)] out MiniscriptError? error)
    {
        error = null;
        foreach (var (_, a, _) in aComp.Entries)
        {
            foreach (var (_, b, _) in bComp.Entries)
            {
                foreach (var (_, c, _) in cComp.Entries)
                {
                    var node = Node(Fragment.AndOr, a.Ms, b.Ms, c.Ms);
                    if (!node.Type.IsValid)
                    {
                        continue;
                    }

                    if (!TryInsertBestWrapped(policy, ret, new Elem(node, AndOr(a.Ext, abw, b.Ext, c.Ext, cw)), sat, dissat, out error))
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    private bool CompileThresh(Policy<TKey> policy, ref CompilationMap ret, double sat, double? dissat, [NotNullWhen(false)] out MiniscriptError? error)
    {
        error = null;
        var k = policy.Value;
        var n = policy.Subs.Count;
        var kOverN = k / (double)n;
        var bestEs = new List<Elem>(n);
        var bestWs = new List<Elem>(n);
        var minIndex = 0;
        var minDiff = double.PositiveInfinity;
        var sp = sat * kOverN;

        // Sub-expressions must be dissatisfiable.
        double? dp = (dissat ?? 0.0) + ((1.0 - kOverN) * sat);
        for (var i = 0; i < n; i++)
        {
            if (!TryBest('B', policy.Subs[i], sp, dp, out var be, out error) || !TryBest('W', policy.Subs[i], sp, dp, out var bw, out error))
            {
                return false;
            }

            var diff = be.Cost(sp, dp) - bw.Cost(sp, dp);
            bestEs.Add(be);
            bestWs.Add(bw);
            if (diff < minDiff)
            {
                minIndex = i;
                minDiff = diff;
            }
        }

        // The sub-expression that gains most from being the B one goes first.
        var subs = new MiniscriptNode<TKey>[n];
        var exts = new Ext[n];
        for (var i = 0; i < n; i++)
        {
            var chosen = i == 0 ? bestEs[minIndex] : i == minIndex ? bestWs[0] : bestWs[i];
            subs[i] = chosen.Ms;
            exts[i] = chosen.Ext;
        }

        var thresh = MiniscriptNode<TKey>.WithSubs(_context, Fragment.Thresh, subs, k, _comparer);
        if (thresh.Type.IsValid && !TryInsertBestWrapped(policy, ret, new Elem(thresh, Threshold(k, exts)), sat, dissat, out error))
        {
            return false;
        }

        // All keys: multi (P2WSH, at most 20 keys) or multi_a (Tapscript, at most 999).
        if (policy.Subs.All(s => s.Kind == PolicyKind.Key))
        {
            var max = Schnorr ? MiniscriptLimits.MaxPubKeysPerMultiA : MiniscriptLimits.MaxPubKeysPerMultisig;
            if (n <= max)
            {
                var multi = MiniscriptNode<TKey>.WithKeys(_context, Schnorr ? Fragment.MultiA : Fragment.Multi, [.. policy.Subs.Select(s => s.Key!)], k, _comparer);
                if (!TryInsertBestWrapped(policy, ret, Terminal(multi), sat, dissat, out error))
                {
                    return false;
                }
            }
        }

        // k = n: compile as nested ands instead (and_v chains beat thresh), replacing everything above.
        if (policy.IsAndThresh)
        {
            var chain = policy.Subs[0];
            for (var i = 1; i < n; i++)
            {
                chain = Policy<TKey>.And(chain, policy.Subs[i]);
            }

            if (!TryBestCompilations(chain, sat, dissat, out var andMap, out error))
            {
                return false;
            }

            ret = andMap;
        }

        return true;
    }

    /// <summary>rust best_t: the cheapest B compilation (first of equal cost in key order).</summary>
    private bool TryBestT(Policy<TKey> policy, double sat, double? dissat, [NotNullWhen(true)] out Elem? best, [NotNullWhen(false)] out MiniscriptError? error)
    {
        best = null;
        if (!TryBestCompilations(policy, sat, dissat, out var map, out error))
        {
            return false;
        }

        var bestCost = double.PositiveInfinity;
        foreach (var (key, elem, _) in map.Entries)
        {
            if (key.Type.Base != 'B' || key.DissatProb != dissat)
            {
                continue;
            }

            var cost = elem.Cost(sat, dissat);
            if (best is null || cost < bestCost)
            {
                best = elem;
                bestCost = cost;
            }
        }

        if (best is null)
        {
            error = LimitsExceeded();
            return false;
        }

        return true;
    }

    /// <summary>rust best(basic_type): the cheapest unit compilation of the base type with a unique dissatisfaction.</summary>
    private bool TryBest(char basicType, Policy<TKey> policy, double sat, double? dissat, [NotNullWhen(true)] out Elem? best, [NotNullWhen(false)] out MiniscriptError? error)
    {
        best = null;
        if (!TryBestCompilations(policy, sat, dissat, out var map, out error))
        {
            return false;
        }

        var bestCost = double.PositiveInfinity;
        foreach (var (key, elem, _) in map.Entries)
        {
            if (key.Type.Base != basicType || !key.Type.Unit || key.Type.Dissat != RustDissat.Unique || key.DissatProb != dissat)
            {
                continue;
            }

            var cost = elem.Cost(sat, dissat);
            if (best is null || cost < bestCost)
            {
                best = elem;
                bestCost = cost;
            }
        }

        if (best is null)
        {
            error = LimitsExceeded();
            return false;
        }

        return true;
    }
}

/// <summary>rust-miniscript's dissatisfaction property (types/malleability.rs Dissat), ordered as it derives.</summary>
internal enum RustDissat : byte
{
    None,
    Unique,
    Unknown,
}

/// <summary>rust-miniscript's input property (types/correctness.rs Input), ordered as it derives.</summary>
internal enum RustInput : byte
{
    Zero,
    One,
    Any,
    OneNonZero,
    AnyNonZero,
}

/// <summary>
/// rust-miniscript's Type (Correctness + Malleability) computed from a BIP379 type: the same
/// properties in rust's encoding, so candidates sort and dominate each other as in rust's compiler.
/// base = B/K/V/W; input from z/o/n; dissatisfiable = d; unit = u; dissat Unique = e, None = f,
/// Unknown otherwise; signed = s; non_malleable = m.
/// </summary>
internal readonly record struct RustType(char Base, RustInput Input, bool Dissatisfiable, bool Unit, RustDissat Dissat, bool Signed, bool NonMalleable) : IComparable<RustType>
{
    public static RustType Of(MiniscriptType t)
    {
        var input = MiniscriptRules.IsZ(t) ? RustInput.Zero
            : MiniscriptRules.IsO(t) ? (MiniscriptRules.IsN(t) ? RustInput.OneNonZero : RustInput.One)
            : MiniscriptRules.IsN(t) ? RustInput.AnyNonZero : RustInput.Any;
        var dissat = MiniscriptRules.IsE(t) ? RustDissat.Unique : MiniscriptRules.IsF(t) ? RustDissat.None : RustDissat.Unknown;
        return new(t.BasicType ?? '?', input, MiniscriptRules.IsD(t), MiniscriptRules.IsU(t), dissat, MiniscriptRules.IsS(t), MiniscriptRules.IsM(t));
    }

    private static int BaseOrder(char b) => b switch { 'B' => 0, 'K' => 1, 'V' => 2, _ => 3 };

    public bool IsSubtype(RustType other) =>
        Base == other.Base
        && (Input == other.Input || other.Input == RustInput.Any || (Input == RustInput.OneNonZero && other.Input is RustInput.One or RustInput.AnyNonZero))
        && (Dissatisfiable || !other.Dissatisfiable)
        && (Unit || !other.Unit)
        && (Dissat == other.Dissat || other.Dissat == RustDissat.Unknown)
        && (Signed || !other.Signed)
        && (NonMalleable || !other.NonMalleable);

    public int CompareTo(RustType other)
    {
        var c = BaseOrder(Base).CompareTo(BaseOrder(other.Base));
        if (c == 0)
        {
            c = Input.CompareTo(other.Input);
        }

        if (c == 0)
        {
            c = Dissatisfiable.CompareTo(other.Dissatisfiable);
        }

        if (c == 0)
        {
            c = Unit.CompareTo(other.Unit);
        }

        if (c == 0)
        {
            c = Dissat.CompareTo(other.Dissat);
        }

        if (c == 0)
        {
            c = Signed.CompareTo(other.Signed);
        }

        return c != 0 ? c : NonMalleable.CompareTo(other.NonMalleable);
    }
}
