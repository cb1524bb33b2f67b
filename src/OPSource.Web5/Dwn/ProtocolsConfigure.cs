using System.Text.Json.Nodes;
using OPSource.Web5.Dids;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Dwn;

/// <summary>A ProtocolsConfigure that passed <see cref="ProtocolsConfigure.ParseAsync"/>.</summary>
/// <param name="Message">The message JSON.</param>
/// <param name="Author">The author: the signer, or the grantor of the delegated grant the signer acts under.</param>
/// <param name="Protocol">definition.protocol.</param>
/// <param name="MessageCid">The message CID.</param>
public sealed record ParsedProtocolsConfigure(JsonObject Message, string Author, string Protocol, string MessageCid)
{
    /// <summary>The DID that signed (the author, or its delegate).</summary>
    public string Signer { get; init; } = Author;

    /// <summary>The delegated grant (authorDelegatedGrant) the signer acts under, if any.</summary>
    public PermissionGrant? DelegatedGrant { get; init; }
}

/// <summary>
/// ProtocolsConfigure messages (DIF DWN spec "ProtocolsConfigure"; dwn-sdk-js 0.5 src/interfaces/protocols-configure.ts):
/// create and sign, parse and authenticate, and the definition rules of validateProtocolDefinition.
/// </summary>
public static class ProtocolsConfigure
{
    private const int MaxNestingDepth = 10;

    private static readonly string[] ReadActions = ["read", "query", "subscribe"];

    private static readonly string[] KnownActions = ["co-delete", "co-prune", "co-update", "create", "delete", "prune", "query", "read", "subscribe", "update"];

    /// <summary>Creates and signs a ProtocolsConfigure for <paramref name="definition"/> (URIs normalized, rules checked).</summary>
    /// <remarks><paramref name="delegatedGrant"/>: a delegated grant (<see cref="DwnDelegatedGrants.Embed"/>) <paramref name="author"/> signs under.</remarks>
    public static JsonObject Create(BearerDid author, JsonObject definition, DateTimeOffset? timestamp = null, string? permissionGrantId = null, JsonObject? delegatedGrant = null)
    {
        ArgumentNullException.ThrowIfNull(author);
        ArgumentNullException.ThrowIfNull(definition);
        var normalized = (JsonObject)definition.DeepClone();
        normalized["protocol"] = DwnUrl.Normalize(DwnMessage.RequiredString(normalized, "protocol", "protocol definition"));
        if (normalized["types"] is JsonObject types)
        {
            foreach (var (_, type) in types)
            {
                if (type is JsonObject t && DwnMessage.OptionalString(t, "schema", "protocol definition type") is { } schema)
                {
                    t["schema"] = DwnUrl.Normalize(schema);
                }
            }
        }

        ValidateDefinition(normalized);
        var descriptor = new JsonObject
        {
            ["interface"] = DwnInterface.Protocols,
            ["method"] = "Configure",
            ["messageTimestamp"] = DwnMessage.Timestamp(timestamp ?? DateTimeOffset.UtcNow),
            ["definition"] = normalized,
        };
        var (kid, key) = author.GetSigner(relationship: VerificationRelationships.Authentication);
        var payload = new JsonObject
        {
            ["descriptorCid"] = Cid.ComputeDagCbor(descriptor),
            ["delegatedGrantId"] = delegatedGrant is null ? null : DwnMessage.ComputeCid(delegatedGrant),
            ["permissionGrantId"] = permissionGrantId,
        };
        var authorization = new JsonObject { ["signature"] = DwnMessage.Sign(payload, kid, key) };
        if (delegatedGrant is not null)
        {
            authorization["authorDelegatedGrant"] = delegatedGrant.DeepClone();
        }

        return new JsonObject { ["descriptor"] = descriptor, ["authorization"] = authorization };
    }

