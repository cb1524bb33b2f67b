using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using OPSource.Platform.Errors;
using OPSource.Storage;

namespace OPSource.Platform.Security;

/// <summary>A stored API key's public facts (the secret is never stored, only its SHA-256).</summary>
/// <param name="Id">Public key id (12 hex digits), part of the key text.</param>
/// <param name="Name">Operator's label.</param>
/// <param name="Role">Role of the tokens the key is exchanged for.</param>
/// <param name="Scopes">Resource restriction.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="RevokedAt">Revocation time, null while active.</param>
/// <param name="LastUsedAt">Last exchange for a token (updated at most once a minute).</param>
public sealed record ApiKeyInfo(string Id, string Name, ApiRole Role, ScopeSet Scopes, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt)
{
    /// <summary>True until revoked.</summary>
    public bool Active => RevokedAt is null;
}

/// <summary>A freshly created key: its facts and the key text, which is shown once and never again.</summary>
public sealed record CreatedApiKey(ApiKeyInfo Info, string Key);

/// <summary>
/// API keys: <c>opsk_{id}_{secret}</c>, where id is 12 hex digits (public, used in logs and to revoke) and
/// secret 32 random bytes in base64url. Only SHA-256 of the secret is stored (a random 256-bit secret
/// needs no slow KDF); comparison is constant-time. Keys are exchanged for short-lived access tokens.
/// </summary>
public sealed partial class ApiKeyStore : ICredentialStatus
{
    /// <summary>The prefix of every key.</summary>
    public const string Prefix = "opsk_";

