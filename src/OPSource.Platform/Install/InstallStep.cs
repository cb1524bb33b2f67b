using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using OPSource.Platform.Modules;

namespace OPSource.Platform.Install;

/// <summary>How a question is asked and how its answer is checked.</summary>
public enum InstallQuestionKind
{
    /// <summary>Free text (checked by <see cref="InstallQuestion.Validate"/>).</summary>
    Text,

    /// <summary>Text that is never echoed, logged or written to the plan (passphrases, mnemonics).</summary>
    Secret,

    /// <summary>One of <see cref="InstallQuestion.Choices"/>.</summary>
    Choice,

    /// <summary>yes/no (answers <c>yes</c>, <c>no</c>, <c>true</c>, <c>false</c>, <c>y</c>, <c>n</c>).</summary>
    Confirm,

    /// <summary>A whole number (checked by <see cref="InstallQuestion.Validate"/> for its range).</summary>
    Integer,
}

/// <summary>
/// One question of an install step. Its full key is <c>{step}.{key}</c> (<c>node.rpc_url</c>): the
/// interactive installer prompts for it, and <c>opsource install --yes --answer node.rpc_url=...</c>
/// supplies it (secrets also as <c>@file</c> or <c>-</c> for standard input).
/// </summary>
public sealed partial record InstallQuestion
{
    /// <summary>Creates a question.</summary>
    /// <param name="key">snake_case key, unique within its step.</param>
    /// <param name="prompt">What the interactive installer asks.</param>
    public InstallQuestion(string key, string prompt)
    {
        if (key is null || !KeyPattern().IsMatch(key))
        {
            throw new ArgumentException($"install question key '{key}' must be snake_case", nameof(key));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        Key = key;
        Prompt = prompt;
    }

    /// <summary>Key within the step.</summary>
    public string Key { get; }

    /// <summary>Prompt text.</summary>
    public string Prompt { get; }

    /// <summary>Kind of answer.</summary>
    public InstallQuestionKind Kind { get; init; } = InstallQuestionKind.Text;

    /// <summary>One line of help shown with the prompt and by <c>opsource install --list</c>.</summary>
    public string? Help { get; init; }

    /// <summary>Allowed answers of a <see cref="InstallQuestionKind.Choice"/>.</summary>
    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>The default, computed from earlier answers and the current configuration; null = none (an answer is required).</summary>
    public Func<InstallAnswers, string?>? Default { get; init; }

    /// <summary>Extra validation: returns an error message (naming the rule) or null when the answer is acceptable.</summary>
    public Func<string, InstallAnswers, string?>? Validate { get; init; }

    /// <summary>The question is asked only when this returns true (e.g. only for <c>mode=restore</c>).</summary>
    public Func<InstallAnswers, bool>? When { get; init; }

    /// <summary>An empty answer is acceptable (the step treats it as "none").</summary>
    public bool Optional { get; init; }

    /// <summary>Checks an answer against the kind, the choices and <see cref="Validate"/>; null when acceptable.</summary>
    public string? Check(string answer, InstallAnswers answers)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(answers);
        if (answer.Length == 0)
        {
            return Optional ? null : "an answer is required";
        }

        switch (Kind)
        {
            case InstallQuestionKind.Choice when !Choices.Contains(answer, StringComparer.Ordinal):
                return $"'{answer}' is not one of {string.Join(", ", Choices)}";
            case InstallQuestionKind.Confirm when InstallAnswers.ParseBool(answer) is null:
                return $"'{answer}' is not yes or no";
            case InstallQuestionKind.Integer when !long.TryParse(answer, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _):
                return $"'{answer}' is not a whole number";
        }

        return Validate?.Invoke(answer, answers);
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,47}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}

/// <summary>What a step finds already configured (so a re-run changes only what is asked).</summary>
/// <param name="Configured">True when the step's part of the installation exists and works.</param>
/// <param name="Summary">Lines describing the current state (no secrets).</param>
public sealed record InstallStepState(bool Configured, IReadOnlyList<string> Summary)
{
    /// <summary>Nothing configured yet.</summary>
    public static InstallStepState NotConfigured(string reason) => new(false, [reason]);
}

/// <summary>What applying a step would do: human-readable actions and the settings it would write.</summary>
/// <param name="Actions">One line per action (no secrets).</param>
/// <param name="Settings">Configuration keys (<c>Node:RpcUrl</c>) and values written to the data dir's appsettings.json (null removes a key). Never secrets: those go to mode-600 files the settings point at.</param>
public sealed record InstallPlan(IReadOnlyList<string> Actions, IReadOnlyDictionary<string, string?> Settings)
{
    /// <summary>A plan without settings.</summary>
    public static InstallPlan Of(params string[] actions) => new(actions, new Dictionary<string, string?>());
}

