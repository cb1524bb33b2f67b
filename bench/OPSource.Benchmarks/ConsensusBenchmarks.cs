using BenchmarkDotNet.Attributes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;
using OPSource.TestSupport.Native;

namespace OPSource.Benchmarks;

/// <summary>
/// Full consensus verification (interpreter + sighash + our secp256k1) of a P2WPKH input, a P2TR
/// key-path input and a 1,000-input P2WPKH transaction, next to signature verification alone of
/// the same signatures — with OPSource's secp256k1 and with libsecp256k1 — so the ratios show the
/// interpreter's overhead and the crypto engine's share.
/// </summary>
[MemoryDiagnoser]
public class ConsensusBenchmarks
{
    private const int ManyInputs = 1000;
    private const ScriptVerifyFlags Flags = ScriptFlags.Standard;

    private Transaction _p2wpkhTx = null!;
    private List<TxOut> _p2wpkhSpent = null!;
    private Transaction _p2trTx = null!;
    private List<TxOut> _p2trSpent = null!;
    private Transaction _bigTx = null!;
    private List<TxOut> _bigSpent = null!;

    // Signature-only inputs: sighash, parsed signature and key (ours), opaque forms (libsecp256k1).
    private readonly byte[] _ecdsaHash = new byte[32];
    private EcdsaSignature _ecdsaSig;
    private PublicKey _ecdsaKey;
    private byte[] _ecdsaSigOpaque = null!;
    private byte[] _ecdsaKeyOpaque = null!;
    private readonly byte[] _schnorrHash = new byte[32];
    private byte[] _schnorrSig = null!;
    private XOnlyPublicKey _schnorrKey;
    private byte[] _schnorrKeyOpaque = null!;
    private byte[][] _bigHashes = null!;
    private EcdsaSignature[] _bigSigs = null!;
    private byte[][] _bigSigsOpaque = null!;

    private static SecretKey Key(int n) => SecretKey.Create([.. new byte[30], (byte)(n >> 8), (byte)(n & 0xff)]);

    private static byte[] Hash160(ReadOnlySpan<byte> data)
    {
        var h = new byte[20];
        Hashes.Hash160(data, h);
        return h;
    }

    private static TxIn Input(int i) => new(new OutPoint(TxId.FromBytes(Hashes.Sha256(BitConverter.GetBytes(i))), (uint)i), Script.Empty, Sequence.Final, Witness.Empty);

    private static TxOut PayTo(long sats) => new(Amount.FromSatoshis(sats), new Script([0x00, 0x14, .. new byte[20]]));

    /// <summary>Signs every input as P2WPKH with its own key; returns the signed transaction.</summary>
    private static Transaction SignP2wpkh(Transaction tx, List<TxOut> spent, SecretKey[] keys, out byte[][] hashes, out EcdsaSignature[] sigs)
    {
        var pre = new PrecomputedTransactionData(tx, spent);
        hashes = new byte[keys.Length][];
        sigs = new EcdsaSignature[keys.Length];
        var signed = tx;
        for (var i = 0; i < keys.Length; i++)
        {
            var pk = keys[i].PublicKey.ToCompressed();
            byte[] scriptCode = [0x76, 0xa9, 0x14, .. Hash160(pk), 0x88, 0xac];
            hashes[i] = new byte[32];
            SignatureHash.SegwitV0(pre, i, scriptCode, spent[i].Value, SigHashType.All).WriteTo(hashes[i]);
            sigs[i] = Ecdsa.Sign(keys[i], hashes[i]);
            signed = signed.WithWitness(i, Witness.Create((byte[])[.. sigs[i].ToDer(), 0x01], pk));
        }

        return signed;
    }

