using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;

namespace OPSource.Bitcoin.Transactions;

/// <summary>
/// A transaction input (Core's CTxIn plus its witness). Its consensus encoding is CTxIn's: prevout,
/// scriptSig, nSequence; the witness is serialized by the transaction after all outputs (BIP144).
/// </summary>
public sealed record TxIn(OutPoint PrevOut, Script ScriptSig, Sequence Sequence, Witness Witness) : IConsensusEncodable<TxIn>
{
    /// <summary>The smallest encoding: outpoint, empty scriptSig, sequence.</summary>
    internal const int MinSize = OutPoint.Size + 1 + 4;

    /// <summary>An input spending <paramref name="prevOut"/> with empty scriptSig and witness and a final sequence.</summary>
    public TxIn(OutPoint prevOut)
        : this(prevOut, Script.Empty, Sequence.Final, Witness.Empty)
    {
    }

    /// <summary>Size of the CTxIn encoding (without the witness).</summary>
    public int SerializedSize => OutPoint.Size + ScriptSig.SerializedSize + 4;

    /// <summary>Core CTxIn serialization: prevout, scriptSig, nSequence (the witness is not part of it).</summary>
    public void WriteTo(BitcoinWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        PrevOut.WriteTo(writer);
        ScriptSig.WriteTo(writer);
        writer.WriteUInt32LE(Sequence.Value);
    }

    /// <summary>Reads a CTxIn; the witness is empty (a transaction reads witnesses separately).</summary>
    public static bool TryRead(ref BitcoinReader reader, [NotNullWhen(true)] out TxIn? value)
    {
        value = null;
        if (!OutPoint.TryRead(ref reader, out var prevOut) || !Script.TryRead(ref reader, out var scriptSig) || !reader.TryReadUInt32LE(out var sequence))
        {
            return false;
        }

        value = new TxIn(prevOut, scriptSig, new Sequence(sequence), Witness.Empty);
        return true;
    }
}

/// <summary>A transaction output (Core's CTxOut): an 8-byte value and a length-prefixed scriptPubKey.</summary>
public sealed record TxOut(Money Value, Script ScriptPubKey) : IConsensusEncodable<TxOut>
{
    /// <summary>The smallest encoding: value and an empty script.</summary>
    internal const int MinSize = 8 + 1;

    /// <summary>Size of the CTxOut encoding.</summary>
    public int SerializedSize => 8 + ScriptPubKey.SerializedSize;

    /// <summary>Core CTxOut serialization: nValue (int64 LE), then scriptPubKey.</summary>
    public void WriteTo(BitcoinWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        WriteValueTo(writer);
        ScriptPubKey.WriteTo(writer);
    }

    /// <summary>Writes nValue alone (BIP341 sha_amounts commits to the spent values without their scripts).</summary>
    public void WriteValueTo(BitcoinWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteInt64LE(Value.Satoshis);
    }

    /// <summary>Reads a CTxOut; any 64-bit value is accepted, as Core's decoder does (CheckTransaction judges it).</summary>
    public static bool TryRead(ref BitcoinReader reader, [NotNullWhen(true)] out TxOut? value)
    {
        value = null;
        if (!reader.TryReadInt64LE(out var amount) || !Script.TryRead(ref reader, out var script))
        {
            return false;
        }

        value = new TxOut(new Money(amount), script);
        return true;
    }
}
