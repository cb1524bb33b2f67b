using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using OPSource.Web5.Encoding;
using OPSource.Web5.Jose;

namespace OPSource.Web5.Dids;

/// <summary>did:dht settings.</summary>
public sealed record DidDhtOptions
{
    /// <summary>The DID DHT gateway / pkarr relay base URL (GET/PUT <c>{gateway}/{z-base-32 id}</c>).</summary>
    public Uri? GatewayUrl { get; init; }
}

/// <summary>An extra verification method for a new did:dht.</summary>
/// <param name="Key">The public key (Ed25519, secp256k1, P-256 or X25519).</param>
/// <param name="Purposes">Verification relationships.</param>
/// <param name="Id">Fragment id (default: the key's RFC 7638 thumbprint).</param>
/// <param name="Controller">Controller (default: the DID).</param>
public sealed record DidDhtVerificationMethod(Jwk Key, IReadOnlyList<string> Purposes, string? Id = null, string? Controller = null);

/// <summary>What a new did:dht document contains besides its identity key.</summary>
public sealed record DidDhtCreateOptions
{
    /// <summary>Services (ids are fragments like <c>dwn</c>).</summary>
    public IReadOnlyList<DidService> Services { get; init; } = [];

    /// <summary>Additional verification methods.</summary>
    public IReadOnlyList<DidDhtVerificationMethod> VerificationMethods { get; init; } = [];

    /// <summary>Controllers.</summary>
    public IReadOnlyList<string> Controllers { get; init; } = [];

    /// <summary>alsoKnownAs.</summary>
    public IReadOnlyList<string> AlsoKnownAs { get; init; } = [];

    /// <summary>Registered DID types (did:dht spec "Type Indexing"), as integers.</summary>
    public IReadOnlyList<int> Types { get; init; } = [];
}

/// <summary>
/// did:dht (https://did-dht.com, spec v0): the identifier is z-base-32 of the Ed25519 identity key; the
/// document is a DNS packet of TXT records (root <c>_did.{id}.</c>, keys <c>_kN._did.</c>, services
/// <c>_sN._did.</c>, <c>_cnt</c>, <c>_aka</c>, <c>_typ</c>) signed by the identity key as a BEP44 mutable
/// item and published to the DHT through a gateway.
/// </summary>
public sealed class DidDhtMethod : IDidMethodResolver
{
    /// <summary>did:dht spec "DNS record TTL": 7200 s.</summary>
    public const uint RecordTtl = 7200;

    private static readonly string[] KeyTypeCurves = ["Ed25519", "secp256k1", "P-256", "X25519"];
    private static readonly string[] KeyTypeDefaultAlg = ["EdDSA", "ES256K", "ES256", "ECDH-ES+A256KW"];
    private static readonly (string Relationship, string Short)[] RelationshipNames =
    [
        (VerificationRelationships.Authentication, "auth"),
        (VerificationRelationships.AssertionMethod, "asm"),
        (VerificationRelationships.KeyAgreement, "agm"),
        (VerificationRelationships.CapabilityInvocation, "inv"),
        (VerificationRelationships.CapabilityDelegation, "del"),
    ];

    private readonly HttpClient? _http;
    private readonly DidDhtOptions _options;

    /// <summary>Creates the method; without an HTTP client or gateway only offline operations work.</summary>
    public DidDhtMethod(HttpClient? http = null, DidDhtOptions? options = null)
    {
        _http = http;
        _options = options ?? new DidDhtOptions();
    }

    /// <inheritdoc />
    public string Method => "dht";

    /// <summary>The did:dht of an Ed25519 identity key.</summary>
    public static string IdentifierFor(ReadOnlySpan<byte> identityKey) =>
        identityKey.Length == 32 ? "did:dht:" + Base32.EncodeZ(identityKey) : throw new ArgumentException("did:dht: the identity key is 32 bytes", nameof(identityKey));

