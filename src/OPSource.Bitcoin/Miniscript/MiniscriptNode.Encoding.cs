using System.Globalization;
using System.Text;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;

namespace OPSource.Bitcoin.Miniscript;

/// <summary>Script generation and the text form.</summary>
public sealed partial class MiniscriptNode<TKey>
{
    private enum EmitKind : byte
    {
        Node,
        Op,
        Number,
        Text,
    }

    private readonly record struct Emit(EmitKind Kind, MiniscriptNode<TKey>? Node, bool Flag, OpcodeType Op, long Number, string? Text)
    {
        public static Emit Of(MiniscriptNode<TKey> node, bool flag) => new(EmitKind.Node, node, flag, default, 0, null);

        public static Emit Of(OpcodeType op) => new(EmitKind.Op, null, false, op, 0, null);

        public static Emit Num(long n) => new(EmitKind.Number, null, false, default, n, null);

        public static Emit Str(string text) => new(EmitKind.Text, null, false, default, 0, text);
    }

    /// <summary>
    /// The script (Core Node::ToScript): each fragment's translation, with the VERIFY form of the
    /// last opcode under <c>v:</c> where one exists (CHECKSIGVERIFY, CHECKMULTISIGVERIFY,
    /// EQUALVERIFY, NUMEQUALVERIFY). Keys are written as <paramref name="encoder"/> says: 33 bytes in
    /// P2WSH, 32 in Tapscript (anything else is refused, as the size rules assume it).
    /// </summary>
    public Script ToScript(IMiniscriptKeyEncoder<TKey> encoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        var keySize = Context == MiniscriptContext.Tapscript ? 32 : 33;
        var writer = new ScriptWriter(ScriptSize);
        var work = new Stack<Emit>();
        work.Push(Emit.Of(this, false));
        Span<byte> num = stackalloc byte[9];
        while (work.Count > 0)
        {
            var item = work.Pop();
            switch (item.Kind)
            {
                case EmitKind.Op:
                    writer.Op(item.Op);
                    continue;
                case EmitKind.Number:
                    writer.Number(item.Number, num);
                    continue;
                case EmitKind.Text:
                    continue;
            }

            var node = item.Node!;
            var verify = item.Flag;
            switch (node.Fragment)
            {
                case Fragment.PkK:
                    writer.Push(CheckSize(encoder.ToPushBytes(node._keys[0], Context), keySize, "key"));
                    break;
                case Fragment.PkH:
                    writer.Op(OpcodeType.OP_DUP);
                    writer.Op(OpcodeType.OP_HASH160);
                    writer.Push(CheckSize(encoder.ToHash160(node._keys[0], Context), 20, "key hash"));
                    writer.Op(OpcodeType.OP_EQUALVERIFY);
                    break;
                case Fragment.Older:
                    writer.Number(node.K, num);
                    writer.Op(OpcodeType.OP_CHECKSEQUENCEVERIFY);
                    break;
                case Fragment.After:
                    writer.Number(node.K, num);
                    writer.Op(OpcodeType.OP_CHECKLOCKTIMEVERIFY);
                    break;
                case Fragment.Sha256:
                case Fragment.Ripemd160:
                case Fragment.Hash256:
                case Fragment.Hash160:
                    writer.Op(OpcodeType.OP_SIZE);
                    writer.Number(32, num);
                    writer.Op(OpcodeType.OP_EQUALVERIFY);
                    writer.Op(node.Fragment switch
                    {
                        Fragment.Sha256 => OpcodeType.OP_SHA256,
                        Fragment.Ripemd160 => OpcodeType.OP_RIPEMD160,
                        Fragment.Hash256 => OpcodeType.OP_HASH256,
                        _ => OpcodeType.OP_HASH160,
                    });
                    writer.Push(node._data);
                    writer.Op(verify ? OpcodeType.OP_EQUALVERIFY : OpcodeType.OP_EQUAL);
                    break;
                case Fragment.Just1:
                    writer.Op(OpcodeType.OP_1);
                    break;
                case Fragment.Just0:
                    writer.Op(OpcodeType.OP_0);
                    break;
                case Fragment.Multi:
                    writer.Number(node.K, num);
                    foreach (var key in node._keys)
                    {
                        writer.Push(CheckSize(encoder.ToPushBytes(key, Context), keySize, "key"));
                    }

                    writer.Number(node._keys.Length, num);
                    writer.Op(verify ? OpcodeType.OP_CHECKMULTISIGVERIFY : OpcodeType.OP_CHECKMULTISIG);
                    break;
                case Fragment.MultiA:
                    for (var i = 0; i < node._keys.Length; i++)
                    {
                        writer.Push(CheckSize(encoder.ToPushBytes(node._keys[i], Context), keySize, "key"));
                        writer.Op(i == 0 ? OpcodeType.OP_CHECKSIG : OpcodeType.OP_CHECKSIGADD);
                    }

                    writer.Number(node.K, num);
                    writer.Op(verify ? OpcodeType.OP_NUMEQUALVERIFY : OpcodeType.OP_NUMEQUAL);
                    break;
                default:
                    // Composite fragments: queue their pieces in reverse (the stack pops the first piece first).
                    PushPieces(work, node, verify);
                    break;
            }
        }

        return writer.ToScript();
    }

