using OPSource.Bitcoin.Scripts;

namespace OPSource.Bitcoin.Miniscript;

/// <summary>Consensus and policy limits miniscript checks against (Core script.h, policy.h, consensus.h).</summary>
public static class MiniscriptLimits
{
    /// <summary>Core policy.h MAX_STANDARD_P2WSH_SCRIPT_SIZE: a P2WSH witness script is at most 3600 bytes.</summary>
    public const int MaxStandardP2WshScriptSize = PolicyLimits.MaxStandardP2wshScriptSize;

    /// <summary>Core policy.h MAX_STANDARD_P2WSH_STACK_ITEMS: at most 100 witness items besides the script.</summary>
    public const int MaxStandardP2WshStackItems = 100;

    /// <summary>Core script.h MAX_OPS_PER_SCRIPT (P2WSH only; BIP342 removed it for tapscript).</summary>
    public const int MaxOpsPerScript = ConsensusLimits.MaxOpsPerScript;

    /// <summary>Core script.h MAX_STACK_SIZE: stack plus altstack during execution.</summary>
    public const int MaxStackSize = ConsensusLimits.MaxStackSize;

    /// <summary>Core script.h MAX_PUBKEYS_PER_MULTISIG.</summary>
    public const int MaxPubKeysPerMultisig = ConsensusLimits.MaxPubKeysPerMultisig;

    /// <summary>Core script.h MAX_PUBKEYS_PER_MULTI_A (BIP387).</summary>
    public const int MaxPubKeysPerMultiA = ConsensusLimits.MaxPubKeysPerMultiA;

    /// <summary>Core script.h LOCKTIME_THRESHOLD: after() values at or above are UNIX times.</summary>
    public const uint LockTimeThreshold = 500_000_000;

    /// <summary>BIP68 SEQUENCE_LOCKTIME_TYPE_FLAG: older() values with this bit are times (512 s units).</summary>
    public const uint SequenceLockTimeTypeFlag = 1u << 22;

    // Core miniscript.h internal::MaxScriptSize for Tapscript: leaf scripts are only bounded by the
    // standard transaction weight (400000) minus a spending transaction's body (TX_BODY_LEEWAY_WEIGHT
    // = 378) and a maximal tapscript witness (MAX_TAPSCRIPT_SAT_SIZE = 70135), minus the script's
    // own length prefix: 329487 - 5.
    private const int MaxTapscriptSize = 329_482;

    /// <summary>The largest script miniscript accepts in <paramref name="context"/> (Core internal::MaxScriptSize).</summary>
    public static int MaxScriptSize(MiniscriptContext context) =>
        context == MiniscriptContext.Tapscript ? MaxTapscriptSize : MaxStandardP2WshScriptSize;
}

/// <summary>Core miniscript.h internal::MaxInt: the maximum of a set of integers, or "no value".</summary>
internal readonly record struct MaxInt(bool Valid, uint Value)
{
    public static readonly MaxInt None = default;

    public static MaxInt Of(uint value) => new(true, value);

    public static MaxInt operator +(MaxInt a, MaxInt b) => a.Valid && b.Valid ? new(true, a.Value + b.Value) : None;

    public static MaxInt operator |(MaxInt a, MaxInt b) => !a.Valid ? b : !b.Valid ? a : new(true, Math.Max(a.Value, b.Value));
}

/// <summary>Core miniscript.h internal::Ops: non-push opcodes plus the keys of executed CHECKMULTISIGs.</summary>
internal readonly record struct OpsCount(uint Count, MaxInt Sat, MaxInt Dsat);

/// <summary>
/// Core miniscript.h internal::SatInfo: a set of execution traces summarised by the largest net
/// stack decrease (<see cref="NetDiff"/>) and the largest stack height above the final one (<see cref="Exec"/>).
/// <c>|</c> is union, <c>+</c> concatenation (a non-commutative semiring).
/// </summary>
internal readonly record struct SatInfo(bool Valid, int NetDiff, int Exec)
{
    public static readonly SatInfo None = default;

    public static SatInfo Of(int netDiff, int exec) => new(true, netDiff, exec);

    public static SatInfo operator |(SatInfo a, SatInfo b) =>
        !a.Valid ? b : !b.Valid ? a : new(true, Math.Max(a.NetDiff, b.NetDiff), Math.Max(a.Exec, b.Exec));

    public static SatInfo operator +(SatInfo a, SatInfo b) =>
        !a.Valid || !b.Valid ? None : new(true, a.NetDiff + b.NetDiff, Math.Max(b.Exec, b.NetDiff + a.Exec));

    public static SatInfo Empty => Of(0, 0);

    public static SatInfo Push => Of(-1, 0);

    public static SatInfo Hash => Of(0, 0);

    public static SatInfo Nop => Of(0, 0);

    public static SatInfo If => Of(1, 1);

    public static SatInfo BinaryOp => Of(1, 1);

    public static SatInfo OpDup => Of(-1, 0);

    public static SatInfo OpIfDup(bool nonzero) => Of(nonzero ? -1 : 0, 0);

    public static SatInfo OpEqualVerify => Of(2, 2);

    public static SatInfo OpEqual => Of(1, 1);

    public static SatInfo OpSize => Of(-1, 0);

    public static SatInfo OpCheckSig => Of(1, 1);

    public static SatInfo Op0NotEqual => Of(0, 0);

    public static SatInfo OpVerify => Of(1, 1);
}

