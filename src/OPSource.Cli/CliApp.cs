using System.CommandLine;
using OPSource.Cli.Commands;

namespace OPSource.Cli;

/// <summary>Builds and runs the <c>opsource</c> command tree.</summary>
internal static partial class CliApp
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
        ArgumentNullException.ThrowIfNull(args);
        var globals = new GlobalOptions { Input = input };
        var root = Build(globals, output, error);
        // Discoverability: "opsource" alone prints the usage (System.CommandLine says only "Required command was not provided.").
        var parse = root.Parse(args.Length == 0 ? ["--help"] : args, ParserSettings);
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
            // A command group without its subcommand ("opsource tx"): the group's help, like the root's.
            if (parse.Errors.All(e => e.Message == MissingCommandMessage) && parse.UnmatchedTokens.Count == 0)
            {
                return await root.Parse([.. args, "--help"], ParserSettings).InvokeAsync(config, cancellationToken).ConfigureAwait(false);
            }

            // Exit code 1 with exactly one line (System.CommandLine's default is help plus one line per error).
            var usage = new CliFailure(ExitUserError, "cli.usage", DescribeParseErrors(parse), null);
            await error.WriteLineAsync("error: " + usage.Message).ConfigureAwait(false);
            if (args.Contains("--json", StringComparer.Ordinal))
            {
                await output.WriteLineAsync(usage.ToJson().ToJsonString(CliContext.IndentedJson)).ConfigureAwait(false);
            }

            return ExitUserError;
        }

        return await parse.InvokeAsync(config, cancellationToken).ConfigureAwait(false);
    }

    private const string MissingCommandMessage = "Required command was not provided.";

    // "@FILE" is OPSource's own convention (CliInput: the file's bytes are one value); System.CommandLine's
    // response files would split a file into tokens (a PSBT file, a message with spaces), so they are off.
    private static readonly ParserConfiguration ParserSettings = new() { ResponseFileTokenReplacer = null };

    /// <summary>
    /// One line for the parse errors: typo suggestions for unknown commands, option names and plain words
    /// instead of .NET type names for values that do not convert, duplicates dropped.
    /// </summary>
    internal static string DescribeParseErrors(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var messages = new List<string>();
        // A mistyped command explains everything after it: report the first unknown word alone.
        if (parse.Errors.Select(e => UnrecognizedToken().Match(e.Message)).FirstOrDefault(m => m.Success) is { } first)
        {
            return OneLine(Unrecognized(command, first.Groups["token"].Value));
        }

        foreach (var parseError in parse.Errors)
        {
            var message = parseError.Message;
            var unmatched = UnrecognizedToken().Match(message);
            if (unmatched.Success)
            {
                message = Unrecognized(command, unmatched.Groups["token"].Value);
            }
            else if (CannotParse().Match(message) is { Success: true } typed)
            {
                message = $"{typed.Groups["name"].Value}: '{CliOptions.Shorten(typed.Groups["value"].Value)}' is not {DescribeType(typed.Groups["type"].Value)}";
            }
            else if (message == MissingCommandMessage)
            {
                message = $"'{CommandPath(command)}' needs a command: {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))} (see {CommandPath(command)} --help)";
            }

            message = OneLine(message);
            if (!messages.Contains(message, StringComparer.Ordinal))
            {
                messages.Add(message);
            }
        }

        return string.Join("; ", messages);
    }

    private static string Unrecognized(Command command, string token)
    {
        var path = CommandPath(command);
        if (token.StartsWith('-'))
        {
            var options = command.Options.Concat(AncestorOptions(command)).SelectMany(o => o.Aliases.Append(o.Name)).Distinct(StringComparer.Ordinal).ToList();
            var near = Nearest(token, options);
            return $"unknown option '{CliOptions.Shorten(token)}' for '{path}'" + (near is null ? string.Empty : $"; did you mean '{near}'?") + $" (see {path} --help)";
        }

        if (command.Subcommands.Count > 0)
        {
            var near = Nearest(token, command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Append(c.Name)).ToList());
            return $"unknown command '{CliOptions.Shorten(token)}' for '{path}'" + (near is null ? string.Empty : $"; did you mean '{path} {near}'?") + $" (see {path} --help)";
        }

        return $"unexpected argument '{CliOptions.Shorten(token)}' for '{path}' (see {path} --help)";
    }

    private static IEnumerable<Option> AncestorOptions(Command command)
    {
        foreach (var parent in command.Parents.OfType<Command>())
        {
            foreach (var option in parent.Options.Where(o => o.Recursive).Concat(AncestorOptions(parent)))
            {
                yield return option;
            }
        }
    }

    private static string CommandPath(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Insert(0, c is RootCommand ? "opsource" : c.Name);
        }

        return string.Join(' ', names);
    }

    /// <summary>The candidate closest to <paramref name="typed"/> when it is a plausible typo (edit distance up to a third of its length, at least 1).</summary>
    internal static string? Nearest(string typed, IReadOnlyList<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = OPSource.Bitcoin.Encoding.TextDistance.Levenshtein(typed, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        var allowed = Math.Max(1, typed.TrimStart('-').Length / 3);
        return bestDistance <= allowed || (best is not null && best.StartsWith(typed, StringComparison.Ordinal) && typed.TrimStart('-').Length >= 2) ? best : null;
    }

    private static string DescribeType(string type) => type switch
    {
        "System.Int32" => "a whole number in -2147483648..2147483647",
        "System.Int64" => "a whole number",
        "System.UInt32" => "a whole number in 0..4294967295",
        "System.UInt64" => "a non-negative whole number",
        "System.Boolean" => "true or false",
        "System.Decimal" or "System.Double" => "a number",
        _ => "a valid value",
    };

    [System.Text.RegularExpressions.GeneratedRegex("^Unrecognized command or argument '(?<token>.*)'\\.$", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex UnrecognizedToken();

    [System.Text.RegularExpressions.GeneratedRegex("^Cannot parse argument '(?<value>.*)' for (option|command|argument) '(?<name>.*)' as expected type '(?<type>.*)'\\.$", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex CannotParse();

    /// <summary>
    /// Runs a handler body, mapping exceptions to the documented exit codes: what the user can fix (a typed input
    /// error, a domain refusal, invalid configuration, the environment) is exit 1, anything else (a bug, including
    /// a plain <see cref="FormatException"/>) is exit 2. The one line goes to stderr; with <c>--json</c> the error
    /// (stable <c>code</c>, <c>message</c>, <c>position</c> when known) is also written to stdout.
    /// </summary>
    public static async Task<int> Guard(CliContext context, Func<CliContext, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(body);
        if (context.ConfigurationError is { } configurationError)
        {
            // Every command validates the configuration it reads (OPSOURCE_Network=foonet is an error everywhere).
            return await ReportAsync(context, configurationError).ConfigureAwait(false);
        }

        try
        {
            return await body(context, cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The CLI's last line of defence: every failure is classified, unknown ones as internal errors.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return await ReportAsync(context, Classify(ex, context.ErrorMapper, cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>The code of invalid configuration (<c>--json</c> output).</summary>
    internal const string ConfigurationCode = "settings.invalid_value";

    /// <summary>
    /// How a failure is reported. The type decides, never the message: the library's typed input errors
    /// (<see cref="OPSource.Bitcoin.BitcoinFormatException"/>, also the base of the DLC, Web5, settings and RGB
    /// parse errors), the CLI's own argument errors, invalid configuration, domain refusals and the environment
    /// (database, cancellation) are user errors; every other exception is a bug.
    /// </summary>
    internal static CliFailure Classify(Exception exception, OPSource.Platform.Errors.DomainErrorMapper? mapper, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exception);
        switch (exception)
        {
            case CliUserException user:
                // A wrapped typed error keeps its code and position (the message may add the argument's name).
                var cause = user.InnerException is null ? null : TypedCause(user.InnerException, mapper);
                return new CliFailure(ExitUserError, user.Code ?? cause?.Code ?? CliUserException.DefaultCode, user.Message, cause?.Position);
            case OPSource.Platform.Modules.ModuleConfigurationException configuration:
                return new CliFailure(ExitUserError, ConfigurationCode, "invalid configuration: " + configuration.Message, null);
            case System.Data.Common.DbException database:
                return new CliFailure(ExitUserError, "environment.database_unavailable", "database unavailable: " + database.Message, null);
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return new CliFailure(ExitUserError, "cli.cancelled", "cancelled", null);
        }

        if (TypedCause(exception, mapper) is { } typed)
        {
            return new CliFailure(ExitUserError, typed.Code, typed.Message, typed.Position);
        }

        return new CliFailure(ExitInternalError, "internal_error", $"{exception.GetType().Name}: {exception.Message}", null);
    }

    /// <summary>The typed user error <paramref name="exception"/> is, or null: a library input error, a domain refusal.</summary>
    private static CliFailure? TypedCause(Exception exception, OPSource.Platform.Errors.DomainErrorMapper? mapper)
    {
        if (exception is OPSource.Bitcoin.BitcoinFormatException format)
        {
            return new CliFailure(ExitUserError, format.Error.Code, format.Message, format.Error.Position);
        }

        // OpsourceException, module mappings once services are open, and the platform's wallet errors (offline too).
        var mapped = mapper?.TryMap(exception)
            ?? (exception as OPSource.Platform.Errors.OpsourceException)?.Error
            ?? OPSource.Platform.Errors.DomainErrorMapper.WalletErrors.TryMap(exception);
        return mapped is null ? null : new CliFailure(ExitUserError, mapped.Code, mapped.Detail, mapped.Position);
    }

    private static async Task<int> ReportAsync(CliContext context, CliFailure failure)
    {
        var prefix = failure.Exit == ExitUserError ? "error: " : "internal error: ";
        await context.Error.WriteLineAsync(prefix + OneLine(failure.Message)).ConfigureAwait(false);
        // One JSON document on stdout: a command that already printed its (negative) result keeps just that.
        if (context.Json && !context.ResultWritten)
        {
            await context.Out.WriteLineAsync(failure.ToJson().ToJsonString(CliContext.IndentedJson)).ConfigureAwait(false);
        }

        return failure.Exit;
    }

    /// <summary>Synchronous convenience over <see cref="Guard(CliContext, Func{CliContext, CancellationToken, Task{int}}, CancellationToken)"/>.</summary>
    public static Task<int> Guard(CliContext context, Func<CliContext, int> body, CancellationToken cancellationToken) =>
        Guard(context, (c, _) => Task.FromResult(body(c)), cancellationToken);

    /// <summary>A message on one line: line breaks and tabs become single spaces.</summary>
    internal static string OneLine(string message) =>
        string.Join(' ', (message ?? string.Empty).ReplaceLineEndings(" ").Replace('\t', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries));
}

/// <summary>
/// A failed command as reported: exit code (1 user error, 2 internal), stable snake_case <see cref="Code"/>
/// (<c>area.kind</c> for typed errors, docs/errors.md), the one-line message and the input position when known.
/// </summary>
internal sealed record CliFailure(int Exit, string Code, string Message, int? Position)
{
    /// <summary><c>{"error": {"code", "message", "position"?}}</c>, the <c>--json</c> form on stdout.</summary>
    public System.Text.Json.Nodes.JsonObject ToJson()
    {
        var error = new System.Text.Json.Nodes.JsonObject { ["code"] = Code, ["message"] = CliApp.OneLine(Message) };
        if (Position is { } position)
        {
            error["position"] = position;
        }

        return new System.Text.Json.Nodes.JsonObject { ["error"] = error };
    }
}

/// <summary>
/// A long-running command (a host) that handles SIGINT/SIGTERM itself, so System.CommandLine must
/// not cut its graceful shutdown short.
/// </summary>
internal sealed class SignalHandlingCommand(string name, string? description = null) : Command(name, description);
