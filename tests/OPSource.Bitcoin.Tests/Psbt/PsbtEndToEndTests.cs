using OPSource.Bitcoin.Sighash;
using System.Text.Json.Nodes;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;
using OPSource.TestSupport;
using PsbtT = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Bitcoin.Tests.Psbt;

// Every spend type the Signer and Finalizer support, checked by the consensus interpreter on the
// extracted transaction; plus BIP341's keyPathSpending vectors reproduced through a PSBT.
public sealed class PsbtEndToEndTests : IDisposable
{
    private readonly List<SecretKey> _keys = [.. Enumerable.Range(1, 6).Select(i =>
    {
        Span<byte> seed = stackalloc byte[32];
        Hashes.Sha256([(byte)i, 0x50, 0x53], seed);
        return SecretKey.Create(seed);
    })];

    public void Dispose() => _keys.ForEach(k => k.Dispose());

    private byte[] Pub(int i) => _keys[i].PublicKey.ToCompressed();

    private static Script Multisig(int m, params byte[][] keys) => StandardScripts.Multisig(m, [.. keys.Select(k => (ReadOnlyMemory<byte>)k)]);

    private static byte[] H160(ReadOnlySpan<byte> data)
    {
        var h = new byte[20];
        Hashes.Hash160(data, h);
        return h;
    }

