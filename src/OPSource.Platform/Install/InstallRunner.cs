using OPSource.Platform.Errors;

namespace OPSource.Platform.Install;

/// <summary>Asks the operator (the CLI implements it with Spectre.Console prompts).</summary>
public interface IInstallPrompter
{
    /// <summary>Shows a step's title and current state.</summary>
    void ShowStep(IInstallStep step, InstallStepState state);

    /// <summary>Asks whether to change a step that is already configured.</summary>
    bool ConfirmReconfigure(IInstallStep step);

    /// <summary>Asks one question; returns the raw answer (checked by the runner, asked again when refused).</summary>
    string Ask(InstallQuestion question, string? defaultValue, string? previousError);

    /// <summary>Asks one secret question; the runner owns and clears the returned array.</summary>
    char[] AskSecret(InstallQuestion question, string? previousError);
}

/// <summary>What to do in one run.</summary>
/// <param name="Interactive">Prompt for missing answers (false with <c>--yes</c>: defaults or flags only).</param>
/// <param name="DryRun">Plan only.</param>
/// <param name="Only">Run only these step ids (empty: all).</param>
/// <param name="BeforeApply">Called once after every answer was collected and checked and before the first step
/// applies (not in a dry run): for the host's own settings (the network) that a refused answer must not change.</param>
public sealed record InstallRunOptions(bool Interactive, bool DryRun, IReadOnlySet<string> Only, Func<CancellationToken, Task>? BeforeApply = null);

/// <summary>Outcome of a step in one run.</summary>
public enum InstallStepOutcome
{
    /// <summary>Already configured and not asked to change.</summary>
    Unchanged,

    /// <summary>Dry run: what would be done.</summary>
    Planned,

    /// <summary>Applied.</summary>
    Applied,
}

/// <summary>One step's part of the run report (no secrets).</summary>
public sealed record InstallStepReport(
    string Id,
    string Title,
    InstallStepOutcome Outcome,
    IReadOnlyList<string> State,
    IReadOnlyList<string> Actions,
    IReadOnlyDictionary<string, string?> Settings);

/// <summary>A missing or refused answer in non-interactive mode (exit code 1, names the flag).</summary>
public sealed class InstallAnswerException : OpsourceException
{
    /// <summary>Creates the exception.</summary>
    public InstallAnswerException(string message)
        : base(ErrorCategory.InvalidInput, "invalid_answer", message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public InstallAnswerException()
        : this("invalid install answer")
    {
    }

    /// <summary>Creates the exception.</summary>
    public InstallAnswerException(string message, Exception innerException)
        : base(ErrorCategory.InvalidInput, "invalid_answer", message, innerException)
    {
    }
}

/// <summary>
/// Runs install steps: inspect every step and ask (or take given answers) for those to change, then plan or
/// apply them in order and hand each step's settings to the settings writer. Every answer is collected and
/// checked before the first step applies. Domain-neutral: it knows questions, not wallets.
/// </summary>
public static class InstallRunner
{
    /// <summary>Runs the steps in order.</summary>
    /// <param name="steps">Registered steps.</param>
    /// <param name="context">Context for the steps.</param>
    /// <param name="answers">Answers given up front (flags); filled further by prompting and defaults.</param>
    /// <param name="prompter">Null when not interactive.</param>
    /// <param name="options">Run options.</param>
    /// <param name="applySettings">Writes a step's settings (called after each applied step, so a later failure keeps earlier steps' results).</param>
    /// <param name="showOnce">Receives each show-once secret after its step applied (then it is cleared).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <exception cref="InstallAnswerException">A required answer is missing or refused (non-interactive), or an answer names an unknown question.</exception>
    public static async Task<IReadOnlyList<InstallStepReport>> RunAsync(
        IEnumerable<IInstallStep> steps,
        InstallContext context,
        InstallAnswerStore answers,
        IInstallPrompter? prompter,
        InstallRunOptions options,
        Func<IReadOnlyDictionary<string, string?>, CancellationToken, Task> applySettings,
        Action<InstallSecretOutput> showOnce,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(answers);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(applySettings);
        ArgumentNullException.ThrowIfNull(showOnce);
        if (options.Interactive && prompter is null)
        {
            throw new ArgumentException("an interactive run needs a prompter", nameof(prompter));
        }

        var ordered = steps.OrderBy(s => s.Order).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
        CheckGivenAnswers(ordered, answers, options);
        // Phase 1: inspect every step and collect every answer it needs, so a refused answer of a later step
        // stops the run before any step changed anything.
        var decided = new List<(IInstallStep Step, InstallStepState State, bool Change)>();
        foreach (var step in ordered)
        {
            if (options.Only.Count > 0 && !options.Only.Contains(step.Id))
            {
                continue;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var state = await step.InspectAsync(context, cancellationToken).ConfigureAwait(false);
            var asked = answers.Keys.Any(k => k.StartsWith(step.Id + ".", StringComparison.Ordinal));
            var change = !state.Configured || asked || options.Only.Contains(step.Id);
            if (options.Interactive)
            {
                prompter!.ShowStep(step, state);
                if (state.Configured && !asked)
                {
                    change = prompter.ConfirmReconfigure(step);
                }
            }

            if (change)
            {
                var view = answers.For(step.Id);
                foreach (var question in step.Questions)
                {
                    Collect(step, question, view, answers, prompter, options.Interactive);
                }
            }

            decided.Add((step, state, change));
        }

        // Phase 2: plan or apply, in order.
        if (!options.DryRun && options.BeforeApply is { } beforeApply)
        {
            await beforeApply(cancellationToken).ConfigureAwait(false);
        }

        var reports = new List<InstallStepReport>();
        foreach (var (step, state, change) in decided)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!change)
            {
                reports.Add(new InstallStepReport(step.Id, step.Title, InstallStepOutcome.Unchanged, state.Summary, [], new Dictionary<string, string?>()));
                continue;
            }

            var view = answers.For(step.Id);
            if (options.DryRun)
            {
                var plan = await step.PlanAsync(context, view, cancellationToken).ConfigureAwait(false);
                reports.Add(new InstallStepReport(step.Id, step.Title, InstallStepOutcome.Planned, state.Summary, plan.Actions, plan.Settings));
                continue;
            }

            var result = await step.ApplyAsync(context, view, cancellationToken).ConfigureAwait(false);
            try
            {
                if (result.Settings.Count > 0)
                {
                    await applySettings(result.Settings, cancellationToken).ConfigureAwait(false);
                }

                foreach (var secret in result.ShowOnce)
                {
                    showOnce(secret);
                }
            }
            finally
            {
                foreach (var secret in result.ShowOnce)
                {
                    secret.Dispose();
                }
            }

            reports.Add(new InstallStepReport(step.Id, step.Title, InstallStepOutcome.Applied, state.Summary, result.Done, result.Settings));
        }

