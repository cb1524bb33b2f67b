using OPSource.Bitcoin.Transactions;

namespace OPSource.Bitcoin.Consensus;

/// <summary>
/// Context-free transaction rules (Core consensus/tx_check.cpp CheckTransaction), reported with
/// Core's reject reason strings so results can be compared with a node's.
/// </summary>
public static class TransactionChecks
{
    /// <summary>
    /// Applies Core's CheckTransaction. Returns true when the transaction passes; otherwise
    /// <paramref name="rejectReason"/> is Core's reason ("bad-txns-vin-empty", ...).
    /// </summary>
    public static bool CheckTransaction(Transaction transaction, out string? rejectReason)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        rejectReason = Check(transaction);
        return rejectReason is null;
    }

    private static string? Check(Transaction tx)
    {
        // Core tx_check.cpp: basic checks that don't depend on any context.
        if (tx.Inputs.Count == 0)
        {
            return "bad-txns-vin-empty";
        }

        if (tx.Outputs.Count == 0)
        {
            return "bad-txns-vout-empty";
        }

        // Core tx_check.cpp: size limit on the witness-stripped serialization (the witness is not yet
        // checked for malleability here).
        if ((long)tx.StrippedSize * ConsensusLimits.WitnessScaleFactor > ConsensusLimits.MaxBlockWeight)
        {
            return "bad-txns-oversize";
        }

        // Core tx_check.cpp: negative or overflowing output values (CVE-2010-5139).
        long total = 0;
        var max = Amount.MaxSatoshis;
        foreach (var output in tx.Outputs)
        {
            var value = output.RawValue;
            if (value < 0)
            {
                return "bad-txns-vout-negative";
            }

            if (value > max)
            {
                return "bad-txns-vout-toolarge";
            }

            total += value; // both operands are within [0, MAX_MONEY], so this cannot overflow
            if (total > max)
            {
                return "bad-txns-txouttotal-toolarge";
            }
        }

        // Core tx_check.cpp: duplicate inputs (CVE-2018-17144).
        var seen = new HashSet<OutPoint>(tx.Inputs.Count);
        foreach (var input in tx.Inputs)
        {
            if (!seen.Add(input.PrevOut))
            {
                return "bad-txns-inputs-duplicate";
            }
        }

        if (tx.IsCoinBase)
        {
            // Core tx_check.cpp: coinbase scriptSig is 2 to 100 bytes.
            var length = tx.Inputs[0].ScriptSig.Length;
            if (length < 2 || length > 100)
            {
                return "bad-cb-length";
            }
        }
        else
        {
            foreach (var input in tx.Inputs)
            {
                if (input.PrevOut.IsNull)
                {
                    return "bad-txns-prevout-null";
                }
            }
        }

        return null;
    }
}
