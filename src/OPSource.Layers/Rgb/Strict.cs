using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OPSource.Layers.Rgb;

/// <summary>Which RGB input failed (codes <c>rgb.kind</c>, docs/errors.md).</summary>
public enum RgbErrorKind
{
    /// <summary>A strict-encoded value is malformed (truncated, out of its declared bounds, unknown tag, unordered set).</summary>
    InvalidEncoding,

    /// <summary>A consignment in JSON form is not JSON or lacks a field.</summary>
    InvalidJson,

    /// <summary>ASCII armor is malformed or its headers do not match its content.</summary>
    InvalidArmor,

    /// <summary>A Baid64 contract or schema id (or a 64-hex-digit id) does not parse.</summary>
    InvalidId,

    /// <summary>A value does not match its strict type (type check of global state and assignments).</summary>
    TypeMismatch,

    /// <summary>The consignment or request is otherwise unusable (an unknown network, a bad leaf version, a bad field).</summary>
    InvalidConsignment,
}

/// <summary>A typed RGB input error (<c>rgb.kind</c>); derives from the library's <see cref="Bitcoin.BitcoinError"/>.</summary>
public sealed class RgbError(RgbErrorKind kind, string message) : Bitcoin.BitcoinError<RgbErrorKind>("rgb", kind, message, null);

/// <summary>
/// An RGB input was malformed (a <see cref="Bitcoin.BitcoinFormatException"/>: the hosts report it as the user's input,
/// CLI exit 1 / HTTP 400 with code <c>rgb.kind</c>).
/// </summary>
public sealed class RgbDecodeException : Bitcoin.BitcoinFormatException
{
    /// <summary>Creates the exception (<see cref="RgbErrorKind.InvalidConsignment"/>).</summary>
    public RgbDecodeException(string message)
        : this(RgbErrorKind.InvalidConsignment, message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RgbDecodeException(RgbErrorKind kind, string message)
        : base(new RgbError(kind, message))
    {
    }

    /// <summary>Creates the exception.</summary>
    public RgbDecodeException()
        : this("invalid consignment")
    {
    }

    /// <summary>Creates the exception.</summary>
    public RgbDecodeException(string message, Exception innerException)
        : base(new RgbError(RgbErrorKind.InvalidConsignment, message), innerException)
    {
    }

    /// <summary>What went wrong.</summary>
    public RgbErrorKind Kind => ((RgbError)Error).Kind;
}

/// <summary>
/// Reader for the strict-encoding rules RGB uses (strict-types/strict-encoding): little-endian integers,
/// collections prefixed by a length whose width follows the declared maximum (u8 up to 0xFF, u16 up to
/// 0xFFFF, u24 up to 0xFFFFFF, else u32), enums and unions by a one-byte tag, confined ASCII strings.
/// </summary>
public sealed class StrictReader(ReadOnlyMemory<byte> data)
{
    private readonly ReadOnlyMemory<byte> _data = data;

    /// <summary>Offset of the next byte.</summary>
    public int Position { get; private set; }

