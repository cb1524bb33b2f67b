using System.Text.Json;
using OPSource.Layers.Rgb;

namespace OPSource.Layers.Tests.Rgb;

public sealed class RgbIdTests
{
    public static TheoryData<string> Scenarios() => new(RgbFixtures.Scenarios);

    public static TheoryData<string> CurrentScenarios() => new("A", "B", "D");

    [Theory]
    [MemberData(nameof(CurrentScenarios))]
    public void Json_and_binary_forms_parse_to_the_same_consignment(string scenario)
    {
        var fromJson = RgbFixtures.Json($"consignment_{scenario}");
        Assert.Equal(RgbFixtures.Binary(scenario), RgbBinary.Encode(fromJson));
    }

    [Fact]
    public void Consignment_C_binary_is_an_older_consignment_than_its_json()
    {
        // rgb-tests 9e4456c ("ifa: test partial burn") regenerated consignment_C.json and txs_C/ but not
        // consignment_C.rgb (last changed in 6c01d13). Both parse; they are different consignments, each
        // internally consistent (schema id = the genesis' schema id).
        var binary = RgbBinary.DecodeConsignment(RgbFixtures.Binary("C"));
        var json = RgbFixtures.Json("consignment_C");
        Assert.NotEqual(RgbBinary.Encode(binary), RgbBinary.Encode(json));
        Assert.Equal(binary.Genesis.SchemaId, RgbIds.SchemaId(binary.Schema));
        Assert.Equal(json.Genesis.SchemaId, RgbIds.SchemaId(json.Schema));
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Every_id_equals_the_fixture(string scenario)
    {
        var c = RgbFixtures.Json($"consignment_{scenario}");
        var binary = RgbBinary.DecodeConsignment(RgbFixtures.Binary(scenario));
        Assert.Equal(binary.Genesis.SchemaId, RgbIds.SchemaId(binary.Schema));
        Assert.All(binary.Bundles.SelectMany(b => b.Bundle.KnownTransitions), kt => Assert.Equal(kt.OpId, RgbIds.OpId(kt.Transition)));
        using var doc = JsonDocument.Parse(File.ReadAllText(RgbFixtures.FixturePath($"consignment_{scenario}.json")));
        var root = doc.RootElement;

        // Schema id: the genesis commits to it (Baid64 rgb:sch:...#word-word-word, as rgb-consensus prints it).
        var schemaText = root.GetProperty("genesis").GetProperty("schemaId").GetString()!;
        Assert.Contains("#", schemaText, StringComparison.Ordinal);
        Assert.Equal(schemaText, RgbIds.SchemaIdString(RgbIds.SchemaId(c.Schema)));

        // Contract id = genesis op id: every transition names it, in Baid64 form.
        var contractId = RgbIds.OpId(c.Genesis);
        foreach (var b in root.GetProperty("bundles").EnumerateArray())
        {
            foreach (var kt in b.GetProperty("bundle").GetProperty("knownTransitions").EnumerateArray())
            {
                Assert.Equal(kt.GetProperty("transition").GetProperty("contractId").GetString(), RgbIds.ContractIdString(contractId));
            }
        }

        // Op ids: each known transition carries its id; bundle ids: terminals name them.
        foreach (var wb in c.Bundles)
        {
            foreach (var kt in wb.Bundle.KnownTransitions)
            {
                Assert.Equal(kt.OpId, RgbIds.OpId(kt.Transition));
            }
        }

        var bundleIds = c.Bundles.Select(b => RgbIds.BundleId(b.Bundle)).ToHashSet();
        Assert.All(c.Terminals, t => Assert.Contains(t.BundleId, bundleIds));

        // Genesis op id is the input of the first transitions.
        Assert.Contains(c.Bundles.SelectMany(b => b.Bundle.KnownTransitions).SelectMany(k => k.Transition.Inputs), i => i.Op == contractId);

        // Library ids: the schema's validators point at them.
        var libIds = c.Scripts.Select(RgbIds.LibId).ToHashSet();
        Assert.Contains(c.Schema.Genesis.Validator!.Lib, libIds);
        Assert.All(c.Schema.Transitions.Where(t => t.Schema.Validator is not null), t => Assert.Contains(t.Schema.Validator!.Lib, libIds));
    }

    [Fact]
    public void Kit_armor_headers_carry_the_computed_ids()
    {
        foreach (var kitName in RgbFixtures.Kits)
        {
            var kit = RgbBinary.DecodeKitFile(File.ReadAllBytes(RgbFixtures.KitPath(kitName + ".rgb")));
            var armored = RgbArmor.Parse(File.ReadAllText(RgbFixtures.KitPath(kitName + ".rgba")));
            string Header(string name) => armored.Headers.First(h => h.Name == name).Value;
            var schema = Assert.Single(kit.Schemata);
            var schemaHeader = armored.Headers.First(h => h.Name == "Schema");
            Assert.Equal(schema.Name, schemaHeader.Value);
            // Ids with their mnemonic suffixes, exactly as rgb-ops wrote them.
            Assert.Equal(schemaHeader.Params.Single(p => p.Key == "id").Value, RgbIds.SchemaIdString(RgbIds.SchemaId(schema))["rgb:sch:".Length..]);
            Assert.Equal(Header("Type-System"), RgbIds.TypeSystemIdString(RgbIds.TypeSystemId(kit.Types)));
            var libs = armored.Headers.Where(h => h.Name == "Alu-Lib").Select(h => h.Value).ToList();
            Assert.Equal(libs.Order(), kit.Scripts.Select(l => RgbIds.LibIdString(RgbIds.LibId(l))).Order());
            Assert.Equal(Header("Id"), RgbIds.KitIdString(RgbIds.KitId(kit)));
        }
    }

    [Fact]
    public void Baid64_round_trips_and_rejects_a_wrong_prefix()
    {
        var id = Baid64.Decode(Baid64.ContractHri, "rgb:LnXNQ7sS-FcJaBZp-wIxw9H8-h2uu31e-wHK1VI_-yGvsq5w");
        Assert.Equal("rgb:LnXNQ7sS-FcJaBZp-wIxw9H8-h2uu31e-wHK1VI_-yGvsq5w", RgbIds.ContractIdString(id));
        Assert.Throws<RgbDecodeException>(() => Baid64.Decode(Baid64.SchemaHri, "rgb:LnXNQ7sS-FcJaBZp-wIxw9H8-h2uu31e-wHK1VI_-yGvsq5w"));
    }

    [Fact]
    public void Mnemonic_suffixes_are_checked_on_parse()
    {
        const string schema = "rgb:sch:IpjJhFLz3oywYKQxO3KmFgR0Aa415nlTNrNyEFqMZCE#shoe-colombo-mango";
        var id = Baid64.Decode(Baid64.SchemaHri, schema);
        Assert.Equal(schema, RgbIds.SchemaIdString(id));
        Assert.Equal(id, Baid64.Decode(Baid64.SchemaHri, schema.Split('#')[0]));
        var wrong = Assert.Throws<RgbDecodeException>(() => Baid64.Decode(Baid64.SchemaHri, schema.Replace("shoe-colombo-mango", "shoe-colombo-melon", StringComparison.Ordinal)));
        Assert.Contains("expected #shoe-colombo-mango", wrong.Message, StringComparison.Ordinal);
        Assert.Throws<RgbDecodeException>(() => Baid64.Decode(Baid64.SchemaHri, schema.Replace("#shoe-colombo-mango", "#shoe-colombo", StringComparison.Ordinal)));
        Assert.Throws<RgbDecodeException>(() => Baid64.Decode(Baid64.SchemaHri, schema.Replace("mango", "notaword", StringComparison.Ordinal)));
    }

    [Fact]
    public void Contract_id_prints_without_mnemonic_and_with_it_in_the_alternate_form()
    {
        // rgb-consensus ContractId: MNEMONIC = false, so Display omits the suffix and {:#} adds it.
        const string plain = "rgb:LnXNQ7sS-FcJaBZp-wIxw9H8-h2uu31e-wHK1VI_-yGvsq5w";
        var id = Baid64.Decode(Baid64.ContractHri, plain);
        var alternate = RgbIds.ContractIdString(id, mnemonic: true);
        Assert.Matches("^" + plain + "#[a-z]+-[a-z]+-[a-z]+$", alternate);
        Assert.Equal(Mnemonic.Encode(Baid64.Checksum(Baid64.ContractHri, id)), alternate[(plain.Length + 1)..]);
        Assert.Equal(id, Baid64.Decode(Baid64.ContractHri, alternate));
    }

    [Fact]
    public void Mnemonic_round_trips_four_bytes_and_rejects_overflow()
    {
        foreach (var v in new uint[] { 0, 1, 1625, 1626, 0xDEADBEEF, uint.MaxValue })
        {
            var bytes = BitConverter.GetBytes(v);
            Assert.Equal(bytes, Mnemonic.Decode(Mnemonic.Encode(bytes)));
        }

        Assert.Equal("academy-academy-academy", Mnemonic.Encode([0, 0, 0, 0]));
        Assert.Null(Mnemonic.Decode("academy-academy-amen")); // 1625 × 1626² > 2^32 − 1
        Assert.Null(Mnemonic.Decode("academy-academy-ego")); // one of the 7 words for 24-bit tails
        Assert.Null(Mnemonic.Decode("academy-academy"));
    }
}

public sealed class RgbSemIdTests
{
    private static Kit Kit(string name) => RgbBinary.DecodeKitFile(File.ReadAllBytes(RgbFixtures.KitPath(name + ".rgb")));

