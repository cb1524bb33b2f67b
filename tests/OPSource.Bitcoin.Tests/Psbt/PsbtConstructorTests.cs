using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;
using PsbtT = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Bitcoin.Tests.Psbt;

// BIP370 Constructor role: TX_MODIFIABLE flags, counts, duplicate outpoints, lock time compatibility,
// signature commitments, SIGHASH_SINGLE pairing; the Signer's flag updates; the v2 Combiner; and
// construct -> sign -> finalize -> extract checked by the consensus interpreter.
public sealed class PsbtConstructorTests : IDisposable
{
    private const PsbtTxModifiable Both = PsbtTxModifiable.Inputs | PsbtTxModifiable.Outputs;

    private readonly List<SecretKey> _keys = [.. Enumerable.Range(1, 4).Select(i =>
    {
        Span<byte> seed = stackalloc byte[32];
        Hashes.Sha256([(byte)i, 0x37, 0x30], seed);
        return SecretKey.Create(seed);
    })];

    // A funding transaction: output k pays key k by P2WPKH (k < 4), output 4 pays key 0 by P2TR key path.
    private readonly Transaction _funding;

    public PsbtConstructorTests()
    {
        _funding = new Transaction(2, [new TxIn(new OutPoint(TxId.FromBytes(new byte[32]), 0), Script.Empty, Sequence.Final, Witness.Empty)],
            [.. _keys.Select(k => new TxOut(Amount.FromSatoshis(50_000), P2wpkh(k))),
             new TxOut(Amount.FromSatoshis(50_000), TaprootSpendInfo.Create(_keys[0].XOnlyPublicKey).ScriptPubKey)], LockTime.Zero);
    }

    public void Dispose() => _keys.ForEach(k => k.Dispose());

    private static Script P2wpkh(SecretKey key)
    {
        var h = new byte[20];
        Hashes.Hash160(key.PublicKey.ToCompressed(), h);
        return StandardScripts.PayToWitnessPubKeyHash(h);
    }

    private OutPoint Coin(int n) => new(_funding.GetTxId(), (uint)n);

    private static TxOut Pay(long sats, int tag) => new(Amount.FromSatoshis(sats), new Script([0x00, 0x14, .. Enumerable.Repeat((byte)tag, 20)]));

    private static PsbtT Empty(PsbtTxModifiable flags, uint fallback = 0) => PsbtT.CreateV2(2, new LockTime(fallback), flags);

    private static PsbtT WithFlags(PsbtT psbt, PsbtTxModifiable flags) =>
        psbt.WithEntry(PsbtMapKind.Global, 0, PsbtEntry.Create(PsbtKeys.GlobalTxModifiable, default, [(byte)flags]));

    private static string AddInputError(PsbtT psbt, PsbtConstructorInput input, int? index = null)
    {
        Assert.False(psbt.TryAddInput(input, out var result, out var error, index));
        Assert.Null(result);
        return error.Message;
    }

    private static string AddOutputError(PsbtT psbt, TxOut output, int? index = null)
    {
        Assert.False(psbt.TryAddOutput(output, out var result, out var error, index));
        Assert.Null(result);
        return error.Message;
    }

    [Fact]
    public void Adding_inputs_and_outputs_sets_their_fields_and_the_counts()
    {
        var psbt = Empty(Both, fallback: 77);
        Assert.Empty(psbt.Inputs);
        Assert.Empty(psbt.Outputs);
        psbt = psbt.AddInput(new PsbtConstructorInput(Coin(0)) { Sequence = new Sequence(0xfffffffd) })
            .AddOutput(Pay(1000, 1))
            .AddInput(new PsbtConstructorInput(Coin(1)))
            .AddOutput(Pay(2000, 2))
            .AddOutput(Pay(3000, 3), index: 0);

        // BIP370: INPUT_COUNT/OUTPUT_COUNT follow the maps; every input has PREVIOUS_TXID and OUTPUT_INDEX.
        Assert.Equal([2], psbt.GlobalMap.Get(PsbtKeys.GlobalInputCount)!.Value.ToArray());
        Assert.Equal([3], psbt.GlobalMap.Get(PsbtKeys.GlobalOutputCount)!.Value.ToArray());
        Assert.Equal(Coin(0), psbt.Inputs[0].PreviousOutPoint);
        Assert.Equal(new Sequence(0xfffffffd), psbt.Inputs[0].SequenceField);
        Assert.Null(psbt.Inputs[1].SequenceField);
        Assert.Equal(Sequence.Final, psbt.Inputs[1].Sequence);
        Assert.Equal([3000L, 1000L, 2000L], psbt.Outputs.Select(o => o.Amount.Satoshis));
        Assert.Equal(Pay(3000, 3).ScriptPubKey, psbt.Outputs[0].Script);
        Assert.Equal(Both, psbt.TxModifiable);

        // Round trip through the serialization and through version 0.
        var parsed = PsbtT.Parse(psbt.ToBase64());
        Assert.Equal(psbt.ToHex(), parsed.ToHex());
        var tx = parsed.GetUnsignedTransaction();
        Assert.Equal(77u, tx.LockTime.Value);
        Assert.Equal([Coin(0), Coin(1)], tx.Inputs.Select(i => i.PrevOut));
        var v0 = parsed.ToVersion0();
        Assert.Equal(tx.GetTxId(), v0.UnsignedTransaction!.GetTxId());
        Assert.Equal(tx.GetTxId(), v0.ToVersion2().GetUnsignedTxId());
    }

