using System.Diagnostics.CodeAnalysis;

namespace OPSource.Bitcoin.Encoding;

/// <summary>
/// The one consensus encoding contract (Core's <c>Serialize</c>/<c>Unserialize</c> pair, rust-bitcoin's
/// <c>Encodable</c>/<c>Decodable</c>): every wire type — <c>OutPoint</c>, <c>TxIn</c>, <c>TxOut</c>,
/// <c>Witness</c>, <c>Transaction</c>, <c>BlockHeader</c>, <c>Block</c>, amounts, scripts and the PSBT
/// value formats — writes, sizes and reads itself here once, and everything else (sizes and weights,
/// the three sighash algorithms, <c>PrecomputedTransactionData</c>, the PSBT codec) composes these
/// instead of writing a field layout again.
/// </summary>
/// <typeparam name="TSelf">The implementing type.</typeparam>
public interface IConsensusEncodable<TSelf>
    where TSelf : IConsensusEncodable<TSelf>
{
    /// <summary>The number of bytes <see cref="WriteTo"/> writes.</summary>
    int SerializedSize { get; }

    /// <summary>Writes the consensus encoding.</summary>
    void WriteTo(BitcoinWriter writer);

    /// <summary>
    /// Reads one value at the reader's position. On malformed or truncated input returns false and
    /// leaves a typed <see cref="BitcoinReader.Error"/>; never throws for bad bytes.
    /// </summary>
    static abstract bool TryRead(ref BitcoinReader reader, [NotNullWhen(true)] out TSelf? value);
}

/// <summary>Helpers over <see cref="IConsensusEncodable{TSelf}"/>: whole-buffer decode, bytes, lists and hashes.</summary>
public static class ConsensusEncoding
{
    /// <summary>The encoding of <paramref name="value"/> as a new array of exactly its size.</summary>
    public static byte[] ToBytes<T>(T value)
        where T : IConsensusEncodable<T>
    {
        ArgumentNullException.ThrowIfNull(value);
        var writer = new BitcoinWriter(value.SerializedSize);
        value.WriteTo(writer);
        return writer.ToArray();
    }

    /// <summary>
    /// Decodes a value that fills <paramref name="data"/> exactly (trailing bytes are an error), as PSBT
    /// values and standalone serializations are framed.
    /// </summary>
    public static bool TryDecode<T>(ReadOnlySpan<byte> data, [NotNullWhen(true)] out T? value, [NotNullWhen(false)] out DecodeError? error)
        where T : IConsensusEncodable<T> =>
        TryDecode(data, T.TryRead, out value, out error);

    /// <summary>Reads one value (a variant reader, such as a transaction without BIP144 witnesses).</summary>
    internal delegate bool Reader<T>(ref BitcoinReader reader, [NotNullWhen(true)] out T? value);

    /// <summary>Whole-buffer decoding with a variant reader.</summary>
    internal static bool TryDecode<T>(ReadOnlySpan<byte> data, Reader<T> read, [NotNullWhen(true)] out T? value, [NotNullWhen(false)] out DecodeError? error)
    {
        var reader = new BitcoinReader(data);
        if (!read(ref reader, out value))
        {
            error = reader.Error ?? new DecodeError(DecodeErrorKind.InvalidValue, $"invalid value at offset {reader.Position}", reader.Position);
            return false;
        }

        if (!reader.IsAtEnd)
        {
            value = default;
            error = new DecodeError(DecodeErrorKind.TrailingBytes, $"{reader.Remaining} unexpected trailing bytes at offset {reader.Position}", reader.Position);
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Decodes a value filling the data exactly or throws <see cref="BitcoinFormatException"/>.</summary>
    public static T Decode<T>(ReadOnlySpan<byte> data)
        where T : IConsensusEncodable<T> =>
        TryDecode<T>(data, out var value, out var error) ? value : throw error.ToException();

    /// <summary>Core's vector serialization: a CompactSize count, then each item.</summary>
    public static void WriteList<T>(BitcoinWriter writer, IReadOnlyList<T> items)
        where T : IConsensusEncodable<T>
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(items);
        writer.WriteCompactSize((ulong)items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            items[i].WriteTo(writer);
        }
    }

    /// <summary>The size of <see cref="WriteList{T}"/>'s output.</summary>
    public static int GetListSize<T>(IReadOnlyList<T> items)
        where T : IConsensusEncodable<T>
    {
        ArgumentNullException.ThrowIfNull(items);
        var size = CompactSize.GetSize((ulong)items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            size += items[i].SerializedSize;
        }

        return size;
    }

    /// <summary>
    /// Reads a CompactSize count and that many items. <paramref name="minItemSize"/> (the smallest
    /// encoding of one item) lets absurd counts fail before anything is allocated.
    /// </summary>
    public static bool TryReadList<T>(ref BitcoinReader reader, int minItemSize, string what, [NotNullWhen(true)] out T[]? items)
        where T : IConsensusEncodable<T>
    {
        items = null;
        if (!reader.TryReadCompactSize(out var count))
        {
            return false;
        }

        if (count > (ulong)(reader.Remaining / Math.Max(1, minItemSize)))
        {
            return reader.Fail(DecodeErrorKind.CountExceedsData, $"{what} count {count} exceeds the remaining data");
        }

        var result = new T[count];
        for (var i = 0; i < result.Length; i++)
        {
            if (!T.TryRead(ref reader, out var item))
            {
                return false;
            }

            result[i] = item;
        }

        items = result;
        return true;
    }

    /// <summary>SHA256 of the encoding (BIP341's single-hash commitments).</summary>
    public static UInt256 Sha256<T>(T value)
        where T : IConsensusEncodable<T> => Hash(value, twice: false);

    /// <summary>HASH256 (double SHA256) of the encoding (txids, block hashes, BIP143 commitments).</summary>
    public static UInt256 Hash256<T>(T value)
        where T : IConsensusEncodable<T> => Hash(value, twice: true);

    private static UInt256 Hash<T>(T value, bool twice)
        where T : IConsensusEncodable<T>
    {
        ArgumentNullException.ThrowIfNull(value);
        using var hasher = new HashWriter();
        value.WriteTo(new BitcoinWriter(hasher));
        return twice ? hasher.GetHash256() : hasher.GetSha256();
    }
}
