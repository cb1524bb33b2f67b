using System.Globalization;
using System.Security.Cryptography;
using OPSource.Fuzz;
using OPSource.Fuzz.Targets;

// OPSource fuzz targets (docs/fuzzing.md). scripts/fuzz.sh drives these commands:
//   list                         the targets and their oracles
//   seeds TARGET DIR             write the seed corpus built from ../shared/vectors into DIR
//   instrument DIR               instrument OPSource.Bitcoin.dll and OPSource.Crypto.dll in DIR for AFL++ (SharpFuzz)
//   afl TARGET                   the AFL++ persistent-mode harness (run under afl-fuzz)
//   run TARGET [-runs=N] [-seconds=S] [-seed=N] [-artifacts=DIR] [CORPUS_DIR...]   in-process mutation engine
//   repro TARGET FILE...         run the target on saved inputs (crash reproduction)
// Instrumented library code writes to SharpFuzz's trace map; outside afl-fuzz (seeds, run, repro) and
// before Fuzzer.Run attaches the shared memory, give it a private map so static initialisers and
// reproductions of crashes do not write through a null pointer.
Instrumentation.InstallPrivateTraceMap();
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: OPSource.Fuzz list | seeds TARGET DIR | instrument DIR | afl TARGET | run TARGET [-runs=N] [-seconds=S] [-seed=N] [-artifacts=DIR] [CORPUS_DIR...] | repro TARGET FILE...");
    return 2;
}

return args[0] switch
{
    "list" => Commands.List(),
    "seeds" when args.Length == 3 => Commands.WriteSeeds(args[1], args[2]),
    "instrument" when args.Length == 2 => Instrumentation.Instrument(args[1]),
    "afl" when args.Length == 2 => Commands.Afl(args[1]),
    "run" when args.Length >= 2 => Commands.RunInProcess(args[1], args[2..]),
    "repro" when args.Length >= 3 => Commands.Repro(args[1], args[2..]),
    _ => Commands.Usage(),
};

internal static class Instrumentation
{
    private const int MapSize = 1 << 16;

    public static unsafe void InstallPrivateTraceMap()
    {
        if (SharpFuzz.Common.Trace.SharedMem == null)
        {
            SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(MapSize);
        }
    }

    // Kept apart from the targets so that instrumenting never loads the assemblies it rewrites.
    public static int Instrument(string directory)
    {
        foreach (var name in new[] { "OPSource.Crypto.dll", "OPSource.Bitcoin.dll" })
        {
            var path = Path.Combine(directory, name);
            // The marker holds the SHA-256 of the instrumented file: a rebuild that copied a fresh DLL is instrumented again.
            var marker = path + ".instrumented";
            if (File.Exists(marker) && File.ReadAllText(marker) == Hash(path))
            {
                continue;
            }

            var types = SharpFuzz.Fuzzer.Instrument(path, ns => ns.StartsWith("OPSource.", StringComparison.Ordinal), SharpFuzz.Options.Value).Count();
            File.WriteAllText(marker, Hash(path));
            Console.Error.WriteLine($"instrumented {name}: {types} types");
        }

        return 0;
    }

    private static string Hash(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}

internal static class Commands
{
    public static int Usage()
    {
        Console.Error.WriteLine("error: unknown command or missing arguments (see docs/fuzzing.md)");
        return 2;
    }

    public static int List()
    {
        foreach (var target in FuzzTargets.All)
        {
            Console.WriteLine($"{target.Name,-12} {target.Description}");
        }

        return 0;
    }

    private static FuzzTarget Find(string name) => FuzzTargets.Find(name)
        ?? throw new ArgumentException($"unknown target '{name}'; targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");

    public static List<byte[]> LoadSeeds(FuzzTarget target)
    {
        var vectors = Seeds.LocateVectors()
            ?? throw new DirectoryNotFoundException("test vectors not found: set OPSOURCE_VECTORS or place shared/vectors beside the repository");
        return [.. target.Seeds(vectors).DistinctBy(Convert.ToHexString)];
    }

