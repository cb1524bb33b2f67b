using System.Buffers.Binary;
using OPSource.Bitcoin.Scripts;
using static OPSource.Bitcoin.Scripts.OpcodeType;

namespace OPSource.Bitcoin.Consensus;

/// <summary>
/// Span-based script helpers used by the interpreter's hot path (opcode values are
/// <see cref="OpcodeType"/>, the one opcode table). The interpreter reads scripts that exist only as
/// stack bytes (P2SH redeem scripts, witness scripts, tapscripts), so it parses spans directly
/// instead of allocating script objects.
/// </summary>
internal static class ScriptOps
{
    /// <summary>BIP16: OP_HASH160 &lt;20 bytes&gt; OP_EQUAL, exactly 23 bytes.</summary>
    public static bool IsPayToScriptHash(ReadOnlySpan<byte> script) =>
        script.Length == 23 && script[0] == (byte)OP_HASH160 && script[1] == 0x14 && script[22] == (byte)OP_EQUAL;

    /// <summary>BIP342: the OP_SUCCESSx opcodes that make a tapscript succeed unconditionally.</summary>
    public static bool IsOpSuccess(OpcodeType opcode) => (int)opcode is 80 or 98 or (>= 126 and <= 129) or (>= 131 and <= 134)
        or (>= 137 and <= 138) or (>= 141 and <= 142) or (>= 149 and <= 153) or (>= 187 and <= 254);

    /// <summary>Length of <see cref="WritePush"/>'s output (Core CScript::operator&lt;&lt; for a byte vector).</summary>
    public static int PushLength(int dataLength) => dataLength switch
    {
        < (int)OP_PUSHDATA1 => 1 + dataLength,
        <= 0xff => 2 + dataLength,
        <= 0xffff => 3 + dataLength,
        _ => 5 + dataLength,
    };

    /// <summary>Serialises a data push the way Core's CScript builder does (no OP_n substitution).</summary>
    public static int WritePush(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        int n;
        if (data.Length < (int)OP_PUSHDATA1)
        {
            destination[0] = (byte)data.Length;
            n = 1;
        }
        else if (data.Length <= 0xff)
        {
            destination[0] = (byte)OP_PUSHDATA1;
            destination[1] = (byte)data.Length;
            n = 2;
        }
        else if (data.Length <= 0xffff)
        {
            destination[0] = (byte)OP_PUSHDATA2;
            BinaryPrimitives.WriteUInt16LittleEndian(destination[1..], (ushort)data.Length);
            n = 3;
        }
        else
        {
            destination[0] = (byte)OP_PUSHDATA4;
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
