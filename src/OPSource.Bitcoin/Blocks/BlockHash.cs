using OPSource.Bitcoin.Encoding;

namespace OPSource.Bitcoin.Blocks;

/// <summary>A block hash: HASH256 of the 80-byte header, displayed byte-reversed as Core does.</summary>
/// <param name="Value">The hash in internal byte order.</param>
public readonly record struct BlockHash(UInt256 Value)
{
    /// <summary>The all-zero hash (the genesis block's previous-block field).</summary>
    public static BlockHash Zero => default;

    /// <summary>Parses Core's display form (64 hex characters, byte-reversed).</summary>
    public static bool TryParse(string? hex, out BlockHash value)
    {
        var ok = UInt256.TryParse(hex, out var v);
        value = new BlockHash(v);
        return ok;
    }

    /// <summary>Parses Core's display form or throws <see cref="FormatException"/>.</summary>
    public static BlockHash Parse(string hex) => new(UInt256.Parse(hex));

    /// <summary>Byte-reversed hex.</summary>
    public override string ToString() => Value.ToString();
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