/// <summary>Core internal::StackSize: satisfaction and dissatisfaction trace sets.</summary>
internal readonly record struct StackSize(SatInfo Sat, SatInfo Dsat)
{
    public StackSize(SatInfo both)
        : this(both, both)
    {
    }
}

/// <summary>Core internal::WitnessSize: largest witness (bytes incl. push prefixes) to satisfy and dissatisfy.</summary>
internal readonly record struct WitnessSize(MaxInt Sat, MaxInt Dsat);

/// <summary>The per-fragment type and size rules (Core script/miniscript.cpp ComputeType, ComputeScriptLen, SanitizeType).</summary>
internal static class MiniscriptRules
{
    private static readonly MiniscriptType B = MiniscriptType.Of("B");
    private static readonly MiniscriptType V = MiniscriptType.Of("V");
    private static readonly MiniscriptType K = MiniscriptType.Of("K");
    private static readonly MiniscriptType W = MiniscriptType.Of("W");
    private static readonly MiniscriptType Z = MiniscriptType.Of("z");
    private static readonly MiniscriptType O = MiniscriptType.Of("o");
    private static readonly MiniscriptType N = MiniscriptType.Of("n");
    private static readonly MiniscriptType D = MiniscriptType.Of("d");
    private static readonly MiniscriptType U = MiniscriptType.Of("u");
    private static readonly MiniscriptType E = MiniscriptType.Of("e");
    private static readonly MiniscriptType F = MiniscriptType.Of("f");
    private static readonly MiniscriptType S = MiniscriptType.Of("s");
    private static readonly MiniscriptType M = MiniscriptType.Of("m");
    private static readonly MiniscriptType X = MiniscriptType.Of("x");
    private static readonly MiniscriptType G = MiniscriptType.Of("g");
    private static readonly MiniscriptType H = MiniscriptType.Of("h");
    private static readonly MiniscriptType I = MiniscriptType.Of("i");
    private static readonly MiniscriptType J = MiniscriptType.Of("j");
    private static readonly MiniscriptType Kk = MiniscriptType.Of("k");
    private static readonly MiniscriptType Ghijk = MiniscriptType.Of("ghijk");
    private static readonly MiniscriptType Ghij = MiniscriptType.Of("ghij");
    private static readonly MiniscriptType Bo = MiniscriptType.Of("Bo");
    private static readonly MiniscriptType Vz = MiniscriptType.Of("Vz");
    private static readonly MiniscriptType Bn = MiniscriptType.Of("Bn");
    private static readonly MiniscriptType Bd = MiniscriptType.Of("Bd");
    private static readonly MiniscriptType Wd = MiniscriptType.Of("Wd");
    private static readonly MiniscriptType Bdu = MiniscriptType.Of("Bdu");
    private static readonly MiniscriptType Wdu = MiniscriptType.Of("Wdu");
    private static readonly MiniscriptType Sf = MiniscriptType.Of("sf");
    private static readonly MiniscriptType Bkv = MiniscriptType.Of("BKV");
    private static readonly MiniscriptType Vbku = MiniscriptType.Of("VBKufs");
    private static readonly MiniscriptType PkKType = MiniscriptType.Of("Konudemsxk");
    private static readonly MiniscriptType PkHType = MiniscriptType.Of("Knudemsxk");
    private static readonly MiniscriptType TimeType = MiniscriptType.Of("Bzfmxk");
    private static readonly MiniscriptType HashType = MiniscriptType.Of("Bonudmk");
    private static readonly MiniscriptType Just1Type = MiniscriptType.Of("Bzufmxk");
    private static readonly MiniscriptType Just0Type = MiniscriptType.Of("Bzudemsxk");
    private static readonly MiniscriptType MultiType = MiniscriptType.Of("Bnudemsk");
    private static readonly MiniscriptType MultiAType = MiniscriptType.Of("Budemsk");
    private static readonly MiniscriptType WrapAKeep = MiniscriptType.Of("udfems");
    private static readonly MiniscriptType WrapSKeep = MiniscriptType.Of("udfemsx");
    private static readonly MiniscriptType WrapCKeep = MiniscriptType.Of("ondfem");
    private static readonly MiniscriptType Us = MiniscriptType.Of("us");
    private static readonly MiniscriptType Ms = MiniscriptType.Of("ms");
    private static readonly MiniscriptType Ndx = MiniscriptType.Of("ndx");
    private static readonly MiniscriptType Zonms = MiniscriptType.Of("zonms");
    private static readonly MiniscriptType Fx = MiniscriptType.Of("fx");
    private static readonly MiniscriptType Oums = MiniscriptType.Of("oums");
    private static readonly MiniscriptType WrapNKeep = MiniscriptType.Of("Bzondfems");
    private static readonly MiniscriptType Ux = MiniscriptType.Of("ux");
    private static readonly MiniscriptType Dmz = MiniscriptType.Of("dmz");
    private static readonly MiniscriptType Dzm = MiniscriptType.Of("dzm");
    private static readonly MiniscriptType Zse = MiniscriptType.Of("zse");
    private static readonly MiniscriptType Dux = MiniscriptType.Of("dux");
    private static readonly MiniscriptType Zs = MiniscriptType.Of("zs");
    private static readonly MiniscriptType Ufde = MiniscriptType.Of("ufde");
    private static readonly MiniscriptType Me = MiniscriptType.Of("me");

