using System.Text.Json;

namespace OPSource.Layers.Rgb;

/// <summary>rgb-consensus <c>validation::Failure</c> variants (names kept verbatim).</summary>
public enum RgbFailureKind
{
    ContractChainNetMismatch,
    ResolverChainNetMismatch,
    SchemaMismatch,
    TypeSystemMismatch,
    SchemaGlobalSemIdUnknown,
    SchemaOwnedSemIdUnknown,
    SchemaMetaSemIdUnknown,
    SchemaOpEmptyInputs,
    SchemaOpMetaTypeUnknown,
    SchemaOpGlobalTypeUnknown,
    SchemaOpAssignmentTypeUnknown,
    SchemaUnknownTransitionType,
    SchemaUnknownMetaType,
    SchemaUnknownGlobalStateType,
    SchemaUnknownAssignmentType,
    SchemaUnknownSealClosingStrategy,
    SchemaGlobalStateOccurrences,
    SchemaGlobalStateLimit,
    SchemaNoMetadata,
    SchemaInvalidMetadata,
    SchemaInvalidGlobalValue,
    SchemaInvalidOwnedValue,
    SchemaInputOccurrences,
    SchemaAssignmentOccurrences,
    CyclicGraph,
    ContractMismatch,
    TransitionIdMismatch,
    WitnessMissingInput,
    InputMapTransitionMismatch,
    NoPrevState,
    SealNoPubWitness,
    SealsInvalid,
    MpcInvalid,
    NoDbcOutput,
    InvalidProofType,
    StateTypeMismatch,
    FungibleTypeMismatch,
    ScriptFailure,
    ContractStateFilled,
    MissingScript,
    ScriptIDMismatch,
    Custom,
}

/// <summary>A validation failure: the rgb-consensus variant and a one-line detail naming the objects involved.</summary>
public sealed record RgbFailure(RgbFailureKind Kind, string Detail)
{
    public override string ToString() => $"{Kind}: {Detail}";
}

/// <summary>rgb-consensus <c>WitnessResolverError</c> variants.</summary>
public enum ResolverErrorKind
{
    IdMismatch,
    ResolverIssue,
    InvalidResolverData,
    WrongChainNet,
}

public sealed record ResolverError(ResolverErrorKind Kind, string Detail)
{
    public override string ToString() => $"{Kind}: {Detail}";
}

/// <summary>Where a witness transaction sits (rgb-consensus <c>vm::WitnessOrd</c>).</summary>
public enum WitnessOrdKind
{
    /// <summary>Mined in a block at <see cref="WitnessOrd.Height"/>.</summary>
    Mined,

    /// <summary>Known (e.g. in the mempool) but not mined.</summary>
    Tentative,

    /// <summary>Known but ignored by the resolver.</summary>
    Ignored,

    /// <summary>Known only from the past (e.g. replaced): treated as unresolved.</summary>
    Archived,
}

/// <summary>A witness position: the kind and, when mined, the block height.</summary>
public readonly record struct WitnessOrd(WitnessOrdKind Kind, uint Height)
{
    public static WitnessOrd Tentative => new(WitnessOrdKind.Tentative, 0);

    public static WitnessOrd Archived => new(WitnessOrdKind.Archived, 0);

    public static WitnessOrd Mined(uint height) => new(WitnessOrdKind.Mined, height);
}

/// <summary>Witness status from a resolver: the transaction with its position, or unresolved, or an error.</summary>
public sealed record WitnessResolution(RgbTx? Tx, WitnessOrd Ord, ResolverError? Error)
{
    public static WitnessResolution Unresolved { get; } = new(null, WitnessOrd.Tentative, null);

    /// <summary>True when the resolver knows the transaction only as archived (rgb-consensus: not resolved).</summary>
    public bool Archived => Ord.Kind == WitnessOrdKind.Archived;

    /// <summary>A resolved witness whose chain position is unknown or unconfirmed (tentative).</summary>
    public static WitnessResolution Resolved(RgbTx tx) => new(tx, WitnessOrd.Tentative, null);

    public static WitnessResolution Resolved(RgbTx tx, WitnessOrd ord) => new(tx, ord, null);

    public static WitnessResolution Failed(ResolverError error) => new(null, WitnessOrd.Tentative, error);
}

