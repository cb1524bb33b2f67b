using System.Text.Json.Nodes;
using OPSource.Web5.Credentials;
using OPSource.Web5.Dids;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Dwn;

/// <summary>
/// A RecordsRead, RecordsQuery, RecordsDelete or ProtocolsQuery that passed its parse step: the message, the
/// signature payload when signed, and the author once authenticated.
/// </summary>
/// <param name="Message">The message JSON.</param>
/// <param name="SignaturePayload">The authorization signature payload (descriptorCid, permissionGrantId, protocolRole), or null when unsigned.</param>
/// <param name="Author">
/// The message's author once authenticated (Message.getAuthor: the signer, or the grantor of the delegated grant the
/// signer invokes), or null for an unsigned (anonymous) message.
/// </param>
public sealed record DwnRequest(JsonObject Message, JsonObject? SignaturePayload, string? Author)
{
    /// <summary>The DID that signed (the author, or the delegate acting for it), once authenticated.</summary>
    public string? Signer { get; init; }

    /// <summary>The delegated grant (authorDelegatedGrant) the signer acts under, if any; its grantor is the author.</summary>
    public PermissionGrant? DelegatedGrant { get; init; }

    /// <summary>The descriptor.</summary>
    public JsonObject Descriptor => (JsonObject)Message["descriptor"]!;

    /// <summary>The protocolRole the signer invokes, if any.</summary>
    public string? ProtocolRole => SignaturePayload?.GetString("protocolRole");

    /// <summary>The permission grant the signer invokes, if any.</summary>
    public string? PermissionGrantId => SignaturePayload?.GetString("permissionGrantId");
}

/// <summary>
/// The DWN request messages besides RecordsWrite and ProtocolsConfigure (dwn-sdk-js 0.5 src/interfaces/records-read.ts,
/// records-query.ts, records-delete.ts, protocols-query.ts and their JSON schemas): creating and signing them as the
/// reference does, and parsing + authenticating received ones.
/// </summary>
public static class DwnRequests
{
    /// <summary>The dateSort values (records-query.json).</summary>
    public static readonly IReadOnlyList<string> DateSorts = ["createdAscending", "createdDescending", "publishedAscending", "publishedDescending"];

    // records-filter.json properties.
    private static readonly HashSet<string> FilterMembers =
    [
        "protocol", "protocolPath", "author", "attester", "recipient", "contextId", "schema", "tags", "recordId", "parentId",
        "published", "dataFormat", "dataSize", "dataCid", "dateCreated", "datePublished", "dateUpdated",
    ];

    /// <summary>A RecordsRead of the record matching <paramref name="filter"/>; anonymous when <paramref name="signer"/> is null.</summary>
    /// <remarks><paramref name="permissionGrantId"/>: the grant the signer invokes (signed as permissionGrantId).</remarks>
    /// <remarks><paramref name="delegatedGrant"/>: a delegated grant (<see cref="DwnDelegatedGrants.Embed"/>) the signer acts under.</remarks>
    public static JsonObject CreateRecordsRead(JsonObject filter, BearerDid? signer, string? protocolRole = null, DateTimeOffset? timestamp = null, string? permissionGrantId = null, JsonObject? delegatedGrant = null) =>
        Build(signer, protocolRole, permissionGrantId, delegatedGrant, new JsonObject
        {
            ["interface"] = DwnInterface.Records,
            ["method"] = "Read",
            ["filter"] = NormalizeFilter(filter),
            ["messageTimestamp"] = DwnMessage.Timestamp(timestamp ?? DateTimeOffset.UtcNow),
        });

    /// <summary>A RecordsQuery; <paramref name="dateSort"/> one of <see cref="DateSorts"/>, <paramref name="limit"/> and <paramref name="cursor"/> for pagination.</summary>
    public static JsonObject CreateRecordsQuery(JsonObject filter, BearerDid? signer, string? dateSort = null, int? limit = null, JsonObject? cursor = null, string? protocolRole = null, DateTimeOffset? timestamp = null, JsonObject? delegatedGrant = null)
    {
        JsonObject? pagination = null;
        if (limit is not null || cursor is not null)
        {
            pagination = new JsonObject { ["limit"] = limit, ["cursor"] = cursor?.DeepClone() }.RemoveNullMembers();
        }

        var descriptor = new JsonObject
        {
            ["interface"] = DwnInterface.Records,
            ["method"] = "Query",
            ["messageTimestamp"] = DwnMessage.Timestamp(timestamp ?? DateTimeOffset.UtcNow),
            ["filter"] = NormalizeFilter(filter),
            ["dateSort"] = dateSort,
            ["pagination"] = pagination,
        }.RemoveNullMembers();
        var message = Build(signer, protocolRole, null, delegatedGrant, descriptor);
        ParseUnsigned(message);
        return message;
    }

