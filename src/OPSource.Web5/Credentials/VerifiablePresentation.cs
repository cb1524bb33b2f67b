using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Web5.Dids;
using OPSource.Web5.Encoding;
using OPSource.Web5.Jose;

namespace OPSource.Web5.Credentials;

/// <summary>The outcome of verifying a VP-JWT.</summary>
/// <param name="Holder">The holder DID (<c>iss</c>), whose key signed it.</param>
/// <param name="Presentation">The VP data model.</param>
/// <param name="Credentials">Each embedded credential, verified.</param>
/// <param name="Evaluation">The evaluation against the definition, when one was given.</param>
public sealed record VerifiedPresentation(string Holder, JsonObject Presentation, IReadOnlyList<VerifiedCredential> Credentials, PexEvaluation? Evaluation);

/// <summary>
/// A verifiable presentation (VC Data Model 1.1 section 4.10) of VC-JWTs, secured as a VP-JWT
/// (section 6.3.1: claims <c>vp</c>, <c>iss</c> = holder, <c>sub</c>, <c>jti</c>, <c>iat</c>), as
/// @web5/credentials' VerifiablePresentation.
/// </summary>
public static class VerifiablePresentation
{
    /// <summary>The base presentation type.</summary>
    public const string BaseType = "VerifiablePresentation";

    /// <summary>The context a presentation submission adds (DIF PE v2 6.1).</summary>
    public const string SubmissionContext = "https://identity.foundation/presentation-exchange/submission/v1";

    /// <summary>
    /// Builds the VP data model: base context, type [VerifiablePresentation, ...], a urn:uuid id, the
    /// holder, the VC-JWTs, then <paramref name="additionalData"/> members (e.g. presentation_submission).
    /// </summary>
    public static JsonObject Create(string holder, IReadOnlyList<string> vcJwts, IReadOnlyList<string>? types = null, JsonObject? additionalData = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(holder);
        ArgumentNullException.ThrowIfNull(vcJwts);
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
            ["@context"] = new JsonArray(VerifiableCredential.BaseContext),
            ["type"] = typeArray,
            ["id"] = "urn:uuid:" + Guid.NewGuid().ToString("D"),
            ["holder"] = holder,
            ["verifiableCredential"] = new JsonArray([.. vcJwts.Select(j => (JsonNode)JsonValue.Create(j))]),
        };
        foreach (var (k, v) in additionalData ?? [])
        {
            model[k] = v?.DeepClone();
        }

