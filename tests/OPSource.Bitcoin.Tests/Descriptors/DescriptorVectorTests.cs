using System.Text.Json.Nodes;
using OPSource.Bitcoin.Descriptors;
using OPSource.TestSupport;

namespace OPSource.Bitcoin.Tests.Descriptors;

/// <summary>Every case of bip380-390_descriptor_test_vectors.json, one test case each.</summary>
public class DescriptorVectorTests
{
    private static readonly Lazy<JsonObject> Bips = new(() =>
        JsonNode.Parse(Vectors.ReadText("bips", "bip380-390_descriptor_test_vectors.json"))!["bips"]!.AsObject());

    private static JsonObject Case(string bip, string list, int index) => Bips.Value[bip]![list]![index]!.AsObject();

    private static TheoryData<string, string, int> Cases(params string[] lists)
    {
        var data = new TheoryData<string, string, int>();
        foreach (var (bip, node) in Bips.Value)
        {
            foreach (var list in lists)
            {
                if (node![list] is JsonArray array)
                {
                    for (var i = 0; i < array.Count; i++)
                    {
                        data.Add(bip, list, i);
                    }
                }
            }
        }

        return data;
    }

    public static TheoryData<string, string, int> ChecksumCases() => Cases("checksum_tests");

    public static TheoryData<string, string, int> ValidKeyCases() => Cases("valid_key_expressions");

    public static TheoryData<string, string, int> InvalidKeyCases() => Cases("invalid_key_expressions");

    public static TheoryData<string, string, int> ValidCases() => Cases("valid");

    public static TheoryData<string, string, int> InvalidCases() => Cases("invalid");

    [Theory]
    [MemberData(nameof(ChecksumCases))]
    public void Checksum_vector(string bip, string list, int index)
    {
        var c = Case(bip, list, index);
        var text = c["descriptor"]!.GetValue<string>();
        var expected = c["expected_valid"]!.GetValue<bool>();
        var ok = Descriptor.TryParse(text, out var d, out var error);
        Assert.True(expected == ok, $"{c["label"]}: parse={ok} error={error}");
        if (ok && text.Contains('#', StringComparison.Ordinal))
        {
            Assert.Equal(text, d!.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(ValidKeyCases))]
    public void Valid_key_expression(string bip, string list, int index)
    {
        var key = Case(bip, list, index)["key_expression"]!.GetValue<string>();

        // A key expression is tested inside pk(), which accepts every key kind except x-only.
        Assert.True(Descriptor.TryParse($"pk({key})", out var d, out var error), error?.Message);
        Assert.Equal($"pk({key})", d.ToString(true, false).Replace("'", "h", StringComparison.Ordinal), StringComparer.Ordinal.WithHardenedMarkers());
        var reparsed = Descriptor.Parse(d.ToPrivateString());
        Assert.Equal(d, reparsed);
    }

    [Theory]
    [MemberData(nameof(InvalidKeyCases))]
    public void Invalid_key_expression(string bip, string list, int index)
    {
        var c = Case(bip, list, index);
        var key = c["key_expression"]!.GetValue<string>();
        Assert.False(Descriptor.TryParse($"pk({key})", out _, out var error), c["description"]!.GetValue<string>());
        Assert.StartsWith("descriptor:", error?.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ValidCases))]
    public void Valid_descriptor(string bip, string list, int index)
    {
        var c = Case(bip, list, index);
        var text = c["descriptor"]!.GetValue<string>();
        Assert.True(Descriptor.TryParse(text, out var d, out var error), error?.Message);

        // Round trip: the private form parses back to the same descriptor, the public form derives the same scripts.
        var again = Descriptor.Parse(d.ToPrivateString());
        Assert.Equal(d, again);
        using var pub = Descriptor.Parse(d.ToString());
        Assert.False(pub.HasPrivateKeys);

        if (c["expands_to"] is JsonArray expands)
        {
            // BIP389: the multipath descriptor expands to exactly these single-path descriptors.
            var expanded = d.Expand();
            Assert.True(d.IsMultipath);
            Assert.Equal(expands.Count, expanded.Count);
            for (var i = 0; i < expands.Count; i++)
            {
                Assert.Equal(Descriptor.Parse(expands[i]!.GetValue<string>()), expanded[i]);
            }

            return;
        }

        if (c["children"] is JsonArray children)
        {
            // BIP384 ranged combo(): per-child script lists.
            Assert.True(d.IsRange);
            foreach (var child in children)
            {
                var i = child!["child_index"]!.GetValue<uint>();
                var expected = child["scripts"]!.AsArray().Select(s => s!.GetValue<string>()).ToArray();
                Assert.Equal(expected, d.GetScriptPubKeys(i).Select(s => s.ToHex()).ToArray());
                AssertPublicForm(d, pub, expected, () => pub.GetScriptPubKeys(i).Select(s => s.ToHex()).ToArray());
            }

            return;
        }

        var scripts = c["scripts"]?.AsArray().Select(s => s!.GetValue<string>()).ToArray();
        if (scripts is null)
        {
            // The vector file marks this case as valid without an expected script: it must parse and derive.
            Assert.NotNull(c["note"]);
            Assert.NotEmpty(d.GetScriptPubKeys(0));
            return;
        }

        if (d.Type == DescriptorType.Combo)
        {
            Assert.Equal(scripts, d.GetScriptPubKeys(0).Select(s => s.ToHex()).ToArray());
            AssertPublicForm(d, pub, scripts, () => pub.GetScriptPubKeys(0).Select(s => s.ToHex()).ToArray());
            return;
        }

        // Ranged: scripts for indexes 0, 1, 2; otherwise one script.
        Assert.Equal(d.IsRange, scripts.Length > 1);
        for (var i = 0; i < scripts.Length; i++)
        {
            Assert.Equal(scripts[i], d.GetScriptPubKey((uint)i).ToHex());
            var n = (uint)i;
            AssertPublicForm(d, pub, [scripts[i]], () => [pub.GetScriptPubKey(n).ToHex()]);
        }
    }

