using System.Buffers;
using System.Buffers.Binary;

namespace OPSource.Bitcoin.Encoding;

/// <summary>
/// Appends consensus-encoded values (little-endian integers, CompactSize, var-bytes) to an
/// <see cref="IBufferWriter{T}"/>, or to its own growable buffer when none is given.
/// </summary>
public sealed class BitcoinWriter
{
    private readonly IBufferWriter<byte> _output;
    private readonly ArrayBufferWriter<byte>? _own;

    /// <summary>Writes into an internal growable buffer; read it back with <see cref="ToArray"/>.</summary>
    public BitcoinWriter(int initialCapacity = 256)
    {
        _own = new ArrayBufferWriter<byte>(Math.Max(1, initialCapacity));
        _output = _own;
    }

    /// <summary>Writes into <paramref name="output"/> (e.g. a pipe, a pooled buffer, a hasher).</summary>
    public BitcoinWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Total bytes written through this writer.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>The bytes written so far (internal buffer only).</summary>
    public ReadOnlySpan<byte> WrittenSpan =>
        _own is not null ? _own.WrittenSpan : throw new InvalidOperationException("writer: no internal buffer (constructed over an IBufferWriter)");

    /// <summary>A copy of the bytes written so far (internal buffer only).</summary>
    public byte[] ToArray() => WrittenSpan.ToArray();

    /// <summary>Writes one byte.</summary>
    public void WriteUInt8(byte value)
    {
        _output.GetSpan(1)[0] = value;
        Advance(1);
    }

    /// <summary>Writes a little-endian uint16.</summary>
    public void WriteUInt16LE(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_output.GetSpan(2), value);
        Advance(2);
    }

    /// <summary>Writes a little-endian uint32.</summary>
    public void WriteUInt32LE(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_output.GetSpan(4), value);
        Advance(4);
    }

    /// <summary>Writes a little-endian int32.</summary>
    public void WriteInt32LE(int value) => WriteUInt32LE(unchecked((uint)value));

    /// <summary>Writes a little-endian uint64.</summary>
    public void WriteUInt64LE(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_output.GetSpan(8), value);
        Advance(8);
    }

    /// <summary>Writes a little-endian int64.</summary>
    public void WriteInt64LE(long value) => WriteUInt64LE(unchecked((ulong)value));

    /// <summary>Writes a hash in internal byte order.</summary>
    public void WriteUInt256(UInt256 value)
    {
        value.WriteTo(_output.GetSpan(32));
        Advance(32);
    }

    /// <summary>Writes a CompactSize.</summary>
    public void WriteCompactSize(ulong value)
    {
        var n = CompactSize.Write(_output.GetSpan(9), value);
        Advance(n);
    }

    /// <summary>Writes raw bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        _output.Write(bytes);
        BytesWritten += bytes.Length;
    }

    /// <summary>Writes a CompactSize length and the bytes.</summary>
    public void WriteVarBytes(ReadOnlySpan<byte> bytes)
    {
        WriteCompactSize((ulong)bytes.Length);
        WriteBytes(bytes);
    }

    /// <summary>A span of at least <paramref name="sizeHint"/> bytes to fill, then call <see cref="Advance"/>.</summary>
    public Span<byte> GetSpan(int sizeHint) => _output.GetSpan(sizeHint);

    /// <summary>Commits <paramref name="count"/> bytes written into <see cref="GetSpan"/>.</summary>
    public void Advance(int count)
    {
        _output.Advance(count);
        BytesWritten += count;
    }
}