    [Fact]
    public void Flags_decide_what_may_be_added()
    {
        var inputsOnly = Empty(PsbtTxModifiable.Inputs);
        Assert.Equal("psbt: cannot add output: outputs are not modifiable (PSBT_GLOBAL_TX_MODIFIABLE bit 1 clear)", AddOutputError(inputsOnly, Pay(1, 1)));
        Assert.Single(inputsOnly.AddInput(new PsbtConstructorInput(Coin(0))).Inputs);

        var outputsOnly = Empty(PsbtTxModifiable.Outputs);
        Assert.Equal("psbt: cannot add input: inputs are not modifiable (PSBT_GLOBAL_TX_MODIFIABLE bit 0 clear)", AddInputError(outputsOnly, new PsbtConstructorInput(Coin(0))));
        Assert.Single(outputsOnly.AddOutput(Pay(1, 1)).Outputs);
        Assert.False(outputsOnly.TryAddInputOutputPair(new PsbtConstructorInput(Coin(0)), Pay(1, 1), out _, out var pairError));
        Assert.Equal("psbt: cannot add input/output pair: inputs are not modifiable (PSBT_GLOBAL_TX_MODIFIABLE bit 0 clear)", pairError?.Message);

        // No TX_MODIFIABLE field: nothing may be added (BIP370: removing the field ends construction).
        var fixedTx = PsbtT.CreateV2(new Transaction(2, [new TxIn(Coin(0), Script.Empty, Sequence.Final, Witness.Empty)], [Pay(5, 5)], LockTime.Zero));
        Assert.Null(fixedTx.TxModifiable);
        Assert.Equal("psbt: cannot add input: inputs are not modifiable (PSBT_GLOBAL_TX_MODIFIABLE bit 0 clear)", AddInputError(fixedTx, new PsbtConstructorInput(Coin(1))));
        Assert.Equal("psbt: cannot add output: outputs are not modifiable (PSBT_GLOBAL_TX_MODIFIABLE bit 1 clear)", AddOutputError(fixedTx, Pay(1, 1)));

        // Version 0 has a fixed unsigned transaction.
        var v0 = fixedTx.ToVersion0();
        Assert.Equal("psbt: cannot add input: the Constructor role needs a version 2 PSBT (BIP370)", AddInputError(v0, new PsbtConstructorInput(Coin(1))));
        Assert.Throws<InvalidOperationException>(() => v0.AddOutput(Pay(1, 1)));
    }

    [Fact]
    public void Completing_construction_clears_the_flags()
    {
        var psbt = Empty(Both | PsbtTxModifiable.HasSighashSingle).AddInput(new PsbtConstructorInput(Coin(0)));
        var noInputs = psbt.CompleteConstruction(inputs: true, outputs: false);
        Assert.Equal(PsbtTxModifiable.Outputs | PsbtTxModifiable.HasSighashSingle, noInputs.TxModifiable);
        Assert.Contains("bit 0 clear", AddInputError(noInputs, new PsbtConstructorInput(Coin(1))), StringComparison.Ordinal);
        Assert.Single(noInputs.AddOutput(Pay(1, 1)).Outputs);
        Assert.Equal(PsbtTxModifiable.HasSighashSingle, psbt.CompleteConstruction().TxModifiable);
        var done = Empty(Both).AddInput(new PsbtConstructorInput(Coin(0))).CompleteConstruction();
        Assert.Null(done.TxModifiable);
        Assert.False(done.GlobalMap.Has(PsbtKeys.GlobalTxModifiable));
        Assert.Throws<InvalidOperationException>(() => done.ToVersion0().CompleteConstruction());
    }

