using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Web5.Encoding;
using OPSource.Web5.Jose;

namespace OPSource.Web5.Credentials;

/// <summary>The outcome of evaluating credentials or a presentation against a definition.</summary>
/// <param name="Problems">Every unmet rule (empty: satisfied).</param>
/// <param name="Matches">For each input descriptor id, the indexes of the credentials that satisfy it.</param>
public sealed record PexEvaluation(IReadOnlyList<PexProblem> Problems, IReadOnlyDictionary<string, IReadOnlyList<int>> Matches)
{
    /// <summary>True when the definition is satisfied.</summary>
    public bool Satisfied => Problems.Count == 0;
}

/// <summary>A presentation submission with the credentials it maps.</summary>
/// <param name="Submission">The <c>presentation_submission</c> object.</param>
/// <param name="MatchedVcJwts">The credentials the descriptor map points at (the presentation carries all given credentials, in order).</param>
public sealed record PresentationResult(JsonObject Submission, IReadOnlyList<string> MatchedVcJwts);

/// <summary>
/// DIF Presentation Exchange v2.0.0 over VC-JWTs, as @web5/credentials' PresentationExchange:
/// selecting the credentials that satisfy a definition, creating a presentation submission, validating
/// definitions and submissions, and evaluating a presentation against a definition.
/// <para>
/// A field's paths are tried in order against the JWT claims set (as @sphereon/pex does for
/// <c>jwt_vc</c>); when none selects anything there they are tried against the credential's data model
/// (the <c>vc</c> claim with <c>iss</c>/<c>sub</c>/<c>jti</c>/<c>nbf</c>/<c>exp</c> applied, as
/// web5-rs does), so <c>$.vc.credentialSubject.x</c> and <c>$.credentialSubject.x</c> both work. A
/// field matches when some selected value passes its filter; <c>optional</c> fields need not.
/// Before a <c>format: date</c> filter a date-time value is reduced to its UTC date, as @sphereon/pex
/// does. <c>limit_disclosure: required</c> cannot be met by a JWT credential;
/// <c>subject_is_issuer: required</c> needs <c>iss == sub</c>; <c>is_holder</c> and
/// <c>same_subject</c> are checked when a presentation (with its holder) is evaluated.
/// </para>
/// </summary>
public static class PresentationExchange
{
    /// <summary>A decoded VC-JWT candidate.</summary>
    internal sealed record Candidate(string Jwt, string? Alg, JsonObject Claims, JsonObject Model)
    {
        public string? Subject => Claims.GetString("sub") ?? (Model["credentialSubject"] as JsonObject)?.GetString("id");

        public string? Issuer => Claims.GetString("iss") ?? Model.GetString("issuer") ?? (Model["issuer"] as JsonObject)?.GetString("id");
    }

    /// <summary>Decodes a VC-JWT without verifying it; null with a message when it is not one.</summary>
    internal static Candidate? TryDecode(string? jwt, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(jwt))
        {
            error = "not a JWT";
            return null;
        }

