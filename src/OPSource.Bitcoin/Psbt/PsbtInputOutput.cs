using System.Buffers.Binary;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Psbt;

/// <summary>
/// Typed, read-only view of one PSBT input map. Its fields were validated when the PSBT was parsed or
/// built; each is decoded once, on first access, and kept (the map is immutable), so repeated access
/// (the signer, finalizer and fee reading every input's UTXO) never re-parses a transaction or a key.
/// </summary>
public sealed class PsbtInput
{
    private object? _nonWitnessUtxo, _witnessUtxo, _utxo, _partialSigs, _redeemScript, _witnessScript, _bip32, _finalScriptSig, _finalWitness;
    private object? _ripemd160, _sha256, _hash160, _hash256, _tapScriptSigs, _tapLeafScripts, _tapBip32, _tapInternalKey, _proprietary, _unknown;

    private readonly OutPoint? _v0PrevOut;
    private readonly Sequence? _v0Sequence;

    private readonly int _version;

    internal PsbtInput(PsbtMap map, int index, OutPoint? v0PrevOut, Sequence? v0Sequence)
    {
        _version = v0PrevOut is null ? 2 : 0;
        Map = map;
        Index = index;
        _v0PrevOut = v0PrevOut;
        _v0Sequence = v0Sequence;
    }

    /// <summary>The raw map.</summary>
    public PsbtMap Map { get; }

    /// <summary>An Updater's typed value of PSBT_IN_WITNESS_UTXO, set before this view is published (it is what decoding the field gives).</summary>
    internal void Know(TxOut witnessUtxo) => Volatile.Write(ref _witnessUtxo, witnessUtxo);

    /// <summary>An Updater's typed value of PSBT_IN_TAP_INTERNAL_KEY, set before this view is published.</summary>
    internal void Know(XOnlyPublicKey tapInternalKey) => Volatile.Write(ref _tapInternalKey, (object)tapInternalKey);

    /// <summary>The input's position.</summary>
    public int Index { get; }

    /// <summary>The outpoint spent: from the unsigned tx (v0) or PREVIOUS_TXID/OUTPUT_INDEX (v2).</summary>
    public OutPoint PreviousOutPoint => _v0PrevOut ?? new OutPoint(PreviousTxId!.Value, OutputIndex!.Value);

    /// <summary>The sequence: from the unsigned tx (v0) or PSBT_IN_SEQUENCE, defaulting to 0xffffffff (v2).</summary>
    public Sequence Sequence => _v0Sequence ?? SequenceField ?? Sequence.Final;

    /// <summary>PSBT_IN_NON_WITNESS_UTXO.</summary>
    public Transaction? NonWitnessUtxo => PsbtMemo.Class(ref _nonWitnessUtxo, this, static i => i.Map.Get(PsbtKeys.InNonWitnessUtxo) is { } e ? Transaction.Parse(e.Value) : null);

    /// <summary>PSBT_IN_WITNESS_UTXO.</summary>
    public TxOut? WitnessUtxo => PsbtMemo.Class(ref _witnessUtxo, this, static i => i.Map.Get(PsbtKeys.InWitnessUtxo) is { } e && PsbtCodec.TryReadTxOut(e.Value, out var o) ? o : null);

    /// <summary>PSBT_IN_PARTIAL_SIG entries.</summary>
    public IReadOnlyList<PsbtPartialSignature> PartialSignatures => PsbtMemo.List(ref _partialSigs, this, static i => i.Map.All(PsbtKeys.InPartialSig)
        .Select(e => new PsbtPartialSignature(PublicKey.Parse(e.KeyData), e.KeyData.Length == 33, e.ValueMemory)));

    /// <summary>PSBT_IN_SIGHASH_TYPE.</summary>
    public SigHashType? SighashType => Map.Get(PsbtKeys.InSighashType) is { } e ? new SigHashType(BinaryPrimitives.ReadUInt32LittleEndian(e.Value)) : null;

    /// <summary>PSBT_IN_REDEEM_SCRIPT.</summary>
    public Script? RedeemScript => PsbtMemo.Class(ref _redeemScript, Map, static m => m.Get(PsbtKeys.InRedeemScript) is { } e ? new Script(e.Value) : null);

    /// <summary>PSBT_IN_WITNESS_SCRIPT.</summary>
    public Script? WitnessScript => PsbtMemo.Class(ref _witnessScript, Map, static m => m.Get(PsbtKeys.InWitnessScript) is { } e ? new Script(e.Value) : null);

    /// <summary>PSBT_IN_BIP32_DERIVATION entries.</summary>
    public IReadOnlyList<PsbtKeyOrigin> Bip32Derivations => PsbtMemo.List(ref _bip32, Map, static m => PsbtOutput.ReadOrigins(m, PsbtKeys.InBip32Derivation));

