using System.Globalization;
using OPSource.Bitcoin.Consensus;

namespace OPSource.Bitcoin.Tests.Consensus;

/// <summary>
/// Parses the script notation of Core's script_tests.json (Core core_read.cpp ParseScript): decimal
/// numbers become minimal number pushes, 0x.. is raw bytes, '..' is a string push, and opcode
/// names are accepted with or without the OP_ prefix.
/// </summary>
internal static class CoreScriptAsm
{
    private static readonly Dictionary<string, byte> OpNames = BuildNames();

    public static byte[] Parse(string text)
    {
        var result = new List<byte>();
        foreach (var word in text.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (IsNumber(word))
            {
                var value = long.Parse(word, CultureInfo.InvariantCulture);
                if (value == -1 || (value >= 1 && value <= 16))
                {
                    result.Add((byte)(value + 0x50));
                }
                else if (value == 0)
                {
                    result.Add(0);
                }
                else
                {
                    AddPush(result, new ScriptNum(value).Encode());
                }
            }
            else if (word.StartsWith("0x", StringComparison.Ordinal) && word.Length > 2 && IsHex(word[2..]))
            {
                result.AddRange(Convert.FromHexString(word[2..]));
            }
            else if (word.Length >= 2 && word[0] == '\'' && word[^1] == '\'')
            {
                AddPush(result, System.Text.Encoding.ASCII.GetBytes(word[1..^1]));
            }
            else if (OpNames.TryGetValue(word, out var op))
            {
                result.Add(op);
            }
            else
            {
                throw new FormatException($"script asm: unknown token '{word}'");
            }
        }

        return [.. result];
    }

    public static void AddPush(List<byte> script, ReadOnlySpan<byte> data)
    {
        if (data.Length < 0x4c)
        {
            script.Add((byte)data.Length);
        }
        else if (data.Length <= 0xff)
        {
            script.Add(0x4c);
            script.Add((byte)data.Length);
        }
        else if (data.Length <= 0xffff)
        {
            script.Add(0x4d);
            script.Add((byte)data.Length);
            script.Add((byte)(data.Length >> 8));
        }
        else
        {
            script.Add(0x4e);
            script.AddRange(BitConverter.GetBytes((uint)data.Length));
        }

        script.AddRange(data.ToArray());
    }

    private static bool IsNumber(string word)
    {
        var digits = word.StartsWith('-') ? word[1..] : word;
        return digits.Length > 0 && digits.All(char.IsAsciiDigit);
    }

    private static bool IsHex(string s) => s.Length % 2 == 0 && s.All(char.IsAsciiHexDigit);

    private static Dictionary<string, byte> BuildNames()
    {
        // Core GetOpName spellings for every opcode that has a name (pushes 1..75 and PUSHDATA excluded).
        var names = new (string Name, byte Op)[]
        {
            ("0", 0x00), ("FALSE", 0x00), ("PUSHDATA1", 0x4c), ("PUSHDATA2", 0x4d), ("PUSHDATA4", 0x4e), ("1NEGATE", 0x4f), ("RESERVED", 0x50),
            ("TRUE", 0x51), ("NOP", 0x61), ("VER", 0x62), ("IF", 0x63), ("NOTIF", 0x64), ("VERIF", 0x65), ("VERNOTIF", 0x66),
            ("ELSE", 0x67), ("ENDIF", 0x68), ("VERIFY", 0x69), ("RETURN", 0x6a), ("TOALTSTACK", 0x6b), ("FROMALTSTACK", 0x6c),
            ("2DROP", 0x6d), ("2DUP", 0x6e), ("3DUP", 0x6f), ("2OVER", 0x70), ("2ROT", 0x71), ("2SWAP", 0x72), ("IFDUP", 0x73),
            ("DEPTH", 0x74), ("DROP", 0x75), ("DUP", 0x76), ("NIP", 0x77), ("OVER", 0x78), ("PICK", 0x79), ("ROLL", 0x7a),
            ("ROT", 0x7b), ("SWAP", 0x7c), ("TUCK", 0x7d), ("CAT", 0x7e), ("SUBSTR", 0x7f), ("LEFT", 0x80), ("RIGHT", 0x81),
            ("SIZE", 0x82), ("INVERT", 0x83), ("AND", 0x84), ("OR", 0x85), ("XOR", 0x86), ("EQUAL", 0x87), ("EQUALVERIFY", 0x88),
            ("RESERVED1", 0x89), ("RESERVED2", 0x8a), ("1ADD", 0x8b), ("1SUB", 0x8c), ("2MUL", 0x8d), ("2DIV", 0x8e),
            ("NEGATE", 0x8f), ("ABS", 0x90), ("NOT", 0x91), ("0NOTEQUAL", 0x92), ("ADD", 0x93), ("SUB", 0x94), ("MUL", 0x95),
            ("DIV", 0x96), ("MOD", 0x97), ("LSHIFT", 0x98), ("RSHIFT", 0x99), ("BOOLAND", 0x9a), ("BOOLOR", 0x9b),
            ("NUMEQUAL", 0x9c), ("NUMEQUALVERIFY", 0x9d), ("NUMNOTEQUAL", 0x9e), ("LESSTHAN", 0x9f), ("GREATERTHAN", 0xa0),
            ("LESSTHANOREQUAL", 0xa1), ("GREATERTHANOREQUAL", 0xa2), ("MIN", 0xa3), ("MAX", 0xa4), ("WITHIN", 0xa5),
            ("RIPEMD160", 0xa6), ("SHA1", 0xa7), ("SHA256", 0xa8), ("HASH160", 0xa9), ("HASH256", 0xaa), ("CODESEPARATOR", 0xab),
            ("CHECKSIG", 0xac), ("CHECKSIGVERIFY", 0xad), ("CHECKMULTISIG", 0xae), ("CHECKMULTISIGVERIFY", 0xaf),
            ("NOP1", 0xb0), ("CHECKLOCKTIMEVERIFY", 0xb1), ("NOP2", 0xb1), ("CHECKSEQUENCEVERIFY", 0xb2), ("NOP3", 0xb2),
            ("NOP4", 0xb3), ("NOP5", 0xb4), ("NOP6", 0xb5), ("NOP7", 0xb6), ("NOP8", 0xb7), ("NOP9", 0xb8), ("NOP10", 0xb9),
            ("CHECKSIGADD", 0xba), ("INVALIDOPCODE", 0xff),
        };
        var map = new Dictionary<string, byte>(StringComparer.Ordinal);
        foreach (var (name, op) in names)
        {
            map[name] = op;
            map["OP_" + name] = op;
        }

        for (var n = 2; n <= 16; n++)
        {
            map["OP_" + n.ToString(CultureInfo.InvariantCulture)] = (byte)(0x50 + n);
        }

        map["OP_1"] = 0x51;
        return map;
    }
}
