using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OPSource.Chain.Rpc;
using OPSource.ML.Fees;

namespace OPSource.Server.Endpoints;

/// <summary>The ML module's HTTP adapter: <c>GET /api/v1/ml/fees</c>, the fee model's current predictions next to the node's estimates.</summary>
public static class MlEndpoints
{
    /// <summary>Maps the endpoints on the <c>/api/v1</c> group.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/ml/fees", GetFeesAsync).WithName("ml_fees");
    }

    internal static async Task<Results<JsonHttpResult<FeePredictionSet>, ProblemHttpResult>> GetFeesAsync(FeeService service, CancellationToken cancellationToken)
    {
        try
        {
            var set = await service.PredictLiveAsync(cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(set, MlJsonContext.Default.FeePredictionSet);
        }
        catch (FeeDataException ex)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "fee model unavailable", ex.Error.Detail, "fee_model_unavailable");
        }
        catch (BitcoinRpcException ex)
        {
            return Problem(StatusCodes.Status502BadGateway, "node unavailable", ex.Message, "node_unavailable");
        }
    }

    private static ProblemHttpResult Problem(int status, string title, string detail, string code) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: "https://opsource.dev/problems/" + code, extensions: new Dictionary<string, object?> { ["code"] = code });
}
