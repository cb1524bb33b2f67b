using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using OPSource.Platform.Security;
using OPSource.Server.Http;

namespace OPSource.Server.Security;

/// <summary>
/// Remembers for a few seconds whether a credential (API key, DID binding) is still active, so that
/// revocation takes effect within <see cref="Ttl"/> without a database query per request.
/// </summary>
public sealed class CredentialStatusCache
{
    private readonly ConcurrentDictionary<(string Method, string Id), (bool Active, long Until)> _entries = new();
    private readonly Dictionary<string, ICredentialStatus> _statuses;
    private readonly TimeProvider _time;

    /// <summary>Creates the cache over the registered statuses.</summary>
    public CredentialStatusCache(IEnumerable<ICredentialStatus> statuses, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        ArgumentNullException.ThrowIfNull(time);
        _statuses = statuses.ToDictionary(s => s.Method, StringComparer.Ordinal);
        _time = time;
    }

    /// <summary>How long an answer is reused (default 5 s).</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>True while the credential is active; false when revoked, unknown or of an unknown method.</summary>
    public async ValueTask<bool> IsActiveAsync(string method, string id, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        if (_entries.TryGetValue((method, id), out var entry) && entry.Until > now)
        {
            return entry.Active;
        }

        if (!_statuses.TryGetValue(method, out var status))
        {
            return false;
        }

        var active = await status.IsActiveAsync(id, cancellationToken).ConfigureAwait(false);
        _entries[(method, id)] = (active, now + (long)(Ttl.TotalSeconds * _time.TimestampFrequency));
        if (_entries.Count > 100_000)
        {
            _entries.Clear();
        }

        return active;
    }

    /// <summary>Forgets a credential's cached state (after revoking it in this process).</summary>
    public void Invalidate(string method, string id) => _entries.TryRemove((method, id), out _);
}

