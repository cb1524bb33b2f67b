using System.Buffers.Binary;
using OPSource.Bitcoin.Scripts;

namespace OPSource.Bitcoin.Consensus;

/// <summary>
/// Opcode values and span-based script walking used by the interpreter's hot path. The
/// interpreter reads scripts that exist only as stack bytes (P2SH redeem scripts, witness scripts,
/// tapscripts), so it parses spans directly instead of allocating script objects.
/// </summary>
internal static class ScriptOps
{
    public const byte OP_0 = 0x00;
    public const byte OP_PUSHDATA1 = 0x4c;
    public const byte OP_PUSHDATA2 = 0x4d;
    public const byte OP_PUSHDATA4 = 0x4e;
    public const byte OP_1NEGATE = 0x4f;
    public const byte OP_RESERVED = 0x50;
    public const byte OP_1 = 0x51;
    public const byte OP_16 = 0x60;
    public const byte OP_NOP = 0x61;
    public const byte OP_VER = 0x62;
    public const byte OP_IF = 0x63;
    public const byte OP_NOTIF = 0x64;
    public const byte OP_VERIF = 0x65;
    public const byte OP_VERNOTIF = 0x66;
    public const byte OP_ELSE = 0x67;
    public const byte OP_ENDIF = 0x68;
    public const byte OP_VERIFY = 0x69;
    public const byte OP_RETURN = 0x6a;
    public const byte OP_TOALTSTACK = 0x6b;
    public const byte OP_FROMALTSTACK = 0x6c;
    public const byte OP_2DROP = 0x6d;
    public const byte OP_2DUP = 0x6e;
    public const byte OP_3DUP = 0x6f;
    public const byte OP_2OVER = 0x70;
    public const byte OP_2ROT = 0x71;
    public const byte OP_2SWAP = 0x72;
    public const byte OP_IFDUP = 0x73;
    public const byte OP_DEPTH = 0x74;
    public const byte OP_DROP = 0x75;
    public const byte OP_DUP = 0x76;
    public const byte OP_NIP = 0x77;
    public const byte OP_OVER = 0x78;
    public const byte OP_PICK = 0x79;
    public const byte OP_ROLL = 0x7a;
    public const byte OP_ROT = 0x7b;
    public const byte OP_SWAP = 0x7c;
    public const byte OP_TUCK = 0x7d;
    public const byte OP_CAT = 0x7e;
    public const byte OP_SUBSTR = 0x7f;
    public const byte OP_LEFT = 0x80;
    public const byte OP_RIGHT = 0x81;
    public const byte OP_SIZE = 0x82;
    public const byte OP_INVERT = 0x83;
    public const byte OP_AND = 0x84;
    public const byte OP_OR = 0x85;
    public const byte OP_XOR = 0x86;
    public const byte OP_EQUAL = 0x87;
    public const byte OP_EQUALVERIFY = 0x88;
    public const byte OP_RESERVED1 = 0x89;
    public const byte OP_RESERVED2 = 0x8a;
    public const byte OP_1ADD = 0x8b;
    public const byte OP_1SUB = 0x8c;
    public const byte OP_2MUL = 0x8d;
    public const byte OP_2DIV = 0x8e;
    public const byte OP_NEGATE = 0x8f;
    public const byte OP_ABS = 0x90;
    public const byte OP_NOT = 0x91;
    public const byte OP_0NOTEQUAL = 0x92;
    public const byte OP_ADD = 0x93;
    public const byte OP_SUB = 0x94;
    public const byte OP_MUL = 0x95;
    public const byte OP_DIV = 0x96;
    public const byte OP_MOD = 0x97;
    public const byte OP_LSHIFT = 0x98;
    public const byte OP_RSHIFT = 0x99;
    public const byte OP_BOOLAND = 0x9a;
    public const byte OP_BOOLOR = 0x9b;
    public const byte OP_NUMEQUAL = 0x9c;
    public const byte OP_NUMEQUALVERIFY = 0x9d;
    public const byte OP_NUMNOTEQUAL = 0x9e;
    public const byte OP_LESSTHAN = 0x9f;
    public const byte OP_GREATERTHAN = 0xa0;
    public const byte OP_LESSTHANOREQUAL = 0xa1;
    public const byte OP_GREATERTHANOREQUAL = 0xa2;
    public const byte OP_MIN = 0xa3;
    public const byte OP_MAX = 0xa4;
    public const byte OP_WITHIN = 0xa5;
    public const byte OP_RIPEMD160 = 0xa6;
    public const byte OP_SHA1 = 0xa7;
    public const byte OP_SHA256 = 0xa8;
    public const byte OP_HASH160 = 0xa9;
    public const byte OP_HASH256 = 0xaa;
    public const byte OP_CODESEPARATOR = 0xab;
    public const byte OP_CHECKSIG = 0xac;
    public const byte OP_CHECKSIGVERIFY = 0xad;
    public const byte OP_CHECKMULTISIG = 0xae;
    public const byte OP_CHECKMULTISIGVERIFY = 0xaf;
    public const byte OP_NOP1 = 0xb0;
    public const byte OP_CHECKLOCKTIMEVERIFY = 0xb1;
    public const byte OP_CHECKSEQUENCEVERIFY = 0xb2;
    public const byte OP_NOP4 = 0xb3;
    public const byte OP_NOP10 = 0xb9;
    public const byte OP_CHECKSIGADD = 0xba;
    public const int OP_INVALIDOPCODE = 0xff;

