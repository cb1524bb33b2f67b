using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Bitcoin.Psbt;

/// <summary>
/// An immutable Partially Signed Bitcoin Transaction (BIP174 v0, BIP370 v2, BIP371 taproot fields).
/// Raw key-value maps are kept in their original order so unknown and proprietary fields round-trip
/// byte-exactly; typed properties decode the known fields. Roles return new instances.
/// </summary>
public sealed partial class Psbt
{
    private readonly PsbtMap _global;
    private readonly PsbtMap[] _inputs;
    private readonly PsbtMap[] _outputs;
    private readonly PsbtInput[] _inputViews;
    private readonly PsbtOutput[] _outputViews;
    private readonly Transaction? _unsignedTx;

    internal Psbt(PsbtMap global, PsbtMap[] inputs, PsbtMap[] outputs)
        : this(global, inputs, outputs, null, null)
    {
    }

    /// <summary>
    /// A PSBT of these maps. <paramref name="unsignedTx"/> is the transaction PSBT_GLOBAL_UNSIGNED_TX holds when the
    /// caller has it already (null: parsed from the entry). The typed views of <paramref name="basis"/> are reused for
    /// the maps it shares with this PSBT (the same map object and unsigned transaction), so a role that changes one
    /// input does not decode the others' fields again.
    /// </summary>
    internal Psbt(PsbtMap global, PsbtMap[] inputs, PsbtMap[] outputs, Transaction? unsignedTx, Psbt? basis)
    {
        _global = global;
        _inputs = inputs;
        _outputs = outputs;
        var v = global.Get(PsbtKeys.GlobalVersion);
        Version = v is null ? 0 : (int)BinaryPrimitives.ReadUInt32LittleEndian(v.Value);
        if (Version == 0)
        {
            _unsignedTx = unsignedTx ?? Transaction.Parse(global.Get(PsbtKeys.GlobalUnsignedTx)!.Value, allowWitness: false);
        }

        var reuse = basis is not null && basis.Version == Version && ReferenceEquals(basis._unsignedTx, _unsignedTx);
        _inputViews = new PsbtInput[inputs.Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            _inputViews[i] = reuse && i < basis!._inputs.Length && ReferenceEquals(basis._inputs[i], inputs[i])
                ? basis._inputViews[i]
                : new PsbtInput(inputs[i], i, _unsignedTx?.Inputs[i].PrevOut, _unsignedTx?.Inputs[i].Sequence);
        }

        _outputViews = new PsbtOutput[outputs.Length];
        for (var i = 0; i < outputs.Length; i++)
        {
            _outputViews[i] = reuse && i < basis!._outputs.Length && ReferenceEquals(basis._outputs[i], outputs[i])
                ? basis._outputViews[i]
                : new PsbtOutput(outputs[i], i, _unsignedTx?.Outputs[i]);
        }
    }

    /// <summary>The PSBT version: 0 (BIP174) or 2 (BIP370).</summary>
    public int Version { get; }

    /// <summary>The raw global map.</summary>
    public PsbtMap GlobalMap => _global;

    /// <summary>The inputs with typed field access.</summary>
    public IReadOnlyList<PsbtInput> Inputs => _inputViews;

    /// <summary>The outputs with typed field access.</summary>
    public IReadOnlyList<PsbtOutput> Outputs => _outputViews;

    /// <summary>PSBT_GLOBAL_UNSIGNED_TX (version 0 only).</summary>
    public Transaction? UnsignedTransaction => Version == 0 ? _unsignedTx : null;

    /// <summary>PSBT_GLOBAL_XPUB entries.</summary>
    public IReadOnlyList<PsbtXpub> Xpubs => _global.All(PsbtKeys.GlobalXpub)
        .Select(e =>
        {
            ExtPubKey.TryRead(e.KeyData, out var xpub, out _, out _);
            return new PsbtXpub(xpub!, PsbtCodec.ReadKeyOrigin(e.Value));
        })
        .ToArray();

    /// <summary>PSBT_GLOBAL_TX_VERSION (version 2), or the unsigned transaction's version (version 0).</summary>
    public int TxVersion => Version == 0
        ? _unsignedTx!.Version
        : BinaryPrimitives.ReadInt32LittleEndian(_global.Get(PsbtKeys.GlobalTxVersion)!.Value);

    /// <summary>PSBT_GLOBAL_FALLBACK_LOCKTIME (version 2 only).</summary>
    public LockTime? FallbackLockTime => _global.Get(PsbtKeys.GlobalFallbackLockTime) is { } e
        ? new LockTime(BinaryPrimitives.ReadUInt32LittleEndian(e.Value))
        : null;

