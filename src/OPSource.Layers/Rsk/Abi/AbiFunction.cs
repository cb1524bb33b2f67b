using System.Numerics;

namespace OPSource.Layers.Rsk.Abi;

/// <summary>
/// A contract function from its human-readable signature (<c>transfer(address to, uint256 amount) returns (bool)</c>):
/// selector = first 4 bytes of Keccak-256 of the canonical signature (Solidity ABI specification, "Function Selector").
/// </summary>
public sealed class AbiFunction
{
    private AbiFunction(string name, IReadOnlyList<AbiParameter> inputs, IReadOnlyList<AbiParameter> outputs)
    {
        Name = name;
        Inputs = inputs;
        Outputs = outputs;
        Signature = AbiText.Signature(name, inputs.Select(p => p.Type));
        Selector = Keccak.Hash256(System.Text.Encoding.ASCII.GetBytes(Signature))[..4];
    }

    /// <summary>Function name.</summary>
    public string Name { get; }

    /// <summary>Parameters.</summary>
    public IReadOnlyList<AbiParameter> Inputs { get; }

    /// <summary>Return values.</summary>
    public IReadOnlyList<AbiParameter> Outputs { get; }

    /// <summary>Canonical signature (<c>transfer(address,uint256)</c>).</summary>
    public string Signature { get; }

    /// <summary>The 4-byte selector.</summary>
    public byte[] Selector { get; }

    /// <summary>Input types.</summary>
    public IReadOnlyList<AbiType> InputTypes => Inputs.Select(p => p.Type).ToList();

    /// <summary>Output types.</summary>
    public IReadOnlyList<AbiType> OutputTypes => Outputs.Select(p => p.Type).ToList();

    /// <summary>
    /// Parses <c>[function] name(params) [modifiers] [returns (params)]</c>; <c>name(params)(outputs)</c> also works.
    /// </summary>
    public static AbiFunction Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (name, inputs, rest) = AbiSignatureText.Split(text.Trim(), "function");
        IReadOnlyList<AbiParameter> outputs = [];
        var returns = rest.IndexOf('(', StringComparison.Ordinal);
        if (returns >= 0)
        {
            var close = rest.LastIndexOf(')');
            if (close < returns)
            {
                throw AbiType.Invalid($"'{text}': unbalanced parentheses in returns");
            }

            outputs = AbiType.ParseParameters(rest[(returns + 1)..close]);
        }

        return new AbiFunction(name, inputs, outputs);
    }

    /// <summary>Selector followed by the encoded arguments (transaction or <c>eth_call</c> data).</summary>
    public byte[] EncodeCall(IReadOnlyList<object> arguments) => [.. Selector, .. AbiCodec.Encode(InputTypes, arguments)];

    /// <summary>Decodes call data (checks the selector).</summary>
    public IReadOnlyList<object> DecodeCall(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4 || !data[..4].SequenceEqual(Selector))
        {
            throw AbiType.Invalid($"call data does not start with the selector of {Signature}");
        }

        return AbiCodec.Decode(InputTypes, data[4..]);
    }

    /// <summary>Decodes return data.</summary>
    public IReadOnlyList<object> DecodeOutput(ReadOnlySpan<byte> data) => AbiCodec.Decode(OutputTypes, data);

    /// <summary>The four-byte selector of <c>Error(string)</c>, Solidity's revert reason.</summary>
    public static ReadOnlySpan<byte> ErrorSelector => [0x08, 0xc3, 0x79, 0xa0];

    /// <summary>The four-byte selector of <c>Panic(uint256)</c>.</summary>
    public static ReadOnlySpan<byte> PanicSelector => [0x4e, 0x48, 0x7b, 0x71];

    /// <summary>A readable reason from revert data: <c>Error(string)</c>'s text, <c>Panic(uint256)</c>'s code, or the hex.</summary>
    public static string DescribeRevert(ReadOnlySpan<byte> data)
    {
        try
        {
            if (data.Length >= 4 && data[..4].SequenceEqual(ErrorSelector))
            {
                return (string)AbiCodec.Decode([AbiType.String], data[4..])[0];
            }

            if (data.Length >= 4 && data[..4].SequenceEqual(PanicSelector))
            {
                return $"panic 0x{(BigInteger)AbiCodec.Decode([AbiType.UInt(256)], data[4..])[0]:x2}";
            }
        }
        catch (RskException)
        {
            // Not well-formed: fall through to hex.
        }

        return data.IsEmpty ? "no reason given" : "0x" + Convert.ToHexStringLower(data);
    }
}

/// <summary>A decoded event parameter.</summary>
/// <param name="Parameter">Its declaration.</param>
/// <param name="Value">Its value; for an indexed dynamic type (string, bytes, arrays, tuples), the 32-byte Keccak-256 topic.</param>
/// <param name="IsHashedTopic">True when <paramref name="Value"/> is a topic hash rather than the value.</param>
public sealed record AbiEventValue(AbiParameter Parameter, object Value, bool IsHashedTopic);

