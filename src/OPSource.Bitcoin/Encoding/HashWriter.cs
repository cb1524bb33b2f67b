using System.Buffers;
using System.Security.Cryptography;

namespace OPSource.Bitcoin.Encoding;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that streams into SHA-256, so sighash preimages are hashed
/// without being materialised (Core's HashWriter). Data that fits its buffer (every signature hash
/// and per-transaction hash of a usual transaction) is hashed in one shot; an incremental hash (an
/// OpenSSL context, costly to create) is made only when the data outgrows the buffer.
/// </summary>
internal sealed class HashWriter : IBufferWriter<byte>, IDisposable
{
    private IncrementalHash? _hash;
    private byte[] _buffer = new byte[512];
    private int _used;

    public void Advance(int count) => _used += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_used);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_used);
    }

    /// <summary>Single SHA-256 of everything written; resets the writer.</summary>
    public void GetSha256(Span<byte> output32)
    {
        if (_hash is null)
        {
            SHA256.HashData(_buffer.AsSpan(0, _used), output32);
            _used = 0;
            return;
        }

        Flush();
        _hash.GetHashAndReset(output32);
    }

    /// <summary>SHA256(SHA256(data)); resets the writer.</summary>
    public void GetHash256(Span<byte> output32)
    {
        Span<byte> first = stackalloc byte[32];
        GetSha256(first);
        SHA256.HashData(first, output32);
    }

    /// <summary>Single SHA-256 of everything written; resets the writer.</summary>
    public UInt256 GetSha256()
    {
        Span<byte> h = stackalloc byte[32];
        GetSha256(h);
        return new UInt256(h);
    }

    /// <summary>SHA256(SHA256(data)); resets the writer.</summary>
    public UInt256 GetHash256()
    {
        Span<byte> h = stackalloc byte[32];
        GetHash256(h);
        return new UInt256(h);
    }

    public void Dispose() => _hash?.Dispose();

    private void Ensure(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer.Length - _used >= sizeHint)
        {
            return;
        }

        _hash ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Flush();
        if (_buffer.Length < sizeHint)
        {
            _buffer = new byte[Math.Max(sizeHint, _buffer.Length * 2)];
        }
    }

    private void Flush()
    {
        if (_used > 0)
        {
            _hash!.AppendData(_buffer, 0, _used);
            _used = 0;
        }
    }
}
