using BenchmarkDotNet.Attributes;
using OPSource.Crypto.Secp256k1;
using OPSource.Crypto.Secp256k1.Adaptor;
using OPSource.Crypto.Secp256k1.Musig;
using OPSource.TestSupport.Native;

namespace OPSource.Benchmarks;

/// <summary>MuSig2 (BIP327) steps for a 3-of-3 session, with BIP340 sign/verify as the in-run reference.</summary>
[MemoryDiagnoser]
public class MusigBenchmarks
{
    private readonly byte[] _msg = new byte[32];
    private SecretKey[] _keys = [];
    private PublicKey[] _pubkeys = [];
    private KeyAggContext _ctx = null!;
    private PublicNonce[] _pubnonces = [];
    private Session _session = null!;
    private PartialSignature[] _psigs = [];
    private byte[] _bip340 = [];

    [GlobalSetup]
    public void Setup()
    {
        _keys = [.. Enumerable.Range(1, 3).Select(i => SecretKey.Create(Enumerable.Repeat((byte)i, 32).ToArray()))];
        _pubkeys = [.. _keys.Select(k => k.PublicKey)];
        _ctx = KeyAggContext.Create(_pubkeys);
        var nonces = _keys.Select((k, i) => Musig2.GenerateNonce(_pubkeys[i], k, _ctx.XOnlyPublicKey, _msg, null)).ToArray();
        _pubnonces = [.. nonces.Select(n => n.PublicNonce)];
        _session = new Session(_ctx, AggregateNonce.Aggregate(_pubnonces), _msg);
        _psigs = [.. nonces.Select((n, i) => _session.Sign(n.SecretNonce, _keys[i]))];
        _bip340 = Schnorr.Sign(_keys[0], _msg, new byte[32]);
    }

    [Benchmark(Baseline = true)]
    public bool Bip340Verify() => Schnorr.Verify(_bip340, _msg, _keys[0].XOnlyPublicKey);

    [Benchmark]
    public bool Bip340VerifyLibsecp() => LibSecp256k1.SchnorrVerify(_bip340, _msg, _keys[0].XOnlyPublicKey.ToBytes());

    [Benchmark]
    public KeyAggContext KeyAgg3() => KeyAggContext.Create(_pubkeys);

    [Benchmark]
    public PublicNonce NonceGen() => Musig2.GenerateNonce(_pubkeys[0], _keys[0], _ctx.XOnlyPublicKey, _msg, null).PublicNonce;

    [Benchmark]
    public Session SessionValues() => new(_ctx, _session.AggregateNonce, _msg);

    [Benchmark]
    public PartialSignature Sign()
    {
        var (sec, _) = Musig2.GenerateNonce(_pubkeys[0], _keys[0], _ctx.XOnlyPublicKey, _msg, null);
        return _session.Sign(sec, _keys[0]);
    }

    [Benchmark]
    public bool PartialSigVerify() => _session.Verify(_psigs[1], _pubnonces[1], _pubkeys[1]);

    [Benchmark]
    public byte[] PartialSigAgg() => _session.Aggregate(_psigs);
}

/// <summary>ECDSA adaptor signature operations, with plain ECDSA sign/verify as the in-run reference.</summary>
[MemoryDiagnoser]
public class AdaptorBenchmarks
{
    private readonly byte[] _msg = new byte[32];
    private SecretKey _signer = null!;
    private SecretKey _decryption = null!;
    private AdaptorSignature _adaptor = null!;
    private EcdsaSignature _signature;

    [GlobalSetup]
    public void Setup()
    {
        _signer = SecretKey.Create(Enumerable.Repeat((byte)1, 32).ToArray());
        _decryption = SecretKey.Create(Enumerable.Repeat((byte)2, 32).ToArray());
        _adaptor = EcdsaAdaptor.Encrypt(_signer, _decryption.PublicKey, _msg);
        _signature = _adaptor.Decrypt(_decryption);
    }

    [Benchmark(Baseline = true)]
    public bool EcdsaVerify() => Ecdsa.Verify(_signature, _msg, _signer.PublicKey);

    [Benchmark]
    public bool EcdsaVerifyLibsecp() => LibSecp256k1.EcdsaVerifyCompact(_signature.ToCompact(), _msg, _signer.PublicKey.ToCompressed());

    [Benchmark]
    public AdaptorSignature Encrypt() => EcdsaAdaptor.Encrypt(_signer, _decryption.PublicKey, _msg);

    [Benchmark]
    public bool Verify() => _adaptor.Verify(_signer.PublicKey, _msg, _decryption.PublicKey);

    [Benchmark]
    public EcdsaSignature Decrypt() => _adaptor.Decrypt(_decryption);

    [Benchmark]
    public bool Recover() => _adaptor.TryRecover(_signature, _decryption.PublicKey, out _);
}
