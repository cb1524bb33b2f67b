using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace OPSource.Server.Telemetry;

/// <summary>
/// Formats a log entry as the JSON console formatter (<c>AddJsonConsole</c>) does, byte for byte, straight into UTF-8:
/// <c>Timestamp</c> (when a format is set), <c>EventId</c>, <c>LogLevel</c>, <c>Category</c>, <c>Message</c>,
/// <c>Exception</c>, <c>State</c> (its structured properties) and <c>Scopes</c> (when included),
/// from the same <see cref="JsonConsoleFormatterOptions"/>. The console formatter writes UTF-8, turns it into a
/// string for a <see cref="TextWriter"/>, and the line is encoded to UTF-8 again for stdout, with a new JSON writer
/// and buffer per line; here a thread's writer and buffer are reused and the bytes go out as they are.
/// </summary>
internal sealed class JsonLineFormatter(IOptionsMonitor<JsonConsoleFormatterOptions> options)
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static JsonConsoleFormatterOptions? t_writerOptions;

    [ThreadStatic]
    private static bool t_busy;

    private static readonly byte[] NewLine = System.Text.Encoding.UTF8.GetBytes(Environment.NewLine);

    /// <summary>The entry's line (new line included) as UTF-8, or null when the entry has no message and no exception.</summary>
    public byte[]? Format<TState>(in LogEntry<TState> entry, IExternalScopeProvider? scopeProvider)
    {
        var message = entry.Formatter(entry.State, entry.Exception);
        if (entry.Exception is null && message is null)
        {
            return null;
        }

        var formatterOptions = options.CurrentValue;
        if (t_busy)
        {
            // Logged while this thread formats a line (a state's or scope's ToString that logs): its own writer.
            var ownBuffer = new ArrayBufferWriter<byte>(1024);
            using var ownWriter = new Utf8JsonWriter(ownBuffer, formatterOptions.JsonWriterOptions);
            return Write(in entry, scopeProvider, message, formatterOptions, ownBuffer, ownWriter);
        }

        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        var writer = t_writer;
        if (writer is null || !ReferenceEquals(t_writerOptions, formatterOptions))
        {
            writer?.Dispose();
            writer = t_writer = new Utf8JsonWriter(buffer, formatterOptions.JsonWriterOptions);
            t_writerOptions = formatterOptions;
        }

        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        t_busy = true;
        try
        {
            return Write(in entry, scopeProvider, message, formatterOptions, buffer, writer);
        }
        finally
        {
            t_busy = false;
            if (buffer.Capacity > 64 * 1024)
            {
                // One huge line (an exception with a long stack) does not pin its buffer for the thread's lifetime.
                t_buffer = null;
                t_writer = null;
                writer.Dispose();
            }
        }
    }

    private static byte[] Write<TState>(
        in LogEntry<TState> entry, IExternalScopeProvider? scopeProvider, string? message, JsonConsoleFormatterOptions formatterOptions, ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        if (formatterOptions.TimestampFormat is { } timestampFormat)
        {
            var now = formatterOptions.UseUtcTimestamp ? DateTimeOffset.UtcNow : DateTimeOffset.Now;
            // The console formatter's call (current culture), so the text is the same.
#pragma warning disable CA1305
            writer.WriteString("Timestamp", now.ToString(timestampFormat));
#pragma warning restore CA1305
        }

        writer.WriteNumber("EventId", entry.EventId.Id);
        writer.WriteString("LogLevel", LevelName(entry.LogLevel));
        writer.WriteString("Category", entry.Category);
        writer.WriteString("Message", message);
        if (entry.Exception is { } exception)
        {
            writer.WriteString("Exception", exception.ToString());
        }

        if (entry.State is not null)
        {
            // The structured properties ({OriginalFormat} included; the text is the line's Message), empty for any
            // other state.
            writer.WriteStartObject("State");
            if (entry.State is IReadOnlyCollection<KeyValuePair<string, object?>> properties)
            {
                foreach (var item in properties)
                {
                    WriteItem(writer, item);
                }
            }

            writer.WriteEndObject();
        }

        if (formatterOptions.IncludeScopes && scopeProvider is not null)
        {
            writer.WriteStartArray("Scopes");
            scopeProvider.ForEachScope(static (scope, w) =>
            {
                if (scope is IReadOnlyCollection<KeyValuePair<string, object?>> items)
                {
                    w.WriteStartObject();
                    w.WriteString("Message", scope.ToString());
                    foreach (var item in items)
                    {
                        WriteItem(w, item);
                    }

                    w.WriteEndObject();
                }
                else
                {
                    w.WriteStringValue(Convert.ToString(scope, CultureInfo.InvariantCulture));
                }
            }, writer);
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.Flush();
        var line = new byte[buffer.WrittenCount + NewLine.Length];
        buffer.WrittenSpan.CopyTo(line);
        NewLine.CopyTo(line.AsSpan(buffer.WrittenCount));
        return line;
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "Trace",
        LogLevel.Debug => "Debug",
        LogLevel.Information => "Information",
        LogLevel.Warning => "Warning",
        LogLevel.Error => "Error",
        LogLevel.Critical => "Critical",
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    // The console formatter's rules: numbers and booleans as JSON values, null as null, anything else as its
    // invariant-culture text.
    private static void WriteItem(Utf8JsonWriter writer, KeyValuePair<string, object?> item)
    {
        var key = item.Key;
        switch (item.Value)
        {
            case bool value:
                writer.WriteBoolean(key, value);
                break;
            case byte value:
                writer.WriteNumber(key, value);
                break;
            case sbyte value:
                writer.WriteNumber(key, value);
                break;
            case char value:
                writer.WriteString(key, MemoryMarshal.CreateReadOnlySpan(ref value, 1));
                break;
            case decimal value:
                writer.WriteNumber(key, value);
                break;
            case double value:
                writer.WriteNumber(key, value);
                break;
            case float value:
                writer.WriteNumber(key, value);
                break;
            case int value:
                writer.WriteNumber(key, value);
                break;
            case uint value:
                writer.WriteNumber(key, value);
                break;
            case long value:
                writer.WriteNumber(key, value);
                break;
            case ulong value:
                writer.WriteNumber(key, value);
                break;
            case short value:
                writer.WriteNumber(key, value);
                break;
            case ushort value:
                writer.WriteNumber(key, value);
                break;
            case null:
                writer.WriteNull(key);
                break;
            default:
                writer.WriteString(key, Convert.ToString(item.Value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
