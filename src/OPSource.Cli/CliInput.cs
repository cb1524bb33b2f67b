using System.Text;

namespace OPSource.Cli;

/// <summary>
/// Long arguments (hex, base64, descriptors, PSBTs, transactions, messages, keys) can be given inline,
/// as <c>-</c> (read standard input) or as <c>@FILE</c> (read a file). Surrounding whitespace is trimmed.
/// docs/cli.md documents it; every such argument's help says "(or - / @FILE)".
/// </summary>
internal static class CliInput
{
    /// <summary>Suffix for the help text of arguments that accept <c>-</c> and <c>@FILE</c>.</summary>
    public const string Hint = " (inline, '-' for standard input, or @FILE)";

    /// <summary>The text of an argument: itself, standard input for <c>-</c>, or a file's contents for <c>@FILE</c>.</summary>
    public static string Text(CliContext ctx, string? value, string what, bool trim = true)
    {
        var bytes = Bytes(ctx, value, what, out var inline);
        if (inline is not null)
        {
            return trim ? inline.Trim() : inline;
        }

        var text = new UTF8Encoding(false, false).GetString(bytes!);
        return trim ? text.Trim() : text;
    }

    /// <summary>
    /// A PSBT argument as text: base64 or hex inline, from standard input or a file; a file or input
    /// holding a binary PSBT (magic <c>psbt\xff</c>, as Core's walletprocesspsbt writes it) is accepted too.
    /// </summary>
    public static string Psbt(CliContext ctx, string? value, string what = "psbt")
    {
        var bytes = Bytes(ctx, value, what, out var inline);
        if (inline is not null)
        {
            return inline.Trim();
        }

        ReadOnlySpan<byte> magic = [0x70, 0x73, 0x62, 0x74, 0xff];
        return bytes!.AsSpan().StartsWith(magic) ? Convert.ToBase64String(bytes!) : Encoding.UTF8.GetString(bytes!).Trim();
    }

    /// <summary>
    /// A message to sign or verify: inline as typed; from <c>-</c> or <c>@FILE</c> byte for byte except
    /// one trailing newline (what <c>echo</c> and editors add).
    /// </summary>
    public static string Message(CliContext ctx, string? value, string what = "message")
    {
        var text = Text(ctx, value, what, trim: false);
        if (value == "-" || value is { Length: > 1 } && value[0] == '@')
        {
            text = text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
        }

        return text;
    }

    private static byte[]? Bytes(CliContext ctx, string? value, string what, out string? inline)
    {
        inline = null;
        if (value == "-")
        {
            if (ctx.StdinConsumed)
            {
                throw new CliUserException($"{what}: standard input was already read by another argument; give only one '-'");
            }

            ctx.StdinConsumed = true;
            return Encoding.UTF8.GetBytes(ctx.In.ReadToEnd());
        }

        if (value is { Length: > 1 } && value[0] == '@')
        {
            var path = value[1..];
            try
            {
                return File.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CliUserException($"{what}: cannot read '{path}': {ex.Message}", ex);
            }
        }

        inline = value ?? string.Empty;
        return null;
    }
}
