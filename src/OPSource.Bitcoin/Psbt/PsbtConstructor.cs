using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Bitcoin.Psbt;

/// <summary>
/// An input for the BIP370 Constructor: the outpoint (PSBT_IN_PREVIOUS_TXID/OUTPUT_INDEX, required)
/// plus the optional sequence and the lock times the input's script needs, which steer the
/// transaction's lock time (BIP370 "Determining Lock Time").
/// </summary>
public sealed record PsbtConstructorInput(OutPoint PreviousOutPoint)
{
    /// <summary>PSBT_IN_SEQUENCE; omitted means final (0xffffffff).</summary>
    public Sequence? Sequence { get; init; }

    /// <summary>PSBT_IN_REQUIRED_TIME_LOCKTIME: a Unix time (≥ 500000000) the script needs.</summary>
    public LockTime? RequiredTimeLockTime { get; init; }

    /// <summary>PSBT_IN_REQUIRED_HEIGHT_LOCKTIME: a block height (1..499999999) the script needs.</summary>
    public LockTime? RequiredHeightLockTime { get; init; }
}

/// <summary>The BIP370 Constructor role: adding inputs and outputs to a version 2 PSBT.</summary>
public sealed partial class Psbt
{
    /// <summary>
    /// BIP370 Creator for a PSBT that others will construct: no inputs or outputs yet, the given
    /// fallback lock time and PSBT_GLOBAL_TX_MODIFIABLE flags.
    /// </summary>
    public static Psbt CreateV2(int txVersion, LockTime fallbackLockTime, PsbtTxModifiable modifiable) =>
        CreateV2(new Transaction(txVersion, [], [], fallbackLockTime), modifiable);

    /// <summary>
    /// BIP370 Constructor: appends an input (or inserts it at <paramref name="index"/>). Refused,
    /// with the rule named in <paramref name="error"/>, when inputs are not modifiable, the outpoint
    /// is already spent by another input, its lock time requirement is incompatible or would change
    /// the lock time that existing signatures commit to, an existing signature commits to the input
    /// set, or a SIGHASH_SINGLE pairing would move.
    /// </summary>
    public bool TryAddInput(PsbtConstructorInput input, [NotNullWhen(true)] out Psbt? result, [NotNullWhen(false)] out PsbtError? error, int? index = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        return TryConstruct(input, null, index, out result, out error);
    }

    /// <summary>Adds an input or throws <see cref="InvalidOperationException"/> naming the rule.</summary>
    public Psbt AddInput(PsbtConstructorInput input, int? index = null) =>
        TryAddInput(input, out var result, out var error, index) ? result : throw new InvalidOperationException(error.Message, error.ToException());

    /// <summary>
    /// BIP370 Constructor: appends an output (or inserts it at <paramref name="index"/>). Refused
    /// when outputs are not modifiable, an existing signature commits to the outputs, or a
    /// SIGHASH_SINGLE pairing would move or change.
    /// </summary>
    public bool TryAddOutput(TxOut output, [NotNullWhen(true)] out Psbt? result, [NotNullWhen(false)] out PsbtError? error, int? index = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        return TryConstruct(null, output, index, out result, out error);
    }

    /// <summary>Adds an output or throws <see cref="InvalidOperationException"/> naming the rule.</summary>
    public Psbt AddOutput(TxOut output, int? index = null) =>
        TryAddOutput(output, out var result, out var error, index) ? result : throw new InvalidOperationException(error.Message, error.ToException());

    /// <summary>
    /// BIP370 Constructor with Has SIGHASH_SINGLE: inserts an input and an output at the same index
    /// (default: input count, which must equal the output count), so every SIGHASH_SINGLE input
    /// keeps its paired output.
    /// </summary>
    public bool TryAddInputOutputPair(PsbtConstructorInput input, TxOut output, [NotNullWhen(true)] out Psbt? result, [NotNullWhen(false)] out PsbtError? error, int? index = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        return TryConstruct(input, output, index, out result, out error);
    }

    /// <summary>
    /// Ends construction: clears the Inputs Modifiable and/or Outputs Modifiable flags (BIP370: "A
    /// Constructor may choose to declare that no further inputs and outputs can be added"); the
    /// field is removed when no flag is left.
    /// </summary>
    public Psbt CompleteConstruction(bool inputs = true, bool outputs = true)
    {
        if (Version != 2)
        {
            throw new InvalidOperationException("psbt: construction only applies to version 2 PSBTs (BIP370)");
        }

        var flags = TxModifiable ?? PsbtTxModifiable.None;
        if (inputs) flags &= ~PsbtTxModifiable.Inputs;
        if (outputs) flags &= ~PsbtTxModifiable.Outputs;
        return WithModifiable(_global, flags == PsbtTxModifiable.None ? null : flags);
    }

