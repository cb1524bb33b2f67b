namespace OPSource.Crypto.Secp256k1.Musig;

/// <summary>
/// The few point operations the protocols need, expressed over the engine's primitives and
/// returning affine points. "Secret" variants are constant time; "Public" variants may branch
/// on their inputs and must only ever see public data.
/// </summary>
internal static class CurveOps
{
    /// <summary>k*G in constant time (k may be secret).</summary>
    internal static GroupElement MulGSecret(in Scalar k) => EcMult.MultiplyGenerator(k).ToAffine();

    /// <summary>k*P in constant time (k may be secret).</summary>
    internal static GroupElement MulSecret(in GroupElement p, in Scalar k) => EcMult.Multiply(p, k).ToAffine();

    /// <summary>a*P + b*G in variable time (public inputs only).</summary>
    internal static GroupElement MulAddGPublic(in GroupElement p, in Scalar a, in Scalar b) =>
        EcMult.MultiplyAddVariable(p, a, b).ToAffineVariable();

    /// <summary>Full point equality (both coordinates), infinity equal only to infinity.</summary>
    internal static bool PointEquals(in GroupElement p, in GroupElement q)
    {
        if (p.IsInfinity || q.IsInfinity)
        {
            return p.IsInfinity && q.IsInfinity;
        }

        return p.X == q.X && p.Y == q.Y;
    }

    /// <summary>BIP327 cpoint: a 33-byte compressed encoding (02/03 prefix, x below p, on the curve).</summary>
    internal static bool TryCPoint(ReadOnlySpan<byte> data, out GroupElement point)
    {
        point = GroupElement.Infinity;
        if (data.Length != 33 || (data[0] != 0x02 && data[0] != 0x03))
        {
            return false;
        }

        return GroupElement.TryParse(data, out point) && !point.IsInfinity;
    }

    /// <summary>BIP327 cpoint_ext: like cpoint, but 33 zero bytes encode the point at infinity.</summary>
    internal static bool TryCPointExt(ReadOnlySpan<byte> data, out GroupElement point)
    {
        if (data.Length == 33 && !data.ContainsAnyExcept((byte)0))
        {
            point = GroupElement.Infinity;
            return true;
        }

        return TryCPoint(data, out point);
    }

    /// <summary>BIP327 cbytes_ext: compressed encoding, or 33 zero bytes for infinity.</summary>
    internal static void WriteCBytesExt(in GroupElement point, Span<byte> output33)
    {
        if (point.IsInfinity)
        {
            output33[..33].Clear();
            return;
        }

        point.WriteCompressed(output33);
    }

    /// <summary>BIP340 xbytes: the 32-byte big-endian X coordinate.</summary>
    internal static void WriteXBytes(in GroupElement point, Span<byte> output32) => point.X.WriteTo(output32);
}
