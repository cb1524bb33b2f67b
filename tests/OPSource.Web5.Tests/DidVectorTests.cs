using System.Net;
using System.Text.Json.Nodes;
using OPSource.TestSupport;
using OPSource.Web5.Dids;
using OPSource.Web5.Encoding;
using OPSource.Web5.Jose;

namespace OPSource.Web5.Tests;

public class DidVectorTests
{
    [Fact]
    public async Task Did_jwk_resolve_vectors()
    {
        var resolver = new DidResolver([new DidJwkMethod()]);
        foreach (var (description, input, output, errors) in VectorFile.Load("did_jwk", "resolve.json"))
        {
            var result = await resolver.ResolveAsync(input!.GetValue<string>(), TestContext.Current.CancellationToken);
            if (errors)
            {
                Assert.Equal(output!["didResolutionMetadata"]!["error"]!.GetValue<string>(), result.Error);
                continue;
            }

            Assert.True(result.Ok, description + ": " + result.ErrorMessage);
            VectorFile.Equal(output!["didDocument"], result.Document!.ToJson(), description);
        }
    }

    [Fact]
    public async Task Did_web_resolve_vectors_through_a_configured_client()
    {
        foreach (var (description, input, output, errors) in VectorFile.Load("did_web", "resolve.json"))
        {
            var mock = input!["mockServer"] as JsonObject ?? [];
            using var http = new HttpClient(new MapHandler(mock));
            var resolver = new DidResolver([new DidWebMethod(http), new DidJwkMethod()]);
            var result = await resolver.ResolveAsync(input["didUri"]!.GetValue<string>(), TestContext.Current.CancellationToken);
            if (errors)
            {
                Assert.True(output!["didResolutionMetadata"]!["error"]!.GetValue<string>() == result.Error, description + ": " + result.Error);
                continue;
            }

            Assert.True(result.Ok, description + ": " + result.ErrorMessage);
            VectorFile.Equal(output!["didDocument"], result.Document!.ToJson(), description);
        }
    }

    [Fact]
    public void Did_dht_create_vectors()
    {
        foreach (var (description, input, output, _) in VectorFile.Load("did_dht", "create.json"))
        {
            var identity = Jwk.FromJson(input!["identityPublicJwk"]!.AsObject());
            var options = new DidDhtCreateOptions
            {
                Services = input["services"] is JsonArray s ? [.. s.Select(x => new DidService(x!["id"]!.GetValue<string>(), x["type"]!.GetValue<string>(), x["serviceEndpoint"]!.DeepClone()))] : [],
                VerificationMethods = input["additionalVerificationMethods"] is JsonArray v
                    ? [.. v.Select(x => new DidDhtVerificationMethod(Jwk.FromJson(x!["jwk"]!.AsObject()), [.. x["purposes"]!.AsArray().Select(p => p!.GetValue<string>())]))]
                    : [],
                Controllers = input["controller"] is JsonArray c ? [.. c.Select(x => x!.GetValue<string>())] : [],
                AlsoKnownAs = input["alsoKnownAs"] is JsonArray a ? [.. a.Select(x => x!.GetValue<string>())] : [],
            };
            var document = DidDhtMethod.CreateDocument(identity, options);
            VectorFile.Equal(output, document.ToJson(), description);

            // The DNS packet round-trips to the same document (services come back as endpoint arrays).
            var packet = DnsPacket.Encode(DidDhtMethod.ToDnsRecords(document));
            var (decoded, _) = DidDhtMethod.FromDnsRecords(document.Id, DnsPacket.DecodeAnswers(packet));
            var roundTrip = decoded.ToJson();
            // web5-js reads a single controller back as a string.
            if (roundTrip["controller"] is JsonValue single)
            {
                roundTrip["controller"] = new JsonArray(single.GetValue<string>());
            }

            VectorFile.Equal(output, roundTrip, description + " (DNS round trip)");
        }
    }

    [Fact]
    public async Task Did_dht_resolve_vectors_against_a_gateway()
    {
        using var http = new HttpClient(new MapHandler([]));
        var resolver = new DidResolver([new DidDhtMethod(http, new DidDhtOptions { GatewayUrl = new Uri("https://gateway.test/") })]);
        foreach (var (description, input, output, _) in VectorFile.Load("did_dht", "resolve.json"))
        {
            var result = await resolver.ResolveAsync(input!["didUri"]!.GetValue<string>(), TestContext.Current.CancellationToken);
            Assert.True(output!["didResolutionMetadata"]!["error"]!.GetValue<string>() == result.Error, description + ": got " + result.Error);
        }
    }

