using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;

namespace OPSource.Bitcoin.Psbt;

/// <summary>
/// Signature hashes the PSBT signer needs (legacy, BIP143, BIP341). Kept internal to the PSBT code
/// until the shared Sighash module lands on this branch; see the report for the switch-over.
/// </summary>
internal static class PsbtSighash
{
    public const byte All = 0x01;
    public const byte None = 0x02;
    public const byte Single = 0x03;
    public const byte AnyoneCanPay = 0x80;

    /// <summary>Core interpreter.cpp SignatureHash for SigVersion::BASE.</summary>
    public static void Legacy(Transaction tx, int inputIndex, Script scriptCode, uint hashType, Span<byte> output32)
    {
        var baseType = hashType & 0x1f;
        if (baseType == Single && inputIndex >= tx.Outputs.Count)
        {
            // Core: the SIGHASH_SINGLE bug — hash is uint256 one.
            output32.Clear();
            output32[0] = 1;
            return;
        }

        var anyoneCanPay = (hashType & AnyoneCanPay) != 0;
        var w = new BitcoinWriter(256);
        w.WriteInt32LE(tx.Version);
        var inputs = anyoneCanPay ? 1 : tx.Inputs.Count;
        w.WriteCompactSize((ulong)inputs);
        for (var i = 0; i < tx.Inputs.Count; i++)
        {
            if (anyoneCanPay && i != inputIndex)
            {
                continue;
            }

            var txIn = tx.Inputs[i];
            WriteOutPoint(w, txIn.PrevOut);
            if (i == inputIndex)
            {
                // Core CTransactionSignatureSerializer::SerializeScriptCode: OP_CODESEPARATORs are skipped.
                WriteScriptCodeWithoutSeparators(w, scriptCode.Span);
            }
            else
            {
                w.WriteCompactSize(0);
            }

            var sequence = i != inputIndex && (baseType == None || baseType == Single) ? 0u : txIn.Sequence.Value;
            w.WriteUInt32LE(sequence);
        }

        var outputs = baseType == None ? 0 : baseType == Single ? inputIndex + 1 : tx.Outputs.Count;
        w.WriteCompactSize((ulong)outputs);
        for (var i = 0; i < outputs; i++)
        {
            if (baseType == Single && i != inputIndex)
            {
                // Core: outputs before nIn are CTxOut() — value -1, empty script.
                w.WriteInt64LE(-1);
                w.WriteCompactSize(0);
            }
            else
            {
                WriteTxOut(w, tx.Outputs[i]);
            }
        }

        w.WriteUInt32LE(tx.LockTime.Value);
        w.WriteUInt32LE(hashType);
        Hashes.Hash256(w.WrittenSpan, output32);
    }

    /// <summary>BIP143 signature hash for witness v0 inputs.</summary>
    public static void WitnessV0(Transaction tx, int inputIndex, Script scriptCode, Money amount, uint hashType, Span<byte> output32)
    {
        var baseType = hashType & 0x1f;
        var anyoneCanPay = (hashType & AnyoneCanPay) != 0;
        Span<byte> hashPrevouts = stackalloc byte[32];
        Span<byte> hashSequence = stackalloc byte[32];
        Span<byte> hashOutputs = stackalloc byte[32];
        hashPrevouts.Clear();
        hashSequence.Clear();
        hashOutputs.Clear();
        if (!anyoneCanPay)
        {
            var pw = new BitcoinWriter(36 * tx.Inputs.Count);
            foreach (var i in tx.Inputs) WriteOutPoint(pw, i.PrevOut);
            Hashes.Hash256(pw.WrittenSpan, hashPrevouts);
        }

        if (!anyoneCanPay && baseType != Single && baseType != None)
        {
            var sw = new BitcoinWriter(4 * tx.Inputs.Count);
            foreach (var i in tx.Inputs) sw.WriteUInt32LE(i.Sequence.Value);
            Hashes.Hash256(sw.WrittenSpan, hashSequence);
        }

        if (baseType != Single && baseType != None)
        {
            var ow = new BitcoinWriter();
            foreach (var o in tx.Outputs) WriteTxOut(ow, o);
            Hashes.Hash256(ow.WrittenSpan, hashOutputs);
        }
        else if (baseType == Single && inputIndex < tx.Outputs.Count)
        {
            var ow = new BitcoinWriter();
            WriteTxOut(ow, tx.Outputs[inputIndex]);
            Hashes.Hash256(ow.WrittenSpan, hashOutputs);
        }

        var w = new BitcoinWriter(256);
        w.WriteInt32LE(tx.Version);
        w.WriteBytes(hashPrevouts);
        w.WriteBytes(hashSequence);
        WriteOutPoint(w, tx.Inputs[inputIndex].PrevOut);
        w.WriteVarBytes(scriptCode.Span);
        w.WriteInt64LE(amount.Satoshis);
        w.WriteUInt32LE(tx.Inputs[inputIndex].Sequence.Value);
        w.WriteBytes(hashOutputs);
        w.WriteUInt32LE(tx.LockTime.Value);
        w.WriteUInt32LE(hashType);
        Hashes.Hash256(w.WrittenSpan, output32);
    }