    /// <summary>Bytes not yet read.</summary>
    public int Remaining => _data.Length - Position;

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count < 0 || Remaining < count)
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"unexpected end of data reading {what} at offset {Position}");
        }

        var span = _data.Span.Slice(Position, count);
        Position += count;
        return span;
    }

    public byte U8(string what = "u8") => Take(1, what)[0];

    public ushort U16(string what = "u16") => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, what));

    public uint U24(string what = "u24")
    {
        var s = Take(3, what);
        return (uint)(s[0] | (s[1] << 8) | (s[2] << 16));
    }

    public uint U32(string what = "u32") => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what));

    public ulong U64(string what = "u64") => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what));

    public long I64(string what = "i64") => BinaryPrimitives.ReadInt64LittleEndian(Take(8, what));

    public int I32(string what = "i32") => BinaryPrimitives.ReadInt32LittleEndian(Take(4, what));

    public byte[] Bytes(int count, string what) => Take(count, what).ToArray();

    public Bytes32 B32(string what = "bytes32") => new(Take(32, what));

    /// <summary>Reads a collection length whose prefix width follows <paramref name="max"/>, checking both bounds.</summary>
    public int Len(ulong min, ulong max, string what)
    {
        ulong len = max switch
        {
            <= 0xFF => U8(what),
            <= 0xFFFF => U16(what),
            <= 0xFF_FFFF => U24(what),
            _ => U32(what),
        };
        if (len < min || len > max)
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"{what}: {len} items outside the declared bounds {min}..{max}");
        }

        if (len > (ulong)Remaining)
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"{what}: {len} items exceed the remaining {Remaining} bytes");
        }

        return (int)len;
    }

    /// <summary>Reads a byte string with a length prefix of the declared bound.</summary>
    public byte[] Blob(ulong min, ulong max, string what) => Bytes(Len(min, max, what), what);

    /// <summary>
    /// Reads a confined ASCII identifier (strict-types RString): first char in <paramref name="first"/>,
    /// the rest in <paramref name="rest"/>; length prefix per <paramref name="max"/>.
    /// </summary>
    public string Ident(ulong min, ulong max, Func<byte, bool> first, Func<byte, bool> rest, string what)
    {
        var bytes = Take(Len(min, max, what), what);
        for (int i = 0; i < bytes.Length; i++)
        {
            if (!(i == 0 ? first(bytes[i]) : rest(bytes[i])))
            {
                throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"{what}: invalid character 0x{bytes[i]:x2} at position {i}");
            }
        }

        return Encoding.ASCII.GetString(bytes);
    }

    public bool Bool(string what)
    {
        byte b = U8(what);
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"{what}: invalid boolean value {b}"),
        };
    }

    /// <summary>Reads an option tag: 0 none, 1 some.</summary>
    public bool OptionTag(string what) => U8(what) switch
    {
        0 => false,
        1 => true,
        var t => throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"{what}: invalid option tag {t}"),
    };

    public void EnsureEnd(string what)
    {
        if (Remaining != 0)
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"{what}: {Remaining} trailing bytes after offset {Position}");
        }
    }
}

/// <summary>Writer mirroring <see cref="StrictReader"/>.</summary>
public sealed class StrictWriter
{
    private readonly MemoryStream _stream = new();

    public int Length => (int)_stream.Length;

    public byte[] ToArray() => _stream.ToArray();

    public StrictWriter U8(byte v)
    {
        _stream.WriteByte(v);
        return this;
    }

    public StrictWriter U16(ushort v)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        _stream.Write(b);
        return this;
    }

    public StrictWriter U24(uint v)
    {
        if (v > 0xFF_FFFF)
        {
            throw new ArgumentOutOfRangeException(nameof(v));
        }

        _stream.WriteByte((byte)v);
        _stream.WriteByte((byte)(v >> 8));
        _stream.WriteByte((byte)(v >> 16));
        return this;
    }

    public StrictWriter U32(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        _stream.Write(b);
        return this;
    }

    public StrictWriter I32(int v) => U32(unchecked((uint)v));

    public StrictWriter U64(ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        _stream.Write(b);
        return this;
    }

    public StrictWriter I64(long v) => U64(unchecked((ulong)v));

    public StrictWriter Raw(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        return this;
    }

    public StrictWriter B32(Bytes32 v) => Raw(v.Span);

    public StrictWriter Len(int len, ulong max)
    {
        if ((ulong)len > max)
        {
            throw new InvalidOperationException($"collection of {len} items exceeds its bound {max}");
        }

        return max switch
        {
            <= 0xFF => U8((byte)len),
            <= 0xFFFF => U16((ushort)len),
            <= 0xFF_FFFF => U24((uint)len),
            _ => U32((uint)len),
        };
    }

    public StrictWriter Blob(ReadOnlySpan<byte> bytes, ulong max) => Len(bytes.Length, max).Raw(bytes);

    public StrictWriter Ascii(string s, ulong max) => Blob(Encoding.ASCII.GetBytes(s), max);

    public StrictWriter Bool(bool v) => U8(v ? (byte)1 : (byte)0);
}

