using CsCheck;
using OPSource.Bitcoin;
using OPSource.Dlc.Contracts;
using OPSource.Dlc.Messages;

namespace OPSource.Dlc.Tests;

public class CompressionTests
{
    private static string Text(IEnumerable<int[]> prefixes) => string.Join(" ", prefixes.Select(p => string.Concat(p)));

    [Fact]
    public void The_spec_examples_compress_as_NumericOutcomeCompression_md_shows()
    {
        // [135677, 138621] in base 10: 13 prefix, 5677 and 8621 plus 18 groups = 20 adaptor signatures.
        var decimalCover = DigitDecomposition.CoverInterval(135677, 138621, 10, 6);
        Assert.Equal(
            "135677 135678 135679 13568 13569 1357 1358 1359 136 137 1380 1381 1382 1383 1384 1385 13860 13861 138620 138621",
            Text(decimalCover));

        // [5677, 8621] in binary (14 digits): the document lists 14 prefixes, but its endpoint optimization merges
        // 10000110101100 with the end 10000110101101 (which ends in base - 1) into 1000011010110: 13.
        var binary = DigitDecomposition.CoverInterval(5677, 8621, 2, 14);
        Assert.Equal(
            "01011000101101 0101100010111 0101100011 01011001 0101101 010111 011 100000 1000010 100001100 10000110100 100001101010 1000011010110",
            Text(binary));

        // Endpoint and total optimizations: [2200, 4999] -> 22__ 23__ ... 3___ 4___.
        Assert.Equal("22 23 24 25 26 27 28 29 3 4", Text(DigitDecomposition.CoverInterval(2200, 4999, 10, 4)));
        Assert.Equal([], DigitDecomposition.CoverInterval(0, 1023, 2, 10).Single());
    }

    [Fact]
    public void Covers_are_exact_ascending_and_minimal()
    {
        Gen.Select(Gen.Int[2, 16], Gen.Int[1, 12]).Where(t => Math.Pow(t.Item1, t.Item2) <= 1 << 20)
            .SelectMany(t => Gen.Select(Gen.Const(t.Item1), Gen.Const(t.Item2), Gen.Long[0, (long)Math.Pow(t.Item1, t.Item2) - 1], Gen.Long[0, (long)Math.Pow(t.Item1, t.Item2) - 1]))
            .Sample((b, n, x, y) =>
            {
                var (start, end) = ((ulong)Math.Min(x, y), (ulong)Math.Max(x, y));
                var cover = DigitDecomposition.CoverInterval(start, end, b, n);
                ulong next = start;
                foreach (var prefix in cover)
                {
                    var (s, e) = DigitDecomposition.PrefixInterval(prefix, b, n);
                    if (s != next || e > end)
                    {
                        return false;
                    }

                    // Minimal: the parent block is not inside the interval (else the prefix would be shorter).
                    if (prefix.Length > 0)
                    {
                        var (ps, pe) = DigitDecomposition.PrefixInterval(prefix[..^1], b, n);
                        if (ps >= start && pe <= end)
                        {
                            return false;
                        }
                    }

                    next = e + 1;
                }

                return next == end + 1;
            }, iter: 3000);
    }

    [Fact]
    public void Bounded_error_coverage_supports_every_difference_up_to_min_support()
    {
        // 3 oracles, 8 binary digits, max error 2^4, min support 2^2: whenever all three attested values lie within
        // 2^2 of each other, some combination matches them (MultiOracle.md: differences up to minSupport are supported).
        foreach (var maximize in new[] { true, false })
        {
            Gen.Select(Gen.Int[0, 255], Gen.Int[0, 255], Gen.Int[-4, 4], Gen.Int[-4, 4]).Sample((a, b, d1, d2) =>
            {
                var (start, end) = ((ulong)Math.Min(a, b), (ulong)Math.Max(a, b));
                if (start == 0 && end == 255)
                {
                    return true;
                }

                foreach (var prefix in DigitDecomposition.CoverInterval(start, end, 2, 8))
                {
                    var (s, e) = DigitDecomposition.PrefixInterval(prefix, 2, 8);
                    foreach (var x in new[] { s, e, (s + e) / 2 })
                    {
                        if (Math.Max(0, Math.Max(d1, d2)) - Math.Min(0, Math.Min(d1, d2)) > 4)
                        {
                            continue;
                        }

                        var y1 = (long)x + d1;
                        var y2 = (long)x + d2;
                        if (y1 is < 0 or > 255 || y2 is < 0 or > 255)
                        {
                            continue;
                        }

                        var combos = BoundedErrorCoverage.OutcomeCombinations([8, 8, 8], prefix, 4, 2, maximize);
                        bool Matches(int[] p, ulong v) => DigitDecomposition.Decompose(v, 2, 8).AsSpan().StartsWith(p);
                        if (!combos.Any(c => Matches(c[0], x) && Matches(c[1], (ulong)y1) && Matches(c[2], (ulong)y2)))
                        {
                            return false;
                        }
                    }
                }

                return true;
            }, iter: 400);
        }
    }