    /// <summary>PSBT_IN_FINAL_SCRIPTSIG.</summary>
    public Script? FinalScriptSig => PsbtMemo.Class(ref _finalScriptSig, Map, static m => m.Get(PsbtKeys.InFinalScriptSig) is { } e ? new Script(e.Value) : null);

    /// <summary>PSBT_IN_FINAL_SCRIPTWITNESS.</summary>
    public Witness? FinalScriptWitness => PsbtMemo.Class(ref _finalWitness, Map, static m => m.Get(PsbtKeys.InFinalScriptWitness) is { } e && Witness.TryParse(e.Value, out var w) ? w : null);

    /// <summary>True when a final scriptSig or final witness is present.</summary>
    public bool IsFinalized => Map.Get(PsbtKeys.InFinalScriptSig) is not null || Map.Get(PsbtKeys.InFinalScriptWitness) is not null;

    /// <summary>PSBT_IN_RIPEMD160 preimages.</summary>
    public IReadOnlyList<PsbtPreimage> Ripemd160Preimages => PsbtMemo.List(ref _ripemd160, Map, static m => Preimages(m, PsbtKeys.InRipemd160));

    /// <summary>PSBT_IN_SHA256 preimages.</summary>
    public IReadOnlyList<PsbtPreimage> Sha256Preimages => PsbtMemo.List(ref _sha256, Map, static m => Preimages(m, PsbtKeys.InSha256));

    /// <summary>PSBT_IN_HASH160 preimages.</summary>
    public IReadOnlyList<PsbtPreimage> Hash160Preimages => PsbtMemo.List(ref _hash160, Map, static m => Preimages(m, PsbtKeys.InHash160));

    /// <summary>PSBT_IN_HASH256 preimages.</summary>
    public IReadOnlyList<PsbtPreimage> Hash256Preimages => PsbtMemo.List(ref _hash256, Map, static m => Preimages(m, PsbtKeys.InHash256));

    /// <summary>PSBT_IN_PREVIOUS_TXID (v2).</summary>
    public TxId? PreviousTxId => Map.Get(PsbtKeys.InPreviousTxId) is { } e ? TxId.FromBytes(e.Value) : null;

    /// <summary>PSBT_IN_OUTPUT_INDEX (v2).</summary>
    public uint? OutputIndex => Map.Get(PsbtKeys.InOutputIndex) is { } e ? BinaryPrimitives.ReadUInt32LittleEndian(e.Value) : null;

    /// <summary>PSBT_IN_SEQUENCE (v2).</summary>
    public Sequence? SequenceField => Map.Get(PsbtKeys.InSequence) is { } e ? new Sequence(BinaryPrimitives.ReadUInt32LittleEndian(e.Value)) : null;

    /// <summary>PSBT_IN_REQUIRED_TIME_LOCKTIME (v2).</summary>
    public LockTime? RequiredTimeLockTime => Map.Get(PsbtKeys.InRequiredTimeLockTime) is { } e ? new LockTime(BinaryPrimitives.ReadUInt32LittleEndian(e.Value)) : null;

    /// <summary>PSBT_IN_REQUIRED_HEIGHT_LOCKTIME (v2).</summary>
    public LockTime? RequiredHeightLockTime => Map.Get(PsbtKeys.InRequiredHeightLockTime) is { } e ? new LockTime(BinaryPrimitives.ReadUInt32LittleEndian(e.Value)) : null;

    /// <summary>PSBT_IN_TAP_KEY_SIG (64 or 65 bytes).</summary>
    public ReadOnlyMemory<byte>? TapKeySignature => Map.Get(PsbtKeys.InTapKeySig)?.ValueMemory;

    /// <summary>PSBT_IN_TAP_SCRIPT_SIG entries.</summary>
    public IReadOnlyList<PsbtTapScriptSignature> TapScriptSignatures => PsbtMemo.List(ref _tapScriptSigs, Map, static m => m.All(PsbtKeys.InTapScriptSig)
        .Select(e => new PsbtTapScriptSignature(XOnlyPublicKey.Parse(e.KeyData[..32]), new TapLeafHash(new UInt256(e.KeyData[32..])), e.ValueMemory)));

    /// <summary>PSBT_IN_TAP_LEAF_SCRIPT entries.</summary>
    public IReadOnlyList<PsbtTapLeafScript> TapLeafScripts => PsbtMemo.List(ref _tapLeafScripts, Map, static m => m.All(PsbtKeys.InTapLeafScript)
        .Select(e => new PsbtTapLeafScript(ControlBlock.Parse(e.KeyData), new Script(e.Value[..^1]), e.Value[^1])));

