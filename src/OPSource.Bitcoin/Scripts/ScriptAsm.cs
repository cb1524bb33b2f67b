using System.Globalization;
using OPSource.Bitcoin.Encoding;

namespace OPSource.Bitcoin.Scripts;

/// <summary>Script text forms: Core's ScriptToAsmStr output and its ParseScript input syntax.</summary>
public static class ScriptAsm
{
    private static readonly string?[] Names = BuildNames();

    private static string?[] BuildNames()
    {
        var names = new string?[256];
        names[0x00] = "0";
        names[0x4c] = "OP_PUSHDATA1";
        names[0x4d] = "OP_PUSHDATA2";
        names[0x4e] = "OP_PUSHDATA4";
        names[0x4f] = "-1";
        names[0x50] = "OP_RESERVED";
        names[0x51] = "1";
        names[0x52] = "2";
        names[0x53] = "3";
        names[0x54] = "4";
        names[0x55] = "5";
        names[0x56] = "6";
        names[0x57] = "7";
        names[0x58] = "8";
        names[0x59] = "9";
        names[0x5a] = "10";
        names[0x5b] = "11";
        names[0x5c] = "12";
        names[0x5d] = "13";
        names[0x5e] = "14";
        names[0x5f] = "15";
        names[0x60] = "16";
        names[0x61] = "OP_NOP";
        names[0x62] = "OP_VER";
        names[0x63] = "OP_IF";
        names[0x64] = "OP_NOTIF";
        names[0x65] = "OP_VERIF";
        names[0x66] = "OP_VERNOTIF";
        names[0x67] = "OP_ELSE";
        names[0x68] = "OP_ENDIF";
        names[0x69] = "OP_VERIFY";
        names[0x6a] = "OP_RETURN";
        names[0x6b] = "OP_TOALTSTACK";
        names[0x6c] = "OP_FROMALTSTACK";
        names[0x6d] = "OP_2DROP";
        names[0x6e] = "OP_2DUP";
        names[0x6f] = "OP_3DUP";
        names[0x70] = "OP_2OVER";
        names[0x71] = "OP_2ROT";
        names[0x72] = "OP_2SWAP";
        names[0x73] = "OP_IFDUP";
        names[0x74] = "OP_DEPTH";
        names[0x75] = "OP_DROP";
        names[0x76] = "OP_DUP";
        names[0x77] = "OP_NIP";
        names[0x78] = "OP_OVER";
        names[0x79] = "OP_PICK";
        names[0x7a] = "OP_ROLL";
        names[0x7b] = "OP_ROT";
        names[0x7c] = "OP_SWAP";
        names[0x7d] = "OP_TUCK";
        names[0x7e] = "OP_CAT";
        names[0x7f] = "OP_SUBSTR";
        names[0x80] = "OP_LEFT";
        names[0x81] = "OP_RIGHT";
        names[0x82] = "OP_SIZE";
        names[0x83] = "OP_INVERT";
        names[0x84] = "OP_AND";
        names[0x85] = "OP_OR";
        names[0x86] = "OP_XOR";
        names[0x87] = "OP_EQUAL";
        names[0x88] = "OP_EQUALVERIFY";
        names[0x89] = "OP_RESERVED1";
        names[0x8a] = "OP_RESERVED2";
        names[0x8b] = "OP_1ADD";
        names[0x8c] = "OP_1SUB";
        names[0x8d] = "OP_2MUL";
        names[0x8e] = "OP_2DIV";
        names[0x8f] = "OP_NEGATE";
        names[0x90] = "OP_ABS";
        names[0x91] = "OP_NOT";
        names[0x92] = "OP_0NOTEQUAL";
        names[0x93] = "OP_ADD";
        names[0x94] = "OP_SUB";
        names[0x95] = "OP_MUL";
        names[0x96] = "OP_DIV";
        names[0x97] = "OP_MOD";
        names[0x98] = "OP_LSHIFT";
        names[0x99] = "OP_RSHIFT";
        names[0x9a] = "OP_BOOLAND";
        names[0x9b] = "OP_BOOLOR";
        names[0x9c] = "OP_NUMEQUAL";
        names[0x9d] = "OP_NUMEQUALVERIFY";
        names[0x9e] = "OP_NUMNOTEQUAL";
        names[0x9f] = "OP_LESSTHAN";
        names[0xa0] = "OP_GREATERTHAN";
        names[0xa1] = "OP_LESSTHANOREQUAL";
        names[0xa2] = "OP_GREATERTHANOREQUAL";
        names[0xa3] = "OP_MIN";
        names[0xa4] = "OP_MAX";
        names[0xa5] = "OP_WITHIN";
        names[0xa6] = "OP_RIPEMD160";
        names[0xa7] = "OP_SHA1";
        names[0xa8] = "OP_SHA256";
        names[0xa9] = "OP_HASH160";
        names[0xaa] = "OP_HASH256";
        names[0xab] = "OP_CODESEPARATOR";
        names[0xac] = "OP_CHECKSIG";
        names[0xad] = "OP_CHECKSIGVERIFY";
        names[0xae] = "OP_CHECKMULTISIG";
        names[0xaf] = "OP_CHECKMULTISIGVERIFY";
        names[0xb0] = "OP_NOP1";
        names[0xb1] = "OP_CHECKLOCKTIMEVERIFY";
        names[0xb2] = "OP_CHECKSEQUENCEVERIFY";
        names[0xb3] = "OP_NOP4";
        names[0xb4] = "OP_NOP5";
        names[0xb5] = "OP_NOP6";
        names[0xb6] = "OP_NOP7";
        names[0xb7] = "OP_NOP8";
        names[0xb8] = "OP_NOP9";
        names[0xb9] = "OP_NOP10";
        names[0xba] = "OP_CHECKSIGADD";
        names[0xff] = "OP_INVALIDOPCODE";
        return names;
    }

