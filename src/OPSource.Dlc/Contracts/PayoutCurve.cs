using OPSource.Bitcoin;
using OPSource.Dlc.Messages;

namespace OPSource.Dlc.Contracts;

/// <summary>A run of consecutive outcomes [Start, Start + Count) that pays the same (one CET).</summary>
/// <param name="Start">First outcome.</param>
/// <param name="Count">Number of outcomes.</param>
/// <param name="Offer">The offerer's payout.</param>
/// <param name="Accept">The accepter's payout (total collateral minus the offerer's).</param>
public readonly record struct RangePayout(ulong Start, ulong Count, Amount Offer, Amount Accept)
{
    /// <summary>Last outcome of the range.</summary>
    public ulong End => Start + Count - 1;
}

/// <summary>
/// Evaluation of a numeric descriptor into range payouts (NumericOutcome.md "Contract Execution Transaction
/// Calculation"): evaluate the curve at every outcome, round per the rounding intervals, clamp into
/// [0, total collateral], and merge consecutive equal payouts. The floating-point evaluation follows
/// rust-dlc operation for operation (same IEEE 754 results), so both implementations derive identical CETs.
/// </summary>
public static class PayoutCurve
{
    /// <summary>
    /// Range payouts of a numeric descriptor over [0, base^digits − 1].
    /// </summary>
    /// <exception cref="DlcException">Invalid curve or rounding intervals, or a payout that cannot be evaluated.</exception>
    public static List<RangePayout> ToRangePayouts(NumericOutcomeContractDescriptor descriptor, int @base, Amount totalCollateral)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var max = DigitDecomposition.MaxValue(@base, descriptor.NumDigits)
            ?? throw new DlcException(DlcErrorKind.InvalidContract, $"numeric descriptor: {descriptor.NumDigits} base-{@base} digits exceed 64 bits");
        Validate(descriptor, max);

        var f = descriptor.PayoutFunction;
        var rounding = descriptor.RoundingIntervals;
        var ranges = new List<RangePayout>();
        for (int i = 0; i < f.Pieces.Count; i++)
        {
            var left = f.Pieces[i].EndPoint;
            var right = i + 1 < f.Pieces.Count ? f.Pieces[i + 1].EndPoint : f.LastEndpoint;
            switch (f.Pieces[i].Curve)
            {
                case PolynomialPayoutCurvePiece poly:
                    {
                        var points = new PayoutPoint[poly.Points.Count + 2];
                        points[0] = left;
                        for (int j = 0; j < poly.Points.Count; j++)
                        {
                            points[j + 1] = poly.Points[j];
                        }

                        points[^1] = right;
                        var evaluator = new Polynomial(points);
                        if (points.Length == 2 && left.OutcomePayout == right.OutcomePayout)
                        {
                            // A constant piece: extend the current range without evaluating (rust-dlc does the same).
                            var cur = CurrentRange(ranges, evaluator, left.EventOutcome, rounding, totalCollateral);
                            ranges.Add(cur with { Count = cur.Count + (right.EventOutcome - left.EventOutcome) });
                        }
                        else
                        {
                            Sweep(ranges, evaluator, left.EventOutcome, right.EventOutcome, rounding, totalCollateral);
                        }

                        break;
                    }

                case HyperbolaPayoutCurvePiece h:
                    Sweep(ranges, new Hyperbola(h), left.EventOutcome, right.EventOutcome, rounding, totalCollateral);
                    break;
                default:
                    throw new DlcException(DlcErrorKind.InvalidContract, "numeric descriptor: unknown payout curve piece");
            }
        }

