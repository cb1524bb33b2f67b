using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OPSource.Layers.Stacks.Clarity;

/// <summary>
/// A Clarity type signature (<c>int</c>, <c>uint</c>, <c>bool</c>, <c>principal</c>, <c>(buff N)</c>,
/// <c>(string-ascii N)</c>, <c>(string-utf8 N)</c>, <c>(optional T)</c>, <c>(response T E)</c>,
/// <c>(list N T)</c>, <c>(tuple (k T) ...)</c> or <c>{k: T}</c>). <see cref="Check"/> tells whether a value
/// fits, with an error naming the first place where it does not.
/// </summary>
public abstract record ClarityType
{
    /// <summary>Parses a type signature.</summary>
    public static ClarityType Parse(string text)
    {
        int pos = 0;
        var type = ParseType(text, ref pos);
        Skip(text, ref pos);
        return pos == text.Length ? type : throw Fail(text, pos, "unexpected text after the type");
    }

    /// <summary>
    /// Reads a type in the JSON form of a contract interface (<c>/v2/contracts/interface</c>, stacks-core's
    /// <c>ContractInterfaceAtomType</c>): <c>"uint128"</c>, <c>"int128"</c>, <c>"bool"</c>, <c>"principal"</c>,
    /// <c>"trait_reference"</c>, <c>{"buffer":{"length":N}}</c>, <c>{"string-ascii":{"length":N}}</c>,
    /// <c>{"string-utf8":{"length":N}}</c>, <c>{"optional":T}</c>, <c>{"response":{"ok":T,"error":E}}</c>,
    /// <c>{"list":{"type":T,"length":N}}</c>, <c>{"tuple":[{"name":K,"type":T}...]}</c>.
    /// </summary>
    public static ClarityType FromAbi(JsonElement type)
    {
        static StacksException Bad(JsonElement t) => new("clarity_type_syntax", $"contract interface: unknown type {Clip(t.GetRawText())}");
        static string Clip(string s) => s.Length > 80 ? s[..80] + "..." : s;
        static int Length(JsonElement t) => t.TryGetProperty("length", out var n) && n.TryGetInt32(out int v) && v >= 0 ? v : throw Bad(t);
        if (type.ValueKind == JsonValueKind.String)
        {
            return type.GetString() switch
            {
                "uint128" => new SimpleType("uint"),
                "int128" => new SimpleType("int"),
                "bool" => new SimpleType("bool"),
                "principal" => new SimpleType("principal"),
                "trait_reference" => new SimpleType("trait_reference"),
                _ => throw Bad(type),
            };
        }

        if (type.ValueKind != JsonValueKind.Object)
        {
            throw Bad(type);
        }

        JsonProperty? only = null;
        foreach (var member in type.EnumerateObject())
        {
            only = member;
            break;
        }

        if (only is not { } kind)
        {
            throw Bad(type);
        }

        var (name, body) = (kind.Name, kind.Value);
        switch (name)
        {
            case "buffer" when body.ValueKind == JsonValueKind.Object:
                return new BufferType(Length(body));
            case "string-ascii" when body.ValueKind == JsonValueKind.Object:
                return new StringAsciiType(Length(body));
            case "string-utf8" when body.ValueKind == JsonValueKind.Object:
                return new StringUtf8Type(Length(body));
            case "optional":
                return new OptionalType(FromAbi(body));
            case "response" when body.ValueKind == JsonValueKind.Object && body.TryGetProperty("ok", out var ok) && body.TryGetProperty("error", out var err):
                return new ResponseType(FromAbi(ok), FromAbi(err));
            case "list" when body.ValueKind == JsonValueKind.Object && body.TryGetProperty("type", out var item):
                return new ListType(Length(body), FromAbi(item));
            case "tuple" when body.ValueKind == JsonValueKind.Array:
                var fields = ImmutableSortedDictionary.CreateBuilder<string, ClarityType>(StringComparer.Ordinal);
                foreach (var field in body.EnumerateArray())
                {
                    if (field.ValueKind != JsonValueKind.Object || !field.TryGetProperty("name", out var key) || key.ValueKind != JsonValueKind.String
                        || !field.TryGetProperty("type", out var fieldType))
                    {
                        throw Bad(type);
                    }

                    fields[key.GetString()!] = FromAbi(fieldType);
                }

                return new TupleType(fields.ToImmutable());
            default:
                throw Bad(type);
        }
    }

    /// <summary>Throws <see cref="StacksException"/> (<c>clarity_type</c>) unless <paramref name="value"/> fits.</summary>
    public void Check(ClarityValue value)
    {
        string? error = Mismatch(value, "value");
        if (error is not null)
        {
            throw new StacksException("clarity_type", $"clarity: {error}");
        }
    }

    /// <summary>Null when the value fits, else why not (naming <paramref name="path"/>).</summary>
    public abstract string? Mismatch(ClarityValue value, string path);

