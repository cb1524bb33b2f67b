namespace OPSource.Layers.Rgb;

// The consignment model of RGB 0.11.1 (rgb-protocol/rgb-consensus 0.11.1-rc.10 and rgb-ops): field order
// and bounds follow the strict types (RGBCommit@0.1.0, BPCore, CommitVerify, StrictTypes, AluVM libraries).
// Maps and sets keep the order they were decoded in; the decoder requires that order to be strictly ascending,
// as strict-encoding does for BTreeMap/BTreeSet.

/// <summary>Which chain and network a contract lives on (rgb-consensus <c>ChainNet</c>, tag = declaration order).</summary>
public enum ChainNet : byte
{
    BitcoinMainnet = 0,
    BitcoinTestnet3 = 1,
    BitcoinTestnet4 = 2,
    BitcoinSignet = 3,
    BitcoinRegtest = 4,
    LiquidMainnet = 5,
    LiquidTestnet = 6,
}

/// <summary>Input of a transition: output <c>No</c> of type <c>Ty</c> of operation <c>Op</c>.</summary>
public readonly record struct Opout(Bytes32 Op, ushort Ty, ushort No) : IComparable<Opout>
{
    public int CompareTo(Opout other)
    {
        int c = Op.CompareTo(other.Op);
        if (c != 0)
        {
            return c;
        }

        c = Ty.CompareTo(other.Ty);
        return c != 0 ? c : No.CompareTo(other.No);
    }

    /// <summary>rgb-consensus display form <c>opid/type/no</c>.</summary>
    public override string ToString() => $"{Op.ToHex()}/{Ty}/{No}";
}

/// <summary>A seal definition: the tx (a txid, or null for "the witness transaction") and output, with a blinding factor.</summary>
/// <param name="Txid">Txid in internal byte order, or null for TxPtr::WitnessTx (transitions only).</param>
/// <param name="Vout">Output index.</param>
/// <param name="Blinding">Blinding factor.</param>
public sealed record BlindSeal(Bytes32? Txid, uint Vout, ulong Blinding);

/// <summary>Owned state kinds (rgb-consensus <c>StateType</c>).</summary>
public enum StateType : byte
{
    Declarative = 0,
    Fungible = 1,
    Structured = 2,
}

/// <summary>One assignment: a revealed or concealed seal with its state.</summary>
/// <param name="Seal">The revealed seal, or null when only <paramref name="SecretSeal"/> is known.</param>
/// <param name="SecretSeal">The concealed seal (set when <paramref name="Seal"/> is null).</param>
/// <param name="Amount">Fungible amount (state type fungible).</param>
/// <param name="Data">Structured data (state type structured).</param>
public sealed record Assign(BlindSeal? Seal, Bytes32? SecretSeal, ulong Amount, byte[]? Data);

/// <summary>All assignments of one assignment type.</summary>
public sealed record TypedAssigns(StateType Kind, IReadOnlyList<Assign> Items);

public sealed record AssignmentEntry(ushort Type, TypedAssigns Assigns);

public sealed record MetaEntry(ushort Type, byte[] Value);

public sealed record GlobalEntry(ushort Type, IReadOnlyList<byte[]> Values);

/// <summary>Genesis operation (rgb-consensus <c>Genesis</c>).</summary>
public sealed record Genesis(
    ushort Ffv,
    Bytes32 SchemaId,
    long Timestamp,
    string Issuer,
    ChainNet ChainNet,
    byte SealClosingStrategy,
    IReadOnlyList<MetaEntry> Metadata,
    IReadOnlyList<GlobalEntry> Globals,
    IReadOnlyList<AssignmentEntry> Assignments);

/// <summary>State transition (rgb-consensus <c>Transition</c>).</summary>
public sealed record Transition(
    ushort Ffv,
    Bytes32 ContractId,
    ulong Nonce,
    ushort TransitionType,
    IReadOnlyList<MetaEntry> Metadata,
    IReadOnlyList<GlobalEntry> Globals,
    IReadOnlyList<Opout> Inputs,
    IReadOnlyList<AssignmentEntry> Assignments,
    byte[]? Signature);

public sealed record KnownTransition(Bytes32 OpId, Transition Transition);

public sealed record InputMapEntry(Opout Opout, Bytes32 OpId);

public sealed record TransitionBundle(IReadOnlyList<InputMapEntry> InputMap, IReadOnlyList<KnownTransition> KnownTransitions);

/// <summary>LNPBP-4 multi-protocol commitment merkle proof (commit_verify <c>mpc::MerkleProof</c>).</summary>
public sealed record MpcProof(uint Pos, ushort Cofactor, IReadOnlyList<Bytes32> Path);

/// <summary>Partner node of a tapret commitment in the script tree (bp-core <c>TapretNodePartner</c>).</summary>
public abstract record TapretPartner;

public sealed record TapretLeftNode(Bytes32 NodeHash) : TapretPartner;

public sealed record TapretRightLeaf(byte LeafVersion, byte[] Script) : TapretPartner;

public sealed record TapretRightBranch(Bytes32 LeftNodeHash, Bytes32 RightNodeHash) : TapretPartner;

/// <summary>Deterministic bitcoin commitment proof: tapret (with its path proof and internal key) or opret (no data).</summary>
public abstract record DbcProof;

public sealed record OpretProof : DbcProof;

public sealed record TapretProof(TapretPartner? Partner, byte Nonce, Bytes32 InternalPk) : DbcProof;

public sealed record Anchor(MpcProof MpcProof, DbcProof DbcProof);

