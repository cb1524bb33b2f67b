using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OPSource.Platform.Events;

/// <summary>
/// The wire form of an event (WebSocket frames, PostgreSQL notifications):
/// <c>{"topic":"wallet:a","sequence":7,"type":"tx.received","time":"2026-01-02T03:04:05.678Z","data":{...}}</c>.
/// Written with <see cref="Utf8JsonWriter"/> (no reflection, Native AOT safe).
/// </summary>
public static class PlatformEventJson
{
    /// <summary>Writes the event as one JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, PlatformEvent e) => Write(writer, e, kind: null);

    /// <summary>Writes the event as one JSON object, with a leading <c>"kind"</c> member when given (WebSocket frames).</summary>
    public static void Write(Utf8JsonWriter writer, PlatformEvent e, string? kind)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(e);
        writer.WriteStartObject();
        if (kind is not null)
        {
            writer.WriteString("kind", kind);
        }

        writer.WriteString("topic", e.Topic);
        writer.WriteNumber("sequence", e.Sequence);
        writer.WriteString("type", e.Type);
        writer.WriteString("time", FormatTime(e.Time));
        writer.WritePropertyName("data");
        e.Data.WriteTo(writer);
        writer.WriteEndObject();
    }

    /// <summary>The event as UTF-8 JSON bytes.</summary>
    public static byte[] ToUtf8(PlatformEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, e);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Parses the wire form; null when it is not a well-formed event.</summary>
    public static PlatformEvent? TryParse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            if (JsonNode.Parse(utf8) is not JsonObject o
                || o["topic"] is not JsonValue topic || !topic.TryGetValue<string>(out var t)
                || o["sequence"] is not JsonValue sequence || !sequence.TryGetValue<long>(out var s)
                || o["type"] is not JsonValue type || !type.TryGetValue<string>(out var ty)
                || o["time"] is not JsonValue time || !time.TryGetValue<string>(out var ti)
                || !DateTimeOffset.TryParse(ti, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when)
                || o["data"] is not JsonObject data)
            {
                return null;
            }

            o.Remove("data");
            return new PlatformEvent(t, s, ty, when, data);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>RFC 3339 UTC with milliseconds.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
