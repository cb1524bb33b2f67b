using System.CommandLine;
using System.Text.Json.Nodes;
using OPSource.Server;
using OPSource.Server.Configuration;
using Spectre.Console;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource configure --show | --set KEY=VALUE... [--unset KEY...]</c>: reads and edits the data dir's
/// appsettings.json. Every change is validated against the whole configuration (options and every
/// module's section) before the file is replaced; an invalid value is refused with the setting named.
/// </summary>
internal static class ConfigureCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var show = new Option<bool>("--show") { Description = "Show the effective configuration (as config show)" };
        var set = new Option<string[]>("--set") { Description = "Set Section:Key=value in the data dir's appsettings.json (repeatable)" };
        var unset = new Option<string[]>("--unset") { Description = "Remove Section:Key from the data dir's appsettings.json (repeatable)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate the changes without writing them" };
        var command = new Command("configure", "Show or change OPSource's configuration (validated before it is written)") { show, set, unset, dryRun }.WithExamples(
            "opsource configure --show",
            "opsource configure --set Server:RateLimitPerSecond=50 --set Auth:TokenLifetimeMinutes=5",
            "opsource configure --set Node:RpcUrl=http://127.0.0.1:8332 --set Node:CookieFile=/var/lib/bitcoind/.cookie --dry-run",
            "opsource configure --unset Server:Urls --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error, validate: false), (CliContext ctx) =>
        {
            var changes = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in parse.GetValue(set) ?? [])
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    throw new CliUserException($"--set '{pair}': expected Section:Key=value");
                }

                changes[pair[..eq].Trim()] = pair[(eq + 1)..];
            }

            foreach (var key in parse.GetValue(unset) ?? [])
            {
                changes[key.Trim()] = null;
            }

            if (changes.Count == 0)
            {
                if (!parse.GetValue(show))
                {
                    throw new CliUserException("nothing to do: give --show, --set Section:Key=value or --unset Section:Key");
                }

                return Show(ctx);
            }

            foreach (var key in changes.Keys)
            {
                if (key.Equals("DataDir", StringComparison.OrdinalIgnoreCase))
                {
                    throw new CliUserException("DataDir cannot be set in the data dir's own settings file (use --data-dir or OPSOURCE_DataDir)");
                }
            }

            // A file that is not JSON or a key that is not Section:Key: typed settings errors (exit 1).
            var problems = SettingsFile.Apply(ctx.DataDir, changes, ctx.Overrides, dryRun: parse.GetValue(dryRun));

            if (problems.Count > 0)
            {
                throw new CliUserException("refused: " + string.Join("; ", problems)) { Code = CliApp.ConfigurationCode };
            }

            var json = new JsonObject
            {
                ["file"] = SettingsFile.PathFor(ctx.DataDir),
                ["dry_run"] = parse.GetValue(dryRun),
                ["changed"] = new JsonObject(changes.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)(c.Value is null ? null : JsonValue.Create(Redact(c.Key, c.Value)))))),
            };
            ctx.WriteResult(json, w =>
            {
                foreach (var (key, value) in changes)
                {
                    w.WriteLine(value is null ? $"removed {key}" : $"{key} = {Redact(key, value)}");
                }

                w.WriteLine(parse.GetValue(dryRun) ? "valid (not written: --dry-run)" : $"written to {SettingsFile.PathFor(ctx.DataDir)}; restart opsource serve to apply");
            });
            return parse.GetValue(show) ? Show(ctx) : CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static int Show(CliContext ctx)
        {
            var (options, layers) = ConfigCommand.Load(ctx.Overrides);
            var settings = OpsourceConfiguration.Describe(options);
            var json = new JsonObject
            {
                ["settings"] = new JsonObject(settings.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)JsonValue.Create(s.Value)))),
                ["files"] = new JsonArray([.. layers.Files.Select(f => (JsonNode?)JsonValue.Create(f))]),
            };
            ctx.WriteResult(json, w =>
            {
                var table = new Table().AddColumn("Setting").AddColumn("Value");
                foreach (var (key, value) in settings)
                {
                    table.AddRow(Markup.Escape(key), Markup.Escape(value));
                }

                ConfigCommand.CreateConsole(w).Write(table);
            });
            return CliApp.ExitOk;
        }

    // Values of keys that hold secrets are never echoed.
    private static string Redact(string key, string value) =>
        key.Contains("password", StringComparison.OrdinalIgnoreCase) || key.Contains("secret", StringComparison.OrdinalIgnoreCase)
        || key.Contains("ConnectionString", StringComparison.OrdinalIgnoreCase) ? "***" : value;
}
