using BenchmarkDotNet.Attributes;
using OPSource.Layers.Rgb;
using OPSource.TestSupport;

namespace OPSource.Benchmarks;

/// <summary>
/// RGB 0.11 consignment validation (docs/rgb.md): the rgb-tests consignments A-D (decode + full validation
/// against their fixture witnesses: consignments per second = 1 / mean), and validation time against history
/// length for chains of self-transfers (one bundle, one MPC/opret commitment and one script run per transfer).
/// </summary>
[MemoryDiagnoser]
public class RgbBenchmarks
{
    private TypeSystemRegistry _trusted = null!;
    private readonly Dictionary<string, (byte[] Binary, TxDirectoryResolver Resolver)> _fixtures = [];

    internal static TypeSystemRegistry Trusted() => RgbService.LoadTrustedTypes(RgbModule.KitFiles(Vectors.Path("rgb", "rgb-schemas")));

    [GlobalSetup]
    public void Setup()
    {
        _trusted = Trusted();
        foreach (var s in new[] { "A", "B", "D" })
        {
            var bytes = File.ReadAllBytes(Vectors.Path("rgb", "rgb-tests-fixtures", $"consignment_{s}.rgb"));
            _fixtures[s] = (bytes, TxDirectoryResolver.Load(Vectors.Path("rgb", "rgb-tests-fixtures", $"txs_{s}")));
        }

        if (ValidateA() != RgbValidity.Valid || ValidateB() != RgbValidity.Valid || ValidateD() != RgbValidity.Valid)
        {
            throw new InvalidOperationException("benchmark inputs do not validate");
        }
    }

    private RgbValidity Validate(string scenario)
    {
        var (binary, resolver) = _fixtures[scenario];
        var c = RgbBinary.DecodeConsignment(binary);
        return RgbValidator.ValidateAsync(c, resolver, new RgbValidationConfig(ChainNet.BitcoinRegtest, _trusted), CancellationToken.None).GetAwaiter().GetResult().Validity;
    }

    [Benchmark]
    public RgbValidity ValidateA() => Validate("A");

    [Benchmark]
    public RgbValidity ValidateB() => Validate("B");

    [Benchmark]
    public RgbValidity ValidateD() => Validate("D");

    [Benchmark]
    public Consignment DecodeA() => RgbBinary.DecodeConsignment(_fixtures["A"].Binary);
}

/// <summary>Validation time against history length: a chain of N self-transfers of consignment A's asset.</summary>
[MemoryDiagnoser]
public class RgbHistoryBenchmarks
{
    private TypeSystemRegistry _trusted = null!;
    private Consignment _history = null!;
    private TxDirectoryResolver _resolver = null!;

    [Params(1, 10, 100, 1000)]
    public int HistoryLength { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _trusted = RgbBenchmarks.Trusted();
        var contract = RgbSyntheticHistory.ContractOnly(RgbJson.ParseConsignment(File.ReadAllText(Vectors.Path("rgb", "rgb-tests-fixtures", "consignment_A.json"))));
        var (c, witnesses) = RgbSyntheticHistory.SelfTransfers(contract, HistoryLength);
        _history = c;
        _resolver = new TxDirectoryResolver(witnesses);
        if (ValidateHistory() != RgbValidity.Valid)
        {
            throw new InvalidOperationException("the synthetic history does not validate");
        }
    }

    [Benchmark]
    public RgbValidity ValidateHistory() =>
        RgbValidator.ValidateAsync(_history, _resolver, new RgbValidationConfig(ChainNet.BitcoinRegtest, _trusted), CancellationToken.None).GetAwaiter().GetResult().Validity;
}
