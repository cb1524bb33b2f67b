using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Signing;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Psbt;

/// <summary>Options for the PSBT signer (<c>Psbt.TrySign</c>).</summary>
public sealed record PsbtSignOptions
{
    /// <summary>
    /// The sighash type to sign with when an input has no PSBT_IN_SIGHASH_TYPE (default: ALL for
    /// ECDSA, DEFAULT for taproot); it is then recorded in the inputs signed, so later signers and
    /// finalizers agree (as Core's walletprocesspsbt with an explicit sighashtype does in
    /// rpc_psbt.json). When an input has one and it differs, that input is refused.
    /// </summary>
    public SigHashType? SighashType { get; init; }

    /// <summary>
    /// Grind ECDSA nonces until R is low (71-byte DER signatures), as Core does (default). The BIP174
    /// workflow vectors were made with plain RFC6979, i.e. without grinding.
    /// </summary>
    public bool GrindLowR { get; init; } = true;

    /// <summary>BIP340 auxiliary randomness for Schnorr signatures; null draws 32 fresh random bytes.</summary>
    public ReadOnlyMemory<byte>? TaprootAuxRandomness { get; init; }
}

/// <summary>The PSBT Signer role (BIP174, BIP371).</summary>
public sealed partial class Psbt
{
    /// <summary>
    /// Signs every input the keys can sign: P2PKH, P2WPKH, P2SH-P2WPKH, bare/P2SH/P2WSH/P2SH-P2WSH
    /// multisig (and P2PK), P2TR key path (BIP371 internal key + merkle root tweak) and P2TR script
    /// path for leaves containing a key. ECDSA uses RFC6979 with low-R grinding like Core. Inputs
    /// failing the BIP174 signer checks (wrong UTXO kind, mismatched scripts, sighash mismatch) are
    /// refused: left unsigned in <paramref name="signed"/> and explained in <paramref name="refusals"/>.
    /// Returns true when no input was refused. The caller keeps ownership of <paramref name="keys"/>.
    /// </summary>
    public bool TrySign(IEnumerable<SecretKey> keys, out Psbt signed, out IReadOnlyList<string> refusals, PsbtSignOptions? options = null)
    {
        using var store = SigningKeyStore.Borrowing(keys);
        return TrySign(store, out signed, out refusals, options);
    }

    /// <summary>
    /// Signs like <see cref="TrySign(IEnumerable{SecretKey}, out Psbt, out IReadOnlyList{string}, PsbtSignOptions?)"/>
    /// with the keys a provider holds: for each input it asks for the keys of the input's BIP32 and
    /// Taproot BIP32 derivations (by origin), of the public keys and key hashes in its scripts, and of
    /// its Taproot internal/output key. Signatures are made through <see cref="SigningSession"/>, the
    /// same path as <see cref="TransactionSigner"/>.
    /// </summary>
    public bool TrySign(ISigningKeyProvider keys, out Psbt signed, out IReadOnlyList<string> refusals, PsbtSignOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        options ??= new PsbtSignOptions();
        var issues = new List<string>();
        refusals = issues;
        if (!TryGetUnsignedTransaction(out var tx, out var txError))
        {
            signed = this;
            issues.Add(txError.Message);
            return false;
        }

        // One PrecomputedTransactionData for every input (Core's PrecomputedTransactionData in
        // SignPSBTInput's caller): BIP143/BIP341 per-transaction hashes are computed once, not per input.
        // BIP341's SigMsg commits to every spent output, so the spent outputs are attached only when every
        // input carries its UTXO; otherwise the first input without one is remembered for the refusal.
        List<TxOut>? spent = new List<TxOut>(Inputs.Count);
        var missingUtxo = -1;
        for (var j = 0; j < Inputs.Count; j++)
        {
            if (Inputs[j].GetUtxo() is not { } o)
            {
                missingUtxo = j;
                spent = null;
                break;
            }

            spent.Add(o);
        }

        var session = new SigningSession(tx, spent, new SigningOptions { GrindLowR = options.GrindLowR, TaprootAuxRandomness = options.TaprootAuxRandomness });
        var maps = _inputs.ToArray();
        for (var i = 0; i < Inputs.Count; i++)
        {
            var input = Inputs[i];
            if (input.IsFinalized)
            {
                continue;
            }

            var utxo = input.GetUtxo();
            if (utxo is null)
            {
                continue; // BIP174: without the UTXO the signer cannot sign this input.
            }

            if (!TryCheckInput(input, utxo, out var kind, out var error))
            {
                issues.Add($"psbt: input {i} {error}");
                continue;
            }

            var psbtSighash = input.SighashType;
            if (psbtSighash is { } ps && options.SighashType is { } os && ps != os)
            {
                issues.Add($"psbt: input {i} sighash_type {ps} does not match the requested sighash type {os}");
                continue;
            }

            var sighash = psbtSighash ?? options.SighashType;
            var map = maps[i];

            if (kind == SpendKind.Taproot)
            {
                if (!TrySignTaproot(session, missingUtxo, i, input, utxo, keys, sighash ?? SigHashType.Default, ref map, out error))
                {
                    issues.Add(error);
                    continue;
                }
            }
            else
            {
                SignEcdsa(session, i, input, utxo, kind, keys, sighash ?? SigHashType.All, ref map);
            }

            if (psbtSighash is null && options.SighashType is { } explicitType && map.Count != maps[i].Count)
            {
                map = map.With(PsbtKeys.InSighashType, default, U32(explicitType.Value));
            }

            maps[i] = map;
        }

        signed = WithMaps(global: UpdatedModifiable(maps), inputs: maps);
        return issues.Count == 0;
    }