/// <summary>An immutable 32-byte value (hash, id) in its internal byte order, ordered bytewise as Rust's <c>[u8; 32]</c>.</summary>
public readonly struct Bytes32 : IEquatable<Bytes32>, IComparable<Bytes32>
{
    private readonly byte[]? _bytes;

    public Bytes32(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 32)
        {
            throw new ArgumentException("exactly 32 bytes are required", nameof(bytes));
        }

        _bytes = bytes.ToArray();
    }

    public static Bytes32 Zero { get; } = new(new byte[32]);

    public ReadOnlySpan<byte> Span => _bytes ?? Zero._bytes!;

    public byte[] ToArray() => Span.ToArray();

    /// <summary>Hex in internal byte order (how RGB prints op ids, bundle ids, sem ids).</summary>
    public string ToHex() => Convert.ToHexStringLower(Span);

    /// <summary>Hex in reversed byte order (how Bitcoin prints txids).</summary>
    public string ToReversedHex()
    {
        var b = ToArray();
        Array.Reverse(b);
        return Convert.ToHexStringLower(b);
    }

    public static Bytes32 FromHex(string hex)
    {
        if (hex is null || hex.Length != 64)
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidId, $"expected 64 hex characters, got '{hex}'");
        }

        return new Bytes32(Convert.FromHexString(hex));
    }

    public static Bytes32 FromReversedHex(string hex)
    {
        var b = FromHex(hex).ToArray();
        Array.Reverse(b);
        return new Bytes32(b);
    }

    public bool Equals(Bytes32 other) => Span.SequenceEqual(other.Span);

    public override bool Equals(object? obj) => obj is Bytes32 o && Equals(o);

    public override int GetHashCode() => BinaryPrimitives.ReadInt32LittleEndian(Span);

    public int CompareTo(Bytes32 other) => Span.SequenceCompareTo(other.Span);

    public static bool operator ==(Bytes32 a, Bytes32 b) => a.Equals(b);

    public static bool operator !=(Bytes32 a, Bytes32 b) => !a.Equals(b);

    public static bool operator <(Bytes32 a, Bytes32 b) => a.CompareTo(b) < 0;

    public static bool operator >(Bytes32 a, Bytes32 b) => a.CompareTo(b) > 0;

    public static bool operator <=(Bytes32 a, Bytes32 b) => a.CompareTo(b) <= 0;

    public static bool operator >=(Bytes32 a, Bytes32 b) => a.CompareTo(b) >= 0;

    public override string ToString() => ToHex();
}

/// <summary>BIP-340 style tagged SHA-256 (commit_verify's <c>Sha256::from_tag</c>): SHA256(tag) twice, then the data.</summary>
public sealed class TaggedHasher : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public TaggedHasher(string tag) : this(Encoding.UTF8.GetBytes(tag))
    {
    }

    public TaggedHasher(ReadOnlySpan<byte> tag)
    {
        Span<byte> t = stackalloc byte[32];
        SHA256.HashData(tag, t);
        _hash.AppendData(t);
        _hash.AppendData(t);
    }

    public TaggedHasher Add(ReadOnlySpan<byte> data)
    {
        _hash.AppendData(data);
        return this;
    }

    public Bytes32 Finish() => new(_hash.GetHashAndReset());

    public void Dispose() => _hash.Dispose();

    public static Bytes32 Hash(string tag, ReadOnlySpan<byte> data)
    {
        using var h = new TaggedHasher(tag);
        return h.Add(data).Finish();
    }
}

/// <summary>Character classes of strict-types' confined strings (Std library).</summary>
internal static class StdChars
{
    public static bool AlphaSmallLodash(byte c) => c is >= (byte)'a' and <= (byte)'z' or (byte)'_';

    public static bool AlphaCapsLodash(byte c) => c is >= (byte)'A' and <= (byte)'Z' or (byte)'_';

    public static bool AlphaLodash(byte c) => AlphaSmallLodash(c) || AlphaCapsLodash(c);

    public static bool AlphaNumLodash(byte c) => AlphaLodash(c) || c is >= (byte)'0' and <= (byte)'9';

    public static bool AlphaCaps(byte c) => c is >= (byte)'A' and <= (byte)'Z';

    public static bool AlphaCapsNum(byte c) => AlphaCaps(c) || c is >= (byte)'0' and <= (byte)'9';

    public static bool AsciiPrintable(byte c) => c is >= 0x20 and <= 0x7E;
}
