using System.Text.RegularExpressions;
using OPSource.Platform.Funding;

namespace OPSource.Platform.Errors;

/// <summary>
/// How a refused operation is classified, independent of the transport. The HTTP host maps each to a
/// status code (RFC 9457 problem+json), the CLI to exit code 1.
/// </summary>
public enum ErrorCategory
{
    /// <summary>Malformed input (HTTP 400): a field does not parse or breaks a format rule.</summary>
    InvalidInput,

    /// <summary>The named resource does not exist (HTTP 404).</summary>
    NotFound,

    /// <summary>The request clashes with the current state (HTTP 409): already exists, locked, concurrent change.</summary>
    Conflict,

    /// <summary>Well-formed but refused by a domain rule (HTTP 422): insufficient funds, dust, quorum not met.</summary>
    Refused,

    /// <summary>No valid credential (HTTP 401).</summary>
    Unauthenticated,

    /// <summary>The credential may not do this (HTTP 403).</summary>
    Forbidden,

    /// <summary>A dependency (node, database) is unavailable (HTTP 503).</summary>
    Unavailable,
}

/// <summary>
/// A refused operation in transport-neutral form: category, a stable snake_case <see cref="Code"/>
/// (the problem's <c>code</c> extension, e.g. <c>insufficient_funds</c>) and a one-line, secret-free
/// <see cref="Detail"/>.
/// </summary>
public sealed partial record DomainError
{
    /// <summary>Creates the error; <paramref name="code"/> must be snake_case, optionally <c>area.kind</c> (the library's typed errors, <see cref="Bitcoin.BitcoinError.Code"/>).</summary>
    public DomainError(ErrorCategory category, string code, string detail)
    {
        if (code is null || !CodePattern().IsMatch(code))
        {
            throw new ArgumentException($"error code '{code}' must be snake_case (a-z, 0-9, '_', one optional '.')", nameof(code));
        }

        Category = category;
        Code = code;
        Detail = (detail ?? "").ReplaceLineEndings(" ").Trim();
    }

    /// <summary>The category.</summary>
    public ErrorCategory Category { get; }

    /// <summary>Stable machine-readable kind.</summary>
    public string Code { get; }

    /// <summary>What went wrong, one line, no secrets.</summary>
    public string Detail { get; }

    /// <summary>Where in the input the problem was found (a typed input error's <see cref="Bitcoin.BitcoinError.Position"/>), when known.</summary>
    public int? Position { get; init; }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,63}(\\.[a-z][a-z0-9_]{0,63})?$", RegexOptions.CultureInvariant)]
    private static partial Regex CodePattern();
}

/// <summary>
/// A typed domain exception modules may throw (or derive from) when an operation is refused; the
/// hosts turn it into a problem response / exit code 1 without any mapping registration.
/// Modules with their own exception types register a mapping instead
/// (<see cref="Modules.ModuleRegistration.AddErrorMapping{TException}"/>).
/// </summary>
public class OpsourceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OpsourceException(ErrorCategory category, string code, string message)
        : base(message)
    {
        Error = new DomainError(category, code, message);
    }

    /// <summary>Creates the exception with its cause.</summary>
    public OpsourceException(ErrorCategory category, string code, string message, Exception innerException)
        : base(message, innerException)
    {
        Error = new DomainError(category, code, message);
    }

    /// <summary>Creates an <see cref="ErrorCategory.InvalidInput"/> exception.</summary>
    public OpsourceException()
        : this(ErrorCategory.InvalidInput, "invalid_request", "invalid request")
    {
    }

    /// <summary>Creates an <see cref="ErrorCategory.InvalidInput"/> exception.</summary>
    public OpsourceException(string message)
        : this(ErrorCategory.InvalidInput, "invalid_request", message)
    {
    }

    /// <summary>Creates an <see cref="ErrorCategory.InvalidInput"/> exception with its cause.</summary>
    public OpsourceException(string message, Exception innerException)
        : this(ErrorCategory.InvalidInput, "invalid_request", message, innerException)
    {
    }

    /// <summary>The classified error.</summary>
    public DomainError Error { get; }
}

