using System.Text;

namespace OPSource.Layers.Rgb;

/// <summary>Validation settings (rgb-consensus <c>ValidationConfig</c>).</summary>
/// <param name="ChainNet">The network the validator runs on.</param>
/// <param name="TrustedTypes">The trusted type system every consignment type must match.</param>
public sealed record RgbValidationConfig(ChainNet ChainNet, TypeSystemRegistry TrustedTypes)
{
    /// <summary>
    /// rgb-consensus <c>ValidationConfig::safe_height</c>: when set (non-zero), witnesses mined above it or not
    /// mined at all are reported in an <c>UnsafeHistory</c> warning; unset, no warning is produced.
    /// </summary>
    public uint? SafeHeight { get; init; }

    /// <summary>
    /// Capacity of the evolving contract state, per global type and per owned-state kind: rgb-ops's
    /// <c>MemContractState</c> keeps them in <c>LargeOrdMap</c>/<c>LargeOrdSet</c> (at most 2^32 − 1 items).
    /// Exceeding it is <c>ContractStateFilled</c>; a lower capacity models a smaller state store.
    /// </summary>
    public ulong StateCapacity { get; init; } = uint.MaxValue;
}

/// <summary>
/// An independent RGB 0.11.1 consignment validator following rgb-ops <c>Consignment::validate</c> and
/// rgb-consensus <c>validation/{validator,logic,schema}.rs</c>, step by step and in the same order, so that
/// the first failure reported is the one rgb-consensus reports.
/// </summary>
public sealed class RgbValidator
{
    private readonly Consignment _c;
    private readonly IWitnessResolver _resolver;
    private readonly RgbValidationConfig _config;
    private readonly Bytes32 _contractId;
    private readonly Dictionary<Bytes32, AluLib> _scripts = [];
    private readonly Dictionary<Opout, (BlindSeal Seal, Assign Assign, StateType Kind)> _opoutAssigns = [];
    private readonly HashSet<Opout> _inputOpouts = [];
    private readonly List<(ushort Type, byte[] Value)> _globals = [];
    private readonly Dictionary<Opout, RgbAllocation> _allocations = [];
    private readonly SortedDictionary<uint, SortedSet<Bytes32>> _unsafeHistory = [];
    private readonly Dictionary<ushort, ulong> _stateGlobals = [];
    private readonly Dictionary<StateType, ulong> _stateAssignments = [];

    private RgbValidator(Consignment c, IWitnessResolver resolver, RgbValidationConfig config)
    {
        _c = c;
        _resolver = resolver;
        _config = config;
        _contractId = RgbIds.OpId(c.Genesis);
        foreach (var lib in c.Scripts)
        {
            _scripts[RgbIds.LibId(lib)] = lib;
        }
    }

    private sealed class FailureException(RgbFailure failure) : Exception(failure.ToString())
    {
        public RgbFailure Failure { get; } = failure;
    }

    private sealed class ResolverException(ResolverError error) : Exception(error.ToString())
    {
        public ResolverError Error { get; } = error;
    }

    private static FailureException Fail(RgbFailureKind kind, string detail) => new(new RgbFailure(kind, detail));