/// <summary>A secret shown to the operator exactly once (a new wallet's mnemonic). The CLI prints and then clears it.</summary>
public sealed class InstallSecretOutput : IDisposable
{
    private readonly char[] _value;

    /// <summary>Takes ownership of <paramref name="value"/> (cleared on dispose).</summary>
    public InstallSecretOutput(string label, string warning, char[] value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        ArgumentNullException.ThrowIfNull(value);
        Label = label;
        Warning = warning ?? "";
        _value = value;
    }

    /// <summary>What it is (<c>wallet treasury mnemonic</c>).</summary>
    public string Label { get; }

    /// <summary>What the operator must do with it (<c>write it down; it is not shown again</c>).</summary>
    public string Warning { get; }

    /// <summary>The secret.</summary>
    public ReadOnlySpan<char> Value => _value;

    /// <inheritdoc />
    public void Dispose() => Array.Clear(_value);
}

/// <summary>What a step did.</summary>
/// <param name="Done">One line per action taken.</param>
/// <param name="Settings">Settings to write (as in <see cref="InstallPlan.Settings"/>).</param>
/// <param name="ShowOnce">Secrets to show once (the CLI disposes them after printing).</param>
public sealed record InstallStepResult(IReadOnlyList<string> Done, IReadOnlyDictionary<string, string?> Settings, IReadOnlyList<InstallSecretOutput> ShowOnce)
{
    /// <summary>A result with actions and settings and nothing to show.</summary>
    public static InstallStepResult Of(IReadOnlyList<string> done, IReadOnlyDictionary<string, string?> settings) => new(done, settings, []);
}

/// <summary>What a step sees while it inspects, plans and applies.</summary>
public sealed class InstallContext
{
    /// <summary>Creates the context.</summary>
    public InstallContext(PlatformContext platform, IConfiguration configuration, IServiceProvider services, bool databaseReady, bool dryRun)
    {
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(services);
        Platform = platform;
        Configuration = configuration;
        Services = services;
        DatabaseReady = databaseReady;
        DryRun = dryRun;
    }

    /// <summary>Network and data directory of the installation.</summary>
    public PlatformContext Platform { get; }

    /// <summary>The effective configuration before this run.</summary>
    public IConfiguration Configuration { get; }

    /// <summary>The host's services (the same ones <c>opsource serve</c> runs).</summary>
    public IServiceProvider Services { get; }

    /// <summary>
    /// False when the schema is not current (a dry run on a fresh data dir does not create the database):
    /// steps that read stored state report "not configured" instead of querying.
    /// </summary>
    public bool DatabaseReady { get; }

    /// <summary>True for <c>--dry-run</c>: only <see cref="IInstallStep.InspectAsync"/> and <see cref="IInstallStep.PlanAsync"/> run.</summary>
    public bool DryRun { get; }
}

/// <summary>
/// A part of the installation a module contributes (create/restore a wallet, configure a DAO, tune
/// ML). Registered with <see cref="ModuleRegistration.AddInstallStep{TStep}"/>; the installer knows
/// nothing of what it configures. The installer runs steps in <see cref="Order"/>: for each it calls
/// <see cref="InspectAsync"/>, asks the <see cref="Questions"/> (or takes <c>--answer</c> flags),
/// shows <see cref="PlanAsync"/>'s plan and, unless <c>--dry-run</c>, calls <see cref="ApplyAsync"/>.
/// A step that is configured is left alone unless the operator asks to change it.
/// </summary>
public interface IInstallStep
{
    /// <summary>snake_case id, the prefix of its answer keys (<c>wallet</c>).</summary>
    string Id { get; }

    /// <summary>Title shown by the installer.</summary>
    string Title { get; }

    /// <summary>Position: platform steps use 0-199 (node 100), modules 200-799, ML 900.</summary>
    int Order { get; }

    /// <summary>The questions, in the order they are asked.</summary>
    IReadOnlyList<InstallQuestion> Questions { get; }

    /// <summary>What is configured now. Must not change anything.</summary>
    Task<InstallStepState> InspectAsync(InstallContext context, CancellationToken cancellationToken);

    /// <summary>What <see cref="ApplyAsync"/> would do with these answers. Must not change anything.</summary>
    Task<InstallPlan> PlanAsync(InstallContext context, InstallAnswers answers, CancellationToken cancellationToken);

    /// <summary>
    /// Applies the step. Refusals (a node on the wrong network, a wallet name taken) throw a typed
    /// domain exception (<see cref="Errors.OpsourceException"/>) whose message the installer shows.
    /// </summary>
    Task<InstallStepResult> ApplyAsync(InstallContext context, InstallAnswers answers, CancellationToken cancellationToken);
}
