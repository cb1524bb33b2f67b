using System.Text.Json.Nodes;
using OPSource.Web5.Encoding;
using OPSource.Web5.Jose;

namespace OPSource.Web5.Dids;

/// <summary>
/// did:jwk (https://github.com/quartzjer/did-jwk/blob/main/spec.md): the DID is
/// <c>did:jwk:</c> + base64url(UTF-8 JSON of the public JWK); one verification method <c>#0</c>.
/// </summary>
public sealed class DidJwkMethod : IDidMethodResolver
{
    /// <inheritdoc />
    public string Method => "jwk";

    /// <summary>The did:jwk of a public key (its JSON as given, member order kept).</summary>
    public static string FromJwk(Jwk key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return "did:jwk:" + B64Url.Encode(Web5Json.SerializeUtf8(key.ToJsonObject()));
    }

    /// <inheritdoc />
    public Task<DidResolutionResult> ResolveAsync(Did did, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(did);
        return Task.FromResult(Resolve(did));
    }

    /// <summary>Resolves (no I/O).</summary>
    public static DidResolutionResult Resolve(Did did)
    {
        ArgumentNullException.ThrowIfNull(did);
        if (did.Method != "jwk")
        {
            return DidResolutionResult.Failure(DidErrorCodes.MethodNotSupported, $"method '{did.Method}' is not jwk");
        }

        Jwk key;
        try
        {
            if (!B64Url.TryDecode(did.Id, out var bytes))
            {
                return DidResolutionResult.Failure(DidErrorCodes.InvalidDid, "did:jwk identifier is not base64url");
            }

            key = Jwk.FromJson(Web5Json.ParseObject(bytes, "did:jwk"));
        }
        catch (Exception e) when (e is FormatException or JoseException)
        {
            return DidResolutionResult.Failure(DidErrorCodes.InvalidDid, "did:jwk identifier is not a public JWK: " + e.Message);
        }

        var vmId = did.Uri + "#0";
        IReadOnlyList<string> ids = [vmId];
        var rel = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        // did:jwk spec, "Read": use "enc" -> keyAgreement only; "sig" -> the four signing relationships; absent -> all.
        if (key.Use != "enc")
        {
            rel[VerificationRelationships.Authentication] = ids;
            rel[VerificationRelationships.AssertionMethod] = ids;
            rel[VerificationRelationships.CapabilityInvocation] = ids;
            rel[VerificationRelationships.CapabilityDelegation] = ids;
        }

        if (key.Use != "sig")
        {
            rel[VerificationRelationships.KeyAgreement] = ids;
        }

        return DidResolutionResult.Success(new DidDocument
        {
            Id = did.Uri,
            Context = ["https://www.w3.org/ns/did/v1"],
            VerificationMethods = [new VerificationMethod(vmId, "JsonWebKey", did.Uri, key)],
            Relationships = rel,
        });
    }
}