    /// <summary>
    /// BIP370 Signer: "a signer must update the PSBT_GLOBAL_TX_MODIFIABLE field after signing inputs so
    /// that it accurately reflects the state of the PSBT". Only signatures this call added count; an
    /// absent field already means nothing may be added, so it stays absent.
    /// </summary>
    private PsbtMap UpdatedModifiable(PsbtMap[] signedMaps)
    {
        if (Version != 2 || TxModifiable is not { } flags)
        {
            return _global;
        }

        for (var i = 0; i < signedMaps.Length; i++)
        {
            var before = _inputs[i];
            foreach (var e in signedMaps[i].Entries)
            {
                if (e.KeyType is not (PsbtKeys.InPartialSig or PsbtKeys.InTapKeySig or PsbtKeys.InTapScriptSig) || before.Find(e.Key) is not null)
                {
                    continue;
                }

                var type = SignatureSighashType(e);
                var baseType = type & SigHashMasks.BaseTypeMask;
                if ((type & (uint)SigHashType.AnyoneCanPay) == 0)
                {
                    // BIP370: "If the Signer added a signature that does not use SIGHASH_ANYONECANPAY, the Input Modifiable flag must be set to False."
                    flags &= ~PsbtTxModifiable.Inputs;
                }

                if (baseType != (uint)SigHashType.None)
                {
                    // BIP370: "If the Signer added a signature that does not use SIGHASH_NONE, the Outputs Modifiable flag must be set to False."
                    flags &= ~PsbtTxModifiable.Outputs;
                }

                if (baseType == (uint)SigHashType.Single)
                {
                    // BIP370: "If the Signer added a signature that uses SIGHASH_SINGLE, the Has SIGHASH_SINGLE flag must be set to True."
                    flags |= PsbtTxModifiable.HasSighashSingle;
                }
            }
        }

        return _global.With(PsbtKeys.GlobalTxModifiable, default, [(byte)flags]);
    }

    /// <summary>Signs or throws <see cref="InvalidOperationException"/> with the first refusal reason.</summary>
    public Psbt Sign(IEnumerable<SecretKey> keys, PsbtSignOptions? options = null) =>
        TrySign(keys, out var signed, out var refusals, options) ? signed : throw new InvalidOperationException(refusals[0]);

    internal enum SpendKind
    {
        Legacy,
        WitnessV0,
        Taproot,
        Unknown,
    }

