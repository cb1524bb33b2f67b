using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;

namespace OPSource.Bitcoin.Sighash;

/// <summary>
/// Signature hashes as Bitcoin Core's script/interpreter.cpp computes them: legacy
/// (SIGVERSION_BASE), BIP143 segwit v0, and BIP341/342 Taproot.
/// </summary>
public static class SignatureHash
{
    private static readonly byte[] TapSighashTagPrefix = BuildTagPrefix("TapSighash");

    // Core CTxOut default (SetNull): value -1 and an empty script.
    private static readonly TxOut NullOutput = new(new Money(-1), Script.Empty);

    /// <summary>No OP_CODESEPARATOR executed (BIP342 codesep_pos default).</summary>
    public const uint NoCodeSeparator = 0xFFFFFFFF;

    /// <summary>
    /// Core SignatureHash for SIGVERSION_BASE. Returns the hash in internal byte order. Out-of-range
    /// input indices and SIGHASH_SINGLE without a matching output give Core's "one" hash
    /// (0x01 followed by zeros), the historical SIGHASH_SINGLE bug. OP_CODESEPARATORs are removed
    /// from <paramref name="scriptCode"/> as CTransactionSignatureSerializer does; FindAndDelete of
    /// the signature is the caller's job (as in Core).
    /// </summary>
    public static void ComputeLegacy(Transaction tx, int inputIndex, ReadOnlySpan<byte> scriptCode, uint hashType, Span<byte> out32)
    {
        ArgumentNullException.ThrowIfNull(tx);
        CheckOutput(out32);

        // Core interpreter.cpp: "nIn out of range" and SIGHASH_SINGLE without a matching output return uint256::ONE.
        if (inputIndex < 0 || inputIndex >= tx.Inputs.Count ||
            ((hashType & SigHashMasks.BaseTypeMask) == (uint)SigHashType.Single && inputIndex >= tx.Outputs.Count))
        {
            out32[..32].Clear();
            out32[0] = 1;
            return;
        }

        var anyoneCanPay = (hashType & (uint)SigHashType.AnyoneCanPay) != 0;
        var single = (hashType & SigHashMasks.BaseTypeMask) == (uint)SigHashType.Single;
        var none = (hashType & SigHashMasks.BaseTypeMask) == (uint)SigHashType.None;

        using var hasher = new HashWriter();
        var w = new BitcoinWriter(hasher);
        w.WriteInt32LE(tx.Version);

        var inputCount = anyoneCanPay ? 1 : tx.Inputs.Count;
        w.WriteCompactSize((ulong)inputCount);
        for (var n = 0; n < inputCount; n++)
        {
            var index = anyoneCanPay ? inputIndex : n;
            var input = tx.Inputs[index];
            input.PrevOut.WriteTo(w);
            if (index != inputIndex)
            {
                w.WriteCompactSize(0);
            }
            else
            {
                WriteScriptCodeWithoutSeparators(w, scriptCode);
            }

            // Core: other inputs' sequences are zeroed for SIGHASH_NONE and SIGHASH_SINGLE.
            w.WriteUInt32LE(index != inputIndex && (single || none) ? 0u : input.Sequence.Value);
        }

        var outputCount = none ? 0 : single ? inputIndex + 1 : tx.Outputs.Count;
        w.WriteCompactSize((ulong)outputCount);
        for (var n = 0; n < outputCount; n++)
        {
            // Core: for SIGHASH_SINGLE the other outputs are a default CTxOut (value -1, empty script).
            (single && n != inputIndex ? NullOutput : tx.Outputs[n]).WriteTo(w);
        }

        w.WriteUInt32LE(tx.LockTime.Value);
        w.WriteUInt32LE(hashType);
        hasher.GetHash256(out32);
    }