    /// <summary>
    /// Parses and authenticates a received ProtocolsConfigure: shape, definition rules, signature structure and signature;
    /// a delegated grant (authorDelegatedGrant) as for Records messages (dwn-sdk-js 0.5.2 checks only its grantor's
    /// signature here, not delegatedGrantId, <c>delegated</c> or the grantee: this node applies the Records rules).
    /// </summary>
    public static async Task<ParsedProtocolsConfigure> ParseAsync(JsonObject message, DidResolver resolver, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var descriptor = DwnMessage.Descriptor(message);
        DwnMessage.RequireKind(descriptor, DwnInterface.Protocols, "Configure");
        DwnMessage.RequireTimestamp(descriptor, "messageTimestamp");
        var definition = descriptor["definition"] as JsonObject ?? throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "protocols configure: descriptor.definition must be an object");
        ValidateDefinition(definition);
        if (message["authorization"] is not JsonObject authorization)
        {
            throw new DwnException(DwnErrorCode.AuthenticateJwsMissing, "protocols configure: authorization is required");
        }

        if (authorization.Any(p => p.Key is not ("signature" or "authorDelegatedGrant")))
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorAdditionalPropertyNotAllowed, "protocols configure: authorization takes signature and authorDelegatedGrant");
        }

        var payload = DwnMessage.ValidateSignatureStructure(authorization["signature"], descriptor);
        var grant = DwnDelegatedGrants.CheckReferentialIntegrity(authorization, payload, owner: false);
        var signer = await DwnMessage.VerifySignatureAsync(authorization["signature"], resolver, cancellationToken).ConfigureAwait(false);
        if (grant is not null)
        {
            await DwnDelegatedGrants.VerifyGrantorSignatureAsync(grant, resolver, cancellationToken).ConfigureAwait(false);
        }

        return new ParsedProtocolsConfigure((JsonObject)message.DeepClone(), grant?.Grantor ?? signer.Did, definition.GetString("protocol")!, DwnMessage.ComputeCid(message))
        {
            Signer = signer.Did,
            DelegatedGrant = grant,
        };
    }

    /// <summary>
    /// The definition rules (protocols-definition.json shape plus validateProtocolDefinition): protocol and type
    /// schema URIs normalized, every rule-set key a declared type, nesting at most 10 levels, $size min &lt;= max,
    /// and the $actions rules (roles exist and grant all read actions together, 'anyone' without 'of', 'author'
    /// with 'of', a recipient without 'of' only co-update/co-delete/co-prune, update/delete need create, no
    /// duplicate actor or role). Tag JSON schemas ($tags) are checked for shape only, not as JSON Schema.
    /// </summary>
    public static void ValidateDefinition(JsonObject definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var protocol = DwnMessage.RequiredString(definition, "protocol", "protocol definition");
        if (definition["published"] is not JsonValue pub || !pub.TryGetValue<bool>(out _))
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "protocol definition: published must be a boolean");
        }

        if (DwnUrl.TryNormalize(protocol) != protocol)
        {
            throw new DwnException(DwnErrorCode.UrlProtocolNotNormalized, $"protocol definition: protocol URI {protocol} must be normalized");
        }

        var types = definition["types"] as JsonObject ?? throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "protocol definition: types must be an object");
        foreach (var (name, type) in types)
        {
            if (type is not JsonObject t)
            {
                throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"protocol definition: types.{name} must be an object");
            }

            if (DwnMessage.OptionalString(t, "schema", $"protocol definition types.{name}") is { } schema && DwnUrl.TryNormalize(schema) != schema)
            {
                throw new DwnException(DwnErrorCode.UrlSchemaNotNormalized, $"protocol definition: schema URI {schema} of type {name} must be normalized");
            }
        }

        var structure = definition["structure"] as JsonObject ?? throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "protocol definition: structure must be an object");
        var roles = new List<string>();
        CollectRoles(string.Empty, structure, roles);
        ValidateRuleSet(structure, string.Empty, [.. types.Select(p => p.Key)], roles);
    }

    private static void CollectRoles(string path, JsonObject ruleSet, List<string> roles)
    {
        if (path.Split('/').Length > MaxNestingDepth)
        {
            throw Invalid("record nesting depth exceeds 10 levels");
        }

        foreach (var (type, child) in ruleSet)
        {
            if (type.StartsWith('$'))
            {
                continue;
            }

            var childSet = child as JsonObject ?? throw Invalid($"rule set {type} must be an object");
            var childPath = path.Length == 0 ? type : path + "/" + type;
            if (childSet["$role"] is JsonValue role && role.TryGetValue<bool>(out var isRole) && isRole)
            {
                roles.Add(childPath);
            }
            else
            {
                CollectRoles(childPath, childSet, roles);
            }
        }
    }

    private static void ValidateRuleSet(JsonObject ruleSet, string path, HashSet<string> types, List<string> roles)
    {
        var where = path.Length == 0 ? "the structure root" : $"rule set '{path}'";
        if (ruleSet["$size"] is JsonObject size)
        {
            var min = size.GetInt64("min") ?? 0;
            if (size.GetInt64("max") is { } max && max < min)
            {
                throw Invalid($"$size max {max} is less than min {min} at {where}");
            }
        }

        if (ruleSet["$tags"] is not null and not JsonObject)
        {
            throw Invalid($"$tags must be an object at {where}");
        }

        var actions = ruleSet["$actions"] switch
        {
            null => [],
            JsonArray a => a.Select(x => x as JsonObject ?? throw Invalid($"$actions entries must be objects at {where}")).ToList(),
            _ => throw Invalid($"$actions must be an array at {where}"),
        };
        for (var i = 0; i < actions.Count; i++)
        {
            var rule = actions[i];
            var who = rule.GetString("who");
            var of = rule.GetString("of");
            var role = rule.GetString("role");
            var can = rule["can"] is JsonArray c ? c.Select(x => x?.GetValue<string>() ?? string.Empty).ToList() : throw Invalid($"action rule {rule.ToJsonString()} needs a 'can' array at {where}");
            if (can.FirstOrDefault(a => !KnownActions.Contains(a)) is { } unknown)
            {
                throw Invalid($"unknown action '{unknown}' at {where}");
            }

            if ((who is null) == (role is null))
            {
                throw Invalid($"action rule {rule.ToJsonString()} needs exactly one of 'who' and 'role' at {where}");
            }

            if (role is not null)
            {
                if (!roles.Contains(role))
                {
                    throw Invalid($"role {role} in an action rule at {where} does not exist");
                }

                if (ReadActions.Any(can.Contains) && !ReadActions.All(can.Contains))
                {
                    throw Invalid($"role {role} at {where} must grant all of read, query and subscribe or none");
                }
            }

            if (who == "anyone" && of is not null)
            {
                throw Invalid($"'of' is not allowed with who 'anyone' at {where}");
            }

            if (who == "recipient" && of is null && can.Any(a => a is not ("co-update" or "co-delete" or "co-prune")))
            {
                throw Invalid($"a 'recipient' rule without 'of' may only allow co-update, co-delete and co-prune at {where}");
            }

            if (who == "author" && of is null)
            {
                throw Invalid($"'of' is required with who 'author' at {where}");
            }

            if (can.Contains("update") && !can.Contains("create"))
            {
                throw Invalid($"action rule {rule.ToJsonString()} has 'update' without 'create' at {where}");
            }

            if (can.Contains("delete") && !can.Contains("create"))
            {
                throw Invalid($"action rule {rule.ToJsonString()} has 'delete' without 'create' at {where}");
            }

            for (var j = i + 1; j < actions.Count; j++)
            {
                var other = actions[j];
                if (who is not null && who == other.GetString("who") && of == other.GetString("of"))
                {
                    throw Invalid($"more than one action rule for actor {who} of {of} at {where}");
                }

                if (who is null && role == other.GetString("role"))
                {
                    throw Invalid($"more than one action rule for role {role} at {where}");
                }
            }
        }

        foreach (var (type, child) in ruleSet)
        {
            if (type.StartsWith('$'))
            {
                continue;
            }

            if (!types.Contains(type))
            {
                throw Invalid($"rule set {type} is not declared in types");
            }

            ValidateRuleSet((JsonObject)child!, path.Length == 0 ? type : path + "/" + type, types, roles);
        }
    }

    private static DwnException Invalid(string message) => new(DwnErrorCode.ProtocolsConfigureInvalidDefinition, "protocol definition: " + message);
}
