using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Psbt;

/// <summary>Creator, Updater, Combiner, Finalizer, Extractor roles and v0/v2 conversion.</summary>
public sealed partial class Psbt
{
    // ---------------------------------------------------------------- Creator

    /// <summary>BIP174 Creator: a version 0 PSBT for a transaction with empty scriptSigs and witnesses.</summary>
    public static Psbt Create(Transaction unsignedTransaction)
    {
        ArgumentNullException.ThrowIfNull(unsignedTransaction);
        EnsureUnsigned(unsignedTransaction);
        // The transaction is immutable and unsigned, so it is the PSBT's unsigned transaction as it stands (not parsed back).
        return Created(PsbtMap.Empty(PsbtMapKind.Global).With(PsbtKeys.GlobalUnsignedTx, default, unsignedTransaction.ToBytes(includeWitness: false)), unsignedTransaction);
    }

    /// <summary>BIP370 Creator: a version 2 PSBT holding the transaction's fields one by one.</summary>
    public static Psbt CreateV2(Transaction unsignedTransaction, PsbtTxModifiable? modifiable = null)
    {
        ArgumentNullException.ThrowIfNull(unsignedTransaction);
        EnsureUnsigned(unsignedTransaction);
        if (unsignedTransaction.Version < 2)
        {
            throw new ArgumentException("psbt: BIP370 requires transaction version 2 or more", nameof(unsignedTransaction));
        }

        var global = PsbtMap.Empty(PsbtMapKind.Global)
            .With(PsbtKeys.GlobalTxVersion, default, U32(unchecked((uint)unsignedTransaction.Version)))
            .With(PsbtKeys.GlobalFallbackLockTime, default, U32(unsignedTransaction.LockTime.Value))
            .With(PsbtKeys.GlobalInputCount, default, CompactSizeBytes((ulong)unsignedTransaction.Inputs.Count))
            .With(PsbtKeys.GlobalOutputCount, default, CompactSizeBytes((ulong)unsignedTransaction.Outputs.Count))
            .With(PsbtKeys.GlobalVersion, default, U32(2));
        if (modifiable is { } m)
        {
            global = global.With(PsbtKeys.GlobalTxModifiable, default, [(byte)m]);
        }

        var inputs = unsignedTransaction.Inputs.Select(i => V2InputFields(PsbtMap.Empty(PsbtMapKind.Input), i)).ToArray();
        var outputs = unsignedTransaction.Outputs.Select(o => V2OutputFields(PsbtMap.Empty(PsbtMapKind.Output), o)).ToArray();
        return new Psbt(global, inputs, outputs);
    }

    private static void EnsureUnsigned(Transaction tx)
    {
        for (var i = 0; i < tx.Inputs.Count; i++)
        {
            if (!tx.Inputs[i].ScriptSig.IsEmpty || !tx.Inputs[i].Witness.IsEmpty)
            {
                // BIP174: the unsigned transaction must have empty scriptSigs and witnesses.
                throw new ArgumentException($"psbt: input {i} of the unsigned transaction has a scriptSig or witness", nameof(tx));
            }
        }
    }

    private static PsbtMap V2InputFields(PsbtMap map, TxIn i)
    {
        Span<byte> id = stackalloc byte[32];
        i.PrevOut.TxId.WriteTo(id);
        return map.With(PsbtKeys.InPreviousTxId, default, id)
            .With(PsbtKeys.InOutputIndex, default, U32(i.PrevOut.Index))
            .With(PsbtKeys.InSequence, default, U32(i.Sequence.Value));
    }

    private static PsbtMap V2OutputFields(PsbtMap map, TxOut o)
    {
        var amount = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(amount, o.RawValue);
        return map.With(PsbtKeys.OutAmount, default, amount).With(PsbtKeys.OutScript, default, o.ScriptPubKey.Span);
    }

    private static byte[] U32(uint value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        return b;
    }

    private static byte[] CompactSizeBytes(ulong value)
    {
        var w = new BitcoinWriter(9);
        w.WriteCompactSize(value);
        return w.ToArray();
    }

    // ---------------------------------------------------------------- Conversion

