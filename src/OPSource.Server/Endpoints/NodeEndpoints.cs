using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OPSource.Chain.Rpc;
using OPSource.Node;

namespace OPSource.Server.Endpoints;

/// <summary><c>GET /api/v1/node</c>: the node connection's settings (redacted) and the node's status.</summary>
public static class NodeEndpoints
{
    /// <summary>Maps the node endpoints on the <c>/api/v1</c> group.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/node", GetAsync).WithName("node");
    }

    /// <summary>200 with the status; 503 when no node is configured; 502 when the node cannot be asked.</summary>
    internal static async Task<Results<JsonHttpResult<JsonObject>, ProblemHttpResult>> GetAsync(NodeStatusService status, CancellationToken cancellationToken)
    {
        try
        {
            var current = await status.GetAsync(cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(NodeStatusJson.Status(current, status.Options), NodeJsonContext.Default.JsonObject);
        }
        catch (NodeNotConfiguredException ex)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "node not configured", ex.Message, "node_not_configured");
        }
        catch (BitcoinRpcException ex)
        {
            return Problem(StatusCodes.Status502BadGateway, "node unavailable", ex.Message, "node_unavailable");
        }
    }

    private static ProblemHttpResult Problem(int status, string title, string detail, string code) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: "https://opsource.dev/problems/" + code, extensions: new Dictionary<string, object?> { ["code"] = code });
}

/// <summary>Source-generated JSON metadata for the node endpoint (Native AOT).</summary>
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class NodeJsonContext : JsonSerializerContext;