    public static TheoryData<string> Kinds() =>
    [
        "p2pkh", "p2pkh-uncompressed", "p2pk", "p2wpkh", "p2sh-p2wpkh", "bare-multisig", "p2sh-multisig",
        "p2wsh-multisig", "p2sh-p2wsh-multisig", "p2tr-key", "p2tr-key-with-tree", "p2tr-script", "p2tr-script-multi_a",
    ];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Sign_finalize_extract_and_verify(string kind)
    {
        // Spend a standard-looking P2WPKH input alongside the input under test, so sighashes commit to several inputs.
        var other = new TxOut(Amount.FromSatoshis(70_000), StandardScripts.PayToWitnessPubKeyHash(H160(Pub(5))));
        Script spk;
        Script? redeem = null, witnessScript = null;
        XOnlyPublicKey? internalKey = null;
        UInt256? merkleRoot = null;
        (ControlBlock Control, Script Leaf)? leaf = null;
        switch (kind)
        {
            case "p2pkh": spk = StandardScripts.PayToPubKeyHash(H160(Pub(0))); break;
            case "p2pkh-uncompressed": spk = StandardScripts.PayToPubKeyHash(H160(_keys[0].PublicKey.ToUncompressed())); break;
            case "p2pk": spk = StandardScripts.PayToPubKey(Pub(0)); break;
            case "p2wpkh": spk = StandardScripts.PayToWitnessPubKeyHash(H160(Pub(0))); break;
            case "p2sh-p2wpkh":
                redeem = StandardScripts.PayToWitnessPubKeyHash(H160(Pub(0)));
                spk = StandardScripts.PayToScriptHash(redeem);
                break;
            case "bare-multisig": spk = Multisig(1, Pub(0), Pub(1)); break;
            case "p2sh-multisig":
                redeem = Multisig(2, Pub(0), Pub(1), Pub(2));
                spk = StandardScripts.PayToScriptHash(redeem);
                break;
            case "p2wsh-multisig":
                witnessScript = Multisig(2, Pub(1), Pub(0));
                spk = StandardScripts.PayToWitnessScriptHash(witnessScript);
                break;
            case "p2sh-p2wsh-multisig":
                witnessScript = Multisig(2, Pub(0), Pub(1), Pub(2));
                redeem = StandardScripts.PayToWitnessScriptHash(witnessScript);
                spk = StandardScripts.PayToScriptHash(redeem);
                break;
            case "p2tr-key":
                internalKey = _keys[0].XOnlyPublicKey;
                spk = TaprootSpendInfo.Create(internalKey.Value).ScriptPubKey;
                break;
            case "p2tr-key-with-tree":
            case "p2tr-script":
            {
                // Two leaves at depth 1: <key1> CHECKSIG and <key2> CHECKSIG; internal key is key 0 (or an unspendable-by-us key).
                var leafA = new ScriptBuilder().Push(_keys[1].XOnlyPublicKey.ToBytes()).Add(OpcodeType.OP_CHECKSIG).Build();
                var leafB = new ScriptBuilder().Push(_keys[2].XOnlyPublicKey.ToBytes()).Add(OpcodeType.OP_CHECKSIG).Build();
                var ha = TapLeafHash.Compute(TapLeafHash.TapscriptLeafVersion, leafA);
                var hb = TapLeafHash.Compute(TapLeafHash.TapscriptLeafVersion, leafB);
                merkleRoot = TapLeafHash.ComputeBranch(ha.Value, hb.Value);
                internalKey = (kind == "p2tr-script" ? _keys[3] : _keys[0]).XOnlyPublicKey;
                var info = TaprootSpendInfo.Create(internalKey.Value, merkleRoot);
                spk = info.ScriptPubKey;
                leaf = (new ControlBlock(TapLeafHash.TapscriptLeafVersion, info.OutputKeyYIsOdd, internalKey.Value, [hb.Value]), leafA);
                break;
            }

            case "p2tr-script-multi_a":
            {
                // One leaf: <k0> CHECKSIG <k1> CHECKSIGADD <k2> CHECKSIGADD 2 NUMEQUAL, internal key not ours.
                var multiA = new ScriptBuilder()
                    .Push(_keys[0].XOnlyPublicKey.ToBytes()).Add(OpcodeType.OP_CHECKSIG)
                    .Push(_keys[2].XOnlyPublicKey.ToBytes()).Add(OpcodeType.OP_CHECKSIGADD)
                    .Push(_keys[1].XOnlyPublicKey.ToBytes()).Add(OpcodeType.OP_CHECKSIGADD)
                    .Add(OpcodeType.OP_2).Add(OpcodeType.OP_NUMEQUAL).Build();
                var h = TapLeafHash.Compute(TapLeafHash.TapscriptLeafVersion, multiA);
                merkleRoot = h.Value;
                internalKey = _keys[3].XOnlyPublicKey;
                var info = TaprootSpendInfo.Create(internalKey.Value, merkleRoot);
                spk = info.ScriptPubKey;
                leaf = (new ControlBlock(TapLeafHash.TapscriptLeafVersion, info.OutputKeyYIsOdd, internalKey.Value, []), multiA);
                break;
            }

            default: throw new InvalidOperationException(kind);
        }

        var funding = new Transaction(2, [new TxIn(new OutPoint(TxId.FromBytes(new byte[32]), 0), Script.Empty, Sequence.Final, Witness.Empty)],
            [new TxOut(Amount.FromSatoshis(100_000), spk), other], LockTime.Zero);
        var spend = new Transaction(2,
            [new TxIn(new OutPoint(funding.GetTxId(), 0), Script.Empty, new Sequence(0xfffffffd), Witness.Empty),
             new TxIn(new OutPoint(funding.GetTxId(), 1), Script.Empty, new Sequence(0xfffffffd), Witness.Empty)],
            [new TxOut(Amount.FromSatoshis(160_000), StandardScripts.PayToWitnessPubKeyHash(H160(Pub(4))))], new LockTime(100));

        foreach (var v2 in new[] { false, true })
        {
            var psbt = v2 ? PsbtT.CreateV2(spend) : PsbtT.Create(spend);
            psbt = spk.IsWitnessProgram() || redeem?.IsWitnessProgram() == true
                ? psbt.WithWitnessUtxo(0, funding.Outputs[0])
                : psbt.WithNonWitnessUtxo(0, funding);
            psbt = psbt.WithWitnessUtxo(1, other);
            if (redeem is not null) psbt = psbt.WithRedeemScript(0, redeem);
            if (witnessScript is not null) psbt = psbt.WithWitnessScript(0, witnessScript);
            if (internalKey is { } ik) psbt = psbt.WithTapInternalKey(0, ik);
            if (merkleRoot is { } root) psbt = psbt.WithTapMerkleRoot(0, root);
            if (leaf is { } l) psbt = psbt.WithTapLeafScript(0, l.Control, l.Leaf);
            psbt = PsbtT.Parse(psbt.ToBase64());

            // Two signers, combined: key 0 (and key 1 for the 2-of-n and script-path cases), key 5 for the other input.
            Assert.True(psbt.TrySign([_keys[0], _keys[5]], out var signedA, out var refusals), string.Join("; ", refusals));
            Assert.True(psbt.TrySign([_keys[1]], out var signedB, out refusals), string.Join("; ", refusals));
            var combined = PsbtT.Combine(signedA, signedB);
            Assert.True(combined.TryFinalize(out var finalized, out var problems), kind + ": " + string.Join("; ", problems));
            var tx = finalized.Extract();

            var result = TransactionVerifier.VerifyInputs(tx, [funding.Outputs[0], other], ScriptFlags.Standard);
            Assert.True(result.IsValid, $"{kind} v{(v2 ? 2 : 0)}: input {result.InputIndex} {result.Error}");
            Assert.Equal(spend.GetTxId(), tx.WithInputs(tx.Inputs.Select(n => n with { ScriptSig = Script.Empty, Witness = Witness.Empty })).GetTxId());
            Assert.Equal(Amount.FromSatoshis(10_000), finalized.Fee);
        }
    }

