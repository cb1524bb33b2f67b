using System.Security.Cryptography;
using System.Text;

namespace OPSource.Cli;

/// <summary>
/// Secrets typed or read by the CLI (wallet passphrases, mnemonics): from a file (<c>@FILE</c> or a path), from
/// standard input (<c>-</c>), or prompted without echo when standard input is a terminal. They are kept in
/// <c>char[]</c> buffers the caller clears (<see cref="Dispose"/>), never in strings, and never echoed.
/// </summary>
internal sealed class SecretInput : IDisposable
{
    private char[] _chars;

    private SecretInput(char[] chars, int length)
    {
        _chars = chars;
        Length = length;
    }

    /// <summary>Characters held.</summary>
    public int Length { get; private set; }

    /// <summary>The secret.</summary>
    public ReadOnlyMemory<char> Memory => _chars.AsMemory(0, Length);

    /// <summary>True when nothing was given.</summary>
    public bool IsEmpty => Length == 0;

    /// <summary>An empty secret.</summary>
    public static SecretInput None() => new([], 0);

    /// <summary>Takes ownership of <paramref name="chars"/> (cleared on dispose).</summary>
    public static SecretInput FromChars(char[] chars) => new(chars, chars.Length);

    /// <summary>
    /// Reads a secret: <paramref name="source"/> is a file path (optionally <c>@</c>-prefixed) or <c>-</c> for standard
    /// input; without a source, prompts on the terminal (twice when <paramref name="confirm"/>) or, when standard input
    /// is not a terminal, returns empty. One trailing newline is dropped.
    /// </summary>
    public static SecretInput Read(CliContext ctx, string? source, string what, string prompt, bool confirm = false)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        if (source is null)
        {
            return Prompt(ctx, what, prompt, confirm);
        }

        if (source == "-")
        {
            if (ctx.StdinConsumed)
            {
                throw new CliUserException($"{what}: standard input was already read by another argument; give only one '-'");
            }

            ctx.StdinConsumed = true;
            return FromReader(ctx.In, what);
        }

        var path = source.StartsWith('@') ? source[1..] : source;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliUserException($"{what}: cannot read '{path}': {ex.Message}", ex);
        }

        try
        {
            var chars = GC.AllocateArray<char>(Encoding.UTF8.GetCharCount(bytes), pinned: true);
            var n = Encoding.UTF8.GetChars(bytes, chars);
            return Trimmed(chars, n, what);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static SecretInput FromReader(TextReader reader, string what)
    {
        var buffer = GC.AllocateArray<char>(1024, pinned: true);
        var n = 0;
        while (true)
        {
            if (n == buffer.Length)
            {
                var bigger = GC.AllocateArray<char>(buffer.Length * 2, pinned: true);
                buffer.CopyTo(bigger, 0);
                Array.Clear(buffer);
                buffer = bigger;
            }

            var read = reader.Read(buffer, n, buffer.Length - n);
            if (read <= 0)
            {
                break;
            }

            n += read;
        }

        return Trimmed(buffer, n, what);
    }

    private static SecretInput Trimmed(char[] chars, int n, string what)
    {
        while (n > 0 && chars[n - 1] is '\n' or '\r')
        {
            n--;
        }

        if (n == 0)
        {
            Array.Clear(chars);
            throw new CliUserException($"{what}: is empty");
        }

        return new SecretInput(chars, n);
    }

    private static SecretInput Prompt(CliContext ctx, string what, string prompt, bool confirm)
    {
        if (!ReferenceEquals(ctx.In, Console.In) || Console.IsInputRedirected)
        {
            return None();
        }

        var first = PromptOnce(ctx, prompt);
        if (!confirm)
        {
            return first;
        }

        using var second = PromptOnce(ctx, "Repeat " + char.ToLowerInvariant(prompt[0]) + prompt[1..]);
        if (!first.Memory.Span.SequenceEqual(second.Memory.Span))
        {
            first.Dispose();
            throw new CliUserException($"{what}: the two entries differ");
        }

        return first;
    }

    private static SecretInput PromptOnce(CliContext ctx, string prompt)
    {
        ctx.Error.Write(prompt + ": ");
        ctx.Error.Flush();
        var buffer = GC.AllocateArray<char>(1024, pinned: true);
        var n = 0;
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (n > 0)
                {
                    buffer[--n] = '\0';
                }

                continue;
            }

            if (key.KeyChar != '\0' && n < buffer.Length)
            {
                buffer[n++] = key.KeyChar;
            }
        }

        ctx.Error.WriteLine();
        return new SecretInput(buffer, n);
    }

    /// <summary>Clears the buffer.</summary>
    public void Dispose()
    {
        Array.Clear(_chars);
        _chars = [];
        Length = 0;
    }
}