    [Fact]
    public void Bounded_error_coverage_never_supports_differences_of_twice_max_error_for_small_intervals()
    {
        Gen.Select(Gen.Int[0, 1023], Gen.Int[0, 1023]).Sample((x, y) =>
        {
            if (Math.Abs(x - y) < 2 * (1 << 5))
            {
                return true;
            }

            var prefix = DigitDecomposition.Decompose((ulong)x, 2, 10);
            var combos = BoundedErrorCoverage.OutcomeCombinations([10, 10], prefix, 5, 2, true);
            return !combos.Any(c => DigitDecomposition.Decompose((ulong)y, 2, 10).AsSpan().StartsWith(c[1]));
        }, iter: 3000);
    }

    [Fact]
    public void Every_outcome_of_a_numeric_contract_has_exactly_one_matching_slot_per_oracle_combination()
    {
        var function = new PayoutFunction(
            [
                new PayoutFunctionPiece(new PayoutPoint(0, Amount.FromSatoshis(1000), 0), new PolynomialPayoutCurvePiece([new PayoutPoint(300, Amount.FromSatoshis(40_000), 0)])),
                new PayoutFunctionPiece(new PayoutPoint(600, Amount.FromSatoshis(90_000), 0), new HyperbolaPayoutCurvePiece(true, 0, 0, 1, 0, 0, 54_000_000)),
            ],
            new PayoutPoint(1023, Amount.FromSatoshis(52_786), 0));
        var descriptor = new NumericOutcomeContractDescriptor(10, function, new RoundingIntervals([new RoundingInterval(0, 500), new RoundingInterval(700, 1000)]));
        var announcements = Enumerable.Range(0, 3).Select(i => TestAnnouncement(10, "e" + i)).ToArray();
        var plan = AdaptorPlan.Create(new SingleContractInfo(Amount.FromSatoshis(100_000), new ContractInfoInner(descriptor, new MultiOracleInfo(2, announcements, null))));
        var ranges = PayoutCurve.ToRangePayouts(descriptor, 2, Amount.FromSatoshis(100_000));
        for (ulong x = 0; x < 1024; x++)
        {
            var digits = DigitDecomposition.Decompose(x, 2, 10);
            var matches = plan.Slots.Where(s => s.Outcomes.All(o => digits.AsSpan().StartsWith(o.Digits))).ToList();
            Assert.Equal(3, matches.Count); // one per pair of oracles
            var range = ranges.Single(r => x >= r.Start && x <= r.End);
            Assert.All(matches, m => Assert.Equal(range.Offer, plan.Cets[m.CetIndex].Offer));
        }
    }

    [Fact]
    public void Rounding_follows_NumericOutcome_md()
    {
        Assert.Equal(1200, PayoutCurve.Round(1234.5, 100));
        Assert.Equal(1300, PayoutCurve.Round(1250, 100)); // a tie rounds up
        Assert.Equal(1300, PayoutCurve.Round(1250.0001, 100));
        Assert.Equal(7, PayoutCurve.Round(7.4, 1));
        Assert.Equal(1UL, PayoutCurve.RoundingModAt(new RoundingIntervals([new RoundingInterval(10, 50)]), 9));
        Assert.Equal(50UL, PayoutCurve.RoundingModAt(new RoundingIntervals([new RoundingInterval(10, 50)]), 10));
    }

    [Fact]
    public void Invalid_curves_are_refused_with_the_rule_broken()
    {
        PayoutFunction F(params ulong[] xs) => new(
            [.. xs[..^1].Select(x => new PayoutFunctionPiece(new PayoutPoint(x, Amount.Zero, 0), new PolynomialPayoutCurvePiece([])))],
            new PayoutPoint(xs[^1], Amount.FromSatoshis(10), 0));
        var r = new RoundingIntervals([new RoundingInterval(0, 1)]);
        Assert.Contains("cover every outcome", Assert.Throws<DlcException>(() => PayoutCurve.ToRangePayouts(new(10, F(1, 1023), r), 2, Amount.FromSatoshis(10))).Message, StringComparison.Ordinal);
        Assert.Contains("does not increase", Assert.Throws<DlcException>(() => PayoutCurve.ToRangePayouts(new(10, F(0, 5, 5, 1023), r), 2, Amount.FromSatoshis(10))).Message, StringComparison.Ordinal);
        Assert.Contains("rounding_mod", Assert.Throws<DlcException>(() => PayoutCurve.ToRangePayouts(new(10, F(0, 1023), new([new RoundingInterval(0, 0)])), 2, Amount.FromSatoshis(10))).Message, StringComparison.Ordinal);
        var nan = new PayoutFunction([new PayoutFunctionPiece(new PayoutPoint(0, Amount.Zero, 0), new HyperbolaPayoutCurvePiece(true, 0, 0, 1, 0, 0, 1))], new PayoutPoint(1023, Amount.Zero, 0));
        Assert.Contains("cannot evaluate outcome 0", Assert.Throws<DlcException>(() => PayoutCurve.ToRangePayouts(new(10, nan, r), 2, Amount.FromSatoshis(10))).Message, StringComparison.Ordinal);
    }

    internal static OracleAnnouncement TestAnnouncement(int digits, string id)
    {
        using var key = OPSource.Crypto.Secp256k1.SecretKey.Generate();
        var nonces = Enumerable.Range(0, digits).Select(_ => OPSource.Crypto.Secp256k1.SecretKey.Generate()).ToArray();
        return Oracle.OracleSigner.Announce(key, nonces, 1_700_000_000, new DigitDecompositionEventDescriptor(2, false, "x", 0, (ushort)digits), id);
    }
}