    /// <summary>Migrations module name.</summary>
    public const string Module = "auth";

    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);
    private readonly Database _database;
    private readonly TimeProvider _time;
    private readonly HashSet<string> _kinds;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The database.</param>
    /// <param name="time">Clock.</param>
    /// <param name="kinds">Resource kinds keys may be scoped to (declared through the module contract).</param>
    public ApiKeyStore(Database database, TimeProvider time, IEnumerable<ResourceKind> kinds)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(kinds);
        _database = database;
        _time = time;
        _kinds = kinds.Select(k => k.Kind).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Declared resource kinds, sorted.</summary>
    public IReadOnlyList<string> ResourceKinds => [.. _kinds.Order(StringComparer.Ordinal)];

    /// <summary>Parses <c>KIND:ID</c> scopes, refusing kinds no module declared.</summary>
    /// <exception cref="OpsourceException">A scope is malformed or of an unknown kind (invalid_scope).</exception>
    public ScopeSet ParseScopes(IEnumerable<string> scopes)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        var parsed = new List<ResourceScope>();
        foreach (var text in scopes)
        {
            if (!ResourceScope.TryParse(text, out var scope, out var error))
            {
                throw new OpsourceException(ErrorCategory.InvalidInput, "invalid_scope", error.Message);
            }

            if (!_kinds.Contains(scope.Kind))
            {
                throw new OpsourceException(ErrorCategory.InvalidInput, "invalid_scope", $"scope '{text}': unknown kind '{scope.Kind}' (known: {string.Join(", ", ResourceKinds)})");
            }

            parsed.Add(scope);
        }

        return new ScopeSet(parsed);
    }

    /// <summary>The <c>api_keys</c> table.</summary>
    public static IMigrationSource Migrations { get; } = new MigrationList(new Migration(
        Module,
        1,
        "api_keys table",
        """
        CREATE TABLE api_keys (
            id           TEXT PRIMARY KEY,
            name         TEXT NOT NULL,
            role         TEXT NOT NULL,
            scopes       TEXT NOT NULL,
            secret_hash  TEXT NOT NULL,
            created_at   TEXT NOT NULL,
            revoked_at   TEXT NULL,
            last_used_at TEXT NULL
        )
        """,
        """
        CREATE TABLE api_keys (
            id           TEXT PRIMARY KEY,
            name         TEXT NOT NULL,
            role         TEXT NOT NULL,
            scopes       TEXT NOT NULL,
            secret_hash  TEXT NOT NULL,
            created_at   TIMESTAMPTZ NOT NULL,
            revoked_at   TIMESTAMPTZ NULL,
            last_used_at TIMESTAMPTZ NULL
        )
        """));

    /// <inheritdoc />
    string ICredentialStatus.Method => AuthMethods.ApiKey;

    /// <summary>Creates a key. The returned key text is the only copy: show it once.</summary>
    /// <exception cref="OpsourceException">The name is malformed (invalid_input).</exception>
    public async Task<CreatedApiKey> CreateAsync(string? name, ApiRole role, ScopeSet scopes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        if (!Enum.IsDefined(role))
        {
            throw new ArgumentOutOfRangeException(nameof(role), role, "unknown role");
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        name = string.IsNullOrWhiteSpace(name) ? "key-" + id : name.Trim();
        if (!NamePattern().IsMatch(name))
        {
            throw new OpsourceException(ErrorCategory.InvalidInput, "invalid_name", $"api key name '{name}' must be 1-64 characters of letters, digits, ' ', '.', '_' or '-'");
        }

        var secret = RandomNumberGenerator.GetBytes(32);
        var secretText = Base64Url(secret);
        CryptographicOperations.ZeroMemory(secret);
        var now = Truncate(_time.GetUtcNow());
        await using (var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO api_keys (id, name, role, scopes, secret_hash, created_at) VALUES (@id, @name, @role, @scopes, @hash, @now)";
            command.WithParameter("id", id).WithParameter("name", name).WithParameter("role", role.ToName())
                .WithParameter("scopes", scopes.ToString()).WithParameter("hash", Hash(secretText)).WithParameter("now", now);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return new CreatedApiKey(new ApiKeyInfo(id, name, role, scopes, now, null, null), Prefix + id + "_" + secretText);
    }

    /// <summary>All keys (newest first), active ones only unless <paramref name="includeRevoked"/>.</summary>
    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(bool includeRevoked, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, role, scopes, created_at, revoked_at, last_used_at FROM api_keys"
            + (includeRevoked ? "" : " WHERE revoked_at IS NULL") + " ORDER BY created_at DESC, id";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<ApiKeyInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(Read(reader));
        }

        return result;
    }

    /// <summary>One key's facts, or null when unknown.</summary>
    public async Task<ApiKeyInfo?> GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, role, scopes, created_at, revoked_at, last_used_at FROM api_keys WHERE id = @id";
        command.WithParameter("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    /// <summary>Revokes a key (tokens issued for it stop working at their next request).</summary>
    /// <exception cref="OpsourceException">No key has this id (not_found).</exception>
    public async Task<ApiKeyInfo> RevokeAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using (var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL";
            command.WithParameter("id", id).WithParameter("now", Truncate(_time.GetUtcNow()));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return await GetAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new OpsourceException(ErrorCategory.NotFound, "api_key_not_found", $"no api key with id '{id}'");
    }

    /// <summary>
    /// Checks presented key text: the key's facts when it is well-formed, known, active and its secret
    /// matches; null otherwise (the caller answers 401 without saying which).
    /// </summary>
    public async Task<ApiKeyInfo?> VerifyAsync(string presented, CancellationToken cancellationToken)
    {
        if (!TrySplit(presented, out var id, out var secret))
        {
            return null;
        }

        string storedHash;
        ApiKeyInfo info;
        await using (var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, name, role, scopes, created_at, revoked_at, last_used_at, secret_hash FROM api_keys WHERE id = @id";
            command.WithParameter("id", id);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            info = Read(reader);
            storedHash = reader.GetString(7);
        }

        var expected = Encoding.ASCII.GetBytes(storedHash);
        var actual = Encoding.ASCII.GetBytes(Hash(secret));
        if (!CryptographicOperations.FixedTimeEquals(expected, actual) || !info.Active)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        if (info.LastUsedAt is null || now - info.LastUsedAt.Value >= LastUsedResolution)
        {
            await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE api_keys SET last_used_at = @now WHERE id = @id";
            command.WithParameter("id", id).WithParameter("now", Truncate(now));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            info = info with { LastUsedAt = Truncate(now) };
        }

        return info;
    }

    /// <inheritdoc />
    public async ValueTask<bool> IsActiveAsync(string credentialId, CancellationToken cancellationToken)
    {
        var info = await GetAsync(credentialId, cancellationToken).ConfigureAwait(false);
        return info is { Active: true };
    }

    /// <summary>Splits key text into id and secret; false when it is not an OPSource key.</summary>
    public static bool TrySplit(string? presented, out string id, out string secret)
    {
        id = secret = "";
        if (presented is null)
        {
            return false;
        }

        var match = KeyPattern().Match(presented.Trim());
        if (!match.Success)
        {
            return false;
        }

        id = match.Groups[1].Value;
        secret = match.Groups[2].Value;
        return true;
    }

    private static ApiKeyInfo Read(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        ApiRoles.Parse(reader.GetString(2)),
        ScopeSet.Parse(reader.GetString(3)),
        reader.GetFieldValue<DateTimeOffset>(4),
        reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
        reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6));

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(secret)));

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    // Stored at whole-second precision so both providers give back exactly what was written.
    private static DateTimeOffset Truncate(DateTimeOffset time) => DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds());

    [GeneratedRegex("^opsk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"^[A-Za-z0-9 ._-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}

/// <summary>
/// Exchanges an API key for an access token (<c>POST /api/v1/auth/token</c>, <c>opsource apikey token</c>).
/// </summary>
public sealed class ApiKeyTokenExchange
{
    private readonly ApiKeyStore _keys;
    private readonly IAccessTokenIssuer _issuer;

    /// <summary>Creates the exchange.</summary>
    public ApiKeyTokenExchange(ApiKeyStore keys, IAccessTokenIssuer issuer)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(issuer);
        _keys = keys;
        _issuer = issuer;
    }

    /// <summary>Verifies the key and issues a token with its role and scopes.</summary>
    /// <exception cref="OpsourceException">The key is malformed, unknown, revoked or wrong (unauthenticated, <c>invalid_api_key</c>).</exception>
    public async Task<AccessToken> ExchangeAsync(string presented, CancellationToken cancellationToken)
    {
        var info = await _keys.VerifyAsync(presented, cancellationToken).ConfigureAwait(false);
        PlatformMetrics.TokenExchanges.Add(1, new KeyValuePair<string, object?>("outcome", info is null ? "refused" : "issued"));
        if (info is null)
        {
            throw new OpsourceException(ErrorCategory.Unauthenticated, "invalid_api_key", "the api key is unknown, revoked or malformed");
        }

        return await _issuer.IssueAsync(
            new AccessTokenRequest("apikey:" + info.Id, info.Role, info.Scopes, info.Id, AuthMethods.ApiKey),
            cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Formats key facts for display.</summary>
public static class ApiKeyFormatting
{
    /// <summary>RFC 3339 UTC text of a time.</summary>
    public static string Rfc3339(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
