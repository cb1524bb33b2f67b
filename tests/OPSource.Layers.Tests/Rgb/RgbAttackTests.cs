using OPSource.Layers.Rgb;

namespace OPSource.Layers.Tests.Rgb;

/// <summary>
/// rgb-tests tests/validation.rs, reproduced: the attack fixtures and the mutation tests of valid consignments,
/// each expecting the failure rgb-consensus reports.
/// </summary>
public sealed class RgbAttackTests
{
    private static Task<RgbValidationReport> Validate(Consignment c, IWitnessResolver resolver) => RgbFixtures.Validate(c, resolver);

    private static Task<RgbFailure> Fails(Consignment c, IWitnessResolver resolver) => RgbFixtures.Fails(c, resolver);

    /// <summary>A test double over the fixture resolver that injects resolver errors, as rgb-tests' MockResolver does.</summary>
    private sealed class MockResolver(IWitnessResolver inner) : IWitnessResolver
    {
        public Dictionary<Bytes32, WitnessResolution> Overrides { get; } = [];

        public ResolverError? ChainNetError { get; set; }

        public ValueTask<WitnessResolution> ResolveAsync(Bytes32 txid, CancellationToken cancellationToken) =>
            Overrides.TryGetValue(txid, out var r) ? ValueTask.FromResult(r) : inner.ResolveAsync(txid, cancellationToken);

        public ValueTask<ResolverError?> CheckChainNetAsync(ChainNet chainNet, CancellationToken cancellationToken) => ValueTask.FromResult(ChainNetError);
    }

    [Fact]
    public async Task Attack_chain_fails_with_ContractChainNetMismatch_regtest()
    {
        var f = await Fails(RgbFixtures.Json("attack_chain"), RgbFixtures.Resolver("A"));
        Assert.Equal(RgbFailureKind.ContractChainNetMismatch, f.Kind);
        Assert.Equal("bitcoinRegtest", f.Detail);
    }

    [Fact]
    public async Task Attack_genesis_testnet_fails_with_ContractChainNetMismatch_regtest()
    {
        var f = await Fails(RgbFixtures.Json("attack_genesis_testnet"), RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.ContractChainNetMismatch, f.Kind);
        Assert.Equal("bitcoinRegtest", f.Detail);
    }

    [Fact]
    public async Task Attack_genesis_schema_id_fails_with_SchemaMismatch()
    {
        var c = RgbFixtures.Json("attack_genesis_schema_id");
        var f = await Fails(c, RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.SchemaMismatch, f.Kind);
        Assert.Equal($"expected {RgbIds.SchemaIdString(c.Genesis.SchemaId)}, actual {RgbIds.SchemaIdString(RgbIds.SchemaId(c.Schema))}", f.Detail);
    }

    [Fact]
    public async Task Attack_pubwitness_input_sequence_fails_with_SealNoPubWitness()
    {
        var f = await Fails(RgbFixtures.Json("attack_bundles_pubWitness_data_input_sequence"), RgbFixtures.Resolver("A"));
        Assert.Equal(RgbFailureKind.SealNoPubWitness, f.Kind);
    }

    public static TheoryData<string> ResolverErrors() => new("ResolverIssue", "IdMismatch", "InvalidResolverData", "WrongChainNet");

    [Theory]
    [MemberData(nameof(ResolverErrors))]
    public async Task Attack_resolver_error_reports_the_injected_resolver_error(string kind)
    {
        var c = RgbFixtures.Json("attack_resolver_error");
        var txid = Bytes32.FromReversedHex("b411d8dd37353d243a527739fdc39cca22dbfe4fe92517ce16a33563803c5ad2");
        var error = new ResolverError(Enum.Parse<ResolverErrorKind>(kind), "connection error");

        // resolve_pub_witness errors
        var resolver = new MockResolver(RgbFixtures.Resolver("A"));
        resolver.Overrides[txid] = WitnessResolution.Failed(error);
        var report = await Validate(c, resolver);
        Assert.Equal(RgbValidity.ResolverError, report.Validity);
        Assert.Equal(error, report.ResolverError);

        // check_chain_net errors
        var chainResolver = new MockResolver(RgbFixtures.Resolver("A")) { ChainNetError = error };
        report = await Validate(c, chainResolver);
        Assert.Equal(RgbValidity.ResolverError, report.Validity);
        Assert.Equal(error, report.ResolverError);
    }

