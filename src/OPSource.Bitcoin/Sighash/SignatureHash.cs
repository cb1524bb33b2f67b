using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Bitcoin.Sighash;

/// <summary>
/// Signature hashes as Bitcoin Core's script/interpreter.cpp computes them: legacy
/// (SIGVERSION_BASE), BIP143 segwit v0, and BIP341/342 Taproot. The segwit and Taproot forms take
/// the transaction's <see cref="PrecomputedTransactionData"/>, built once and shared by every input.
/// </summary>
public static class SignatureHash
{
    /// <summary>No OP_CODESEPARATOR executed (BIP342 codesep_pos default).</summary>
    public const uint NoCodeSeparator = 0xFFFFFFFF;

    private static readonly byte[] TapSighashTagPrefix = BuildTagPrefix("TapSighash");

    /// <summary>
    /// Core SignatureHash for SIGVERSION_BASE. Out-of-range input indices and SIGHASH_SINGLE without
    /// a matching output give Core's "one" hash (0x01 followed by zeros), the historical
    /// SIGHASH_SINGLE bug. OP_CODESEPARATORs are removed from <paramref name="scriptCode"/> as
    /// CTransactionSignatureSerializer does; FindAndDelete of the signature is the caller's job (as in Core).
    /// </summary>
    public static LegacySighash Legacy(Transaction tx, int inputIndex, ReadOnlySpan<byte> scriptCode, SigHashType type)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var hashType = type.Value;
        var baseType = type.BaseType;
        var single = baseType == SigHashType.Single;
        var none = baseType == SigHashType.None;

        // Core interpreter.cpp: "nIn out of range" and SIGHASH_SINGLE without a matching output return uint256::ONE.
        if (inputIndex < 0 || inputIndex >= tx.Inputs.Count || (single && inputIndex >= tx.Outputs.Count))
        {
            Span<byte> one = stackalloc byte[32];
            one[0] = 1;
            return new LegacySighash(new UInt256(one));
        }

