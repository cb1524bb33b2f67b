using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OPSource.Chain.Rpc;

/// <summary>One call as written on the wire: method, parameter writer, and whether repeating it is harmless.</summary>
internal sealed class RpcCall
{
    public RpcCall(string method, Action<Utf8JsonWriter>? writeParameters, bool idempotent)
    {
        Method = method;
        WriteParameters = writeParameters;
        Idempotent = idempotent;
    }

    public string Method { get; }

    /// <summary>Writes the parameter values (inside the already opened <c>params</c> array).</summary>
    public Action<Utf8JsonWriter>? WriteParameters { get; }

    /// <summary>True for reads: an ambiguous failure (timeout, connection lost) may be retried.</summary>
    public bool Idempotent { get; }

    public static Action<Utf8JsonWriter> Nodes(IReadOnlyList<JsonNode?> parameters) => w =>
    {
        foreach (var p in parameters)
        {
            if (p is null)
            {
                w.WriteNullValue();
            }
            else
            {
                p.WriteTo(w);
            }
        }
    };
}

/// <summary>One reply of a JSON-RPC response: id, error or the raw bytes of <c>result</c>.</summary>
internal readonly struct RpcReply
{
    public RpcReply(long? id, int? errorCode, string? errorMessage, ReadOnlyMemory<byte> result)
    {
        Id = id;
        ErrorCode = errorCode;
        ErrorMessage = errorMessage;
        Result = result;
    }

    public long? Id { get; }

    public int? ErrorCode { get; }

    public string? ErrorMessage { get; }

    /// <summary>The <c>result</c> value's JSON text (<c>null</c> when absent).</summary>
    public ReadOnlyMemory<byte> Result { get; }

    public bool IsError => ErrorCode is not null;
}

/// <summary>Writes JSON-RPC requests and splits replies without building a DOM (the results are parsed by type).</summary>
internal static class RpcJson
{
    private static readonly byte[] NullLiteral = "null"u8.ToArray();

    public static void WriteRequest(Utf8JsonWriter w, RpcCall call, long id)
    {
        w.WriteStartObject();
        // JSON-RPC 2.0 (Core >= 28): errors come back with HTTP 200 and a JSON body.
        w.WriteString("jsonrpc"u8, "2.0"u8);
        w.WriteNumber("id"u8, id);
        w.WriteString("method"u8, call.Method);
        w.WriteStartArray("params"u8);
        call.WriteParameters?.Invoke(w);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static byte[] Serialize(IReadOnlyList<RpcCall> calls, long firstId, bool asBatch)
    {
        var buffer = new ArrayBufferWriter<byte>(256 * Math.Max(1, calls.Count));
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = false }))
        {
            if (asBatch)
            {
                w.WriteStartArray();
            }

            for (var i = 0; i < calls.Count; i++)
            {
                WriteRequest(w, calls[i], firstId + i);
            }

            if (asBatch)
            {
                w.WriteEndArray();
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Splits a single reply object or a batch array into replies; false (with a reason) when it is not JSON-RPC.</summary>
    public static bool TryParseReplies(ReadOnlyMemory<byte> body, List<RpcReply> replies, out string? error)
    {
        try
        {
            var reader = new Utf8JsonReader(body.Span, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read())
            {
                error = "empty body";
                return false;
            }

            if (reader.TokenType == JsonTokenType.StartArray)
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (!TryReadReply(ref reader, body, replies, out error))
                    {
                        return false;
                    }
                }
            }
            else if (!TryReadReply(ref reader, body, replies, out error))
            {
                return false;
            }

            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = "malformed JSON: " + ex.Message;
            return false;
        }
    }

    private static bool TryReadReply(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body, List<RpcReply> replies, out string? error)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            error = "reply is not a JSON object";
            return false;
        }

        long? id = null;
        int? code = null;
        string? message = null;
        var result = ReadOnlyMemory<byte>.Empty;
        var sawResult = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.ValueTextEquals("result"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                var end = (int)reader.BytesConsumed;
                result = body[start..end];
                sawResult = true;
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    code = 0;
                    message = "";
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        if (reader.ValueTextEquals("code"u8))
                        {
                            reader.Read();
                            code = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var c) ? c : 0;
                        }
                        else if (reader.ValueTextEquals("message"u8))
                        {
                            reader.Read();
                            message = reader.TokenType == JsonTokenType.String ? reader.GetString() : "";
                        }
                        else
                        {
                            reader.Read();
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n))
                {
                    id = n;
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (!sawResult)
        {
            result = NullLiteral;
        }

        replies.Add(new RpcReply(id, code, message, result));
        error = null;
        return true;
    }
}