        return reports;
    }

    private static void CheckGivenAnswers(List<IInstallStep> steps, InstallAnswerStore answers, InstallRunOptions options)
    {
        var known = steps.SelectMany(s => s.Questions.Select(q => s.Id + "." + q.Key)).ToHashSet(StringComparer.Ordinal);
        foreach (var key in answers.Keys)
        {
            if (!known.Contains(key))
            {
                throw new InstallAnswerException($"--answer {key}: no install step asks this (see opsource install --list)");
            }
        }

        foreach (var only in options.Only)
        {
            if (!steps.Any(s => s.Id == only))
            {
                throw new InstallAnswerException($"--step {only}: no such install step (steps: {string.Join(", ", steps.Select(s => s.Id))})");
            }
        }
    }

    /// <summary>
    /// Checks a secret answer without turning it into an immutable string, unless the question has its own
    /// <see cref="InstallQuestion.Validate"/> (which takes a string; secret questions should not need one).
    /// </summary>
    private static string? CheckSecret(InstallQuestion question, ReadOnlySpan<char> answer, InstallAnswers view)
    {
        if (answer.IsEmpty)
        {
            return question.Optional ? null : "an answer is required";
        }

        return question.Validate is null ? null : question.Check(new string(answer), view);
    }

    private static void Collect(IInstallStep step, InstallQuestion question, InstallAnswers view, InstallAnswerStore store, IInstallPrompter? prompter, bool interactive)
    {
        var fullKey = step.Id + "." + question.Key;
        if (question.When is { } when && !when(view))
        {
            return;
        }

        if (question.Kind == InstallQuestionKind.Secret)
        {
            if (view.Has(question.Key))
            {
                var problem = CheckSecret(question, view.GetSecret(question.Key).Span, view);
                if (problem is not null)
                {
                    throw new InstallAnswerException($"--answer {fullKey}: {problem}");
                }

                return;
            }

            if (!interactive)
            {
                if (question.Optional)
                {
                    return;
                }

                throw new InstallAnswerException($"--answer {fullKey}=@FILE (or -) is required: {question.Prompt}");
            }

            string? error = null;
            while (true)
            {
                var secret = prompter!.AskSecret(question, error);
                error = CheckSecret(question, secret, view);
                if (error is null)
                {
                    store.SetSecret(fullKey, secret);
                    return;
                }

                Array.Clear(secret);
            }
        }

        // A plain question answered from a file or standard input (--answer step.key=@FILE).
        store.PromoteToPlain(fullKey);
        var defaultValue = question.Default?.Invoke(view);
        if (view.Get(question.Key) is { } answered)
        {
            var problem = question.Check(answered, view);
            if (problem is not null)
            {
                throw new InstallAnswerException($"--answer {fullKey}: {problem}");
            }

            return;
        }

        if (!interactive)
        {
            if (defaultValue is null && !question.Optional)
            {
                throw new InstallAnswerException($"--answer {fullKey}=VALUE is required: {question.Prompt}");
            }

            var value = defaultValue ?? "";
            var problem = question.Check(value, view);
            if (problem is not null)
            {
                throw new InstallAnswerException($"{fullKey}: default '{value}' is refused: {problem}");
            }

            store.Set(fullKey, value);
            return;
        }

        string? previous = null;
        while (true)
        {
            var answer = prompter!.Ask(question, defaultValue, previous).Trim();
            if (answer.Length == 0 && defaultValue is not null)
            {
                answer = defaultValue;
            }

            previous = question.Check(answer, view);
            if (previous is null)
            {
                store.Set(fullKey, answer);
                return;
            }
        }
    }
}
