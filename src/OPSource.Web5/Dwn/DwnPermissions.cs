using System.Text.Json.Nodes;
using OPSource.Web5.Credentials;
using OPSource.Web5.Dids;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Dwn;

/// <summary>
/// The scope of a permission grant or request (dwn-sdk-js 0.5.2 src/types/permission-types.ts, json-schemas/permissions/
/// scopes.json): an interface and a method, and for Records a protocol with an optional contextId (a prefix) or
/// protocolPath.
/// </summary>
/// <param name="Interface">Records, Protocols or Messages.</param>
/// <param name="Method">The method the grant allows (Write, Read, Query, Subscribe, Delete, Configure).</param>
/// <param name="Protocol">The protocol URI the grant is limited to (normalized); required when creating a Records grant.</param>
/// <param name="ContextId">Records: only records whose contextId starts with this.</param>
/// <param name="ProtocolPath">Records: only records at this protocol path.</param>
public sealed record PermissionScope(string Interface, string Method, string? Protocol = null, string? ContextId = null, string? ProtocolPath = null)
{
    /// <summary>The scope JSON (members in the order given, absent ones left out).</summary>
    public JsonObject ToJson() => new JsonObject
    {
        ["interface"] = Interface,
        ["method"] = Method,
        ["protocol"] = Protocol,
        ["contextId"] = ContextId,
        ["protocolPath"] = ProtocolPath,
    }.RemoveNullMembers();

    /// <summary>
    /// Parses a scope as the permissions JSON schemas allow it: one of the scopes.json definitions (interface and method
    /// pairs; contextId and protocolPath for Records only; nothing else).
    /// </summary>
    public static PermissionScope Parse(JsonNode? node)
    {
        var scope = node as JsonObject ?? throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "/scope: must be object");
        var iface = DwnMessage.RequiredString(scope, "interface", "/scope");
        var method = DwnMessage.RequiredString(scope, "method", "/scope");
        string[] methods = iface switch
        {
            DwnInterface.Records => ["Read", "Delete", "Write", "Query", "Subscribe"],
            DwnInterface.Protocols => ["Configure", "Query"],
            "Messages" => ["Query", "Read", "Subscribe"],
            _ => [],
        };
        if (!methods.Contains(method))
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"/scope: must match exactly one schema in oneOf ({iface} {method} is not a permission scope)");
        }

        foreach (var (name, _) in scope)
        {
            var allowed = name is "interface" or "method" or "protocol" || (iface == DwnInterface.Records && name is "contextId" or "protocolPath");
            if (!allowed)
            {
                throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"/scope: must match exactly one schema in oneOf ('{name}' is not allowed)");
            }
        }

        return new PermissionScope(
            iface,
            method,
            DwnMessage.OptionalString(scope, "protocol", "/scope"),
            DwnMessage.OptionalString(scope, "contextId", "/scope"),
            DwnMessage.OptionalString(scope, "protocolPath", "/scope"));
    }
}

