using System.Text;

namespace OPSource.Layers.Rgb;

/// <summary>
/// RGB consensus identifiers as the tagged hashes rgb-consensus defines (commit_verify <c>CommitEncode</c>):
/// schema id, operation id (genesis = contract id), bundle id, secret seals, merklized collections (MerkleHash),
/// and the strict-types type-system id and AluVM library id.
/// </summary>
public static class RgbIds
{
    // Tags: rgb-consensus schema/schema.rs, operation/{commit,bundle}.rs, seals/secret.rs, commit_verify/{id,merkle}.rs
    public const string SchemaTag = "urn:lnp-bp:rgb:schema#2024-02-03";
    public const string OperationTag = "urn:lnp-bp:rgb:operation#2024-02-03";
    public const string BundleTag = "urn:lnp-bp:rgb:bundle#2024-02-03";
    public const string SecretSealTag = "urn:lnp-bp:seals:secret#2024-02-03";
    public const string MerkleTag = "urn:ubideco:merkle:node#2024-01-31";
    public const string StrictHashTag = "urn:ubideco:strict-types:value-hash#2024-02-10";
    public const string MpcCommitmentTag = "urn:ubideco:mpc:commitment#2024-01-31";

    // strict-types typesys/id.rs and rgb-aluvm library/lib.rs: 32-byte tags used verbatim.
    private static readonly byte[] TypeSysTag = Encoding.ASCII.GetBytes("urn:ubideco:strict-types:sys:v01");
    private static readonly byte[] LibTag = Encoding.ASCII.GetBytes("urn:ubideco:aluvm:lib:v01#230304");

    private static readonly Bytes32 VirtualLeaf = new(Enumerable.Repeat((byte)0xFF, 32).ToArray());

    public static Bytes32 SchemaId(Schema schema)
    {
        var w = new StrictWriter();
        RgbBinary.WriteSchema(w, schema);
        return TaggedHasher.Hash(SchemaTag, w.ToArray());
    }

    /// <summary>Secret (concealed) seal of a revealed seal: genesis seals as BlindSeal&lt;Txid&gt;, transition seals as BlindSeal&lt;TxPtr&gt;.</summary>
    public static Bytes32 SecretSeal(BlindSeal seal, bool genesis)
    {
        var w = new StrictWriter();
        RgbBinary.WriteBlindSeal(w, seal, genesis);
        return TaggedHasher.Hash(SecretSealTag, w.ToArray());
    }

    /// <summary>The seal a terminal or assignment commits to: its secret seal.</summary>
    public static Bytes32 Conceal(Assign a, bool genesis) => a.Seal is { } s ? SecretSeal(s, genesis) : a.SecretSeal!.Value;

    public static Bytes32 OpId(Genesis g)
    {
        ArgumentNullException.ThrowIfNull(g);
        var w = new StrictWriter();
        w.U16(g.Ffv).U64(ulong.MaxValue);
        // TypeCommitment::Genesis(BaseCommitment)
        w.U8(0).B32(g.SchemaId).I64(g.Timestamp);
        var iw = new StrictWriter();
        RgbBinary.WriteIdentity(iw, g.Issuer);
        w.B32(TaggedHasher.Hash(StrictHashTag, iw.ToArray()));
        w.U8((byte)g.ChainNet).U8(g.SealClosingStrategy);
        WriteCommonCommitments(w, g.Metadata, g.Globals, MerkleVoid(0, 0), g.Assignments, genesis: true);
        return TaggedHasher.Hash(OperationTag, w.ToArray());
    }

    public static Bytes32 OpId(Transition t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var w = new StrictWriter();
        w.U16(t.Ffv).U64(t.Nonce);
        // TypeCommitment::Transition(ContractId, TransitionType)
        w.U8(1).B32(t.ContractId).U16(t.TransitionType);
        var leaves = t.Inputs.Select(i =>
        {
            var lw = new StrictWriter();
            RgbBinary.WriteOpout(lw, i);
            return TaggedHasher.Hash(MerkleTag, lw.ToArray());
        }).ToList();
        WriteCommonCommitments(w, t.Metadata, t.Globals, Merklize(leaves), t.Assignments, genesis: false);
        return TaggedHasher.Hash(OperationTag, w.ToArray());
    }