    /// <summary>BuildScript(n).size() for a number: OP_0/OP_1..OP_16 are one byte, else a minimal CScriptNum push.</summary>
    public static int NumberSize(long n) => n is >= -1 and <= 16 ? 1 : 1 + new ScriptNumber(n).EncodedLength;

    /// <summary>
    /// Core miniscript.cpp ComputeType: the type of a fragment from its children's types. Returns
    /// the empty (invalid) type when a child has the wrong type; callers validated arity and arguments.
    /// </summary>
    public static MiniscriptType ComputeType(Fragment fragment, MiniscriptType x, MiniscriptType y, MiniscriptType z, ReadOnlySpan<MiniscriptType> subTypes, uint k, int subCount, MiniscriptContext context)
    {
        var tapscript = context == MiniscriptContext.Tapscript;
        MiniscriptType t;
        switch (fragment)
        {
            case Fragment.PkK: return PkKType;
            case Fragment.PkH: return PkHType;
            case Fragment.Older:
                // BIP112/BIP68: the type flag selects time (g) or height (h).
                return G.If((k & MiniscriptLimits.SequenceLockTimeTypeFlag) != 0) | H.If((k & MiniscriptLimits.SequenceLockTimeTypeFlag) == 0) | TimeType;
            case Fragment.After:
                // BIP65: values at or above LOCKTIME_THRESHOLD are times (i), below are heights (j).
                return I.If(k >= MiniscriptLimits.LockTimeThreshold) | J.If(k < MiniscriptLimits.LockTimeThreshold) | TimeType;
            case Fragment.Sha256:
            case Fragment.Ripemd160:
            case Fragment.Hash256:
            case Fragment.Hash160: return HashType;
            case Fragment.Just1: return Just1Type;
            case Fragment.Just0: return Just0Type;
            case Fragment.WrapA:
                t = W.If(x.Has(B)) | (x & Ghijk) | (x & WrapAKeep) | X;
                break;
            case Fragment.WrapS:
                t = W.If(x.Has(Bo)) | (x & Ghijk) | (x & WrapSKeep);
                break;
            case Fragment.WrapC:
                t = B.If(x.Has(K)) | (x & Ghijk) | (x & WrapCKeep) | Us;
                break;
            case Fragment.WrapD:
                // d: is u under Tapscript only, where MINIMALIF is consensus (BIP342).
                t = B.If(x.Has(Vz)) | O.If(x.Has(Z)) | E.If(x.Has(F)) | (x & Ghijk) | (x & Ms) | U.If(tapscript) | Ndx;
                break;
            case Fragment.WrapV:
                t = V.If(x.Has(B)) | (x & Ghijk) | (x & Zonms) | Fx;
                break;
            case Fragment.WrapJ:
                t = B.If(x.Has(Bn)) | E.If(x.Has(F)) | (x & Ghijk) | (x & Oums) | Ndx;
                break;
            case Fragment.WrapN:
                t = (x & Ghijk) | (x & WrapNKeep) | Ux;
                break;
            case Fragment.AndV:
                t = (y & Bkv).If(x.Has(V)) |
                    (x & N) | (y & N).If(x.Has(Z)) |
                    ((x | y) & O).If((x | y).Has(Z)) |
                    (x & y & Dmz) |
                    ((x | y) & S) |
                    F.If(y.Has(F) || x.Has(S)) |
                    (y & Ux) |
                    ((x | y) & Ghij) |
                    Kk.If((x & y).Has(Kk) && !TimelockMix(x, y));
                break;
            case Fragment.AndB:
                t = (x & B).If(y.Has(W)) |
                    ((x | y) & O).If((x | y).Has(Z)) |
                    (x & N) | (y & N).If(x.Has(Z)) |
                    (x & y & E).If((x & y).Has(S)) |
                    (x & y & Dzm) |
                    F.If((x & y).Has(F) || x.Has(Sf) || y.Has(Sf)) |
                    ((x | y) & S) |
                    Ux |
                    ((x | y) & Ghij) |
                    Kk.If((x & y).Has(Kk) && !TimelockMix(x, y));
                break;
            case Fragment.OrB:
                t = B.If(x.Has(Bd) && y.Has(Wd)) |
                    ((x | y) & O).If((x | y).Has(Z)) |
                    (x & y & M).If((x | y).Has(S) && (x & y).Has(E)) |
                    (x & y & Zse) |
                    Dux |
                    ((x | y) & Ghij) |
                    (x & y & Kk);
                break;
            case Fragment.OrD:
                t = (y & B).If(x.Has(Bdu)) |
                    (x & O).If(y.Has(Z)) |
                    (x & y & M).If(x.Has(E) && (x | y).Has(S)) |
                    (x & y & Zs) |
                    (y & Ufde) |
                    X |
                    ((x | y) & Ghij) |
                    (x & y & Kk);
                break;
            case Fragment.OrC:
                t = (y & V).If(x.Has(Bdu)) |
                    (x & O).If(y.Has(Z)) |
                    (x & y & M).If(x.Has(E) && (x | y).Has(S)) |
                    (x & y & Zs) |
                    Fx |
                    ((x | y) & Ghij) |
                    (x & y & Kk);
                break;
            case Fragment.OrI:
                t = (x & y & Vbku) |
                    O.If((x & y).Has(Z)) |
                    ((x | y) & E).If((x | y).Has(F)) |
                    (x & y & M).If((x | y).Has(S)) |
                    ((x | y) & D) |
                    X |
                    ((x | y) & Ghij) |
                    (x & y & Kk);
                break;
            case Fragment.AndOr:
                t = (y & z & Bkv).If(x.Has(Bdu)) |
                    (x & y & z & Z) |
                    ((x | (y & z)) & O).If((x | (y & z)).Has(Z)) |
                    (y & z & U) |
                    (z & F).If(x.Has(S) || y.Has(F)) |
                    (z & D) |
                    (z & E).If(x.Has(S) || y.Has(F)) |
                    (x & y & z & M).If(x.Has(E) && (x | y | z).Has(S)) |
                    (z & (x | y) & S) |
                    X |
                    ((x | y | z) & Ghij) |
                    Kk.If((x & y & z).Has(Kk) && !TimelockMix(x, y));
                break;
            case Fragment.Multi: return MultiType;
            case Fragment.MultiA: return MultiAType;
            case Fragment.Thresh:
                t = ThreshType(subTypes, k, subCount);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fragment));
        }

        return Sanitize(t);
    }

    // k = k_x*k_y*!(g_x*h_y + h_x*g_y + i_x*j_y + j_x*i_y): no spend path mixes heights and times.
    private static bool TimelockMix(MiniscriptType x, MiniscriptType y) =>
        (x.Has(G) && y.Has(H)) || (x.Has(H) && y.Has(G)) || (x.Has(I) && y.Has(J)) || (x.Has(J) && y.Has(I));

    private static MiniscriptType ThreshType(ReadOnlySpan<MiniscriptType> subTypes, uint k, int n)
    {
        var allE = true;
        var allM = true;
        uint args = 0;
        uint numS = 0;
        var accTl = Kk;
        for (var i = 0; i < subTypes.Length; i++)
        {
            var t = subTypes[i];
            // Require Bdu, Wdu, Wdu, ...
            if (!t.Has(i == 0 ? Bdu : Wdu))
            {
                return MiniscriptType.None;
            }

            if (!t.Has(E))
            {
                allE = false;
            }

            if (!t.Has(M))
            {
                allM = false;
            }

            if (t.Has(S))
            {
                numS++;
            }

            args += t.Has(Z) ? 0u : t.Has(O) ? 1u : 2u;
            // The threshold mixes timelocks when k > 1 and two children carry different kinds.
            accTl = ((accTl | t) & Ghij) |
                Kk.If((accTl & t).Has(Kk) && (k <= 1 || (k > 1 && !TimelockMix(accTl, t))));
        }

        return Bdu |
            Z.If(args == 0) |
            O.If(args == 1) |
            E.If(allE && numS == n) |
            M.If(allE && allM && numS >= n - k) |
            S.If(numS >= n - k + 1) |
            accTl;
    }

    /// <summary>Core SanitizeType: an expression without exactly one basic type has no type.</summary>
    private static MiniscriptType Sanitize(MiniscriptType e)
    {
        var count = (e.Has(K) ? 1 : 0) + (e.Has(V) ? 1 : 0) + (e.Has(B) ? 1 : 0) + (e.Has(W) ? 1 : 0);
        if (count == 0)
        {
            return MiniscriptType.None;
        }

        // The remaining implications hold by construction (Core asserts them); a violation is a bug here.
        if (count != 1 || (e.Has(Z) && e.Has(O)) || (e.Has(N) && e.Has(Z)) || (e.Has(N) && e.Has(W)) || (e.Has(V) && e.Has(D))
            || (e.Has(K) && !e.Has(U)) || (e.Has(V) && e.Has(U)) || (e.Has(E) && e.Has(F)) || (e.Has(E) && !e.Has(D))
            || (e.Has(V) && e.Has(E)) || (e.Has(D) && e.Has(F)) || (e.Has(V) && !e.Has(F)) || (e.Has(K) && !e.Has(S))
            || (e.Has(Z) && !e.Has(M)))
        {
            throw new InvalidOperationException($"miniscript: internal type inconsistency ({e})");
        }

        return e;
    }

    /// <summary>Core ComputeScriptLen: the script length from the children's total length.</summary>
    public static int ComputeScriptLen(Fragment fragment, MiniscriptType sub0Type, int subSize, uint k, int subCount, int keyCount, MiniscriptContext context) => fragment switch
    {
        Fragment.Just1 or Fragment.Just0 => 1,
        Fragment.PkK => context == MiniscriptContext.Tapscript ? 33 : 34,
        Fragment.PkH => 3 + 21,
        Fragment.Older or Fragment.After => 1 + NumberSize(k),
        Fragment.Hash256 or Fragment.Sha256 => 4 + 2 + 33,
        Fragment.Hash160 or Fragment.Ripemd160 => 4 + 2 + 21,
        Fragment.Multi => 1 + NumberSize(keyCount) + NumberSize(k) + (34 * keyCount),
        Fragment.MultiA => ((1 + 32 + 1) * keyCount) + NumberSize(k) + 1,
        Fragment.AndV => subSize,
        Fragment.WrapV => subSize + (sub0Type.Has(X) ? 1 : 0),
        Fragment.WrapS or Fragment.WrapC or Fragment.WrapN or Fragment.AndB or Fragment.OrB => subSize + 1,
        Fragment.WrapA or Fragment.OrC => subSize + 2,
        Fragment.WrapD or Fragment.OrD or Fragment.OrI or Fragment.AndOr => subSize + 3,
        Fragment.WrapJ => subSize + 4,
        Fragment.Thresh => subSize + subCount + NumberSize(k),
        _ => throw new ArgumentOutOfRangeException(nameof(fragment)),
    };

    public static bool IsX(MiniscriptType t) => t.Has(X);

    public static bool IsZ(MiniscriptType t) => t.Has(Z);

    public static bool IsO(MiniscriptType t) => t.Has(O);

    public static bool IsN(MiniscriptType t) => t.Has(N);

    public static bool IsD(MiniscriptType t) => t.Has(D);

    public static bool IsU(MiniscriptType t) => t.Has(U);

    public static bool IsF(MiniscriptType t) => t.Has(F);

    public static bool IsS(MiniscriptType t) => t.Has(S);

    public static bool IsE(MiniscriptType t) => t.Has(E);

    public static bool IsM(MiniscriptType t) => t.Has(M);

    public static bool IsMe(MiniscriptType t) => t.Has(Me);

    public static bool IsK(MiniscriptType t) => t.Has(Kk);

    public static bool IsB(MiniscriptType t) => t.Has(B);

    public static bool IsBkw(MiniscriptType t) => (t & (B | K | W)) != MiniscriptType.None;
}