    private static StrictTy TypeOf(Kit kit, Bytes32 semId) => kit.Types.Single(t => t.SemId == semId).Ty;

    public static TheoryData<string> Kits() => new(RgbFixtures.Kits);

    [Fact]
    public void Schema_types_hash_to_their_sem_ids_under_their_rgb_contract_names()
    {
        // rgb-schemas ifa.rs: meta and global types declared as types.get("RGBContract.<Name>"); a named type's
        // sem id commits to its name and its type, so re-hashing with the name must give the schema's sem id.
        var kit = Kit("InflatableFungibleAsset");
        var schema = kit.Schemata.Single();
        var expected = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["allowedInflation"] = "Amount",
            ["burnedAsset"] = "Amount",
            ["spec"] = "AssetSpec",
            ["terms"] = "ContractTerms",
            ["issuedSupply"] = "Amount",
            ["maxSupply"] = "Amount",
            ["rejectListUrl"] = "RejectListUrl",
        };
        var ids = new StrictSemId(kit.Types);
        foreach (var m in schema.MetaTypes.Where(m => expected.ContainsKey(m.Name)))
        {
            Assert.Equal(m.SemId, ids.Named(expected[m.Name], TypeOf(kit, m.SemId)));
        }

        foreach (var g in schema.GlobalTypes.Where(g => expected.ContainsKey(g.Name)))
        {
            Assert.Equal(g.SemId, ids.Named(expected[g.Name], TypeOf(kit, g.SemId)));
        }

