using System.Text.Json.Nodes;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Dwn;

/// <summary>
/// The Messages interface (dwn-sdk-js 0.5.2 src/handlers/messages-query.ts, messages-read.ts, messages-subscribe.ts,
/// core/messages-grant-authorization.ts, utils/messages.ts): MessagesQuery lists the CIDs of the tenant's event log,
/// MessagesRead returns any stored message by CID (with a RecordsWrite's data), MessagesSubscribe streams the events.
/// Only the tenant, or a grantee of a Messages grant (optionally scoped to one protocol), may use them.
/// </summary>
public sealed partial class DwnNode
{
    // messages-filter.json: interface and method enums, protocol, messageTimestamp {from, to}; at least one member.
    private static readonly string[] MessagesFilterInterfaces = [DwnInterface.Records, DwnInterface.Protocols];
    private static readonly string[] MessagesFilterMethods = ["Configure", "Delete", "Write"];

    // ---- MessagesQuery (handlers/messages-query.ts) ----
    private async Task<DwnReply> MessagesQueryAsync(string tenant, JsonObject message, CancellationToken cancellationToken)
    {
        var (parsed, refusal) = await ParseAndAuthenticateAsync(message, ParseMessagesRequest, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        var query = parsed!;
        try
        {
            await AuthorizeMessagesQueryOrSubscribeAsync(tenant, query, DwnErrorCode.MessagesQueryAuthorizationFailed, cancellationToken).ConfigureAwait(false);
        }
        catch (DwnException e)
        {
            return DwnReply.FromError(e, 401);
        }

        long? after = null;
        if (query.Descriptor["cursor"] is JsonObject cursor)
        {
            // The cursor's value is the watermark this node handed out; a cursor from another node (a ULID from
            // dwn-sdk-js) is followed by its message CID when that message is in this node's log.
            if (cursor["value"] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number && v.TryGetValue<long>(out var watermark))
            {
                after = watermark;
            }
            else if (await Store.EventWatermarkAsync(tenant, cursor.GetString("messageCid") ?? string.Empty, cancellationToken).ConfigureAwait(false) is { } found)
            {
                after = found;
            }
            else
            {
                return DwnReply.FromError(new DwnException(DwnErrorCode.SchemaValidatorFailure, "MessagesQuery: the cursor is not a position in this node's event log"), 400);
            }
        }

        var (events, next) = await Store.QueryEventsAsync(tenant, ConvertMessagesFilters((JsonArray)query.Descriptor["filters"]!), after, cancellationToken).ConfigureAwait(false);
        return new DwnReply(200, "OK") { Entries = [.. events.Select(e => (JsonNode)JsonValue.Create(e))], Cursor = next };
    }

    // ---- MessagesSubscribe (handlers/messages-subscribe.ts) ----
    private async Task<(DwnReply Reply, DwnSubscription? Subscription)> MessagesSubscribeAsync(string tenant, JsonObject message, Action<JsonObject> handler, CancellationToken cancellationToken)
    {
        var (parsed, refusal) = await ParseAndAuthenticateAsync(message, ParseMessagesSubscribe, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return (refusal, null);
        }

        var subscribe = parsed!;
        try
        {
            await AuthorizeMessagesQueryOrSubscribeAsync(tenant, subscribe, DwnErrorCode.MessagesSubscribeAuthorizationFailed, cancellationToken).ConfigureAwait(false);
        }
        catch (DwnException e)
        {
            return (DwnReply.FromError(e, 401), null);
        }

        var id = DwnMessage.ComputeCid(message);
        var subscription = await Events.SubscribeAsync(tenant, id, ConvertMessagesFilters((JsonArray)subscribe.Descriptor["filters"]!), handler, cancellationToken).ConfigureAwait(false);
        return (new DwnReply(200, "OK") { Subscription = new JsonObject { ["id"] = id } }, subscription);
    }

    private static DwnRequest ParseMessagesSubscribe(JsonObject message)
    {
        var subscribe = ParseMessagesRequest(message);
        return subscribe.Descriptor.GetString("method") == "Subscribe"
            ? subscribe
            : throw new DwnException(DwnErrorCode.MessageInterfaceMethodNotSupported, "only MessagesSubscribe opens a Messages subscription");
    }

    // ---- MessagesRead (handlers/messages-read.ts) ----
    private async Task<DwnReply> MessagesReadAsync(string tenant, JsonObject message, CancellationToken cancellationToken)
    {
        var (parsed, refusal) = await ParseAndAuthenticateAsync(message, ParseMessagesRequest, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        var read = parsed!;
        var messageCid = read.Descriptor.GetString("messageCid")!;
        var stored = await Store.GetAsync(tenant, messageCid, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return new DwnReply(404, "Not Found");
        }

        try
        {
            if (read.Author != tenant)
            {
                if (read.PermissionGrantId is not { } grantId)
                {
                    throw new DwnException(DwnErrorCode.MessagesReadAuthorizationFailed, "protocol message failed authorization");
                }

                // MessagesGrantAuthorization.authorizeMessagesRead.
                var grant = await DwnPermissions.FetchGrantAsync(Store, tenant, grantId, cancellationToken).ConfigureAwait(false);
                await DwnPermissions.VerifyBaseAsync(Store, read.Descriptor, tenant, read.Author!, grant, cancellationToken).ConfigureAwait(false);
                await VerifyMessagesReadScopeAsync(tenant, stored, grant.Scope, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DwnException e)
        {
            return DwnReply.FromError(e, 401);
        }

        // A RecordsWrite comes with its data: inline (encodedData, taken out of the message) or from the data store.
        byte[]? data = null;
        if (stored.Descriptor.GetString("interface") == DwnInterface.Records && stored.Method == "Write")
        {
            data = stored.EncodedData is { } encoded
                ? B64Url.Decode(encoded, "stored encodedData")
                : await Store.GetDataAsync(tenant, stored.Message.GetString("recordId")!, stored.Descriptor.GetString("dataCid")!, cancellationToken).ConfigureAwait(false);
        }

        return new DwnReply(200, "OK") { Entry = new JsonObject { ["message"] = stored.Message.DeepClone(), ["messageCid"] = messageCid }, Data = data };
    }

    /// <summary>MessagesGrantAuthorization.verifyScope: a protocol-scoped grant reads only that protocol's messages and permission records.</summary>
    private async Task VerifyMessagesReadScopeAsync(string tenant, StoredDwnMessage toRead, PermissionScope scope, CancellationToken cancellationToken)
    {
        if (scope.Protocol is null)
        {
            return;
        }

        var descriptor = toRead.Descriptor;
        if (descriptor.GetString("interface") == DwnInterface.Records)
        {
            var write = toRead;
            if (toRead.Method != "Write")
            {
                // RecordsWrite.fetchNewestRecordsWrite: a delete is judged by its record's newest write.
                var writes = (await Store.QueryAsync(tenant, [new JsonObject { ["interface"] = DwnInterface.Records, ["method"] = "Write", ["recordId"] = descriptor.GetString("recordId") }], cancellationToken: cancellationToken).ConfigureAwait(false)).Messages;
                write = Newest(writes) ?? throw new DwnException(DwnErrorCode.RecordsWriteGetNewestWriteRecordNotFound, "record not found");
            }

            var protocol = write.Descriptor.GetString("protocol");
            if (protocol == scope.Protocol)
            {
                return;
            }

            if (protocol == DwnPermissions.Uri && await PermissionRecordScopeAsync(tenant, write, cancellationToken).ConfigureAwait(false) is { Protocol: { } scoped } && scoped == scope.Protocol)
            {
                return;
            }
        }
        else if (descriptor.GetString("interface") == DwnInterface.Protocols && (descriptor["definition"] as JsonObject)?.GetString("protocol") == scope.Protocol)
        {
            return;
        }

        throw new DwnException(DwnErrorCode.MessagesReadVerifyScopeFailed, "record message failed scope authorization");
    }

    /// <summary>PermissionsProtocol.getScopeFromPermissionRecord: a grant's or request's own scope, a revocation's grant's scope.</summary>
    private async Task<PermissionScope> PermissionRecordScopeAsync(string tenant, StoredDwnMessage record, CancellationToken cancellationToken)
    {
        if (record.Descriptor.GetString("protocolPath") == DwnPermissions.RevocationPath)
        {
            return (await DwnPermissions.FetchGrantAsync(Store, tenant, record.Descriptor.GetString("parentId") ?? string.Empty, cancellationToken).ConfigureAwait(false)).Scope;
        }

        if (record.EncodedData is null)
        {
            throw new DwnException(DwnErrorCode.MessagesReadVerifyScopeFailed, "the permission record has no data to read its scope from");
        }

        try
        {
            var data = Web5Json.ParseObject(B64Url.Decode(record.EncodedData, "permission record data"), "permission record data");
            return PermissionScope.Parse(data["scope"]);
        }
        catch (FormatException e)
        {
            throw new DwnException(DwnErrorCode.MessagesReadVerifyScopeFailed, "the permission record's scope cannot be read: " + e.Message);
        }
    }

    /// <summary>
    /// The authorization of MessagesQuery and MessagesSubscribe: the tenant, or a Messages grant's grantee
    /// (MessagesGrantAuthorization.authorizeQueryOrSubscribe: a protocol-scoped grant needs every filter to name that
    /// protocol). Unlike dwn-sdk-js 0.5.2, a protocol-scoped grant does not cover a query without filters (which
    /// would list every message of the tenant).
    /// </summary>
    private async Task AuthorizeMessagesQueryOrSubscribeAsync(string tenant, DwnRequest request, DwnErrorCode failure, CancellationToken cancellationToken)
    {
        if (request.Author == tenant)
        {
            return;
        }

        if (request.Author is null || request.PermissionGrantId is not { } grantId)
        {
            throw new DwnException(failure, "message failed authorization");
        }

        var grant = await DwnPermissions.FetchGrantAsync(Store, tenant, grantId, cancellationToken).ConfigureAwait(false);
        await DwnPermissions.VerifyBaseAsync(Store, request.Descriptor, tenant, request.Author, grant, cancellationToken).ConfigureAwait(false);
        if (grant.Scope.Protocol is { } scoped)
        {
            var filters = (JsonArray)request.Descriptor["filters"]!;
            if (filters.Count == 0)
            {
                throw new DwnException(DwnErrorCode.EventsGrantAuthorizationMismatchedProtocol, $"a grant scoped to protocol {scoped} needs filters naming it");
            }

            foreach (var filter in filters)
            {
                var protocol = ((JsonObject)filter!).GetString("protocol");
                if (protocol != scoped)
                {
                    throw new DwnException(DwnErrorCode.EventsGrantAuthorizationMismatchedProtocol, $"The protocol {protocol} does not match the scoped protocol {scoped}");
                }
            }
        }
    }

    /// <summary>
    /// Messages.convertFilters: each filter as given (messageTimestamp {from, to} as a gte/lt range), preceded, when it
    /// names a protocol, by a filter for the permission records tagged with that protocol (same timestamp range).
    /// </summary>
    internal static List<JsonObject> ConvertMessagesFilters(JsonArray filters)
    {
        var converted = new List<JsonObject>();
        foreach (var node in filters)
        {
            var filter = (JsonObject)node!;
            var range = DwnFilter.RangeFromCriterion(filter["messageTimestamp"] as JsonObject);
            if (filter.GetString("protocol") is { } protocol)
            {
                var permissions = new JsonObject { ["protocol"] = DwnPermissions.Uri, ["tag.protocol"] = protocol };
                if (range is not null)
                {
                    permissions["messageTimestamp"] = range.DeepClone();
                }

                converted.Add(permissions);
            }

            var copy = (JsonObject)filter.DeepClone();
            if (range is not null)
            {
                copy["messageTimestamp"] = range;
            }

            converted.Add(copy);
        }

        return converted;
    }

    /// <summary>
    /// The parse step of MessagesQuery, MessagesRead and MessagesSubscribe (interfaces/messages-*.ts and their JSON
    /// schemas): authorization required, the descriptor's members, filters (messages-filter.json, protocol URIs
    /// normalized), the CID to read, timestamps, and the signature structure.
    /// </summary>
    internal static DwnRequest ParseMessagesRequest(JsonObject message)
    {
        var descriptor = DwnMessage.Descriptor(message);
        var kind = DwnMessage.RequiredString(descriptor, "interface", "descriptor") + DwnMessage.RequiredString(descriptor, "method", "descriptor");
        DwnMessage.RequireRequestMembers(message, kind);
        string[] allowed = kind switch
        {
            "MessagesQuery" => ["interface", "method", "messageTimestamp", "filters", "cursor"],
            "MessagesSubscribe" => ["interface", "method", "messageTimestamp", "filters"],
            "MessagesRead" => ["interface", "method", "messageTimestamp", "messageCid"],
            _ => throw new DwnException(DwnErrorCode.MessageInterfaceMethodNotSupported, $"descriptor: {kind} is not a Messages request"),
        };
        DwnMessage.RequireDescriptorMembers(descriptor, kind, allowed);

        DwnMessage.RequireTimestamp(descriptor, "messageTimestamp");
        if (kind == "MessagesRead")
        {
            var cid = descriptor["messageCid"] is JsonValue c && c.TryGetValue<string>(out var s) ? s : null;
            if (cid is null || !Cid.TryParse(cid, out _, out _))
            {
                throw new DwnException(DwnErrorCode.MessagesReadInvalidCid, $"{cid} is not a valid CID");
            }
        }
        else
        {
            var filters = descriptor["filters"] as JsonArray ?? throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: descriptor.filters must be an array");
            foreach (var node in filters)
            {
                ValidateMessagesFilter(node, kind);
            }

            if (descriptor["cursor"] is { } cursor
                && !(cursor is JsonObject c && c.Count == 2 && c["messageCid"] is JsonValue m && m.TryGetValue<string>(out _)
                    && c["value"] is JsonValue v && v.GetValueKind() is System.Text.Json.JsonValueKind.String or System.Text.Json.JsonValueKind.Number))
            {
                throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: cursor must be {{messageCid, value}}");
            }
        }

        if (message["authorization"] is not JsonObject authorization)
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: must have required property 'authorization'");
        }

        if (authorization.Any(p => p.Key != "signature"))
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorAdditionalPropertyNotAllowed, $"{kind}: authorization takes only a signature");
        }

        var payload = DwnMessage.ValidateSignatureStructure(authorization["signature"], descriptor);
        return new DwnRequest(message, payload, null);
    }

    private static void ValidateMessagesFilter(JsonNode? node, string kind)
    {
        var filter = node as JsonObject ?? throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: each filter must be an object");
        if (filter.Count == 0)
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: a filter needs at least one property");
        }

        foreach (var (name, value) in filter)
        {
            var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            var ok = name switch
            {
                "interface" => MessagesFilterInterfaces.Contains(text),
                "method" => MessagesFilterMethods.Contains(text),
                "protocol" => text is not null,
                "messageTimestamp" => value is JsonObject range && range.Count > 0
                    && range.All(p => p.Key is "from" or "to" && DwnMessage.IsTimestamp(p.Value is JsonValue t && t.TryGetValue<string>(out var ts) ? ts : null)),
                _ => false,
            };
            if (!ok)
            {
                throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: filter member '{name}' is not allowed or has the wrong shape");
            }
        }

        if (filter.GetString("protocol") is { } protocol && DwnUrl.TryNormalize(protocol) != protocol)
        {
            throw new DwnException(DwnErrorCode.UrlProtocolNotNormalized, $"{kind}: protocol URI {protocol} must be normalized");
        }
    }
}
