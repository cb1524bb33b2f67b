using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;

namespace OPSource.Layers.Rsk.Abi;

/// <summary>
/// Solidity ABI encoding and decoding (Solidity documentation, "Contract ABI Specification", formal specification
/// of the encoding): heads and tails, offsets relative to the start of the enclosing tuple. Values are
/// <see cref="BigInteger"/> (uint/int), <see cref="RskAddress"/>, <see cref="bool"/>, <see cref="byte"/>[] (bytes,
/// bytesN), <see cref="string"/>, and <see cref="IReadOnlyList{T}"/> of values (arrays, tuples). Decoding is
/// strict about the padding of static values (what Solidity's decoder checks) and about offsets and lengths.
/// </summary>
public static class AbiCodec
{
    /// <summary>Encodes values as the tuple of <paramref name="types"/>.</summary>
    public static byte[] Encode(IReadOnlyList<AbiType> types, IReadOnlyList<object> values)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(values);
        var output = new List<byte>(32 * Math.Max(1, types.Count));
        EncodeTuple(types, values, output);
        return [.. output];
    }

    /// <summary>Decodes the tuple of <paramref name="types"/> from <paramref name="data"/>.</summary>
    /// <exception cref="RskException">Data too short, bad offsets, non-zero padding, invalid UTF-8.</exception>
    public static IReadOnlyList<object> Decode(IReadOnlyList<AbiType> types, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(types);
        return DecodeTuple(types, data, 0, 0);
    }

    /// <summary>Encodes one static value as a 32-byte word (event topics of indexed static parameters).</summary>
    public static byte[] EncodeTopic(AbiType type, object value)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type.IsDynamic || type.Kind is AbiKind.Array or AbiKind.Tuple)
        {
            // Indexed reference types are stored as the Keccak-256 of their encoding, which cannot be decoded.
            throw AbiType.Invalid($"{type}: only elementary static values have a word topic");
        }

        var output = new List<byte>(32);
        EncodeValue(type, value, output);
        return [.. output];
    }

    private static void EncodeTuple(IReadOnlyList<AbiType> types, IReadOnlyList<object> values, List<byte> output)
    {
        if (types.Count != values.Count)
        {
            throw AbiType.Invalid($"expected {types.Count} values, got {values.Count}");
        }

        var headSize = types.Sum(t => t.IsDynamic ? 32 : t.StaticSize);
        var head = new List<byte>(headSize);
        var tail = new List<byte>();
        for (var i = 0; i < types.Count; i++)
        {
            if (types[i].IsDynamic)
            {
                WriteWord(head, headSize + tail.Count);
                EncodeValue(types[i], values[i], tail);
            }
            else
            {
                EncodeValue(types[i], values[i], head);
            }
        }

        output.AddRange(head);
        output.AddRange(tail);
    }

    private static void EncodeValue(AbiType type, object value, List<byte> output)
    {
        switch (type.Kind)
        {
            case AbiKind.UInt:
            {
                var v = AsInteger(type, value);
                if (v.Sign < 0 || v >= BigInteger.One << type.Size)
                {
                    throw AbiType.Invalid($"{type}: {v} out of range");
                }

                WriteWord(output, v);
                break;
            }

            case AbiKind.Int:
            {
                var v = AsInteger(type, value);
                var limit = BigInteger.One << (type.Size - 1);
                if (v < -limit || v >= limit)
                {
                    throw AbiType.Invalid($"{type}: {v} out of range");
                }

                WriteWord(output, v);
                break;
            }

            case AbiKind.Address:
            {
                var address = value as RskAddress ?? throw AbiType.Invalid($"address: expected an address, got {Describe(value)}");
                output.AddRange(new byte[12]);
                output.AddRange(address.Bytes);
                break;
            }

            case AbiKind.Bool:
                WriteWord(output, value is bool b ? (b ? 1 : 0) : throw AbiType.Invalid($"bool: expected true or false, got {Describe(value)}"));
                break;
            case AbiKind.FixedBytes:
            {
                var bytes = value as byte[] ?? throw AbiType.Invalid($"{type}: expected bytes, got {Describe(value)}");
                if (bytes.Length != type.Size)
                {
                    throw AbiType.Invalid($"{type}: expected {type.Size} bytes, got {bytes.Length}");
                }

                output.AddRange(bytes);
                output.AddRange(new byte[32 - bytes.Length]);
                break;
            }

            case AbiKind.Bytes:
            case AbiKind.String:
            {
                var bytes = type.Kind == AbiKind.String
                    ? Encoding.UTF8.GetBytes(value as string ?? throw AbiType.Invalid($"string: expected a string, got {Describe(value)}"))
                    : value as byte[] ?? throw AbiType.Invalid($"bytes: expected bytes, got {Describe(value)}");
                WriteWord(output, bytes.Length);
                output.AddRange(bytes);
                output.AddRange(new byte[(32 - (bytes.Length % 32)) % 32]);
                break;
            }

            case AbiKind.Array:
            {
                var items = value as IReadOnlyList<object> ?? throw AbiType.Invalid($"{type}: expected a list, got {Describe(value)}");
                if (type.Length is { } k && items.Count != k)
                {
                    throw AbiType.Invalid($"{type}: expected {k} elements, got {items.Count}");
                }

                if (type.Length is null)
                {
                    WriteWord(output, items.Count);
                }

                EncodeTuple(Enumerable.Repeat(type.Element!, items.Count).ToList(), items, output);
                break;
            }

            default:
            {
                var items = value as IReadOnlyList<object> ?? throw AbiType.Invalid($"{type}: expected a list, got {Describe(value)}");
                EncodeTuple(type.Components, items, output);
                break;
            }
        }
    }

    private static List<object> DecodeTuple(IReadOnlyList<AbiType> types, ReadOnlySpan<byte> data, int start, int depth)
    {
        if (depth > 32)
        {
            throw AbiType.Invalid("nested too deeply");
        }

        var values = new List<object>(types.Count);
        var position = start;
        foreach (var type in types)
        {
            if (type.IsDynamic)
            {
                var offset = ReadLength(data, position, "offset");
                if ((long)start + offset > data.Length)
                {
                    throw AbiType.Invalid($"{type}: offset {offset} points past the data");
                }

                values.Add(DecodeValue(type, data, start + offset, depth));
                position += 32;
            }
            else
            {
                values.Add(DecodeValue(type, data, position, depth));
                position += type.StaticSize;
            }
        }

        return values;
    }

    private static object DecodeValue(AbiType type, ReadOnlySpan<byte> data, int at, int depth)
    {
        switch (type.Kind)
        {
            case AbiKind.UInt:
            {
                var word = Word(data, at, type);
                var v = new BigInteger(word, isUnsigned: true, isBigEndian: true);
                if (v >= BigInteger.One << type.Size)
                {
                    throw AbiType.Invalid($"{type}: value has bits above {type.Size}");
                }

                return v;
            }

            case AbiKind.Int:
            {
                var v = new BigInteger(Word(data, at, type), isUnsigned: false, isBigEndian: true);
                var limit = BigInteger.One << (type.Size - 1);
                if (v < -limit || v >= limit)
                {
                    throw AbiType.Invalid($"{type}: value is not sign-extended from {type.Size} bits");
                }

                return v;
            }

            case AbiKind.Address:
            {
                var word = Word(data, at, type);
                if (word[..12].IndexOfAnyExcept((byte)0) >= 0)
                {
                    throw AbiType.Invalid("address: non-zero high bytes");
                }

                return RskAddress.FromBytes(word[12..]);
            }

            case AbiKind.Bool:
            {
                var word = Word(data, at, type);
                if (word[..31].IndexOfAnyExcept((byte)0) >= 0 || word[31] > 1)
                {
                    throw AbiType.Invalid("bool: value is neither 0 nor 1");
                }

                return word[31] == 1;
            }

            case AbiKind.FixedBytes:
            {
                var word = Word(data, at, type);
                if (word[type.Size..].IndexOfAnyExcept((byte)0) >= 0)
                {
                    throw AbiType.Invalid($"{type}: non-zero padding");
                }

                return word[..type.Size].ToArray();
            }

            case AbiKind.Bytes:
            case AbiKind.String:
            {
                var length = ReadLength(data, at, "length");
                if ((long)at + 32 + length > data.Length)
                {
                    throw AbiType.Invalid($"{type}: length {length} runs past the data");
                }

                var bytes = data.Slice(at + 32, length);
                if (type.Kind == AbiKind.Bytes)
                {
                    return bytes.ToArray();
                }

                try
                {
                    return new UTF8Encoding(false, true).GetString(bytes);
                }
                catch (DecoderFallbackException ex)
                {
                    throw new RskException(RskErrorKind.InvalidEncoding, "abi: string is not valid UTF-8", ex);
                }
            }

            case AbiKind.Array:
            {
                var count = type.Length ?? ReadLength(data, at, "array length");
                var body = type.Length is null ? at + 32 : at;
                // Every element takes at least one word of head: bounds the count by the data (no huge allocations).
                if ((long)count * 32 > data.Length - (long)body && count > 0)
                {
                    throw AbiType.Invalid($"{type}: {count} elements cannot fit the data");
                }

                return DecodeTuple(Enumerable.Repeat(type.Element!, count).ToList(), data, body, depth + 1);
            }

            default:
                return DecodeTuple(type.Components, data, at, depth + 1);
        }
    }

    private static ReadOnlySpan<byte> Word(ReadOnlySpan<byte> data, int at, AbiType type)
    {
        if (at < 0 || (long)at + 32 > data.Length)
        {
            throw AbiType.Invalid($"{type}: data too short");
        }

        return data.Slice(at, 32);
    }

    private static int ReadLength(ReadOnlySpan<byte> data, int at, string what)
    {
        if (at < 0 || (long)at + 32 > data.Length)
        {
            throw AbiType.Invalid($"{what}: data too short");
        }

        var word = data.Slice(at, 32);
        if (word[..28].IndexOfAnyExcept((byte)0) >= 0 || word[28] >= 0x80)
        {
            throw AbiType.Invalid($"{what} too large");
        }

        return System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(word[28..]);
    }

    private static void WriteWord(List<byte> output, BigInteger value)
    {
        Span<byte> word = stackalloc byte[32];
        word.Fill(value.Sign < 0 ? (byte)0xff : (byte)0);
        var count = value.GetByteCount(isUnsigned: value.Sign >= 0);
        value.TryWriteBytes(word[(32 - count)..], out _, isUnsigned: value.Sign >= 0, isBigEndian: true);
        output.AddRange(word);
    }

    private static BigInteger AsInteger(AbiType type, object value) => value switch
    {
        BigInteger b => b,
        int i => i,
        long l => l,
        ulong u => u,
        uint u => u,
        _ => throw AbiType.Invalid($"{type}: expected an integer, got {Describe(value)}"),
    };

    private static string Describe(object? value) => value?.GetType().Name ?? "null";

    /// <summary>
    /// A value from JSON: integers as JSON numbers, decimal strings or 0x hex strings; addresses and bytes as 0x hex;
    /// arrays and tuples as JSON arrays. Addresses are checked against <paramref name="chainId"/>'s checksum (EIP-55 when null).
    /// </summary>
    public static object FromJson(AbiType type, JsonNode? node, long? chainId = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        switch (type.Kind)
        {
            case AbiKind.UInt:
            case AbiKind.Int:
                return ParseInteger(type, node);
            case AbiKind.Address:
                return RskAddress.Parse(StringOf(type, node), chainId);
            case AbiKind.Bool:
                return node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : throw AbiType.Invalid($"bool: expected true or false, got {node?.ToJsonString() ?? "null"}");
            case AbiKind.FixedBytes:
            case AbiKind.Bytes:
                return ParseHex(type, StringOf(type, node));
            case AbiKind.String:
                return StringOf(type, node);
            default:
            {
                var array = node as JsonArray ?? throw AbiType.Invalid($"{type}: expected a JSON array, got {node?.ToJsonString() ?? "null"}");
                var types = type.Kind == AbiKind.Tuple ? type.Components : Enumerable.Repeat(type.Element!, array.Count).ToList();
                if (types.Count != array.Count)
                {
                    throw AbiType.Invalid($"{type}: expected {types.Count} elements, got {array.Count}");
                }

                return types.Select((t, i) => FromJson(t, array[i], chainId)).ToList();
            }
        }
    }

    /// <summary>Values of a type list from a JSON array.</summary>
    public static IReadOnlyList<object> FromJson(IReadOnlyList<AbiType> types, JsonArray values, long? chainId = null)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(values);
        return (IReadOnlyList<object>)FromJson(AbiType.Tuple(types), values, chainId);
    }

    /// <summary>A value as JSON: integers as decimal strings, addresses checksummed (EIP-1191 for <paramref name="chainId"/>, EIP-55 when null), bytes as 0x hex.</summary>
    public static JsonNode ToJson(AbiType type, object value, long? chainId = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.Kind switch
        {
            AbiKind.UInt or AbiKind.Int => JsonValue.Create(((BigInteger)value).ToString(CultureInfo.InvariantCulture)),
            AbiKind.Address => JsonValue.Create(((RskAddress)value).ToChecksumString(chainId)),
            AbiKind.Bool => JsonValue.Create((bool)value),
            AbiKind.FixedBytes or AbiKind.Bytes => JsonValue.Create("0x" + Convert.ToHexStringLower((byte[])value)),
            AbiKind.String => JsonValue.Create((string)value),
            _ => ToJsonArray(type.Kind == AbiKind.Tuple ? type.Components : Enumerable.Repeat(type.Element!, ((IReadOnlyList<object>)value).Count).ToList(), (IReadOnlyList<object>)value, chainId),
        };
    }

    /// <summary>A list of values as a JSON array.</summary>
    public static JsonArray ToJsonArray(IReadOnlyList<AbiType> types, IReadOnlyList<object> values, long? chainId = null)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(values);
        var array = new JsonArray();
        for (var i = 0; i < types.Count; i++)
        {
            array.Add(ToJson(types[i], values[i], chainId));
        }

        return array;
    }

    private static string StringOf(AbiType type, JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw AbiType.Invalid($"{type}: expected a string, got {node?.ToJsonString() ?? "null"}");

    private static BigInteger ParseInteger(AbiType type, JsonNode? node)
    {
        if (node is JsonValue v && v.TryGetValue<long>(out var l))
        {
            return l;
        }

        var text = StringOf(type, node).Trim();
        var negative = text.StartsWith('-');
        var digits = negative ? text[1..] : text;
        BigInteger value;
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            value = digits.Length > 2 && digits[2..].All(char.IsAsciiHexDigit)
                ? BigInteger.Parse("0" + digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)
                : throw AbiType.Invalid($"{type}: '{text}' is not an integer");
        }
        else if (digits.Length > 0 && digits.All(char.IsAsciiDigit))
        {
            value = BigInteger.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        else
        {
            throw AbiType.Invalid($"{type}: '{text}' is not an integer");
        }

        return negative ? -value : value;
    }

    private static byte[] ParseHex(AbiType type, string text)
    {
        var body = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (body.Length % 2 != 0 || !body.All(char.IsAsciiHexDigit))
        {
            throw AbiType.Invalid($"{type}: '{(text.Length > 40 ? text[..40] + "..." : text)}' is not 0x-prefixed hex");
        }

        return Convert.FromHexString(body);
    }
}
