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

        // Schema id: the genesis commits to it (Baid64 rgb:sch:..., mnemonic suffix aside).
        var schemaText = root.GetProperty("genesis").GetProperty("schemaId").GetString()!;
        Assert.Equal(schemaText.Split('#')[0], RgbIds.SchemaIdString(RgbIds.SchemaId(c.Schema)));

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
            Assert.Equal(schemaHeader.Params.Single(p => p.Key == "id").Value.Split('#')[0], RgbIds.SchemaIdString(RgbIds.SchemaId(schema))["rgb:sch:".Length..]);
            Assert.Equal(Header("Type-System").Split('#')[0], RgbIds.TypeSystemIdString(RgbIds.TypeSystemId(kit.Types)));
            var libs = armored.Headers.Where(h => h.Name == "Alu-Lib").Select(h => h.Value.Split('#')[0]).ToList();
            Assert.Equal(libs.Order(), kit.Scripts.Select(l => RgbIds.LibIdString(RgbIds.LibId(l))).Order());
            Assert.Equal(Header("Id"), RgbIds.KitIdString(RgbIds.KitId(kit)));
        }
    }

    [Fact]
    public void Baid64_round_trips_and_rejects_a_wrong_prefix()
    {
        var id = Baid64.Decode(Baid64.ContractHri, "rgb:LnXNQ7sS-FcJaBZp-wIxw9H8-h2uu31e-wHK1VI_-yGvsq5w");
        Assert.Equal("rgb:LnXNQ7sS-FcJaBZp-wIxw9H8-h2uu31e-wHK1VI_-yGvsq5w", RgbIds.ContractIdString(id));
        Assert.Throws<FormatException>(() => Baid64.Decode(Baid64.SchemaHri, "rgb:LnXNQ7sS-FcJaBZp-wIxw9H8-h2uu31e-wHK1VI_-yGvsq5w"));
    }
}
