using System.Globalization;
using System.Text;

namespace OPSource.Layers.Rsk.Abi;

/// <summary>The kinds of Solidity ABI types (Solidity ABI specification, "Types").</summary>
public enum AbiKind
{
    /// <summary><c>uint&lt;M&gt;</c>, 8 &lt;= M &lt;= 256, M % 8 == 0.</summary>
    UInt,

    /// <summary><c>int&lt;M&gt;</c> (two's complement).</summary>
    Int,

    /// <summary><c>address</c> (uint160).</summary>
    Address,

    /// <summary><c>bool</c>.</summary>
    Bool,

    /// <summary><c>bytes&lt;M&gt;</c>, 0 &lt; M &lt;= 32.</summary>
    FixedBytes,

    /// <summary>Dynamic <c>bytes</c>.</summary>
    Bytes,

    /// <summary>Dynamic UTF-8 <c>string</c>.</summary>
    String,

    /// <summary><c>T[k]</c> (fixed length) or <c>T[]</c> (dynamic length).</summary>
    Array,

    /// <summary><c>(T1,...,Tn)</c>.</summary>
    Tuple,
}

/// <summary>A parsed ABI type. <see cref="ToString"/> gives the canonical form used in signatures.</summary>
public sealed class AbiType : IEquatable<AbiType>
{
    private AbiType(AbiKind kind, int size, AbiType? element, int? length, IReadOnlyList<AbiType>? components)
    {
        Kind = kind;
        Size = size;
        Element = element;
        Length = length;
        Components = components ?? [];
        Canonical = kind switch
        {
            AbiKind.UInt => "uint" + size.ToString(CultureInfo.InvariantCulture),
            AbiKind.Int => "int" + size.ToString(CultureInfo.InvariantCulture),
            AbiKind.Address => "address",
            AbiKind.Bool => "bool",
            AbiKind.FixedBytes => "bytes" + size.ToString(CultureInfo.InvariantCulture),
            AbiKind.Bytes => "bytes",
            AbiKind.String => "string",
            AbiKind.Array => element!.Canonical + "[" + (length?.ToString(CultureInfo.InvariantCulture) ?? "") + "]",
            _ => "(" + string.Join(",", Components.Select(c => c.Canonical)) + ")",
        };
    }

    /// <summary>What kind of type.</summary>
    public AbiKind Kind { get; }

    /// <summary>Bits for (u)int, bytes for bytesN, 0 otherwise.</summary>
    public int Size { get; }

    /// <summary>Element type of an array.</summary>
    public AbiType? Element { get; }

    /// <summary>Length of a fixed-size array; null for <c>T[]</c>.</summary>
    public int? Length { get; }

    /// <summary>Tuple components.</summary>
    public IReadOnlyList<AbiType> Components { get; }

    /// <summary>Canonical text (<c>uint256</c>, <c>(address,bytes)[2]</c>).</summary>
    public string Canonical { get; }

    /// <summary>True for dynamic types: bytes, string, T[], and T[k] or tuples containing one.</summary>
    public bool IsDynamic => Kind switch
    {
        AbiKind.Bytes or AbiKind.String => true,
        AbiKind.Array => Length is null || Element!.IsDynamic,
        AbiKind.Tuple => Components.Any(c => c.IsDynamic),
        _ => false,
    };

    /// <summary>Bytes the head of a static type takes (32 for elementary types).</summary>
    internal int StaticSize => Kind switch
    {
        AbiKind.Array => Length!.Value * Element!.StaticSize,
        AbiKind.Tuple => Components.Sum(c => c.StaticSize),
        _ => 32,
    };

    /// <summary>uint256 and friends.</summary>
    public static AbiType UInt(int bits) => new(AbiKind.UInt, CheckBits(bits), null, null, null);

    /// <summary>int256 and friends.</summary>
    public static AbiType Int(int bits) => new(AbiKind.Int, CheckBits(bits), null, null, null);

    /// <summary>address.</summary>
    public static AbiType Address { get; } = new(AbiKind.Address, 0, null, null, null);

    /// <summary>bool.</summary>
    public static AbiType Bool { get; } = new(AbiKind.Bool, 0, null, null, null);

    /// <summary>bytes.</summary>
    public static AbiType DynamicBytes { get; } = new(AbiKind.Bytes, 0, null, null, null);

    /// <summary>string.</summary>
    public static AbiType String { get; } = new(AbiKind.String, 0, null, null, null);

    /// <summary>bytesN.</summary>
    public static AbiType FixedBytes(int size) => size is >= 1 and <= 32
        ? new(AbiKind.FixedBytes, size, null, null, null)
        : throw Invalid($"bytes{size}: size must be 1..32");

    /// <summary>T[k] or T[] (length null).</summary>
    public static AbiType Array(AbiType element, int? length) => new(AbiKind.Array, 0, element ?? throw new ArgumentNullException(nameof(element)), length is null or >= 1 ? length : throw Invalid("a fixed-size array needs a length of at least 1 (Solidity)"), null);

    /// <summary>(T1,...,Tn).</summary>
    public static AbiType Tuple(IReadOnlyList<AbiType> components) => new(AbiKind.Tuple, 0, null, null, components ?? throw new ArgumentNullException(nameof(components)));

