using System.Diagnostics;
using System.Globalization;

namespace OPSource.Benchmarks;

/// <summary>
/// The steps of <see cref="PsbtSigningPathBenchmarks"/> measured in process CPU time per operation instead of wall
/// time, so that a machine shared with other work still gives usable figures (CPU time is what other processes
/// cannot steal, though they still share caches and memory bandwidth): each step runs --n times per pass (in each of
/// --threads threads at once), the passes interleave the steps, and the best pass is printed: CPU time per operation
/// that grows with threads shows contention (locks, shared cache lines, GC) rather than load. A profiling aid, not a comparison with other implementations.
/// </summary>
/// <remarks>dotnet OPSource.Benchmarks.dll sign-profile [--kind p2wpkh|p2tr] [--n 2000] [--passes 5] [--threads 1]</remarks>
internal static class SigningProfile
{
    public static int Run(string[] args, TextWriter output)
    {
        string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var kind = Arg("--kind") ?? "p2wpkh";
        var n = int.Parse(Arg("--n") ?? "2000", CultureInfo.InvariantCulture);
        var passes = int.Parse(Arg("--passes") ?? "5", CultureInfo.InvariantCulture);
        var threads = int.Parse(Arg("--threads") ?? "1", CultureInfo.InvariantCulture);
        var fixture = new SigningFixture(SigningFixture.Load(Arg("--fixture")), kind == "p2tr", psbt: true, walletDefaults: false);
        var names = new[] { "SHA-256 of 96 bytes (OpenSSL one-shot)", "signatures only (the floor)", "raw TransactionSigner", "PSBT whole path", "  Creator + Updater", "  Signer", "  Finalizer + Extractor + serialize" };

        // Each thread has its own key ring and PSBTs (as the batch in sign-compare); all threads run the same step at once.
        Action[] StepsFor()
        {
            var ring = fixture.NewRing();
            var updated = fixture.Update(7);
            var signed = fixture.Sign(updated, ring);
            var data = new byte[96];
            var hash = new byte[32];
            var sink = 0;
            return
            [
                () => System.Security.Cryptography.SHA256.HashData(data, hash),
                () => sink += fixture.SignaturesOnly(ring),
                () => sink += fixture.SignRaw(7, ring).Length,
                () => sink += fixture.SignPsbt(7, ring).Length,
                () => sink += fixture.Update(7).Inputs.Count,
                () => sink += fixture.Sign(updated, ring).Inputs.Count,
                () => sink += SigningFixture.FinalizeExtract(signed).Length,
            ];
        }

        var perThread = Enumerable.Range(0, threads).Select(_ => StepsFor()).ToArray();
        var best = new double[names.Length];
        var wall = new double[names.Length];
        Array.Fill(best, double.MaxValue);
        for (var pass = 0; pass <= passes; pass++)
        {
            for (var s = 0; s < names.Length; s++)
            {
                var before = Process.GetCurrentProcess().TotalProcessorTime;
                var start = Stopwatch.GetTimestamp();
                var workers = perThread.Select(steps => new Thread(() =>
                {
                    for (var i = 0; i < n; i++)
                    {
                        steps[s]();
                    }
                })).ToList();
                workers.ForEach(t => t.Start());
                workers.ForEach(t => t.Join());
                var us = (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMicroseconds / (n * threads);
                if (pass > 0 && us < best[s])
                {
                    best[s] = us;
                    wall[s] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / (n * threads);
                }
            }
        }

        output.WriteLine($"sign-profile {kind}, {threads} thread(s): CPU and wall microseconds per operation, best of {passes} passes of {n} per thread");
        for (var s = 0; s < names.Length; s++)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{names[s],-40} {best[s],8:F2} {wall[s],8:F2}"));
        }

        return 0;
    }
}
