using System.CommandLine;

namespace OPSource.Cli;

/// <summary>Conventions for options and help text shared by every command (docs/cli.md).</summary>
internal static class CliOptions
{
    /// <summary>
    /// Restricts an option to a list of names with one error line naming the option and the choices
    /// (System.CommandLine's AcceptOnlyFromAmong prints one line per choice).
    /// </summary>
    public static Option<T> OneOf<T>(Option<T> option, IReadOnlyList<string> names, string what)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.CompletionSources.Add(names.ToArray());
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (!names.Contains(token.Value, StringComparer.Ordinal))
                {
                    result.AddError($"{option.Name}: '{Shorten(token.Value)}' is not a {what}; use {Choices(names)}");
                }
            }
        });
        return option;
    }

    /// <summary>"a, b or c".</summary>
    public static string Choices(IReadOnlyList<string> names) =>
        names.Count == 1 ? names[0] : string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1];

    /// <summary>Appends an "Examples:" section to the command's help text.</summary>
    public static T WithExamples<T>(this T command, params string[] examples)
        where T : Command
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Description = (command.Description ?? string.Empty).TrimEnd()
            + Environment.NewLine + Environment.NewLine + "Examples:" + Environment.NewLine
            + string.Join(Environment.NewLine, examples.Select(e => "  " + e));
        return command;
    }

    /// <summary>Long user input shortened for error messages.</summary>
    public static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
