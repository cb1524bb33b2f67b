using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Benchmarks;

/// <summary>
/// Where ECDSA signing's time goes, part by part (secp256k1_ecdsa_sign = RFC6979 nonce + k*G + k^-1 + low-S +
/// DER): the RFC6979 HMAC-SHA256 chain as it was (one-shot <c>HMACSHA256.HashData</c> per step) and as it is
/// (two one-shot SHA-256 calls per HMAC over stack buffers), the nonce inversion as it was (blinded:
/// a fresh random blind, the variable-time safegcd on k*b, two multiplications) and the candidates (constant-time
/// safegcd, Fermat's a^(n-2) with a 4-bit window), and the rest. Used to decide the changes recorded in
/// docs/benchmarks.md.
/// </summary>
/// <remarks>dotnet run -c Release --project bench/OPSource.Benchmarks -- --filter '*EcdsaSignBreakdown*'</remarks>
[MemoryDiagnoser]
public class EcdsaSignBreakdownBenchmarks
{
    private readonly byte[] _key32 = Convert.FromHexString("4482dfdf77a96fc5975ab3af297873311597a0c4c2baf4ce97d3a044e09da01c");
    private readonly byte[] _msg32 = Convert.FromHexString("c37af31116d1b27caf68aae9e3ac82f1477929014d5b917657d0eb49478cb670");
    private readonly byte[] _nonce = new byte[32];
    private readonly byte[] _der = new byte[72];
    private SecretKey _key = null!;
    private Scalar _k;
    private EcdsaSignature _sig;

    [GlobalSetup]
    public void Setup()
    {
        _key = SecretKey.Create(_key32);
        SecpHash.Rfc6979(_key32, _msg32, default, 0, _nonce);
        Scalar.TryCreate(_nonce, out _k);
        _sig = Ecdsa.Sign(_key, _msg32);
    }

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();

    [Benchmark(Baseline = true)]
    public EcdsaSignature FullSign() => Ecdsa.Sign(_key, _msg32);

    [Benchmark]
    public void Rfc6979_HmacOneShot_before() => Rfc6979HmacOneShot(_key32, _msg32, _nonce);

    [Benchmark]
    public void Rfc6979_Sha256TwoShot_after() => SecpHash.Rfc6979(_key32, _msg32, default, 0, _nonce);

    [Benchmark]
    public bool GeneratorMultiply() => EcMult.MultiplyGenerator(_k).ToAffine().HasEvenY;

    [Benchmark]
    public bool NonceInverse_Blinded_before()
    {
        Span<byte> rnd = stackalloc byte[32];
        Scalar blind;
        do
        {
            RandomNumberGenerator.Fill(rnd);
        }
        while (!Scalar.TryCreate(rnd, out blind) || blind.IsZero);

        return _k.Multiply(blind).InverseVariable().Multiply(blind).IsZero;
    }

    [Benchmark]
    public bool NonceInverse_SafegcdConstantTime() => _k.InverseConstantTime().IsZero;

    [Benchmark]
    public bool NonceInverse_Fermat() => _k.Inverse().IsZero;

    [Benchmark]
    public bool NonceInverse_SafegcdVariable_unsafe_reference() => _k.InverseVariable().IsZero;

    [Benchmark]
    public int DerEncode() => _sig.WriteDer(_der);

    [Benchmark]
    public bool LowS() => _sig.S.ConditionalNegate(_sig.S.IsHigh).IsZero;

    /// <summary>The RFC6979 DRBG as it was before this change: HMACSHA256.HashData per step (counter 0, no extra data).</summary>
    private static void Rfc6979HmacOneShot(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> msg32, Span<byte> nonce32)
    {
        Span<byte> k = stackalloc byte[32];
        Span<byte> v = stackalloc byte[32];
        Span<byte> buf = stackalloc byte[97];
        v.Fill(0x01);
        k.Clear();
        v.CopyTo(buf);
        buf[32] = 0x00;
        key32.CopyTo(buf[33..]);
        msg32.CopyTo(buf[65..]);
        HMACSHA256.HashData(k, buf, k);
        HMACSHA256.HashData(k, v, v);
        v.CopyTo(buf);
        buf[32] = 0x01;
        HMACSHA256.HashData(k, buf, k);
        HMACSHA256.HashData(k, v, v);
        HMACSHA256.HashData(k, v, v);
        v.CopyTo(nonce32);
    }
}
