using System.CommandLine;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Platform.Install;
using OPSource.Platform.Modules;
using OPSource.Server.Configuration;
using Spectre.Console;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource install [--yes] [--dry-run] [--answer step.key=VALUE...] [--step ID...] [--list]</c>:
/// configures network, node, and every module's install step (wallet, DAO, ML...). Interactive by
/// default (Spectre.Console prompts on the terminal); <c>--yes</c> takes defaults and <c>--answer</c>
/// flags only. Idempotent: a configured step is shown and left alone unless answers target it.
/// </summary>
internal static class InstallCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not prompt: use defaults and --answer values" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan; change nothing" };
        var answer = new Option<string[]>("--answer", "-a") { Description = "step.key=VALUE (secrets: step.key=@FILE or step.key=- for standard input); repeatable" };
        var step = new Option<string[]>("--step") { Description = "Run only these steps (repeatable); a listed step is reconfigured" };
        var list = new Option<bool>("--list") { Description = "List the steps and their questions (answer keys, defaults, choices)" };
        var command = new Command("install", "Install or reconfigure OPSource: network, node, wallet, DAO, ML (interactive unless --yes)") { yes, dryRun, answer, step, list }.WithExamples(
            "opsource install",
            "opsource install --list",
            "opsource install --yes --dry-run --network regtest --answer node.mode=generate --answer wallet.mode=skip",
            "opsource install --yes --answer node.mode=connect --answer node.rpc_url=http://127.0.0.1:8332 --answer node.cookie_file=/var/lib/bitcoind/.cookie --answer wallet.passphrase=@pass.txt --json",
            "opsource install --yes --step ml --answer ml.mode=manual --answer ml.threads=2");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var interactive = !parse.GetValue(yes) && !parse.GetValue(list);
            if (interactive && (Console.IsInputRedirected || !ReferenceEquals(ctx.Out, Console.Out)))
            {
                throw new CliUserException("no terminal to ask questions on: run with --yes and --answer step.key=VALUE (see opsource install --list)");
            }

            var dry = parse.GetValue(dryRun) || parse.GetValue(list);
            var prompts = interactive ? new SpectrePrompter(Terminal()) : null;
            var overrides = new Dictionary<string, string?>(ctx.Overrides, StringComparer.OrdinalIgnoreCase);
            if (!ctx.Overrides.ContainsKey("Network") && prompts is not null)
            {
                overrides["Network"] = prompts.AskNetwork(ctx.Network);
            }

            var network = overrides.TryGetValue("Network", out var n) && n is not null ? n : ctx.Network;
            var steps = new List<JsonNode>();
            using var answers = new InstallAnswerStore();
            foreach (var pair in parse.GetValue(answer) ?? [])
            {
                AddAnswer(answers, pair, ctx);
            }

            // The network is the operator's layer too: every step sees it through the overrides; it is written once
            // every answer was checked, before the first step applies (so a refused answer changes nothing).
            Task WriteNetwork(CancellationToken _)
            {
                if (!string.Equals(SettingsFile.Read(SettingsFile.PathFor(ctx.DataDir))["Network"]?.GetValue<string>(), network, StringComparison.Ordinal))
                {
                    var refused = SettingsFile.Apply(ctx.DataDir, new Dictionary<string, string?> { ["Network"] = network }, overrides);
                    if (refused.Count > 0)
                    {
                        throw new CliUserException("refused: " + string.Join("; ", refused));
                    }
                }

                return Task.CompletedTask;
            }

            var context = ctx with { Network = network, Overrides = overrides };
            await using var services = await CliServices.OpenAsync(context, token, applyMigrations: !dry).ConfigureAwait(false);
            var registered = services.Services.GetServices<IInstallStep>().OrderBy(s => s.Order).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
            if (parse.GetValue(list))
            {
                WriteList(ctx, registered);
                return CliApp.ExitOk;
            }

            var configuration = services.Configuration;
            var installContext = new InstallContext(services.Get<PlatformContext>(), configuration, services.Services, databaseReady: !dry, dryRun: dry);
            // Show-once secrets (a new wallet's mnemonic) stay in char arrays, cleared when the command ends.
            var shown = new List<(string Label, string Warning, char[] Value)>();
            try
            {
                var reports = await InstallRunner.RunAsync(
                    registered,
                    installContext,
                    answers,
                    prompts,
                    new InstallRunOptions(interactive, dry, (parse.GetValue(step) ?? []).ToHashSet(StringComparer.Ordinal), WriteNetwork),
                    (settings, _) =>
                    {
                        var refused = SettingsFile.Apply(ctx.DataDir, settings, overrides);
                        return refused.Count > 0 ? throw new InstallAnswerException("refused: " + string.Join("; ", refused)) : Task.CompletedTask;
                    },
                    secret =>
                    {
                        if (ctx.Json)
                        {
                            shown.Add((secret.Label, secret.Warning, secret.Value.ToArray()));
                        }
                        else
                        {
                            ctx.Out.WriteLine($"== {secret.Label} ({secret.Warning}) ==");
                            ctx.Out.Write(secret.Value);
                            ctx.Out.WriteLine();
                            ctx.Out.WriteLine("==");
                        }
                    },
                    token).ConfigureAwait(false);

                foreach (var report in reports)
                {
                    steps.Add(new JsonObject
                    {
                        ["id"] = report.Id,
                        ["title"] = report.Title,
                        ["outcome"] = report.Outcome.ToString().ToLowerInvariant(),
                        ["state"] = new JsonArray([.. report.State.Select(s => (JsonNode)s)]),
                        ["actions"] = new JsonArray([.. report.Actions.Select(s => (JsonNode)s)]),
                        ["settings"] = new JsonObject(report.Settings.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)(s.Value is null ? null : JsonValue.Create(Redact(s.Key, s.Value)))))),
                    });
                }

                var json = new JsonObject
                {
                    ["network"] = network,
                    ["data_dir"] = ctx.DataDir,
                    ["dry_run"] = dry,
                    ["steps"] = new JsonArray([.. steps]),
                };
                if (ctx.Json && shown.Count > 0)
                {
                    WriteWithSecrets(ctx.Out, json, shown);
                    return CliApp.ExitOk;
                }

                ctx.WriteResult(json, w =>
                {
                    foreach (var report in reports)
                    {
                        w.WriteLine($"{report.Title} [{report.Id}]: {report.Outcome.ToString().ToLowerInvariant()}");
                        foreach (var line in report.Outcome == InstallStepOutcome.Unchanged ? report.State : report.Actions)
                        {
                            w.WriteLine("  " + line);
                        }
                    }

                    w.WriteLine(dry ? "dry run: nothing was changed" : $"settings: {SettingsFile.PathFor(ctx.DataDir)}; check the installation with: opsource test");
                });
                return CliApp.ExitOk;
            }
            finally
            {
                foreach (var (_, _, value) in shown)
                {
                    Array.Clear(value);
                }
            }
        }, ct));
        return command;
    }

    private static void AddAnswer(InstallAnswerStore answers, string pair, CliContext ctx)
    {
        var eq = pair.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || !pair[..eq].Contains('.', StringComparison.Ordinal))
        {
            throw new CliUserException($"--answer '{pair}': expected step.key=VALUE");
        }

        var key = pair[..eq].Trim();
        var value = pair[(eq + 1)..];
        if (value == "-" || value.StartsWith('@'))
        {
            // Secrets (and long values) from standard input or a file, read into a char array that is never
            // an immutable string (the runner makes answers of plain questions strings).
            answers.SetSecret(key, ReadSecret(ctx, value, "--answer " + key));
            return;
        }

        answers.Set(key, value);
    }

    /// <summary>
    /// Standard input (<c>-</c>) or the file <c>@FILE</c> (or <c>FILE</c>) as a new char array the caller owns (never an
    /// immutable string), without its trailing line end (<see cref="SecretInput"/>).
    /// </summary>
    internal static char[] ReadSecret(CliContext ctx, string source, string what)
    {
        using var secret = SecretInput.Read(ctx, source, what, what);
        return secret.Memory.ToArray();
    }

    /// <summary>
    /// Writes the result document with its <c>show_once</c> secrets straight from their char arrays (no
    /// immutable string holds them; the buffers are cleared after writing).
    /// </summary>
    private static void WriteWithSecrets(TextWriter output, JsonObject json, IReadOnlyList<(string Label, string Warning, char[] Value)> shown)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            foreach (var (name, node) in json)
            {
                writer.WritePropertyName(name);
                if (node is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    node.WriteTo(writer);
                }
            }

            writer.WriteStartArray("show_once");
            foreach (var (label, warning, value) in shown)
            {
                writer.WriteStartObject();
                writer.WriteString("label", label);
                writer.WriteString("value", value);
                writer.WriteString("warning", warning);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var chars = new char[System.Text.Encoding.UTF8.GetCharCount(buffer.WrittenSpan)];
        System.Text.Encoding.UTF8.GetChars(buffer.WrittenSpan, chars);
        try
        {
            output.Write(chars);
            output.WriteLine();
        }
        finally
        {
            Array.Clear(chars);
            buffer.Clear();
        }
    }

    private static void WriteList(CliContext ctx, IReadOnlyList<IInstallStep> steps)
    {
        var json = new JsonArray([.. steps.Select(s => (JsonNode)new JsonObject
        {
            ["id"] = s.Id,
            ["title"] = s.Title,
            ["order"] = s.Order,
            ["questions"] = new JsonArray([.. s.Questions.Select(q => (JsonNode)new JsonObject
            {
                ["key"] = s.Id + "." + q.Key,
                ["prompt"] = q.Prompt,
                ["kind"] = q.Kind.ToString().ToLowerInvariant(),
                ["choices"] = q.Choices.Count == 0 ? null : new JsonArray([.. q.Choices.Select(c => (JsonNode)c)]),
                ["help"] = q.Help,
                ["optional"] = q.Optional,
            })]),
        })]);
        ctx.WriteResult(json, w =>
        {
            foreach (var s in steps)
            {
                w.WriteLine($"{s.Id}: {s.Title}");
                foreach (var q in s.Questions)
                {
                    var choices = q.Choices.Count > 0 ? " (" + string.Join("|", q.Choices) + ")" : "";
                    w.WriteLine($"  --answer {s.Id}.{q.Key}={(q.Kind == InstallQuestionKind.Secret ? "@FILE" : "VALUE")}{choices}  {q.Prompt}");
                }
            }
        });
    }

    private static string Redact(string key, string value) =>
        key.Contains("password", StringComparison.OrdinalIgnoreCase) || key.Contains("secret", StringComparison.OrdinalIgnoreCase) ? "***" : value;

    private static IAnsiConsole Terminal() => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Out),
        Ansi = AnsiSupport.Detect,
        ColorSystem = ColorSystemSupport.Detect,
        Interactive = InteractionSupport.Yes,
    });

    /// <summary>Spectre.Console prompts for the install runner.</summary>
    private sealed class SpectrePrompter(IAnsiConsole console) : IInstallPrompter
    {
        public string AskNetwork(string current) =>
            console.Prompt(new SelectionPrompt<string>().Title("Bitcoin network").AddChoices(new[] { current }.Concat(GlobalOptions.NetworkNames.Where(n => n != current))));

        public void ShowStep(IInstallStep step, InstallStepState state)
        {
            console.Write(new Rule($"[bold]{Markup.Escape(step.Title)}[/]").LeftJustified());
            foreach (var line in state.Summary)
            {
                console.MarkupLine((state.Configured ? "[green]" : "[grey]") + Markup.Escape(line) + "[/]");
            }
        }

        public bool ConfirmReconfigure(IInstallStep step) => console.Confirm($"Change the {Markup.Escape(step.Title)} configuration?", defaultValue: false);

        public string Ask(InstallQuestion question, string? defaultValue, string? previousError)
        {
            if (previousError is not null)
            {
                console.MarkupLine("[red]" + Markup.Escape(previousError) + "[/]");
            }

            if (question.Help is not null)
            {
                console.MarkupLine("[grey]" + Markup.Escape(question.Help) + "[/]");
            }

            if (question.Kind == InstallQuestionKind.Choice)
            {
                var ordered = question.Choices.OrderBy(c => c == defaultValue ? 0 : 1).ToList();
                return console.Prompt(new SelectionPrompt<string>().Title(Markup.Escape(question.Prompt)).AddChoices(ordered));
            }

            if (question.Kind == InstallQuestionKind.Confirm)
            {
                return console.Confirm(Markup.Escape(question.Prompt), InstallAnswers.ParseBool(defaultValue) ?? true) ? "yes" : "no";
            }

            var prompt = new TextPrompt<string>(Markup.Escape(question.Prompt)).AllowEmpty();
            if (defaultValue is not null)
            {
                prompt.DefaultValue(defaultValue);
            }

            return console.Prompt(prompt);
        }

        public char[] AskSecret(InstallQuestion question, string? previousError)
        {
            if (previousError is not null)
            {
                console.MarkupLine("[red]" + Markup.Escape(previousError) + "[/]");
            }

            return console.Prompt(new TextPrompt<string>(Markup.Escape(question.Prompt)).Secret().AllowEmpty()).ToCharArray();
        }
    }
}
