using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Benchmarks;

/// <summary>
/// A dudect-style timing-leakage check of the operations that handle secrets ("dude, is my code constant
/// time?", Reparaz, Balasch and Verbauwhede, 2017): each operation runs on two classes of secret input, one
/// fixed special value (the scalar 1, whose bits are almost all zero, where double-and-add or early-exit code
/// is fastest) and fresh random values, interleaved in random order; Welch's t-test then asks whether the two
/// timing distributions differ. |t| above 10 is a leak by dudect's convention; below 4.5 there is no evidence
/// of one at this sample size. The JIT gives no constant-time guarantee, so this measures what it produced.
/// A variable-time operation (Scalar.InverseVariable) runs as a control: it must be flagged, which shows the
/// check has the power to see a leak.
/// This is a measurement, not a unit test: dotnet run -c Release --project bench/OPSource.Benchmarks -- ct-check [--samples N]
/// </summary>
internal static class ConstantTimeCheck
{
    private const double LeakThreshold = 10;
    private const double NoEvidenceThreshold = 4.5;

    public static int Run(string[] args, TextWriter output)
    {
        int samples = 20000;
        if (!MeasurementCommandLine.TryReadCount(args, "ct-check", "--samples", 1000, ref samples, output))
        {
            return 2;
        }

        EcMult.EnsureTables();
        byte[] message = SHA256.HashData("ct-check"u8);
        using SecretKey peerKey = SecretKey.Generate();
        PublicKey peer = peerKey.PublicKey;
        byte[] sink = new byte[64];

        // Each case maps a secret scalar to one operation; class 0 always gets 1, class 1 a fresh random scalar.
        (string Name, bool ConstantTimeClaimed, Action<Scalar, SecretKey> Operation)[] cases =
        [
            ("Pubkey derivation (k*G, to affine)", true, (k, _) => EcMult.MultiplyGenerator(k).ToAffine().WriteCompressed(sink)),
            ("ECDSA sign (RFC6979)", true, (_, key) => Ecdsa.Sign(key, message)),
            ("Schnorr sign (BIP340)", true, (_, key) => Schnorr.Sign(key, message, message, sink)),
            ("ECDH", true, (_, key) => Ecdh.ComputeSharedSecret(key, peer, sink)),
            ("Scalar inverse (constant-time chain)", true, (k, _) => k.Inverse()),
            ("Scalar inverse (constant-time safegcd, the ECDSA nonce)", true, (k, _) => k.InverseConstantTime()),
            ("Control: Scalar.InverseVariable", false, (k, _) => k.InverseVariable()),
        ];

        string load = MeasurementCommandLine.LoadAverage();
        output.WriteLine($"dudect-style check, {samples} timings per class (fixed secret 1 vs random), load average {load} at start");
        output.WriteLine();
        output.WriteLine("| Operation | Mean, fixed | Mean, random | max abs(t) | Verdict |");
        output.WriteLine("|---|---:|---:|---:|---|");
        bool allAsExpected = true;
        foreach (var (name, constantTimeClaimed, operation) in cases)
        {
            var (meanFixed, meanRandom, t) = Measure(operation, samples);
            string verdict = t > LeakThreshold ? "LEAK" : t > NoEvidenceThreshold ? "inconclusive" : "no evidence of leakage";
            bool asExpected = constantTimeClaimed ? t <= LeakThreshold : t > LeakThreshold;
            allAsExpected &= asExpected;
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {name} | {meanFixed:F2} us | {meanRandom:F2} us | {t:F1} | {verdict}{(asExpected ? string.Empty : " (unexpected)")} |"));
        }

        output.WriteLine();
        output.WriteLine(allAsExpected ? "every constant-time operation passed and the control was caught" : "UNEXPECTED result: see the table");
        return allAsExpected ? 0 : 1;
    }

    /// <summary>Means per class (microseconds) and the largest |t| over dudect's cropping percentiles.</summary>
    private static (double MeanFixed, double MeanRandom, double MaxT) Measure(Action<Scalar, SecretKey> operation, int samples)
    {
        Span<byte> buffer = stackalloc byte[32];

        // Inputs are prepared outside the timed region; the class order is random.
        var keys = new SecretKey[2 * samples];
        var classes = new bool[2 * samples];
        for (int i = 0; i < keys.Length; i++)
        {
            classes[i] = i % 2 == 1;
        }

        RandomNumberGenerator.Shuffle(classes.AsSpan());
        byte[] one = OneBytes();
        for (int i = 0; i < keys.Length; i++)
        {
            // Both classes get a fresh SecretKey object per sample, so that both touch memory the same way
            // (one shared fixed object would stay in cache and look faster for a reason unrelated to its value).
            keys[i] = classes[i] ? SecretKey.Generate() : SecretKey.Create(one);

            // SecretKey caches its public key on first use (Schnorr signing needs it): fill every cache now
            // so that the fixed key's warm cache is not mistaken for a secret-dependent timing.
            _ = keys[i].PublicKey;
        }

        // Warm up so that the JIT's final tier is what gets measured.
        for (int i = 0; i < 3000; i++)
        {
            operation(keys[i % keys.Length].Scalar, keys[i % keys.Length]);
        }

        double[] times = new double[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            SecretKey key = keys[i];
            Scalar k = key.Scalar;
            long start = Stopwatch.GetTimestamp();
            operation(k, key);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        foreach (SecretKey key in keys)
        {
            key.Dispose();
        }

        double[] sorted = (double[])times.Clone();
        Array.Sort(sorted);
        double maxT = 0, meanFixed = 0, meanRandom = 0;

        // dudect crops at several upper percentiles to remove interrupts and scheduling noise.
        foreach (double percentile in (double[])[1.0, 0.99, 0.95, 0.9, 0.75, 0.5])
        {
            double cutoff = sorted[Math.Min(sorted.Length - 1, (int)(percentile * sorted.Length))];
            var (m0, m1, t) = Welch(times, classes, cutoff);
            if (percentile == 1.0)
            {
                meanFixed = m0;
                meanRandom = m1;
            }

            maxT = Math.Max(maxT, Math.Abs(t));
        }

        return (meanFixed, meanRandom, maxT);
    }

    private static (double Mean0, double Mean1, double T) Welch(double[] times, bool[] classes, double cutoff)
    {
        // Welford's running mean and variance per class.
        double n0 = 0, mean0 = 0, m2_0 = 0, n1 = 0, mean1 = 0, m2_1 = 0;
        for (int i = 0; i < times.Length; i++)
        {
            double x = times[i];
            if (x > cutoff)
            {
                continue;
            }

            if (classes[i])
            {
                n1++;
                double d = x - mean1;
                mean1 += d / n1;
                m2_1 += d * (x - mean1);
            }
            else
            {
                n0++;
                double d = x - mean0;
                mean0 += d / n0;
                m2_0 += d * (x - mean0);
            }
        }

        if (n0 < 2 || n1 < 2)
        {
            return (mean0, mean1, 0);
        }

        double variance = (m2_0 / (n0 - 1) / n0) + (m2_1 / (n1 - 1) / n1);
        return (mean0, mean1, variance == 0 ? 0 : (mean0 - mean1) / Math.Sqrt(variance));
    }

    private static byte[] OneBytes()
    {
        byte[] one = new byte[32];
        one[31] = 1;
        return one;
    }
}