    private static void WriteCommonCommitments(StrictWriter w, IReadOnlyList<MetaEntry> meta, IReadOnlyList<GlobalEntry> globals, Bytes32 inputs, IReadOnlyList<AssignmentEntry> assignments, bool genesis)
    {
        var mw = new StrictWriter();
        RgbBinary.WriteMetadata(mw, meta);
        w.B32(TaggedHasher.Hash(StrictHashTag, mw.ToArray()));

        var globalLeaves = new List<Bytes32>();
        foreach (var g in globals)
        {
            foreach (var v in g.Values)
            {
                // GlobalCommitment { ty, state: RevealedData }
                var lw = new StrictWriter().U16(g.Type).Blob(v, 0xFFFF);
                globalLeaves.Add(TaggedHasher.Hash(MerkleTag, lw.ToArray()));
            }
        }

        w.B32(Merklize(globalLeaves));
        w.B32(inputs);

        var assignLeaves = new List<Bytes32>();
        foreach (var a in assignments)
        {
            foreach (var item in a.Assigns.Items)
            {
                // AssignmentCommitment { ty, state (concealed form = revealed state data), seal: SecretSeal }
                var lw = new StrictWriter().U16(a.Type);
                RgbBinary.WriteState(lw, a.Assigns.Kind, item);
                lw.B32(Conceal(item, genesis));
                assignLeaves.Add(TaggedHasher.Hash(MerkleTag, lw.ToArray()));
            }
        }

        w.B32(Merklize(assignLeaves));
    }

    public static Bytes32 BundleId(TransitionBundle b)
    {
        ArgumentNullException.ThrowIfNull(b);
        var w = new StrictWriter().Len(b.InputMap.Count, 0xFFFF);
        foreach (var e in b.InputMap)
        {
            RgbBinary.WriteOpout(w, e.Opout);
            w.B32(e.OpId);
        }

        return TaggedHasher.Hash(BundleTag, w.ToArray());
    }

    /// <summary>commit_verify MerkleNode hash: branching, depth, width (u256 LE), two nodes.</summary>
    public static Bytes32 MerkleNode(byte branching, byte depth, uint width, Bytes32 node1, Bytes32 node2)
    {
        Span<byte> buf = stackalloc byte[2 + 32 + 64];
        buf.Clear();
        buf[0] = branching;
        buf[1] = depth;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(buf[2..], width);
        node1.Span.CopyTo(buf[34..]);
        node2.Span.CopyTo(buf[66..]);
        return TaggedHasher.Hash(MerkleTag, buf);
    }

    public static Bytes32 MerkleVoid(byte depth, uint width) => MerkleNode(0, depth, width, VirtualLeaf, VirtualLeaf);

    public static Bytes32 MerkleBranches(byte depth, uint width, Bytes32 a, Bytes32 b) => MerkleNode(2, depth, width, a, b);

    /// <summary>commit_verify <c>MerkleHash::merklize</c>: one leaf is its own root; otherwise a balanced tree, left half rounded up.</summary>
    public static Bytes32 Merklize(IReadOnlyList<Bytes32> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        return leaves.Count == 1 ? leaves[0] : MerklizeRange(leaves, 0, leaves.Count, 0, (uint)leaves.Count);
    }

    private static Bytes32 MerklizeRange(IReadOnlyList<Bytes32> leaves, int start, int count, byte depth, uint baseWidth)
    {
        if (count <= 2)
        {
            return count switch
            {
                0 => MerkleVoid(depth, baseWidth),
                1 => MerkleNode(1, depth, baseWidth, leaves[start], VirtualLeaf),
                _ => MerkleBranches(depth, baseWidth, leaves[start], leaves[start + 1]),
            };
        }

        int div = (count / 2) + (count % 2);
        var a = MerklizeRange(leaves, start, div, (byte)(depth + 1), baseWidth);
        var b = MerklizeRange(leaves, start + div, count - div, (byte)(depth + 1), baseWidth);
        return MerkleBranches(depth, baseWidth, a, b);
    }

    /// <summary>strict-types TypeSysId: count (u24) then every sem id, under the type-system tag.</summary>
    public static Bytes32 TypeSystemId(IReadOnlyList<TypeEntry> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        using var h = new TaggedHasher(TypeSysTag);
        int n = types.Count;
        h.Add([(byte)n, (byte)(n >> 8), (byte)(n >> 16)]);
        foreach (var t in types)
        {
            h.Add(t.SemId.Span);
        }

        return h.Finish();
    }