    /// <summary>BIP341 SigMsg/TapSighash (no annex). <paramref name="leafHash"/> selects script path (BIP342 ext).</summary>
    public static bool TryTaproot(Transaction tx, int inputIndex, IReadOnlyList<TxOut> spent, byte hashType, ReadOnlySpan<byte> leafHash, Span<byte> output32, out string? error)
    {
        // BIP341: hash_type must be 0x00-0x03 or 0x81-0x83.
        if (hashType is not (0x00 or 0x01 or 0x02 or 0x03 or 0x81 or 0x82 or 0x83))
        {
            error = $"sighash type 0x{hashType:x2} is not valid for taproot";
            return false;
        }

        var outputType = hashType == 0 ? All : hashType & 3;
        var anyoneCanPay = (hashType & AnyoneCanPay) != 0;
        if (outputType == Single && inputIndex >= tx.Outputs.Count)
        {
            error = "SIGHASH_SINGLE without a matching output";
            return false;
        }

        var w = new BitcoinWriter(256);
        w.WriteUInt8(0); // BIP341: epoch 0.
        w.WriteUInt8(hashType);
        w.WriteInt32LE(tx.Version);
        w.WriteUInt32LE(tx.LockTime.Value);
        Span<byte> h = stackalloc byte[32];
        if (!anyoneCanPay)
        {
            var a = new BitcoinWriter();
            foreach (var i in tx.Inputs) WriteOutPoint(a, i.PrevOut);
            Hashes.Sha256(a.WrittenSpan, h);
            w.WriteBytes(h);
            a = new BitcoinWriter();
            foreach (var o in spent) a.WriteInt64LE(o.Value.Satoshis);
            Hashes.Sha256(a.WrittenSpan, h);
            w.WriteBytes(h);
            a = new BitcoinWriter();
            foreach (var o in spent) a.WriteVarBytes(o.ScriptPubKey.Span);
            Hashes.Sha256(a.WrittenSpan, h);
            w.WriteBytes(h);
            a = new BitcoinWriter();
            foreach (var i in tx.Inputs) a.WriteUInt32LE(i.Sequence.Value);
            Hashes.Sha256(a.WrittenSpan, h);
            w.WriteBytes(h);
        }

        if (outputType != None && outputType != Single)
        {
            var a = new BitcoinWriter();
            foreach (var o in tx.Outputs) WriteTxOut(a, o);
            Hashes.Sha256(a.WrittenSpan, h);
            w.WriteBytes(h);
        }

        var extFlag = leafHash.IsEmpty ? 0 : 1;
        w.WriteUInt8((byte)(extFlag * 2)); // spend_type; no annex
        if (anyoneCanPay)
        {
            WriteOutPoint(w, tx.Inputs[inputIndex].PrevOut);
            WriteTxOut(w, spent[inputIndex]);
            w.WriteUInt32LE(tx.Inputs[inputIndex].Sequence.Value);
        }
        else
        {
            w.WriteUInt32LE((uint)inputIndex);
        }

        if (outputType == Single)
        {
            var a = new BitcoinWriter();
            WriteTxOut(a, tx.Outputs[inputIndex]);
            Hashes.Sha256(a.WrittenSpan, h);
            w.WriteBytes(h);
        }

        if (extFlag == 1)
        {
            // BIP342: tapleaf_hash || key_version 0x00 || codesep_pos 0xffffffff.
            w.WriteBytes(leafHash);
            w.WriteUInt8(0);
            w.WriteUInt32LE(0xffffffff);
        }

        Hashes.TaggedHash("TapSighash", w.WrittenSpan, output32);
        error = null;
        return true;
    }

    /// <summary>BIP341 tapleaf hash: TaggedHash("TapLeaf", leaf_version || compact_size(script)).</summary>
    public static void TapLeafHash(byte leafVersion, Script script, Span<byte> output32)
    {
        var w = new BitcoinWriter(script.Length + 10);
        w.WriteUInt8(leafVersion);
        w.WriteVarBytes(script.Span);
        Hashes.TaggedHash("TapLeaf", w.WrittenSpan, output32);
    }

    /// <summary>BIP341 taproot_tweak: TaggedHash("TapTweak", internal_key [|| merkle_root]).</summary>
    public static void TapTweak(ReadOnlySpan<byte> internalKey32, ReadOnlySpan<byte> merkleRoot, Span<byte> output32)
    {
        Span<byte> data = stackalloc byte[64];
        internalKey32.CopyTo(data);
        merkleRoot.CopyTo(data[32..]);
        Hashes.TaggedHash("TapTweak", data[..(32 + merkleRoot.Length)], output32);
    }

    private static void WriteOutPoint(BitcoinWriter w, OutPoint p)
    {
        Span<byte> id = stackalloc byte[32];
        p.TxId.WriteTo(id);
        w.WriteBytes(id);
        w.WriteUInt32LE(p.Index);
    }

    private static void WriteTxOut(BitcoinWriter w, TxOut o)
    {
        w.WriteInt64LE(o.Value.Satoshis);
        w.WriteVarBytes(o.ScriptPubKey.Span);
    }

    private static void WriteScriptCodeWithoutSeparators(BitcoinWriter w, ReadOnlySpan<byte> script)
    {
        var kept = new BitcoinWriter(script.Length);
        var pc = 0;
        var start = 0;
        while (pc < script.Length)
        {
            var opStart = pc;
            if (!Script.TryGetOp(script, ref pc, out var op, out _))
            {
                // Core: an unparsable tail is serialized as-is.
                break;
            }

            if (op == OpcodeType.OP_CODESEPARATOR)
            {
                kept.WriteBytes(script[start..opStart]);
                start = pc;
            }
        }

        kept.WriteBytes(script[start..]);
        w.WriteVarBytes(kept.WrittenSpan);
    }
}