/// <summary>
/// Resolves witness transactions by txid (rgb-consensus <c>ResolveWitness</c>): from fixture files here,
/// from a Bitcoin Core node through the chain layer later.
/// </summary>
public interface IWitnessResolver
{
    ValueTask<WitnessResolution> ResolveAsync(Bytes32 txid, CancellationToken cancellationToken);

    ValueTask<ResolverError?> CheckChainNetAsync(ChainNet chainNet, CancellationToken cancellationToken);
}

/// <summary>A resolver over a folder of bp-core JSON transactions (rgb-tests' <c>txs_X/</c>), keyed by computed txid.</summary>
public sealed class TxDirectoryResolver : IWitnessResolver
{
    private readonly Dictionary<Bytes32, RgbTx> _txs;

    public TxDirectoryResolver(IEnumerable<RgbTx> txs)
    {
        ArgumentNullException.ThrowIfNull(txs);
        _txs = txs.ToDictionary(RgbIds.Txid);
    }

    public int Count => _txs.Count;

    /// <summary>The same resolver with one more transaction.</summary>
    public TxDirectoryResolver With(RgbTx tx) => new(_txs.Values.Append(tx));

    public static TxDirectoryResolver Load(string directory)
    {
        var txs = new List<RgbTx>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(file));
                txs.Add(RgbJson.ReadTx(doc.RootElement));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
            {
                throw new RgbDecodeException($"{Path.GetFileName(file)}: not a transaction in bp-core JSON form ({e.Message})");
            }
        }

        return new TxDirectoryResolver(txs);
    }

    public ValueTask<WitnessResolution> ResolveAsync(Bytes32 txid, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_txs.TryGetValue(txid, out var tx) ? WitnessResolution.Resolved(tx) : WitnessResolution.Unresolved);

    public ValueTask<ResolverError?> CheckChainNetAsync(ChainNet chainNet, CancellationToken cancellationToken) => ValueTask.FromResult<ResolverError?>(null);
}

public enum RgbValidity
{
    Valid,
    Invalid,
    ResolverError,
}

/// <summary>An allocation: which seal owns how much of which assignment type.</summary>
/// <param name="AssignmentType">The assignment type.</param>
/// <param name="Outpoint">txid:vout when the seal is revealed (witness seals resolved to the bundle's witness).</param>
/// <param name="SecretSeal">The concealed seal when only that is known.</param>
/// <param name="Amount">Fungible amount.</param>
/// <param name="OpId">The operation that created it.</param>
public sealed record RgbAllocation(ushort AssignmentType, string? Outpoint, string? SecretSeal, ulong Amount, string OpId);

/// <summary>The contract's state after validation: global state by name and the unspent allocations.</summary>
public sealed record RgbContractState(
    string? Ticker,
    string? Name,
    byte? Precision,
    ulong IssuedSupply,
    IReadOnlyList<(ushort Type, string Name, IReadOnlyList<byte[]> Values)> Globals,
    IReadOnlyList<RgbAllocation> Allocations);

/// <summary>rgb-consensus <c>validation::Warning</c> variants.</summary>
public enum RgbWarningKind
{
    /// <summary>Witnesses above the safe height, or not mined (height 0).</summary>
    UnsafeHistory,
    Custom,
}

/// <summary>
/// A validation warning. For <see cref="RgbWarningKind.UnsafeHistory"/>, <paramref name="UnsafeHistory"/> maps a
/// block height (0 for witnesses that are not mined) to the witness txids at it (rgb-consensus
/// <c>UnsafeHistoryMap</c>).
/// </summary>
public sealed record RgbWarning(RgbWarningKind Kind, string Detail, IReadOnlyDictionary<uint, IReadOnlyList<Bytes32>>? UnsafeHistory)
{
    public override string ToString() => $"{Kind}: {Detail}";
}

/// <summary>
/// rgb-consensus <c>validation::Status</c> as a typed result. A valid report with warnings is rgb-consensus's
/// <c>Validity::Warnings</c> ("valid, with warnings").
/// </summary>
public sealed record RgbValidationReport(
    RgbValidity Validity,
    RgbFailure? Failure,
    ResolverError? ResolverError,
    IReadOnlyList<RgbWarning> Warnings,
    RgbContractState? State);
