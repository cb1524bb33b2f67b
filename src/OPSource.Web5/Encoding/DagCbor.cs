using System.Formats.Cbor;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OPSource.Web5.Encoding;

/// <summary>
/// Deterministic dag-cbor encoding of JSON values (https://ipld.io/specs/codecs/dag-cbor/spec/):
/// definite lengths, map keys sorted by length then bytewise ("Strictness", rule 2), integers in the
/// shortest form, every non-integer number as a 64-bit float (rule 4), no undefined. This is what
/// @ipld/dag-cbor produces for the JSON-shaped objects DWN messages are, so CIDs match dwn-sdk-js.
/// </summary>
public static class DagCbor
{
    // JavaScript numbers: integers up to 2^53 - 1 are exact (@ipld/dag-cbor encodes Number.isInteger values as CBOR ints).
    private const double MaxSafeInteger = 9007199254740991d;

    /// <summary>Encodes a JSON value (null allowed) as dag-cbor.</summary>
    public static byte[] Encode(JsonNode? value)
    {
        var writer = new CborWriter(CborConformanceMode.Lax, convertIndefiniteLengthEncodings: false, allowMultipleRootLevelValues: false);
        Write(writer, value);
        return writer.Encode();
    }

    /// <summary>Encodes a JSON element as dag-cbor.</summary>
    public static byte[] Encode(JsonElement value) => Encode(JsonSerializerNode(value));

    private static JsonNode? JsonSerializerNode(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : JsonNode.Parse(value.GetRawText());

    private static void Write(CborWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNull();
                break;
            case JsonObject obj:
                {
                    // dag-cbor map key order: shorter UTF-8 keys first, then bytewise.
                    var entries = obj.Select(p => (Key: p.Key, Bytes: System.Text.Encoding.UTF8.GetBytes(p.Key), p.Value)).ToList();
                    entries.Sort((a, b) => a.Bytes.Length != b.Bytes.Length
                        ? a.Bytes.Length.CompareTo(b.Bytes.Length)
                        : a.Bytes.AsSpan().SequenceCompareTo(b.Bytes));
                    writer.WriteStartMap(entries.Count);
                    foreach (var (key, _, value) in entries)
                    {
                        writer.WriteTextString(key);
                        Write(writer, value);
                    }

                    writer.WriteEndMap();
                    break;
                }

            case JsonArray array:
                writer.WriteStartArray(array.Count);
                foreach (var item in array)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValue value:
                WriteValue(writer, value);
                break;
            default:
                throw new ArgumentException("dag-cbor: unsupported JSON node", nameof(node));
        }
    }

    private static void WriteValue(CborWriter writer, JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                writer.WriteTextString(value.GetValue<string>());
                break;
            case JsonValueKind.True:
                writer.WriteBoolean(true);
                break;
            case JsonValueKind.False:
                writer.WriteBoolean(false);
                break;
            case JsonValueKind.Null:
                writer.WriteNull();
                break;
            case JsonValueKind.Number:
                WriteNumber(writer, value);
                break;
            default:
                throw new ArgumentException($"dag-cbor: unsupported JSON value kind {value.GetValueKind()}", nameof(value));
        }
    }

    private static void WriteNumber(CborWriter writer, JsonValue value)
    {
        if (value.TryGetValue<long>(out var integer) || (value.TryGetValue<int>(out var i32) && (integer = i32) == i32))
        {
            writer.WriteInt64(integer);
            return;
        }

        if (value.TryGetValue<ulong>(out var unsigned))
        {
            writer.WriteUInt64(unsigned);
            return;
        }

        double d;
        if (value.TryGetValue<double>(out var dd))
        {
            d = dd;
        }
        else if (value.TryGetValue<decimal>(out var m))
        {
            d = (double)m;
        }
        else if (value.TryGetValue<float>(out var f))
        {
            d = f;
        }
        else
        {
            d = double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture);
        }

        if (double.IsNaN(d) || double.IsInfinity(d))
        {
            // dag-cbor rule: NaN and infinities are not allowed.
            throw new ArgumentException("dag-cbor: NaN and infinity are not encodable", nameof(value));
        }

        // 1.0 in JSON is the integer 1 to JavaScript, and so to @ipld/dag-cbor.
        if (Math.Floor(d) == d && Math.Abs(d) <= MaxSafeInteger)
        {
            writer.WriteInt64((long)d);
            return;
        }

        // dag-cbor rule 4: floats are always 64-bit (CborWriter.WriteDouble would shorten them).
        Span<byte> encoded = stackalloc byte[9];
        encoded[0] = 0xfb;
        System.Buffers.Binary.BinaryPrimitives.WriteDoubleBigEndian(encoded[1..], d);
        writer.WriteEncodedValue(encoded);
    }

    /// <summary>Decodes dag-cbor into JSON (maps with text keys, arrays, text, numbers, booleans, null).</summary>
    public static JsonNode? Decode(ReadOnlyMemory<byte> data)
    {
        var reader = new CborReader(data, CborConformanceMode.Lax);
        var node = Read(reader, 0);
        if (reader.BytesRemaining != 0)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDagCbor, "dag-cbor: trailing bytes after the value");
        }

        return node;
    }

    private static JsonNode? Read(CborReader reader, int depth)
    {
        if (depth > 64)
        {
            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDagCbor, "dag-cbor: nesting deeper than 64");
        }

        switch (reader.PeekState())
        {
            case CborReaderState.StartMap:
                {
                    var count = reader.ReadStartMap() ?? throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDagCbor, "dag-cbor: indefinite-length map");
                    var obj = new JsonObject();
                    for (var i = 0; i < count; i++)
                    {
                        var key = reader.ReadTextString();
                        obj[key] = Read(reader, depth + 1);
                    }

                    reader.ReadEndMap();
                    return obj;
                }

            case CborReaderState.StartArray:
                {
                    var count = reader.ReadStartArray() ?? throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDagCbor, "dag-cbor: indefinite-length array");
                    var array = new JsonArray();
                    for (var i = 0; i < count; i++)
                    {
                        array.Add(Read(reader, depth + 1));
                    }

                    reader.ReadEndArray();
                    return array;
                }

            case CborReaderState.TextString:
                return JsonValue.Create(reader.ReadTextString());
            case CborReaderState.UnsignedInteger:
            case CborReaderState.NegativeInteger:
                return JsonValue.Create(reader.ReadInt64());
            case CborReaderState.DoublePrecisionFloat:
            case CborReaderState.SinglePrecisionFloat:
            case CborReaderState.HalfPrecisionFloat:
                return JsonValue.Create(reader.ReadDouble());
            case CborReaderState.Boolean:
                return JsonValue.Create(reader.ReadBoolean());
            case CborReaderState.Null:
                reader.ReadNull();
                return null;
            case CborReaderState.ByteString:
                // JSON has no bytes; DWN messages never carry them. Shown as base64url for inspection.
                return JsonValue.Create(B64Url.Encode(reader.ReadByteString()));
            default:
                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidDagCbor, string.Create(CultureInfo.InvariantCulture, $"dag-cbor: unsupported item {reader.PeekState()}"));
        }
    }
}

