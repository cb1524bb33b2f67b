using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Scripts;

namespace OPSource.Bitcoin.Miniscript;

/// <summary>
/// Script to miniscript (Core miniscript.h internal::DecodeScript and miniscript.cpp
/// DecomposeScript): the script is split into opcodes (VERIFY forms split in two), read backwards
/// with an explicit work stack, and accepted only when the result is a valid top-level (type B)
/// miniscript whose script is exactly the input. Non-minimal pushes and non-minimal VERIFY
/// sequences are refused, as in Core.
/// </summary>
internal sealed class MiniscriptDecoder<TKey>
    where TKey : notnull
{
    private enum Ctx
    {
        SingleBkvExpr,
        BkvExpr,
        WExpr,
        Swap,
        Alt,
        Check,
        DupIf,
        Verify,
        NonZero,
        ZeroNotEqual,
        MaybeAndV,
        AndV,
        AndB,
        AndOr,
        OrB,
        OrC,
        OrD,
        ThreshW,
        ThreshE,
        EndIf,
        EndIfNotIf,
        EndIfElse,
    }

    private readonly (OpcodeType Op, byte[] Push)[] _ops;
    private readonly MiniscriptContext _context;
    private readonly IMiniscriptKeyDecoder<TKey> _keys;
    private readonly IEqualityComparer<TKey> _comparer;
    private readonly List<MiniscriptNode<TKey>> _constructed = [];
    private int _in;

    private MiniscriptDecoder((OpcodeType, byte[])[] ops, MiniscriptContext context, IMiniscriptKeyDecoder<TKey> keys)
    {
        _ops = ops;
        _context = context;
        _keys = keys;
        _comparer = keys.KeyComparer;
    }

    public static bool TryDecode(Script script, MiniscriptContext context, IMiniscriptKeyDecoder<TKey> keys, [NotNullWhen(true)] out MiniscriptNode<TKey>? node, [NotNullWhen(false)] out MiniscriptError? error)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(keys);
        node = null;

        // A script larger than the context allows is never valid miniscript.
        if (script.Length > MiniscriptLimits.MaxScriptSize(context))
        {
            error = MiniscriptError.Of(MiniscriptErrorKind.ScriptTooLarge, $"the script is {script.Length} bytes, above the {MiniscriptLimits.MaxScriptSize(context)}-byte limit");
            return false;
        }

        if (!Decompose(script, out var ops, out error))
        {
            return false;
        }

        var decoder = new MiniscriptDecoder<TKey>(ops, context, keys);
        if (!decoder.Run(out var why) || decoder._in != ops.Length)
        {
            error = MiniscriptError.Of(MiniscriptErrorKind.NotMiniscript, "the script is not a miniscript encoding" + (why is null ? string.Empty : ": " + why));
            return false;
        }

        node = decoder._constructed[0];
        error = null;
        return true;
    }

    /// <summary>Core DecomposeScript: opcodes in reverse order, VERIFY opcodes split, pushes checked minimal.</summary>
    private static bool Decompose(Script script, [NotNullWhen(true)] out (OpcodeType, byte[])[]? result, [NotNullWhen(false)] out MiniscriptError? error)
    {
        var output = new List<(OpcodeType, byte[])>();
        var bytes = script.Span;
        var pc = 0;
        while (pc < bytes.Length)
        {
            if (!Script.TryGetOp(bytes, ref pc, out var op, out var push))
            {
                result = null;
                error = MiniscriptError.Of(MiniscriptErrorKind.NotMiniscript, "the script has a truncated push");
                return false;
            }

            var data = push.ToArray();
            if (op >= OpcodeType.OP_1 && op <= OpcodeType.OP_16)
            {
                // OP_n are numbers for the decoder.
                data = [(byte)Script.DecodeOpN(op)];
            }
            else if (op == OpcodeType.OP_CHECKSIGVERIFY)
            {
                output.Add((OpcodeType.OP_CHECKSIG, []));
                op = OpcodeType.OP_VERIFY;
            }
            else if (op == OpcodeType.OP_CHECKMULTISIGVERIFY)
            {
                output.Add((OpcodeType.OP_CHECKMULTISIG, []));
                op = OpcodeType.OP_VERIFY;
            }
            else if (op == OpcodeType.OP_EQUALVERIFY)
            {
                output.Add((OpcodeType.OP_EQUAL, []));
                op = OpcodeType.OP_VERIFY;
            }
            else if (op == OpcodeType.OP_NUMEQUALVERIFY)
            {
                output.Add((OpcodeType.OP_NUMEQUAL, []));
                op = OpcodeType.OP_VERIFY;
            }
            else if (op <= OpcodeType.OP_PUSHDATA4)
            {
                if (!StandardScripts.IsMinimalPush(push, op))
                {
                    result = null;
                    error = MiniscriptError.Of(MiniscriptErrorKind.NotMiniscript, $"the script has a non-minimal push at byte {pc - push.Length}");
                    return false;
                }
            }
            else if (pc < bytes.Length && op is OpcodeType.OP_CHECKSIG or OpcodeType.OP_CHECKMULTISIG or OpcodeType.OP_EQUAL or OpcodeType.OP_NUMEQUAL
                && bytes[pc] == (byte)OpcodeType.OP_VERIFY)
            {
                // Non-minimal VERIFY sequences (e.g. CHECKSIG VERIFY instead of CHECKSIGVERIFY) are not miniscript.
                result = null;
                error = MiniscriptError.Of(MiniscriptErrorKind.NotMiniscript, $"the script has {op} OP_VERIFY where {op}VERIFY is required");
                return false;
            }

            output.Add((op, data));
        }

        output.Reverse();
        result = [.. output];
        error = null;
        return true;
    }

    /// <summary>Core ParseScriptNumber: OP_0, OP_n, or a minimal push of a minimal 4-byte CScriptNum.</summary>
    private static bool TryNumber((OpcodeType Op, byte[] Push) item, out long value)
    {
        value = 0;
        if (item.Op == OpcodeType.OP_0)
        {
            return true;
        }

        if (item.Push.Length == 0)
        {
            return false;
        }

        if (item.Op <= OpcodeType.OP_PUSHDATA4 && !StandardScripts.IsMinimalPush(item.Push, item.Op))
        {
            return false;
        }

        return ScriptNumber.TryDecode(item.Push, requireMinimal: true, ScriptNumber.DefaultMaxSize, out value);
    }

    private int Left => _ops.Length - _in;

    private (OpcodeType Op, byte[] Push) At(int i) => _ops[_in + i];

    private MiniscriptNode<TKey> Pop()
    {
        var node = _constructed[^1];
        _constructed.RemoveAt(_constructed.Count - 1);
        return node;
    }

    private void Push(MiniscriptNode<TKey> node) => _constructed.Add(node);

    private MiniscriptNode<TKey> Node(Fragment fragment, params MiniscriptNode<TKey>[] subs) =>
        MiniscriptNode<TKey>.WithSubs(_context, fragment, subs, 0, _comparer);

    private void Wrap(Fragment fragment) => Push(Node(fragment, Pop()));

    // Core BuildBack with reverse=true: the most recent node is the left child.
    private void BuildBackReversed(Fragment fragment)
    {
        var child = Pop();
        var other = Pop();
        Push(Node(fragment, child, other));
    }

    private bool Run(out string? why)
    {
        why = null;
        var tapscript = _context == MiniscriptContext.Tapscript;
        var toParse = new Stack<(Ctx Ctx, long N, long K)>();

        // The top level is type B (no W expressions).
        toParse.Push((Ctx.BkvExpr, -1, -1));
        while (toParse.Count > 0)
        {
            // Stop early once a constructed part cannot be valid.
            if (_constructed.Count > 0 && !_constructed[^1].IsValid)
            {
                why = $"{MiniscriptNode<TKey>.FragmentName(_constructed[^1].Fragment)} does not type-check";
                return false;
            }

            var (ctx, n, k) = toParse.Pop();
            switch (ctx)
            {
                case Ctx.SingleBkvExpr:
                {
                    if (Left <= 0)
                    {
                        return false;
                    }

                    var first = At(0);
                    if (first.Op == OpcodeType.OP_1)
                    {
                        _in++;
                        Push(MiniscriptNode<TKey>.Leaf(_context, Fragment.Just1, 0, _comparer));
                        break;
                    }

                    if (first.Op == OpcodeType.OP_0)
                    {
                        _in++;
                        Push(MiniscriptNode<TKey>.Leaf(_context, Fragment.Just0, 0, _comparer));
                        break;
                    }

                    // Public keys.
                    if (first.Push.Length is 33 or 32)
                    {
                        if (!_keys.TryFromPushBytes(first.Push, _context, out var key))
                        {
                            why = "a pushed key is not a valid public key for this context";
                            return false;
                        }

                        _in++;
                        Push(MiniscriptNode<TKey>.WithKeys(_context, Fragment.PkK, [key], 0, _comparer));
                        break;
                    }

                    if (Left >= 5 && first.Op == OpcodeType.OP_VERIFY && At(1).Op == OpcodeType.OP_EQUAL && At(3).Op == OpcodeType.OP_HASH160
                        && At(4).Op == OpcodeType.OP_DUP && At(2).Push.Length == 20)
                    {
                        if (!_keys.TryFromHash160(At(2).Push, _context, out var key))
                        {
                            why = $"the key behind pk_h hash {Encoding.Hex.Encode(At(2).Push)} is not known";
                            return false;
                        }

                        _in += 5;
                        Push(MiniscriptNode<TKey>.WithKeys(_context, Fragment.PkH, [key], 0, _comparer));
                        break;
                    }

                    // Timelocks.
                    long num;
                    if (Left >= 2 && first.Op == OpcodeType.OP_CHECKSEQUENCEVERIFY && TryNumber(At(1), out num))
                    {
                        _in += 2;
                        if (num < 1 || num > 0x7FFFFFFFL)
                        {
                            why = $"older({num}) is out of range";
                            return false;
                        }

                        Push(MiniscriptNode<TKey>.Leaf(_context, Fragment.Older, (uint)num, _comparer));
                        break;
                    }

                    if (Left >= 2 && first.Op == OpcodeType.OP_CHECKLOCKTIMEVERIFY && TryNumber(At(1), out num))
                    {
                        _in += 2;
                        if (num < 1 || num > 0x7FFFFFFFL)
                        {
                            why = $"after({num}) is out of range";
                            return false;
                        }

                        Push(MiniscriptNode<TKey>.Leaf(_context, Fragment.After, (uint)num, _comparer));
                        break;
                    }

                    // Hashes: SIZE <32> EQUALVERIFY <H> <hash> EQUAL (reversed).
                    if (Left >= 7 && first.Op == OpcodeType.OP_EQUAL && At(3).Op == OpcodeType.OP_VERIFY && At(4).Op == OpcodeType.OP_EQUAL
                        && TryNumber(At(5), out num) && num == 32 && At(6).Op == OpcodeType.OP_SIZE)
                    {
                        var hashOp = At(2).Op;
                        var hash = At(1).Push;
                        Fragment? fragment = hashOp switch
                        {
                            OpcodeType.OP_SHA256 when hash.Length == 32 => Fragment.Sha256,
                            OpcodeType.OP_RIPEMD160 when hash.Length == 20 => Fragment.Ripemd160,
                            OpcodeType.OP_HASH256 when hash.Length == 32 => Fragment.Hash256,
                            OpcodeType.OP_HASH160 when hash.Length == 20 => Fragment.Hash160,
                            _ => null,
                        };
                        if (fragment is { } f)
                        {
                            Push(MiniscriptNode<TKey>.Hash(_context, f, hash, _comparer));
                            _in += 7;
                            break;
                        }
                    }

                    // multi: <k> <key>... <n> CHECKMULTISIG (reversed).
                    if (Left >= 3 && first.Op == OpcodeType.OP_CHECKMULTISIG)
                    {
                        if (tapscript)
                        {
                            why = "CHECKMULTISIG is disabled in Tapscript (BIP342)";
                            return false;
                        }

                        if (!TryNumber(At(1), out var keyCount) || Left < 3 + keyCount || keyCount < 1 || keyCount > MiniscriptLimits.MaxPubKeysPerMultisig)
                        {
                            why = "malformed multi()";
                            return false;
                        }

                        var keys = new TKey[keyCount];
                        for (var i = 0; i < keyCount; i++)
                        {
                            if (At(2 + i).Push.Length != 33 || !_keys.TryFromPushBytes(At(2 + i).Push, _context, out var key))
                            {
                                why = "multi() has a key that is not a 33-byte public key";
                                return false;
                            }

                            keys[keyCount - 1 - i] = key;
                        }

                        if (!TryNumber(At(2 + (int)keyCount), out var threshold) || threshold < 1 || threshold > keyCount)
                        {
                            why = "multi() has an invalid threshold";
                            return false;
                        }

                        _in += 3 + (int)keyCount;
                        Push(MiniscriptNode<TKey>.WithKeys(_context, Fragment.Multi, keys, (uint)threshold, _comparer));
                        break;
                    }

                    // multi_a: <key> CHECKSIG (<key> CHECKSIGADD)* <k> NUMEQUAL (reversed).
                    if (Left >= 4 && first.Op == OpcodeType.OP_NUMEQUAL)
                    {
                        if (!tapscript)
                        {
                            why = "multi_a() is only valid in Tapscript";
                            return false;
                        }

                        if (!TryNumber(At(1), out var threshold) || threshold < 1 || threshold > MiniscriptLimits.MaxPubKeysPerMultiA || Left < 2 + (threshold * 2))
                        {
                            why = "malformed multi_a()";
                            return false;
                        }

                        var keys = new List<TKey>();
                        for (var pos = 2; ; pos += 2)
                        {
                            if (Left < pos + 2)
                            {
                                why = "multi_a() has no first key";
                                return false;
                            }

                            if ((At(pos).Op != OpcodeType.OP_CHECKSIGADD && At(pos).Op != OpcodeType.OP_CHECKSIG) || At(pos + 1).Push.Length != 32
                                || !_keys.TryFromPushBytes(At(pos + 1).Push, _context, out var key))
                            {
                                why = "multi_a() has a malformed key";
                                return false;
                            }

                            keys.Add(key);
                            if (keys.Count > MiniscriptLimits.MaxPubKeysPerMultiA)
                            {
                                why = "multi_a() has too many keys";
                                return false;
                            }

                            if (At(pos).Op == OpcodeType.OP_CHECKSIG)
                            {
                                break;
                            }
                        }

                        if (keys.Count < threshold)
                        {
                            why = "multi_a() threshold exceeds its keys";
                            return false;
                        }

                        _in += 2 + (keys.Count * 2);
                        keys.Reverse();
                        Push(MiniscriptNode<TKey>.WithKeys(_context, Fragment.MultiA, [.. keys], (uint)threshold, _comparer));
                        break;
                    }

                    // c:, v:, n: wrappers. and_v commutes with them, so a single expression suffices.
                    if (first.Op == OpcodeType.OP_CHECKSIG)
                    {
                        _in++;
                        toParse.Push((Ctx.Check, -1, -1));
                        toParse.Push((Ctx.SingleBkvExpr, -1, -1));
                        break;
                    }

                    if (first.Op == OpcodeType.OP_VERIFY)
                    {
                        _in++;
                        toParse.Push((Ctx.Verify, -1, -1));
                        toParse.Push((Ctx.SingleBkvExpr, -1, -1));
                        break;
                    }

                    if (first.Op == OpcodeType.OP_0NOTEQUAL)
                    {
                        _in++;
                        toParse.Push((Ctx.ZeroNotEqual, -1, -1));
                        toParse.Push((Ctx.SingleBkvExpr, -1, -1));
                        break;
                    }

                    // thresh: ... <k> EQUAL.
                    if (Left >= 3 && first.Op == OpcodeType.OP_EQUAL && TryNumber(At(1), out num))
                    {
                        if (num < 1)
                        {
                            why = "thresh() with a threshold below 1";
                            return false;
                        }

                        _in += 2;
                        toParse.Push((Ctx.ThreshW, 0, num));
                        break;
                    }

                    // ENDIF: j:, d:, andor, or_c, or_d, or_i.
                    if (first.Op == OpcodeType.OP_ENDIF)
                    {
                        _in++;
                        toParse.Push((Ctx.EndIf, -1, -1));
                        toParse.Push((Ctx.BkvExpr, -1, -1));
                        break;
                    }

                    // and_b / or_b: and_v stays outside (it commutes), so a single expression here.
                    if (first.Op == OpcodeType.OP_BOOLAND)
                    {
                        _in++;
                        toParse.Push((Ctx.AndB, -1, -1));
                        toParse.Push((Ctx.SingleBkvExpr, -1, -1));
                        toParse.Push((Ctx.WExpr, -1, -1));
                        break;
                    }

                    if (first.Op == OpcodeType.OP_BOOLOR)
                    {
                        _in++;
                        toParse.Push((Ctx.OrB, -1, -1));
                        toParse.Push((Ctx.SingleBkvExpr, -1, -1));
                        toParse.Push((Ctx.WExpr, -1, -1));
                        break;
                    }

                    why = $"unrecognised {first.Op}";
                    return false;
                }

                case Ctx.BkvExpr:
                    toParse.Push((Ctx.MaybeAndV, -1, -1));
                    toParse.Push((Ctx.SingleBkvExpr, -1, -1));
                    break;
                case Ctx.WExpr:
                    if (Left <= 0)
                    {
                        return false;
                    }

                    if (At(0).Op == OpcodeType.OP_FROMALTSTACK)
                    {
                        _in++;
                        toParse.Push((Ctx.Alt, -1, -1));
                    }
                    else
                    {
                        toParse.Push((Ctx.Swap, -1, -1));
                    }

                    toParse.Push((Ctx.BkvExpr, -1, -1));
                    break;
                case Ctx.MaybeAndV:
                    // IF, ELSE, NOTIF, TOALTSTACK and SWAP cannot end an expression, so they end the and_v chain.
                    if (Left > 0 && At(0).Op is not (OpcodeType.OP_IF or OpcodeType.OP_ELSE or OpcodeType.OP_NOTIF or OpcodeType.OP_TOALTSTACK or OpcodeType.OP_SWAP))
                    {
                        toParse.Push((Ctx.AndV, -1, -1));
                        toParse.Push((Ctx.BkvExpr, -1, -1));
                    }

                    break;
                case Ctx.Swap:
                    if (Left <= 0 || At(0).Op != OpcodeType.OP_SWAP || _constructed.Count == 0)
                    {
                        return false;
                    }

                    _in++;
                    Wrap(Fragment.WrapS);
                    break;
                case Ctx.Alt:
                    if (Left <= 0 || At(0).Op != OpcodeType.OP_TOALTSTACK || _constructed.Count == 0)
                    {
                        return false;
                    }

                    _in++;
                    Wrap(Fragment.WrapA);
                    break;
                case Ctx.Check:
                case Ctx.DupIf:
                case Ctx.Verify:
                case Ctx.NonZero:
                case Ctx.ZeroNotEqual:
                    if (_constructed.Count == 0)
                    {
                        return false;
                    }

                    Wrap(ctx switch
                    {
                        Ctx.Check => Fragment.WrapC,
                        Ctx.DupIf => Fragment.WrapD,
                        Ctx.Verify => Fragment.WrapV,
                        Ctx.NonZero => Fragment.WrapJ,
                        _ => Fragment.WrapN,
                    });
                    break;
                case Ctx.AndV:
                case Ctx.AndB:
                case Ctx.OrB:
                case Ctx.OrC:
                case Ctx.OrD:
                    if (_constructed.Count < 2)
                    {
                        return false;
                    }

                    BuildBackReversed(ctx switch
                    {
                        Ctx.AndV => Fragment.AndV,
                        Ctx.AndB => Fragment.AndB,
                        Ctx.OrB => Fragment.OrB,
                        Ctx.OrC => Fragment.OrC,
                        _ => Fragment.OrD,
                    });
                    break;
                case Ctx.AndOr:
                {
                    if (_constructed.Count < 3)
                    {
                        return false;
                    }

                    var left = Pop();
                    var right = Pop();
                    var mid = Pop();
                    Push(Node(Fragment.AndOr, left, mid, right));
                    break;
                }

                case Ctx.ThreshW:
                    if (Left <= 0)
                    {
                        return false;
                    }

                    if (At(0).Op == OpcodeType.OP_ADD)
                    {
                        _in++;
                        toParse.Push((Ctx.ThreshW, n + 1, k));
                        toParse.Push((Ctx.WExpr, -1, -1));
                    }
                    else
                    {
                        // Thresh children are all d, so the first cannot be an and_v.
                        toParse.Push((Ctx.ThreshE, n + 1, k));
                        toParse.Push((Ctx.SingleBkvExpr, -1, -1));
                    }

                    break;
                case Ctx.ThreshE:
                {
                    if (k < 1 || k > n || _constructed.Count < n)
                    {
                        why = "thresh() threshold exceeds its sub-expressions";
                        return false;
                    }

                    var subs = new MiniscriptNode<TKey>[n];
                    for (var i = 0; i < n; i++)
                    {
                        subs[i] = Pop();
                    }

                    Push(MiniscriptNode<TKey>.WithSubs(_context, Fragment.Thresh, subs, (uint)k, _comparer));
                    break;
                }

                case Ctx.EndIf:
                    if (Left <= 0)
                    {
                        return false;
                    }

                    if (At(0).Op == OpcodeType.OP_ELSE)
                    {
                        // andor or or_i.
                        _in++;
                        toParse.Push((Ctx.EndIfElse, -1, -1));
                        toParse.Push((Ctx.BkvExpr, -1, -1));
                    }
                    else if (At(0).Op == OpcodeType.OP_IF)
                    {
                        // j: or d:.
                        if (Left >= 2 && At(1).Op == OpcodeType.OP_DUP)
                        {
                            _in += 2;
                            toParse.Push((Ctx.DupIf, -1, -1));
                        }
                        else if (Left >= 3 && At(1).Op == OpcodeType.OP_0NOTEQUAL && At(2).Op == OpcodeType.OP_SIZE)
                        {
                            _in += 3;
                            toParse.Push((Ctx.NonZero, -1, -1));
                        }
                        else
                        {
                            return false;
                        }
                    }
                    else if (At(0).Op == OpcodeType.OP_NOTIF)
                    {
                        // or_c or or_d.
                        _in++;
                        toParse.Push((Ctx.EndIfNotIf, -1, -1));
                    }
                    else
                    {
                        return false;
                    }

                    break;
                case Ctx.EndIfNotIf:
                    if (Left <= 0)
                    {
                        return false;
                    }

                    if (At(0).Op == OpcodeType.OP_IFDUP)
                    {
                        _in++;
                        toParse.Push((Ctx.OrD, -1, -1));
                    }
                    else
                    {
                        toParse.Push((Ctx.OrC, -1, -1));
                    }

                    // or_c and or_d need X to be d, so it cannot be an and_v.
                    toParse.Push((Ctx.SingleBkvExpr, -1, -1));
                    break;
                case Ctx.EndIfElse:
                    if (Left <= 0)
                    {
                        return false;
                    }

                    if (At(0).Op == OpcodeType.OP_IF)
                    {
                        _in++;
                        if (_constructed.Count < 2)
                        {
                            return false;
                        }

                        BuildBackReversed(Fragment.OrI);
                    }
                    else if (At(0).Op == OpcodeType.OP_NOTIF)
                    {
                        _in++;
                        toParse.Push((Ctx.AndOr, -1, -1));

                        // andor needs X to be d, so it cannot be an and_v.
                        toParse.Push((Ctx.SingleBkvExpr, -1, -1));
                    }
                    else
                    {
                        return false;
                    }

                    break;
            }
        }

        if (_constructed.Count != 1)
        {
            return false;
        }

        var top = _constructed[0];
        _ = top.CheckDuplicateKey;

        // The whole tree type-checks only if every node does.
        if (!top.IsValidTopLevel)
        {
            why = top.IsValid ? "the top level is not of type B" : "the expression does not type-check";
            return false;
        }

        return true;
    }
}