        // A different name (or none) gives a different id.
        var spec = schema.GlobalTypes.Single(g => g.Name == "spec");
        Assert.NotEqual(spec.SemId, ids.Named("AssetSpecs", TypeOf(kit, spec.SemId)));
        Assert.NotEqual(spec.SemId, ids.Unnamed(TypeOf(kit, spec.SemId)));
        Assert.False(ids.IsInline(spec.SemId));
    }

    [Theory]
    [MemberData(nameof(Kits))]
    public void Kit_type_systems_are_closed_and_their_unnamed_types_hash_to_their_ids(string name)
    {
        var kit = Kit(name);
        Assert.Null(StrictSemId.FindDanglingReference(kit.Types));

        // Anonymous types (byte arrays, confined lists, ...) are stored under their unnamed sem id.
        var ids = new StrictSemId(kit.Types);
        var unnamed = kit.Types.Count(t => ids.IsInline(t.SemId));
        Assert.True(unnamed > 0, $"{name}: no type hashes unnamed to its id");
    }

    [Fact]
    public void A_kit_with_a_dangling_type_reference_is_not_trusted()
    {
        var kit = Kit("NonInflatableAsset");
        var victim = kit.Types.First(t => t.Ty is TyStruct);
        var s = (TyStruct)victim.Ty;
        var broken = new TyStruct([(s.Fields[0].Name, new Bytes32(Enumerable.Repeat((byte)0x42, 32).ToArray())), .. s.Fields.Skip(1)]);
        var tampered = kit with { Types = [.. kit.Types.Select(t => ReferenceEquals(t, victim) ? t with { Ty = broken } : t)] };
        var e = Assert.Throws<RgbDecodeException>(() => TypeSystemRegistry.FromKits([tampered]));
        Assert.Contains("is not in the type system", e.Message, StringComparison.Ordinal);
    }
}
