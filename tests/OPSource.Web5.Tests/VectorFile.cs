using System.Text.Json.Nodes;
using OPSource.TestSupport;

namespace OPSource.Web5.Tests;

/// <summary>Reads a web5-spec vector file: {description, vectors[{description, input, output?, errors?}]}.</summary>
internal static class VectorFile
{
    public static IReadOnlyList<(string Description, JsonNode? Input, JsonNode? Output, bool Errors)> Load(params string[] path)
    {
        var root = JsonNode.Parse(Vectors.ReadText(["web5", "web5-spec", .. path]))!.AsObject();
        var list = new List<(string, JsonNode?, JsonNode?, bool)>();
        foreach (var v in root["vectors"]!.AsArray())
        {
            var o = v!.AsObject();
            list.Add((o["description"]!.GetValue<string>(), o["input"]?.DeepClone(), o["output"]?.DeepClone(), o["errors"]?.GetValue<bool>() ?? false));
        }

        Assert.NotEmpty(list);
        return list;
    }

    public static string Json(JsonNode? node) => node?.ToJsonString() ?? "null";

    /// <summary>Deep JSON equality ignoring object member order.</summary>
    public static void Equal(JsonNode? expected, JsonNode? actual, string context)
    {
        Assert.True(JsonNode.DeepEquals(Normalize(expected), Normalize(actual)), $"{context}\nexpected: {Json(expected)}\nactual:   {Json(actual)}");
    }

    private static JsonNode? Normalize(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Normalize(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Normalize)]),
        null => null,
        _ => node.DeepClone(),
    };
}