    [Fact]
    public void An_outpoint_already_spent_is_refused()
    {
        var psbt = Empty(Both).AddInput(new PsbtConstructorInput(Coin(0))).AddInput(new PsbtConstructorInput(Coin(1)));
        Assert.Equal($"psbt: cannot add input: input 1 already spends {Coin(1)}", AddInputError(psbt, new PsbtConstructorInput(Coin(1)) { Sequence = new Sequence(5) }));
        Assert.Equal(3, psbt.AddInput(new PsbtConstructorInput(Coin(2))).Inputs.Count);
    }

    [Fact]
    public void Index_out_of_range_and_unaligned_pair_are_refused()
    {
        var psbt = Empty(Both).AddInput(new PsbtConstructorInput(Coin(0)));
        Assert.Equal("psbt: cannot add input: index 3 is out of range (1 inputs, 0 outputs)", AddInputError(psbt, new PsbtConstructorInput(Coin(1)), 3));
        Assert.Equal("psbt: cannot add output: index -1 is out of range (1 inputs, 0 outputs)", AddOutputError(psbt, Pay(1, 1), -1));
        Assert.False(psbt.TryAddInputOutputPair(new PsbtConstructorInput(Coin(1)), Pay(1, 1), out _, out var error));
        Assert.Equal("psbt: cannot add input/output pair: a pair is appended at the same index, but there are 1 inputs and 0 outputs; give the index", error?.Message);
        Assert.True(psbt.TryAddInputOutputPair(new PsbtConstructorInput(Coin(1)), Pay(1, 1), out var paired, out error, index: 0), error?.Message);
        Assert.Equal([Coin(1), Coin(0)], paired.Inputs.Select(i => i.PreviousOutPoint));
        Assert.Single(paired.Outputs);
    }

    [Fact]
    public void Lock_time_fields_are_range_checked_and_must_stay_compatible()
    {
        var psbt = Empty(Both, fallback: 10);
        Assert.Equal("psbt: cannot add input: required time lock time 499999999 is below 500000000 (BIP370)",
            AddInputError(psbt, new PsbtConstructorInput(Coin(0)) { RequiredTimeLockTime = new LockTime(499_999_999) }));
        Assert.Equal("psbt: cannot add input: required height lock time 0 is not in 1..499999999 (BIP370)",
            AddInputError(psbt, new PsbtConstructorInput(Coin(0)) { RequiredHeightLockTime = LockTime.Zero }));
        Assert.Equal("psbt: cannot add input: required height lock time 500000000 is not in 1..499999999 (BIP370)",
            AddInputError(psbt, new PsbtConstructorInput(Coin(0)) { RequiredHeightLockTime = new LockTime(500_000_000) }));

        // Height-only, then time-only: no lock time type satisfies both (BIP370 "Determining Lock Time").
        var height = psbt.AddInput(new PsbtConstructorInput(Coin(0)) { RequiredHeightLockTime = new LockTime(800_000) });
        Assert.Equal(800_000u, height.GetUnsignedTransaction().LockTime.Value);
        Assert.Equal("psbt: cannot add input: its required lock time is incompatible with the other inputs' (no lock time type satisfies them all)",
            AddInputError(height, new PsbtConstructorInput(Coin(1)) { RequiredTimeLockTime = new LockTime(1_700_000_000) }));

        // An input that accepts both kinds is compatible, and the height wins; a higher height raises the lock time.
        var both = height.AddInput(new PsbtConstructorInput(Coin(1)) { RequiredTimeLockTime = new LockTime(1_700_000_000), RequiredHeightLockTime = new LockTime(800_100) });
        Assert.Equal(800_100u, both.GetUnsignedTransaction().LockTime.Value);
        var none = both.AddInput(new PsbtConstructorInput(Coin(2)));
        Assert.Equal(800_100u, none.GetUnsignedTransaction().LockTime.Value);
        Assert.Equal(1_700_000_000u, none.Inputs[1].RequiredTimeLockTime!.Value.Value);
    }

