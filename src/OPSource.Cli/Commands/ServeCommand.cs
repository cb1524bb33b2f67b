using System.CommandLine;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using OPSource.Server;
using OPSource.Storage;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource serve [--urls URL]</c>: runs the HTTP service until Ctrl-C/SIGTERM, then stops
/// gracefully. Migrations are applied first; a schema it cannot accept stops it with exit code 1.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var urls = new Option<string>("--urls")
        {
            Description = $"Semicolon-separated http URLs to listen on (default {ServerOptions.DefaultUrls})",
        };
        var command = new SignalHandlingCommand("serve", "Run the OPSource service (REST API) until Ctrl-C") { urls };
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var overrides = new Dictionary<string, string?>(ctx.Overrides, StringComparer.OrdinalIgnoreCase);
            if (parse.GetResult(urls) is { Implicit: false })
            {
                overrides["Server:Urls"] = parse.GetValue(urls);
            }

            var (options, layers) = ConfigCommand.Load(overrides);
            var app = OpsourceServer.Build(options, layers.Root);
            await using (app.ConfigureAwait(false))
            {
                try
                {
                    await OpsourceServer.PrepareAsync(app, token).ConfigureAwait(false);
                }
                catch (MigrationException ex)
                {
                    throw new CliUserException(ex.Message, ex);
                }

                try
                {
                    // Returns after a graceful stop: Ctrl-C/SIGTERM (the host's console lifetime) or the token.
                    await HostingAbstractionsHostExtensions.RunAsync(app, token).ConfigureAwait(false);
                }
                catch (IOException ex) when (ex.InnerException is AddressInUseException)
                {
                    throw new CliUserException($"cannot listen on {options.Server.Urls}: address already in use (choose another with --urls)", ex);
                }
            }

            return CliApp.ExitOk;
        }, ct));
        return command;
    }
}
