using CsCheck;

namespace OPSource.Bitcoin.Tests.Primitives;

public class MoneyTests
{
    [Theory]
    [InlineData("0.00012345 BTC", 12345)]
    [InlineData("12345 sat", 12345)]
    [InlineData("12345 sats", 12345)]
    [InlineData("1 BTC", 100_000_000)]
    [InlineData("1.5", 150_000_000)]
    [InlineData("21000000 BTC", 2_100_000_000_000_000)]
    [InlineData("-0.1 btc", -10_000_000)]
    [InlineData("0 sat", 0)]
    public void Parses_invariant_forms(string text, long sats)
    {
        Assert.True(Money.TryParse(text, out var money, out var error), error);
        Assert.Equal(sats, money.Satoshis);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("1,5 BTC", "not a decimal")]
    [InlineData("0.000000001 BTC", "8 decimal")]
    [InlineData("1.5 sat", "whole")]
    [InlineData("21000000.00000001 BTC", "21,000,000")]
    [InlineData("99999999999999999999 sat", "21,000,000")]
    [InlineData("1 ETH", "unit")]
    [InlineData(". BTC", "not a decimal")]
    [InlineData("1. BTC", "not a decimal")]
    public void Rejects_bad_amounts_naming_the_rule(string text, string fragment)
    {
        Assert.False(Money.TryParse(text, out _, out var error));
        Assert.Contains(fragment, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => Money.Parse(text));
    }

    [Fact]
    public void Formats_like_core()
    {
        Assert.Equal("0.00012345 BTC", new Money(12345).ToString());
        Assert.Equal("-1.00000000 BTC", new Money(-100_000_000).ToString());
        Assert.Equal("12345 sat", new Money(12345).ToSatoshiString());
        Assert.Equal("21000000.00000000", Money.MaxMoney.ToBtcString());
        Assert.Equal(0.00012345m, new Money(12345).ToBtc());
        Assert.Equal(new Money(12345), Money.FromBtc(0.00012345m));
        Assert.Throws<ArgumentException>(() => Money.FromBtc(0.000000001m));
    }

    [Fact]
    public void Arithmetic_is_checked_and_range_is_core_MoneyRange()
    {
        Assert.Throws<OverflowException>(() => new Money(long.MaxValue) + new Money(1));
        Assert.Throws<OverflowException>(() => new Money(long.MinValue) - new Money(1));
        Assert.Throws<OverflowException>(() => new Money(long.MaxValue) * 2);
        Assert.Equal(new Money(3), new Money(1) + new Money(2));
        Assert.True(Money.MaxMoney.IsInMoneyRange);
        Assert.False((Money.MaxMoney + new Money(1)).IsInMoneyRange);
        Assert.False(new Money(-1).IsInMoneyRange);
        Assert.True(new Money(1) < new Money(2));
    }

    [Fact]
    public void Format_parse_round_trip()
    {
        Gen.Long[-Money.MaxMoney.Satoshis, Money.MaxMoney.Satoshis].Sample(s =>
        {
            var m = new Money(s);
            return Money.Parse(m.ToString()) == m && Money.Parse(m.ToSatoshiString()) == m;
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
        Assert.True(FeeRate.TryParse(text, out var rate, out var error), error);
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
        Assert.StartsWith("feerate:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Fee_rounds_up_like_core_GetFee()
    {
        var rate = FeeRate.FromSatoshisPerVByte(1.5m);
        Assert.Equal(new Money(212), rate.GetFee(141)); // 211.5 -> 212
        Assert.Equal(new Money(0), rate.GetFee(0));
        Assert.Equal(new Money(1), new FeeRate(1).GetFee(1));
        Assert.Equal("1.5 sat/vB", rate.ToString());
        Assert.Equal(new FeeRate(1418), FeeRate.FromFee(new Money(200), 141));
        Assert.Equal(rate, FeeRate.Parse(rate.ToString()));
    }
}
