using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Consensus;

/// <summary>
/// Checks signatures and time locks against one input of a transaction (Core
/// GenericTransactionSignatureChecker): ECDSA as Core's CPubKey::Verify (lax DER, S normalised,
/// then verify), BIP340 Schnorr over the BIP341/342 signature hash, BIP65/BIP112 lock times.
/// </summary>
public class TransactionSignatureChecker : SignatureChecker
{
    private readonly Transaction _tx;
    private readonly int _inputIndex;
    private readonly long _amount;
    private PrecomputedTransactionData? _precomputed;

    /// <summary>
    /// A checker for input <paramref name="inputIndex"/> spending <paramref name="amount"/>.
    /// <paramref name="precomputed"/> (built once per transaction from all spent outputs) makes
    /// BIP143 hashing linear and is required for Taproot inputs.
    /// </summary>
    public TransactionSignatureChecker(Transaction transaction, int inputIndex, Amount amount, PrecomputedTransactionData? precomputed = null)
        : this(transaction, inputIndex, amount.Satoshis, precomputed)
    {
    }

    /// <summary>A checker for an input spending <paramref name="spentOutput"/>, whose nValue is used as serialized (even out of range).</summary>
    public TransactionSignatureChecker(Transaction transaction, int inputIndex, TxOut spentOutput, PrecomputedTransactionData? precomputed = null)
        : this(transaction, inputIndex, (spentOutput ?? throw new ArgumentNullException(nameof(spentOutput))).RawValue, precomputed)
    {
    }

    private TransactionSignatureChecker(Transaction transaction, int inputIndex, long amount, PrecomputedTransactionData? precomputed)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentOutOfRangeException.ThrowIfNegative(inputIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(inputIndex, transaction.Inputs.Count);
        if (precomputed is not null && !ReferenceEquals(precomputed.Transaction, transaction))
        {
            throw new ArgumentException("sighash: precomputed data belongs to another transaction", nameof(precomputed));
        }

        _tx = transaction;
        _inputIndex = inputIndex;
        _amount = amount;
        _precomputed = precomputed;
    }

    /// <inheritdoc/>
    public override bool CheckEcdsaSignature(ReadOnlySpan<byte> signature, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> scriptCode, SigVersion sigVersion)
    {
        // Core CPubKey: the encoding must parse (compressed, uncompressed or hybrid).
        if (!PublicKey.TryParse(publicKey, out var key))
        {
            return false;
        }

        // Core: the hash type is the last byte of the signature.
        if (signature.IsEmpty)
        {
            return false;
        }

        var hashType = SigHashType.FromByte(signature[^1]);
        var der = signature[..^1];
        Span<byte> sighash = stackalloc byte[32];
        if (sigVersion == SigVersion.WitnessV0)
        {
            _precomputed ??= new PrecomputedTransactionData(_tx);
            SignatureHash.SegwitV0(_precomputed, _inputIndex, scriptCode, _amount, hashType).WriteTo(sighash);
        }
        else
        {
            SignatureHash.Legacy(_tx, _inputIndex, scriptCode, hashType).WriteTo(sighash);
        }

        return VerifyEcdsa(der, publicKey, key, sighash);
    }

    /// <summary>
    /// The cryptographic ECDSA check (Core VerifyECDSASignature / CPubKey::Verify): lax DER parse,
    /// S normalised (pre-BIP146 signatures may be high-S), then verify. Overridden by caching checkers.
    /// </summary>
    protected virtual bool VerifyEcdsa(ReadOnlySpan<byte> derSignature, ReadOnlySpan<byte> publicKeyBytes, in PublicKey publicKey, ReadOnlySpan<byte> sighash)
    {
        if (!EcdsaSignature.TryParseDerLax(derSignature, out var sig))
        {
            return false;
        }

        return Ecdsa.Verify(sig.NormalizeS(), sighash, publicKey);
    }

