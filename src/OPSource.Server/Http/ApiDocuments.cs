using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using OPSource.Platform.Security;
using OPSource.Server.Security;
using Scalar.AspNetCore;

namespace OPSource.Server.Http;

/// <summary>
/// The OpenAPI 3.1 document (<c>/openapi/v1.json</c>, Microsoft.AspNetCore.OpenApi) and the Scalar
/// reference UI (<c>/scalar</c>). Every operation states its authentication: anonymous ones have an
/// empty <c>security</c> list, the others require the <c>bearer</c> scheme and carry
/// <c>x-opsource-role</c> (minimum role), <c>x-opsource-scope</c> (<c>wallet:{name}</c>) and
/// <c>x-opsource-unrestricted</c> when they apply. Both are served without a token (they hold no data).
/// </summary>
public static class ApiDocuments
{
    /// <summary>The security scheme name.</summary>
    public const string BearerScheme = "bearer";

    /// <summary>Path of the OpenAPI document.</summary>
    public const string DocumentPath = "/openapi/v1.json";

    internal static IServiceCollection AddApiDocuments(this IServiceCollection services)
    {
        services.AddOpenApi("v1", o =>
        {
            o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "OPSource API",
                    Version = ServerRuntime.Version,
                    Description = "Self-hosted Bitcoin platform. Exchange an API key for a bearer token at POST /api/v1/auth/token; errors are RFC 9457 problem+json with a `code`. See docs/api.md.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "Access token from POST /api/v1/auth/token (typ at+jwt, HS256, short-lived)",
                };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<IAllowAnonymous>().Any())
                {
                    operation.Security = [];
                    return Task.CompletedTask;
                }

                operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }];
                operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                var role = metadata.OfType<ApiRoleMetadata>().Select(m => m.Role).DefaultIfEmpty(ApiRole.Viewer).Max();
                operation.Extensions["x-opsource-role"] = new JsonNodeExtension(JsonValue.Create(role.ToName()));
                var scopes = metadata.OfType<ApiScopeMetadata>().Select(m => m.Kind + ":{" + m.RouteValue + "}").ToArray();
                if (scopes.Length > 0)
                {
                    operation.Extensions["x-opsource-scope"] = new JsonNodeExtension(new JsonArray([.. scopes.Select(s => (JsonNode)s)]));
                }

                if (metadata.OfType<ApiUnrestrictedMetadata>().Any())
                {
                    operation.Extensions["x-opsource-unrestricted"] = new JsonNodeExtension(JsonValue.Create(true));
                }

                return Task.CompletedTask;
            });
        });
        return services;
    }

    internal static void MapApiDocuments(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous().DisableRateLimiting();
        app.MapScalarApiReference("/scalar", o =>
        {
            o.Title = "OPSource API";
            o.OpenApiRoutePattern = "/openapi/{documentName}.json";
        }).AllowAnonymous().DisableRateLimiting();
    }
}
