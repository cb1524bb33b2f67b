using OPSource.Layers.Rgb;

namespace OPSource.Layers.Tests.Rgb;

public sealed class RgbCodecTests
{
    public static TheoryData<string> Scenarios() => new(RgbFixtures.Scenarios);

    public static TheoryData<string> Kits() => new(RgbFixtures.Kits);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Binary_consignment_reencodes_byte_identical(string scenario)
    {
        var bytes = RgbFixtures.Binary(scenario);
        var c = RgbBinary.DecodeConsignment(bytes);
        Assert.Equal(bytes, RgbBinary.Encode(c));
    }

    [Theory]
    [MemberData(nameof(Kits))]
    public void Kit_file_reencodes_byte_identical(string kit)
    {
        var bytes = File.ReadAllBytes(RgbFixtures.KitPath(kit + ".rgb"));
        var k = RgbBinary.DecodeKitFile(bytes);
        Assert.Equal(bytes[7..], RgbBinary.EncodeKit(k));
        Assert.Equal(kit, Assert.Single(k.Schemata).Name);
    }
}

public sealed class RgbArmorTests
{
    public static TheoryData<string> Kits() => new(RgbFixtures.Kits);

    [Theory]
    [MemberData(nameof(Kits))]
    public void Armored_kit_matches_the_binary_kit_and_rewrites(string kit)
    {
        var binary = RgbBinary.DecodeKitFile(File.ReadAllBytes(RgbFixtures.KitPath(kit + ".rgb")));
        var armored = RgbArmor.ReadKit(File.ReadAllText(RgbFixtures.KitPath(kit + ".rgba")));
        Assert.Equal(RgbBinary.EncodeKit(binary), RgbBinary.EncodeKit(armored));

        // Our armor reads back to the same kit, and its payload lines are the fixture's payload lines.
        var written = RgbArmor.WriteKit(armored);
        Assert.Equal(RgbBinary.EncodeKit(binary), RgbBinary.EncodeKit(RgbArmor.ReadKit(written)));
        static string Payload(string s) => s[(s.IndexOf("\n\n", StringComparison.Ordinal) + 2)..s.IndexOf("-----END", StringComparison.Ordinal)].Trim();
        Assert.Equal(Payload(File.ReadAllText(RgbFixtures.KitPath(kit + ".rgba"))), Payload(written));
    }

    [Fact]
    public void Armor_rejects_a_corrupted_payload()
    {
        var text = File.ReadAllText(RgbFixtures.KitPath("NonInflatableAsset.rgba"));
        int start = text.IndexOf("\n\n", StringComparison.Ordinal) + 2;
        var corrupted = text[..start] + (text[start] == '0' ? '1' : '0') + text[(start + 1)..];
        var e = Assert.Throws<RgbDecodeException>(() => RgbArmor.ReadKit(corrupted));
        Assert.Contains("Check-SHA256", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(RgbCodecTests.Scenarios), MemberType = typeof(RgbCodecTests))]
    public void Armored_consignment_round_trips(string scenario)
    {
        var bytes = RgbFixtures.Binary(scenario);
        var text = RgbArmor.WriteConsignment(RgbBinary.DecodeConsignment(bytes));
        Assert.Equal(bytes, RgbBinary.Encode(RgbArmor.ReadConsignment(text)));
    }
}