    /// <summary>The cryptographic BIP340 check (Core VerifySchnorrSignature). Overridden by caching checkers.</summary>
    protected virtual bool VerifySchnorr(ReadOnlySpan<byte> signature64, ReadOnlySpan<byte> publicKey32, ReadOnlySpan<byte> sighash) =>
        XOnlyPublicKey.TryParse(publicKey32, out var key) && Schnorr.Verify(signature64, sighash, key);

    /// <inheritdoc/>
    public override bool CheckSchnorrSignature(ReadOnlySpan<byte> signature, ReadOnlySpan<byte> publicKey, SigVersion sigVersion, ScriptExecutionData executionData, out ScriptError error)
    {
        ArgumentNullException.ThrowIfNull(executionData);
        // BIP341: 64 bytes (SIGHASH_DEFAULT) or 65 with an explicit, non-zero hash type.
        if (signature.Length != 64 && signature.Length != 65)
        {
            error = ScriptError.SCHNORR_SIG_SIZE;
            return false;
        }

        var hashType = SigHashType.Default;
        if (signature.Length == 65)
        {
            hashType = SigHashType.FromByte(signature[64]);
            if (hashType == SigHashType.Default)
            {
                error = ScriptError.SCHNORR_SIG_HASHTYPE;
                return false;
            }

            signature = signature[..64];
        }

        // Core HandleMissingData (FAIL): without every spent output the BIP341 hash cannot be computed.
        if (_precomputed?.SpentOutputs is null)
        {
            error = ScriptError.UNKNOWN_ERROR;
            return false;
        }

        Span<byte> sighash = stackalloc byte[32];
        TapScriptSpend? scriptSpend = sigVersion == SigVersion.Tapscript && executionData.TapLeafHash is { } leafHash
            ? new TapScriptSpend(leafHash, executionData.CodeSeparatorPosition)
            : null;
        // BIP341: undefined hash types, and SIGHASH_SINGLE without a matching output, are invalid.
        if (!SignatureHash.TryTaproot(_precomputed, _inputIndex, hashType, scriptSpend, executionData.Annex is { } annex ? annex.Span : default, out var tapSighash))
        {
            error = ScriptError.SCHNORR_SIG_HASHTYPE;
            return false;
        }

        tapSighash.WriteTo(sighash);

        if (!VerifySchnorr(signature, publicKey, sighash))
        {
            error = ScriptError.SCHNORR_SIG;
            return false;
        }

        error = ScriptError.OK;
        return true;
    }

    /// <inheritdoc/>
    public override bool CheckLockTime(ScriptNumber lockTime)
    {
        var txLockTime = (long)_tx.LockTime.Value;
        // BIP65: compare heights with heights and times with times.
        if (!((txLockTime < LockTime.Threshold && lockTime.Value < LockTime.Threshold) ||
              (txLockTime >= LockTime.Threshold && lockTime.Value >= LockTime.Threshold)))
        {
            return false;
        }

        if (lockTime.Value > txLockTime)
        {
            return false;
        }

        // BIP65: a final input would disable nLockTime altogether, so it cannot satisfy CLTV.
        return !_tx.Inputs[_inputIndex].Sequence.IsFinal;
    }

    /// <inheritdoc/>
    public override bool CheckSequence(ScriptNumber sequence)
    {
        long txSequence = _tx.Inputs[_inputIndex].Sequence.Value;
        // BIP112: relative lock times need transaction version 2 or more (compared unsigned, as Core).
        if ((uint)_tx.Version < 2)
        {
            return false;
        }

        // BIP112: an input with the disable flag set cannot satisfy CSV.
        if ((txSequence & Sequence.DisableFlag) != 0)
        {
            return false;
        }

        // BIP68: only the type flag and the 16-bit value have consensus meaning.
        const long mask = Sequence.TypeFlag | Sequence.LockTimeMask;
        var txMasked = txSequence & mask;
        var masked = sequence.Value & mask;
        if (!((txMasked < Sequence.TypeFlag && masked < Sequence.TypeFlag) || (txMasked >= Sequence.TypeFlag && masked >= Sequence.TypeFlag)))
        {
            return false;
        }

        return masked <= txMasked;
    }
}
