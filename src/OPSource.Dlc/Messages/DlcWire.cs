using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace OPSource.Dlc.Messages;

/// <summary>What is wrong with a dlcspecs message (wire or JSON form); codes <c>dlc.kind</c> (docs/errors.md).</summary>
public enum DlcFormatErrorKind
{
    /// <summary>A field or an outer value says it is more than the data holds (unexpected end, count or length past the end).</summary>
    Truncated,

    /// <summary>A value has a non-canonical encoding (a non-minimal BigSize, a boolean or optional marker not 0/1, TLVs out of order).</summary>
    NonCanonical,

    /// <summary>A type number or JSON variant this implementation does not know (message, contract info, descriptor, oracle info, even TLV).</summary>
    UnknownType,

    /// <summary>Bytes left after the message.</summary>
    TrailingBytes,

    /// <summary>The text is not JSON, or not a JSON object where one is required.</summary>
    InvalidJson,

    /// <summary>A required field is missing.</summary>
    MissingField,

    /// <summary>A field is present but breaks its rule (type, range, key or signature encoding).</summary>
    InvalidField,

    /// <summary>A valid message of another kind than the one expected (an accept where an offer is needed).</summary>
    WrongMessage,
}

/// <summary>
/// A dlcspecs message could not be decoded: <see cref="Field"/> names where (<c>offer_dlc.funding_inputs[1].prev_tx</c>),
/// the message says which rule was broken, <see cref="Bitcoin.BitcoinError.Position"/> is the byte offset in wire input.
/// </summary>
public sealed class DlcFormatError : Bitcoin.BitcoinError<DlcFormatErrorKind>
{
    /// <summary>Creates the error.</summary>
    public DlcFormatError(DlcFormatErrorKind kind, string field, string problem, int? position = null)
        : base("dlc", kind, string.IsNullOrEmpty(field) ? problem : $"{field}: {problem}", position)
    {
        Field = field ?? string.Empty;
        Problem = problem;
    }

    /// <summary>The field (path) that failed.</summary>
    public string Field { get; }

    /// <summary>What was wrong with it.</summary>
    public string Problem { get; }
}

/// <summary>
/// The exception form of <see cref="DlcFormatError"/> (a <see cref="Bitcoin.BitcoinFormatException"/>: the hosts
/// report it as the user's input, CLI exit 1 / HTTP 400 with code <c>dlc.kind</c>).
/// </summary>
public sealed class DlcFormatException : Bitcoin.BitcoinFormatException
{
    /// <summary>Creates the exception for a field that breaks its rule (<see cref="DlcFormatErrorKind.InvalidField"/>).</summary>
    public DlcFormatException(string field, string problem)
        : this(DlcFormatErrorKind.InvalidField, field, problem)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DlcFormatException(DlcFormatErrorKind kind, string field, string problem, int? position = null)
        : base(new DlcFormatError(kind, field, problem, position), null)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DlcFormatException()
        : this(DlcFormatErrorKind.InvalidField, string.Empty, "malformed message")
    {
    }

    /// <summary>Creates the exception.</summary>
    public DlcFormatException(string message)
        : this(DlcFormatErrorKind.InvalidField, string.Empty, message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DlcFormatException(string message, Exception innerException)
        : base(new DlcFormatError(DlcFormatErrorKind.InvalidField, string.Empty, message), innerException)
    {
    }

    /// <summary>The typed error.</summary>
    public new DlcFormatError Error => (DlcFormatError)base.Error;

    /// <summary>The field (path) that failed.</summary>
    public string Field => Error.Field;

    /// <summary>What was wrong with it.</summary>
    public string Problem => Error.Problem;

    /// <summary>What went wrong.</summary>
    public DlcFormatErrorKind Kind => Error.Kind;
}

/// <summary>
/// Writes the dlcspecs wire encoding (Messaging.md "Fundamental Types"): big-endian integers,
/// BOLT #1 BigSize, <c>u16</c>-prefixed scripts, BigSize-prefixed UTF-8 strings.
/// </summary>
internal sealed class DlcWireWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public DlcWireWriter(int capacity = 512) => _buffer = new ArrayBufferWriter<byte>(Math.Max(16, capacity));

    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public void U8(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void Bool(bool value) => U8(value ? (byte)1 : (byte)0);

    public void U16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.GetSpan(2), value);
        _buffer.Advance(2);
    }

    public void U32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void I32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void U64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void F64(double value)
    {
        BinaryPrimitives.WriteDoubleBigEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    /// <summary>BOLT #1 BigSize: 1, 3, 5 or 9 bytes, minimal, big-endian.</summary>
    public void BigSize(ulong value)
    {
        if (value < 0xfd)
        {
            U8((byte)value);
        }
        else if (value <= 0xffff)
        {
            U8(0xfd);
            U16((ushort)value);
        }
        else if (value <= 0xffffffff)
        {
            U8(0xfe);
            U32((uint)value);
        }
        else
        {
            U8(0xff);
            U64(value);
        }
    }

    public void Bytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer.GetSpan(bytes.Length));
        _buffer.Advance(bytes.Length);
    }

    /// <summary>BigSize length then the bytes.</summary>
    public void VarBytes(ReadOnlySpan<byte> bytes)
    {
        BigSize((ulong)bytes.Length);
        Bytes(bytes);
    }

    /// <summary>Messaging.md <c>spk</c>: a <c>u16</c> length then the script.</summary>
    public void Spk(ReadOnlySpan<byte> script)
    {
        if (script.Length > ushort.MaxValue)
        {
            throw new ArgumentException("dlc: script longer than 65535 bytes cannot be encoded", nameof(script));
        }

        U16((ushort)script.Length);
        Bytes(script);
    }

    /// <summary>Messaging.md <c>string</c>: BigSize byte length then UTF-8.</summary>
    public void String(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        VarBytes(bytes);
    }
}

