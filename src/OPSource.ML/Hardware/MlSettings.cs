using System.Globalization;
using Microsoft.Extensions.Configuration;
using OPSource.Platform.Modules;

namespace OPSource.ML.Hardware;

/// <summary>Numeric precision models compute in.</summary>
public static class MlPrecision
{
    /// <summary>32-bit floats: everywhere, the only choice on CPUs.</summary>
    public const string Float32 = "float32";

    /// <summary>16-bit floats: GPUs only (CPUs emulate it slowly and lose accuracy for nothing).</summary>
    public const string Float16 = "float16";

    /// <summary>Accepted values.</summary>
    public static IReadOnlyList<string> All { get; } = [Float32, Float16];
}

/// <summary>ONNX Runtime execution providers OPSource selects between.</summary>
public static class MlExecutionProviders
{
    /// <summary>The CPU provider (always available with ONNX Runtime).</summary>
    public const string Cpu = "cpu";

    /// <summary>NVIDIA CUDA.</summary>
    public const string Cuda = "cuda";

    /// <summary>AMD ROCm.</summary>
    public const string Rocm = "rocm";

    /// <summary>Accepted values.</summary>
    public static IReadOnlyList<string> All { get; } = [Cpu, Cuda, Rocm];
}

/// <summary>
/// ML runtime settings (section <c>Ml</c>), derived from the hardware by <see cref="MlSettingsRules"/>
/// or set by the operator.
/// </summary>
/// <param name="ExecutionProvider"><c>cpu</c>, <c>cuda</c> or <c>rocm</c>.</param>
/// <param name="Precision"><c>float32</c> or <c>float16</c> (never float16 on <c>cpu</c>).</param>
/// <param name="Threads">Intra-op threads.</param>
/// <param name="InterOpThreads">Inter-op threads.</param>
/// <param name="BatchSize">Inference batch size.</param>
/// <param name="MemoryCapMiB">Host memory the ML runtime may use (arena cap), MiB.</param>
/// <param name="GpuMemoryLimitMiB">Device memory limit for GPU providers, MiB (0 on CPU).</param>
/// <param name="DeviceId">GPU index.</param>
public sealed record MlSettings(string ExecutionProvider, string Precision, int Threads, int InterOpThreads, int BatchSize, long MemoryCapMiB, long GpuMemoryLimitMiB, int DeviceId)
{
    /// <summary>The configuration keys and values (<c>Ml:Threads</c> ...).</summary>
    public IReadOnlyDictionary<string, string?> ToSettings(string? fingerprint) => new Dictionary<string, string?>
    {
        ["Ml:ExecutionProvider"] = ExecutionProvider,
        ["Ml:Precision"] = Precision,
        ["Ml:Threads"] = Threads.ToString(CultureInfo.InvariantCulture),
        ["Ml:InterOpThreads"] = InterOpThreads.ToString(CultureInfo.InvariantCulture),
        ["Ml:BatchSize"] = BatchSize.ToString(CultureInfo.InvariantCulture),
        ["Ml:MemoryCapMiB"] = MemoryCapMiB.ToString(CultureInfo.InvariantCulture),
        ["Ml:GpuMemoryLimitMiB"] = GpuMemoryLimitMiB.ToString(CultureInfo.InvariantCulture),
        ["Ml:DeviceId"] = DeviceId.ToString(CultureInfo.InvariantCulture),
        ["Ml:HardwareFingerprint"] = fingerprint,
    };

    /// <summary>
    /// Reads the <c>Ml</c> section: null when no ML settings were written yet (the rules' values apply);
    /// every invalid setting is named.
    /// </summary>
    /// <exception cref="ModuleConfigurationException">A setting is invalid.</exception>
    public static MlSettings? FromConfiguration(IConfiguration section, out string? fingerprint)
    {
        ArgumentNullException.ThrowIfNull(section);
        fingerprint = section["HardwareFingerprint"];
        if (section["ExecutionProvider"] is null && section["Threads"] is null && section["Precision"] is null)
        {
            return null;
        }

        var problems = new List<string>();
        var provider = section["ExecutionProvider"] ?? MlExecutionProviders.Cpu;
        if (!MlExecutionProviders.All.Contains(provider, StringComparer.Ordinal))
        {
            problems.Add($"Ml:ExecutionProvider '{provider}' must be one of {string.Join(", ", MlExecutionProviders.All)}");
        }

        var precision = section["Precision"] ?? MlPrecision.Float32;
        if (!MlPrecision.All.Contains(precision, StringComparer.Ordinal))
        {
            problems.Add($"Ml:Precision '{precision}' must be one of {string.Join(", ", MlPrecision.All)}");
        }
        else if (precision == MlPrecision.Float16 && provider == MlExecutionProviders.Cpu)
        {
            problems.Add("Ml:Precision float16 needs a GPU execution provider (the cpu provider runs float32 only)");
        }

        var settings = new MlSettings(
            provider,
            precision,
            (int)Read(section, "Threads", 1, 1, 1024, problems),
            (int)Read(section, "InterOpThreads", 1, 1, 64, problems),
            (int)Read(section, "BatchSize", 32, 1, 65536, problems),
            Read(section, "MemoryCapMiB", 1024, 64, 1L << 30, problems),
            Read(section, "GpuMemoryLimitMiB", 0, 0, 1L << 30, problems),
            (int)Read(section, "DeviceId", 0, 0, 64, problems));
        return problems.Count > 0 ? throw new ModuleConfigurationException(problems) : settings;
    }