    /// <summary>BIP174 signer checks: the UTXO and scripts must be consistent before any signature is made.</summary>
    internal static bool TryCheckInput(PsbtInput input, TxOut utxo, out SpendKind kind, [NotNullWhen(false)] out string? error)
    {
        kind = SpendKind.Unknown;
        var spk = utxo.ScriptPubKey;
        var redeem = input.RedeemScript;
        var witnessScript = input.WitnessScript;
        var utxoKind = input.NonWitnessUtxo is not null ? "non_witness_utxo" : "witness_utxo";
        var program = spk;
        if (redeem is not null)
        {
            // BIP174: "If a redeemScript is provided, the scriptPubKey must be for that redeemScript".
            if (spk != StandardScripts.PayToScriptHash(redeem))
            {
                error = $"redeem_script does not match the scriptPubKey of the {utxoKind}";
                return false;
            }

            program = redeem;
        }
        else if (spk.IsPayToScriptHash)
        {
            error = null;
            kind = SpendKind.Unknown;
            return true; // cannot sign without the redeem script, nothing to check
        }

        var isWitness = program.IsWitnessProgram(out var version, out var prog);
        if (witnessScript is not null)
        {
            // BIP174: "If a witnessScript is provided, the scriptPubKey or the redeemScript must be for that witnessScript".
            if (program != StandardScripts.PayToWitnessScriptHash(witnessScript))
            {
                error = $"witness_script does not match the {(redeem is null ? "scriptPubKey" : "redeem_script")}";
                return false;
            }
        }

        if (input.NonWitnessUtxo is null && input.WitnessUtxo is not null && !isWitness)
        {
            // BIP174: "If a witness UTXO is provided, no non-witness signature may be created".
            error = "has a witness_utxo but spends a non-witness script";
            return false;
        }

        kind = !isWitness ? SpendKind.Legacy
            : version == 0 ? SpendKind.WitnessV0
            : version == 1 && prog.Length == 32 && redeem is null ? SpendKind.Taproot
            : SpendKind.Unknown;
        error = null;
        return true;
    }

    private static void SignEcdsa(SigningSession session, int index, PsbtInput input, TxOut utxo, SpendKind kind, ISigningKeyProvider keys, SigHashType sighashType, ref PsbtMap map)
    {
        var program = input.RedeemScript ?? utxo.ScriptPubKey;
        Script scriptCode;
        if (kind == SpendKind.WitnessV0)
        {
            if (!utxo.HasValidValue)
            {
                return; // Core CheckTxInputs: a spent value outside MoneyRange can never be valid (bad-txns-inputvalues-outofrange).
            }

            program.IsWitnessProgram(out _, out var prog);
            if (prog.Length == 20)
            {
                // BIP143: P2WPKH scriptCode is the P2PKH script of the key hash.
                scriptCode = StandardScripts.PayToPubKeyHash(prog);
            }
            else if (input.WitnessScript is { } ws)
            {
                scriptCode = ws;
            }
            else
            {
                return;
            }
        }
        else if (kind == SpendKind.Legacy)
        {
            scriptCode = program;
        }
        else
        {
            return;
        }

        var witnessV0 = kind == SpendKind.WitnessV0;
        var version = witnessV0 ? Consensus.SigVersion.WitnessV0 : Consensus.SigVersion.Base;
        var origins = input.Bip32Derivations.Select(d => new SigningKeyOrigin(d.IsCompressed ? d.PublicKey.ToCompressed() : d.PublicKey.ToUncompressed(), d.Origin)).ToList();
        var template = StandardScripts.Solve(scriptCode);
        foreach (var (pubBytes, byHash) in CandidateKeys(scriptCode, origins, keys))
        {
            // A key the provider found by the hash a P2PKH script code pushes (P2PKH, P2WPKH) is the key that script
            // uses: it is not hashed and looked up again (BIP143: only a compressed key in witness v0).
            var known = byHash is not null && template.Template == ScriptTemplate.PubKeyHash && (!witnessV0 || pubBytes.Length == 33) ? byHash : null;
            if ((known is null && !ScriptUsesKey(scriptCode, template, pubBytes, witnessV0)) || map.Find([(byte)PsbtKeys.InPartialSig, .. pubBytes]) is not null)
            {
                continue;
            }

            if ((known ?? TransactionSigner.FindEcdsaKey(origins, keys, pubBytes, witnessV0)) is not { } key)
            {
                continue;
            }

            // Core key.cpp CKey::Sign (RFC6979, low-R grinding) over the legacy or BIP143 signature hash, DER + hash type.
            map = map.With(PsbtKeys.InPartialSig, pubBytes, session.SignEcdsa(index, scriptCode, version, utxo.Value, key, sighashType));
        }
    }