    private static readonly Dictionary<string, OpcodeType> ByName = BuildByName();

    /// <summary>Core GetOpName: "0", "-1", "1".."16", "OP_xxx", or "OP_UNKNOWN".</summary>
    public static string GetOpName(OpcodeType op) => Names[(byte)op] ?? "OP_UNKNOWN";

    /// <summary>
    /// Core ScriptToAsmStr: pushes of up to 4 bytes as CScriptNum decimals, larger pushes as hex,
    /// opcodes by name, "[error]" at a malformed push. With <paramref name="attemptSighashDecode"/>
    /// (scriptSigs), strict-DER signatures show their hash type as "[ALL]" etc.
    /// </summary>
    public static string ToAsm(Script script, bool attemptSighashDecode = false)
    {
        ArgumentNullException.ThrowIfNull(script);
        var sb = new System.Text.StringBuilder();
        var pc = 0;
        var span = script.Span;
        while (pc < span.Length)
        {
            if (sb.Length > 0)
            {
                sb.Append(' ');
            }

            if (!Script.TryGetOp(span, ref pc, out var op, out var push))
            {
                sb.Append("[error]");
                return sb.ToString();
            }

            if (op <= OpcodeType.OP_PUSHDATA4)
            {
                if (push.Length <= 4)
                {
                    sb.Append(ScriptNumber.DecodeUnchecked(push).ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    var decode = string.Empty;
                    var shown = push;

                    // Core: the IsUnspendable check avoids decoding OP_RETURN data that looks like a signature.
                    if (attemptSighashDecode && !script.IsUnspendable && EcdsaSignatureEncoding.IsStrictEncodedSignature(push))
                    {
                        var name = SigHashName(push[^1]);
                        if (name is not null)
                        {
                            decode = "[" + name + "]";
                            shown = push[..^1];
                        }
                    }

                    sb.Append(Hex.Encode(shown)).Append(decode);
                }
            }
            else
            {
                sb.Append(GetOpName(op));
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// Parses Core's ParseScript syntax (script_tests.json): decimal numbers (push_int64, range
    /// ±0xFFFFFFFF), <c>0x</c>-prefixed raw hex inserted as-is, <c>'text'</c> pushed as data, and
    /// opcode names with or without the OP_ prefix.
    /// </summary>
    public static bool TryParse(string? text, out Script script, out string? error) =>
        TryParseWords(text, asm: false, out script, out error);

    /// <summary>Parses or throws <see cref="FormatException"/>.</summary>
    public static Script Parse(string text) =>
        TryParse(text, out var script, out var error) ? script : throw new FormatException(error);

    /// <summary>
    /// Parses the ASM that <see cref="ToAsm"/> and Core's decodescript print (ScriptToAsmStr), plus
    /// everything <see cref="TryParse"/> accepts: decimal numbers become minimal number pushes (so
    /// <c>0</c>, <c>-1</c> and <c>1</c>..<c>16</c> are OP_0, OP_1NEGATE and OP_1..OP_16), bare hex
    /// words are data pushes, a <c>[ALL]</c>-style suffix appends its sighash byte to the push, and
    /// opcodes are named as Core names them. <c>[error]</c> (a truncated push) and <c>OP_UNKNOWN</c> have
    /// no encoding and are refused. ASM is lossy (non-minimal pushes print like minimal ones), so
    /// hex → ASM → hex can differ while ASM → script → ASM is the identity.
    /// </summary>
    public static bool TryParseAsm(string? text, out Script script, out string? error) =>
        TryParseWords(text, asm: true, out script, out error);

    private static bool TryParseWords(string? text, bool asm, out Script script, out string? error)
    {
        script = Script.Empty;
        if (text is null)
        {
            error = "script: input is null";
            return false;
        }

        var builder = new ScriptBuilder();
        var words = text.Split([' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
        foreach (var w in words)
        {
            if (IsDecimal(w) && (!asm || IsAsmNumber(w)))
            {
                // Core core_read.cpp: decimal values only in -0xFFFFFFFF..0xFFFFFFFF.
                if (!long.TryParse(w, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) || n > 0xffffffffL || n < -0xffffffffL)
                {
                    error = $"script: decimal value '{Shorten(w)}' outside -0xFFFFFFFF..0xFFFFFFFF";
                    return false;
                }

                builder.PushNumber(n);
            }
            else if (w.Length > 2 && w.StartsWith("0x", StringComparison.Ordinal))
            {
                if (!Hex.TryParse(w[2..], out var raw, out _))
                {
                    error = $"script: bad hex literal '{Shorten(w)}'";
                    return false;
                }

                builder.AddRaw(raw);
            }
            else if (w.Length >= 2 && w[0] == '\'' && w[^1] == '\'')
            {
                builder.Push(System.Text.Encoding.Latin1.GetBytes(w[1..^1]));
            }
            else if (ByName.TryGetValue(w, out var op))
            {
                builder.Add(op);
            }
            else if (asm)
            {
                if (!TryParseAsmPush(w, out var data, out var pushError))
                {
                    error = pushError ?? $"script: unknown word '{Shorten(w)}'";
                    return false;
                }

                builder.Push(data);
            }
            else
            {
                error = $"script: unknown word '{Shorten(w)}'";
                return false;
            }
        }

        script = builder.Build();
        error = null;
        return true;
    }

    // ScriptToAsmStr's data push: hex, optionally followed by the decoded sighash type of a signature.
    private static bool TryParseAsmPush(string word, out byte[] data, out string? error)
    {
        data = [];
        error = null;
        if (word == "[error]")
        {
            error = "script: '[error]' marks a truncated push and has no encoding";
            return false;
        }

        var hex = word;
        int? hashType = null;
        var bracket = word.IndexOf('[', StringComparison.Ordinal);
        if (bracket >= 0)
        {
            hashType = word[bracket..] switch
            {
                "[ALL]" => 0x01,
                "[NONE]" => 0x02,
                "[SINGLE]" => 0x03,
                "[ALL|ANYONECANPAY]" => 0x81,
                "[NONE|ANYONECANPAY]" => 0x82,
                "[SINGLE|ANYONECANPAY]" => 0x83,
                _ => null,
            };
            if (hashType is null)
            {
                error = $"script: unknown sighash suffix in '{Shorten(word)}'";
                return false;
            }

            hex = word[..bracket];
        }

        if (hex.Length == 0 || !Hex.TryParse(hex, out var bytes, out _))
        {
            return false;
        }

        data = hashType is { } type ? [.. bytes, (byte)type] : bytes;
        return true;
    }

    // ScriptToAsmStr prints pushes of at most 4 bytes as CScriptNum decimals: no leading zeros and
    // |n| <= 2^31 - 1. Any other digit string in ASM is the hex of a longer push (e.g. "0000000010").
    private static bool IsAsmNumber(string w)
    {
        var digits = w[0] == '-' ? w.AsSpan(1) : w.AsSpan();
        return (digits.Length == 1 || digits[0] != '0') && digits.Length <= 10
            && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= int.MaxValue;
    }

    private static string Shorten(string word) => word.Length <= 40 ? word : word[..37] + "...";

    private static string? SigHashName(byte type) => type switch
    {
        0x01 => "ALL",
        0x81 => "ALL|ANYONECANPAY",
        0x02 => "NONE",
        0x82 => "NONE|ANYONECANPAY",
        0x03 => "SINGLE",
        0x83 => "SINGLE|ANYONECANPAY",
        _ => null,
    };

    private static bool IsDecimal(string w)
    {
        var start = w[0] == '-' ? 1 : 0;
        if (start == w.Length)
        {
            return false;
        }

        for (var i = start; i < w.Length; i++)
        {
            if (w[i] is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }

    private static Dictionary<string, OpcodeType> BuildByName()
    {
        var map = new Dictionary<string, OpcodeType>(StringComparer.Ordinal);
        foreach (var op in Enum.GetValues<OpcodeType>())
        {
            var name = op switch
            {
                OpcodeType.OP_0 => "OP_0",
                OpcodeType.OP_1NEGATE => "OP_1NEGATE",
                >= OpcodeType.OP_1 and <= OpcodeType.OP_16 => "OP_" + (op - OpcodeType.OP_1 + 1).ToString(CultureInfo.InvariantCulture),
                _ => GetOpName(op),
            };
            if (name == "OP_UNKNOWN")
            {
                continue;
            }

            map[name] = op;

            // Core core_read.cpp: OP_ADD and ADD are both recognised (numbers use decimal syntax).
            if (op >= OpcodeType.OP_NOP || op == OpcodeType.OP_RESERVED)
            {
                map[name[3..]] = op;
            }
        }

        map["OP_FALSE"] = OpcodeType.OP_0;
        map["OP_TRUE"] = OpcodeType.OP_1;
        map["OP_NOP2"] = OpcodeType.OP_CHECKLOCKTIMEVERIFY;
        map["NOP2"] = OpcodeType.OP_CHECKLOCKTIMEVERIFY;
        map["OP_NOP3"] = OpcodeType.OP_CHECKSEQUENCEVERIFY;
        map["NOP3"] = OpcodeType.OP_CHECKSEQUENCEVERIFY;
        return map;
    }
}