    /// <summary>A RecordsSubscribe for the records matching <paramref name="filter"/>; anonymous when <paramref name="signer"/> is null.</summary>
    public static JsonObject CreateRecordsSubscribe(JsonObject filter, BearerDid? signer, string? protocolRole = null, DateTimeOffset? timestamp = null, JsonObject? delegatedGrant = null)
    {
        var message = Build(signer, protocolRole, null, delegatedGrant, new JsonObject
        {
            ["interface"] = DwnInterface.Records,
            ["method"] = "Subscribe",
            ["messageTimestamp"] = DwnMessage.Timestamp(timestamp ?? DateTimeOffset.UtcNow),
            ["filter"] = NormalizeFilter(filter),
        });
        ParseUnsigned(message);
        return message;
    }

    /// <summary>A RecordsDelete of <paramref name="recordId"/>; <paramref name="prune"/> also purges its descendants.</summary>
    public static JsonObject CreateRecordsDelete(string recordId, BearerDid signer, bool prune = false, string? protocolRole = null, DateTimeOffset? timestamp = null, JsonObject? delegatedGrant = null)
    {
        ArgumentNullException.ThrowIfNull(signer);
        return Build(signer, protocolRole, null, delegatedGrant, new JsonObject
        {
            ["interface"] = DwnInterface.Records,
            ["method"] = "Delete",
            ["recordId"] = recordId,
            ["messageTimestamp"] = DwnMessage.Timestamp(timestamp ?? DateTimeOffset.UtcNow),
            ["prune"] = prune,
        });
    }

    /// <summary>A ProtocolsQuery, optionally for one protocol URI; anonymous when <paramref name="signer"/> is null.</summary>
    /// <remarks><paramref name="permissionGrantId"/>: the grant the signer invokes (signed as permissionGrantId).</remarks>
    public static JsonObject CreateProtocolsQuery(string? protocol, BearerDid? signer, DateTimeOffset? timestamp = null, string? permissionGrantId = null) =>
        Build(signer, null, permissionGrantId, null, new JsonObject
        {
            ["interface"] = DwnInterface.Protocols,
            ["method"] = "Query",
            ["messageTimestamp"] = DwnMessage.Timestamp(timestamp ?? DateTimeOffset.UtcNow),
            ["filter"] = protocol is null ? null : new JsonObject { ["protocol"] = DwnUrl.Normalize(protocol) },
        }.RemoveNullMembers());

