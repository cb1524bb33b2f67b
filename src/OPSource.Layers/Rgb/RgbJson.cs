using System.Globalization;
using System.Text.Json;

namespace OPSource.Layers.Rgb;

/// <summary>
/// Reads the serde JSON form of a consignment (rgb-ops with the <c>serde</c> feature, as rgb-tests stores its
/// fixtures) into the same model the binary codec produces. Txids are in display (reversed) order; op ids,
/// bundle ids, sem ids, secret seals and MPC nodes are hex in internal order; contract and schema ids are Baid64.
/// </summary>
public static class RgbJson
{
    public static Consignment ParseConsignment(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return ReadConsignment(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidJson, $"invalid consignment JSON: {e.Message}");
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException or InvalidOperationException or OverflowException or ArgumentException)
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidJson, $"invalid consignment JSON: {e.Message}");
        }
    }

    private static Consignment ReadConsignment(JsonElement e)
    {
        string version = e.GetProperty("version").GetString()!;
        if (version != "v0")
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidJson, $"unknown container version '{version}'");
        }

        var terminals = new List<(Bytes32, IReadOnlyList<Bytes32>)>();
        foreach (var p in e.GetProperty("terminals").EnumerateObject())
        {
            terminals.Add((Bytes32.FromHex(p.Name), p.Value.EnumerateArray().Select(s => Bytes32.FromHex(s.GetString()!)).ToList()));
        }

        terminals.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return new Consignment(
            0,
            e.GetProperty("transfer").GetBoolean(),
            terminals,
            ReadGenesis(e.GetProperty("genesis")),
            e.GetProperty("bundles").EnumerateArray().Select(ReadWitnessBundle).ToList(),
            ReadSchema(e.GetProperty("schema")),
            ReadTypes(e.GetProperty("types")),
            e.GetProperty("scripts").EnumerateArray().Select(ReadLib).ToList());
    }

    private static ushort Key(string s) => ushort.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);

    private static byte[] Hex(JsonElement e) => Convert.FromHexString(e.GetString()!);

    private static ChainNet ParseChainNet(string s) => s switch
    {
        "bitcoinMainnet" => ChainNet.BitcoinMainnet,
        "bitcoinTestnet3" => ChainNet.BitcoinTestnet3,
        "bitcoinTestnet4" => ChainNet.BitcoinTestnet4,
        "bitcoinSignet" => ChainNet.BitcoinSignet,
        "bitcoinRegtest" => ChainNet.BitcoinRegtest,
        "liquidMainnet" => ChainNet.LiquidMainnet,
        "liquidTestnet" => ChainNet.LiquidTestnet,
        _ => throw new RgbDecodeException(RgbErrorKind.InvalidJson, $"unknown chainNet '{s}'"),
    };

    /// <summary>The serde name of a chain network.</summary>
    public static string ChainNetName(ChainNet n) => n switch
    {
        ChainNet.BitcoinMainnet => "bitcoinMainnet",
        ChainNet.BitcoinTestnet3 => "bitcoinTestnet3",
        ChainNet.BitcoinTestnet4 => "bitcoinTestnet4",
        ChainNet.BitcoinSignet => "bitcoinSignet",
        ChainNet.BitcoinRegtest => "bitcoinRegtest",
        ChainNet.LiquidMainnet => "liquidMainnet",
        _ => "liquidTestnet",
    };

    private static Genesis ReadGenesis(JsonElement g)
    {
        string scs = g.GetProperty("sealClosingStrategy").GetString()!;
        if (scs != "firstOpretOrTapret")
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidJson, $"unknown sealClosingStrategy '{scs}'");
        }

        return new Genesis(
            g.GetProperty("ffv").GetUInt16(),
            Baid64.Decode(Baid64.SchemaHri, g.GetProperty("schemaId").GetString()!),
            g.GetProperty("timestamp").GetInt64(),
            g.GetProperty("issuer").GetString()!,
            ParseChainNet(g.GetProperty("chainNet").GetString()!),
            0,
            ReadMetadata(g.GetProperty("metadata")),
            ReadGlobals(g.GetProperty("globals")),
            ReadAssignments(g.GetProperty("assignments")));
    }

    private static List<MetaEntry> ReadMetadata(JsonElement e) =>
        [.. e.EnumerateObject().Select(p => new MetaEntry(Key(p.Name), Hex(p.Value))).OrderBy(m => m.Type)];

    private static List<GlobalEntry> ReadGlobals(JsonElement e) =>
        [.. e.EnumerateObject().Select(p => new GlobalEntry(Key(p.Name), p.Value.EnumerateArray().Select(Hex).ToList())).OrderBy(g => g.Type)];

    private static List<AssignmentEntry> ReadAssignments(JsonElement e)
    {
        var list = new List<AssignmentEntry>();
        foreach (var p in e.EnumerateObject())
        {
            var kind = p.Value.GetProperty("type").GetString() switch
            {
                "declarative" => StateType.Declarative,
                "fungible" => StateType.Fungible,
                "structured" => StateType.Structured,
                var k => throw new RgbDecodeException(RgbErrorKind.InvalidJson, $"unknown assignment type '{k}'"),
            };
            var items = new List<Assign>();
            foreach (var item in p.Value.GetProperty("items").EnumerateArray())
            {
                var sealEl = item.GetProperty("seal");
                BlindSeal? seal = null;
                Bytes32? secret = null;
                if (sealEl.ValueKind == JsonValueKind.String)
                {
                    secret = Bytes32.FromHex(sealEl.GetString()!);
                }
                else
                {
                    var txidEl = sealEl.GetProperty("txid");
                    seal = new BlindSeal(
                        txidEl.ValueKind == JsonValueKind.Null ? null : Bytes32.FromReversedHex(txidEl.GetString()!),
                        sealEl.GetProperty("vout").GetUInt32(),
                        sealEl.GetProperty("blinding").GetUInt64());
                }

                var state = item.GetProperty("state");
                items.Add(kind switch
                {
                    StateType.Fungible => new Assign(seal, secret, state.GetUInt64(), null),
                    StateType.Structured => new Assign(seal, secret, 0, Hex(state)),
                    _ => new Assign(seal, secret, 0, null),
                });
            }

            list.Add(new AssignmentEntry(Key(p.Name), new TypedAssigns(kind, items)));
        }

        list.Sort((a, b) => a.Type.CompareTo(b.Type));
        return list;
    }

    private static Opout ParseOpout(string s)
    {
        var parts = s.Split('/');
        if (parts.Length != 3)
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidJson, $"invalid opout '{s}'");
        }

        return new Opout(Bytes32.FromHex(parts[0]), Key(parts[1]), Key(parts[2]));
    }

    private static Transition ReadTransition(JsonElement t)
    {
        var sig = t.GetProperty("signature");
        var inputs = t.GetProperty("inputs").EnumerateArray().Select(i => ParseOpout(i.GetString()!)).ToList();
        inputs.Sort();
        return new Transition(
            t.GetProperty("ffv").GetUInt16(),
            Baid64.Decode(Baid64.ContractHri, t.GetProperty("contractId").GetString()!),
            t.GetProperty("nonce").GetUInt64(),
            t.GetProperty("transitionType").GetUInt16(),
            ReadMetadata(t.GetProperty("metadata")),
            ReadGlobals(t.GetProperty("globals")),
            inputs,
            ReadAssignments(t.GetProperty("assignments")),
            sig.ValueKind == JsonValueKind.Null ? null : Hex(sig));
    }

    private static WitnessBundle ReadWitnessBundle(JsonElement b)
    {
        var pwEl = b.GetProperty("pubWitness");
        PubWitness pw = pwEl.TryGetProperty("tx", out var txEl)
            ? new PubWitness(ReadTx(txEl), null)
            : new PubWitness(null, Bytes32.FromReversedHex(pwEl.GetProperty("txid").GetString()!));
        var anchor = b.GetProperty("anchor");
        var mpc = anchor.GetProperty("mpcProof");
        var mpcProof = new MpcProof(
            mpc.GetProperty("pos").GetUInt32(),
            mpc.GetProperty("cofactor").GetUInt16(),
            mpc.GetProperty("path").EnumerateArray().Select(p => Bytes32.FromHex(p.GetString()!)).ToList());
        var dbcEl = anchor.GetProperty("dbcProof");
        DbcProof dbc = dbcEl.ValueKind == JsonValueKind.Null ? new OpretProof() : ReadTapret(dbcEl);
        var bundle = b.GetProperty("bundle");
        var inputMap = bundle.GetProperty("inputMap").EnumerateObject()
            .Select(p => new InputMapEntry(ParseOpout(p.Name), Bytes32.FromHex(p.Value.GetString()!)))
            .OrderBy(x => x.Opout).ToList();
        var known = bundle.GetProperty("knownTransitions").EnumerateArray()
            .Select(k => new KnownTransition(Bytes32.FromHex(k.GetProperty("opid").GetString()!), ReadTransition(k.GetProperty("transition"))))
            .ToList();
        return new WitnessBundle(pw, new Anchor(mpcProof, dbc), new TransitionBundle(inputMap, known));
    }

    private const byte TapLeafVersionTapscript = 0xC0;

    private static TapretProof ReadTapret(JsonElement e)
    {
        var path = e.GetProperty("pathProof");
        var partnerEl = path.GetProperty("partnerNode");
        TapretPartner? partner = null;
        if (partnerEl.ValueKind != JsonValueKind.Null)
        {
            if (partnerEl.TryGetProperty("leftNode", out var ln))
            {
                partner = new TapretLeftNode(Bytes32.FromHex(ln.GetString()!));
            }
            else if (partnerEl.TryGetProperty("rightBranch", out var rb))
            {
                partner = new TapretRightBranch(Bytes32.FromHex(rb.GetProperty("leftNodeHash").GetString()!), Bytes32.FromHex(rb.GetProperty("rightNodeHash").GetString()!));
            }
            else if (partnerEl.TryGetProperty("rightLeaf", out var rl))
            {
                // bp-core dbc/tapret leaf_script_serde: {"version": "tapScript" | {"future": n}, "script": hex}.
                var ver = rl.GetProperty("version");
                byte version = ver.ValueKind == JsonValueKind.String && ver.GetString() == "tapScript"
                    ? TapLeafVersionTapscript
                    : ver.ValueKind == JsonValueKind.Object && ver.TryGetProperty("future", out var fut)
                        ? fut.GetByte()
                        : throw new RgbDecodeException(RgbErrorKind.InvalidJson, "tapret right leaf: version must be \"tapScript\" or {\"future\": n}");
                partner = new TapretRightLeaf(Commitments.CheckLeafVersion(version), Hex(rl.GetProperty("script")));
            }
            else
            {
                throw new RgbDecodeException(RgbErrorKind.InvalidJson, "tapret partner node: expected leftNode, rightLeaf or rightBranch");
            }
        }

        return new TapretProof(partner, path.GetProperty("nonce").GetByte(), Bytes32.FromHex(e.GetProperty("internalPk").GetString()!));
    }

    /// <summary>Reads a transaction in bp-core's JSON form (as in rgb-tests' <c>txs_X/</c> files).</summary>
    public static RgbTx ReadTx(JsonElement t)
    {
        var inputs = t.GetProperty("inputs").EnumerateArray().Select(i =>
        {
            var prev = i.GetProperty("prevOutput").GetString()!;
            int colon = prev.LastIndexOf(':');
            if (colon < 0)
            {
                throw new RgbDecodeException(RgbErrorKind.InvalidJson, $"invalid prevOutput '{prev}'");
            }

            return new RgbTxIn(
                Bytes32.FromReversedHex(prev[..colon]),
                uint.Parse(prev[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture),
                Hex(i.GetProperty("sigScript")),
                i.GetProperty("sequence").GetUInt32(),
                i.GetProperty("witness").EnumerateArray().Select(Hex).ToList());
        }).ToList();
        var outputs = t.GetProperty("outputs").EnumerateArray()
            .Select(o => new RgbTxOut(o.GetProperty("value").GetUInt64(), Hex(o.GetProperty("scriptPubkey"))))
            .ToList();
        return new RgbTx(t.GetProperty("version").GetInt32(), inputs, outputs, t.GetProperty("lockTime").GetUInt32());
    }

    private static Occurrences ParseOcc(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.String)
        {
            return e.GetString() switch
            {
                "once" => new Occurrences(1, 1),
                "noneOrOnce" => new Occurrences(0, 1),
                "noneOrMore" => new Occurrences(0, ushort.MaxValue),
                "onceOrMore" => new Occurrences(1, ushort.MaxValue),
                var s => throw new RgbDecodeException(RgbErrorKind.InvalidJson, $"unknown occurrences '{s}'"),
            };
        }

        var p = e.EnumerateObject().Single();
        return p.Name switch
        {
            "noneOrUpTo" => new Occurrences(0, p.Value.GetUInt16()),
            "onceOrUpTo" => new Occurrences(1, p.Value.GetUInt16()),
            "exactly" => new Occurrences(p.Value.GetUInt16(), p.Value.GetUInt16()),
            "range" => new Occurrences(p.Value.GetProperty("start").GetUInt16(), p.Value.GetProperty("end").GetUInt16()),
            _ => throw new RgbDecodeException(RgbErrorKind.InvalidJson, $"unknown occurrences '{p.Name}'"),
        };
    }

    private static List<OccurrenceEntry> ReadOccMap(JsonElement e) =>
        [.. e.EnumerateObject().Select(p => new OccurrenceEntry(Key(p.Name), ParseOcc(p.Value))).OrderBy(x => x.Type)];

    private static LibSite? ReadLibSite(JsonElement e) =>
        e.ValueKind == JsonValueKind.Null ? null : new LibSite(Bytes32.FromHex(e.GetProperty("lib").GetString()!), e.GetProperty("pos").GetUInt16());

    private static Schema ReadSchema(JsonElement s)
    {
        var meta = s.GetProperty("metaTypes").EnumerateObject()
            .Select(p => new MetaDetails(Key(p.Name), Bytes32.FromHex(p.Value.GetProperty("semId").GetString()!), p.Value.GetProperty("name").GetString()!))
            .OrderBy(x => x.Type).ToList();
        var globals = s.GetProperty("globalTypes").EnumerateObject().Select(p =>
        {
            var gs = p.Value.GetProperty("globalStateSchema");
            return new GlobalDetails(Key(p.Name), Bytes32.FromHex(gs.GetProperty("semId").GetString()!), gs.GetProperty("maxItems").GetUInt32(), p.Value.GetProperty("name").GetString()!);
        }).OrderBy(x => x.Type).ToList();
        var owned = s.GetProperty("ownedTypes").EnumerateObject().Select(p =>
        {
            var os = p.Value.GetProperty("ownedStateSchema");
            OwnedStateSchema st;
            if (os.ValueKind == JsonValueKind.String && os.GetString() == "declarative")
            {
                st = new OwnedStateSchema(StateType.Declarative, 0, Bytes32.Zero);
            }
            else if (os.TryGetProperty("fungible", out var f) && f.GetString() == "unsigned64Bit")
            {
                st = new OwnedStateSchema(StateType.Fungible, 8, Bytes32.Zero);
            }
            else if (os.TryGetProperty("structured", out var sem))
            {
                st = new OwnedStateSchema(StateType.Structured, 0, Bytes32.FromHex(sem.GetString()!));
            }
            else
            {
                throw new RgbDecodeException(RgbErrorKind.InvalidJson, $"unknown owned state schema {os}");
            }

            return new AssignmentDetails(Key(p.Name), st, p.Value.GetProperty("name").GetString()!, p.Value.GetProperty("defaultTransition").GetUInt16());
        }).OrderBy(x => x.Type).ToList();
        var g = s.GetProperty("genesis");
        var genesis = new GenesisSchema(
            [.. g.GetProperty("metadata").EnumerateArray().Select(m => m.GetUInt16()).Order()],
            ReadOccMap(g.GetProperty("globals")),
            ReadOccMap(g.GetProperty("assignments")),
            ReadLibSite(g.GetProperty("validator")));
        var transitions = s.GetProperty("transitions").EnumerateObject().Select(p =>
        {
            var ts = p.Value.GetProperty("transitionSchema");
            return new TransitionDetails(Key(p.Name), new TransitionSchema(
                [.. ts.GetProperty("metadata").EnumerateArray().Select(m => m.GetUInt16()).Order()],
                ReadOccMap(ts.GetProperty("globals")),
                ReadOccMap(ts.GetProperty("inputs")),
                ReadOccMap(ts.GetProperty("assignments")),
                ReadLibSite(ts.GetProperty("validator"))), p.Value.GetProperty("name").GetString()!);
        }).OrderBy(x => x.Type).ToList();
        var def = s.GetProperty("defaultAssignment");
        return new Schema(
            s.GetProperty("ffv").GetUInt16(),
            s.GetProperty("name").GetString()!,
            meta, globals, owned, genesis, transitions,
            def.ValueKind == JsonValueKind.Null ? null : def.GetUInt16());
    }

    private static (string, byte) NameTag(string s)
    {
        int colon = s.LastIndexOf(':');
        return colon < 0
            ? throw new RgbDecodeException(RgbErrorKind.InvalidJson, $"invalid variant '{s}'")
            : (s[..colon], byte.Parse(s[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture));
    }

    private static (ulong, ulong) Sizing(JsonElement e) => (e.GetProperty("min").GetUInt64(), e.GetProperty("max").GetUInt64());

    private static List<TypeEntry> ReadTypes(JsonElement e)
    {
        var list = new List<TypeEntry>();
        foreach (var p in e.EnumerateObject())
        {
            StrictTy ty;
            if (p.Value.ValueKind == JsonValueKind.String)
            {
                ty = p.Value.GetString() == "UnicodeChar" ? new TyUnicode() : throw new RgbDecodeException(RgbErrorKind.InvalidJson, $"unknown type {p.Value}");
            }
            else
            {
                var k = p.Value.EnumerateObject().Single();
                var v = k.Value;
                ty = k.Name switch
                {
                    "Primitive" => new TyPrimitive(v.GetByte()),
                    "Enum" => new TyEnum(v.EnumerateArray().Select(x => NameTag(x.GetString()!)).ToList()),
                    "Union" => new TyUnion(v.EnumerateObject().Select(x =>
                    {
                        var (n, t) = NameTag(x.Name);
                        return (t, n, Bytes32.FromHex(x.Value.GetString()!));
                    }).OrderBy(x => x.t).ToList()),
                    "Tuple" => new TyTuple(v.EnumerateArray().Select(x => Bytes32.FromHex(x.GetString()!)).ToList()),
                    "Struct" => new TyStruct(v.EnumerateArray().Select(x => (x.GetProperty("name").GetString()!, Bytes32.FromHex(x.GetProperty("ty").GetString()!))).ToList()),
                    "Array" => new TyArray(Bytes32.FromHex(v[0].GetString()!), v[1].GetUInt16()),
                    "List" => MakeList(v),
                    "Set" => MakeSet(v),
                    "Map" => MakeMap(v),
                    _ => throw new RgbDecodeException(RgbErrorKind.InvalidJson, $"unknown type kind '{k.Name}'"),
                };
            }

            list.Add(new TypeEntry(Bytes32.FromHex(p.Name), ty));
        }

        list.Sort((a, b) => a.SemId.CompareTo(b.SemId));
        return list;
    }

    private static TyList MakeList(JsonElement v)
    {
        var (min, max) = Sizing(v[1]);
        return new TyList(Bytes32.FromHex(v[0].GetString()!), min, max);
    }

    private static TySet MakeSet(JsonElement v)
    {
        var (min, max) = Sizing(v[1]);
        return new TySet(Bytes32.FromHex(v[0].GetString()!), min, max);
    }

    private static TyMap MakeMap(JsonElement v)
    {
        var (min, max) = Sizing(v[2]);
        return new TyMap(Bytes32.FromHex(v[0].GetString()!), Bytes32.FromHex(v[1].GetString()!), min, max);
    }

    private static AluLib ReadLib(JsonElement e) => new(
        e.GetProperty("isae").EnumerateArray().Select(x => x.GetString()!).ToList(),
        e.GetProperty("code").EnumerateArray().Select(x => x.GetByte()).ToArray(),
        e.GetProperty("data").EnumerateArray().Select(x => x.GetByte()).ToArray(),
        e.GetProperty("libs").EnumerateArray().Select(x => Bytes32.FromHex(x.GetString()!)).ToList());
}
