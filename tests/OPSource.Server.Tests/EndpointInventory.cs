using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Platform.Security;
using OPSource.Server.Security;

namespace OPSource.Server.Tests;

/// <summary>Every HTTP endpoint the app maps, with its method, route, and what it requires.</summary>
internal static class EndpointInventory
{
    public sealed record Entry(string Method, string Path, bool Anonymous, ApiRole MinimumRole, bool AcceptsApiKey);

    public static IReadOnlyList<Entry> List(WebApplication app)
    {
        var sources = app.Services.GetRequiredService<IEnumerable<EndpointDataSource>>();
        var result = new List<Entry>();
        foreach (var endpoint in sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var role = endpoint.Metadata.GetOrderedMetadata<ApiRoleMetadata>().Select(m => m.Role).DefaultIfEmpty(ApiRole.Viewer).Max();
            var path = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            path = path.Length > 1 ? path.TrimEnd('/') : path;
            foreach (var method in methods)
            {
                result.Add(new Entry(method, path, anonymous, role, endpoint.Metadata.GetMetadata<ApiKeyAcceptedMetadata>() is not null));
            }
        }

        return result;
    }
}