    /// <summary>Converts to BIP370 version 2 (no-op when already version 2).</summary>
    /// <exception cref="InvalidOperationException">
    /// The transaction version is below 2, or a map holds an unknown key whose type version 2 defines
    /// (a v0 PSBT may carry e.g. key type 0x0f with key data; in v2 that is PSBT_IN_OUTPUT_INDEX and invalid).
    /// </exception>
    public Psbt ToVersion2()
    {
        if (Version == 2)
        {
            return this;
        }

        var tx = _unsignedTx!;
        if (tx.Version < 2)
        {
            throw new InvalidOperationException("psbt: BIP370 requires transaction version 2 or more");
        }

        // Found by fuzzing (psbt-v0): carrying such an entry over would make an invalid v2 PSBT.
        var clash = V2Clash(PsbtMapKind.Global, -1, _global)
            ?? _inputs.Select((m, i) => V2Clash(PsbtMapKind.Input, i, m)).FirstOrDefault(c => c is not null)
            ?? _outputs.Select((m, i) => V2Clash(PsbtMapKind.Output, i, m)).FirstOrDefault(c => c is not null);
        if (clash is not null)
        {
            throw new InvalidOperationException("psbt: cannot convert to version 2: " + clash);
        }

        var global = _global.WithoutTypes(PsbtKeys.GlobalUnsignedTx, PsbtKeys.GlobalVersion)
            .With(PsbtKeys.GlobalTxVersion, default, U32(unchecked((uint)tx.Version)))
            .With(PsbtKeys.GlobalFallbackLockTime, default, U32(tx.LockTime.Value))
            .With(PsbtKeys.GlobalInputCount, default, CompactSizeBytes((ulong)tx.Inputs.Count))
            .With(PsbtKeys.GlobalOutputCount, default, CompactSizeBytes((ulong)tx.Outputs.Count))
            .With(PsbtKeys.GlobalVersion, default, U32(2));
        var inputs = _inputs.Select((m, i) => V2InputFields(m, tx.Inputs[i])).ToArray();
        var outputs = _outputs.Select((m, i) => V2OutputFields(m, tx.Outputs[i])).ToArray();
        return WithMaps(global, inputs, outputs);
    }

    private static string? V2Clash(PsbtMapKind kind, int index, PsbtMap map)
    {
        foreach (var entry in map.Entries)
        {
            if (PsbtParser.IsV2Only(kind, entry.KeyType))
            {
                var where = kind == PsbtMapKind.Global ? "the global map" : $"{(kind == PsbtMapKind.Input ? "input" : "output")} {index.ToString(CultureInfo.InvariantCulture)}";
                return $"{where} has an unknown key of type 0x{entry.KeyType:x2}, which version 2 defines as {PsbtKeys.Name(kind, entry.KeyType)}";
            }
        }

        return null;
    }

    /// <summary>Converts to BIP174 version 0, fixing the lock time by the BIP370 algorithm.</summary>
    public Psbt ToVersion0()
    {
        if (Version == 0)
        {
            return this;
        }

        var tx = GetUnsignedTransaction();
        var global = _global
            .WithoutTypes(PsbtKeys.GlobalTxVersion, PsbtKeys.GlobalFallbackLockTime, PsbtKeys.GlobalInputCount, PsbtKeys.GlobalOutputCount, PsbtKeys.GlobalTxModifiable, PsbtKeys.GlobalVersion)
            .With(PsbtKeys.GlobalUnsignedTx, default, tx.ToBytes(includeWitness: false));
        var inputs = _inputs.Select(m => m.WithoutTypes(PsbtKeys.InPreviousTxId, PsbtKeys.InOutputIndex, PsbtKeys.InSequence, PsbtKeys.InRequiredTimeLockTime, PsbtKeys.InRequiredHeightLockTime)).ToArray();
        var outputs = _outputs.Select(m => m.WithoutTypes(PsbtKeys.OutAmount, PsbtKeys.OutScript)).ToArray();
        return WithMaps(global, inputs, outputs);
    }

    // ---------------------------------------------------------------- Updater

    /// <summary>Sets a raw entry in a map after checking it against the field rules; for fields without a typed setter.</summary>
    public Psbt WithEntry(PsbtMapKind kind, int index, PsbtEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (kind == PsbtMapKind.Global)
        {
            // A global entry can change what every other entry means (the version, the unsigned transaction): the
            // result is checked whole, as the parser checks it.
            var updatedGlobal = _global.With(entry);
            if (!PsbtParser.ValidateMap(updatedGlobal, "global", (uint)Version, out var globalError))
            {
                throw new ArgumentException(globalError.Message, nameof(entry));
            }

            var bytes = WithMaps(global: updatedGlobal).ToBytes();
            return TryParse(bytes, out var checkedPsbt, out globalError) ? checkedPsbt : throw new ArgumentException(globalError.Message, nameof(entry));
        }

        return WithMapEntry(kind, index, entry, fromTypedValue: false);
    }

