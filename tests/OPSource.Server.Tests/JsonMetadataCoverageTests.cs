using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OPSource.Server.Modules;

namespace OPSource.Server.Tests;

/// <summary>
/// Native AOT has no reflection-based JSON: every type an endpoint binds (route, query and body parameters) or
/// declares as a response must have source-generated metadata in the server's resolver chain, or the endpoint
/// (and the OpenAPI document, which describes every parameter through the same chain) fails at run time.
/// </summary>
public sealed class JsonMetadataCoverageTests
{
    [Fact]
    public async Task Every_endpoint_parameter_body_and_response_type_has_source_generated_json_metadata()
    {
        await using var host = await TestHost.StartAsync(OpsourceModules.All, services: SourceGeneratedJson.Only);
        var options = host.Get<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        Assert.DoesNotContain(options.TypeInfoResolverChain, r => r is DefaultJsonTypeInfoResolver);
        Assert.NotEmpty(options.TypeInfoResolverChain);

        var missing = new SortedSet<string>(StringComparer.Ordinal);
        void Check(Type? type, string where)
        {
            if (type is null || type == typeof(void) || typeof(IResult).IsAssignableFrom(type))
            {
                return;
            }

            if (!options.TryGetTypeInfo(type, out _))
            {
                missing.Add($"{type} ({where})");
            }
        }

        // What the OpenAPI document generator asks for: the API explorer's parameters and response types.
        var descriptions = host.Get<IApiDescriptionGroupCollectionProvider>().ApiDescriptionGroups.Items.SelectMany(g => g.Items).ToList();
        foreach (var description in descriptions)
        {
            var label = description.HttpMethod + " /" + description.RelativePath;
            foreach (var parameter in description.ParameterDescriptions)
            {
                Check(parameter.Type, label + " parameter " + parameter.Name);
            }

            foreach (var response in description.SupportedResponseTypes)
            {
                Check(response.Type, label + " response " + response.StatusCode);
            }
        }

        // What the endpoints themselves bind and write: request body types and declared response types.
        var endpoints = host.Get<IEnumerable<EndpointDataSource>>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().ToList();
        foreach (var endpoint in endpoints)
        {
            var label = endpoint.DisplayName ?? endpoint.RoutePattern.RawText ?? "?";
            foreach (var accepts in endpoint.Metadata.GetOrderedMetadata<IAcceptsMetadata>())
            {
                Check(accepts.RequestType, label + " body");
            }

            foreach (var produces in endpoint.Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>())
            {
                Check(produces.Type, label + " response " + produces.StatusCode);
            }
        }

        // Every module's endpoints were looked at (the API explorer sees what the data sources map).
        var api = endpoints.Count(e => e.RoutePattern.RawText!.TrimStart('/').StartsWith("api/v1/", StringComparison.Ordinal));
        Assert.True(descriptions.Count >= api, $"the API explorer describes {descriptions.Count} operations for {api} API endpoints");
        foreach (var prefix in new[] { "auth", "wallets", "daos", "dlcs", "oracle", "web5", "rsk", "stacks", "ml", "node", "health" })
        {
            Assert.True(descriptions.Any(d => d.RelativePath!.StartsWith("api/v1/" + prefix, StringComparison.Ordinal)), $"no endpoint under /api/v1/{prefix}");
        }

        Assert.True(missing.Count == 0, "types without source-generated JSON metadata:\n" + string.Join("\n", missing));
    }
}