    [Fact]
    public async Task Attack_resolver_error_with_an_unresolved_witness_fails_with_SealNoPubWitness()
    {
        var c = RgbFixtures.Json("attack_resolver_error");
        var txid = Bytes32.FromReversedHex("b411d8dd37353d243a527739fdc39cca22dbfe4fe92517ce16a33563803c5ad2");
        var resolver = new MockResolver(RgbFixtures.Resolver("A"));
        resolver.Overrides[txid] = WitnessResolution.Unresolved;
        var f = await Fails(c, resolver);
        var bundle = c.Bundles.Single(b => b.PubWitness.Txid == txid);
        Assert.Equal(RgbFailureKind.SealNoPubWitness, f.Kind);
        Assert.Equal($"bundle {RgbIds.BundleId(bundle.Bundle)}, witness {txid.ToReversedHex()}", f.Detail);
    }

    [Fact]
    public async Task Attack_resolver_error_resolves_fine_without_injection()
    {
        // The fixture itself (a txid-only public witness) is valid when the witness resolves.
        var report = await Validate(RgbFixtures.Json("attack_resolver_error"), RgbFixtures.Resolver("A"));
        Assert.Equal(RgbValidity.Valid, report.Validity);
    }

    // ------------------------------------------------------------ schema mutations (validate_consignment_schema_fail)

    private static Consignment B => RgbFixtures.Json("consignment_B");

    private static Consignment WithLastTransitionSchema(Consignment c, Func<TransitionSchema, TransitionSchema> edit)
    {
        var last = c.Schema.Transitions[^1];
        var transitions = c.Schema.Transitions.Take(c.Schema.Transitions.Count - 1).Append(last with { Schema = edit(last.Schema) }).ToList();
        return c with { Schema = c.Schema with { Transitions = transitions } };
    }

    [Fact]
    public async Task Schema_transition_with_unknown_meta_type_fails_with_SchemaOpMetaTypeUnknown()
    {
        var f = await Fails(WithLastTransitionSchema(B, s => s with { Metadata = [42] }), RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.SchemaOpMetaTypeUnknown, f.Kind);
        Assert.Equal("transition 10000 42", f.Detail);
    }

    [Fact]
    public async Task Schema_transition_without_inputs_fails_with_SchemaOpEmptyInputs()
    {
        var f = await Fails(WithLastTransitionSchema(B, s => s with { Inputs = [] }), RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.SchemaOpEmptyInputs, f.Kind);
    }

    [Fact]
    public async Task Schema_transition_with_unknown_global_type_fails_with_SchemaOpGlobalTypeUnknown()
    {
        var f = await Fails(WithLastTransitionSchema(B, s => s with { Globals = [new OccurrenceEntry(42, new Occurrences(1, 1))] }), RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.SchemaOpGlobalTypeUnknown, f.Kind);
    }

    [Fact]
    public async Task Schema_transition_with_unknown_assignment_type_fails_with_SchemaOpAssignmentTypeUnknown()
    {
        var f = await Fails(WithLastTransitionSchema(B, s => s with { Assignments = [new OccurrenceEntry(42, new Occurrences(1, 1))] }), RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.SchemaOpAssignmentTypeUnknown, f.Kind);
    }

    [Fact]
    public async Task Schema_meta_type_with_unknown_sem_id_fails_with_SchemaMetaSemIdUnknown()
    {
        var sem = new Bytes32(Enumerable.Repeat((byte)42, 32).ToArray());
        var c = B with { Schema = B.Schema with { MetaTypes = [new MetaDetails(42, sem, "foo")] } };
        var f = await Fails(c, RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.SchemaMetaSemIdUnknown, f.Kind);
        Assert.Equal($"42 {sem}", f.Detail);
    }

    [Fact]
    public async Task Schema_global_type_with_unknown_sem_id_fails_with_SchemaGlobalSemIdUnknown()
    {
        var sem = new Bytes32(Enumerable.Repeat((byte)42, 32).ToArray());
        var c = B with { Schema = B.Schema with { GlobalTypes = [new GlobalDetails(42, sem, 0x2A2A2A, "foo"), .. B.Schema.GlobalTypes] } };
        var f = await Fails(c, RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.SchemaGlobalSemIdUnknown, f.Kind);
    }

    [Fact]
    public async Task Schema_owned_type_with_unknown_sem_id_fails_with_SchemaOwnedSemIdUnknown()
    {
        var sem = new Bytes32(Enumerable.Repeat((byte)42, 32).ToArray());
        var c = B with { Schema = B.Schema with { OwnedTypes = [new AssignmentDetails(56, new OwnedStateSchema(StateType.Structured, 0, sem), "foo", 42), .. B.Schema.OwnedTypes] } };
        var f = await Fails(c, RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.SchemaOwnedSemIdUnknown, f.Kind);
    }

    [Fact]
    public async Task Consignment_type_not_in_the_trusted_type_system_fails_with_TypeSystemMismatch()
    {
        var t = B.Types[0];
        var c = B with { Types = [t with { Ty = new TyPrimitive(0x08) }, .. B.Types.Skip(1)] };
        var f = await Fails(c, RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.TypeSystemMismatch, f.Kind);
    }