    [Fact]
    public void With_signatures_an_input_may_not_change_the_lock_time()
    {
        // Input 0 signed with ALL|ANYONECANPAY keeps inputs modifiable; its signature commits to the lock time.
        var psbt = Empty(Both, fallback: 10)
            .AddInput(new PsbtConstructorInput(Coin(0)) { RequiredHeightLockTime = new LockTime(1000) })
            .AddOutput(Pay(40_000, 1))
            .WithWitnessUtxo(0, _funding.Outputs[0])
            .Sign([_keys[0]], new PsbtSignOptions { SighashType = new SigHashType(0x81) });
        Assert.Equal(PsbtTxModifiable.Inputs, psbt.TxModifiable);
        Assert.Equal("psbt: cannot add input: it changes the lock time from 1000 to 1001, which existing signatures commit to",
            AddInputError(psbt, new PsbtConstructorInput(Coin(1)) { RequiredHeightLockTime = new LockTime(1001) }));
        Assert.Equal("psbt: cannot add input: its required lock time is incompatible with the other inputs' (no lock time type satisfies them all)",
            AddInputError(psbt, new PsbtConstructorInput(Coin(1)) { RequiredTimeLockTime = new LockTime(1_700_000_000) }));

        // A lower or equal height leaves the lock time alone, so it may be added.
        Assert.True(psbt.TryAddInput(new PsbtConstructorInput(Coin(1)) { RequiredHeightLockTime = new LockTime(999) }, out var added, out var error), error?.Message);
        Assert.Equal(1000u, added.GetUnsignedTransaction().LockTime.Value);

        // Without signatures the same addition that raises the lock time is fine.
        var unsigned = Empty(Both, fallback: 10).AddInput(new PsbtConstructorInput(Coin(0)) { RequiredHeightLockTime = new LockTime(1000) });
        Assert.Equal(1001u, unsigned.AddInput(new PsbtConstructorInput(Coin(1)) { RequiredHeightLockTime = new LockTime(1001) }).GetUnsignedTransaction().LockTime.Value);

        // With signatures, the first lock time requirement may not replace the fallback either.
        var fallbackSigned = Empty(Both, fallback: 10).AddInput(new PsbtConstructorInput(Coin(0))).AddOutput(Pay(40_000, 1))
            .WithWitnessUtxo(0, _funding.Outputs[0]).Sign([_keys[0]], new PsbtSignOptions { SighashType = new SigHashType(0x81) });
        Assert.Equal("psbt: cannot add input: it changes the lock time from 10 to 20, which existing signatures commit to",
            AddInputError(fallbackSigned, new PsbtConstructorInput(Coin(1)) { RequiredHeightLockTime = new LockTime(20) }));
    }

    public static TheoryData<uint, PsbtTxModifiable> SignerFlagCases() => new()
    {
        // BIP370 Signer: not ANYONECANPAY clears bit 0; not NONE clears bit 1; SINGLE sets bit 2.
        { 0x01, PsbtTxModifiable.None },
        { 0x02, PsbtTxModifiable.Outputs },
        { 0x03, PsbtTxModifiable.HasSighashSingle },
        { 0x81, PsbtTxModifiable.Inputs },
        { 0x82, Both },
        { 0x83, PsbtTxModifiable.Inputs | PsbtTxModifiable.HasSighashSingle },
    };

    [Theory]
    [MemberData(nameof(SignerFlagCases))]
    public void Signer_updates_tx_modifiable(uint sighash, PsbtTxModifiable expected)
    {
        foreach (var taproot in new[] { false, true })
        {
            var coin = taproot ? 4 : 0;
            var psbt = Empty(Both).AddInput(new PsbtConstructorInput(Coin(coin))).AddOutput(Pay(40_000, 1)).WithWitnessUtxo(0, _funding.Outputs[coin]);
            if (taproot) psbt = psbt.WithTapInternalKey(0, _keys[0].XOnlyPublicKey);
            var signed = psbt.Sign([_keys[0]], new PsbtSignOptions { SighashType = new SigHashType(sighash) });
            Assert.Equal(expected, signed.TxModifiable);

            // Signing nothing new (wrong key) leaves the flags alone.
            Assert.Equal(Both, psbt.Sign([_keys[3]], new PsbtSignOptions { SighashType = new SigHashType(sighash) }).TxModifiable);
        }

        // Taproot SIGHASH_DEFAULT (64-byte signature) commits like ALL.
        var tr = Empty(Both).AddInput(new PsbtConstructorInput(Coin(4))).AddOutput(Pay(40_000, 1))
            .WithWitnessUtxo(0, _funding.Outputs[4]).WithTapInternalKey(0, _keys[0].XOnlyPublicKey).Sign([_keys[0]]);
        Assert.Equal(64, tr.Inputs[0].TapKeySignature!.Value.Length);
        Assert.Equal(PsbtTxModifiable.None, tr.TxModifiable);
    }