    /// <summary>PSBT_IN_TAP_BIP32_DERIVATION entries.</summary>
    public IReadOnlyList<PsbtTapKeyOrigin> TapBip32Derivations => PsbtMemo.List(ref _tapBip32, Map, static m => PsbtOutput.ReadTapOrigins(m, PsbtKeys.InTapBip32Derivation));

    /// <summary>PSBT_IN_TAP_INTERNAL_KEY.</summary>
    public XOnlyPublicKey? TapInternalKey => PsbtMemo.Struct(ref _tapInternalKey, Map, static m => m.Get(PsbtKeys.InTapInternalKey) is { } e ? XOnlyPublicKey.Parse(e.Value) : (XOnlyPublicKey?)null);

    /// <summary>PSBT_IN_TAP_MERKLE_ROOT.</summary>
    public UInt256? TapMerkleRoot => Map.Get(PsbtKeys.InTapMerkleRoot) is { } e ? new UInt256(e.Value) : null;

    /// <summary>Proprietary (0xFC) entries.</summary>
    public IEnumerable<PsbtEntry> Proprietary => PsbtMemo.List(ref _proprietary, Map, static m => m.All(PsbtKeys.Proprietary));

    /// <summary>Entries of unknown types (kept byte-exact in the map).</summary>
    public IEnumerable<PsbtEntry> Unknown => PsbtMemo.List(ref _unknown, this, static i => i.Map.Entries.Where(e => PsbtKeys.IsUnknown(PsbtMapKind.Input, e, i._version)));

    /// <summary>The output being spent: WITNESS_UTXO, else the NON_WITNESS_UTXO's output at the outpoint index.</summary>
    public TxOut? GetUtxo() => PsbtMemo.Class(ref _utxo, this, static i =>
    {
        if (i.NonWitnessUtxo is { } prev)
        {
            var n = i.PreviousOutPoint.Index;
            return n < prev.Outputs.Count ? prev.Outputs[(int)n] : null;
        }

        return i.WitnessUtxo;
    });

    private static IEnumerable<PsbtPreimage> Preimages(PsbtMap map, ulong type) =>
        map.All(type).Select(e => new PsbtPreimage(e.KeyDataMemory, e.ValueMemory));
}

/// <summary>Typed, read-only view of one PSBT output map; like <see cref="PsbtInput"/>, each field is decoded once, on first access.</summary>
public sealed class PsbtOutput
{
    private object? _txOut, _redeemScript, _witnessScript, _bip32, _tapInternalKey, _tapTree, _tapBip32, _proprietary, _unknown;

    private readonly TxOut? _v0TxOut;

    private readonly int _version;

    internal PsbtOutput(PsbtMap map, int index, TxOut? v0TxOut)
    {
        _version = v0TxOut is null ? 2 : 0;
        Map = map;
        Index = index;
        _v0TxOut = v0TxOut;
    }

    /// <summary>The raw map.</summary>
    public PsbtMap Map { get; }

    /// <summary>The output's position.</summary>
    public int Index { get; }

    /// <summary>The output: from the unsigned tx (v0) or PSBT_OUT_AMOUNT and PSBT_OUT_SCRIPT (v2), value as serialized.</summary>
    public TxOut TxOut => _v0TxOut ?? PsbtMemo.Class(ref _txOut, Map, static m => TxOut.FromRawValue(BinaryPrimitives.ReadInt64LittleEndian(m.Get(PsbtKeys.OutAmount)!.Value), new Script(m.Get(PsbtKeys.OutScript)!.Value)))!;

    /// <summary>The amount (throws for a value outside 0..MAX_MONEY; see <see cref="TxOut"/>).</summary>
    public Amount Amount => TxOut.Value;

    /// <summary>The scriptPubKey: from the unsigned tx (v0) or PSBT_OUT_SCRIPT (v2).</summary>
    public Script Script => TxOut.ScriptPubKey;

    /// <summary>PSBT_OUT_REDEEM_SCRIPT.</summary>
    public Script? RedeemScript => PsbtMemo.Class(ref _redeemScript, Map, static m => m.Get(PsbtKeys.OutRedeemScript) is { } e ? new Script(e.Value) : null);

    /// <summary>PSBT_OUT_WITNESS_SCRIPT.</summary>
    public Script? WitnessScript => PsbtMemo.Class(ref _witnessScript, Map, static m => m.Get(PsbtKeys.OutWitnessScript) is { } e ? new Script(e.Value) : null);

