using System.Globalization;
using System.Text;
using System.Text.Json;
using OPSource.Dao.Model;

namespace OPSource.Dao.Log;

/// <summary>
/// Writes event bodies as compact JSON with a fixed key order (the text is then hashed as is) and reads them
/// back strictly: every required key present with the right JSON type, hex fields lowercase and of the right
/// length. Errors are <see cref="DaoException"/> naming the field.
/// </summary>
public static class DaoEventCodec
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    /// <summary>The body's JSON text.</summary>
    public static string Write(DaoEventBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("type", body.Type);
            switch (body)
            {
                case DaoCreated c:
                    w.WriteNumber("version", 1);
                    w.WriteString("name", c.Name);
                    w.WriteString("network", c.Network);
                    w.WriteString("governance", DaoKeys.Name(c.Governance));
                    w.WriteStartArray("members");
                    foreach (var m in c.Members)
                    {
                        WriteMember(w, m);
                    }

                    w.WriteEndArray();
                    w.WritePropertyName("parameters");
                    WriteParameters(w, c.Parameters);
                    w.WriteNumber("signers", c.Signers);
                    w.WriteBoolean("mintable", c.Mintable);
                    WriteStringOrNull(w, "treasury_descriptor", c.TreasuryDescriptor);

                    break;
                case TokenTransfer t:
                    w.WriteString("dao", t.Dao);
                    w.WriteString("from", t.From);
                    w.WriteString("to", t.To);
                    w.WriteNumber("amount", t.Amount);
                    w.WriteNumber("nonce", t.Nonce);
                    break;
                case ProposalCreated p:
                    w.WriteString("dao", p.Dao);
                    w.WriteString("proposer", p.Proposer);
                    w.WriteNumber("nonce", p.Nonce);
                    w.WriteString("title", p.Title);
                    w.WriteString("description", p.Description);
                    w.WritePropertyName("action");
                    WriteAction(w, p.Action);
                    break;
                case VoteCast v:
                    w.WriteString("dao", v.Dao);
                    w.WriteString("proposal", v.Proposal);
                    w.WriteString("voter", v.Voter);
                    w.WriteString("choice", DaoKeys.Name(v.Choice));
                    w.WriteNumber("nonce", v.Nonce);
                    break;
                case ProposalClosed c:
                    w.WriteString("proposal", c.Proposal);
                    w.WriteString("outcome", DaoKeys.Name(c.Outcome));
                    w.WriteNumber("yes", c.Yes);
                    w.WriteNumber("no", c.No);
                    w.WriteNumber("abstain", c.Abstain);
                    w.WriteNumber("total", c.Total);
                    break;
                case ProposalCanceled c:
                    w.WriteString("proposal", c.Proposal);
                    w.WriteString("reason", c.Reason);
                    break;
                case ProposalExecuted e:
                    w.WriteString("proposal", e.Proposal);
                    WriteStringOrNull(w, "txid", e.Txid);

                    break;
                case Anchored a:
                    WriteStringOrNull(w, "proposal", a.Proposal);

                    w.WriteNumber("count", a.Count);
                    w.WriteString("root", a.Root);
                    w.WriteString("txid", a.Txid);
                    break;
                case TreasuryRotated r:
                    w.WriteString("from", r.From);
                    w.WriteString("to", r.To);
                    WriteStringOrNull(w, "txid", r.Txid);

                    break;
                default:
                    throw new ArgumentException("unknown event body", nameof(body));
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteStringOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    /// <summary>Writes parameters as a JSON object.</summary>
    public static void WriteParameters(Utf8JsonWriter w, DaoParameters p)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(p);
        w.WriteStartObject();
        w.WriteNumber("proposal_threshold", p.ProposalThreshold);
        w.WriteNumber("quorum_bps", p.QuorumBps);
        w.WriteNumber("approval_bps", p.ApprovalBps);
        w.WriteNumber("voting_delay", p.VotingDelay);
        w.WriteNumber("voting_period", p.VotingPeriod);
        w.WriteNumber("timelock", p.Timelock);
        w.WriteEndObject();
    }

    /// <summary>Writes a member as a JSON object.</summary>
    public static void WriteMember(Utf8JsonWriter w, DaoMember m)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(m);
        w.WriteStartObject();
        w.WriteString("key", m.Key);
        w.WriteNumber("weight", m.Weight);
        if (m.Did is not null)
        {
            w.WriteString("did", m.Did);
        }

        w.WriteEndObject();
    }

    /// <summary>Writes a proposal action as a JSON object.</summary>
    public static void WriteAction(Utf8JsonWriter w, ProposalAction action)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(action);
        w.WriteStartObject();
        w.WriteString("kind", action.Kind);
        switch (action)
        {
            case TextAction:
                break;
            case ParametersAction p:
                w.WritePropertyName("parameters");
                WriteParameters(w, p.Parameters);
                break;
            case MemberAddAction a:
                w.WritePropertyName("member");
                WriteMember(w, a.Member);
                break;
            case MemberRemoveAction r:
                w.WriteString("key", r.Key);
                break;
            case MemberWeightAction mw:
                w.WriteString("key", mw.Key);
                w.WriteNumber("weight", mw.Weight);
                break;
            case MintAction m:
                w.WriteString("to", m.To);
                w.WriteNumber("amount", m.Amount);
                break;
            case SignersAction k:
                w.WriteNumber("signers", k.Signers);
                break;
            case SpendAction s:
                w.WriteStartArray("outputs");
                foreach (var o in s.Outputs)
                {
                    w.WriteStartObject();
                    w.WriteString("address", o.Address);
                    w.WriteNumber("amount_sat", o.AmountSat);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteNumber("fee_rate_sat_vb", s.FeeRateSatVb);
                break;
            default:
                throw new ArgumentException("unknown action", nameof(action));
        }

        w.WriteEndObject();
    }

    /// <summary>Parses a body; a malformed one throws <see cref="DaoException"/> naming the field.</summary>
    public static DaoEventBody Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw DaoException.Malformed("body is not JSON: " + ex.Message.Split('.')[0]);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw DaoException.Malformed("body must be a JSON object");
            }

            var type = Str(root, "type");
            return type switch
            {
                "dao.create" => ParseCreate(root),
                "token.transfer" => new TokenTransfer(Hex32(root, "dao"), Hex32(root, "from"), Hex32(root, "to"), Tokens(root, "amount"), U64(root, "nonce")),
                "proposal.create" => new ProposalCreated(Hex32(root, "dao"), Hex32(root, "proposer"), U64(root, "nonce"), Text(root, "title", 1, 200), Text(root, "description", 0, 10_000), ParseAction(Obj(root, "action"))),
                "vote" => new VoteCast(Hex32(root, "dao"), Hex32(root, "proposal"), Hex32(root, "voter"), Choice(root), U64(root, "nonce")),
                "proposal.close" => new ProposalClosed(Hex32(root, "proposal"), Outcome(root), U64(root, "yes"), U64(root, "no"), U64(root, "abstain"), U64(root, "total")),
                "proposal.cancel" => new ProposalCanceled(Hex32(root, "proposal"), Text(root, "reason", 0, 500)),
                "proposal.execute" => new ProposalExecuted(Hex32(root, "proposal"), OptHex32(root, "txid")),
                "anchor" => new Anchored(OptHex32(root, "proposal"), (long)U64(root, "count"), Hex32(root, "root"), Hex32(root, "txid")),
                "treasury.rotate" => new TreasuryRotated(Str(root, "from"), Str(root, "to"), OptHex32(root, "txid")),
                _ => throw DaoException.Malformed($"unknown event type '{type}'"),
            };
        }
    }

    private static DaoCreated ParseCreate(JsonElement root)
    {
        if (U64(root, "version") != 1)
        {
            throw DaoException.Malformed("version must be 1");
        }

        if (!DaoKeys.TryParseGovernance(Str(root, "governance"), out var governance))
        {
            throw DaoException.Malformed("governance must be multisig, token or quadratic");
        }

        var members = new List<DaoMember>();
        var array = root.TryGetProperty("members", out var m) && m.ValueKind == JsonValueKind.Array ? m : throw DaoException.Malformed("members must be an array");
        foreach (var item in array.EnumerateArray())
        {
            members.Add(ParseMember(item));
        }

        var signers = U64(root, "signers");
        if (signers > 100_000)
        {
            throw DaoException.Malformed("signers is out of range");
        }

        var mintable = root.TryGetProperty("mintable", out var mt) && mt.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? mt.GetBoolean()
            : throw DaoException.Malformed("mintable must be true or false");
        string? treasury = null;
        if (root.TryGetProperty("treasury_descriptor", out var td) && td.ValueKind == JsonValueKind.String)
        {
            treasury = td.GetString();
        }
        else if (!root.TryGetProperty("treasury_descriptor", out td) || td.ValueKind != JsonValueKind.Null)
        {
            throw DaoException.Malformed("treasury_descriptor must be a string or null");
        }

        return new DaoCreated(Text(root, "name", 1, 100), Str(root, "network"), governance, members, ParseParameters(Obj(root, "parameters")), (int)signers, mintable, treasury);
    }

    /// <summary>Parses a member object.</summary>
    public static DaoMember ParseMember(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw DaoException.Malformed("member must be an object");
        }

        string? did = null;
        if (item.TryGetProperty("did", out var d))
        {
            did = d.ValueKind == JsonValueKind.String && d.GetString() is { Length: > 4 and <= 500 } s && s.StartsWith("did:", StringComparison.Ordinal)
                ? s
                : throw DaoException.Malformed("member did must be a DID string (did:...)");
        }

        return new DaoMember(Hex32(item, "key"), Tokens(item, "weight"), did);
    }

    /// <summary>Parses a parameters object.</summary>
    public static DaoParameters ParseParameters(JsonElement p) => new(
        Tokens(p, "proposal_threshold"),
        Int(p, "quorum_bps"),
        Int(p, "approval_bps"),
        Int(p, "voting_delay"),
        Int(p, "voting_period"),
        Int(p, "timelock"));

    /// <summary>Parses a proposal action object.</summary>
    public static ProposalAction ParseAction(JsonElement a)
    {
        var kind = Str(a, "kind");
        switch (kind)
        {
            case "text":
                return new TextAction();
            case "parameters":
                return new ParametersAction(ParseParameters(Obj(a, "parameters")));
            case "member_add":
                return new MemberAddAction(ParseMember(Obj(a, "member")));
            case "member_remove":
                return new MemberRemoveAction(Hex32(a, "key"));
            case "member_weight":
                return new MemberWeightAction(Hex32(a, "key"), Tokens(a, "weight"));
            case "mint":
                return new MintAction(Hex32(a, "to"), Tokens(a, "amount"));
            case "signers":
                return new SignersAction(Int(a, "signers"));
            case "spend":
                var outputs = new List<SpendOutput>();
                if (!a.TryGetProperty("outputs", out var arr) || arr.ValueKind != JsonValueKind.Array)
                {
                    throw DaoException.Malformed("spend outputs must be an array");
                }

                foreach (var o in arr.EnumerateArray())
                {
                    var sat = U64(o, "amount_sat");
                    if (sat is 0 or > 2_100_000_000_000_000)
                    {
                        throw DaoException.Malformed("spend amount_sat must be from 1 to 2100000000000000");
                    }

                    outputs.Add(new SpendOutput(Text(o, "address", 1, 100), (long)sat));
                }

                if (!a.TryGetProperty("fee_rate_sat_vb", out var fr) || fr.ValueKind != JsonValueKind.Number || !fr.TryGetDecimal(out var rate) || rate <= 0 || rate > 100_000)
                {
                    throw DaoException.Malformed("spend fee_rate_sat_vb must be a number above 0 and at most 100000");
                }

                return new SpendAction(outputs, rate);
            default:
                throw DaoException.Malformed($"unknown proposal kind '{kind}'");
        }
    }

    private static VoteChoice Choice(JsonElement root) =>
        DaoKeys.TryParseChoice(Str(root, "choice"), out var c) ? c : throw DaoException.Malformed("choice must be yes, no or abstain");

    private static ProposalOutcome Outcome(JsonElement root) =>
        DaoKeys.TryParseOutcome(Str(root, "outcome"), out var o) ? o : throw DaoException.Malformed("outcome must be passed, rejected or expired");

    private static JsonElement Obj(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : throw DaoException.Malformed($"{name} must be an object");

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw DaoException.Malformed($"{name} must be a string");

    private static string Text(JsonElement e, string name, int min, int max)
    {
        var s = Str(e, name);
        return s.Length >= min && s.Length <= max ? s : throw DaoException.Malformed($"{name} must be {min} to {max} characters");
    }

    private static string Hex32(JsonElement e, string name)
    {
        var s = Str(e, name);
        return DaoKeys.IsHex32(s) ? s : throw DaoException.Malformed($"{name} must be 64 lowercase hex digits");
    }

    private static string? OptHex32(JsonElement e, string name)
    {
        if (e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return Hex32(e, name);
    }

    private static ulong U64(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetUInt64(out var n) ? n : throw DaoException.Malformed($"{name} must be a non-negative integer");

    private static ulong Tokens(JsonElement e, string name)
    {
        var n = U64(e, name);
        return n <= DaoKeys.MaxTokens ? n : throw DaoException.Malformed($"{name} must be at most {DaoKeys.MaxTokens.ToString(CultureInfo.InvariantCulture)}");
    }

    private static int Int(JsonElement e, string name)
    {
        var n = U64(e, name);
        return n <= int.MaxValue ? (int)n : throw DaoException.Malformed($"{name} is out of range");
    }
}
