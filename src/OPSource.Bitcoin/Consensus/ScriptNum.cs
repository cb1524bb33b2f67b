namespace OPSource.Bitcoin.Consensus;

/// <summary>
/// A script number as Core's CScriptNum (script/script.h): little-endian sign-magnitude bytes,
/// at most 4 bytes when read from the stack (5 for CHECKLOCKTIMEVERIFY/CHECKSEQUENCEVERIFY), but
/// arithmetic results may reach 5 bytes and are pushed back in full.
/// </summary>
public readonly record struct ScriptNum
{
    /// <summary>Default maximum encoded size of a numeric operand. // Core script.h: nDefaultMaxNumSize = 4</summary>
    public const int DefaultMaxSize = 4;

    /// <summary>Operand size allowed for lock times. // BIP65/BIP112: 5-byte numbers for CLTV/CSV.</summary>
    public const int LockTimeMaxSize = 5;

    /// <summary>Creates a number from its value.</summary>
    public ScriptNum(long value) => Value = value;

    /// <summary>The numeric value (64-bit, as Core keeps it).</summary>
    public long Value { get; }

    /// <summary>
    /// Decodes stack bytes. Fails when longer than <paramref name="maxSize"/> ("script number overflow")
    /// or, with <paramref name="requireMinimal"/>, not minimally encoded (BIP62 rule 4).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, bool requireMinimal, int maxSize, out ScriptNum number)
    {
        number = default;
        if (bytes.Length > maxSize)
        {
            return false;
        }

        if (requireMinimal && !IsMinimallyEncoded(bytes))
        {
            return false;
        }

        if (bytes.Length == 0)
        {
            return true;
        }

        long result = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            result |= (long)bytes[i] << (8 * i);
        }

        // Core script.h set_vch: the top bit of the last byte is the sign.
        if ((bytes[^1] & 0x80) != 0)
        {
            result = -(result & ~(0x80L << (8 * (bytes.Length - 1))));
        }

        number = new ScriptNum(result);
        return true;
    }

    /// <summary>
    /// True when no shorter encoding of the same value exists. // Core script.h CScriptNum:
    /// the last byte may only be 0x00/0x80 when the byte before it needs its top bit.
    /// </summary>
    public static bool IsMinimallyEncoded(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0)
        {
            return true;
        }

        if ((bytes[^1] & 0x7f) == 0)
        {
            return bytes.Length > 1 && (bytes[^2] & 0x80) != 0;
        }

        return true;
    }

    /// <summary>The value clamped to <see cref="int"/>, as Core's getint() does.</summary>
    public int ToInt32Clamped() => Value > int.MaxValue ? int.MaxValue : Value < int.MinValue ? int.MinValue : (int)Value;

    /// <summary>Number of bytes <see cref="Encode(Span{byte})"/> writes.</summary>
    public int EncodedLength
    {
        get
        {
            if (Value == 0)
            {
                return 0;
            }

            var abs = Value == long.MinValue ? (ulong)long.MaxValue + 1 : (ulong)Math.Abs(Value);
            var n = 0;
            var last = 0UL;
            while (abs != 0)
            {
                last = abs & 0xff;
                abs >>= 8;
                n++;
            }

            return (last & 0x80) != 0 ? n + 1 : n;
        }
    }

    /// <summary>Writes the minimal encoding (Core's CScriptNum::serialize) and returns its length.</summary>
    public int Encode(Span<byte> destination)
    {
        if (Value == 0)
        {
            return 0;
        }

        var negative = Value < 0;
        var abs = Value == long.MinValue ? (ulong)long.MaxValue + 1 : (ulong)Math.Abs(Value);
        var n = 0;
        while (abs != 0)
        {
            destination[n++] = (byte)(abs & 0xff);
            abs >>= 8;
        }

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
        var bytes = new byte[EncodedLength];
        Encode(bytes);
        return bytes;
    }
}
