using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Web5.Dids;
using OPSource.Web5.Encoding;
using OPSource.Web5.Jose;

namespace OPSource.Web5.Credentials;

/// <summary>A credential that failed validation or verification; the message names the rule.</summary>
public sealed class CredentialException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CredentialException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CredentialException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public CredentialException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The outcome of verifying a VC-JWT.</summary>
/// <param name="Issuer">The issuer DID (<c>iss</c>).</param>
/// <param name="Subject">The subject (<c>sub</c>), if any.</param>
/// <param name="Credential">The credential (VC data model) with the JWT claims applied.</param>
/// <param name="VerificationMethodId">The verification method that signed it.</param>
public sealed record VerifiedCredential(string Issuer, string? Subject, VerifiableCredential Credential, string VerificationMethodId);

/// <summary>
/// A verifiable credential in the W3C VC Data Model 1.1 (https://www.w3.org/TR/vc-data-model/),
/// secured as a VC-JWT (section 6.3.1, "JWT and JWS Considerations"), as @web5/credentials does.
/// </summary>
public sealed class VerifiableCredential
{
    /// <summary>The VC 1.1 base context.</summary>
    public const string BaseContext = "https://www.w3.org/2018/credentials/v1";

    /// <summary>The base type.</summary>
    public const string BaseType = "VerifiableCredential";

    /// <summary>The status list context @web5/credentials adds.</summary>
    public const string StatusListContext = "https://w3id.org/vc/status-list/2021/v1";

    private VerifiableCredential(JsonObject model)
    {
        Model = model;
    }

    /// <summary>The VC data model (a copy is returned).</summary>
    public JsonObject Model { get => (JsonObject)field.DeepClone(); }

    /// <summary>The credential id.</summary>
    public string? Id => Model.GetString("id");

    /// <summary>The issuer id (string issuer or issuer.id).</summary>
    public string Issuer => IssuerOf(Model) ?? string.Empty;

    /// <summary>The subject id (credentialSubject.id).</summary>
    public string? Subject => (Model["credentialSubject"] as JsonObject)?.GetString("id");

    /// <summary>The types.</summary>
    public IReadOnlyList<string> Types => Model["type"] is JsonArray a ? [.. a.Select(t => t?.GetValue<string>() ?? string.Empty)] : Model.GetString("type") is { } t ? [t] : [];

    /// <summary>The most specific type (the last).</summary>
    public string Type => Types.Count > 0 ? Types[^1] : string.Empty;

    /// <summary>The credential subject.</summary>
    public JsonObject? CredentialSubject => Model["credentialSubject"] as JsonObject;

