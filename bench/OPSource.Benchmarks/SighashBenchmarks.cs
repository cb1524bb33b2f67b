using BenchmarkDotNet.Attributes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Benchmarks;

/// <summary>
/// Signature hashes for every input of a 100-input transaction: BIP143 and BIP341 with shared
/// precomputed data, against BIP143 recomputing the per-transaction hashes for each input and
/// against legacy (quadratic) hashing.
/// </summary>
[MemoryDiagnoser]
public class SighashBenchmarks
{
    private readonly byte[] _hash = new byte[32];
    private readonly byte[] _scriptCode = StandardScripts.PayToPubKeyHash(new byte[20]).ToBytes();
    private Transaction _tx = null!;
    private List<TxOut> _spent = null!;

    [GlobalSetup]
    public void Setup()
    {
        var inputs = Enumerable.Range(0, 100).Select(i => new TxIn(new OutPoint(TxId.FromBytes(Enumerable.Repeat((byte)i, 32).ToArray()), (uint)i)));
        var outputs = Enumerable.Range(0, 100).Select(i => new TxOut(Amount.FromSatoshis(1000 + i), StandardScripts.PayToTaproot(new byte[32])));
        _tx = new Transaction(2, inputs, outputs, LockTime.Zero);
        _spent = Enumerable.Range(0, 100).Select(i => new TxOut(Amount.FromSatoshis(5000 + i), StandardScripts.PayToTaproot(new byte[32]))).ToList();
    }

    [Benchmark(Baseline = true)]
    public void Bip143AllInputsNoPrecompute()
    {
        for (var i = 0; i < _tx.Inputs.Count; i++)
        {
            SignatureHash.SegwitV0(new PrecomputedTransactionData(_tx), i, _scriptCode, Amount.FromSatoshis(5000), SigHashType.All).WriteTo(_hash);
        }
    }

    [Benchmark]
    public void Bip143AllInputsPrecomputed()
    {
        var pre = new PrecomputedTransactionData(_tx);
        for (var i = 0; i < _tx.Inputs.Count; i++)
        {
            SignatureHash.SegwitV0(pre, i, _scriptCode, Amount.FromSatoshis(5000), SigHashType.All).WriteTo(_hash);
        }
    }

    [Benchmark]
    public void Bip341AllInputsPrecomputed()
    {
        var pre = new PrecomputedTransactionData(_tx, _spent);
        for (var i = 0; i < _tx.Inputs.Count; i++)
        {
            SignatureHash.TaprootKeySpend(pre, i).WriteTo(_hash);
        }
    }

    [Benchmark]
    public void LegacyAllInputs()
    {
        for (var i = 0; i < _tx.Inputs.Count; i++)
        {
            SignatureHash.Legacy(_tx, i, _scriptCode, SigHashType.All).WriteTo(_hash);
        }
    }
}
