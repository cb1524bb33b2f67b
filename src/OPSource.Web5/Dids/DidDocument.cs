using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Web5.Encoding;
using OPSource.Web5.Jose;

namespace OPSource.Web5.Dids;

/// <summary>Verification relationships (DID Core section 5.3).</summary>
public static class VerificationRelationships
{
    /// <summary>authentication.</summary>
    public const string Authentication = "authentication";

    /// <summary>assertionMethod.</summary>
    public const string AssertionMethod = "assertionMethod";

    /// <summary>keyAgreement.</summary>
    public const string KeyAgreement = "keyAgreement";

    /// <summary>capabilityInvocation.</summary>
    public const string CapabilityInvocation = "capabilityInvocation";

    /// <summary>capabilityDelegation.</summary>
    public const string CapabilityDelegation = "capabilityDelegation";

    /// <summary>All five, in DID Core order.</summary>
    public static IReadOnlyList<string> All { get; } = [Authentication, AssertionMethod, KeyAgreement, CapabilityInvocation, CapabilityDelegation];
}

/// <summary>A verification method (DID Core section 5.2).</summary>
/// <param name="Id">Absolute id (<c>did:...#fragment</c>).</param>
/// <param name="Type">JsonWebKey, JsonWebKey2020, Ed25519VerificationKey2018, ...</param>
/// <param name="Controller">The controlling DID.</param>
/// <param name="PublicKeyJwk">The key as a JWK, when given that way.</param>
/// <param name="PublicKeyMultibase">The key as multibase, when given that way.</param>
/// <param name="PublicKeyBase58">The key as base58 (legacy suites), when given that way.</param>
public sealed record VerificationMethod(string Id, string Type, string Controller, Jwk? PublicKeyJwk, string? PublicKeyMultibase = null, string? PublicKeyBase58 = null)
{
    /// <summary>The JSON form.</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject { ["id"] = Id, ["type"] = Type, ["controller"] = Controller };
        if (PublicKeyJwk is not null)
        {
            o["publicKeyJwk"] = PublicKeyJwk.ToJsonObject();
        }

        if (PublicKeyMultibase is not null)
        {
            o["publicKeyMultibase"] = PublicKeyMultibase;
        }

        if (PublicKeyBase58 is not null)
        {
            o["publicKeyBase58"] = PublicKeyBase58;
        }

        return o;
    }

    /// <summary>Reads a verification method; relative ids (<c>#x</c>) are made absolute against <paramref name="documentId"/>.</summary>
    public static VerificationMethod FromJson(JsonObject o, string documentId)
    {
        ArgumentNullException.ThrowIfNull(o);
        var id = o.GetString("id") ?? throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDidDocument, "verificationMethod: missing 'id'");
        var type = o.GetString("type") ?? throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDidDocument, $"verificationMethod {id}: missing 'type'");
        var controller = o.GetString("controller") ?? documentId;
        Jwk? jwk = null;
        if (o["publicKeyJwk"] is JsonObject jwkJson)
        {
            try
            {
                jwk = Jwk.FromJson(jwkJson);
            }
            catch (JoseException e)
            {
                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDidDocument, $"verificationMethod {id}: {e.Message}");
            }
        }

        return new VerificationMethod(Absolute(id, documentId), type, controller, jwk, o.GetString("publicKeyMultibase"), o.GetString("publicKeyBase58"));
    }

    internal static string Absolute(string id, string documentId) => id.StartsWith('#') ? documentId + id : id;
}

/// <summary>A service (DID Core section 5.4); the endpoint is a URI string, a map or a set of them.</summary>
/// <param name="Id">The id (absolute or relative <c>#x</c> as published).</param>
/// <param name="Type">The type (a string; DID Core allows a set).</param>
/// <param name="ServiceEndpoint">The endpoint JSON value.</param>
/// <param name="Extra">Other members (e.g. did:dht's <c>sig</c>, <c>enc</c>).</param>
public sealed record DidService(string Id, string Type, JsonNode ServiceEndpoint, JsonObject? Extra = null)
{
    /// <summary>The endpoints as strings (a single URI, or each string of a set).</summary>
    public IReadOnlyList<string> Endpoints => ServiceEndpoint switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
        JsonArray a => [.. a.OfType<JsonValue>().Where(x => x.GetValueKind() == JsonValueKind.String).Select(x => x.GetValue<string>())],
        _ => [],
    };

    /// <summary>The JSON form.</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject { ["id"] = Id, ["type"] = Type, ["serviceEndpoint"] = ServiceEndpoint.DeepClone() };
        if (Extra is not null)
        {
            foreach (var (k, v) in Extra)
            {
                o[k] = v?.DeepClone();
            }
        }

        return o;
    }
}

/// <summary>
/// A DID document (DID Core section 5). Immutable; built by the DID methods and read from JSON. The
/// JSON form keeps DID Core's member names.
/// </summary>
public sealed record DidDocument
{
    /// <summary>The DID.</summary>
    public required string Id { get; init; }

    /// <summary>@context entries (empty: omitted).</summary>
    public IReadOnlyList<string> Context { get; init; } = [];

    /// <summary>alsoKnownAs.</summary>
    public IReadOnlyList<string> AlsoKnownAs { get; init; } = [];

    /// <summary>controller(s).</summary>
    public IReadOnlyList<string> Controller { get; init; } = [];

    /// <summary>Whether <see cref="Controller"/> was a single string (kept for round trips).</summary>
    public bool ControllerIsString { get; init; }

    /// <summary>verificationMethod.</summary>
    public IReadOnlyList<VerificationMethod> VerificationMethods { get; init; } = [];