    // ------------------------------------------------------- commitment mutations (validate_consignment_commitments_fail)

    private static Consignment WithLastBundle(Consignment c, Func<WitnessBundle, WitnessBundle> edit) => RgbFixtures.WithLastBundle(c, edit);

    [Fact]
    public async Task Duplicated_transition_fails_with_NoPrevState()
    {
        var kt = B.Bundles[^1].Bundle.KnownTransitions[^1];
        var c = WithLastBundle(B, wb => wb with { Bundle = wb.Bundle with { KnownTransitions = [.. wb.Bundle.KnownTransitions, kt] } });
        var f = await Fails(c, RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.NoPrevState, f.Kind);
        Assert.Equal($"{kt.OpId} {kt.Transition.Inputs[0]}", f.Detail);
    }

    [Fact]
    public async Task Second_transition_spending_the_same_inputs_fails_with_InputMapTransitionMismatch()
    {
        var wbOrig = B.Bundles[^1];
        var t = wbOrig.Bundle.KnownTransitions[^1].Transition;
        t = t with { Nonce = t.Nonce - 1 };
        var opid = RgbIds.OpId(t);
        var c = WithLastBundle(B, wb => wb with { Bundle = wb.Bundle with { KnownTransitions = [.. wb.Bundle.KnownTransitions, new KnownTransition(opid, t)] } });
        var f = await Fails(c, RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.InputMapTransitionMismatch, f.Kind);
        Assert.Equal($"bundle {RgbIds.BundleId(wbOrig.Bundle)}, {opid}, {t.Inputs[0]}", f.Detail);
    }