    private Psbt WithModifiable(PsbtMap global, PsbtTxModifiable? flags)
    {
        global = global.WithoutTypes(PsbtKeys.GlobalTxModifiable);
        if (flags is { } f)
        {
            global = global.With(PsbtKeys.GlobalTxModifiable, default, [(byte)f]);
        }

        return WithMaps(global: global);
    }

    private bool TryConstruct(PsbtConstructorInput? newInput, TxOut? newOutput, int? index, [NotNullWhen(true)] out Psbt? result, [NotNullWhen(false)] out PsbtError? error)
    {
        result = null;
        var what = newInput is null ? "output" : newOutput is null ? "input" : "input/output pair";
        PsbtError Fail(PsbtErrorKind kind, string rule) => new(kind, $"psbt: cannot add {what}: {rule}");

        if (Version != 2)
        {
            // BIP370: "This Constructor is only present for PSBTv2"; a v0 unsigned tx is fixed.
            error = Fail(PsbtErrorKind.NotModifiable, "the Constructor role needs a version 2 PSBT (BIP370)");
            return false;
        }

        // BIP370 Constructor: "Before any input or output may be added, the constructor must check the
        // PSBT_GLOBAL_TX_MODIFIABLE field. Inputs may only be added if the Inputs Modifiable flag is True.
        // Outputs may only be added if the Outputs Modifiable flag is True." An absent field means neither.
        var flags = TxModifiable ?? PsbtTxModifiable.None;
        if (newInput is not null && (flags & PsbtTxModifiable.Inputs) == 0)
        {
            error = Fail(PsbtErrorKind.NotModifiable, "inputs are not modifiable (PSBT_GLOBAL_TX_MODIFIABLE bit 0 clear)");
            return false;
        }

        if (newOutput is not null && (flags & PsbtTxModifiable.Outputs) == 0)
        {
            error = Fail(PsbtErrorKind.NotModifiable, "outputs are not modifiable (PSBT_GLOBAL_TX_MODIFIABLE bit 1 clear)");
            return false;
        }

        int nIn = _inputs.Length, nOut = _outputs.Length;
        var pos = index ?? (newInput is not null ? nIn : nOut);
        if (newInput is not null && newOutput is not null && index is null && nIn != nOut)
        {
            error = Fail(PsbtErrorKind.IndexOutOfRange, $"a pair is appended at the same index, but there are {nIn} inputs and {nOut} outputs; give the index");
            return false;
        }

        if (pos < 0 || (newInput is not null && pos > nIn) || (newOutput is not null && pos > nOut))
        {
            error = Fail(PsbtErrorKind.IndexOutOfRange, $"index {pos} is out of range ({nIn} inputs, {nOut} outputs)");
            return false;
        }

        PsbtMap? inputMap = null;
        if (newInput is not null && !TryBuildInput(newInput, out inputMap, out var inputError))
        {
            error = Fail(PsbtErrorKind.InvalidInput, inputError);
            return false;
        }

        // What the existing signatures commit to (BIP143/BIP341 sighash semantics). BIP370 leaves this to
        // the Signer's flag updates; checking the signatures too keeps PSBTs from signers that did not
        // update PSBT_GLOBAL_TX_MODIFIABLE from being silently invalidated.
        var anySigned = false;
        for (var i = 0; i < nIn; i++)
        {
            var input = Inputs[i];
            anySigned |= input.IsFinalized;
            foreach (var type in SignatureSighashTypes(input))
            {
                anySigned = true;
                var baseType = type & SigHashMasks.BaseTypeMask;
                if (newInput is not null && (type & (uint)SigHashType.AnyoneCanPay) == 0)
                {
                    error = Fail(PsbtErrorKind.SignaturesCommit, $"input {i} has a signature without SIGHASH_ANYONECANPAY, which commits to every input");
                    return false;
                }

                if (newOutput is not null && baseType != (uint)SigHashType.None && baseType != (uint)SigHashType.Single)
                {
                    error = Fail(PsbtErrorKind.SignaturesCommit, $"input {i} has a signature with sighash 0x{type:x2}, which commits to every output");
                    return false;
                }

                if (baseType == (uint)SigHashType.Single && !SinglePairingKept(i, nOut, pos, newInput is not null, newOutput is not null, out var pairError))
                {
                    // BIP370: "If the Has SIGHASH_SINGLE flag is True, then the Constructor must iterate through the
                    // inputs and find the inputs which have signatures that use SIGHASH_SINGLE. The same number of inputs
                    // and outputs must be added before those inputs and their corresponding outputs."
                    error = Fail(PsbtErrorKind.SignaturesCommit, $"input {i} has a SIGHASH_SINGLE signature and {pairError}");
                    return false;
                }
            }
        }

        var inputs = _inputs.ToList();
        var outputs = _outputs.ToList();
        if (inputMap is not null)
        {
            inputs.Insert(pos, inputMap);
        }

        if (newOutput is not null)
        {
            var amount = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(amount, newOutput.Value.Satoshis);
            outputs.Insert(pos, PsbtMap.Empty(PsbtMapKind.Output).With(PsbtKeys.OutAmount, default, amount).With(PsbtKeys.OutScript, default, newOutput.ScriptPubKey.Span));
        }

        // BIP370: "When an input or output is added, the corresponding PSBT_GLOBAL_INPUT_COUNT or
        // PSBT_GLOBAL_OUTPUT_COUNT must be incremented".
        var global = _global
            .With(PsbtKeys.GlobalInputCount, default, CompactSizeBytes((ulong)inputs.Count))
            .With(PsbtKeys.GlobalOutputCount, default, CompactSizeBytes((ulong)outputs.Count));
        var candidate = WithMaps(global, [.. inputs], [.. outputs]);

        if (newInput is not null)
        {
            // BIP370: "If the newly added input has an incompatible time lock, then it must not be added."
            if (!candidate.TryDetermineLockTime(out var after, out _))
            {
                error = Fail(PsbtErrorKind.LockTimeConflict, "its required lock time is incompatible with the other inputs' (no lock time type satisfies them all)");
                return false;
            }

            // BIP370: "If it changes the transaction's locktime when there are existing signatures, it must not be added."
            if (anySigned && TryDetermineLockTime(out var before, out _) && before != after)
            {
                error = Fail(PsbtErrorKind.SignaturesCommit, $"it changes the lock time from {before.Value} to {after.Value}, which existing signatures commit to");
                return false;
            }
        }

        // Every other rule (field sizes, value ranges) is the parser's: the result must parse back.
        if (!TryParse(candidate.ToBytes(), out result, out var parseError))
        {
            error = Fail(parseError.Kind, parseError.Message);
            return false;
        }

        error = null;
        return true;
    }

