using System.Globalization;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Keys;

namespace OPSource.Cli;

/// <summary>
/// Network-aware parsing shared by every command, so the same mistake gets the same one-line message
/// everywhere (docs/cli.md): an address, WIF or extended key valid on another network says which
/// networks it is valid on and suggests <c>--network</c>.
/// </summary>
internal static class CliParse
{
    /// <summary>An address valid on <paramref name="network"/>; otherwise a user error naming <paramref name="what"/>.</summary>
    public static Address Address(string? text, Network network, string what = "address")
    {
        if (Bitcoin.Addresses.Address.TryParse(text, network, out var address, out var error))
        {
            return address;
        }

        if (Bitcoin.Addresses.Address.TryParse(text, out var other, out _))
        {
            throw WrongNetwork(what, Networks(other.IsValidOn), network);
        }

        throw new CliUserException($"{what}: {StripPrefix(error.Message, "address")}");
    }

    /// <summary>A WIF private key of <paramref name="network"/>; a key of another network gets the same message as addresses.</summary>
    public static Wif Wif(string? text, Network network, string what = "--wif")
    {
        if (Bitcoin.Keys.Wif.TryParse(text, network, out var wif, out var error))
        {
            return wif;
        }

        if (Bitcoin.Keys.Wif.TryParse(text, null, out var other, out _))
        {
            using (other)
            {
                throw WrongNetwork(what, Networks(n => n.SecretKeyPrefix == other.Prefix), network);
            }
        }

        throw new CliUserException($"{what}: {StripPrefix(error.Message, "wif")}");
    }

    /// <summary>The networks an extended key version belongs to (mainnet, or the test networks).</summary>
    public static string Networks(ExtKeyVersion version) => version.IsMainnet ? "mainnet" : Networks(n => n != Network.Mainnet);

    /// <summary>Refuses an extended key whose version is for the other kind of network.</summary>
    public static void CheckNetwork(ExtKeyVersion version, Network network, string what)
    {
        if (version.IsMainnet != (network == Network.Mainnet))
        {
            throw WrongNetwork(what, Networks(version), network);
        }
    }

    /// <summary>The one wrong-network message: "X: valid on A, B, not on C (use --network)".</summary>
    public static CliUserException WrongNetwork(string what, string validOn, Network network) =>
        new($"{what}: valid on {validOn}, not on {network.Name} (use --network)");

    private static string Networks(Func<Network, bool> predicate) => string.Join(", ", Network.All.Where(predicate).Select(n => n.Name));

    private static string StripPrefix(string? error, string prefix) =>
        error is not null && error.StartsWith(prefix + ": ", StringComparison.Ordinal) ? error[(prefix.Length + 2)..] : error ?? "invalid";

    /// <summary>
    /// An amount as the CLI takes them (docs/cli.md): <c>0.001btc</c>, <c>100000sat</c> (or <c>sats</c>),
    /// or a plain BTC decimal with at most 8 decimals; never negative, at most 21,000,000 BTC.
    /// </summary>
    public static OPSource.Bitcoin.Amount Amount(string? text, string what)
    {
        var s = (text ?? string.Empty).Trim().ToLowerInvariant();
        var unit = "BTC";
        foreach (var (suffix, name) in new[] { ("btc", "BTC"), ("sats", "sat"), ("sat", "sat") })
        {
            if (s.EndsWith(suffix, StringComparison.Ordinal))
            {
                s = s[..^suffix.Length].TrimEnd();
                unit = name;
                break;
            }
        }

        if (s.StartsWith('-'))
        {
            throw new CliUserException($"{what}: '{CliOptions.Shorten(text ?? string.Empty)}' is negative");
        }

        return OPSource.Bitcoin.Amount.TryParse(s + " " + unit, out var value, out var error)
            ? value
            : throw new CliUserException($"{what}: '{CliOptions.Shorten(text ?? string.Empty)}': {StripPrefix(error.Message, "amount")} (amounts: 0.001btc, 100000sat or BTC with at most 8 decimals)");
    }

    /// <summary>A 32-bit unsigned number, decimal or 0x-prefixed hex.</summary>
    public static uint? UInt32(string? text, string what)
    {
        if (text is null)
        {
            return null;
        }

        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        return uint.TryParse(hex ? text[2..] : text, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CliUserException($"{what}: '{CliOptions.Shorten(text)}' is not a whole number in 0..4294967295");
    }

    /// <summary>
    /// A duration as the CLI takes them (docs/cli.md): a whole positive number followed by one unit, <c>s</c>, <c>m</c>,
    /// <c>h</c> or <c>d</c> (<c>90s</c>, <c>10m</c>, <c>1h</c>, <c>2d</c>); returns seconds. Anything else (no unit, a
    /// fraction, a combination such as <c>1h30m</c>, zero, more than 365 days) is a user error naming the option.
    /// </summary>
    public static long Duration(string? text, string what)
    {
        var t = (text ?? "").Trim();
        var unit = t.Length == 0 ? '\0' : char.ToLowerInvariant(t[^1]);
        long scale = unit switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, _ => 0 };
        var digits = t.Length > 1 ? t.AsSpan(0, t.Length - 1) : [];
        if (scale == 0 || digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9')
            || !long.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            || n == 0 || n > 365L * 86400 / scale)
        {
            throw new CliUserException($"{what}: '{CliOptions.Shorten(t)}' is not a duration like 90s, 10m, 1h or 2d (a whole number > 0 and one unit, at most 365d)");
        }

        return n * scale;
    }
}
