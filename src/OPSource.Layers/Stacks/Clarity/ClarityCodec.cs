using System.Collections.Immutable;
using System.Text;
using OPSource.Bitcoin.Encoding;

namespace OPSource.Layers.Stacks.Clarity;

/// <summary>The Clarity value wire encoding (SIP-005 "Clarity Value Representation"), both ways.</summary>
public static class ClarityCodec
{
    /// <summary>Clarity's MAX_VALUE_SIZE (1 MiB): no serialized value may be larger.</summary>
    public const int MaxValueSize = 1024 * 1024;

    /// <summary>Clarity's MAX_TYPE_DEPTH: values nest at most 32 deep.</summary>
    public const int MaxDepth = 32;

    /// <summary>Serializes a value.</summary>
    public static byte[] Serialize(ClarityValue value)
    {
        var writer = new WireWriter();
        Write(writer, value);
        return writer.ToArray();
    }

    /// <summary>Serializes a value to lower-case hex.</summary>
    public static string ToHex(ClarityValue value) => Hex.Encode(Serialize(value));

    /// <summary>Writes a value.</summary>
    public static void Write(WireWriter w, ClarityValue value)
    {
        w.U8((byte)value.TypeId);
        switch (value)
        {
            case ClarityInt i:
                w.U128((UInt128)i.Value);
                break;
            case ClarityUInt u:
                w.U128(u.Value);
                break;
            case ClarityBuffer b:
                w.U32((uint)b.Bytes.Length);
                w.Bytes(b.Bytes);
                break;
            case ClarityBool:
                break;
            case ClarityStandardPrincipal p:
                WriteAddress(w, p.Address);
                break;
            case ClarityContractPrincipal c:
                WriteAddress(w, c.Address);
                w.Name(c.Name);
                break;
            case ClarityResponse r:
                Write(w, r.Value);
                break;
            case ClarityOptional o:
                if (o.Value is not null)
                {
                    Write(w, o.Value);
                }

                break;
            case ClarityList l:
                w.U32((uint)l.Items.Length);
                foreach (var item in l.Items)
                {
                    Write(w, item);
                }

                break;
            case ClarityTuple t:
                w.U32((uint)t.Entries.Count);
                foreach (var (key, item) in t.Entries)
                {
                    w.Name(key);
                    Write(w, item);
                }

                break;
            case ClarityStringAscii s:
                byte[] ascii = Encoding.ASCII.GetBytes(s.Value);
                w.U32((uint)ascii.Length);
                w.Bytes(ascii);
                break;
            case ClarityStringUtf8 s:
                byte[] utf8 = Encoding.UTF8.GetBytes(s.Value);
                w.U32((uint)utf8.Length);
                w.Bytes(utf8);
                break;
            default:
                throw new ArgumentException($"clarity: unknown value {value.GetType().Name}", nameof(value));
        }
    }

    /// <summary>Writes the version and hash of an address.</summary>
    public static void WriteAddress(WireWriter w, StacksAddress address)
    {
        w.U8(address.Version);
        w.Bytes(address.Hash160);
    }

    /// <summary>Reads the version and hash of an address.</summary>
    public static StacksAddress ReadAddress(WireReader r, string what)
    {
        byte version = r.U8(what + " version");
        if (version >= 32)
        {
            throw new StacksException("stacks_decode", $"stacks decode: {what} version {version} is not below 32");
        }

        return new StacksAddress(version, r.Bytes(20, what + " hash"));
    }

    /// <summary>Deserializes exactly one value from <paramref name="data"/>.</summary>
    public static ClarityValue Deserialize(byte[] data)
    {
        if (data.Length > MaxValueSize)
        {
            throw new StacksException("clarity_decode", $"clarity decode: {data.Length} bytes exceed the 1 MiB value limit");
        }

        var reader = new WireReader(data);
        var value = Read(reader);
        reader.End("Clarity value");
        return value;
    }

    /// <summary>Deserializes a value from hex (an optional 0x prefix is accepted).</summary>
    public static ClarityValue FromHex(string hex)
    {
        hex = hex.Trim();
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[2..];
        }