    [Fact]
    public async Task Changed_mpc_cofactor_fails_with_MpcInvalid()
    {
        var first = B.Bundles[0];
        var c = B with { Bundles = [first with { Anchor = first.Anchor with { MpcProof = first.Anchor.MpcProof with { Cofactor = 42 } } }, .. B.Bundles.Skip(1)] };
        var f = await Fails(c, RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.MpcInvalid, f.Kind);
        Assert.StartsWith($"bundle {RgbIds.BundleId(first.Bundle)}, witness {RgbIds.Txid(first.PubWitness.Tx!).ToReversedHex()}", f.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changed_mpc_path_node_fails_with_SealsInvalid()
    {
        var first = B.Bundles[0];
        var path = first.Anchor.MpcProof.Path.ToList();
        path[0] = new Bytes32(Enumerable.Repeat((byte)7, 32).ToArray());
        var c = B with { Bundles = [first with { Anchor = first.Anchor with { MpcProof = first.Anchor.MpcProof with { Path = path } } }, .. B.Bundles.Skip(1)] };
        var f = await Fails(c, RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.SealsInvalid, f.Kind);
        Assert.EndsWith("CommitmentMismatch", f.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Witness_without_opret_output_fails_with_NoDbcOutput()
    {
        var wb = B.Bundles[^1];
        var tx = wb.PubWitness.Tx! with { Outputs = [.. wb.PubWitness.Tx!.Outputs.Where(o => !Commitments.IsOpReturn(o.ScriptPubkey))] };
        var c = WithLastBundle(B, w => w with { PubWitness = new PubWitness(tx, null) });
        var f = await Fails(c, RgbFixtures.Resolver("B").With(tx));
        Assert.Equal(RgbFailureKind.NoDbcOutput, f.Kind);
        Assert.Equal(RgbIds.Txid(tx).ToReversedHex(), f.Detail);
    }

    [Fact]
    public async Task Tapret_proof_on_an_opret_witness_fails_with_InvalidProofType()
    {
        var wb = B.Bundles[^1];
        var c = WithLastBundle(B, w => w with { Anchor = w.Anchor with { DbcProof = new TapretProof(null, 0, Bytes32.Zero) } });
        var f = await Fails(c, RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.InvalidProofType, f.Kind);
        Assert.Equal($"{RgbIds.Txid(wb.PubWitness.Tx!).ToReversedHex()} tapretFirst", f.Detail);
    }

    [Fact]
    public async Task Opret_proof_on_a_tapret_witness_fails_with_InvalidProofType()
    {
        var d = RgbFixtures.Json("consignment_D");
        var c = WithLastBundle(d, w => w with { Anchor = w.Anchor with { DbcProof = new OpretProof() } });
        var f = await Fails(c, RgbFixtures.Resolver("D"));
        Assert.Equal(RgbFailureKind.InvalidProofType, f.Kind);
    }

    [Fact]
    public async Task Changed_tapret_internal_key_fails_with_SealsInvalid()
    {
        var d = RgbFixtures.Json("consignment_D");
        var other = (TapretProof)d.Bundles[0].Anchor.DbcProof;
        var c = WithLastBundle(d, w => w with { Anchor = w.Anchor with { DbcProof = other } });
        var f = await Fails(c, RgbFixtures.Resolver("D"));
        Assert.Equal(RgbFailureKind.SealsInvalid, f.Kind);
    }

    // ------------------------------------------- logic mutations (validate_consignment_logic_fail), re-anchored

    /// <summary>Replaces the last transition of the last bundle and re-anchors it (see <see cref="RgbFixtures.Reanchor"/>).</summary>
    private static (Consignment, TxDirectoryResolver) Replace(Consignment c, string scenario, Func<Transition, Transition> edit) =>
        RgbFixtures.Reanchor(c, scenario, c.Bundles.Count - 1, edit);

    [Fact]
    public async Task Reanchored_unchanged_transition_is_still_valid()
    {
        var (c, r) = Replace(B, "B", t => t);
        Assert.Equal(RgbValidity.Valid, (await Validate(c, r)).Validity);
    }

    [Fact]
    public async Task Changed_amount_fails_with_ScriptFailure()
    {
        var (c, r) = Replace(B, "B", t => t with
        {
            Assignments = [.. t.Assignments.Select(a => a with { Assigns = a.Assigns with { Items = [a.Assigns.Items[0] with { Amount = a.Assigns.Items[0].Amount + 1 }, .. a.Assigns.Items.Skip(1)] } })],
        });
        var f = await Fails(c, r);
        Assert.Equal(RgbFailureKind.ScriptFailure, f.Kind);
        Assert.Equal($"{c.Bundles[^1].Bundle.KnownTransitions[^1].OpId} 0", f.Detail);
    }

    [Fact]
    public async Task Unknown_transition_type_fails_with_SchemaUnknownTransitionType()
    {
        var (c, r) = Replace(B, "B", t => t with { TransitionType = 42 });
        var f = await Fails(c, r);
        Assert.Equal(RgbFailureKind.SchemaUnknownTransitionType, f.Kind);
    }

    [Fact]
    public async Task Unknown_meta_type_fails_with_SchemaUnknownMetaType()
    {
        var (c, r) = Replace(B, "B", t => t with { Metadata = [new MetaEntry(42, [1])] });
        var f = await Fails(c, r);
        Assert.Equal(RgbFailureKind.SchemaUnknownMetaType, f.Kind);
    }

    [Fact]
    public async Task Unknown_global_type_fails_with_SchemaUnknownGlobalStateType()
    {
        var (c, r) = Replace(B, "B", t => t with { Globals = [new GlobalEntry(42, [[1]])] });
        var f = await Fails(c, r);
        Assert.Equal(RgbFailureKind.SchemaUnknownGlobalStateType, f.Kind);
    }

    [Fact]
    public async Task Unknown_assignment_type_fails_with_SchemaUnknownAssignmentType()
    {
        var (c, r) = Replace(B, "B", t => t with { Assignments = [.. t.Assignments, new AssignmentEntry(42, new TypedAssigns(StateType.Fungible, [t.Assignments[0].Assigns.Items[0]]))] });
        var f = await Fails(c, r);
        Assert.Equal(RgbFailureKind.SchemaUnknownAssignmentType, f.Kind);
    }

    [Fact]
    public async Task Declarative_state_for_a_fungible_type_fails_with_StateTypeMismatch()
    {
        var (c, r) = Replace(B, "B", t => t with { Assignments = [.. t.Assignments.Select(a => a with { Assigns = a.Assigns with { Kind = StateType.Declarative } })] });
        var f = await Fails(c, r);
        Assert.Equal(RgbFailureKind.StateTypeMismatch, f.Kind);
    }

    [Fact]
    public async Task Foreign_contract_id_fails_with_ContractMismatch()
    {
        var (c, r) = Replace(B, "B", t => t with { ContractId = new Bytes32(Enumerable.Repeat((byte)1, 32).ToArray()) });
        var f = await Fails(c, r);
        Assert.Equal(RgbFailureKind.ContractMismatch, f.Kind);
    }

    [Fact]
    public async Task Wrong_known_opid_fails_with_TransitionIdMismatch()
    {
        var c = WithLastBundle(B, wb => wb with { Bundle = wb.Bundle with { KnownTransitions = [wb.Bundle.KnownTransitions[0] with { OpId = Bytes32.Zero }] } });
        var f = await Fails(c, RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.TransitionIdMismatch, f.Kind);
    }

    [Fact]
    public async Task Missing_script_fails_with_MissingScript()
    {
        var f = await Fails(B with { Scripts = [] }, RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.MissingScript, f.Kind);
    }
}