/// <summary>Turns one exception type into a <see cref="DomainError"/> (registered by the module that owns the type).</summary>
public interface IErrorMapping
{
    /// <summary>The error for <paramref name="exception"/>, or null when this mapping does not handle it.</summary>
    DomainError? TryMap(Exception exception);
}

/// <summary>A mapping for exceptions of type <typeparamref name="TException"/> (exact type or derived).</summary>
public sealed class ErrorMapping<TException>(Func<TException, DomainError> map) : IErrorMapping
    where TException : Exception
{
    private readonly Func<TException, DomainError> _map = map ?? throw new ArgumentNullException(nameof(map));

    /// <inheritdoc />
    public DomainError? TryMap(Exception exception) => exception is TException typed ? _map(typed) : null;
}

/// <summary>
/// Classifies exceptions with every registered <see cref="IErrorMapping"/> (plus <see cref="OpsourceException"/>,
/// the library's <see cref="Bitcoin.BitcoinFormatException"/> and the platform's own <see cref="WalletOperationException"/>). An exception no mapping knows is a bug:
/// HTTP 500 / exit code 2, its message never shown.
/// </summary>
public sealed class DomainErrorMapper
{
    private readonly IErrorMapping[] _mappings;

    /// <summary>Creates the mapper over the registered mappings.</summary>
    public DomainErrorMapper(IEnumerable<IErrorMapping> mappings)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        _mappings = [.. mappings];
    }

    /// <summary>The mapping of <see cref="WalletOperationException"/> kinds (registered by the platform).</summary>
    public static IErrorMapping WalletErrors { get; } = new ErrorMapping<WalletOperationException>(ex => WalletError(ex) with { Position = ex.InputError?.Position });

    private static DomainError WalletError(WalletOperationException ex) => ex.Kind switch
    {
        // Input the protocol library refused keeps the parser's code (descriptor.invalid_key, address.invalid_encoding).
        WalletErrorKind.InvalidRequest when ex.InputError is { } input => new DomainError(ErrorCategory.InvalidInput, input.Code, ex.Message),
        WalletErrorKind.NotFound => new DomainError(ErrorCategory.NotFound, "wallet_not_found", ex.Message),
        WalletErrorKind.Locked => new DomainError(ErrorCategory.Conflict, "wallet_locked", ex.Message),
        WalletErrorKind.WrongPassphrase => new DomainError(ErrorCategory.Refused, "wrong_passphrase", ex.Message),
        WalletErrorKind.WatchOnly => new DomainError(ErrorCategory.Refused, "watch_only", ex.Message),
        WalletErrorKind.InsufficientFunds => new DomainError(ErrorCategory.Refused, "insufficient_funds", ex.Message),
        WalletErrorKind.Dust => new DomainError(ErrorCategory.Refused, "dust_output", ex.Message),
        WalletErrorKind.WrongNetwork => new DomainError(ErrorCategory.InvalidInput, "wrong_network", ex.Message),
        WalletErrorKind.AlreadyExists => new DomainError(ErrorCategory.Conflict, "wallet_exists", ex.Message),
        _ => new DomainError(ErrorCategory.InvalidInput, "invalid_request", ex.Message),
    };

    /// <summary>The domain error for <paramref name="exception"/>, or null when it is not a known domain refusal.</summary>
    public DomainError? TryMap(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is OpsourceException known)
        {
            return known.Error;
        }

        // The library's typed input errors: always the caller's input (HTTP 400, CLI exit 1), code area.kind.
        if (exception is Bitcoin.BitcoinFormatException format)
        {
            return new DomainError(ErrorCategory.InvalidInput, format.Error.Code, format.Error.Message) { Position = format.Error.Position };
        }

        foreach (var mapping in _mappings)
        {
            if (mapping.TryMap(exception) is { } error)
            {
                return error;
            }
        }

        return null;
    }
}
