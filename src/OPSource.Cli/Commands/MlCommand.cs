using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.ML.Hardware;
using OPSource.Server.Configuration;
using Spectre.Console;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource ml config [--apply]</c>: the detected hardware, the ML settings the rules derive from it,
/// the configured ones, and whether they fit; <c>--apply</c> writes the derived settings (section <c>Ml</c>).
/// </summary>
internal static class MlCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("ml", "ML: fee models (ingest, train, evaluate, predict) and runtime settings");
        var apply = new Option<bool>("--apply") { Description = "Write the derived settings to the data dir's appsettings.json" };
        var config = new Command("config", "Show detected hardware and the derived and configured ML settings") { apply }.WithExamples(
            "opsource ml config",
            "opsource ml config --json | jq .derived",
            "opsource ml config --apply --data-dir /srv/opsource");
        config.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var (_, layers) = ConfigCommand.Load(ctx.Overrides);
            MlSettings? configured;
            string? fingerprint;
            try
            {
                configured = MlSettings.FromConfiguration(layers.Root.GetSection("Ml"), out fingerprint);
            }
            catch (OPSource.Platform.Modules.ModuleConfigurationException ex)
            {
                throw new CliUserException("invalid configuration: " + ex.Message, ex) { Code = CliApp.ConfigurationCode };
            }

            var hardware = HardwareDetector.Detect(ctx.DataDir);
            var (derived, reasons) = MlSettingsRules.Derive(hardware);
            var problems = configured is null ? [] : MlSettingsRules.Check(configured, hardware);
            if (parse.GetValue(apply))
            {
                var refused = SettingsFile.Apply(ctx.DataDir, derived.ToSettings(hardware.Fingerprint), ctx.Overrides);
                if (refused.Count > 0)
                {
                    throw new CliUserException("refused: " + string.Join("; ", refused));
                }

                configured = derived;
                fingerprint = hardware.Fingerprint;
                problems = [];
            }

            var json = new JsonObject
            {
                ["hardware"] = HardwareJson(hardware),
                ["derived"] = SettingsJson(derived),
                ["reasons"] = new JsonArray([.. reasons.Select(r => (JsonNode)r)]),
                ["configured"] = configured is null ? null : SettingsJson(configured),
                ["hardware_changed"] = configured is not null && fingerprint != hardware.Fingerprint,
                ["problems"] = new JsonArray([.. problems.Select(p => (JsonNode)p)]),
                ["applied"] = parse.GetValue(apply),
            };
            ctx.WriteResult(json, w =>
            {
                var console = ConfigCommand.CreateConsole(w);
                var table = new Table().AddColumns("Hardware", "");
                table.AddRow("CPU", Markup.Escape($"{hardware.CpuModel} ({hardware.Architecture})"));
                table.AddRow("Cores", $"{hardware.LogicalCores} logical, {hardware.PhysicalCores?.ToString(CultureInfo.InvariantCulture) ?? "?"} physical");
                table.AddRow("SIMD", Markup.Escape(string.Join(" ", hardware.Simd.Names)));
                table.AddRow("Memory", $"{hardware.TotalMemoryBytes >> 20} MiB ({hardware.AvailableMemoryBytes >> 20} MiB free)");
                table.AddRow("Free disk", $"{hardware.FreeDiskBytes >> 30} GiB");
                table.AddRow("GPUs", Markup.Escape(hardware.Gpus.Count == 0 ? "none" : string.Join("; ", hardware.Gpus.Select(g => $"{g.Vendor} {g.Name} {g.MemoryBytes >> 20} MiB"))));
                table.AddRow("ONNX Runtime", $"cpu={hardware.Onnx.Cpu} cuda={hardware.Onnx.Cuda} rocm={hardware.Onnx.Rocm}");
                console.Write(table);
                w.WriteLine("derived:    " + OPSource.ML.MlInstallStep.Describe(derived));
                foreach (var reason in reasons)
                {
                    w.WriteLine("  - " + reason);
                }

                w.WriteLine("configured: " + (configured is null ? "(none; run opsource ml config --apply)" : OPSource.ML.MlInstallStep.Describe(configured)));
                foreach (var problem in problems)
                {
                    w.WriteLine("  ! " + problem);
                }

                if (parse.GetValue(apply))
                {
                    w.WriteLine($"written to {SettingsFile.PathFor(ctx.DataDir)}");
                }
            });
            return problems.Count > 0 ? CliApp.ExitUserError : CliApp.ExitOk;
        }, ct));
        command.Add(config);
        MlFeeCommands.AddTo(command, globals, output, error);
        return command;
    }

    internal static JsonObject HardwareJson(HardwareProfile h) => new()
    {
        ["os"] = h.Os,
        ["architecture"] = h.Architecture,
        ["cpu_model"] = h.CpuModel,
        ["logical_cores"] = h.LogicalCores,
        ["physical_cores"] = h.PhysicalCores,
        ["simd"] = new JsonArray([.. h.Simd.Names.Select(n => (JsonNode)n)]),
        ["memory_bytes"] = h.TotalMemoryBytes,
        ["available_memory_bytes"] = h.AvailableMemoryBytes,
        ["free_disk_bytes"] = h.FreeDiskBytes,
        ["gpus"] = new JsonArray([.. h.Gpus.Select(g => (JsonNode)new JsonObject
        {
            ["vendor"] = g.Vendor,
            ["name"] = g.Name,
            ["memory_bytes"] = g.MemoryBytes,
            ["driver"] = g.Driver,
            ["compute_capability"] = g.ComputeCapability,
        })]),
        ["onnx_runtime"] = new JsonObject { ["cpu"] = h.Onnx.Cpu, ["cuda"] = h.Onnx.Cuda, ["rocm"] = h.Onnx.Rocm },
        ["fingerprint"] = h.Fingerprint,
    };

    private static JsonObject SettingsJson(MlSettings s) => new()
    {
        ["execution_provider"] = s.ExecutionProvider,
        ["precision"] = s.Precision,
        ["threads"] = s.Threads,
        ["inter_op_threads"] = s.InterOpThreads,
        ["batch_size"] = s.BatchSize,
        ["memory_cap_mib"] = s.MemoryCapMiB,
        ["gpu_memory_limit_mib"] = s.GpuMemoryLimitMiB,
        ["device_id"] = s.DeviceId,
    };
}