        var anyoneCanPay = (hashType & SigHashMasks.InputMask) != 0;
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
            (single && n != inputIndex ? TxOut.Null : tx.Outputs[n]).WriteTo(w);
        }

        w.WriteUInt32LE(tx.LockTime.Value);
        w.WriteUInt32LE(hashType);
        return new LegacySighash(hasher.GetHash256());
    }

    /// <summary>
    /// BIP143 signature hash for a segwit v0 input spending <paramref name="amount"/>.
    /// <paramref name="scriptCode"/> is used verbatim (for P2WPKH the P2PKH script of the key hash,
    /// for P2WSH the witness script).
    /// </summary>
    public static SegwitV0Sighash SegwitV0(PrecomputedTransactionData data, int inputIndex, ReadOnlySpan<byte> scriptCode, Amount amount, SigHashType type) =>
        SegwitV0(data, inputIndex, scriptCode, amount.Satoshis, type);

    /// <summary>BIP143 with the spent output's raw nValue (the interpreter checks outputs whose value may be out of range).</summary>
    internal static SegwitV0Sighash SegwitV0(PrecomputedTransactionData data, int inputIndex, ReadOnlySpan<byte> scriptCode, long amount, SigHashType type)
    {
        ArgumentNullException.ThrowIfNull(data);
        var tx = data.Transaction;
        ArgumentOutOfRangeException.ThrowIfNegative(inputIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(inputIndex, tx.Inputs.Count);
        var baseType = type.BaseType;
        var anyoneCanPay = type.HasAnyoneCanPay;
        var single = baseType == SigHashType.Single;
        var none = baseType == SigHashType.None;

        // BIP143: zero hashes stand in for the parts the hash type does not commit to.
        var hashPrevouts = anyoneCanPay ? UInt256.Zero : data.HashPrevouts;
        var hashSequence = anyoneCanPay || single || none ? UInt256.Zero : data.HashSequence;
        var hashOutputs = !single && !none ? data.HashOutputs
            // BIP143: for SIGHASH_SINGLE, the double SHA256 of the output at the input's index.
            : single && inputIndex < tx.Outputs.Count ? ConsensusEncoding.Hash256(tx.Outputs[inputIndex])
            : UInt256.Zero;

        var input = tx.Inputs[inputIndex];
        using var hasher = new HashWriter();
        var w = new BitcoinWriter(hasher);
        w.WriteInt32LE(tx.Version);
        w.WriteUInt256(hashPrevouts);
        w.WriteUInt256(hashSequence);
        input.PrevOut.WriteTo(w);
        w.WriteVarBytes(scriptCode);
        w.WriteInt64LE(amount);
        w.WriteUInt32LE(input.Sequence.Value);
        w.WriteUInt256(hashOutputs);
        w.WriteUInt32LE(tx.LockTime.Value);
        w.WriteUInt32LE(type.Value);
        return new SegwitV0Sighash(hasher.GetHash256());
    }

    /// <summary>
    /// BIP341 key-path signature hash of input <paramref name="inputIndex"/> (no annex).
    /// <paramref name="data"/> must hold every spent output. Throws <see cref="ArgumentException"/> for
    /// a hash type BIP341 does not define or SIGHASH_SINGLE without a matching output.
    /// </summary>
    public static TapSighash TaprootKeySpend(PrecomputedTransactionData data, int inputIndex, SigHashType type = default) =>
        TryTaproot(data, inputIndex, type, null, default, out var hash) ? hash : throw InvalidTaproot(type);

    /// <summary>BIP342 script-path signature hash of input <paramref name="inputIndex"/> for the leaf in <paramref name="scriptSpend"/> (no annex).</summary>
    public static TapSighash TaprootScriptSpend(PrecomputedTransactionData data, int inputIndex, TapScriptSpend scriptSpend, SigHashType type = default) =>
        TryTaproot(data, inputIndex, type, scriptSpend, default, out var hash) ? hash : throw InvalidTaproot(type);

    /// <summary>
    /// BIP341/BIP342 signature hash (Core SignatureHashSchnorr): key path when
    /// <paramref name="scriptSpend"/> is null, script path otherwise. <paramref name="annex"/> is the full
    /// annex including its 0x50 prefix, or empty. Returns false where Core does: a hash type BIP341 does
    /// not define, SIGHASH_SINGLE without a matching output, or spent outputs missing from <paramref name="data"/>.
    /// </summary>
    public static bool TryTaproot(PrecomputedTransactionData data, int inputIndex, SigHashType type, TapScriptSpend? scriptSpend, ReadOnlySpan<byte> annex, out TapSighash hash)
    {
        hash = default;
        if (!CheckTaproot(data, inputIndex, type, annex))
        {
            return false;
        }

        // BIP341: hash_TapSighash(0x00 || SigMsg(...)) = SHA256(SHA256(tag) || SHA256(tag) || 0x00 || SigMsg).
        using var hasher = new HashWriter();
        var w = new BitcoinWriter(hasher);
        w.WriteBytes(TapSighashTagPrefix);
        WriteTaprootMessage(w, data, inputIndex, type, scriptSpend, annex);
        hash = new TapSighash(hasher.GetSha256());
        return true;
    }

    /// <summary>
    /// The BIP341 signature message preimage, epoch byte 0x00 first (what is tagged-hashed with
    /// "TapSighash"). Exposed for test vectors and hardware-signer integrations.
    /// </summary>
    public static bool TryGetTaprootSignatureMessage(PrecomputedTransactionData data, int inputIndex, SigHashType type, TapScriptSpend? scriptSpend, ReadOnlySpan<byte> annex, [NotNullWhen(true)] out byte[]? message)
    {
        message = null;
        if (!CheckTaproot(data, inputIndex, type, annex))
        {
            return false;
        }

        var w = new BitcoinWriter(256);
        WriteTaprootMessage(w, data, inputIndex, type, scriptSpend, annex);
        message = w.ToArray();
        return true;
    }

    private static ArgumentException InvalidTaproot(SigHashType type) =>
        new($"sighash: cannot compute a BIP341 hash with type {type} (undefined, SIGHASH_SINGLE without a matching output, or spent outputs missing)", nameof(type));

    private static bool CheckTaproot(PrecomputedTransactionData data, int inputIndex, SigHashType type, ReadOnlySpan<byte> annex)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(inputIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(inputIndex, data.Transaction.Inputs.Count);
        if (!annex.IsEmpty && annex[0] != 0x50)
        {
            throw new ArgumentException("sighash: annex must start with 0x50 (BIP341)", nameof(annex));
        }

        // Core: without all spent outputs the Taproot hash cannot be computed (HandleMissingData);
        // BIP341: hash_type must be 0x00..0x03 or 0x81..0x83, and SIGHASH_SINGLE needs a matching output.
        return data.SpentOutputs is not null && type.IsValidTaproot
            && !(type.TaprootOutputType == SigHashType.Single && inputIndex >= data.Transaction.Outputs.Count);
    }

    private static void WriteTaprootMessage(BitcoinWriter w, PrecomputedTransactionData data, int inputIndex, SigHashType type, TapScriptSpend? scriptSpend, ReadOnlySpan<byte> annex)
    {
        var tx = data.Transaction;
        var outputType = type.TaprootOutputType;
        var anyoneCanPay = type.HasAnyoneCanPay;
        w.WriteUInt8(0); // epoch
        w.WriteUInt8(type.ToByte());
        w.WriteInt32LE(tx.Version);
        w.WriteUInt32LE(tx.LockTime.Value);
        if (!anyoneCanPay)
        {
            w.WriteUInt256(data.ShaPrevouts);
            w.WriteUInt256(data.ShaAmounts);
            w.WriteUInt256(data.ShaScriptPubKeys);
            w.WriteUInt256(data.ShaSequences);
        }

        if (outputType == SigHashType.All)
        {
            w.WriteUInt256(data.ShaOutputs);
        }

        // BIP341: spend_type = ext_flag * 2 + annex_present; ext_flag is 1 for BIP342 script paths.
        var extFlag = scriptSpend is null ? 0 : 1;
        w.WriteUInt8((byte)((extFlag << 1) | (annex.IsEmpty ? 0 : 1)));
        var input = tx.Inputs[inputIndex];
        if (anyoneCanPay)
        {
            // BIP341: outpoint, amount, scriptPubKey (the spent TxOut) and nSequence of this input.
            input.PrevOut.WriteTo(w);
            data.SpentOutputs![inputIndex].WriteTo(w);
            w.WriteUInt32LE(input.Sequence.Value);
        }
        else
        {
            w.WriteUInt32LE((uint)inputIndex);
        }

        if (!annex.IsEmpty)
        {
            // BIP341: sha_annex = SHA256(compact_size(len) || annex).
            using var ah = new HashWriter();
            new BitcoinWriter(ah).WriteVarBytes(annex);
            w.WriteUInt256(ah.GetSha256());
        }

        if (outputType == SigHashType.Single)
        {
            // BIP341: sha_single_output = SHA256 of the output at the input's index.
            w.WriteUInt256(ConsensusEncoding.Sha256(tx.Outputs[inputIndex]));
        }

        if (scriptSpend is { } leaf)
        {
            // BIP342: tapleaf_hash || key_version (0x00) || codesep_pos.
            w.WriteUInt256(leaf.LeafHash.Value);
            w.WriteUInt8(0);
            w.WriteUInt32LE(leaf.CodeSeparatorPosition);
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
}
