using System.CommandLine;
using OPSource.Cli.Commands;

namespace OPSource.Cli;

/// <summary>Builds and runs the <c>opsource</c> command tree.</summary>
internal static class CliApp
{
    /// <summary>Exit code for success.</summary>
    public const int ExitOk = 0;

    /// <summary>Exit code for a user error (bad input); a one-line message goes to stderr.</summary>
    public const int ExitUserError = 1;

    /// <summary>Exit code for an internal error (a bug or an environment failure).</summary>
    public const int ExitInternalError = 2;

    public static RootCommand Build(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("OPSource: a self-hosted Bitcoin platform (wallet, DLCs, DAO, Web5)");
        globals.AddTo(root);
        // Each module contributes one command group; keep this list sorted.
        foreach (var command in CommandGroups.All(globals, output, error))
        {
            root.Add(command);
        }

        return root;
    }

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) =>
        RunAsync(args, Console.In, output, error, CancellationToken.None);

    /// <summary>Runs the command line reading standard input from <paramref name="input"/> (tests feed <c>verify-batch</c> this way).</summary>
    public static Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error) =>
        RunAsync(args, input, output, error, CancellationToken.None);

    /// <summary>Runs the command line; <paramref name="cancellationToken"/> reaches the command's action (tests stop <c>serve</c> with it).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        RunAsync(args, Console.In, output, error, cancellationToken);

    /// <summary>Runs the command line with every standard stream supplied.</summary>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var globals = new GlobalOptions { Input = input };
        var root = Build(globals, output, error);
        var parse = root.Parse(args);
        var config = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
            // A host command handles Ctrl-C/SIGTERM itself (graceful shutdown within its own timeout);
            // every other command gets System.CommandLine's cancellation with a 2 s grace period.
            ProcessTerminationTimeout = parse.CommandResult.Command is SignalHandlingCommand ? null : TimeSpan.FromSeconds(2),
        };
        if (parse.Errors.Count > 0 && parse.Action is System.CommandLine.Invocation.ParseErrorAction)
        {
            // Exit code 1 with one line per parse error (System.CommandLine's default is help + 1).
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync($"error: {parseError.Message}").ConfigureAwait(false);
            }

            return ExitUserError;
        }

        return await parse.InvokeAsync(config, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a handler body, mapping exceptions to the documented exit codes.</summary>
    public static async Task<int> Guard(CliContext context, Func<CliContext, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body(context, cancellationToken).ConfigureAwait(false);
        }
        catch (CliUserException ex)
        {
            await context.Error.WriteLineAsync($"error: {OneLine(ex.Message)}").ConfigureAwait(false);
            return ExitUserError;
        }
        catch (OPSource.Platform.Modules.ModuleConfigurationException ex)
        {
            await context.Error.WriteLineAsync($"error: invalid configuration: {OneLine(ex.Message)}").ConfigureAwait(false);
            return ExitUserError;
        }
        catch (FormatException ex)
        {
            await context.Error.WriteLineAsync($"error: {OneLine(ex.Message)}").ConfigureAwait(false);
            return ExitUserError;
        }
        catch (OPSource.Platform.Errors.OpsourceException ex)
        {
            await context.Error.WriteLineAsync($"error: {OneLine(ex.Error.Detail)}").ConfigureAwait(false);
            return ExitUserError;
        }
        catch (Exception ex) when (context.ErrorMapper?.TryMap(ex) is not null || ex is OPSource.Platform.Funding.WalletOperationException)
        {
            await context.Error.WriteLineAsync($"error: {OneLine(ex.Message)}").ConfigureAwait(false);
            return ExitUserError;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync("error: cancelled").ConfigureAwait(false);
            return ExitUserError;
        }
#pragma warning disable CA1031 // The CLI's last line of defence: every other failure is an internal error.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await context.Error.WriteLineAsync($"internal error: {ex.GetType().Name}: {OneLine(ex.Message)}").ConfigureAwait(false);
            return ExitInternalError;
        }
    }

    /// <summary>Synchronous convenience over <see cref="Guard(CliContext, Func{CliContext, CancellationToken, Task{int}}, CancellationToken)"/>.</summary>
    public static Task<int> Guard(CliContext context, Func<CliContext, int> body, CancellationToken cancellationToken) =>
        Guard(context, (c, _) => Task.FromResult(body(c)), cancellationToken);

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}

/// <summary>
/// A long-running command (a host) that handles SIGINT/SIGTERM itself, so System.CommandLine must
/// not cut its graceful shutdown short.
/// </summary>
internal sealed class SignalHandlingCommand(string name, string? description = null) : Command(name, description);
