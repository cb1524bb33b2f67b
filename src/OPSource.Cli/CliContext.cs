using System.Text.Json;
using System.Text.Json.Nodes;

namespace OPSource.Cli;

/// <summary>What a command handler needs from the command line: global options and output streams.</summary>
internal sealed record CliContext(string DataDir, string Network, bool Json, TextWriter Out, TextWriter Error)
{
    // Relaxed escaping: stdout is not HTML, so '+' in versions and non-ASCII text stay readable.
    internal static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Configuration keys the user set on the command line (<c>DataDir</c>, <c>Network</c>), for commands that load configuration.</summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();

    /// <summary>Classifies domain exceptions (set once a command opened <see cref="CliServices"/>): mapped ones are user errors, exit 1.</summary>
    public OPSource.Platform.Errors.DomainErrorMapper? ErrorMapper { get; set; }

    /// <summary>Standard input for commands that read it (<c>-</c> arguments, <c>verify-batch</c>); tests supply their own reader.</summary>
    public TextReader In { get; init; } = Console.In;

    /// <summary>Why the effective configuration is invalid (reported before the command runs, with its code), or null.</summary>
    public CliFailure? ConfigurationError { get; init; }

    /// <summary>Set once an argument has consumed standard input (<c>-</c>): it can be read only once.</summary>
    internal bool StdinConsumed { get; set; }

    /// <summary>Set once a result went to stdout (a negative result that then fails): the error is not written there too.</summary>
    internal bool ResultWritten { get; private set; }

    /// <summary>Writes a result: JSON when <c>--json</c> was given, otherwise the human form.</summary>
    public void WriteResult(JsonNode json, Action<TextWriter> human)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(human);
        ResultWritten = true;
        if (Json)
        {
            Out.WriteLine(json.ToJsonString(IndentedJson));
        }
        else
        {
            human(Out);
        }
    }

    /// <summary>
    /// A negative result (invalid signature, failed verification, incomplete PSBT): the result still goes
    /// to stdout (JSON with <c>--json</c>), the reason as one <c>error:</c> line on stderr, exit code 1.
    /// </summary>
    public int WriteNegativeResult(JsonNode json, Action<TextWriter> human, string error)
    {
        WriteResult(json, human);
        Error.WriteLine("error: " + CliApp.OneLine(error));
        return CliApp.ExitUserError;
    }
}

/// <summary>
/// A problem with what the user asked for (bad input, missing file, invalid state).
/// The CLI prints its message as one line on stderr and exits with code 1.
/// </summary>
internal sealed class CliUserException : Exception
{
    /// <summary>The code of an argument error that has no typed cause (<c>--json</c> output).</summary>
    public const string DefaultCode = "cli.invalid_input";

    public CliUserException(string message) : base(message) { }

    /// <summary>Wraps a cause; a typed cause (a library input error, a domain refusal) keeps its code and position.</summary>
    public CliUserException(string message, Exception inner) : base(message, inner) { }

    public CliUserException() { }

    /// <summary>The stable code to report (null: the typed cause's, else <see cref="DefaultCode"/>).</summary>
    public string? Code { get; init; }
}
