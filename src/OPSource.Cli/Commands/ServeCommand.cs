using System.CommandLine;
using System.Net;
using System.Net.Sockets;
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
        var command = new SignalHandlingCommand("serve", "Run the OPSource service (REST API) until Ctrl-C") { urls }
            .WithExamples("opsource serve", "opsource serve --urls http://127.0.0.1:9000 --network regtest --data-dir /srv/opsource");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var overrides = new Dictionary<string, string?>(ctx.Overrides, StringComparer.OrdinalIgnoreCase);
            if (parse.GetResult(urls) is { Implicit: false })
            {
                overrides["Server:Urls"] = parse.GetValue(urls);
            }

            var (options, layers) = ConfigCommand.Load(overrides);
            // Environment problems are the user's to fix and are found before anything runs: an unusable
            // data dir, then a port another process holds (checked before migrations touch the database).
            CliServices.EnsureDataDir(options.DataDir);
            CheckPortsFree(options.Server.Urls);
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

    /// <summary>Refuses, with one line, a URL whose port another process already listens on.</summary>
    internal static void CheckPortsFree(string urls)
    {
        foreach (var url in OpsourceOptionsValidator.SplitUrls(urls))
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri) || uri.Port <= 0)
            {
                continue;
            }

            IPAddress? address = uri.Host switch
            {
                "localhost" => IPAddress.Loopback,
                _ => IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) ? ip : null,
            };
            if (address is null)
            {
                continue; // a host name Kestrel resolves itself; the bind error path below still applies
            }

            using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { ExclusiveAddressUse = true };
            try
            {
                probe.Bind(new IPEndPoint(address, uri.Port));
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new CliUserException($"cannot listen on {url}: address already in use (choose another with --urls)", ex);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.AccessDenied)
            {
                throw new CliUserException($"cannot listen on {url}: {ex.Message}", ex);
            }
        }
    }
}