    [Fact]
    public void Finalizer_leaves_unsatisfied_multisig_open_and_extractor_refuses()
    {
        var ws = Multisig(2, Pub(0), Pub(1));
        var spend = new Transaction(2, [new TxIn(new OutPoint(TxId.FromBytes(new byte[32]), 0), Script.Empty, Sequence.Final, Witness.Empty)],
            [new TxOut(Amount.FromSatoshis(1000), StandardScripts.PayToWitnessScriptHash(ws))], LockTime.Zero);
        var psbt = PsbtT.Create(spend)
            .WithWitnessUtxo(0, new TxOut(Amount.FromSatoshis(2000), StandardScripts.PayToWitnessScriptHash(ws)))
            .WithWitnessScript(0, ws)
            .Sign([_keys[0]]);
        Assert.False(psbt.TryFinalize(out var result, out var problems));
        Assert.Equal("psbt: input 0 has 1 of the 2 signatures the multisig needs", Assert.Single(problems));
        Assert.False(result.TryExtract(out _, out var error));
        Assert.Equal("psbt: input 0 is not finalized (no final_scriptsig or final_scriptwitness)", error?.Message);
    }

    [Fact]
    public void Combiner_detects_conflicting_values()
    {
        var spend = new Transaction(2, [new TxIn(new OutPoint(TxId.FromBytes(new byte[32]), 0), Script.Empty, Sequence.Final, Witness.Empty)], [], LockTime.Zero);
        var a = PsbtT.Create(spend).WithSighashType(0, new SigHashType(1));
        var b = PsbtT.Create(spend).WithSighashType(0, new SigHashType(2));
        Assert.False(PsbtT.TryCombine([a, b], out _, out var error));
        Assert.Equal("psbt: combine: input 0 sighash_type key 03 has conflicting values", error?.Message);
        var c = PsbtT.Create(spend.WithLockTime(new LockTime(5)));
        Assert.False(PsbtT.TryCombine([a, c], out _, out error));
        Assert.Equal("psbt: combine: PSBT 1 is for a different transaction", error?.Message);
    }

    /// <summary>Two inputs, one output paying key 2's key-path taproot output (also used as the UTXOs' script).</summary>
    private (Transaction Spend, Script Spk) TwoInputTaprootSpend()
    {
        var spk = TaprootSpendInfo.Create(_keys[2].XOnlyPublicKey).ScriptPubKey;
        var spend = new Transaction(2,
            [new TxIn(new OutPoint(TxId.FromBytes(new byte[32]), 0), Script.Empty, Sequence.Final, Witness.Empty),
             new TxIn(new OutPoint(TxId.FromBytes(new byte[32]), 1), Script.Empty, Sequence.Final, Witness.Empty)],
            [new TxOut(Amount.FromSatoshis(1000), spk)], LockTime.Zero);
        return (spend, spk);
    }

