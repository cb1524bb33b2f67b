using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Credentials;

/// <summary>What a Presentation Exchange operation refused.</summary>
public enum PexErrorKind
{
    /// <summary>The presentation definition breaks a rule of DIF PE v2.</summary>
    InvalidDefinition,

    /// <summary>The presentation submission breaks a rule of DIF PE v2.</summary>
    InvalidSubmission,

    /// <summary>A credential is not a decodable VC-JWT.</summary>
    InvalidCredential,

    /// <summary>The credentials (or the presentation) do not satisfy the definition.</summary>
    NotSatisfied,
}

/// <summary>One problem, with the JSONPath of the member it concerns.</summary>
/// <param name="Path">Where (<c>$.input_descriptors[0].constraints.fields[1].path[0]</c>).</param>
/// <param name="Message">The rule broken.</param>
public sealed record PexProblem(string Path, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>A refused Presentation Exchange operation; <see cref="Problems"/> lists every rule broken.</summary>
public sealed class PresentationExchangeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PresentationExchangeException(PexErrorKind kind, IReadOnlyList<PexProblem> problems)
        : base(Describe(kind, problems))
    {
        Kind = kind;
        Problems = problems;
    }

    /// <summary>Creates the exception.</summary>
    public PresentationExchangeException()
    {
        Problems = [];
    }

    /// <summary>Creates the exception.</summary>
    public PresentationExchangeException(string message)
        : base(message)
    {
        Problems = [];
    }

    /// <summary>Creates the exception.</summary>
    public PresentationExchangeException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [];
    }

    /// <summary>The kind.</summary>
    public PexErrorKind Kind { get; }

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<PexProblem> Problems { get; }

    private static string Describe(PexErrorKind kind, IReadOnlyList<PexProblem> problems)
    {
        var what = kind switch
        {
            PexErrorKind.InvalidDefinition => "presentation definition is invalid",
            PexErrorKind.InvalidSubmission => "presentation submission is invalid",
            PexErrorKind.InvalidCredential => "a credential cannot be read",
            _ => "the definition is not satisfied",
        };
        return problems.Count == 0 ? "pex: " + what : $"pex: {what}: {string.Join("; ", problems.Take(5))}{(problems.Count > 5 ? $" (+{problems.Count - 5} more)" : string.Empty)}";
    }
}

/// <summary>A constraint field: paths tried in order, an optional JSON Schema filter (DIF PE v2 5.1.1).</summary>
/// <param name="Id">The field id.</param>
/// <param name="Paths">The paths, in order.</param>
/// <param name="Filter">The filter, if any.</param>
/// <param name="Optional">Whether a credential may lack it.</param>
/// <param name="Predicate">The predicate directive (required/preferred), if any.</param>
public sealed record PexField(string? Id, IReadOnlyList<JsonPath> Paths, JsonNode? Filter, bool Optional, string? Predicate);

/// <summary>An input descriptor's constraints (DIF PE v2 5.1).</summary>
/// <param name="Fields">The fields.</param>
/// <param name="LimitDisclosure">required/preferred, if any.</param>
/// <param name="SubjectIsIssuer">required/preferred, if any.</param>
/// <param name="IsHolder">is_holder entries (field ids, directive).</param>
/// <param name="SameSubject">same_subject entries (field ids, directive).</param>
public sealed record PexConstraints(
    IReadOnlyList<PexField> Fields,
    string? LimitDisclosure,
    string? SubjectIsIssuer,
    IReadOnlyList<(IReadOnlyList<string> FieldIds, string Directive)> IsHolder,
    IReadOnlyList<(IReadOnlyList<string> FieldIds, string Directive)> SameSubject);

/// <summary>An input descriptor (DIF PE v2 5.1).</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Purpose">Its purpose.</param>
/// <param name="Groups">The groups it belongs to.</param>
/// <param name="Format">A format restriction (overrides the definition's).</param>
/// <param name="Constraints">Its constraints.</param>
public sealed record InputDescriptor(string Id, string? Name, string? Purpose, IReadOnlyList<string> Groups, JsonObject? Format, PexConstraints Constraints);

/// <summary>A submission requirement (DIF PE v2 7): rule all/pick over a group or nested requirements.</summary>
/// <param name="Rule"><c>all</c> or <c>pick</c>.</param>
/// <param name="From">The group, or null with <paramref name="FromNested"/>.</param>
/// <param name="FromNested">Nested requirements.</param>
/// <param name="Count">pick: exactly this many.</param>
/// <param name="Min">pick: at least.</param>
/// <param name="Max">pick: at most.</param>
public sealed record SubmissionRequirement(string Rule, string? From, IReadOnlyList<SubmissionRequirement>? FromNested, int? Count, int? Min, int? Max);