    public static int WriteSeeds(string name, string directory)
    {
        var target = Find(name);
        Directory.CreateDirectory(directory);
        var seeds = LoadSeeds(target);
        foreach (var seed in seeds)
        {
            File.WriteAllBytes(Path.Combine(directory, Convert.ToHexStringLower(SHA256.HashData(seed))[..16]), seed);
        }

        Console.Error.WriteLine($"{name}: {seeds.Count} seeds in {directory}");
        return 0;
    }

    public static int Afl(string name)
    {
        var target = Find(name);
        // SharpFuzz's fork-server loop: each input from afl-fuzz runs in this process; an escaping
        // exception is reported to afl-fuzz as a crash.
        SharpFuzz.Fuzzer.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target.Run(buffer.ToArray());
        });
        return 0;
    }

    public static int RunInProcess(string name, string[] options)
    {
        var target = Find(name);
        long runs = long.MaxValue;
        var seconds = 60.0;
        var seed = Environment.TickCount;
        string? artifacts = null;
        var corpus = LoadSeeds(target);
        var timeGiven = false;
        foreach (var option in options)
        {
            if (option.StartsWith("-runs=", StringComparison.Ordinal))
            {
                runs = long.Parse(option[6..], CultureInfo.InvariantCulture);
                if (!timeGiven)
                {
                    seconds = double.MaxValue / 2;
                }
            }
            else if (option.StartsWith("-seconds=", StringComparison.Ordinal))
            {
                seconds = double.Parse(option[9..], CultureInfo.InvariantCulture);
                timeGiven = true;
            }
            else if (option.StartsWith("-seed=", StringComparison.Ordinal))
            {
                seed = int.Parse(option[6..], CultureInfo.InvariantCulture);
            }
            else if (option.StartsWith("-artifacts=", StringComparison.Ordinal))
            {
                artifacts = option[11..];
            }
            else if (Directory.Exists(option))
            {
                corpus.AddRange(Directory.EnumerateFiles(option).Where(f => new FileInfo(f).Length <= 1 << 20).Select(File.ReadAllBytes));
            }
            else
            {
                Console.Error.WriteLine($"error: unknown option or missing corpus directory '{option}'");
                return 2;
            }
        }

        var result = InProcessFuzzer.Run(target, corpus, runs, TimeSpan.FromSeconds(Math.Min(seconds, TimeSpan.MaxValue.TotalSeconds / 2)), seed);
        var rate = result.Executions / Math.Max(result.Elapsed.TotalSeconds, 0.001);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {result.Executions} executions in {result.Elapsed.TotalSeconds:F1} s ({rate:F0}/s), seed {seed}, corpus {corpus.Count}, crashes {(result.Crash is null ? 0 : 1)}"));
        if (result.Crash is { } crash)
        {
            Console.WriteLine($"CRASH input {Convert.ToHexStringLower(crash.Input)}");
            Console.WriteLine(crash.Error.ToString());
            if (artifacts is not null)
            {
                Directory.CreateDirectory(artifacts);
                var file = Path.Combine(artifacts, "crash-" + Convert.ToHexStringLower(SHA256.HashData(crash.Input))[..16]);
                File.WriteAllBytes(file, crash.Input);
                Console.WriteLine($"saved {file}");
            }

            return 1;
        }

        return 0;
    }

    public static int Repro(string name, string[] files)
    {
        var target = Find(name);
        var failures = 0;
        foreach (var file in files)
        {
            var input = File.ReadAllBytes(file);
            if (InProcessFuzzer.Execute(target, input) is { } error)
            {
                failures++;
                Console.WriteLine($"{file}: CRASH {Convert.ToHexStringLower(input)}");
                Console.WriteLine(error.ToString());
            }
            else
            {
                Console.WriteLine($"{file}: ok");
            }
        }

        return failures == 0 ? 0 : 1;
    }
}
