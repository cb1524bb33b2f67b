using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Scripts;

namespace OPSource.Bitcoin.Tests.Consensus;

/// <summary>
/// BIP342 rules exercised directly through EvalScript / witness execution, with a checker that
/// accepts exactly one known signature so the interpreter's bookkeeping (weights, CHECKSIGADD
/// counters, error order) is tested apart from the cryptography (covered by the generated corpus).
/// </summary>
public class TapscriptEvalTests
{
    private static readonly byte[] GoodSig = Enumerable.Repeat((byte)0x11, 64).ToArray();
    private static readonly byte[] BadSig = Enumerable.Repeat((byte)0x22, 64).ToArray();
    private static readonly byte[] Key = Enumerable.Repeat((byte)0x33, 32).ToArray();

    private sealed class FakeSchnorrChecker : SignatureChecker
    {
        public int Calls { get; private set; }

        public override bool CheckSchnorrSignature(ReadOnlySpan<byte> signature, ReadOnlySpan<byte> publicKey, SigVersion sigVersion, ScriptExecutionData executionData, out ScriptError error)
        {
            Calls++;
            error = ScriptError.SCHNORR_SIG;
            return signature.SequenceEqual(GoodSig) && publicKey.SequenceEqual(Key);
        }
    }

    private static ScriptError Eval(byte[][] initialStack, string asm, ScriptVerifyFlags flags = ScriptVerifyFlags.NONE, long weight = 1000, FakeSchnorrChecker? checker = null)
    {
        var stack = new ScriptStack(initialStack.Select(b => (ReadOnlyMemory<byte>)b));
        var data = ScriptExecutionData.ForTapscript(weight);
        ScriptInterpreter.EvalScript(stack, ScriptAsm.Parse(asm).ToBytes(), flags, checker ?? new FakeSchnorrChecker(), SigVersion.Tapscript, data, out var error);
        return error;
    }

    private static string Hex(byte[] b) => "0x" + Convert.ToHexStringLower([(byte)b.Length, .. b]);

    [Fact]
    public void Checksigadd_counts_valid_signatures_and_empty_signatures_add_zero()
    {
        // 2-of-3 with the middle signature empty: 1 + 0 + 1 == 2.
        var script = $"{Hex(Key)} CHECKSIG {Hex(Key)} CHECKSIGADD {Hex(Key)} CHECKSIGADD 2 NUMEQUAL";
        Assert.Equal(ScriptError.OK, Eval([GoodSig, [], GoodSig], script));
        var stack = new ScriptStack(new[] { GoodSig, [], GoodSig }.Select(b => (ReadOnlyMemory<byte>)b));
        var data = ScriptExecutionData.ForTapscript(1000);
        Assert.True(ScriptInterpreter.EvalScript(stack, ScriptAsm.Parse(script).ToBytes(), ScriptVerifyFlags.NONE, new FakeSchnorrChecker(), SigVersion.Tapscript, data, out _));
        Assert.Equal([1], stack.Top().ToArray());
        Assert.Equal(1000 - 100, data.ValidationWeightLeft);
    }

    [Fact]
    public void Checksigadd_adds_to_a_script_number_and_needs_three_items()
    {
        Assert.Equal(ScriptError.OK, Eval([GoodSig], $"5 {Hex(Key)} CHECKSIGADD 6 NUMEQUAL"));
        Assert.Equal(ScriptError.OK, Eval([[]], $"5 {Hex(Key)} CHECKSIGADD 5 NUMEQUAL"));
        Assert.Equal(ScriptError.INVALID_STACK_OPERATION, Eval([], $"5 {Hex(Key)} CHECKSIGADD"));
        // The counter is a 4-byte script number: 5 bytes fail as Core's CScriptNum would.
        Assert.Equal(ScriptError.UNKNOWN_ERROR, Eval([GoodSig], $"0x05 0x0000000080 {Hex(Key)} CHECKSIGADD"));
        // Only in tapscript: 0xba is an unknown opcode elsewhere.
        var stack = new ScriptStack(new[] { GoodSig, [5], Key }.Select(b => (ReadOnlyMemory<byte>)b));
        ScriptInterpreter.EvalScript(stack, new byte[] { 0xba }, ScriptVerifyFlags.NONE, new FakeSchnorrChecker(), SigVersion.WitnessV0, new ScriptExecutionData(), out var error);
        Assert.Equal(ScriptError.BAD_OPCODE, error);
    }

    [Fact]
    public void A_failing_non_empty_signature_aborts_the_script()
    {
        Assert.Equal(ScriptError.SCHNORR_SIG, Eval([BadSig], $"{Hex(Key)} CHECKSIG NOT"));
        Assert.Equal(ScriptError.OK, Eval([[]], $"{Hex(Key)} CHECKSIG NOT"));
    }