    /// <summary>Relationship name to the verification method ids (absolute) it lists.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Relationships { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Services.</summary>
    public IReadOnlyList<DidService> Services { get; init; } = [];

    /// <summary>The ids a relationship lists.</summary>
    public IReadOnlyList<string> Relationship(string name) => Relationships.TryGetValue(name, out var ids) ? ids : [];

    /// <summary>A verification method by absolute id, <c>#fragment</c> or bare fragment.</summary>
    public VerificationMethod? FindVerificationMethod(string idOrFragment)
    {
        ArgumentNullException.ThrowIfNull(idOrFragment);
        var absolute = idOrFragment.StartsWith("did:", StringComparison.Ordinal) ? idOrFragment
            : Id + (idOrFragment.StartsWith('#') ? idOrFragment : "#" + idOrFragment);
        return VerificationMethods.FirstOrDefault(v => v.Id == absolute);
    }

    /// <summary>The verification methods of a relationship, in order.</summary>
    public IEnumerable<VerificationMethod> MethodsFor(string relationship) =>
        Relationship(relationship).Select(FindVerificationMethod).OfType<VerificationMethod>();

    /// <summary>The JSON form (DID Core member names; empty members omitted).</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject();
        if (Context.Count > 0)
        {
            o["@context"] = new JsonArray([.. Context.Select(c => (JsonNode)JsonValue.Create(c)!)]);
        }

        o["id"] = Id;
        if (Controller.Count > 0)
        {
            o["controller"] = ControllerIsString && Controller.Count == 1 ? JsonValue.Create(Controller[0]) : StringArray(Controller);
        }

        if (AlsoKnownAs.Count > 0)
        {
            o["alsoKnownAs"] = StringArray(AlsoKnownAs);
        }

        if (VerificationMethods.Count > 0)
        {
            o["verificationMethod"] = new JsonArray([.. VerificationMethods.Select(v => (JsonNode)v.ToJson())]);
        }

        foreach (var rel in VerificationRelationships.All)
        {
            if (Relationships.TryGetValue(rel, out var ids) && ids.Count > 0)
            {
                o[rel] = StringArray(ids);
            }
        }

        if (Services.Count > 0)
        {
            o["service"] = new JsonArray([.. Services.Select(s => (JsonNode)s.ToJson())]);
        }

        return o;
    }

    private static JsonArray StringArray(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode)JsonValue.Create(i)!)]);

    /// <summary>Reads a DID document from JSON; throws <see cref="FormatException"/> naming the member.</summary>
    public static DidDocument FromJson(JsonObject o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var id = o.GetString("id") ?? throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDidDocument, "didDocument: missing 'id'");
        var vms = new List<VerificationMethod>();
        if (o["verificationMethod"] is JsonArray vmArray)
        {
            foreach (var item in vmArray)
            {
                vms.Add(VerificationMethod.FromJson(item as JsonObject ?? throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDidDocument, "didDocument: verificationMethod entries must be objects"), id));
            }
        }

        var relationships = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var rel in VerificationRelationships.All)
        {
            if (o[rel] is not JsonArray relArray)
            {
                continue;
            }

            var ids = new List<string>();
            foreach (var item in relArray)
            {
                switch (item)
                {
                    case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                        ids.Add(VerificationMethod.Absolute(v.GetValue<string>(), id));
                        break;
                    case JsonObject embedded:
                        // DID Core 5.3: a relationship may embed its verification method.
                        var vm = VerificationMethod.FromJson(embedded, id);
                        vms.Add(vm);
                        ids.Add(vm.Id);
                        break;
                    default:
                        throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDidDocument, $"didDocument: {rel} entries must be strings or objects");
                }
            }

            relationships[rel] = ids;
        }

        var services = new List<DidService>();
        if (o["service"] is JsonArray svcArray)
        {
            foreach (var item in svcArray)
            {
                var s = item as JsonObject ?? throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDidDocument, "didDocument: service entries must be objects");
                var sid = s.GetString("id") ?? throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDidDocument, "didDocument: service without 'id'");
                var type = s["type"] switch
                {
                    JsonValue tv when tv.GetValueKind() == JsonValueKind.String => tv.GetValue<string>(),
                    JsonArray ta when ta.Count > 0 => ta[0]!.GetValue<string>(),
                    _ => throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDidDocument, $"didDocument: service {sid} without 'type'"),
                };
                var endpoint = s["serviceEndpoint"] ?? throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDidDocument, $"didDocument: service {sid} without 'serviceEndpoint'");
                JsonObject? extra = null;
                foreach (var (k, v) in s)
                {
                    if (k is not ("id" or "type" or "serviceEndpoint"))
                    {
                        (extra ??= [])[k] = v?.DeepClone();
                    }
                }

                services.Add(new DidService(sid, type, endpoint.DeepClone(), extra));
            }
        }

        var controller = o["controller"];
        return new DidDocument
        {
            Id = id,
            Context = o["@context"] switch
            {
                JsonArray a => [.. a.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>())],
                JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
                _ => [],
            },
            Controller = controller switch
            {
                JsonArray a => [.. a.Select(x => x!.GetValue<string>())],
                JsonValue v => [v.GetValue<string>()],
                _ => [],
            },
            ControllerIsString = controller is JsonValue,
            AlsoKnownAs = o["alsoKnownAs"] is JsonArray aka ? [.. aka.Select(x => x!.GetValue<string>())] : [],
            VerificationMethods = vms,
            Relationships = relationships,
            Services = services,
        };
    }
}
