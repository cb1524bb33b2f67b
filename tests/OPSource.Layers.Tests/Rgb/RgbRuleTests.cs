using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Taproot;
using OPSource.Crypto.Secp256k1;
using System.Text.Json.Nodes;
using OPSource.Layers.Rgb;

namespace OPSource.Layers.Tests.Rgb;

/// <summary>
/// Validation rules checked by mutating the real rgb-tests fixtures, each expecting exactly the failure (or
/// warning) rgb-consensus 0.11.1-rc.10 reports: AluVM opcode handling, tapret partner-node rules, the IFA
/// schema's script rules, metadata against the schema's declared types, and UnsafeHistory.
/// </summary>
public sealed class RgbRuleTests
{
    private static Consignment B => RgbFixtures.Json("consignment_B");

    private static Consignment C => RgbFixtures.Json("consignment_C");

    private static Consignment D => RgbFixtures.Json("consignment_D");

    // ----------------------------------------------------------------------------------- AluVM opcodes

    private static VmResult RunCode(byte[] code, byte[] data)
    {
        var lib = new AluLib(["ALU", "RGB"], code, data, []);
        var id = RgbIds.LibId(lib);
        var vm = new AluVm(new Dictionary<Bytes32, AluLib> { [id] = lib });
        return vm.Run(new LibSite(id, 0), new VmOpInfo(new Dictionary<ushort, List<ulong>>(), new HashSet<ushort>(), [], [], []));
    }

    // put a8[0] <- data[1] (0x2A), then the instruction under test, then ret.
    private static VmResult RunAfterErrno(params byte[] instr) => RunCode([0x0B, 0x00, 0x01, 0x00, .. instr, 0x07], [0x00, 0x2A]);

    private static TheoryData<byte> Opcodes(params byte[] opcodes)
    {
        var data = new TheoryData<byte>();
        foreach (var b in opcodes)
        {
            data.Add(b);
        }

        return data;
    }

    public static TheoryData<byte> FailingOpcodes() => Opcodes(0x40, 0x5A, 0x7F, 0x83, 0x88, 0x8F, 0x90, 0xBF, 0xC7, 0xCB, 0xCF, 0xD4, 0xFE);

    [Theory]
    [MemberData(nameof(FailingOpcodes))]
    public void Reserved_and_unassigned_opcodes_fail_the_script_with_the_errno(byte opcode)
    {
        var r = RunAfterErrno(opcode);
        Assert.False(r.Ok);
        Assert.Null(r.Unsupported);
        Assert.Equal((byte)0x2A, r.ErrorCode);
    }

    [Fact]
    public void Nop_is_skipped()
    {
        var r = RunAfterErrno(0xFF);
        Assert.True(r.Ok);
    }

    public static TheoryData<byte> KnownUnimplementedOpcodes() => Opcodes(0x04, 0x05, 0x06, 0x22, 0x80, 0x82, 0xC3, 0xC4, 0xC5, 0xC9, 0xD3);

    [Theory]
    [MemberData(nameof(KnownUnimplementedOpcodes))]
    public void Known_but_unimplemented_opcodes_are_refused_not_guessed(byte opcode)
    {
        var r = RunAfterErrno(opcode, 0, 0, 0, 0, 0, 0, 0, 0);
        Assert.False(r.Ok);
        Assert.Contains($"opcode 0x{opcode:x2}", r.Unsupported, StringComparison.Ordinal);
    }