    /// <summary>Parses a type (<c>uint</c> is <c>uint256</c>, <c>int</c> is <c>int256</c>; tuples in parentheses, optionally prefixed <c>tuple</c>).</summary>
    public static AbiType Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var position = 0;
        var type = ParseType(text, ref position);
        SkipSpaces(text, ref position);
        if (position != text.Length)
        {
            throw Invalid($"'{text}': unexpected '{text[position..]}'");
        }

        return type;
    }

    /// <summary>Parses a comma-separated type list (<c>address,uint256</c>; empty text is the empty list).</summary>
    public static IReadOnlyList<AbiType> ParseList(string text) => ParseParameters(text).Select(p => p.Type).ToList();

    internal static List<AbiParameter> ParseParameters(string text)
    {
        var list = new List<AbiParameter>();
        var position = 0;
        SkipSpaces(text, ref position);
        if (position == text.Length)
        {
            return list;
        }

        while (true)
        {
            list.Add(ParseParameter(text, ref position));
            SkipSpaces(text, ref position);
            if (position == text.Length)
            {
                return list;
            }

            if (text[position] != ',')
            {
                throw Invalid($"'{text}': expected ',' at '{text[position..]}'");
            }

            position++;
        }
    }

    private static AbiParameter ParseParameter(string text, ref int position)
    {
        var type = ParseType(text, ref position);
        var indexed = false;
        string? name = null;
        for (var word = ReadWord(text, ref position); word.Length > 0; word = ReadWord(text, ref position))
        {
            if (word == "indexed" && !indexed && name is null)
            {
                indexed = true;
            }
            else if (name is null && word != "memory" && word != "calldata" && word != "storage")
            {
                name = word;
            }
        }

        return new AbiParameter(type, name, indexed);
    }

    private static AbiType ParseType(string text, ref int position)
    {
        SkipSpaces(text, ref position);
        AbiType type;
        if (text.AsSpan(position).StartsWith("tuple(", StringComparison.Ordinal))
        {
            position += 5;
        }

        if (position < text.Length && text[position] == '(')
        {
            var close = MatchingParen(text, position);
            var inner = text[(position + 1)..close];
            type = Tuple(ParseParameters(inner).Select(p => p.Type).ToList());
            position = close + 1;
        }
        else
        {
            var start = position;
            while (position < text.Length && char.IsAsciiLetterOrDigit(text[position]))
            {
                position++;
            }

            type = Elementary(text[start..position]);
        }

        while (position < text.Length && text[position] == '[')
        {
            var close = text.IndexOf(']', position);
            if (close < 0)
            {
                throw Invalid($"'{text}': unclosed '['");
            }

            var inside = text[(position + 1)..close];
            int? length = inside.Length == 0 ? null
                : int.TryParse(inside, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
                : throw Invalid($"'{text}': bad array length '{inside}'");
            type = Array(type, length);
            position = close + 1;
        }

        return type;
    }

    private static AbiType Elementary(string name)
    {
        switch (name)
        {
            case "address": return Address;
            case "bool": return Bool;
            case "string": return String;
            case "bytes": return DynamicBytes;
            case "uint": return UInt(256);
            case "int": return Int(256);
            case "": throw Invalid("missing type");
        }

        if (name.StartsWith("uint", StringComparison.Ordinal) && TryNumber(name[4..], out var u))
        {
            return UInt(u);
        }

        if (name.StartsWith("int", StringComparison.Ordinal) && TryNumber(name[3..], out var i))
        {
            return Int(i);
        }

        if (name.StartsWith("bytes", StringComparison.Ordinal) && TryNumber(name[5..], out var b))
        {
            return FixedBytes(b);
        }

        throw Invalid($"unknown type '{name}'");
    }

    private static bool TryNumber(string s, out int value) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value) && s.Length > 0 && s[0] != '0';

    private static int CheckBits(int bits) => bits is >= 8 and <= 256 && bits % 8 == 0 ? bits : throw Invalid($"integer size {bits} must be a multiple of 8 in 8..256");

    private static int MatchingParen(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            depth += text[i] == '(' ? 1 : text[i] == ')' ? -1 : 0;
            if (depth == 0)
            {
                return i;
            }
        }

        throw Invalid($"'{text}': unbalanced parentheses");
    }

    private static string ReadWord(string text, ref int position)
    {
        SkipSpaces(text, ref position);
        var start = position;
        while (position < text.Length && (char.IsAsciiLetterOrDigit(text[position]) || text[position] is '_' or '$'))
        {
            position++;
        }

        return text[start..position];
    }

    private static void SkipSpaces(string text, ref int position)
    {
        while (position < text.Length && char.IsWhiteSpace(text[position]))
        {
            position++;
        }
    }

    internal static RskException Invalid(string message) => new(RskErrorKind.InvalidEncoding, "abi: " + message);

    /// <inheritdoc />
    public override string ToString() => Canonical;

    /// <inheritdoc />
    public bool Equals(AbiType? other) => other is not null && Canonical == other.Canonical;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as AbiType);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Canonical);
}

/// <summary>A named parameter of a function or event.</summary>
/// <param name="Type">Its type.</param>
/// <param name="Name">Its name, when given.</param>
/// <param name="Indexed">For event parameters: a topic rather than data.</param>
public sealed record AbiParameter(AbiType Type, string? Name, bool Indexed);

/// <summary>Text helpers.</summary>
internal static class AbiText
{
    public static string Signature(string name, IEnumerable<AbiType> types)
    {
        var sb = new StringBuilder(name).Append('(');
        sb.AppendJoin(',', types.Select(t => t.Canonical));
        return sb.Append(')').ToString();
    }
}