    /// <summary>
    /// A MessagesQuery (dwn-sdk-js interfaces/messages-query.ts): the CIDs of the tenant's messages matching any of
    /// <paramref name="filters"/> ({interface, method, protocol, messageTimestamp {from, to}}; all when empty), after
    /// <paramref name="cursor"/>. Signed by the tenant or by the grantee of <paramref name="permissionGrantId"/>.
    /// </summary>
    public static JsonObject CreateMessagesQuery(IEnumerable<JsonObject> filters, BearerDid signer, JsonObject? cursor = null, DateTimeOffset? timestamp = null, string? permissionGrantId = null)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var message = Build(signer, null, permissionGrantId, null, new JsonObject
        {
            ["interface"] = "Messages",
            ["method"] = "Query",
            ["filters"] = NormalizeMessagesFilters(filters),
            ["messageTimestamp"] = DwnMessage.Timestamp(timestamp ?? DateTimeOffset.UtcNow),
            ["cursor"] = cursor?.DeepClone(),
        }.RemoveNullMembers());
        DwnNode.ParseMessagesRequest(message);
        return message;
    }

    /// <summary>A MessagesRead of the message <paramref name="messageCid"/> (dwn-sdk-js interfaces/messages-read.ts).</summary>
    public static JsonObject CreateMessagesRead(string messageCid, BearerDid signer, DateTimeOffset? timestamp = null, string? permissionGrantId = null)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var message = Build(signer, null, permissionGrantId, null, new JsonObject
        {
            ["interface"] = "Messages",
            ["method"] = "Read",
            ["messageCid"] = messageCid,
            ["messageTimestamp"] = DwnMessage.Timestamp(timestamp ?? DateTimeOffset.UtcNow),
        });
        DwnNode.ParseMessagesRequest(message);
        return message;
    }

    /// <summary>A MessagesSubscribe for the events matching any of <paramref name="filters"/> (all when empty).</summary>
    public static JsonObject CreateMessagesSubscribe(IEnumerable<JsonObject> filters, BearerDid signer, DateTimeOffset? timestamp = null, string? permissionGrantId = null)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var message = Build(signer, null, permissionGrantId, null, new JsonObject
        {
            ["interface"] = "Messages",
            ["method"] = "Subscribe",
            ["filters"] = NormalizeMessagesFilters(filters),
            ["messageTimestamp"] = DwnMessage.Timestamp(timestamp ?? DateTimeOffset.UtcNow),
        });
        DwnNode.ParseMessagesRequest(message);
        return message;
    }

    // Messages.normalizeFilters: protocol URIs normalized, empty filters left out.
    private static JsonArray NormalizeMessagesFilters(IEnumerable<JsonObject> filters)
    {
        ArgumentNullException.ThrowIfNull(filters);
        var normalized = new JsonArray();
        foreach (var filter in filters.Where(f => f.Count > 0))
        {
            var copy = (JsonObject)filter.DeepClone();
            if (copy.GetString("protocol") is { } protocol)
            {
                copy["protocol"] = DwnUrl.Normalize(protocol);
            }

            normalized.Add((JsonNode)copy);
        }

        return normalized;
    }

    /// <summary>
    /// The parse step of RecordsRead/Query/Delete and ProtocolsQuery: JSON schema shape, timestamps, normalized
    /// URIs, and the signature structure (descriptorCid) when signed. The signature is not verified here.
    /// </summary>
    public static DwnRequest ParseUnsigned(JsonObject message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var descriptor = DwnMessage.Descriptor(message);
        var kind = DwnMessage.RequiredString(descriptor, "interface", "descriptor") + DwnMessage.RequiredString(descriptor, "method", "descriptor");
        DwnMessage.RequireRequestMembers(message, kind);
        string[] allowed = kind switch
        {
            "RecordsRead" => ["interface", "method", "messageTimestamp", "filter"],
            "RecordsQuery" or "RecordsSubscribe" => ["interface", "method", "messageTimestamp", "filter", "dateSort", "pagination"],
            "RecordsDelete" => ["interface", "method", "messageTimestamp", "recordId", "prune"],
            "ProtocolsQuery" => ["interface", "method", "messageTimestamp", "filter"],
            _ => throw new DwnException(DwnErrorCode.MessageInterfaceMethodNotSupported, $"descriptor: {kind} is not a request this parser handles"),
        };
        DwnMessage.RequireDescriptorMembers(descriptor, kind, allowed);

        DwnMessage.RequireTimestamp(descriptor, "messageTimestamp");
        switch (kind)
        {
            case "RecordsRead":
                ValidateRecordsFilter(descriptor["filter"], kind);
                break;
            case "RecordsQuery" or "RecordsSubscribe":
                ValidateRecordsFilter(descriptor["filter"], kind);
                ValidateQueryOptions(descriptor, kind);
                break;
            case "RecordsDelete":
                DwnMessage.RequiredString(descriptor, "recordId", kind);
                if (descriptor["prune"] is not JsonValue prune || !prune.TryGetValue<bool>(out _))
                {
                    throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: descriptor.prune must be a boolean");
                }

                break;
            default:
                if (descriptor["filter"] is { } f)
                {
                    var filter = f as JsonObject ?? throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: filter must be an object");
                    if (filter.Count == 0 || filter.Any(p => p.Key is not ("protocol" or "recipient")))
                    {
                        throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: filter takes protocol and/or recipient");
                    }

                    if (DwnMessage.OptionalString(filter, "protocol", kind) is { } protocol && DwnUrl.TryNormalize(protocol) != protocol)
                    {
                        throw new DwnException(DwnErrorCode.UrlProtocolNotNormalized, $"{kind}: protocol URI {protocol} must be normalized");
                    }

                    DwnMessage.OptionalString(filter, "recipient", kind);
                }

                break;
        }

        JsonObject? payload = null;
        PermissionGrant? delegatedGrant = null;
        if (message["authorization"] is { } authorization)
        {
            // authorization-delegated-grant.json (Records requests) or authorization.json (ProtocolsQuery).
            var auth = authorization as JsonObject ?? throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: authorization must be an object");
            var records = kind.StartsWith(DwnInterface.Records, StringComparison.Ordinal);
            if (auth.Any(p => p.Key is not "signature" && !(records && p.Key is "authorDelegatedGrant")))
            {
                throw new DwnException(DwnErrorCode.SchemaValidatorAdditionalPropertyNotAllowed, $"{kind}: authorization takes {(records ? "signature and authorDelegatedGrant" : "only a signature")}");
            }

            payload = DwnMessage.ValidateSignatureStructure(auth["signature"], descriptor);
            if (records)
            {
                delegatedGrant = DwnDelegatedGrants.CheckReferentialIntegrity(auth, payload, owner: false);
            }
        }
        else if (kind == "RecordsDelete")
        {
            throw new DwnException(DwnErrorCode.AuthenticateJwsMissing, $"{kind}: authorization is required");
        }

        if (kind is "RecordsQuery" or "RecordsSubscribe" && payload?.GetString("protocolRole") is not null && (descriptor["filter"] as JsonObject)?["protocolPath"] is null)
        {
            throw new DwnException(DwnErrorCode.RecordsQueryFilterMissingRequiredProperties, $"{kind}: role-authorized queries must include protocolPath in the filter");
        }

        return new DwnRequest(message, payload, null) { DelegatedGrant = delegatedGrant };
    }

    /// <summary>Parses a request and authenticates it when it is signed (<see cref="AuthenticateAsync"/>).</summary>
    public static async Task<DwnRequest> ParseAsync(JsonObject message, DidResolver resolver, CancellationToken cancellationToken) =>
        await AuthenticateAsync(ParseUnsigned(message), resolver, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// core/auth.ts authenticate for a parsed request: the signature verifies with the signer's DID and a delegated
    /// grant with its grantor's; the author is then the signer, or the delegated grant's grantor (Message.getAuthor).
    /// An unsigned request is returned as it is.
    /// </summary>
    public static async Task<DwnRequest> AuthenticateAsync(DwnRequest request, DidResolver resolver, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(resolver);
        if (request.SignaturePayload is null)
        {
            return request;
        }

        var signer = await DwnMessage.VerifySignatureAsync(((JsonObject)request.Message["authorization"]!)["signature"], resolver, cancellationToken).ConfigureAwait(false);
        if (request.DelegatedGrant is { } grant)
        {
            await DwnDelegatedGrants.VerifyGrantorSignatureAsync(grant, resolver, cancellationToken).ConfigureAwait(false);
        }

        return request with { Author = request.DelegatedGrant?.Grantor ?? signer.Did, Signer = signer.Did };
    }

    /// <summary>Records.normalizeFilter: protocol and schema URIs normalized, everything else kept.</summary>
    public static JsonObject NormalizeFilter(JsonObject filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var copy = (JsonObject)filter.DeepClone();
        if (copy.GetString("protocol") is { } protocol)
        {
            copy["protocol"] = DwnUrl.Normalize(protocol);
        }

        if (copy.GetString("schema") is { } schema)
        {
            copy["schema"] = DwnUrl.Normalize(schema);
        }

        return copy;
    }

    // Message.createAuthorization: payload {descriptorCid, delegatedGrantId, permissionGrantId, protocolRole}, the
    // delegated grant (if any) beside the signature.
    private static JsonObject Build(BearerDid? signer, string? protocolRole, string? permissionGrantId, JsonObject? delegatedGrant, JsonObject descriptor)
    {
        var message = new JsonObject { ["descriptor"] = descriptor };
        if (signer is not null)
        {
            var (kid, key) = signer.GetSigner(relationship: VerificationRelationships.Authentication);
            var payload = new JsonObject
            {
                ["descriptorCid"] = Cid.ComputeDagCbor(descriptor),
                ["delegatedGrantId"] = delegatedGrant is null ? null : DwnMessage.ComputeCid(delegatedGrant),
                ["permissionGrantId"] = permissionGrantId,
                ["protocolRole"] = protocolRole,
            };
            message["authorization"] = new JsonObject { ["signature"] = DwnMessage.Sign(payload, kid, key) };
            if (delegatedGrant is not null)
            {
                message["authorization"]!["authorDelegatedGrant"] = delegatedGrant.DeepClone();
            }
        }

        return message;
    }

    private static void ValidateRecordsFilter(JsonNode? node, string kind)
    {
        var filter = node as JsonObject ?? throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: descriptor.filter must be an object");
        if (filter.Count == 0)
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: the filter needs at least one property");
        }

        foreach (var (name, value) in filter)
        {
            if (!FilterMembers.Contains(name))
            {
                throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: filter member '{name}' is not allowed");
            }

            var ok = name switch
            {
                "author" or "recipient" => IsString(value) || (value is JsonArray a && a.All(IsString)),
                "published" => value is JsonValue v && v.TryGetValue<bool>(out _),
                "dataSize" => IsRange(value, numeric: true),
                "dateCreated" or "datePublished" or "dateUpdated" => IsDateRange(value),
                "tags" => value is JsonObject tags && tags.Count > 0 && tags.All(t => IsTagFilter(t.Value)),
                _ => IsString(value),
            };
            if (!ok)
            {
                throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: filter member '{name}' has the wrong shape");
            }
        }

        // records-filter.json dependencies: datePublished only with published absent or true.
        if (filter["datePublished"] is not null && filter["published"] is JsonValue p && p.TryGetValue<bool>(out var published) && !published)
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: filter datePublished needs published true or absent");
        }

        if (filter.GetString("protocol") is { } protocol && DwnUrl.TryNormalize(protocol) != protocol)
        {
            throw new DwnException(DwnErrorCode.UrlProtocolNotNormalized, $"{kind}: protocol URI {protocol} must be normalized");
        }

        if (filter.GetString("schema") is { } schema && DwnUrl.TryNormalize(schema) != schema)
        {
            throw new DwnException(DwnErrorCode.UrlSchemaNotNormalized, $"{kind}: schema URI {schema} must be normalized");
        }
    }

    private static void ValidateQueryOptions(JsonObject descriptor, string kind)
    {
        if (descriptor["dateSort"] is { } sort && (!IsString(sort) || !DateSorts.Contains(sort.GetValue<string>())))
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: dateSort must be one of {string.Join(", ", DateSorts)}");
        }

        if (descriptor["pagination"] is { } p)
        {
            var pagination = p as JsonObject ?? throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: pagination must be an object");
            foreach (var (name, value) in pagination)
            {
                var ok = name switch
                {
                    "limit" => value is JsonValue v && DwnFilter.TryNumber(v, out var limit) && limit >= 1,
                    "cursor" => value is JsonObject c && c.Count == 2 && IsString(c["messageCid"]) && (IsString(c["value"]) || IsNumber(c["value"])),
                    _ => false,
                };
                if (!ok)
                {
                    throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: pagination member '{name}' is not allowed or has the wrong shape");
                }
            }
        }

        var filter = (JsonObject)descriptor["filter"]!;
        if (filter["published"] is JsonValue pub && pub.TryGetValue<bool>(out var published) && !published && descriptor.GetString("dateSort") is "publishedAscending" or "publishedDescending")
        {
            throw new DwnException(DwnErrorCode.RecordsQueryParseFilterPublishedSortInvalid, $"{kind}: queries must not filter for published: false and sort by {descriptor.GetString("dateSort")}");
        }
    }

    private static bool IsString(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out _);

    private static bool IsNumber(JsonNode? node) => node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number;

    private static bool IsRange(JsonNode? node, bool numeric)
    {
        if (node is not JsonObject range || range.Count == 0)
        {
            return false;
        }

        // string-range-filter.json / number-range-filter.json: gt|gte and lt|lte, each at most once.
        if ((range["gt"] is not null && range["gte"] is not null) || (range["lt"] is not null && range["lte"] is not null))
        {
            return false;
        }

        return range.All(p => p.Key is "gt" or "gte" or "lt" or "lte" && (numeric ? IsNumber(p.Value) : IsString(p.Value)));
    }

    private static bool IsDateRange(JsonNode? node) =>
        node is JsonObject range && range.Count > 0 && range.All(p => p.Key is "from" or "to" && DwnMessage.IsTimestamp(IsString(p.Value) ? p.Value!.GetValue<string>() : null));

    private static bool IsTagFilter(JsonNode? node) => node switch
    {
        JsonValue v => v.GetValueKind() is System.Text.Json.JsonValueKind.String or System.Text.Json.JsonValueKind.Number or System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False,
        JsonObject o when o.Count == 1 && o["startsWith"] is { } s => IsString(s),
        JsonObject o => IsRange(o, numeric: false) || IsRange(o, numeric: true),
        _ => false,
    };
}
