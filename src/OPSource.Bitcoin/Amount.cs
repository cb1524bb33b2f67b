using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using OPSource.Bitcoin.Encoding;

namespace OPSource.Bitcoin;

/// <summary>
/// A non-negative amount of bitcoin: 0 to <see cref="MaxMoney"/> satoshis (Core amount.h MoneyRange),
/// checked on construction and by every operation, so an <see cref="Amount"/> is always a valid output
/// value. Fees, balance changes and other deltas that can be negative are <see cref="SignedAmount"/>.
/// </summary>
public readonly struct Amount : IEquatable<Amount>, IComparable<Amount>
{
    /// <summary>Satoshis per bitcoin (Core's COIN).</summary>
    public const long SatoshisPerBitcoin = 100_000_000;

    /// <summary>Core amount.h MAX_MONEY in satoshis: 21,000,000 BTC.</summary>
    public const long MaxSatoshis = 21_000_000 * SatoshisPerBitcoin;

    private readonly long _satoshis;

    private Amount(long satoshis) => _satoshis = satoshis;

    /// <summary>Zero.</summary>
    public static Amount Zero => default;

    /// <summary>Core MAX_MONEY: 21,000,000 BTC.</summary>
    public static Amount MaxMoney => new(MaxSatoshis);

    /// <summary>The amount in satoshis (0 to <see cref="MaxSatoshis"/>).</summary>
    public long Satoshis => _satoshis;

    /// <summary>Core MoneyRange: 0 &lt;= <paramref name="satoshis"/> &lt;= MAX_MONEY.</summary>
    public static bool IsInRange(long satoshis) => satoshis is >= 0 and <= MaxSatoshis;

    /// <summary>From satoshis; outside 0..MAX_MONEY throws <see cref="ArgumentOutOfRangeException"/>.</summary>
    public static Amount FromSatoshis(long satoshis) =>
        TryFromSatoshis(satoshis, out var amount) ? amount : throw new ArgumentOutOfRangeException(nameof(satoshis), satoshis, "amount: must be between 0 and 21,000,000 BTC (Core MoneyRange)");

    /// <summary>From satoshis; false outside 0..MAX_MONEY.</summary>
    public static bool TryFromSatoshis(long satoshis, out Amount amount)
    {
        amount = IsInRange(satoshis) ? new Amount(satoshis) : default;
        return IsInRange(satoshis);
    }

    /// <summary>From BTC; more than 8 decimals or outside 0..21,000,000 throws <see cref="ArgumentException"/>.</summary>
    public static Amount FromBtc(decimal btc) => FromSatoshis(AmountText.BtcToSatoshis(btc, nameof(btc)));

    /// <summary>The amount in BTC (exact).</summary>
    public decimal ToBtc() => (decimal)_satoshis / SatoshisPerBitcoin;

    /// <summary>BTC with exactly 8 decimals and no unit, as Core's ValueFromAmount prints it.</summary>
    public string ToBtcString() => AmountText.FormatBtc(_satoshis);

    /// <summary>"0.00012345 BTC".</summary>
    public override string ToString() => ToBtcString() + " BTC";

    /// <summary>"12345 sat".</summary>
    public string ToSatoshiString() => _satoshis.ToString(CultureInfo.InvariantCulture) + " sat";

    /// <summary>
    /// Parses "0.00012345 BTC", "12345 sat" (or "sats"), or a bare BTC number with at most 8 decimals,
    /// invariant culture; negative amounts and amounts above 21,000,000 BTC are refused.
    /// </summary>
    public static bool TryParse(string? text, out Amount value, [NotNullWhen(false)] out AmountError? error)
    {
        value = default;
        if (!AmountText.TryParse(text, out var sats, out error))
        {
            return false;
        }

        if (sats < 0)
        {
            error = new AmountError(AmountErrorKind.Negative, $"amount: '{text}' is negative; an amount is at least 0");
            return false;
        }

        value = new Amount(sats);
        return true;
    }

    /// <summary>Parses like <see cref="TryParse"/> or throws <see cref="BitcoinFormatException"/>.</summary>
    public static Amount Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw error.ToException();

    /// <summary>Writes the 8-byte little-endian value (the amount field of CTxOut, BIP143 and BIP341).</summary>
    public void WriteTo(BitcoinWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteInt64LE(_satoshis);
    }

    /// <summary>Sum of <paramref name="amounts"/>; throws <see cref="OverflowException"/> beyond MAX_MONEY.</summary>
    public static Amount Sum(IEnumerable<Amount> amounts)
    {
        ArgumentNullException.ThrowIfNull(amounts);
        var total = Zero;
        foreach (var a in amounts)
        {
            total += a;
        }

        return total;
    }

    /// <summary>The sum, or null beyond MAX_MONEY.</summary>
    public Amount? CheckedAdd(Amount other) => IsInRange(_satoshis + other._satoshis) ? new Amount(_satoshis + other._satoshis) : null;

    /// <summary>The difference, or null when it would be negative.</summary>
    public Amount? CheckedSubtract(Amount other) => _satoshis >= other._satoshis ? new Amount(_satoshis - other._satoshis) : null;

    /// <inheritdoc/>
    public bool Equals(Amount other) => _satoshis == other._satoshis;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Amount other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _satoshis.GetHashCode();

    /// <inheritdoc/>
    public int CompareTo(Amount other) => _satoshis.CompareTo(other._satoshis);

    /// <summary>Sum; throws <see cref="OverflowException"/> beyond MAX_MONEY.</summary>
    public static Amount operator +(Amount left, Amount right) => left.CheckedAdd(right) ?? throw new OverflowException("amount: sum exceeds 21,000,000 BTC");

    /// <summary>Difference; throws <see cref="OverflowException"/> when negative (use <see cref="SignedAmount"/> for deltas).</summary>
    public static Amount operator -(Amount left, Amount right) => left.CheckedSubtract(right) ?? throw new OverflowException("amount: difference is negative");

    /// <summary>Product; throws <see cref="OverflowException"/> outside 0..MAX_MONEY.</summary>
    public static Amount operator *(Amount left, long right)
    {
        var product = checked(left._satoshis * right);
        return IsInRange(product) ? new Amount(product) : throw new OverflowException("amount: product outside 0..21,000,000 BTC");
    }

    public static bool operator ==(Amount left, Amount right) => left.Equals(right);

    public static bool operator !=(Amount left, Amount right) => !left.Equals(right);

    public static bool operator <(Amount left, Amount right) => left._satoshis < right._satoshis;

    public static bool operator >(Amount left, Amount right) => left._satoshis > right._satoshis;

    public static bool operator <=(Amount left, Amount right) => left._satoshis <= right._satoshis;

    public static bool operator >=(Amount left, Amount right) => left._satoshis >= right._satoshis;

    /// <summary>Every amount is a valid signed amount.</summary>
    public static implicit operator SignedAmount(Amount value) => SignedAmount.FromSatoshis(value._satoshis);

    /// <summary>Same as the implicit conversion.</summary>
    public SignedAmount ToSignedAmount() => this;

    /// <summary>Checked addition.</summary>
    public static Amount Add(Amount left, Amount right) => left + right;

    /// <summary>Checked subtraction.</summary>
    public static Amount Subtract(Amount left, Amount right) => left - right;

    /// <summary>Checked multiplication.</summary>
    public static Amount Multiply(Amount left, long right) => left * right;
}

