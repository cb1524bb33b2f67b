using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using OPSource.ML.Hardware;

namespace OPSource.ML.Tests;

/// <summary>A machine recorded as files: /proc/cpuinfo, /proc/meminfo, nvidia-smi output and what the runtime reported.</summary>
internal sealed class RecordedHardware(string name, IReadOnlyList<string>? loadableOverride = null) : IHardwareSource
{
    private readonly string _dir = Path.Combine(AppContext.BaseDirectory, "Profiles", name);
    private readonly JsonObject _machine = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Profiles", name, "machine.json")))!.AsObject();

    public string? ReadFile(string path) => path switch
    {
        "/proc/cpuinfo" => Read("cpuinfo"),
        "/proc/meminfo" => Read("meminfo"),
        _ => null,
    };

    public string? Run(string tool, IReadOnlyList<string> arguments) => tool switch
    {
        "nvidia-smi" => Read("nvidia-smi.csv"),
        "rocm-smi" => Read("rocm-smi.json"),
        _ => null,
    };

    public int ProcessorCount => (int)_machine["processor_count"]!;

    public long TotalMemoryBytes => (long)_machine["total_memory_bytes"]!;

    public long FreeDiskBytes(string directory) => (long)_machine["free_disk_bytes"]!;

    public SimdSupport Simd
    {
        get
        {
            var s = _machine["simd"]!.AsArray().Select(n => (string)n!).ToHashSet();
            return new SimdSupport(s.Contains("sse42"), s.Contains("avx"), s.Contains("avx2"), s.Contains("fma"), s.Contains("avx512f"), s.Contains("vnni"), s.Contains("neon"), s.Contains("dotprod"));
        }
    }

    public string Architecture => (string)_machine["architecture"]!;

    public string Os => (string)_machine["os"]!;

    public bool CanLoad(string library) => (loadableOverride ?? _machine["loadable"]!.AsArray().Select(n => (string)n!).ToList()).Contains(library);

    private string? Read(string file) => File.Exists(Path.Combine(_dir, file)) ? File.ReadAllText(Path.Combine(_dir, file)) : null;
}

public sealed class HardwareProfileTests
{
    [Fact]
    public void Laptop_gets_cpu_float32_three_threads()
    {
        var h = HardwareDetector.Detect(new RecordedHardware("laptop"), "/data");
        Assert.Equal(("Intel(R) Core(TM) i7-8565U CPU @ 1.80GHz", 8, 4), (h.CpuModel, h.LogicalCores, h.PhysicalCores));
        Assert.Equal(9L << 30, h.AvailableMemoryBytes);
        Assert.Empty(h.Gpus);
        Assert.True(h.Onnx.Cpu);
        var (s, reasons) = MlSettingsRules.Derive(h);
        Assert.Equal(new MlSettings("cpu", "float32", 3, 1, 32, 4096, 0, 0), s);
        Assert.Contains(reasons, r => r.StartsWith("execution provider cpu: no GPU found", StringComparison.Ordinal));
        Assert.Empty(MlSettingsRules.Check(s, h));
    }

    [Fact]
    public void Two_core_vm_gets_one_thread_and_a_small_batch()
    {
        var h = HardwareDetector.Detect(new RecordedHardware("vm-2core"), "/data");
        Assert.Equal((2, 2), (h.LogicalCores, h.PhysicalCores));
        Assert.False(h.Onnx.Cpu);
        var (s, _) = MlSettingsRules.Derive(h);
        Assert.Equal(new MlSettings("cpu", "float32", 1, 1, 16, 972, 0, 0), s);
    }

    [Fact]
    public void Sixty_four_core_server_caps_threads_and_memory()
    {
        var h = HardwareDetector.Detect(new RecordedHardware("server-64core"), "/data");
        Assert.Equal((128, 64), (h.LogicalCores, h.PhysicalCores));
        var (s, _) = MlSettingsRules.Derive(h);
        Assert.Equal(new MlSettings("cpu", "float32", 16, 1, 32, 8192, 0, 0), s);
    }

