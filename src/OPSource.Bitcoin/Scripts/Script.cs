using System.Buffers.Binary;
using OPSource.Bitcoin.Encoding;

namespace OPSource.Bitcoin.Scripts;

/// <summary>
/// An immutable Bitcoin script (Core's CScript): raw bytes that may be malformed; parsing is lazy
/// and follows Core's GetScriptOp exactly.
/// </summary>
public sealed class Script : IEquatable<Script>, IConsensusEncodable<Script>
{
    private readonly byte[] _bytes;

    /// <summary>Creates a script from a copy of <paramref name="bytes"/>.</summary>
    public Script(ReadOnlySpan<byte> bytes) => _bytes = bytes.ToArray();

    private Script(byte[] owned, bool _) => _bytes = owned;

    /// <summary>The empty script.</summary>
    public static Script Empty { get; } = new([], true);

    /// <summary>The script bytes.</summary>
    public ReadOnlySpan<byte> Span => _bytes;

    /// <summary>The script bytes as memory (for storing without copying).</summary>
    public ReadOnlyMemory<byte> Memory => _bytes;

    /// <summary>Length in bytes.</summary>
    public int Length => _bytes.Length;

    /// <summary>True when the script has no bytes.</summary>
    public bool IsEmpty => _bytes.Length == 0;

    /// <summary>A copy of the bytes.</summary>
    public byte[] ToBytes() => (byte[])_bytes.Clone();

    /// <summary>Lowercase hex of the bytes.</summary>
    public string ToHex() => Hex.Encode(_bytes);

    /// <summary>Wraps an array the caller will never modify again.</summary>
    internal static Script FromOwned(byte[] bytes) => bytes.Length == 0 ? Empty : new Script(bytes, true);

    /// <summary>Serialized size inside a transaction: CompactSize length plus the bytes.</summary>
    public int SerializedSize => CompactSize.GetSize((ulong)_bytes.Length) + _bytes.Length;

    /// <summary>Core CScript serialization: a CompactSize length, then the bytes.</summary>
    public void WriteTo(BitcoinWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteVarBytes(_bytes);
    }

