using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OPSource.Web5.Encoding;

/// <summary>
/// JSON text as JavaScript's <c>JSON.stringify</c> writes it (compact, non-ASCII and HTML characters
/// unescaped), so signed headers, payloads and did:jwk identifiers match the reference libraries byte
/// for byte.
/// </summary>
public static class Web5Json
{
    /// <summary>Compact writer options with relaxed escaping.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    /// <summary>Indented writer options with relaxed escaping (human output).</summary>
    public static JsonSerializerOptions Indented { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Compact JSON text.</summary>
    public static string Serialize(JsonNode? node) => node?.ToJsonString(Compact) ?? "null";

    /// <summary>Compact JSON as UTF-8.</summary>
    public static byte[] SerializeUtf8(JsonNode? node) => System.Text.Encoding.UTF8.GetBytes(Serialize(node));

    /// <summary>Parses a JSON object or throws <see cref="FormatException"/> naming <paramref name="what"/>.</summary>
    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8, string what)
    {
        try
        {
            return JsonNode.Parse(utf8) as JsonObject ?? throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidJson, $"{what}: not a JSON object");
        }
        catch (JsonException)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidJson, $"{what}: not valid JSON");
        }
    }

    /// <summary>Parses a JSON object from text or throws <see cref="FormatException"/>.</summary>
    public static JsonObject ParseObject(string text, string what) => ParseObject(System.Text.Encoding.UTF8.GetBytes(text ?? string.Empty), what);

    /// <summary>A string member or null.</summary>
    public static string? GetString(this JsonObject obj, string name) =>
        obj is not null && obj.TryGetPropertyValue(name, out var v) && v is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    /// <summary>An integer member or null.</summary>
    public static long? GetInt64(this JsonObject obj, string name)
    {
        if (obj is null || !obj.TryGetPropertyValue(name, out var v) || v is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
        {
            return null;
        }

        // Values built in code hold their CLR type (int, long, double...); parsed ones hold a JsonElement.
        if (value.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (value.TryGetValue<int>(out var i))
        {
            return i;
        }

        return value.TryGetValue<double>(out var d) && Math.Floor(d) == d && Math.Abs(d) <= 9007199254740991d ? (long)d : null;
    }
}
