using OPSource.Bitcoin;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Wallet;

/// <summary>Bitcoin Core relay policy numbers the wallet builds against (policy/policy.h, v29).</summary>
public static class Policy
{
    /// <summary>DUST_RELAY_TX_FEE: 3000 sat/kvB.</summary>
    public static FeeRate DustRelayFee { get; } = new(3000);

    /// <summary>DEFAULT_MIN_RELAY_TX_FEE: 1000 sat/kvB.</summary>
    public static FeeRate MinRelayFee { get; } = new(1000);

    /// <summary>MAX_STANDARD_TX_WEIGHT.</summary>
    public const int MaxStandardTxWeight = 400_000;

    /// <summary>Core wallet DEFAULT_TRANSACTION_MAXFEE: 0.1 BTC.</summary>
    public static Amount DefaultMaxTxFee { get; } = Amount.FromSatoshis(10_000_000);

    /// <summary>Serialized size of an output: value, script length, script.</summary>
    public static int OutputSize(TxOut output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return 8 + CompactSize.GetSize((ulong)output.ScriptPubKey.Length) + output.ScriptPubKey.Length;
    }

    /// <summary>
    /// Core policy.cpp GetDustThreshold: the fee at <paramref name="dustRelayFee"/> to create and later
    /// spend the output (spend size 148 bytes, or 67 for witness programs); 0 for unspendable outputs.
    /// </summary>
    public static Amount DustThreshold(TxOut output, FeeRate? dustRelayFee = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.ScriptPubKey.IsUnspendable)
        {
            return Amount.Zero;
        }

        var size = OutputSize(output);
        size += output.ScriptPubKey.IsWitnessProgram() ? 32 + 4 + 1 + (107 / 4) + 4 : 32 + 4 + 1 + 107 + 4;
        return (dustRelayFee ?? DustRelayFee).GetFee(size);
    }

    /// <summary>Core IsDust: value below the dust threshold.</summary>
    public static bool IsDust(TxOut output, FeeRate? dustRelayFee = null) => output is not null && output.Value < DustThreshold(output, dustRelayFee);

    /// <summary>Virtual size from weight, rounded up (Core GetVirtualTransactionSize without sigop adjustment).</summary>
    public static int VirtualSize(long weight) => (int)((weight + 3) / 4);
}