    private static long Read(IConfiguration section, string key, long fallback, long min, long max, List<string> problems)
    {
        var text = section[key];
        if (text is null)
        {
            return fallback;
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            problems.Add($"Ml:{key} '{text}' must be a whole number between {min} and {max}");
            return fallback;
        }

        return value;
    }
}

/// <summary>
/// The documented rules that turn a <see cref="HardwareProfile"/> into <see cref="MlSettings"/>
/// (docs/operations.md, "ML auto-configuration"). Each returned reason names the rule that decided a value.
/// </summary>
public static class MlSettingsRules
{
    private const long MiB = 1024 * 1024;

    /// <summary>Derives the settings and the reasons for each value.</summary>
    public static (MlSettings Settings, IReadOnlyList<string> Reasons) Derive(HardwareProfile hardware)
    {
        ArgumentNullException.ThrowIfNull(hardware);
        var reasons = new List<string>();

        // Rule 1: a GPU provider only when ONNX Runtime, its provider library and the vendor runtime are
        // all present; otherwise the CPU provider.
        var nvidia = hardware.Gpus.Select((g, i) => (Gpu: g, Index: i)).Where(x => x.Gpu.Vendor == "nvidia").OrderByDescending(x => x.Gpu.MemoryBytes).FirstOrDefault();
        var amd = hardware.Gpus.Select((g, i) => (Gpu: g, Index: i)).Where(x => x.Gpu.Vendor == "amd").OrderByDescending(x => x.Gpu.MemoryBytes).FirstOrDefault();
        string provider;
        GpuInfo? gpu = null;
        var deviceId = 0;
        if (hardware.Onnx.Cuda && nvidia.Gpu is not null)
        {
            provider = MlExecutionProviders.Cuda;
            gpu = nvidia.Gpu;
            deviceId = hardware.Gpus.Where(g => g.Vendor == "nvidia").ToList().IndexOf(nvidia.Gpu);
            reasons.Add($"execution provider cuda: {gpu.Name} and the ONNX Runtime CUDA provider with the CUDA runtime are present");
        }
        else if (hardware.Onnx.Rocm && amd.Gpu is not null)
        {
            provider = MlExecutionProviders.Rocm;
            gpu = amd.Gpu;
            deviceId = hardware.Gpus.Where(g => g.Vendor == "amd").ToList().IndexOf(amd.Gpu);
            reasons.Add($"execution provider rocm: {gpu.Name} and the ONNX Runtime ROCm provider with the HIP runtime are present");
        }
        else
        {
            provider = MlExecutionProviders.Cpu;
            reasons.Add(hardware.Gpus.Count > 0
                ? $"execution provider cpu: {hardware.Gpus.Count} GPU(s) found but no usable ONNX Runtime GPU provider/runtime"
                : "execution provider cpu: no GPU found");
        }

        // Rule 2: float16 only on a GPU that computes it natively (NVIDIA compute capability >= 7.0, or
        // any ROCm device); float32 otherwise, and always on the CPU.
        string precision;
        if (gpu is not null && (provider == MlExecutionProviders.Rocm || ComputeCapabilityAtLeast(gpu.ComputeCapability, 7, 0)))
        {
            precision = MlPrecision.Float16;
            reasons.Add("precision float16: the GPU has native half-precision arithmetic");
        }
        else
        {
            precision = MlPrecision.Float32;
            reasons.Add(gpu is null ? "precision float32: CPU execution never uses float16" : "precision float32: the GPU's compute capability is below 7.0 or unknown");
        }

        // Rule 3: intra-op threads. On the CPU provider, physical cores minus one (the node and the API keep
        // a core), at least 1, at most 16 (inference of OPSource's small models gains nothing beyond);
        // machines with 2 cores or fewer get 1. A GPU provider needs few host threads: min(4, cores).
        var cores = hardware.Cores;
        int threads = gpu is not null ? Math.Min(4, cores) : cores <= 2 ? 1 : Math.Clamp(cores - 1, 1, 16);
        reasons.Add($"threads {threads}: {cores} core(s), {(gpu is null ? "one left for the node and the API, at most 16" : "a GPU provider needs few host threads")}");

        // Rule 4: host memory cap: 25 % of the memory available to the process, at most half of what is
        // free now, between 256 MiB and 8 GiB.
        var cap = Math.Min(hardware.TotalMemoryBytes / 4, Math.Max(hardware.AvailableMemoryBytes / 2, 256 * MiB));
        var capMiB = Math.Clamp(cap / MiB, 256, 8192);
        reasons.Add($"memory cap {capMiB} MiB: 25 % of {hardware.TotalMemoryBytes / MiB} MiB, at most half of the {hardware.AvailableMemoryBytes / MiB} MiB free, within 256-8192 MiB");

        // Rule 5: GPU memory limit: half the device memory, at most 16 GiB.
        var gpuLimitMiB = gpu is null ? 0 : Math.Min(gpu.MemoryBytes / 2 / MiB, 16384);
        if (gpu is not null)
        {
            reasons.Add($"GPU memory limit {gpuLimitMiB} MiB: half of {gpu.MemoryBytes / MiB} MiB, at most 16 GiB");
        }

        // Rule 6: batch size. GPU: 256 with >= 8 GiB device memory, 128 with >= 4 GiB, else 64. CPU: by
        // vector width (512-bit: 64, 256-bit: 32, 128-bit: 16, none: 8), halved (not below 8) under a
        // 1 GiB memory cap.
        int batch;
        if (gpu is not null)
        {
            batch = gpu.MemoryBytes >= 8L << 30 ? 256 : gpu.MemoryBytes >= 4L << 30 ? 128 : 64;
            reasons.Add($"batch size {batch}: {gpu.MemoryBytes / MiB} MiB of device memory");
        }
        else
        {
            batch = hardware.Simd.VectorBits switch { 512 => 64, 256 => 32, 128 => 16, _ => 8 };
            if (capMiB < 1024)
            {
                batch = Math.Max(8, batch / 2);
            }

            reasons.Add($"batch size {batch}: {hardware.Simd.VectorBits}-bit SIMD{(capMiB < 1024 ? ", halved for a memory cap under 1 GiB" : "")}");
        }

        return (new MlSettings(provider, precision, threads, 1, batch, capMiB, gpuLimitMiB, Math.Max(0, deviceId)), reasons);
    }

