using BenchmarkDotNet.Attributes;
using OPSource.Crypto;

namespace OPSource.Benchmarks;

[MemoryDiagnoser]
public class HashBenchmarks
{
    private readonly byte[] _data = new byte[64];
    private readonly byte[] _output = new byte[32];

    [Benchmark(Baseline = true)]
    public void Sha256() => Hashes.Sha256(_data, _output);

    [Benchmark]
    public void Hash160() => Hashes.Hash160(_data, _output.AsSpan(0, 20));
}
