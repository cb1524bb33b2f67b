using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace OPSource.ML.Hardware;

/// <summary>
/// Where the detector reads the machine from: the live system, or a recorded profile in tests
/// (<c>/proc/cpuinfo</c>, <c>/proc/meminfo</c>, the GPU tools' output).
/// </summary>
public interface IHardwareSource
{
    /// <summary>Text of a system file (<c>/proc/cpuinfo</c>), or null when absent.</summary>
    string? ReadFile(string path);

    /// <summary>Standard output of a tool (<c>nvidia-smi ...</c>), or null when it is not installed or fails.</summary>
    string? Run(string tool, IReadOnlyList<string> arguments);

    /// <summary>Logical processors available to the process.</summary>
    int ProcessorCount { get; }

    /// <summary>Memory available to the process (cgroup aware), bytes.</summary>
    long TotalMemoryBytes { get; }

    /// <summary>Free disk space for a directory, bytes.</summary>
    long FreeDiskBytes(string directory);

    /// <summary>SIMD support (live: System.Runtime.Intrinsics).</summary>
    SimdSupport Simd { get; }

    /// <summary>Architecture name.</summary>
    string Architecture { get; }

    /// <summary>OS description.</summary>
    string Os { get; }

    /// <summary>Whether a native library can be loaded (<c>onnxruntime</c>, <c>libcudart.so.12</c>).</summary>
    bool CanLoad(string library);
}

/// <summary>The live machine.</summary>
public sealed class SystemHardwareSource : IHardwareSource
{
    /// <summary>The one instance.</summary>
    public static SystemHardwareSource Instance { get; } = new();

    /// <inheritdoc />
    public string? ReadFile(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public string? Run(string tool, IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            return process.ExitCode == 0 ? output.GetAwaiter().GetResult() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Not installed.
            return null;
        }
    }

    /// <inheritdoc />
    public int ProcessorCount => Environment.ProcessorCount;

    /// <inheritdoc />
    public long TotalMemoryBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <inheritdoc />
    public long FreeDiskBytes(string directory)
    {
        try
        {
            var existing = directory;
            while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
            {
                existing = parent;
            }

            return new DriveInfo(Path.GetFullPath(existing)).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return 0;
        }
    }

    /// <inheritdoc />
    public SimdSupport Simd => new(
        System.Runtime.Intrinsics.X86.Sse42.IsSupported,
        System.Runtime.Intrinsics.X86.Avx.IsSupported,
        System.Runtime.Intrinsics.X86.Avx2.IsSupported,
        System.Runtime.Intrinsics.X86.Fma.IsSupported,
        System.Runtime.Intrinsics.X86.Avx512F.IsSupported,
        System.Runtime.Intrinsics.X86.AvxVnni.IsSupported,
        System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported,
        System.Runtime.Intrinsics.Arm.Dp.IsSupported);

    /// <inheritdoc />
    public string Architecture => RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();

    /// <inheritdoc />
    public string Os => RuntimeInformation.OSDescription;

    /// <inheritdoc />
    public bool CanLoad(string library)
    {
        ArgumentNullException.ThrowIfNull(library);
        foreach (var candidate in Candidates(library))
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                NativeLibrary.Free(handle);
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<string> Candidates(string library)
    {
        yield return library;
        var file = library.StartsWith("lib", StringComparison.Ordinal) || library.Contains(".so", StringComparison.Ordinal) ? library : "lib" + library + ".so";
        yield return Path.Combine(AppContext.BaseDirectory, file);
        var rid = (OperatingSystem.IsLinux() ? "linux-" : OperatingSystem.IsMacOS() ? "osx-" : "win-") + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        yield return Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", file);
    }
}

/// <summary>
/// Detects CPU model, cores, SIMD support, memory, free disk, GPUs (through <c>nvidia-smi</c> and
/// <c>rocm-smi</c> when installed) and the ONNX Runtime pieces present.
/// </summary>
public static class HardwareDetector
{
    /// <summary>Detects the live machine; <paramref name="dataDir"/> locates the disk whose free space counts.</summary>
    public static HardwareProfile Detect(string dataDir) => Detect(SystemHardwareSource.Instance, dataDir);