/// <summary>
/// CIDv1 (https://github.com/multiformats/cid): varint version 1, varint codec, sha2-256 multihash;
/// written as multibase base32 ("b...").
/// </summary>
public static class Cid
{
    /// <summary>CIDv1 string of a block with <paramref name="codec"/> whose bytes hash to <paramref name="sha256"/>.</summary>
    public static string FromSha256(Multicodec codec, ReadOnlySpan<byte> sha256) => Multibase.EncodeBase32(BinaryFromSha256(codec, sha256));

    /// <summary>The binary CIDv1 (version, codec, sha2-256 multihash) as dag-pb links carry it.</summary>
    public static byte[] BinaryFromSha256(Multicodec codec, ReadOnlySpan<byte> sha256)
    {
        if (sha256.Length != 32)
        {
            throw new ArgumentException("cid: sha2-256 digest must be 32 bytes", nameof(sha256));
        }

        var bytes = new List<byte>(36);
        Varint.Write(bytes, 1);
        Varint.Write(bytes, (ulong)codec);
        Varint.Write(bytes, (ulong)Multicodec.Sha2_256);
        Varint.Write(bytes, 32);
        bytes.AddRange(sha256);
        return [.. bytes];
    }

    /// <summary>The CIDv1 (dag-cbor, sha2-256) of a JSON value, as dwn-sdk-js's Cid.computeCid.</summary>
    public static string ComputeDagCbor(JsonNode? value) => FromSha256(Multicodec.DagCbor, System.Security.Cryptography.SHA256.HashData(DagCbor.Encode(value)));

    /// <summary>The CIDv1 (raw, sha2-256) of bytes.</summary>
    public static string ComputeRaw(ReadOnlySpan<byte> data) => FromSha256(Multicodec.Raw, System.Security.Cryptography.SHA256.HashData(data));

    /// <summary>Parses a CIDv1 string; returns its codec and multihash digest.</summary>
    public static bool TryParse(string? text, out Multicodec codec, out byte[] digest)
    {
        codec = default;
        digest = [];
        if (!Multibase.TryDecode(text, out var bytes, out _))
        {
            return false;
        }

        ReadOnlySpan<byte> span = bytes;
        if (!Varint.TryRead(span, out var version, out var n) || version != 1)
        {
            return false;
        }

        span = span[n..];
        if (!Varint.TryRead(span, out var c, out n))
        {
            return false;
        }

        span = span[n..];
        if (!Varint.TryRead(span, out var hashCode, out n) || hashCode != (ulong)Multicodec.Sha2_256)
        {
            return false;
        }

        span = span[n..];
        if (!Varint.TryRead(span, out var length, out n) || length != 32 || span.Length - n != 32)
        {
            return false;
        }

        codec = (Multicodec)c;
        digest = span[n..].ToArray();
        return true;
    }
}