/// <summary>Wires JWT bearer authentication and the role/scope authorization into the host.</summary>
internal static class ApiAuthentication
{
    public static IServiceCollection AddApiSecurity(this IServiceCollection services)
    {
        services.AddSingleton(sp => new CredentialStatusCache(sp.GetServices<ICredentialStatus>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IAuthorizationHandler, ApiAuthorizationHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddSingleton<ValidatedTokenCache>();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<JwtAccessTokenService, ValidatedTokenCache>((o, tokens, validator) =>
        {
            // Claim names stay as issued (also in the validator, which replaces the default handler).
            o.MapInboundClaims = false;
            validator.MapInboundClaims = false;
            o.TokenHandlers.Clear();
            o.TokenHandlers.Add(validator);
            o.RequireHttpsMetadata = false;
            o.TokenValidationParameters = tokens.CreateValidationParameters();
            o.Events = new JwtBearerEvents
            {
                OnMessageReceived = MessageReceivedAsync,
                OnTokenValidated = TokenValidatedAsync,
                OnChallenge = ChallengeAsync,
            };
        });
        services.AddAuthorization(o =>
        {
            // Every endpoint that states nothing needs an authenticated viewer; health/info opt out.
            o.FallbackPolicy = ApiAuthorization.DefaultPolicy;
            o.DefaultPolicy = ApiAuthorization.DefaultPolicy;
        });
        return services;
    }

    private static async Task MessageReceivedAsync(MessageReceivedContext context)
    {
        var http = context.HttpContext;
        // Browsers cannot set headers on a WebSocket handshake: /events also takes ?access_token=.
        if (string.IsNullOrEmpty(context.Token) && http.WebSockets.IsWebSocketRequest
            && http.Request.Query.TryGetValue("access_token", out var fromQuery))
        {
            context.Token = fromQuery.ToString();
        }

        // Looked at without copying: only an API key (not the usual JWT) is taken out of the header.
        var header = http.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && header.AsSpan(7).Trim().StartsWith(ApiKeyStore.Prefix, StringComparison.Ordinal))
        {
            var presented = header[7..].Trim();
            if (http.GetEndpoint()?.Metadata.GetMetadata<ApiKeyAcceptedMetadata>() is null)
            {
                context.Fail("an api key must be exchanged for an access token at POST /api/v1/auth/token");
                return;
            }

            var keys = http.RequestServices.GetRequiredService<ApiKeyStore>();
            var info = await keys.VerifyAsync(presented, http.RequestAborted).ConfigureAwait(false);
            if (info is null)
            {
                context.Fail("invalid api key");
                return;
            }

            var identity = new ClaimsIdentity(
                [
                    new Claim(ApiClaims.Subject, "apikey:" + info.Id),
                    new Claim(ApiClaims.Role, info.Role.ToName()),
                    new Claim(ApiClaims.CredentialId, info.Id),
                    new Claim(ApiClaims.Method, AuthMethods.ApiKey),
                    .. info.Scopes.IsUnrestricted ? Array.Empty<Claim>() : [new Claim(ApiClaims.Scope, info.Scopes.ToString())],
                ],
                authenticationType: "ApiKey",
                nameType: ApiClaims.Subject,
                roleType: ApiClaims.Role);
            context.Principal = new ClaimsPrincipal(identity);
            context.Success();
        }
    }

    private static async Task TokenValidatedAsync(TokenValidatedContext context)
    {
        // A token answered from ValidatedTokenCache is the same object on every request: its principal (read from
        // the claims the signature covers) is read once per token.
        var principal = context.SecurityToken is { } token
            ? s_principals.GetValue(token, static _ => new PrincipalOfToken()).Get(context.Principal)
            : ApiPrincipal.FromClaims(context.Principal);
        if (principal is null)
        {
            context.Fail("the token lacks the OPSource claims");
            return;
        }

        var cache = context.HttpContext.RequestServices.GetRequiredService<CredentialStatusCache>();
        if (!await cache.IsActiveAsync(principal.Method, principal.CredentialId, context.HttpContext.RequestAborted).ConfigureAwait(false))
        {
            context.Fail("the credential behind the token was revoked");
            return;
        }

        // The request's caller (ApiAuthorization.GetApiPrincipal): the principal this ticket carries.
        context.HttpContext.Items[typeof(ApiPrincipal)] = principal;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SecurityToken, PrincipalOfToken> s_principals = [];

    /// <summary>The principal read from one validated token's claims (null until first asked).</summary>
    private sealed class PrincipalOfToken
    {
        private ApiPrincipal? _principal;

        public ApiPrincipal? Get(ClaimsPrincipal? claims) => _principal ??= ApiPrincipal.FromClaims(claims);
    }

    private static async Task ChallengeAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var (code, detail) = context.AuthenticateFailure switch
        {
            SecurityTokenExpiredException => ("token_expired", "the access token has expired; exchange the api key again"),
            SecurityTokenInvalidAudienceException => ("invalid_token", "the access token is for another audience"),
            SecurityTokenInvalidIssuerException => ("invalid_token", "the access token is from another issuer"),
            SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => ("invalid_token", "the access token's signature is not valid"),
            null when string.IsNullOrEmpty(context.HttpContext.Request.Headers.Authorization) => ("unauthenticated", "an access token is required (Authorization: Bearer TOKEN; get one at POST /api/v1/auth/token)"),
            { } failure => ("invalid_token", OneLine(failure.Message)),
            _ => ("invalid_token", "the access token is not valid"),
        };
        context.Response.Headers.WWWAuthenticate = code == "unauthenticated"
            ? "Bearer"
            : $"Bearer error=\"invalid_token\", error_description=\"{detail.Replace("\"", "'", StringComparison.Ordinal)}\"";
        await ProblemResponses.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, code, detail).ConfigureAwait(false);
    }

    // IdentityModel messages can be long and name internals; keep the first sentence only.
    private static string OneLine(string message)
    {
        var line = message.ReplaceLineEndings(" ");
        var cut = line.IndexOf(". ", StringComparison.Ordinal);
        return (cut > 0 ? line[..cut] : line).Trim();
    }
}

/// <summary>Answers authorization failures with problem+json (401 or 403 with the failing rule's code).</summary>
internal sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            var reason = context.Items.TryGetValue(typeof(ApiForbiddenReason), out var r) ? r as ApiForbiddenReason : null;
            await ProblemResponses.WriteAsync(
                context,
                StatusCodes.Status403Forbidden,
                reason?.Code ?? "forbidden",
                reason?.Detail ?? "the token does not allow this operation").ConfigureAwait(false);
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult).ConfigureAwait(false);
    }
}
