using System.Text;

namespace OPSource.Bitcoin.Miniscript;

/// <summary>
/// The miniscript type of an expression (BIP379 "Type system"; Core script/miniscript.h
/// <c>miniscript::Type</c>): exactly one basic type (B, V, K or W) plus correctness properties
/// (z, o, n, d, u), malleability properties (e, f, s, m), the implementation detail x (expensive
/// verify) and the timelock properties g, h, i, j, k. An expression without a basic type is
/// invalid (<see cref="IsValid"/> is false).
/// </summary>
public readonly struct MiniscriptType : IEquatable<MiniscriptType>
{
    // The property letters in Core's bit order (the ""_mst literal operator).
    private const string Letters = "BVKWzondue" + "fsmxghijk";

    private readonly uint _flags;

    private MiniscriptType(uint flags) => _flags = flags;

    /// <summary>No property at all: the type of an invalid expression.</summary>
    public static MiniscriptType None => default;

    /// <summary>The bitmap, one bit per letter in Core's order <c>BVKWzondue fsmxghijk</c>.</summary>
    public uint Flags => _flags;

    /// <summary>True when the expression has a basic type (B, V, K or W).</summary>
    public bool IsValid => (_flags & 0xf) != 0;

    /// <summary>
    /// Parses letters such as <c>"Bondu"</c> into a type (for literals and tests); throws
    /// <see cref="FormatException"/> on a letter that is not a miniscript property.
    /// </summary>
    public static MiniscriptType Parse(string letters)
    {
        ArgumentNullException.ThrowIfNull(letters);
        uint flags = 0;
        foreach (var c in letters)
        {
            var bit = Letters.IndexOf(c, StringComparison.Ordinal);
            if (bit < 0)
            {
                throw new FormatException($"miniscript: '{c}' is not a type property letter (one of {Letters})");
            }

            flags |= 1u << bit;
        }

        return new MiniscriptType(flags);
    }

    internal static MiniscriptType Of(string letters) => Parse(letters);

    /// <summary>True when this type has every property of <paramref name="other"/> (Core's <c>&lt;&lt;</c>: this is a subtype of other).</summary>
    public bool Has(MiniscriptType other) => (other._flags & ~_flags) == 0;

    /// <summary>This type when <paramref name="condition"/> holds, the empty type otherwise.</summary>
    internal MiniscriptType If(bool condition) => condition ? this : default;

    /// <summary>The union of the properties.</summary>
    public static MiniscriptType operator |(MiniscriptType left, MiniscriptType right) => new(left._flags | right._flags);

    /// <summary>The intersection of the properties.</summary>
    public static MiniscriptType operator &(MiniscriptType left, MiniscriptType right) => new(left._flags & right._flags);

    /// <summary>The union of the properties.</summary>
    public static MiniscriptType BitwiseOr(MiniscriptType left, MiniscriptType right) => left | right;

    /// <summary>The intersection of the properties.</summary>
    public static MiniscriptType BitwiseAnd(MiniscriptType left, MiniscriptType right) => left & right;

    /// <summary>The basic type letter (B, V, K, W), or null for an invalid expression.</summary>
    public char? BasicType => (_flags & 0xf) switch
    {
        1 => 'B',
        2 => 'V',
        4 => 'K',
        8 => 'W',
        _ => null,
    };

    /// <inheritdoc />
    public bool Equals(MiniscriptType other) => _flags == other._flags;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is MiniscriptType other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => (int)_flags;

    /// <summary>Equality of the property sets.</summary>
    public static bool operator ==(MiniscriptType left, MiniscriptType right) => left.Equals(right);

    /// <summary>Inequality of the property sets.</summary>
    public static bool operator !=(MiniscriptType left, MiniscriptType right) => !left.Equals(right);

    /// <summary>The letters in Core's order, e.g. <c>Bondu</c> for a hash fragment; empty for an invalid type.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(Letters.Length);
        for (var bit = 0; bit < Letters.Length; bit++)
        {
            if ((_flags & (1u << bit)) != 0)
            {
                sb.Append(Letters[bit]);
            }
        }

        return sb.ToString();
    }
}
