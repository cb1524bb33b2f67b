using System.Text.Json.Serialization;

namespace OPSource.ML.Hardware;

/// <summary>SIMD instruction sets the CPU (and the runtime) supports.</summary>
/// <param name="Sse42">x86 SSE4.2.</param>
/// <param name="Avx">x86 AVX.</param>
/// <param name="Avx2">x86 AVX2.</param>
/// <param name="Fma">x86 FMA3.</param>
/// <param name="Avx512F">x86 AVX-512 Foundation.</param>
/// <param name="AvxVnni">x86 AVX-VNNI or AVX-512 VNNI (int8 dot products).</param>
/// <param name="Neon">Arm Advanced SIMD (NEON).</param>
/// <param name="ArmDotProduct">Arm dot-product instructions (int8).</param>
public sealed record SimdSupport(bool Sse42, bool Avx, bool Avx2, bool Fma, bool Avx512F, bool AvxVnni, bool Neon, bool ArmDotProduct)
{
    /// <summary>Widest vector in bits the CPU computes with (512, 256, 128 or 0).</summary>
    [JsonIgnore]
    public int VectorBits => Avx512F ? 512 : Avx2 || Avx ? 256 : Sse42 || Neon ? 128 : 0;

    /// <summary>Names of the supported sets, for display.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Names =>
    [
        .. new (bool On, string Name)[]
        {
            (Sse42, "sse4.2"), (Avx, "avx"), (Avx2, "avx2"), (Fma, "fma"), (Avx512F, "avx512f"), (AvxVnni, "vnni"), (Neon, "neon"), (ArmDotProduct, "dotprod"),
        }.Where(x => x.On).Select(x => x.Name),
    ];
}

/// <summary>A GPU found by its vendor's tool.</summary>
/// <param name="Vendor"><c>nvidia</c> or <c>amd</c>.</param>
/// <param name="Name">Product name.</param>
/// <param name="MemoryBytes">Device memory.</param>
/// <param name="Driver">Driver version, when reported.</param>
/// <param name="ComputeCapability">NVIDIA compute capability (<c>8.6</c>), when reported.</param>
public sealed record GpuInfo(string Vendor, string Name, long MemoryBytes, string? Driver, string? ComputeCapability);

/// <summary>Which ONNX Runtime pieces are installed and loadable (execution providers are used only when present).</summary>
/// <param name="Cpu">The ONNX Runtime library itself.</param>
/// <param name="Cuda">The CUDA execution provider library and the CUDA runtime.</param>
/// <param name="Rocm">The ROCm execution provider library and the HIP runtime.</param>
public sealed record OnnxRuntimeSupport(bool Cpu, bool Cuda, bool Rocm)
{
    /// <summary>Nothing installed.</summary>
    public static OnnxRuntimeSupport None { get; } = new(false, false, false);
}

/// <summary>The machine as the ML auto-configuration sees it.</summary>
/// <param name="Os">Operating system description.</param>
/// <param name="Architecture"><c>x64</c>, <c>arm64</c>...</param>
/// <param name="CpuModel">CPU model name.</param>
/// <param name="LogicalCores">Logical processors available to this process (cgroup/affinity aware).</param>
/// <param name="PhysicalCores">Physical cores, when known.</param>
/// <param name="Simd">SIMD support.</param>
/// <param name="TotalMemoryBytes">Memory available to this process (cgroup aware).</param>
/// <param name="AvailableMemoryBytes">Memory free now (MemAvailable).</param>
/// <param name="FreeDiskBytes">Free space where the data directory lives.</param>
/// <param name="Gpus">GPUs found (nvidia-smi / rocm-smi).</param>
/// <param name="Onnx">ONNX Runtime pieces present.</param>
public sealed record HardwareProfile(
    string Os,
    string Architecture,
    string CpuModel,
    int LogicalCores,
    int? PhysicalCores,
    SimdSupport Simd,
    long TotalMemoryBytes,
    long AvailableMemoryBytes,
    long FreeDiskBytes,
    IReadOnlyList<GpuInfo> Gpus,
    OnnxRuntimeSupport Onnx)
{
    /// <summary>Physical cores if known, else logical.</summary>
    [JsonIgnore]
    public int Cores => PhysicalCores is > 0 and var p ? Math.Min(p, LogicalCores) : LogicalCores;

    /// <summary>
    /// A short fingerprint of what the ML settings depend on (cores, memory in GiB, SIMD, GPUs, runtime),
    /// stored with the settings so that <c>opsource test</c> notices when the hardware changed.
    /// </summary>
    [JsonIgnore]
    public string Fingerprint
    {
        get
        {
            var gpus = string.Join(",", Gpus.Select(g => $"{g.Vendor}:{g.Name}:{g.MemoryBytes >> 30}"));
            var text = $"{Architecture}|{LogicalCores}|{Cores}|{TotalMemoryBytes >> 30}|{string.Join(",", Simd.Names)}|{gpus}|{Onnx.Cpu}{Onnx.Cuda}{Onnx.Rocm}";
            return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
        }
    }
}
