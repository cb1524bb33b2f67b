using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using PsbtT = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Fuzz.Targets;

/// <summary>PSBTs, version 0 (BIP174) and version 2 (BIP370), with BIP371 Taproot fields.</summary>
internal static class PsbtTargets
{
    private const string Oracles = "Psbt.TryParse of the bytes and of their base64 agree; ser(parse(ser(parse(x)))) == ser(parse(x)); every typed field accessor, fee, unsigned tx, combine(p, p) == p, finalize (result parses back), extract, v0<->v2 conversion, signing with a fixed key";

    public static FuzzTarget PsbtV0 { get; } = new("psbt-v0", "BIP174 PSBTs (seeds: BIP174 and Core rpc_psbt vectors). " + Oracles, Run, V0Seeds);

    public static FuzzTarget PsbtV2 { get; } = new("psbt-v2", "BIP370 PSBTs (seeds: the v0 vectors converted to v2, and Constructor-built PSBTs). " + Oracles, Run, V2Seeds);

    private static readonly SecretKey FixedKey = SecretKey.Create(Convert.FromHexString("0101010101010101010101010101010101010101010101010101010101010101"));

    private static void Run(ReadOnlyMemory<byte> input)
    {
        var data = input.Span;
        var parsed = PsbtT.TryParse(data, out var psbt, out var error);
        FuzzOracleException.Check(parsed || !string.IsNullOrEmpty(error?.Message), "TryParse failed without an error message");
        FuzzOracleException.Check(parsed == PsbtT.TryParse(Convert.ToBase64String(data), out _, out _), "bytes and base64 parse differently");
        if (!parsed)
        {
            return;
        }

        var bytes = psbt!.ToBytes();
        var again = Reparse(bytes, "ser(parse(x))");
        FuzzOracleException.Equal(bytes, again.ToBytes(), "PSBT ser(parse(ser(parse(x))))");
        Exercise(psbt);

        // The Combiner writes maps in canonical key order, so combine(p, p) is p's entries reordered:
        // combining it with p again must change nothing, and it must parse back.
        if (!PsbtT.TryCombine([psbt, again], out var combined, out var combineError))
        {
            throw new FuzzOracleException("a PSBT does not combine with itself: " + combineError);
        }

        var combinedBytes = combined.ToBytes();
        FuzzOracleException.Check(combinedBytes.Length == bytes.Length, "combine(p, p) changed the PSBT's size");
        if (!PsbtT.TryCombine([Reparse(combinedBytes, "combine(p, p)"), psbt], out var twice, out combineError))
        {
            throw new FuzzOracleException("combine(p, p) does not combine with p: " + combineError);
        }

        FuzzOracleException.Equal(combinedBytes, twice.ToBytes(), "combine(combine(p, p), p)");

        var complete = psbt.TryFinalize(out var finalized, out var problems);
        FuzzOracleException.Check(complete == (problems.Count == 0), "TryFinalize result and problems disagree");
        Exercise(Reparse(finalized.ToBytes(), "finalized"));
        if (finalized.TryExtract(out var tx, out _))
        {
            TransactionTargets.Exercise(tx);
        }

        if (psbt.Version == 0 && psbt.TxVersion >= 2)
        {
            var v2 = TryToVersion2(psbt);
            if (v2 is not null)
            {
                Exercise(Reparse(v2.ToBytes(), "ToVersion2"));
            }
        }
        else if (psbt.Version == 2 && psbt.TryGetUnsignedTransaction(out _, out _))
        {
            Exercise(Reparse(psbt.ToVersion0().ToBytes(), "ToVersion0"));
        }

        _ = psbt.TrySign([FixedKey], out var signed, out _);
        Exercise(Reparse(signed.ToBytes(), "signed"));
    }

    private static PsbtT? TryToVersion2(PsbtT psbt)
    {
        try
        {
            return psbt.ToVersion2();
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("psbt: cannot convert to version 2: ", StringComparison.Ordinal))
        {
            return null; // documented refusal: an unknown v0 key whose type v2 defines
        }
    }

    private static PsbtT Reparse(byte[] bytes, string what) =>
        PsbtT.TryParse(bytes, out var again, out var error)
            ? again
            : throw new FuzzOracleException($"{what}: the serialized PSBT does not parse back: {error}");

