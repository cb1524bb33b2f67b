using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Encoding;

namespace OPSource.Bitcoin.Miniscript;

/// <summary>
/// Reads miniscript text (Core miniscript.h internal::Parse): an explicit work stack instead of
/// recursion, the script size tracked while parsing so an oversized expression is refused early, and
/// every failure named (position, fragment, rule). Validity and sanity are checked by the caller
/// (<see cref="MiniscriptNode{TKey}.IsValidTopLevel"/>, <see cref="MiniscriptNode{TKey}.IsSane"/>).
/// </summary>
internal sealed class MiniscriptParser<TKey>
    where TKey : notnull
{
    private enum Ctx
    {
        WrappedExpr,
        Expr,
        Swap,
        Alt,
        Check,
        DupIf,
        Verify,
        NonZero,
        ZeroNotEqual,
        WrapU,
        WrapT,
        AndN,
        AndV,
        AndB,
        AndOr,
        OrB,
        OrC,
        OrD,
        OrI,
        Thresh,
        Comma,
        CloseBracket,
    }

    private readonly string _text;
    private readonly MiniscriptContext _context;
    private readonly IMiniscriptKeyParser<TKey> _keys;
    private readonly IEqualityComparer<TKey> _comparer;
    private readonly List<MiniscriptNode<TKey>> _constructed = [];
    private readonly int _offset;
    private int _pos;
    private long _scriptSize = 1;

    private MiniscriptParser(string text, MiniscriptContext context, IMiniscriptKeyParser<TKey> keys, int offset)
    {
        _offset = offset;
        _text = text;
        _context = context;
        _keys = keys;
        _comparer = keys.KeyComparer;
    }

    /// <summary>Parses <paramref name="text"/>; positions in errors are counted from <paramref name="positionOffset"/> (the text's place in a larger one).</summary>
    public static bool TryParse(string? text, MiniscriptContext context, IMiniscriptKeyParser<TKey> keys, [NotNullWhen(true)] out MiniscriptNode<TKey>? node, [NotNullWhen(false)] out MiniscriptError? error, int positionOffset = 0)
    {
        ArgumentNullException.ThrowIfNull(keys);
        node = null;
        if (string.IsNullOrEmpty(text))
        {
            error = MiniscriptError.Of(MiniscriptErrorKind.Empty, "expression is empty");
            return false;
        }

        var parser = new MiniscriptParser<TKey>(text, context, keys, positionOffset);
        if (!parser.Run(out error))
        {
            return false;
        }

        node = parser._constructed[0];
        if (node.ScriptSize != parser._scriptSize)
        {
            throw new InvalidOperationException("miniscript: parser size accounting disagrees with the script size rules");
        }

        _ = node.CheckDuplicateKey;
        return true;
    }

    private bool Fail(MiniscriptErrorKind kind, string message, out MiniscriptError error)
    {
        error = MiniscriptError.Of(kind, message, _pos + _offset);
        return false;
    }

    private string Rest => _text.Length - _pos > 24 ? _text.Substring(_pos, 21) + "..." : _text[_pos..];

    private bool Const(string token)
    {
        if (string.CompareOrdinal(_text, _pos, token, 0, token.Length) == 0)
        {
            _pos += token.Length;
            return true;
        }

        return false;
    }

    // Core FindNextChar: the offset of m before the closing ')' of the current fragment, or -1.
    private int FindNextChar(char m)
    {
        for (var i = _pos; i < _text.Length; i++)
        {
            if (_text[i] == m)
            {
                return i - _pos;
            }

            if (_text[i] == ')')
            {
                break;
            }
        }

        return -1;
    }

    // Core ToIntegral<int64_t>: decimal digits with an optional '-', nothing else.
    private static bool TryParseInt64(ReadOnlySpan<char> text, out long value) =>
        long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out value)
        && text.Length > 0 && text[0] != '+';

    private void Push(MiniscriptNode<TKey> node) => _constructed.Add(node);

    private MiniscriptNode<TKey> Pop()
    {
        var node = _constructed[^1];
        _constructed.RemoveAt(_constructed.Count - 1);
        return node;
    }

    private MiniscriptNode<TKey> Wrap(Fragment fragment, params MiniscriptNode<TKey>[] subs) =>
        MiniscriptNode<TKey>.WithSubs(_context, fragment, subs, 0, _comparer);

    private MiniscriptNode<TKey> Leaf(Fragment fragment, uint k = 0) => MiniscriptNode<TKey>.Leaf(_context, fragment, k, _comparer);

    private bool Run([NotNullWhen(false)] out MiniscriptError? error)
    {
        var maxSize = MiniscriptLimits.MaxScriptSize(_context);
        var toParse = new Stack<(Ctx Ctx, long N, long K)>();
        toParse.Push((Ctx.WrappedExpr, -1, -1));
        while (toParse.Count > 0)
        {
            if (_scriptSize > maxSize)
            {
                return Fail(MiniscriptErrorKind.ScriptTooLarge, $"the script would exceed {maxSize} bytes, the {ContextName} limit", out error);
            }

            var (ctx, n, k) = toParse.Pop();
            switch (ctx)
            {
                case Ctx.WrappedExpr:
                {
                    int? colon = null;
                    for (var i = _pos + 1; i < _text.Length; i++)
                    {
                        if (_text[i] == ':')
                        {
                            colon = i;
                            break;
                        }

                        if (_text[i] < 'a' || _text[i] > 'z')
                        {
                            break;
                        }
                    }

                    var lastWasV = false;
                    for (var j = _pos; colon is { } c && j < c; j++)
                    {
                        if (_scriptSize > maxSize)
                        {
                            return Fail(MiniscriptErrorKind.ScriptTooLarge, $"the script would exceed {maxSize} bytes, the {ContextName} limit", out error);
                        }

                        var w = _text[j];
                        switch (w)
                        {
                            case 'a':
                                _scriptSize += 2;
                                toParse.Push((Ctx.Alt, -1, -1));
                                break;
                            case 's':
                                _scriptSize += 1;
                                toParse.Push((Ctx.Swap, -1, -1));
                                break;
                            case 'c':
                                _scriptSize += 1;
                                toParse.Push((Ctx.Check, -1, -1));
                                break;
                            case 'd':
                                _scriptSize += 3;
                                toParse.Push((Ctx.DupIf, -1, -1));
                                break;
                            case 'j':
                                _scriptSize += 4;
                                toParse.Push((Ctx.NonZero, -1, -1));
                                break;
                            case 'n':
                                _scriptSize += 1;
                                toParse.Push((Ctx.ZeroNotEqual, -1, -1));
                                break;
                            case 'v':
                                // "vv" is never valid and would not grow the size estimate.
                                if (lastWasV)
                                {
                                    return Fail(MiniscriptErrorKind.UnknownWrapper, $"repeated 'v' wrapper at position {j + _offset}", out error);
                                }

                                toParse.Push((Ctx.Verify, -1, -1));
                                break;
                            case 'u':
                                _scriptSize += 4;
                                toParse.Push((Ctx.WrapU, -1, -1));
                                break;
                            case 't':
                                _scriptSize += 1;
                                toParse.Push((Ctx.WrapT, -1, -1));
                                break;
                            case 'l':
                                // l:X = or_i(0,X).
                                _scriptSize += 4;
                                Push(Leaf(Fragment.Just0));
                                toParse.Push((Ctx.OrI, -1, -1));
                                break;
                            default:
                                return Fail(MiniscriptErrorKind.UnknownWrapper, $"unknown wrapper '{w}' at position {j + _offset} (wrappers are a, s, c, d, v, j, n, t, l, u)", out error);
                        }

                        lastWasV = w == 'v';
                    }

                    toParse.Push((Ctx.Expr, -1, -1));
                    if (colon is { } at)
                    {
                        _pos = at + 1;
                    }

                    break;
                }

                case Ctx.Expr:
                    if (!ParseExpr(toParse, out error))
                    {
                        return false;
                    }

                    break;
                case Ctx.Alt:
                    Push(Wrap(Fragment.WrapA, Pop()));
                    break;
                case Ctx.Swap:
                    Push(Wrap(Fragment.WrapS, Pop()));
                    break;
                case Ctx.Check:
                    Push(Wrap(Fragment.WrapC, Pop()));
                    break;
                case Ctx.DupIf:
                    Push(Wrap(Fragment.WrapD, Pop()));
                    break;
                case Ctx.NonZero:
                    Push(Wrap(Fragment.WrapJ, Pop()));
                    break;
                case Ctx.ZeroNotEqual:
                    Push(Wrap(Fragment.WrapN, Pop()));
                    break;
                case Ctx.Verify:
                {
                    var x = Pop();
                    _scriptSize += MiniscriptRules.IsX(x.Type) ? 1 : 0;
                    Push(Wrap(Fragment.WrapV, x));
                    break;
                }

                case Ctx.WrapU:
                    Push(Wrap(Fragment.OrI, Pop(), Leaf(Fragment.Just0)));
                    break;
                case Ctx.WrapT:
                    Push(Wrap(Fragment.AndV, Pop(), Leaf(Fragment.Just1)));
                    break;
                case Ctx.AndB:
                case Ctx.AndV:
                case Ctx.OrB:
                case Ctx.OrC:
                case Ctx.OrD:
                case Ctx.OrI:
                {
                    var right = Pop();
                    var left = Pop();
                    Push(Wrap(ctx switch
                    {
                        Ctx.AndB => Fragment.AndB,
                        Ctx.AndV => Fragment.AndV,
                        Ctx.OrB => Fragment.OrB,
                        Ctx.OrC => Fragment.OrC,
                        Ctx.OrD => Fragment.OrD,
                        _ => Fragment.OrI,
                    }, left, right));
                    break;
                }

                case Ctx.AndN:
                {
                    var mid = Pop();
                    var left = Pop();
                    Push(Wrap(Fragment.AndOr, left, mid, Leaf(Fragment.Just0)));
                    break;
                }

                case Ctx.AndOr:
                {
                    var right = Pop();
                    var mid = Pop();
                    var left = Pop();
                    Push(Wrap(Fragment.AndOr, left, mid, right));
                    break;
                }

                case Ctx.Thresh:
                    if (_pos >= _text.Length)
                    {
                        return Fail(MiniscriptErrorKind.Syntax, "thresh(): unexpected end of input, expected ',' or ')'", out error);
                    }

                    if (_text[_pos] == ',')
                    {
                        _pos++;
                        toParse.Push((Ctx.Thresh, n + 1, k));
                        toParse.Push((Ctx.WrappedExpr, -1, -1));
                        _scriptSize += 2;
                    }
                    else if (_text[_pos] == ')')
                    {
                        if (k > n)
                        {
                            return Fail(MiniscriptErrorKind.InvalidNumber, $"thresh({k},...) has only {n} sub-expressions; k must be between 1 and n", out error);
                        }

                        _pos++;
                        var subs = new MiniscriptNode<TKey>[n];
                        for (var i = (int)n - 1; i >= 0; i--)
                        {
                            subs[i] = Pop();
                        }

                        Push(MiniscriptNode<TKey>.WithSubs(_context, Fragment.Thresh, subs, (uint)k, _comparer));
                    }
                    else
                    {
                        return Fail(MiniscriptErrorKind.Syntax, $"thresh(): expected ',' or ')' at position {_pos + _offset}, got '{_text[_pos]}'", out error);
                    }

                    break;
                case Ctx.Comma:
                    if (_pos >= _text.Length || _text[_pos] != ',')
                    {
                        return Fail(MiniscriptErrorKind.Syntax, $"expected ',' at position {_pos + _offset}, got {Got()}", out error);
                    }

                    _pos++;
                    break;
                case Ctx.CloseBracket:
                    if (_pos >= _text.Length || _text[_pos] != ')')
                    {
                        return Fail(MiniscriptErrorKind.Syntax, $"expected ')' at position {_pos + _offset}, got {Got()}", out error);
                    }

                    _pos++;
                    break;
            }
        }

        if (_pos < _text.Length)
        {
            return Fail(MiniscriptErrorKind.Syntax, $"unexpected '{Rest}' at position {_pos + _offset} after the expression", out error);
        }

        error = null;
        return true;
    }

    private string ContextName => _context == MiniscriptContext.Tapscript ? "Tapscript" : "P2WSH";

    private string Got() => _pos < _text.Length ? $"'{_text[_pos]}'" : "end of input";

    private bool ParseExpr(Stack<(Ctx Ctx, long N, long K)> toParse, [NotNullWhen(false)] out MiniscriptError? error)
    {
        var start = _pos;
        if (Const("0"))
        {
            Push(Leaf(Fragment.Just0));
        }
        else if (Const("1"))
        {
            Push(Leaf(Fragment.Just1));
        }
        else if (Const("pk("))
        {
            if (!ParseKeyEnd("pk", out var key, out error))
            {
                return false;
            }

            Push(Wrap(Fragment.WrapC, MiniscriptNode<TKey>.WithKeys(_context, Fragment.PkK, [key], 0, _comparer)));
            _scriptSize += _context == MiniscriptContext.Tapscript ? 33 : 34;
        }
        else if (Const("pkh("))
        {
            if (!ParseKeyEnd("pkh", out var key, out error))
            {
                return false;
            }

            Push(Wrap(Fragment.WrapC, MiniscriptNode<TKey>.WithKeys(_context, Fragment.PkH, [key], 0, _comparer)));
            _scriptSize += 24;
        }
        else if (Const("pk_k("))
        {
            if (!ParseKeyEnd("pk_k", out var key, out error))
            {
                return false;
            }

            Push(MiniscriptNode<TKey>.WithKeys(_context, Fragment.PkK, [key], 0, _comparer));
            _scriptSize += _context == MiniscriptContext.Tapscript ? 32 : 33;
        }
        else if (Const("pk_h("))
        {
            if (!ParseKeyEnd("pk_h", out var key, out error))
            {
                return false;
            }

            Push(MiniscriptNode<TKey>.WithKeys(_context, Fragment.PkH, [key], 0, _comparer));
            _scriptSize += 23;
        }
        else if (Const("sha256("))
        {
            if (!ParseHash(Fragment.Sha256, 32, out error))
            {
                return false;
            }

            _scriptSize += 38;
        }
        else if (Const("ripemd160("))
        {
            if (!ParseHash(Fragment.Ripemd160, 20, out error))
            {
                return false;
            }

            _scriptSize += 26;
        }
        else if (Const("hash256("))
        {
            if (!ParseHash(Fragment.Hash256, 32, out error))
            {
                return false;
            }

            _scriptSize += 38;
        }
        else if (Const("hash160("))
        {
            if (!ParseHash(Fragment.Hash160, 20, out error))
            {
                return false;
            }

            _scriptSize += 26;
        }
        else if (Const("after(") || Const("older("))
        {
            var after = _text[start] == 'a';
            var name = after ? "after" : "older";
            var size = FindNextChar(')');
            if (size < 1)
            {
                return Fail(MiniscriptErrorKind.Syntax, $"{name}(): missing value or ')' at position {_pos + _offset}", out error);
            }

            var arg = _text.AsSpan(_pos, size);

            // BIP65/BIP112 operands are at most 2^31-1 (5-byte script numbers, positive).
            if (!TryParseInt64(arg, out var num) || num < 1 || num >= 0x80000000L)
            {
                return Fail(MiniscriptErrorKind.InvalidNumber, $"{name}({arg}): the value must be an integer from 1 to 2147483647", out error);
            }

            Push(Leaf(after ? Fragment.After : Fragment.Older, (uint)num));
            _pos += size + 1;
            _scriptSize += 1 + (num > 16 ? 1 : 0) + (num > 0x7f ? 1 : 0) + (num > 0x7fff ? 1 : 0) + (num > 0x7fffff ? 1 : 0);
        }
        else if (Const("multi(") || Const("multi_a("))
        {
            if (!ParseMulti(_text[start + 5] == '_', out error))
            {
                return false;
            }
        }
        else if (Const("thresh("))
        {
            var comma = FindNextChar(',');
            if (comma < 1)
            {
                return Fail(MiniscriptErrorKind.Syntax, $"thresh(): expected a threshold and ',' at position {_pos + _offset}", out error);
            }

            var kText = _text.AsSpan(_pos, comma);
            if (!TryParseInt64(kText, out var k) || k < 1)
            {
                return Fail(MiniscriptErrorKind.InvalidNumber, $"thresh({kText},...): the threshold must be a positive integer", out error);
            }

            _pos += comma + 1;

            // n = 1 here because the first sub-expression is read before reaching Thresh.
            toParse.Push((Ctx.Thresh, 1, k));
            toParse.Push((Ctx.WrappedExpr, -1, -1));
            _scriptSize += 2 + (k > 16 ? 1 : 0) + (k > 0x7f ? 1 : 0) + (k > 0x7fff ? 1 : 0) + (k > 0x7fffff ? 1 : 0);
        }
        else if (Const("andor("))
        {
            toParse.Push((Ctx.AndOr, -1, -1));
            toParse.Push((Ctx.CloseBracket, -1, -1));
            toParse.Push((Ctx.WrappedExpr, -1, -1));
            toParse.Push((Ctx.Comma, -1, -1));
            toParse.Push((Ctx.WrappedExpr, -1, -1));
            toParse.Push((Ctx.Comma, -1, -1));
            toParse.Push((Ctx.WrappedExpr, -1, -1));
            _scriptSize += 5;
        }
        else
        {
            Ctx binary;
            if (Const("and_n("))
            {
                binary = Ctx.AndN;
                _scriptSize += 5;
            }
            else if (Const("and_b("))
            {
                binary = Ctx.AndB;
                _scriptSize += 2;
            }
            else if (Const("and_v("))
            {
                binary = Ctx.AndV;
                _scriptSize += 1;
            }
            else if (Const("or_b("))
            {
                binary = Ctx.OrB;
                _scriptSize += 2;
            }
            else if (Const("or_c("))
            {
                binary = Ctx.OrC;
                _scriptSize += 3;
            }
            else if (Const("or_d("))
            {
                binary = Ctx.OrD;
                _scriptSize += 4;
            }
            else if (Const("or_i("))
            {
                binary = Ctx.OrI;
                _scriptSize += 4;
            }
            else
            {
                return Fail(MiniscriptErrorKind.UnknownFragment, UnknownFragmentMessage(), out error);
            }

            toParse.Push((binary, -1, -1));
            toParse.Push((Ctx.CloseBracket, -1, -1));
            toParse.Push((Ctx.WrappedExpr, -1, -1));
            toParse.Push((Ctx.Comma, -1, -1));
            toParse.Push((Ctx.WrappedExpr, -1, -1));
        }

        error = null;
        return true;
    }

    private string UnknownFragmentMessage()
    {
        var end = _pos;
        while (end < _text.Length && (char.IsAsciiLetterOrDigit(_text[end]) || _text[end] == '_'))
        {
            end++;
        }

        var name = _text[_pos..end];
        if (name.Length > 24)
        {
            name = name[..21] + "...";
        }

        return name.Length == 0
            ? $"expected a fragment at position {_pos + _offset}, got {Got()}"
            : $"unknown fragment '{name}' at position {_pos + _offset}";
    }

    // Core ParseKeyEnd: the key is the text up to the fragment's ')'.
    private bool ParseKeyEnd(string name, [MaybeNullWhen(false)] out TKey key, [NotNullWhen(false)] out MiniscriptError? error)
    {
        key = default;
        var size = FindNextChar(')');
        if (size < 1)
        {
            return Fail(MiniscriptErrorKind.Syntax, $"{name}(): missing key or ')' at position {_pos + _offset}", out error);
        }

        if (!_keys.TryParseKey(_text.Substring(_pos, size), _context, out key, out var keyError))
        {
            return Fail(MiniscriptErrorKind.InvalidKey, $"{name}(): {keyError.Message}", out error);
        }

        _pos += size + 1;
        error = null;
        return true;
    }

    // Core ParseHexStrEnd.
    private bool ParseHash(Fragment fragment, int expected, [NotNullWhen(false)] out MiniscriptError? error)
    {
        var name = MiniscriptNode<TKey>.FragmentName(fragment);
        var size = FindNextChar(')');
        if (size < 1)
        {
            return Fail(MiniscriptErrorKind.Syntax, $"{name}(): missing hash or ')' at position {_pos + _offset}", out error);
        }

        if (!Hex.TryParse(_text.Substring(_pos, size), out var hash, out _) || hash.Length != expected)
        {
            return Fail(MiniscriptErrorKind.InvalidHash, $"{name}(): the hash must be {expected * 2} hex characters ({expected} bytes)", out error);
        }

        Push(MiniscriptNode<TKey>.Hash(_context, fragment, hash, _comparer));
        _pos += size + 1;
        error = null;
        return true;
    }

    // Core's parse_multi_exp.
    private bool ParseMulti(bool isMultiA, [NotNullWhen(false)] out MiniscriptError? error)
    {
        var name = isMultiA ? "multi_a" : "multi";
        var maxKeys = isMultiA ? MiniscriptLimits.MaxPubKeysPerMultiA : MiniscriptLimits.MaxPubKeysPerMultisig;
        var required = isMultiA ? MiniscriptContext.Tapscript : MiniscriptContext.P2Wsh;
        if (_context != required)
        {
            return Fail(MiniscriptErrorKind.WrongContext, isMultiA
                ? "multi_a() is only valid in Tapscript (tr() leaves, BIP387); use multi() in wsh()"
                : "multi() is not valid in Tapscript (BIP342 disables CHECKMULTISIG); use multi_a()", out error);
        }

        var comma = FindNextChar(',');
        if (comma < 1)
        {
            return Fail(MiniscriptErrorKind.Syntax, $"{name}(): expected a threshold and ',' at position {_pos + _offset}", out error);
        }

        var kText = _text.AsSpan(_pos, comma);
        if (!TryParseInt64(kText, out var k))
        {
            return Fail(MiniscriptErrorKind.InvalidNumber, $"{name}({kText},...): the threshold is not a number", out error);
        }

        _pos += comma + 1;
        var keys = new List<TKey>();
        while (comma != -1)
        {
            comma = FindNextChar(',');
            var length = comma == -1 ? FindNextChar(')') : comma;
            if (length < 1)
            {
                return Fail(MiniscriptErrorKind.Syntax, $"{name}(): missing key at position {_pos + _offset}", out error);
            }

            if (!_keys.TryParseKey(_text.Substring(_pos, length), _context, out var key, out var keyError))
            {
                return Fail(MiniscriptErrorKind.InvalidKey, $"{name}() key {keys.Count + 1}: {keyError.Message}", out error);
            }

            keys.Add(key);
            _pos += length + 1;
        }

        if (keys.Count < 1 || keys.Count > maxKeys)
        {
            return Fail(MiniscriptErrorKind.InvalidNumber, $"{name}(): {keys.Count} keys; between 1 and {maxKeys} are allowed", out error);
        }

        if (k < 1 || k > keys.Count)
        {
            return Fail(MiniscriptErrorKind.InvalidNumber, $"{name}({k},...): the threshold must be between 1 and the number of keys ({keys.Count})", out error);
        }

        if (isMultiA)
        {
            // (push + x-only key + CHECKSIG[ADD]) * n + <k> + NUMEQUAL, minus the byte already counted.
            _scriptSize += ((1 + 32 + 1) * keys.Count) + MiniscriptRules.NumberSize(k);
        }
        else
        {
            _scriptSize += 2 + (keys.Count > 16 ? 1 : 0) + (k > 16 ? 1 : 0) + (34 * keys.Count);
        }

        Push(MiniscriptNode<TKey>.WithKeys(_context, isMultiA ? Fragment.MultiA : Fragment.Multi, [.. keys], (uint)k, _comparer));
        error = null;
        return true;
    }
}
