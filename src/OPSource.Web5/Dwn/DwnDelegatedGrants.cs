using System.Text.Json.Nodes;
using OPSource.Web5.Dids;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Dwn;

/// <summary>
/// Delegated grants (dwn-sdk-js 0.5.2 utils/records.ts validateDelegatedGrantReferentialIntegrity, core/auth.ts
/// authenticate, core/message.ts getAuthor, interfaces/records-*.ts and protocols-configure.ts authorizeDelegate): a
/// grantor's permission grant with <c>delegated: true</c>, embedded whole (with its <c>encodedData</c>) in a message's
/// authorization as <c>authorDelegatedGrant</c> (a RecordsWrite's owner side: <c>ownerDelegatedGrant</c>), lets its
/// grantee sign on the grantor's behalf: the signer is the grantee, the message's author (owner) is the grantor, and the
/// grant's scope limits what the delegate may do.
/// </summary>
public static class DwnDelegatedGrants
{
    // records-write-unidentified.json properties (records-write-data-encoded.json: unevaluatedProperties false).
    private static readonly string[] GrantMembers = ["recordId", "contextId", "attestation", "authorization", "encryption", "descriptor", "encodedData"];

    /// <summary>
    /// A grant message as it is embedded: the grant's RecordsWrite with its data as <c>encodedData</c>
    /// (DataEncodedRecordsWriteMessage), for <see cref="RecordsWriteOptions.DelegatedGrant"/> and the request creators.
    /// </summary>
    public static JsonObject Embed(JsonObject grantMessage, ReadOnlySpan<byte> grantData)
    {
        ArgumentNullException.ThrowIfNull(grantMessage);
        var embedded = (JsonObject)grantMessage.DeepClone();
        embedded["encodedData"] = B64Url.Encode(grantData);
        return embedded;
    }

