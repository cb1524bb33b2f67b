namespace OPSource.Layers.Rgb;

/// <summary>
/// Strict binary codec of the RGB 0.11.1 consignment and kit containers. Bounds and tags follow
/// RGBCommit@0.1.0 (rgb-consensus), BPCore/CommitVerify (bp-core as merged into rgb-consensus), Bitcoin
/// (rgb-strict-encoding <c>bitcoin_types.rs</c>), StrictTypes and AluVM; the container layout follows rgb-ops
/// <c>containers/{consignment,kit,anchors,file}.rs</c>.
/// </summary>
public static class RgbBinary
{
    private const ulong U8 = 0xFF;
    private const ulong U16 = 0xFFFF;
    private const ulong U24 = 0xFF_FFFF;
    private const ulong U32 = 0xFFFF_FFFF;

    /// <summary>rgb-validation CONSIGNMENT_MAX_LIBS.</summary>
    private const ulong MaxLibs = 1024;

    /// <summary>rgb-ops file.rs: the "RGB\0" prefix and the three-byte container magic of kits.</summary>
    public static ReadOnlySpan<byte> KitMagic => "RGB\0KIT"u8;

    // ---------------------------------------------------------------- decode

    /// <summary>Decodes a binary consignment (<c>.rgb</c> as rgb-tests writes it: the bare strict serialization).</summary>
    public static Consignment DecodeConsignment(ReadOnlyMemory<byte> data)
    {
        var r = new StrictReader(data);
        var c = ReadConsignment(r);
        r.EnsureEnd("consignment");
        return c;
    }