    [GlobalSetup]
    public void Setup()
    {
        if (!LibSecp256k1.IsAvailable)
        {
            throw new InvalidOperationException("libsecp256k1.so.1 is needed for the reference rows (apt-get install libsecp256k1-dev)");
        }

        // P2WPKH, one input.
        var key = Key(1);
        _p2wpkhSpent = [new TxOut(Amount.FromSatoshis(100_000), new Script([0x00, 0x14, .. Hash160(key.PublicKey.ToCompressed())]))];
        var tx = new Transaction(2, [Input(0)], [PayTo(90_000)], LockTime.Zero);
        _p2wpkhTx = SignP2wpkh(tx, _p2wpkhSpent, [key], out var hashes, out var sigs);
        hashes[0].CopyTo(_ecdsaHash, 0);
        _ecdsaSig = sigs[0];
        _ecdsaKey = key.PublicKey;
        _ecdsaSigOpaque = LibSecp256k1.ParseSignatureOpaque(sigs[0].ToCompact());
        _ecdsaKeyOpaque = LibSecp256k1.ParsePubKeyOpaque(key.PublicKey.ToCompressed());

        // P2TR key path (BIP86 tweak), SIGHASH_DEFAULT.
        var internalKey = Key(2);
        var tweak = new byte[32];
        Hashes.TaggedHash("TapTweak", internalKey.XOnlyPublicKey.ToBytes(), tweak);
        internalKey.XOnlyPublicKey.TryAddTweak(tweak, out var q, out _);
        internalKey.TryAddXOnlyTweak(tweak, out var tweaked);
        _p2trSpent = [new TxOut(Amount.FromSatoshis(100_000), new Script([0x51, 0x20, .. q.ToBytes()]))];
        var p2tr = new Transaction(2, [Input(1)], [PayTo(90_000)], LockTime.Zero);
        SignatureHash.TaprootKeySpend(new PrecomputedTransactionData(p2tr, _p2trSpent), 0).WriteTo(_schnorrHash);
        _schnorrSig = Schnorr.Sign(tweaked!, _schnorrHash, new byte[32]);
        _p2trTx = p2tr.WithWitness(0, Witness.Create(_schnorrSig));
        _schnorrKey = q;
        _schnorrKeyOpaque = LibSecp256k1.ParseXOnlyOpaque(q.ToBytes());

        // 1,000 P2WPKH inputs, each with its own key.
        var keys = Enumerable.Range(0, ManyInputs).Select(i => Key(i + 10)).ToArray();
        _bigSpent = keys.Select(k => new TxOut(Amount.FromSatoshis(10_000), new Script([0x00, 0x14, .. Hash160(k.PublicKey.ToCompressed())]))).ToList();
        var big = new Transaction(2, Enumerable.Range(0, ManyInputs).Select(i => Input(i + 100)), [PayTo(9_000_000)], LockTime.Zero);
        _bigTx = SignP2wpkh(big, _bigSpent, keys, out _bigHashes, out _bigSigs);
        _bigSigsOpaque = _bigSigs.Select(s => LibSecp256k1.ParseSignatureOpaque(s.ToCompact())).ToArray();
        _bigKeysOpaque = keys.Select(k => LibSecp256k1.ParsePubKeyOpaque(k.PublicKey.ToCompressed())).ToArray();
        _bigKeys = keys.Select(k => k.PublicKey).ToArray();

        if (!TransactionVerifier.VerifyInputs(_p2wpkhTx, _p2wpkhSpent, Flags).IsValid
            || !TransactionVerifier.VerifyInputs(_p2trTx, _p2trSpent, Flags).IsValid
            || !TransactionVerifier.VerifyInputs(_bigTx, _bigSpent, Flags).IsValid)
        {
            throw new InvalidOperationException("benchmark transactions do not verify");
        }
    }

    private byte[][] _bigKeysOpaque = null!;
    private PublicKey[] _bigKeys = null!;

    [Benchmark(Description = "P2WPKH input: full verification")]
    public bool P2wpkhVerify() => TransactionVerifier.VerifyInputs(_p2wpkhTx, _p2wpkhSpent, Flags).IsValid;

    [Benchmark(Description = "P2WPKH input: OPSource ECDSA verify only")]
    public bool P2wpkhEcdsaOnly() => Ecdsa.Verify(_ecdsaSig, _ecdsaHash, _ecdsaKey);

    [Benchmark(Description = "P2WPKH input: libsecp256k1 ECDSA verify only")]
    public bool P2wpkhLibsecpOnly() => LibSecp256k1.EcdsaVerifyOpaque(_ecdsaSigOpaque, _ecdsaHash, _ecdsaKeyOpaque);

    [Benchmark(Description = "P2TR key path: full verification")]
    public bool P2trVerify() => TransactionVerifier.VerifyInputs(_p2trTx, _p2trSpent, Flags).IsValid;

    [Benchmark(Description = "P2TR key path: OPSource Schnorr verify only")]
    public bool P2trSchnorrOnly() => Schnorr.Verify(_schnorrSig, _schnorrHash, _schnorrKey);

    [Benchmark(Description = "P2TR key path: libsecp256k1 Schnorr verify only")]
    public bool P2trLibsecpOnly() => LibSecp256k1.SchnorrVerifyOpaque(_schnorrSig, _schnorrHash, _schnorrKeyOpaque);

    [Benchmark(Description = "1,000-input P2WPKH tx: full verification")]
    public bool ManyInputsVerify() => TransactionVerifier.VerifyInputs(_bigTx, _bigSpent, Flags).IsValid;

    [Benchmark(Description = "1,000-input P2WPKH tx: OPSource ECDSA verify only")]
    public bool ManyInputsEcdsaOnly()
    {
        var ok = true;
        for (var i = 0; i < ManyInputs; i++)
        {
            ok &= Ecdsa.Verify(_bigSigs[i], _bigHashes[i], _bigKeys[i]);
        }

        return ok;
    }

    [Benchmark(Description = "1,000-input P2WPKH tx: libsecp256k1 ECDSA verify only")]
    public bool ManyInputsLibsecpOnly()
    {
        var ok = true;
        for (var i = 0; i < ManyInputs; i++)
        {
            ok &= LibSecp256k1.EcdsaVerifyOpaque(_bigSigsOpaque[i], _bigHashes[i], _bigKeysOpaque[i]);
        }

        return ok;
    }
}