    /// <summary>
    /// B as a contract consignment (genesis only) whose genesis validator has <paramref name="insert"/> placed
    /// after its <c>put a8[0],ERRNO_ISSUED_MISMATCH</c>; the library id, the schema's validator sites, the schema id
    /// and the genesis' schema id follow the change.
    /// </summary>
    private static Consignment GenesisWithScript(params byte[] insert)
    {
        var c = B;
        var site = c.Schema.Genesis.Validator!;
        var lib = c.Scripts.Single(l => RgbIds.LibId(l) == site.Lib);
        int at = site.Pos + 4;
        Assert.Equal(0x0B, lib.Code[site.Pos]);
        var edited = lib with { Code = [.. lib.Code.AsSpan(0, at), .. insert, .. lib.Code.AsSpan(at)] };
        var newId = RgbIds.LibId(edited);
        LibSite? Re(LibSite? s) => s is not null && s.Lib == site.Lib ? s with { Lib = newId } : s;
        var schema = c.Schema with
        {
            Genesis = c.Schema.Genesis with { Validator = Re(c.Schema.Genesis.Validator) },
            Transitions = [.. c.Schema.Transitions.Select(t => t with { Schema = t.Schema with { Validator = Re(t.Schema.Validator) } })],
        };
        return c with
        {
            Transfer = false,
            Bundles = [],
            Terminals = [],
            Schema = schema,
            Scripts = [.. c.Scripts.Select(l => ReferenceEquals(l, lib) ? edited : l)],
            Genesis = c.Genesis with { SchemaId = RgbIds.SchemaId(schema) },
        };
    }

    [Fact]
    public async Task Genesis_script_with_a_nop_is_still_valid()
    {
        var report = await RgbFixtures.Validate(GenesisWithScript(0xFF), RgbFixtures.Resolver("B"));
        Assert.Equal(RgbValidity.Valid, report.Validity);
    }

    [Theory]
    [InlineData(0x40)] // reserved (rgb-aluvm ReservedOp)
    [InlineData(0xC7)] // unassigned in the RGB contract range (ContractOp::Fail)
    [InlineData(0x84)] // extension range, not an RGB op (RgbIsa::Fail)
    public async Task Genesis_script_with_a_failing_opcode_fails_with_ScriptFailure_and_the_errno(byte opcode)
    {
        var c = GenesisWithScript(opcode);
        var f = await RgbFixtures.Fails(c, RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.ScriptFailure, f.Kind);
        Assert.Equal($"{RgbIds.OpId(c.Genesis)} 1", f.Detail);
    }

    [Fact]
    public async Task Genesis_script_with_an_unimplemented_instruction_is_refused_as_Custom()
    {
        // cnc (count contract state) is a real RGB instruction NIA does not use: refused, never guessed.
        var c = GenesisWithScript(0xC3, 0xD0, 0x07, 0x00);
        var f = await RgbFixtures.Fails(c, RgbFixtures.Resolver("B"));
        Assert.Equal(RgbFailureKind.Custom, f.Kind);
        Assert.Contains("unsupported AluVM instruction opcode 0xc3", f.Detail, StringComparison.Ordinal);
    }

    // ----------------------------------------------------------------------------------- tapret partners

    /// <summary>
    /// D with its last witness re-committed by a tapret proof with <paramref name="partner"/>: the first P2TR
    /// output key is computed here independently (BIP341 through <see cref="TaprootSpendInfo"/>) from the tapret
    /// leaf and the partner, whatever the partner rules say, so only those rules can reject it.
    /// </summary>
    private static (Consignment, TxDirectoryResolver) Retapret(TapretPartner? partner, byte nonce = 0)
    {
        var d = D;
        var wb = d.Bundles[^1];
        var original = (TapretProof)wb.Anchor.DbcProof;
        var msg = Commitments.Convolve(wb.Anchor.MpcProof, RgbIds.OpId(d.Genesis), RgbIds.BundleId(wb.Bundle), out _)!.Value;
        var leaf = TapLeafHash.Compute(TapLeafHash.TapscriptLeafVersion, Commitments.TapretScript(msg, nonce)).Value;
        var root = partner is null ? leaf : TapLeafHash.ComputeBranch(leaf, new UInt256(Commitments.PartnerNodeHash(partner).Span));
        var key = TaprootSpendInfo.Create(XOnlyPublicKey.Parse(original.InternalPk.Span), root).OutputKey.ToBytes();
        var tx = wb.PubWitness.Tx!;
        int first = tx.Outputs.ToList().FindIndex(o => Commitments.IsP2tr(o.ScriptPubkey));
        tx = tx with { Outputs = [.. tx.Outputs.Select((o, i) => i == first ? o with { ScriptPubkey = [0x51, 0x20, .. key] } : o)] };
        var proof = new TapretProof(partner, nonce, original.InternalPk);
        var c = RgbFixtures.WithLastBundle(d, w => w with { PubWitness = new PubWitness(tx, null), Anchor = w.Anchor with { DbcProof = proof } });
        return (c, RgbFixtures.Resolver("D").With(tx));
    }

