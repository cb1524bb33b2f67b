using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OPSource.Platform.Modules;

namespace OPSource.Platform.Security;

/// <summary>Names of the claims OPSource access tokens carry (besides <c>iss</c>, <c>aud</c>, <c>iat</c>, <c>nbf</c>, <c>exp</c>, <c>jti</c>).</summary>
public static class ApiClaims
{
    /// <summary>Who the token was issued to: <c>apikey:{id}</c> or a DID.</summary>
    public const string Subject = "sub";

    /// <summary>The role name (<c>viewer</c>, <c>operator</c>, <c>admin</c>).</summary>
    public const string Role = "role";

    /// <summary>Space-separated resource scopes (RFC 8693 section 4.2); absent = unrestricted.</summary>
    public const string Scope = "scope";

    /// <summary>Id of the credential the token was exchanged for (API key id, DID binding id): logged as <c>key_id</c>.</summary>
    public const string CredentialId = "key_id";

    /// <summary>How the caller authenticated (<see cref="AuthMethods"/>).</summary>
    public const string Method = "auth_method";

    /// <summary>The JWT <c>typ</c> header of access tokens (RFC 9068).</summary>
    public const string TokenType = "at+jwt";
}

/// <summary>Values of the <see cref="ApiClaims.Method"/> claim.</summary>
public static class AuthMethods
{
    /// <summary>Exchanged for an API key (<c>POST /api/v1/auth/token</c>).</summary>
    public const string ApiKey = "api_key";

    /// <summary>A DID login (Web5 module).</summary>
    public const string Did = "did";
}

/// <summary>
/// What an access token grants.
/// </summary>
/// <param name="Subject">Who: <c>apikey:{id}</c>, a DID.</param>
/// <param name="Role">The role.</param>
/// <param name="Scopes">Resources the holder is restricted to (<see cref="ScopeSet.Unrestricted"/> for none).</param>
/// <param name="CredentialId">The credential exchanged (API key id, DID-binding id): logged, and checked for revocation on every request.</param>
/// <param name="Method">How the caller authenticated (<see cref="AuthMethods"/>): selects the <see cref="ICredentialStatus"/> that checks revocation.</param>
public sealed record AccessTokenRequest(string Subject, ApiRole Role, ScopeSet Scopes, string CredentialId, string Method);

/// <summary>An issued access token (a signed JWT) and what it grants.</summary>
/// <param name="Token">The compact JWT, sent as <c>Authorization: Bearer ...</c>.</param>
/// <param name="ExpiresAt">Expiry (UTC).</param>
/// <param name="Grant">What it grants.</param>
public sealed record AccessToken(string Token, DateTimeOffset ExpiresAt, AccessTokenRequest Grant);