    /// <summary>
    /// Sets an input or output entry. Every entry already here was checked when this PSBT was parsed or built, so the
    /// new entry is checked alone (unless <paramref name="fromTypedValue"/>: a typed setter serialized it from a value
    /// that is valid by construction, such as a key already on the curve), with the whole-PSBT rules it takes part in
    /// (an input's UTXO against the outpoint it spends).
    /// </summary>
    private Psbt WithMapEntry(PsbtMapKind kind, int index, PsbtEntry entry, bool fromTypedValue)
    {
        var input = kind == PsbtMapKind.Input;
        var updated = (input ? _inputs[index] : _outputs[index]).With(entry);
        PsbtError? error = null;
        if ((!fromTypedValue && !PsbtParser.ValidateEntry(kind, entry, $"{(input ? "input" : "output")} {index.ToString(CultureInfo.InvariantCulture)}", (uint)Version, out error))
            || (input && !PsbtParser.ValidateInput(index, updated, (uint)Version, _unsignedTx, out error)))
        {
            throw new ArgumentException(error!.Message, nameof(entry));
        }

        return input ? WithInputMap(index, updated) : WithOutputMap(index, updated);
    }

    private Psbt SetInput(int index, ulong type, ReadOnlySpan<byte> keyData, ReadOnlySpan<byte> value) =>
        WithEntry(PsbtMapKind.Input, index, PsbtEntry.Create(type, keyData, value));

    private Psbt SetOutput(int index, ulong type, ReadOnlySpan<byte> keyData, ReadOnlySpan<byte> value) =>
        WithEntry(PsbtMapKind.Output, index, PsbtEntry.Create(type, keyData, value));

    /// <summary>Adds PSBT_IN_NON_WITNESS_UTXO; the transaction's txid must match the spent outpoint.</summary>
    public Psbt WithNonWitnessUtxo(int input, Transaction previousTransaction)
    {
        ArgumentNullException.ThrowIfNull(previousTransaction);
        return SetInput(input, PsbtKeys.InNonWitnessUtxo, default, previousTransaction.ToBytes());
    }

    /// <summary>Adds PSBT_IN_WITNESS_UTXO.</summary>
    public Psbt WithWitnessUtxo(int input, TxOut utxo)
    {
        ArgumentNullException.ThrowIfNull(utxo);
        // Any TxOut serializes to a valid field; the new input's view starts with it instead of reading it back.
        var result = WithMapEntry(PsbtMapKind.Input, input, PsbtEntry.Create(PsbtKeys.InWitnessUtxo, default, ConsensusEncoding.ToBytes(utxo)), fromTypedValue: true);
        result._inputViews[input].Know(utxo);
        return result;
    }

    /// <summary>Adds PSBT_IN_SIGHASH_TYPE.</summary>
    public Psbt WithSighashType(int input, SigHashType sighashType) => SetInput(input, PsbtKeys.InSighashType, default, U32(sighashType.Value));

    /// <summary>Adds PSBT_IN_REDEEM_SCRIPT.</summary>
    public Psbt WithRedeemScript(int input, Script redeemScript) => SetInput(input, PsbtKeys.InRedeemScript, default, redeemScript.Span);

    /// <summary>Adds PSBT_IN_WITNESS_SCRIPT.</summary>
    public Psbt WithWitnessScript(int input, Script witnessScript) => SetInput(input, PsbtKeys.InWitnessScript, default, witnessScript.Span);

    /// <summary>Adds PSBT_IN_BIP32_DERIVATION.</summary>
    public Psbt WithBip32Derivation(int input, PublicKey key, RootedKeyPath origin, bool compressed = true) =>
        SetInput(input, PsbtKeys.InBip32Derivation, compressed ? key.ToCompressed() : key.ToUncompressed(), PsbtCodec.WriteKeyOrigin(origin));

    /// <summary>Adds a hash preimage (PSBT_IN_RIPEMD160/SHA256/HASH160/HASH256 chosen by <paramref name="keyType"/>).</summary>
    public Psbt WithPreimage(int input, ulong keyType, ReadOnlySpan<byte> preimage)
    {
        Span<byte> h = stackalloc byte[32];
        var size = 32;
        switch (keyType)
        {
            case PsbtKeys.InRipemd160: Hashes.Ripemd160(preimage, h); size = 20; break;
            case PsbtKeys.InSha256: Hashes.Sha256(preimage, h); break;
            case PsbtKeys.InHash160: Hashes.Hash160(preimage, h); size = 20; break;
            case PsbtKeys.InHash256: Hashes.Hash256(preimage, h); break;
            default: throw new ArgumentOutOfRangeException(nameof(keyType), "psbt: not a preimage key type");
        }

        return SetInput(input, keyType, h[..size], preimage);
    }