    private static Bytes32 Leaf(Consignment d, byte nonce = 0)
    {
        var wb = d.Bundles[^1];
        var msg = Commitments.Convolve(wb.Anchor.MpcProof, RgbIds.OpId(d.Genesis), RgbIds.BundleId(wb.Bundle), out _)!.Value;
        return new Bytes32(TapLeafHash.Compute(TapLeafHash.TapscriptLeafVersion, Commitments.TapretScript(msg, nonce)).ToBytes());
    }

    private static Bytes32 Fill(byte b) => new(Enumerable.Repeat(b, 32).ToArray());

    /// <summary>A node hash whose first 31 bytes are the tapret script prefix.</summary>
    private static Bytes32 PrefixedHash(byte last)
    {
        var b = new byte[32];
        Commitments.TapretPrefix.CopyTo(b);
        b[31] = last;
        return new Bytes32(b);
    }

    /// <summary>The first small script (OP_1.., OP_1 OP_n..) whose leaf hash sorts after (or before) the tapret leaf.</summary>
    private static TapretRightLeaf RightLeaf(bool ordered)
    {
        var leaf = Leaf(D);
        for (int n = 0; n < 256; n++)
        {
            var candidate = new TapretRightLeaf(0xC0, [0x51, (byte)n]);
            if ((leaf <= Commitments.PartnerNodeHash(candidate)) == ordered)
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("no leaf found");
    }

    private static async Task<RgbFailure> TapretFails(TapretPartner partner)
    {
        var (c, r) = Retapret(partner);
        return await RgbFixtures.Fails(c, r);
    }

    [Fact]
    public async Task Retapreted_witness_without_partner_is_valid()
    {
        var (c, r) = Retapret(null, nonce: 7);
        Assert.Equal(RgbValidity.Valid, (await RgbFixtures.Validate(c, r)).Validity);
    }

    [Fact]
    public async Task Tapret_with_a_left_node_partner_sorting_before_the_commitment_is_valid()
    {
        var (c, r) = Retapret(new TapretLeftNode(Fill(0x00)));
        Assert.Equal(RgbValidity.Valid, (await RgbFixtures.Validate(c, r)).Validity);
    }

    [Fact]
    public async Task Tapret_with_a_left_node_partner_sorting_after_the_commitment_fails_with_SealsInvalid_ImpossibleMessage()
    {
        var f = await TapretFails(new TapretLeftNode(Fill(0xFF)));
        Assert.Equal(RgbFailureKind.SealsInvalid, f.Kind);
        Assert.EndsWith(": ImpossibleMessage", f.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tapret_with_a_right_leaf_partner_is_valid_when_ordered()
    {
        var (c, r) = Retapret(RightLeaf(ordered: true));
        Assert.Equal(RgbValidity.Valid, (await RgbFixtures.Validate(c, r)).Validity);
    }

    [Fact]
    public async Task Tapret_with_a_misordered_right_leaf_fails_with_SealsInvalid_ImpossibleMessage()
    {
        var f = await TapretFails(RightLeaf(ordered: false));
        Assert.Equal(RgbFailureKind.SealsInvalid, f.Kind);
        Assert.EndsWith(": ImpossibleMessage", f.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tapret_right_leaf_holding_another_tapret_commitment_fails_with_SealsInvalid_ImpossibleMessage()
    {
        // An alternative commitment: a 64-byte tapret script to another message; pick one sorting after the
        // commitment leaf so that only check_no_commitment rejects it.
        var leaf = Leaf(D);
        var alt = Enumerable.Range(0, 256)
            .Select(n => new TapretRightLeaf(0xC0, Commitments.TapretScript(Fill(0x11), (byte)n)))
            .First(p => leaf <= Commitments.PartnerNodeHash(p));
        Assert.False(Commitments.PartnerHasNoCommitment(alt));
        var f = await TapretFails(alt);
        Assert.Equal(RgbFailureKind.SealsInvalid, f.Kind);
        Assert.EndsWith(": ImpossibleMessage", f.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tapret_with_a_right_branch_partner_is_valid_when_ordered()
    {
        var leaf = Leaf(D);
        var branch = Enumerable.Range(0, 256)
            .Select(n => new TapretRightBranch(Fill(0x01), Fill((byte)n)))
            .First(p => leaf <= Commitments.PartnerNodeHash(p));
        var (c, r) = Retapret(branch);
        Assert.Equal(RgbValidity.Valid, (await RgbFixtures.Validate(c, r)).Validity);
    }

    [Fact]
    public async Task Tapret_right_branch_whose_first_child_looks_like_a_commitment_fails_with_SealsInvalid_ImpossibleMessage()
    {
        var leaf = Leaf(D);
        var branch = Enumerable.Range(0, 256)
            .Select(n => new TapretRightBranch(PrefixedHash((byte)n), Fill(0x02)))
            .First(p => leaf <= Commitments.PartnerNodeHash(p));
        var f = await TapretFails(branch);
        Assert.Equal(RgbFailureKind.SealsInvalid, f.Kind);
        Assert.EndsWith(": ImpossibleMessage", f.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tapret_partner_not_matching_the_output_key_fails_with_SealsInvalid_CommitmentMismatch()
    {
        var (c, r) = Retapret(new TapretLeftNode(Fill(0x00)));
        c = RgbFixtures.WithLastBundle(c, w => w with { Anchor = w.Anchor with { DbcProof = ((TapretProof)w.Anchor.DbcProof) with { Partner = new TapretLeftNode(Fill(0x01)) } } });
        var f = await RgbFixtures.Fails(c, r);
        Assert.Equal(RgbFailureKind.SealsInvalid, f.Kind);
        Assert.EndsWith(": CommitmentMismatch", f.Detail, StringComparison.Ordinal);
    }

    private static Consignment DWithJsonPartner(JsonNode partner)
    {
        var node = JsonNode.Parse(File.ReadAllText(RgbFixtures.FixturePath("consignment_D.json")))!;
        var bundles = node["bundles"]!.AsArray();
        bundles[^1]!["anchor"]!["dbcProof"]!["pathProof"]!["partnerNode"] = partner;
        return RgbJson.ParseConsignment(node.ToJsonString());
    }

    [Fact]
    public void Right_leaf_partner_reads_from_json_in_both_version_forms()
    {
        var tap = DWithJsonPartner(new JsonObject { ["rightLeaf"] = new JsonObject { ["version"] = "tapScript", ["script"] = "5152" } });
        var leaf = Assert.IsType<TapretRightLeaf>(((TapretProof)tap.Bundles[^1].Anchor.DbcProof).Partner);
        Assert.Equal((byte)0xC0, leaf.LeafVersion);
        Assert.Equal(new byte[] { 0x51, 0x52 }, leaf.Script);

        var future = DWithJsonPartner(new JsonObject { ["rightLeaf"] = new JsonObject { ["version"] = new JsonObject { ["future"] = 0xC2 }, ["script"] = "51" } });
        Assert.Equal((byte)0xC2, Assert.IsType<TapretRightLeaf>(((TapretProof)future.Bundles[^1].Anchor.DbcProof).Partner).LeafVersion);

        var e = Assert.Throws<RgbDecodeException>(() => DWithJsonPartner(new JsonObject { ["rightLeaf"] = new JsonObject { ["version"] = new JsonObject { ["future"] = 0x51 }, ["script"] = "51" } }));
        Assert.Contains("invalid leaf version 0x51", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Right_leaf_partner_round_trips_through_binary_and_still_validates()
    {
        var partner = RightLeaf(ordered: true);
        var (c, r) = Retapret(partner);
        var decoded = RgbBinary.DecodeConsignment(RgbBinary.Encode(c));
        var back = Assert.IsType<TapretRightLeaf>(((TapretProof)decoded.Bundles[^1].Anchor.DbcProof).Partner);
        Assert.Equal(partner.Script, back.Script);
        Assert.Equal(partner.LeafVersion, back.LeafVersion);
        Assert.Equal(RgbValidity.Valid, (await RgbFixtures.Validate(decoded, r)).Validity);
    }

    // ----------------------------------------------------------------------------- IFA schema rules (consignment C)

    // rgb-schemas 0.11.1-rc.10 src/lib.rs: the IFA type numbers and its scripts' error codes.
    private const ushort MsAllowedInflation = 1000, MsBurnedAsset = 1001, MsBurnedInflation = 1002;
    private const ushort GsIssuedSupply = 2010, GsMaxSupply = 2011;
    private const ushort OsAsset = 4000, OsInflation = 4010;
    private const byte ErrnoIssuedMismatch = 1, ErrnoInflationMismatch = 30, ErrnoInflationExceedsAllowance = 31, ErrnoBurnMismatch = 40, ErrnoBurnZero = 41;

    private static byte[] Amount(ulong v)
    {
        var b = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        return b;
    }

    private static IReadOnlyList<MetaEntry> SetMeta(IReadOnlyList<MetaEntry> meta, ushort type, byte[]? value) =>
        [.. meta.Where(m => m.Type != type).Concat(value is null ? [] : [new MetaEntry(type, value)]).OrderBy(m => m.Type)];

    private static IReadOnlyList<GlobalEntry> SetGlobal(IReadOnlyList<GlobalEntry> globals, ushort type, byte[] value) =>
        [.. globals.Where(g => g.Type != type).Append(new GlobalEntry(type, [value])).OrderBy(g => g.Type)];

    private static IReadOnlyList<AssignmentEntry> SetAmount(IReadOnlyList<AssignmentEntry> assignments, ushort type, ulong amount) =>
        [.. assignments.Select(a => a.Type != type ? a : a with { Assigns = a.Assigns with { Items = [a.Assigns.Items[0] with { Amount = amount }, .. a.Assigns.Items.Skip(1)] } })];

    private static int BundleOf(Consignment c, ushort transitionType) =>
        c.Bundles.ToList().FindIndex(b => b.Bundle.KnownTransitions[^1].Transition.TransitionType == transitionType);

    private static async Task<RgbFailure> IfaTransitionFails(ushort transitionType, Func<Transition, Transition> edit)
    {
        var c = C;
        int index = BundleOf(c, transitionType);
        Assert.True(index >= 0);
        var (mutated, resolver) = RgbFixtures.Reanchor(c, "C", index, edit);
        return await RgbFixtures.Fails(mutated, resolver);
    }

    private static string OpIdOf(ushort transitionType, Func<Transition, Transition> edit)
    {
        var c = C;
        var (mutated, _) = RgbFixtures.Reanchor(c, "C", BundleOf(c, transitionType), edit);
        return mutated.Bundles[^1].Bundle.KnownTransitions[^1].OpId.ToString();
    }

    private static async Task AssertIfaScriptFailure(ushort transitionType, Func<Transition, Transition> edit, byte errno)
    {
        var f = await IfaTransitionFails(transitionType, edit);
        Assert.Equal(RgbFailureKind.ScriptFailure, f.Kind);
        Assert.Equal($"{OpIdOf(transitionType, edit)} {errno}", f.Detail);
    }

    [Fact]
    public async Task Ifa_reanchored_inflation_and_burn_are_still_valid()
    {
        foreach (ushort tt in new ushort[] { 8000, 8010 })
        {
            var c = C;
            var (mutated, resolver) = RgbFixtures.Reanchor(c, "C", BundleOf(c, tt), t => t);
            Assert.Equal(RgbValidity.Valid, (await RgbFixtures.Validate(mutated, resolver)).Validity);
        }
    }

    [Fact]
    public Task Ifa_inflation_reporting_a_wrong_issued_supply_fails_with_ERRNO_ISSUED_MISMATCH() =>
        AssertIfaScriptFailure(8000, t => t with { Globals = SetGlobal(t.Globals, GsIssuedSupply, Amount(61)) }, ErrnoIssuedMismatch);

    [Fact]
    public Task Ifa_inflation_with_allowed_inflation_not_matching_the_new_rights_fails_with_ERRNO_INFLATION_MISMATCH() =>
        AssertIfaScriptFailure(8000, t => t with { Metadata = SetMeta(t.Metadata, MsAllowedInflation, Amount(41)) }, ErrnoInflationMismatch);

    [Fact]
    public Task Ifa_inflation_beyond_the_spent_rights_fails_with_ERRNO_INFLATION_EXCEEDS_ALLOWANCE() =>
        AssertIfaScriptFailure(
            8000,
            t => t with { Metadata = SetMeta(t.Metadata, MsAllowedInflation, Amount(41)), Assignments = SetAmount(t.Assignments, OsInflation, 41) },
            ErrnoInflationExceedsAllowance);

    [Fact]
    public Task Ifa_burn_with_a_wrong_burned_amount_fails_with_ERRNO_BURN_MISMATCH() =>
        AssertIfaScriptFailure(8010, t => t with { Metadata = SetMeta(t.Metadata, MsBurnedAsset, Amount(670)) }, ErrnoBurnMismatch);

    [Fact]
    public Task Ifa_burn_that_burns_nothing_fails_with_ERRNO_BURN_ZERO()
    {
        // Everything spent goes back to the owner and burnedAsset says 0: a transfer in disguise.
        var burn = C.Bundles[BundleOf(C, 8010)].Bundle.KnownTransitions[^1].Transition;
        ulong burned = BitConverter.ToUInt64(burn.Metadata.Single(m => m.Type == MsBurnedAsset).Value);
        ulong kept = burn.Assignments.Single(a => a.Type == OsAsset).Assigns.Items.Single().Amount;
        return AssertIfaScriptFailure(
            8010,
            t => t with { Metadata = SetMeta(t.Metadata, MsBurnedAsset, Amount(0)), Assignments = SetAmount(t.Assignments, OsAsset, kept + burned) },
            ErrnoBurnZero);
    }

    // ------------------------------------------------------------ metadata against the schema's declared types

    [Fact]
    public async Task Inflation_without_its_allowed_inflation_metadata_fails_with_SchemaNoMetadata()
    {
        Func<Transition, Transition> edit = t => t with { Metadata = SetMeta(t.Metadata, MsAllowedInflation, null) };
        var f = await IfaTransitionFails(8000, edit);
        Assert.Equal(RgbFailureKind.SchemaNoMetadata, f.Kind);
        Assert.Equal($"{OpIdOf(8000, edit)} {MsAllowedInflation}", f.Detail);
    }

    [Fact]
    public async Task Metadata_value_not_matching_its_sem_id_fails_with_SchemaInvalidMetadata()
    {
        // allowedInflation is RGBContract.Amount (u64): seven bytes do not deserialize as it.
        Func<Transition, Transition> edit = t => t with { Metadata = SetMeta(t.Metadata, MsAllowedInflation, [0x28, 0, 0, 0, 0, 0, 0]) };
        var f = await IfaTransitionFails(8000, edit);
        var sem = C.Schema.MetaTypes.Single(m => m.Type == MsAllowedInflation).SemId;
        Assert.Equal(RgbFailureKind.SchemaInvalidMetadata, f.Kind);
        Assert.Equal($"{OpIdOf(8000, edit)} {sem}", f.Detail);
    }

    [Fact]
    public async Task Metadata_value_with_trailing_bytes_fails_with_SchemaInvalidMetadata()
    {
        Func<Transition, Transition> edit = t => t with { Metadata = SetMeta(t.Metadata, MsBurnedInflation, [.. Amount(40), 0]) };
        var f = await IfaTransitionFails(8010, edit);
        Assert.Equal(RgbFailureKind.SchemaInvalidMetadata, f.Kind);
    }

    [Fact]
    public async Task Metadata_type_the_transition_does_not_declare_fails_with_SchemaUnknownMetaType()
    {
        // burnedAsset is an IFA meta type, but the inflation transition does not declare it.
        Func<Transition, Transition> edit = t => t with { Metadata = SetMeta(t.Metadata, MsBurnedAsset, Amount(1)) };
        var f = await IfaTransitionFails(8000, edit);
        Assert.Equal(RgbFailureKind.SchemaUnknownMetaType, f.Kind);
        Assert.Equal($"{OpIdOf(8000, edit)} {MsBurnedAsset}", f.Detail);
    }

    // ---------------------------------------------------------------------------- IFA genesis (contract only)

    private static Consignment IfaContract(Func<Genesis, Genesis> edit) =>
        C with { Transfer = false, Bundles = [], Terminals = [], Genesis = edit(C.Genesis) };

    [Fact]
    public async Task Ifa_contract_consignment_is_valid()
    {
        var report = await RgbFixtures.Validate(IfaContract(g => g), RgbFixtures.Resolver("C"));
        Assert.Equal(RgbValidity.Valid, report.Validity);
        Assert.Equal(666UL, report.State!.IssuedSupply);
    }

    [Theory]
    [InlineData(GsIssuedSupply, 667UL, ErrnoIssuedMismatch)]
    [InlineData(GsMaxSupply, 665UL, ErrnoInflationMismatch)]
    [InlineData(GsMaxSupply, 767UL, ErrnoInflationMismatch)]
    public async Task Ifa_genesis_with_inconsistent_supply_fails_with_the_schema_errno(ushort global, ulong value, byte errno)
    {
        var c = IfaContract(g => g with { Globals = SetGlobal(g.Globals, global, Amount(value)) });
        var f = await RgbFixtures.Fails(c, RgbFixtures.Resolver("C"));
        Assert.Equal(RgbFailureKind.ScriptFailure, f.Kind);
        Assert.Equal($"{RgbIds.OpId(c.Genesis)} {errno}", f.Detail);
    }

    [Fact]
    public async Task Ifa_genesis_with_inflation_rights_not_equal_to_max_minus_issued_fails_with_ERRNO_INFLATION_MISMATCH()
    {
        var c = IfaContract(g => g with { Assignments = SetAmount(g.Assignments, OsInflation, 99) });
        var f = await RgbFixtures.Fails(c, RgbFixtures.Resolver("C"));
        Assert.Equal(RgbFailureKind.ScriptFailure, f.Kind);
        Assert.Equal($"{RgbIds.OpId(c.Genesis)} {ErrnoInflationMismatch}", f.Detail);
    }

    // ------------------------------------------------------------------------------------ UnsafeHistory warning

    /// <summary>The fixture witnesses with chain positions, as a node-backed resolver would report them.</summary>
    private sealed class PositionedResolver(TxDirectoryResolver inner, IReadOnlyDictionary<Bytes32, WitnessOrd> ords) : IWitnessResolver
    {
        public async ValueTask<WitnessResolution> ResolveAsync(Bytes32 txid, CancellationToken cancellationToken)
        {
            var r = await inner.ResolveAsync(txid, cancellationToken);
            return r.Tx is { } tx && ords.TryGetValue(txid, out var ord) ? WitnessResolution.Resolved(tx, ord) : r;
        }

        public ValueTask<ResolverError?> CheckChainNetAsync(ChainNet chainNet, CancellationToken cancellationToken) => inner.CheckChainNetAsync(chainNet, cancellationToken);
    }

    private static List<Bytes32> WitnessesOf(Consignment c) => [.. c.Bundles.Select(b => RgbIds.Txid(b.PubWitness.Tx!))];

    private static (Consignment, PositionedResolver, List<Bytes32>) APositioned(params WitnessOrd[] ords)
    {
        var a = RgbFixtures.Json("consignment_A");
        var w = WitnessesOf(a);
        Assert.Equal(ords.Length, w.Count);
        return (a, new PositionedResolver(RgbFixtures.Resolver("A"), w.Zip(ords).ToDictionary(x => x.First, x => x.Second)), w);
    }

    [Fact]
    public async Task Without_a_safe_height_there_is_no_warning()
    {
        var (a, r, _) = APositioned(WitnessOrd.Mined(500), WitnessOrd.Tentative, WitnessOrd.Mined(900));
        var report = await RgbFixtures.Validate(a, r);
        Assert.Equal(RgbValidity.Valid, report.Validity);
        Assert.Empty(report.Warnings);
    }

    [Fact]
    public async Task Witnesses_at_or_below_the_safe_height_give_no_warning()
    {
        var (a, r, _) = APositioned(WitnessOrd.Mined(101), WitnessOrd.Mined(102), WitnessOrd.Mined(110));
        var report = await RgbFixtures.Validate(a, r, safeHeight: 110);
        Assert.Equal(RgbValidity.Valid, report.Validity);
        Assert.Empty(report.Warnings);
    }

    [Fact]
    public async Task Witnesses_above_the_safe_height_or_unmined_give_one_UnsafeHistory_warning_by_height()
    {
        var (a, r, w) = APositioned(WitnessOrd.Mined(100), WitnessOrd.Mined(111), WitnessOrd.Tentative);
        var report = await RgbFixtures.Validate(a, r, safeHeight: 110);
        Assert.Equal(RgbValidity.Valid, report.Validity);
        Assert.NotNull(report.State);
        var warning = Assert.Single(report.Warnings);
        Assert.Equal(RgbWarningKind.UnsafeHistory, warning.Kind);
        Assert.Equal([0u, 111u], warning.UnsafeHistory!.Keys.Order());
        Assert.Equal([w[2]], warning.UnsafeHistory[0]);
        Assert.Equal([w[1]], warning.UnsafeHistory[111]);
        Assert.Equal($"height 0: {w[2].ToReversedHex()}; height 111: {w[1].ToReversedHex()}", warning.Detail);

        var json = RgbViews.Report(report, a);
        Assert.Equal("UnsafeHistory", (string?)json["warnings"]![0]!["kind"]);
        Assert.Equal(w[1].ToReversedHex(), (string?)json["warnings"]![0]!["unsafe_history"]!["111"]![0]);
    }

    [Fact]
    public async Task An_archived_witness_is_not_resolved_and_fails_with_SealNoPubWitness()
    {
        var (a, r, _) = APositioned(WitnessOrd.Mined(100), WitnessOrd.Archived, WitnessOrd.Mined(100));
        var f = await RgbFixtures.Fails(a, r);
        Assert.Equal(RgbFailureKind.SealNoPubWitness, f.Kind);
    }

    // ------------------------------------------------------------------------------------ ContractStateFilled

    [Fact]
    public async Task Contract_state_that_cannot_take_an_operation_fails_with_ContractStateFilled_at_that_operation()
    {
        // A adds revealed fungible assignments: genesis 1, then 1, 1 (plus a concealed one) and 1 (plus a concealed
        // one). A state holding three fails at the third transition; one holding four takes the whole history.
        var a = RgbFixtures.Json("consignment_A");
        var third = a.Bundles[2].Bundle.KnownTransitions[^1].OpId;
        var ct = TestContext.Current.CancellationToken;

        var small = await RgbValidator.ValidateAsync(a, RgbFixtures.Resolver("A"), RgbFixtures.Config with { StateCapacity = 3 }, ct);
        Assert.Equal(RgbValidity.Invalid, small.Validity);
        Assert.Equal(RgbFailureKind.ContractStateFilled, small.Failure!.Kind);
        Assert.Equal(third.ToString(), small.Failure.Detail);

        var enough = await RgbValidator.ValidateAsync(a, RgbFixtures.Resolver("A"), RgbFixtures.Config with { StateCapacity = 4 }, ct);
        Assert.Equal(RgbValidity.Valid, enough.Validity);
    }
}
