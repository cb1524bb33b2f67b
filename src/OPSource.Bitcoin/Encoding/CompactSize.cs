using System.Buffers.Binary;

namespace OPSource.Bitcoin.Encoding;

/// <summary>Bitcoin's variable-length integer (Core serialize.h WriteCompactSize/ReadCompactSize).</summary>
public static class CompactSize
{
    /// <summary>Core serialize.h MAX_SIZE: largest size a range-checked CompactSize may carry.</summary>
    public const ulong MaxSize = 0x02000000;

    /// <summary>Encoded length of <paramref name="value"/>: 1, 3, 5 or 9 bytes.</summary>
    public static int GetSize(ulong value) => value switch
    {
        < 253 => 1,
        <= 0xffff => 3,
        <= 0xffffffff => 5,
        _ => 9,
    };

    /// <summary>Writes <paramref name="value"/> and returns the number of bytes written.</summary>
    public static int Write(Span<byte> destination, ulong value)
    {
        switch (value)
        {
            case < 253:
                destination[0] = (byte)value;
                return 1;
            case <= 0xffff:
                destination[0] = 253;
                BinaryPrimitives.WriteUInt16LittleEndian(destination[1..], (ushort)value);
                return 3;
            case <= 0xffffffff:
                destination[0] = 254;
                BinaryPrimitives.WriteUInt32LittleEndian(destination[1..], (uint)value);
                return 5;
            default:
                destination[0] = 255;
                BinaryPrimitives.WriteUInt64LittleEndian(destination[1..], value);
                return 9;
        }
    }

    /// <summary>
    /// Reads a CompactSize. Like Core, non-canonical (over-long) encodings are rejected, and with
    /// <paramref name="rangeCheck"/> values above <see cref="MaxSize"/> too.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out ulong value, out int consumed, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out DecodeError? error, bool rangeCheck = true)
    {
        var reader = new BitcoinReader(source);
        if (reader.TryReadCompactSize(out value, rangeCheck))
        {
            consumed = reader.Position;
            error = null;
            return true;
        }

        consumed = 0;
        error = reader.Error!;
        return false;
    }
}
