namespace OPSource.Bitcoin.Scripts;

/// <summary>
/// A script number as Core's CScriptNum (script/script.h): little-endian sign-magnitude bytes with
/// the sign in the top bit of the last byte. Operands read from the stack are at most 4 bytes
/// (5 for CHECKLOCKTIMEVERIFY/CHECKSEQUENCEVERIFY), but arithmetic results may reach 5 bytes and
/// are pushed back in full. The one implementation shared by script building, ASM and the interpreter.
/// </summary>
public readonly record struct ScriptNumber
{
    /// <summary>Default maximum encoded size of a numeric operand. // Core script.h: nDefaultMaxNumSize = 4</summary>
    public const int DefaultMaxSize = 4;

    /// <summary>Operand size allowed for lock times. // BIP65/BIP112: 5-byte numbers for CLTV/CSV.</summary>
    public const int LockTimeMaxSize = 5;

    /// <summary>Creates a number from its value.</summary>
    public ScriptNumber(long value) => Value = value;

    /// <summary>The numeric value (64-bit, as Core keeps it).</summary>
    public long Value { get; }

    /// <summary>
    /// Decodes stack bytes like CScriptNum(vch, fRequireMinimal, nMaxNumSize). Fails where Core throws
    /// scriptnum_error: longer than <paramref name="maxSize"/> (or 8 bytes), or, with
    /// <paramref name="requireMinimal"/>, not minimally encoded (BIP62 rule 4).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, bool requireMinimal, int maxSize, out long value)
    {
        value = 0;
        if (data.Length > maxSize || data.Length > 8)
        {
            return false;
        }

        if (requireMinimal && !IsMinimallyEncoded(data))
        {
            return false;
        }

        value = DecodeUnchecked(data);
        return true;
    }

    /// <summary>CScriptNum::set_vch: decodes up to 8 bytes without size or minimality checks.</summary>
    public static long DecodeUnchecked(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return 0;
        }

        ulong result = 0;
        var length = Math.Min(data.Length, 8);
        for (var i = 0; i < length; i++)
        {
            result |= (ulong)data[i] << (8 * i);
        }

        // Core script.h set_vch: the top bit of the last byte is the sign.
        if ((data[^1] & 0x80) != 0)
        {
            var signBit = 0x80UL << (8 * (length - 1));
            return -unchecked((long)(result & ~signBit));
        }

        return unchecked((long)result);
    }

    /// <summary>
    /// True when no shorter encoding of the same value exists. // Core script.h CScriptNum:
    /// the last byte may only be 0x00/0x80 when the byte before it needs its top bit.
    /// </summary>
    public static bool IsMinimallyEncoded(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return true;
        }

        if ((data[^1] & 0x7f) == 0)
        {
            return data.Length > 1 && (data[^2] & 0x80) != 0;
        }

        return true;
    }

    /// <summary>Encodes <paramref name="value"/> as CScriptNum::serialize does (0 is empty).</summary>
    public static byte[] Encode(long value) => new ScriptNumber(value).Encode();

    /// <summary>The value clamped to <see cref="int"/>, as Core's getint() does.</summary>
    public int ToInt32Clamped() => Value > int.MaxValue ? int.MaxValue : Value < int.MinValue ? int.MinValue : (int)Value;

    /// <summary>Number of bytes <see cref="Encode(Span{byte})"/> writes.</summary>
    public int EncodedLength
    {
        get
        {
            Span<byte> buffer = stackalloc byte[9];
            return Encode(buffer);
        }
    }

    /// <summary>Writes the minimal encoding (Core's CScriptNum::serialize) and returns its length (at most 9).</summary>
    public int Encode(Span<byte> destination)
    {
        if (Value == 0)
        {
            return 0;
        }

        var negative = Value < 0;
        var abs = negative ? (ulong)(-(Value + 1)) + 1 : (ulong)Value;
        var n = 0;
        while (abs != 0)
        {
            destination[n++] = (byte)(abs & 0xff);
            abs >>= 8;
        }

        // Core: if the top bit is set, add a byte for the sign; otherwise set it in the last byte.
        if ((destination[n - 1] & 0x80) != 0)
        {
            destination[n++] = negative ? (byte)0x80 : (byte)0;
        }
        else if (negative)
        {
            destination[n - 1] |= 0x80;
        }

        return n;
    }

    /// <summary>The minimal encoding as a new array.</summary>
    public byte[] Encode()
    {
        Span<byte> buffer = stackalloc byte[9];
        return buffer[..Encode(buffer)].ToArray();
    }
}