/// <summary>A bitcoin transaction in RGB's strict form (bp-core <c>Tx</c>).</summary>
public sealed record RgbTx(int Version, IReadOnlyList<RgbTxIn> Inputs, IReadOnlyList<RgbTxOut> Outputs, uint LockTime);

public sealed record RgbTxIn(Bytes32 PrevTxid, uint PrevVout, byte[] SigScript, uint Sequence, IReadOnlyList<byte[]> Witness);

public sealed record RgbTxOut(ulong Value, byte[] ScriptPubkey);

/// <summary>The public witness of a bundle: the full transaction or only its id (txid in internal order).</summary>
public sealed record PubWitness(RgbTx? Tx, Bytes32? Txid);

public sealed record WitnessBundle(PubWitness PubWitness, Anchor Anchor, TransitionBundle Bundle);

public sealed record Occurrences(ushort Min, ushort Max)
{
    /// <summary>rgb-consensus serde names of the occurrence forms.</summary>
    public override string ToString() => (Min, Max) switch
    {
        (1, 1) => "once",
        (0, 1) => "noneOrOnce",
        (0, ushort.MaxValue) => "noneOrMore",
        (1, ushort.MaxValue) => "onceOrMore",
        (0, var m) => $"noneOrUpTo({m})",
        (1, var m) => $"onceOrUpTo({m})",
        (var a, var b) when a == b => $"exactly({a})",
        _ => $"range({Min}..={Max})",
    };
}

public sealed record LibSite(Bytes32 Lib, ushort Pos);

public sealed record OccurrenceEntry(ushort Type, Occurrences Occurrences);

public sealed record MetaDetails(ushort Type, Bytes32 SemId, string Name);

public sealed record GlobalDetails(ushort Type, Bytes32 SemId, uint MaxItems, string Name);

/// <summary>Owned state schema: declarative, fungible (with its fungible type tag, 8 = unsigned64Bit), or structured by sem id.</summary>
public sealed record OwnedStateSchema(StateType Kind, byte FungibleType, Bytes32 SemId);

public sealed record AssignmentDetails(ushort Type, OwnedStateSchema StateSchema, string Name, ushort DefaultTransition);

public sealed record GenesisSchema(
    IReadOnlyList<ushort> Metadata,
    IReadOnlyList<OccurrenceEntry> Globals,
    IReadOnlyList<OccurrenceEntry> Assignments,
    LibSite? Validator);

public sealed record TransitionSchema(
    IReadOnlyList<ushort> Metadata,
    IReadOnlyList<OccurrenceEntry> Globals,
    IReadOnlyList<OccurrenceEntry> Inputs,
    IReadOnlyList<OccurrenceEntry> Assignments,
    LibSite? Validator);

public sealed record TransitionDetails(ushort Type, TransitionSchema Schema, string Name);

/// <summary>Contract schema (rgb-consensus <c>Schema</c>).</summary>
public sealed record Schema(
    ushort Ffv,
    string Name,
    IReadOnlyList<MetaDetails> MetaTypes,
    IReadOnlyList<GlobalDetails> GlobalTypes,
    IReadOnlyList<AssignmentDetails> OwnedTypes,
    GenesisSchema Genesis,
    IReadOnlyList<TransitionDetails> Transitions,
    ushort? DefaultAssignment);

/// <summary>A strict type in a type system, its children referenced by semantic id (strict-types <c>Ty&lt;SemId&gt;</c>).</summary>
public abstract record StrictTy;

public sealed record TyPrimitive(byte Code) : StrictTy;

public sealed record TyUnicode : StrictTy;

public sealed record TyEnum(IReadOnlyList<(string Name, byte Tag)> Variants) : StrictTy;

public sealed record TyUnion(IReadOnlyList<(byte Tag, string Name, Bytes32 Ty)> Variants) : StrictTy;

public sealed record TyTuple(IReadOnlyList<Bytes32> Fields) : StrictTy;

public sealed record TyStruct(IReadOnlyList<(string Name, Bytes32 Ty)> Fields) : StrictTy;

public sealed record TyArray(Bytes32 Ty, ushort Len) : StrictTy;

public sealed record TyList(Bytes32 Ty, ulong Min, ulong Max) : StrictTy;

public sealed record TySet(Bytes32 Ty, ulong Min, ulong Max) : StrictTy;

public sealed record TyMap(Bytes32 Key, Bytes32 Value, ulong Min, ulong Max) : StrictTy;

public sealed record TypeEntry(Bytes32 SemId, StrictTy Ty);

/// <summary>An AluVM library (rgb-aluvm <c>Lib</c>).</summary>
public sealed record AluLib(IReadOnlyList<string> Isae, byte[] Code, byte[] Data, IReadOnlyList<Bytes32> Libs);

/// <summary>An RGB consignment (rgb-ops <c>Consignment</c>): a contract (<c>Transfer</c> false) or a transfer.</summary>
public sealed record Consignment(
    byte Version,
    bool Transfer,
    IReadOnlyList<(Bytes32 BundleId, IReadOnlyList<Bytes32> Seals)> Terminals,
    Genesis Genesis,
    IReadOnlyList<WitnessBundle> Bundles,
    Schema Schema,
    IReadOnlyList<TypeEntry> Types,
    IReadOnlyList<AluLib> Scripts);

/// <summary>A schema kit (rgb-ops <c>Kit</c>): schemata with their type system and scripts.</summary>
public sealed record Kit(byte Version, IReadOnlyList<Schema> Schemata, IReadOnlyList<TypeEntry> Types, IReadOnlyList<AluLib> Scripts);