    /// <summary>Adds PSBT_IN_TAP_INTERNAL_KEY.</summary>
    public Psbt WithTapInternalKey(int input, XOnlyPublicKey internalKey)
    {
        // The key is on the curve already (a default XOnlyPublicKey cannot be serialized), so it is not lifted again
        // (a square root) to check the field, nor by the new input's view, which starts with it.
        var result = WithMapEntry(PsbtMapKind.Input, input, PsbtEntry.Create(PsbtKeys.InTapInternalKey, default, internalKey.ToBytes()), fromTypedValue: true);
        result._inputViews[input].Know(internalKey);
        return result;
    }

    /// <summary>Adds PSBT_IN_TAP_MERKLE_ROOT.</summary>
    public Psbt WithTapMerkleRoot(int input, UInt256 merkleRoot) => SetInput(input, PsbtKeys.InTapMerkleRoot, default, merkleRoot.ToBytes());

    /// <summary>Adds PSBT_IN_TAP_LEAF_SCRIPT.</summary>
    public Psbt WithTapLeafScript(int input, ControlBlock controlBlock, Script script)
    {
        ArgumentNullException.ThrowIfNull(controlBlock);
        ArgumentNullException.ThrowIfNull(script);
        return SetInput(input, PsbtKeys.InTapLeafScript, controlBlock.ToBytes(), [.. script.Span, controlBlock.LeafVersion]);
    }

    /// <summary>Adds PSBT_IN_TAP_BIP32_DERIVATION.</summary>
    public Psbt WithTapBip32Derivation(int input, XOnlyPublicKey key, IEnumerable<TapLeafHash> leafHashes, RootedKeyPath origin) =>
        SetInput(input, PsbtKeys.InTapBip32Derivation, key.ToBytes(), TapOrigin(leafHashes, origin));

    /// <summary>Adds PSBT_OUT_REDEEM_SCRIPT.</summary>
    public Psbt WithOutputRedeemScript(int output, Script redeemScript) => SetOutput(output, PsbtKeys.OutRedeemScript, default, redeemScript.Span);

    /// <summary>Adds PSBT_OUT_WITNESS_SCRIPT.</summary>
    public Psbt WithOutputWitnessScript(int output, Script witnessScript) => SetOutput(output, PsbtKeys.OutWitnessScript, default, witnessScript.Span);

    /// <summary>Adds PSBT_OUT_BIP32_DERIVATION.</summary>
    public Psbt WithOutputBip32Derivation(int output, PublicKey key, RootedKeyPath origin, bool compressed = true) =>
        SetOutput(output, PsbtKeys.OutBip32Derivation, compressed ? key.ToCompressed() : key.ToUncompressed(), PsbtCodec.WriteKeyOrigin(origin));

    /// <summary>Adds PSBT_OUT_TAP_INTERNAL_KEY.</summary>
    public Psbt WithOutputTapInternalKey(int output, XOnlyPublicKey internalKey) => SetOutput(output, PsbtKeys.OutTapInternalKey, default, internalKey.ToBytes());

    /// <summary>Adds PSBT_OUT_TAP_TREE from leaves in depth-first order.</summary>
    public Psbt WithOutputTapTree(int output, IEnumerable<PsbtTapLeaf> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        var w = new BitcoinWriter();
        foreach (var l in leaves)
        {
            w.WriteUInt8(checked((byte)l.Depth));
            w.WriteUInt8(l.LeafVersion);
            w.WriteVarBytes(l.Script.Span);
        }

        return SetOutput(output, PsbtKeys.OutTapTree, default, w.WrittenSpan);
    }

    /// <summary>Adds PSBT_OUT_TAP_BIP32_DERIVATION.</summary>
    public Psbt WithOutputTapBip32Derivation(int output, XOnlyPublicKey key, IEnumerable<TapLeafHash> leafHashes, RootedKeyPath origin) =>
        SetOutput(output, PsbtKeys.OutTapBip32Derivation, key.ToBytes(), TapOrigin(leafHashes, origin));

    /// <summary>Adds PSBT_GLOBAL_XPUB.</summary>
    public Psbt WithXpub(ExtPubKey xpub, RootedKeyPath origin, ExtKeyVersion version)
    {
        ArgumentNullException.ThrowIfNull(xpub);
        Span<byte> data = stackalloc byte[ExtPubKey.SerializedLength];
        xpub.WriteTo(data, version);
        return WithEntry(PsbtMapKind.Global, 0, PsbtEntry.Create(PsbtKeys.GlobalXpub, data, PsbtCodec.WriteKeyOrigin(origin)));
    }

