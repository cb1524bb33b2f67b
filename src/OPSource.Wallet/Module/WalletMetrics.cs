using System.Diagnostics.Metrics;
using OPSource.Platform.Telemetry;
using OPSource.Wallet.Service;

namespace OPSource.Wallet.Module;

/// <summary>
/// The <c>OPSource.Wallet</c> meter: <c>opsource.wallet.balance</c> in satoshis per wallet (tag <c>wallet</c>) and
/// kind (tag <c>state</c>: <c>confirmed</c>, <c>trusted_pending</c>, <c>untrusted_pending</c>, <c>immature</c>, the
/// parts of Core's <c>getbalances</c>), and <c>opsource.wallet.count</c>. Values are read by
/// <see cref="RefreshAsync"/>, which the server calls in the background.
/// </summary>
public sealed class WalletMetrics : IMetricsRefresher, IDisposable
{
    /// <summary>The meter name the module declares.</summary>
    public const string MeterName = "OPSource.Wallet";

    private readonly WalletService _wallets;
    private readonly Meter _meter;
    private readonly GaugeSnapshot<(string Wallet, string State)> _balances = new();

    /// <summary>Creates the meter and its instruments.</summary>
    public WalletMetrics(WalletService wallets)
    {
        _wallets = wallets;
        _meter = new Meter(MeterName);
        _meter.CreateObservableGauge("opsource.wallet.balance", ReadBalances, "sat", "Wallet balance by wallet and state (confirmed, trusted_pending, untrusted_pending, immature)");
        _meter.CreateObservableGauge("opsource.wallet.count", ReadCount, "{wallet}", "Wallets stored");
    }

    /// <inheritdoc />
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var values = new List<((string, string), long)>();
        foreach (var name in await _wallets.ListNamesAsync(cancellationToken).ConfigureAwait(false))
        {
            var balance = await _wallets.GetBalanceAsync(name, cancellationToken).ConfigureAwait(false);
            values.Add(((name, "confirmed"), balance.Confirmed.Satoshis));
            values.Add(((name, "trusted_pending"), balance.TrustedPending.Satoshis));
            values.Add(((name, "untrusted_pending"), balance.UntrustedPending.Satoshis));
            values.Add(((name, "immature"), balance.Immature.Satoshis));
        }

        _balances.Set(values);
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<long>> ReadBalances() =>
        _balances.Read().Select(v => new Measurement<long>(v.Value, new KeyValuePair<string, object?>("wallet", v.Key.Wallet), new KeyValuePair<string, object?>("state", v.Key.State)));

    private IEnumerable<Measurement<long>> ReadCount() =>
        _balances.HasValues ? [new Measurement<long>(_balances.Read().Select(v => v.Key.Wallet).Distinct(StringComparer.Ordinal).Count())] : [];
}