    /// <summary>AluVM LibId: isae (space-joined, u8 length), code and data (u16 lengths), dependency count and ids.</summary>
    public static Bytes32 LibId(AluLib lib)
    {
        ArgumentNullException.ThrowIfNull(lib);
        using var h = new TaggedHasher(LibTag);
        var isae = Encoding.ASCII.GetBytes(string.Join(' ', lib.Isae));
        h.Add([(byte)isae.Length]).Add(isae);
        h.Add([(byte)lib.Code.Length, (byte)(lib.Code.Length >> 8)]).Add(lib.Code);
        h.Add([(byte)lib.Data.Length, (byte)(lib.Data.Length >> 8)]).Add(lib.Data);
        h.Add([(byte)lib.Libs.Count]);
        foreach (var l in lib.Libs)
        {
            h.Add(l.Span);
        }

        return h.Finish();
    }

    /// <summary>rgb-ops KitId: version, the set of schema ids (u8 count), the type-system id, the set of lib ids (u16 count).</summary>
    public static Bytes32 KitId(Kit kit)
    {
        ArgumentNullException.ThrowIfNull(kit);
        var w = new StrictWriter().U8(kit.Version);
        var schemaIds = kit.Schemata.Select(SchemaId).Order().ToList();
        w.Len(schemaIds.Count, 0xFF);
        schemaIds.ForEach(id => w.B32(id));
        w.B32(TypeSystemId(kit.Types));
        var libIds = kit.Scripts.Select(LibId).Order().ToList();
        w.Len(libIds.Count, 0xFFFF);
        libIds.ForEach(id => w.B32(id));
        return TaggedHasher.Hash(KitTag, w.ToArray());
    }

    public const string KitTag = "urn:lnp-bp:rgb:kit#2024-04-09";

    public const string DiscloseTag = "urn:lnp-bp:rgb:disclose#2024-02-16";

    public const string ConsignmentTag = "urn:lnp-bp:rgb:consignment#2024-03-11";

    /// <summary>
    /// rgb-consensus <c>Genesis::disclose_hash</c>: the tagged hash of <c>OpDisclose { id, seals, fungible, data }</c>,
    /// three u24-counted maps keyed by <c>AssignmentIndex { ty: u16, pos: u16 }</c> in ascending order: the secret
    /// seals of the revealed seals, and the fungible and structured states of all assignments (declarative
    /// states carry no data and are left out).
    /// </summary>
    public static Bytes32 GenesisDiscloseHash(Genesis g)
    {
        ArgumentNullException.ThrowIfNull(g);
        var seals = new List<(ushort Ty, ushort Pos, Bytes32 Seal)>();
        var fungible = new List<(ushort Ty, ushort Pos, Assign Item)>();
        var data = new List<(ushort Ty, ushort Pos, Assign Item)>();
        foreach (var a in g.Assignments.OrderBy(a => a.Type))
        {
            for (int i = 0; i < a.Assigns.Items.Count; i++)
            {
                var item = a.Assigns.Items[i];
                if (item.Seal is { } seal)
                {
                    seals.Add((a.Type, (ushort)i, SecretSeal(seal, genesis: true)));
                }

                if (a.Assigns.Kind == StateType.Fungible)
                {
                    fungible.Add((a.Type, (ushort)i, item));
                }
                else if (a.Assigns.Kind == StateType.Structured)
                {
                    data.Add((a.Type, (ushort)i, item));
                }
            }
        }

        var w = new StrictWriter().B32(OpId(g));
        w.Len(seals.Count, 0xFF_FFFF);
        seals.ForEach(x => w.U16(x.Ty).U16(x.Pos).B32(x.Seal));
        w.Len(fungible.Count, 0xFF_FFFF);
        fungible.ForEach(x =>
        {
            w.U16(x.Ty).U16(x.Pos);
            RgbBinary.WriteState(w, StateType.Fungible, x.Item);
        });
        w.Len(data.Count, 0xFF_FFFF);
        data.ForEach(x =>
        {
            w.U16(x.Ty).U16(x.Pos);
            RgbBinary.WriteState(w, StateType.Structured, x.Item);
        });
        return TaggedHasher.Hash(DiscloseTag, w.ToArray());
    }