/// <summary>
/// A signed number of satoshis (Core's CAmount), for values that are meant to be signed: fees
/// computed from untrusted data, balance changes, fee deltas. Arithmetic is checked against 64-bit
/// overflow; <see cref="IsInMoneyRange"/> is Core's MoneyRange and <see cref="TryToAmount"/> converts.
/// </summary>
public readonly record struct SignedAmount : IComparable<SignedAmount>
{
    private SignedAmount(long satoshis) => Satoshis = satoshis;

    /// <summary>Zero.</summary>
    public static SignedAmount Zero => default;

    /// <summary>The value in satoshis.</summary>
    public long Satoshis { get; }

    /// <summary>True below zero.</summary>
    public bool IsNegative => Satoshis < 0;

    /// <summary>Core amount.h MoneyRange: 0 &lt;= value &lt;= MAX_MONEY.</summary>
    public bool IsInMoneyRange => Amount.IsInRange(Satoshis);

    /// <summary>From satoshis (any 64-bit value).</summary>
    public static SignedAmount FromSatoshis(long satoshis) => new(satoshis);

    /// <summary>From BTC; more than 8 decimals throws.</summary>
    public static SignedAmount FromBtc(decimal btc) => new(AmountText.BtcToSatoshis(btc, nameof(btc)));

    /// <summary>The non-negative amount, when within 0..MAX_MONEY.</summary>
    public bool TryToAmount(out Amount amount) => Amount.TryFromSatoshis(Satoshis, out amount);

    /// <summary>The non-negative amount; throws <see cref="OverflowException"/> outside 0..MAX_MONEY.</summary>
    public Amount ToAmount() => TryToAmount(out var amount) ? amount : throw new OverflowException("amount: value outside 0..21,000,000 BTC");

    /// <summary>The amount in BTC (exact).</summary>
    public decimal ToBtc() => (decimal)Satoshis / Amount.SatoshisPerBitcoin;

    /// <summary>BTC with exactly 8 decimals and no unit, as Core's ValueFromAmount prints it (with a leading '-').</summary>
    public string ToBtcString() => AmountText.FormatBtc(Satoshis);

    /// <summary>"-0.00012345 BTC".</summary>
    public override string ToString() => ToBtcString() + " BTC";

    /// <summary>"-12345 sat".</summary>
    public string ToSatoshiString() => Satoshis.ToString(CultureInfo.InvariantCulture) + " sat";

    /// <summary>Parses like <see cref="Amount.TryParse"/> with an optional leading '-'; the magnitude is at most 21,000,000 BTC.</summary>
    public static bool TryParse(string? text, out SignedAmount value, [NotNullWhen(false)] out AmountError? error)
    {
        var ok = AmountText.TryParse(text, out var sats, out error);
        value = new SignedAmount(sats);
        return ok;
    }

    /// <summary>Parses or throws <see cref="BitcoinFormatException"/>.</summary>
    public static SignedAmount Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw error.ToException();

    /// <inheritdoc/>
    public int CompareTo(SignedAmount other) => Satoshis.CompareTo(other.Satoshis);

    public static SignedAmount operator +(SignedAmount left, SignedAmount right) => new(checked(left.Satoshis + right.Satoshis));

    public static SignedAmount operator -(SignedAmount left, SignedAmount right) => new(checked(left.Satoshis - right.Satoshis));

    public static SignedAmount operator -(SignedAmount value) => new(checked(-value.Satoshis));

    public static SignedAmount operator *(SignedAmount left, long right) => new(checked(left.Satoshis * right));

    public static bool operator <(SignedAmount left, SignedAmount right) => left.Satoshis < right.Satoshis;

    public static bool operator >(SignedAmount left, SignedAmount right) => left.Satoshis > right.Satoshis;

    public static bool operator <=(SignedAmount left, SignedAmount right) => left.Satoshis <= right.Satoshis;

    public static bool operator >=(SignedAmount left, SignedAmount right) => left.Satoshis >= right.Satoshis;

    /// <summary>Checked addition.</summary>
    public static SignedAmount Add(SignedAmount left, SignedAmount right) => left + right;

    /// <summary>Checked subtraction.</summary>
    public static SignedAmount Subtract(SignedAmount left, SignedAmount right) => left - right;

    /// <summary>Checked multiplication.</summary>
    public static SignedAmount Multiply(SignedAmount left, long right) => left * right;

    /// <summary>Checked negation.</summary>
    public static SignedAmount Negate(SignedAmount value) => -value;
}

