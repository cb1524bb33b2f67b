using System.Text.Json.Nodes;
using OPSource.Web5.Credentials;

namespace OPSource.Web5;

/// <summary>JSON views shared by the REST API and the CLI's <c>--json</c> output (snake_case keys; DID documents keep DID Core names).</summary>
public static class Web5Views
{
    /// <summary>A stored DID.</summary>
    public static JsonObject Did(StoredDid did)
    {
        ArgumentNullException.ThrowIfNull(did);
        return new JsonObject
        {
            ["uri"] = did.Uri,
            ["method"] = did.Method,
            ["created_at"] = did.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["metadata"] = did.Metadata.DeepClone(),
            ["document"] = did.Document.ToJson(),
        };
    }

    /// <summary>A verified credential.</summary>
    public static JsonObject Verified(VerifiedCredential verified)
    {
        ArgumentNullException.ThrowIfNull(verified);
        return new JsonObject
        {
            ["valid"] = true,
            ["issuer"] = verified.Issuer,
            ["subject"] = verified.Subject,
            ["verification_method"] = verified.VerificationMethodId,
            ["type"] = verified.Credential.Type,
            ["credential"] = verified.Credential.Model,
        };
    }
}