    /// <summary>rgb-ops <c>WitnessBundle::commit_id</c>: the disclose-tagged hash of the serialized witness bundle.</summary>
    public static Bytes32 WitnessBundleDiscloseHash(WitnessBundle b)
    {
        ArgumentNullException.ThrowIfNull(b);
        var w = new StrictWriter();
        RgbBinary.WriteWitnessBundle(w, b);
        return TaggedHasher.Hash(DiscloseTag, w.ToArray());
    }

    /// <summary>
    /// rgb-ops <c>ConsignmentId</c> (<c>Consignment::commit_encode</c>): version, transfer flag, contract id, the
    /// genesis disclosure hash, the witness bundles' disclosure hashes (u32 count, in consignment order), the
    /// terminals map as serialized, the type-system id and the set of library ids (u16 count, ascending).
    /// </summary>
    public static Bytes32 ConsignmentId(Consignment c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var w = new StrictWriter().U8(c.Version).Bool(c.Transfer);
        w.B32(OpId(c.Genesis)).B32(GenesisDiscloseHash(c.Genesis));
        w.Len(c.Bundles.Count, 0xFFFF_FFFF);
        foreach (var b in c.Bundles)
        {
            w.B32(WitnessBundleDiscloseHash(b));
        }

        RgbBinary.WriteTerminals(w, c.Terminals);
        w.B32(TypeSystemId(c.Types));
        var libIds = c.Scripts.Select(LibId).Order().ToList();
        w.Len(libIds.Count, 0xFFFF);
        libIds.ForEach(id => w.B32(id));
        return TaggedHasher.Hash(ConsignmentTag, w.ToArray());
    }

    public static string ConsignmentIdString(Bytes32 id) => Baid64.Encode(Baid64.ConsignmentHri, id, chunking: true, mnemonic: true);

    // String forms as each id's DisplayBaid64 declares them (HRI, CHUNKING, MNEMONIC): rgb-ops KitId (no mnemonic),
    // rgb-consensus ContractId (no mnemonic; the alternate form {:#} adds it), SchemaId (mnemonic, unchunked),
    // strict-types TypeSysId and rgb-aluvm LibId (mnemonic), rgb-ops ConsignmentId (mnemonic).
    public static string KitIdString(Bytes32 id) => Baid64.Encode(Baid64.KitHri, id, chunking: true);

    /// <summary>
    /// A contract id as rgb-consensus prints it: <c>rgb:xxxxxxxx-...</c>, or with <paramref name="mnemonic"/> the
    /// alternate form <c>rgb:xxxxxxxx-...#word-word-word</c>.
    /// </summary>
    public static string ContractIdString(Bytes32 id, bool mnemonic = false) => Baid64.Encode(Baid64.ContractHri, id, chunking: true, mnemonic);

    public static string SchemaIdString(Bytes32 id) => Baid64.Encode(Baid64.SchemaHri, id, chunking: false, mnemonic: true);

    public static string TypeSystemIdString(Bytes32 id) => Baid64.Encode(Baid64.TypeSystemHri, id, chunking: true, mnemonic: true);

    public static string LibIdString(Bytes32 id) => Baid64.Encode(Baid64.LibHri, id, chunking: true, mnemonic: true);

    /// <summary>Txid of a witness transaction (double SHA-256 of the non-witness serialization, internal order).</summary>
    public static Bytes32 Txid(RgbTx tx) => new(ToBitcoin(tx).GetTxId().ToBytes());

    public static OPSource.Bitcoin.Transactions.Transaction ToBitcoin(RgbTx tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var inputs = tx.Inputs.Select(i => new OPSource.Bitcoin.Transactions.TxIn(
            new OPSource.Bitcoin.Transactions.OutPoint(OPSource.Bitcoin.Transactions.TxId.FromBytes(i.PrevTxid.Span), i.PrevVout),
            new OPSource.Bitcoin.Scripts.Script(i.SigScript),
            new OPSource.Bitcoin.Transactions.Sequence(i.Sequence),
            new OPSource.Bitcoin.Transactions.Witness(i.Witness.Select(x => (ReadOnlyMemory<byte>)x))));
        var outputs = tx.Outputs.Select(o => OPSource.Bitcoin.Transactions.TxOut.FromRawValue(unchecked((long)o.Value), new OPSource.Bitcoin.Scripts.Script(o.ScriptPubkey)));
        return new OPSource.Bitcoin.Transactions.Transaction(tx.Version, inputs, outputs, new OPSource.Bitcoin.Transactions.LockTime(tx.LockTime));
    }
}
