using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OPSource.Platform.Errors;
using OPSource.Platform.Security;
using OPSource.Server.Security;

namespace OPSource.Server.Endpoints;

/// <summary>
/// <c>/auth</c>: exchange an API key for an access token (anonymous), inspect the current token, and
/// manage API keys (admin, unrestricted). The CLI's <c>opsource apikey</c> runs the same services.
/// </summary>
public static class AuthEndpoints
{
    /// <summary>Maps the auth endpoints on the <c>/api/v1</c> group.</summary>
    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("auth");
        auth.MapPost("/token", ExchangeAsync).WithName("auth_token").AllowAnonymous()
            .WithSummary("Exchange an API key for a short-lived access token (JWT)");
        auth.MapGet("/whoami", WhoAmI).WithName("auth_whoami").WithSummary("The current token's subject, role and scopes");
        var keys = auth.MapGroup("/keys").RequireRole(ApiRole.Admin).RequireUnrestricted();
        keys.MapGet("/", ListAsync).WithName("apikey_list").WithSummary("List API keys (never their secrets)");
        keys.MapPost("/", CreateAsync).WithName("apikey_create").WithSummary("Create an API key; the key text is returned once");
        keys.MapDelete("/{id}", RevokeAsync).WithName("apikey_revoke").WithSummary("Revoke an API key (its tokens stop working at once)");
        return api;
    }

    internal static async Task<Ok<TokenResponse>> ExchangeAsync(TokenRequest request, ApiKeyTokenExchange exchange, TimeProvider time, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request?.ApiKey))
        {
            throw new OpsourceException(ErrorCategory.InvalidInput, "missing_api_key", "body must be {\"api_key\": \"opsk_...\"}");
        }

        var token = await exchange.ExchangeAsync(request.ApiKey, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(TokenResponse.From(token, time.GetUtcNow()));
    }

    internal static Ok<WhoAmIResponse> WhoAmI(HttpContext context)
    {
        var principal = context.GetApiPrincipal()!;
        return TypedResults.Ok(new WhoAmIResponse(principal.Subject, principal.Role.ToName(), [.. principal.Scopes.Items.Select(s => s.ToString())], principal.CredentialId, principal.Method));
    }

    internal static async Task<Ok<ApiKeyResponse[]>> ListAsync(ApiKeyStore keys, bool? all, CancellationToken cancellationToken)
    {
        var list = await keys.ListAsync(all ?? false, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(list.Select(ApiKeyResponse.From).ToArray());
    }

    internal static async Task<Created<CreatedApiKeyResponse>> CreateAsync(CreateApiKeyRequest request, ApiKeyStore keys, CancellationToken cancellationToken)
    {
        if (request is null || !ApiRoles.TryParse(request.Role, out var role))
        {
            throw new OpsourceException(ErrorCategory.InvalidInput, "invalid_role", $"role '{request?.Role}' is not one of admin, operator, viewer");
        }

        var scopes = keys.ParseScopes(request.Scopes ?? []);
        var created = await keys.CreateAsync(request.Name, role.Value, scopes, cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"{OpsourceServer.ApiPrefix}/auth/keys/{created.Info.Id}", new CreatedApiKeyResponse(created.Key, ApiKeyResponse.From(created.Info)));
    }

    internal static async Task<Ok<ApiKeyResponse>> RevokeAsync(string id, ApiKeyStore keys, CredentialStatusCache cache, CancellationToken cancellationToken)
    {
        var revoked = await keys.RevokeAsync(id, cancellationToken).ConfigureAwait(false);
        cache.Invalidate(AuthMethods.ApiKey, id);
        return TypedResults.Ok(ApiKeyResponse.From(revoked));
    }
}

/// <summary>Body of <c>POST /auth/token</c>.</summary>
/// <param name="ApiKey">The API key text (<c>opsk_...</c>).</param>
public sealed record TokenRequest(string? ApiKey);

/// <summary>An access token (OAuth 2.0 token response shape, RFC 6749 section 5.1).</summary>
public sealed record TokenResponse(string AccessToken, string TokenType, long ExpiresIn, DateTimeOffset ExpiresAt, string Role, string[] Scopes)
{
    internal static TokenResponse From(AccessToken token, DateTimeOffset now) => new(
        token.Token,
        "Bearer",
        Math.Max(0, (long)(token.ExpiresAt - now).TotalSeconds),
        token.ExpiresAt,
        token.Grant.Role.ToName(),
        [.. token.Grant.Scopes.Items.Select(s => s.ToString())]);
}

/// <summary>Body of <c>GET /auth/whoami</c>.</summary>
public sealed record WhoAmIResponse(string Subject, string Role, string[] Scopes, string KeyId, string AuthMethod);

/// <summary>An API key's public facts.</summary>
public sealed record ApiKeyResponse(string Id, string Name, string Role, string[] Scopes, bool Active, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt)
{
    internal static ApiKeyResponse From(ApiKeyInfo info) => new(
        info.Id, info.Name, info.Role.ToName(), [.. info.Scopes.Items.Select(s => s.ToString())], info.Active, info.CreatedAt, info.RevokedAt, info.LastUsedAt);
}

/// <summary>Body of <c>POST /auth/keys</c>.</summary>
public sealed record CreateApiKeyRequest(string? Name, string? Role, string[]? Scopes);

/// <summary>A created key: <see cref="Key"/> is shown this once.</summary>
public sealed record CreatedApiKeyResponse(string Key, ApiKeyResponse ApiKey);
