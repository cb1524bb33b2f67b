using CsCheck;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Tests.Consensus;

public class InterpreterRobustnessTests
{
    private static readonly Gen<byte[]> Bytes = Gen.Byte.Array[0, 80];

    // Scripts biased towards real opcodes so evaluation gets past the first byte.
    private static readonly Gen<byte[]> Scripts = Gen.OneOf(Bytes, Gen.Byte[0x4f, 0xba].Array[0, 60], Gen.Byte[0x00, 0x10].Array[0, 20]);

    [Fact]
    public void Random_scripts_and_witnesses_never_throw()
    {
        var checker = new SignatureChecker();
        Gen.Select(Scripts, Scripts, Bytes.List[0, 4], Gen.UInt[0, (uint)ScriptFlags.All]).Sample((sig, spk, witness, rawFlags) =>
        {
            var flags = (ScriptVerifyFlags)rawFlags;
            ScriptInterpreter.VerifyScript(sig, spk, witness.Select(w => (ReadOnlyMemory<byte>)w).ToList(), flags, checker, out var error);
            // Witness-program shapes too: v0/v1 programs of random lengths.
            ScriptInterpreter.VerifyScript(ReadOnlyMemory<byte>.Empty, (byte[])[0x51, 0x20, .. new byte[32]], witness.Select(w => (ReadOnlyMemory<byte>)w).ToList(), flags | ScriptVerifyFlags.TAPROOT | ScriptVerifyFlags.WITNESS | ScriptVerifyFlags.P2SH, checker, out _);
            return Enum.IsDefined(error);
        }, iter: 20_000);
    }

    [Fact]
    public void Random_tapscripts_never_throw()
    {
        var checker = new SignatureChecker();
        Gen.Select(Scripts, Bytes.List[0, 4]).Sample((script, stack) =>
        {
            var s = new ScriptStack(stack.Select(b => (ReadOnlyMemory<byte>)b));
            ScriptInterpreter.EvalScript(s, script, ScriptFlags.Standard, checker, SigVersion.Tapscript, ScriptExecutionData.ForTapscript(1000), out var error);
            return Enum.IsDefined(error);
        }, iter: 20_000);
    }

    [Fact]
    public void Verify_inputs_reports_the_first_failing_input_of_a_large_transaction()
    {
        const int count = 300;
        var keys = Enumerable.Range(1, count).Select(i => SecretKey.Create([.. new byte[30], (byte)(i >> 8), (byte)i])).ToArray();
        var spent = keys.Select(k =>
        {
            var h = new byte[20];
            Hashes.Hash160(k.PublicKey.ToCompressed(), h);
            return new TxOut(Amount.FromSatoshis(10_000), new Script([0x00, 0x14, .. h]));
        }).ToList();
        var tx = new Transaction(2,
            Enumerable.Range(0, count).Select(i => new TxIn(new OutPoint(TxId.FromBytes(Hashes.Sha256(BitConverter.GetBytes(i))), 0))),
            [new TxOut(Amount.FromSatoshis(2_000_000), new Script([0x51]))],
            LockTime.Zero);
        var pre = new PrecomputedTransactionData(tx, spent);
        var signed = tx;
        for (var i = 0; i < count; i++)
        {
            var pk = keys[i].PublicKey.ToCompressed();
            var h = new byte[20];
            Hashes.Hash160(pk, h);
            var hash = new byte[32];
            SignatureHash.SegwitV0(pre, i, (byte[])[0x76, 0xa9, 0x14, .. h, 0x88, 0xac], spent[i].Value, SigHashType.All).WriteTo(hash);
            signed = signed.WithWitness(i, Witness.Create((byte[])[.. Ecdsa.Sign(keys[i], hash).ToDer(), 0x01], pk));
        }

        Assert.Equal(InputVerification.Valid, TransactionVerifier.VerifyInputs(signed, spent, ScriptFlags.Standard));

        // Swap the witnesses of two inputs: the first of them fails (the key does not hash to its program).
        var broken = signed.WithWitness(200, signed.Inputs[250].Witness).WithWitness(250, signed.Inputs[200].Witness);
        var result = TransactionVerifier.VerifyInputs(broken, spent, ScriptFlags.Standard);
        Assert.Equal(new InputVerification(200, ScriptError.EQUALVERIFY), result);
        Assert.Throws<ArgumentException>(() => TransactionVerifier.VerifyInputs(signed, spent.Take(10).ToList(), ScriptFlags.Standard));
        foreach (var k in keys)
        {
            k.Dispose();
        }
    }
}
