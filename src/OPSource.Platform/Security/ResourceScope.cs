using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using OPSource.Bitcoin;
using OPSource.Platform.Errors;

namespace OPSource.Platform.Security;

/// <summary>
/// One resource a credential is restricted to: <c>wallet:treasury</c>, <c>dao:7f3a</c>. A credential
/// without scopes reaches every resource its role allows; a credential with scopes reaches only the
/// listed resources of the listed kinds (and resources of kinds it lists no scope for are refused too,
/// see <see cref="ScopeSet.Allows(ResourceScope)"/>). The kind is also the event-topic family of the resource
/// (<c>wallet:{name}</c> topics follow <c>wallet:{name}</c> scopes).
/// </summary>
public readonly partial record struct ResourceScope
{
    /// <summary>The wallet resource kind (<c>wallet:NAME</c>).</summary>
    public const string WalletKind = "wallet";

    /// <summary>The DAO resource kind (<c>dao:ID</c>).</summary>
    public const string DaoKind = "dao";

    /// <summary>The DLC resource kind (<c>dlc:ID</c>).</summary>
    public const string DlcKind = "dlc";

    private ResourceScope(string kind, string id)
    {
        Kind = kind;
        Id = id;
    }

    /// <summary>Resource kind (lower case: <c>wallet</c>, <c>dao</c>).</summary>
    public string Kind { get; }

    /// <summary>Resource identifier (wallet name, DAO id): 1-64 of <c>A-Z a-z 0-9 . _ -</c>.</summary>
    public string Id { get; }

    /// <summary>Creates a scope after checking both parts.</summary>
    /// <exception cref="BitcoinFormatException">A part is malformed: <see cref="AuthErrorKind.InvalidScope"/>, the message names it.</exception>
    public static ResourceScope Create(string kind, string id) =>
        Check(kind, id) is { } error ? throw error.ToException() : new ResourceScope(kind, id);

    /// <summary>Parses <c>kind:id</c>; <paramref name="error"/> is the typed cause (<see cref="AuthErrorKind.InvalidScope"/>).</summary>
    public static bool TryParse(string? text, out ResourceScope scope, [NotNullWhen(false)] out AuthError? error)
    {
        scope = default;
        var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (text is null || colon <= 0 || colon == text.Length - 1)
        {
            error = new AuthError(AuthErrorKind.InvalidScope, $"scope '{text}' is not KIND:ID (e.g. wallet:treasury, dao:42)");
            return false;
        }

        var kind = text[..colon];
        var id = text[(colon + 1)..];
        error = Check(kind, id, colon + 1);
        if (error is not null)
        {
            return false;
        }

        scope = new ResourceScope(kind, id);
        return true;
    }

    /// <summary>Parses <c>kind:id</c>.</summary>
    /// <exception cref="BitcoinFormatException">The text is malformed: <see cref="AuthErrorKind.InvalidScope"/> (code <c>auth.invalid_scope</c>).</exception>
    public static ResourceScope Parse(string? text) =>
        TryParse(text, out var scope, out var error) ? scope : throw error.ToException();

    // The position is the character index of the bad part in KIND:ID text (0 for the kind).
    private static AuthError? Check(string? kind, string? id, int idPosition = 0)
    {
        if (kind is null || !KindPattern().IsMatch(kind))
        {
            return new AuthError(AuthErrorKind.InvalidScope, $"scope kind '{kind}' must be lower-case letters, digits or '-', starting with a letter", 0);
        }

        if (id is null || !IdPattern().IsMatch(id))
        {
            return new AuthError(AuthErrorKind.InvalidScope, $"scope id '{id}' must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'", idPosition);
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => Kind + ":" + Id;

    [GeneratedRegex("^[a-z][a-z0-9-]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex KindPattern();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}

/// <summary>
/// The scopes of one credential. Empty means unrestricted. Otherwise a resource is allowed only when
/// its exact <c>kind:id</c> is listed: a key scoped to <c>wallet:a</c> reaches wallet <c>a</c> and no
/// other wallet, DAO or DLC.
/// </summary>
public sealed class ScopeSet
{
    private readonly HashSet<ResourceScope> _scopes;

    /// <summary>Creates a set (duplicates collapse).</summary>
    public ScopeSet(IEnumerable<ResourceScope> scopes)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        _scopes = [.. scopes];
        Items = [.. _scopes.OrderBy(s => s.Kind, StringComparer.Ordinal).ThenBy(s => s.Id, StringComparer.Ordinal)];
    }

    /// <summary>No restriction.</summary>
    public static ScopeSet Unrestricted { get; } = new([]);

    /// <summary>The scopes, sorted.</summary>
    public IReadOnlyList<ResourceScope> Items { get; }

    /// <summary>True when the credential is not restricted to particular resources.</summary>
    public bool IsUnrestricted => _scopes.Count == 0;

    /// <summary>Whether the credential may touch the resource <paramref name="kind"/>:<paramref name="id"/>.</summary>
    public bool Allows(string kind, string id)
    {
        if (IsUnrestricted)
        {
            return true;
        }

        // A malformed id cannot be in the set (every member was validated): refuse without throwing.
        return ResourceScope.TryParse(kind + ":" + id, out var scope, out _) && _scopes.Contains(scope);
    }

    /// <summary>Whether the credential may touch <paramref name="scope"/>.</summary>
    public bool Allows(ResourceScope scope) => IsUnrestricted || _scopes.Contains(scope);

    /// <summary>Space-separated text form (the JWT <c>scope</c> claim, RFC 8693 section 4.2).</summary>
    public override string ToString() => string.Join(' ', Items);

    /// <summary>Parses the space-separated form; empty text is <see cref="Unrestricted"/>.</summary>
    /// <exception cref="BitcoinFormatException">An entry is malformed (code <c>auth.invalid_scope</c>).</exception>
    public static ScopeSet Parse(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? Unrestricted
            : new ScopeSet(text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(ResourceScope.Parse));
}

/// <summary>A resource kind credentials may be scoped to (declared by the platform or a module).</summary>
/// <param name="Kind">Kind name (<c>wallet</c>).</param>
/// <param name="Module">Declaring module.</param>
/// <param name="Description">One line for the docs.</param>
public sealed record ResourceKind(string Kind, string Module, string Description);