        try
        {
            var jws = Jws.ParseCompact(jwt);
            var claims = jws.PayloadJson();
            if (claims["vc"] is not JsonObject vc)
            {
                error = "the JWT has no vc claim";
                return null;
            }

            // The uniform data model: the vc claim with the registered claims applied (VC DM 1.1 6.3.1).
            var model = (JsonObject)vc.DeepClone();
            if (claims.GetString("iss") is { } iss && model["issuer"] is null)
            {
                model["issuer"] = iss;
            }

            if (claims.GetString("jti") is { } jti)
            {
                model["id"] = jti;
            }

            if (claims.GetString("sub") is { } sub && model["credentialSubject"] is JsonObject cs)
            {
                cs["id"] = sub;
            }

            if (Jwt.NumericDate(claims, "nbf") is { } nbf)
            {
                model["issuanceDate"] = VerifiableCredential.Timestamp(DateTimeOffset.FromUnixTimeSeconds(nbf));
            }

            if (Jwt.NumericDate(claims, "exp") is { } exp)
            {
                model["expirationDate"] = VerifiableCredential.Timestamp(DateTimeOffset.FromUnixTimeSeconds(exp));
            }

            return new Candidate(jwt, jws.Signatures[0].Alg, claims, model);
        }
        catch (JoseException e)
        {
            error = e.Message;
            return null;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }
    }

    private static List<Candidate> DecodeAll(IReadOnlyList<string> vcJwts)
    {
        ArgumentNullException.ThrowIfNull(vcJwts);
        var list = new List<Candidate>();
        var problems = new List<PexProblem>();
        for (var i = 0; i < vcJwts.Count; i++)
        {
            var c = TryDecode(vcJwts[i], out var error);
            if (c is null)
            {
                problems.Add(new PexProblem($"$[{i}]", "not a VC-JWT: " + error));
            }
            else
            {
                list.Add(c);
            }
        }

        if (problems.Count > 0)
        {
            throw new PresentationExchangeException(PexErrorKind.InvalidCredential, problems);
        }

        return list;
    }

    /// <summary>
    /// The credentials that satisfy the definition, each once, in input order; empty when the definition
    /// as a whole is not satisfied (@web5/credentials' selectCredentials).
    /// </summary>
    public static IReadOnlyList<string> SelectCredentials(PresentationDefinition definition, IReadOnlyList<string> vcJwts)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var candidates = DecodeAll(vcJwts);
        var evaluation = Evaluate(definition, candidates);
        if (!evaluation.Satisfied)
        {
            return [];
        }

        return [.. SelectionOrder(definition, evaluation).Select(i => vcJwts[i]).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The selected credentials' indexes in @sphereon/pex's order (selectFrom): without submission
    /// requirements, descriptor by descriptor in definition order, each descriptor's matches in input
    /// order; with them, requirement by requirement (nested ones after their parent), each <c>from</c>
    /// group's descriptors in definition order. Each credential appears once, at its first place.
    /// </summary>
    private static List<int> SelectionOrder(PresentationDefinition definition, PexEvaluation evaluation)
    {
        var order = new List<int>();
        var seen = new HashSet<int>();
        void Take(IEnumerable<InputDescriptor> descriptors)
        {
            foreach (var i in descriptors.SelectMany(d => evaluation.Matches[d.Id]))
            {
                if (seen.Add(i))
                {
                    order.Add(i);
                }
            }
        }

        void Walk(IEnumerable<SubmissionRequirement> requirements)
        {
            foreach (var sr in requirements)
            {
                if (sr.From is not null)
                {
                    Take(definition.InputDescriptors.Where(d => d.Groups.Contains(sr.From)));
                }

                Walk(sr.FromNested ?? []);
            }
        }

        if (definition.SubmissionRequirements is null)
        {
            Take(definition.InputDescriptors);
        }
        else
        {
            Walk(definition.SubmissionRequirements);
        }

        return order;
    }

    /// <summary>Evaluates credentials against the definition: which satisfy each descriptor, and what is unmet.</summary>
    public static PexEvaluation EvaluateCredentials(PresentationDefinition definition, IReadOnlyList<string> vcJwts)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return Evaluate(definition, DecodeAll(vcJwts));
    }

    private static PexEvaluation Evaluate(PresentationDefinition definition, IReadOnlyList<Candidate> candidates)
    {
        var matches = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal);
        for (var d = 0; d < definition.InputDescriptors.Count; d++)
        {
            var descriptor = definition.InputDescriptors[d];
            matches[descriptor.Id] = [.. Enumerable.Range(0, candidates.Count).Where(i => Satisfies(definition, descriptor, candidates[i], out _))];
        }

        var satisfied = matches.Where(m => m.Value.Count > 0).Select(m => m.Key).ToHashSet(StringComparer.Ordinal);
        return new PexEvaluation(Requirements(definition, satisfied, exact: false), matches);
    }

    /// <summary>
    /// Creates the presentation submission for credentials that satisfy the definition: one descriptor-map
    /// entry per (input descriptor, matching credential), paths into the given list
    /// (<c>$.verifiableCredential[i]</c>), format <c>jwt_vc</c> (@web5/credentials'
    /// createPresentationFromCredentials). Throws when the definition is invalid or not satisfied.
    /// </summary>
    public static PresentationResult CreatePresentationFromCredentials(PresentationDefinition definition, IReadOnlyList<string> vcJwts)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var candidates = DecodeAll(vcJwts);
        var evaluation = Evaluate(definition, candidates);
        if (!evaluation.Satisfied)
        {
            throw new PresentationExchangeException(PexErrorKind.NotSatisfied, evaluation.Problems);
        }

        var used = UsedDescriptors(definition);
        var map = new JsonArray();
        var matched = new SortedSet<int>();
        foreach (var descriptor in definition.InputDescriptors.Where(d => used.Contains(d.Id)))
        {
            foreach (var i in evaluation.Matches[descriptor.Id])
            {
                map.Add((JsonNode)new JsonObject { ["id"] = descriptor.Id, ["format"] = "jwt_vc", ["path"] = $"$.verifiableCredential[{i}]" });
                matched.Add(i);
            }
        }

        var submission = new JsonObject { ["id"] = Guid.NewGuid().ToString("D"), ["definition_id"] = definition.Id, ["descriptor_map"] = map };
        return new PresentationResult(submission, [.. matched.Select(i => vcJwts[i])]);
    }

    /// <summary>Descriptors a submission must address: all of them, or with submission requirements the ones in groups they name.</summary>
    private static HashSet<string> UsedDescriptors(PresentationDefinition definition)
    {
        if (definition.SubmissionRequirements is null)
        {
            return definition.InputDescriptors.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        }

        var groups = new HashSet<string>(StringComparer.Ordinal);
        void Walk(IEnumerable<SubmissionRequirement> srs)
        {
            foreach (var sr in srs)
            {
                if (sr.From is not null)
                {
                    groups.Add(sr.From);
                }

                Walk(sr.FromNested ?? []);
            }
        }

        Walk(definition.SubmissionRequirements);
        return definition.InputDescriptors.Where(d => d.Groups.Any(groups.Contains)).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// The unmet requirements given the satisfied descriptors. Without submission requirements every
    /// descriptor is needed (DIF PE v2 5). With them each top-level requirement must hold (section 7):
    /// <c>all</c> needs every descriptor of the group (or every nested requirement); <c>pick</c> counts
    /// satisfied descriptors (or nested requirements) against count/min/max. When selecting
    /// (<paramref name="exact"/> false) having more than <c>count</c> or <c>max</c> is fine: the holder
    /// picks; a submitted presentation must meet them exactly.
    /// </summary>
    private static List<PexProblem> Requirements(PresentationDefinition definition, IReadOnlySet<string> satisfied, bool exact)
    {
        var problems = new List<PexProblem>();
        if (definition.SubmissionRequirements is null)
        {
            for (var i = 0; i < definition.InputDescriptors.Count; i++)
            {
                if (!satisfied.Contains(definition.InputDescriptors[i].Id))
                {
                    problems.Add(new PexProblem($"$.input_descriptors[{i}]", $"no credential satisfies input descriptor '{definition.InputDescriptors[i].Id}'"));
                }
            }

            return problems;
        }

        for (var i = 0; i < definition.SubmissionRequirements.Count; i++)
        {
            if (Unmet(definition, definition.SubmissionRequirements[i], satisfied, exact) is { } why)
            {
                problems.Add(new PexProblem($"$.submission_requirements[{i}]", why));
            }
        }

        return problems;
    }

    private static string? Unmet(PresentationDefinition definition, SubmissionRequirement sr, IReadOnlySet<string> satisfied, bool exact)
    {
        int total, met;
        string what;
        if (sr.From is not null)
        {
            var members = definition.InputDescriptors.Where(d => d.Groups.Contains(sr.From)).ToList();
            total = members.Count;
            met = members.Count(d => satisfied.Contains(d.Id));
            what = $"input descriptors of group '{sr.From}'";
        }
        else
        {
            var nested = sr.FromNested ?? [];
            total = nested.Count;
            met = nested.Count(n => Unmet(definition, n, satisfied, exact) is null);
            what = "nested requirements";
        }

        if (sr.Rule == "all")
        {
            return met == total && total > 0 ? null : $"rule all: {met} of {total} {what} satisfied";
        }

        if (sr.Count is { } count)
        {
            return (exact ? met == count : met >= count) ? null : $"rule pick: count {count}, {met} {what} satisfied";
        }

        if (sr.Min is { } min && met < min)
        {
            return $"rule pick: min {min}, {met} {what} satisfied";
        }

        if (exact && sr.Max is { } max && met > max)
        {
            return $"rule pick: max {max}, {met} {what} submitted";
        }

        return sr.Min is null && met == 0 ? $"rule pick: no {what} satisfied" : null;
    }

    /// <summary>Whether one credential satisfies one input descriptor; the reason when it does not.</summary>
    internal static bool Satisfies(PresentationDefinition definition, InputDescriptor descriptor, Candidate candidate, out string? reason)
    {
        reason = null;
        var format = descriptor.Format ?? definition.Format;
        if (format is not null)
        {
            var designation = new[] { "jwt_vc", "jwt_vc_json", "jwt" }.FirstOrDefault(format.ContainsKey);
            if (designation is null)
            {
                reason = "the definition does not accept JWT credentials (format)";
                return false;
            }

            if (format[designation]?["alg"] is JsonArray algs && !algs.Any(a => a is JsonValue av && av.GetValueKind() == JsonValueKind.String && av.GetValue<string>() == candidate.Alg))
            {
                reason = $"algorithm {candidate.Alg} is not among {designation}.alg";
                return false;
            }
        }

        // A JWT credential discloses everything: it cannot meet limit_disclosure "required" (DIF PE v2 5.1.1).
        if (descriptor.Constraints.LimitDisclosure == "required")
        {
            reason = "limit_disclosure required: a JWT credential cannot disclose selectively";
            return false;
        }

        if (descriptor.Constraints.SubjectIsIssuer == "required" && (candidate.Subject is null || candidate.Subject != candidate.Issuer))
        {
            reason = "subject_is_issuer required: the subject is not the issuer";
            return false;
        }

        foreach (var field in descriptor.Constraints.Fields)
        {
            if (!FieldMatches(field, candidate) && !field.Optional)
            {
                reason = $"field {field.Id ?? string.Join(" | ", field.Paths.Select(p => p.Text))} not satisfied";
                return false;
            }
        }

        return true;
    }

    private static bool FieldMatches(PexField field, Candidate candidate)
    {
        foreach (var document in (JsonObject[])[candidate.Claims, candidate.Model])
        {
            foreach (var path in field.Paths)
            {
                var nodes = path.Select(document);
                if (nodes.Count == 0)
                {
                    continue;
                }

                // The first path that selects anything decides (DIF PE v2 5.1.1: paths are tried in order).
                return field.Filter is null || nodes.Any(n => JsonSchemaFilter.Matches(field.Filter, PrepareForFilter(field.Filter, n.Value)));
            }
        }

        return false;
    }

    // @sphereon/pex reduces a value to its UTC date before a "format: date" filter.
    private static JsonNode? PrepareForFilter(JsonNode? filter, JsonNode? value)
    {
        if (filter is JsonObject f && f.GetString("format") == "date" && value is JsonValue v && v.GetValueKind() == JsonValueKind.String
            && VerifiableCredential.TryParseDate(v.GetValue<string>(), out var when))
        {
            return JsonValue.Create(when.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        }

        return value?.DeepClone();
    }

    /// <summary>
    /// Every rule a presentation submission breaks (empty when valid): id and definition_id non-empty;
    /// descriptor_map a non-empty array whose entries (and their path_nested chains) carry the same
    /// non-empty id, a known format and a valid JSONPath.
    /// </summary>
    public static IReadOnlyList<PexProblem> ValidateSubmission(JsonObject submission)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var problems = new List<PexProblem>();
        foreach (var name in (string[])["id", "definition_id"])
        {
            if (submission.GetString(name) is not { Length: > 0 })
            {
                problems.Add(new PexProblem("$." + name, $"{name} must be a non-empty string"));
            }
        }

        if (submission["descriptor_map"] is not JsonArray map || map.Count == 0)
        {
            problems.Add(new PexProblem("$.descriptor_map", "descriptor_map must be a non-empty array"));
            return problems;
        }

        for (var i = 0; i < map.Count; i++)
        {
            var at = $"$.descriptor_map[{i}]";
            if (map[i] is not JsonObject entry)
            {
                problems.Add(new PexProblem(at, "a descriptor must be an object"));
                continue;
            }

            var id = entry.GetString("id");
            if (id is not { Length: > 0 })
            {
                problems.Add(new PexProblem(at + ".id", "id must be a non-empty string"));
            }

            for (JsonObject? level = entry; level is not null; level = level["path_nested"] as JsonObject, at += ".path_nested")
            {
                if (level != entry && level.GetString("id") != id)
                {
                    problems.Add(new PexProblem(at + ".id", "a nested descriptor must carry the same id"));
                }

                if (level.GetString("format") is not { } format || !PresentationDefinition.KnownFormats.Contains(format))
                {
                    problems.Add(new PexProblem(at + ".format", $"format must be a known claim format, not '{level.GetString("format")}'"));
                }

                if (!JsonPath.TryParse(level.GetString("path"), out _, out var error))
                {
                    problems.Add(new PexProblem(at + ".path", error!));
                }

                if (level.ContainsKey("path_nested") && level["path_nested"] is not JsonObject)
                {
                    problems.Add(new PexProblem(at + ".path_nested", "path_nested must be an object"));
                }
            }
        }

        return problems;
    }

    /// <summary>
    /// Evaluates a presentation (VP data model with <c>presentation_submission</c>, credentials as
    /// VC-JWTs) against a definition: the submission is valid and names this definition; every
    /// descriptor-map entry names an input descriptor and its path (following <c>path_nested</c>, a JWT
    /// on the way being decoded) leads to one VC-JWT that satisfies that descriptor; <c>is_holder</c>
    /// (the subject is <paramref name="holder"/>) and <c>same_subject</c> hold; the submission
    /// requirements are met exactly. Signatures are not checked here (see
    /// <see cref="VerifiablePresentation.VerifyAsync"/>).
    /// </summary>
    public static PexEvaluation EvaluatePresentation(PresentationDefinition definition, JsonObject presentation, string? holder = null, JsonObject? submission = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(presentation);
        holder ??= presentation.GetString("holder");
        submission ??= presentation["presentation_submission"] as JsonObject;
        if (submission is null)
        {
            return new PexEvaluation([new PexProblem("$.presentation_submission", "the presentation has no presentation_submission")], new Dictionary<string, IReadOnlyList<int>>());
        }

        var problems = ValidateSubmission(submission).Select(p => p with { Path = "$.presentation_submission" + p.Path[1..] }).ToList();
        if (problems.Count > 0)
        {
            return new PexEvaluation(problems, new Dictionary<string, IReadOnlyList<int>>());
        }

        if (submission.GetString("definition_id") != definition.Id)
        {
            problems.Add(new PexProblem("$.presentation_submission.definition_id", $"the submission is for definition '{submission.GetString("definition_id")}', not '{definition.Id}'"));
        }

        var credentials = presentation["verifiableCredential"] as JsonArray ?? [];
        var matches = definition.InputDescriptors.ToDictionary(d => d.Id, _ => new List<int>(), StringComparer.Ordinal);
        var submitted = new List<(InputDescriptor Descriptor, Candidate Candidate)>();
        var map = (JsonArray)submission["descriptor_map"]!;
        for (var i = 0; i < map.Count; i++)
        {
            var at = $"$.presentation_submission.descriptor_map[{i}]";
            var entry = (JsonObject)map[i]!;
            var descriptor = definition.InputDescriptors.FirstOrDefault(d => d.Id == entry.GetString("id"));
            if (descriptor is null)
            {
                problems.Add(new PexProblem(at + ".id", $"'{entry.GetString("id")}' names no input descriptor of the definition"));
                continue;
            }

            if (!Resolve(presentation, entry, out var jwt, out var format, out var error))
            {
                problems.Add(new PexProblem(at, error!));
                continue;
            }

            if (format is not ("jwt_vc" or "jwt_vc_json" or "jwt"))
            {
                problems.Add(new PexProblem(at + ".format", $"format {format} is not a JWT credential"));
                continue;
            }

            var candidate = TryDecode(jwt, out var decodeError);
            if (candidate is null)
            {
                problems.Add(new PexProblem(at, "not a VC-JWT: " + decodeError));
                continue;
            }

            if (!Satisfies(definition, descriptor, candidate, out var reason))
            {
                problems.Add(new PexProblem(at, $"the credential does not satisfy '{descriptor.Id}': {reason}"));
                continue;
            }

            if (descriptor.Constraints.IsHolder.Any(h => h.Directive == "required") && (holder is null || candidate.Subject != holder))
            {
                problems.Add(new PexProblem(at, $"is_holder: the subject of the credential for '{descriptor.Id}' is not the holder"));
                continue;
            }

            submitted.Add((descriptor, candidate));
            var index = IndexOf(credentials, jwt!);
            matches[descriptor.Id].Add(index);
        }

        // same_subject: the credentials for the named fields' descriptors share one subject.
        foreach (var descriptor in definition.InputDescriptors)
        {
            foreach (var (fieldIds, directive) in descriptor.Constraints.SameSubject)
            {
                if (directive != "required")
                {
                    continue;
                }

                var owners = definition.InputDescriptors.Where(d => d.Constraints.Fields.Any(f => f.Id is not null && fieldIds.Contains(f.Id))).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
                var subjects = submitted.Where(s => owners.Contains(s.Descriptor.Id)).Select(s => s.Candidate.Subject).Distinct().ToList();
                if (subjects.Count > 1 || subjects.Any(s => s is null))
                {
                    problems.Add(new PexProblem("$.presentation_submission", $"same_subject ({string.Join(", ", fieldIds)}): the credentials have different subjects"));
                }
            }
        }

        var satisfied = matches.Where(m => m.Value.Count > 0).Select(m => m.Key).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(Requirements(definition, satisfied, exact: true));
        return new PexEvaluation(problems, matches.ToDictionary(m => m.Key, m => (IReadOnlyList<int>)m.Value, StringComparer.Ordinal));
    }

    private static int IndexOf(JsonArray credentials, string jwt)
    {
        for (var i = 0; i < credentials.Count; i++)
        {
            if (credentials[i] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == jwt)
            {
                return i;
            }
        }

        return -1;
    }

    // DIF PE v2 6.1: path from the presentation; path_nested continues from what the path selected
    // (a JWT being decoded to its claims set).
    private static bool Resolve(JsonObject presentation, JsonObject entry, out string? jwt, out string? format, out string? error)
    {
        jwt = null;
        format = null;
        JsonNode? current = presentation;
        for (var level = entry; level is not null; level = level["path_nested"] as JsonObject)
        {
            format = level.GetString("format");
            var nodes = JsonPath.Parse(level.GetString("path")!).Select(current);
            if (nodes.Count != 1)
            {
                error = $"path {level.GetString("path")} selects {nodes.Count} values, not one";
                return false;
            }

            current = nodes[0].Value;
            if (level["path_nested"] is JsonObject && current is JsonValue s && s.GetValueKind() == JsonValueKind.String)
            {
                try
                {
                    current = Jws.ParseCompact(s.GetValue<string>()).PayloadJson();
                }
                catch (JoseException e)
                {
                    error = $"path {level.GetString("path")}: not a JWT: {e.Message}";
                    return false;
                }
            }
        }

        if (current is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
        {
            error = "the path does not lead to a VC-JWT string";
            return false;
        }

        jwt = v.GetValue<string>();
        error = null;
        return true;
    }
}
