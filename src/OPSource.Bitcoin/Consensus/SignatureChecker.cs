using OPSource.Bitcoin.Scripts;

namespace OPSource.Bitcoin.Consensus;

/// <summary>
/// What the interpreter asks of the transaction being validated (Core BaseSignatureChecker). The
/// base class fails every check, which is what evaluating a script outside any transaction means.
/// </summary>
public class SignatureChecker
{
    /// <summary>
    /// Checks an ECDSA signature (DER + hashtype byte) by <paramref name="publicKey"/> over the sighash
    /// of <paramref name="scriptCode"/>. Returns false for any invalid input; never throws.
    /// </summary>
    public virtual bool CheckEcdsaSignature(ReadOnlySpan<byte> signature, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> scriptCode, SigVersion sigVersion) => false;

    /// <summary>
    /// Checks a BIP340 signature (64 bytes, or 65 with a hashtype) by a 32-byte x-only key. On failure
    /// <paramref name="error"/> says which rule failed (SCHNORR_SIG_SIZE, SCHNORR_SIG_HASHTYPE, SCHNORR_SIG).
    /// </summary>
    public virtual bool CheckSchnorrSignature(ReadOnlySpan<byte> signature, ReadOnlySpan<byte> publicKey, SigVersion sigVersion, ScriptExecutionData executionData, out ScriptError error)
    {
        error = ScriptError.SCHNORR_SIG;
        return false;
    }

    /// <summary>BIP65: whether the transaction's nLockTime satisfies <paramref name="lockTime"/>.</summary>
    public virtual bool CheckLockTime(ScriptNumber lockTime) => false;

    /// <summary>BIP112: whether the input's nSequence satisfies <paramref name="sequence"/>.</summary>
    public virtual bool CheckSequence(ScriptNumber sequence) => false;
}
