using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace OPSource.Layers.Stacks;

/// <summary>Big-endian writer for the Stacks wire formats (SIP-005: all integers are big-endian).</summary>
public sealed class WireWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    /// <summary>Bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    /// <summary>A copy of the bytes written.</summary>
    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    /// <summary>One byte.</summary>
    public void U8(byte v) => Bytes([v]);

    /// <summary>u16 BE.</summary>
    public void U16(ushort v)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, v);
        Bytes(b);
    }

    /// <summary>u32 BE.</summary>
    public void U32(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        Bytes(b);
    }

    /// <summary>u64 BE.</summary>
    public void U64(ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, v);
        Bytes(b);
    }

    /// <summary>u128 BE.</summary>
    public void U128(UInt128 v)
    {
        Span<byte> b = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(b, v);
        Bytes(b);
    }

    /// <summary>Raw bytes.</summary>
    public void Bytes(ReadOnlySpan<byte> data) => _buffer.Write(data);

    /// <summary>A u8-length-prefixed ASCII name (contract names, function names, asset names).</summary>
    public void Name(string name)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(name);
        if (bytes.Length > 128)
        {
            throw new StacksException("stacks_name_length", $"stacks: name '{name}' is longer than 128 bytes");
        }

        U8((byte)bytes.Length);
        Bytes(bytes);
    }
}

/// <summary>Big-endian reader; every failure is a <see cref="StacksException"/> naming what was being read.</summary>
public sealed class WireReader
{
    private readonly byte[] _data;

    /// <summary>Reads <paramref name="data"/>.</summary>
    public WireReader(byte[] data) => _data = data;

    /// <summary>Current offset.</summary>
    public int Position { get; private set; }

    /// <summary>Bytes left.</summary>
    public int Remaining => _data.Length - Position;

    /// <summary>The bytes between two offsets.</summary>
    public ReadOnlySpan<byte> Slice(int start, int end) => _data.AsSpan(start, end - start);

    /// <summary>Reads <paramref name="count"/> bytes.</summary>
    public ReadOnlySpan<byte> Bytes(int count, string what)
    {
        if (count < 0 || count > Remaining)
        {
            throw new StacksException("stacks_decode", $"stacks decode: truncated {what} at offset {Position} (need {count} bytes, have {Remaining})");
        }

        var span = _data.AsSpan(Position, count);
        Position += count;
        return span;
    }

    /// <summary>u8.</summary>
    public byte U8(string what) => Bytes(1, what)[0];

    /// <summary>u16 BE.</summary>
    public ushort U16(string what) => BinaryPrimitives.ReadUInt16BigEndian(Bytes(2, what));

    /// <summary>u32 BE.</summary>
    public uint U32(string what) => BinaryPrimitives.ReadUInt32BigEndian(Bytes(4, what));

    /// <summary>u64 BE.</summary>
    public ulong U64(string what) => BinaryPrimitives.ReadUInt64BigEndian(Bytes(8, what));

    /// <summary>u128 BE.</summary>
    public UInt128 U128(string what) => BinaryPrimitives.ReadUInt128BigEndian(Bytes(16, what));

    /// <summary>A u8-length-prefixed ASCII name.</summary>
    public string Name(string what)
    {
        int length = U8(what + " length");
        var bytes = Bytes(length, what);
        foreach (byte b in bytes)
        {
            if (b is < 0x20 or > 0x7e)
            {
                throw new StacksException("stacks_decode", $"stacks decode: {what} is not ASCII");
            }
        }

        return Encoding.ASCII.GetString(bytes);
    }

    /// <summary>Throws unless everything was read.</summary>
    public void End(string what)
    {
        if (Remaining != 0)
        {
            throw new StacksException("stacks_decode", $"stacks decode: {Remaining} trailing bytes after the {what}");
        }
    }
}