    /// <summary>The signature in Clarity syntax.</summary>
    public abstract override string ToString();

    private static StacksException Fail(string text, int pos, string message) =>
        new("clarity_type_syntax", $"clarity type: {message} at position {pos} of '{text}'");

    private static void Skip(string text, ref int pos)
    {
        while (pos < text.Length && (char.IsWhiteSpace(text[pos]) || text[pos] == ','))
        {
            pos++;
        }
    }

    private static string Word(string text, ref int pos)
    {
        Skip(text, ref pos);
        int start = pos;
        while (pos < text.Length && !char.IsWhiteSpace(text[pos]) && text[pos] is not ('(' or ')' or '{' or '}' or ','))
        {
            pos++;
            if (text[pos - 1] == ':')
            {
                break;
            }
        }

        return pos == start ? throw Fail(text, pos, "expected a type") : text[start..pos];
    }

    private static int Number(string text, ref int pos)
    {
        string word = Word(text, ref pos);
        return int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw Fail(text, pos, $"'{word}' is not a length");
    }

    private static void Expect(string text, ref int pos, char c)
    {
        Skip(text, ref pos);
        if (pos >= text.Length || text[pos] != c)
        {
            throw Fail(text, pos, $"expected '{c}'");
        }

        pos++;
    }

    private static ClarityType ParseType(string text, ref int pos)
    {
        Skip(text, ref pos);
        if (pos < text.Length && text[pos] == '{')
        {
            pos++;
            var fields = ImmutableSortedDictionary.CreateBuilder<string, ClarityType>(StringComparer.Ordinal);
            while (true)
            {
                Skip(text, ref pos);
                if (pos < text.Length && text[pos] == '}')
                {
                    pos++;
                    return new TupleType(fields.ToImmutable());
                }

                string key = Word(text, ref pos).TrimEnd(':');
                Skip(text, ref pos);
                if (pos < text.Length && text[pos] == ':')
                {
                    pos++;
                }

                fields[key] = ParseType(text, ref pos);
            }
        }

        if (pos < text.Length && text[pos] == '(')
        {
            pos++;
            string head = Word(text, ref pos);
            ClarityType result;
            switch (head)
            {
                case "buff":
                    result = new BufferType(Number(text, ref pos));
                    break;
                case "string-ascii":
                    result = new StringAsciiType(Number(text, ref pos));
                    break;
                case "string-utf8":
                    result = new StringUtf8Type(Number(text, ref pos));
                    break;
                case "optional":
                    result = new OptionalType(ParseType(text, ref pos));
                    break;
                case "response":
                    var ok = ParseType(text, ref pos);
                    result = new ResponseType(ok, ParseType(text, ref pos));
                    break;
                case "list":
                    int max = Number(text, ref pos);
                    result = new ListType(max, ParseType(text, ref pos));
                    break;
                case "tuple":
                    var fields = ImmutableSortedDictionary.CreateBuilder<string, ClarityType>(StringComparer.Ordinal);
                    while (true)
                    {
                        Skip(text, ref pos);
                        if (pos < text.Length && text[pos] == ')')
                        {
                            break;
                        }

                        Expect(text, ref pos, '(');
                        string key = Word(text, ref pos);
                        fields[key] = ParseType(text, ref pos);
                        Expect(text, ref pos, ')');
                    }

                    result = new TupleType(fields.ToImmutable());
                    break;
                default:
                    throw Fail(text, pos, $"unknown type '({head}'");
            }

            Expect(text, ref pos, ')');
            return result;
        }

        string word = Word(text, ref pos);
        return word switch
        {
            "int" => new SimpleType("int"),
            "uint" => new SimpleType("uint"),
            "bool" => new SimpleType("bool"),
            "principal" => new SimpleType("principal"),
            _ => throw Fail(text, pos, $"unknown type '{word}'"),
        };
    }

    /// <summary>int, uint, bool, principal (and trait_reference, from a contract interface: a contract principal).</summary>
    public sealed record SimpleType(string Name) : ClarityType
    {
        /// <inheritdoc />
        public override string? Mismatch(ClarityValue value, string path)
        {
            bool fits = Name switch
            {
                "int" => value is ClarityInt,
                "uint" => value is ClarityUInt,
                "bool" => value is ClarityBool,
                "trait_reference" => value is ClarityContractPrincipal, // a trait argument is a contract principal (SIP-005)
                _ => value is ClarityStandardPrincipal or ClarityContractPrincipal,
            };
            return fits ? null : $"{path} {Short(value)} is not {Name}";
        }

        /// <inheritdoc />
        public override string ToString() => Name;
    }