    // BIP341: the taproot sighash commits to every spent output, so a missing UTXO on another input
    // must be reported per taproot input instead of silently leaving it unsigned.
    [Fact]
    public void Signer_refuses_taproot_input_when_another_input_lacks_its_utxo()
    {
        var (spend, spk) = TwoInputTaprootSpend();
        var psbt = PsbtT.Create(spend)
            .WithWitnessUtxo(0, new TxOut(Amount.FromSatoshis(2000), spk))
            .WithTapInternalKey(0, _keys[2].XOnlyPublicKey);
        var options = new PsbtSignOptions { TaprootAuxRandomness = new byte[32] };

        Assert.False(psbt.TrySign([_keys[2]], out var signed, out var refusals, options));
        Assert.Equal("psbt: input 0: taproot signing needs every input's UTXO; input 1 has none", Assert.Single(refusals));
        Assert.Null(signed.Inputs[0].TapKeySignature);

        // With every UTXO known the same input signs.
        var complete = psbt.WithWitnessUtxo(1, new TxOut(Amount.FromSatoshis(3000), spk));
        Assert.True(complete.TrySign([_keys[2]], out signed, out refusals, options), string.Join("; ", refusals));
        Assert.NotNull(signed.Inputs[0].TapKeySignature);

        // A key that signs nothing for the taproot input is not refused.
        Assert.True(psbt.TrySign([_keys[3]], out _, out refusals, options), string.Join("; ", refusals));
    }

    // BIP341: SIGHASH_SINGLE without an output at the input's index has no signature message; the
    // signer refuses the input with the shared SignatureHash result instead of signing garbage.
    [Fact]
    public void Signer_refuses_taproot_sighash_single_without_matching_output()
    {
        var (spend, spk) = TwoInputTaprootSpend();
        var psbt = PsbtT.Create(spend)
            .WithWitnessUtxo(0, new TxOut(Amount.FromSatoshis(2000), spk))
            .WithWitnessUtxo(1, new TxOut(Amount.FromSatoshis(3000), spk))
            .WithTapInternalKey(1, _keys[2].XOnlyPublicKey)
            .WithSighashType(1, new SigHashType(3));
        var options = new PsbtSignOptions { TaprootAuxRandomness = new byte[32] };

        Assert.False(psbt.TrySign([_keys[2]], out var signed, out var refusals, options));
        Assert.Equal("psbt: input 1 cannot compute the taproot signature hash (sighash type 0x03 undefined or SIGHASH_SINGLE without a matching output)", Assert.Single(refusals));
        Assert.Null(signed.Inputs[1].TapKeySignature);

        // Input 0 has output 0: SIGHASH_SINGLE signs, with the type byte appended (BIP341 65-byte signature).
        var first = psbt.WithTapInternalKey(0, _keys[2].XOnlyPublicKey).WithSighashType(0, new SigHashType(3));
        Assert.False(first.TrySign([_keys[2]], out signed, out _, options));
        Assert.Equal(65, signed.Inputs[0].TapKeySignature!.Value.Length);
    }