/// <summary>
/// An event from its human-readable declaration (<c>event Transfer(address indexed from, address indexed to, uint256 value)</c>):
/// topic 0 is Keccak-256 of the canonical signature; indexed elementary values are topics, indexed reference values
/// are the Keccak-256 of their encoding, the rest is ABI-encoded in the data (Solidity ABI specification, "Events").
/// </summary>
public sealed class AbiEvent
{
    private AbiEvent(string name, IReadOnlyList<AbiParameter> parameters, bool anonymous)
    {
        Name = name;
        Parameters = parameters;
        Anonymous = anonymous;
        Signature = AbiText.Signature(name, parameters.Select(p => p.Type));
        Topic = Keccak.Hash256(System.Text.Encoding.ASCII.GetBytes(Signature));
        if (parameters.Count(p => p.Indexed) > (anonymous ? 4 : 3))
        {
            throw AbiType.Invalid($"event {name}: too many indexed parameters");
        }
    }

    /// <summary>Event name.</summary>
    public string Name { get; }

    /// <summary>Parameters in declaration order.</summary>
    public IReadOnlyList<AbiParameter> Parameters { get; }

    /// <summary>Anonymous events have no signature topic.</summary>
    public bool Anonymous { get; }

    /// <summary>Canonical signature.</summary>
    public string Signature { get; }

    /// <summary>Topic 0.</summary>
    public byte[] Topic { get; }

    /// <summary>Parses <c>[event] Name(type [indexed] [name], ...) [anonymous]</c>.</summary>
    public static AbiEvent Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (name, parameters, rest) = AbiSignatureText.Split(text.Trim(), "event");
        return new AbiEvent(name, parameters, rest.Trim() == "anonymous");
    }

    /// <summary>True when a log's first topic is this event's.</summary>
    public bool Matches(IReadOnlyList<byte[]> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        return Anonymous || (topics.Count > 0 && topics[0].AsSpan().SequenceEqual(Topic));
    }

    /// <summary>Decodes a log's topics and data.</summary>
    public IReadOnlyList<AbiEventValue> Decode(IReadOnlyList<byte[]> topics, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(topics);
        if (!Matches(topics))
        {
            throw AbiType.Invalid($"log is not a {Signature} event");
        }

        var indexed = Parameters.Where(p => p.Indexed).ToList();
        var first = Anonymous ? 0 : 1;
        if (topics.Count != first + indexed.Count)
        {
            throw AbiType.Invalid($"event {Name}: expected {first + indexed.Count} topics, got {topics.Count}");
        }

        var dataValues = AbiCodec.Decode(Parameters.Where(p => !p.Indexed).Select(p => p.Type).ToList(), data);
        var result = new List<AbiEventValue>(Parameters.Count);
        int topic = first, datum = 0;
        foreach (var p in Parameters)
        {
            if (!p.Indexed)
            {
                result.Add(new AbiEventValue(p, dataValues[datum++], false));
                continue;
            }

            var word = topics[topic++];
            if (word.Length != 32)
            {
                throw AbiType.Invalid($"event {Name}: topic of {word.Length} bytes");
            }

            var hashed = p.Type.IsDynamic || p.Type.Kind is AbiKind.Array or AbiKind.Tuple;
            result.Add(hashed
                ? new AbiEventValue(p, word, true)
                : new AbiEventValue(p, AbiCodec.Decode([p.Type], word)[0], false));
        }

        return result;
    }
}

/// <summary>Splits <c>[keyword] name(params) rest</c>.</summary>
internal static class AbiSignatureText
{
    public static (string Name, List<AbiParameter> Parameters, string Tail) Split(string text, string keyword)
    {
        if (text.StartsWith(keyword + " ", StringComparison.Ordinal))
        {
            text = text[(keyword.Length + 1)..].TrimStart();
        }

        var open = text.IndexOf('(', StringComparison.Ordinal);
        if (open <= 0)
        {
            throw AbiType.Invalid($"'{text}': expected name(parameters)");
        }

        var name = text[..open].Trim();
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '$') || char.IsAsciiDigit(name[0]))
        {
            throw AbiType.Invalid($"'{name}' is not a valid name");
        }

        var depth = 0;
        var close = -1;
        for (var i = open; i < text.Length; i++)
        {
            depth += text[i] == '(' ? 1 : text[i] == ')' ? -1 : 0;
            if (depth == 0)
            {
                close = i;
                break;
            }
        }

        if (close < 0)
        {
            throw AbiType.Invalid($"'{text}': unbalanced parentheses");
        }

        return (name, AbiType.ParseParameters(text[(open + 1)..close]), text[(close + 1)..]);
    }
}
