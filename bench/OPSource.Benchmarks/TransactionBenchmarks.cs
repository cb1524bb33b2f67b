using BenchmarkDotNet.Attributes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Benchmarks;

/// <summary>Parse, serialize and hash transactions (a 2-input segwit tx and a 100-input/100-output tx).</summary>
[MemoryDiagnoser]
public class TransactionBenchmarks
{
    // BIP143 "Native P2WPKH" signed example (2 inputs, 2 outputs, 343 bytes).
    private readonly byte[] _small = Hex.Parse("01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f00000000494830450221008b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f9281a99f2b1c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac000247304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee635711000000");
    private byte[] _large = [];
    private Transaction _smallTx = null!;

    [GlobalSetup]
    public void Setup()
    {
        _smallTx = Transaction.Parse(_small);
        var sig = new byte[72];
        var key = new byte[33];
        key[0] = 2;
        var inputs = Enumerable.Range(0, 100).Select(i =>
            new TxIn(new OutPoint(TxId.FromBytes(Enumerable.Repeat((byte)i, 32).ToArray()), (uint)i), Script.Empty, Sequence.Final, Witness.Create(sig, key)));
        var outputs = Enumerable.Range(0, 100).Select(i => new TxOut(Amount.FromSatoshis(1000 + i), StandardScripts.PayToWitnessPubKeyHash(new byte[20])));
        _large = new Transaction(2, inputs, outputs, LockTime.Zero).ToBytes();
    }

    [Benchmark(Baseline = true)]
    public Transaction ParseSmall() => Transaction.Parse(_small);

    [Benchmark]
    public byte[] ParseSerializeSmall() => Transaction.Parse(_small).ToBytes();

    [Benchmark]
    public TxId ParseAndTxIdSmall() => Transaction.Parse(_small).GetTxId();

    [Benchmark]
    public byte[] SerializeSmall() => _smallTx.ToBytes();

    [Benchmark]
    public byte[] ParseSerializeLarge() => Transaction.Parse(_large).ToBytes();
}