    /// <summary>PSBT_OUT_BIP32_DERIVATION entries.</summary>
    public IReadOnlyList<PsbtKeyOrigin> Bip32Derivations => PsbtMemo.List(ref _bip32, Map, static m => ReadOrigins(m, PsbtKeys.OutBip32Derivation));

    /// <summary>PSBT_OUT_TAP_INTERNAL_KEY.</summary>
    public XOnlyPublicKey? TapInternalKey => PsbtMemo.Struct(ref _tapInternalKey, Map, static m => m.Get(PsbtKeys.OutTapInternalKey) is { } e ? XOnlyPublicKey.Parse(e.Value) : (XOnlyPublicKey?)null);

    /// <summary>PSBT_OUT_TAP_TREE leaves in depth-first order.</summary>
    public IReadOnlyList<PsbtTapLeaf>? TapTree => PsbtMemo.Class(ref _tapTree, Map, static m => m.Get(PsbtKeys.OutTapTree) is { } e && PsbtCodec.TryReadTapTree(e.Value, out var leaves, out _) ? Array.AsReadOnly(leaves!.ToArray()) : null);

    /// <summary>PSBT_OUT_TAP_BIP32_DERIVATION entries.</summary>
    public IReadOnlyList<PsbtTapKeyOrigin> TapBip32Derivations => PsbtMemo.List(ref _tapBip32, Map, static m => ReadTapOrigins(m, PsbtKeys.OutTapBip32Derivation));

    /// <summary>Proprietary (0xFC) entries.</summary>
    public IEnumerable<PsbtEntry> Proprietary => PsbtMemo.List(ref _proprietary, Map, static m => m.All(PsbtKeys.Proprietary));

    /// <summary>Entries of unknown types (kept byte-exact in the map).</summary>
    public IEnumerable<PsbtEntry> Unknown => PsbtMemo.List(ref _unknown, this, static o => o.Map.Entries.Where(e => PsbtKeys.IsUnknown(PsbtMapKind.Output, e, o._version)));

    /// <summary>PSBT_IN_BIP32_DERIVATION / PSBT_OUT_BIP32_DERIVATION: key data is the public key, the value its origin.</summary>
    internal static IEnumerable<PsbtKeyOrigin> ReadOrigins(PsbtMap map, ulong type) => map.All(type)
        .Select(e => new PsbtKeyOrigin(PublicKey.Parse(e.KeyData), e.KeyData.Length == 33, PsbtCodec.ReadKeyOrigin(e.Value)));

    internal static PsbtTapKeyOrigin[] ReadTapOrigins(PsbtMap map, ulong type) => map.All(type)
        .Select(e =>
        {
            var r = new BitcoinReader(e.Value);
            r.TryReadCompactSize(out var n);
            var hashes = new TapLeafHash[(int)n];
            var offset = r.Position;
            for (var i = 0; i < hashes.Length; i++)
            {
                hashes[i] = new TapLeafHash(new UInt256(e.Value.Slice(offset + (32 * i), 32)));
            }

            return new PsbtTapKeyOrigin(XOnlyPublicKey.Parse(e.KeyData), hashes, PsbtCodec.ReadKeyOrigin(e.Value[(offset + (32 * hashes.Length))..]));
        })
        .ToArray();
}

/// <summary>
/// Decode-once storage for the typed PSBT views: a slot holds the decoded value (boxed for structs) or a
/// marker for "field absent", written once; concurrent first readers may both decode, and either result is
/// kept (the values are immutable and equal).
/// </summary>
internal static class PsbtMemo
{
    private static readonly object Absent = new();

    internal static T? Class<TState, T>(ref object? slot, TState state, Func<TState, T?> decode)
        where T : class
    {
        var value = Volatile.Read(ref slot);
        if (value is null)
        {
            value = decode(state) ?? Absent;
            Volatile.Write(ref slot, value);
        }

        return ReferenceEquals(value, Absent) ? null : (T)value;
    }

    internal static T? Struct<TState, T>(ref object? slot, TState state, Func<TState, T?> decode)
        where T : struct
    {
        var value = Volatile.Read(ref slot);
        if (value is null)
        {
            value = decode(state) is { } decoded ? (object)decoded : Absent;
            Volatile.Write(ref slot, value);
        }

        return ReferenceEquals(value, Absent) ? null : (T)value;
    }

    /// <summary>A read-only list (callers cannot cast it back to a writable array and change the shared value).</summary>
    internal static IReadOnlyList<T> List<TState, T>(ref object? slot, TState state, Func<TState, IEnumerable<T>> decode)
    {
        var value = Volatile.Read(ref slot);
        if (value is null)
        {
            value = Array.AsReadOnly(decode(state).ToArray());
            Volatile.Write(ref slot, value);
        }

        return (IReadOnlyList<T>)value;
    }
}
