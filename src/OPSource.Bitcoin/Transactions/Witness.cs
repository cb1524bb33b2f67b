using OPSource.Bitcoin.Encoding;

namespace OPSource.Bitcoin.Transactions;

/// <summary>An input's witness stack (BIP141), immutable; item 0 is the bottom of the stack.</summary>
public sealed class Witness : IEquatable<Witness>, IConsensusEncodable<Witness>
{
    private readonly byte[][] _items;

    /// <summary>Creates a witness from copies of <paramref name="items"/>.</summary>
    public Witness(IEnumerable<ReadOnlyMemory<byte>> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        _items = items.Select(i => i.ToArray()).ToArray();
    }

    private Witness(byte[][] owned) => _items = owned;

    /// <summary>The empty witness.</summary>
    public static Witness Empty { get; } = new(Array.Empty<byte[]>());

    /// <summary>Number of stack items.</summary>
    public int Count => _items.Length;

    /// <summary>True when there are no items.</summary>
    public bool IsEmpty => _items.Length == 0;

    /// <summary>Item <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> this[int index] => _items[index];

    /// <summary>The items as memory.</summary>
    public IEnumerable<ReadOnlyMemory<byte>> Items => _items.Select(i => (ReadOnlyMemory<byte>)i);

    /// <summary>Creates a witness from hex strings.</summary>
    public static Witness FromHex(params string[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return new Witness(items.Select(Hex.Parse).ToArray());
    }

    /// <summary>Creates a witness from spans (copied).</summary>
    public static Witness Create(params ReadOnlyMemory<byte>[] items) => new((IEnumerable<ReadOnlyMemory<byte>>)items);

    internal static Witness FromOwned(byte[][] items) => items.Length == 0 ? Empty : new Witness(items);

    /// <summary>A new witness with <paramref name="item"/> pushed on top.</summary>
    public Witness Push(ReadOnlySpan<byte> item) => new([.. _items, item.ToArray()]);

    /// <summary>Serialized size: CompactSize count plus each var-bytes item.</summary>
    public int SerializedSize
    {
        get
        {
            var size = CompactSize.GetSize((ulong)_items.Length);
            foreach (var i in _items)
            {
                size += CompactSize.GetSize((ulong)i.Length) + i.Length;
            }

            return size;
        }
    }

    /// <summary>Writes the stack as Core serializes scriptWitness.stack.</summary>
    public void WriteTo(BitcoinWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteCompactSize((ulong)_items.Length);
        foreach (var i in _items)
        {
            writer.WriteVarBytes(i);
        }
    }

    /// <summary>
    /// Reads a consensus-encoded witness stack (Core scriptWitness.stack) from <paramref name="reader"/>;
    /// on failure the reader's error says what broke.
    /// </summary>
    public static bool TryRead(ref BitcoinReader reader, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Witness? witness)
    {
        witness = Empty;
        if (!reader.TryReadCompactSize(out var count))
        {
            return false;
        }

        if (count > (ulong)reader.Remaining)
        {
            return reader.Fail(DecodeErrorKind.CountExceedsData, $"witness item count {count} exceeds the remaining data");
        }

        var items = new byte[count][];
        for (var i = 0; i < items.Length; i++)
        {
            if (!reader.TryReadVarBytes(out var item))
            {
                return false;
            }

            items[i] = item.ToArray();
        }

        witness = FromOwned(items);
        return true;
    }

    /// <summary>
    /// Parses a witness stack that fills <paramref name="data"/> exactly, as PSBT_IN_FINAL_SCRIPTWITNESS
    /// and BIP322 full signatures carry it; random bytes give false, never an exception.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Witness? witness) =>
        TryParse(data, out witness, out _);

    /// <summary>Parses a witness stack that fills <paramref name="data"/> exactly; the error says what broke and where.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Witness? witness, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out DecodeError? error)
    {
        if (ConsensusEncoding.TryDecode<Witness>(data, out witness, out error))
        {
            return true;
        }

        error = error.WithContext("witness");
        return false;
    }

    /// <summary>Parses a witness stack or throws <see cref="BitcoinFormatException"/>.</summary>
    public static Witness Parse(ReadOnlySpan<byte> data) =>
        TryParse(data, out var witness, out var error) ? witness : throw error.ToException();

    /// <summary>Hex of the items, space-separated.</summary>
    public override string ToString() => string.Join(' ', _items.Select(i => Hex.Encode(i)));

    /// <inheritdoc/>
    public bool Equals(Witness? other)
    {
        if (other is null || other._items.Length != _items.Length)
        {
            return false;
        }

        for (var i = 0; i < _items.Length; i++)
        {
            if (!_items[i].AsSpan().SequenceEqual(other._items[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Witness);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var i in _items)
        {
            h.AddBytes(i);
        }

        return h.ToHashCode();
    }
}
