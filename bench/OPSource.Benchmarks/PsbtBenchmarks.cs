using BenchmarkDotNet.Attributes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Benchmarks;

/// <summary>
/// PSBT parse + serialize round trip of a signed 10-input P2WPKH PSBT (witness UTXOs, BIP32
/// derivations, one partial signature per input, a distinct key per input), against parsing the
/// extracted network transaction of the same spend as the reference.
/// </summary>
[MemoryDiagnoser]
public class PsbtBenchmarks
{
    private byte[] _psbt = null!;
    private byte[] _tx = null!;

    [GlobalSetup]
    public void Setup()
    {
        var keys = Enumerable.Range(1, 10).Select(i => SecretKey.Create(Enumerable.Repeat((byte)i, 32).ToArray())).ToList();
        Script Spk(SecretKey k)
        {
            var hash = new byte[20];
            Hashes.Hash160(k.PublicKey.ToCompressed(), hash);
            return StandardScripts.PayToWitnessPubKeyHash(hash);
        }

        var inputs = Enumerable.Range(0, 10).Select(i =>
            new TxIn(new OutPoint(TxId.FromBytes(Enumerable.Repeat((byte)i, 32).ToArray()), (uint)i), Script.Empty, Sequence.Final, Witness.Empty));
        var tx = new Transaction(2, inputs, [new TxOut(Amount.FromSatoshis(900_000), Spk(keys[0])), new TxOut(Amount.FromSatoshis(50_000), Spk(keys[1]))], LockTime.Zero);
        var psbt = Psbt.Create(tx);
        for (var i = 0; i < 10; i++)
        {
            var origin = new OPSource.Bitcoin.Keys.RootedKeyPath(OPSource.Bitcoin.Keys.KeyFingerprint.FromValue(0xd34db33f), OPSource.Bitcoin.Keys.KeyPath.Parse($"m/84'/0'/0'/0/{i}"));
            psbt = psbt.WithWitnessUtxo(i, new TxOut(Amount.FromSatoshis(100_000), Spk(keys[i]))).WithBip32Derivation(i, keys[i].PublicKey, origin);
        }

        psbt = psbt.Sign(keys);
        keys.ForEach(k => k.Dispose());
        _psbt = psbt.ToBytes();
        _tx = psbt.Finalize().Extract().ToBytes();
    }

    /// <summary>Reference: parse the extracted network transaction.</summary>
    [Benchmark(Baseline = true)]
    public int ParseNetworkTransaction() => Transaction.Parse(_tx).Inputs.Count;

    /// <summary>Parse with every validity rule.</summary>
    [Benchmark]
    public int Parse() => Psbt.Parse(_psbt).Inputs.Count;

    /// <summary>Parse then serialize (byte-exact round trip).</summary>
    [Benchmark]
    public int ParseSerializeRoundTrip() => Psbt.Parse(_psbt).ToBytes().Length;
}
