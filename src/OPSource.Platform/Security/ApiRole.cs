using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin;
using OPSource.Platform.Errors;

namespace OPSource.Platform.Security;

/// <summary>
/// What a caller of the API may do. Roles are ordered: an <see cref="Admin"/> may do everything an
/// <see cref="Operator"/> may, who may do everything a <see cref="Viewer"/> may.
/// </summary>
public enum ApiRole
{
    /// <summary>Reads state (balances, proposals, events). Never moves funds, never sees secrets.</summary>
    Viewer = 1,

    /// <summary>Also acts: sends, signs, votes, opens contracts.</summary>
    Operator = 2,

    /// <summary>Also administers: API keys, configuration, secret exports.</summary>
    Admin = 3,
}

/// <summary>Text forms of <see cref="ApiRole"/> (<c>viewer</c>, <c>operator</c>, <c>admin</c>).</summary>
public static class ApiRoles
{
    /// <summary>Every role, lowest first.</summary>
    public static IReadOnlyList<ApiRole> All { get; } = [ApiRole.Viewer, ApiRole.Operator, ApiRole.Admin];

    /// <summary>The lower-case name used in tokens, the CLI and the API.</summary>
    public static string ToName(this ApiRole role) => role switch
    {
        ApiRole.Viewer => "viewer",
        ApiRole.Operator => "operator",
        ApiRole.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown role"),
    };

    /// <summary>Parses <c>viewer</c>, <c>operator</c> or <c>admin</c> (exact, lower case).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ApiRole? role)
    {
        role = text switch
        {
            "viewer" => ApiRole.Viewer,
            "operator" => ApiRole.Operator,
            "admin" => ApiRole.Admin,
            _ => null,
        };
        return role is not null;
    }

    /// <summary>Parses a role.</summary>
    /// <exception cref="BitcoinFormatException">Not a role: <see cref="AuthErrorKind.InvalidRole"/> (code <c>auth.invalid_role</c>), naming the accepted values.</exception>
    public static ApiRole Parse(string? text) =>
        TryParse(text, out var role) ? role.Value : throw new AuthError(AuthErrorKind.InvalidRole, $"role '{text}' is not one of admin, operator, viewer").ToException();

    /// <summary>True when <paramref name="held"/> is at least <paramref name="required"/>.</summary>
    public static bool Satisfies(this ApiRole held, ApiRole required) => held >= required;
}
