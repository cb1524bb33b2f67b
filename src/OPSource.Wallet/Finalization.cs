using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Transactions;
using OPSource.Platform.Funding;
using PsbtDocument = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Wallet;

public sealed partial class DescriptorWallet
{
    /// <summary>
    /// BIP174 finalize and extract, then verify every input with the consensus interpreter under Core's
    /// standard script flags, so nothing invalid is ever handed to the node.
    /// </summary>
    /// <exception cref="WalletCoreException">An input cannot be finalized (missing signatures) or fails verification.</exception>
    public static Transaction FinalizeAndVerify(PsbtDocument psbt)
    {
        ArgumentNullException.ThrowIfNull(psbt);
        if (!psbt.TryFinalize(out var finalized, out var problems))
        {
            throw new WalletCoreException(WalletErrorKind.InvalidRequest, "psbt: cannot finalize: " + string.Join("; ", problems));
        }

        if (!finalized.TryExtract(out var tx, out var error))
        {
            throw new WalletCoreException(WalletErrorKind.InvalidRequest, "psbt: cannot extract: " + error);
        }

        var spent = new List<TxOut>(finalized.Inputs.Count);
        for (var i = 0; i < finalized.Inputs.Count; i++)
        {
            var input = finalized.Inputs[i];
            var utxo = input.WitnessUtxo ?? (input.NonWitnessUtxo is { } prev ? prev.Outputs[(int)input.PreviousOutPoint.Index] : null);
            if (utxo is null)
            {
                throw new WalletCoreException(WalletErrorKind.InvalidRequest, $"psbt: input {i} has no UTXO to verify against");
            }

            spent.Add(utxo);
        }

        var result = TransactionVerifier.VerifyInputs(tx, spent, ScriptFlags.Standard);
        if (!result.IsValid)
        {
            throw new WalletCoreException(WalletErrorKind.InvalidRequest, $"psbt: input {result.InputIndex} fails script verification: {result.Error}");
        }

        return tx;
    }
}
