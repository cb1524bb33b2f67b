using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using OPSource.Layers.Rgb;

namespace OPSource.Server.Endpoints;

/// <summary>
/// <c>/api/v1/rgb/...</c>: RGB 0.11 consignment validation (docs/rgb.md). A thin adapter over
/// <see cref="RgbService"/>: the consignment is the request body in any of its forms (binary <c>.rgb</c>, serde JSON,
/// ASCII armor), witnesses come from the module's <see cref="IWitnessResolver"/> (the configured Bitcoin Core node),
/// the network is the host's. Undecodable bodies are <see cref="RgbDecodeException"/>s the host turns into
/// problem+json <c>invalid_consignment</c>; an invalid consignment is a normal 200 report.
/// </summary>
public static class RgbEndpoints
{
    /// <summary>Maps the endpoints on the <c>/api/v1</c> group.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        var rgb = api.MapGroup("/rgb").WithTags("rgb");
        rgb.MapPost("/validate", ValidateAsync).WithName("rgb_validate");
    }

    /// <summary>
    /// POST /rgb/validate[?safe_height=N]: body = the consignment; the validation report (validity, contract id,
    /// failure, resolver error, warnings, contract state) as <c>rgb validate --json</c> prints it, plus the format.
    /// </summary>
    internal static async Task<IResult> ValidateAsync(RgbService rgb, IWitnessResolver resolver, OpsourceOptions options, HttpRequest request, [FromQuery(Name = "safe_height")] uint? safeHeight, CancellationToken cancellationToken)
    {
        if (safeHeight == 0)
        {
            throw new RgbDecodeException("safe_height must be a block height of at least 1");
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken).ConfigureAwait(false);
        if (body.Length == 0)
        {
            throw new RgbDecodeException("the request body must be a consignment (binary .rgb, JSON or ASCII armor)");
        }

        var loaded = RgbService.LoadConsignment(body.ToArray());
        var report = await rgb.ValidateAsync(loaded.Consignment, resolver, RgbService.ChainNetFor(options.Network), cancellationToken, safeHeight).ConfigureAwait(false);
        JsonObject json = RgbViews.Report(report, loaded.Consignment);
        json["format"] = loaded.Format;
        return Results.Content(json.ToJsonString(), "application/json", System.Text.Encoding.UTF8, StatusCodes.Status200OK);
    }
}
