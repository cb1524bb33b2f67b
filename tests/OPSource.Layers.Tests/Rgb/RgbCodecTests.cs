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
