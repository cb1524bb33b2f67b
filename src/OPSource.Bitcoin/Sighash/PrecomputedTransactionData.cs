using System.Runtime.CompilerServices;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Bitcoin.Sighash;

/// <summary>
/// Per-transaction hashes shared by all inputs' signature hashes (Core's
/// PrecomputedTransactionData), so signing or verifying every input of an n-input transaction
/// costs O(n) hashing, not O(n²). Values are computed on first use.
/// </summary>
public sealed class PrecomputedTransactionData
{
    private readonly TxOut[]? _spentOutputs;
    // Boxed so values computed lazily are published atomically when shared across threads.
    private StrongBox<UInt256>? _prevoutsSingle, _sequencesSingle, _outputsSingle, _amountsSingle, _scriptsSingle;
    private StrongBox<UInt256>? _prevoutsDouble, _sequencesDouble, _outputsDouble;

    /// <summary>
    /// Prepares data for <paramref name="transaction"/>. <paramref name="spentOutputs"/> (one per
    /// input, in order) is needed only for Taproot (BIP341) signature hashes.
    /// </summary>
    public PrecomputedTransactionData(Transaction transaction, IReadOnlyList<TxOut>? spentOutputs = null)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        Transaction = transaction;
        if (spentOutputs is not null)
        {
            if (spentOutputs.Count != transaction.Inputs.Count)
            {
                throw new ArgumentException($"sighash: {spentOutputs.Count} spent outputs for {transaction.Inputs.Count} inputs", nameof(spentOutputs));
            }

            _spentOutputs = [.. spentOutputs];
        }
    }

    /// <summary>The transaction these hashes belong to.</summary>
    public Transaction Transaction { get; }

    /// <summary>The outputs being spent, when known (Core m_spent_outputs_ready).</summary>
    public IReadOnlyList<TxOut>? SpentOutputs => _spentOutputs;

    /// <summary>BIP341 sha_prevouts: SHA256 of all outpoints.</summary>
    public UInt256 ShaPrevouts => (_prevoutsSingle ??= Box(Compute(static (tx, _, w) =>
    {
        foreach (var i in tx.Inputs)
        {
            i.PrevOut.WriteTo(w);
        }
    }))).Value;

    /// <summary>BIP341 sha_sequences: SHA256 of all nSequence values.</summary>
    public UInt256 ShaSequences => (_sequencesSingle ??= Box(Compute(static (tx, _, w) =>
    {
        foreach (var i in tx.Inputs)
        {
            w.WriteUInt32LE(i.Sequence.Value);
        }
    }))).Value;

    /// <summary>BIP341 sha_outputs: SHA256 of all serialized outputs.</summary>
    public UInt256 ShaOutputs => (_outputsSingle ??= Box(Compute(static (tx, _, w) =>
    {
        foreach (var o in tx.Outputs)
        {
            o.WriteTo(w);
        }
    }))).Value;

    /// <summary>BIP341 sha_amounts: SHA256 of the spent amounts; requires spent outputs.</summary>
    public UInt256 ShaAmounts => (_amountsSingle ??= Box(Compute(static (_, spent, w) =>
    {
        foreach (var o in RequireSpent(spent))
        {
            o.WriteValueTo(w);
        }
    }))).Value;

    /// <summary>BIP341 sha_scriptpubkeys: SHA256 of the spent scriptPubKeys; requires spent outputs.</summary>
    public UInt256 ShaScriptPubKeys => (_scriptsSingle ??= Box(Compute(static (_, spent, w) =>
    {
        foreach (var o in RequireSpent(spent))
        {
            o.ScriptPubKey.WriteTo(w);
        }
    }))).Value;

    /// <summary>BIP143 hashPrevouts: SHA256(sha_prevouts).</summary>
    public UInt256 HashPrevouts => (_prevoutsDouble ??= Box(Rehash(ShaPrevouts))).Value;

    /// <summary>BIP143 hashSequence: SHA256(sha_sequences).</summary>
    public UInt256 HashSequence => (_sequencesDouble ??= Box(Rehash(ShaSequences))).Value;

    /// <summary>BIP143 hashOutputs: SHA256(sha_outputs).</summary>
    public UInt256 HashOutputs => (_outputsDouble ??= Box(Rehash(ShaOutputs))).Value;

    private static StrongBox<UInt256> Box(UInt256 value) => new(value);

    private static TxOut[] RequireSpent(TxOut[]? spent) =>
        spent ?? throw new InvalidOperationException("sighash: spent outputs are required for this hash");

    private UInt256 Compute(Action<Transaction, TxOut[]?, BitcoinWriter> write)
    {
        using var hasher = new HashWriter();
        write(Transaction, _spentOutputs, new BitcoinWriter(hasher));
        return hasher.GetSha256();
    }

    private static UInt256 Rehash(UInt256 single)
    {
        Span<byte> buf = stackalloc byte[32];
        single.WriteTo(buf);
        System.Security.Cryptography.SHA256.HashData(buf, buf);
        return new UInt256(buf);
    }
}