    /// <summary>
    /// Updater convenience: adds a BIP32 derivation to every input and output whose scripts
    /// (scriptPubKey, redeem script, witness script) use the key directly or by its HASH160.
    /// </summary>
    public Psbt WithKeyOrigins(IEnumerable<PsbtKeyOrigin> origins)
    {
        ArgumentNullException.ThrowIfNull(origins);
        var result = this;
        foreach (var o in origins)
        {
            var pub = o.IsCompressed ? o.PublicKey.ToCompressed() : o.PublicKey.ToUncompressed();
            for (var i = 0; i < result.Inputs.Count; i++)
            {
                var input = result.Inputs[i];
                if (UsesKey([input.GetUtxo()?.ScriptPubKey, input.RedeemScript, input.WitnessScript], pub))
                {
                    result = result.WithBip32Derivation(i, o.PublicKey, o.Origin, o.IsCompressed);
                }
            }

            for (var i = 0; i < result.Outputs.Count; i++)
            {
                var output = result.Outputs[i];
                if (UsesKey([output.Script, output.RedeemScript, output.WitnessScript], pub))
                {
                    result = result.WithOutputBip32Derivation(i, o.PublicKey, o.Origin, o.IsCompressed);
                }
            }
        }

        return result;
    }

    private static bool UsesKey(Script?[] scripts, byte[] pub)
    {
        Span<byte> h = stackalloc byte[20];
        Hashes.Hash160(pub, h);
        foreach (var s in scripts)
        {
            if (s is null)
            {
                continue;
            }

            if (PushesData(s, pub))
            {
                return true;
            }

            var m = StandardScripts.Solve(s);
            if (m.Template is ScriptTemplate.PubKeyHash or ScriptTemplate.WitnessV0KeyHash && m.Solutions[0].Span.SequenceEqual(h))
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] TapOrigin(IEnumerable<TapLeafHash> leafHashes, RootedKeyPath origin)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        ArgumentNullException.ThrowIfNull(origin);
        var hashes = leafHashes.ToList();
        var w = new BitcoinWriter();
        w.WriteCompactSize((ulong)hashes.Count);
        foreach (var h in hashes)
        {
            w.WriteBytes(h.ToBytes());
        }

        PsbtCodec.WriteKeyOrigin(w, origin);
        return w.ToArray();
    }

    // ---------------------------------------------------------------- Combiner