        return Hex.TryParse(hex, out byte[] bytes, out var error)
            ? Deserialize(bytes)
            : throw new StacksException("clarity_decode", $"clarity decode: {error}");
    }

    /// <summary>Reads one value.</summary>
    public static ClarityValue Read(WireReader r) => Read(r, 1);

    private static ClarityValue Read(WireReader r, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new StacksException("clarity_decode", $"clarity decode: values nest deeper than {MaxDepth}");
        }

        byte prefix = r.U8("Clarity type prefix");
        switch ((ClarityTypeId)prefix)
        {
            case ClarityTypeId.Int:
                return new ClarityInt((Int128)r.U128("int"));
            case ClarityTypeId.UInt:
                return new ClarityUInt(r.U128("uint"));
            case ClarityTypeId.Buffer:
                return new ClarityBuffer(r.Bytes(Length(r, "buffer"), "buffer"));
            case ClarityTypeId.BoolTrue:
                return new ClarityBool(true);
            case ClarityTypeId.BoolFalse:
                return new ClarityBool(false);
            case ClarityTypeId.PrincipalStandard:
                return new ClarityStandardPrincipal(ReadAddress(r, "principal"));
            case ClarityTypeId.PrincipalContract:
                var address = ReadAddress(r, "contract principal");
                string name = r.Name("contract name");
                if (!ClarityValue.IsValidContractName(name))
                {
                    throw new StacksException("clarity_decode", $"clarity decode: contract name '{name}' is not valid");
                }

                return new ClarityContractPrincipal(address, name);
            case ClarityTypeId.ResponseOk:
                return new ClarityResponse(true, Read(r, depth + 1));
            case ClarityTypeId.ResponseErr:
                return new ClarityResponse(false, Read(r, depth + 1));
            case ClarityTypeId.OptionalNone:
                return new ClarityOptional((ClarityValue?)null);
            case ClarityTypeId.OptionalSome:
                return new ClarityOptional(Read(r, depth + 1));
            case ClarityTypeId.List:
                int count = Length(r, "list");
                var items = ImmutableArray.CreateBuilder<ClarityValue>(Math.Min(count, r.Remaining));
                for (int i = 0; i < count; i++)
                {
                    items.Add(Read(r, depth + 1));
                }

                return new ClarityList(items.ToImmutable());
            case ClarityTypeId.Tuple:
                int fields = Length(r, "tuple");
                var entries = new List<KeyValuePair<string, ClarityValue>>(Math.Min(fields, r.Remaining));
                string? previous = null;
                for (int i = 0; i < fields; i++)
                {
                    string key = r.Name("tuple key");
                    if (!ClarityValue.IsValidName(key))
                    {
                        throw new StacksException("clarity_decode", $"clarity decode: tuple key '{key}' is not a Clarity name");
                    }

                    // Clarity serializes tuple entries in sorted order; a node rejects unsorted or repeated keys.
                    if (previous is not null && string.CompareOrdinal(previous, key) >= 0)
                    {
                        throw new StacksException("clarity_decode", $"clarity decode: tuple keys out of order or repeated at '{key}'");
                    }

                    previous = key;
                    entries.Add(KeyValuePair.Create(key, Read(r, depth + 1)));
                }

                return new ClarityTuple(entries);
            case ClarityTypeId.StringAscii:
                var ascii = r.Bytes(Length(r, "string-ascii"), "string-ascii");
                foreach (byte b in ascii)
                {
                    if (b > 0x7e || (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r')))
                    {
                        throw new StacksException("clarity_decode", $"clarity decode: string-ascii holds byte 0x{b:x2}");
                    }
                }

                return new ClarityStringAscii(Encoding.ASCII.GetString(ascii));
            case ClarityTypeId.StringUtf8:
                var utf8 = r.Bytes(Length(r, "string-utf8"), "string-utf8");
                try
                {
                    return new ClarityStringUtf8(new UTF8Encoding(false, true).GetString(utf8));
                }
                catch (DecoderFallbackException)
                {
                    throw new StacksException("clarity_decode", "clarity decode: string-utf8 is not valid UTF-8");
                }

            default:
                throw new StacksException("clarity_decode", $"clarity decode: unknown type prefix 0x{prefix:x2} at offset {r.Position - 1}");
        }
    }

    private static int Length(WireReader r, string what)
    {
        uint length = r.U32(what + " length");
        if (length > MaxValueSize)
        {
            throw new StacksException("clarity_decode", $"clarity decode: {what} length {length} exceeds the 1 MiB value limit");
        }

        return (int)length;
    }
}
