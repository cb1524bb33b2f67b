using OPSource.Layers.Rgb;
using OPSource.TestSupport;

namespace OPSource.Layers.Tests.Rgb;

/// <summary>The rgb-tests fixtures and rgb-schemas kits in ../shared/vectors/rgb, read in place.</summary>
internal static class RgbFixtures
{
    public static readonly string[] Scenarios = ["A", "B", "C", "D"];

    public static readonly string[] Kits =
    [
        "CollectibleFungibleAsset", "InflatableFungibleAsset", "NonInflatableAsset",
        "PermissionedFungibleAsset", "UniqueDigitalAsset",
    ];

    public static string FixturePath(string name) => Vectors.Path("rgb", "rgb-tests-fixtures", name);

    public static string KitPath(string file) => Vectors.Path("rgb", "rgb-schemas", file);

    public static byte[] Binary(string scenario) => File.ReadAllBytes(FixturePath($"consignment_{scenario}.rgb"));

    public static Consignment Json(string name) => RgbJson.ParseConsignment(File.ReadAllText(FixturePath($"{name}.json")));

    public static TxDirectoryResolver Resolver(string scenario) => TxDirectoryResolver.Load(FixturePath($"txs_{scenario}"));

    public static TypeSystemRegistry TrustedTypes() =>
        TypeSystemRegistry.FromKits(Kits.Select(k => RgbBinary.DecodeKitFile(File.ReadAllBytes(KitPath(k + ".rgb")))));
}
