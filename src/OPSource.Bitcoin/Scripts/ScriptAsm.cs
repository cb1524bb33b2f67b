using System.Globalization;
using OPSource.Bitcoin.Encoding;

namespace OPSource.Bitcoin.Scripts;

/// <summary>Script text forms: Core's ScriptToAsmStr output and its ParseScript input syntax.</summary>
public static class ScriptAsm
{
    private static readonly string?[] Names = BuildNames();

    // Core GetOpName, derived from OpcodeType (the one opcode table): small numbers print as
    // decimals, every other defined opcode by its name, undefined bytes stay null (OP_UNKNOWN).
    private static string?[] BuildNames()
    {
        var names = new string?[256];
        foreach (var op in Enum.GetValues<OpcodeType>())
        {
            names[(byte)op] = op switch
            {
                OpcodeType.OP_0 => "0",
                OpcodeType.OP_1NEGATE => "-1",
                >= OpcodeType.OP_1 and <= OpcodeType.OP_16 => Script.DecodeOpN(op).ToString(CultureInfo.InvariantCulture),
                // OP_NOP2/OP_NOP3 are aliases; Core prints the BIP65/BIP112 names.
                OpcodeType.OP_CHECKLOCKTIMEVERIFY => nameof(OpcodeType.OP_CHECKLOCKTIMEVERIFY),
                OpcodeType.OP_CHECKSEQUENCEVERIFY => nameof(OpcodeType.OP_CHECKSEQUENCEVERIFY),
                _ => op.ToString(),
            };
        }

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
    public static bool TryParse(string? text, out Script script, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ScriptParseError? error) =>
        TryParseWords(text, asm: false, out script, out error);

    /// <summary>Parses or throws <see cref="BitcoinFormatException"/>.</summary>
    public static Script Parse(string text) =>
        TryParse(text, out var script, out var error) ? script : throw error.ToException();

    /// <summary>
    /// Parses the ASM that <see cref="ToAsm"/> and Core's decodescript print (ScriptToAsmStr), plus
    /// everything <see cref="TryParse"/> accepts: decimal numbers become minimal number pushes (so
    /// <c>0</c>, <c>-1</c> and <c>1</c>..<c>16</c> are OP_0, OP_1NEGATE and OP_1..OP_16), bare hex
    /// words are data pushes, a <c>[ALL]</c>-style suffix appends its sighash byte to the push, and
    /// opcodes are named as Core names them. <c>[error]</c> (a truncated push) and <c>OP_UNKNOWN</c> have
    /// no encoding and are refused. ASM is lossy (non-minimal pushes print like minimal ones), so
    /// hex → ASM → hex can differ while ASM → script → ASM is the identity.
    /// </summary>
    public static bool TryParseAsm(string? text, out Script script, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ScriptParseError? error) =>
        TryParseWords(text, asm: true, out script, out error);

    private static bool TryParseWords(string? text, bool asm, out Script script, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ScriptParseError? error)
    {
        script = Script.Empty;
        if (text is null)
        {
            error = new ScriptParseError(ScriptParseErrorKind.Empty, "script: input is null");
            return false;
        }

        var builder = new ScriptBuilder();
        var next = 0;
        while (NextWord(text, ref next, out var w, out var at))
        {
            if (IsDecimal(w) && (!asm || IsAsmNumber(w)))
            {
                // Core core_read.cpp: decimal values only in -0xFFFFFFFF..0xFFFFFFFF.
                if (!long.TryParse(w, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) || n > 0xffffffffL || n < -0xffffffffL)
                {
                    error = new ScriptParseError(ScriptParseErrorKind.NumberOutOfRange, $"script: decimal value '{Shorten(w)}' outside -0xFFFFFFFF..0xFFFFFFFF", at);
                    return false;
                }

                builder.PushNumber(n);
            }
            else if (w.Length > 2 && w.StartsWith("0x", StringComparison.Ordinal))
            {
                if (!Hex.TryParse(w[2..], out var raw, out _))
                {
                    error = new ScriptParseError(ScriptParseErrorKind.InvalidHex, $"script: bad hex literal '{Shorten(w)}'", at);
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
                if (!TryParseAsmPush(w, at, out var data, out var pushError))
                {
                    error = pushError ?? new ScriptParseError(ScriptParseErrorKind.UnknownWord, $"script: unknown word '{Shorten(w)}'", at);
                    return false;
                }

                builder.Push(data);
            }
            else
            {
                error = new ScriptParseError(ScriptParseErrorKind.UnknownWord, $"script: unknown word '{Shorten(w)}'", at);
                return false;
            }
        }

        script = builder.Build();
        error = null;
        return true;
    }

    // ScriptToAsmStr's data push: hex, optionally followed by the decoded sighash type of a signature.
    private static bool TryParseAsmPush(string word, int at, out byte[] data, out ScriptParseError? error)
    {
        data = [];
        error = null;
        if (word == "[error]")
        {
            error = new ScriptParseError(ScriptParseErrorKind.TruncatedPush, "script: '[error]' marks a truncated push and has no encoding", at);
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
                error = new ScriptParseError(ScriptParseErrorKind.UnknownSighash, $"script: unknown sighash suffix in '{Shorten(word)}'", at);
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

    // The next word separated by space, tab, CR or LF, and the index where it starts.
    private static bool NextWord(string text, ref int next, out string word, out int at)
    {
        while (next < text.Length && text[next] is (' ' or '\t' or '\n' or '\r'))
        {
            next++;
        }

        at = next;
        while (next < text.Length && text[next] is not (' ' or '\t' or '\n' or '\r'))
        {
            next++;
        }

        word = text[at..next];
        return next > at;
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
