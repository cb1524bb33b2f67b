using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;
using static OPSource.Bitcoin.Consensus.ScriptOps;
using static OPSource.Bitcoin.Scripts.OpcodeType;

namespace OPSource.Bitcoin.Consensus;

/// <summary>
/// Bitcoin's script interpreter, following Core's script/interpreter.cpp rule for rule and in the
/// same order, so that every script gets the same verdict and the same <see cref="ScriptError"/>.
/// </summary>
public static partial class ScriptInterpreter
{
    /// <summary>BIP68/BIP112: nSequence bit that disables relative lock time.</summary>
    internal const long SequenceLockTimeDisableFlag = 1L << 31;

    private static readonly byte[] False = [];
    private static readonly byte[] True = [1];

    /// <summary>Core CastToBool: any non-zero byte is true, except a lone sign bit at the end (negative zero).</summary>
    public static bool CastToBool(ReadOnlySpan<byte> value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != 0)
            {
                return !(i == value.Length - 1 && value[i] == 0x80);
            }
        }

        return false;
    }

    /// <summary>
    /// Runs one script on <paramref name="stack"/> (Core EvalScript). <paramref name="sigVersion"/> must be
    /// Base, WitnessV0 or Tapscript. Returns false with the first rule broken.
    /// </summary>
    public static bool EvalScript(ScriptStack stack, ReadOnlyMemory<byte> script, ScriptVerifyFlags flags, SignatureChecker checker, SigVersion sigVersion, ScriptExecutionData executionData, out ScriptError error)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(checker);
        ArgumentNullException.ThrowIfNull(executionData);
        if (sigVersion == SigVersion.Taproot)
        {
            throw new ArgumentOutOfRangeException(nameof(sigVersion), "the Taproot key path runs no script");
        }

        var state = new EvalState(stack, script, flags, checker, sigVersion, executionData);
        error = state.Run();
        return error == ScriptError.OK;
    }

    /// <summary>
    /// Verifies that <paramref name="scriptSig"/> and <paramref name="witness"/> satisfy
    /// <paramref name="scriptPubKey"/> (Core VerifyScript), including P2SH, witness v0 and Taproot.
    /// </summary>
    public static bool VerifyScript(ReadOnlyMemory<byte> scriptSig, ReadOnlyMemory<byte> scriptPubKey, IReadOnlyList<ReadOnlyMemory<byte>>? witness, ScriptVerifyFlags flags, SignatureChecker checker, out ScriptError error)
    {
        ArgumentNullException.ThrowIfNull(checker);
        witness ??= [];
        error = VerifyScriptCore(scriptSig, scriptPubKey, witness, flags, checker);
        return error == ScriptError.OK;
    }

    /// <summary>
    /// Typed form of <see cref="VerifyScript(ReadOnlyMemory{byte}, ReadOnlyMemory{byte}, IReadOnlyList{ReadOnlyMemory{byte}}?, ScriptVerifyFlags, SignatureChecker, out ScriptError)"/>.
    /// </summary>
    public static bool VerifyScript(Script scriptSig, Script scriptPubKey, Witness witness, ScriptVerifyFlags flags, SignatureChecker checker, out ScriptError error)
    {
        ArgumentNullException.ThrowIfNull(scriptSig);
        ArgumentNullException.ThrowIfNull(scriptPubKey);
        ArgumentNullException.ThrowIfNull(witness);
        return VerifyScript(scriptSig.Memory, scriptPubKey.Memory, TransactionVerifier.WitnessItems(witness), flags, checker, out error);
    }

    private static ScriptError VerifyScriptCore(ReadOnlyMemory<byte> scriptSig, ReadOnlyMemory<byte> scriptPubKey, IReadOnlyList<ReadOnlyMemory<byte>> witness, ScriptVerifyFlags flags, SignatureChecker checker)
    {
        var hadWitness = false;

        // BIP62 rule 2 (policy): scriptSig must be push-only.
        if ((flags & ScriptVerifyFlags.SIGPUSHONLY) != 0 && !Script.IsPushOnly(scriptSig.Span))
        {
            return ScriptError.SIG_PUSHONLY;
        }

        // Core interpreter.cpp VerifyScript: scriptSig and scriptPubKey run in sequence on one stack, not
        // concatenated (CVE-2010-5141).
        var stack = new ScriptStack();
        var err = new EvalState(stack, scriptSig, flags, checker, SigVersion.Base, new ScriptExecutionData()).Run();
        if (err != ScriptError.OK)
        {
            return err;
        }

        ScriptStack? stackCopy = (flags & ScriptVerifyFlags.P2SH) != 0 ? stack.Clone() : null;
        err = new EvalState(stack, scriptPubKey, flags, checker, SigVersion.Base, new ScriptExecutionData()).Run();
        if (err != ScriptError.OK)
        {
            return err;
        }

        if (stack.Count == 0 || !CastToBool(stack.Top()))
        {
            return ScriptError.EVAL_FALSE;
        }

        // BIP141: bare witness programs.
        if ((flags & ScriptVerifyFlags.WITNESS) != 0 && Script.IsWitnessProgram(scriptPubKey.Span, out var version, out _))
        {
            hadWitness = true;
            // BIP141: the scriptSig must be exactly empty, or malleability returns.
            if (scriptSig.Length != 0)
            {
                return ScriptError.WITNESS_MALLEATED;
            }

            err = VerifyWitnessProgram(witness, version, scriptPubKey[2..], flags, checker, isP2sh: false);
            if (err != ScriptError.OK)
            {
                return err;
            }

            // The stack is not clean for witness programs; bypass CLEANSTACK below.
            stack.TruncateTo(1);
        }

        // BIP16: pay-to-script-hash.
        if ((flags & ScriptVerifyFlags.P2SH) != 0 && IsPayToScriptHash(scriptPubKey.Span))
        {
            // BIP16: scriptSig must be literals-only.
            if (!Script.IsPushOnly(scriptSig.Span))
            {
                return ScriptError.SIG_PUSHONLY;
            }

            stack = stackCopy!;
            // The stack cannot be empty: HASH160 on an empty stack failed above.
            var redeemScript = stack.TopArray();
            stack.Pop();
            err = new EvalState(stack, redeemScript, flags, checker, SigVersion.Base, new ScriptExecutionData()).Run();
            if (err != ScriptError.OK)
            {
                return err;
            }

            if (stack.Count == 0 || !CastToBool(stack.Top()))
            {
                return ScriptError.EVAL_FALSE;
            }

            // BIP141: P2SH-wrapped witness programs.
            if ((flags & ScriptVerifyFlags.WITNESS) != 0 && Script.IsWitnessProgram(redeemScript, out version, out _))
            {
                hadWitness = true;
                // BIP141: the scriptSig must be exactly one push of the redeem script.
                if (!IsSinglePushOf(scriptSig.Span, redeemScript))
                {
                    return ScriptError.WITNESS_MALLEATED_P2SH;
                }

                err = VerifyWitnessProgram(witness, version, redeemScript.AsMemory(2), flags, checker, isP2sh: true);
                if (err != ScriptError.OK)
                {
                    return err;
                }

                stack.TruncateTo(1);
            }
        }

        // BIP62 rule 6: checked after P2SH/witness evaluation, whose inputs would otherwise remain.
        if ((flags & ScriptVerifyFlags.CLEANSTACK) != 0 && stack.Count != 1)
        {
            return ScriptError.CLEANSTACK;
        }

        // BIP141: witness data on a non-witness spend is malleable and rejected.
        if ((flags & ScriptVerifyFlags.WITNESS) != 0 && !hadWitness && witness.Count != 0)
        {
            return ScriptError.WITNESS_UNEXPECTED;
        }

        return ScriptError.OK;
    }

    private static bool IsSinglePushOf(ReadOnlySpan<byte> scriptSig, ReadOnlySpan<byte> data)
    {
        if (scriptSig.Length != PushLength(data.Length))
        {
            return false;
        }

        Span<byte> expected = scriptSig.Length <= 256 ? stackalloc byte[scriptSig.Length] : new byte[scriptSig.Length];
        WritePush(data, expected);
        return scriptSig.SequenceEqual(expected);
    }

    private static ScriptError VerifyWitnessProgram(IReadOnlyList<ReadOnlyMemory<byte>> witness, int version, ReadOnlyMemory<byte> program, ScriptVerifyFlags flags, SignatureChecker checker, bool isP2sh)
    {
        var execData = new ScriptExecutionData();
        var count = witness.Count;
        if (version == 0)
        {
            if (program.Length == 32)
            {
                // BIP141 P2WSH: the last witness item is the script, whose SHA256 is the program.
                if (count == 0)
                {
                    return ScriptError.WITNESS_PROGRAM_WITNESS_EMPTY;
                }

                var witnessScript = witness[count - 1];
                Span<byte> hash = stackalloc byte[32];
                Hashes.Sha256(witnessScript.Span, hash);
                if (!hash.SequenceEqual(program.Span))
                {
                    return ScriptError.WITNESS_PROGRAM_MISMATCH;
                }

                return ExecuteWitnessScript(witness, count - 1, witnessScript, flags, SigVersion.WitnessV0, checker, execData);
            }

            if (program.Length == 20)
            {
                // BIP141 P2WPKH: exactly signature and pubkey, run as DUP HASH160 <program> EQUALVERIFY CHECKSIG.
                if (count != 2)
                {
                    return ScriptError.WITNESS_PROGRAM_MISMATCH;
                }

                var script = new byte[25];
                script[0] = (byte)OP_DUP;
                script[1] = (byte)OP_HASH160;
                script[2] = 20;
                program.Span.CopyTo(script.AsSpan(3));
                script[23] = (byte)OP_EQUALVERIFY;
                script[24] = (byte)OP_CHECKSIG;
                return ExecuteWitnessScript(witness, 2, script, flags, SigVersion.WitnessV0, checker, execData);
            }

            return ScriptError.WITNESS_PROGRAM_WRONG_LENGTH;
        }

        if (version == 1 && program.Length == 32 && !isP2sh)
        {
            // BIP341: 32-byte witness v1 outside P2SH is Taproot.
            if ((flags & ScriptVerifyFlags.TAPROOT) == 0)
            {
                return ScriptError.OK;
            }

            if (count == 0)
            {
                return ScriptError.WITNESS_PROGRAM_WITNESS_EMPTY;
            }

            // BIP341: with two or more items, a last item starting 0x50 is the annex, removed before anything else.
            var last = witness[count - 1].Span;
            if (count >= 2 && last.Length > 0 && last[0] == TaprootAnnexTag)
            {
                execData.Annex = witness[count - 1];
                count--;
            }

            execData.AnnexInitialized = true;
            if (count == 1)
            {
                // BIP341 key path: the single item is a signature by the output key.
                return checker.CheckSchnorrSignature(witness[0].Span, program.Span, SigVersion.Taproot, execData, out var sigError)
                    ? ScriptError.OK
                    : sigError;
            }

            // BIP341 script path: [stack..., script, control block].
            var control = witness[count - 1].Span;
            var tapScript = witness[count - 2];
            count -= 2;
            // BIP341: control block size 33 + 32m, m <= 128 (btc-prim's ControlBlock enforces it).
            if (!ControlBlock.TryParse(control, out var controlBlock, out _))
            {
                return ScriptError.TAPROOT_WRONG_CONTROL_SIZE;
            }

            // BIP341: the leaf hash commits to (control byte & 0xfe) and the script; the commitment
            // check (Core VerifyTaprootCommitment) fails on an invalid internal or output key too.
            var leafVersion = controlBlock.LeafVersion;
            var leafHash = TapLeafHash.Compute(leafVersion, tapScript.Span);
            if (!controlBlock.VerifyCommitment(program.Span, leafHash))
            {
                return ScriptError.WITNESS_PROGRAM_MISMATCH;
            }

            execData.SetTapLeafHash(leafHash);
            if (leafVersion == TaprootLeafTapscript)
            {
                // BIP342: validation weight budget = 50 + serialized witness size (with annex and control block).
                execData.ValidationWeightLeft = SerializedWitnessSize(witness) + ConsensusLimits.ValidationWeightOffset;
                execData.ValidationWeightLeftInitialized = true;
                return ExecuteWitnessScript(witness, count, tapScript, flags, SigVersion.Tapscript, checker, execData);
            }

            // BIP341: unknown leaf versions succeed (reserved for soft forks) unless discouraged by policy.
            return (flags & ScriptVerifyFlags.DISCOURAGE_UPGRADABLE_TAPROOT_VERSION) != 0
                ? ScriptError.DISCOURAGE_UPGRADABLE_TAPROOT_VERSION
                : ScriptError.OK;
        }

        // Core interpreter.cpp: pay-to-anchor (OP_1 <0x4e73>) succeeds and is not an "upgradable" program.
        if (version == 1 && !isP2sh && program.Length == 2 && program.Span[0] == 0x4e && program.Span[1] == 0x73)
        {
            return ScriptError.OK;
        }

        // BIP141: other versions and sizes succeed for future soft forks, unless discouraged by policy.
        return (flags & ScriptVerifyFlags.DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM) != 0
            ? ScriptError.DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM
            : ScriptError.OK;
    }

    /// <summary>BIP341: first byte of the annex.</summary>
    public const byte TaprootAnnexTag = 0x50;

    /// <summary>BIP341: mask selecting the leaf version from the control byte.</summary>
    public const byte TaprootLeafMask = ControlBlock.LeafMask;

    /// <summary>BIP342: leaf version of tapscript.</summary>
    public const byte TaprootLeafTapscript = TapLeafHash.TapscriptLeafVersion;

    private static long SerializedWitnessSize(IReadOnlyList<ReadOnlyMemory<byte>> witness)
    {
        long size = CompactSize.GetSize((ulong)witness.Count);
        foreach (var item in witness)
        {
            size += CompactSize.GetSize((ulong)item.Length) + item.Length;
        }

        return size;
    }

    private static ScriptError ExecuteWitnessScript(IReadOnlyList<ReadOnlyMemory<byte>> witness, int stackCount, ReadOnlyMemory<byte> script, ScriptVerifyFlags flags, SigVersion sigVersion, SignatureChecker checker, ScriptExecutionData execData)
    {
        if (sigVersion == SigVersion.Tapscript)
        {
            // BIP342: OP_SUCCESSx anywhere (even unexecuted) overrides everything, including size limits,
            // but only if the script decodes up to it.
            var span = script.Span;
            var pc = 0;
            while (pc < span.Length)
            {
                if (!Script.TryGetOp(span, ref pc, out var opcode, out _))
                {
                    return ScriptError.BAD_OPCODE;
                }

                if (IsOpSuccess(opcode))
                {
                    return (flags & ScriptVerifyFlags.DISCOURAGE_OP_SUCCESS) != 0 ? ScriptError.DISCOURAGE_OP_SUCCESS : ScriptError.OK;
                }
            }

            // BIP342: the initial stack obeys the 1000-element limit.
            if (stackCount > ConsensusLimits.MaxStackSize)
            {
                return ScriptError.STACK_SIZE;
            }
        }

        // BIP141/BIP342: witness stack elements obey the 520-byte limit.
        var items = new List<byte[]>(stackCount + 4);
        for (var i = 0; i < stackCount; i++)
        {
            if (witness[i].Length > ConsensusLimits.MaxScriptElementSize)
            {
                return ScriptError.PUSH_SIZE;
            }

            items.Add(witness[i].ToArray());
        }

        var stack = new ScriptStack(items);
        var err = new EvalState(stack, script, flags, checker, sigVersion, execData).Run();
        if (err != ScriptError.OK)
        {
            return err;
        }

        // BIP141/BIP342: witness scripts must leave exactly one true element.
        if (stack.Count != 1)
        {
            return ScriptError.CLEANSTACK;
        }

        return CastToBool(stack.Top()) ? ScriptError.OK : ScriptError.EVAL_FALSE;
    }
}