    /// <summary>
    /// The public keys that may sign <paramref name="scriptCode"/>: those of the input's BIP32 derivations,
    /// every pushed public key, and the key of every pushed 20-byte hash the provider knows (P2PKH, pk_h), with
    /// that key (<c>ByHash</c>; null for the others).
    /// </summary>
    private static List<(byte[] PublicKey, SecretKey? ByHash)> CandidateKeys(Script scriptCode, List<SigningKeyOrigin> origins, ISigningKeyProvider keys)
    {
        var candidates = new List<(byte[] PublicKey, SecretKey? ByHash)>();
        void Add(byte[] pub, SecretKey? byHash)
        {
            if (!candidates.Any(c => c.PublicKey.AsSpan().SequenceEqual(pub)))
            {
                candidates.Add((pub, byHash));
            }
        }

        foreach (var o in origins)
        {
            Add(o.PublicKey.ToArray(), null);
        }

        var pc = 0;
        var span = scriptCode.Span;
        while (pc < span.Length && Script.TryGetOp(span, ref pc, out _, out var push))
        {
            if (push.Length is 33 or 65 && StandardScripts.IsValidPubKeySize(push))
            {
                Add(push.ToArray(), null);
            }
            else if (push.Length == Hashes.Hash160Size && keys.TryGetKey(push, out var key, out var compressed))
            {
                Add(compressed ? key.PublicKey.ToCompressed() : key.PublicKey.ToUncompressed(), key);
            }
        }

        return candidates;
    }

    private static bool ScriptUsesKey(Script script, ScriptTemplateMatch m, byte[] pubBytes, bool witnessV0)
    {
        switch (m.Template)
        {
            case ScriptTemplate.PubKey:
            case ScriptTemplate.Multisig:
                return m.Solutions.Any(s => s.Span.SequenceEqual(pubBytes));
            case ScriptTemplate.PubKeyHash:
                Span<byte> h = stackalloc byte[20];
                Hashes.Hash160(pubBytes, h);
                return m.Solutions[0].Span.SequenceEqual(h);
            default:
                // Core sign.cpp WshSatisfier: a miniscript witness script is signed for every key it uses.
                return witnessV0 && PsbtMiniscript.UsesKey(script, pubBytes);
        }
    }

    /// <summary>Signs a taproot input; on failure <paramref name="error"/> is the complete refusal line.</summary>
    private static bool TrySignTaproot(SigningSession session, int missingUtxo, int index, PsbtInput input, TxOut utxo, ISigningKeyProvider keys, SigHashType sighashType, ref PsbtMap map, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (sighashType.Value > 0xff)
        {
            error = $"psbt: input {index} sighash_type {sighashType} is not a taproot sighash type";
            return false;
        }

        var program = utxo.ScriptPubKey.Span.Slice(2, 32);
        var origins = input.TapBip32Derivations.Select(d => new SigningKeyOrigin(d.Key.ToBytes(), d.Origin)).ToList();

        // Key path: BIP341 taproot_tweak_seckey with t = TapTweak(internal key || merkle root). The tweaked key is
        // compared with the program's bytes; the program is lifted to a point only when the key path did not sign.
        var keyPathSigned = false;
        if (input.TapKeySignature is null && input.TapInternalKey is { } ik && TransactionSigner.FindXOnlyKey(origins, keys, ik) is { } internalSecret)
        {
            if (!CanHashTaproot(session, index, missingUtxo, sighashType, out error))
            {
                error = TryLiftOutputKey(index, program, out _, out var offCurve) ? error : offCurve;
                return false;
            }

            if (TransactionSigner.TrySignKeyPath(session, index, keys, internalSecret, program, input.TapMerkleRoot, sighashType, out var keySig))
            {
                map = map.With(PsbtKeys.InTapKeySig, default, keySig);
                keyPathSigned = true;
            }
        }

        XOnlyPublicKey outputKey = default;
        if (!keyPathSigned && !TryLiftOutputKey(index, program, out outputKey, out error))
        {
            return false;
        }

        // Key path without a tweak: the key is the output key itself (rawtr()); Core sign.cpp SignTaproot
        // tries CreateSchnorrSig for the output key when the internal key did not sign.
        if (input.TapKeySignature is null && map.Find([(byte)PsbtKeys.InTapKeySig]) is null && TransactionSigner.FindXOnlyKey(origins, keys, outputKey) is { } outputSecret)
        {
            if (!CanHashTaproot(session, index, missingUtxo, sighashType, out error))
            {
                return false;
            }

            session.TrySignTaprootKeyPath(index, outputSecret, outputKey, null, sighashType, out var rawSig, untweaked: true);
            map = map.With(PsbtKeys.InTapKeySig, default, rawSig);
        }

        // Script path: every key of every leaf (its pushed x-only keys and its derivations' keys) that the provider holds (BIP342 key use).
        Span<byte> leafHash = stackalloc byte[32];
        foreach (var leaf in input.TapLeafScripts)
        {
            // BIP342 defines signature checking only for tapscript (leaf version 0xc0).
            if (leaf.LeafVersion != TapLeafHash.TapscriptLeafVersion)
            {
                continue;
            }

            var hash = TapLeafHash.Compute(leaf.LeafVersion, leaf.Script);
            hash.WriteTo(leafHash);
            foreach (var xonly in LeafKeyCandidates(leaf.Script, origins))
            {
                if (!PushesData(leaf.Script, xonly) && !PsbtMiniscript.UsesKey(leaf.Script, xonly, Miniscript.MiniscriptContext.Tapscript))
                {
                    continue;
                }

                byte[] keyData = [.. xonly, .. leafHash];
                if (map.Find([(byte)PsbtKeys.InTapScriptSig, .. keyData]) is not null || TransactionSigner.FindXOnlyKey(origins, keys, XOnlyPublicKey.Parse(xonly)) is not { } key)
                {
                    continue;
                }

                if (!CanHashTaproot(session, index, missingUtxo, sighashType, out error))
                {
                    return false;
                }

                // BIP342: codesep_pos is 0xffffffff when no OP_CODESEPARATOR was executed; PSBT signers add no annex.
                map = map.With(PsbtKeys.InTapScriptSig, keyData, session.SignTaprootScriptPath(index, hash, key, sighashType));
            }
        }

        return true;
    }

