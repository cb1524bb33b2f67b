using OPSource.Bitcoin.Encoding;

namespace OPSource.Bitcoin.Blocks;

/// <summary>
/// A block hash: HASH256 of the 80-byte header, displayed byte-reversed as Core does
/// (<c>getblockhash</c>, <c>getbestblockhash</c>).
/// </summary>
/// <param name="Value">The hash in internal byte order.</param>
public readonly record struct BlockHash(UInt256 Value) : IComparable<BlockHash>
{
    /// <summary>The all-zero hash (the previous-block field of a genesis header).</summary>
    public static BlockHash Zero => default;

    /// <summary>The hash of a header.</summary>
    public static BlockHash Of(BlockHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        return header.GetHash();
    }

    /// <summary>From 32 bytes in internal order.</summary>
    public static BlockHash FromBytes(ReadOnlySpan<byte> bytes) => new(new UInt256(bytes));

    /// <summary>Parses the displayed (reversed) hex form.</summary>
    public static bool TryParse(string? hex, out BlockHash value)
    {
        var ok = UInt256.TryParse(hex, out var v);
        value = new BlockHash(v);
        return ok;
    }

    /// <summary>Parses the displayed form or throws <see cref="BitcoinFormatException"/>.</summary>
    public static BlockHash Parse(string hex) =>
        TryParse(hex, out var v) ? v : throw new BitcoinFormatException(new DecodeError(DecodeErrorKind.InvalidHex, "block hash: expected 64 hex characters"));

    /// <summary>Writes the 32 bytes in internal order.</summary>
    public void WriteTo(Span<byte> destination) => Value.WriteTo(destination);

    /// <summary>The 32 bytes in internal order.</summary>
    public byte[] ToBytes() => Value.ToBytes();

    /// <summary>Byte-reversed hex, as Core prints it.</summary>
    public override string ToString() => Value.ToString();

    /// <inheritdoc/>
    public int CompareTo(BlockHash other) => Value.CompareTo(other.Value);

    public static bool operator <(BlockHash left, BlockHash right) => left.CompareTo(right) < 0;

    public static bool operator >(BlockHash left, BlockHash right) => left.CompareTo(right) > 0;

    public static bool operator <=(BlockHash left, BlockHash right) => left.CompareTo(right) <= 0;

    public static bool operator >=(BlockHash left, BlockHash right) => left.CompareTo(right) >= 0;
}

/// <summary>A node of a block's transaction merkle tree (the header's hashMerkleRoot is one).</summary>
/// <param name="Value">The hash in internal byte order.</param>
public readonly record struct TxMerkleNode(UInt256 Value)
{
    /// <summary>Byte-reversed hex.</summary>
    public override string ToString() => Value.ToString();
}

/// <summary>A node of a block's BIP141 witness merkle tree (wtxids, coinbase as zero).</summary>
/// <param name="Value">The hash in internal byte order.</param>
public readonly record struct WitnessMerkleNode(UInt256 Value)
{
    /// <summary>Byte-reversed hex.</summary>
    public override string ToString() => Value.ToString();
}