    /// <summary>Core script.cpp GetScriptOp (see <see cref="Script.TryGetOp(ReadOnlySpan{byte}, ref int, out OpcodeType, out ReadOnlySpan{byte})"/>).</summary>
    public static bool TryGetOp(ReadOnlySpan<byte> script, ref int pc, out int opcode, out ReadOnlySpan<byte> push)
    {
        var ok = Script.TryGetOp(script, ref pc, out var op, out push);
        opcode = (int)op;
        return ok;
    }

    /// <summary>BIP16: OP_HASH160 &lt;20 bytes&gt; OP_EQUAL, exactly 23 bytes.</summary>
    public static bool IsPayToScriptHash(ReadOnlySpan<byte> script) =>
        script.Length == 23 && script[0] == OP_HASH160 && script[1] == 0x14 && script[22] == OP_EQUAL;

    /// <summary>BIP342: the OP_SUCCESSx opcodes that make a tapscript succeed unconditionally.</summary>
    public static bool IsOpSuccess(int opcode) =>
        opcode == 80 || opcode == 98 || (opcode >= 126 && opcode <= 129) || (opcode >= 131 && opcode <= 134) ||
        (opcode >= 137 && opcode <= 138) || (opcode >= 141 && opcode <= 142) || (opcode >= 149 && opcode <= 153) ||
        (opcode >= 187 && opcode <= 254);

    /// <summary>Length of <see cref="WritePush"/>'s output (Core CScript::operator&lt;&lt; for a byte vector).</summary>
    public static int PushLength(int dataLength) => dataLength switch
    {
        < OP_PUSHDATA1 => 1 + dataLength,
        <= 0xff => 2 + dataLength,
        <= 0xffff => 3 + dataLength,
        _ => 5 + dataLength,
    };

    /// <summary>Serialises a data push the way Core's CScript builder does (no OP_n substitution).</summary>
    public static int WritePush(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        int n;
        if (data.Length < OP_PUSHDATA1)
        {
            destination[0] = (byte)data.Length;
            n = 1;
        }
        else if (data.Length <= 0xff)
        {
            destination[0] = OP_PUSHDATA1;
            destination[1] = (byte)data.Length;
            n = 2;
        }
        else if (data.Length <= 0xffff)
        {
            destination[0] = OP_PUSHDATA2;
            BinaryPrimitives.WriteUInt16LittleEndian(destination[1..], (ushort)data.Length);
            n = 3;
        }
        else
        {
            destination[0] = OP_PUSHDATA4;
            BinaryPrimitives.WriteUInt32LittleEndian(destination[1..], (uint)data.Length);
            n = 5;
        }

        data.CopyTo(destination[n..]);
        return n + data.Length;
    }

    /// <summary>
    /// Removes every occurrence of the serialised push of <paramref name="signature"/> that starts at
    /// an opcode boundary. // Core interpreter.cpp FindAndDelete (legacy CHECKSIG/CHECKMULTISIG only).
    /// Returns the number removed; <paramref name="result"/> is the input itself when nothing matched.
    /// </summary>
    public static int FindAndDelete(ReadOnlyMemory<byte> script, ReadOnlySpan<byte> signature, out ReadOnlyMemory<byte> result)
    {
        result = script;
        Span<byte> pattern = stackalloc byte[PushLength(signature.Length)];
        WritePush(signature, pattern);
        if (script.Span.IndexOf(pattern) < 0)
        {
            return 0;
        }

        var found = Script.FindAndDelete(script.Span, pattern, out var deleted);
        if (found > 0)
        {
            result = deleted;
        }

        return found;
    }
}
