using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace OPSource.Layers.Stacks.Clarity;

/// <summary>Type prefixes of the Clarity value wire encoding (SIP-005 "Clarity Value Representation").</summary>
public enum ClarityTypeId : byte
{
    /// <summary>128-bit signed integer.</summary>
    Int = 0x00,
    /// <summary>128-bit unsigned integer.</summary>
    UInt = 0x01,
    /// <summary>Byte buffer.</summary>
    Buffer = 0x02,
    /// <summary>true.</summary>
    BoolTrue = 0x03,
    /// <summary>false.</summary>
    BoolFalse = 0x04,
    /// <summary>Standard principal.</summary>
    PrincipalStandard = 0x05,
    /// <summary>Contract principal.</summary>
    PrincipalContract = 0x06,
    /// <summary>(ok v).</summary>
    ResponseOk = 0x07,
    /// <summary>(err v).</summary>
    ResponseErr = 0x08,
    /// <summary>none.</summary>
    OptionalNone = 0x09,
    /// <summary>(some v).</summary>
    OptionalSome = 0x0a,
    /// <summary>List.</summary>
    List = 0x0b,
    /// <summary>Tuple.</summary>
    Tuple = 0x0c,
    /// <summary>ASCII string.</summary>
    StringAscii = 0x0d,
    /// <summary>UTF-8 string.</summary>
    StringUtf8 = 0x0e,
}

/// <summary>A Clarity value (SIP-005). Immutable; <see cref="ClarityCodec"/> serializes, <see cref="ClarityText"/> prints and parses.</summary>
public abstract partial record ClarityValue
{
    /// <summary>The wire type prefix.</summary>
    public abstract ClarityTypeId TypeId { get; }

    /// <summary>The Clarity literal (readable form), e.g. <c>(tuple (a u1))</c>.</summary>
    public sealed override string ToString() => ClarityText.Print(this);

    /// <summary>Clarity names (tuple keys, functions, assets): SIP-005 / Clarity's CLARITY_NAME_REGEX, at most 128 bytes.</summary>
    public static bool IsValidName(string name) => name.Length is > 0 and <= 128 && NameRegex().IsMatch(name);

    /// <summary>Contract names: Clarity's CONTRACT_NAME_REGEX, 1..128 bytes (40 for new deploys is enforced by the node).</summary>
    public static bool IsValidContractName(string name) => name.Length is > 0 and <= 128 && ContractNameRegex().IsMatch(name);

    /// <summary>Throws unless <paramref name="name"/> is a Clarity name.</summary>
    public static string CheckName(string name, string what) => IsValidName(name)
        ? name
        : throw new StacksException("clarity_name", $"clarity: {what} '{name}' is not a valid Clarity name");

    /// <summary>Throws unless <paramref name="name"/> is a contract name.</summary>
    public static string CheckContractName(string name) => IsValidContractName(name)
        ? name
        : throw new StacksException("clarity_contract_name", $"clarity: contract name '{name}' is not valid (a letter, then letters, digits, '-' or '_'; at most 128)");