    /// <summary>
    /// Records.validateDelegatedGrantReferentialIntegrity for one side (the parse step, 400): <c>delegatedGrantId</c> in
    /// the signature payload and the embedded grant go together; the grant is a permissions-protocol grant (its JSON
    /// schema and data rules) with <c>delegated: true</c>, granted to the signer of that side's signature, and its CID is
    /// the signed <c>delegatedGrantId</c>. Returns the grant, or null when that side is not delegated.
    /// </summary>
    internal static PermissionGrant? CheckReferentialIntegrity(JsonObject authorization, JsonObject? signaturePayload, bool owner)
    {
        var member = owner ? "ownerDelegatedGrant" : "authorDelegatedGrant";
        var grantNode = authorization[member];
        if ((signaturePayload?["delegatedGrantId"] is not null) != (grantNode is not null))
        {
            throw new DwnException(
                owner ? DwnErrorCode.RecordsOwnerDelegatedGrantAndIdExistenceMismatch : DwnErrorCode.RecordsAuthorDelegatedGrantAndIdExistenceMismatch,
                $"delegatedGrantId in the {(owner ? "owner" : "message (author)")} signature and {member} must both exist or be undefined");
        }

        if (grantNode is null)
        {
            return null;
        }

        var grant = Parse(grantNode, member);
        if (grant.Delegated != true)
        {
            throw new DwnException(
                owner ? DwnErrorCode.RecordsOwnerDelegatedGrantNotADelegatedGrant : DwnErrorCode.RecordsAuthorDelegatedGrantNotADelegatedGrant,
                $"The {member} given is not a delegated grant.");
        }

        var signer = DwnNode.SignerDid(authorization[owner ? "ownerSignature" : "signature"]!);
        if (grant.Grantee != signer)
        {
            throw new DwnException(
                owner ? DwnErrorCode.RecordsOwnerDelegatedGrantGrantedToAndOwnerSignatureMismatch : DwnErrorCode.RecordsAuthorDelegatedGrantGrantedToAndOwnerSignatureMismatch,
                $"grantedTo {grant.Grantee} in {member} must be the same as the signer {signer} of the {(owner ? "owner" : "message")} signature.");
        }

        var cid = DwnMessage.ComputeCid(grant.Message);
        var signed = signaturePayload!["delegatedGrantId"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : signaturePayload["delegatedGrantId"]!.ToJsonString();
        if (cid != signed)
        {
            throw new DwnException(
                owner ? DwnErrorCode.RecordsOwnerDelegatedGrantCidMismatch : DwnErrorCode.RecordsAuthorDelegatedGrantCidMismatch,
                $"CID of the {member} {cid} must be the same as the delegatedGrantId {signed} in the {(owner ? "owner" : "message")} signature.");
        }

        return grant;
    }

    /// <summary>
    /// core/auth.ts authenticate: the grantor's signature on the embedded grant (RecordsWrite.parse of the grant, then its
    /// signature verified with the grantor's DID). Also (stricter than dwn-sdk-js 0.5.2, which reads <c>encodedData</c>
    /// unchecked) the grant's data must be the data the grantor signed: its CID and size are the descriptor's, so a
    /// delegate cannot widen the scope. Failures carry <see cref="DwnException.IsAuthentication"/> (401).
    /// </summary>
    internal static async Task VerifyGrantorSignatureAsync(PermissionGrant grant, DidResolver resolver, CancellationToken cancellationToken)
    {
        try
        {
            var descriptor = DwnMessage.Descriptor(grant.Message);
            var signature = ((JsonObject)grant.Message["authorization"]!)["signature"];
            DwnMessage.ValidateSignatureStructure(signature, descriptor);
            await DwnMessage.VerifySignatureAsync(signature, resolver, cancellationToken).ConfigureAwait(false);
            var data = B64Url.Decode(grant.Message.GetString("encodedData") ?? string.Empty, "delegated grant encodedData");
            if (DwnDataCid.Compute(data) != descriptor.GetString("dataCid") || data.Length != descriptor.GetInt64("dataSize"))
            {
                throw new DwnException(DwnErrorCode.GeneralJwsVerifierInvalidSignature, $"delegated grant {grant.Id}: encodedData is not the data its grantor signed (dataCid/dataSize)");
            }
        }
        catch (DwnException e) when (!e.IsAuthentication)
        {
            throw new DwnException(e.Code, e.Message) { IsAuthentication = true };
        }
        catch (FormatException e)
        {
            throw new DwnException(DwnErrorCode.GeneralJwsVerifierInvalidSignature, $"delegated grant {grant.Id}: {e.Message}") { IsAuthentication = true };
        }
    }

    // records-write-data-encoded.json (recordId, authorization and encodedData required; the RecordsWrite descriptor rules),
    // then the grant's data as PermissionGrant.parse reads it. The grant must be a grant record of the permissions protocol
    // whose data passes the permission grant schema (dwn-sdk-js 0.5.2 reads any RecordsWrite's data as grant data).
    private static PermissionGrant Parse(JsonNode grantNode, string member)
    {
        var grant = grantNode as JsonObject ?? throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"authorization.{member}: must be object");
        foreach (var (name, _) in grant)
        {
            if (!GrantMembers.Contains(name))
            {
                throw new DwnException(DwnErrorCode.SchemaValidatorUnevaluatedPropertyNotAllowed, $"authorization.{member}: must NOT have unevaluated properties ({name})");
            }
        }

        DwnMessage.RequiredString(grant, "recordId", "authorization." + member);
        var encodedData = DwnMessage.RequiredString(grant, "encodedData", "authorization." + member);
        if (grant["authorization"] is not JsonObject authorization || authorization["signature"] is null)
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"authorization.{member}: must have required property 'authorization'");
        }

        var descriptor = DwnMessage.Descriptor(grant);
        RecordsWrite.ValidateDescriptor(descriptor);
        if (descriptor.GetString("protocol") != DwnPermissions.Uri || descriptor.GetString("protocolPath") != DwnPermissions.GrantPath)
        {
            throw new DwnException(
                member == "ownerDelegatedGrant" ? DwnErrorCode.RecordsOwnerDelegatedGrantNotADelegatedGrant : DwnErrorCode.RecordsAuthorDelegatedGrantNotADelegatedGrant,
                $"The {member} given is not a grant of the permissions protocol.");
        }

        try
        {
            var data = B64Url.Decode(encodedData, $"authorization.{member}.encodedData");
            DwnPermissions.ValidateData(descriptor, data);
            return PermissionGrant.Parse(grant, data);
        }
        catch (FormatException e)
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"authorization.{member}: {e.Message}");
        }
    }
}
