using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OPSource.ML.Hardware;
using OPSource.Platform.Install;
using OPSource.Platform.Modules;
using OPSource.Platform.SelfTest;

namespace OPSource.ML;

/// <summary>The ML settings in force: configured ones, or null until written (then the rules' values apply).</summary>
/// <param name="Configured">The <c>Ml</c> section's settings, null when absent.</param>
/// <param name="Fingerprint">Hardware fingerprint stored with them.</param>
public sealed record MlConfiguration(MlSettings? Configured, string? Fingerprint);

/// <summary>
/// The <c>ml</c> module (section <c>Ml</c>): hardware detection and the ML runtime settings derived from
/// it (<see cref="MlSettingsRules"/>), the installer's "ML auto-configuration" step and the self-test
/// check that the settings fit the machine. The fee/risk/proposal models build on these settings.
/// </summary>
public sealed class MlModule : IOpsourceModule
{
    /// <inheritdoc />
    public string Name => "ml";

    /// <inheritdoc />
    public void Register(ModuleRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var configured = MlSettings.FromConfiguration(registration.Section, out var fingerprint);
        registration.Services.AddSingleton(new MlConfiguration(configured, fingerprint));
        registration.Services.TryAddSingleton<IHardwareSource>(SystemHardwareSource.Instance);
        registration.AddInstallStep<MlInstallStep>().AddSelfTest<MlConfigCheck>();

        // Fee models: the feature store, the in-process model service, its self-test and gauges.
        var fee = Fees.MlFeeOptions.FromConfiguration(registration.Section, registration.Context.DataDir);
        registration.Services.AddSingleton(fee);
        registration.Services.AddSingleton(sp => new Fees.FeeStore(sp.GetRequiredService<OPSource.Storage.Database>()));
        registration.Services.AddSingleton(sp => new Fees.FeeService(() => sp.GetRequiredService<OPSource.Chain.IBitcoinNode>(), sp.GetRequiredService<Fees.FeeStore>(), fee));
        // The wallet's fee choice: the model when enabled and trained, else the wallet uses the node's estimate.
        registration.Services.TryAddSingleton<OPSource.Platform.Fees.IFeeRateAdvisor>(sp => new Fees.MlFeeRateAdvisor(
            sp.GetRequiredService<Fees.FeeService>(), sp.GetService<Microsoft.Extensions.Logging.ILogger<Fees.MlFeeRateAdvisor>>()));
        registration.AddMigrations(Fees.FeeStore.Migrations)
            .AddSelfTest<Fees.FeeModelCheck>()
            .AddMeter<Fees.FeeMetricsRefresher>(Fees.FeeMetricsRefresher.MeterName);
    }
}

/// <summary>Installer step: derive the ML settings from the hardware (or take the operator's), and write them.</summary>
public sealed class MlInstallStep(MlConfiguration configuration, IHardwareSource source, PlatformContext platform) : IInstallStep
{
    private HardwareProfile? _hardware;

    /// <inheritdoc />
    public string Id => "ml";

    /// <inheritdoc />
    public string Title => "ML auto-configuration";

    /// <inheritdoc />
    public int Order => 900;

    private HardwareProfile Hardware => _hardware ??= HardwareDetector.Detect(source, platform.DataDir);

    private MlSettings Derived => MlSettingsRules.Derive(Hardware).Settings;

    /// <inheritdoc />
    public IReadOnlyList<InstallQuestion> Questions =>
    [
        new("mode", "Derive the ML settings from this machine's hardware, or set them by hand?")
        {
            Kind = InstallQuestionKind.Choice,
            Choices = ["auto", "manual"],
            Default = _ => "auto",
            Help = "auto applies the documented rules (docs/operations.md); manual asks for each value",
        },
        new("execution_provider", "ONNX Runtime execution provider")
        {
            Kind = InstallQuestionKind.Choice,
            Choices = MlExecutionProviders.All,
            When = a => a.Get("mode") == "manual",
            Default = _ => Derived.ExecutionProvider,
            Validate = (v, _) => MlSettingsRules.Check(Derived with { ExecutionProvider = v, Precision = MlPrecision.Float32 }, Hardware).FirstOrDefault(p => p.StartsWith("Ml:ExecutionProvider", StringComparison.Ordinal)),
        },
        new("threads", "Inference threads")
        {
            Kind = InstallQuestionKind.Integer,
            When = a => a.Get("mode") == "manual",
            Default = _ => Derived.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Validate = (v, _) => long.Parse(v, System.Globalization.CultureInfo.InvariantCulture) is var n && (n < 1 || n > Hardware.LogicalCores) ? $"must be between 1 and {Hardware.LogicalCores} (logical cores)" : null,
        },
        new("batch_size", "Inference batch size")
        {
            Kind = InstallQuestionKind.Integer,
            When = a => a.Get("mode") == "manual",
            Default = _ => Derived.BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Validate = (v, _) => long.Parse(v, System.Globalization.CultureInfo.InvariantCulture) is < 1 or > 65536 ? "must be between 1 and 65536" : null,
        },
    ];