    public static TheoryData<uint, bool, bool> CommitmentCases() => new()
    {
        // sighash, may add an input, may add an output (to a signer that left the flags at 3).
        { 0x01, false, false },
        { 0x02, false, true },
        { 0x81, true, false },
        { 0x82, true, true },
    };

    [Theory]
    [MemberData(nameof(CommitmentCases))]
    public void Signatures_forbid_changing_what_they_commit_to_even_when_flags_allow(uint sighash, bool inputOk, bool outputOk)
    {
        // A signer that did not update the flags: they still say both may be added.
        var signed = Empty(Both).AddInput(new PsbtConstructorInput(Coin(0))).AddOutput(Pay(40_000, 1))
            .WithWitnessUtxo(0, _funding.Outputs[0]).Sign([_keys[0]], new PsbtSignOptions { SighashType = new SigHashType(sighash) });
        var psbt = WithFlags(signed, Both);
        Assert.Equal(inputOk, psbt.TryAddInput(new PsbtConstructorInput(Coin(1)), out _, out var inputError));
        Assert.Equal(outputOk, psbt.TryAddOutput(Pay(1000, 2), out _, out var outputError));
        if (!inputOk) Assert.Equal("psbt: cannot add input: input 0 has a signature without SIGHASH_ANYONECANPAY, which commits to every input", inputError?.Message);
        if (!outputOk) Assert.Equal($"psbt: cannot add output: input 0 has a signature with sighash 0x{sighash:x2}, which commits to every output", outputError?.Message);
    }

    [Fact]
    public void Sighash_single_pairs_must_stay_aligned()
    {
        // Input 1 is signed SINGLE|ANYONECANPAY and pays output 1.
        var psbt = Empty(Both)
            .AddInput(new PsbtConstructorInput(Coin(0))).AddOutput(Pay(10_000, 1))
            .AddInput(new PsbtConstructorInput(Coin(1))).AddOutput(Pay(45_000, 2))
            .WithWitnessUtxo(1, _funding.Outputs[1]);
        psbt = psbt.Sign([_keys[1]], new PsbtSignOptions { SighashType = new SigHashType(0x83) });
        Assert.Equal(PsbtTxModifiable.Inputs | PsbtTxModifiable.HasSighashSingle, psbt.TxModifiable);

        // Appending keeps the pair; inserting only an input before it would move it away from its output.
        Assert.Equal(3, psbt.AddInput(new PsbtConstructorInput(Coin(2))).Inputs.Count);
        Assert.Equal(3, psbt.AddInput(new PsbtConstructorInput(Coin(2)), index: 2).Inputs.Count);
        Assert.Equal("psbt: cannot add input: input 1 has a SIGHASH_SINGLE signature and would be moved to index 2 while its output moves to 1; add an input and an output together before it",
            AddInputError(psbt, new PsbtConstructorInput(Coin(2)), 1));

        // With outputs modifiable too (e.g. a Creator and Signer agreeing on it), outputs alone may not be inserted before it...
        var open = WithFlags(psbt, Both | PsbtTxModifiable.HasSighashSingle);
        Assert.Equal("psbt: cannot add output: input 1 has a SIGHASH_SINGLE signature and would be moved to index 1 while its output moves to 2; add an input and an output together before it",
            AddOutputError(open, Pay(1, 3), 0));
        Assert.Equal(3, open.AddOutput(Pay(1, 3)).Outputs.Count);

        // ...but a pair inserted before it keeps input and output together.
        Assert.True(open.TryAddInputOutputPair(new PsbtConstructorInput(Coin(2)), Pay(20_000, 3), out var paired, out var error, index: 0), error?.Message);
        Assert.Equal(Coin(1), paired.Inputs[2].PreviousOutPoint);
        Assert.Equal(45_000, paired.Outputs[2].Amount.Satoshis);
        Assert.Equal(PsbtTxModifiable.Inputs | PsbtTxModifiable.Outputs | PsbtTxModifiable.HasSighashSingle, paired.TxModifiable);

        // The moved SIGHASH_SINGLE signature still verifies once the new inputs are signed (ALL for the others).
        var complete = paired.CompleteConstruction()
            .WithWitnessUtxo(0, _funding.Outputs[2]).WithWitnessUtxo(1, _funding.Outputs[0])
            .Sign([_keys[2], _keys[0]]);
        var tx = complete.Finalize().Extract();
        var result = TransactionVerifier.VerifyInputs(tx, [_funding.Outputs[2], _funding.Outputs[0], _funding.Outputs[1]], ScriptFlags.Standard);
        Assert.True(result.IsValid, $"input {result.InputIndex} {result.Error}");
    }