    /// <summary>The identity key of a did:dht, or an error code.</summary>
    public static bool TryGetIdentityKey(Did did, out byte[] key, out string? error)
    {
        ArgumentNullException.ThrowIfNull(did);
        key = [];
        error = null;
        if (did.Method != "dht")
        {
            error = DidErrorCodes.MethodNotSupported;
            return false;
        }

        if (!Base32.TryDecodeZ(did.Id, out var bytes) || bytes.Length != 32
            || !NSec.Cryptography.PublicKey.TryImport(NSec.Cryptography.SignatureAlgorithm.Ed25519, bytes, NSec.Cryptography.KeyBlobFormat.RawPublicKey, out _))
        {
            error = DidErrorCodes.InvalidPublicKey;
            return false;
        }

        key = bytes;
        return true;
    }

    /// <summary>Builds the DID document of a new did:dht (web5 "Create": identity key is <c>#0</c> with auth, asm, inv, del).</summary>
    public static DidDocument CreateDocument(Jwk identityKey, DidDhtCreateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(identityKey);
        options ??= new DidDhtCreateOptions();
        if (identityKey.Kty != "OKP" || identityKey.Crv != "Ed25519")
        {
            throw new JoseException(JoseErrorKind.InvalidKey, "did:dht: the identity key must be Ed25519");
        }

        var did = IdentifierFor(identityKey.XBytes());
        var identity = identityKey.With("kid", null).With("use", null);
        if (identity.Alg is null)
        {
            identity = identity.With("alg", "EdDSA");
        }

        var vms = new List<VerificationMethod> { new(did + "#0", "JsonWebKey", did, identity) };
        var rel = RelationshipNames.ToDictionary(r => r.Relationship, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var r in new[] { VerificationRelationships.Authentication, VerificationRelationships.AssertionMethod, VerificationRelationships.CapabilityInvocation, VerificationRelationships.CapabilityDelegation })
        {
            rel[r].Add(did + "#0");
        }

        foreach (var extra in options.VerificationMethods)
        {
            var key = extra.Key.With("kid", null);
            var vmId = did + "#" + (extra.Id?.TrimStart('#') ?? key.Thumbprint());
            vms.Add(new VerificationMethod(vmId, "JsonWebKey", extra.Controller ?? did, key));
            foreach (var purpose in extra.Purposes)
            {
                if (!rel.TryGetValue(purpose, out var list))
                {
                    throw new ArgumentException($"did:dht: unknown verification relationship '{purpose}'", nameof(options));
                }

                list.Add(vmId);
            }
        }

        return new DidDocument
        {
            Id = did,
            Controller = options.Controllers,
            AlsoKnownAs = options.AlsoKnownAs,
            VerificationMethods = vms,
            Relationships = rel.Where(p => p.Value.Count > 0).ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal),
            Services = [.. options.Services.Select(s => s with { Id = s.Id.StartsWith("did:", StringComparison.Ordinal) ? s.Id : did + "#" + s.Id.TrimStart('#') })],
        };
    }

    /// <summary>The DNS records of a document (did:dht spec "DIDs as DNS Records").</summary>
    public static IReadOnlyList<DnsRecord> ToDnsRecords(DidDocument document, IReadOnlyList<int>? types = null, IReadOnlyList<string>? gateways = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        var suffix = Did.Parse(document.Id).Id;
        var records = new List<DnsRecord>();
        if (document.AlsoKnownAs.Count > 0)
        {
            records.Add(DnsRecord.TxtRecord("_aka._did.", RecordTtl, string.Join(',', document.AlsoKnownAs)));
        }

        if (document.Controller.Count > 0)
        {
            records.Add(DnsRecord.TxtRecord("_cnt._did.", RecordTtl, string.Join(',', document.Controller)));
        }

        var lookup = new Dictionary<string, string>(StringComparer.Ordinal);
        var vmRecords = new List<string>();
        for (var i = 0; i < document.VerificationMethods.Count; i++)
        {
            var vm = document.VerificationMethods[i];
            var recordId = "k" + i.ToString(CultureInfo.InvariantCulture);
            vmRecords.Add(recordId);
            var fragment = vm.Id.Split('#')[^1];
            lookup[fragment] = recordId;
            var key = vm.PublicKeyJwk ?? throw new ArgumentException($"did:dht: verification method {vm.Id} has no publicKeyJwk", nameof(document));
            var t = Array.IndexOf(KeyTypeCurves, key.Crv);
            if (t < 0)
            {
                throw new ArgumentException($"did:dht: verification method {vm.Id} has an unsupported key type {key.Crv}", nameof(document));
            }

            var data = new List<string> { "t=" + t.ToString(CultureInfo.InvariantCulture), "k=" + B64Url.Encode(KeyBytes(key)) };
            if (fragment != "0" && key.Thumbprint() != fragment)
            {
                data.Insert(0, "id=" + fragment);
            }

            if (key.Alg is not null && key.Alg != KeyTypeDefaultAlg[t])
            {
                data.Add("a=" + key.Alg);
            }

            if (vm.Controller != document.Id)
            {
                data.Add("c=" + vm.Controller);
            }

            records.Add(DnsRecord.TxtRecord("_" + recordId + "._did.", RecordTtl, string.Join(';', data)));
        }

        var svcRecords = new List<string>();
        for (var i = 0; i < document.Services.Count; i++)
        {
            var s = document.Services[i];
            var recordId = "s" + i.ToString(CultureInfo.InvariantCulture);
            svcRecords.Add(recordId);
            var parts = new List<string> { "id=" + s.Id.Split('#')[^1], "t=" + s.Type, "se=" + string.Join(',', s.Endpoints) };
            if (s.Extra is not null)
            {
                foreach (var (k, v) in s.Extra)
                {
                    parts.Add(k + "=" + (v is JsonArray a ? string.Join(',', a.Select(x => x?.GetValue<string>())) : v?.GetValue<string>()));
                }
            }

            records.Add(DnsRecord.TxtRecord("_" + recordId + "._did.", RecordTtl, string.Join(';', parts)));
        }

        var root = new List<string> { "v=0" };
        if (vmRecords.Count > 0)
        {
            root.Add("vm=" + string.Join(',', vmRecords));
        }

        foreach (var (relationship, shortName) in RelationshipNames)
        {
            var ids = document.Relationship(relationship);
            if (ids.Count > 0)
            {
                root.Add(shortName + "=" + string.Join(',', ids.Select(id => lookup.TryGetValue(id.Split('#')[^1], out var r) ? r : throw new ArgumentException($"did:dht: {relationship} lists unknown method {id}", nameof(document)))));
            }
        }

        if (svcRecords.Count > 0)
        {
            root.Add("svc=" + string.Join(',', svcRecords));
        }

        if (types is { Count: > 0 })
        {
            records.Add(DnsRecord.TxtRecord("_typ._did.", RecordTtl, "id=" + string.Join(',', types)));
        }

        records.Add(DnsRecord.TxtRecord("_did." + suffix + ".", RecordTtl, string.Join(';', root)));
        foreach (var gateway in gateways ?? [])
        {
            records.Add(new DnsRecord("_did." + suffix + ".", DnsRecord.TypeNs, RecordTtl, [], gateway + "."));
        }

        return records;
    }

    private static byte[] KeyBytes(Jwk key) => key.Crv switch
    {
        "Ed25519" or "X25519" => key.XBytes(),
        "secp256k1" => key.ToSecp256k1().ToCompressed(),
        "P-256" => CompressNist(key),
        _ => throw new JoseException(JoseErrorKind.InvalidKey, $"did:dht: unsupported curve {key.Crv}"),
    };

    private static byte[] CompressNist(Jwk key)
    {
        var x = key.XBytes();
        var y = key.YBytes();
        var result = new byte[33];
        result[0] = (byte)((y[^1] & 1) == 0 ? 2 : 3);
        x.CopyTo(result, 1);
        return result;
    }

    /// <summary>Reads a document (and its metadata types) back from DNS records.</summary>
    public static (DidDocument Document, IReadOnlyList<int> Types) FromDnsRecords(string did, IReadOnlyList<DnsRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var vms = new List<VerificationMethod>();
        var services = new List<DidService>();
        var lookup = new Dictionary<string, string>(StringComparer.Ordinal);
        IReadOnlyList<string> aka = [];
        IReadOnlyList<string> controllers = [];
        var controllerIsString = false;
        IReadOnlyList<int> types = [];
        string? rootText = null;
        foreach (var rr in records.Where(r => r.Type == DnsRecord.TypeTxt))
        {
            var recordId = rr.Name.Split('.')[0].TrimStart('_');
            var text = rr.TxtText;
            if (recordId.StartsWith("aka", StringComparison.Ordinal))
            {
                aka = text.Split(',');
            }
            else if (recordId.StartsWith("cnt", StringComparison.Ordinal))
            {
                controllers = text.Split(',');
                controllerIsString = !text.Contains(',', StringComparison.Ordinal);
            }
            else if (recordId.StartsWith("typ", StringComparison.Ordinal))
            {
                var props = ParseProperties(text);
                types = props.TryGetValue("id", out var ids) && ids.Length > 0 ? [.. ids.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture))] : [];
            }
            else if (recordId.StartsWith("did", StringComparison.Ordinal))
            {
                rootText = text;
            }
            else if (recordId.Length > 1 && recordId[0] == 'k' && char.IsAsciiDigit(recordId[1]))
            {
                var props = ParseProperties(text);
                if (!props.TryGetValue("t", out var tText) || !int.TryParse(tText, NumberStyles.None, CultureInfo.InvariantCulture, out var t) || t >= KeyTypeCurves.Length
                    || !props.TryGetValue("k", out var kText) || !B64Url.TryDecode(kText, out var keyBytes))
                {
                    throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDidDht, $"did:dht: key record {recordId} needs t (0-3) and k (base64url)");
                }

                var jwk = KeyFromBytes(t, keyBytes).With("alg", props.TryGetValue("a", out var a) ? a : KeyTypeDefaultAlg[t]);
                var fragment = recordId == "k0" ? "0" : props.TryGetValue("id", out var id) ? id : jwk.Thumbprint();
                var vmId = did + "#" + fragment;
                vms.Add(new VerificationMethod(vmId, "JsonWebKey", props.TryGetValue("c", out var c) ? c : did, jwk));
                lookup[recordId] = vmId;
            }
            else if (recordId.Length > 1 && recordId[0] == 's' && char.IsAsciiDigit(recordId[1]))
            {
                var props = ParseProperties(text);
                if (!props.TryGetValue("id", out var sid) || !props.TryGetValue("t", out var st) || !props.TryGetValue("se", out var se))
                {
                    throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDidDht, $"did:dht: service record {recordId} needs id, t and se");
                }

                JsonObject? extra = null;
                foreach (var (k, v) in props)
                {
                    if (k is not ("id" or "t" or "se"))
                    {
                        (extra ??= [])[k] = v.Contains(',', StringComparison.Ordinal) ? new JsonArray([.. v.Split(',').Select(x => (JsonNode)JsonValue.Create(x)!)]) : JsonValue.Create(v);
                    }
                }

                // web5-js writes single endpoints back as one-element arrays (did:dht spec vector 3).
                services.Add(new DidService(did + "#" + sid, st, new JsonArray([.. se.Split(',').Select(x => (JsonNode)JsonValue.Create(x)!)]), extra));
            }
        }

        var rel = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (rootText is null)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDidDht, "did:dht: no root record _did.{id}.");
        }

        var root = ParseProperties(rootText);
        foreach (var (relationship, shortName) in RelationshipNames)
        {
            if (root.TryGetValue(shortName, out var list) && list.Length > 0)
            {
                rel[relationship] = [.. list.Split(',').Select(r => lookup.TryGetValue(r, out var v) ? v : null).OfType<string>()];
            }
        }

        return (new DidDocument
        {
            Id = did,
            AlsoKnownAs = aka,
            Controller = controllers,
            ControllerIsString = controllerIsString,
            VerificationMethods = vms,
            Relationships = rel,
            Services = services,
        }, types);
    }

    private static Jwk KeyFromBytes(int t, byte[] key) => t switch
    {
        0 => Jwk.FromOkp("Ed25519", key, alg: null),
        1 => Jwk.FromSecp256k1(OPSource.Crypto.Secp256k1.PublicKey.TryParse(key, out var pk) ? pk : throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDidDht, "did:dht: k is not a secp256k1 point"), alg: null),
        2 => DidKeyMethod.ToJwk(Multicodec.P256Pub, key),
        _ => Jwk.FromOkp("X25519", key, alg: null),
    };

    private static Dictionary<string, string> ParseProperties(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split(';'))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                result[pair[..eq]] = pair[(eq + 1)..];
            }
        }

        return result;
    }

    /// <summary>Signs a document's DNS packet as a BEP44 message with the identity key (seq: seconds since the epoch, as web5-js).</summary>
    public static Bep44Message CreateSignedPacket(DidDocument document, PrivateJwk identityKey, long seq, IReadOnlyList<int>? types = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(identityKey);
        var identity = identityKey.Public.XBytes();
        if (IdentifierFor(identity) != document.Id)
        {
            throw new ArgumentException("did:dht: the identity key does not match the document's DID", nameof(identityKey));
        }

        var packet = DnsPacket.Encode(ToDnsRecords(document, types));
        if (packet.Length > Bep44Message.MaxValueBytes)
        {
            throw new ArgumentException($"did:dht: the DNS packet is {packet.Length} bytes; BEP44 allows {Bep44Message.MaxValueBytes}", nameof(document));
        }

        var signature = JwsAlgorithms.Sign("EdDSA", identityKey, Bep44Message.SignableBytes(seq, packet));
        return new Bep44Message(identity, seq, signature, packet);
    }

    /// <summary>Verifies a BEP44 message and reads the document it carries.</summary>
    public static DidResolutionResult Decode(Did did, Bep44Message message)
    {
        ArgumentNullException.ThrowIfNull(did);
        ArgumentNullException.ThrowIfNull(message);
        if (!message.Verify())
        {
            return DidResolutionResult.Failure(DidErrorCodes.InvalidSignature, "BEP44 signature does not verify");
        }

        try
        {
            var (document, types) = FromDnsRecords(did.Uri, DnsPacket.DecodeAnswers(message.Value));
            var metadata = new JsonObject { ["published"] = true, ["versionId"] = message.Seq.ToString(CultureInfo.InvariantCulture) };
            if (types.Count > 0)
            {
                metadata["types"] = new JsonArray([.. types.Select(t => (JsonNode)JsonValue.Create(t))]);
            }

            return DidResolutionResult.Success(document, metadata);
        }
        catch (Exception e) when (e is FormatException or JoseException or ArgumentException)
        {
            return DidResolutionResult.Failure(DidErrorCodes.InvalidDidDocument, e.Message);
        }
    }

    /// <summary>Publishes a signed packet to the configured gateway (pkarr relay PUT).</summary>
    public async Task PublishAsync(Bep44Message message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var url = GatewayUrlFor(message.PublicKey);
        using var content = new ByteArrayContent(message.ToRelayBody());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        using var response = await _http!.PutAsync(url, content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"did:dht gateway refused the packet: HTTP {(int)response.StatusCode}", null, response.StatusCode);
        }
    }

    private Uri GatewayUrlFor(byte[] identity)
    {
        if (_http is null || _options.GatewayUrl is null)
        {
            throw new InvalidOperationException("did:dht: no gateway configured (Web5:DhtGatewayUrl)");
        }

        var baseUrl = _options.GatewayUrl.ToString();
        return new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/", UriKind.Absolute) is var b ? new Uri(b, Base32.EncodeZ(identity)) : null!;
    }

    /// <inheritdoc />
    public async Task<DidResolutionResult> ResolveAsync(Did did, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(did);
        if (!TryGetIdentityKey(did, out var identity, out var error))
        {
            return DidResolutionResult.Failure(error!, error == DidErrorCodes.InvalidPublicKey ? "the identifier is not z-base-32 of an Ed25519 key" : null);
        }

        if (_http is null || _options.GatewayUrl is null)
        {
            return DidResolutionResult.Failure(DidErrorCodes.InternalError, "did:dht: no gateway configured");
        }

        byte[] body;
        try
        {
            using var response = await _http.GetAsync(GatewayUrlFor(identity), cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound || !response.IsSuccessStatusCode)
            {
                return DidResolutionResult.Failure(DidErrorCodes.NotFound, $"gateway answered {(int)response.StatusCode}");
            }

            body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            return DidResolutionResult.Failure(DidErrorCodes.InternalError, "gateway unreachable: " + e.Message);
        }

        Bep44Message message;
        try
        {
            message = Bep44Message.FromRelayBody(identity, body);
        }
        catch (FormatException e)
        {
            return DidResolutionResult.Failure(DidErrorCodes.InvalidDidDocument, e.Message);
        }

        return Decode(did, message);
    }
}
