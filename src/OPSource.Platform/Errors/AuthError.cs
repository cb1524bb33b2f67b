using OPSource.Bitcoin;

namespace OPSource.Platform.Errors;

/// <summary>What is wrong with a credential's role or scope text (codes <c>auth.*</c>, docs/errors.md).</summary>
public enum AuthErrorKind
{
    /// <summary>A role is not <c>viewer</c>, <c>operator</c> or <c>admin</c>.</summary>
    InvalidRole,

    /// <summary>A scope is not <c>KIND:ID</c>, or its kind or id breaks the naming rule.</summary>
    InvalidScope,
}

/// <summary>
/// A typed error of the throwing parsers of roles and scopes (<c>ApiRoles.Parse</c>, <c>ResourceScope.Parse</c>,
/// <c>ScopeSet.Parse</c>): the text is the caller's input, so the hosts report it as a user error (CLI exit 1,
/// HTTP 400) with code <c>auth.invalid_role</c> / <c>auth.invalid_scope</c>. It derives from the library's
/// <see cref="BitcoinError"/>, the one base of typed input errors.
/// </summary>
public sealed class AuthError : BitcoinError<AuthErrorKind>
{
    /// <summary>Creates the error; <paramref name="message"/> names the role or scope and the rule broken.</summary>
    public AuthError(AuthErrorKind kind, string message, int? position = null)
        : base("auth", kind, message, position)
    {
    }
}