    [Fact]
    public async Task Did_dht_publish_and_resolve_round_trip_with_signature_checks()
    {
        var relay = new Dictionary<string, byte[]>();
        using var http = new HttpClient(new RelayHandler(relay));
        var method = new DidDhtMethod(http, new DidDhtOptions { GatewayUrl = new Uri("https://gateway.test/relay") });
        using var extra = PrivateJwk.Generate("secp256k1");
        using var bearer = DidFactory.CreateDht(new DidDhtCreateOptions
        {
            Services = [new DidService("dwn", "DecentralizedWebNode", new JsonArray("https://dwn.example/"))],
            VerificationMethods = [new DidDhtVerificationMethod(extra.Public, [VerificationRelationships.AssertionMethod])],
            Types = [7],
        });
        var message = DidDhtMethod.CreateSignedPacket(bearer.Document, bearer.Keys[0], 1_700_000_000, [7]);
        await method.PublishAsync(message, TestContext.Current.CancellationToken);
        var result = await method.ResolveAsync(Did.Parse(bearer.Uri), TestContext.Current.CancellationToken);
        Assert.True(result.Ok, result.ErrorMessage);
        VectorFile.Equal(bearer.Document.ToJson(), result.Document!.ToJson(), "published document");
        Assert.Equal("1700000000", result.DocumentMetadata["versionId"]!.GetValue<string>());
        Assert.Equal(7, result.DocumentMetadata["types"]![0]!.GetValue<int>());

        // A flipped byte in the packet breaks the BEP44 signature.
        var key = relay.Keys.Single();
        relay[key][^1] ^= 1;
        var bad = await method.ResolveAsync(Did.Parse(bearer.Uri), TestContext.Current.CancellationToken);
        Assert.Equal(DidErrorCodes.InvalidSignature, bad.Error);
    }

