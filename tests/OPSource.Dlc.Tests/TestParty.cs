using OPSource.Bitcoin;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using OPSource.Dlc.Messages;

namespace OPSource.Dlc.Tests;

/// <summary>A party with P2WPKH coins that exist only in memory (unit tests; the regtest tests use real coins).</summary>
internal sealed class TestParty
{
    private readonly Dictionary<OutPoint, SecretKey> _coinKeys = [];
    private int _counter;

    public TestParty(string name) => Name = name;

    public string Name { get; }

    public SecretKey FundingKey { get; } = SecretKey.Generate();

    public SecretKey PayoutKey { get; } = SecretKey.Generate();

    public Script PayoutSpk => StandardScripts.PayToWitnessPubKeyHash(PayoutKey.PublicKey);

    public Script ChangeSpk => StandardScripts.PayToWitnessPubKeyHash(FundingKey.PublicKey);

    /// <summary>A coin of <paramref name="sats"/> paying to a fresh P2WPKH key.</summary>
    public (Transaction PrevTx, uint Vout, uint Sequence, int MaxWitnessLength, Script RedeemScript) Coin(long sats)
    {
        var key = SecretKey.Generate();
        var marker = new byte[32];
        marker[0] = (byte)++_counter;
        marker[1] = (byte)Name[0];
        var prev = new Transaction(
            2,
            [new TxIn(new OutPoint(TxId.FromBytes(marker), 0))],
            [new TxOut(Amount.FromSatoshis(sats), StandardScripts.PayToWitnessPubKeyHash(key.PublicKey))],
            new LockTime(0));
        _coinKeys[new OutPoint(prev.GetTxId(), 0)] = key;
        return (prev, 0, Sequence.FinalValue, 108, Script.Empty);
    }

    /// <summary>P2WPKH witnesses for this party's inputs of <paramref name="funding"/>, in <paramref name="inputs"/> order.</summary>
    public Witness[] SignFunding(Transaction funding, IReadOnlyList<FundingInput> inputs, IReadOnlyList<TxOut> spentInTxOrder)
    {
        var precomputed = new PrecomputedTransactionData(funding, spentInTxOrder);
        var result = new Witness[inputs.Count];
        for (int k = 0; k < inputs.Count; k++)
        {
            var index = funding.Inputs.ToList().FindIndex(i => i.PrevOut == inputs[k].OutPoint);
            var key = _coinKeys[inputs[k].OutPoint];
            var hash = new byte[32];
            SignatureHash.SegwitV0(precomputed, index, StandardScripts.PayToPubKeyHash(key.PublicKey).Span, spentInTxOrder[index].Value, SigHashType.All).WriteTo(hash);
            var der = Ecdsa.SignGrindLowR(key, hash).ToDer();
            result[k] = Witness.Create(der.Append((byte)1).ToArray(), key.PublicKey.ToCompressed());
        }

        return result;
    }
}