    /// <summary>BIP341: the witness program q must lift to a curve point, or neither path can ever verify; <paramref name="error"/> is the refusal line.</summary>
    private static bool TryLiftOutputKey(int index, ReadOnlySpan<byte> program, out XOnlyPublicKey outputKey, [NotNullWhen(false)] out string? error)
    {
        error = XOnlyPublicKey.TryParse(program, out outputKey)
            ? null
            : $"psbt: input {index} taproot output key is not a valid x-only public key (not on the curve), so the output cannot be spent";
        return error is null;
    }

    /// <summary>The x-only keys a tapscript leaf may be signed with: its 32-byte pushes that are keys, and the keys of the input's Taproot derivations.</summary>
    private static List<byte[]> LeafKeyCandidates(Script script, List<SigningKeyOrigin> origins)
    {
        var candidates = origins.Select(o => o.PublicKey.ToArray()).ToList();
        var pc = 0;
        var span = script.Span;
        while (pc < span.Length && Script.TryGetOp(span, ref pc, out _, out var push))
        {
            if (push.Length == 32 && XOnlyPublicKey.TryParse(push, out _))
            {
                var bytes = push.ToArray();
                if (!candidates.Any(c => c.AsSpan().SequenceEqual(bytes)))
                {
                    candidates.Add(bytes);
                }
            }
        }

        return candidates;
    }

    /// <summary>
    /// The PSBT-specific preconditions of a taproot signature hash: BIP341's SigMsg commits to every spent
    /// output, which a PSBT only has when every input carries its UTXO (witness_utxo or non_witness_utxo),
    /// and the hash type must be a BIP341 one with, for SIGHASH_SINGLE, a matching output.
    /// </summary>
    private static bool CanHashTaproot(SigningSession session, int index, int missingUtxo, SigHashType type, [NotNullWhen(false)] out string? error)
    {
        if (session.Data.SpentOutputs is null)
        {
            // BIP341: SigMsg hashes the amounts and scriptPubKeys of all spent outputs.
            error = $"psbt: input {index}: taproot signing needs every input's UTXO; input {missingUtxo} has none";
            return false;
        }

        if (!type.IsValidTaproot || (type.TaprootOutputType == SigHashType.Single && index >= session.Transaction.Outputs.Count))
        {
            error = $"psbt: input {index} cannot compute the taproot signature hash (sighash type 0x{type.ToByte():x2} undefined or SIGHASH_SINGLE without a matching output)";
            return false;
        }

        error = null;
        return true;
    }

    internal static bool PushesData(Script script, ReadOnlySpan<byte> data)
    {
        var pc = 0;
        while (pc < script.Length)
        {
            if (!script.TryGetOp(ref pc, out _, out var push))
            {
                return false;
            }

            if (push.SequenceEqual(data))
            {
                return true;
            }
        }

        return false;
    }
}
