using System.Globalization;
using Microsoft.Extensions.Configuration;
using OPSource.Bitcoin;
using OPSource.Wallet.Keys;

namespace OPSource.Wallet.Service;

/// <summary>
/// The <c>Wallet</c> configuration section, parsed and validated at startup by <see cref="Parse"/> (messages name
/// the setting). Fees follow Core's wallet: <c>estimatesmartfee</c> for <see cref="ConfirmationTarget"/> blocks,
/// never below <see cref="MinFeeRate"/>; when the node has no estimate, <see cref="FallbackFeeRate"/> (Core
/// <c>-fallbackfee</c>) or, when that is unset, a refusal asking for an explicit rate.
/// </summary>
public sealed class WalletOptions
{
    /// <summary><c>Wallet:GapLimit</c>: unrevealed scripts watched past the last revealed one (1..10000, default 20).</summary>
    public uint GapLimit { get; init; } = 20;

    /// <summary><c>Wallet:KdfMemoryKiB</c> and <c>Wallet:KdfPasses</c>: Argon2id cost of new encrypted secrets (default 65536 KiB, 3 passes).</summary>
    public KdfCost KdfCost { get; init; } = new();

    /// <summary><c>Wallet:ConfirmationTarget</c>: blocks for <c>estimatesmartfee</c> (1..1008, default 6).</summary>
    public int ConfirmationTarget { get; init; } = 6;

    /// <summary><c>Wallet:MinFeeRate</c> (sat/vB): the floor of estimated rates (default 1, Core's minimum relay fee).</summary>
    public FeeRate MinFeeRate { get; init; } = Policy.MinRelayFee;

    /// <summary><c>Wallet:FallbackFeeRate</c> (sat/vB): used when the node cannot estimate (Core <c>-fallbackfee</c>); unset = refuse.</summary>
    public FeeRate? FallbackFeeRate { get; init; }

    /// <summary><c>Wallet:MaxFee</c> (sat): refuse transactions paying more (Core <c>-maxtxfee</c>, default 0.1 BTC).</summary>
    public Amount MaxFee { get; init; } = Policy.DefaultMaxTxFee;

    /// <summary><c>Wallet:MaxUnlockSeconds</c>: the longest unlock period (default 86400).</summary>
    public long MaxUnlockSeconds { get; init; } = 86_400;

    /// <summary><c>Wallet:Sync</c>: whether the server follows the node for every wallet (default true).</summary>
    public bool Sync { get; init; } = true;

    /// <summary><c>Wallet:SyncIntervalSeconds</c>: time between sync rounds of the server (0.1..3600, default 2).</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Parses the <c>Wallet</c> section; <paramref name="problems"/> lists every invalid setting by name.</summary>
    public static WalletOptions Parse(IConfiguration section, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(section);
        var errors = new List<string>();
        string? Get(string key) => section[key] is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

        long Integer(string key, long min, long max, long fallback)
        {
            if (Get(key) is not { } text)
            {
                return fallback;
            }

            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"Wallet:{key} '{text}' is not a whole number in {min}..{max}"));
                return fallback;
            }

            return value;
        }

        FeeRate? Rate(string key)
        {
            if (Get(key) is not { } text)
            {
                return null;
            }

            if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var satVb) || satVb <= 0 || satVb > 100_000
                || decimal.Round(satVb * 1000) != satVb * 1000)
            {
                errors.Add($"Wallet:{key} '{text}' is not a fee rate in sat/vB (0.001..100000, at most 3 decimals)");
                return null;
            }

            return new FeeRate((long)(satVb * 1000));
        }

        var sync = true;
        if (Get("Sync") is { } syncText && !bool.TryParse(syncText, out sync))
        {
            errors.Add($"Wallet:Sync '{syncText}' is not true or false");
            sync = true;
        }

        var minFee = Rate("MinFeeRate") ?? Policy.MinRelayFee;
        var fallback = Rate("FallbackFeeRate");
        if (fallback is { } f && f < minFee)
        {
            errors.Add("Wallet:FallbackFeeRate is below Wallet:MinFeeRate");
        }

        var interval = TimeSpan.FromSeconds(2);
        if (Get("SyncIntervalSeconds") is { } intervalText)
        {
            if (!double.TryParse(intervalText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) || seconds < 0.1 || seconds > 3600)
            {
                errors.Add($"Wallet:SyncIntervalSeconds '{intervalText}' is not a number of seconds in 0.1..3600");
            }
            else
            {
                interval = TimeSpan.FromSeconds(seconds);
            }
        }

        var options = new WalletOptions
        {
            SyncInterval = interval,
            GapLimit = (uint)Integer("GapLimit", 1, 10_000, 20),
            KdfCost = new KdfCost(Integer("KdfMemoryKiB", KdfCost.Minimum.MemoryKiB, 4L * 1024 * 1024, 65536), Integer("KdfPasses", 1, 100, 3)),
            ConfirmationTarget = (int)Integer("ConfirmationTarget", 1, 1008, 6),
            MinFeeRate = minFee,
            FallbackFeeRate = fallback,
            MaxFee = Amount.FromSatoshis(Integer("MaxFee", 1000, Amount.MaxMoney.Satoshis, Policy.DefaultMaxTxFee.Satoshis)),
            MaxUnlockSeconds = Integer("MaxUnlockSeconds", 1, 100_000_000, 86_400),
            Sync = sync,
        };
        problems = errors;
        return options;
    }
}