/// <summary>
/// A permission grant: a RecordsWrite at protocolPath <c>grant</c> of the permissions protocol, signed by the grantor,
/// with the grantee as its recipient and the grant data (dateExpires, scope, conditions...) as its JSON data
/// (dwn-sdk-js 0.5.2 src/protocols/permission-grant.ts).
/// </summary>
/// <param name="Id">The grant's record ID (what messages name as permissionGrantId).</param>
/// <param name="Grantor">The grant's signer.</param>
/// <param name="Grantee">The grant's recipient.</param>
/// <param name="DateGranted">descriptor.dateCreated.</param>
/// <param name="DateExpires">The data's dateExpires (a DWN timestamp).</param>
/// <param name="Delegated">Whether the grantee may act as the grantor (a delegated grant, embedded in the grantee's messages: <see cref="DwnDelegatedGrants"/>).</param>
/// <param name="Scope">What the grant allows.</param>
/// <param name="Publication">conditions.publication: Required, Prohibited or null.</param>
/// <param name="Message">The grant's RecordsWrite.</param>
public sealed record PermissionGrant(string Id, string Grantor, string Grantee, string DateGranted, string DateExpires, bool? Delegated, PermissionScope Scope, string? Publication, JsonObject Message)
{
    /// <summary>PermissionGrant.parse: the grant facts from its RecordsWrite and its data.</summary>
    public static PermissionGrant Parse(JsonObject message, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(message);
        var descriptor = DwnMessage.Descriptor(message);
        var grantData = Web5Json.ParseObject(data, "permission grant data");
        var signature = (message["authorization"] as JsonObject)?["signature"];
        return new PermissionGrant(
            DwnMessage.RequiredString(message, "recordId", "permission grant"),
            DwnNode.SignerDid(signature ?? throw new DwnException(DwnErrorCode.AuthenticateJwsMissing, "permission grant: not signed")),
            descriptor.GetString("recipient") ?? string.Empty,
            descriptor.GetString("dateCreated") ?? string.Empty,
            grantData.GetString("dateExpires") ?? string.Empty,
            grantData["delegated"] is JsonValue d && d.TryGetValue<bool>(out var delegated) ? delegated : null,
            PermissionScope.Parse(grantData["scope"]),
            (grantData["conditions"] as JsonObject)?.GetString("publication"),
            message);
    }
}

/// <summary>
/// The DWN permissions protocol (dwn-sdk-js 0.5.2 src/protocols/permissions.ts): requests, grants and revocations are
/// RecordsWrites of the built-in protocol <see cref="Uri"/>, which every DWN has without a ProtocolsConfigure.
/// Creating them as PermissionsProtocol.createRequest/createGrant/createRevocation do, validating their data
/// (validateSchema), and authorizing messages that invoke a grant (core/grant-authorization.ts,
/// records-grant-authorization.ts, protocols-grant-authorization.ts).
/// </summary>
public static class DwnPermissions
{
    /// <summary>The permissions protocol URI.</summary>
    public const string Uri = "https://tbd.website/dwn/permissions";

    /// <summary>The protocol path of requests.</summary>
    public const string RequestPath = "request";

    /// <summary>The protocol path of grants.</summary>
    public const string GrantPath = "grant";

    /// <summary>The protocol path of revocations (children of the grant they revoke).</summary>
    public const string RevocationPath = "grant/revocation";

    // PermissionsProtocol.definition: anyone may request; the grantee may read and query its grant; anyone may read a
    // revocation. Grants and revocations are written by the tenant (author = tenant needs no rule).
    private static readonly JsonObject DefinitionJson = Web5Json.ParseObject(
        """
        {"published":true,"protocol":"https://tbd.website/dwn/permissions",
         "types":{"request":{"dataFormats":["application/json"]},"grant":{"dataFormats":["application/json"]},"revocation":{"dataFormats":["application/json"]}},
         "structure":{
           "request":{"$size":{"max":10000},"$actions":[{"who":"anyone","can":["create"]}]},
           "grant":{"$size":{"max":10000},"$actions":[{"who":"recipient","of":"grant","can":["read","query"]}],
             "revocation":{"$size":{"max":10000},"$actions":[{"who":"anyone","can":["read"]}]}}}}
        """u8,
        "permissions protocol definition");

    /// <summary>The built-in protocol definition (a copy).</summary>
    public static JsonObject Definition => (JsonObject)DefinitionJson.DeepClone();

