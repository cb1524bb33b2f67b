using OPSource.Bitcoin.Encoding;

namespace OPSource.Bitcoin.Transactions;

/// <summary>
/// A transaction id: HASH256 of the non-witness serialization. Displayed byte-reversed as Core does.
/// </summary>
public readonly record struct TxId(UInt256 Value) : IComparable<TxId>
{
    /// <summary>The all-zero id (used by coinbase prevouts).</summary>
    public static TxId Zero => default;

    /// <summary>From 32 bytes in internal (hash) order.</summary>
    public static TxId FromBytes(ReadOnlySpan<byte> bytes) => new(new UInt256(bytes));

    /// <summary>Parses the displayed (reversed) hex form.</summary>
    public static bool TryParse(string? hex, out TxId value)
    {
        var ok = UInt256.TryParse(hex, out var v);
        value = new TxId(v);
        return ok;
    }

    /// <summary>Parses the displayed form or throws <see cref="FormatException"/>.</summary>
    public static TxId Parse(string hex) =>
        TryParse(hex, out var v) ? v : throw new FormatException("txid: expected 64 hex characters");

    /// <summary>Writes the 32 bytes in internal order.</summary>
    public void WriteTo(Span<byte> destination) => Value.WriteTo(destination);

    /// <summary>The 32 bytes in internal order.</summary>
    public byte[] ToBytes() => Value.ToBytes();

    /// <summary>Byte-reversed hex.</summary>
    public override string ToString() => Value.ToString();

    /// <inheritdoc/>
    public int CompareTo(TxId other) => Value.CompareTo(other.Value);
}

/// <summary>A witness transaction id (BIP141): HASH256 of the full serialization.</summary>
public readonly record struct Wtxid(UInt256 Value)
{
    /// <summary>From 32 bytes in internal (hash) order.</summary>
    public static Wtxid FromBytes(ReadOnlySpan<byte> bytes) => new(new UInt256(bytes));

    /// <summary>Parses the displayed (reversed) hex form or throws <see cref="FormatException"/>.</summary>
    public static Wtxid Parse(string hex) => new(UInt256.Parse(hex));

    /// <summary>Writes the 32 bytes in internal order.</summary>
    public void WriteTo(Span<byte> destination) => Value.WriteTo(destination);

    /// <summary>Byte-reversed hex.</summary>
    public override string ToString() => Value.ToString();
}

/// <summary>A reference to a transaction output (Core's COutPoint).</summary>
public readonly record struct OutPoint(TxId TxId, uint Index) : IConsensusEncodable<OutPoint>
{
    /// <summary>Serialized size: 32-byte txid + 4-byte index.</summary>
    public const int Size = 36;

    /// <inheritdoc/>
    int IConsensusEncodable<OutPoint>.SerializedSize => Size;

    /// <summary>Core COutPoint serialization: the txid in internal byte order, then the index (uint32 LE).</summary>
    public void WriteTo(BitcoinWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt256(TxId.Value);
        writer.WriteUInt32LE(Index);
    }

    /// <inheritdoc/>
    public static bool TryRead(ref BitcoinReader reader, out OutPoint value)
    {
        if (reader.TryReadUInt256(out var hash) && reader.TryReadUInt32LE(out var index))
        {
            value = new OutPoint(new TxId(hash), index);
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>The null outpoint of a coinbase input (zero hash, index 0xffffffff).</summary>
    public static OutPoint Null => new(TxId.Zero, uint.MaxValue);

    /// <summary>Core COutPoint::IsNull.</summary>
    public bool IsNull => TxId.Value.IsZero && Index == uint.MaxValue;

    /// <summary>"txid:index".</summary>
    public override string ToString() => $"{TxId}:{Index}";

    /// <summary>Parses "txid:index".</summary>
    public static bool TryParse(string? text, out OutPoint value)
    {
        value = default;
        var colon = text?.LastIndexOf(':') ?? -1;
        if (colon < 0 || !TxId.TryParse(text![..colon], out var id) ||
            !uint.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
        {
            return false;
        }

        value = new OutPoint(id, index);
        return true;
    }

    /// <summary>Parses "txid:index" or throws <see cref="FormatException"/>.</summary>
    public static OutPoint Parse(string text) =>
        TryParse(text, out var v) ? v : throw new FormatException("outpoint: expected '<64 hex txid>:<index>'");
}