    private static void PushPieces(Stack<Emit> work, MiniscriptNode<TKey> node, bool verify)
    {
        var s = node._subs;
        switch (node.Fragment)
        {
            case Fragment.WrapA:
                work.Push(Emit.Of(OpcodeType.OP_FROMALTSTACK));
                work.Push(Emit.Of(s[0], false));
                work.Push(Emit.Of(OpcodeType.OP_TOALTSTACK));
                break;
            case Fragment.WrapS:
                work.Push(Emit.Of(s[0], verify));
                work.Push(Emit.Of(OpcodeType.OP_SWAP));
                break;
            case Fragment.WrapC:
                work.Push(Emit.Of(verify ? OpcodeType.OP_CHECKSIGVERIFY : OpcodeType.OP_CHECKSIG));
                work.Push(Emit.Of(s[0], false));
                break;
            case Fragment.WrapD:
                work.Push(Emit.Of(OpcodeType.OP_ENDIF));
                work.Push(Emit.Of(s[0], false));
                work.Push(Emit.Of(OpcodeType.OP_IF));
                work.Push(Emit.Of(OpcodeType.OP_DUP));
                break;
            case Fragment.WrapV:
                // v: turns the last opcode into its VERIFY form, unless the child is "expensive verify" (x).
                if (MiniscriptRules.IsX(s[0].Type))
                {
                    work.Push(Emit.Of(OpcodeType.OP_VERIFY));
                }

                work.Push(Emit.Of(s[0], true));
                break;
            case Fragment.WrapJ:
                work.Push(Emit.Of(OpcodeType.OP_ENDIF));
                work.Push(Emit.Of(s[0], false));
                work.Push(Emit.Of(OpcodeType.OP_IF));
                work.Push(Emit.Of(OpcodeType.OP_0NOTEQUAL));
                work.Push(Emit.Of(OpcodeType.OP_SIZE));
                break;
            case Fragment.WrapN:
                work.Push(Emit.Of(OpcodeType.OP_0NOTEQUAL));
                work.Push(Emit.Of(s[0], false));
                break;
            case Fragment.AndV:
                work.Push(Emit.Of(s[1], verify));
                work.Push(Emit.Of(s[0], false));
                break;
            case Fragment.AndB:
            case Fragment.OrB:
                work.Push(Emit.Of(node.Fragment == Fragment.AndB ? OpcodeType.OP_BOOLAND : OpcodeType.OP_BOOLOR));
                work.Push(Emit.Of(s[1], false));
                work.Push(Emit.Of(s[0], false));
                break;
            case Fragment.OrD:
                work.Push(Emit.Of(OpcodeType.OP_ENDIF));
                work.Push(Emit.Of(s[1], false));
                work.Push(Emit.Of(OpcodeType.OP_NOTIF));
                work.Push(Emit.Of(OpcodeType.OP_IFDUP));
                work.Push(Emit.Of(s[0], false));
                break;
            case Fragment.OrC:
                work.Push(Emit.Of(OpcodeType.OP_ENDIF));
                work.Push(Emit.Of(s[1], false));
                work.Push(Emit.Of(OpcodeType.OP_NOTIF));
                work.Push(Emit.Of(s[0], false));
                break;
            case Fragment.OrI:
                work.Push(Emit.Of(OpcodeType.OP_ENDIF));
                work.Push(Emit.Of(s[1], false));
                work.Push(Emit.Of(OpcodeType.OP_ELSE));
                work.Push(Emit.Of(s[0], false));
                work.Push(Emit.Of(OpcodeType.OP_IF));
                break;
            case Fragment.AndOr:
                // [X] NOTIF [Z] ELSE [Y] ENDIF.
                work.Push(Emit.Of(OpcodeType.OP_ENDIF));
                work.Push(Emit.Of(s[1], false));
                work.Push(Emit.Of(OpcodeType.OP_ELSE));
                work.Push(Emit.Of(s[2], false));
                work.Push(Emit.Of(OpcodeType.OP_NOTIF));
                work.Push(Emit.Of(s[0], false));
                break;
            case Fragment.Thresh:
                work.Push(Emit.Of(verify ? OpcodeType.OP_EQUALVERIFY : OpcodeType.OP_EQUAL));
                work.Push(Emit.Num(node.K));
                for (var i = s.Length - 1; i >= 1; i--)
                {
                    work.Push(Emit.Of(OpcodeType.OP_ADD));
                    work.Push(Emit.Of(s[i], false));
                }

                work.Push(Emit.Of(s[0], false));
                break;
            default:
                throw new InvalidOperationException("miniscript: unknown fragment");
        }
    }