    /// <summary>Reads a length-prefixed script (any bytes; malformed scripts are kept as Core keeps them).</summary>
    public static bool TryRead(ref BitcoinReader reader, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Script? value)
    {
        if (reader.TryReadVarBytes(out var bytes))
        {
            value = FromOwned(bytes.ToArray());
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>Parses hex (the raw bytes, not ASM).</summary>
    public static Script FromHex(string hex) => FromOwned(Hex.Parse(hex));

    /// <summary>Parses hex; false on bad hex.</summary>
    public static bool TryFromHex(string? hex, out Script script)
    {
        if (Hex.TryParse(hex, out var bytes, out _))
        {
            script = FromOwned(bytes);
            return true;
        }

        script = Empty;
        return false;
    }

    /// <summary>Parses the script_tests.json source syntax (see <see cref="ScriptAsm.Parse"/>).</summary>
    public static Script FromAsm(string asm) => ScriptAsm.Parse(asm);

    /// <summary>Core's ScriptToAsmStr form.</summary>
    public override string ToString() => ScriptAsm.ToAsm(this);

    /// <summary>
    /// Reads the operation at <paramref name="pc"/> exactly as Core's GetScriptOp: on a truncated
    /// push it returns false with <paramref name="op"/> = OP_INVALIDOPCODE and <paramref name="pc"/>
    /// advanced past whatever was consumed (opcode and length bytes).
    /// </summary>
    public bool TryGetOp(scoped ref int pc, out OpcodeType op, out ReadOnlySpan<byte> push) => TryGetOp(_bytes, ref pc, out op, out push);

    /// <summary>Core's GetScriptOp over any span.</summary>
    public static bool TryGetOp(ReadOnlySpan<byte> script, scoped ref int pc, out OpcodeType op, out ReadOnlySpan<byte> push)
    {
        op = OpcodeType.OP_INVALIDOPCODE;
        push = default;
        if (pc < 0 || pc >= script.Length)
        {
            return false;
        }

        int opcode = script[pc++];
        if (opcode <= (int)OpcodeType.OP_PUSHDATA4)
        {
            long size;
            if (opcode < (int)OpcodeType.OP_PUSHDATA1)
            {
                size = opcode;
            }
            else if (opcode == (int)OpcodeType.OP_PUSHDATA1)
            {
                if (script.Length - pc < 1)
                {
                    return false;
                }

                size = script[pc++];
            }
            else if (opcode == (int)OpcodeType.OP_PUSHDATA2)
            {
                if (script.Length - pc < 2)
                {
                    return false;
                }

                size = BinaryPrimitives.ReadUInt16LittleEndian(script[pc..]);
                pc += 2;
            }
            else
            {
                if (script.Length - pc < 4)
                {
                    return false;
                }

                size = BinaryPrimitives.ReadUInt32LittleEndian(script[pc..]);
                pc += 4;
            }

            if (script.Length - pc < size)
            {
                return false;
            }

            push = script.Slice(pc, (int)size);
            pc += (int)size;
        }

        op = (OpcodeType)opcode;
        return true;
    }

    /// <summary>An operation reader positioned at the start.</summary>
    public ScriptReader GetReader() => new(_bytes);

    /// <summary>Core CScript::IsPushOnly: every op parses and is at most OP_16.</summary>
    public bool IsPushOnly() => IsPushOnly(0);

    /// <summary>IsPushOnly from byte offset <paramref name="start"/>.</summary>
    public bool IsPushOnly(int start) => IsPushOnly(_bytes.AsSpan(start));

    /// <summary>Core CScript::IsPushOnly over raw bytes (the interpreter's scriptSig check, no Script allocated).</summary>
    public static bool IsPushOnly(ReadOnlySpan<byte> script)
    {
        var pc = 0;
        while (pc < script.Length)
        {
            if (!TryGetOp(script, ref pc, out var op, out _))
            {
                return false;
            }

            // Core script.cpp: OP_RESERVED counts as push-only (it is below OP_16).
            if (op > OpcodeType.OP_16)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Core CScript::GetSigOpCount: CHECKSIG(VERIFY) count 1; CHECKMULTISIG(VERIFY) count the
    /// preceding OP_N when <paramref name="accurate"/>, else 20. Stops at the first bad op.
    /// </summary>
    public int GetSigOpCount(bool accurate)
    {
        var n = 0;
        var pc = 0;
        var last = OpcodeType.OP_INVALIDOPCODE;
        while (pc < _bytes.Length)
        {
            if (!TryGetOp(ref pc, out var op, out _))
            {
                break;
            }

            if (op is OpcodeType.OP_CHECKSIG or OpcodeType.OP_CHECKSIGVERIFY)
            {
                n++;
            }
            else if (op is OpcodeType.OP_CHECKMULTISIG or OpcodeType.OP_CHECKMULTISIGVERIFY)
            {
                n += accurate && last >= OpcodeType.OP_1 && last <= OpcodeType.OP_16 ? DecodeOpN(last) : ConsensusLimits.MaxPubKeysPerMultisig;
            }

            last = op;
        }

        return n;
    }

    /// <summary>
    /// Core CScript::GetSigOpCount(scriptSig): for P2SH, the accurate count of the redeem script
    /// (the last push of <paramref name="scriptSig"/>); otherwise this script's accurate count.
    /// </summary>
    public int GetSigOpCount(Script scriptSig)
    {
        ArgumentNullException.ThrowIfNull(scriptSig);
        if (!IsPayToScriptHash)
        {
            return GetSigOpCount(true);
        }

        var pc = 0;
        ReadOnlySpan<byte> data = default;
        while (pc < scriptSig.Length)
        {
            if (!scriptSig.TryGetOp(ref pc, out var op, out var push))
            {
                return 0;
            }

            if (op > OpcodeType.OP_16)
            {
                return 0;
            }

            data = push;
        }

        return new Script(data).GetSigOpCount(true);
    }

    /// <summary>Core IsPayToScriptHash: OP_HASH160 &lt;20 bytes&gt; OP_EQUAL (BIP16).</summary>
    public bool IsPayToScriptHash =>
        _bytes.Length == 23 && _bytes[0] == (byte)OpcodeType.OP_HASH160 && _bytes[1] == 0x14 && _bytes[22] == (byte)OpcodeType.OP_EQUAL;

    /// <summary>Core IsPayToWitnessScriptHash: OP_0 &lt;32 bytes&gt; (BIP141).</summary>
    public bool IsPayToWitnessScriptHash => _bytes.Length == 34 && _bytes[0] == 0 && _bytes[1] == 0x20;

    /// <summary>Core IsPayToAnchor: OP_1 &lt;0x4e73&gt; (pay-to-anchor).</summary>
    public bool IsPayToAnchor => _bytes.Length == 4 && _bytes[0] == (byte)OpcodeType.OP_1 && _bytes[1] == 0x02 && _bytes[2] == 0x4e && _bytes[3] == 0x73;

    /// <summary>
    /// Core IsWitnessProgram (BIP141): a version opcode (OP_0, OP_1..OP_16) followed by one direct
    /// push of 2..40 bytes, and nothing else.
    /// </summary>
    public bool IsWitnessProgram(out int version, out ReadOnlySpan<byte> program) => IsWitnessProgram(_bytes, out version, out program);

    /// <summary>Core IsWitnessProgram over raw bytes (the interpreter's check, no Script allocated).</summary>
    public static bool IsWitnessProgram(ReadOnlySpan<byte> script, out int version, out ReadOnlySpan<byte> program)
    {
        version = -1;
        program = default;
        if (script.Length < 4 || script.Length > 42)
        {
            return false;
        }

        if (script[0] != 0 && (script[0] < (byte)OpcodeType.OP_1 || script[0] > (byte)OpcodeType.OP_16))
        {
            return false;
        }

        if (script[1] + 2 != script.Length)
        {
            return false;
        }

        version = DecodeOpN((OpcodeType)script[0]);
        program = script[2..];
        return true;
    }

    /// <summary>True if this is any witness program.</summary>
    public bool IsWitnessProgram() => IsWitnessProgram(out _, out _);

    /// <summary>Core IsUnspendable: starts with OP_RETURN or is larger than MAX_SCRIPT_SIZE.</summary>
    public bool IsUnspendable => (_bytes.Length > 0 && _bytes[0] == (byte)OpcodeType.OP_RETURN) || _bytes.Length > ConsensusLimits.MaxScriptSize;

    /// <summary>Core HasValidOps: every op parses, is at most OP_NOP10 and pushes at most 520 bytes.</summary>
    public bool HasValidOps()
    {
        var pc = 0;
        while (pc < _bytes.Length)
        {
            if (!TryGetOp(ref pc, out var op, out var push) || op > OpcodeType.OP_NOP10 || push.Length > ConsensusLimits.MaxScriptElementSize)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Core FindAndDelete: removes every occurrence of <paramref name="pattern"/> that starts at an
    /// op boundary (repeatedly at the same boundary), used by legacy sighash for signatures.
    /// </summary>
    public Script FindAndDelete(Script pattern, out int found)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        found = FindAndDelete(_bytes, pattern.Span, out var result);
        return found == 0 ? this : FromOwned(result!);
    }

    /// <summary>FindAndDelete over spans; <paramref name="result"/> is null when nothing was found.</summary>
    public static int FindAndDelete(ReadOnlySpan<byte> script, ReadOnlySpan<byte> pattern, out byte[]? result)
    {
        result = null;
        if (pattern.IsEmpty)
        {
            return 0;
        }

        var found = 0;
        var output = new List<byte>(script.Length);
        int pc = 0, pc2 = 0;
        do
        {
            for (var i = pc2; i < pc; i++)
            {
                output.Add(script[i]);
            }

            while (script.Length - pc >= pattern.Length && script.Slice(pc, pattern.Length).SequenceEqual(pattern))
            {
                pc += pattern.Length;
                found++;
            }

            pc2 = pc;
        }
        while (TryGetOp(script, ref pc, out _, out _));

        if (found > 0)
        {
            for (var i = pc2; i < script.Length; i++)
            {
                output.Add(script[i]);
            }

            result = [.. output];
        }

        return found;
    }

    /// <summary>Core DecodeOP_N: OP_0 → 0, OP_1..OP_16 → 1..16.</summary>
    public static int DecodeOpN(OpcodeType op)
    {
        if (op == OpcodeType.OP_0)
        {
            return 0;
        }

        if (op < OpcodeType.OP_1 || op > OpcodeType.OP_16)
        {
            throw new ArgumentOutOfRangeException(nameof(op), "script: not a small-integer opcode");
        }

        return op - OpcodeType.OP_1 + 1;
    }

    /// <summary>Core EncodeOP_N: 0 → OP_0, 1..16 → OP_1..OP_16.</summary>
    public static OpcodeType EncodeOpN(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, 16);
        return n == 0 ? OpcodeType.OP_0 : (OpcodeType)((int)OpcodeType.OP_1 + n - 1);
    }

    /// <inheritdoc/>
    public bool Equals(Script? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Script);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    public static bool operator ==(Script? left, Script? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Script? left, Script? right) => !(left == right);
}

/// <summary>Walks a script op by op with Core's GetScriptOp semantics.</summary>
public ref struct ScriptReader
{
    private readonly ReadOnlySpan<byte> _script;
    private int _pc;

    /// <summary>Starts at offset 0.</summary>
    public ScriptReader(ReadOnlySpan<byte> script)
    {
        _script = script;
        _pc = 0;
    }

    /// <summary>Offset of the next op.</summary>
    public readonly int Position => _pc;

    /// <summary>True when all bytes were consumed.</summary>
    public readonly bool IsAtEnd => _pc >= _script.Length;

    /// <summary>Reads the next op; false at the end or on a malformed push.</summary>
    public bool TryReadNext(out OpcodeType op, out ReadOnlySpan<byte> push) => Script.TryGetOp(_script, ref _pc, out op, out push);
}