    /// <summary>Detects from a source (live or recorded).</summary>
    public static HardwareProfile Detect(IHardwareSource source, string dataDir)
    {
        ArgumentNullException.ThrowIfNull(source);
        var cpuinfo = source.ReadFile("/proc/cpuinfo");
        var meminfo = source.ReadFile("/proc/meminfo");
        var (model, physical) = ParseCpuInfo(cpuinfo);
        var total = source.TotalMemoryBytes;
        var available = ParseMemAvailable(meminfo) ?? total;
        var gpus = new List<GpuInfo>();
        gpus.AddRange(ParseNvidiaSmi(source.Run("nvidia-smi", ["--query-gpu=name,memory.total,driver_version,compute_cap", "--format=csv,noheader,nounits"])));
        gpus.AddRange(ParseRocmSmi(source.Run("rocm-smi", ["--showproductname", "--showmeminfo", "vram", "--json"])));
        var onnxCpu = source.CanLoad("onnxruntime");
        var onnx = new OnnxRuntimeSupport(
            onnxCpu,
            // An execution provider counts only with its library and its vendor runtime present.
            onnxCpu && gpus.Any(g => g.Vendor == "nvidia") && source.CanLoad("onnxruntime_providers_cuda")
                && (source.CanLoad("libcudart.so.12") || source.CanLoad("libcudart.so.11.0")),
            onnxCpu && gpus.Any(g => g.Vendor == "amd") && source.CanLoad("onnxruntime_providers_rocm") && source.CanLoad("libamdhip64.so"));
        return new HardwareProfile(
            source.Os,
            source.Architecture,
            model ?? source.Architecture,
            source.ProcessorCount,
            physical,
            source.Simd,
            total,
            Math.Min(available, total),
            source.FreeDiskBytes(dataDir),
            gpus,
            onnx);
    }

    /// <summary>CPU model name and physical core count from <c>/proc/cpuinfo</c>.</summary>
    public static (string? Model, int? PhysicalCores) ParseCpuInfo(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return (null, null);
        }

        string? model = null;
        var cores = new HashSet<(string, string)>();
        string physicalId = "0", coreId = "";
        var processors = 0;
        foreach (var raw in text.Split('\n'))
        {
            var colon = raw.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                if (coreId.Length > 0)
                {
                    cores.Add((physicalId, coreId));
                }

                physicalId = "0";
                coreId = "";
                continue;
            }

            var key = raw[..colon].Trim();
            var value = raw[(colon + 1)..].Trim();
            switch (key)
            {
                case "model name" or "Model" or "Hardware" when model is null && value.Length > 0:
                    model = value;
                    break;
                case "processor":
                    processors++;
                    break;
                case "physical id":
                    physicalId = value;
                    break;
                case "core id":
                    coreId = value;
                    break;
            }
        }

        if (coreId.Length > 0)
        {
            cores.Add((physicalId, coreId));
        }

        // Without core ids (most Arm kernels, some VMs) every processor counts as a core.
        int? physical = cores.Count > 0 ? cores.Count : processors > 0 ? processors : null;
        return (model, physical);
    }

    /// <summary><c>MemAvailable</c> from <c>/proc/meminfo</c> in bytes.</summary>
    public static long? ParseMemAvailable(string? text)
    {
        foreach (var line in (text ?? "").Split('\n'))
        {
            if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                var parts = line[13..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length > 0 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
                {
                    return kib * 1024;
                }
            }
        }

        return null;
    }

    /// <summary>GPUs from <c>nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv,noheader,nounits</c> (memory in MiB).</summary>
    public static IReadOnlyList<GpuInfo> ParseNvidiaSmi(string? csv)
    {
        var result = new List<GpuInfo>();
        foreach (var line in (csv ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(',', StringSplitOptions.TrimEntries);
            if (fields.Length < 2 || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var mib))
            {
                continue;
            }

            result.Add(new GpuInfo("nvidia", fields[0], mib * 1024 * 1024, fields.Length > 2 ? NullIfNa(fields[2]) : null, fields.Length > 3 ? NullIfNa(fields[3]) : null));
        }

        return result;
    }

    /// <summary>GPUs from <c>rocm-smi --showproductname --showmeminfo vram --json</c>.</summary>
    public static IReadOnlyList<GpuInfo> ParseRocmSmi(string? json)
    {
        var result = new List<GpuInfo>();
        if (string.IsNullOrWhiteSpace(json))
        {
            return result;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            foreach (var card in document.RootElement.EnumerateObject().Where(p => p.Name.StartsWith("card", StringComparison.Ordinal)))
            {
                string? name = null;
                long memory = 0;
                foreach (var field in card.Value.EnumerateObject())
                {
                    if (field.Name is "Card series" or "Card model" or "Card SKU" && name is null && field.Value.ValueKind == JsonValueKind.String)
                    {
                        name = field.Value.GetString();
                    }
                    else if (field.Name.StartsWith("VRAM Total Memory", StringComparison.Ordinal) && long.TryParse(field.Value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
                    {
                        memory = bytes;
                    }
                }

                result.Add(new GpuInfo("amd", name ?? card.Name, memory, null, null));
            }
        }
        catch (JsonException)
        {
            // An unexpected format counts as no AMD GPU rather than a failure.
        }

        return result;
    }

    private static string? NullIfNa(string value) => value.Length == 0 || value.StartsWith('[') || value == "N/A" ? null : value;
}
