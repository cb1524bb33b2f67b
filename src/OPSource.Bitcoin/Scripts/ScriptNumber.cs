namespace OPSource.Bitcoin.Scripts;

/// <summary>
/// Bitcoin Core's CScriptNum encoding: little-endian sign-magnitude, minimal length, with the sign
/// in the top bit of the last byte (script/script.h).
/// </summary>
public static class ScriptNumber
{
    /// <summary>Core script.h: default maximum operand size for arithmetic (4 bytes).</summary>
    public const int DefaultMaxSize = 4;

    /// <summary>Encodes <paramref name="value"/> as CScriptNum::serialize does (0 is empty).</summary>
    public static byte[] Encode(long value)
    {
        if (value == 0)
        {
            return [];
        }

        Span<byte> buffer = stackalloc byte[9];
        var n = 0;
        var negative = value < 0;
        var abs = negative ? (ulong)(-(value + 1)) + 1 : (ulong)value;
        while (abs != 0)
        {
            buffer[n++] = (byte)(abs & 0xff);
            abs >>= 8;
        }

        // Core: if the top bit is set, add a byte for the sign; otherwise set it in the last byte.
        if ((buffer[n - 1] & 0x80) != 0)
        {
            buffer[n++] = negative ? (byte)0x80 : (byte)0;
        }
        else if (negative)
        {
            buffer[n - 1] |= 0x80;
        }

        return buffer[..n].ToArray();
    }

    /// <summary>
    /// True if <paramref name="data"/> is minimally encoded (Core CScriptNum fRequireMinimal rule):
    /// the last byte is not 0x00/0x80 unless needed for the sign of the byte before it.
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

    /// <summary>
    /// Decodes like CScriptNum(vch, fRequireMinimal, nMaxNumSize); false where Core throws
    /// scriptnum_error (too long or non-minimal).
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
        for (var i = 0; i < data.Length && i < 8; i++)
        {
            result |= (ulong)data[i] << (8 * i);
        }

        // If the input's most significant byte is 0x80, the result is negative.
        var signBit = 0x80UL << (8 * (Math.Min(data.Length, 8) - 1));
        if ((data[^1] & 0x80) != 0)
        {
            return -unchecked((long)(result & ~signBit));
        }

        return unchecked((long)result);
    }
}
