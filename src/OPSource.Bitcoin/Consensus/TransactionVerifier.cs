using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Bitcoin.Consensus;

/// <summary>The outcome of verifying a transaction's inputs: valid, or the first failing input and why.</summary>
/// <param name="InputIndex">Index of the first failing input, or -1 when every input verified.</param>
/// <param name="Error">Core's error for that input; <see cref="ScriptError.OK"/> when valid.</param>
public readonly record struct InputVerification(int InputIndex, ScriptError Error)
{
    /// <summary>True when every input verified.</summary>
    public bool IsValid => Error == ScriptError.OK;

    /// <summary>The valid outcome.</summary>
    public static InputVerification Valid => new(-1, ScriptError.OK);
}

/// <summary>
/// Verifies that a transaction spends the given outputs (what libbitcoinconsensus did): every
/// input's scriptSig and witness against the spent scriptPubKey and amount.
/// </summary>
public static class TransactionVerifier
{
    /// <summary>
    /// Verifies every input in order and stops at the first failure. One
    /// <see cref="PrecomputedTransactionData"/> is shared by all inputs, so BIP143/BIP341 hashing is
    /// linear in the transaction size.
    /// </summary>
    /// <param name="transaction">The spending transaction.</param>
    /// <param name="spentOutputs">The outputs being spent, one per input, in input order.</param>
    /// <param name="flags">Rules to apply (e.g. <see cref="ScriptFlags.Standard"/> or <see cref="ScriptFlags.Mandatory"/>).</param>
    /// <param name="cache">Optional cache of signatures already found valid; successes are added to it.</param>
    public static InputVerification VerifyInputs(Transaction transaction, IReadOnlyList<TxOut> spentOutputs, ScriptVerifyFlags flags, SignatureCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(spentOutputs);
        if (spentOutputs.Count != transaction.Inputs.Count)
        {
            throw new ArgumentException($"spent outputs: {spentOutputs.Count} given for {transaction.Inputs.Count} inputs", nameof(spentOutputs));
        }

        var precomputed = new PrecomputedTransactionData(transaction, spentOutputs);
        for (var i = 0; i < transaction.Inputs.Count; i++)
        {
            if (!VerifyInput(transaction, i, spentOutputs[i], precomputed, flags, out var error, cache))
            {
                return new InputVerification(i, error);
            }
        }

        return InputVerification.Valid;
    }

    /// <summary>
    /// Verifies one input against the output it spends. <paramref name="precomputed"/> must have been
    /// built for this same transaction object, with every spent output when Taproot inputs are present.
    /// </summary>
    public static bool VerifyInput(Transaction transaction, int inputIndex, TxOut spentOutput, PrecomputedTransactionData precomputed, ScriptVerifyFlags flags, out ScriptError error, SignatureCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(spentOutput);
        var input = transaction.Inputs[inputIndex];
        var checker = cache is null
            ? new TransactionSignatureChecker(transaction, inputIndex, spentOutput, precomputed)
            : new CachingTransactionSignatureChecker(transaction, inputIndex, spentOutput, precomputed, cache);
        return ScriptInterpreter.VerifyScript(input.ScriptSig, spentOutput.ScriptPubKey, input.Witness, flags, checker, out error);
    }

    internal static IReadOnlyList<ReadOnlyMemory<byte>> WitnessItems(Witness witness) =>
        witness.IsEmpty ? [] : [.. witness.Items];
}
