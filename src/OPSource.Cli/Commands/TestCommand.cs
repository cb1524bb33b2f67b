using System.CommandLine;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Platform.SelfTest;
using OPSource.Server;
using Spectre.Console;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource test [--component X] [--json] [--passphrase-file F]</c>: real checks of the installed
/// instance (platform: configuration, data dir, database, schema, API; then every module's checks).
/// <c>--json</c> prints one JSON document (schema in docs/operations.md); otherwise a table, with
/// progress on a terminal. Exit 1 when a check fails.
/// </summary>
internal static class TestCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var component = new Option<string?>("--component", "-c") { Description = "Run only this component's checks (platform, node, wallet, ml, ...)" };
        var passphrase = new Option<string?>("--passphrase-file") { Description = "File (or - for standard input) with the wallet passphrase, for decryption checks" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds each check may take", DefaultValueFactory = _ => 30 };
        var command = new Command("test", "Self-test the installation and print one report (--json: one JSON document)") { component, passphrase, timeout }.WithExamples(
            "opsource test",
            "opsource test --json",
            "opsource test --component node --timeout 10",
            "opsource test --component wallet --passphrase-file pass.txt --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error, validate: false), async (ctx, token) =>
        {
            var only = parse.GetValue(component);
            char[]? secret = null;
            if (parse.GetValue(passphrase) is { } source)
            {
                secret = InstallCommand.ReadSecret(ctx, source, "--passphrase-file");
            }

            try
            {
                var report = await RunAsync(ctx, only, secret, TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(timeout), 1, 600)), token).ConfigureAwait(false);
                if (only is not null && report.Components.Count == 0)
                {
                    throw new CliUserException($"--component {only}: no such component");
                }

                if (ctx.Json)
                {
                    ctx.Out.WriteLine(report.ToJson());
                }
                else
                {
                    Print(report, ctx.Out);
                }

                return report.Overall == SelfTestStatus.Fail ? CliApp.ExitUserError : CliApp.ExitOk;
            }
            finally
            {
                if (secret is not null)
                {
                    Array.Clear(secret);
                }
            }
        }, ct));
        return command;
    }

    private static async Task<SelfTestReport> RunAsync(CliContext ctx, string? only, char[]? passphrase, TimeSpan timeout, CancellationToken token)
    {
        var version = ServerRuntime.Version;
        CliServices services;
        try
        {
            services = await CliServices.OpenAsync(ctx, token, applyMigrations: false).ConfigureAwait(false);
        }
        catch (CliUserException ex)
        {
            // The configuration does not even build: that is the whole report.
            var failed = new SelfTestComponentReport("platform", SelfTestStatus.Fail, 0, [new SelfTestCheckReport("config_valid", SelfTestStatus.Fail, ex.Message)]);
            return new SelfTestReport(version, DateTimeOffset.UtcNow, Environment.MachineName, SelfTestStatus.Fail, only is null or "platform" ? [failed] : []);
        }

        await using (services.ConfigureAwait(false))
        {
            var checks = new List<ISelfTestCheck> { new ConfigValid() };
            checks.AddRange(services.Services.GetServices<ISelfTestCheck>());
            var context = new SelfTestContext { WalletPassphrase = passphrase is null ? null : new ReadOnlyMemory<char>(passphrase) };
            var terminal = !ctx.Json && ReferenceEquals(ctx.Error, Console.Error) && !Console.IsErrorRedirected;
            Action<string, string>? progress = terminal ? (c, n) => ctx.Error.Write($"\r\u001b[2K  testing {c}/{n} ...") : null;
            var report = await SelfTestRunner.RunAsync(checks, context, version, TimeProvider.System, only, progress, timeout, token).ConfigureAwait(false);
            if (terminal)
            {
                ctx.Error.Write("\r\u001b[2K");
            }

            return report;
        }
    }

    private static void Print(SelfTestReport report, TextWriter w)
    {
        var console = ConfigCommand.CreateConsole(w);
        var table = new Table().AddColumns("Component", "Check", "Status", "Detail");
        foreach (var component in report.Components)
        {
            foreach (var check in component.Checks)
            {
                var status = SelfTestReport.Name(check.Status);
                var colour = check.Status switch { SelfTestStatus.Pass => "green", SelfTestStatus.Warn => "yellow", SelfTestStatus.Fail => "red", _ => "grey" };
                table.AddRow(Markup.Escape(component.Name), Markup.Escape(check.Name), $"[{colour}]{status}[/]", Markup.Escape(check.Detail));
            }
        }

        console.Write(table);
        w.WriteLine($"overall: {SelfTestReport.Name(report.Overall)} ({report.Components.Sum(c => c.Checks.Count)} checks, opsource {report.Version} on {report.Host})");
    }

    /// <summary>The configuration loaded and validated (it did, or the services would not exist).</summary>
    private sealed class ConfigValid : ISelfTestCheck
    {
        public string Component => "platform";

        public string Name => "config_valid";

        public Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken) =>
            Task.FromResult(SelfTestResult.Pass("options and every module's section are valid"));
    }
}
