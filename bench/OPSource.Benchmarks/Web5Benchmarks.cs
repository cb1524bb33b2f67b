using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using OPSource.Web5.Credentials;
using OPSource.Web5.Dids;

namespace OPSource.Benchmarks;

/// <summary>
/// Web5: DID resolution (did:key and did:jwk through the resolver; did:dht as the signed BEP44 packet a
/// gateway returns: signature check, DNS decode, document) and VC-JWT verification (signature, dates, the
/// issuer's DID resolved through the resolver) for Ed25519 (EdDSA) and secp256k1 (ES256K) issuers.
/// One operation per invocation: operations per second = 1 / mean.
/// </summary>
[MemoryDiagnoser]
public class Web5Benchmarks : IDisposable
{
    private readonly DidResolver _resolver = new([new DidKeyMethod(), new DidJwkMethod()]);
    private BearerDid _keyEd = null!;
    private BearerDid _keyK1 = null!;
    private BearerDid _jwkK1 = null!;
    private BearerDid _dht = null!;
    private Did _dhtDid = null!;
    private Bep44Message _dhtPacket = null!;
    private string _vcEd = string.Empty;
    private string _vcK1 = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _keyEd = DidFactory.CreateKey("Ed25519");
        _keyK1 = DidFactory.CreateKey("secp256k1");
        _jwkK1 = DidFactory.CreateJwk("secp256k1");
        _dht = DidFactory.CreateDht();
        _dhtDid = Did.Parse(_dht.Uri);
        _dhtPacket = DidDhtMethod.CreateSignedPacket(_dht.Document, _dht.Keys[0], 1);
        var data = new JsonObject { ["role"] = "treasurer", ["level"] = 3 };
        _vcEd = VerifiableCredential.Create(_keyEd.Uri, _jwkK1.Uri, data, ["DaoMembership"]).Sign(_keyEd);
        _vcK1 = VerifiableCredential.Create(_keyK1.Uri, _jwkK1.Uri, data, ["DaoMembership"]).Sign(_keyK1);
        if (!ResolveDidKey().Result.Ok || !ResolveDidJwk().Result.Ok || !DecodeDidDht().Ok)
        {
            throw new InvalidOperationException("web5 benchmark setup: a DID does not resolve");
        }

        _ = VerifyVcJwtEd25519().Result;
        _ = VerifyVcJwtSecp256k1().Result;
    }

    [Benchmark]
    public Task<DidResolutionResult> ResolveDidKey() => _resolver.ResolveAsync(_keyEd.Uri, CancellationToken.None);

    [Benchmark]
    public Task<DidResolutionResult> ResolveDidJwk() => _resolver.ResolveAsync(_jwkK1.Uri, CancellationToken.None);

    [Benchmark]
    public DidResolutionResult DecodeDidDht() => DidDhtMethod.Decode(_dhtDid, _dhtPacket);

    [Benchmark]
    public Task<VerifiedCredential> VerifyVcJwtEd25519() => VerifiableCredential.VerifyAsync(_vcEd, _resolver);

    [Benchmark]
    public Task<VerifiedCredential> VerifyVcJwtSecp256k1() => VerifiableCredential.VerifyAsync(_vcK1, _resolver);

    [GlobalCleanup]
    public void Dispose()
    {
        _keyEd?.Dispose();
        _keyK1?.Dispose();
        _jwkK1?.Dispose();
        _dht?.Dispose();
        GC.SuppressFinalize(this);
    }
}