/// <summary>
/// Issues the API's access tokens. Every login path (API key exchange, the Web5 DID login) issues its
/// tokens through this one service, so every token has the same shape, lifetime and signature.
/// </summary>
public interface IAccessTokenIssuer
{
    /// <summary>Signs a token for <paramref name="request"/>, valid for <see cref="AuthOptions.TokenLifetime"/>.</summary>
    Task<AccessToken> IssueAsync(AccessTokenRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// Tells whether a credential behind a token is still active (not revoked). Each login method registers
/// one (<see cref="Method"/> matches <see cref="AccessTokenRequest.Method"/>); the server consults it on
/// every authenticated request (cached briefly), so revoking a key or a DID binding ends its tokens
/// within seconds, not at their expiry. A token whose method has no registered status is refused.
/// </summary>
public interface ICredentialStatus
{
    /// <summary>The <see cref="AuthMethods"/> value handled.</summary>
    string Method { get; }

    /// <summary>True while the credential may be used.</summary>
    ValueTask<bool> IsActiveAsync(string credentialId, CancellationToken cancellationToken);
}

/// <summary>
/// Signs and describes OPSource access tokens: JWTs (RFC 7519) with <c>typ: at+jwt</c> (RFC 9068),
/// HMAC-SHA256 over the key in <see cref="AuthOptions.SigningKeyFile"/>.
/// </summary>
public sealed class JwtAccessTokenService : IAccessTokenIssuer
{
    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly Lazy<SymmetricSecurityKey> _key;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>Creates the service; the key file is read (or created) on first use.</summary>
    public JwtAccessTokenService(AuthOptions options, PlatformContext context, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _time = time;
        var path = options.ResolveSigningKeyFile(context.DataDir);
        _key = new Lazy<SymmetricSecurityKey>(() =>
        {
            var bytes = SigningKeyFile.LoadOrCreate(path);
            // The key id lets a future rotation keep old tokens verifiable; it is a hash, not the key.
            var kid = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..16];
            return new SymmetricSecurityKey(bytes) { KeyId = kid };
        });
    }

    /// <summary>The options in force.</summary>
    public AuthOptions Options => _options;

    /// <inheritdoc />
    public Task<AccessToken> IssueAsync(AccessTokenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Subject);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.CredentialId);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Method);
        ArgumentNullException.ThrowIfNull(request.Scopes);
        cancellationToken.ThrowIfCancellationRequested();

        // Whole seconds: JWT NumericDate (RFC 7519 section 2) has no fraction.
        var now = DateTimeOffset.FromUnixTimeSeconds(_time.GetUtcNow().ToUnixTimeSeconds());
        var expires = now + _options.TokenLifetime;
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [ApiClaims.Subject] = request.Subject,
            [ApiClaims.Role] = request.Role.ToName(),
            [ApiClaims.CredentialId] = request.CredentialId,
            [ApiClaims.Method] = request.Method,
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
        };
        if (!request.Scopes.IsUnrestricted)
        {
            claims[ApiClaims.Scope] = request.Scopes.ToString();
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            TokenType = ApiClaims.TokenType,
            Claims = claims,
            SigningCredentials = new SigningCredentials(_key.Value, SecurityAlgorithms.HmacSha256),
        };
        var token = _handler.CreateToken(descriptor);
        return Task.FromResult(new AccessToken(token, expires, request));
    }

    /// <summary>
    /// The validation rules every host applies: signature with this key and HS256 only, <c>typ</c>
    /// <c>at+jwt</c>, issuer, audience, and lifetime (30 s clock skew). Claim names are kept as issued.
    /// </summary>
    public TokenValidationParameters CreateValidationParameters() => new()
    {
        ValidIssuer = _options.Issuer,
        ValidAudience = _options.Audience,
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ValidateIssuerSigningKey = true,
        IssuerSigningKey = _key.Value,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidTypes = [ApiClaims.TokenType],
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = ApiClaims.Subject,
        RoleClaimType = ApiClaims.Role,
    };

    /// <summary>Validates a token outside the HTTP pipeline (the CLI, tests); null when invalid.</summary>
    public async Task<ApiPrincipal?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        cancellationToken.ThrowIfCancellationRequested();
        var result = await _handler.ValidateTokenAsync(token, CreateValidationParameters()).ConfigureAwait(false);
        return result.IsValid ? ApiPrincipal.FromClaims(result.ClaimsIdentity) : null;
    }
}

/// <summary>
/// The caller as the API sees it, read from a validated token's claims: who, which role, which scopes,
/// which credential. Endpoint adapters get it with <c>ApiPrincipal.FromClaims(httpContext.User)</c>.
/// </summary>
/// <param name="Subject">Token subject.</param>
/// <param name="Role">Role.</param>
/// <param name="Scopes">Resource scopes.</param>
/// <param name="CredentialId">Credential id (key id).</param>
/// <param name="Method">Authentication method.</param>
public sealed record ApiPrincipal(string Subject, ApiRole Role, ScopeSet Scopes, string CredentialId, string Method)
{
    /// <summary>Reads the principal from validated claims; null when a required claim is missing or malformed.</summary>
    public static ApiPrincipal? FromClaims(ClaimsIdentity? identity)
    {
        if (identity is null || !identity.IsAuthenticated)
        {
            return null;
        }

        var subject = identity.FindFirst(ApiClaims.Subject)?.Value;
        var credential = identity.FindFirst(ApiClaims.CredentialId)?.Value;
        var method = identity.FindFirst(ApiClaims.Method)?.Value;
        if (string.IsNullOrEmpty(subject) || string.IsNullOrEmpty(credential) || string.IsNullOrEmpty(method)
            || !ApiRoles.TryParse(identity.FindFirst(ApiClaims.Role)?.Value, out var role))
        {
            return null;
        }

        try
        {
            return new ApiPrincipal(subject, role.Value, ScopeSet.Parse(identity.FindFirst(ApiClaims.Scope)?.Value), credential, method);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Reads the principal from a claims principal (the authenticated identity).</summary>
    public static ApiPrincipal? FromClaims(ClaimsPrincipal? user) =>
        user?.Identities.Select(FromClaims).FirstOrDefault(p => p is not null);

    /// <summary>Whether this caller holds at least <paramref name="required"/>.</summary>
    public bool HasRole(ApiRole required) => Role.Satisfies(required);

    /// <summary>Whether this caller may touch resource <paramref name="kind"/>:<paramref name="id"/> (use to filter lists).</summary>
    public bool CanAccess(string kind, string id) => Scopes.Allows(kind, id);
}