    private static string? IssuerOf(JsonObject model) => model["issuer"] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonObject o => o.GetString("id"),
        _ => null,
    };

    /// <summary>Wraps and validates a VC data model.</summary>
    public static VerifiableCredential FromModel(JsonObject model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var copy = (JsonObject)model.DeepClone();
        Validate(copy);
        return new VerifiableCredential(copy);
    }

    /// <summary>
    /// Creates a credential as @web5/credentials' VerifiableCredential.create: base context (plus the
    /// status-list context when a status is given), type [VerifiableCredential, ...], a urn:uuid id,
    /// issuanceDate now unless given, credentialSubject {id: subject, ...data}.
    /// </summary>
    public static VerifiableCredential Create(
        string issuer,
        string subject,
        JsonObject data,
        IReadOnlyList<string>? types = null,
        DateTimeOffset? issuanceDate = null,
        DateTimeOffset? expirationDate = null,
        JsonObject? credentialStatus = null,
        JsonNode? credentialSchema = null,
        JsonNode? evidence = null,
        string? id = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(issuer);
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentNullException.ThrowIfNull(data);
        var subjectObject = new JsonObject { ["id"] = subject };
        foreach (var (k, v) in data)
        {
            if (k != "id")
            {
                subjectObject[k] = v?.DeepClone();
            }
        }

        var context = new JsonArray(BaseContext);
        if (credentialStatus is not null)
        {
            context.Add((JsonNode)JsonValue.Create(StatusListContext));
        }

        var typeArray = new JsonArray(BaseType);
        foreach (var t in types ?? [])
        {
            if (t != BaseType)
            {
                typeArray.Add((JsonNode)JsonValue.Create(t));
            }
        }

        var model = new JsonObject
        {
            ["@context"] = context,
            ["type"] = typeArray,
            ["id"] = id ?? "urn:uuid:" + Guid.NewGuid().ToString("D"),
            ["issuer"] = issuer,
            ["issuanceDate"] = Timestamp(issuanceDate ?? DateTimeOffset.UtcNow),
            ["credentialSubject"] = subjectObject,
        };
        if (expirationDate is not null)
        {
            model["expirationDate"] = Timestamp(expirationDate.Value);
        }

        if (credentialStatus is not null)
        {
            model["credentialStatus"] = credentialStatus.DeepClone();
        }

        if (credentialSchema is not null)
        {
            model["credentialSchema"] = credentialSchema.DeepClone();
        }

        if (evidence is not null)
        {
            model["evidence"] = evidence.DeepClone();
        }

        return FromModel(model);
    }

    /// <summary>An XML Schema 1.1 dateTime in UTC without fractions (<c>2024-02-29T18:42:16Z</c>).</summary>
    public static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Checks the data model rules (VC 1.1 section 4): @context first item is the base context; id (if
    /// any) a single URI; type non-empty with VerifiableCredential first; one issuer, a URI or an object
    /// with a URI id; issuanceDate and expirationDate single valid dateTimes; credentialSubject
    /// non-empty; credentialStatus an object with id and type.
    /// </summary>
    public static void Validate(JsonObject model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var context = model["@context"] ?? throw new CredentialException("credential: @context is required");
        var contexts = context is JsonArray ca ? ca : new JsonArray(context.DeepClone());
        if (contexts.Count == 0 || contexts[0] is not JsonValue first || first.GetValueKind() != JsonValueKind.String || first.GetValue<string>() != BaseContext)
        {
            throw new CredentialException($"credential: the first @context must be \"{BaseContext}\"");
        }

        if (model.ContainsKey("id"))
        {
            if (model["id"] is not JsonValue idv || idv.GetValueKind() != JsonValueKind.String || !IsUri(idv.GetValue<string>()))
            {
                throw new CredentialException("credential: id must be a single URI");
            }
        }

        var type = model["type"] ?? throw new CredentialException("credential: type is required");
        var types = type is JsonArray ta ? ta : new JsonArray(type.DeepClone());
        if (types.Count == 0)
        {
            throw new CredentialException("credential: type must have at least one value");
        }

        if (types.Any(t => t is not JsonValue tv || tv.GetValueKind() != JsonValueKind.String) || types[0]!.GetValue<string>() != BaseType)
        {
            throw new CredentialException($"credential: the first type must be \"{BaseType}\"");
        }

        switch (model["issuer"])
        {
            case null:
                throw new CredentialException("credential: issuer is required");
            case JsonValue iv when iv.GetValueKind() == JsonValueKind.String:
                if (!IsUri(iv.GetValue<string>()))
                {
                    throw new CredentialException("credential: issuer must be a URI");
                }

                break;
            case JsonObject io:
                if (io["id"] is not JsonValue iid || iid.GetValueKind() != JsonValueKind.String || !IsUri(iid.GetValue<string>()))
                {
                    throw new CredentialException("credential: an issuer object needs an id that is a URI");
                }

                break;
            default:
                throw new CredentialException("credential: issuer must be a URI or an object with an id");
        }

        CheckDate(model, "issuanceDate", required: true);
        CheckDate(model, "expirationDate", required: false);
        switch (model["credentialSubject"])
        {
            case JsonObject s when s.Count > 0:
                break;
            case JsonArray sa when sa.Count > 0 && sa.All(x => x is JsonObject { Count: > 0 }):
                break;
            default:
                throw new CredentialException("credential: credentialSubject must be a non-empty object");
        }

        if (model.ContainsKey("credentialStatus"))
        {
            var statuses = model["credentialStatus"] switch
            {
                JsonObject so => [so],
                JsonArray sa when sa.All(x => x is JsonObject) => sa.Select(x => (JsonObject)x!).ToList(),
                _ => throw new CredentialException("credential: credentialStatus must be an object"),
            };
            foreach (var s in statuses)
            {
                if (s.GetString("id") is null)
                {
                    throw new CredentialException("credential: credentialStatus needs an id");
                }

                if (s.GetString("type") is null)
                {
                    throw new CredentialException("credential: credentialStatus needs a type");
                }
            }
        }
    }

    private static void CheckDate(JsonObject model, string name, bool required)
    {
        // A null member counts as absent (web5-js and web5-kt emit "expirationDate": null).
        if (!model.TryGetPropertyValue(name, out var node) || node is null)
        {
            if (required)
            {
                throw new CredentialException($"credential: {name} is required");
            }

            return;
        }

        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.String || !TryParseDate(v.GetValue<string>(), out _))
        {
            throw new CredentialException($"credential: {name} must be one XML Schema dateTime");
        }
    }

    /// <summary>Parses an XML Schema 1.1 / RFC 3339 date-time with a zone.</summary>
    public static bool TryParseDate(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out value)
        && (text.EndsWith('Z') || text.Length > 19 && (text[^6] == '+' || text[^6] == '-'));

    private static bool IsUri(string s) => Uri.TryCreate(s, UriKind.Absolute, out var u) && u.Scheme.Length > 0 && !s.Contains(' ', StringComparison.Ordinal);

    /// <summary>
    /// Signs as a VC-JWT: header {alg, kid, typ: JWT}; claims vc, nbf (issuanceDate), jti (id), iss
    /// (issuer), sub (subject), iat, and exp (expirationDate) when set (VC 1.1 section 6.3.1).
    /// </summary>
    public string Sign(BearerDid issuer, DateTimeOffset? now = null, string? verificationMethodId = null)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        if (issuer.Uri != Issuer)
        {
            throw new CredentialException("credential: the signing DID is not the credential's issuer");
        }

        var model = Model;
        var (vmId, key) = issuer.GetSigner(verificationMethodId);
        var claims = new JsonObject
        {
            ["vc"] = model,
            ["nbf"] = SecondsOf(model.GetString("issuanceDate")!),
            ["jti"] = model.GetString("id"),
            ["iss"] = issuer.Uri,
            ["sub"] = Subject,
            ["iat"] = (now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds(),
        };
        if (model.GetString("expirationDate") is { } exp)
        {
            claims["exp"] = SecondsOf(exp);
        }

        return Jwt.Sign(key, claims.RemoveNullMembers(), new JsonObject { ["alg"] = key.DefaultAlgorithm, ["kid"] = vmId, ["typ"] = "JWT" });
    }

    private static long SecondsOf(string date) => TryParseDate(date, out var d) ? d.ToUnixTimeSeconds() : throw new CredentialException("credential: bad date " + date);

    /// <summary>
    /// Decodes a VC-JWT without verifying it (web5-spec vc_jwt/decode): three parts, JSON claims with a
    /// <c>vc</c> object.
    /// </summary>
    public static (JsonObject Header, JsonObject Claims, JsonObject Vc) Decode(string vcJwt)
    {
        var (jws, claims) = ParseJwt(vcJwt, "vc-jwt");

        if (claims["vc"] is not JsonObject vc)
        {
            throw new CredentialException(claims.ContainsKey("vc") ? "vc-jwt: the vc claim must be an object" : "vc-jwt: no vc claim");
        }

        // The claim must have the data model's shape (members of the right JSON types).
        CheckShape(vc, "@context", allowString: true, allowObject: false);
        CheckShape(vc, "type", allowString: true, allowObject: false);
        CheckShape(vc, "issuer", allowString: true, allowObject: true);
        CheckShape(vc, "credentialSubject", allowString: false, allowObject: true);

        return (jws.Signatures[0].Protected!, claims, vc);
    }

    /// <summary>Parses a compact JWS with a JSON claims set; <see cref="CredentialException"/> prefixed with <paramref name="what"/> otherwise.</summary>
    internal static (Jws Jws, JsonObject Claims) ParseJwt(string jwt, string what)
    {
        try
        {
            var jws = Jws.ParseCompact(jwt);
            return (jws, jws.PayloadJson());
        }
        catch (JoseException e)
        {
            throw new CredentialException($"{what}: {e.Message}");
        }
    }

    private static void CheckShape(JsonObject vc, string name, bool allowString, bool allowObject)
    {
        var node = vc[name];
        var ok = node switch
        {
            null => false,
            JsonArray a => name is "@context" or "type" or "credentialSubject" && a.All(x => x is not null),
            JsonObject => allowObject,
            JsonValue v => allowString && v.GetValueKind() == JsonValueKind.String,
            _ => false,
        };
        if (!ok)
        {
            throw new CredentialException($"vc-jwt: vc.{name} is missing or has the wrong type");
        }
    }

    /// <summary>
    /// Verifies a VC-JWT as @web5/credentials does: the header needs alg and kid (typ, if present, is
    /// JWT); kid dereferences (DID resolution) to a verification method of the issuer whose key checks
    /// the signature; exp/nbf are checked against <paramref name="now"/>; iss, nbf, exp, sub and jti must
    /// agree with the credential; the data model rules hold.
    /// </summary>
    public static async Task<VerifiedCredential> VerifyAsync(string vcJwt, DidResolver resolver, DateTimeOffset? now = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        var (header, claims, vc) = Decode(vcJwt);
        var alg = header.GetString("alg") ?? throw new CredentialException("vc-jwt: the header needs alg");
        var kid = header.GetString("kid") ?? throw new CredentialException("vc-jwt: the header needs kid");
        if (header.GetString("typ") is { } typ && !string.Equals(typ, "JWT", StringComparison.OrdinalIgnoreCase))
        {
            throw new CredentialException("vc-jwt: typ must be JWT");
        }

        var clock = (now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        long? exp, nbf;
        try
        {
            exp = Jwt.NumericDate(claims, "exp");
            nbf = Jwt.NumericDate(claims, "nbf");
        }
        catch (JoseException e)
        {
            throw new CredentialException("vc-jwt: " + e.Message);
        }

        if (exp is not null && clock > exp)
        {
            throw new CredentialException("vc-jwt: the credential has expired");
        }

        var iss = claims.GetString("iss");
        if (string.IsNullOrEmpty(iss))
        {
            throw new CredentialException("vc-jwt: the iss claim is required");
        }

        if (iss != IssuerOf(vc))
        {
            throw new CredentialException("vc-jwt: iss does not match the credential's issuer");
        }

        // The signing key must belong to the issuer.
        if (!kid.StartsWith(iss + "#", StringComparison.Ordinal))
        {
            throw new CredentialException("vc-jwt: kid is not a verification method of the issuer");
        }

        var (vm, error) = await resolver.DereferenceVerificationMethodAsync(kid, cancellationToken).ConfigureAwait(false);
        if (vm?.PublicKeyJwk is null)
        {
            throw new CredentialException($"vc-jwt: cannot resolve kid {kid}: {error ?? "no publicKeyJwk"}");
        }

        bool valid;
        try
        {
            valid = Jws.ParseCompact(vcJwt).Verify(vm.PublicKeyJwk);
        }
        catch (JoseException e)
        {
            throw new CredentialException("vc-jwt: " + e.Message);
        }

        if (!valid)
        {
            throw new CredentialException("vc-jwt: the signature does not verify");
        }

        _ = alg;
        if (nbf is not null && nbf > clock)
        {
            throw new CredentialException("vc-jwt: nbf (issuance) is in the future");
        }

        if (exp is not null && vc.GetString("expirationDate") is { } expDate && (!TryParseDate(expDate, out var e2) || e2.ToUnixTimeSeconds() != exp))
        {
            throw new CredentialException("vc-jwt: exp does not match expirationDate");
        }

        if (exp is not null)
        {
            vc["expirationDate"] = Timestamp(DateTimeOffset.FromUnixTimeSeconds(exp.Value));
        }

        if (nbf is not null && vc.GetString("issuanceDate") is { Length: > 0 } issDate && (!TryParseDate(issDate, out var i2) || i2.ToUnixTimeSeconds() != nbf))
        {
            throw new CredentialException("vc-jwt: nbf does not match issuanceDate");
        }

        if (nbf is not null)
        {
            vc["issuanceDate"] = Timestamp(DateTimeOffset.FromUnixTimeSeconds(nbf.Value));
        }

        var sub = claims.GetString("sub");
        if (sub is not null && vc["credentialSubject"] is JsonObject cs)
        {
            if (cs.GetString("id") is { } sid && sid != sub)
            {
                throw new CredentialException("vc-jwt: sub does not match credentialSubject.id");
            }

            cs["id"] = sub;
        }

        var jti = claims.GetString("jti");
        if (jti is not null && vc.GetString("id") is { } vid && vid != jti)
        {
            throw new CredentialException("vc-jwt: jti does not match the credential id");
        }

        if (jti is not null)
        {
            vc["id"] = jti;
        }

        Validate(vc);
        return new VerifiedCredential(iss, sub, new VerifiableCredential((JsonObject)vc.DeepClone()), vm.Id);
    }
}

internal static class JsonNodeHelpers
{
    public static JsonObject RemoveNullMembers(this JsonObject o)
    {
        foreach (var name in o.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            o.Remove(name);
        }

        return o;
    }
}
