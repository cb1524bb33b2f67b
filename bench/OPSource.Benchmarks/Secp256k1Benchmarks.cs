using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using OPSource.Crypto.Secp256k1;
using OPSource.TestSupport.Native;

namespace OPSource.Benchmarks;

/// <summary>
/// The C# secp256k1 engine against libsecp256k1 0.2.0 (P/Invoke, same process, same run). Each category
/// pairs "Ours" with the "Libsecp" baseline; the libsecp calls use pre-parsed opaque structs so that only
/// the cryptographic operation is measured on both sides.
/// dotnet run -c Release --project bench/OPSource.Benchmarks -- --filter '*Secp256k1*' --job short
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class Secp256k1Benchmarks
{
    private readonly byte[] _secret = Convert.FromHexString("B7E151628AED2A6ABF7158809CF4F3C762E7160F38B4DA56A784D9045190CFEF");
    private readonly byte[] _msg = Convert.FromHexString("243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89");
    private readonly byte[] _aux = Convert.FromHexString("0000000000000000000000000000000000000000000000000000000000000001");
    private readonly byte[] _out64 = new byte[64];
    private readonly byte[] _out32 = new byte[32];
    private SecretKey _key = null!;
    private PublicKey _peer;
    private EcdsaSignature _ecdsaSig;
    private XOnlyPublicKey _xonly;
    private byte[] _schnorrSig = null!;
    private byte[] _libPeer = null!;
    private byte[] _libPub = null!;
    private byte[] _libSig = null!;
    private byte[] _libXOnly = null!;
    private byte[] _libKeypair = null!;

    [GlobalSetup]
    public void Setup()
    {
        EcMult.EnsureTables();
        _key = SecretKey.Create(_secret);
        using SecretKey peerKey = SecretKey.Create(Convert.FromHexString("C90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B14E5C9"));
        _peer = peerKey.PublicKey;
        _ecdsaSig = Ecdsa.Sign(_key, _msg);
        _xonly = _key.XOnlyPublicKey;
        _schnorrSig = Schnorr.Sign(_key, _msg, _aux);
        _libPeer = LibSecp256k1.ParsePubKeyOpaque(_peer.ToCompressed());
        _libPub = LibSecp256k1.ParsePubKeyOpaque(_key.PublicKey.ToCompressed());
        _libSig = LibSecp256k1.ParseSignatureOpaque(_ecdsaSig.ToCompact());
        _libXOnly = LibSecp256k1.ParseXOnlyOpaque(_xonly.ToBytes());
        _libKeypair = LibSecp256k1.KeypairCreate(_secret)!;
        if (!Ecdsa.Verify(_ecdsaSig, _msg, _key.PublicKey) || !LibSecp256k1.EcdsaVerifyOpaque(_libSig, _msg, _libPub)
            || !Schnorr.Verify(_schnorrSig, _msg, _xonly) || !LibSecp256k1.SchnorrVerifyOpaque(_schnorrSig, _msg, _libXOnly))
        {
            throw new InvalidOperationException("benchmark setup: signatures do not verify");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();

    [Benchmark, BenchmarkCategory("PubkeyDerivation")]
    public void Ours_PubkeyDerivation()
    {
        // The public key is cached on SecretKey; measure the derivation itself (k*G + affine conversion).
        GroupElement p = EcMult.MultiplyGenerator(_key.Scalar).ToAffine();
        p.WriteCompressed(_out64);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("PubkeyDerivation")]
    public void Libsecp_PubkeyDerivation() => LibSecp256k1.PubKeyCreateOpaque(_secret, _out64);

    [Benchmark, BenchmarkCategory("EcdsaSign")]
    public EcdsaSignature Ours_EcdsaSign() => Ecdsa.Sign(_key, _msg);

    [Benchmark(Baseline = true), BenchmarkCategory("EcdsaSign")]
    public void Libsecp_EcdsaSign() => LibSecp256k1.EcdsaSignOpaque(_msg, _secret, _out64);

    [Benchmark, BenchmarkCategory("EcdsaVerify")]
    public bool Ours_EcdsaVerify() => Ecdsa.Verify(_ecdsaSig, _msg, _key.PublicKey);

    [Benchmark(Baseline = true), BenchmarkCategory("EcdsaVerify")]
    public bool Libsecp_EcdsaVerify() => LibSecp256k1.EcdsaVerifyOpaque(_libSig, _msg, _libPub);

    [Benchmark, BenchmarkCategory("SchnorrSign")]
    public void Ours_SchnorrSign() => Schnorr.Sign(_key, _msg, _aux, _out64);

    [Benchmark(Baseline = true), BenchmarkCategory("SchnorrSign")]
    public void Libsecp_SchnorrSign() => LibSecp256k1.SchnorrSign32(_msg, _libKeypair, _aux, _out64);

    [Benchmark, BenchmarkCategory("SchnorrVerify")]
    public bool Ours_SchnorrVerify() => Schnorr.Verify(_schnorrSig, _msg, _xonly);

    [Benchmark(Baseline = true), BenchmarkCategory("SchnorrVerify")]
    public bool Libsecp_SchnorrVerify() => LibSecp256k1.SchnorrVerifyOpaque(_schnorrSig, _msg, _libXOnly);

    [Benchmark, BenchmarkCategory("Ecdh")]
    public void Ours_Ecdh() => Ecdh.ComputeSharedSecret(_key, _peer, _out32);

    [Benchmark(Baseline = true), BenchmarkCategory("Ecdh")]
    public void Libsecp_Ecdh() => LibSecp256k1.EcdhOpaque(_libPeer, _secret, _out32);
}