    /// <summary>
    /// Problems of configured settings on this hardware (empty when they fit): a GPU provider whose runtime
    /// is missing, float16 on the CPU, more threads than cores, a memory cap above the machine's memory.
    /// </summary>
    public static IReadOnlyList<string> Check(MlSettings settings, HardwareProfile hardware)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(hardware);
        var problems = new List<string>();
        if (settings.ExecutionProvider == MlExecutionProviders.Cuda && !hardware.Onnx.Cuda)
        {
            problems.Add("Ml:ExecutionProvider cuda, but no NVIDIA GPU with the ONNX Runtime CUDA provider and CUDA runtime is present");
        }

        if (settings.ExecutionProvider == MlExecutionProviders.Rocm && !hardware.Onnx.Rocm)
        {
            problems.Add("Ml:ExecutionProvider rocm, but no AMD GPU with the ONNX Runtime ROCm provider and HIP runtime is present");
        }

        if (settings.ExecutionProvider == MlExecutionProviders.Cpu && settings.Precision == MlPrecision.Float16)
        {
            problems.Add("Ml:Precision float16 on the cpu provider");
        }

        if (settings.Threads > hardware.LogicalCores)
        {
            problems.Add($"Ml:Threads {settings.Threads} exceeds the {hardware.LogicalCores} logical core(s)");
        }

        if (settings.MemoryCapMiB * MiB > hardware.TotalMemoryBytes)
        {
            problems.Add($"Ml:MemoryCapMiB {settings.MemoryCapMiB} exceeds the machine's {hardware.TotalMemoryBytes / MiB} MiB");
        }

        return problems;
    }

    private static bool ComputeCapabilityAtLeast(string? capability, int major, int minor)
    {
        if (capability is null)
        {
            return false;
        }

        var parts = capability.Split('.');
        return int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ma)
            && (ma > major || (ma == major && (parts.Length < 2 || (int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var mi) && mi >= minor))));
    }
}
