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