/// <summary>
/// A DIF Presentation Exchange v2.0.0 presentation definition
/// (https://identity.foundation/presentation-exchange/spec/v2.0.0/#presentation-definition), validated
/// with the rules @sphereon/pex 3.3 (behind @web5/credentials 1.1) applies.
/// </summary>
public sealed class PresentationDefinition
{
    /// <summary>JWT algorithms a <c>format</c> may name (@sphereon/pex's list).</summary>
    public static readonly IReadOnlySet<string> KnownJwtAlgorithms = new HashSet<string>(StringComparer.Ordinal)
    {
        "ES256", "ES256K", "ES384", "ES512", "EdDSA", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "HS256", "HS384", "HS512",
        "ES256K-R", "Ed25519", "none",
    };

    /// <summary>Linked-data proof types a <c>format</c> may name (@sphereon/pex's list).</summary>
    public static readonly IReadOnlySet<string> KnownLdpTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "Ed25519Signature2018", "Ed25519Signature2020", "EcdsaSecp256k1Signature2019", "EcdsaSecp256k1RecoverySignature2020",
        "EcdsaSecp256k1VerificationKey2019", "JsonWebSignature2020", "RsaSignature2018", "GpgSignature2020", "JcsEd25519Signature2020",
        "BbsBlsSignature2020", "BbsBlsBoundSignature2020", "Bls12381G2Key2020", "EcdsaSecp256r1Signature2019", "DataIntegrityProof",
        "BbsBlsSignatureProof2020", "BbsBlsBoundSignatureProof2020", "eddsa-2022", "ecdsa-2019", "bbs-2023", "eddsa-rdfc-2022",
        "ecdsa-rdfc-2019", "ecdsa-sd-2023",
    };

    /// <summary>Claim format designations (DIF Claim Format Registry) a submission may name.</summary>
    public static readonly IReadOnlySet<string> KnownFormats = new HashSet<string>(StringComparer.Ordinal)
    {
        "jwt", "jwt_vc", "jwt_vc_json", "jwt_vp", "jwt_vp_json", "ldp", "ldp_vc", "ldp_vp", "di", "di_vc", "di_vp", "vc+sd-jwt", "mso_mdoc",
    };

    private PresentationDefinition(JsonObject json, string id, string? name, string? purpose, IReadOnlyList<InputDescriptor> descriptors, IReadOnlyList<SubmissionRequirement>? requirements)
    {
        Json = json;
        Id = id;
        Name = name;
        Purpose = purpose;
        InputDescriptors = descriptors;
        SubmissionRequirements = requirements;
    }

    /// <summary>The definition as given (a copy).</summary>
    public JsonObject Json { get => (JsonObject)field.DeepClone(); }

    /// <summary>Its id.</summary>
    public string Id { get; }

    /// <summary>Its name.</summary>
    public string? Name { get; }

    /// <summary>Its purpose.</summary>
    public string? Purpose { get; }

    /// <summary>The input descriptors.</summary>
    public IReadOnlyList<InputDescriptor> InputDescriptors { get; }

    /// <summary>The submission requirements, if any.</summary>
    public IReadOnlyList<SubmissionRequirement>? SubmissionRequirements { get; }

    /// <summary>The definition-level format restriction, if any.</summary>
    public JsonObject? Format => Json["format"] as JsonObject;

    /// <summary>Parses and validates a definition; throws <see cref="PresentationExchangeException"/> listing every problem.</summary>
    public static PresentationDefinition Parse(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var problems = Validate(json);
        if (problems.Count > 0)
        {
            throw new PresentationExchangeException(PexErrorKind.InvalidDefinition, problems);
        }

        var descriptors = new List<InputDescriptor>();
        foreach (var d in ((JsonArray)json["input_descriptors"]!).Cast<JsonObject>())
        {
            var c = d["constraints"] as JsonObject ?? [];
            var fields = (c["fields"] as JsonArray ?? []).Cast<JsonObject>().Select(f => new PexField(
                f.GetString("id"),
                [.. ((JsonArray)f["path"]!).Select(p => JsonPath.Parse(p!.GetValue<string>()))],
                f["filter"]?.DeepClone(),
                f["optional"] is JsonValue o && o.GetValueKind() == JsonValueKind.True,
                f.GetString("predicate"))).ToList();
            descriptors.Add(new InputDescriptor(
                d.GetString("id")!,
                d.GetString("name"),
                d.GetString("purpose"),
                (d["group"] as JsonArray)?.Select(g => g!.GetValue<string>()).ToList() ?? [],
                d["format"]?.DeepClone() as JsonObject,
                new PexConstraints(fields, c.GetString("limit_disclosure"), c.GetString("subject_is_issuer"), Directives(c["is_holder"]), Directives(c["same_subject"]))));
        }

        var requirements = json["submission_requirements"] is JsonArray sr ? sr.Cast<JsonObject>().Select(ReadRequirement).ToList() : null;
        return new PresentationDefinition((JsonObject)json.DeepClone(), json.GetString("id")!, json.GetString("name"), json.GetString("purpose"), descriptors, requirements);
    }

    /// <summary>Parses JSON text (the definition, or an object holding it as <c>presentation_definition</c>).</summary>
    public static PresentationDefinition Parse(string json)
    {
        JsonObject obj;
        try
        {
            obj = Web5Json.ParseObject(json, "presentation definition");
        }
        catch (Bitcoin.BitcoinFormatException e)
        {
            throw new PresentationExchangeException(PexErrorKind.InvalidDefinition, [new PexProblem("$", e.Message)]);
        }

        return Parse(obj["presentation_definition"] as JsonObject ?? obj);
    }

    private static List<(IReadOnlyList<string>, string)> Directives(JsonNode? node) =>
        node is JsonArray a
            ? [.. a.OfType<JsonObject>().Select(o => ((IReadOnlyList<string>)[.. (o["field_id"] as JsonArray ?? []).Select(x => x!.GetValue<string>())], o.GetString("directive") ?? "required"))]
            : [];

    private static SubmissionRequirement ReadRequirement(JsonObject o) => new(
        o.GetString("rule")!,
        o.GetString("from"),
        o["from_nested"] is JsonArray n ? n.Cast<JsonObject>().Select(ReadRequirement).ToList() : null,
        (int?)o.GetInt64("count"),
        (int?)o.GetInt64("min"),
        (int?)o.GetInt64("max"));

    /// <summary>
    /// Every rule a definition breaks (empty when valid): id non-empty; name and purpose non-empty when
    /// present; input_descriptors an array with unique non-empty ids (names and purposes non-empty when
    /// present); field ids unique across the definition; each field path a non-empty list of valid
    /// JSONPath; filters valid JSON Schema (required with a predicate); directives among
    /// required/preferred; formats non-empty with known algorithms and proof types; submission
    /// requirements well-formed (rule all/pick, from or from_nested, non-negative count/min/max) and
    /// every <c>from</c> naming a group some input descriptor has.
    /// </summary>
    public static IReadOnlyList<PexProblem> Validate(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var problems = new List<PexProblem>();
        void Add(string path, string message) => problems.Add(new PexProblem(path, message));

        CheckString(json, "id", "$", required: true, Add);
        CheckString(json, "name", "$", required: false, Add);
        CheckString(json, "purpose", "$", required: false, Add);
        CheckFormat(json["format"], "$.format", Add);
        if (json["input_descriptors"] is not JsonArray descriptors)
        {
            Add("$.input_descriptors", "input_descriptors must be an array");
            return problems;
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var fieldIds = new HashSet<string>(StringComparer.Ordinal);
        var groups = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < descriptors.Count; i++)
        {
            var at = $"$.input_descriptors[{i}]";
            if (descriptors[i] is not JsonObject d)
            {
                Add(at, "an input descriptor must be an object");
                continue;
            }

            if (CheckString(d, "id", at, required: true, Add) is { } id && !ids.Add(id))
            {
                Add(at + ".id", $"input descriptor ids must be unique ('{id}' repeats)");
            }

            CheckString(d, "name", at, required: false, Add);
            CheckString(d, "purpose", at, required: false, Add);
            if (d.ContainsKey("schema"))
            {
                Add(at + ".schema", "a v2 input descriptor has no schema property");
            }

            CheckFormat(d["format"], at + ".format", Add);
            if (d["group"] is { } group)
            {
                if (group is not JsonArray ga || ga.Any(g => g is not JsonValue gv || gv.GetValueKind() != JsonValueKind.String))
                {
                    Add(at + ".group", "group must be an array of strings");
                }
                else
                {
                    groups.UnionWith(ga.Select(g => g!.GetValue<string>()));
                }
            }

            if (!d.TryGetPropertyValue("constraints", out var cn) || cn is null)
            {
                Add(at + ".constraints", "constraints is required");
                continue;
            }

            if (cn is not JsonObject c)
            {
                Add(at + ".constraints", "constraints must be an object");
                continue;
            }

            CheckDirective(c, "limit_disclosure", at + ".constraints", Add);
            CheckDirective(c, "subject_is_issuer", at + ".constraints", Add);
            if (c["fields"] is { } fieldsNode)
            {
                if (fieldsNode is not JsonArray fields)
                {
                    Add(at + ".constraints.fields", "fields must be an array");
                }
                else
                {
                    for (var f = 0; f < fields.Count; f++)
                    {
                        CheckField(fields[f], $"{at}.constraints.fields[{f}]", fieldIds, Add);
                    }
                }
            }

            foreach (var relational in (string[])["is_holder", "same_subject"])
            {
                if (c[relational] is null)
                {
                    continue;
                }

                if (c[relational] is not JsonArray ra)
                {
                    Add($"{at}.constraints.{relational}", $"{relational} must be an array");
                    continue;
                }

                for (var r = 0; r < ra.Count; r++)
                {
                    var rat = $"{at}.constraints.{relational}[{r}]";
                    if (ra[r] is not JsonObject ro || ro["field_id"] is not JsonArray fa || fa.Count == 0 || fa.Any(x => x is not JsonValue xv || xv.GetValueKind() != JsonValueKind.String))
                    {
                        Add(rat, "field_id must be a non-empty array of strings");
                        continue;
                    }

                    if (ro.GetString("directive") is not ("required" or "preferred"))
                    {
                        Add(rat + ".directive", "directive must be required or preferred");
                    }
                }
            }
        }

        // Relational constraints name fields of this definition.
        for (var i = 0; i < descriptors.Count; i++)
        {
            if (descriptors[i] is JsonObject { } d && d["constraints"] is JsonObject c)
            {
                foreach (var relational in (string[])["is_holder", "same_subject"])
                {
                    foreach (var fid in (c[relational] as JsonArray ?? []).OfType<JsonObject>().SelectMany(o => (o["field_id"] as JsonArray ?? []).OfType<JsonValue>()))
                    {
                        if (fid.GetValueKind() == JsonValueKind.String && !fieldIds.Contains(fid.GetValue<string>()))
                        {
                            Add($"$.input_descriptors[{i}].constraints.{relational}", $"field_id '{fid.GetValue<string>()}' names no field");
                        }
                    }
                }
            }
        }

        if (json["submission_requirements"] is { } srNode)
        {
            if (srNode is not JsonArray srs)
            {
                Add("$.submission_requirements", "submission_requirements must be an array");
            }
            else
            {
                for (var i = 0; i < srs.Count; i++)
                {
                    CheckRequirement(srs[i], $"$.submission_requirements[{i}]", groups, Add);
                }
            }
        }

        return problems;
    }

    private static string? CheckString(JsonObject o, string name, string at, bool required, Action<string, string> add)
    {
        if (!o.TryGetPropertyValue(name, out var node) || node is null)
        {
            if (required)
            {
                add($"{at}.{name}", $"{name} is required");
            }

            return null;
        }

        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
        {
            add($"{at}.{name}", $"{name} must be a string");
            return null;
        }

        var s = v.GetValue<string>();
        if (s.Length == 0)
        {
            add($"{at}.{name}", $"{name} must not be empty");
            return null;
        }

        return s;
    }

    private static void CheckDirective(JsonObject o, string name, string at, Action<string, string> add)
    {
        if (o.ContainsKey(name) && o.GetString(name) is not ("required" or "preferred"))
        {
            add($"{at}.{name}", $"{name} must be required or preferred");
        }
    }

    private static void CheckField(JsonNode? node, string at, HashSet<string> fieldIds, Action<string, string> add)
    {
        if (node is not JsonObject f)
        {
            add(at, "a field must be an object");
            return;
        }

        if (f.ContainsKey("id") && CheckString(f, "id", at, required: true, add) is { } id && !fieldIds.Add(id))
        {
            add(at + ".id", $"field ids must be unique ('{id}' repeats)");
        }

        CheckString(f, "name", at, required: false, add);
        CheckString(f, "purpose", at, required: false, add);
        if (f["path"] is not JsonArray paths || paths.Count == 0)
        {
            add(at + ".path", "path must be a non-empty array of JSONPath strings");
        }
        else
        {
            for (var p = 0; p < paths.Count; p++)
            {
                if (paths[p] is not JsonValue pv || pv.GetValueKind() != JsonValueKind.String)
                {
                    add($"{at}.path[{p}]", "a path must be a string");
                }
                else if (!JsonPath.TryParse(pv.GetValue<string>(), out _, out var error))
                {
                    add($"{at}.path[{p}]", error!);
                }
            }
        }

        if (f.TryGetPropertyValue("filter", out var filter) && !JsonSchemaFilter.TryValidateSchema(filter, out var schemaError))
        {
            // The schema error starts with the keyword's path under the filter ("filter.items[0].type must be ...").
            var space = schemaError!.IndexOf(' ', StringComparison.Ordinal);
            var keywordPath = space > 0 && schemaError.StartsWith("filter", StringComparison.Ordinal) ? schemaError[..space] : "filter";
            add($"{at}.{keywordPath}", keywordPath == "filter" ? schemaError : schemaError[(space + 1)..]);
        }

        if (f.ContainsKey("predicate"))
        {
            if (f.GetString("predicate") is not ("required" or "preferred"))
            {
                add(at + ".predicate", "predicate must be required or preferred");
            }

            if (filter is null)
            {
                add(at + ".filter", "a field with a predicate needs a filter");
            }
        }

        if (f.TryGetPropertyValue("optional", out var optional) && (optional is not JsonValue ov || ov.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False)))
        {
            add(at + ".optional", "optional must be a boolean");
        }
    }

    // DIF PE v2 "Registry" / @sphereon/pex: each format designation needs a non-empty alg or proof_type list of known values.
    private static void CheckFormat(JsonNode? node, string at, Action<string, string> add)
    {
        if (node is null)
        {
            return;
        }

        if (node is not JsonObject format)
        {
            add(at, "format must be an object");
            return;
        }

        foreach (var (key, value) in format)
        {
            if (value is not JsonObject spec)
            {
                add($"{at}.{key}", "a format designation must be an object");
                continue;
            }

            if (key.StartsWith("jwt", StringComparison.Ordinal))
            {
                if (spec["alg"] is not JsonArray algs || algs.Count == 0)
                {
                    add($"{at}.{key}.alg", "alg must be a non-empty array");
                    continue;
                }

                foreach (var a in algs.Select(x => x is JsonValue xv && xv.GetValueKind() == JsonValueKind.String ? xv.GetValue<string>() : null).Where(a => a is null || !KnownJwtAlgorithms.Contains(a)))
                {
                    add($"{at}.{key}.alg", $"unknown JWT algorithm '{a}'");
                }
            }
            else if (key.StartsWith("ldp", StringComparison.Ordinal) || key.StartsWith("di", StringComparison.Ordinal))
            {
                if (spec["proof_type"] is not JsonArray types || types.Count == 0)
                {
                    add($"{at}.{key}.proof_type", "proof_type must be a non-empty array");
                    continue;
                }

                foreach (var t in types.Select(x => x is JsonValue xv && xv.GetValueKind() == JsonValueKind.String ? xv.GetValue<string>() : null).Where(t => t is null || !KnownLdpTypes.Contains(t)))
                {
                    add($"{at}.{key}.proof_type", $"unknown proof type '{t}'");
                }
            }
        }
    }

    private static void CheckRequirement(JsonNode? node, string at, HashSet<string> groups, Action<string, string> add)
    {
        if (node is not JsonObject sr)
        {
            add(at, "a submission requirement must be an object");
            return;
        }

        if (sr.GetString("rule") is not ("all" or "pick"))
        {
            add(at + ".rule", "rule must be all or pick");
        }

        var hasFrom = sr.ContainsKey("from");
        var hasNested = sr.ContainsKey("from_nested");
        if (hasFrom == hasNested)
        {
            add(at, "a submission requirement needs exactly one of from and from_nested");
        }

        if (hasFrom)
        {
            if (sr.GetString("from") is not { Length: > 0 } from)
            {
                add(at + ".from", "from must be a non-empty string");
            }
            else if (!groups.Contains(from))
            {
                add(at + ".from", $"no input descriptor is in group '{from}'");
            }
        }

        if (hasNested)
        {
            if (sr["from_nested"] is not JsonArray nested || nested.Count == 0)
            {
                add(at + ".from_nested", "from_nested must be a non-empty array");
            }
            else
            {
                for (var i = 0; i < nested.Count; i++)
                {
                    CheckRequirement(nested[i], $"{at}.from_nested[{i}]", groups, add);
                }
            }
        }

        foreach (var name in (string[])["count", "min", "max"])
        {
            if (sr.ContainsKey(name) && (sr.GetInt64(name) is not { } n || n < 0 || n > int.MaxValue))
            {
                add($"{at}.{name}", $"{name} must be a non-negative integer");
            }
        }

        if (sr.GetInt64("min") is { } min && sr.GetInt64("max") is { } max && min > max)
        {
            add(at, "min must not exceed max");
        }
    }
}
