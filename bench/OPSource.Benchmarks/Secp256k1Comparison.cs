using System.Diagnostics;
using System.Globalization;

namespace OPSource.Benchmarks;

/// <summary>
/// Side-by-side comparison of our secp256k1 engine and libsecp256k1 in ONE process: the same calls as
/// <see cref="Secp256k1Benchmarks"/>, interleaved batch by batch so that both sides see the same machine
/// state (frequency, cache, load), and the ratio printed per operation. BenchmarkDotNet runs every
/// benchmark in its own process; this complements it with a same-process, same-moment ratio.
/// dotnet run -c Release --project bench/OPSource.Benchmarks -- compare-secp256k1 [--rounds N]
/// </summary>
internal static class Secp256k1Comparison
{
    /// <summary>The issue's target: our throughput at least 0.6x libsecp256k1's on every line.</summary>
    private const double Target = 0.6;

    private const int BatchCalls = 20;
    private const int WarmupCalls = 4500;

    public static int Run(string[] args, TextWriter output)
    {
        int rounds = 80;
        if (!MeasurementCommandLine.TryReadCount(args, "compare-secp256k1", "--rounds", 1, ref rounds, output))
        {
            return 2;
        }

        var bench = new Secp256k1Benchmarks();
        bench.Setup();
        try
        {
            (string Name, Action Ours, Action Libsecp)[] operations =
            [
                ("Pubkey derivation", bench.Ours_PubkeyDerivation, bench.Libsecp_PubkeyDerivation),
                ("ECDSA sign", () => bench.Ours_EcdsaSign(), bench.Libsecp_EcdsaSign),
                ("ECDSA verify", () => bench.Ours_EcdsaVerify(), () => bench.Libsecp_EcdsaVerify()),
                ("Schnorr sign", bench.Ours_SchnorrSign, bench.Libsecp_SchnorrSign),
                ("Schnorr verify", () => bench.Ours_SchnorrVerify(), () => bench.Libsecp_SchnorrVerify()),
                ("ECDH", bench.Ours_Ecdh, bench.Libsecp_Ecdh),
            ];

            string load = MeasurementCommandLine.LoadAverage();
            output.WriteLine($"secp256k1, ours vs libsecp256k1 in one process: {rounds} rounds of {BatchCalls} calls per side, interleaved; load average {load} at start");
            output.WriteLine();
            output.WriteLine("| Operation | Ours min | libsecp min | Ratio (min) | Ours median | libsecp median | Ratio (median) | >= 0.6x |");
            output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---|");
            bool allMet = true;
            foreach (var (name, ours, libsecp) in operations)
            {
                for (int i = 0; i < WarmupCalls; i++)
                {
                    ours();
                    libsecp();
                }

                double[] oursTimes = new double[rounds];
                double[] libTimes = new double[rounds];
                for (int r = 0; r < rounds; r++)
                {
                    oursTimes[r] = TimeBatch(ours);
                    libTimes[r] = TimeBatch(libsecp);
                }

                Array.Sort(oursTimes);
                Array.Sort(libTimes);
                double oursMin = oursTimes[0], libMin = libTimes[0];
                double oursMedian = oursTimes[rounds / 2], libMedian = libTimes[rounds / 2];

                // Throughput ratio = their time per call / ours.
                double ratioMin = libMin / oursMin, ratioMedian = libMedian / oursMedian;
                bool met = ratioMin >= Target && ratioMedian >= Target;
                allMet &= met;
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {name} | {oursMin:F1} us | {libMin:F1} us | {ratioMin:F2}x | {oursMedian:F1} us | {libMedian:F1} us | {ratioMedian:F2}x | {(met ? "yes" : "NO")} |"));
            }

            output.WriteLine();
            output.WriteLine(allMet ? "target met on every line" : "target NOT met on every line");
            return allMet ? 0 : 1;
        }
        finally
        {
            bench.Cleanup();
        }
    }

    /// <summary>Microseconds per call over one batch.</summary>
    private static double TimeBatch(Action operation)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < BatchCalls; i++)
        {
            operation();
        }

        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / BatchCalls;
    }
}