/// <summary>Why an amount or fee rate text did not parse.</summary>
public enum AmountErrorKind
{
    /// <summary>Nothing to parse.</summary>
    Empty,

    /// <summary>Not a decimal number (digits with at most one '.').</summary>
    NotANumber,

    /// <summary>More than 8 decimals for BTC.</summary>
    TooManyDecimals,

    /// <summary>A fractional satoshi amount.</summary>
    FractionalSatoshis,

    /// <summary>A unit other than BTC or sat (sat/vB, sat/kvB, BTC/kvB for fee rates).</summary>
    UnknownUnit,

    /// <summary>More than 21,000,000 BTC (Core MAX_MONEY), or a fee rate too large.</summary>
    OutOfRange,

    /// <summary>A negative value where an amount (at least 0) is required.</summary>
    Negative,

    /// <summary>A fee rate finer than 1 sat/kvB.</summary>
    TooPrecise,
}

/// <summary>A typed amount or fee-rate parse error.</summary>
public sealed class AmountError : BitcoinError<AmountErrorKind>
{
    /// <summary>Creates an error.</summary>
    public AmountError(AmountErrorKind kind, string message, int? position = null)
        : base("amount", kind, message, position)
    {
    }
}

/// <summary>The text forms shared by <see cref="Amount"/> and <see cref="SignedAmount"/>.</summary>
internal static class AmountText
{
    public static long BtcToSatoshis(decimal btc, string parameter)
    {
        var sats = btc * Amount.SatoshisPerBitcoin;
        if (sats != decimal.Truncate(sats))
        {
            throw new ArgumentException("amount: more than 8 decimal places", parameter);
        }

        return checked((long)sats);
    }