    [Fact]
    public void Sighash_single_without_an_output_may_not_be_given_one()
    {
        // Input 1 signs SIGHASH_SINGLE with no output 1: BIP143 then hashes zero outputs (legacy: the constant 1).
        var psbt = Empty(Both)
            .AddInput(new PsbtConstructorInput(Coin(0))).AddOutput(Pay(10_000, 1))
            .AddInput(new PsbtConstructorInput(Coin(1)))
            .WithWitnessUtxo(1, _funding.Outputs[1])
            .Sign([_keys[1]], new PsbtSignOptions { SighashType = new SigHashType(0x83) });
        var open = WithFlags(psbt, Both | PsbtTxModifiable.HasSighashSingle);
        Assert.Equal("psbt: cannot add output: input 1 has a SIGHASH_SINGLE signature and has no matching output, and the addition would give it output 1",
            AddOutputError(open, Pay(1, 3)));
        Assert.Equal(3, open.AddInput(new PsbtConstructorInput(Coin(2))).Inputs.Count);
    }

    [Fact]
    public void Finalized_inputs_keep_their_signatures_commitments()
    {
        // The Finalizer clears partial sigs; the sighash types are read back from the final witness.
        var psbt = Empty(Both)
            .AddInput(new PsbtConstructorInput(Coin(0))).AddOutput(Pay(10_000, 1))
            .AddInput(new PsbtConstructorInput(Coin(1))).AddOutput(Pay(45_000, 2))
            .WithWitnessUtxo(1, _funding.Outputs[1])
            .Sign([_keys[1]], new PsbtSignOptions { SighashType = new SigHashType(0x83) });
        Assert.False(psbt.TryFinalize(out var finalized, out _)); // input 0 has no UTXO yet
        Assert.True(finalized.Inputs[1].IsFinalized);
        Assert.Empty(finalized.Inputs[1].PartialSignatures);
        var open = WithFlags(finalized, Both | PsbtTxModifiable.HasSighashSingle);
        Assert.Equal("psbt: cannot add input: input 1 has a SIGHASH_SINGLE signature and would be moved to index 2 while its output moves to 1; add an input and an output together before it",
            AddInputError(open, new PsbtConstructorInput(Coin(2)), 0));
        Assert.Contains("input 1 has a SIGHASH_SINGLE signature", AddOutputError(open, Pay(1, 3), 1), StringComparison.Ordinal);
        Assert.Equal(3, open.AddInput(new PsbtConstructorInput(Coin(2))).Inputs.Count);

        // A finalized ALL signature (ECDSA) and a finalized SIGHASH_DEFAULT key path (taproot) commit to everything.
        var all = Empty(Both).AddInput(new PsbtConstructorInput(Coin(0))).AddOutput(Pay(10_000, 1))
            .WithWitnessUtxo(0, _funding.Outputs[0]).Sign([_keys[0]]).Finalize();
        var tr = Empty(Both).AddInput(new PsbtConstructorInput(Coin(4))).AddOutput(Pay(10_000, 1))
            .WithWitnessUtxo(0, _funding.Outputs[4]).WithTapInternalKey(0, _keys[0].XOnlyPublicKey).Sign([_keys[0]]).Finalize();
        foreach (var done in new[] { all, tr })
        {
            Assert.Null(done.Inputs[0].TapKeySignature);
            var forced = WithFlags(done, Both);
            Assert.Equal("psbt: cannot add input: input 0 has a signature without SIGHASH_ANYONECANPAY, which commits to every input", AddInputError(forced, new PsbtConstructorInput(Coin(2))));
            Assert.Equal("psbt: cannot add output: input 0 has a signature with sighash 0x01, which commits to every output", AddOutputError(forced, Pay(1, 3)));
        }
    }

