using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OPSource.Platform.Security;

namespace OPSource.Server.Security;

/// <summary>
/// How endpoint adapters state who may call them. Every endpoint under <c>/api/v1</c> requires an
/// authenticated caller with at least <see cref="ApiRole.Viewer"/> unless it says otherwise:
/// <code>
/// var wallet = api.MapGroup("/wallets/{name}").RequireScope(ResourceScope.WalletKind, "name");
/// wallet.MapGet("/balance", GetBalance);                              // viewer (the default)
/// wallet.MapPost("/send", Send).RequireRole(ApiRole.Operator);       // moves funds
/// wallet.MapPost("/export", Export).RequireRole(ApiRole.Admin).RequireUnrestricted();
/// </code>
/// A scope check reads the route value (<c>{name}</c>) and lets a token through when it is unrestricted
/// or lists <c>wallet:{name}</c>. Handlers that list resources filter with
/// <see cref="ApiPrincipal.CanAccess"/> (<c>httpContext.GetApiPrincipal()</c>).
/// </summary>
public static class ApiAuthorization
{
    /// <summary>Requires at least <paramref name="role"/> (admin ⊇ operator ⊇ viewer).</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, ApiRole role)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WithMetadata(new ApiRoleMetadata(role));
        return builder.RequireAuthorization(new AuthorizationPolicyBuilder().AddRequirements(new ApiRoleRequirement(role)).Build());
    }

    /// <summary>
    /// Requires the token to reach the resource <paramref name="kind"/>:{value of route parameter
    /// <paramref name="routeValue"/>} (403 <c>scope_denied</c> otherwise). Also requires a viewer at least.
    /// </summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string kind, string routeValue)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentException.ThrowIfNullOrWhiteSpace(routeValue);
        ResourceScope.Create(kind, "x");
        builder.WithMetadata(new ApiScopeMetadata(kind, routeValue));
        return builder.RequireAuthorization(new AuthorizationPolicyBuilder().AddRequirements(new ApiScopeRequirement(kind, routeValue)).Build());
    }

    /// <summary>Requires a token without scope restrictions (key management, node-wide settings).</summary>
    public static TBuilder RequireUnrestricted<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WithMetadata(new ApiUnrestrictedMetadata());
        return builder.RequireAuthorization(new AuthorizationPolicyBuilder().AddRequirements(new ApiUnrestrictedRequirement()).Build());
    }

    /// <summary>
    /// Lets the endpoint also accept an API key itself as the bearer credential (<c>Authorization: Bearer
    /// opsk_...</c>) besides an access token: for scrapers that cannot exchange keys (Prometheus <c>/metrics</c>).
    /// </summary>
    public static TBuilder AcceptApiKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(new ApiKeyAcceptedMetadata());
    }

    /// <summary>The authenticated caller, or null for an anonymous request.</summary>
    public static ApiPrincipal? GetApiPrincipal(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items.TryGetValue(typeof(ApiPrincipal), out var cached))
        {
            return cached as ApiPrincipal;
        }

        var principal = ApiPrincipal.FromClaims(context.User);
        context.Items[typeof(ApiPrincipal)] = principal;
        return principal;
    }

    /// <summary>The policy for endpoints that state nothing: an authenticated viewer.</summary>
    internal static AuthorizationPolicy DefaultPolicy { get; } =
        new AuthorizationPolicyBuilder().AddRequirements(new ApiRoleRequirement(ApiRole.Viewer)).Build();
}

/// <summary>Endpoint metadata: the minimum role (read by the OpenAPI document).</summary>
/// <param name="Role">Minimum role.</param>
public sealed record ApiRoleMetadata(ApiRole Role);

/// <summary>Endpoint metadata: a scope check on a route value (read by the OpenAPI document).</summary>
/// <param name="Kind">Resource kind.</param>
/// <param name="RouteValue">Route parameter holding the resource id.</param>
public sealed record ApiScopeMetadata(string Kind, string RouteValue);

/// <summary>Endpoint metadata: the token must not be scope-restricted.</summary>
public sealed record ApiUnrestrictedMetadata;

/// <summary>Endpoint metadata: an API key is accepted directly as the bearer credential.</summary>
public sealed record ApiKeyAcceptedMetadata;

internal sealed record ApiRoleRequirement(ApiRole Role) : IAuthorizationRequirement;

internal sealed record ApiScopeRequirement(string Kind, string RouteValue) : IAuthorizationRequirement;

internal sealed record ApiUnrestrictedRequirement : IAuthorizationRequirement;

/// <summary>Why an authorization requirement failed (turned into the 403 problem's code).</summary>
internal sealed class ApiForbiddenReason(string code, string detail) : IAuthorizationRequirement
{
    public string Code { get; } = code;

    public string Detail { get; } = detail;
}

/// <summary>Checks <see cref="ApiRoleRequirement"/>, <see cref="ApiScopeRequirement"/> and <see cref="ApiUnrestrictedRequirement"/>.</summary>
internal sealed class ApiAuthorizationHandler : IAuthorizationHandler
{
    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        var http = context.Resource as HttpContext;
        var principal = http?.GetApiPrincipal() ?? ApiPrincipal.FromClaims(context.User);
        foreach (var requirement in context.PendingRequirements.ToList())
        {
            if (principal is null)
            {
                // Unauthenticated: leave the requirement pending, the challenge answers 401.
                continue;
            }

            switch (requirement)
            {
                case ApiRoleRequirement role when principal.HasRole(role.Role):
                    context.Succeed(requirement);
                    break;
                case ApiRoleRequirement role:
                    Forbid(context, http, "insufficient_role", $"this operation needs the {role.Role.ToName()} role (the token has {principal.Role.ToName()})");
                    break;
                case ApiScopeRequirement scope:
                    var id = http?.GetRouteValue(scope.RouteValue) as string;
                    if (id is not null && principal.CanAccess(scope.Kind, id))
                    {
                        context.Succeed(requirement);
                    }
                    else
                    {
                        Forbid(context, http, "scope_denied", $"the token is not scoped to {scope.Kind}:{id}");
                    }

                    break;
                case ApiUnrestrictedRequirement when principal.Scopes.IsUnrestricted:
                    context.Succeed(requirement);
                    break;
                case ApiUnrestrictedRequirement:
                    Forbid(context, http, "scope_denied", "this operation needs a token without scope restrictions");
                    break;
            }
        }

        return Task.CompletedTask;
    }

    private static void Forbid(AuthorizationHandlerContext context, HttpContext? http, string code, string detail)
    {
        if (http is not null && !http.Items.ContainsKey(typeof(ApiForbiddenReason)))
        {
            http.Items[typeof(ApiForbiddenReason)] = new ApiForbiddenReason(code, detail);
        }

        context.Fail();
    }
}