    [Fact]
    public void Portable_did_parse_vectors()
    {
        foreach (var (description, input, _, errors) in VectorFile.Load("portable_did", "parse.json"))
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(input!.ToJsonString());
            if (errors)
            {
                Assert.StartsWith("web5.invalid_", Assert.Throws<OPSource.Bitcoin.BitcoinFormatException>(() => BearerDid.ParsePortable(bytes)).Error.Code, StringComparison.Ordinal);
                continue;
            }

            using var did = BearerDid.ParsePortable(bytes);
            Assert.Equal(input["uri"]!.GetValue<string>(), did.Uri);
            Assert.Equal("bar", did.Metadata["foo"]!.GetValue<string>());
            using var again = BearerDid.ParsePortable(did.ToPortableUtf8());
            Assert.Equal(did.Keys[0].Public.Thumbprint(), again.Keys[0].Public.Thumbprint());
            VectorFile.Equal(input["privateKeys"]![0], JsonNode.Parse(again.Keys[0].ToUtf8Json()), description);
        }
    }

    public static TheoryData<string> DidKeyFiles() => new("ed25519-x25519.json", "secp256k1.json", "x25519.json", "nist-curves.json", "rsa.json", "bls12381.json");

    [Theory]
    [MemberData(nameof(DidKeyFiles))]
    public void Did_method_key_vectors(string file)
    {
        var root = JsonNode.Parse(Vectors.ReadText("web5", "did-method-key", file))!.AsObject();
        IEnumerable<(string Did, JsonObject Document)> cases = file == "x25519.json"
            ? root["didDocument"]!.AsObject().Select(p => (p.Key, p.Value!.AsObject()))
            : root.Select(p => (p.Key, p.Value!["didDocument"]!.AsObject()));
        var count = 0;
        foreach (var (did, expected) in cases)
        {
            var types = expected["verificationMethod"]!.AsArray().Select(v => v!["type"]!.GetValue<string>()).ToList();
            var options = new DidKeyOptions
            {
                Format = types[0] == "JsonWebKey2020" ? DidKeyFormat.JsonWebKey2020 : DidKeyFormat.Base58Suite,
                EnableEncryptionKeyDerivation = did.StartsWith("did:key:z6Mk", StringComparison.Ordinal) && expected.ContainsKey("keyAgreement"),
                SignatureKeyAgreement = expected.ContainsKey("keyAgreement"),
            };
            var result = new DidKeyMethod(options).Resolve(Did.Parse(did));
            Assert.True(result.Ok, did + ": " + result.ErrorMessage);
            VectorFile.Equal(expected, result.Document!.ToJson(), file + " " + did);
            count++;
        }

        Assert.True(count > 0);
    }

    [Fact]
    public async Task Created_dids_resolve_and_sign()
    {
        var resolver = new DidResolver([new DidKeyMethod(), new DidJwkMethod()]);
        foreach (var create in new Func<BearerDid>[] { () => DidFactory.CreateKey("Ed25519"), () => DidFactory.CreateKey("secp256k1"), () => DidFactory.CreateJwk("Ed25519"), () => DidFactory.CreateJwk("secp256k1") })
        {
            using var did = create();
            var result = await resolver.ResolveAsync(did.Uri, TestContext.Current.CancellationToken);
            Assert.True(result.Ok, did.Uri + " " + result.ErrorMessage);
            var (vmId, key) = did.GetSigner();
            var (vm, error) = await resolver.DereferenceVerificationMethodAsync(vmId, TestContext.Current.CancellationToken);
            Assert.Null(error);
            var jws = Jws.SignCompact(key, "hi"u8, new JsonObject { ["kid"] = vmId });
            Assert.True(Jws.ParseCompact(jws).Verify(vm!.PublicKeyJwk!));
        }
    }

    [Theory]
    [InlineData("did:key:abc", DidErrorCodes.InvalidDid)]
    [InlineData("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBmf", DidErrorCodes.InvalidPublicKey)]
    [InlineData("did:nope:abc", DidErrorCodes.MethodNotSupported)]
    [InlineData("not a did", DidErrorCodes.InvalidDid)]
    [InlineData("did:jwk:eyJrdHkiOiJFQyJ9", DidErrorCodes.InvalidDid)]
    public async Task Bad_dids_get_the_spec_error_codes(string did, string code)
    {
        var resolver = new DidResolver([new DidKeyMethod(), new DidJwkMethod()]);
        Assert.Equal(code, (await resolver.ResolveAsync(did, TestContext.Current.CancellationToken)).Error);
    }

    [Fact]
    public void Multiformats_and_cids()
    {
        // CIDv1 dag-cbor of the empty map (a well-known value: bafyreigbtj4x7ip5legnfznufuopl4sg4knzc2cof6duas4b3q2fy6swua).
        Assert.Equal("bafyreigbtj4x7ip5legnfznufuopl4sg4knzc2cof6duas4b3q2fy6swua", Cid.ComputeDagCbor(new JsonObject()));
        // dag-cbor orders keys by length then bytes.
        var cbor = DagCbor.Encode(JsonNode.Parse("""{"bb":1,"a":2,"c":-3,"ab":[true,null,"x",1.5]}"""));
        Assert.Equal("a461610261632262616284f5f66178fb3ff800000000000062626201", Convert.ToHexStringLower(cbor));
        Assert.True(Cid.TryParse(Cid.ComputeRaw("hello"u8), out var codec, out var digest));
        Assert.Equal(Multicodec.Raw, codec);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData("hello"u8), digest);
        var z = Base32.EncodeZ(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        Assert.True(Base32.TryDecodeZ(z, out var back) && back.Length == 32 && back[31] == 31);
    }

    private sealed class MapHandler(JsonObject map) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var url = request.RequestUri!.ToString();
            if (map.TryGetPropertyValue(url, out var body))
            {
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body!.ToJsonString()) });
            }

            if (request.RequestUri.Host.Contains("doesnotexist", StringComparison.Ordinal))
            {
                throw new HttpRequestException("Name or service not known");
            }

            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound));
        }
    }

    private sealed class RelayHandler(Dictionary<string, byte[]> store) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var key = request.RequestUri!.AbsolutePath;
            if (request.Method == HttpMethod.Put)
            {
                store[key] = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
                return new HttpResponseMessage(HttpStatusCode.OK);
            }

            return store.TryGetValue(key, out var body)
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) }
                : new HttpResponseMessage(HttpStatusCode.NotFound);
        }
    }
}