    private bool TryBuildInput(PsbtConstructorInput input, [NotNullWhen(true)] out PsbtMap? map, [NotNullWhen(false)] out string? error)
    {
        map = null;
        for (var i = 0; i < Inputs.Count; i++)
        {
            if (Inputs[i].PreviousOutPoint == input.PreviousOutPoint)
            {
                // Core consensus/tx_check.cpp CheckTransaction: "bad-txns-inputs-duplicate".
                error = $"input {i} already spends {input.PreviousOutPoint}";
                return false;
            }
        }

        if (input.RequiredTimeLockTime is { } t && t.Value < LockTime.Threshold)
        {
            // BIP370: PSBT_IN_REQUIRED_TIME_LOCKTIME is "greater than or equal to 500000000".
            error = $"required time lock time {t.Value} is below 500000000 (BIP370)";
            return false;
        }

        if (input.RequiredHeightLockTime is { } h && (h.Value == 0 || h.Value >= LockTime.Threshold))
        {
            // BIP370: PSBT_IN_REQUIRED_HEIGHT_LOCKTIME is "greater than 0 and less than 500000000".
            error = $"required height lock time {h.Value} is not in 1..499999999 (BIP370)";
            return false;
        }

        // BIP370: "When an input is added, it must have PSBT_IN_PREVIOUS_TXID and PSBT_IN_OUTPUT_INDEX set."
        Span<byte> id = stackalloc byte[32];
        input.PreviousOutPoint.TxId.WriteTo(id);
        map = PsbtMap.Empty(PsbtMapKind.Input)
            .With(PsbtKeys.InPreviousTxId, default, id)
            .With(PsbtKeys.InOutputIndex, default, U32(input.PreviousOutPoint.Index));
        if (input.Sequence is { } s)
        {
            map = map.With(PsbtKeys.InSequence, default, U32(s.Value));
        }

        // BIP370: "If the input has a required time based timelock, then PSBT_IN_REQUIRED_TIME_TIMELOCK must be
        // set. If the input has a required height based timelock, then PSBT_IN_REQUIRED_HEIGHT_TIMELOCK must be set."
        if (input.RequiredTimeLockTime is { } time)
        {
            map = map.With(PsbtKeys.InRequiredTimeLockTime, default, U32(time.Value));
        }

        if (input.RequiredHeightLockTime is { } height)
        {
            map = map.With(PsbtKeys.InRequiredHeightLockTime, default, U32(height.Value));
        }

        error = null;
        return true;
    }

