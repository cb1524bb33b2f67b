using System.Text.Json.Nodes;

namespace OPSource.Fuzz;

/// <summary>Reads the public vectors in place (../shared/vectors or $OPSOURCE_VECTORS) to build seed corpora.</summary>
internal static class Seeds
{
    /// <summary>The vectors directory (OPSource.TestSupport's rules: $OPSOURCE_VECTORS, else ../shared/vectors), or null.</summary>
    public static string? LocateVectors()
    {
        try
        {
            return OPSource.TestSupport.Vectors.Path();
        }
        catch (Exception)
        {
            return null; // missing vectors: the caller reports it (Vectors.Path skips or fails only inside xunit)
        }
    }

    public static JsonNode Json(string vectors, params string[] relative) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine([vectors, .. relative])))!;

    public static byte[] Hex(string? hex) => Convert.FromHexString(hex ?? string.Empty);

    public static IEnumerable<string> Strings(JsonNode? node)
    {
        switch (node)
        {
            case JsonValue v when v.TryGetValue<string>(out var s):
                yield return s;
                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    foreach (var s in Strings(item))
                    {
                        yield return s;
                    }
                }

                break;
            case JsonObject o:
                foreach (var (_, value) in o)
                {
                    foreach (var s in Strings(value))
                    {
                        yield return s;
                    }
                }

                break;
        }
    }
}
