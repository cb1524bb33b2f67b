using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Bitcoin.Tests.Consensus;

public class TransactionChecksTests
{
    private static OutPoint Prev(byte b, uint index = 0) => new(TxId.FromBytes(Enumerable.Repeat(b, 32).ToArray()), index);

    private static TxOut Out(long sats) => TxOut.FromRawValue(sats, new Script([0x51]));

    private static Transaction Tx(IEnumerable<TxIn> inputs, IEnumerable<TxOut> outputs) => new(2, inputs, outputs, LockTime.Zero);

    private static string? Reason(Transaction tx)
    {
        TransactionChecks.CheckTransaction(tx, out var reason);
        return reason;
    }

    [Fact]
    public void A_plain_transaction_passes()
    {
        Assert.True(TransactionChecks.CheckTransaction(Tx([new TxIn(Prev(1)), new TxIn(Prev(1, 1))], [Out(1000), Out(0)]), out var reason));
        Assert.Null(reason);
    }

    [Fact]
    public void Empty_inputs_or_outputs()
    {
        Assert.Equal("bad-txns-vin-empty", Reason(Tx([], [Out(1)])));
        Assert.Equal("bad-txns-vout-empty", Reason(Tx([new TxIn(Prev(1))], [])));
    }

    [Fact]
    public void Output_value_ranges()
    {
        var max = Amount.MaxMoney.Satoshis;
        Assert.Equal("bad-txns-vout-negative", Reason(Tx([new TxIn(Prev(1))], [Out(-1)])));
        Assert.Equal("bad-txns-vout-toolarge", Reason(Tx([new TxIn(Prev(1))], [Out(max + 1)])));
        Assert.Null(Reason(Tx([new TxIn(Prev(1))], [Out(max)])));
        Assert.Equal("bad-txns-txouttotal-toolarge", Reason(Tx([new TxIn(Prev(1))], [Out(max), Out(1)])));
    }

    [Fact]
    public void Duplicate_inputs_are_rejected()
    {
        Assert.Equal("bad-txns-inputs-duplicate", Reason(Tx([new TxIn(Prev(1)), new TxIn(Prev(2)), new TxIn(Prev(1))], [Out(1)])));
    }

    [Fact]
    public void Coinbase_script_length_and_null_prevouts()
    {
        TxIn Coinbase(int length) => new(OutPoint.Null, new Script(new byte[length]), Sequence.Final, Witness.Empty);
        Assert.Equal("bad-cb-length", Reason(Tx([Coinbase(1)], [Out(1)])));
        Assert.Equal("bad-cb-length", Reason(Tx([Coinbase(101)], [Out(1)])));
        Assert.Null(Reason(Tx([Coinbase(2)], [Out(1)])));
        Assert.Null(Reason(Tx([Coinbase(100)], [Out(1)])));
        // A null prevout outside a one-input coinbase.
        Assert.Equal("bad-txns-prevout-null", Reason(Tx([new TxIn(Prev(1)), new TxIn(OutPoint.Null)], [Out(1)])));
    }

    [Fact]
    public void Oversize_counts_the_stripped_size_only()
    {
        // 1,000,001 stripped bytes * 4 > MAX_BLOCK_WEIGHT.
        var big = TxOut.FromRawValue(1, new Script(new byte[1_000_000]));
        Assert.Equal("bad-txns-oversize", Reason(Tx([new TxIn(Prev(1))], [big])));
        // A large witness does not count here.
        var witness = Witness.Create(new byte[1_100_000]);
        var input = new TxIn(Prev(1), Script.Empty, Sequence.Final, witness);
        Assert.Null(Reason(Tx([input], [Out(1)])));
    }
}