    private static byte[] CheckSize(byte[] bytes, int expected, string what) =>
        bytes.Length == expected ? bytes : throw new InvalidOperationException($"miniscript: a {what} must serialize to {expected} bytes in this context, got {bytes.Length}");

    /// <summary>
    /// The text form (Core Node::ToString) with the sugar Core writes: <c>pk()</c>, <c>pkh()</c>,
    /// <c>t:</c>, <c>l:</c>, <c>u:</c>, <c>and_n()</c>, wrappers joined before one <c>:</c>. Null when
    /// <paramref name="formatter"/> cannot write a key.
    /// </summary>
    public string? ToString(IMiniscriptKeyFormatter<TKey> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var sb = new StringBuilder();
        var work = new Stack<Emit>();
        work.Push(Emit.Of(this, false));
        while (work.Count > 0)
        {
            var item = work.Pop();
            if (item.Kind == EmitKind.Text)
            {
                sb.Append(item.Text);
                continue;
            }

            var node = item.Node!;
            var s = node._subs;

            // item.Flag: the parent is a wrapper, so a non-wrapper expression starts with ':'.
            var wrapped = item.Flag;
            switch (node.Fragment)
            {
                case Fragment.WrapA or Fragment.WrapS or Fragment.WrapD or Fragment.WrapV or Fragment.WrapJ or Fragment.WrapN:
                    sb.Append(WrapperLetter(node.Fragment));
                    work.Push(Emit.Of(s[0], true));
                    continue;
                case Fragment.WrapC when s[0].Fragment is Fragment.PkK or Fragment.PkH:
                {
                    // pk(K) = c:pk_k(K), pkh(K) = c:pk_h(K).
                    var key = formatter.Format(s[0]._keys[0], Context);
                    if (key is null)
                    {
                        return null;
                    }

                    sb.Append(wrapped ? ":" : string.Empty).Append(s[0].Fragment == Fragment.PkK ? "pk(" : "pkh(").Append(key).Append(')');
                    continue;
                }

                case Fragment.WrapC:
                    sb.Append('c');
                    work.Push(Emit.Of(s[0], true));
                    continue;
                case Fragment.AndV when s[1].Fragment == Fragment.Just1:
                    // t:X = and_v(X,1).
                    sb.Append('t');
                    work.Push(Emit.Of(s[0], true));
                    continue;
                case Fragment.OrI when s[0].Fragment == Fragment.Just0:
                    // l:X = or_i(0,X).
                    sb.Append('l');
                    work.Push(Emit.Of(s[1], true));
                    continue;
                case Fragment.OrI when s[1].Fragment == Fragment.Just0:
                    // u:X = or_i(X,0).
                    sb.Append('u');
                    work.Push(Emit.Of(s[0], true));
                    continue;
            }

            if (wrapped)
            {
                sb.Append(':');
            }

            switch (node.Fragment)
            {
                case Fragment.PkK:
                case Fragment.PkH:
                {
                    var key = formatter.Format(node._keys[0], Context);
                    if (key is null)
                    {
                        return null;
                    }

                    sb.Append(node.Fragment == Fragment.PkK ? "pk_k(" : "pk_h(").Append(key).Append(')');
                    break;
                }

                case Fragment.After:
                case Fragment.Older:
                    sb.Append(FragmentName(node.Fragment)).Append('(').Append(node.K.ToString(CultureInfo.InvariantCulture)).Append(')');
                    break;
                case Fragment.Sha256:
                case Fragment.Hash256:
                case Fragment.Ripemd160:
                case Fragment.Hash160:
                    sb.Append(FragmentName(node.Fragment)).Append('(').Append(Hex.Encode(node._data)).Append(')');
                    break;
                case Fragment.Just1:
                    sb.Append('1');
                    break;
                case Fragment.Just0:
                    sb.Append('0');
                    break;
                case Fragment.Multi:
                case Fragment.MultiA:
                    sb.Append(FragmentName(node.Fragment)).Append('(').Append(node.K.ToString(CultureInfo.InvariantCulture));
                    foreach (var key in node._keys)
                    {
                        var text = formatter.Format(key, Context);
                        if (text is null)
                        {
                            return null;
                        }

                        sb.Append(',').Append(text);
                    }

                    sb.Append(')');
                    break;
                case Fragment.AndOr when s[2].Fragment == Fragment.Just0:
                    // and_n(X,Y) = andor(X,Y,0).
                    sb.Append("and_n(");
                    PushArguments(work, s.AsSpan(0, 2));
                    break;
                case Fragment.Thresh:
                    sb.Append("thresh(").Append(node.K.ToString(CultureInfo.InvariantCulture)).Append(',');
                    PushArguments(work, s);
                    break;
                default:
                    sb.Append(FragmentName(node.Fragment)).Append('(');
                    PushArguments(work, s);
                    break;
            }
        }

        return sb.ToString();
    }

