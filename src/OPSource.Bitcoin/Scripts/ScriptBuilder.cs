using System.Buffers.Binary;

namespace OPSource.Bitcoin.Scripts;

/// <summary>
/// Builds scripts the way Core's CScript operator&lt;&lt; does: data pushes use the shortest length
/// prefix, numbers use OP_N where possible and CScriptNum otherwise.
/// </summary>
public sealed class ScriptBuilder
{
    private readonly List<byte> _bytes = [];

    /// <summary>Bytes so far.</summary>
    public int Length => _bytes.Count;

    /// <summary>Appends an opcode.</summary>
    public ScriptBuilder Add(OpcodeType op)
    {
        _bytes.Add((byte)op);
        return this;
    }

    /// <summary>Appends raw bytes (already-encoded script fragment).</summary>
    public ScriptBuilder AddRaw(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            _bytes.Add(b);
        }

        return this;
    }

    /// <summary>
    /// Pushes data with the shortest length prefix (direct, PUSHDATA1/2/4), as Core's
    /// <c>CScript &lt;&lt; std::vector</c>; a single byte 1..16 stays a data push.
    /// </summary>
    public ScriptBuilder Push(ReadOnlySpan<byte> data)
    {
        if (data.Length < (int)OpcodeType.OP_PUSHDATA1)
        {
            _bytes.Add((byte)data.Length);
        }
        else if (data.Length <= 0xff)
        {
            _bytes.Add((byte)OpcodeType.OP_PUSHDATA1);
            _bytes.Add((byte)data.Length);
        }
        else if (data.Length <= 0xffff)
        {
            _bytes.Add((byte)OpcodeType.OP_PUSHDATA2);
            Span<byte> len = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)data.Length);
            AddRaw(len);
        }
        else
        {
            _bytes.Add((byte)OpcodeType.OP_PUSHDATA4);
            Span<byte> len = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)data.Length);
            AddRaw(len);
        }

        return AddRaw(data);
    }

    /// <summary>
    /// The scriptSig of a solved spend (Core sign.cpp PushAll): each stack item pushed minimally, then the P2SH
    /// redeem script when there is one.
    /// </summary>
    public static Script PushAll(IEnumerable<byte[]> items, byte[]? redeemScript)
    {
        ArgumentNullException.ThrowIfNull(items);
        var b = new ScriptBuilder();
        foreach (var item in items)
        {
            b.PushMinimal(item);
        }

        if (redeemScript is not null)
        {
            b.PushMinimal(redeemScript);
        }

        return b.Build();
    }

    /// <summary>
    /// Pushes data the BIP62 minimal way (Core CheckMinimalPush): empty → OP_0, one byte 1..16 →
    /// OP_N, 0x81 → OP_1NEGATE, otherwise <see cref="Push"/>.
    /// </summary>
    public ScriptBuilder PushMinimal(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return Add(OpcodeType.OP_0);
        }

        if (data.Length == 1 && data[0] >= 1 && data[0] <= 16)
        {
            return Add(Script.EncodeOpN(data[0]));
        }

        if (data.Length == 1 && data[0] == 0x81)
        {
            return Add(OpcodeType.OP_1NEGATE);
        }

        return Push(data);
    }

    /// <summary>Core CScript::push_int64: -1 and 0..16 as opcodes, else a CScriptNum push.</summary>
    public ScriptBuilder PushNumber(long value)
    {
        if (value == -1 || (value >= 1 && value <= 16))
        {
            return Add((OpcodeType)(value + ((int)OpcodeType.OP_1 - 1)));
        }

        return value == 0 ? Add(OpcodeType.OP_0) : Push(ScriptNumber.Encode(value));
    }

    /// <summary>The finished script.</summary>
    public Script Build() => Script.FromOwned([.. _bytes]);
}
