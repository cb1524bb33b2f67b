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

    /// <summary>A resolved Handshake name (records as hsd's getnameresource prints them).</summary>
    public static JsonObject HandshakeName(Handshake.HnsResolution r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var o = new JsonObject
        {
            ["name"] = r.Name,
            ["name_hash"] = r.NameHash,
            ["state"] = r.State,
            ["records"] = Handshake.HnsResource.ToJson(r.Records)["records"]!.DeepClone(),
            ["records_proven"] = r.RecordsProven,
            ["pending_update"] = r.PendingUpdate,
            ["linked_did"] = r.LinkedDid,
        };
        if (r.Proof is { } p)
        {
            o["proof"] = new JsonObject
            {
                ["verified"] = p.Verified,
                ["type"] = p.Type.ToString().ToLowerInvariant(),
                ["block_hash"] = p.BlockHash,
                ["height"] = p.Height,
                ["tree_root"] = p.TreeRoot,
                ["error"] = p.Error,
            };
        }

        if (r.NameState is { } ns)
        {
            o["name_state"] = new JsonObject
            {
                ["height"] = ns.Height,
                ["renewal"] = ns.Renewal,
                ["owner"] = ns.Owner is { } owner ? new JsonObject { ["txid"] = owner.TxId, ["vout"] = owner.Index } : null,
                ["value"] = ns.Value,
                ["highest"] = ns.Highest,
                ["registered"] = ns.Registered,
                ["expired"] = ns.Expired,
            };
        }

        o["dns"] = new JsonArray([.. r.Dns.Select(d => (JsonNode)new JsonObject
        {
            ["server"] = d.Server,
            ["txt"] = new JsonArray([.. d.Txt.Select(t => (JsonNode)JsonValue.Create(t))]),
            ["ns"] = new JsonArray([.. d.Ns.Select(t => (JsonNode)JsonValue.Create(t))]),
            ["error"] = d.Error,
        })]);
        if (r.DidResolution is { } did)
        {
            o["did_resolution"] = did.ToJson();
        }

        return o;
    }
}
