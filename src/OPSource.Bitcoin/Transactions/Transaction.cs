using System.Runtime.CompilerServices;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;

namespace OPSource.Bitcoin.Transactions;

/// <summary>
/// An immutable Bitcoin transaction, serialized and parsed exactly as Core's
/// primitives/transaction.h (including BIP144 extended serialization). Derive modified copies
/// with the <c>With*</c> methods.
/// </summary>
public sealed class Transaction : IEquatable<Transaction>, IConsensusEncodable<Transaction>
{
    private readonly TxIn[] _inputs;
    private readonly TxOut[] _outputs;
    // Boxed so a cached id is published atomically (a 33-byte nullable struct could tear across threads).
    private StrongBox<TxId>? _txid;
    private StrongBox<Wtxid>? _wtxid;
    private int _size = -1;
    private int _strippedSize = -1;

    /// <summary>Creates a transaction.</summary>
    public Transaction(int version, IEnumerable<TxIn> inputs, IEnumerable<TxOut> outputs, LockTime lockTime)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        Version = version;
        _inputs = [.. inputs];
        _outputs = [.. outputs];
        LockTime = lockTime;
        foreach (var i in _inputs)
        {
            ArgumentNullException.ThrowIfNull(i, nameof(inputs));
        }

        foreach (var o in _outputs)
        {
            ArgumentNullException.ThrowIfNull(o, nameof(outputs));
        }
    }

    private Transaction(int version, TxIn[] inputs, TxOut[] outputs, LockTime lockTime, bool _)
    {
        Version = version;
        _inputs = inputs;
        _outputs = outputs;
        LockTime = lockTime;
    }

    /// <summary>nVersion (signed, as in Core).</summary>
    public int Version { get; }

    /// <summary>The inputs.</summary>
    public IReadOnlyList<TxIn> Inputs => _inputs;

    /// <summary>The outputs.</summary>
    public IReadOnlyList<TxOut> Outputs => _outputs;

    /// <summary>nLockTime.</summary>
    public LockTime LockTime { get; }

    /// <summary>Core HasWitness: some input has a non-empty witness stack.</summary>
    public bool HasWitness
    {
        get
        {
            foreach (var i in _inputs)
            {
                if (!i.Witness.IsEmpty)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Core IsCoinBase: exactly one input and it spends the null outpoint.</summary>
    public bool IsCoinBase => _inputs.Length == 1 && _inputs[0].PrevOut.IsNull;

    /// <summary>BIP125: some input has nSequence &lt; 0xfffffffe.</summary>
    public bool SignalsRbf => _inputs.Any(i => i.Sequence.SignalsRbf);

    /// <summary>Serialized size with witness data (BIP144).</summary>
    public int Size => _size >= 0 ? _size : _size = ComputeSize(true);

    /// <summary>Serialized size without witness data.</summary>
    public int StrippedSize => _strippedSize >= 0 ? _strippedSize : _strippedSize = ComputeSize(false);

    /// <summary>BIP141 weight: stripped size × 3 + total size.</summary>
    public int Weight => (StrippedSize * (ConsensusLimits.WitnessScaleFactor - 1)) + Size;

    /// <summary>BIP141 virtual size: weight / 4 rounded up.</summary>
    public int VirtualSize => (Weight + ConsensusLimits.WitnessScaleFactor - 1) / ConsensusLimits.WitnessScaleFactor;

    /// <summary>HASH256 of the non-witness serialization.</summary>
    public TxId GetTxId()
    {
        if (_txid is { } cached)
        {
            return cached.Value;
        }

        var id = new TxId(HashSerialization(false));
        _txid = new StrongBox<TxId>(id);
        return id;
    }

    /// <summary>BIP141 wtxid: HASH256 of the witness serialization (equals the txid without witnesses).</summary>
    public Wtxid GetWtxid()
    {
        if (_wtxid is { } cached)
        {
            return cached.Value;
        }

        var id = HasWitness ? new Wtxid(HashSerialization(true)) : new Wtxid(GetTxId().Value);
        _wtxid = new StrongBox<Wtxid>(id);
        return id;
    }

    /// <summary>
    /// Core CTransaction::GetValueOut: the sum of the output values, defined when every value and the
    /// running total are in MoneyRange (as CheckTransaction requires). A parsed transaction can carry any
    /// 64-bit values; use <see cref="TryGetTotalOutput"/> for those.
    /// </summary>
    /// <exception cref="InvalidOperationException">A value or the total is outside 0..21,000,000 BTC.</exception>
    public Amount TotalOutput => TryGetTotalOutput(out var total)
        ? total
        : throw new InvalidOperationException("transaction: an output value or the total is outside 0..21,000,000 BTC (CheckTransaction rejects it)");

    /// <summary>The sum of the output values; false (instead of overflowing) when a value or the running total leaves MoneyRange.</summary>
    public bool TryGetTotalOutput(out Amount total)
    {
        // Found by fuzzing (transaction target): summing parsed values with checked arithmetic overflowed.
        total = Amount.Zero;
        foreach (var output in _outputs)
        {
            if (!output.HasValidValue || total.CheckedAdd(output.Value) is not { } sum)
            {
                total = default;
                return false;
            }

            total = sum;
        }

        return true;
    }

    /// <summary>
    /// Core IsFinalTx: lock time 0, or below the block height/time it is compared with, or every
    /// input has a final sequence.
    /// </summary>
    public bool IsFinal(int blockHeight, long blockTime)
    {
        if (LockTime.Value == 0)
        {
            return true;
        }

        var limit = LockTime.IsHeight ? blockHeight : blockTime;
        if (LockTime.Value < limit)
        {
            return true;
        }

        return _inputs.All(i => i.Sequence.IsFinal);
    }

    /// <summary>Serializes (with witness data when present and <paramref name="includeWitness"/>).</summary>
    public byte[] ToBytes(bool includeWitness = true)
    {
        var writer = new BitcoinWriter(includeWitness ? Size : StrippedSize);
        WriteTo(writer, includeWitness);
        return writer.ToArray();
    }

    /// <summary>Lowercase hex of <see cref="ToBytes"/>.</summary>
    public string ToHex(bool includeWitness = true) => Hex.Encode(ToBytes(includeWitness));

    /// <inheritdoc/>
    int IConsensusEncodable<Transaction>.SerializedSize => Size;

    /// <summary>Core SerializeTransaction with witness data (BIP144 form when a witness is present).</summary>
    public void WriteTo(BitcoinWriter writer) => WriteTo(writer, includeWitness: true);

    /// <summary>Core SerializeTransaction: the BIP144 marker/flag only when a witness is present.</summary>
    public void WriteTo(BitcoinWriter writer, bool includeWitness)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteInt32LE(Version);
        var withWitness = includeWitness && HasWitness;
        if (withWitness)
        {
            // BIP144: empty vin as marker (0x00), then flags (0x01).
            writer.WriteUInt8(0);
            writer.WriteUInt8(1);
        }

        ConsensusEncoding.WriteList(writer, _inputs);
        ConsensusEncoding.WriteList(writer, _outputs);
        if (withWitness)
        {
            foreach (var i in _inputs)
            {
                i.Witness.WriteTo(writer);
            }
        }

        writer.WriteUInt32LE(LockTime.Value);
    }

    /// <summary>
    /// Parses a complete serialized transaction (no trailing bytes). With <paramref name="allowWitness"/>
    /// the BIP144 form is recognised exactly as Core's UnserializeTransaction does.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Transaction? transaction, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out DecodeError? error, bool allowWitness = true)
    {
        if (ConsensusEncoding.TryDecode(data, allowWitness ? TryRead : TryReadLegacy, out transaction, out error))
        {
            return true;
        }

        error = error.WithContext("transaction");
        return false;
    }

    /// <summary>Parses hex; see <see cref="TryParse(ReadOnlySpan{byte}, out Transaction?, out DecodeError?, bool)"/>.</summary>
    public static bool TryParse(string? hex, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Transaction? transaction, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out DecodeError? error, bool allowWitness = true)
    {
        transaction = null;
        if (!Hex.TryParse(hex, out var bytes, out var hexError))
        {
            error = new DecodeError(DecodeErrorKind.InvalidHex, "transaction: " + hexError);
            return false;
        }

        return TryParse(bytes, out transaction, out error, allowWitness);
    }

    /// <summary>
    /// Core core_read.cpp DecodeTx, for user-supplied hex whose form is unknown: decode both as
    /// extended (BIP144) and as legacy serialization, keep only readings that consume all bytes,
    /// and prefer the one whose scripts pass Core's CheckTxScriptsSanity (extended on a tie).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Transaction? transaction, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out DecodeError? error, bool tryNoWitness = true, bool tryWitness = true)
    {
        transaction = null;
        error = null;
        Transaction? extended = null;
        if (tryWitness && TryParse(data, out extended, out error) && HasSaneScripts(extended))
        {
            transaction = extended;
            return true;
        }

        DecodeError? legacyError = null;
        Transaction? legacy = null;
        if (tryNoWitness && TryParse(data, out legacy, out legacyError, allowWitness: false) && HasSaneScripts(legacy))
        {
            transaction = legacy;
            error = null;
            return true;
        }

        transaction = extended ?? legacy;
        if (transaction is not null)
        {
            error = null;
            return true;
        }

        error ??= legacyError ?? new DecodeError(DecodeErrorKind.InvalidValue, "transaction: no decoding attempted");
        return false;
    }

    /// <summary>
    /// Core CheckTxScriptsSanity: every scriptSig (unless coinbase) and scriptPubKey has valid ops
    /// and is at most MAX_SCRIPT_SIZE bytes.
    /// </summary>
    public static bool HasSaneScripts(Transaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (!transaction.IsCoinBase && transaction._inputs.Any(i => !i.ScriptSig.HasValidOps() || i.ScriptSig.Length > ConsensusLimits.MaxScriptSize))
        {
            return false;
        }

        return transaction._outputs.All(o => o.ScriptPubKey.HasValidOps() && o.ScriptPubKey.Length <= ConsensusLimits.MaxScriptSize);
    }

    /// <summary>Parses or throws <see cref="BitcoinFormatException"/> naming the rule broken.</summary>
    public static Transaction Parse(ReadOnlySpan<byte> data, bool allowWitness = true) =>
        TryParse(data, out var tx, out var error, allowWitness) ? tx : throw error.ToException();

    /// <summary>Parses hex or throws <see cref="BitcoinFormatException"/>.</summary>
    public static Transaction Parse(string hex, bool allowWitness = true) =>
        TryParse(hex, out var tx, out var error, allowWitness) ? tx : throw error.ToException();

    /// <summary>Reads a transaction in the BIP144 form when it has witness data (the encoding contract's reader).</summary>
    public static bool TryRead(ref BitcoinReader reader, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Transaction? transaction) =>
        TryRead(ref reader, out transaction, allowWitness: true);

    private static bool TryReadLegacy(ref BitcoinReader reader, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Transaction? transaction) =>
        TryRead(ref reader, out transaction, allowWitness: false);

    /// <summary>
    /// Reads one transaction from <paramref name="reader"/> (e.g. inside a block); on failure the
    /// reader's <see cref="BitcoinReader.Error"/> says why and where.
    /// </summary>
    public static bool TryRead(ref BitcoinReader reader, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Transaction? transaction, bool allowWitness)
    {
        transaction = null;
        if (!reader.TryReadInt32LE(out var version))
        {
            return false;
        }

        byte flags = 0;
        TxOut[]? outputs = [];

        // Core UnserializeTransaction: try to read vin; a BIP144 marker reads as an empty vin.
        if (!ConsensusEncoding.TryReadList<TxIn>(ref reader, TxIn.MinSize, "input", out var inputs))
        {
            return false;
        }

        if (inputs.Length == 0 && allowWitness)
        {
            if (!reader.TryReadUInt8(out flags))
            {
                return false;
            }

            if (flags != 0)
            {
                if (!ConsensusEncoding.TryReadList(ref reader, TxIn.MinSize, "input", out inputs) || !ConsensusEncoding.TryReadList(ref reader, TxOut.MinSize, "output", out outputs))
                {
                    return false;
                }
            }
        }
        else if (!ConsensusEncoding.TryReadList(ref reader, TxOut.MinSize, "output", out outputs))
        {
            return false;
        }

        if ((flags & 1) != 0 && allowWitness)
        {
            flags ^= 1;
            var any = false;
            for (var i = 0; i < inputs.Length; i++)
            {
                if (!Witness.TryRead(ref reader, out var witness))
                {
                    return false;
                }

                any |= !witness.IsEmpty;
                inputs[i] = inputs[i] with { Witness = witness };
            }

            // Core: it's illegal to encode witnesses when all witness stacks are empty.
            if (!any)
            {
                return reader.Fail(DecodeErrorKind.SuperfluousWitness, "superfluous witness record");
            }
        }

        if (flags != 0)
        {
            // Core: unknown flag in the serialization.
            return reader.Fail(DecodeErrorKind.UnknownOptionalData, "unknown transaction optional data");
        }

        if (!reader.TryReadUInt32LE(out var lockTime))
        {
            return false;
        }

        transaction = new Transaction(version, inputs, outputs ?? [], new LockTime(lockTime), true);
        return true;
    }

    /// <summary>A copy with another version.</summary>
    public Transaction WithVersion(int version) => new(version, _inputs, _outputs, LockTime, true);

    /// <summary>A copy with another lock time.</summary>
    public Transaction WithLockTime(LockTime lockTime) => new(Version, _inputs, _outputs, lockTime, true);

    /// <summary>A copy with other inputs.</summary>
    public Transaction WithInputs(IEnumerable<TxIn> inputs) => new(Version, inputs, _outputs, LockTime);

    /// <summary>A copy with other outputs.</summary>
    public Transaction WithOutputs(IEnumerable<TxOut> outputs) => new(Version, _inputs, outputs, LockTime);

    /// <summary>A copy with input <paramref name="index"/> replaced.</summary>
    public Transaction WithInput(int index, TxIn input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var copy = (TxIn[])_inputs.Clone();
        copy[index] = input;
        return new Transaction(Version, copy, _outputs, LockTime, true);
    }

    /// <summary>A copy with output <paramref name="index"/> replaced.</summary>
    public Transaction WithOutput(int index, TxOut output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var copy = (TxOut[])_outputs.Clone();
        copy[index] = output;
        return new Transaction(Version, _inputs, copy, LockTime, true);
    }

    /// <summary>A copy with the witness of input <paramref name="index"/> replaced.</summary>
    public Transaction WithWitness(int index, Witness witness)
    {
        ArgumentNullException.ThrowIfNull(witness);
        return WithInput(index, _inputs[index] with { Witness = witness });
    }

    /// <summary>A copy with the scriptSig of input <paramref name="index"/> replaced.</summary>
    public Transaction WithScriptSig(int index, Script scriptSig)
    {
        ArgumentNullException.ThrowIfNull(scriptSig);
        return WithInput(index, _inputs[index] with { ScriptSig = scriptSig });
    }

    /// <summary>A copy with every witness removed.</summary>
    public Transaction WithoutWitnesses() =>
        new(Version, _inputs.Select(i => i.Witness.IsEmpty ? i : i with { Witness = Witness.Empty }).ToArray(), _outputs, LockTime, true);

    /// <summary>Hex of the serialization.</summary>
    public override string ToString() => ToHex();

    /// <summary>Equal when both serializations (with and without witness) are identical.</summary>
    public bool Equals(Transaction? other) =>
        other is not null && (ReferenceEquals(this, other) || (GetTxId() == other.GetTxId() && GetWtxid() == other.GetWtxid()));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Transaction);

    /// <inheritdoc/>
    public override int GetHashCode() => GetWtxid().GetHashCode();

    private UInt256 HashSerialization(bool includeWitness)
    {
        using var hasher = new HashWriter();
        WriteTo(new BitcoinWriter(hasher), includeWitness);
        return hasher.GetHash256();
    }

    private int ComputeSize(bool includeWitness)
    {
        var size = 4 + ConsensusEncoding.GetListSize(_inputs) + ConsensusEncoding.GetListSize(_outputs) + 4;
        if (includeWitness && HasWitness)
        {
            size += 2;
            foreach (var i in _inputs)
            {
                size += i.Witness.SerializedSize;
            }
        }

        return size;
    }
}