        Validate(model);
        return model;
    }

    /// <summary>
    /// A presentation for a definition: the credentials, a presentation submission naming them
    /// (<see cref="PresentationExchange.CreatePresentationFromCredentials"/>), the submission context and type.
    /// </summary>
    public static JsonObject CreateForDefinition(string holder, PresentationDefinition definition, IReadOnlyList<string> vcJwts)
    {
        var result = PresentationExchange.CreatePresentationFromCredentials(definition, vcJwts);
        var model = Create(holder, vcJwts, ["PresentationSubmission"], new JsonObject { ["presentation_submission"] = result.Submission });
        ((JsonArray)model["@context"]!).Add((JsonNode)JsonValue.Create(SubmissionContext));
        return model;
    }

    /// <summary>The VP data model rules: the base context and the VerifiablePresentation type are present.</summary>
    public static void Validate(JsonObject model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var contexts = model["@context"] is JsonArray ca ? ca : model["@context"] is { } c ? new JsonArray(c.DeepClone()) : [];
        if (!contexts.Any(x => x is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == VerifiableCredential.BaseContext))
        {
            throw new CredentialException($"presentation: @context is missing \"{VerifiableCredential.BaseContext}\"");
        }

        var types = model["type"] is JsonArray ta ? ta : model["type"] is { } t ? new JsonArray(t.DeepClone()) : [];
        if (!types.Any(x => x is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == BaseType))
        {
            throw new CredentialException($"presentation: type is missing \"{BaseType}\"");
        }

        if (model["verifiableCredential"] is { } vcs && (vcs is not JsonArray a || a.Any(x => x is not JsonValue xv || xv.GetValueKind() != JsonValueKind.String)))
        {
            throw new CredentialException("presentation: verifiableCredential must be an array of VC-JWTs");
        }
    }

    /// <summary>Signs the presentation as a VP-JWT with the holder's key (header alg, kid, typ JWT).</summary>
    public static string Sign(JsonObject model, BearerDid holder, DateTimeOffset? now = null, string? verificationMethodId = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(holder);
        Validate(model);
        if (model.GetString("holder") is { } h && h != holder.Uri)
        {
            throw new CredentialException("presentation: the signing DID is not the presentation's holder");
        }

        var (vmId, key) = holder.GetSigner(verificationMethodId, VerificationRelationships.Authentication);
        var claims = new JsonObject
        {
            ["vp"] = model.DeepClone(),
            ["iss"] = holder.Uri,
            ["sub"] = holder.Uri,
            ["jti"] = model.GetString("id"),
            ["iat"] = (now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds(),
        };
        return Jwt.Sign(key, claims.RemoveNullMembers(), new JsonObject { ["alg"] = key.DefaultAlgorithm, ["kid"] = vmId, ["typ"] = "JWT" });
    }

    /// <summary>
    /// Verifies a VP-JWT: kid is a verification method of the holder (<c>iss</c>) that checks the
    /// signature; exp/nbf hold; the holder member (if any) is iss; the data model rules hold; every
    /// embedded VC-JWT verifies (<see cref="VerifiableCredential.VerifyAsync"/>); and, with a
    /// <paramref name="definition"/>, the presentation satisfies it
    /// (<see cref="PresentationExchange.EvaluatePresentation"/>, failing with its problems).
    /// </summary>
    public static async Task<VerifiedPresentation> VerifyAsync(string vpJwt, DidResolver resolver, PresentationDefinition? definition = null, DateTimeOffset? now = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        var (jws, claims) = VerifiableCredential.ParseJwt(vpJwt, "vp-jwt");

        if (claims["vp"] is not JsonObject vp)
        {
            throw new CredentialException("vp-jwt: no vp claim");
        }

        var kid = jws.Signatures[0].Kid ?? throw new CredentialException("vp-jwt: the header needs kid");
        var iss = claims.GetString("iss") ?? throw new CredentialException("vp-jwt: the iss claim is required");
        if (!kid.StartsWith(iss + "#", StringComparison.Ordinal))
        {
            throw new CredentialException("vp-jwt: kid is not a verification method of the holder (iss)");
        }

        if (vp.GetString("holder") is { } holder && holder != iss)
        {
            throw new CredentialException("vp-jwt: the presentation's holder is not iss");
        }

        var clock = (now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        try
        {
            if (Jwt.NumericDate(claims, "exp") is { } exp && clock > exp)
            {
                throw new CredentialException("vp-jwt: the presentation has expired");
            }

            if (Jwt.NumericDate(claims, "nbf") is { } nbf && nbf > clock)
            {
                throw new CredentialException("vp-jwt: nbf is in the future");
            }
        }
        catch (JoseException e)
        {
            throw new CredentialException("vp-jwt: " + e.Message);
        }

        var (vm, error) = await resolver.DereferenceVerificationMethodAsync(kid, cancellationToken).ConfigureAwait(false);
        if (vm?.PublicKeyJwk is null)
        {
            throw new CredentialException($"vp-jwt: cannot resolve kid {kid}: {error ?? "no publicKeyJwk"}");
        }

        bool valid;
        try
        {
            valid = jws.Verify(vm.PublicKeyJwk);
        }
        catch (JoseException e)
        {
            throw new CredentialException("vp-jwt: " + e.Message);
        }

        if (!valid)
        {
            throw new CredentialException("vp-jwt: the signature does not verify");
        }

        Validate(vp);
        var credentials = new List<VerifiedCredential>();
        var list = vp["verifiableCredential"] as JsonArray ?? [];
        for (var i = 0; i < list.Count; i++)
        {
            try
            {
                credentials.Add(await VerifiableCredential.VerifyAsync(list[i]!.GetValue<string>(), resolver, now, cancellationToken).ConfigureAwait(false));
            }
            catch (CredentialException e)
            {
                throw new CredentialException($"vp-jwt: verifiableCredential[{i}]: {e.Message}", e);
            }
        }

        PexEvaluation? evaluation = null;
        if (definition is not null)
        {
            evaluation = PresentationExchange.EvaluatePresentation(definition, vp, iss);
            if (!evaluation.Satisfied)
            {
                throw new PresentationExchangeException(PexErrorKind.NotSatisfied, evaluation.Problems);
            }
        }

        return new VerifiedPresentation(iss, (JsonObject)vp.DeepClone(), credentials, evaluation);
    }
}