    /// <summary>
    /// BIP174 Combiner: merges PSBTs for the same transaction. Fails, naming the map and key, when
    /// two PSBTs hold different values for the same key.
    /// </summary>
    public static bool TryCombine(IReadOnlyList<Psbt> psbts, [NotNullWhen(true)] out Psbt? combined, [NotNullWhen(false)] out PsbtError? error)
    {
        ArgumentNullException.ThrowIfNull(psbts);
        combined = null;
        if (psbts.Count == 0)
        {
            error = new PsbtError(PsbtErrorKind.CombineMismatch, "psbt: combine needs at least one PSBT");
            return false;
        }

        var first = psbts[0];
        if (!first.TryGetUnsignedTransaction(out var firstTx, out error))
        {
            return false;
        }

        var global = first._global;
        var inputs = first._inputs.ToArray();
        var outputs = first._outputs.ToArray();
        for (var p = 1; p < psbts.Count; p++)
        {
            var other = psbts[p];
            // BIP174: "the Combiner must only accept PSBTs for the same transaction". BIP370 "Unique
            // Identification": a v2 PSBT is identified by its unsigned transaction with every sequence set to 0,
            // so v2 PSBTs whose input or output sets differ are different transactions and are not combined.
            if (other.Version != first.Version || !other.TryGetUnsignedTransaction(out var otherTx, out _)
                || SameTransactionId(other.Version, otherTx) != SameTransactionId(first.Version, firstTx)
                || other.Inputs.Count != first.Inputs.Count || other.Outputs.Count != first.Outputs.Count)
            {
                error = new PsbtError(PsbtErrorKind.CombineMismatch, first.Version == 2
                    ? $"psbt: combine: PSBT {p} is for a different transaction (BIP370 unique id differs: its inputs, outputs or lock time are not the same)"
                    : $"psbt: combine: PSBT {p} is for a different transaction");
                return false;
            }

            var otherGlobal = other._global;
            if (first.Version == 2)
            {
                // BIP370 flags: an input/output stays modifiable only if both copies say so (a signature in either
                // commits to the set), while Has SIGHASH_SINGLE holds if either copy has such a signature.
                var a = global.Get(PsbtKeys.GlobalTxModifiable) is { } ea ? (PsbtTxModifiable)ea.Value[0] : (PsbtTxModifiable?)null;
                var b = other.TxModifiable;
                global = global.WithoutTypes(PsbtKeys.GlobalTxModifiable);
                otherGlobal = otherGlobal.WithoutTypes(PsbtKeys.GlobalTxModifiable);
                if (a is not null || b is not null)
                {
                    var av = a ?? PsbtTxModifiable.None;
                    var bv = b ?? PsbtTxModifiable.None;
                    var merged = (av & bv & (PsbtTxModifiable.Inputs | PsbtTxModifiable.Outputs)) | ((av | bv) & ~(PsbtTxModifiable.Inputs | PsbtTxModifiable.Outputs));
                    global = global.With(PsbtKeys.GlobalTxModifiable, default, [(byte)merged]);
                }
            }

            if (!TryMerge(global, otherGlobal, "global", out global, out error))
            {
                return false;
            }

            for (var i = 0; i < inputs.Length; i++)
            {
                var a = inputs[i];
                var b = other._inputs[i];
                var aFinal = a.Get(PsbtKeys.InFinalScriptSig) is not null || a.Get(PsbtKeys.InFinalScriptWitness) is not null;
                var bFinal = b.Get(PsbtKeys.InFinalScriptSig) is not null || b.Get(PsbtKeys.InFinalScriptWitness) is not null;
                if (aFinal != bFinal)
                {
                    // A finalized input supersedes signing data; keep only what a Finalizer keeps.
                    (a, b) = aFinal ? (a, StripToFinal(b)) : (b, StripToFinal(a));
                }

                if (first.Version == 2 && a.Get(PsbtKeys.InSequence) is { } seqA && b.Get(PsbtKeys.InSequence) is { } seqB && !seqA.Value.SequenceEqual(seqB.Value))
                {
                    // BIP370 "Unique Identification": "PSBT_IN_SEQUENCE can be changed by Updaters and Combiners";
                    // the first PSBT's sequence is kept, as Core's PSBTInput::Merge keeps its own. Signatures in the
                    // other PSBT were made over its sequence, so merging them would yield invalid signatures.
                    if (other.Inputs.Any(HasSignatures))
                    {
                        error = new PsbtError(PsbtErrorKind.CombineMismatch, $"psbt: combine: input {i} sequence differs and PSBT {p} has signatures made over its own sequence");
                        return false;
                    }

                    b = b.WithoutTypes(PsbtKeys.InSequence);
                }

                if (!TryMerge(a, b, $"input {i}", out inputs[i], out error))
                {
                    return false;
                }
            }

            for (var i = 0; i < outputs.Length; i++)
            {
                if (!TryMerge(outputs[i], other._outputs[i], $"output {i}", out outputs[i], out error))
                {
                    return false;
                }
            }
        }

        combined = first.WithMaps(global, inputs, outputs);
        error = null;
        return true;
    }

    private static bool HasSignatures(PsbtInput input) => input.IsFinalized
        || input.Map.Has(PsbtKeys.InPartialSig) || input.Map.Has(PsbtKeys.InTapKeySig) || input.Map.Has(PsbtKeys.InTapScriptSig);

    private static TxId SameTransactionId(int version, Transaction tx) =>
        version == 2 ? UniqueId(tx) : tx.GetTxId();

    private static TxId UniqueId(Transaction tx) =>
        // BIP370: "the sequence number in this unsigned transaction must be set to 0 (not final, nor the sequence in PSBT_IN_SEQUENCE)".
        tx.WithInputs(tx.Inputs.Select(i => i with { Sequence = new Sequence(0) })).GetTxId();

    /// <summary>
    /// BIP370 "Unique Identification": the txid of the unsigned transaction with every sequence set
    /// to 0 (lock time by "Determining Lock Time"), which stays the same while Updaters and
    /// Combiners change sequences. For version 0 it is the unsigned transaction's txid.
    /// </summary>
    public TxId GetUniqueId() => SameTransactionId(Version, GetUnsignedTransaction());

    /// <summary>Combines or throws <see cref="InvalidOperationException"/>.</summary>
    public static Psbt Combine(params IReadOnlyList<Psbt> psbts) =>
        TryCombine(psbts, out var combined, out var error) ? combined : throw new InvalidOperationException(error.Message, error.ToException());

    private static bool TryMerge(PsbtMap a, PsbtMap b, string where, out PsbtMap merged, [NotNullWhen(false)] out PsbtError? error)
    {
        merged = a;
        foreach (var e in b.Entries)
        {
            var existing = merged.Find(e.Key);
            if (existing is null)
            {
                merged = merged.With(e);
            }
            else if (!existing.Value.SequenceEqual(e.Value))
            {
                error = new PsbtError(PsbtErrorKind.CombineMismatch, $"psbt: combine: {where} {PsbtKeys.Name(a.Kind, e.KeyType)} key {Hex.Encode(e.Key)} has conflicting values");
                return false;
            }
        }

        error = null;
        return true;
    }