    // The public form derives the same scripts, unless hardened steps need the private key (then it must refuse).
    private static void AssertPublicForm(Descriptor d, Descriptor pub, string[] expected, Func<string[]> derive)
    {
        if (d.HasHardenedDerivation && d.HasPrivateKeys)
        {
            Assert.False(pub.CanDeriveWithoutPrivateKeys);
            var e = Assert.Throws<BitcoinFormatException>(() => derive());
            Assert.Equal(DescriptorErrorKind.NeedsPrivateKey, Assert.IsType<DescriptorError>(e.Error).Kind);
        }
        else
        {
            Assert.Equal(expected, derive());
        }

        // Core's normalised form drops the private keys yet derives the same scripts (unless /*h ranges).
        using var normalized = Descriptor.Parse(d.ToNormalizedString());
        Assert.False(normalized.HasPrivateKeys);
        if (!normalized.HasHardenedDerivation)
        {
            Assert.Equal(d.GetScriptPubKeys(0).Select(s => s.ToHex()), normalized.GetScriptPubKeys(0).Select(s => s.ToHex()));
            Assert.Equal(d.GetScriptPubKeys(2).Select(s => s.ToHex()), normalized.GetScriptPubKeys(2).Select(s => s.ToHex()));
        }
    }

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Invalid_descriptor(string bip, string list, int index)
    {
        var c = Case(bip, list, index);
        var text = c["descriptor"]!.GetValue<string>();
        Assert.False(Descriptor.TryParse(text, out _, out var error), c["reason"]!.GetValue<string>());
        Assert.StartsWith("descriptor:", error?.Message, StringComparison.Ordinal);
    }
}

internal static class HardenedMarkerComparer
{
    /// <summary>Compares descriptor texts treating ' and h as the same hardened marker (BIP380 allows both).</summary>
    public static IEqualityComparer<string> WithHardenedMarkers(this StringComparer _) => new Comparer();

    private sealed class Comparer : IEqualityComparer<string>
    {
        public bool Equals(string? x, string? y) => Normalize(x) == Normalize(y);

        public int GetHashCode(string obj) => Normalize(obj).GetHashCode(StringComparison.Ordinal);

        private static string Normalize(string? s) => (s ?? string.Empty).Replace("'", "h", StringComparison.Ordinal);
    }
}
