using BenchmarkDotNet.Attributes;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Benchmarks;

/// <summary>
/// Variable-time modular inverse: Kaliski's almost-inverse against safegcd, for the field prime p and the order n.
/// Each invocation inverts the same 64 pseudo-random inputs (the run time depends on the input), so the figure is
/// the mean per inverse.
/// </summary>
[MemoryDiagnoser]
public class ModInverseBenchmarks
{
    private const int Inputs = 64;

    private static readonly ulong[] P = [0xFFFFFFFEFFFFFC2FUL, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue];
    private static readonly ulong[] N = [0xBFD25E8CD0364141UL, 0xBAAEDCE6AF48A03BUL, 0xFFFFFFFFFFFFFFFEUL, ulong.MaxValue];

    private readonly ulong[] _inputs = new ulong[Inputs * 4];
    private readonly ulong[] _result = new ulong[4];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(20261124);
        for (int i = 0; i < _inputs.Length; i++)
        {
            _inputs[i] = (ulong)rng.NextInt64() ^ ((ulong)rng.NextInt64() << 1);
        }

        for (int i = 0; i < Inputs; i++)
        {
            // Top limb below 2^64 - 2 keeps every input under both moduli; the low limb is made non-zero.
            _inputs[(i * 4) + 3] %= 0xFFFFFFFFFFFFFFFEUL;
            _inputs[i * 4] |= 1UL << 5;
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Inputs)]
    public void KaliskiP() => Run(P, safegcd: false);

    [Benchmark(OperationsPerInvoke = Inputs)]
    public void SafegcdP() => Run(P, safegcd: true);

    [Benchmark(OperationsPerInvoke = Inputs)]
    public void KaliskiN() => Run(N, safegcd: false);

    [Benchmark(OperationsPerInvoke = Inputs)]
    public void SafegcdN() => Run(N, safegcd: true);

    private void Run(ulong[] m, bool safegcd)
    {
        for (int i = 0; i < Inputs; i++)
        {
            ReadOnlySpan<ulong> a = _inputs.AsSpan(i * 4, 4);
            if (safegcd)
            {
                ModInverse.SafegcdVariable(a, m, _result);
            }
            else
            {
                ModInverse.KaliskiVariable(a, m, _result);
            }
        }
    }
}
