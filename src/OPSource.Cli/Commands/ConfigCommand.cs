using System.CommandLine;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OPSource.Server;
using Spectre.Console;

namespace OPSource.Cli.Commands;

/// <summary><c>opsource config show</c>: the effective configuration after every layer, secrets redacted.</summary>
internal static class ConfigCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("config", "Inspect OPSource's configuration");
        command.Add(CreateShow(globals, output, error));
        return command;
    }

    private static Command CreateShow(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var show = new Command(
            "show",
            "Show the effective configuration (defaults < appsettings.json < data-dir appsettings.json < OPSOURCE_ variables < options); exits 1 when it is invalid")
            .WithExamples("opsource config show", "OPSOURCE_Server__Urls=http://127.0.0.1:9000 opsource config show --json");
        // Binds without the up-front validation: this command shows the invalid configuration and its problems.
        show.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error, validate: false), ctx =>
        {
            var layers = Build(ctx.Overrides);
            var options = BindOrThrow(layers);
            var problems = OpsourceOptionsValidator.Check(options);
            var settings = OpsourceConfiguration.Describe(options);

            var json = new JsonObject
            {
                ["settings"] = new JsonObject(settings.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)JsonValue.Create(s.Value)))),
                ["files"] = new JsonArray([.. layers.Files.Select(f => (JsonNode?)JsonValue.Create(f))]),
                ["valid"] = problems.Count == 0,
                ["problems"] = new JsonArray([.. problems.Select(p => (JsonNode?)JsonValue.Create(p))]),
            };
            ctx.WriteResult(json, w =>
            {
                var console = CreateConsole(w);
                var table = new Table().AddColumn("Setting").AddColumn("Value");
                foreach (var (key, value) in settings)
                {
                    table.AddRow(Markup.Escape(key), Markup.Escape(value));
                }

                console.Write(table);
                w.WriteLine(layers.Files.Count == 0
                    ? "settings files: none (built-in defaults)"
                    : "settings files: " + string.Join(", ", layers.Files));
            });

            if (problems.Count > 0)
            {
                throw new CliUserException("invalid configuration: " + string.Join("; ", problems)) { Code = CliApp.ConfigurationCode };
            }

            return CliApp.ExitOk;
        }, ct));
        return show;
    }

    /// <summary>Builds the layered configuration, mapping unreadable settings files to a user error.</summary>
    internal static ConfigurationLayers Build(IReadOnlyDictionary<string, string?> overrides)
    {
        try
        {
            return OpsourceConfiguration.Build(overrides);
        }
        catch (OPSource.Bitcoin.BitcoinFormatException ex)
        {
            throw new CliUserException("invalid configuration: " + ex.Message, ex);
        }
    }

    /// <summary>Builds, binds and validates; every failure is a one-line user error naming the setting.</summary>
    internal static (OpsourceOptions Options, ConfigurationLayers Layers) Load(IReadOnlyDictionary<string, string?> overrides)
    {
        var layers = Build(overrides);
        var options = BindOrThrow(layers);
        var problems = OpsourceOptionsValidator.Check(options);
        if (problems.Count > 0)
        {
            throw new CliUserException("invalid configuration: " + string.Join("; ", problems)) { Code = CliApp.ConfigurationCode };
        }

        return (options, layers);
    }

    private static OpsourceOptions BindOrThrow(ConfigurationLayers layers)
    {
        try
        {
            return OpsourceConfiguration.Bind(layers.Root);
        }
        catch (InvalidOperationException ex)
        {
            // The binder names the key it could not convert.
            throw new CliUserException("invalid configuration: " + ex.Message, ex) { Code = CliApp.ConfigurationCode };
        }
        catch (OptionsValidationException ex)
        {
            throw new CliUserException(OpsourceConfiguration.OneLine(ex), ex) { Code = CliApp.ConfigurationCode };
        }
    }

    /// <summary>A Spectre console over <paramref name="writer"/>: plain text unless it is a real terminal.</summary>
    internal static IAnsiConsole CreateConsole(TextWriter writer)
    {
        var terminal = ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
        {
            // Redirected output is for machines and logs: do not wrap long values at 80 columns.
            console.Profile.Width = 240;
        }

        return console;
    }
}
