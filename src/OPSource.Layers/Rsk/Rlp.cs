using System.Numerics;

namespace OPSource.Layers.Rsk;

/// <summary>A decoded RLP item: a byte string or a list of items (Yellow Paper appendix B).</summary>
public sealed class RlpItem
{
    private RlpItem(ReadOnlyMemory<byte> bytes, IReadOnlyList<RlpItem>? items)
    {
        Bytes = bytes;
        Items = items ?? [];
        IsList = items is not null;
    }

    /// <summary>True for a list.</summary>
    public bool IsList { get; }

    /// <summary>The string's bytes (empty for a list).</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The list's items (empty for a string).</summary>
    public IReadOnlyList<RlpItem> Items { get; }

    /// <summary>A byte string.</summary>
    public static RlpItem String(ReadOnlyMemory<byte> bytes) => new(bytes, null);

    /// <summary>A list.</summary>
    public static RlpItem List(IReadOnlyList<RlpItem> items) => new(default, items ?? throw new ArgumentNullException(nameof(items)));

    /// <summary>An unsigned integer as its minimal big-endian bytes (zero is the empty string).</summary>
    public static RlpItem UInt(BigInteger value) => String(Rlp.UIntBytes(value));
}

/// <summary>
/// Recursive Length Prefix encoding (Yellow Paper appendix B). Decoding is strict: a single byte below 0x80 must be
/// encoded as itself, long forms only for payloads over 55 bytes with no leading zero in the length, and nothing may
/// follow the item.
/// </summary>
public static class Rlp
{
    /// <summary>Encodes an item.</summary>
    public static byte[] Encode(RlpItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var buffer = new List<byte>(64);
        Write(buffer, item);
        return [.. buffer];
    }

    /// <summary>Encodes a byte string.</summary>
    public static byte[] EncodeString(ReadOnlySpan<byte> bytes)
    {
        var buffer = new List<byte>(bytes.Length + 9);
        WriteString(buffer, bytes);
        return [.. buffer];
    }

    /// <summary>Wraps already-encoded items into a list.</summary>
    public static byte[] EncodeList(params ReadOnlySpan<byte[]> encodedItems)
    {
        var length = 0;
        foreach (var e in encodedItems)
        {
            length += e.Length;
        }

        var buffer = new List<byte>(length + 9);
        WriteHeader(buffer, length, 0xc0);
        foreach (var e in encodedItems)
        {
            buffer.AddRange(e);
        }

        return [.. buffer];
    }

    /// <summary>Minimal big-endian bytes of a non-negative integer (empty for zero).</summary>
    public static byte[] UIntBytes(BigInteger value)
    {
        if (value.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "rlp: integers are unsigned");
        }

        return value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true);
    }

    /// <summary>Reads a canonical unsigned integer (no leading zero byte) of at most <paramref name="maxBytes"/> bytes.</summary>
    public static BigInteger ReadUInt(RlpItem item, string field, int maxBytes = 32)
    {
        ArgumentNullException.ThrowIfNull(item);
        var span = item.Bytes.Span;
        if (item.IsList)
        {
            throw new RskException(RskErrorKind.InvalidEncoding, $"rlp: {field} must be a byte string, not a list");
        }

        if (span.Length > maxBytes)
        {
            throw new RskException(RskErrorKind.InvalidEncoding, $"rlp: {field} is longer than {maxBytes} bytes");
        }

        if (span.Length > 0 && span[0] == 0)
        {
            throw new RskException(RskErrorKind.InvalidEncoding, $"rlp: {field} has a leading zero byte (not canonical)");
        }

        return new BigInteger(span, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>Decodes exactly one item spanning all of <paramref name="data"/>.</summary>
    /// <exception cref="RskException">Malformed or non-canonical RLP (<see cref="RskErrorKind.InvalidEncoding"/>).</exception>
    public static RlpItem Decode(ReadOnlyMemory<byte> data)
    {
        var position = 0;
        var item = Read(data, ref position, 0);
        if (position != data.Length)
        {
            throw new RskException(RskErrorKind.InvalidEncoding, $"rlp: {data.Length - position} bytes after the item");
        }

        return item;
    }

    private const int MaxDepth = 64;

    private static RlpItem Read(ReadOnlyMemory<byte> data, ref int position, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new RskException(RskErrorKind.InvalidEncoding, "rlp: lists nested too deeply");
        }

        var span = data.Span;
        if (position >= span.Length)
        {
            throw new RskException(RskErrorKind.InvalidEncoding, "rlp: data ends before the item");
        }

        var prefix = span[position];
        if (prefix < 0x80)
        {
            position++;
            return RlpItem.String(data.Slice(position - 1, 1));
        }

        var isList = prefix >= 0xc0;
        var small = isList ? prefix - 0xc0 : prefix - 0x80;
        int length;
        int start;
        if (small <= 55)
        {
            length = small;
            start = position + 1;
        }
        else
        {
            var lengthOfLength = small - 55;
            if (position + 1 + lengthOfLength > span.Length)
            {
                throw new RskException(RskErrorKind.InvalidEncoding, "rlp: data ends inside a length");
            }

            if (span[position + 1] == 0)
            {
                throw new RskException(RskErrorKind.InvalidEncoding, "rlp: length with a leading zero (not canonical)");
            }

            long value = 0;
            for (var i = 0; i < lengthOfLength; i++)
            {
                value = (value << 8) | span[position + 1 + i];
                if (value > int.MaxValue)
                {
                    throw new RskException(RskErrorKind.InvalidEncoding, "rlp: length too large");
                }
            }

            if (value <= 55)
            {
                throw new RskException(RskErrorKind.InvalidEncoding, "rlp: long form for a payload of 55 bytes or fewer (not canonical)");
            }

            length = (int)value;
            start = position + 1 + lengthOfLength;
        }

        if ((long)start + length > span.Length)
        {
            throw new RskException(RskErrorKind.InvalidEncoding, "rlp: data ends inside the payload");
        }

        if (!isList)
        {
            if (length == 1 && span[start] < 0x80)
            {
                throw new RskException(RskErrorKind.InvalidEncoding, "rlp: a single byte below 0x80 must be encoded as itself (not canonical)");
            }

            position = start + length;
            return RlpItem.String(data.Slice(start, length));
        }

        var items = new List<RlpItem>();
        var inner = start;
        var end = start + length;
        while (inner < end)
        {
            items.Add(Read(data[..end], ref inner, depth + 1));
        }

        position = end;
        return RlpItem.List(items);
    }

    private static void Write(List<byte> buffer, RlpItem item)
    {
        if (!item.IsList)
        {
            WriteString(buffer, item.Bytes.Span);
            return;
        }

        var inner = new List<byte>();
        foreach (var child in item.Items)
        {
            Write(inner, child);
        }

        WriteHeader(buffer, inner.Count, 0xc0);
        buffer.AddRange(inner);
    }

    private static void WriteString(List<byte> buffer, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 1 && bytes[0] < 0x80)
        {
            buffer.Add(bytes[0]);
            return;
        }

        WriteHeader(buffer, bytes.Length, 0x80);
        buffer.AddRange(bytes);
    }

    private static void WriteHeader(List<byte> buffer, int length, byte offset)
    {
        if (length <= 55)
        {
            buffer.Add((byte)(offset + length));
            return;
        }

        Span<byte> be = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(be, length);
        var skip = 0;
        while (be[skip] == 0)
        {
            skip++;
        }

        buffer.Add((byte)(offset + 55 + (4 - skip)));
        buffer.AddRange(be[skip..]);
    }
}
