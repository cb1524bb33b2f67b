using System.Runtime.CompilerServices;

namespace OPSource.Crypto.Secp256k1;

/// <summary>A point of secp256k1 (y^2 = x^3 + 7) in affine coordinates, or the point at infinity.</summary>
internal readonly struct GroupElement : IEquatable<GroupElement>
{
    private static readonly FieldElement B = FieldElement.FromInt(7);

    // BIP340 / SEC2: the generator G.
    private static readonly GroupElement G = new(
        new FieldElement(0x59F2815B16F81798UL, 0x029BFCDB2DCE28D9UL, 0x55A06295CE870B07UL, 0x79BE667EF9DCBBACUL),
        new FieldElement(0x9C47D08FFB10D4B8UL, 0xFD17B448A6855419UL, 0x5DA4FBFC0E1108A8UL, 0x483ADA7726A3C465UL));

    // beta: a primitive cube root of unity mod p, so (beta*x, y) = lambda*(x, y) (GLV endomorphism).
    internal static readonly FieldElement Beta =
        new(0xC1396C28719501EEUL, 0x9CF0497512F58995UL, 0x6E64479EAC3434E9UL, 0x7AE96A2B657C0710UL);

    public readonly FieldElement X;
    public readonly FieldElement Y;
    private readonly bool _infinity;

    internal GroupElement(in FieldElement x, in FieldElement y)
    {
        X = x;
        Y = y;
        _infinity = false;
    }

    private GroupElement(bool infinity)
    {
        X = default;
        Y = default;
        _infinity = infinity;
    }

    internal GroupElement(in FieldElement x, in FieldElement y, bool infinity)
    {
        X = x;
        Y = y;
        _infinity = infinity;
    }

    public static GroupElement Infinity => new(true);

    public static GroupElement Generator => G;

    public bool IsInfinity => _infinity;

    public bool HasEvenY => !Y.IsOdd;

    /// <summary>True if the (non-infinity) point satisfies the curve equation.</summary>
    public bool IsValidVariable => !_infinity && Y.Square() == X.Square().Multiply(X).Add(B);

    /// <summary>BIP340 lift_x: the point with this x and an even y, if x is on the curve.</summary>
    public static bool TryLiftX(in FieldElement x, out GroupElement point) => TryCreateFromX(x, false, out point);

    /// <summary>The point with this x and the requested y parity (libsecp ge_set_xo_var).</summary>
    public static bool TryCreateFromX(in FieldElement x, bool oddY, out GroupElement point)
    {
        FieldElement c = x.Square().Multiply(x).Add(B);
        if (!c.TrySqrt(out FieldElement y))
        {
            point = default;
            return false;
        }

        if (y.IsOdd != oddY)
        {
            y = y.Negate();
        }

        point = new GroupElement(x, y);
        return true;
    }

    public GroupElement Negate() => new(X, Y.Negate(), _infinity);

    /// <summary>Constant-time conditional negation.</summary>
    public GroupElement ConditionalNegate(bool flag) => new(X, FieldElement.Select(Y, Y.Negate(), flag), _infinity);

    /// <summary>lambda * P via the endomorphism (x, y) -> (beta*x, y).</summary>
    public GroupElement MultiplyLambda() => new(X.Multiply(Beta), Y, _infinity);

    /// <summary>
    /// Parses a SEC1 encoding exactly as libsecp256k1's ec_pubkey_parse: 33-byte compressed (0x02/0x03),
    /// 65-byte uncompressed (0x04) or hybrid (0x06/0x07, parity must match the tag).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> sec1, out GroupElement point)
    {
        point = default;
        if (sec1.Length == 33 && (sec1[0] == 0x02 || sec1[0] == 0x03))
        {
            return FieldElement.TryCreate(sec1[1..], out FieldElement x) && TryCreateFromX(x, sec1[0] == 0x03, out point);
        }

        if (sec1.Length == 65 && (sec1[0] == 0x04 || sec1[0] == 0x06 || sec1[0] == 0x07))
        {
            if (!FieldElement.TryCreate(sec1.Slice(1, 32), out FieldElement x) || !FieldElement.TryCreate(sec1.Slice(33, 32), out FieldElement y))
            {
                return false;
            }

            // libsecp eckey_pubkey_parse: hybrid keys must carry the parity their tag states.
            if ((sec1[0] == 0x06 || sec1[0] == 0x07) && y.IsOdd != (sec1[0] == 0x07))
            {
                return false;
            }

            var candidate = new GroupElement(x, y);
            if (!candidate.IsValidVariable)
            {
                return false;
            }

            point = candidate;
            return true;
        }

        return false;
    }

    public void WriteCompressed(Span<byte> destination33)
    {
        ThrowIfInfinity();
        destination33[0] = Y.IsOdd ? (byte)0x03 : (byte)0x02;
        X.WriteTo(destination33.Slice(1, 32));
    }

    public void WriteUncompressed(Span<byte> destination65)
    {
        ThrowIfInfinity();
        destination65[0] = 0x04;
        X.WriteTo(destination65.Slice(1, 32));
        Y.WriteTo(destination65.Slice(33, 32));
    }

    private void ThrowIfInfinity()
    {
        if (_infinity)
        {
            throw new InvalidOperationException("secp256k1: the point at infinity has no encoding");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public JacobianPoint ToJacobian() => new(X, Y, FieldElement.One, _infinity);

    public bool Equals(GroupElement other) =>
        (_infinity && other._infinity) || (!_infinity && !other._infinity && X == other.X && Y == other.Y);

    public override bool Equals(object? obj) => obj is GroupElement g && Equals(g);

    public override int GetHashCode() => _infinity ? 0 : HashCode.Combine(X, Y);

    public static bool operator ==(in GroupElement a, in GroupElement b) => a.Equals(b);

    public static bool operator !=(in GroupElement a, in GroupElement b) => !a.Equals(b);

    /// <summary>Points can be secret (ECDH shared point): coordinates are never printed.</summary>
    public override string ToString() => _infinity ? "GroupElement(infinity)" : "GroupElement(…)";
}