    [Fact]
    public void Construct_sign_finalize_extract_and_verify()
    {
        // Creator with nothing in it; a Constructor adds P2WPKH and P2TR inputs and two outputs, then completes.
        var psbt = Empty(Both, fallback: 0)
            .AddInput(new PsbtConstructorInput(Coin(1)) { Sequence = new Sequence(0xfffffffd), RequiredHeightLockTime = new LockTime(100) })
            .AddOutput(Pay(60_000, 1))
            .AddInput(new PsbtConstructorInput(Coin(4)) { Sequence = new Sequence(0xfffffffd) })
            .AddOutput(Pay(39_000, 2))
            .CompleteConstruction();
        Assert.Null(psbt.TxModifiable);
        psbt = PsbtT.Parse(psbt.ToBase64())
            .WithWitnessUtxo(0, _funding.Outputs[1])
            .WithWitnessUtxo(1, _funding.Outputs[4])
            .WithTapInternalKey(1, _keys[0].XOnlyPublicKey);
        var id = psbt.GetUniqueId();

        // Two signers, combined, finalized, extracted.
        var a = psbt.Sign([_keys[1]]);
        var b = psbt.Sign([_keys[0]]);
        var combined = PsbtT.Combine(a, b);
        Assert.Equal(id, combined.GetUniqueId());
        var tx = combined.Finalize().Extract();
        Assert.Equal(100u, tx.LockTime.Value);
        Assert.Equal(Amount.FromSatoshis(1000), combined.Fee);
        var result = TransactionVerifier.VerifyInputs(tx, [_funding.Outputs[1], _funding.Outputs[4]], ScriptFlags.Standard);
        Assert.True(result.IsValid, $"input {result.InputIndex} {result.Error}");

        // The same PSBT through version 0 signs to the same transaction id.
        var v0Tx = psbt.ToVersion0().Sign([_keys[1], _keys[0]]).Finalize().Extract();
        Assert.Equal(tx.GetTxId(), v0Tx.GetTxId());
    }

    [Fact]
    public void Unique_id_ignores_sequences_and_combiner_keeps_the_first_sequence()
    {
        var psbt = Empty(Both).AddInput(new PsbtConstructorInput(Coin(0))).AddOutput(Pay(1000, 1));
        var other = Empty(Both).AddInput(new PsbtConstructorInput(Coin(0)) { Sequence = new Sequence(7) }).AddOutput(Pay(1000, 1));
        Assert.NotEqual(psbt.GetUnsignedTxId(), other.GetUnsignedTxId());
        Assert.Equal(psbt.GetUniqueId(), other.GetUniqueId());

        // BIP370: the id is the txid with every sequence 0.
        var tx = psbt.GetUnsignedTransaction();
        Assert.Equal(tx.WithInputs([tx.Inputs[0] with { Sequence = new Sequence(0) }]).GetTxId(), psbt.GetUniqueId());

        // The first PSBT's sequence wins; an absent one takes the other's.
        var third = WithFlags(other, Both).WithEntry(PsbtMapKind.Input, 0, PsbtEntry.Create(PsbtKeys.InSequence, default, [9, 0, 0, 0]));
        Assert.Equal(new Sequence(7), PsbtT.Combine(other, third).Inputs[0].Sequence);
        Assert.Equal(new Sequence(9), PsbtT.Combine(third, other).Inputs[0].Sequence);
        Assert.Equal(new Sequence(7), PsbtT.Combine(psbt, other).Inputs[0].Sequence);

        // Signatures in the second PSBT were made over its own sequence: refused rather than merged.
        var signedOther = other.WithWitnessUtxo(0, _funding.Outputs[0]).Sign([_keys[0]]);
        var signedThird = third.WithWitnessUtxo(0, _funding.Outputs[0]);
        Assert.False(PsbtT.TryCombine([signedThird, signedOther], out _, out var error));
        Assert.Equal("psbt: combine: input 0 sequence differs and PSBT 1 has signatures made over its own sequence", error?.Message);
        Assert.Equal(new Sequence(7), PsbtT.Combine(signedOther, signedThird).Inputs[0].Sequence);
    }