    /// <summary>PSBT_GLOBAL_TX_MODIFIABLE (version 2 only).</summary>
    public PsbtTxModifiable? TxModifiable => _global.Get(PsbtKeys.GlobalTxModifiable) is { } e
        ? (PsbtTxModifiable)e.Value[0]
        : null;

    /// <summary>Global proprietary (0xFC) entries.</summary>
    public IEnumerable<PsbtEntry> GlobalProprietary => _global.All(PsbtKeys.Proprietary);

    /// <summary>Global entries of types this library does not know.</summary>
    public IEnumerable<PsbtEntry> GlobalUnknown => _global.Entries.Where(e => PsbtKeys.IsUnknown(PsbtMapKind.Global, e, Version));

    /// <summary>
    /// The transaction being signed, without scriptSigs or witnesses. For version 2 its lock time is
    /// chosen by the BIP370 algorithm; fails when the inputs' lock time requirements conflict.
    /// </summary>
    public bool TryGetUnsignedTransaction([NotNullWhen(true)] out Transaction? transaction, [NotNullWhen(false)] out PsbtError? error)
    {
        if (Version == 0)
        {
            transaction = _unsignedTx!;
            error = null;
            return true;
        }

        transaction = null;
        if (!TryDetermineLockTime(out var lockTime, out var lockError))
        {
            error = lockError;
            return false;
        }

        var ins = Inputs.Select(i => new TxIn(i.PreviousOutPoint, Scripts.Script.Empty, i.Sequence, Witness.Empty));
        var outs = Outputs.Select(o => o.TxOut); // nValue as serialized, even outside MoneyRange (Core decodes it too)
        transaction = new Transaction(TxVersion, ins, outs, lockTime);
        error = null;
        return true;
    }

    /// <summary>The unsigned transaction; throws <see cref="BitcoinFormatException"/> when v2 lock times conflict.</summary>
    public Transaction GetUnsignedTransaction() =>
        TryGetUnsignedTransaction(out var tx, out var error) ? tx : throw error.ToException();

    /// <summary>The txid of the transaction being signed (never changes as signatures are added).</summary>
    public TxId GetUnsignedTxId() => GetUnsignedTransaction().GetTxId();

    /// <summary>
    /// Input total minus output total, when every input's UTXO is known and every value is in range;
    /// signed, because a malformed PSBT can spend more than it has.
    /// </summary>
    public SignedAmount? Fee
    {
        get
        {
            var total = SignedAmount.Zero;
            if (Inputs.Any(i => i.GetUtxo() is { HasValidValue: false }) || Outputs.Any(o => !o.TxOut.HasValidValue))
            {
                return null; // Core: amounts outside MoneyRange make the fee meaningless.
            }

            foreach (var input in Inputs)
            {
                if (input.GetUtxo() is not { } utxo)
                {
                    return null;
                }

                // Core AnalyzePSBT: the running input total must stay in MoneyRange (no overflow with many inputs).
                total += utxo.Value;
                if (!total.IsInMoneyRange)
                {
                    return null;
                }
            }

            foreach (var output in Outputs)
            {
                total -= output.Amount;
            }

            return total;
        }
    }

    /// <summary>True when every input has a final scriptSig or witness.</summary>
    public bool IsFinalized => Inputs.All(i => i.IsFinalized);

    private bool TryDetermineLockTime(out LockTime lockTime, [NotNullWhen(false)] out PsbtError? error)
    {
        // BIP370 "Determining Lock Time".
        uint maxTime = 0, maxHeight = 0;
        bool anyRequirement = false, heightPossible = true, timePossible = true;
        foreach (var i in Inputs)
        {
            var t = i.RequiredTimeLockTime;
            var h = i.RequiredHeightLockTime;
            if (t is null && h is null)
            {
                continue;
            }

            anyRequirement = true;
            heightPossible &= h is not null;
            timePossible &= t is not null;
            if (t is { } tv) maxTime = Math.Max(maxTime, tv.Value);
            if (h is { } hv) maxHeight = Math.Max(maxHeight, hv.Value);
        }

        error = null;
        if (!anyRequirement)
        {
            lockTime = FallbackLockTime ?? LockTime.Zero;
            return true;
        }

        // BIP370: height is chosen when both kinds are possible.
        if (heightPossible)
        {
            lockTime = new LockTime(maxHeight);
            return true;
        }

        if (timePossible)
        {
            lockTime = new LockTime(maxTime);
            return true;
        }

        lockTime = LockTime.Zero;
        error = new PsbtError(PsbtErrorKind.LockTimeConflict, "psbt: inputs require both time and height lock times, so no lock time satisfies them all");
        return false;
    }

