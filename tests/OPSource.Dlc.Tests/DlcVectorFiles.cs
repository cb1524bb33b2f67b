using System.Text.Json.Nodes;
using OPSource.TestSupport;

namespace OPSource.Dlc.Tests;

/// <summary>The dlcspecs 2022 test vectors (offer/accept/sign with JSON and hex).</summary>
internal static class DlcVectorFiles
{
    public static readonly string[] Names =
    [
        "enum_3_of_3_test.json",
        "enum_3_of_5_test.json",
        "enum_and_numerical_3_of_5_test.json",
        "enum_and_numerical_5_of_5_test.json",
        "enum_and_numerical_with_diff_5_of_5_test.json",
        "enum_single_oracle_test.json",
        "single_oracle_numerical_hyperbola_test.json",
        "single_oracle_numerical_test.json",
        "three_of_three_oracle_numerical_test.json",
        "three_of_three_oracle_numerical_with_diff_test.json",
        "two_of_five_oracle_numerical_test.json",
        "two_of_five_oracle_numerical_with_diff_test.json",
    ];

    public static TheoryData<string> All => [.. Names];

    public static JsonObject Load(string name) =>
        JsonNode.Parse(Vectors.ReadText("dlc", "dlcspecs", "test_vectors", name))!.AsObject();

    /// <summary>Every file in the folder must be listed (a new vector file must not be skipped silently).</summary>
    public static IEnumerable<string> OnDisk() =>
        Directory.GetFiles(Vectors.Path("dlc", "dlcspecs", "test_vectors"), "*.json").Select(Path.GetFileName)!;
}