    /// <summary>(buff N).</summary>
    public sealed record BufferType(int MaxLength) : ClarityType
    {
        /// <inheritdoc />
        public override string? Mismatch(ClarityValue value, string path) => value switch
        {
            ClarityBuffer b when b.Bytes.Length <= MaxLength => null,
            ClarityBuffer b => $"{path} is {b.Bytes.Length} bytes, more than {this} allows",
            _ => $"{path} {Short(value)} is not {this}",
        };

        /// <inheritdoc />
        public override string ToString() => $"(buff {MaxLength})";
    }

    /// <summary>(string-ascii N).</summary>
    public sealed record StringAsciiType(int MaxLength) : ClarityType
    {
        /// <inheritdoc />
        public override string? Mismatch(ClarityValue value, string path) => value switch
        {
            ClarityStringAscii s when s.Value.Length <= MaxLength => null,
            ClarityStringAscii s => $"{path} is {s.Value.Length} characters, more than {this} allows",
            _ => $"{path} {Short(value)} is not {this}",
        };

        /// <inheritdoc />
        public override string ToString() => $"(string-ascii {MaxLength})";
    }

    /// <summary>(string-utf8 N): N counts Unicode scalar values.</summary>
    public sealed record StringUtf8Type(int MaxLength) : ClarityType
    {
        /// <inheritdoc />
        public override string? Mismatch(ClarityValue value, string path)
        {
            if (value is not ClarityStringUtf8 s)
            {
                return $"{path} {Short(value)} is not {this}";
            }

            int count = s.Value.EnumerateRunes().Count();
            return count <= MaxLength ? null : $"{path} is {count} characters, more than {this} allows";
        }

        /// <inheritdoc />
        public override string ToString() => $"(string-utf8 {MaxLength})";
    }

    /// <summary>(optional T).</summary>
    public sealed record OptionalType(ClarityType Inner) : ClarityType
    {
        /// <inheritdoc />
        public override string? Mismatch(ClarityValue value, string path) => value switch
        {
            ClarityOptional { Value: null } => null,
            ClarityOptional o => Inner.Mismatch(o.Value!, $"{path} (some)"),
            _ => $"{path} {Short(value)} is not {this}",
        };

        /// <inheritdoc />
        public override string ToString() => $"(optional {Inner})";
    }

    /// <summary>(response T E).</summary>
    public sealed record ResponseType(ClarityType Ok, ClarityType Err) : ClarityType
    {
        /// <inheritdoc />
        public override string? Mismatch(ClarityValue value, string path) => value switch
        {
            ClarityResponse { IsOk: true } r => Ok.Mismatch(r.Value, $"{path} (ok)"),
            ClarityResponse r => Err.Mismatch(r.Value, $"{path} (err)"),
            _ => $"{path} {Short(value)} is not {this}",
        };

        /// <inheritdoc />
        public override string ToString() => $"(response {Ok} {Err})";
    }

    /// <summary>(list N T).</summary>
    public sealed record ListType(int MaxLength, ClarityType Item) : ClarityType
    {
        /// <inheritdoc />
        public override string? Mismatch(ClarityValue value, string path)
        {
            if (value is not ClarityList l)
            {
                return $"{path} {Short(value)} is not {this}";
            }

            if (l.Items.Length > MaxLength)
            {
                return $"{path} has {l.Items.Length} items, more than {this} allows";
            }

            for (int i = 0; i < l.Items.Length; i++)
            {
                if (Item.Mismatch(l.Items[i], $"{path}[{i}]") is { } error)
                {
                    return error;
                }
            }

            return null;
        }

        /// <inheritdoc />
        public override string ToString() => $"(list {MaxLength} {Item})";
    }

    /// <summary>(tuple (k T) ...).</summary>
    public sealed record TupleType(ImmutableSortedDictionary<string, ClarityType> Fields) : ClarityType
    {
        /// <inheritdoc />
        public override string? Mismatch(ClarityValue value, string path)
        {
            if (value is not ClarityTuple t)
            {
                return $"{path} {Short(value)} is not a tuple";
            }

            foreach (var key in t.Entries.Keys)
            {
                if (!Fields.ContainsKey(key))
                {
                    return $"{path} has key '{key}' that {this} does not declare";
                }
            }

            foreach (var (key, type) in Fields)
            {
                if (!t.Entries.TryGetValue(key, out var item))
                {
                    return $"{path} lacks key '{key}' of {this}";
                }

                if (type.Mismatch(item, $"{path}.{key}") is { } error)
                {
                    return error;
                }
            }

            return null;
        }

        /// <inheritdoc />
        public override string ToString()
        {
            var sb = new StringBuilder("(tuple");
            foreach (var (key, type) in Fields)
            {
                sb.Append(" (").Append(key).Append(' ').Append(type).Append(')');
            }

            return sb.Append(')').ToString();
        }
    }

    private static string Short(ClarityValue value)
    {
        string text = ClarityText.Print(value);
        return text.Length > 40 ? text[..40] + "..." : text;
    }
}