    [Fact]
    public void Gpu_box_with_the_cuda_runtime_uses_cuda_and_float16()
    {
        var h = HardwareDetector.Detect(new RecordedHardware("gpu-box"), "/data");
        var gpu = Assert.Single(h.Gpus);
        Assert.Equal(("nvidia", "NVIDIA GeForce RTX 4090", 24564L << 20, "550.54.14", "8.9"), (gpu.Vendor, gpu.Name, gpu.MemoryBytes, gpu.Driver, gpu.ComputeCapability));
        Assert.True(h.Onnx.Cuda);
        Assert.True(h.Simd.Avx512F);
        var (s, _) = MlSettingsRules.Derive(h);
        Assert.Equal(new MlSettings("cuda", "float16", 4, 1, 256, 8192, 12282, 0), s);
        Assert.Empty(MlSettingsRules.Check(s, h));
    }

    [Fact]
    public void A_gpu_without_its_runtime_is_not_used_and_the_cpu_never_gets_float16()
    {
        var h = HardwareDetector.Detect(new RecordedHardware("gpu-box", loadableOverride: ["onnxruntime"]), "/data");
        Assert.Single(h.Gpus);
        Assert.False(h.Onnx.Cuda);
        var (s, reasons) = MlSettingsRules.Derive(h);
        Assert.Equal(new MlSettings("cpu", "float32", 15, 1, 64, 8192, 0, 0), s);
        Assert.Contains(reasons, r => r.Contains("no usable ONNX Runtime GPU provider", StringComparison.Ordinal));

        // Configured GPU settings on this machine are reported.
        var problems = MlSettingsRules.Check(s with { ExecutionProvider = "cuda", Precision = "float16" }, h);
        Assert.Contains(problems, p => p.StartsWith("Ml:ExecutionProvider cuda", StringComparison.Ordinal));
        Assert.Contains(MlSettingsRules.Check(s with { Precision = "float16" }, h), p => p.Contains("float16 on the cpu", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("laptop")]
    [InlineData("vm-2core")]
    [InlineData("server-64core")]
    [InlineData("gpu-box")]
    public void Derived_settings_always_fit_their_machine(string profile)
    {
        var h = HardwareDetector.Detect(new RecordedHardware(profile), "/data");
        var (s, _) = MlSettingsRules.Derive(h);
        Assert.Empty(MlSettingsRules.Check(s, h));
        Assert.NotEqual(h.Fingerprint, HardwareDetector.Detect(new RecordedHardware(profile == "laptop" ? "vm-2core" : "laptop"), "/data").Fingerprint);
    }

    [Fact]
    public void The_real_machine_is_detected_and_its_settings_fit()
    {
        var dir = Path.GetTempPath();
        var h = HardwareDetector.Detect(dir);
        Assert.Equal(Environment.ProcessorCount, h.LogicalCores);
        Assert.InRange(h.PhysicalCores ?? 1, 1, h.LogicalCores);
        Assert.True(h.TotalMemoryBytes > 0 && h.AvailableMemoryBytes <= h.TotalMemoryBytes);
        Assert.True(h.FreeDiskBytes > 0);
        Assert.False(string.IsNullOrWhiteSpace(h.CpuModel));
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx2.IsSupported, h.Simd.Avx2);
        Assert.Equal(System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported, h.Simd.Neon);
        var (s, _) = MlSettingsRules.Derive(h);
        Assert.Empty(MlSettingsRules.Check(s, h));
        if (s.ExecutionProvider == "cpu")
        {
            Assert.Equal("float32", s.Precision);
        }
    }

    [Theory]
    [InlineData("Ml:ExecutionProvider", "tpu", "Ml:ExecutionProvider 'tpu' must be one of cpu, cuda, rocm")]
    [InlineData("Ml:Precision", "float16", "Ml:Precision float16 needs a GPU execution provider")]
    [InlineData("Ml:Threads", "0", "Ml:Threads '0' must be a whole number between 1 and 1024")]
    public void Configured_settings_are_validated(string key, string value, string expected)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Ml:ExecutionProvider"] = "cpu", [key] = value })
            .Build();
        var ex = Assert.Throws<OPSource.Platform.Modules.ModuleConfigurationException>(() => MlSettings.FromConfiguration(config.GetSection("Ml"), out _));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rocm_smi_json_is_parsed()
    {
        var gpus = HardwareDetector.ParseRocmSmi("""{"card0": {"Card series": "Radeon RX 7900 XTX", "VRAM Total Memory (B)": "25753026560"}, "system": {}}""");
        Assert.Equal(("amd", "Radeon RX 7900 XTX", 25753026560L), (gpus[0].Vendor, gpus[0].Name, gpus[0].MemoryBytes));
        Assert.Empty(HardwareDetector.ParseRocmSmi("not json"));
    }
}