    private static bool KeptWhenFinal(PsbtEntry e) => e.KeyType is PsbtKeys.InNonWitnessUtxo or PsbtKeys.InWitnessUtxo
        or PsbtKeys.InFinalScriptSig or PsbtKeys.InFinalScriptWitness
        or PsbtKeys.InPreviousTxId or PsbtKeys.InOutputIndex or PsbtKeys.InSequence
        or PsbtKeys.InRequiredTimeLockTime or PsbtKeys.InRequiredHeightLockTime
        || PsbtKeys.Name(PsbtMapKind.Input, e.KeyType).StartsWith("unknown", StringComparison.Ordinal)
        || e.KeyType == PsbtKeys.Proprietary;

    // BIP174 Finalizer: "All other data except the UTXO and unknown fields in the input key-value map should be cleared".
    private static PsbtMap StripToFinal(PsbtMap map) => map.Without(e => !KeptWhenFinal(e));

    // ---------------------------------------------------------------- Finalizer

    /// <summary>
    /// BIP174 Input Finalizer: builds final scriptSig/witness for every input it can (P2PKH, P2WPKH,
    /// P2SH-P2WPKH, bare/P2SH/P2WSH/P2SH-P2WSH multisig, P2PK, P2TR key path, and as Core does,
    /// BIP379 miniscript P2WSH scripts and tapscript leaves, verified through the interpreter) and
    /// clears the signing data. Returns false when some input stays
    /// unfinalized; <paramref name="result"/> still has every input that could be finalized and
    /// <paramref name="problems"/> says why the others could not.
    /// </summary>
    public bool TryFinalize(out Psbt result, out IReadOnlyList<string> problems)
    {
        var maps = _inputs.ToArray();
        var issues = new List<string>();
        var miniscript = new PsbtMiniscript(this);
        for (var i = 0; i < Inputs.Count; i++)
        {
            var input = Inputs[i];
            if (input.IsFinalized)
            {
                continue;
            }

            if (TryFinalizeInput(input, miniscript, out var scriptSig, out var witness, out var why))
            {
                var map = StripToFinal(maps[i]);
                if (!scriptSig.IsEmpty)
                {
                    map = map.With(PsbtKeys.InFinalScriptSig, default, scriptSig.Span);
                }

                if (!witness.IsEmpty)
                {
                    map = map.With(PsbtKeys.InFinalScriptWitness, default, ConsensusEncoding.ToBytes(witness));
                }

                maps[i] = map;
            }
            else
            {
                issues.Add($"psbt: input {i} {why}");
            }
        }

        result = WithMaps(inputs: maps);
        problems = issues;
        return issues.Count == 0;
    }

    /// <summary>Finalizes every input or throws <see cref="InvalidOperationException"/> naming the first failure.</summary>
    public Psbt Finalize()
    {
        return TryFinalize(out var result, out var problems) ? result : throw new InvalidOperationException(problems[0]);
    }

    private static bool TryFinalizeInput(PsbtInput input, PsbtMiniscript miniscript, out Script scriptSig, out Witness witness, [NotNullWhen(false)] out string? why)
    {
        scriptSig = Script.Empty;
        witness = Witness.Empty;
        var utxo = input.GetUtxo();
        if (utxo is null)
        {
            why = "has no UTXO (non_witness_utxo or witness_utxo) to finalize against";
            return false;
        }

        var spk = utxo.ScriptPubKey;
        var program = spk;
        byte[]? redeemPush = null;
        if (spk.IsPayToScriptHash)
        {
            if (input.RedeemScript is not { } redeem)
            {
                why = "spends P2SH but has no redeem_script";
                return false;
            }

            program = redeem;
            redeemPush = redeem.ToBytes();
        }

        // The partial signatures as their raw entries (key data = the serialized public key, which is all the finalizer
        // pushes): the typed view would decompress every key, a square root each.
        var sigs = input.Map.All(PsbtKeys.InPartialSig).ToList();
        if (program.IsWitnessProgram(out var version, out var prog))
        {
            List<byte[]> stack;
            if (version == 0 && prog.Length == 20)
            {
                if (!TrySolve(StandardScripts.PayToPubKeyHash(prog), sigs, out stack!, out why))
                {
                    return false;
                }
            }
            else if (version == 0 && prog.Length == 32)
            {
                if (input.WitnessScript is not { } ws)
                {
                    why = "spends P2WSH but has no witness_script";
                    return false;
                }

                if (TrySolve(ws, sigs, out stack!, out why))
                {
                    stack.Add(ws.ToBytes());
                }
                else if (!PsbtMiniscript.Applies(ws) || !miniscript.TrySatisfyWsh(input, ws, redeemPush is null ? null : new Script(redeemPush), out stack!, out why))
                {
                    return false;
                }
            }
            else if (version == 1 && prog.Length == 32 && redeemPush is null)
            {
                if (!TryFinalizeTaproot(input, miniscript, out stack!, out why))
                {
                    return false;
                }
            }
            else
            {
                why = $"spends an unsupported witness program (version {version}, {prog.Length} bytes)";
                return false;
            }

            (scriptSig, witness) = Signing.TransactionSigner.SegwitSpend(stack, redeemPush);
            why = null;
            return true;
        }

        if (!TrySolve(program, sigs, out var items, out why))
        {
            return false;
        }

        scriptSig = ScriptBuilder.PushAll(items, redeemPush);
        return true;
    }