        return ranges;
    }

    /// <summary>Structural checks of a numeric descriptor (PayoutCurve.md and NumericOutcome.md requirements).</summary>
    public static void Validate(NumericOutcomeContractDescriptor descriptor, ulong maxOutcome)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var f = descriptor.PayoutFunction;
        if (f.Pieces.Count == 0)
        {
            throw new DlcException(DlcErrorKind.InvalidContract, "payout function: num_pieces must be at least 1");
        }

        // PayoutCurve.md: endpoints (and polynomial midpoints) strictly increase.
        ulong? previous = null;
        void Next(ulong x, string where)
        {
            if (previous is { } p && x <= p)
            {
                throw new DlcException(DlcErrorKind.InvalidContract, $"payout function: {where} outcome {x} does not increase (previous {p})");
            }

            previous = x;
        }

        for (int i = 0; i < f.Pieces.Count; i++)
        {
            Next(f.Pieces[i].EndPoint.EventOutcome, $"endpoint {i}");
            if (f.Pieces[i].Curve is PolynomialPayoutCurvePiece poly)
            {
                for (int j = 0; j < poly.Points.Count; j++)
                {
                    Next(poly.Points[j].EventOutcome, $"piece {i} point {j}");
                }
            }
            else if (f.Pieces[i].Curve is HyperbolaPayoutCurvePiece h && h.A * h.D == h.B * h.C)
            {
                throw new DlcException(DlcErrorKind.InvalidContract, $"payout function: hyperbola piece {i} has a*d = b*c");
            }
        }

        Next(f.LastEndpoint.EventOutcome, "last endpoint");

        // Messaging.md: a single payout must be defined for every attestable outcome.
        if (f.Pieces[0].EndPoint.EventOutcome != 0 || f.LastEndpoint.EventOutcome != maxOutcome)
        {
            throw new DlcException(DlcErrorKind.InvalidContract, $"payout function: must cover every outcome from 0 to {maxOutcome}");
        }

        // NumericOutcome.md: begin_interval strictly increases.
        var intervals = descriptor.RoundingIntervals.Intervals;
        for (int i = 0; i < intervals.Count; i++)
        {
            if (intervals[i].RoundingMod == 0)
            {
                throw new DlcException(DlcErrorKind.InvalidContract, $"rounding interval {i}: rounding_mod must be at least 1");
            }

            if (i > 0 && intervals[i].BeginInterval <= intervals[i - 1].BeginInterval)
            {
                throw new DlcException(DlcErrorKind.InvalidContract, $"rounding interval {i}: begin_interval does not strictly increase");
            }
        }
    }

    /// <summary>The rounding modulus in force at <paramref name="outcome"/> (1 before the first interval, per NumericOutcome.md).</summary>
    public static ulong RoundingModAt(RoundingIntervals intervals, ulong outcome)
    {
        ArgumentNullException.ThrowIfNull(intervals);
        ulong mod = 1;
        foreach (var i in intervals.Intervals)
        {
            if (i.BeginInterval > outcome)
            {
                break;
            }

            mod = i.RoundingMod;
        }

        return mod;
    }

    /// <summary>
    /// NumericOutcome.md rounding: the closer of value − value mod R and value − value mod R + R, rounding up
    /// on a tie (computed in doubles exactly as rust-dlc does).
    /// </summary>
    public static double Round(double payout, ulong roundingMod)
    {
        double mod = roundingMod;
        double m = payout >= 0.0 ? payout % mod : (payout % mod) + mod;
        return m >= mod / 2.0
            ? Math.Round(payout + mod - m, MidpointRounding.AwayFromZero)
            : Math.Round(payout - m, MidpointRounding.AwayFromZero);
    }

    private static Amount RoundedPayout(ICurve curve, ulong outcome, RoundingIntervals rounding, Amount total)
    {
        var value = curve.Evaluate(outcome);
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            throw new DlcException(DlcErrorKind.InvalidContract, $"payout function: cannot evaluate outcome {outcome} (result {value})");
        }

        // NumericOutcome.md: negative payouts become 0, payouts above the total collateral become the total.
        var rounded = Round(Math.Max(value, 0.0), RoundingModAt(rounding, outcome));
        var sats = rounded >= total.Satoshis ? total.Satoshis : (long)rounded;
        return Amount.FromSatoshis(Math.Max(sats, 0));
    }

    private static RangePayout CurrentRange(List<RangePayout> ranges, ICurve curve, ulong first, RoundingIntervals rounding, Amount total)
    {
        if (ranges.Count > 0)
        {
            var last = ranges[^1];
            ranges.RemoveAt(ranges.Count - 1);
            return last;
        }

        var payout = RoundedPayout(curve, first, rounding, total);
        return new RangePayout(first, 1, payout, total - payout);
    }

    private static void Sweep(List<RangePayout> ranges, ICurve curve, ulong first, ulong last, RoundingIntervals rounding, Amount total)
    {
        // The piece's first outcome belongs to the range carried over from the previous piece.
        var cur = CurrentRange(ranges, curve, first, rounding, total);
        for (ulong x = first + 1; x <= last && x != 0; x++)
        {
            var payout = RoundedPayout(curve, x, rounding, total);
            if (payout == cur.Offer)
            {
                cur = cur with { Count = cur.Count + 1 };
            }
            else
            {
                ranges.Add(cur);
                cur = new RangePayout(x, 1, payout, total - payout);
            }

            if (x == ulong.MaxValue)
            {
                break;
            }
        }

        ranges.Add(cur);
    }

    private interface ICurve
    {
        double Evaluate(ulong outcome);
    }

    /// <summary>PayoutCurve.md "Polynomial Evaluation" (Lagrange interpolation, with rust-dlc's linear shortcut).</summary>
    private sealed class Polynomial : ICurve
    {
        private readonly PayoutPoint[] _points;
        private readonly double[] _x;
        private readonly double[] _y;

        public Polynomial(PayoutPoint[] points)
        {
            _points = points;
            _x = [.. points.Select(p => (double)p.EventOutcome)];
            // PayoutCurve.md: interpolate through payout + extra_precision / 2^16.
            _y = [.. points.Select(p => p.OutcomePayout.Satoshis + (p.ExtraPrecision / 65536.0))];
        }

        public double Evaluate(ulong outcome)
        {
            if (_points.Length == 2)
            {
                // A line through the integer payouts (rust-dlc ignores the extra precision here).
                var left = _points[0];
                var right = _points[1];
                double leftPayout = left.OutcomePayout.Satoshis;
                double rightPayout = right.OutcomePayout.Satoshis;
                if (left.OutcomePayout == right.OutcomePayout)
                {
                    return rightPayout;
                }

                var slope = (rightPayout - leftPayout) / (double)(right.EventOutcome - left.EventOutcome);
                return ((double)(outcome - left.EventOutcome) * slope) + leftPayout;
            }

            double result = 0.0;
            double x = outcome;
            for (int i = 0; i < _x.Length; i++)
            {
                double l = _y[i];
                for (int j = 0; j < _x.Length; j++)
                {
                    if (i != j)
                    {
                        l *= (x - _x[j]) / (_x[i] - _x[j]);
                    }
                }

                result += l;
            }

            return result;
        }
    }

    /// <summary>PayoutCurve.md "Hyperbola Evaluation".</summary>
    private sealed class Hyperbola(HyperbolaPayoutCurvePiece h) : ICurve
    {
        public double Evaluate(ulong outcome)
        {
            double translated = (double)outcome - h.TranslateOutcome;
            double root = Math.Sqrt((translated * translated) - (4.0 * h.A * h.B));
            double sqrtTerm = h.UsePositivePiece ? root : -root;
            double first = h.C * (translated + sqrtTerm) / (2.0 * h.A);
            double second = 2.0 * h.A * h.D / (translated + sqrtTerm);
            return first + second + h.TranslatePayout;
        }
    }
}
