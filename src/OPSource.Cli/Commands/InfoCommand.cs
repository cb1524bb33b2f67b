using System.CommandLine;
using System.Reflection;
using System.Text.Json.Nodes;

namespace OPSource.Cli.Commands;

/// <summary><c>opsource info</c>: version, network and data directory this invocation would use.</summary>
internal static class InfoCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("info", "Show version, network and data directory (after validating the configuration)")
            .WithExamples("opsource info", "opsource info --json --network regtest");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var version = typeof(InfoCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            var json = new JsonObject
            {
                ["version"] = version,
                ["network"] = ctx.Network,
                ["data_dir"] = ctx.DataDir,
            };
            ctx.WriteResult(json, w =>
            {
                w.WriteLine($"opsource {version}");
                w.WriteLine($"network:  {ctx.Network}");
                w.WriteLine($"data dir: {ctx.DataDir}");
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }
}