    [Fact]
    public void Combiner_refuses_v2_psbts_whose_inputs_or_outputs_differ()
    {
        var baseline = Empty(Both).AddInput(new PsbtConstructorInput(Coin(0))).AddOutput(Pay(1000, 1));
        var moreInputs = baseline.AddInput(new PsbtConstructorInput(Coin(1)));
        var moreOutputs = baseline.AddOutput(Pay(2000, 2));
        var otherLockTime = baseline.AddInput(new PsbtConstructorInput(Coin(1)) { RequiredHeightLockTime = new LockTime(5) });
        const string Message = "psbt: combine: PSBT 1 is for a different transaction (BIP370 unique id differs: its inputs, outputs or lock time are not the same)";
        foreach (var other in new[] { moreInputs, moreOutputs })
        {
            Assert.False(PsbtT.TryCombine([baseline, other], out _, out var error));
            Assert.Equal(Message, error?.Message);
        }

        Assert.False(PsbtT.TryCombine([moreInputs, otherLockTime], out _, out var lockError));
        Assert.Equal(Message, lockError?.Message);
    }

    [Fact]
    public void Combiner_merges_modifiable_flags_conservatively()
    {
        var psbt = Empty(Both).AddInput(new PsbtConstructorInput(Coin(0))).AddInput(new PsbtConstructorInput(Coin(1))).AddOutput(Pay(1000, 1)).AddOutput(Pay(1000, 2))
            .WithWitnessUtxo(0, _funding.Outputs[0]).WithWitnessUtxo(1, _funding.Outputs[1]);
        var single = psbt.Sign([_keys[1]], new PsbtSignOptions { SighashType = new SigHashType(0x83) }); // Inputs | HasSighashSingle
        var none = psbt.Sign([_keys[0]], new PsbtSignOptions { SighashType = new SigHashType(0x82) });   // Inputs | Outputs

        // Bits 0 and 1 survive only if both copies keep them; bit 2 if either has it.
        Assert.Equal(PsbtTxModifiable.Inputs | PsbtTxModifiable.HasSighashSingle, PsbtT.Combine(single, none).TxModifiable);
        Assert.Equal(PsbtTxModifiable.Inputs | PsbtTxModifiable.HasSighashSingle, PsbtT.Combine(none, single).TxModifiable);
        Assert.Equal(PsbtTxModifiable.HasSighashSingle, PsbtT.Combine(single, single.CompleteConstruction()).TxModifiable);
        Assert.Null(PsbtT.Combine(psbt.CompleteConstruction(), psbt.CompleteConstruction()).TxModifiable);
        Assert.Equal(PsbtTxModifiable.None, PsbtT.Combine(psbt.CompleteConstruction(), psbt).TxModifiable);
    }

    [Fact]
    public void Random_constructor_sequences_keep_counts_and_round_trip()
    {
        // A fixed pseudo-random walk over add input / add output / add pair at random positions.
        var rng = new Random(370);
        var psbt = Empty(Both);
        var next = 0;
        for (var step = 0; step < 40; step++)
        {
            var coin = new OutPoint(TxId.FromBytes(Enumerable.Repeat((byte)(next % 251), 32).ToArray()), (uint)next++);
            switch (rng.Next(3))
            {
                case 0: psbt = psbt.AddInput(new PsbtConstructorInput(coin), rng.Next(psbt.Inputs.Count + 1)); break;
                case 1: psbt = psbt.AddOutput(Pay(rng.Next(1, 1_000_000), step), rng.Next(psbt.Outputs.Count + 1)); break;
                default: psbt = psbt.AddInputOutputPair(coin, Pay(step + 1, step), Math.Min(psbt.Inputs.Count, psbt.Outputs.Count)); break;
            }

            var parsed = PsbtT.Parse(psbt.ToBytes());
            Assert.Equal(psbt.ToHex(), parsed.ToHex());
            var tx = parsed.GetUnsignedTransaction();
            Assert.Equal(psbt.Inputs.Count, tx.Inputs.Count);
            Assert.Equal(psbt.Outputs.Count, tx.Outputs.Count);
            Assert.Equal(tx.GetTxId(), parsed.ToVersion0().ToVersion2().GetUnsignedTxId());
        }
    }
}

internal static class PsbtConstructorTestExtensions
{
    public static PsbtT AddInputOutputPair(this PsbtT psbt, OutPoint coin, TxOut output, int index) =>
        psbt.TryAddInputOutputPair(new PsbtConstructorInput(coin), output, out var result, out var error, index) ? result : throw new InvalidOperationException(error?.Message);
}