/// <summary>Reads the dlcspecs wire encoding; every failure names the field being read.</summary>
internal ref struct DlcWireReader
{
    // Same bound as rust-dlc's MAX_VEC_SIZE: no collection or string in a message is larger.
    internal const ulong MaxCollection = 1_000_000;

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public DlcWireReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public readonly bool IsAtEnd => _position >= _data.Length;

    public ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count < 0 || count > Remaining)
        {
            throw new DlcFormatException(DlcFormatErrorKind.Truncated, field, Remaining == 0 ? "unexpected end of data" : $"needs {count} bytes, only {Remaining} left", _position);
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    public byte U8(string field) => Take(1, field)[0];

    public bool Bool(string field)
    {
        // Messaging.md: bool is 0x00 or 0x01; any other value is invalid.
        var b = U8(field);
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw new DlcFormatException(DlcFormatErrorKind.NonCanonical, field, $"boolean must be 0 or 1, got {b}", _position - 1),
        };
    }

    public ushort U16(string field) => BinaryPrimitives.ReadUInt16BigEndian(Take(2, field));

    public uint U32(string field) => BinaryPrimitives.ReadUInt32BigEndian(Take(4, field));

    public int I32(string field) => BinaryPrimitives.ReadInt32BigEndian(Take(4, field));

    public ulong U64(string field) => BinaryPrimitives.ReadUInt64BigEndian(Take(8, field));

    public double F64(string field) => BinaryPrimitives.ReadDoubleBigEndian(Take(8, field));

    /// <summary>BOLT #1 BigSize; non-minimal encodings are refused.</summary>
    public ulong BigSize(string field)
    {
        var first = U8(field);
        switch (first)
        {
            case 0xff:
                {
                    var v = U64(field);
                    return v >= 0x1_0000_0000UL ? v : throw new DlcFormatException(DlcFormatErrorKind.NonCanonical, field, "BigSize is not minimally encoded", _position);
                }

            case 0xfe:
                {
                    var v = U32(field);
                    return v >= 0x10000 ? v : throw new DlcFormatException(DlcFormatErrorKind.NonCanonical, field, "BigSize is not minimally encoded", _position);
                }

            case 0xfd:
                {
                    var v = U16(field);
                    return v >= 0xfd ? v : throw new DlcFormatException(DlcFormatErrorKind.NonCanonical, field, "BigSize is not minimally encoded", _position);
                }

            default:
                return first;
        }
    }

    /// <summary>A BigSize count bounded by <see cref="MaxCollection"/> and by the bytes left (each item takes at least <paramref name="minItemSize"/>).</summary>
    public int Count(string field, int minItemSize = 1)
    {
        var n = BigSize(field);
        return CheckCount(n, field, minItemSize);
    }

    public int CountU16(string field, int minItemSize = 1) => CheckCount(U16(field), field, minItemSize);

    private readonly int CheckCount(ulong n, string field, int minItemSize)
    {
        if (n > MaxCollection || (minItemSize > 0 && n > (ulong)Remaining / (ulong)minItemSize))
        {
            throw new DlcFormatException(DlcFormatErrorKind.Truncated, field, $"count {n} exceeds the data left", _position);
        }

        return (int)n;
    }

    public ReadOnlySpan<byte> VarBytes(string field)
    {
        var n = BigSize(field);
        if (n > (ulong)Remaining)
        {
            throw new DlcFormatException(DlcFormatErrorKind.Truncated, field, $"length {n} exceeds the {Remaining} bytes left", _position);
        }

        return Take((int)n, field);
    }

    public ReadOnlySpan<byte> Spk(string field)
    {
        var n = U16(field);
        return Take(n, field);
    }

    public string String(string field)
    {
        var bytes = VarBytes(field);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new DlcFormatException(field, "string is not valid UTF-8");
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