    [GeneratedRegex(@"^([a-zA-Z]([a-zA-Z0-9]|[-_!?+<>=/*])*|[-+=/*]|[<>]=?)$", RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();

    [GeneratedRegex(@"^([a-zA-Z](([a-zA-Z0-9]|[-_])*)|__transient)$", RegexOptions.CultureInvariant)]
    private static partial Regex ContractNameRegex();
}

/// <summary>int: signed 128-bit.</summary>
public sealed record ClarityInt(Int128 Value) : ClarityValue
{
    /// <inheritdoc />
    public override ClarityTypeId TypeId => ClarityTypeId.Int;
}

/// <summary>uint: unsigned 128-bit.</summary>
public sealed record ClarityUInt(UInt128 Value) : ClarityValue
{
    /// <inheritdoc />
    public override ClarityTypeId TypeId => ClarityTypeId.UInt;
}

/// <summary>(buff N).</summary>
public sealed record ClarityBuffer : ClarityValue
{
    private readonly byte[] _bytes;

    /// <summary>Copies the bytes.</summary>
    public ClarityBuffer(ReadOnlySpan<byte> bytes) => _bytes = bytes.ToArray();

    /// <summary>The bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <inheritdoc />
    public override ClarityTypeId TypeId => ClarityTypeId.Buffer;

    /// <inheritdoc />
    public bool Equals(ClarityBuffer? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    /// <inheritdoc />
    public override int GetHashCode() => _bytes.Length;
}

/// <summary>bool.</summary>
public sealed record ClarityBool(bool Value) : ClarityValue
{
    /// <inheritdoc />
    public override ClarityTypeId TypeId => Value ? ClarityTypeId.BoolTrue : ClarityTypeId.BoolFalse;
}

/// <summary>A standard principal ('ST...).</summary>
public sealed record ClarityStandardPrincipal(StacksAddress Address) : ClarityValue
{
    /// <inheritdoc />
    public override ClarityTypeId TypeId => ClarityTypeId.PrincipalStandard;
}

/// <summary>A contract principal ('ST....name).</summary>
public sealed record ClarityContractPrincipal : ClarityValue
{
    /// <summary>Creates the principal; the name must be a contract name.</summary>
    public ClarityContractPrincipal(StacksAddress address, string name)
    {
        Address = address;
        Name = CheckContractName(name);
    }

    /// <summary>The deployer.</summary>
    public StacksAddress Address { get; }

    /// <summary>The contract name.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public override ClarityTypeId TypeId => ClarityTypeId.PrincipalContract;
}

/// <summary>(ok v) / (err v).</summary>
public sealed record ClarityResponse(bool IsOk, ClarityValue Value) : ClarityValue
{
    /// <inheritdoc />
    public override ClarityTypeId TypeId => IsOk ? ClarityTypeId.ResponseOk : ClarityTypeId.ResponseErr;
}

/// <summary>none / (some v).</summary>
public sealed record ClarityOptional(ClarityValue? Value) : ClarityValue
{
    /// <inheritdoc />
    public override ClarityTypeId TypeId => Value is null ? ClarityTypeId.OptionalNone : ClarityTypeId.OptionalSome;
}

/// <summary>(list ...).</summary>
public sealed record ClarityList(ImmutableArray<ClarityValue> Items) : ClarityValue
{
    /// <inheritdoc />
    public override ClarityTypeId TypeId => ClarityTypeId.List;

    /// <inheritdoc />
    public bool Equals(ClarityList? other) => other is not null && Items.SequenceEqual(other.Items);

    /// <inheritdoc />
    public override int GetHashCode() => Items.Length;
}

/// <summary>(tuple (k v) ...): entries kept sorted by name (ordinal bytes, as Clarity's BTreeMap serializes them).</summary>
public sealed record ClarityTuple : ClarityValue
{
    /// <summary>Creates the tuple; names must be Clarity names and distinct.</summary>
    public ClarityTuple(IEnumerable<KeyValuePair<string, ClarityValue>> entries)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, ClarityValue>(StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            CheckName(key, "tuple key");
            if (!builder.TryAdd(key, value))
            {
                throw new StacksException("clarity_tuple_duplicate", $"clarity: tuple key '{key}' appears twice");
            }
        }

        Entries = builder.ToImmutable();
    }

    /// <summary>The entries, sorted by name.</summary>
    public ImmutableSortedDictionary<string, ClarityValue> Entries { get; }

    /// <summary>The value of <paramref name="key"/>.</summary>
    public ClarityValue this[string key] => Entries[key];

    /// <inheritdoc />
    public override ClarityTypeId TypeId => ClarityTypeId.Tuple;

    /// <inheritdoc />
    public bool Equals(ClarityTuple? other) => other is not null && Entries.Count == other.Entries.Count &&
        Entries.All(e => other.Entries.TryGetValue(e.Key, out var v) && e.Value.Equals(v));

    /// <inheritdoc />
    public override int GetHashCode() => Entries.Count;
}

/// <summary>(string-ascii N): printable ASCII and \t \n \r (Clarity's string-ascii alphabet is bytes 0x20..0x7e plus those).</summary>
public sealed record ClarityStringAscii : ClarityValue
{
    /// <summary>Creates the string; throws for characters outside ASCII.</summary>
    public ClarityStringAscii(string value)
    {
        foreach (char c in value)
        {
            if (c > 0x7e || (c < 0x20 && c is not ('\t' or '\n' or '\r')))
            {
                throw new StacksException("clarity_ascii", $"clarity: string-ascii cannot hold character U+{(int)c:X4}");
            }
        }

        Value = value;
    }

    /// <summary>The text.</summary>
    public string Value { get; }

    /// <inheritdoc />
    public override ClarityTypeId TypeId => ClarityTypeId.StringAscii;
}

/// <summary>(string-utf8 N); N counts Unicode scalar values, the wire carries UTF-8 bytes.</summary>
public sealed record ClarityStringUtf8(string Value) : ClarityValue
{
    /// <inheritdoc />
    public override ClarityTypeId TypeId => ClarityTypeId.StringUtf8;
}

/// <summary>Shorthands for building values.</summary>
public static class Cv
{
    /// <summary>int.</summary>
    public static ClarityValue Int(Int128 v) => new ClarityInt(v);

    /// <summary>uint.</summary>
    public static ClarityValue UInt(UInt128 v) => new ClarityUInt(v);

    /// <summary>buff.</summary>
    public static ClarityValue Buffer(ReadOnlySpan<byte> v) => new ClarityBuffer(v);

    /// <summary>bool.</summary>
    public static ClarityValue Bool(bool v) => new ClarityBool(v);

    /// <summary>string-ascii.</summary>
    public static ClarityValue Ascii(string v) => new ClarityStringAscii(v);

    /// <summary>string-utf8.</summary>
    public static ClarityValue Utf8(string v) => new ClarityStringUtf8(v);

    /// <summary>some.</summary>
    public static ClarityValue Some(ClarityValue v) => new ClarityOptional(v);

    /// <summary>none.</summary>
    public static ClarityValue None { get; } = new ClarityOptional((ClarityValue?)null);

    /// <summary>ok.</summary>
    public static ClarityValue Ok(ClarityValue v) => new ClarityResponse(true, v);

    /// <summary>err.</summary>
    public static ClarityValue Err(ClarityValue v) => new ClarityResponse(false, v);

    /// <summary>list.</summary>
    public static ClarityValue List(params ClarityValue[] items) => new ClarityList([.. items]);

    /// <summary>tuple.</summary>
    public static ClarityValue Tuple(params (string Key, ClarityValue Value)[] entries) =>
        new ClarityTuple(entries.Select(e => KeyValuePair.Create(e.Key, e.Value)));

    /// <summary>A principal from text: ADDRESS or ADDRESS.contract.</summary>
    public static ClarityValue Principal(string text)
    {
        text = text.TrimStart('\'');
        int dot = text.IndexOf('.', StringComparison.Ordinal);
        return dot < 0
            ? new ClarityStandardPrincipal(StacksAddress.Parse(text))
            : new ClarityContractPrincipal(StacksAddress.Parse(text[..dot]), text[(dot + 1)..]);
    }
}
