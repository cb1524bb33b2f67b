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

/// <summary>
/// A transaction output (Core's CTxOut): a value and a scriptPubKey. Outputs you build carry an
/// <see cref="Amount"/> (0..MAX_MONEY by construction). Outputs decoded from raw bytes keep the exact
/// signed 64-bit nValue they were serialized with (<see cref="RawValue"/>), even when it is negative or
/// above MAX_MONEY, so that such a transaction still decodes, re-serializes and hashes byte-for-byte and
/// CheckTransaction can reject it with Core's reason; <see cref="HasValidValue"/> says whether
/// <see cref="Value"/> may be read.
/// </summary>
public sealed record TxOut : IConsensusEncodable<TxOut>
{
    /// <summary>The smallest encoding: value and an empty script.</summary>
    internal const int MinSize = 8 + 1;

    private readonly long _value;
    private readonly Script _scriptPubKey;

    /// <summary>An output paying <paramref name="value"/> to <paramref name="scriptPubKey"/>.</summary>
    public TxOut(Amount value, Script scriptPubKey)
        : this(value.Satoshis, scriptPubKey)
    {
    }

    private TxOut(long rawValue, Script scriptPubKey)
    {
        ArgumentNullException.ThrowIfNull(scriptPubKey);
        _value = rawValue;
        _scriptPubKey = scriptPubKey;
    }

    /// <summary>
    /// An output with any signed 64-bit nValue, as a decoder reads it (Core's CTxOut with an arbitrary
    /// CAmount). Use it only to represent bytes you did not create: consensus rejects values outside
    /// 0..MAX_MONEY (Core CheckTransaction).
    /// </summary>
    public static TxOut FromRawValue(long nValue, Script scriptPubKey) => new(nValue, scriptPubKey);

    /// <summary>Core CTxOut::SetNull: value -1 and an empty script (the blank outputs of a legacy SIGHASH_SINGLE preimage).</summary>
    public static TxOut Null { get; } = new(-1, Script.Empty);

    /// <summary>
    /// The value. Throws <see cref="InvalidOperationException"/> for a decoded output whose nValue is
    /// outside 0..MAX_MONEY (check <see cref="HasValidValue"/> on untrusted data, or read <see cref="RawValue"/>).
    /// </summary>
    public Amount Value
    {
        get => Amount.TryFromSatoshis(_value, out var amount)
            ? amount
            : throw new InvalidOperationException($"txout: value {_value} sat is outside 0..21,000,000 BTC (Core MoneyRange); this output cannot be valid");
        init => _value = value.Satoshis;
    }

    /// <summary>The signed 64-bit nValue exactly as serialized (Core's CTxOut::nValue).</summary>
    public long RawValue => _value;

    /// <summary>Core MoneyRange(nValue): the value is a valid <see cref="Amount"/>.</summary>
    public bool HasValidValue => Amount.IsInRange(_value);

    /// <summary>The locking script.</summary>
    public Script ScriptPubKey
    {
        get => _scriptPubKey;
        init => _scriptPubKey = value ?? throw new ArgumentNullException(nameof(value));
    }

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
        writer.WriteInt64LE(_value);
    }

    /// <summary>Reads a CTxOut; any 64-bit value is accepted, as Core's decoder does (CheckTransaction judges it).</summary>
    public static bool TryRead(ref BitcoinReader reader, [NotNullWhen(true)] out TxOut? value)
    {
        value = null;
        if (!reader.TryReadInt64LE(out var amount) || !Script.TryRead(ref reader, out var script))
        {
            return false;
        }

        value = new TxOut(amount, script);
        return true;
    }

    /// <summary>"&lt;value&gt; sat &lt;scriptPubKey hex&gt;".</summary>
    public override string ToString() => $"{_value} sat {ScriptPubKey.ToHex()}";
}
