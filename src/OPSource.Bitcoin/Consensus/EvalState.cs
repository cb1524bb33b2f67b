using OPSource.Bitcoin.Scripts;
using OPSource.Crypto;
using static OPSource.Bitcoin.Consensus.ScriptOps;
using static OPSource.Bitcoin.Scripts.OpcodeType;

namespace OPSource.Bitcoin.Consensus;

/// <summary>One run of EvalScript over one script (Core interpreter.cpp EvalScript), as a struct to keep locals together.</summary>
internal ref struct EvalState
{
    private readonly ScriptStack _stack;
    private readonly ReadOnlyMemory<byte> _script;
    private readonly ScriptVerifyFlags _flags;
    private readonly SignatureChecker _checker;
    private readonly SigVersion _sigVersion;
    private readonly ScriptExecutionData _execData;
    private readonly bool _requireMinimal;
    private List<byte[]>? _altStack;
    private int _beginCodeHash;
    private int _opCount;

    public EvalState(ScriptStack stack, ReadOnlyMemory<byte> script, ScriptVerifyFlags flags, SignatureChecker checker, SigVersion sigVersion, ScriptExecutionData execData)
    {
        _stack = stack;
        _script = script;
        _flags = flags;
        _checker = checker;
        _sigVersion = sigVersion;
        _execData = execData;
        _requireMinimal = (flags & ScriptVerifyFlags.MINIMALDATA) != 0;
    }

    private readonly bool IsLegacyOrV0 => _sigVersion is SigVersion.Base or SigVersion.WitnessV0;

    private readonly int AltCount => _altStack?.Count ?? 0;

    public ScriptError Run()
    {
        var script = _script.Span;
        // Core: the 10,000-byte limit applies to legacy and witness v0 scripts only (BIP342 lifts it).
        if (IsLegacyOrV0 && script.Length > ConsensusLimits.MaxScriptSize)
        {
            return ScriptError.SCRIPT_SIZE;
        }

        var exec = ConditionStack.Create();
        var pc = 0;
        uint opcodePos = 0;
        _execData.CodeSeparatorPosition = uint.MaxValue;
        _execData.CodeSeparatorPositionInitialized = true;
        for (; pc < script.Length; opcodePos++)
        {
            var executing = exec.AllTrue;
            if (!Script.TryGetOp(script, ref pc, out var opcode, out var push))
            {
                return ScriptError.BAD_OPCODE;
            }

            if (push.Length > ConsensusLimits.MaxScriptElementSize)
            {
                return ScriptError.PUSH_SIZE;
            }

            // Core: non-push opcodes count toward the 201 limit, executed or not (not in tapscript, BIP342).
            if (IsLegacyOrV0 && opcode > OP_16 && ++_opCount > ConsensusLimits.MaxOpsPerScript)
            {
                return ScriptError.OP_COUNT;
            }

            // Core: disabled opcodes fail even in an unexecuted branch (CVE-2010-5137 era removals).
            if (opcode is OP_CAT or OP_SUBSTR or OP_LEFT or OP_RIGHT or OP_INVERT or OP_AND or OP_OR or OP_XOR
                or OP_2MUL or OP_2DIV or OP_MUL or OP_DIV or OP_MOD or OP_LSHIFT or OP_RSHIFT)
            {
                return ScriptError.DISABLED_OPCODE;
            }

            // Core: with CONST_SCRIPTCODE, OP_CODESEPARATOR in legacy scripts fails even unexecuted.
            if (opcode == OP_CODESEPARATOR && _sigVersion == SigVersion.Base && (_flags & ScriptVerifyFlags.CONST_SCRIPTCODE) != 0)
            {
                return ScriptError.OP_CODESEPARATOR;
            }

            if (executing && opcode <= OP_PUSHDATA4)
            {
                if (_requireMinimal && !StandardScripts.IsMinimalPush(push, opcode))
                {
                    return ScriptError.MINIMALDATA;
                }

                _stack.Push(push.ToArray());
            }
            else if (executing || (opcode >= OP_IF && opcode <= OP_ENDIF))
            {
                var err = Execute(opcode, pc, opcodePos, ref exec);
                if (err != ScriptError.OK)
                {
                    return err;
                }
            }

            // Core: main and alt stack together hold at most 1000 elements.
            if (_stack.Count + AltCount > ConsensusLimits.MaxStackSize)
            {
                return ScriptError.STACK_SIZE;
            }
        }

        return exec.IsEmpty ? ScriptError.OK : ScriptError.UNBALANCED_CONDITIONAL;
    }

    private bool TryNum(ReadOnlySpan<byte> bytes, out ScriptNumber number, int maxSize = ScriptNumber.DefaultMaxSize)
    {
        var ok = ScriptNumber.TryDecode(bytes, _requireMinimal, maxSize, out long value);
        number = new ScriptNumber(value);
        return ok;
    }

    private readonly void PushNum(long value) => _stack.Push(new ScriptNumber(value).Encode());

    private readonly void PushBool(bool value) => _stack.Push(value ? [1] : []);

    private ScriptError Execute(OpcodeType opcode, int pc, uint opcodePos, ref ConditionStack exec)
    {
        var stack = _stack;
        switch (opcode)
        {
            case OP_1NEGATE:
            case >= OP_1 and <= OP_16:
                PushNum((int)opcode - ((int)OP_1 - 1));
                return ScriptError.OK;

            case OP_NOP:
                return ScriptError.OK;

            case OP_CHECKLOCKTIMEVERIFY:
            {
                // BIP65: without the flag this is NOP2.
                if ((_flags & ScriptVerifyFlags.CHECKLOCKTIMEVERIFY) == 0)
                {
                    return ScriptError.OK;
                }

                if (stack.Count < 1)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                // BIP65: 5-byte operand so times past 2038 fit; the top is left on the stack.
                if (!TryNum(stack.Top(), out var lockTime, ScriptNumber.LockTimeMaxSize))
                {
                    return ScriptError.UNKNOWN_ERROR;
                }

                if (lockTime.Value < 0)
                {
                    return ScriptError.NEGATIVE_LOCKTIME;
                }

                return _checker.CheckLockTime(lockTime) ? ScriptError.OK : ScriptError.UNSATISFIED_LOCKTIME;
            }

            case OP_CHECKSEQUENCEVERIFY:
            {
                // BIP112: without the flag this is NOP3.
                if ((_flags & ScriptVerifyFlags.CHECKSEQUENCEVERIFY) == 0)
                {
                    return ScriptError.OK;
                }

                if (stack.Count < 1)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                if (!TryNum(stack.Top(), out var sequence, ScriptNumber.LockTimeMaxSize))
                {
                    return ScriptError.UNKNOWN_ERROR;
                }

                if (sequence.Value < 0)
                {
                    return ScriptError.NEGATIVE_LOCKTIME;
                }

                // BIP112: with the disable flag set in the operand, CSV behaves as a NOP.
                if ((sequence.Value & ScriptInterpreter.SequenceLockTimeDisableFlag) != 0)
                {
                    return ScriptError.OK;
                }

                return _checker.CheckSequence(sequence) ? ScriptError.OK : ScriptError.UNSATISFIED_LOCKTIME;
            }

            case OP_NOP1:
            case >= OP_NOP4 and <= OP_NOP10:
                return (_flags & ScriptVerifyFlags.DISCOURAGE_UPGRADABLE_NOPS) != 0 ? ScriptError.DISCOURAGE_UPGRADABLE_NOPS : ScriptError.OK;

            case OP_IF:
            case OP_NOTIF:
            {
                var value = false;
                if (exec.AllTrue)
                {
                    if (stack.Count < 1)
                    {
                        return ScriptError.UNBALANCED_CONDITIONAL;
                    }

                    var top = stack.Top();
                    // BIP342: minimal IF is consensus in tapscript.
                    if (_sigVersion == SigVersion.Tapscript && (top.Length > 1 || (top.Length == 1 && top[0] != 1)))
                    {
                        return ScriptError.TAPSCRIPT_MINIMALIF;
                    }

                    // Core: in witness v0 minimal IF is policy (MINIMALIF).
                    if (_sigVersion == SigVersion.WitnessV0 && (_flags & ScriptVerifyFlags.MINIMALIF) != 0 && (top.Length > 1 || (top.Length == 1 && top[0] != 1)))
                    {
                        return ScriptError.MINIMALIF;
                    }

                    value = ScriptInterpreter.CastToBool(top);
                    if (opcode == OP_NOTIF)
                    {
                        value = !value;
                    }

                    stack.Pop();
                }

                exec.Push(value);
                return ScriptError.OK;
            }

            case OP_ELSE:
                if (exec.IsEmpty)
                {
                    return ScriptError.UNBALANCED_CONDITIONAL;
                }

                exec.ToggleTop();
                return ScriptError.OK;

            case OP_ENDIF:
                if (exec.IsEmpty)
                {
                    return ScriptError.UNBALANCED_CONDITIONAL;
                }

                exec.Pop();
                return ScriptError.OK;

            case OP_VERIFY:
                if (stack.Count < 1)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                if (!ScriptInterpreter.CastToBool(stack.Top()))
                {
                    return ScriptError.VERIFY;
                }

                stack.Pop();
                return ScriptError.OK;

            case OP_RETURN:
                return ScriptError.OP_RETURN;

            case OP_TOALTSTACK:
                if (stack.Count < 1)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                (_altStack ??= []).Add(stack.TopArray());
                stack.Pop();
                return ScriptError.OK;

            case OP_FROMALTSTACK:
                if (AltCount < 1)
                {
                    return ScriptError.INVALID_ALTSTACK_OPERATION;
                }

                stack.Push(_altStack![^1]);
                _altStack.RemoveAt(_altStack.Count - 1);
                return ScriptError.OK;

            case OP_2DROP:
                if (stack.Count < 2)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                stack.Pop();
                stack.Pop();
                return ScriptError.OK;

            case OP_2DUP:
            {
                if (stack.Count < 2)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                var a = stack.TopArray(2);
                var b = stack.TopArray(1);
                stack.Push(a);
                stack.Push(b);
                return ScriptError.OK;
            }

            case OP_3DUP:
            {
                if (stack.Count < 3)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                var a = stack.TopArray(3);
                var b = stack.TopArray(2);
                var c = stack.TopArray(1);
                stack.Push(a);
                stack.Push(b);
                stack.Push(c);
                return ScriptError.OK;
            }

            case OP_2OVER:
            {
                if (stack.Count < 4)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                var a = stack.TopArray(4);
                var b = stack.TopArray(3);
                stack.Push(a);
                stack.Push(b);
                return ScriptError.OK;
            }

            case OP_2ROT:
            {
                if (stack.Count < 6)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                var a = stack.TopArray(6);
                var b = stack.TopArray(5);
                stack.RemoveFromTop(6);
                stack.RemoveFromTop(5);
                stack.Push(a);
                stack.Push(b);
                return ScriptError.OK;
            }

            case OP_2SWAP:
                if (stack.Count < 4)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                stack.SwapFromTop(4, 2);
                stack.SwapFromTop(3, 1);
                return ScriptError.OK;

            case OP_IFDUP:
                if (stack.Count < 1)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                if (ScriptInterpreter.CastToBool(stack.Top()))
                {
                    stack.Push(stack.TopArray());
                }

                return ScriptError.OK;

            case OP_DEPTH:
                PushNum(stack.Count);
                return ScriptError.OK;

            case OP_DROP:
                if (stack.Count < 1)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                stack.Pop();
                return ScriptError.OK;

            case OP_DUP:
                if (stack.Count < 1)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                stack.Push(stack.TopArray());
                return ScriptError.OK;

            case OP_NIP:
                if (stack.Count < 2)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                stack.RemoveFromTop(2);
                return ScriptError.OK;

            case OP_OVER:
                if (stack.Count < 2)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                stack.Push(stack.TopArray(2));
                return ScriptError.OK;

            case OP_PICK:
            case OP_ROLL:
            {
                if (stack.Count < 2)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                if (!TryNum(stack.Top(), out var num))
                {
                    return ScriptError.UNKNOWN_ERROR;
                }

                var n = num.ToInt32Clamped();
                stack.Pop();
                if (n < 0 || n >= stack.Count)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                var item = stack.TopArray(n + 1);
                if (opcode == OP_ROLL)
                {
                    stack.RemoveFromTop(n + 1);
                }

                stack.Push(item);
                return ScriptError.OK;
            }

            case OP_ROT:
                if (stack.Count < 3)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                stack.SwapFromTop(3, 2);
                stack.SwapFromTop(2, 1);
                return ScriptError.OK;

            case OP_SWAP:
                if (stack.Count < 2)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                stack.SwapFromTop(2, 1);
                return ScriptError.OK;

            case OP_TUCK:
                if (stack.Count < 2)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                stack.InsertFromTop(2, stack.TopArray());
                return ScriptError.OK;

            case OP_SIZE:
                if (stack.Count < 1)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                PushNum(stack.Top().Length);
                return ScriptError.OK;

            case OP_EQUAL:
            case OP_EQUALVERIFY:
            {
                if (stack.Count < 2)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                var equal = stack.Top(2).SequenceEqual(stack.Top(1));
                stack.Pop();
                stack.Pop();
                PushBool(equal);
                if (opcode == OP_EQUALVERIFY)
                {
                    if (!equal)
                    {
                        return ScriptError.EQUALVERIFY;
                    }

                    stack.Pop();
                }

                return ScriptError.OK;
            }

            case OP_1ADD:
            case OP_1SUB:
            case OP_NEGATE:
            case OP_ABS:
            case OP_NOT:
            case OP_0NOTEQUAL:
            {
                if (stack.Count < 1)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                if (!TryNum(stack.Top(), out var num))
                {
                    return ScriptError.UNKNOWN_ERROR;
                }

                var v = num.Value;
                v = opcode switch
                {
                    OP_1ADD => v + 1,
                    OP_1SUB => v - 1,
                    OP_NEGATE => -v,
                    OP_ABS => v < 0 ? -v : v,
                    OP_NOT => v == 0 ? 1 : 0,
                    _ => v != 0 ? 1 : 0,
                };
                stack.Pop();
                PushNum(v);
                return ScriptError.OK;
            }

            case OP_ADD:
            case OP_SUB:
            case OP_BOOLAND:
            case OP_BOOLOR:
            case OP_NUMEQUAL:
            case OP_NUMEQUALVERIFY:
            case OP_NUMNOTEQUAL:
            case OP_LESSTHAN:
            case OP_GREATERTHAN:
            case OP_LESSTHANOREQUAL:
            case OP_GREATERTHANOREQUAL:
            case OP_MIN:
            case OP_MAX:
            {
                if (stack.Count < 2)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                if (!TryNum(stack.Top(2), out var n1) || !TryNum(stack.Top(1), out var n2))
                {
                    return ScriptError.UNKNOWN_ERROR;
                }

                long a = n1.Value, b = n2.Value;
                var result = opcode switch
                {
                    OP_ADD => a + b,
                    OP_SUB => a - b,
                    OP_BOOLAND => a != 0 && b != 0 ? 1 : 0,
                    OP_BOOLOR => a != 0 || b != 0 ? 1 : 0,
                    OP_NUMEQUAL or OP_NUMEQUALVERIFY => a == b ? 1 : 0,
                    OP_NUMNOTEQUAL => a != b ? 1 : 0,
                    OP_LESSTHAN => a < b ? 1 : 0,
                    OP_GREATERTHAN => a > b ? 1 : 0,
                    OP_LESSTHANOREQUAL => a <= b ? 1 : 0,
                    OP_GREATERTHANOREQUAL => a >= b ? 1 : 0,
                    OP_MIN => Math.Min(a, b),
                    _ => Math.Max(a, b),
                };
                stack.Pop();
                stack.Pop();
                PushNum(result);
                if (opcode == OP_NUMEQUALVERIFY)
                {
                    if (!ScriptInterpreter.CastToBool(stack.Top()))
                    {
                        return ScriptError.NUMEQUALVERIFY;
                    }

                    stack.Pop();
                }

                return ScriptError.OK;
            }

            case OP_WITHIN:
            {
                if (stack.Count < 3)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                if (!TryNum(stack.Top(3), out var x) || !TryNum(stack.Top(2), out var min) || !TryNum(stack.Top(1), out var max))
                {
                    return ScriptError.UNKNOWN_ERROR;
                }

                var within = min.Value <= x.Value && x.Value < max.Value;
                stack.Pop();
                stack.Pop();
                stack.Pop();
                PushBool(within);
                return ScriptError.OK;
            }

            case OP_RIPEMD160:
            case OP_SHA1:
            case OP_SHA256:
            case OP_HASH160:
            case OP_HASH256:
            {
                if (stack.Count < 1)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                var input = stack.Top();
                byte[] hash;
                switch (opcode)
                {
                    case OP_RIPEMD160:
                        hash = new byte[20];
                        Hashes.Ripemd160(input, hash);
                        break;
                    case OP_SHA1:
                        hash = new byte[20];
                        Hashes.Sha1(input, hash);
                        break;
                    case OP_SHA256:
                        hash = new byte[32];
                        Hashes.Sha256(input, hash);
                        break;
                    case OP_HASH160:
                        hash = new byte[20];
                        Hashes.Hash160(input, hash);
                        break;
                    default:
                        hash = new byte[32];
                        Hashes.Hash256(input, hash);
                        break;
                }

                stack.Pop();
                stack.Push(hash);
                return ScriptError.OK;
            }

            case OP_CODESEPARATOR:
                // Core: signatures hash the script from after the most recently executed separator.
                _beginCodeHash = pc;
                _execData.CodeSeparatorPosition = opcodePos;
                return ScriptError.OK;

            case OP_CHECKSIG:
            case OP_CHECKSIGVERIFY:
            {
                if (stack.Count < 2)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                var err = EvalCheckSig(stack.TopArray(2), stack.TopArray(1), out var success);
                if (err != ScriptError.OK)
                {
                    return err;
                }

                stack.Pop();
                stack.Pop();
                PushBool(success);
                if (opcode == OP_CHECKSIGVERIFY)
                {
                    if (!success)
                    {
                        return ScriptError.CHECKSIGVERIFY;
                    }

                    stack.Pop();
                }

                return ScriptError.OK;
            }

            case OP_CHECKSIGADD:
            {
                // BIP342: OP_CHECKSIGADD exists only in tapscript; elsewhere 0xba is an unknown opcode.
                if (IsLegacyOrV0)
                {
                    return ScriptError.BAD_OPCODE;
                }

                if (stack.Count < 3)
                {
                    return ScriptError.INVALID_STACK_OPERATION;
                }

                var sig = stack.TopArray(3);
                if (!TryNum(stack.Top(2), out var num))
                {
                    return ScriptError.UNKNOWN_ERROR;
                }

                var pubKey = stack.TopArray(1);
                var err = EvalCheckSig(sig, pubKey, out var success);
                if (err != ScriptError.OK)
                {
                    return err;
                }

                stack.Pop();
                stack.Pop();
                stack.Pop();
                PushNum(num.Value + (success ? 1 : 0));
                return ScriptError.OK;
            }

            case OP_CHECKMULTISIG:
            case OP_CHECKMULTISIGVERIFY:
                return CheckMultisig(opcode);

            default:
                return ScriptError.BAD_OPCODE;
        }
    }

    private ScriptError EvalCheckSig(byte[] sig, byte[] pubKey, out bool success) =>
        _sigVersion == SigVersion.Tapscript ? EvalCheckSigTapscript(sig, pubKey, out success) : EvalCheckSigPreTapscript(sig, pubKey, out success);

    private readonly ReadOnlyMemory<byte> ScriptCode => _script[_beginCodeHash..];

    private ScriptError EvalCheckSigPreTapscript(byte[] sig, byte[] pubKey, out bool success)
    {
        success = false;
        var scriptCode = ScriptCode;
        // Core: legacy scripts drop the signature from the scriptCode (FindAndDelete); segwit does not.
        if (_sigVersion == SigVersion.Base)
        {
            var found = FindAndDelete(scriptCode, sig, out scriptCode);
            if (found > 0 && (_flags & ScriptVerifyFlags.CONST_SCRIPTCODE) != 0)
            {
                return ScriptError.SIG_FINDANDDELETE;
            }
        }

        if (!SignatureEncoding.CheckSignatureEncoding(sig, _flags, out var err) ||
            !SignatureEncoding.CheckPubKeyEncoding(pubKey, _flags, _sigVersion, out err))
        {
            return err;
        }

        success = _checker.CheckEcdsaSignature(sig, pubKey, scriptCode.Span, _sigVersion);
        // BIP146 NULLFAIL: a failed check must have used an empty signature.
        if (!success && (_flags & ScriptVerifyFlags.NULLFAIL) != 0 && sig.Length != 0)
        {
            return ScriptError.NULLFAIL;
        }

        return ScriptError.OK;
    }

    private readonly ScriptError EvalCheckSigTapscript(byte[] sig, byte[] pubKey, out bool success)
    {
        // BIP342: consensus-critical order: budget, then empty key, then 32-byte keys, then unknown key types.
        success = sig.Length != 0;
        if (success)
        {
            // BIP342: every non-empty signature costs 50 weight units, also under unknown key types.
            _execData.ValidationWeightLeft -= ConsensusLimits.ValidationWeightPerSigopPassed;
            if (_execData.ValidationWeightLeft < 0)
            {
                return ScriptError.TAPSCRIPT_VALIDATION_WEIGHT;
            }
        }

        if (pubKey.Length == 0)
        {
            return ScriptError.TAPSCRIPT_EMPTY_PUBKEY;
        }

        if (pubKey.Length == 32)
        {
            // BIP342: a non-empty signature that fails aborts the script (no NULLFAIL-style false).
            if (success && !_checker.CheckSchnorrSignature(sig, pubKey, SigVersion.Tapscript, _execData, out var err))
            {
                return err;
            }
        }
        else if ((_flags & ScriptVerifyFlags.DISCOURAGE_UPGRADABLE_PUBKEYTYPE) != 0)
        {
            // BIP342: unknown public key types succeed as a signature check (soft-fork space) unless discouraged.
            return ScriptError.DISCOURAGE_UPGRADABLE_PUBKEYTYPE;
        }

        return ScriptError.OK;
    }

    private ScriptError CheckMultisig(OpcodeType opcode)
    {
        var stack = _stack;
        // BIP342: CHECKMULTISIG is disabled in tapscript in favour of CHECKSIGADD.
        if (_sigVersion == SigVersion.Tapscript)
        {
            return ScriptError.TAPSCRIPT_CHECKMULTISIG;
        }

        var i = 1;
        if (stack.Count < i)
        {
            return ScriptError.INVALID_STACK_OPERATION;
        }

        if (!TryNum(stack.Top(i), out var keysNum))
        {
            return ScriptError.UNKNOWN_ERROR;
        }

        var keysCount = keysNum.ToInt32Clamped();
        if (keysCount < 0 || keysCount > ConsensusLimits.MaxPubKeysPerMultisig)
        {
            return ScriptError.PUBKEY_COUNT;
        }

        // Core: each key counts toward the 201 opcode limit.
        _opCount += keysCount;
        if (_opCount > ConsensusLimits.MaxOpsPerScript)
        {
            return ScriptError.OP_COUNT;
        }

        var ikey = ++i;
        // Position of the last non-signature item (top is 1), for NULLFAIL.
        var ikey2 = keysCount + 2;
        i += keysCount;
        if (stack.Count < i)
        {
            return ScriptError.INVALID_STACK_OPERATION;
        }

        if (!TryNum(stack.Top(i), out var sigsNum))
        {
            return ScriptError.UNKNOWN_ERROR;
        }

        var sigsCount = sigsNum.ToInt32Clamped();
        if (sigsCount < 0 || sigsCount > keysCount)
        {
            return ScriptError.SIG_COUNT;
        }

        var isig = ++i;
        i += sigsCount;
        if (stack.Count < i)
        {
            return ScriptError.INVALID_STACK_OPERATION;
        }

        var scriptCode = ScriptCode;
        // Core: legacy scripts drop every signature from the scriptCode before any check.
        if (_sigVersion == SigVersion.Base)
        {
            for (var k = 0; k < sigsCount; k++)
            {
                var found = FindAndDelete(scriptCode, stack.Top(isig + k), out scriptCode);
                if (found > 0 && (_flags & ScriptVerifyFlags.CONST_SCRIPTCODE) != 0)
                {
                    return ScriptError.SIG_FINDANDDELETE;
                }
            }
        }

        var success = true;
        while (success && sigsCount > 0)
        {
            var sig = stack.Top(isig);
            var pubKey = stack.Top(ikey);
            // Core: encodings are checked pair by pair, so the evaluation order is observable under STRICTENC.
            if (!SignatureEncoding.CheckSignatureEncoding(sig, _flags, out var err) ||
                !SignatureEncoding.CheckPubKeyEncoding(pubKey, _flags, _sigVersion, out err))
            {
                return err;
            }

            if (_checker.CheckEcdsaSignature(sig, pubKey, scriptCode.Span, _sigVersion))
            {
                isig++;
                sigsCount--;
            }

            ikey++;
            keysCount--;
            // More signatures left than keys: too many failed already.
            if (sigsCount > keysCount)
            {
                success = false;
            }
        }

        // Clean up the arguments; BIP146 NULLFAIL wants every signature empty when the check failed.
        while (i-- > 1)
        {
            if (!success && (_flags & ScriptVerifyFlags.NULLFAIL) != 0 && ikey2 == 0 && stack.Top().Length != 0)
            {
                return ScriptError.NULLFAIL;
            }

            if (ikey2 > 0)
            {
                ikey2--;
            }

            stack.Pop();
        }

        // Core: the historical off-by-one consumes one extra element; BIP147 NULLDUMMY wants it empty.
        if (stack.Count < 1)
        {
            return ScriptError.INVALID_STACK_OPERATION;
        }

        if ((_flags & ScriptVerifyFlags.NULLDUMMY) != 0 && stack.Top().Length != 0)
        {
            return ScriptError.SIG_NULLDUMMY;
        }

        stack.Pop();
        PushBool(success);
        if (opcode == OP_CHECKMULTISIGVERIFY)
        {
            if (!success)
            {
                return ScriptError.CHECKMULTISIGVERIFY;
            }

            stack.Pop();
        }

        return ScriptError.OK;
    }
}
