using System.Globalization;

namespace OPSource.Bitcoin;

/// <summary>
/// An amount of bitcoin in satoshis (Core's CAmount). Arithmetic is checked (overflow throws);
/// values may be negative (fee deltas) or out of range (as read from a raw transaction) — use
/// <see cref="IsInMoneyRange"/> for Core's MoneyRange rule.
/// </summary>
public readonly record struct Money : IComparable<Money>
{
    /// <summary>Satoshis per bitcoin (Core's COIN).</summary>
    public const long SatoshisPerBitcoin = 100_000_000;

    /// <summary>Core amount.h MAX_MONEY: 21,000,000 BTC.</summary>
    public static Money MaxMoney { get; } = new(21_000_000 * SatoshisPerBitcoin);

    /// <summary>Zero.</summary>
    public static Money Zero => default;

    /// <summary>Creates an amount from satoshis.</summary>
    public Money(long satoshis) => Satoshis = satoshis;

    /// <summary>The amount in satoshis.</summary>
    public long Satoshis { get; }

    /// <summary>Core amount.h MoneyRange: 0 &lt;= value &lt;= MAX_MONEY.</summary>
    public bool IsInMoneyRange => Satoshis >= 0 && Satoshis <= MaxMoney.Satoshis;

    /// <summary>Creates an amount from satoshis.</summary>
    public static Money FromSatoshis(long satoshis) => new(satoshis);

    /// <summary>Creates an amount from BTC; more than 8 decimals throws.</summary>
    public static Money FromBtc(decimal btc)
    {
        var sats = btc * SatoshisPerBitcoin;
        if (sats != decimal.Truncate(sats))
        {
            throw new ArgumentException("money: more than 8 decimal places", nameof(btc));
        }

        return new Money(checked((long)sats));
    }

    /// <summary>The amount in BTC (exact).</summary>
    public decimal ToBtc() => (decimal)Satoshis / SatoshisPerBitcoin;

    /// <summary>BTC with exactly 8 decimals and no unit, as Core's ValueFromAmount prints it.</summary>
    public string ToBtcString()
    {
        var abs = Satoshis == long.MinValue ? 9223372036854775808UL : (ulong)Math.Abs(Satoshis);
        var sign = Satoshis < 0 ? "-" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{abs / SatoshisPerBitcoin}.{abs % SatoshisPerBitcoin:D8}");
    }

    /// <summary>"0.00012345 BTC".</summary>
    public override string ToString() => ToBtcString() + " BTC";

    /// <summary>"12345 sat".</summary>
    public string ToSatoshiString() => Satoshis.ToString(CultureInfo.InvariantCulture) + " sat";

    /// <summary>
    /// Parses "0.00012345 BTC", "12345 sat" (or "sats"), or a bare BTC number, invariant culture,
    /// optional leading '-'; the magnitude must not exceed <see cref="MaxMoney"/>.
    /// </summary>
    public static bool TryParse(string? text, out Money value, out string? error)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "money: empty amount";
            return false;
        }

        var s = text.Trim();
        var isSat = false;
        var space = s.LastIndexOf(' ');
        if (space > 0)
        {
            var unit = s[(space + 1)..];
            if (unit.Equals("BTC", StringComparison.OrdinalIgnoreCase))
            {
                isSat = false;
            }
            else if (unit.Equals("sat", StringComparison.OrdinalIgnoreCase) || unit.Equals("sats", StringComparison.OrdinalIgnoreCase))
            {
                isSat = true;
            }
            else
            {
                error = $"money: unknown unit '{unit}' (expected BTC or sat)";
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
            error = $"money: '{text}' is not a decimal number";
            return false;
        }

        if (isSat && frac.Length > 0)
        {
            error = "money: satoshi amounts must be whole numbers";
            return false;
        }

        if (!isSat && frac.Length > 8)
        {
            error = "money: more than 8 decimal places";
            return false;
        }

        if (whole.Length > 19)
        {
            error = "money: amount exceeds 21,000,000 BTC";
            return false;
        }

        var w = ulong.Parse(whole, NumberStyles.None, CultureInfo.InvariantCulture);
        decimal sats = isSat ? w : (w * (decimal)SatoshisPerBitcoin) + (frac.Length == 0 ? 0 : ulong.Parse(frac.PadRight(8, '0'), NumberStyles.None, CultureInfo.InvariantCulture));
        if (sats > MaxMoney.Satoshis)
        {
            error = "money: amount exceeds 21,000,000 BTC";
            return false;
        }

        value = new Money(negative ? -(long)sats : (long)sats);
        error = null;
        return true;
    }

    /// <summary>Parses like <see cref="TryParse(string?, out Money, out string?)"/> or throws <see cref="FormatException"/>.</summary>
    public static Money Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new FormatException(error);

    /// <inheritdoc/>
    public int CompareTo(Money other) => Satoshis.CompareTo(other.Satoshis);

    public static Money operator +(Money left, Money right) => new(checked(left.Satoshis + right.Satoshis));

    public static Money operator -(Money left, Money right) => new(checked(left.Satoshis - right.Satoshis));

    public static Money operator -(Money value) => new(checked(-value.Satoshis));

    public static Money operator *(Money left, long right) => new(checked(left.Satoshis * right));

    public static bool operator <(Money left, Money right) => left.Satoshis < right.Satoshis;

    public static bool operator >(Money left, Money right) => left.Satoshis > right.Satoshis;

    public static bool operator <=(Money left, Money right) => left.Satoshis <= right.Satoshis;

    public static bool operator >=(Money left, Money right) => left.Satoshis >= right.Satoshis;

    /// <summary>Checked addition.</summary>
    public static Money Add(Money left, Money right) => left + right;

    /// <summary>Checked subtraction.</summary>
    public static Money Subtract(Money left, Money right) => left - right;

    /// <summary>Checked multiplication.</summary>
    public static Money Multiply(Money left, long right) => left * right;

    /// <summary>Checked negation.</summary>
    public static Money Negate(Money value) => -value;

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
