using CsCheck;

namespace OPSource.Bitcoin.Tests.Primitives;

public class AmountTests
{
    [Theory]
    [InlineData("0.00012345 BTC", 12345)]
    [InlineData("12345 sat", 12345)]
    [InlineData("12345 sats", 12345)]
    [InlineData("1 BTC", 100_000_000)]
    [InlineData("1.5", 150_000_000)]
    [InlineData("21000000 BTC", 2_100_000_000_000_000)]
    [InlineData("0 sat", 0)]
    public void Parses_invariant_forms(string text, long sats)
    {
        Assert.True(Amount.TryParse(text, out var amount, out var error), error?.Message);
        Assert.Equal(sats, amount.Satoshis);
        Assert.True(SignedAmount.TryParse(text, out var signed, out _));
        Assert.Equal(sats, signed.Satoshis);
    }

    [Theory]
    [InlineData("", AmountErrorKind.Empty, "empty")]
    [InlineData("1,5 BTC", AmountErrorKind.NotANumber, "not a decimal")]
    [InlineData("0.000000001 BTC", AmountErrorKind.TooManyDecimals, "8 decimal")]
    [InlineData("1.5 sat", AmountErrorKind.FractionalSatoshis, "whole")]
    [InlineData("21000000.00000001 BTC", AmountErrorKind.OutOfRange, "21,000,000")]
    [InlineData("99999999999999999999 sat", AmountErrorKind.OutOfRange, "21,000,000")]
    [InlineData("1 ETH", AmountErrorKind.UnknownUnit, "unit")]
    [InlineData(". BTC", AmountErrorKind.NotANumber, "not a decimal")]
    [InlineData("1. BTC", AmountErrorKind.NotANumber, "not a decimal")]
    [InlineData("-0.1 btc", AmountErrorKind.Negative, "negative")]
    public void Rejects_bad_amounts_naming_the_rule(string text, AmountErrorKind kind, string fragment)
    {
        Assert.False(Amount.TryParse(text, out _, out var error));
        Assert.Equal(kind, error.Kind);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        var thrown = Assert.Throws<BitcoinFormatException>(() => Amount.Parse(text));
        Assert.Same(error.GetType(), thrown.Error.GetType());
    }

    [Fact]
    public void Signed_amounts_take_a_sign_and_keep_the_range_of_magnitudes()
    {
        Assert.Equal(-10_000_000, SignedAmount.Parse("-0.1 btc").Satoshis);
        Assert.False(SignedAmount.TryParse("-21000000.00000001", out _, out var error));
        Assert.Equal(AmountErrorKind.OutOfRange, error.Kind);
    }

    [Fact]
    public void Formats_like_core()
    {
        Assert.Equal("0.00012345 BTC", Amount.FromSatoshis(12345).ToString());
        Assert.Equal("-1.00000000 BTC", SignedAmount.FromSatoshis(-100_000_000).ToString());
        Assert.Equal("12345 sat", Amount.FromSatoshis(12345).ToSatoshiString());
        Assert.Equal("21000000.00000000", Amount.MaxMoney.ToBtcString());
        Assert.Equal("-92233720368.54775808", SignedAmount.FromSatoshis(long.MinValue).ToBtcString());
        Assert.Equal(0.00012345m, Amount.FromSatoshis(12345).ToBtc());
        Assert.Equal(Amount.FromSatoshis(12345), Amount.FromBtc(0.00012345m));
        Assert.Throws<ArgumentException>(() => Amount.FromBtc(0.000000001m));
    }

