using System.Text.Json.Nodes;
using OPSource.Web5.Credentials;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Dwn;

/// <summary>
/// Protocol-based authorization of records (dwn-sdk-js 0.5.2 src/core/protocol-authorization.ts): the referential
/// integrity of a protocol record (declared type, schema and data format, protocolPath and contextId continuing the
/// parent's, role records with one recipient per context, $size, $tags as JSON Schema), and the $actions rules
/// (who anyone/author/recipient of an ancestor path, role rules invoked through protocolRole, can
/// create/update/co-update/read/query/subscribe/delete/co-delete/prune/co-prune).
/// </summary>
internal sealed class DwnProtocolAuthorization(DwnMessageStore store)
{
    public async Task ValidateReferentialIntegrityAsync(string tenant, ParsedRecordsWrite write, CancellationToken cancellationToken)
    {
        var descriptor = write.Descriptor;
        var protocolPath = descriptor.GetString("protocolPath")!;
        var definition = await FetchDefinitionAsync(tenant, descriptor.GetString("protocol")!, cancellationToken).ConfigureAwait(false);

        // verifyType
        var typeName = protocolPath.Split('/')[^1];
        if ((definition["types"] as JsonObject)?[typeName] is not JsonObject type)
        {
            throw new DwnException(DwnErrorCode.ProtocolAuthorizationInvalidType, $"record with type {typeName} not allowed in protocol");
        }

        if (type.GetString("schema") is { } schema && schema != descriptor.GetString("schema"))
        {
            throw new DwnException(DwnErrorCode.ProtocolAuthorizationInvalidSchema, $"type '{typeName}' must have schema '{schema}', instead has '{descriptor.GetString("schema")}'");
        }

        if (type["dataFormats"] is JsonArray formats && !formats.Any(f => f?.GetValue<string>() == descriptor.GetString("dataFormat")))
        {
            throw new DwnException(DwnErrorCode.ProtocolAuthorizationIncorrectDataFormat, $"type '{typeName}' must have data format in ({string.Join(",", formats.Select(f => f?.GetValue<string>()))}), instead has '{descriptor.GetString("dataFormat")}'");
        }

        // verifyProtocolPathAndContextId
        var parentId = descriptor.GetString("parentId");
        if (parentId is null)
        {
            if (protocolPath != typeName)
            {
                throw new DwnException(DwnErrorCode.ProtocolAuthorizationParentlessIncorrectProtocolPath, $"Declared protocol path '{protocolPath}' is not valid for records with no parent'.");
            }
        }
        else
        {
            var parents = await store.QueryAsync(
                tenant,
                [new JsonObject
                {
                    ["isLatestBaseState"] = true, ["interface"] = DwnInterface.Records, ["method"] = "Write",
                    ["protocol"] = descriptor.GetString("protocol"), ["recordId"] = parentId,
                }],
                cancellationToken: cancellationToken).ConfigureAwait(false);
            var parent = parents.Messages.FirstOrDefault();
            if ($"{parent?.Descriptor.GetString("protocolPath")}/{typeName}" != protocolPath)
            {
                throw new DwnException(DwnErrorCode.ProtocolAuthorizationIncorrectProtocolPath, $"Could not find matching parent record to verify declared protocol path '{protocolPath}'.");
            }

            var expectedContextId = $"{parent!.Message.GetString("contextId")}/{write.RecordId}";
            if (write.ContextId != expectedContextId)
            {
                throw new DwnException(DwnErrorCode.ProtocolAuthorizationIncorrectContextId, $"Declared contextId '{write.ContextId}' is not the same as expected: '{expectedContextId}'.");
            }
        }

        var ruleSet = RuleSet(protocolPath, definition);

        // verifyAsRoleRecordIfNeeded
        if (ruleSet["$role"] is JsonValue role && role.TryGetValue<bool>(out var isRole) && isRole)
        {
            var recipient = descriptor.GetString("recipient") ?? throw new DwnException(DwnErrorCode.ProtocolAuthorizationRoleMissingRecipient, "Role records must have a recipient");
            var filter = new JsonObject
            {
                ["interface"] = DwnInterface.Records, ["method"] = "Write", ["isLatestBaseState"] = true,
                ["protocol"] = descriptor.GetString("protocol"), ["protocolPath"] = protocolPath, ["recipient"] = recipient,
            };
            var parentContextId = ParentContextId(write.ContextId);
            if (parentContextId.Length > 0)
            {
                filter["contextId"] = DwnFilter.PrefixRange(parentContextId);
            }

            var holders = await store.QueryAsync(tenant, [filter], cancellationToken: cancellationToken).ConfigureAwait(false);
            if (holders.Messages.Any(m => m.Message.GetString("recordId") != write.RecordId))
            {
                throw new DwnException(DwnErrorCode.ProtocolAuthorizationDuplicateRoleRecipient, $"DID '{recipient}' is already recipient of a role record at protocol path '{protocolPath} under the parent context {parentContextId}.");
            }
        }

        // verifySizeLimit
        var size = write.DataSize;
        if (ruleSet["$size"] is JsonObject limits)
        {
            var min = limits.GetInt64("min") ?? 0;
            if (size < min)
            {
                throw new DwnException(DwnErrorCode.ProtocolAuthorizationMinSizeInvalid, $"data size {size} is less than allowed {min}");
            }

            if (limits.GetInt64("max") is { } max && size > max)
            {
                throw new DwnException(DwnErrorCode.ProtocolAuthorizationMaxSizeInvalid, $"data size {size} is more than allowed {max}");
            }
        }

        // verifyTagsIfNeeded: the $tags properties as an object schema (ajv).
        if (ruleSet["$tags"] is JsonObject tagRules)
        {
            var properties = new JsonObject();
            foreach (var (name, value) in tagRules)
            {
                if (name is not ("$allowUndefinedTags" or "$requiredTags"))
                {
                    properties[name] = value?.DeepClone();
                }
            }

            var tagSchema = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = properties,
                ["required"] = tagRules["$requiredTags"]?.DeepClone() ?? new JsonArray(),
                ["additionalProperties"] = tagRules["$allowUndefinedTags"] is JsonValue allow && allow.TryGetValue<bool>(out var a) && a,
            };
            if (!JsonSchemaFilter.Matches(tagSchema, descriptor["tags"]?.DeepClone() ?? new JsonObject()))
            {
                throw new DwnException(DwnErrorCode.ProtocolAuthorizationTagsInvalidSchema, $"tags schema validation error: the tags of {descriptor.GetString("protocol")}/{protocolPath} do not satisfy $tags");
            }
        }
    }

    public async Task AuthorizeWriteAsync(string tenant, ParsedRecordsWrite write, string? protocolRole, CancellationToken cancellationToken)
    {
        var existingInitial = await FetchInitialWriteAsync(tenant, write.RecordId, cancellationToken).ConfigureAwait(false);
        var chain = await RecordChainAsync(tenant, existingInitial is null ? write.Descriptor.GetString("parentId") : write.RecordId, cancellationToken).ConfigureAwait(false);
        var definition = await FetchDefinitionAsync(tenant, write.Descriptor.GetString("protocol")!, cancellationToken).ConfigureAwait(false);
        var ruleSet = RuleSet(write.Descriptor.GetString("protocolPath")!, definition);
        await VerifyInvokedRoleAsync(tenant, write.Author, protocolRole, write.Descriptor.GetString("protocol")!, write.ContextId, definition, cancellationToken).ConfigureAwait(false);

        string[] actions;
        if (write.IsInitialWrite)
        {
            actions = ["create"];
        }
        else if (existingInitial is null)
        {
            actions = [];
        }
        else
        {
            actions = write.Author == existingInitial.Indexes.GetString("author") ? ["co-update", "update"] : ["co-update"];
        }

        AuthorizeAgainstActions("Write", write.Author, protocolRole, actions, ruleSet, chain, write.Descriptor.GetString("recipient"));
    }

    public async Task AuthorizeReadOrDeleteAsync(string tenant, DwnRequest request, StoredDwnMessage write, CancellationToken cancellationToken)
    {
        var method = request.Descriptor.GetString("method")!;
        var recordId = write.Message.GetString("recordId")!;
        var chain = await RecordChainAsync(tenant, recordId, cancellationToken).ConfigureAwait(false);
        var protocol = write.Descriptor.GetString("protocol")!;
        var definition = await FetchDefinitionAsync(tenant, protocol, cancellationToken).ConfigureAwait(false);
        var ruleSet = RuleSet(write.Descriptor.GetString("protocolPath")!, definition);
        await VerifyInvokedRoleAsync(tenant, request.Author, request.ProtocolRole, protocol, write.Message.GetString("contextId"), definition, cancellationToken).ConfigureAwait(false);

        string[] actions;
        if (method == "Delete")
        {
            var initial = await FetchInitialWriteAsync(tenant, recordId, cancellationToken).ConfigureAwait(false);
            var byAuthor = initial is not null && request.Author == initial.Indexes.GetString("author");
            var prune = request.Descriptor["prune"] is JsonValue p && p.TryGetValue<bool>(out var isPrune) && isPrune;
            actions = initial is null ? [] : prune ? (byAuthor ? ["co-prune", "prune"] : ["co-prune"]) : (byAuthor ? ["co-delete", "delete"] : ["co-delete"]);
        }
        else
        {
            actions = ["read"];
        }

        // A recipient rule without 'of' is about the record being accessed: the last record of the chain.
        AuthorizeAgainstActions(method, request.Author, request.ProtocolRole, actions, ruleSet, chain, chain.Count > 0 ? chain[^1].Descriptor.GetString("recipient") : null);
    }

    public async Task AuthorizeQueryAsync(string tenant, DwnRequest query, CancellationToken cancellationToken)
    {
        var filter = (JsonObject)query.Descriptor["filter"]!;
        var protocol = filter.GetString("protocol") ?? throw new DwnException(DwnErrorCode.RecordsQueryFilterMissingRequiredProperties, "Role-authorized queries must include protocol in the filter");
        var definition = await FetchDefinitionAsync(tenant, protocol, cancellationToken).ConfigureAwait(false);
        var ruleSet = RuleSet(filter.GetString("protocolPath")!, definition);
        await VerifyInvokedRoleAsync(tenant, query.Author, query.ProtocolRole, protocol, filter.GetString("contextId"), definition, cancellationToken).ConfigureAwait(false);
        AuthorizeAgainstActions(query.Descriptor.GetString("method")!, query.Author, query.ProtocolRole, [query.Descriptor.GetString("method") == "Subscribe" ? "subscribe" : "query"], ruleSet, [], null);
    }

    private static void AuthorizeAgainstActions(string method, string? author, string? invokedRole, string[] actions, JsonObject ruleSet, IReadOnlyList<StoredDwnMessage> chain, string? accessedRecipient)
    {
        if (ruleSet["$actions"] is not JsonArray rules)
        {
            throw new DwnException(DwnErrorCode.ProtocolAuthorizationActionRulesNotFound, $"no action rule defined for Records{method}, {author} is unauthorized");
        }

        foreach (var rule in rules.OfType<JsonObject>())
        {
            var can = rule["can"] as JsonArray;
            if (can is null || !can.Any(a => actions.Contains(a?.GetValue<string>())))
            {
                continue;
            }

            var who = rule.GetString("who");
            if (who == "anyone")
            {
                return;
            }

            if (author is null)
            {
                continue;
            }

            if (invokedRole is not null)
            {
                if (rule.GetString("role") == invokedRole)
                {
                    return;
                }

                continue;
            }

            var of = rule.GetString("of");
            if (who == "recipient" && of is null)
            {
                if (accessedRecipient == author)
                {
                    return;
                }

                continue;
            }

            if (who is null || of is null)
            {
                continue;
            }

            var ancestor = chain.FirstOrDefault(m => m.Descriptor.GetString("protocolPath") == of);
            if (ancestor is null)
            {
                continue;
            }

            if (who == "recipient" ? author == ancestor.Descriptor.GetString("recipient") : author == ancestor.Indexes.GetString("author"))
            {
                return;
            }
        }

        throw new DwnException(DwnErrorCode.ProtocolAuthorizationActionNotAllowed, $"Inbound message action Records{method} by author {author} not allowed.");
    }

    private async Task VerifyInvokedRoleAsync(string tenant, string? author, string? protocolRole, string protocol, string? contextId, JsonObject definition, CancellationToken cancellationToken)
    {
        if (protocolRole is null)
        {
            return;
        }

        var roleRuleSet = RuleSetAt(protocolRole, definition);
        if (roleRuleSet is null || !(roleRuleSet["$role"] is JsonValue r && r.TryGetValue<bool>(out var isRole) && isRole))
        {
            throw new DwnException(DwnErrorCode.ProtocolAuthorizationNotARole, $"Protocol path {protocolRole} does not match role record type.");
        }

        var filter = new JsonObject
        {
            ["interface"] = DwnInterface.Records, ["method"] = "Write", ["protocol"] = protocol, ["protocolPath"] = protocolRole,
            ["recipient"] = author, ["isLatestBaseState"] = true,
        };
        var ancestorSegments = protocolRole.Split('/').Length - 1;
        if (ancestorSegments > 0)
        {
            if (contextId is null)
            {
                throw new DwnException(DwnErrorCode.ProtocolAuthorizationMissingContextId, "Could not verify role because contextId is missing.");
            }

            filter["contextId"] = DwnFilter.PrefixRange(string.Join('/', contextId.Split('/').Take(ancestorSegments)));
        }

        var holders = await store.QueryAsync(tenant, [filter], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (holders.Messages.Count == 0)
        {
            throw new DwnException(DwnErrorCode.ProtocolAuthorizationMatchingRoleRecordNotFound, $"No matching role record found for protocol path {protocolRole}");
        }
    }

    private async Task<List<StoredDwnMessage>> RecordChainAsync(string tenant, string? recordId, CancellationToken cancellationToken)
    {
        var chain = new List<StoredDwnMessage>();
        var current = recordId;
        while (current is not null)
        {
            var initial = await FetchInitialWriteAsync(tenant, current, cancellationToken).ConfigureAwait(false)
                ?? throw new DwnException(DwnErrorCode.ProtocolAuthorizationParentNotFoundConstructingRecordChain, $"no parent found with ID {current} when constructing record chain.");
            chain.Add(initial);
            current = initial.Descriptor.GetString("parentId");
            if (chain.Count > 64)
            {
                throw new DwnException(DwnErrorCode.ProtocolAuthorizationParentNotFoundConstructingRecordChain, $"the record chain of {recordId} does not end");
            }
        }

        chain.Reverse();
        return chain;
    }

    private async Task<StoredDwnMessage?> FetchInitialWriteAsync(string tenant, string recordId, CancellationToken cancellationToken)
    {
        var writes = await store.QueryAsync(tenant, [new JsonObject { ["interface"] = DwnInterface.Records, ["method"] = "Write", ["recordId"] = recordId }], cancellationToken: cancellationToken).ConfigureAwait(false);
        return writes.Messages.FirstOrDefault(DwnNode.IsInitialWrite);
    }

    private async Task<JsonObject> FetchDefinitionAsync(string tenant, string protocol, CancellationToken cancellationToken)
    {
        // The permissions protocol is built in (ProtocolAuthorization.fetchProtocolDefinition).
        if (protocol == DwnPermissions.Uri)
        {
            return DwnPermissions.Definition;
        }

        var configured = await store.QueryAsync(tenant, [DwnNode.ProtocolFilter(protocol)], cancellationToken: cancellationToken).ConfigureAwait(false);
        return configured.Messages.Count == 0
            ? throw new DwnException(DwnErrorCode.ProtocolAuthorizationProtocolNotFound, $"unable to find protocol definition for {protocol}")
            : (JsonObject)configured.Messages[0].Descriptor["definition"]!;
    }

    private static JsonObject RuleSet(string protocolPath, JsonObject definition) =>
        RuleSetAt(protocolPath, definition) ?? throw new DwnException(DwnErrorCode.ProtocolAuthorizationMissingRuleSet, $"No rule set defined for protocolPath {protocolPath}");

    private static JsonObject? RuleSetAt(string protocolPath, JsonObject definition)
    {
        var current = definition["structure"] as JsonObject;
        foreach (var segment in protocolPath.Split('/'))
        {
            current = current?[segment] as JsonObject;
        }

        return current;
    }

    /// <summary>Records.getParentContextFromOfContextId: the contextId without its last segment.</summary>
    private static string ParentContextId(string? contextId)
    {
        if (contextId is null)
        {
            return string.Empty;
        }

        var slash = contextId.LastIndexOf('/');
        return slash < 0 ? string.Empty : contextId[..slash];
    }
}