    // Core solver.cpp MatchMultiA/GetScriptNumber: the multi_a threshold must be OP_1..OP_16 or a
    // minimal push of a minimal number; a 1-byte push of 2 (instead of OP_2) is not multi_a.
    [Theory]
    [InlineData(new byte[] { 0x52 }, true)] // OP_2
    [InlineData(new byte[] { 0x01, 0x02 }, false)] // push 0x02: non-minimal push
    [InlineData(new byte[] { 0x02, 0x02, 0x00 }, false)] // push 0x0200: non-minimal number
    public void Finalizer_accepts_only_minimally_encoded_multi_a_thresholds(byte[] thresholdOp, bool finalizes)
    {
        byte[] script = [0x20, .. _keys[0].XOnlyPublicKey.ToBytes(), (byte)OpcodeType.OP_CHECKSIG,
            0x20, .. _keys[1].XOnlyPublicKey.ToBytes(), (byte)OpcodeType.OP_CHECKSIGADD, .. thresholdOp, (byte)OpcodeType.OP_NUMEQUAL];
        var leaf = new Script(script);
        var internalKey = _keys[3].XOnlyPublicKey;
        var info = TaprootSpendInfo.Create(internalKey, TapLeafHash.Compute(TapLeafHash.TapscriptLeafVersion, leaf).Value);
        var spend = new Transaction(2, [new TxIn(new OutPoint(TxId.FromBytes(new byte[32]), 0), Script.Empty, Sequence.Final, Witness.Empty)],
            [new TxOut(Amount.FromSatoshis(1000), info.ScriptPubKey)], LockTime.Zero);
        var psbt = PsbtT.Create(spend)
            .WithWitnessUtxo(0, new TxOut(Amount.FromSatoshis(2000), info.ScriptPubKey))
            .WithTapLeafScript(0, new ControlBlock(TapLeafHash.TapscriptLeafVersion, info.OutputKeyYIsOdd, internalKey, []), leaf);
        var signed = psbt.Sign([_keys[0], _keys[1]], new PsbtSignOptions { TaprootAuxRandomness = new byte[32] });
        Assert.Equal(2, signed.Inputs[0].TapScriptSignatures.Count);

        Assert.Equal(finalizes, signed.TryFinalize(out _, out var problems));
        if (!finalizes)
        {
            Assert.Equal("psbt: input 0 has no tap_key_sig and no tap_leaf_script it can satisfy with its tap_script_sigs, preimages and timelocks", Assert.Single(problems));
        }
    }

    public static TheoryData<int> KeyPathCases()
    {
        var data = new TheoryData<int>();
        var json = JsonNode.Parse(Vectors.ReadText("bips", "bip341_wallet-test-vectors.json"))!;
        for (var i = 0; i < json["keyPathSpending"]![0]!["inputSpending"]!.AsArray().Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    // BIP341 keyPathSpending: internal key, merkle root and hash type go into the PSBT; the Signer
    // (aux randomness all zero, as in the vectors) and Finalizer must give the expected witness.
    [Theory]
    [MemberData(nameof(KeyPathCases))]
    public void Bip341_key_path_vector_through_psbt(int index)
    {
        var root = JsonNode.Parse(Vectors.ReadText("bips", "bip341_wallet-test-vectors.json"))!["keyPathSpending"]![0]!;
        var given = root["given"]!;
        var tx = Transaction.Parse((string)given["rawUnsignedTx"]!);
        var utxos = given["utxosSpent"]!.AsArray().Select(u =>
            new TxOut(Amount.FromSatoshis((long)u!["amountSats"]!), Script.FromHex((string)u["scriptPubKey"]!))).ToList();
        var c = root["inputSpending"]![index]!["given"]!;
        var i = (int)c["txinIndex"]!;
        using var key = SecretKey.Create(Hex.Parse((string)c["internalPrivkey"]!));
        var psbt = PsbtT.Create(tx);
        for (var n = 0; n < utxos.Count; n++)
        {
            psbt = psbt.WithWitnessUtxo(n, utxos[n]);
        }

        psbt = psbt.WithTapInternalKey(i, key.XOnlyPublicKey);
        if (c["merkleRoot"] is { } mr)
        {
            psbt = psbt.WithTapMerkleRoot(i, new UInt256(Hex.Parse((string)mr!)));
        }

        var hashType = (uint)c["hashType"]!;
        if (hashType != 0)
        {
            psbt = psbt.WithSighashType(i, new SigHashType(hashType));
        }

        psbt.TrySign([key], out var signed, out _, new PsbtSignOptions { TaprootAuxRandomness = new byte[32] });
        signed.TryFinalize(out var finalized, out _);
        var witness = finalized.Inputs[i].FinalScriptWitness;
        Assert.NotNull(witness);
        var expected = root["inputSpending"]![index]!["expected"]!["witness"]!.AsArray().Select(w => (string)w!).ToArray();
        Assert.Equal(expected, witness.Items.Select(w => Hex.Encode(w.Span)).ToArray());
    }
}