    public static string FormatBtc(long satoshis)
    {
        var abs = satoshis == long.MinValue ? 9223372036854775808UL : (ulong)Math.Abs(satoshis);
        var sign = satoshis < 0 ? "-" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{abs / Amount.SatoshisPerBitcoin}.{abs % Amount.SatoshisPerBitcoin:D8}");
    }

    /// <summary>"0.00012345 BTC", "12345 sat(s)" or a bare BTC number; optional '-'; magnitude at most MAX_MONEY.</summary>
    public static bool TryParse(string? text, out long satoshis, [NotNullWhen(false)] out AmountError? error)
    {
        satoshis = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = new AmountError(AmountErrorKind.Empty, "amount: empty amount");
            return false;
        }

        var s = text.Trim();
        var isSat = false;
        var space = s.LastIndexOf(' ');
        if (space > 0)
        {
            var unit = s[(space + 1)..];
            if (unit.Equals("sat", StringComparison.OrdinalIgnoreCase) || unit.Equals("sats", StringComparison.OrdinalIgnoreCase))
            {
                isSat = true;
            }
            else if (!unit.Equals("BTC", StringComparison.OrdinalIgnoreCase))
            {
                error = new AmountError(AmountErrorKind.UnknownUnit, $"amount: unknown unit '{unit}' (expected BTC or sat)", space + 1);
                return false;
            }

            s = s[..space].TrimEnd();
        }

        var negative = s.StartsWith('-');
        if (negative)
        {
            s = s[1..];
        }

        var dot = s.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? s : s[..dot];
        var frac = dot < 0 ? string.Empty : s[(dot + 1)..];
        if (whole.Length == 0 || !IsDigits(whole) || (dot >= 0 && (frac.Length == 0 || !IsDigits(frac))))
        {
            error = new AmountError(AmountErrorKind.NotANumber, $"amount: '{text}' is not a decimal number");
            return false;
        }

        if (isSat && frac.Length > 0)
        {
            error = new AmountError(AmountErrorKind.FractionalSatoshis, "amount: satoshi amounts must be whole numbers");
            return false;
        }

        if (!isSat && frac.Length > 8)
        {
            error = new AmountError(AmountErrorKind.TooManyDecimals, "amount: more than 8 decimal places");
            return false;
        }

        if (whole.Length > 19)
        {
            error = new AmountError(AmountErrorKind.OutOfRange, "amount: amount exceeds 21,000,000 BTC");
            return false;
        }

        var w = ulong.Parse(whole, NumberStyles.None, CultureInfo.InvariantCulture);
        decimal sats = isSat ? w : (w * (decimal)Amount.SatoshisPerBitcoin) + (frac.Length == 0 ? 0 : ulong.Parse(frac.PadRight(8, '0'), NumberStyles.None, CultureInfo.InvariantCulture));
        if (sats > Amount.MaxSatoshis)
        {
            error = new AmountError(AmountErrorKind.OutOfRange, "amount: amount exceeds 21,000,000 BTC");
            return false;
        }

        satoshis = negative ? -(long)sats : (long)sats;
        error = null;
        return true;
    }

    private static bool IsDigits(string s)
    {
        foreach (var c in s)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }
}
