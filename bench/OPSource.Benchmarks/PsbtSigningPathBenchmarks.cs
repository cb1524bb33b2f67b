using BenchmarkDotNet.Attributes;
using OPSource.Bitcoin.Psbt;
using OPSource.Wallet.Signing;

namespace OPSource.Benchmarks;

/// <summary>
/// The exact sequence bench/compare/signing.sh times for OPSource (<see cref="SigningFixture"/>), step by step,
/// with allocations: Creator + Updater, Signer, Finalizer + Extractor + serialization, the whole PSBT path, and the
/// raw <c>TransactionSigner</c> on the same transaction, and
/// the floor (the two signatures alone); deterministic signatures as in the comparison.
/// </summary>
/// <remarks>dotnet bench/OPSource.Benchmarks/bin/Release/net10.0/OPSource.Benchmarks.dll --filter '*PsbtSigningPath*' --job short</remarks>
[MemoryDiagnoser]
public class PsbtSigningPathBenchmarks
{
    private SigningFixture _fixture = null!;
    private WalletKeyRing _ring = null!;
    private Psbt _updated = null!;
    private Psbt _signed = null!;

    /// <summary>The spent outputs' type.</summary>
    [Params("p2wpkh", "p2tr")]
    public string Kind { get; set; } = "p2wpkh";

    [GlobalSetup]
    public void Setup()
    {
        _fixture = new SigningFixture(SigningFixture.Load(), Kind == "p2tr", psbt: true, walletDefaults: false);
        _ring = _fixture.NewRing();
        _updated = _fixture.Update(7);
        _signed = _fixture.Sign(_updated, _ring);
    }

    [GlobalCleanup]
    public void Cleanup() => _ring.Dispose();

    [Benchmark(Baseline = true)]
    public byte[] Raw() => _fixture.SignRaw(7, _ring);

    [Benchmark]
    public int SignaturesOnly() => _fixture.SignaturesOnly(_ring);

    [Benchmark]
    public byte[] PsbtWhole() => _fixture.SignPsbt(7, _ring);

    [Benchmark]
    public Psbt CreateUpdate() => _fixture.Update(7);

    [Benchmark]
    public Psbt Sign() => _fixture.Sign(_updated, _ring);

    [Benchmark]
    public byte[] FinalizeExtract() => SigningFixture.FinalizeExtract(_signed);
}