    /// <summary>
    /// BIP143 signature hash for segwit v0 inputs. <paramref name="scriptCode"/> is used verbatim
    /// (for P2WPKH the P2PKH script of the key hash). Pass <paramref name="precomputed"/> to share
    /// hashPrevouts/hashSequence/hashOutputs across inputs.
    /// </summary>
    public static void ComputeWitnessV0(Transaction tx, int inputIndex, ReadOnlySpan<byte> scriptCode, Money amount, uint hashType, PrecomputedTransactionData? precomputed, Span<byte> out32)
    {
        ArgumentNullException.ThrowIfNull(tx);
        CheckOutput(out32);
        ArgumentOutOfRangeException.ThrowIfNegative(inputIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(inputIndex, tx.Inputs.Count);
        if (precomputed is not null && !ReferenceEquals(precomputed.Transaction, tx))
        {
            throw new ArgumentException("sighash: precomputed data belongs to another transaction", nameof(precomputed));
        }

        precomputed ??= new PrecomputedTransactionData(tx);
        var baseType = hashType & SigHashMasks.BaseTypeMask;
        var anyoneCanPay = (hashType & (uint)SigHashType.AnyoneCanPay) != 0;
        var single = baseType == (uint)SigHashType.Single;
        var none = baseType == (uint)SigHashType.None;

        // BIP143: zero hashes stand in for the parts the hash type does not commit to.
        var hashPrevouts = anyoneCanPay ? UInt256.Zero : precomputed.HashPrevouts;
        var hashSequence = anyoneCanPay || single || none ? UInt256.Zero : precomputed.HashSequence;
        UInt256 hashOutputs;
        if (!single && !none)
        {
            hashOutputs = precomputed.HashOutputs;
        }
        else if (single && inputIndex < tx.Outputs.Count)
        {
            // BIP143: hashOutputs is the double SHA256 of the output at the input's index.
            hashOutputs = ConsensusEncoding.Hash256(tx.Outputs[inputIndex]);
        }
        else
        {
            hashOutputs = UInt256.Zero;
        }

        var input = tx.Inputs[inputIndex];
        using var hasher = new HashWriter();
        var w = new BitcoinWriter(hasher);
        w.WriteInt32LE(tx.Version);
        w.WriteUInt256(hashPrevouts);
        w.WriteUInt256(hashSequence);
        input.PrevOut.WriteTo(w);
        w.WriteVarBytes(scriptCode);
        w.WriteInt64LE(amount.Satoshis);
        w.WriteUInt32LE(input.Sequence.Value);
        w.WriteUInt256(hashOutputs);
        w.WriteUInt32LE(tx.LockTime.Value);
        w.WriteUInt32LE(hashType);
        hasher.GetHash256(out32);
    }

    /// <summary>
    /// BIP341/BIP342 signature hash (Core SignatureHashSchnorr). Key path when
    /// <paramref name="tapLeafHash"/> is empty, script path otherwise. <paramref name="annex"/> is
    /// the full annex including its 0x50 prefix, or empty. Returns false where Core does: an
    /// undefined hash type, SIGHASH_SINGLE without a matching output, or missing spent outputs.
    /// </summary>
    public static bool TryComputeTaproot(Transaction tx, int inputIndex, PrecomputedTransactionData precomputed, byte hashType, ReadOnlySpan<byte> annex, ReadOnlySpan<byte> tapLeafHash, uint codeSeparatorPosition, Span<byte> out32)
    {
        CheckOutput(out32);
        if (!CheckTaproot(tx, inputIndex, precomputed, hashType, annex, tapLeafHash, out var outputType, out var inputType))
        {
            return false;
        }

        // BIP341: hash_TapSighash(0x00 || SigMsg(...)) = SHA256(SHA256(tag) || SHA256(tag) || 0x00 || SigMsg).
        using var hasher = new HashWriter();
        var w = new BitcoinWriter(hasher);
        w.WriteBytes(TapSighashTagPrefix);
        WriteTaprootMessage(w, tx, inputIndex, precomputed, hashType, annex, tapLeafHash, codeSeparatorPosition, outputType, inputType);
        hasher.GetSha256(out32);
        return true;
    }

    /// <summary>
    /// The BIP341 signature message preimage, epoch byte 0x00 first (what is tagged-hashed with
    /// "TapSighash"). Exposed for test vectors and hardware-signer integrations.
    /// </summary>
    public static bool TryGetTaprootSignatureMessage(Transaction tx, int inputIndex, PrecomputedTransactionData precomputed, byte hashType, ReadOnlySpan<byte> annex, ReadOnlySpan<byte> tapLeafHash, uint codeSeparatorPosition, out byte[] message)
    {
        message = [];
        if (!CheckTaproot(tx, inputIndex, precomputed, hashType, annex, tapLeafHash, out var outputType, out var inputType))
        {
            return false;
        }

        var w = new BitcoinWriter(256);
        WriteTaprootMessage(w, tx, inputIndex, precomputed, hashType, annex, tapLeafHash, codeSeparatorPosition, outputType, inputType);
        message = w.ToArray();
        return true;
    }

    private static bool CheckTaproot(Transaction tx, int inputIndex, PrecomputedTransactionData precomputed, byte hashType, ReadOnlySpan<byte> annex, ReadOnlySpan<byte> tapLeafHash, out byte outputType, out byte inputType)
    {
        outputType = 0;
        inputType = 0;
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(precomputed);
        ArgumentOutOfRangeException.ThrowIfNegative(inputIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(inputIndex, tx.Inputs.Count);
        if (!ReferenceEquals(precomputed.Transaction, tx))
        {
            throw new ArgumentException("sighash: precomputed data belongs to another transaction", nameof(precomputed));
        }

        if (!tapLeafHash.IsEmpty && tapLeafHash.Length != 32)
        {
            throw new ArgumentException("sighash: tapleaf hash must be 32 bytes or empty", nameof(tapLeafHash));
        }

        if (!annex.IsEmpty && annex[0] != 0x50)
        {
            throw new ArgumentException("sighash: annex must start with 0x50 (BIP341)", nameof(annex));
        }

        // Core: without all spent outputs the Taproot hash cannot be computed (HandleMissingData).
        if (precomputed.SpentOutputs is null)
        {
            return false;
        }

        // BIP341: hash_type must be 0x00..0x03 or 0x81..0x83.
        if (!(hashType <= 0x03 || (hashType >= 0x81 && hashType <= 0x83)))
        {
            return false;
        }

        // BIP341: SIGHASH_DEFAULT commits like SIGHASH_ALL.
        outputType = hashType == 0 ? (byte)SigHashType.All : (byte)(hashType & SigHashMasks.OutputMask);
        inputType = (byte)(hashType & SigHashMasks.InputMask);
        if (outputType == (byte)SigHashType.Single && inputIndex >= tx.Outputs.Count)
        {
            return false;
        }

        return true;
    }

    private static void WriteTaprootMessage(BitcoinWriter w, Transaction tx, int inputIndex, PrecomputedTransactionData precomputed, byte hashType, ReadOnlySpan<byte> annex, ReadOnlySpan<byte> tapLeafHash, uint codeSeparatorPosition, byte outputType, byte inputType)
    {
        var spent = precomputed.SpentOutputs!;
        w.WriteUInt8(0); // epoch
        w.WriteUInt8(hashType);
        w.WriteInt32LE(tx.Version);
        w.WriteUInt32LE(tx.LockTime.Value);
        if (inputType != (byte)SigHashType.AnyoneCanPay)
        {
            w.WriteUInt256(precomputed.ShaPrevouts);
            w.WriteUInt256(precomputed.ShaAmounts);
            w.WriteUInt256(precomputed.ShaScriptPubKeys);
            w.WriteUInt256(precomputed.ShaSequences);
        }

        if (outputType == (byte)SigHashType.All)
        {
            w.WriteUInt256(precomputed.ShaOutputs);
        }

        // BIP341: spend_type = ext_flag * 2 + annex_present; ext_flag is 1 for BIP342 script paths.
        var extFlag = tapLeafHash.IsEmpty ? 0 : 1;
        w.WriteUInt8((byte)((extFlag << 1) | (annex.IsEmpty ? 0 : 1)));
        var input = tx.Inputs[inputIndex];
        if (inputType == (byte)SigHashType.AnyoneCanPay)
        {
            // BIP341: outpoint, amount, scriptPubKey (the spent TxOut) and nSequence of this input.
            input.PrevOut.WriteTo(w);
            spent[inputIndex].WriteTo(w);
            w.WriteUInt32LE(input.Sequence.Value);
        }
        else
        {
            w.WriteUInt32LE((uint)inputIndex);
        }

        Span<byte> h = stackalloc byte[32];
        if (!annex.IsEmpty)
        {
            // BIP341: sha_annex = SHA256(compact_size(len) || annex).
            using var ah = new HashWriter();
            new BitcoinWriter(ah).WriteVarBytes(annex);
            ah.GetSha256(h);
            w.WriteBytes(h);
        }

        if (outputType == (byte)SigHashType.Single)
        {
            // BIP341: sha_single_output = SHA256 of the output at the input's index.
            w.WriteUInt256(ConsensusEncoding.Sha256(tx.Outputs[inputIndex]));
        }

        if (extFlag == 1)
        {
            // BIP342: tapleaf_hash || key_version (0x00) || codesep_pos.
            w.WriteBytes(tapLeafHash);
            w.WriteUInt8(0);
            w.WriteUInt32LE(codeSeparatorPosition);
        }

    }

    /// <summary>
    /// Core CTransactionSignatureSerializer::SerializeScriptCode: the length excludes every
    /// OP_CODESEPARATOR, and bytes are copied up to where the op walk stopped (which, for a
    /// malformed trailing push, is short of the end — reproduced as Core does).
    /// </summary>
    private static void WriteScriptCodeWithoutSeparators(BitcoinWriter w, ReadOnlySpan<byte> scriptCode)
    {
        var separators = 0;
        var pc = 0;
        while (Script.TryGetOp(scriptCode, ref pc, out var op, out _))
        {
            if (op == OpcodeType.OP_CODESEPARATOR)
            {
                separators++;
            }
        }

        w.WriteCompactSize((ulong)(scriptCode.Length - separators));
        var begin = 0;
        pc = 0;
        while (Script.TryGetOp(scriptCode, ref pc, out var op, out _))
        {
            if (op == OpcodeType.OP_CODESEPARATOR)
            {
                w.WriteBytes(scriptCode[begin..(pc - 1)]);
                begin = pc;
            }
        }

        if (begin != scriptCode.Length)
        {
            w.WriteBytes(scriptCode[begin..Math.Min(pc, scriptCode.Length)]);
        }
    }

    private static byte[] BuildTagPrefix(string tag)
    {
        var tagHash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(tag));
        return [.. tagHash, .. tagHash];
    }

    private static void CheckOutput(Span<byte> out32)
    {
        if (out32.Length < 32)
        {
            throw new ArgumentException("sighash: output must be 32 bytes", nameof(out32));
        }
    }
}
