using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Bitcoin;
using OPSource.Platform.Install;
using OPSource.Platform.Modules;

namespace OPSource.Platform.Tests;

public sealed class InstallRunnerTests
{
    /// <summary>A step that "creates a vault": mode create/restore, a name, a secret phrase for restore.</summary>
    private sealed class VaultStep : IInstallStep
    {
        public List<string> Applied { get; } = [];

        public bool Exists { get; set; }

        public string Id => "vault";

        public string Title => "Vault";

        public int Order => 300;

        public IReadOnlyList<InstallQuestion> Questions { get; } =
        [
            new("mode", "Create or restore?") { Kind = InstallQuestionKind.Choice, Choices = ["create", "restore"], Default = _ => "create" },
            new("name", "Vault name") { Default = _ => "main", Validate = (v, _) => v.Contains(' ', StringComparison.Ordinal) ? "no spaces allowed" : null },
            new("phrase", "Recovery phrase") { Kind = InstallQuestionKind.Secret, When = a => a.Get("mode") == "restore" },
            new("size", "Size") { Kind = InstallQuestionKind.Integer, Default = _ => "3", Validate = (v, _) => long.Parse(v, System.Globalization.CultureInfo.InvariantCulture) is < 1 or > 9 ? "must be 1-9" : null },
        ];

        public Task<InstallStepState> InspectAsync(InstallContext context, CancellationToken cancellationToken) =>
            Task.FromResult(Exists ? new InstallStepState(true, ["vault main exists"]) : InstallStepState.NotConfigured("no vault"));

        public Task<InstallPlan> PlanAsync(InstallContext context, InstallAnswers answers, CancellationToken cancellationToken) =>
            Task.FromResult(new InstallPlan([$"{answers.Require("mode")} vault {answers.Require("name")}"], new Dictionary<string, string?> { ["Vault:Name"] = answers.Get("name") }));

        public Task<InstallStepResult> ApplyAsync(InstallContext context, InstallAnswers answers, CancellationToken cancellationToken)
        {
            Applied.Add($"{answers.Get("mode")}:{answers.Get("name")}:{answers.GetSecret("phrase").Length}:{answers.GetInt64("size")}");
            Exists = true;
            var secret = answers.Get("mode") == "create" ? new[] { new InstallSecretOutput("vault phrase", "write it down", "alpha beta".ToCharArray()) } : [];
            return Task.FromResult(new InstallStepResult(["vault ready"], new Dictionary<string, string?> { ["Vault:Name"] = answers.Get("name") }, secret));
        }
    }

    private sealed class ScriptedPrompter(params string[] replies) : IInstallPrompter
    {
        private readonly Queue<string> _replies = new(replies);

        public List<string> Errors { get; } = [];

        public void ShowStep(IInstallStep step, InstallStepState state)
        {
        }

        public bool ConfirmReconfigure(IInstallStep step) => _replies.Dequeue() == "y";

        public string Ask(InstallQuestion question, string? defaultValue, string? previousError)
        {
            if (previousError is not null)
            {
                Errors.Add(previousError);
            }

            return _replies.Dequeue();
        }

        public char[] AskSecret(InstallQuestion question, string? previousError) => _replies.Dequeue().ToCharArray();
    }

    private static InstallContext Context(bool dryRun = false) => new(
        new PlatformContext(Network.Regtest, "/tmp/opsource-install"),
        new ConfigurationBuilder().Build(),
        new ServiceCollection().BuildServiceProvider(),
        databaseReady: true,
        dryRun);

    private static async Task<(IReadOnlyList<InstallStepReport> Reports, List<IReadOnlyDictionary<string, string?>> Written, List<string> Shown)> Run(
        VaultStep step, InstallAnswerStore answers, IInstallPrompter? prompter = null, bool dryRun = false)
    {
        var written = new List<IReadOnlyDictionary<string, string?>>();
        var shown = new List<string>();
        var reports = await InstallRunner.RunAsync(
            [step], Context(dryRun), answers, prompter, new InstallRunOptions(prompter is not null, dryRun, new HashSet<string>()),
            (settings, _) => { written.Add(settings); return Task.CompletedTask; },
            secret => shown.Add(secret.Label + "=" + new string(secret.Value)),
            TestContext.Current.CancellationToken);
        return (reports, written, shown);
    }