    /// <summary>
    /// PermissionsProtocol.createGrant: a grant from <paramref name="grantor"/> to <paramref name="grantedTo"/> until
    /// <paramref name="dateExpires"/>; a protocol-scoped grant carries the tag <c>protocol</c>. Returns the signed
    /// RecordsWrite and its data (send both).
    /// </summary>
    public static (JsonObject Message, byte[] Data) CreateGrant(
        BearerDid grantor,
        string grantedTo,
        DateTimeOffset dateExpires,
        PermissionScope scope,
        string? publication = null,
        string? description = null,
        string? requestId = null,
        bool? delegated = null,
        DateTimeOffset? dateGranted = null)
    {
        ArgumentNullException.ThrowIfNull(scope);
        scope = Normalize(scope, grantRecords: true);
        var data = new JsonObject
        {
            ["dateExpires"] = DwnMessage.Timestamp(dateExpires),
            ["requestId"] = requestId,
            ["description"] = description,
            ["delegated"] = delegated,
            ["scope"] = scope.ToJson(),
            ["conditions"] = publication is null ? null : new JsonObject { ["publication"] = publication },
        }.RemoveNullMembers();
        var bytes = Web5Json.SerializeUtf8(data);
        var message = RecordsWrite.Create(grantor, bytes, new RecordsWriteOptions
        {
            DataFormat = "application/json",
            Protocol = Uri,
            ProtocolPath = GrantPath,
            Recipient = grantedTo,
            Tags = ProtocolTag(scope.Protocol),
            Timestamp = dateGranted,
        });
        return (message, bytes);
    }

    /// <summary>PermissionsProtocol.createRequest: a request by <paramref name="requester"/> for <paramref name="scope"/>.</summary>
    public static (JsonObject Message, byte[] Data) CreateRequest(BearerDid requester, PermissionScope scope, bool delegated = false, string? description = null, string? publication = null, DateTimeOffset? dateRequested = null)
    {
        ArgumentNullException.ThrowIfNull(scope);
        scope = Normalize(scope, grantRecords: true);
        var data = new JsonObject
        {
            ["description"] = description,
            ["delegated"] = delegated,
            ["scope"] = scope.ToJson(),
            ["conditions"] = publication is null ? null : new JsonObject { ["publication"] = publication },
        }.RemoveNullMembers();
        var bytes = Web5Json.SerializeUtf8(data);
        var message = RecordsWrite.Create(requester, bytes, new RecordsWriteOptions
        {
            DataFormat = "application/json",
            Protocol = Uri,
            ProtocolPath = RequestPath,
            Tags = ProtocolTag(scope.Protocol),
            Timestamp = dateRequested,
        });
        return (message, bytes);
    }

