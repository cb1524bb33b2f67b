namespace OPSource.Dlc.Messages;

/// <summary>
/// PayoutCurve.md "Hyperbola Serialization": each parameter is a sign (<c>true</c> = non-negative), a
/// <c>u64</c> integer part and a <c>u16</c> of binary fraction (the value is
/// <c>sign · (integer + extra / 2^16)</c>), as rust-dlc wrote it when the 2022 vectors were made.
/// </summary>
public static class HyperbolaNumber
{
    private const double FractionScale = 65536.0;

    /// <summary>The wire triple of a value (the fraction is truncated to 16 bits, as rust-dlc does).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not finite, or |value| ≥ 2^64.</exception>
    public static (bool Positive, ulong Integer, ushort Extra) ToFixed(double value)
    {
        if (!double.IsFinite(value) || Math.Abs(value) >= 18446744073709551616.0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "hyperbola parameter must be finite and below 2^64 in magnitude");
        }

        var positive = value >= 0.0;
        var abs = Math.Abs(value);
        var integer = Math.Floor(abs);
        var extra = Math.Floor((abs - integer) * FractionScale);
        return (positive, (ulong)integer, (ushort)extra);
    }

    /// <summary>The value of a wire triple.</summary>
    public static double FromFixed(bool positive, ulong integer, ushort extra) =>
        (integer + (extra / FractionScale)) * (positive ? 1.0 : -1.0);

    /// <summary>The value as it will be after a round trip through the wire (what both parties evaluate).</summary>
    public static double Canonicalize(double value)
    {
        var (p, i, e) = ToFixed(value);
        return FromFixed(p, i, e);
    }
}