    /// <summary>Decodes a kit file (<c>RGB\0KIT</c> magic followed by the strict serialization).</summary>
    public static Kit DecodeKitFile(ReadOnlyMemory<byte> data)
    {
        if (data.Length < 7 || !data.Span[..7].SequenceEqual(KitMagic))
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, "not an RGB kit file: missing the RGB\\0KIT magic");
        }

        return DecodeKit(data[7..]);
    }

    /// <summary>Decodes the strict serialization of a kit (no magic).</summary>
    public static Kit DecodeKit(ReadOnlyMemory<byte> data)
    {
        var r = new StrictReader(data);
        byte version = ReadVersion(r);
        var schemata = ReadList(r, 0, U8, "kit.schemata", ReadSchema);
        var types = ReadTypeSystem(r);
        var scripts = ReadList(r, 0, U16, "kit.scripts", ReadLib);
        r.EnsureEnd("kit");
        return new Kit(version, schemata, types, scripts);
    }

    private static byte ReadVersion(StrictReader r)
    {
        byte v = r.U8("container version");
        return v == 0 ? v : throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"unknown container version {v}");
    }

    private static Consignment ReadConsignment(StrictReader r)
    {
        byte version = ReadVersion(r);
        bool transfer = r.Bool("transfer");
        int nTerm = r.Len(0, U16, "terminals");
        var terminals = new List<(Bytes32, IReadOnlyList<Bytes32>)>(nTerm);
        Bytes32? prev = null;
        for (int i = 0; i < nTerm; i++)
        {
            var bid = r.B32("terminal bundle id");
            CheckAscending(prev, bid, "terminals");
            prev = bid;
            var seals = ReadSortedB32Set(r, 1, U16, "terminal seals");
            terminals.Add((bid, seals));
        }

        var genesis = ReadGenesis(r);
        var bundles = ReadList(r, 0, U32, "bundles", ReadWitnessBundle);
        var schema = ReadSchema(r);
        var types = ReadTypeSystem(r);
        var scripts = ReadList(r, 0, MaxLibs, "scripts", ReadLib);
        return new Consignment(version, transfer, terminals, genesis, bundles, schema, types, scripts);
    }

    private static List<T> ReadList<T>(StrictReader r, ulong min, ulong max, string what, Func<StrictReader, T> item)
    {
        int n = r.Len(min, max, what);
        var list = new List<T>(n);
        for (int i = 0; i < n; i++)
        {
            list.Add(item(r));
        }

        return list;
    }

    private static void CheckAscending<T>(T? prev, T cur, string what) where T : struct, IComparable<T>
    {
        if (prev is { } p && p.CompareTo(cur) >= 0)
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"{what}: keys are repeated or not in ascending order");
        }
    }

    private static List<Bytes32> ReadSortedB32Set(StrictReader r, ulong min, ulong max, string what)
    {
        int n = r.Len(min, max, what);
        var list = new List<Bytes32>(n);
        Bytes32? prev = null;
        for (int i = 0; i < n; i++)
        {
            var v = r.B32(what);
            CheckAscending(prev, v, what);
            prev = v;
            list.Add(v);
        }

        return list;
    }

    private static List<ushort> ReadU16Set(StrictReader r, ulong max, string what)
    {
        int n = r.Len(0, max, what);
        var list = new List<ushort>(n);
        ushort? prev = null;
        for (int i = 0; i < n; i++)
        {
            ushort v = r.U16(what);
            CheckAscending(prev, v, what);
            prev = v;
            list.Add(v);
        }

        return list;
    }

    private static string ReadIdentity(StrictReader r) =>
        // Identity: Std.AsciiPrintable, [Std.AsciiPrintable ^ ..0xfff]
        r.Ident(1, 0x1000, StdChars.AsciiPrintable, StdChars.AsciiPrintable, "issuer identity");

    internal static string ReadFieldName(StrictReader r, string what) =>
        r.Ident(1, 100, StdChars.AlphaSmallLodash, StdChars.AlphaNumLodash, what);

    private static string ReadTypeName(StrictReader r, string what) =>
        r.Ident(1, 100, StdChars.AlphaCapsLodash, StdChars.AlphaNumLodash, what);

    private static Genesis ReadGenesis(StrictReader r)
    {
        ushort ffv = r.U16("genesis.ffv");
        var schemaId = r.B32("genesis.schemaId");
        long ts = r.I64("genesis.timestamp");
        string issuer = ReadIdentity(r);
        byte cn = r.U8("genesis.chainNet");
        if (cn > (byte)ChainNet.LiquidTestnet)
        {
            throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"genesis.chainNet: unknown tag {cn}");
        }

        byte scs = r.U8("genesis.sealClosingStrategy");
        if (scs != 0)
        {
            // SealClosingStrategy has the single variant firstOpretOrTapret (tag 0).
            throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"genesis.sealClosingStrategy: unknown tag {scs}");
        }

        var meta = ReadMetadata(r);
        var globals = ReadGlobals(r);
        var assignments = ReadAssignments(r, genesis: true);
        return new Genesis(ffv, schemaId, ts, issuer, (ChainNet)cn, scs, meta, globals, assignments);
    }

    private static List<MetaEntry> ReadMetadata(StrictReader r)
    {
        // Metadata: {MetaType -> ^ ..0xff MetaValue}, MetaValue = [Byte] (u16)
        int n = r.Len(0, U8, "metadata");
        var list = new List<MetaEntry>(n);
        ushort? prev = null;
        for (int i = 0; i < n; i++)
        {
            ushort t = r.U16("meta type");
            CheckAscending(prev, t, "metadata");
            prev = t;
            list.Add(new MetaEntry(t, r.Blob(0, U16, "meta value")));
        }

        return list;
    }

    private static List<GlobalEntry> ReadGlobals(StrictReader r)
    {
        // GlobalState: {GlobalStateType -> ^ ..0xff GlobalValues}, GlobalValues: [RevealedData ^ 1..]
        int n = r.Len(0, U8, "global state");
        var list = new List<GlobalEntry>(n);
        ushort? prev = null;
        for (int i = 0; i < n; i++)
        {
            ushort t = r.U16("global type");
            CheckAscending(prev, t, "global state");
            prev = t;
            int m = r.Len(1, U16, "global values");
            var values = new List<byte[]>(m);
            for (int j = 0; j < m; j++)
            {
                values.Add(r.Blob(0, U16, "global value"));
            }

            list.Add(new GlobalEntry(t, values));
        }

        return list;
    }

    private static List<AssignmentEntry> ReadAssignments(StrictReader r, bool genesis)
    {
        // Assignments: {AssignmentType -> TypedAssigns} (u16 length since "Assignments tiny->small")
        int n = r.Len(0, U16, "assignments");
        var list = new List<AssignmentEntry>(n);
        ushort? prev = null;
        for (int i = 0; i < n; i++)
        {
            ushort t = r.U16("assignment type");
            CheckAscending(prev, t, "assignments");
            prev = t;
            byte kind = r.U8("typed assigns tag");
            if (kind > 2)
            {
                throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"typed assigns: unknown tag {kind}");
            }

            int m = r.Len(1, U16, "assign vec");
            var items = new List<Assign>(m);
            for (int j = 0; j < m; j++)
            {
                items.Add(ReadAssign(r, (StateType)kind, genesis));
            }

            list.Add(new AssignmentEntry(t, new TypedAssigns((StateType)kind, items)));
        }

        return list;
    }

    private static Assign ReadAssign(StrictReader r, StateType kind, bool genesis)
    {
        byte tag = r.U8("assign tag");
        BlindSeal? seal = null;
        Bytes32? secret = null;
        switch (tag)
        {
            case 0:
                seal = ReadBlindSeal(r, genesis);
                break;
            case 1:
                secret = r.B32("secret seal");
                break;
            default:
                throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"assign: unknown tag {tag}");
        }

        ulong amount = 0;
        byte[]? data = null;
        switch (kind)
        {
            case StateType.Fungible:
                byte ft = r.U8("fungible state tag");
                if (ft != 8)
                {
                    // FungibleState: bits64#8 U64 is the only variant.
                    throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"fungible state: unknown tag {ft}");
                }

                amount = r.U64("fungible amount");
                break;
            case StateType.Structured:
                data = r.Blob(0, U16, "structured state");
                break;
            default:
                break;
        }

        return new Assign(seal, secret, amount, data);
    }

    private static BlindSeal ReadBlindSeal(StrictReader r, bool txidOnly)
    {
        Bytes32? txid;
        if (txidOnly)
        {
            txid = r.B32("seal txid");
        }
        else
        {
            // TxPtr: WitnessTx (tag 0) | Txid (tag 1)
            byte tag = r.U8("tx pointer tag");
            txid = tag switch
            {
                0 => null,
                1 => r.B32("seal txid"),
                _ => throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"tx pointer: unknown tag {tag}"),
            };
        }

        return new BlindSeal(txid, r.U32("seal vout"), r.U64("seal blinding"));
    }

    private static Opout ReadOpout(StrictReader r) => new(r.B32("opout op"), r.U16("opout type"), r.U16("opout no"));

    private static Transition ReadTransition(StrictReader r)
    {
        ushort ffv = r.U16("transition.ffv");
        var cid = r.B32("transition.contractId");
        ulong nonce = r.U64("transition.nonce");
        ushort tt = r.U16("transition.transitionType");
        var meta = ReadMetadata(r);
        var globals = ReadGlobals(r);
        int n = r.Len(1, U16, "transition.inputs");
        var inputs = new List<Opout>(n);
        Opout? prev = null;
        for (int i = 0; i < n; i++)
        {
            var o = ReadOpout(r);
            CheckAscending(prev, o, "transition.inputs");
            prev = o;
            inputs.Add(o);
        }

        var assignments = ReadAssignments(r, genesis: false);
        byte[]? sig = r.OptionTag("transition.signature") ? r.Bytes(64, "signature") : null;
        return new Transition(ffv, cid, nonce, tt, meta, globals, inputs, assignments, sig);
    }

    private static WitnessBundle ReadWitnessBundle(StrictReader r)
    {
        byte pwTag = r.U8("pubWitness tag");
        PubWitness pw = pwTag switch
        {
            0 => new PubWitness(null, r.B32("pubWitness txid")),
            1 => new PubWitness(ReadTx(r), null),
            _ => throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"pubWitness: unknown tag {pwTag}"),
        };

        uint pos = r.U32("mpc pos");
        ushort cofactor = r.U16("mpc cofactor");
        int pathLen = r.Len(0, 32, "mpc path");
        var path = new List<Bytes32>(pathLen);
        for (int i = 0; i < pathLen; i++)
        {
            path.Add(r.B32("mpc path node"));
        }

        byte dbcTag = r.U8("dbc proof tag");
        DbcProof dbc = dbcTag switch
        {
            1 => ReadTapret(r),
            2 => new OpretProof(),
            _ => throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"dbc proof: unknown tag {dbcTag}"),
        };

        int nIn = r.Len(1, U16, "bundle.inputMap");
        var inputMap = new List<InputMapEntry>(nIn);
        Opout? prev = null;
        for (int i = 0; i < nIn; i++)
        {
            var o = ReadOpout(r);
            CheckAscending(prev, o, "bundle.inputMap");
            prev = o;
            inputMap.Add(new InputMapEntry(o, r.B32("input map opid")));
        }

        var known = ReadList(r, 1, U16, "bundle.knownTransitions", rr => new KnownTransition(rr.B32("known opid"), ReadTransition(rr)));
        return new WitnessBundle(pw, new Anchor(new MpcProof(pos, cofactor, path), dbc), new TransitionBundle(inputMap, known));
    }

    private static TapretProof ReadTapret(StrictReader r)
    {
        TapretPartner? partner = null;
        if (r.OptionTag("tapret partner"))
        {
            byte tag = r.U8("tapret partner tag");
            partner = tag switch
            {
                0 => new TapretLeftNode(r.B32("tapret left node")),
                1 => new TapretRightLeaf(Commitments.CheckLeafVersion(r.U8("leaf version")), r.Blob(0, U32, "leaf script")),
                2 => new TapretRightBranch(r.B32("tapret branch left"), r.B32("tapret branch right")),
                _ => throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"tapret partner: unknown tag {tag}"),
            };
        }

        byte nonce = r.U8("tapret nonce");
        return new TapretProof(partner, nonce, r.B32("tapret internal key"));
    }

    private static RgbTx ReadTx(StrictReader r)
    {
        int version = r.I32("tx version");
        var inputs = ReadList(r, 0, U32, "tx inputs", rr =>
        {
            var txid = rr.B32("prevout txid");
            uint vout = rr.U32("prevout vout");
            var sig = rr.Blob(0, U32, "sigScript");
            uint seq = rr.U32("sequence");
            var wit = ReadList(rr, 0, U32, "witness", w => w.Blob(0, U32, "witness item"));
            return new RgbTxIn(txid, vout, sig, seq, wit);
        });
        var outputs = ReadList(r, 0, U32, "tx outputs", rr => new RgbTxOut(rr.U64("value"), rr.Blob(0, U32, "scriptPubkey")));
        return new RgbTx(version, inputs, outputs, r.U32("lock time"));
    }

    private static Occurrences ReadOcc(StrictReader r)
    {
        ushort min = r.U16("occurrences.min");
        ushort max = r.U16("occurrences.max");
        if (max == 0 || min > max)
        {
            // rgb-consensus Occurrences: (0,0) and min > max are not representable.
            throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"occurrences: invalid range {min}..{max}");
        }

        return new Occurrences(min, max);
    }

    private static List<OccurrenceEntry> ReadOccMap(StrictReader r, string what)
    {
        int n = r.Len(0, U8, what);
        var list = new List<OccurrenceEntry>(n);
        ushort? prev = null;
        for (int i = 0; i < n; i++)
        {
            ushort t = r.U16(what);
            CheckAscending(prev, t, what);
            prev = t;
            list.Add(new OccurrenceEntry(t, ReadOcc(r)));
        }

        return list;
    }

    private static LibSite? ReadOptLibSite(StrictReader r, string what) =>
        r.OptionTag(what) ? new LibSite(r.B32("lib id"), r.U16("lib pos")) : null;

    internal static Schema ReadSchema(StrictReader r)
    {
        ushort ffv = r.U16("schema.ffv");
        string name = ReadTypeName(r, "schema.name");
        var meta = ReadTypedMap(r, "schema.metaTypes", (rr, t) => new MetaDetails(t, rr.B32("sem id"), ReadFieldName(rr, "meta name")));
        var globals = ReadTypedMap(r, "schema.globalTypes", (rr, t) =>
        {
            var sem = rr.B32("sem id");
            uint maxItems = rr.U24("max items");
            return new GlobalDetails(t, sem, maxItems, ReadFieldName(rr, "global name"));
        });
        var owned = ReadTypedMap(r, "schema.ownedTypes", (rr, t) =>
        {
            byte tag = rr.U8("owned state schema tag");
            OwnedStateSchema s = tag switch
            {
                0 => new OwnedStateSchema(StateType.Declarative, 0, Bytes32.Zero),
                1 => new OwnedStateSchema(StateType.Fungible, rr.U8("fungible type") is 8 ? (byte)8 : throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, "fungible type: unknown tag"), Bytes32.Zero),
                2 => new OwnedStateSchema(StateType.Structured, 0, rr.B32("sem id")),
                _ => throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"owned state schema: unknown tag {tag}"),
            };
            string n = ReadFieldName(rr, "owned name");
            return new AssignmentDetails(t, s, n, rr.U16("default transition"));
        });
        var gMeta = ReadU16Set(r, U8, "genesis schema metadata");
        var gGlobals = ReadOccMap(r, "genesis schema globals");
        var gAssign = ReadOccMap(r, "genesis schema assignments");
        var gVal = ReadOptLibSite(r, "genesis validator");
        var transitions = ReadTypedMap(r, "schema.transitions", (rr, t) =>
        {
            var m = ReadU16Set(rr, U8, "transition schema metadata");
            var g = ReadOccMap(rr, "transition schema globals");
            var i = ReadOccMap(rr, "transition schema inputs");
            var a = ReadOccMap(rr, "transition schema assignments");
            var v = ReadOptLibSite(rr, "transition validator");
            return new TransitionDetails(t, new TransitionSchema(m, g, i, a, v), ReadFieldName(rr, "transition name"));
        });
        ushort? defAssign = r.OptionTag("default assignment") ? r.U16("default assignment") : null;
        return new Schema(ffv, name, meta, globals, owned, new GenesisSchema(gMeta, gGlobals, gAssign, gVal), transitions, defAssign);
    }

    private static List<T> ReadTypedMap<T>(StrictReader r, string what, Func<StrictReader, ushort, T> value)
    {
        int n = r.Len(0, U8, what);
        var list = new List<T>(n);
        ushort? prev = null;
        for (int i = 0; i < n; i++)
        {
            ushort t = r.U16(what);
            CheckAscending(prev, t, what);
            prev = t;
            list.Add(value(r, t));
        }

        return list;
    }

    internal static List<TypeEntry> ReadTypeSystem(StrictReader r)
    {
        // TypeSystem: {SemId -> ^ ..0xffffff TySemId}
        int n = r.Len(0, U24, "type system");
        var list = new List<TypeEntry>(n);
        Bytes32? prev = null;
        for (int i = 0; i < n; i++)
        {
            var id = r.B32("sem id");
            CheckAscending(prev, id, "type system");
            prev = id;
            list.Add(new TypeEntry(id, ReadTy(r)));
        }

        return list;
    }

    private static (ulong, ulong) ReadSizing(StrictReader r) => (r.U64("sizing.min"), r.U64("sizing.max"));

    private static StrictTy ReadTy(StrictReader r)
    {
        // TySemId tags: primitive 0, unicode 1, enum 3, union 4, tuple 5, struct 6, array 7, list 8, set 9, map 10
        byte tag = r.U8("type tag");
        switch (tag)
        {
            case 0:
                return new TyPrimitive(r.U8("primitive"));
            case 1:
                return new TyUnicode();
            case 3:
                return new TyEnum(ReadList(r, 1, U8, "enum variants", rr => (ReadFieldName(rr, "variant name"), rr.U8("variant tag"))));
            case 4:
                {
                    int n = r.Len(0, U8, "union variants");
                    var v = new List<(byte, string, Bytes32)>(n);
                    byte? prev = null;
                    for (int i = 0; i < n; i++)
                    {
                        byte t = r.U8("union tag");
                        CheckAscending(prev, t, "union variants");
                        prev = t;
                        v.Add((t, ReadFieldName(r, "variant name"), r.B32("variant type")));
                    }

                    return new TyUnion(v);
                }
            case 5:
                return new TyTuple(ReadList(r, 1, U8, "tuple fields", rr => rr.B32("tuple field")));
            case 6:
                return new TyStruct(ReadList(r, 1, U8, "struct fields", rr => (ReadFieldName(rr, "field name"), rr.B32("field type"))));
            case 7:
                return new TyArray(r.B32("array item"), r.U16("array len"));
            case 8:
                {
                    var ty = r.B32("list item");
                    var (min, max) = ReadSizing(r);
                    return new TyList(ty, min, max);
                }
            case 9:
                {
                    var ty = r.B32("set item");
                    var (min, max) = ReadSizing(r);
                    return new TySet(ty, min, max);
                }
            case 10:
                {
                    var k = r.B32("map key");
                    var v = r.B32("map value");
                    var (min, max) = ReadSizing(r);
                    return new TyMap(k, v, min, max);
                }
            default:
                throw new RgbDecodeException(RgbErrorKind.InvalidEncoding, $"type: unknown tag {tag}");
        }
    }

    internal static AluLib ReadLib(StrictReader r)
    {
        // Lib: isae {IsaName ^ ..0x40}, code [Byte], data [Byte], libs {LibId ^ ..0xff}
        var isae = ReadList(r, 0, 0x40, "lib isae", rr => rr.Ident(2, 8, StdChars.AlphaCaps, StdChars.AlphaCapsNum, "isa name"));
        var code = r.Blob(0, U16, "lib code");
        var data = r.Blob(0, U16, "lib data");
        var libs = ReadSortedB32Set(r, 0, U8, "lib dependencies");
        return new AluLib(isae, code, data, libs);
    }

    // ---------------------------------------------------------------- encode

    public static byte[] Encode(Consignment c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var w = new StrictWriter();
        w.U8(c.Version).Bool(c.Transfer);
        WriteTerminals(w, c.Terminals);
        WriteGenesis(w, c.Genesis);
        w.Len(c.Bundles.Count, U32);
        foreach (var b in c.Bundles)
        {
            WriteWitnessBundle(w, b);
        }

        WriteSchema(w, c.Schema);
        WriteTypeSystem(w, c.Types);
        w.Len(c.Scripts.Count, MaxLibs);
        foreach (var l in c.Scripts)
        {
            WriteLib(w, l);
        }

        return w.ToArray();
    }

    /// <summary>rgb-ops terminals: <c>SmallOrdMap&lt;BundleId, Terminal { seals: SmallOrdSet&lt;SecretSeal&gt; }&gt;</c>.</summary>
    internal static void WriteTerminals(StrictWriter w, IReadOnlyList<(Bytes32 BundleId, IReadOnlyList<Bytes32> Seals)> terminals)
    {
        w.Len(terminals.Count, U16);
        foreach (var (bid, seals) in terminals)
        {
            w.B32(bid).Len(seals.Count, U16);
            foreach (var s in seals)
            {
                w.B32(s);
            }
        }
    }

    public static byte[] EncodeKit(Kit k)
    {
        ArgumentNullException.ThrowIfNull(k);
        var w = new StrictWriter();
        w.U8(k.Version).Len(k.Schemata.Count, U8);
        foreach (var s in k.Schemata)
        {
            WriteSchema(w, s);
        }

        WriteTypeSystem(w, k.Types);
        w.Len(k.Scripts.Count, U16);
        foreach (var l in k.Scripts)
        {
            WriteLib(w, l);
        }

        return w.ToArray();
    }

    internal static void WriteGenesis(StrictWriter w, Genesis g)
    {
        w.U16(g.Ffv).B32(g.SchemaId).I64(g.Timestamp);
        WriteIdentity(w, g.Issuer);
        w.U8((byte)g.ChainNet).U8(g.SealClosingStrategy);
        WriteMetadata(w, g.Metadata);
        WriteGlobals(w, g.Globals);
        WriteAssignments(w, g.Assignments, genesis: true);
    }

    internal static void WriteIdentity(StrictWriter w, string issuer) => w.Ascii(issuer, 0x1000);

    internal static void WriteMetadata(StrictWriter w, IReadOnlyList<MetaEntry> meta)
    {
        w.Len(meta.Count, U8);
        foreach (var m in meta)
        {
            w.U16(m.Type).Blob(m.Value, U16);
        }
    }

    internal static void WriteGlobals(StrictWriter w, IReadOnlyList<GlobalEntry> globals)
    {
        w.Len(globals.Count, U8);
        foreach (var g in globals)
        {
            w.U16(g.Type).Len(g.Values.Count, U16);
            foreach (var v in g.Values)
            {
                w.Blob(v, U16);
            }
        }
    }

    private static void WriteAssignments(StrictWriter w, IReadOnlyList<AssignmentEntry> list, bool genesis)
    {
        w.Len(list.Count, U16);
        foreach (var a in list)
        {
            w.U16(a.Type).U8((byte)a.Assigns.Kind).Len(a.Assigns.Items.Count, U16);
            foreach (var item in a.Assigns.Items)
            {
                if (item.Seal is { } seal)
                {
                    w.U8(0);
                    WriteBlindSeal(w, seal, genesis);
                }
                else
                {
                    w.U8(1).B32(item.SecretSeal!.Value);
                }

                WriteState(w, a.Assigns.Kind, item);
            }
        }
    }

    internal static void WriteState(StrictWriter w, StateType kind, Assign item)
    {
        switch (kind)
        {
            case StateType.Fungible:
                w.U8(8).U64(item.Amount);
                break;
            case StateType.Structured:
                w.Blob(item.Data ?? [], U16);
                break;
            default:
                break;
        }
    }

    /// <summary>Writes a seal as <c>BlindSeal&lt;Txid&gt;</c> (<paramref name="txidOnly"/>) or <c>BlindSeal&lt;TxPtr&gt;</c>.</summary>
    internal static void WriteBlindSeal(StrictWriter w, BlindSeal s, bool txidOnly)
    {
        if (txidOnly)
        {
            w.B32(s.Txid ?? throw new InvalidOperationException("genesis seal requires a txid"));
        }
        else if (s.Txid is { } t)
        {
            w.U8(1).B32(t);
        }
        else
        {
            w.U8(0);
        }

        w.U32(s.Vout).U64(s.Blinding);
    }

    internal static void WriteOpout(StrictWriter w, Opout o) => w.B32(o.Op).U16(o.Ty).U16(o.No);

    internal static void WriteTransition(StrictWriter w, Transition t)
    {
        w.U16(t.Ffv).B32(t.ContractId).U64(t.Nonce).U16(t.TransitionType);
        WriteMetadata(w, t.Metadata);
        WriteGlobals(w, t.Globals);
        w.Len(t.Inputs.Count, U16);
        foreach (var i in t.Inputs)
        {
            WriteOpout(w, i);
        }

        WriteAssignments(w, t.Assignments, genesis: false);
        if (t.Signature is { } sig)
        {
            w.U8(1).Raw(sig);
        }
        else
        {
            w.U8(0);
        }
    }

    internal static void WriteWitnessBundle(StrictWriter w, WitnessBundle b)
    {
        if (b.PubWitness.Tx is { } tx)
        {
            w.U8(1);
            WriteTx(w, tx);
        }
        else
        {
            w.U8(0).B32(b.PubWitness.Txid!.Value);
        }

        var mpc = b.Anchor.MpcProof;
        w.U32(mpc.Pos).U16(mpc.Cofactor).Len(mpc.Path.Count, 32);
        foreach (var p in mpc.Path)
        {
            w.B32(p);
        }

        switch (b.Anchor.DbcProof)
        {
            case TapretProof tp:
                w.U8(1);
                if (tp.Partner is null)
                {
                    w.U8(0);
                }
                else
                {
                    w.U8(1);
                    switch (tp.Partner)
                    {
                        case TapretLeftNode l:
                            w.U8(0).B32(l.NodeHash);
                            break;
                        case TapretRightLeaf rl:
                            w.U8(1).U8(rl.LeafVersion).Blob(rl.Script, U32);
                            break;
                        case TapretRightBranch rb:
                            w.U8(2).B32(rb.LeftNodeHash).B32(rb.RightNodeHash);
                            break;
                        default:
                            throw new InvalidOperationException("unknown tapret partner");
                    }
                }

                w.U8(tp.Nonce).B32(tp.InternalPk);
                break;
            default:
                w.U8(2);
                break;
        }

        w.Len(b.Bundle.InputMap.Count, U16);
        foreach (var e in b.Bundle.InputMap)
        {
            WriteOpout(w, e.Opout);
            w.B32(e.OpId);
        }

        w.Len(b.Bundle.KnownTransitions.Count, U16);
        foreach (var kt in b.Bundle.KnownTransitions)
        {
            w.B32(kt.OpId);
            WriteTransition(w, kt.Transition);
        }
    }

    internal static void WriteTx(StrictWriter w, RgbTx tx)
    {
        w.I32(tx.Version).Len(tx.Inputs.Count, U32);
        foreach (var i in tx.Inputs)
        {
            w.B32(i.PrevTxid).U32(i.PrevVout).Blob(i.SigScript, U32).U32(i.Sequence).Len(i.Witness.Count, U32);
            foreach (var item in i.Witness)
            {
                w.Blob(item, U32);
            }
        }

        w.Len(tx.Outputs.Count, U32);
        foreach (var o in tx.Outputs)
        {
            w.U64(o.Value).Blob(o.ScriptPubkey, U32);
        }

        w.U32(tx.LockTime);
    }

    private static void WriteOccMap(StrictWriter w, IReadOnlyList<OccurrenceEntry> list)
    {
        w.Len(list.Count, U8);
        foreach (var e in list)
        {
            w.U16(e.Type).U16(e.Occurrences.Min).U16(e.Occurrences.Max);
        }
    }

    private static void WriteOptLibSite(StrictWriter w, LibSite? s)
    {
        if (s is null)
        {
            w.U8(0);
        }
        else
        {
            w.U8(1).B32(s.Lib).U16(s.Pos);
        }
    }

    internal static void WriteSchema(StrictWriter w, Schema s)
    {
        w.U16(s.Ffv).Ascii(s.Name, 100);
        w.Len(s.MetaTypes.Count, U8);
        foreach (var m in s.MetaTypes)
        {
            w.U16(m.Type).B32(m.SemId).Ascii(m.Name, 100);
        }

        w.Len(s.GlobalTypes.Count, U8);
        foreach (var g in s.GlobalTypes)
        {
            w.U16(g.Type).B32(g.SemId).U24(g.MaxItems).Ascii(g.Name, 100);
        }

        w.Len(s.OwnedTypes.Count, U8);
        foreach (var o in s.OwnedTypes)
        {
            w.U16(o.Type).U8((byte)o.StateSchema.Kind);
            if (o.StateSchema.Kind == StateType.Fungible)
            {
                w.U8(o.StateSchema.FungibleType);
            }
            else if (o.StateSchema.Kind == StateType.Structured)
            {
                w.B32(o.StateSchema.SemId);
            }

            w.Ascii(o.Name, 100).U16(o.DefaultTransition);
        }

        w.Len(s.Genesis.Metadata.Count, U8);
        foreach (var m in s.Genesis.Metadata)
        {
            w.U16(m);
        }

        WriteOccMap(w, s.Genesis.Globals);
        WriteOccMap(w, s.Genesis.Assignments);
        WriteOptLibSite(w, s.Genesis.Validator);
        w.Len(s.Transitions.Count, U8);
        foreach (var t in s.Transitions)
        {
            w.U16(t.Type).Len(t.Schema.Metadata.Count, U8);
            foreach (var m in t.Schema.Metadata)
            {
                w.U16(m);
            }

            WriteOccMap(w, t.Schema.Globals);
            WriteOccMap(w, t.Schema.Inputs);
            WriteOccMap(w, t.Schema.Assignments);
            WriteOptLibSite(w, t.Schema.Validator);
            w.Ascii(t.Name, 100);
        }

        if (s.DefaultAssignment is { } d)
        {
            w.U8(1).U16(d);
        }
        else
        {
            w.U8(0);
        }
    }

    internal static void WriteTypeSystem(StrictWriter w, IReadOnlyList<TypeEntry> types)
    {
        w.Len(types.Count, U24);
        foreach (var t in types)
        {
            w.B32(t.SemId);
            WriteTy(w, t.Ty);
        }
    }

    private static void WriteTy(StrictWriter w, StrictTy ty)
    {
        switch (ty)
        {
            case TyPrimitive p:
                w.U8(0).U8(p.Code);
                break;
            case TyUnicode:
                w.U8(1);
                break;
            case TyEnum e:
                w.U8(3).Len(e.Variants.Count, U8);
                foreach (var (name, tag) in e.Variants)
                {
                    w.Ascii(name, 100).U8(tag);
                }

                break;
            case TyUnion u:
                w.U8(4).Len(u.Variants.Count, U8);
                foreach (var (tag, name, t) in u.Variants)
                {
                    w.U8(tag).Ascii(name, 100).B32(t);
                }

                break;
            case TyTuple t:
                w.U8(5).Len(t.Fields.Count, U8);
                foreach (var f in t.Fields)
                {
                    w.B32(f);
                }

                break;
            case TyStruct s:
                w.U8(6).Len(s.Fields.Count, U8);
                foreach (var (name, t) in s.Fields)
                {
                    w.Ascii(name, 100).B32(t);
                }

                break;
            default:
                if (!WriteSizedTy(w, ty))
                {
                    throw new InvalidOperationException("unknown strict type");
                }

                break;
        }
    }

    /// <summary>
    /// Array (tag 7: child, u16 length), list (8), set (9) and map (10: key, value) with u64 min/max sizing: the same
    /// bytes in the strict encoding of <c>Ty&lt;SemId&gt;</c> and in its semantic commitment. False for other types.
    /// </summary>
    internal static bool WriteSizedTy(StrictWriter w, StrictTy ty)
    {
        switch (ty)
        {
            case TyArray a:
                w.U8(7).B32(a.Ty).U16(a.Len);
                return true;
            case TyList l:
                w.U8(8).B32(l.Ty).U64(l.Min).U64(l.Max);
                return true;
            case TySet s:
                w.U8(9).B32(s.Ty).U64(s.Min).U64(s.Max);
                return true;
            case TyMap m:
                w.U8(10).B32(m.Key).B32(m.Value).U64(m.Min).U64(m.Max);
                return true;
            default:
                return false;
        }
    }

    internal static void WriteLib(StrictWriter w, AluLib l)
    {
        w.Len(l.Isae.Count, 0x40);
        foreach (var i in l.Isae)
        {
            w.Ascii(i, 8);
        }

        w.Blob(l.Code, U16).Blob(l.Data, U16).Len(l.Libs.Count, U8);
        foreach (var id in l.Libs)
        {
            w.B32(id);
        }
    }
}
