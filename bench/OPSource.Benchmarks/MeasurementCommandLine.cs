using System.Globalization;

namespace OPSource.Benchmarks;

/// <summary>What the in-process measurement commands (compare-secp256k1, ct-check) share: one integer option and the machine's load.</summary>
internal static class MeasurementCommandLine
{
    /// <summary>
    /// Reads the command's only option, <c>name N</c> with N &gt;= <paramref name="minimum"/>; false (after one
    /// line naming the problem on <paramref name="output"/>) for anything else.
    /// </summary>
    public static bool TryReadCount(string[] args, string command, string name, int minimum, ref int value, TextWriter output)
    {
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == name && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int n) && n >= minimum)
            {
                value = n;
                i++;
            }
            else
            {
                output.WriteLine($"{command}: unknown argument '{args[i]}' (expected {name} N, N >= {minimum})");
                return false;
            }
        }

        return true;
    }

    /// <summary>The one-minute load average, printed with each run so its figures can be judged.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
