using OPSource.Layers.Rgb;

namespace OPSource.Layers.Tests.Rgb;

public sealed class RgbValidationTests
{
    private static readonly Lazy<TypeSystemRegistry> Trusted = new(RgbFixtures.TrustedTypes);

    private static RgbValidationConfig Regtest => new(ChainNet.BitcoinRegtest, Trusted.Value);

    public static TheoryData<string> Scenarios() => new(RgbFixtures.Scenarios);

    private static Task<RgbValidationReport> Validate(Consignment c, IWitnessResolver resolver) =>
        RgbValidator.ValidateAsync(c, resolver, Regtest, TestContext.Current.CancellationToken);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Json_consignment_is_valid_without_warnings(string scenario)
    {
        var report = await Validate(RgbFixtures.Json($"consignment_{scenario}"), RgbFixtures.Resolver(scenario));
        Assert.True(report.Validity == RgbValidity.Valid, $"{report.Failure}{report.ResolverError}");
        Assert.Empty(report.Warnings);
        Assert.NotNull(report.State);
    }
}

public sealed class RgbHistoryTests
{
    private static readonly Lazy<TypeSystemRegistry> Trusted = new(RgbFixtures.TrustedTypes);

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    public async Task A_chain_of_self_transfers_validates_and_keeps_the_supply(int length)
    {
        var contract = RgbSyntheticHistory.ContractOnly(RgbFixtures.Json("consignment_A"));
        var (c, witnesses) = RgbSyntheticHistory.SelfTransfers(contract, length);
        Assert.Equal(length, c.Bundles.Count);
        var report = await RgbValidator.ValidateAsync(c, new TxDirectoryResolver(witnesses), new RgbValidationConfig(ChainNet.BitcoinRegtest, Trusted.Value), TestContext.Current.CancellationToken);
        Assert.True(report.Validity == RgbValidity.Valid, report.Failure?.ToString());
        var allocation = Assert.Single(report.State!.Allocations);
        Assert.Equal(666UL, allocation.Amount);
        Assert.Equal($"{RgbIds.Txid(witnesses[^1]).ToReversedHex()}:1", allocation.Outpoint);

        // The binary form of the long history round-trips too.
        var bytes = RgbBinary.Encode(c);
        Assert.Equal(bytes, RgbBinary.Encode(RgbBinary.DecodeConsignment(bytes)));
    }

    [Fact]
    public async Task A_chain_with_a_missing_middle_witness_fails_with_SealNoPubWitness()
    {
        var (c, witnesses) = RgbSyntheticHistory.SelfTransfers(RgbSyntheticHistory.ContractOnly(RgbFixtures.Json("consignment_A")), 8);
        var report = await RgbValidator.ValidateAsync(c, new TxDirectoryResolver(witnesses.Where((_, i) => i != 4)), new RgbValidationConfig(ChainNet.BitcoinRegtest, Trusted.Value), TestContext.Current.CancellationToken);
        Assert.Equal(RgbFailureKind.SealNoPubWitness, report.Failure!.Kind);
        Assert.EndsWith(RgbIds.Txid(witnesses[4]).ToReversedHex(), report.Failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Contract_consignment_state_without_transfers_is_the_genesis_allocation()
    {
        var contract = RgbSyntheticHistory.ContractOnly(RgbFixtures.Json("consignment_A"));
        var json = RgbViews.Inspect(contract, "json");
        Assert.Equal("NIATCKR", (string?)json["genesis_state"]!["ticker"]);
        Assert.Equal(666UL, (ulong)json["genesis_state"]!["issued_supply"]!);
        Assert.Equal("6.66", RgbViews.FormatAmount(666, 2));
    }
}