    [Fact]
    public void Amount_is_range_checked_by_construction_and_arithmetic()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Amount.FromSatoshis(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Amount.FromSatoshis(Amount.MaxSatoshis + 1));
        Assert.False(Amount.TryFromSatoshis(-1, out _));
        Assert.True(Amount.TryFromSatoshis(Amount.MaxSatoshis, out var max));
        Assert.Equal(Amount.MaxMoney, max);
        Assert.Throws<OverflowException>(() => Amount.MaxMoney + Amount.FromSatoshis(1));
        Assert.Throws<OverflowException>(() => Amount.FromSatoshis(1) - Amount.FromSatoshis(2));
        Assert.Throws<OverflowException>(() => Amount.MaxMoney * 2);
        Assert.Null(Amount.MaxMoney.CheckedAdd(Amount.FromSatoshis(1)));
        Assert.Null(Amount.Zero.CheckedSubtract(Amount.FromSatoshis(1)));
        Assert.Equal(Amount.FromSatoshis(3), Amount.FromSatoshis(1) + Amount.FromSatoshis(2));
        Assert.Equal(Amount.FromSatoshis(6), Amount.Sum([Amount.FromSatoshis(1), Amount.FromSatoshis(2), Amount.FromSatoshis(3)]));
        Assert.True(Amount.FromSatoshis(1) < Amount.FromSatoshis(2));

        // A signed difference is meant to be signed.
        SignedAmount delta = Amount.FromSatoshis(1);
        delta -= Amount.FromSatoshis(2);
        Assert.Equal(-1, delta.Satoshis);
        Assert.False(delta.TryToAmount(out _));
        Assert.Throws<OverflowException>(() => delta.ToAmount());
        Assert.Throws<OverflowException>(() => SignedAmount.FromSatoshis(long.MaxValue) + SignedAmount.FromSatoshis(1));
        Assert.Throws<OverflowException>(() => SignedAmount.FromSatoshis(long.MinValue) - SignedAmount.FromSatoshis(1));
        Assert.True(SignedAmount.FromSatoshis(Amount.MaxSatoshis).IsInMoneyRange);
        Assert.False(SignedAmount.FromSatoshis(Amount.MaxSatoshis + 1).IsInMoneyRange);
    }

    [Fact]
    public void Format_parse_round_trip()
    {
        Gen.Long[0, Amount.MaxSatoshis].Sample(s =>
        {
            var a = Amount.FromSatoshis(s);
            return Amount.Parse(a.ToString()) == a && Amount.Parse(a.ToSatoshiString()) == a;
        });
        Gen.Long[-Amount.MaxSatoshis, Amount.MaxSatoshis].Sample(s =>
        {
            var a = SignedAmount.FromSatoshis(s);
            return SignedAmount.Parse(a.ToString()) == a && SignedAmount.Parse(a.ToSatoshiString()) == a;
        });
    }
}

public class FeeRateTests
{
    [Theory]
    [InlineData("1.5 sat/vB", 1500)]
    [InlineData("1500 sat/kvB", 1500)]
    [InlineData("0.00001 BTC/kvB", 1000)]
    [InlineData("0.001 sat/vB", 1)]
    public void Parses(string text, long perKvB)
    {
        Assert.True(FeeRate.TryParse(text, out var rate, out var error), error?.Message);
        Assert.Equal(perKvB, rate.SatoshisPerKvB);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("0.0001 sat/vB")]
    [InlineData("-1 sat/vB")]
    [InlineData("1 sat/byte")]
    public void Rejects(string text)
    {
        Assert.False(FeeRate.TryParse(text, out _, out var error));
        Assert.StartsWith("feerate:", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("amount.", error.Code, StringComparison.Ordinal);
    }

    [Fact]
    public void Fee_rounds_up_like_core_GetFee()
    {
        var rate = FeeRate.FromSatoshisPerVByte(1.5m);
        Assert.Equal(Amount.FromSatoshis(212), rate.GetFee(141)); // 211.5 -> 212
        Assert.Equal(Amount.FromSatoshis(0), rate.GetFee(0));
        Assert.Equal(Amount.FromSatoshis(1), new FeeRate(1).GetFee(1));
        Assert.Equal("1.5 sat/vB", rate.ToString());
        Assert.Equal(new FeeRate(1418), FeeRate.FromFee(Amount.FromSatoshis(200), 141));
        Assert.Equal(rate, FeeRate.Parse(rate.ToString()));
    }
}