    [Fact]
    public void Validation_weight_is_charged_per_non_empty_signature_before_checking()
    {
        var checker = new FakeSchnorrChecker();
        // Budget 99: the first signature leaves 49, the second would go negative.
        Assert.Equal(ScriptError.TAPSCRIPT_VALIDATION_WEIGHT, Eval([GoodSig, GoodSig], $"{Hex(Key)} CHECKSIGVERIFY {Hex(Key)} CHECKSIG", weight: 99, checker: checker));
        Assert.Equal(1, checker.Calls);
        Assert.Equal(ScriptError.OK, Eval([GoodSig, GoodSig], $"{Hex(Key)} CHECKSIGVERIFY {Hex(Key)} CHECKSIG", weight: 100));
        // Empty signatures cost nothing.
        Assert.Equal(ScriptError.OK, Eval([[], []], $"{Hex(Key)} CHECKSIG {Hex(Key)} CHECKSIG BOOLOR NOT", weight: 0));
        // Unknown key types are charged too (BIP342).
        Assert.Equal(ScriptError.TAPSCRIPT_VALIDATION_WEIGHT, Eval([GoodSig], "0x02 0x0102 CHECKSIG", weight: 49));
    }

    [Fact]
    public void Empty_and_unknown_public_keys()
    {
        Assert.Equal(ScriptError.TAPSCRIPT_EMPTY_PUBKEY, Eval([GoodSig], "0 CHECKSIG"));
        Assert.Equal(ScriptError.TAPSCRIPT_EMPTY_PUBKEY, Eval([[]], "0 CHECKSIG"));
        // BIP342: an unknown key type is a successful check unless discouraged.
        Assert.Equal(ScriptError.OK, Eval([BadSig], "0x21 0x02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa CHECKSIG"));
        Assert.Equal(ScriptError.DISCOURAGE_UPGRADABLE_PUBKEYTYPE,
            Eval([BadSig], "0x21 0x02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa CHECKSIG", ScriptVerifyFlags.DISCOURAGE_UPGRADABLE_PUBKEYTYPE));
    }

    [Fact]
    public void Checkmultisig_is_disabled_even_with_valid_arguments()
    {
        Assert.Equal(ScriptError.TAPSCRIPT_CHECKMULTISIG, Eval([[], GoodSig], $"1 {Hex(Key)} 1 CHECKMULTISIG"));
        Assert.Equal(ScriptError.TAPSCRIPT_CHECKMULTISIG, Eval([], "CHECKMULTISIGVERIFY"));
        // Unexecuted it is harmless.
        Assert.Equal(ScriptError.OK, Eval([], "0 IF CHECKMULTISIG ENDIF 1"));
    }

    [Theory]
    [InlineData("0x01 0x02", ScriptError.TAPSCRIPT_MINIMALIF)]
    [InlineData("0x02 0x0100", ScriptError.TAPSCRIPT_MINIMALIF)]
    [InlineData("0x01 0x00", ScriptError.TAPSCRIPT_MINIMALIF)]
    [InlineData("1", ScriptError.OK)]
    [InlineData("0", ScriptError.OK)]
    public void Minimalif_is_consensus_in_tapscript(string argument, ScriptError expected)
    {
        Assert.Equal(expected, Eval([], $"{argument} IF ENDIF 1"));
        Assert.Equal(expected, Eval([], $"{argument} NOTIF ENDIF 1"));
    }

    [Fact]
    public void Tapscript_lifts_the_opcode_count_and_script_size_limits_but_keeps_the_stack_limit()
    {
        var manyNops = string.Join(' ', Enumerable.Repeat("NOP", 300)) + " 1";
        Assert.Equal(ScriptError.OK, Eval([], manyNops));
        var big = string.Join(' ', Enumerable.Repeat("0 DROP", 5001)) + " 1";
        Assert.Equal(ScriptError.OK, Eval([], big));
        var deep = string.Join(' ', Enumerable.Repeat("1", 1001));
        Assert.Equal(ScriptError.STACK_SIZE, Eval([], deep));
    }

    [Fact]
    public void Codeseparator_position_is_recorded_by_opcode_index()
    {
        var stack = new ScriptStack();
        var data = ScriptExecutionData.ForTapscript(50);
        Assert.True(ScriptInterpreter.EvalScript(stack, ScriptAsm.Parse("1 NOP CODESEPARATOR NOP CODESEPARATOR").ToBytes(), ScriptVerifyFlags.NONE, new FakeSchnorrChecker(), SigVersion.Tapscript, data, out _));
        Assert.Equal(4u, data.CodeSeparatorPosition);
    }
}
