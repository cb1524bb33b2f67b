using OPSource.Bitcoin;
using OPSource.Chain.Rpc;
using OPSource.Platform.Fees;
using OPSource.Wallet.Keys;
using OPSource.Wallet.Persistence;
using OPSource.Wallet.Service;
using OPSource.Wallet.Tests.Persistence;

namespace OPSource.Wallet.Tests.Service;

/// <summary>The wallet's fee choice with a fee advisor (the ML module's in production): order, bounds and the reported source.</summary>
public sealed class FeeAdvisorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An advisor that answers a fixed rate (or nothing) and records the targets it was asked for.</summary>
    private sealed class FixedAdvisor(FeeRate? rate) : IFeeRateAdvisor
    {
        public List<int> Asked { get; } = [];

        public Task<FeeAdvice?> AdviseAsync(int confirmationTarget, CancellationToken cancellationToken)
        {
            Asked.Add(confirmationTarget);
            return Task.FromResult(rate is { } r ? new FeeAdvice(r, FeeRateSource.Model, "test model") : null);
        }
    }

    private static async Task<(WalletDatabase Db, WalletService Service)> ServiceAsync(IFeeRateAdvisor? advisor, WalletOptions? options = null)
    {
        var db = await WalletDatabase.CreateAsync("sqlite");
        var service = new WalletService(new WalletStore(db.Database), options ?? ServiceHarness.Options, Network.Regtest, TimeProvider.System,
            () => throw new BitcoinRpcException("node", "no node in this test"), null, advisor);
        return (db, service);
    }

    [Fact]
    public async Task The_advisors_rate_is_used_for_the_target_and_reported_as_the_model()
    {
        var advisor = new FixedAdvisor(FeeRate.FromSatoshisPerVByte(7.5m));
        var (db, service) = await ServiceAsync(advisor);
        await using var _ = db;
        using var __ = service;
        var advice = await service.ResolveFeeAsync(null, 3, Ct);
        Assert.Equal(FeeRate.FromSatoshisPerVByte(7.5m), advice.Rate);
        Assert.Equal(FeeRateSource.Model, advice.Source);
        // Without a target the configured Wallet:ConfirmationTarget is asked for.
        await service.ResolveFeeAsync(null, null, Ct);
        Assert.Equal([3, ServiceHarness.Options.ConfirmationTarget], advisor.Asked);
    }

    [Fact]
    public async Task An_explicit_rate_wins_and_the_advisor_is_not_asked()
    {
        var advisor = new FixedAdvisor(FeeRate.FromSatoshisPerVByte(7));
        var (db, service) = await ServiceAsync(advisor);
        await using var _ = db;
        using var __ = service;
        var advice = await service.ResolveFeeAsync(FeeRate.FromSatoshisPerVByte(3), 1, Ct);
        Assert.Equal((FeeRate.FromSatoshisPerVByte(3), FeeRateSource.Explicit), (advice.Rate, advice.Source));
        Assert.Empty(advisor.Asked);
    }

    [Fact]
    public async Task The_advisors_rate_is_raised_to_the_wallets_minimum()
    {
        var advisor = new FixedAdvisor(FeeRate.FromSatoshisPerVByte(1));
        var options = new WalletOptions { KdfCost = KdfCost.Minimum, FallbackFeeRate = new FeeRate(2000), MinFeeRate = FeeRate.FromSatoshisPerVByte(4) };
        var (db, service) = await ServiceAsync(advisor, options);
        await using var _ = db;
        using var __ = service;
        var advice = await service.ResolveFeeAsync(null, 6, Ct);
        Assert.Equal(FeeRate.FromSatoshisPerVByte(4), advice.Rate);
        Assert.Equal(FeeRateSource.Model, advice.Source);
        Assert.Contains("MinFeeRate", advice.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_advice_the_node_path_answers_here_the_fallback_as_the_node_is_unreachable()
    {
        foreach (var advisor in new[] { new FixedAdvisor(null), null })
        {
            var (db, service) = await ServiceAsync(advisor);
            await using var _ = db;
            using var __ = service;
            var advice = await service.ResolveFeeAsync(null, 2, Ct);
            Assert.Equal((ServiceHarness.Options.FallbackFeeRate!.Value, FeeRateSource.Fallback), (advice.Rate, advice.Source));
            Assert.Equal(FeeRate.FromSatoshisPerVByte(2), await service.ResolveFeeRateAsync(null, 2, Ct));
        }
    }
}