    private static bool TrySolve(Script script, List<PsbtEntry> sigs, [NotNullWhen(true)] out List<byte[]>? stack, [NotNullWhen(false)] out string? why)
    {
        stack = null;
        byte[]? SigFor(ReadOnlySpan<byte> pub)
        {
            foreach (var s in sigs)
            {
                if (s.KeyData.SequenceEqual(pub))
                {
                    return s.Value.ToArray();
                }
            }

            return null;
        }

        var m = StandardScripts.Solve(script);
        switch (m.Template)
        {
            case ScriptTemplate.PubKey:
                if (SigFor(m.Solutions[0].Span) is not { } pkSig)
                {
                    why = "has no partial_sig for the P2PK key";
                    return false;
                }

                stack = [pkSig];
                why = null;
                return true;
            case ScriptTemplate.PubKeyHash:
                Span<byte> h = stackalloc byte[20];
                foreach (var s in sigs)
                {
                    var pub = s.KeyData;
                    Hashes.Hash160(pub, h);
                    if (h.SequenceEqual(m.Solutions[0].Span))
                    {
                        stack = [s.Value.ToArray(), pub.ToArray()];
                        why = null;
                        return true;
                    }
                }

                why = "has no partial_sig for the key hash";
                return false;
            case ScriptTemplate.Multisig:
                var collected = Signing.TransactionSigner.MultisigStack(m, key => SigFor(key.Span), out var count);
                if (count < m.RequiredSignatures)
                {
                    why = $"has {count} of the {m.RequiredSignatures} signatures the multisig needs";
                    return false;
                }

                stack = collected;
                why = null;
                return true;
            default:
                why = $"has a {m.Template} script the finalizer cannot satisfy";
                return false;
        }
    }

    private static bool TryFinalizeTaproot(PsbtInput input, PsbtMiniscript miniscript, [NotNullWhen(true)] out List<byte[]>? stack, [NotNullWhen(false)] out string? why)
    {
        // BIP371: a key path signature gives the smallest witness.
        if (input.TapKeySignature is { } keySig)
        {
            stack = [keySig.ToArray()];
            why = null;
            return true;
        }

        // Core SignTaproot: the script path satisfies the leaves as miniscript (pk, multi_a and every other fragment).
        return miniscript.TrySatisfyTaproot(input, out stack, out why);
    }

    // ---------------------------------------------------------------- Extractor

    /// <summary>BIP174 Transaction Extractor: the network transaction, refusing if any input is not finalized.</summary>
    public bool TryExtract([NotNullWhen(true)] out Transaction? transaction, [NotNullWhen(false)] out PsbtError? error)
    {
        transaction = null;
        if (!TryGetUnsignedTransaction(out var tx, out error))
        {
            return false;
        }

        var ins = new TxIn[Inputs.Count];
        for (var i = 0; i < ins.Length; i++)
        {
            var input = Inputs[i];
            if (!input.IsFinalized)
            {
                error = new PsbtError(PsbtErrorKind.NotFinalized, $"psbt: input {i} is not finalized (no final_scriptsig or final_scriptwitness)");
                return false;
            }

            ins[i] = tx.Inputs[i] with { ScriptSig = input.FinalScriptSig ?? Script.Empty, Witness = input.FinalScriptWitness ?? Witness.Empty };
        }

        transaction = tx.WithInputs(ins);
        error = null;
        return true;
    }

    /// <summary>Extracts or throws <see cref="InvalidOperationException"/>.</summary>
    public Transaction Extract() => TryExtract(out var tx, out var error) ? tx : throw new InvalidOperationException(error.Message, error.ToException());
}
