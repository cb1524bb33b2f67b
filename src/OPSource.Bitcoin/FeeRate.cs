using System.Globalization;

namespace OPSource.Bitcoin;

/// <summary>
/// A fee rate, stored as satoshis per 1000 virtual bytes (Core's CFeeRate) so sub-sat/vB rates
/// such as 1.5 sat/vB are exact.
/// </summary>
public readonly record struct FeeRate : IComparable<FeeRate>
{
    /// <summary>Creates a rate from sat/kvB.</summary>
    public FeeRate(long satoshisPerKvB)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(satoshisPerKvB);
        SatoshisPerKvB = satoshisPerKvB;
    }

    /// <summary>Satoshis per 1000 virtual bytes.</summary>
    public long SatoshisPerKvB { get; }

    /// <summary>Satoshis per virtual byte (may be fractional).</summary>
    public decimal SatoshisPerVByte => SatoshisPerKvB / 1000m;

    /// <summary>Zero.</summary>
    public static FeeRate Zero => default;

    /// <summary>From sat/vB; precision beyond 0.001 sat/vB throws.</summary>
    public static FeeRate FromSatoshisPerVByte(decimal satPerVByte)
    {
        var kvb = satPerVByte * 1000m;
        if (kvb != decimal.Truncate(kvb))
        {
            throw new ArgumentException("feerate: precision finer than 0.001 sat/vB", nameof(satPerVByte));
        }

        return new FeeRate(checked((long)kvb));
    }

    /// <summary>The rate a transaction paid: fee * 1000 / vsize, truncated (Core CFeeRate(nFeePaid, num_bytes)).</summary>
    public static FeeRate FromFee(Amount fee, long virtualSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(virtualSize);
        return new FeeRate(checked(fee.Satoshis * 1000) / virtualSize);
    }

    /// <summary>Fee for <paramref name="virtualSize"/> vbytes, rounded up (Core CFeeRate::GetFee).</summary>
    public Amount GetFee(long virtualSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(virtualSize);
        var product = checked(SatoshisPerKvB * virtualSize);
        return Amount.TryFromSatoshis((product + 999) / 1000, out var fee) ? fee : throw new OverflowException("feerate: fee exceeds 21,000,000 BTC");
    }

    /// <summary>"1.5 sat/vB".</summary>
    public override string ToString() =>
        SatoshisPerVByte.ToString("0.###", CultureInfo.InvariantCulture) + " sat/vB";

    /// <summary>Parses "1.5 sat/vB", "1500 sat/kvB", "0.00001 BTC/kvB" (invariant culture).</summary>
    public static bool TryParse(string? text, out FeeRate value, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out AmountError? error)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = new AmountError(AmountErrorKind.Empty, "feerate: empty");
            return false;
        }

        var parts = text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            error = new AmountError(AmountErrorKind.UnknownUnit, "feerate: expected '<number> sat/vB', '<number> sat/kvB' or '<number> BTC/kvB'");
            return false;
        }

        if (!decimal.TryParse(parts[0], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            error = new AmountError(AmountErrorKind.NotANumber, $"feerate: '{parts[0]}' is not a non-negative decimal number");
            return false;
        }

        decimal perKvB;
        if (parts[1].Equals("sat/vB", StringComparison.OrdinalIgnoreCase))
        {
            perKvB = number * 1000m;
        }
        else if (parts[1].Equals("sat/kvB", StringComparison.OrdinalIgnoreCase))
        {
            perKvB = number;
        }
        else if (parts[1].Equals("BTC/kvB", StringComparison.OrdinalIgnoreCase))
        {
            perKvB = number * Amount.SatoshisPerBitcoin;
        }
        else
        {
            error = new AmountError(AmountErrorKind.UnknownUnit, $"feerate: unknown unit '{parts[1]}'");
            return false;
        }

        if (perKvB != decimal.Truncate(perKvB))
        {
            error = new AmountError(AmountErrorKind.TooPrecise, "feerate: precision finer than 1 sat/kvB");
            return false;
        }

        if (perKvB > long.MaxValue / 1_000_000)
        {
            error = new AmountError(AmountErrorKind.OutOfRange, "feerate: rate too large");
            return false;
        }

        value = new FeeRate((long)perKvB);
        error = null;
        return true;
    }

    /// <summary>Parses or throws <see cref="BitcoinFormatException"/>.</summary>
    public static FeeRate Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw error.ToException();

    /// <inheritdoc/>
    public int CompareTo(FeeRate other) => SatoshisPerKvB.CompareTo(other.SatoshisPerKvB);

    public static bool operator <(FeeRate left, FeeRate right) => left.SatoshisPerKvB < right.SatoshisPerKvB;

    public static bool operator >(FeeRate left, FeeRate right) => left.SatoshisPerKvB > right.SatoshisPerKvB;

    public static bool operator <=(FeeRate left, FeeRate right) => left.SatoshisPerKvB <= right.SatoshisPerKvB;

    public static bool operator >=(FeeRate left, FeeRate right) => left.SatoshisPerKvB >= right.SatoshisPerKvB;
}
