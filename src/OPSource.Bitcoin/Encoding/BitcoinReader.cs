using System.Buffers.Binary;

namespace OPSource.Bitcoin.Encoding;

/// <summary>
/// Reads consensus-encoded data from a span. Never throws on truncated or malformed input: each
/// TryRead returns false and <see cref="Error"/> is the typed error naming what failed and at which offset.
/// </summary>
public ref struct BitcoinReader
{
    private readonly ReadOnlySpan<byte> _data;

    /// <summary>Starts reading at offset 0 of <paramref name="data"/>.</summary>
    public BitcoinReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        Position = 0;
        Error = null;
    }

    /// <summary>Offset of the next byte to read.</summary>
    public int Position { get; private set; }

    /// <summary>Bytes not yet read.</summary>
    public readonly int Remaining => _data.Length - Position;

    /// <summary>The unread tail.</summary>
    public readonly ReadOnlySpan<byte> RemainingSpan => _data[Position..];

    /// <summary>True when every byte has been read.</summary>
    public readonly bool IsAtEnd => Position >= _data.Length;

    /// <summary>The last failure, with its offset; null while all reads succeeded.</summary>
    public DecodeError? Error { get; private set; }

    /// <summary>Records a failure at the current offset (for callers layering their own rules); returns false.</summary>
    public bool Fail(DecodeErrorKind kind, string what)
    {
        Error = new DecodeError(kind, $"{what} at offset {Position}", Position);
        return false;
    }

    /// <summary>Reads one byte.</summary>
    public bool TryReadUInt8(out byte value)
    {
        if (!Need(1, "uint8"))
        {
            value = 0;
            return false;
        }

        value = _data[Position++];
        return true;
    }

    /// <summary>Reads a little-endian uint16.</summary>
    public bool TryReadUInt16LE(out ushort value)
    {
        if (!Need(2, "uint16"))
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt16LittleEndian(_data[Position..]);
        Position += 2;
        return true;
    }

    /// <summary>Reads a little-endian uint32.</summary>
    public bool TryReadUInt32LE(out uint value)
    {
        if (!Need(4, "uint32"))
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt32LittleEndian(_data[Position..]);
        Position += 4;
        return true;
    }

    /// <summary>Reads a little-endian int32.</summary>
    public bool TryReadInt32LE(out int value)
    {
        var ok = TryReadUInt32LE(out var u);
        value = unchecked((int)u);
        return ok;
    }

    /// <summary>Reads a little-endian uint64.</summary>
    public bool TryReadUInt64LE(out ulong value)
    {
        if (!Need(8, "uint64"))
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt64LittleEndian(_data[Position..]);
        Position += 8;
        return true;
    }

    /// <summary>Reads a little-endian int64.</summary>
    public bool TryReadInt64LE(out long value)
    {
        var ok = TryReadUInt64LE(out var u);
        value = unchecked((long)u);
        return ok;
    }

    /// <summary>Reads 32 bytes as a hash.</summary>
    public bool TryReadUInt256(out UInt256 value)
    {
        if (!Need(32, "uint256"))
        {
            value = default;
            return false;
        }

        value = new UInt256(_data.Slice(Position, 32));
        Position += 32;
        return true;
    }

    /// <summary>
    /// Reads a CompactSize; non-canonical encodings fail and, with <paramref name="rangeCheck"/>,
    /// so do values above <see cref="CompactSize.MaxSize"/> (Core serialize.h ReadCompactSize).
    /// </summary>
    public bool TryReadCompactSize(out ulong value, bool rangeCheck = true)
    {
        var start = Position;
        value = 0;
        if (!TryReadUInt8(out var first))
        {
            return false;
        }

        switch (first)
        {
            case < 253:
                value = first;
                break;
            case 253:
                if (!TryReadUInt16LE(out var u16))
                {
                    return false;
                }

                value = u16;
                if (value < 253)
                {
                    Position = start;
                    return Fail(DecodeErrorKind.NonCanonicalCompactSize, "compactsize: non-canonical encoding");
                }

                break;
            case 254:
                if (!TryReadUInt32LE(out var u32))
                {
                    return false;
                }

                value = u32;
                if (value < 0x10000)
                {
                    Position = start;
                    return Fail(DecodeErrorKind.NonCanonicalCompactSize, "compactsize: non-canonical encoding");
                }

                break;
            default:
                if (!TryReadUInt64LE(out var u64))
                {
                    return false;
                }

                value = u64;
                if (value < 0x100000000UL)
                {
                    Position = start;
                    return Fail(DecodeErrorKind.NonCanonicalCompactSize, "compactsize: non-canonical encoding");
                }

                break;
        }

        if (rangeCheck && value > CompactSize.MaxSize)
        {
            Position = start;
            value = 0;
            return Fail(DecodeErrorKind.SizeTooLarge, "compactsize: size too large");
        }

        return true;
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes without copying.</summary>
    public bool TryReadBytes(int count, out ReadOnlySpan<byte> bytes)
    {
        if (count < 0 || !Need(count, "bytes"))
        {
            bytes = default;
            return false;
        }

        bytes = _data.Slice(Position, count);
        Position += count;
        return true;
    }

    /// <summary>Reads a CompactSize length followed by that many bytes.</summary>
    public bool TryReadVarBytes(out ReadOnlySpan<byte> bytes)
    {
        bytes = default;
        if (!TryReadCompactSize(out var length))
        {
            return false;
        }

        return length <= int.MaxValue ? TryReadBytes((int)length, out bytes) : Fail(DecodeErrorKind.SizeTooLarge, "var-bytes: length too large");
    }

    private bool Need(int count, string what)
    {
        if (_data.Length - Position >= count)
        {
            return true;
        }

        Error = new DecodeError(DecodeErrorKind.UnexpectedEnd, $"unexpected end of data reading {what} ({count} bytes) at offset {Position}", Position);
        return false;
    }
}
