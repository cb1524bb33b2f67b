using System.Globalization;
using System.Text.Json.Nodes;

namespace OPSource.Layers.Rgb;

/// <summary>JSON views (snake_case) of consignments, schemas and validation reports, shared by the CLI and any HTTP adapter.</summary>
public static class RgbViews
{
    private static string Inv(ulong v) => v.ToString(CultureInfo.InvariantCulture);

    public static JsonObject Schema(Schema s)
    {
        ArgumentNullException.ThrowIfNull(s);
        static JsonObject Occ(IReadOnlyList<OccurrenceEntry> list)
        {
            var o = new JsonObject();
            foreach (var e in list)
            {
                o[e.Type.ToString(CultureInfo.InvariantCulture)] = e.Occurrences.ToString();
            }

            return o;
        }

        static JsonNode? Site(LibSite? v) => v is null ? null : new JsonObject { ["lib"] = RgbIds.LibIdString(v.Lib), ["pos"] = v.Pos };

        var meta = new JsonArray();
        foreach (var m in s.MetaTypes)
        {
            meta.Add((JsonNode)new JsonObject { ["type"] = m.Type, ["name"] = m.Name, ["sem_id"] = m.SemId.ToHex() });
        }

        var globals = new JsonArray();
        foreach (var g in s.GlobalTypes)
        {
            globals.Add((JsonNode)new JsonObject { ["type"] = g.Type, ["name"] = g.Name, ["sem_id"] = g.SemId.ToHex(), ["max_items"] = g.MaxItems });
        }

        var owned = new JsonArray();
        foreach (var o in s.OwnedTypes)
        {
            owned.Add((JsonNode)new JsonObject
            {
                ["type"] = o.Type,
                ["name"] = o.Name,
                ["state"] = o.StateSchema.Kind.ToString().ToLowerInvariant(),
                ["sem_id"] = o.StateSchema.Kind == StateType.Structured ? o.StateSchema.SemId.ToHex() : null,
                ["default_transition"] = o.DefaultTransition,
            });
        }

        var transitions = new JsonArray();
        foreach (var t in s.Transitions)
        {
            transitions.Add((JsonNode)new JsonObject
            {
                ["type"] = t.Type,
                ["name"] = t.Name,
                ["metadata"] = new JsonArray([.. t.Schema.Metadata.Select(m => (JsonNode)m)]),
                ["globals"] = Occ(t.Schema.Globals),
                ["inputs"] = Occ(t.Schema.Inputs),
                ["assignments"] = Occ(t.Schema.Assignments),
                ["validator"] = Site(t.Schema.Validator),
            });
        }

        return new JsonObject
        {
            ["schema_id"] = RgbIds.SchemaIdString(RgbIds.SchemaId(s)),
            ["name"] = s.Name,
            ["ffv"] = s.Ffv,
            ["meta_types"] = meta,
            ["global_types"] = globals,
            ["owned_types"] = owned,
            ["genesis"] = new JsonObject
            {
                ["metadata"] = new JsonArray([.. s.Genesis.Metadata.Select(m => (JsonNode)m)]),
                ["globals"] = Occ(s.Genesis.Globals),
                ["assignments"] = Occ(s.Genesis.Assignments),
                ["validator"] = Site(s.Genesis.Validator),
            },
            ["transitions"] = transitions,
            ["default_assignment"] = s.DefaultAssignment,
        };
    }

    public static JsonObject Inspect(Consignment c, string format)
    {
        ArgumentNullException.ThrowIfNull(c);
        var bundles = new JsonArray();
        foreach (var b in c.Bundles)
        {
            var witness = b.PubWitness.Tx is { } tx ? RgbIds.Txid(tx) : b.PubWitness.Txid!.Value;
            bundles.Add((JsonNode)new JsonObject
            {
                ["bundle_id"] = RgbIds.BundleId(b.Bundle).ToHex(),
                ["witness_txid"] = witness.ToReversedHex(),
                ["witness_included"] = b.PubWitness.Tx is not null,
                ["dbc"] = b.Anchor.DbcProof is TapretProof ? "tapret" : "opret",
                ["mpc_depth"] = b.Anchor.MpcProof.Path.Count,
                ["transitions"] = new JsonArray([.. b.Bundle.KnownTransitions.Select(kt => (JsonNode)new JsonObject
                {
                    ["opid"] = kt.OpId.ToHex(),
                    ["opid_matches"] = kt.OpId == RgbIds.OpId(kt.Transition),
                    ["transition_type"] = kt.Transition.TransitionType,
                    ["inputs"] = kt.Transition.Inputs.Count,
                })]),
            });
        }

        var terminals = new JsonArray();
        foreach (var (bid, seals) in c.Terminals)
        {
            terminals.Add((JsonNode)new JsonObject { ["bundle_id"] = bid.ToHex(), ["secret_seals"] = new JsonArray([.. seals.Select(s => (JsonNode)s.ToHex())]) });
        }

        return new JsonObject
        {
            ["format"] = format,
            ["version"] = c.Version,
            ["transfer"] = c.Transfer,
            ["contract_id"] = RgbIds.ContractIdString(RgbIds.OpId(c.Genesis)),
            ["schema_id"] = RgbIds.SchemaIdString(c.Genesis.SchemaId),
            ["schema_name"] = c.Schema.Name,
            ["schema_matches"] = RgbIds.SchemaId(c.Schema) == c.Genesis.SchemaId,
            ["chain_net"] = RgbJson.ChainNetName(c.Genesis.ChainNet),
            ["issuer"] = c.Genesis.Issuer,
            ["timestamp"] = DateTimeOffset.FromUnixTimeSeconds(c.Genesis.Timestamp).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["type_system_id"] = RgbIds.TypeSystemIdString(RgbIds.TypeSystemId(c.Types)),
            ["types"] = c.Types.Count,
            ["libs"] = new JsonArray([.. c.Scripts.Select(l => (JsonNode)RgbIds.LibIdString(RgbIds.LibId(l)))]),
            ["terminals"] = terminals,
            ["bundles"] = bundles,
            ["genesis_state"] = State(GenesisOnly(c)),
        };
    }