    [Fact]
    public async Task Non_interactive_run_uses_defaults_and_given_answers_and_shows_secrets_once()
    {
        var step = new VaultStep();
        using var answers = new InstallAnswerStore();
        answers.Set("vault.name", "cold");
        var (reports, written, shown) = await Run(step, answers);
        Assert.Equal(["create:cold:0:3"], step.Applied);
        Assert.Equal(InstallStepOutcome.Applied, Assert.Single(reports).Outcome);
        Assert.Equal("cold", Assert.Single(written)["Vault:Name"]);
        Assert.Equal(["vault phrase=alpha beta"], shown);
    }

    [Fact]
    public async Task Re_run_leaves_a_configured_step_alone_unless_answers_target_it()
    {
        var step = new VaultStep { Exists = true };
        using (var none = new InstallAnswerStore())
        {
            var (reports, written, _) = await Run(step, none);
            Assert.Equal(InstallStepOutcome.Unchanged, Assert.Single(reports).Outcome);
            Assert.Empty(written);
            Assert.Empty(step.Applied);
        }

        using var asked = new InstallAnswerStore();
        asked.Set("vault.size", "5");
        await Run(step, asked);
        Assert.Equal(["create:main:0:5"], step.Applied);
    }

    /// <summary>A second step (order 400) whose only question refuses everything but "ok".</summary>
    private sealed class PickyStep : IInstallStep
    {
        public string Id => "picky";

        public string Title => "Picky";

        public int Order => 400;

        public IReadOnlyList<InstallQuestion> Questions { get; } = [new("value", "Value") { Validate = (v, _) => v == "ok" ? null : "must be ok" }];

        public Task<InstallStepState> InspectAsync(InstallContext context, CancellationToken cancellationToken) => Task.FromResult(InstallStepState.NotConfigured("not yet"));

        public Task<InstallPlan> PlanAsync(InstallContext context, InstallAnswers answers, CancellationToken cancellationToken) =>
            Task.FromResult(new InstallPlan(["set " + answers.Get("value")], new Dictionary<string, string?>()));

        public Task<InstallStepResult> ApplyAsync(InstallContext context, InstallAnswers answers, CancellationToken cancellationToken) =>
            Task.FromResult(new InstallStepResult(["set"], new Dictionary<string, string?> { ["Picky:Value"] = answers.Get("value") }, []));
    }

    [Theory]
    [InlineData("nope", false)]
    [InlineData("ok", true)]
    public async Task Every_answer_is_checked_before_the_first_step_applies(string value, bool accepted)
    {
        var vault = new VaultStep();
        using var answers = new InstallAnswerStore();
        answers.Set("picky.value", value);
        var events = new List<string>();
        var run = InstallRunner.RunAsync(
            [new PickyStep(), vault], Context(), answers, null,
            new InstallRunOptions(false, false, new HashSet<string>(), _ => { events.Add("before-apply"); return Task.CompletedTask; }),
            (settings, _) => { events.Add("write " + string.Join(",", settings.Keys)); return Task.CompletedTask; },
            _ => { },
            TestContext.Current.CancellationToken);
        if (!accepted)
        {
            var refused = await Assert.ThrowsAsync<InstallAnswerException>(() => run);
            Assert.Equal("--answer picky.value: must be ok", refused.Message);
            Assert.Empty(vault.Applied);
            Assert.Empty(events);
            return;
        }

        var reports = await run;
        Assert.Equal(["vault", "picky"], reports.Select(r => r.Id));
        Assert.Equal(["before-apply", "write Vault:Name", "write Picky:Value"], events);

        // A dry run never calls it.
        events.Clear();
        using var again = new InstallAnswerStore();
        again.Set("picky.value", "ok");
        await InstallRunner.RunAsync(
            [new PickyStep()], Context(dryRun: true), again, null,
            new InstallRunOptions(false, true, new HashSet<string>(), _ => { events.Add("before-apply"); return Task.CompletedTask; }),
            (_, _) => Task.CompletedTask, _ => { }, TestContext.Current.CancellationToken);
        Assert.Empty(events);
    }

