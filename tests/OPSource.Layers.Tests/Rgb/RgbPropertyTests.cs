using System.Text;
using OPSource.Layers.Rgb;

namespace OPSource.Layers.Tests.Rgb;

/// <summary>
/// Any single-byte change of a valid binary consignment is rejected by the decoder or fails validation;
/// it never crashes and is never Valid with a different contract state.
/// </summary>
public sealed class RgbPropertyTests
{
    private static readonly Lazy<TypeSystemRegistry> Trusted = new(RgbFixtures.TrustedTypes);

    internal static string Describe(RgbContractState s)
    {
        var sb = new StringBuilder();
        sb.Append(s.Ticker).Append('|').Append(s.Name).Append('|').Append(s.Precision).Append('|').Append(s.IssuedSupply).Append('\n');
        foreach (var (type, name, values) in s.Globals)
        {
            sb.Append(type).Append(name).Append(string.Join(",", values.Select(Convert.ToHexString))).Append('\n');
        }

        foreach (var a in s.Allocations)
        {
            sb.Append(a).Append('\n');
        }

        return sb.ToString();
    }

    private static async Task<(int Rejected, int Invalid, int ValidSameState)> MutateAll(string scenario, IEnumerable<(int Pos, byte Xor)> mutations)
    {
        var bytes = RgbFixtures.Binary(scenario);
        var resolver = RgbFixtures.Resolver(scenario);
        var config = new RgbValidationConfig(ChainNet.BitcoinRegtest, Trusted.Value);
        var ct = TestContext.Current.CancellationToken;
        var baseline = await RgbValidator.ValidateAsync(RgbBinary.DecodeConsignment(bytes), resolver, config, ct);
        Assert.Equal(RgbValidity.Valid, baseline.Validity);
        string expected = Describe(baseline.State!);

        int rejected = 0, invalid = 0, same = 0;
        foreach (var (pos, xor) in mutations)
        {
            var mutated = (byte[])bytes.Clone();
            mutated[pos] ^= xor;
            Consignment c;
            try
            {
                c = RgbBinary.DecodeConsignment(mutated);
            }
            catch (RgbDecodeException)
            {
                rejected++;
                continue;
            }

            var report = await RgbValidator.ValidateAsync(c, resolver, config, ct);
            if (report.Validity == RgbValidity.Valid)
            {
                Assert.True(expected == Describe(report.State!), $"byte {pos} ^ 0x{xor:x2}: valid with a different state");
                same++;
            }
            else
            {
                invalid++;
            }
        }

        return (rejected, invalid, same);
    }

    [Fact]
    public async Task Every_single_bit_flip_of_consignment_A_is_rejected_or_invalid_or_harmless()
    {
        int n = RgbFixtures.Binary("A").Length;
        var (rejected, invalid, same) = await MutateAll("A", Enumerable.Range(0, n).Select(p => (p, (byte)0x01)));
        Assert.Equal(n, rejected + invalid + same);
        Assert.True(rejected > 0 && invalid > 0);
    }

    public static TheoryData<string> Scenarios() => new("B", "D");

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Random_byte_changes_are_rejected_or_invalid_or_harmless(string scenario)
    {
        int n = RgbFixtures.Binary(scenario).Length;
        var rng = new Random(20261207);
        var mutations = Enumerable.Range(0, 1500).Select(_ => (rng.Next(n), (byte)rng.Next(1, 256))).ToList();
        var (rejected, invalid, same) = await MutateAll(scenario, mutations);
        Assert.Equal(mutations.Count, rejected + invalid + same);
    }
}
