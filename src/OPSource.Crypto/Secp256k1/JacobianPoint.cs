using System.Runtime.CompilerServices;

namespace OPSource.Crypto.Secp256k1;

/// <summary>
/// A point in Jacobian coordinates (x = X/Z^2, y = Y/Z^3), used for all arithmetic so additions need
/// no inversion. Infinity is an explicit flag. Constant-time unless the name ends in <c>Variable</c>.
/// </summary>
internal readonly struct JacobianPoint
{
    public readonly FieldElement X;
    public readonly FieldElement Y;
    public readonly FieldElement Z;
    private readonly bool _infinity;

    internal JacobianPoint(in FieldElement x, in FieldElement y, in FieldElement z, bool infinity)
    {
        X = x;
        Y = y;
        Z = z;
        _infinity = infinity;
    }

    public static JacobianPoint Infinity => new(FieldElement.Zero, FieldElement.One, FieldElement.Zero, true);

    public bool IsInfinity => _infinity;

    /// <summary>
    /// 2P with libsecp256k1's formula (3M + 4S): L = 3/2 X^2, S = Y^2, T = -X*S, X3 = L^2 + 2T,
    /// Y3 = -(L*(X3 + T) + S^2) = L*(U - X3) - S^2 with U = -T, Z3 = Y*Z. secp256k1 has no point of order 2,
    /// so only infinity is special.
    /// </summary>
    public JacobianPoint Double()
    {
        FieldElement z3 = Z.Multiply(Y);
        FieldElement s = Y.Square();
        FieldElement xx = X.Square();
        FieldElement l = xx.ThreeHalves();
        FieldElement u = s.Multiply(X); // u = -T
        FieldElement x3 = l.Square().SubtractDouble(u);
        FieldElement y3 = l.Multiply(u.Subtract(x3)).Subtract(s.Square());
        return new JacobianPoint(x3, y3, z3, _infinity);
    }

    /// <summary>Doubling for public data (same formula; kept for naming symmetry).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public JacobianPoint DoubleVariable() => Double();

    /// <summary>
    /// this + b where neither is infinity and this != ±b (the caller guarantees it); constant time.
    /// </summary>
    public JacobianPoint AddNonDegenerate(in GroupElement b) => AddNonDegenerate(b, out _, out _);

    /// <summary>As <see cref="AddNonDegenerate(in GroupElement)"/>, reporting (without branching) whether x coordinates matched, i.e. the inputs were degenerate.</summary>
    public JacobianPoint AddNonDegenerate(in GroupElement b, out bool xEqual) => AddNonDegenerate(b, out xEqual, out _);

    /// <summary>As above, also returning the z-ratio h with Z3 = Z1*h (used to rescale tables without inversion).</summary>
    public JacobianPoint AddNonDegenerate(in GroupElement b, out bool xEqual, out FieldElement zRatio)
    {
        FieldElement z1z1 = Z.Square();
        FieldElement u2 = b.X.Multiply(z1z1);
        FieldElement s2 = b.Y.Multiply(Z).Multiply(z1z1);
        FieldElement h = u2.Subtract(X);
        FieldElement r = s2.Subtract(Y);
        xEqual = h.IsZero;
        zRatio = h;
        return FromDifferences(X, Y, h, r, Z.Multiply(h), false);
    }

    /// <summary>this + b for every input (infinity, equal or opposite points), in constant time.</summary>
    public JacobianPoint Add(in GroupElement b)
    {
        FieldElement z1z1 = Z.Square();
        FieldElement u2 = b.X.Multiply(z1z1);
        FieldElement s2 = b.Y.Multiply(Z).Multiply(z1z1);
        FieldElement h = u2.Subtract(X);
        FieldElement r = s2.Subtract(Y);
        bool hZero = h.IsZero;
        bool rZero = r.IsZero;
        JacobianPoint generic = FromDifferences(X, Y, h, r, Z.Multiply(h), hZero & !rZero);
        JacobianPoint dbl = b.ToJacobian().Double();
        JacobianPoint result = Select(generic, dbl, hZero & rZero & !_infinity & !b.IsInfinity);
        result = Select(result, b.ToJacobian(), _infinity);
        return Select(result, this, b.IsInfinity & !_infinity);
    }

    /// <summary>this + b for public data (branches on the special cases).</summary>
    public JacobianPoint AddVariable(in GroupElement b)
    {
        if (_infinity)
        {
            return b.ToJacobian();
        }

        if (b.IsInfinity)
        {
            return this;
        }

        FieldElement z1z1 = Z.Square();
        FieldElement u2 = b.X.Multiply(z1z1);
        FieldElement s2 = b.Y.Multiply(Z).Multiply(z1z1);
        return FinishMixedAddVariable(u2, s2);
    }

    /// <summary>
    /// this + (b.X, b.Y, 1/bzinv) for public data (libsecp256k1 gej_add_zinv_var): adds an affine point
    /// scaled onto an isomorphic curve without scaling it first, one multiplication (az = Z*bzinv) instead
    /// of two; Z3 = Z*h because the result stays on this point's curve.
    /// </summary>
    public JacobianPoint AddZinvVariable(in GroupElement b, in FieldElement bzinv)
    {
        if (b.IsInfinity)
        {
            return this;
        }

        if (_infinity)
        {
            FieldElement bzinv2 = bzinv.Square();
            return new JacobianPoint(b.X.Multiply(bzinv2), b.Y.Multiply(bzinv2).Multiply(bzinv), FieldElement.One, false);
        }

        FieldElement az = Z.Multiply(bzinv);
        FieldElement z12 = az.Square();
        FieldElement u2 = b.X.Multiply(z12);
        FieldElement s2 = b.Y.Multiply(z12).Multiply(az);
        return FinishMixedAddVariable(u2, s2);
    }

    /// <summary>
    /// Shared tail of the variable-time mixed additions: given the other point's X and Y brought onto this
    /// point's Z (u2 = X2*Z1^2, s2 = Y2*Z1^3), returns this + that point with Z3 = Z1*h.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private JacobianPoint FinishMixedAddVariable(in FieldElement u2, in FieldElement s2)
    {
        FieldElement h = u2.Subtract(X);
        FieldElement r = s2.Subtract(Y);
        if (h.IsZero)
        {
            return r.IsZero ? DoubleVariable() : Infinity;
        }

        return FromDifferences(X, Y, h, r, Z.Multiply(h), false);
    }

    /// <summary>this + b (both Jacobian), constant time for every input.</summary>
    public JacobianPoint Add(in JacobianPoint b)
    {
        FieldElement z1z1 = Z.Square();
        FieldElement z2z2 = b.Z.Square();
        FieldElement u1 = X.Multiply(z2z2);
        FieldElement u2 = b.X.Multiply(z1z1);
        FieldElement s1 = Y.Multiply(b.Z).Multiply(z2z2);
        FieldElement s2 = b.Y.Multiply(Z).Multiply(z1z1);
        FieldElement h = u2.Subtract(u1);
        FieldElement r = s2.Subtract(s1);
        bool hZero = h.IsZero;
        bool rZero = r.IsZero;
        JacobianPoint generic = FromDifferences(u1, s1, h, r, Z.Multiply(b.Z).Multiply(h), hZero & !rZero);
        JacobianPoint dbl = Double();
        JacobianPoint result = Select(generic, dbl, hZero & rZero & !_infinity & !b._infinity);
        result = Select(result, b, _infinity);
        return Select(result, this, b._infinity & !_infinity);
    }

    /// <summary>this + b (both Jacobian), public data.</summary>
    public JacobianPoint AddVariable(in JacobianPoint b)
    {
        if (_infinity)
        {
            return b;
        }

        if (b._infinity)
        {
            return this;
        }

        FieldElement z1z1 = Z.Square();
        FieldElement z2z2 = b.Z.Square();
        FieldElement u1 = X.Multiply(z2z2);
        FieldElement u2 = b.X.Multiply(z1z1);
        FieldElement s1 = Y.Multiply(b.Z).Multiply(z2z2);
        FieldElement s2 = b.Y.Multiply(Z).Multiply(z1z1);
        FieldElement h = u2.Subtract(u1);
        FieldElement r = s2.Subtract(s1);
        if (h.IsZero)
        {
            return r.IsZero ? DoubleVariable() : Infinity;
        }

        return FromDifferences(u1, s1, h, r, Z.Multiply(b.Z).Multiply(h), false);
    }

    /// <summary>
    /// The common tail of every addition formula here: with both points brought onto one Z (this point's
    /// u1 = X1*Z2^2 and s1 = Y1*Z2^3, h = u2 - u1, r = s2 - s1), X3 = r^2 - h^3 - 2*u1*h^2 and
    /// Y3 = r*(u1*h^2 - X3) - s1*h^3; the caller supplies Z3 (Z1*h, or Z1*Z2*h). No branches: the
    /// constant-time additions use it too.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static JacobianPoint FromDifferences(in FieldElement u1, in FieldElement s1, in FieldElement h, in FieldElement r, in FieldElement z3, bool infinity)
    {
        FieldElement hh = h.Square();
        FieldElement hhh = hh.Multiply(h);
        FieldElement v = u1.Multiply(hh);
        FieldElement x3 = r.Square().Subtract(hhh).Subtract(v.Double());
        FieldElement y3 = r.Multiply(v.Subtract(x3)).Subtract(s1.Multiply(hhh));
        return new JacobianPoint(x3, y3, z3, infinity);
    }

    public JacobianPoint Negate() => new(X, Y.Negate(), Z, _infinity);

    /// <summary>Constant-time conditional negation.</summary>
    public JacobianPoint ConditionalNegate(bool flag) => new(X, FieldElement.Select(Y, Y.Negate(), flag), Z, _infinity);

    /// <summary>Constant-time select.</summary>
    public static JacobianPoint Select(in JacobianPoint a, in JacobianPoint b, bool chooseB)
    {
        ulong mask = 0UL - (ulong)(chooseB ? 1 : 0);
        bool inf = (a._infinity & !chooseB) | (b._infinity & chooseB);
        return new JacobianPoint(
            FieldElement.SelectMask(a.X, b.X, mask),
            FieldElement.SelectMask(a.Y, b.Y, mask),
            FieldElement.SelectMask(a.Z, b.Z, mask),
            inf);
    }

    /// <summary>
    /// Converts to affine; safe for secret points: the inversion is the constant-time safegcd
    /// (<see cref="FieldElement.InverseConstantTime"/>, as libsecp256k1's secp256k1_ge_set_gej).
    /// </summary>
    public GroupElement ToAffine()
    {
        if (_infinity)
        {
            return GroupElement.Infinity;
        }

        FieldElement zi = Z.InverseConstantTime();
        FieldElement zi2 = zi.Square();
        return new GroupElement(X.Multiply(zi2), Y.Multiply(zi2).Multiply(zi));
    }

    /// <summary>Converts a public point to affine (variable-time inversion).</summary>
    public GroupElement ToAffineVariable()
    {
        if (_infinity)
        {
            return GroupElement.Infinity;
        }

        FieldElement zi = Z.InverseVariable();
        FieldElement zi2 = zi.Square();
        return new GroupElement(X.Multiply(zi2), Y.Multiply(zi2).Multiply(zi));
    }

    /// <summary>Converts many public points with a single variable-time inversion (Montgomery's trick).</summary>
    public static void ToAffineBatch(ReadOnlySpan<JacobianPoint> points, Span<GroupElement> result)
    {
        if (result.Length < points.Length)
        {
            throw new ArgumentException("secp256k1: result span is shorter than the input", nameof(result));
        }

        int n = points.Length;
        if (n == 0)
        {
            return;
        }

        FieldElement[]? rented = null;
        Span<FieldElement> zs = n <= 128 ? stackalloc FieldElement[n] : (rented = new FieldElement[n]);
        for (int i = 0; i < n; i++)
        {
            zs[i] = points[i]._infinity ? FieldElement.One : points[i].Z;
        }

        FieldElement.InverseBatchVariable(zs);
        for (int i = 0; i < n; i++)
        {
            if (points[i]._infinity)
            {
                result[i] = GroupElement.Infinity;
                continue;
            }

            FieldElement zi2 = zs[i].Square();
            result[i] = new GroupElement(points[i].X.Multiply(zi2), points[i].Y.Multiply(zi2).Multiply(zs[i]));
        }
    }

    /// <summary>Whether the affine x of this point equals <paramref name="x"/> (x*Z^2 == X), without inversion.</summary>
    public bool XEqualsVariable(in FieldElement x) => !_infinity && x.Multiply(Z.Square()) == X;

    public override string ToString() => _infinity ? "JacobianPoint(infinity)" : "JacobianPoint(…)";
}