    /// <inheritdoc />
    public Task<InstallStepState> InspectAsync(InstallContext context, CancellationToken cancellationToken)
    {
        if (configuration.Configured is not { } current)
        {
            return Task.FromResult(InstallStepState.NotConfigured("not configured yet"));
        }

        var summary = new List<string> { Describe(current) };
        var problems = MlSettingsRules.Check(current, Hardware);
        summary.AddRange(problems);
        if (configuration.Fingerprint != Hardware.Fingerprint)
        {
            summary.Add("configured for other hardware (fingerprint changed)");
            return Task.FromResult(new InstallStepState(false, summary));
        }

        return Task.FromResult(new InstallStepState(problems.Count == 0, summary));
    }

    /// <inheritdoc />
    public Task<InstallPlan> PlanAsync(InstallContext context, InstallAnswers answers, CancellationToken cancellationToken)
    {
        var settings = Choose(answers);
        return Task.FromResult(new InstallPlan([$"write ML settings: {Describe(settings)}"], settings.ToSettings(Hardware.Fingerprint)));
    }

    /// <inheritdoc />
    public Task<InstallStepResult> ApplyAsync(InstallContext context, InstallAnswers answers, CancellationToken cancellationToken)
    {
        var settings = Choose(answers);
        return Task.FromResult(InstallStepResult.Of([$"ML settings: {Describe(settings)}"], settings.ToSettings(Hardware.Fingerprint)));
    }

    /// <summary>One line describing settings.</summary>
    public static string Describe(MlSettings s) =>
        $"{s.ExecutionProvider}, {s.Precision}, {s.Threads} thread(s), batch {s.BatchSize}, memory cap {s.MemoryCapMiB} MiB" + (s.GpuMemoryLimitMiB > 0 ? $", GPU limit {s.GpuMemoryLimitMiB} MiB" : "");

    private MlSettings Choose(InstallAnswers answers)
    {
        var derived = Derived;
        if (answers.Get("mode") != "manual")
        {
            return derived;
        }

        var provider = answers.Get("execution_provider") ?? derived.ExecutionProvider;
        var chosen = derived with
        {
            ExecutionProvider = provider,
            // Precision follows the provider: float16 only where the rules chose it for this GPU.
            Precision = provider == derived.ExecutionProvider ? derived.Precision : MlPrecision.Float32,
            Threads = (int)(answers.GetInt64("threads") ?? derived.Threads),
            BatchSize = (int)(answers.GetInt64("batch_size") ?? derived.BatchSize),
            GpuMemoryLimitMiB = provider == MlExecutionProviders.Cpu ? 0 : derived.GpuMemoryLimitMiB,
        };
        var problems = MlSettingsRules.Check(chosen, Hardware);
        return problems.Count > 0 ? throw new InstallAnswerException("ml: " + string.Join("; ", problems)) : chosen;
    }
}

/// <summary>Self-test: the configured ML settings fit this machine.</summary>
public sealed class MlConfigCheck(MlConfiguration configuration, IHardwareSource source, PlatformContext platform) : ISelfTestCheck
{
    /// <inheritdoc />
    public string Component => "ml";

    /// <inheritdoc />
    public string Name => "config_matches_hardware";

    /// <inheritdoc />
    public Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken)
    {
        var hardware = HardwareDetector.Detect(source, platform.DataDir);
        if (configuration.Configured is not { } settings)
        {
            return Task.FromResult(SelfTestResult.Warn("no ML settings written yet (run: opsource ml config --apply)"));
        }

        var problems = MlSettingsRules.Check(settings, hardware);
        if (problems.Count > 0)
        {
            return Task.FromResult(SelfTestResult.Fail(string.Join("; ", problems)));
        }

        return Task.FromResult(configuration.Fingerprint != hardware.Fingerprint
            ? SelfTestResult.Warn("the hardware changed since the ML settings were derived (run: opsource ml config --apply)")
            : SelfTestResult.Pass(MlInstallStep.Describe(settings)));
    }
}