    /// <summary>The state a genesis declares (before any transition), for inspection without validation.</summary>
    private static RgbContractState GenesisOnly(Consignment c)
    {
        var spec = c.Schema.GlobalTypes.FirstOrDefault(g => g.Name == "spec");
        var supply = c.Schema.GlobalTypes.FirstOrDefault(g => g.Name == "issuedSupply");
        string? ticker = null, name = null;
        byte? precision = null;
        ulong issued = 0;
        foreach (var g in c.Genesis.Globals)
        {
            foreach (var v in g.Values)
            {
                if (spec is not null && g.Type == spec.Type)
                {
                    RgbValidator.TryReadSpec(v, out ticker, out name, out precision);
                }
                else if (supply is not null && g.Type == supply.Type && v.Length == 8)
                {
                    issued += BitConverter.ToUInt64(v);
                }
            }
        }

        var contractId = RgbIds.OpId(c.Genesis);
        var allocations = new List<RgbAllocation>();
        foreach (var a in c.Genesis.Assignments)
        {
            foreach (var item in a.Assigns.Items)
            {
                allocations.Add(new RgbAllocation(a.Type, item.Seal is { } s ? $"{s.Txid!.Value.ToReversedHex()}:{s.Vout}" : null, item.Seal is null ? item.SecretSeal!.Value.ToHex() : null, item.Amount, contractId.ToHex()));
            }
        }

        var globals = c.Schema.GlobalTypes.Select(g => (g.Type, g.Name, (IReadOnlyList<byte[]>)(c.Genesis.Globals.FirstOrDefault(x => x.Type == g.Type)?.Values ?? []))).Where(x => x.Item3.Count > 0).ToList();
        return new RgbContractState(ticker, name, precision, issued, globals, allocations);
    }

    public static JsonObject State(RgbContractState s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var globals = new JsonObject();
        foreach (var (_, name, values) in s.Globals)
        {
            globals[name] = new JsonArray([.. values.Select(v => (JsonNode)Convert.ToHexStringLower(v))]);
        }

        var allocations = new JsonArray();
        foreach (var a in s.Allocations)
        {
            allocations.Add((JsonNode)new JsonObject
            {
                ["assignment_type"] = a.AssignmentType,
                ["outpoint"] = a.Outpoint,
                ["secret_seal"] = a.SecretSeal,
                ["amount"] = a.Amount,
                ["opid"] = a.OpId,
            });
        }

        return new JsonObject
        {
            ["ticker"] = s.Ticker,
            ["name"] = s.Name,
            ["precision"] = s.Precision,
            ["issued_supply"] = s.IssuedSupply,
            ["globals"] = globals,
            ["allocations"] = allocations,
        };
    }

    public static JsonObject Report(RgbValidationReport r, Consignment c)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(c);
        return new JsonObject
        {
            ["validity"] = r.Validity switch { RgbValidity.Valid => "valid", RgbValidity.Invalid => "invalid", _ => "resolver_error" },
            ["contract_id"] = RgbIds.ContractIdString(RgbIds.OpId(c.Genesis)),
            ["failure"] = r.Failure is { } f ? new JsonObject { ["kind"] = f.Kind.ToString(), ["detail"] = f.Detail } : null,
            ["resolver_error"] = r.ResolverError is { } e ? new JsonObject { ["kind"] = e.Kind.ToString(), ["detail"] = e.Detail } : null,
            ["warnings"] = new JsonArray([.. r.Warnings.Select(Warning)]),
            ["state"] = r.State is { } s ? State(s) : null,
        };
    }

    private static JsonNode Warning(RgbWarning w)
    {
        JsonObject? unsafeHistory = null;
        if (w.UnsafeHistory is { } map)
        {
            unsafeHistory = new JsonObject();
            foreach (var (height, txids) in map.OrderBy(kv => kv.Key))
            {
                unsafeHistory[height.ToString(CultureInfo.InvariantCulture)] = new JsonArray([.. txids.Select(t => (JsonNode)t.ToReversedHex())]);
            }
        }

        return new JsonObject { ["kind"] = w.Kind.ToString(), ["detail"] = w.Detail, ["unsafe_history"] = unsafeHistory };
    }

    /// <summary>Amount in the asset's precision, e.g. 666 with precision 2 is "6.66".</summary>
    public static string FormatAmount(ulong amount, byte? precision)
    {
        if (precision is not { } p || p == 0)
        {
            return Inv(amount);
        }

        var s = Inv(amount).PadLeft(p + 1, '0');
        return s[..^p] + "." + s[^p..];
    }
}