    /// <summary>
    /// Whether SIGHASH_SINGLE input <paramref name="i"/> keeps its output after inserting an input
    /// and/or an output at <paramref name="pos"/>.
    /// </summary>
    private static bool SinglePairingKept(int i, int outputCount, int pos, bool addsInput, bool addsOutput, [NotNullWhen(false)] out string? why)
    {
        var newInputIndex = addsInput && pos <= i ? i + 1 : i;
        if (i < outputCount)
        {
            // BIP143/BIP341/legacy SIGHASH_SINGLE: the signature commits to the output at the input's own index.
            var newOutputIndex = addsOutput && pos <= i ? i + 1 : i;
            if (newInputIndex != newOutputIndex)
            {
                why = $"would be moved to index {newInputIndex} while its output moves to {newOutputIndex}; add an input and an output together before it";
                return false;
            }
        }
        else
        {
            // SIGHASH_SINGLE with no output at its index signs the constant 1 in legacy scripts (Core interpreter.cpp
            // SignatureHash) and a zero hashOutputs under BIP143; giving it an output there changes what it signed.
            // (BIP341 refuses to sign such an input at all.)
            var newOutputCount = outputCount + (addsOutput ? 1 : 0);
            if (newInputIndex < newOutputCount)
            {
                why = $"has no matching output, and the addition would give it output {newInputIndex}";
                return false;
            }
        }

        why = null;
        return true;
    }

    /// <summary>
    /// The sighash types of every signature in an input: ECDSA partial sigs, taproot key and script
    /// sigs, and, once finalized, the signatures inside the final scriptSig/witness (the Finalizer
    /// clears the signature fields, but what they commit to still holds).
    /// </summary>
    private static IEnumerable<uint> SignatureSighashTypes(PsbtInput input)
    {
        var fields = input.Map.Entries.Where(e => e.KeyType is PsbtKeys.InPartialSig or PsbtKeys.InTapKeySig or PsbtKeys.InTapScriptSig).Select(SignatureSighashType);
        return input.IsFinalized ? fields.Concat(FinalSignatureSighashTypes(input)) : fields;
    }

    private static List<uint> FinalSignatureSighashTypes(PsbtInput input)
    {
        var types = new List<uint>();
        if (input.FinalScriptSig is { } scriptSig)
        {
            var pc = 0;
            while (pc < scriptSig.Length && scriptSig.TryGetOp(ref pc, out _, out var push))
            {
                // Core interpreter.cpp: an ECDSA signature is strict DER followed by its hash type byte.
                if (EcdsaSignatureEncoding.IsStrictEncodedSignature(push))
                {
                    types.Add(push[^1]);
                }
            }
        }

        if (input.FinalScriptWitness is not { IsEmpty: false } witness)
        {
            return types;
        }

        var items = witness.Items.Select(m => m.ToArray()).ToList();
        var spk = input.GetUtxo()?.ScriptPubKey;
        var taproot = spk is null || (spk.IsWitnessProgram(out var version, out var program) && version == 1 && program.Length == 32);
        if (taproot && items.Count >= 2 && items[^1].Length > 0 && items[^1][0] == 0x50)
        {
            items.RemoveAt(items.Count - 1); // BIP341: the last item starting with 0x50 is the annex.
        }

        // BIP341: one item is the key path signature; otherwise the last two are the script and control block.
        var stack = taproot && items.Count >= 2 ? items.Take(items.Count - 2) : items;
        foreach (var item in stack)
        {
            if (EcdsaSignatureEncoding.IsStrictEncodedSignature(item))
            {
                types.Add(item[^1]);
            }
            else if (taproot && item.Length is 64 or 65)
            {
                // BIP341: 64 bytes is SIGHASH_DEFAULT (commits like ALL); 65 bytes carry the type.
                types.Add(item.Length == 65 ? item[64] : (uint)SigHashType.All);
            }
        }

        return types;
    }

    /// <summary>The sighash type of a partial_sig, tap_key_sig or tap_script_sig entry.</summary>
    internal static uint SignatureSighashType(PsbtEntry signature) =>
        // BIP174: a partial sig ends with its sighash byte. BIP341: a 64-byte Schnorr signature is
        // SIGHASH_DEFAULT, which commits like ALL; a 65-byte one carries its type.
        signature.KeyType == PsbtKeys.InPartialSig ? signature.Value[^1]
        : signature.Value.Length == 65 ? signature.Value[64] : (uint)SigHashType.All;
}