    private static void PushArguments(Stack<Emit> work, ReadOnlySpan<MiniscriptNode<TKey>> args)
    {
        work.Push(Emit.Str(")"));
        for (var i = args.Length - 1; i >= 0; i--)
        {
            work.Push(Emit.Of(args[i], false));
            if (i > 0)
            {
                work.Push(Emit.Str(","));
            }
        }
    }

    private static char WrapperLetter(Fragment fragment) => fragment switch
    {
        Fragment.WrapA => 'a',
        Fragment.WrapS => 's',
        Fragment.WrapD => 'd',
        Fragment.WrapV => 'v',
        Fragment.WrapJ => 'j',
        _ => 'n',
    };

    /// <summary>Writes a script of known length into one array (no intermediate copies).</summary>
    private sealed class ScriptWriter(int capacity)
    {
        private byte[] _buffer = new byte[Math.Max(capacity, 1)];
        private int _length;

        public void Op(OpcodeType op)
        {
            Ensure(1);
            _buffer[_length++] = (byte)op;
        }

        // Core CScript << int64: OP_0, OP_1..OP_16, OP_1NEGATE, else a minimal CScriptNum push.
        public void Number(long n, Span<byte> scratch)
        {
            if (n == 0)
            {
                Op(OpcodeType.OP_0);
            }
            else if (n == -1 || (n >= 1 && n <= 16))
            {
                Op((OpcodeType)(n + ((int)OpcodeType.OP_1 - 1)));
            }
            else
            {
                var len = new ScriptNumber(n).Encode(scratch);
                Push(scratch[..len]);
            }
        }

        // Core CScript << vector for the sizes miniscript pushes (at most 75 bytes: direct push).
        public void Push(ReadOnlySpan<byte> data)
        {
            Ensure(data.Length + 1);
            _buffer[_length++] = (byte)data.Length;
            data.CopyTo(_buffer.AsSpan(_length));
            _length += data.Length;
        }

        public Script ToScript()
        {
            if (_length != _buffer.Length)
            {
                Array.Resize(ref _buffer, _length);
            }

            return Script.FromOwned(_buffer);
        }

        private void Ensure(int extra)
        {
            if (_length + extra > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
            }
        }
    }
}