    /// <summary>Validates a consignment; never throws for invalid input, only for cancellation.</summary>
    public static async Task<RgbValidationReport> ValidateAsync(Consignment consignment, IWitnessResolver resolver, RgbValidationConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(consignment);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(config);
        var v = new RgbValidator(consignment, resolver, config);
        try
        {
            await v.RunAsync(cancellationToken).ConfigureAwait(false);
            return new RgbValidationReport(RgbValidity.Valid, null, null, v.Warnings(), v.BuildState());
        }
        catch (FailureException f)
        {
            return new RgbValidationReport(RgbValidity.Invalid, f.Failure, null, [], null);
        }
        catch (ResolverException r)
        {
            return new RgbValidationReport(RgbValidity.ResolverError, null, r.Error, [], null);
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        // rgb-ops Consignment::validate: container checks.
        if (!_c.Transfer && (_c.Bundles.Count > 0 || _c.Terminals.Count > 0))
        {
            throw Fail(RgbFailureKind.Custom, "contract consignment must not contain bundles nor terminals");
        }

        var bundleIds = _c.Bundles.Select(b => RgbIds.BundleId(b.Bundle)).ToHashSet();
        foreach (var (bid, _) in _c.Terminals)
        {
            if (!bundleIds.Contains(bid))
            {
                throw Fail(RgbFailureKind.Custom, $"terminal bundle id {bid} is not present in the consignment");
            }
        }

        // Validator::validate
        if (_c.Genesis.ChainNet != _config.ChainNet)
        {
            throw Fail(RgbFailureKind.ContractChainNetMismatch, RgbJson.ChainNetName(_config.ChainNet));
        }

        if (await _resolver.CheckChainNetAsync(_config.ChainNet, ct).ConfigureAwait(false) is { } chainErr)
        {
            throw new ResolverException(chainErr);
        }

        ValidateSchema();
        ValidateGenesis();
        foreach (var wb in _c.Bundles)
        {
            ct.ThrowIfCancellationRequested();
            await ValidateBundleAsync(wb, ct).ConfigureAwait(false);
        }
    }

    private void ValidateSchema()
    {
        foreach (var t in _c.Types)
        {
            if (!_config.TrustedTypes.TryGet(t.SemId, out var trusted) || !TyEquals(trusted!, t.Ty))
            {
                throw Fail(RgbFailureKind.TypeSystemMismatch, t.SemId.ToHex());
            }
        }

        // Schema::verify
        var s = _c.Schema;
        VerifyOperation(s, "genesis", s.Genesis.Metadata, null, s.Genesis.Globals, s.Genesis.Assignments);
        foreach (var t in s.Transitions)
        {
            VerifyOperation(s, $"transition {t.Type}", t.Schema.Metadata, t.Schema.Inputs, t.Schema.Globals, t.Schema.Assignments);
        }

        var typeIds = _c.Types.Select(t => t.SemId).ToHashSet();
        foreach (var m in s.MetaTypes.Where(m => !typeIds.Contains(m.SemId)))
        {
            throw Fail(RgbFailureKind.SchemaMetaSemIdUnknown, $"{m.Type} {m.SemId}");
        }

        foreach (var g in s.GlobalTypes.Where(g => !typeIds.Contains(g.SemId)))
        {
            throw Fail(RgbFailureKind.SchemaGlobalSemIdUnknown, $"{g.Type} {g.SemId}");
        }

        foreach (var o in s.OwnedTypes.Where(o => o.StateSchema.Kind == StateType.Structured && !typeIds.Contains(o.StateSchema.SemId)))
        {
            throw Fail(RgbFailureKind.SchemaOwnedSemIdUnknown, $"{o.Type} {o.StateSchema.SemId}");
        }
    }

    private static void VerifyOperation(Schema s, string op, IReadOnlyList<ushort> meta, IReadOnlyList<OccurrenceEntry>? inputs, IReadOnlyList<OccurrenceEntry> globals, IReadOnlyList<OccurrenceEntry> assignments)
    {
        foreach (var m in meta.Where(m => !s.MetaTypes.Any(x => x.Type == m)))
        {
            throw Fail(RgbFailureKind.SchemaOpMetaTypeUnknown, $"{op} {m}");
        }

        if (inputs is { Count: 0 })
        {
            throw Fail(RgbFailureKind.SchemaOpEmptyInputs, op);
        }

        foreach (var g in globals.Where(g => !s.GlobalTypes.Any(x => x.Type == g.Type)))
        {
            throw Fail(RgbFailureKind.SchemaOpGlobalTypeUnknown, $"{op} {g.Type}");
        }

        foreach (var a in assignments.Where(a => !s.OwnedTypes.Any(x => x.Type == a.Type)))
        {
            throw Fail(RgbFailureKind.SchemaOpAssignmentTypeUnknown, $"{op} {a.Type}");
        }
    }

    private static bool TyEquals(StrictTy a, StrictTy b)
    {
        var wa = new StrictWriter();
        var wb = new StrictWriter();
        RgbBinary.WriteTypeSystem(wa, [new TypeEntry(Bytes32.Zero, a)]);
        RgbBinary.WriteTypeSystem(wb, [new TypeEntry(Bytes32.Zero, b)]);
        return wa.ToArray().AsSpan().SequenceEqual(wb.ToArray());
    }

    private void ValidateGenesis()
    {
        var schemaId = RgbIds.SchemaId(_c.Schema);
        if (schemaId != _c.Genesis.SchemaId)
        {
            throw Fail(RgbFailureKind.SchemaMismatch, $"expected {RgbIds.SchemaIdString(_c.Genesis.SchemaId)}, actual {RgbIds.SchemaIdString(schemaId)}");
        }

        var g = _c.Genesis;
        if (g.SealClosingStrategy != 0)
        {
            throw Fail(RgbFailureKind.SchemaUnknownSealClosingStrategy, _contractId.ToHex());
        }

        var gs = _c.Schema.Genesis;
        ValidateState(_contractId, g.Metadata, gs.Metadata, g.Globals, gs.Globals, new Dictionary<ushort, List<Assign>>(), [], g.Assignments, gs.Assignments, gs.Validator, null);
        ProcessAssignments(_contractId, null, g.Assignments);
        _globals.AddRange(g.Globals.SelectMany(x => x.Values.Select(v => (x.Type, v))));
    }

    private void ProcessAssignments(Bytes32 opid, Bytes32? witnessId, IReadOnlyList<AssignmentEntry> assignments)
    {
        foreach (var a in assignments)
        {
            for (int no = 0; no < a.Assigns.Items.Count; no++)
            {
                var item = a.Assigns.Items[no];
                var opout = new Opout(opid, a.Type, (ushort)no);
                string? outpoint = null;
                if (item.Seal is { } seal)
                {
                    var txid = seal.Txid ?? witnessId;
                    if (txid is { } t)
                    {
                        var resolved = seal with { Txid = t };
                        _opoutAssigns[opout] = (resolved, item, a.Assigns.Kind);
                        outpoint = $"{t.ToReversedHex()}:{seal.Vout}";
                    }
                }

                _allocations[opout] = new RgbAllocation(a.Type, outpoint, outpoint is null ? RgbIds.Conceal(item, witnessId is null).ToHex() : null, item.Amount, opid.ToHex());
            }
        }
    }

    private async Task ValidateBundleAsync(WitnessBundle wb, CancellationToken ct)
    {
        var bundle = wb.Bundle;
        var bundleId = RgbIds.BundleId(bundle);
        var witnessId = wb.PubWitness.Tx is { } pt ? RgbIds.Txid(pt) : wb.PubWitness.Txid!.Value;

        var res = await _resolver.ResolveAsync(witnessId, ct).ConfigureAwait(false);
        if (res.Error is { } err)
        {
            throw new ResolverException(err);
        }

        if (res.Tx is { } resolvedTx && RgbIds.Txid(resolvedTx) is var actual && actual != witnessId)
        {
            // CheckedWitnessResolver: the resolved transaction must hash to the requested id.
            throw new ResolverException(new ResolverError(ResolverErrorKind.IdMismatch, $"actual {actual.ToReversedHex()}, expected {witnessId.ToReversedHex()}"));
        }

        if (res.Tx is not { } witnessTx || res.Archived)
        {
            throw Fail(RgbFailureKind.SealNoPubWitness, $"bundle {bundleId}, witness {witnessId.ToReversedHex()}");
        }

        // validator.rs validate_bundles: with a safe height, a witness mined above it is recorded at its height
        // and one that is not mined (tentative or ignored) at height 0.
        if (_config.SafeHeight is { } safe and > 0)
        {
            uint? unsafeAt = res.Ord.Kind switch
            {
                WitnessOrdKind.Mined => res.Ord.Height > safe ? res.Ord.Height : null,
                _ => 0,
            };
            if (unsafeAt is { } h)
            {
                if (!_unsafeHistory.TryGetValue(h, out var set))
                {
                    _unsafeHistory[h] = set = [];
                }

                set.Add(witnessId);
            }
        }

        foreach (var kt in bundle.KnownTransitions)
        {
            ValidateTransition(kt, bundle, bundleId, witnessTx, witnessId, wb.Anchor);
            ProcessAssignments(kt.OpId, witnessId, kt.Transition.Assignments);
            foreach (var input in kt.Transition.Inputs)
            {
                _allocations.Remove(input);
            }

            _globals.AddRange(kt.Transition.Globals.SelectMany(x => x.Values.Select(v => (x.Type, v))));
        }
    }

    private void ValidateTransition(KnownTransition kt, TransitionBundle bundle, Bytes32 bundleId, RgbTx witnessTx, Bytes32 witnessId, Anchor anchor)
    {
        var t = kt.Transition;
        var computed = RgbIds.OpId(t);
        if (kt.OpId != computed)
        {
            throw Fail(RgbFailureKind.TransitionIdMismatch, $"{kt.OpId} {computed}");
        }

        if (t.ContractId != _contractId)
        {
            throw Fail(RgbFailureKind.ContractMismatch, $"{kt.OpId} {RgbIds.ContractIdString(t.ContractId)}");
        }

        var prevByType = new Dictionary<ushort, List<Assign>>();
        var prevKinds = new Dictionary<ushort, List<StateType>>();
        var seals = new List<BlindSeal>();
        foreach (var input in t.Inputs)
        {
            var mapped = bundle.InputMap.FirstOrDefault(e => e.Opout == input);
            if (mapped is null || mapped.OpId != kt.OpId)
            {
                throw Fail(RgbFailureKind.InputMapTransitionMismatch, $"bundle {bundleId}, {kt.OpId}, {input}");
            }

            if (!_opoutAssigns.Remove(input, out var prev))
            {
                throw Fail(RgbFailureKind.NoPrevState, $"{kt.OpId} {input}");
            }

            seals.Add(prev.Seal);
            if (!prevByType.TryGetValue(input.Ty, out var list))
            {
                prevByType[input.Ty] = list = [];
                prevKinds[input.Ty] = [];
            }

            list.Add(prev.Assign);
            prevKinds[input.Ty].Add(prev.Kind);
            if (!_inputOpouts.Add(input))
            {
                throw Fail(RgbFailureKind.CyclicGraph, input.ToString());
            }
        }

        ValidateSealClosing(seals, bundleId, witnessTx, witnessId, anchor);

        var schema = _c.Schema.Transitions.FirstOrDefault(x => x.Type == t.TransitionType)
            ?? throw Fail(RgbFailureKind.SchemaUnknownTransitionType, $"{kt.OpId} {t.TransitionType}");
        var ts = schema.Schema;
        ValidateState(kt.OpId, t.Metadata, ts.Metadata, t.Globals, ts.Globals, prevByType, ts.Inputs, t.Assignments, ts.Assignments, ts.Validator, t.TransitionType, prevKinds);
    }

    private void ValidateSealClosing(List<BlindSeal> seals, Bytes32 bundleId, RgbTx tx, Bytes32 witnessId, Anchor anchor)
    {
        var commitment = Commitments.Convolve(anchor.MpcProof, _contractId, bundleId, out uint expected);
        if (commitment is not { } msg)
        {
            throw Fail(RgbFailureKind.MpcInvalid, $"bundle {bundleId}, witness {witnessId.ToReversedHex()}: position {anchor.MpcProof.Pos}, expected {expected}");
        }

        var output = tx.Outputs.FirstOrDefault(o => Commitments.IsOpReturn(o.ScriptPubkey) || Commitments.IsP2tr(o.ScriptPubkey))
            ?? throw Fail(RgbFailureKind.NoDbcOutput, witnessId.ToReversedHex());
        bool outputOpret = Commitments.IsOpReturn(output.ScriptPubkey);
        bool proofOpret = anchor.DbcProof is OpretProof;
        if (outputOpret != proofOpret)
        {
            throw Fail(RgbFailureKind.InvalidProofType, $"{witnessId.ToReversedHex()} {(proofOpret ? "opretFirst" : "tapretFirst")}");
        }

        foreach (var seal in seals)
        {
            if (!tx.Inputs.Any(i => i.PrevTxid == seal.Txid!.Value && i.PrevVout == seal.Vout))
            {
                throw Fail(RgbFailureKind.SealsInvalid, $"bundle {bundleId}, witness {witnessId.ToReversedHex()}: witness doesn't close seal {seal.Txid!.Value.ToReversedHex()}:{seal.Vout}");
            }
        }

        var dbc = anchor.DbcProof switch
        {
            TapretProof tp => Commitments.VerifyTapret(tx, tp, msg),
            _ => Commitments.VerifyOpret(tx, msg),
        };
        if (dbc is { } e)
        {
            throw Fail(RgbFailureKind.SealsInvalid, $"bundle {bundleId}, witness {witnessId.ToReversedHex()}: {e}");
        }
    }

    private void ValidateState(
        Bytes32 opid,
        IReadOnlyList<MetaEntry> meta,
        IReadOnlyList<ushort> metaSchema,
        IReadOnlyList<GlobalEntry> globals,
        IReadOnlyList<OccurrenceEntry> globalSchema,
        Dictionary<ushort, List<Assign>> prev,
        IReadOnlyList<OccurrenceEntry> inputSchema,
        IReadOnlyList<AssignmentEntry> assignments,
        IReadOnlyList<OccurrenceEntry> assignSchema,
        LibSite? validator,
        ushort? transitionType,
        Dictionary<ushort, List<StateType>>? prevKinds = null)
    {
        var s = _c.Schema;
        foreach (var m in meta.Where(m => !metaSchema.Contains(m.Type)))
        {
            throw Fail(RgbFailureKind.SchemaUnknownMetaType, $"{opid} {m.Type}");
        }

        foreach (var mt in metaSchema)
        {
            var value = meta.FirstOrDefault(m => m.Type == mt) ?? throw Fail(RgbFailureKind.SchemaNoMetadata, $"{opid} {mt}");
            var sem = s.MetaTypes.First(x => x.Type == mt).SemId;
            if (!StrictTypeCheck.Conforms(_c.Types, sem, value.Value))
            {
                throw Fail(RgbFailureKind.SchemaInvalidMetadata, $"{opid} {sem}");
            }
        }

        foreach (var g in globals.Where(g => !globalSchema.Any(x => x.Type == g.Type)))
        {
            throw Fail(RgbFailureKind.SchemaUnknownGlobalStateType, $"{opid} {g.Type}");
        }

        foreach (var occ in globalSchema)
        {
            var values = globals.FirstOrDefault(g => g.Type == occ.Type)?.Values ?? [];
            var details = s.GlobalTypes.First(x => x.Type == occ.Type);
            if (values.Count < occ.Occurrences.Min || values.Count > occ.Occurrences.Max)
            {
                throw Fail(RgbFailureKind.SchemaGlobalStateOccurrences, $"{opid} {occ.Type}: {values.Count} not in {occ.Occurrences.Min}..{occ.Occurrences.Max}");
            }

            if ((uint)values.Count > details.MaxItems)
            {
                throw Fail(RgbFailureKind.SchemaGlobalStateLimit, $"{opid} {occ.Type} {values.Count} {details.MaxItems}");
            }

            foreach (var v in values.Where(v => !StrictTypeCheck.Conforms(_c.Types, details.SemId, v)))
            {
                throw Fail(RgbFailureKind.SchemaInvalidGlobalValue, $"{opid} {occ.Type} {details.SemId}");
            }
        }

        foreach (var ty in prev.Keys.Concat(inputSchema.Select(x => x.Type)).Distinct())
        {
            var occ = inputSchema.FirstOrDefault(x => x.Type == ty) ?? throw Fail(RgbFailureKind.SchemaUnknownAssignmentType, $"{opid} {ty}");
            int len = prev.TryGetValue(ty, out var l) ? l.Count : 0;
            if (len < occ.Occurrences.Min || len > occ.Occurrences.Max)
            {
                throw Fail(RgbFailureKind.SchemaInputOccurrences, $"{opid} {ty}: {len} not in {occ.Occurrences.Min}..{occ.Occurrences.Max}");
            }
        }

        foreach (var ty in assignments.Select(a => a.Type).Concat(assignSchema.Select(x => x.Type)).Distinct())
        {
            var occ = assignSchema.FirstOrDefault(x => x.Type == ty) ?? throw Fail(RgbFailureKind.SchemaUnknownAssignmentType, $"{opid} {ty}");
            var entry = assignments.FirstOrDefault(a => a.Type == ty);
            int len = entry?.Assigns.Items.Count ?? 0;
            if (len < occ.Occurrences.Min || len > occ.Occurrences.Max)
            {
                throw Fail(RgbFailureKind.SchemaAssignmentOccurrences, $"{opid} {ty}: {len} not in {occ.Occurrences.Min}..{occ.Occurrences.Max}");
            }

            if (entry is null)
            {
                continue;
            }

            var owned = s.OwnedTypes.First(x => x.Type == ty).StateSchema;
            if (owned.Kind != entry.Assigns.Kind)
            {
                throw Fail(RgbFailureKind.StateTypeMismatch, $"{opid} {ty}: expected {owned.Kind}, found {entry.Assigns.Kind}");
            }

            if (owned.Kind == StateType.Structured)
            {
                foreach (var item in entry.Assigns.Items.Where(i => !StrictTypeCheck.Conforms(_c.Types, owned.SemId, i.Data ?? [])))
                {
                    throw Fail(RgbFailureKind.SchemaInvalidOwnedValue, $"{opid} {ty} {owned.SemId}");
                }
            }
        }

        if (validator is null)
        {
            return;
        }

        if (!_scripts.ContainsKey(validator.Lib))
        {
            throw Fail(RgbFailureKind.MissingScript, $"{opid} {RgbIds.LibIdString(validator.Lib)}");
        }

        var prevFungible = new Dictionary<ushort, List<ulong>>();
        var nonFungible = new HashSet<ushort>();
        foreach (var (ty, list) in prev)
        {
            var kinds = prevKinds?[ty];
            prevFungible[ty] = [.. list.Select(a => a.Amount)];
            if (kinds is not null && kinds.Any(k => k != StateType.Fungible))
            {
                nonFungible.Add(ty);
            }
        }

        var vm = new AluVm(_scripts);
        if (transitionType is { } tt)
        {
            vm.SetA16(0, tt);
        }

        var result = vm.Run(validator, new VmOpInfo(prevFungible, nonFungible, assignments, globals, meta));
        if (result.Unsupported is { } why)
        {
            throw Fail(RgbFailureKind.Custom, $"{opid}: {why}");
        }

        if (!result.Ok)
        {
            throw Fail(RgbFailureKind.ScriptFailure, $"{opid} {(result.ErrorCode is { } e ? e.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}");
        }

        EvolveState(opid, globals, assignments);
    }

    /// <summary>
    /// logic.rs validate_state: after the script succeeds the operation is added to the contract state
    /// (<c>ContractStateEvolve::evolve_state</c>; rc.10 does this only for operations with a validator), and a
    /// state that can't take it is <c>ContractStateFilled</c>. rgb-ops's <c>MemContractState</c> holds global
    /// values per type and revealed assignments per state kind in collections of at most 2^32 − 1 items.
    /// </summary>
    private void EvolveState(Bytes32 opid, IReadOnlyList<GlobalEntry> globals, IReadOnlyList<AssignmentEntry> assignments)
    {
        foreach (var g in globals)
        {
            ulong n = _stateGlobals.GetValueOrDefault(g.Type) + (ulong)g.Values.Count;
            if (n > _config.StateCapacity)
            {
                throw Fail(RgbFailureKind.ContractStateFilled, opid.ToString());
            }

            _stateGlobals[g.Type] = n;
        }

        foreach (var a in assignments)
        {
            // Only revealed assignments enter the state (MemContractState::add_assignments, to_revealed).
            ulong n = _stateAssignments.GetValueOrDefault(a.Assigns.Kind) + (ulong)a.Assigns.Items.Count(i => i.Seal is not null);
            if (n > _config.StateCapacity)
            {
                throw Fail(RgbFailureKind.ContractStateFilled, opid.ToString());
            }

            _stateAssignments[a.Assigns.Kind] = n;
        }
    }

    private List<RgbWarning> Warnings()
    {
        if (_unsafeHistory.Count == 0)
        {
            return [];
        }

        var map = _unsafeHistory.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<Bytes32>)kv.Value.ToList());
        var detail = string.Join("; ", _unsafeHistory.Select(kv => $"height {kv.Key}: {string.Join(", ", kv.Value.Select(t => t.ToReversedHex()))}"));
        return [new RgbWarning(RgbWarningKind.UnsafeHistory, detail, map)];
    }

    private RgbContractState BuildState()
    {
        var s = _c.Schema;
        string? ticker = null, name = null;
        byte? precision = null;
        ulong issued = 0;
        var spec = s.GlobalTypes.FirstOrDefault(g => g.Name == "spec");
        var supply = s.GlobalTypes.FirstOrDefault(g => g.Name == "issuedSupply");
        foreach (var (type, value) in _globals)
        {
            if (spec is not null && type == spec.Type)
            {
                TryReadSpec(value, out ticker, out name, out precision);
            }
            else if (supply is not null && type == supply.Type && value.Length == 8)
            {
                issued += BitConverter.ToUInt64(value);
            }
        }

        var globals = s.GlobalTypes
            .Select(g => (g.Type, g.Name, (IReadOnlyList<byte[]>)_globals.Where(x => x.Type == g.Type).Select(x => x.Value).ToList()))
            .Where(x => x.Item3.Count > 0)
            .ToList();
        return new RgbContractState(ticker, name, precision, issued, globals, [.. _allocations.OrderBy(a => a.Key).Select(a => a.Value)]);
    }

    /// <summary>rgb-schemas AssetSpec: ticker (u8 length), name (u8 length), details (option, u16 length), precision (u8).</summary>
    internal static bool TryReadSpec(byte[] value, out string? ticker, out string? name, out byte? precision)
    {
        ticker = name = null;
        precision = null;
        try
        {
            var r = new StrictReader(value);
            ticker = Encoding.ASCII.GetString(r.Blob(1, 0xFF, "ticker"));
            name = Encoding.ASCII.GetString(r.Blob(1, 0xFF, "name"));
            if (r.OptionTag("details"))
            {
                r.Blob(1, 0xFFFF, "details");
            }

            precision = r.U8("precision");
            return true;
        }
        catch (RgbDecodeException)
        {
            return false;
        }
    }
}