    [Fact]
    public async Task Dry_run_plans_without_applying()
    {
        var step = new VaultStep();
        using var answers = new InstallAnswerStore();
        var (reports, written, shown) = await Run(step, answers, dryRun: true);
        var report = Assert.Single(reports);
        Assert.Equal(InstallStepOutcome.Planned, report.Outcome);
        Assert.Equal(["create vault main"], report.Actions);
        Assert.Equal("main", report.Settings["Vault:Name"]);
        Assert.Empty(step.Applied);
        Assert.Empty(written);
        Assert.Empty(shown);
    }

    [Theory]
    [InlineData("vault.mode", "import", "--answer vault.mode: 'import' is not one of create, restore")]
    [InlineData("vault.name", "my vault", "--answer vault.name: no spaces allowed")]
    [InlineData("vault.size", "ten", "--answer vault.size: 'ten' is not a whole number")]
    [InlineData("vault.size", "12", "--answer vault.size: must be 1-9")]
    [InlineData("vault.colour", "red", "--answer vault.colour: no install step asks this")]
    public async Task Bad_answers_are_refused_naming_the_flag(string key, string value, string expected)
    {
        using var answers = new InstallAnswerStore();
        answers.Set(key, value);
        var ex = await Assert.ThrowsAsync<InstallAnswerException>(() => Run(new VaultStep(), answers));
        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_required_secret_must_be_given_without_a_terminal()
    {
        using var answers = new InstallAnswerStore();
        answers.Set("vault.mode", "restore");
        var ex = await Assert.ThrowsAsync<InstallAnswerException>(() => Run(new VaultStep(), answers));
        Assert.Contains("--answer vault.phrase=@FILE", ex.Message, StringComparison.Ordinal);

        answers.SetSecret("vault.phrase", "one two three".ToCharArray());
        var step = new VaultStep();
        await Run(step, answers);
        Assert.Equal(["restore:main:13:3"], step.Applied);
    }

    [Fact]
    public async Task Interactive_run_asks_again_after_a_refused_answer()
    {
        var step = new VaultStep();
        using var answers = new InstallAnswerStore();
        // mode: restore; name: "a b" refused, then "hot"; phrase; size: default.
        var prompter = new ScriptedPrompter("restore", "a b", "hot", "seed words", "");
        await Run(step, answers, prompter);
        Assert.Equal(["restore:hot:10:3"], step.Applied);
        Assert.Equal(["no spaces allowed"], prompter.Errors);
    }

    [Fact]
    public async Task Interactive_run_asks_before_changing_a_configured_step()
    {
        var step = new VaultStep { Exists = true };
        using var answers = new InstallAnswerStore();
        var (reports, _, _) = await Run(step, answers, new ScriptedPrompter("n"));
        Assert.Equal(InstallStepOutcome.Unchanged, Assert.Single(reports).Outcome);
        await Run(step, answers, new ScriptedPrompter("y", "create", "", ""));
        Assert.Equal(["create:main:0:3"], step.Applied);
    }

    [Fact]
    public void Secrets_are_cleared_when_the_run_ends()
    {
        var phrase = "top secret".ToCharArray();
        var answers = new InstallAnswerStore();
        answers.SetSecret("vault.phrase", phrase);
        answers.Dispose();
        Assert.All(phrase, c => Assert.Equal('\0', c));
    }
}