    /// <summary>Parses binary PSBT; the error names the map, index and rule broken.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out Psbt? psbt, [NotNullWhen(false)] out PsbtError? error)
    {
        try
        {
            return PsbtParser.TryParse(data, out psbt, out error);
        }
        catch (FormatException ex)
        {
            // Defensive: typed decoders run only after validation, but a parser must never throw.
            psbt = null;
            error = new PsbtError(PsbtErrorKind.InvalidField, "psbt: " + ex.Message);
            return false;
        }
    }

    /// <summary>Parses base64 (BIP174's text form) or hex.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Psbt? psbt, [NotNullWhen(false)] out PsbtError? error)
    {
        psbt = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = new PsbtError(PsbtErrorKind.Empty, "psbt: empty input");
            return false;
        }

        byte[] bytes;
        if (text.StartsWith("70736274ff", StringComparison.OrdinalIgnoreCase))
        {
            if (!Hex.TryParse(text, out bytes, out var hexError))
            {
                error = new PsbtError(PsbtErrorKind.InvalidEncoding, "psbt: invalid hex: " + hexError.Message, hexError.Position);
                return false;
            }
        }
        else
        {
            bytes = new byte[text.Length];
            if (!Convert.TryFromBase64String(text, bytes, out var written))
            {
                error = new PsbtError(PsbtErrorKind.InvalidEncoding, "psbt: not valid base64 or hex");
                return false;
            }

            bytes = bytes[..written];
        }

        return TryParse(bytes, out psbt, out error);
    }

    /// <summary>Parses binary PSBT or throws <see cref="BitcoinFormatException"/> naming the rule broken.</summary>
    public static Psbt Parse(ReadOnlySpan<byte> data) =>
        TryParse(data, out var psbt, out var error) ? psbt : throw error.ToException();

    /// <summary>Parses base64 or hex or throws <see cref="BitcoinFormatException"/>.</summary>
    public static Psbt Parse(string text) =>
        TryParse(text, out var psbt, out var error) ? psbt : throw error.ToException();

    /// <summary>The BIP174 binary serialization.</summary>
    public byte[] ToBytes()
    {
        var w = new BitcoinWriter(1024);
        WriteTo(w);
        return w.ToArray();
    }

    /// <summary>Writes the BIP174 binary serialization.</summary>
    public void WriteTo(BitcoinWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteBytes(PsbtParser.Magic);
        _global.WriteTo(writer);
        foreach (var m in _inputs)
        {
            m.WriteTo(writer);
        }

        foreach (var m in _outputs)
        {
            m.WriteTo(writer);
        }
    }

    /// <summary>Base64, the usual text form.</summary>
    public string ToBase64() => Convert.ToBase64String(ToBytes());

    /// <summary>Lower-case hex.</summary>
    public string ToHex() => Hex.Encode(ToBytes());

    /// <summary>Base64.</summary>
    public override string ToString() => ToBase64();

    internal PsbtMap InputMap(int index) => _inputs[index];

    internal PsbtMap OutputMap(int index) => _outputs[index];

    // Role outputs: every map in Core's order, as Core re-serializes after any role. The unsigned transaction and
    // the typed views of unchanged maps carry over; a map already in Core's order is not sorted again.
    internal Psbt WithMaps(PsbtMap? global = null, PsbtMap[]? inputs = null, PsbtMap[]? outputs = null)
    {
        var g = (global ?? _global).Canonical();
        var tx = _unsignedTx is not null && ReferenceEquals(g.Get(PsbtKeys.GlobalUnsignedTx), _global.Get(PsbtKeys.GlobalUnsignedTx)) ? _unsignedTx : null;
        return new Psbt(g, Canonical(inputs ?? _inputs), Canonical(outputs ?? _outputs), tx, this);
    }

    /// <summary>The BIP174 Creator's PSBT: empty input and output maps around a transaction already checked to be unsigned.</summary>
    private static Psbt Created(PsbtMap global, Transaction unsignedTx) => new(
        global,
        [.. unsignedTx.Inputs.Select(_ => PsbtMap.Empty(PsbtMapKind.Input))],
        [.. unsignedTx.Outputs.Select(_ => PsbtMap.Empty(PsbtMapKind.Output))],
        unsignedTx,
        null);

    private static PsbtMap[] Canonical(PsbtMap[] maps)
    {
        var result = new PsbtMap[maps.Length];
        for (var i = 0; i < maps.Length; i++)
        {
            result[i] = maps[i].Canonical();
        }

        return result;
    }

    internal Psbt WithInputMap(int index, PsbtMap map)
    {
        var copy = (PsbtMap[])_inputs.Clone();
        copy[index] = map;
        return WithMaps(inputs: copy);
    }

    internal Psbt WithOutputMap(int index, PsbtMap map)
    {
        var copy = (PsbtMap[])_outputs.Clone();
        copy[index] = map;
        return WithMaps(outputs: copy);
    }
}
