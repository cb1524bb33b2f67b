using System.Text;

namespace OPSource.Bitcoin;

/// <summary>
/// The base of every typed error the library returns for bad input: a one-line
/// <see cref="Message"/> that names the field and the rule broken, the <see cref="Position"/> in the
/// input where it is known, and a stable machine-readable <see cref="Code"/>. Parsers return these
/// (<c>TryParse(..., out XError? error)</c>) instead of throwing; the throwing <c>Parse</c> forms
/// throw <see cref="BitcoinFormatException"/> carrying one, which is how a host tells a user's bad input
/// (CLI exit 1, HTTP 400) from a bug (anything else).
/// </summary>
public abstract class BitcoinError
{
    /// <summary>Creates an error.</summary>
    protected BitcoinError(string message, int? position)
    {
        ArgumentException.ThrowIfNullOrEmpty(message);
        Message = message;
        Position = position;
    }

    /// <summary>One line naming the field and the rule broken; never contains secret material.</summary>
    public string Message { get; }

    /// <summary>The byte offset (binary input) or character index (text input) where the problem was found, when known.</summary>
    public int? Position { get; }

    /// <summary>A stable code <c>area.kind</c> in snake_case (for <c>--json</c> output and problem+json <c>code</c>).</summary>
    public abstract string Code { get; }

    /// <summary>The exception form, for the throwing <c>Parse</c> methods.</summary>
    public BitcoinFormatException ToException() => new(this);

    /// <summary>The message.</summary>
    public override string ToString() => Message;
}

/// <summary>A <see cref="BitcoinError"/> whose cause is one value of <typeparamref name="TKind"/>.</summary>
public abstract class BitcoinError<TKind> : BitcoinError
    where TKind : struct, Enum
{
    private readonly string _area;

    /// <summary>Creates an error of area <paramref name="area"/> (the code prefix, e.g. <c>psbt</c>).</summary>
    protected BitcoinError(string area, TKind kind, string message, int? position)
        : base(message, position)
    {
        _area = area;
        Kind = kind;
    }

    /// <summary>What went wrong.</summary>
    public TKind Kind { get; }

    /// <inheritdoc/>
    public override string Code => _area + "." + SnakeCase(Kind.ToString());

    private static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsAsciiLetterUpper(c))
            {
                if (i > 0)
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}

/// <summary>
/// Thrown by the library's throwing <c>Parse</c> forms for bad input; <see cref="Error"/> is the typed
/// error the matching <c>TryParse</c> returns. A host maps it to a user error (CLI exit 1, HTTP 400):
/// it always means the input was wrong, never that the library failed.
/// </summary>
public class BitcoinFormatException : FormatException
{
    /// <summary>Wraps <paramref name="error"/>.</summary>
    public BitcoinFormatException(BitcoinError error)
        : base((error ?? throw new ArgumentNullException(nameof(error))).Message) => Error = error;

    /// <summary>Required by the exception pattern; prefer the typed constructor.</summary>
    public BitcoinFormatException()
        : this(new GenericInputError("invalid input"))
    {
    }

    /// <summary>Required by the exception pattern; prefer the typed constructor.</summary>
    public BitcoinFormatException(string message)
        : this(new GenericInputError(message))
    {
    }

    /// <summary>Required by the exception pattern; prefer the typed constructor.</summary>
    public BitcoinFormatException(string message, Exception innerException)
        : base(message, innerException) => Error = new GenericInputError(message);

    /// <summary>Wraps <paramref name="error"/> found while handling <paramref name="innerException"/> (for derived areas' exceptions).</summary>
    protected BitcoinFormatException(BitcoinError error, Exception? innerException)
        : base((error ?? throw new ArgumentNullException(nameof(error))).Message, innerException) => Error = error;

    /// <summary>The typed error.</summary>
    public BitcoinError Error { get; }

    private sealed class GenericInputError(string message) : BitcoinError(message, null)
    {
        public override string Code => "input.invalid";
    }
}