    private static void Exercise(PsbtT psbt)
    {
        _ = psbt.TxVersion;
        _ = psbt.FallbackLockTime;
        _ = psbt.TxModifiable;
        _ = psbt.Xpubs.Count;
        _ = psbt.GlobalProprietary.Count();
        _ = psbt.GlobalUnknown.Count();
        _ = psbt.Fee;
        _ = psbt.IsFinalized;
        if (psbt.TryGetUnsignedTransaction(out var tx, out _))
        {
            FuzzOracleException.Check(tx.Inputs.Count == psbt.Inputs.Count && tx.Outputs.Count == psbt.Outputs.Count, "unsigned tx and maps disagree on counts");
            _ = psbt.GetUniqueId();
        }

        foreach (var i in psbt.Inputs)
        {
            _ = i.PreviousOutPoint;
            _ = i.Sequence;
            _ = i.NonWitnessUtxo;
            _ = i.WitnessUtxo;
            _ = i.GetUtxo();
            _ = i.PartialSignatures.Count;
            _ = i.SighashType;
            _ = i.RedeemScript;
            _ = i.WitnessScript;
            _ = i.Bip32Derivations.Count;
            _ = i.FinalScriptSig;
            _ = i.FinalScriptWitness;
            _ = i.Ripemd160Preimages.Count + i.Sha256Preimages.Count + i.Hash160Preimages.Count + i.Hash256Preimages.Count;
            _ = i.RequiredTimeLockTime;
            _ = i.RequiredHeightLockTime;
            _ = i.TapKeySignature;
            _ = i.TapScriptSignatures.Count;
            foreach (var leaf in i.TapLeafScripts)
            {
                _ = leaf.LeafHash;
            }

            _ = i.TapBip32Derivations.Count;
            _ = i.TapInternalKey;
            _ = i.TapMerkleRoot;
            _ = i.Proprietary.Count();
            _ = i.Unknown.Count();
        }

        foreach (var o in psbt.Outputs)
        {
            // A decoded amount outside MoneyRange is kept as the raw nValue; Amount throws its documented error for it.
            if (o.TxOut.HasValidValue)
            {
                FuzzOracleException.Check(o.Amount.Satoshis == o.TxOut.RawValue, "PsbtOutput.Amount != RawValue");
            }
            else
            {
                FuzzOracleException.Check(TransactionTargets.Throws<InvalidOperationException>(() => _ = o.Amount), "PsbtOutput.Amount did not throw its documented error");
            }

            ScriptTargets.ExerciseScript(o.Script);
            _ = o.RedeemScript;
            _ = o.WitnessScript;
            _ = o.Bip32Derivations.Count;
            _ = o.TapInternalKey;
            _ = o.TapTree?.Count;
            _ = o.TapBip32Derivations.Count;
            _ = o.Proprietary.Count();
            _ = o.Unknown.Count();
        }
    }

    private static IEnumerable<byte[]> V0Seeds(string vectors)
    {
        var bip174 = Seeds.Json(vectors, "bips", "bip174_psbt_test_vectors.json");
        foreach (var group in new[] { "valid", "invalid", "fails_signer_checks" })
        {
            foreach (var item in bip174[group]!.AsArray())
            {
                if ((string?)item!["hex"] is { } hex)
                {
                    yield return Seeds.Hex(hex);
                }
            }
        }

        var core = Seeds.Json(vectors, "bitcoin-core", "functional-data", "rpc_psbt.json");
        foreach (var text in Seeds.Strings(core["valid"]).Concat(Seeds.Strings(core["invalid"])).Concat(Seeds.Strings(core["signer"])).Concat(Seeds.Strings(core["combiner"])))
        {
            var buffer = new byte[text.Length];
            if (Convert.TryFromBase64String(text, buffer, out var written) && written > 5)
            {
                yield return buffer[..written];
            }
        }
    }

    private static IEnumerable<byte[]> V2Seeds(string vectors)
    {
        foreach (var seed in V0Seeds(vectors))
        {
            if (PsbtT.TryParse(seed, out var psbt, out _) && psbt.Version == 0 && psbt.TxVersion >= 2 && TryToVersion2(psbt) is { } v2)
            {
                yield return v2.ToBytes();
            }
        }

        var spk = new Script(Convert.FromHexString("0014751e76e8199196d454941c45d1b3a323f1433bd6"));
        var outpoint = new OutPoint(TxId.Parse("9c4e333b5f116359b5f5578fe4a74f6f58b3bab9d28149a583da86f6bf0ce27d"), 1);
        var empty = PsbtT.CreateV2(2, LockTime.Zero, PsbtTxModifiable.Inputs | PsbtTxModifiable.Outputs);
        yield return empty.ToBytes();
        var built = empty.AddInput(new PsbtConstructorInput(outpoint) { RequiredHeightLockTime = new LockTime(800_000) })
            .AddOutput(new TxOut(Bitcoin.Amount.FromSatoshis(50_000), spk));
        yield return built.ToBytes();
        yield return built.WithWitnessUtxo(0, new TxOut(Bitcoin.Amount.FromSatoshis(60_000), spk)).CompleteConstruction().ToBytes();
    }
}
