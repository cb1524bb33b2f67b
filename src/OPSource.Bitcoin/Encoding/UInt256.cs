using System.Buffers.Binary;

namespace OPSource.Bitcoin.Encoding;

/// <summary>
/// A 256-bit hash value (block hash, merkle root, txid bytes). Stored in internal (hashing) byte
/// order; <see cref="ToString"/> shows it byte-reversed, as Bitcoin Core's <c>uint256::GetHex</c> does.
/// </summary>
public readonly struct UInt256 : IEquatable<UInt256>, IComparable<UInt256>
{
    /// <summary>Size in bytes.</summary>
    public const int Size = 32;

    private readonly ulong _a, _b, _c, _d; // little-endian limbs of the internal byte order

    /// <summary>The all-zero value (e.g. the null previous-block hash of a genesis block).</summary>
    public static UInt256 Zero => default;

    /// <summary>Creates a value from 32 bytes in internal byte order.</summary>
    public UInt256(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException("uint256: expected 32 bytes", nameof(bytes));
        }

        _a = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]);
    }

    /// <summary>True when every byte is zero.</summary>
    public bool IsZero => (_a | _b | _c | _d) == 0;

    /// <summary>Writes the 32 bytes in internal byte order.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException("uint256: destination shorter than 32 bytes", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64LittleEndian(destination, _a);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], _d);
    }

    /// <summary>The 32 bytes in internal byte order, as a new array.</summary>
    public byte[] ToBytes()
    {
        var result = new byte[Size];
        WriteTo(result);
        return result;
    }

    /// <summary>Parses Core's display form (64 hex chars, byte-reversed).</summary>
    public static bool TryParse(string? hex, out UInt256 value)
    {
        value = default;
        if (hex is null || hex.Length != 2 * Size || !Hex.TryParse(hex, out var bytes, out _))
        {
            return false;
        }

        Array.Reverse(bytes);
        value = new UInt256(bytes);
        return true;
    }

    /// <summary>Parses Core's display form; throws <see cref="FormatException"/> on bad input.</summary>
    public static UInt256 Parse(string hex) =>
        TryParse(hex, out var value) ? value : throw new FormatException("uint256: expected 64 hex characters");

    /// <summary>Byte-reversed hex, matching Core's display of hashes.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        bytes.Reverse();
        return Hex.Encode(bytes);
    }

    /// <inheritdoc/>
    public bool Equals(UInt256 other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is UInt256 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_a, _b, _c, _d);

    /// <summary>Compares as a 256-bit little-endian number (Core's arith ordering).</summary>
    public int CompareTo(UInt256 other)
    {
        var c = _d.CompareTo(other._d);
        if (c != 0)
        {
            return c;
        }

        c = _c.CompareTo(other._c);
        if (c != 0)
        {
            return c;
        }

        c = _b.CompareTo(other._b);
        return c != 0 ? c : _a.CompareTo(other._a);
    }

    public static bool operator ==(UInt256 left, UInt256 right) => left.Equals(right);

    public static bool operator !=(UInt256 left, UInt256 right) => !left.Equals(right);

    public static bool operator <(UInt256 left, UInt256 right) => left.CompareTo(right) < 0;

    public static bool operator >(UInt256 left, UInt256 right) => left.CompareTo(right) > 0;

    public static bool operator <=(UInt256 left, UInt256 right) => left.CompareTo(right) <= 0;

    public static bool operator >=(UInt256 left, UInt256 right) => left.CompareTo(right) >= 0;
}
