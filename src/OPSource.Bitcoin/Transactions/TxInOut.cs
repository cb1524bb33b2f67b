using OPSource.Bitcoin.Scripts;

namespace OPSource.Bitcoin.Transactions;

/// <summary>A transaction input (Core's CTxIn plus its witness).</summary>
public sealed record TxIn(OutPoint PrevOut, Script ScriptSig, Sequence Sequence, Witness Witness)
{
    /// <summary>An input spending <paramref name="prevOut"/> with empty scriptSig and witness and a final sequence.</summary>
    public TxIn(OutPoint prevOut)
        : this(prevOut, Script.Empty, Sequence.Final, Witness.Empty)
    {
    }
}

/// <summary>A transaction output (Core's CTxOut).</summary>
public sealed record TxOut(Money Value, Script ScriptPubKey);