    /// <summary>PermissionsProtocol.createRevocation: a revocation of <paramref name="grant"/> (a child record of it).</summary>
    public static (JsonObject Message, byte[] Data) CreateRevocation(BearerDid grantor, PermissionGrant grant, string? description = null, DateTimeOffset? dateRevoked = null)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var bytes = Web5Json.SerializeUtf8(new JsonObject { ["description"] = description }.RemoveNullMembers());
        var message = RecordsWrite.Create(grantor, bytes, new RecordsWriteOptions
        {
            DataFormat = "application/json",
            Protocol = Uri,
            ProtocolPath = RevocationPath,
            ParentContextId = grant.Id, // the grant is a root record: its record ID is its context ID
            Tags = ProtocolTag(grant.Scope.Protocol is null ? null : DwnUrl.Normalize(grant.Scope.Protocol)),
            Timestamp = dateRevoked,
        });
        return (message, bytes);
    }

    private static PermissionScope Normalize(PermissionScope scope, bool grantRecords)
    {
        if (grantRecords && scope.Interface == DwnInterface.Records && scope.Protocol is null)
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "permissions: a Records scope needs a protocol");
        }

        return scope.Protocol is null ? scope : scope with { Protocol = DwnUrl.Normalize(scope.Protocol) };
    }

    private static JsonObject? ProtocolTag(string? protocol) => protocol is null ? null : new JsonObject { ["protocol"] = protocol };

    /// <summary>
    /// PermissionsProtocol.validateSchema (run on a permissions record's data before it is stored): the request, grant
    /// or revocation JSON schema, then for requests and grants the scope rules (a protocol scope must be normalized
    /// and repeated in the <c>protocol</c> tag; contextId and protocolPath exclude each other) and a valid dateExpires.
    /// </summary>
    internal static void ValidateData(JsonObject descriptor, ReadOnlySpan<byte> data)
    {
        JsonObject value;
        try
        {
            value = Web5Json.ParseObject(data, "permissions record data");
        }
        catch (FormatException e)
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "permissions record data: " + e.Message);
        }

        var path = descriptor.GetString("protocolPath");
        switch (path)
        {
            case RequestPath:
                CheckMembers(value, "PermissionRequestData", ["description", "delegated", "scope", "conditions"], ["delegated", "scope"]);
                CheckCommon(value);
                if (value["delegated"] is not JsonValue dv || !dv.TryGetValue<bool>(out _))
                {
                    throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "/delegated: must be boolean");
                }

                ValidateScopeAndTags(PermissionScope.Parse(value["scope"]), descriptor);
                break;
            case GrantPath:
                CheckMembers(value, "PermissionGrantData", ["description", "dateExpires", "requestId", "delegated", "scope", "conditions"], ["dateExpires", "scope"]);
                CheckCommon(value);
                if (value["delegated"] is { } d && (d is not JsonValue dj || !dj.TryGetValue<bool>(out _)))
                {
                    throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "/delegated: must be boolean");
                }

                if (value["requestId"] is { } r && (r is not JsonValue rj || !rj.TryGetValue<string>(out _)))
                {
                    throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "/requestId: must be string");
                }

                var scope = PermissionScope.Parse(value["scope"]);
                var expires = value["dateExpires"] is JsonValue ev && ev.TryGetValue<string>(out var e) ? e : null;
                ValidateScopeAndTags(scope, descriptor);
                if (!DwnMessage.IsTimestamp(expires))
                {
                    throw new DwnException(DwnErrorCode.TimestampInvalid, $"Invalid timestamp: {expires}");
                }

                break;
            case RevocationPath:
                CheckMembers(value, "PermissionRevocationData", ["description"], []);
                CheckCommon(value);
                break;
            default:
                throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"Unexpected permission record: {path}");
        }
    }

    private static void CheckMembers(JsonObject value, string schema, string[] allowed, string[] required)
    {
        foreach (var name in required)
        {
            if (!value.ContainsKey(name))
            {
                throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{schema}: must have required property '{name}'");
            }
        }

        foreach (var (name, _) in value)
        {
            if (!allowed.Contains(name))
            {
                throw new DwnException(DwnErrorCode.SchemaValidatorAdditionalPropertyNotAllowed, $"must NOT have additional properties: {schema}: {name}");
            }
        }
    }

    private static void CheckCommon(JsonObject value)
    {
        if (value["description"] is { } desc && (desc is not JsonValue v || !v.TryGetValue<string>(out _)))
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "/description: must be string");
        }

        if (value["conditions"] is { } conditions)
        {
            var c = conditions as JsonObject ?? throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "/conditions: must be object");
            foreach (var (name, member) in c)
            {
                if (name != "publication")
                {
                    throw new DwnException(DwnErrorCode.SchemaValidatorAdditionalPropertyNotAllowed, $"must NOT have additional properties: /conditions: {name}");
                }

                if (member is not JsonValue pv || !pv.TryGetValue<string>(out var publication) || publication is not ("Required" or "Prohibited"))
                {
                    throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "/conditions/publication: must be equal to one of the allowed values");
                }
            }
        }
    }

    // PermissionsProtocol.validateScopeAndTags.
    private static void ValidateScopeAndTags(PermissionScope scope, JsonObject descriptor)
    {
        if (scope.Protocol is { } protocol)
        {
            if (DwnUrl.TryNormalize(protocol) != protocol)
            {
                throw new DwnException(DwnErrorCode.UrlProtocolNotNormalized, $"Protocol URI {protocol} must be normalized.");
            }

            if ((descriptor["tags"] as JsonObject)?["protocol"] is not JsonValue tag)
            {
                throw new DwnException(DwnErrorCode.PermissionsProtocolValidateScopeMissingProtocolTag, "Permission grants must have a `tags` property that contains a protocol tag");
            }

            var tagged = tag.TryGetValue<string>(out var t) ? t : tag.ToJsonString();
            if (tagged != protocol)
            {
                throw new DwnException(DwnErrorCode.PermissionsProtocolValidateScopeProtocolMismatch, $"Permission grants must have a scope with a protocol that matches the tagged protocol: {tagged}");
            }
        }

        if (scope.Interface == DwnInterface.Records && scope.ContextId is not null && scope.ProtocolPath is not null)
        {
            throw new DwnException(DwnErrorCode.PermissionsProtocolValidateScopeContextIdProhibitedProperties, "Permission grants cannot have both `contextId` and `protocolPath` present");
        }
    }

    /// <summary>
    /// PermissionsProtocol.fetchGrant: the latest state of record <paramref name="grantId"/>, which must be a grant of
    /// the permissions protocol. (dwn-sdk-js checks only the protocolPath; the protocol is checked here too, so a
    /// record at path "grant" of another protocol is never taken for a grant.)
    /// </summary>
    internal static async Task<PermissionGrant> FetchGrantAsync(DwnMessageStore store, string tenant, string grantId, CancellationToken cancellationToken)
    {
        var found = await store.QueryAsync(tenant, [new JsonObject { ["recordId"] = grantId, ["isLatestBaseState"] = true }], cancellationToken: cancellationToken).ConfigureAwait(false);
        var message = found.Messages.FirstOrDefault();
        if (message is null || message.Descriptor.GetString("interface") != DwnInterface.Records || message.Method != "Write"
            || message.Descriptor.GetString("protocol") != Uri || message.Descriptor.GetString("protocolPath") != GrantPath || message.EncodedData is null)
        {
            throw new DwnException(DwnErrorCode.GrantAuthorizationGrantMissing, $"Could not find permission grant with record ID {grantId}.");
        }

        try
        {
            return PermissionGrant.Parse(message.Message, B64Url.Decode(message.EncodedData, "permission grant data"));
        }
        catch (FormatException e)
        {
            throw new DwnException(DwnErrorCode.GrantAuthorizationGrantMissing, $"permission grant {grantId} cannot be read: {e.Message}");
        }
    }

    /// <summary>
    /// GrantAuthorization.performBaseValidation: the grant is to the author and from the tenant, active at the message's
    /// timestamp (dateCreated &lt;= timestamp &lt; dateExpires), not revoked by a revocation at or before the message's
    /// timestamp, and for the message's interface and method.
    /// </summary>
    internal static async Task VerifyBaseAsync(DwnMessageStore store, JsonObject descriptor, string grantor, string grantee, PermissionGrant grant, CancellationToken cancellationToken)
    {
        if (grant.Grantee != grantee)
        {
            throw new DwnException(DwnErrorCode.GrantAuthorizationNotGrantedToAuthor, $"Permission grant is granted to {grant.Grantee}, but need to be granted to {grantee}");
        }

        if (grant.Grantor != grantor)
        {
            throw new DwnException(DwnErrorCode.GrantAuthorizationNotGrantedForTenant, $"Permission grant is granted by {grant.Grantor}, but need to be granted by {grantor}");
        }

        // Timestamps are fixed-width UTC strings: ordinal order is time order (as the reference compares them).
        var timestamp = descriptor.GetString("messageTimestamp") ?? string.Empty;
        if (string.CompareOrdinal(timestamp, grant.DateGranted) < 0)
        {
            throw new DwnException(DwnErrorCode.GrantAuthorizationGrantNotYetActive, "The message has a timestamp before the associated permission grant becomes active");
        }

        if (string.CompareOrdinal(timestamp, grant.DateExpires) >= 0)
        {
            throw new DwnException(DwnErrorCode.GrantAuthorizationGrantExpired, "The message has timestamp after the expiry of the associated permission grant");
        }

        var revocations = await store.QueryAsync(
            grantor,
            [new JsonObject { ["parentId"] = grant.Id, ["protocolPath"] = RevocationPath, ["isLatestBaseState"] = true }],
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var oldest = revocations.Messages
            .OrderBy(m => m.MessageTimestamp, StringComparer.Ordinal)
            .ThenBy(m => m.MessageCid, StringComparer.Ordinal)
            .FirstOrDefault();
        if (oldest is not null && string.CompareOrdinal(oldest.MessageTimestamp, timestamp) <= 0)
        {
            throw new DwnException(DwnErrorCode.GrantAuthorizationGrantRevoked, $"Permission grant with CID {grant.Id} has been revoked");
        }

        if (descriptor.GetString("interface") != grant.Scope.Interface)
        {
            throw new DwnException(DwnErrorCode.GrantAuthorizationInterfaceMismatch, $"DWN Interface of incoming message is outside the scope of permission grant with ID {grant.Id}");
        }

        if (descriptor.GetString("method") != grant.Scope.Method)
        {
            throw new DwnException(DwnErrorCode.GrantAuthorizationMethodMismatch, $"DWN Method of incoming message is outside the scope of permission grant with ID {grant.Id}");
        }
    }

    /// <summary>RecordsGrantAuthorization.verifyScope: the record is in the grant's protocol, contextId prefix and protocolPath.</summary>
    internal static void VerifyRecordScope(JsonObject recordsWrite, PermissionScope scope)
    {
        var descriptor = DwnMessage.Descriptor(recordsWrite);
        if (scope.Protocol != descriptor.GetString("protocol"))
        {
            throw new DwnException(DwnErrorCode.RecordsGrantAuthorizationScopeProtocolMismatch, "Grant scope specifies different protocol than what appears in the record");
        }

        if (scope.ContextId is not null && !(recordsWrite.GetString("contextId")?.StartsWith(scope.ContextId, StringComparison.Ordinal) ?? false))
        {
            throw new DwnException(DwnErrorCode.RecordsGrantAuthorizationScopeContextIdMismatch, "Grant scope specifies different contextId than what appears in the record");
        }

        if (scope.ProtocolPath is not null && scope.ProtocolPath != descriptor.GetString("protocolPath"))
        {
            throw new DwnException(DwnErrorCode.RecordsGrantAuthorizationScopeProtocolPathMismatch, "Grant scope specifies different protocolPath than what appears in the record");
        }
    }

    /// <summary>RecordsGrantAuthorization.verifyConditions: conditions.publication against the write's published flag.</summary>
    internal static void VerifyConditions(JsonObject descriptor, string? publication)
    {
        var published = descriptor["published"] is JsonValue p && p.TryGetValue<bool>(out var b) && b;
        if (publication == "Required" && !published)
        {
            throw new DwnException(DwnErrorCode.RecordsGrantAuthorizationConditionPublicationRequired, "Permission grant requires message to be published");
        }

        if (publication == "Prohibited" && published)
        {
            throw new DwnException(DwnErrorCode.RecordsGrantAuthorizationConditionPublicationProhibited, "Permission grant prohibits message from being published");
        }
    }

    /// <summary>
    /// RecordsWriteHandler.preProcessingForCoreRecordsWrite: a revocation's protocol tag must equal the revoked grant's
    /// scope protocol (both absent is equal).
    /// </summary>
    internal static async Task VerifyRevocationAsync(DwnMessageStore store, string tenant, JsonObject descriptor, CancellationToken cancellationToken)
    {
        var grant = await FetchGrantAsync(store, tenant, descriptor.GetString("parentId") ?? string.Empty, cancellationToken).ConfigureAwait(false);
        var tagged = (descriptor["tags"] as JsonObject)?["protocol"] is JsonValue v && v.TryGetValue<string>(out var t) ? t : null;
        if (grant.Scope.Protocol != tagged)
        {
            throw new DwnException(DwnErrorCode.PermissionsProtocolValidateRevocationProtocolTagMismatch, $"Revocation protocol {tagged} does not match grant protocol {grant.Scope.Protocol}");
        }
    }
}
