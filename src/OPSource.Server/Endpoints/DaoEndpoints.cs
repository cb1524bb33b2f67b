using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OPSource.Dao;
using OPSource.Dao.Bundle;
using OPSource.Dao.Log;
using OPSource.Dao.Model;
using OPSource.Dao.Service;
using OPSource.Platform.Security;
using OPSource.Server.Security;
using PartiallySignedTransaction = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Server.Endpoints;

/// <summary>
/// <c>/api/v1/daos/...</c>: a thin adapter over <see cref="DaoService"/>. Reading needs a viewer with the
/// <c>dao:{id}</c> scope; votes, transfers and proposals are member-signed (the signature, not the caller,
/// proves membership), so any caller with the scope may submit them; creating, closing, canceling,
/// executing and anchoring need the operator role.
/// </summary>
public static class DaoEndpoints
{
    /// <summary>Maps the endpoints on the <c>/api/v1</c> group.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        var daos = api.MapGroup("/daos").WithTags("dao");
        daos.MapGet("", ListAsync).WithName("dao_list");
        daos.MapPost("", CreateAsync).WithName("dao_create").RequireRole(ApiRole.Operator);
        daos.MapPost("/verify", VerifyAsync).WithName("dao_verify");
        var dao = daos.MapGroup("/{id}").RequireScope(ResourceScope.DaoKind, "id");
        dao.MapGet("", ShowAsync).WithName("dao_show");
        dao.MapGet("/members", MembersAsync).WithName("dao_members");
        dao.MapGet("/proposals/{proposal}", ProposalAsync).WithName("dao_proposal");
        dao.MapGet("/bundle", ExportAsync).WithName("dao_export");
        dao.MapPost("/votes", SubmitAsync).WithName("dao_vote").RequireRole(ApiRole.Viewer);
        dao.MapPost("/transfers", SubmitAsync).WithName("dao_transfer").RequireRole(ApiRole.Viewer);
        dao.MapPost("/proposals", SubmitAsync).WithName("dao_propose").RequireRole(ApiRole.Viewer);
        dao.MapPost("/proposals/{proposal}/close", CloseAsync).WithName("dao_close").RequireRole(ApiRole.Operator);
        dao.MapPost("/proposals/{proposal}/cancel", CancelAsync).WithName("dao_cancel").RequireRole(ApiRole.Operator);
        dao.MapPost("/proposals/{proposal}/execute", ExecuteAsync).WithName("dao_execute").RequireRole(ApiRole.Operator);
        dao.MapPost("/treasury/rotate", RotateAsync).WithName("dao_rotate").RequireRole(ApiRole.Operator);
        dao.MapPost("/anchor", AnchorAsync).WithName("dao_anchor").RequireRole(ApiRole.Operator);
    }

    private static IResult Json(JsonNode node, int status = StatusCodes.Status200OK) =>
        Results.Content(node.ToJsonString(), "application/json", System.Text.Encoding.UTF8, status);

    private static async Task<JsonObject> BodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken).ConfigureAwait(false) as JsonObject
                ?? throw new DaoException("the request body must be a JSON object");
        }
        catch (JsonException ex)
        {
            throw new DaoException("invalid JSON: " + ex.Message);
        }
    }

    private static string Str(JsonObject body, string name) =>
        body[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new DaoException($"{name} must be a string");

    internal static async Task<IResult> ListAsync(HttpContext http, DaoService service, CancellationToken cancellationToken)
    {
        var principal = http.GetApiPrincipal();
        var list = await service.ListAsync(cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject
        {
            ["daos"] = new JsonArray([.. list.Where(d => principal is null || principal.CanAccess(ResourceScope.DaoKind, d.Id)).Select(d => (JsonNode)new JsonObject { ["id"] = d.Id, ["name"] = d.Name, ["treasury_wallet"] = d.TreasuryWallet })]),
        });
    }

    internal static async Task<IResult> CreateAsync(HttpRequest request, DaoService service, CancellationToken cancellationToken)
    {
        var body = await BodyAsync(request, cancellationToken).ConfigureAwait(false);
        if (!DaoKeys.TryParseGovernance(body["governance"]?.GetValue<string>() ?? "multisig", out var governance))
        {
            throw new DaoException("governance must be multisig, token or quadratic");
        }

        var members = body["members"] is JsonArray array
            ? array.Select(m => DaoEventCodec.ParseMember(JsonDocument.Parse(m!.ToJsonString()).RootElement)).ToList()
            : throw new DaoException("members must be an array of {key, weight, did?}");
        var parameters = body["parameters"] is JsonObject p
            ? DaoEventCodec.ParseParameters(JsonDocument.Parse(p.ToJsonString()).RootElement)
            : throw new DaoException("parameters must be an object");
        if (parameters.Validate() is { } problem)
        {
            throw new DaoException(problem);
        }

        var signers = body["signers"]?.GetValue<int>() ?? 1;
        var state = await service.CreateAsync(new CreateDaoRequest(Str(body, "name"), governance, members, parameters, signers, body["mintable"]?.GetValue<bool>() ?? false, body["treasury"]?.GetValue<bool>() ?? false), cancellationToken).ConfigureAwait(false);
        var (record, loaded, _) = await service.LoadAsync(state.DaoId, cancellationToken).ConfigureAwait(false);
        return Json(DaoViews.Summary(record, loaded, loaded.LastHeight), StatusCodes.Status201Created);
    }

    internal static async Task<IResult> ShowAsync(string id, DaoService service, CancellationToken cancellationToken)
    {
        var (record, state, _) = await service.LoadAsync(id, cancellationToken).ConfigureAwait(false);
        return Json(DaoViews.Summary(record, state, await service.TipAsync(cancellationToken).ConfigureAwait(false)));
    }

    internal static async Task<IResult> MembersAsync(string id, DaoService service, CancellationToken cancellationToken)
    {
        var (_, state, _) = await service.LoadAsync(id, cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject
        {
            ["supply"] = state.Supply,
            ["members"] = new JsonArray([.. state.Members.Values.Select(m => (JsonNode)new JsonObject { ["key"] = m.KeyHex, ["balance"] = m.Balance, ["power"] = state.PowerOf(m), ["did"] = m.Did })]),
        });
    }

    internal static async Task<IResult> ProposalAsync(string id, string proposal, DaoService service, CancellationToken cancellationToken)
    {
        var (_, state, _) = await service.LoadAsync(id, cancellationToken).ConfigureAwait(false);
        var p = state.FindProposal(proposal) ?? throw new DaoException(OPSource.Platform.Errors.ErrorCategory.NotFound, "dao_not_found", $"no proposal {proposal}");
        return Json(DaoViews.Proposal(state, p, await service.TipAsync(cancellationToken).ConfigureAwait(false)));
    }

    internal static async Task<IResult> ExportAsync(string id, DaoService service, CancellationToken cancellationToken)
    {
        var bundle = await service.ExportAsync(id, cancellationToken).ConfigureAwait(false);
        return Results.Content(bundle.ToJson(), "application/json", System.Text.Encoding.UTF8);
    }

    internal static async Task<IResult> SubmitAsync(string id, HttpRequest request, DaoService service, CancellationToken cancellationToken)
    {
        var body = await BodyAsync(request, cancellationToken).ConfigureAwait(false);
        var e = await service.SubmitAsync(id, SignedAction.Parse(body.ToJsonString()), cancellationToken).ConfigureAwait(false);
        return Json(DaoViews.Event(e), StatusCodes.Status201Created);
    }

    internal static async Task<IResult> CloseAsync(string id, string proposal, DaoService service, CancellationToken cancellationToken)
    {
        var (close, anchor) = await service.CloseAsync(id, proposal, cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject { ["close"] = DaoViews.Event(close), ["anchor"] = anchor is null ? null : DaoViews.Event(anchor) });
    }

    internal static async Task<IResult> CancelAsync(string id, string proposal, HttpRequest request, DaoService service, CancellationToken cancellationToken)
    {
        var body = request.ContentLength is > 0 ? await BodyAsync(request, cancellationToken).ConfigureAwait(false) : [];
        var reason = body["reason"] is JsonValue v && v.TryGetValue<string>(out var r) ? r : "";
        return Json(DaoViews.Event(await service.CancelAsync(id, proposal, reason, cancellationToken).ConfigureAwait(false)));
    }

    private static List<PartiallySignedTransaction> Psbts(JsonObject body)
    {
        var signed = new List<PartiallySignedTransaction>();
        if (body["psbts"] is JsonArray psbts)
        {
            foreach (var node in psbts)
            {
                var text = node is JsonValue v && v.TryGetValue<string>(out var t) ? t : throw new DaoException("psbts must be an array of base64 strings");
                signed.Add(PartiallySignedTransaction.TryParse(text, out var psbt, out var error) ? psbt : throw new OPSource.Bitcoin.Psbt.PsbtError(error.Kind, "psbts: " + error.Message, error.Position).ToException());
            }
        }

        return signed;
    }

    internal static async Task<IResult> ExecuteAsync(string id, string proposal, HttpRequest request, DaoService service, CancellationToken cancellationToken)
    {
        var body = request.ContentLength is > 0 ? await BodyAsync(request, cancellationToken).ConfigureAwait(false) : [];
        var result = await service.ExecuteAsync(id, proposal, Psbts(body), cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject { ["executed"] = result.Executed, ["txid"] = result.Txid, ["psbt"] = result.Psbt, ["signatures"] = result.Signatures, ["required"] = result.Required });
    }

    internal static async Task<IResult> RotateAsync(string id, HttpRequest request, DaoService service, CancellationToken cancellationToken)
    {
        var body = request.ContentLength is > 0 ? await BodyAsync(request, cancellationToken).ConfigureAwait(false) : [];
        decimal? rate = body["fee_rate_sat_vb"] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<decimal>(out var r) && r >= 1 && r <= 10_000 => r,
            _ => throw new DaoException("fee_rate_sat_vb must be a number from 1 to 10000"),
        };
        var empty = body["empty"] is JsonValue e && e.TryGetValue<bool>(out var b) && b;
        var result = await service.RotateAsync(id, Psbts(body), rate, empty, cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject { ["rotated"] = result.Executed, ["txid"] = result.Txid, ["psbt"] = result.Psbt, ["signatures"] = result.Signatures, ["required"] = result.Required });
    }

    internal static async Task<IResult> AnchorAsync(string id, HttpRequest request, DaoService service, CancellationToken cancellationToken)
    {
        var body = await BodyAsync(request, cancellationToken).ConfigureAwait(false);
        var proposal = body["proposal"] is JsonValue v && v.TryGetValue<string>(out var p) ? p : null;
        return Json(DaoViews.Event(await service.AnchorAsync(id, proposal, Str(body, "wallet"), cancellationToken).ConfigureAwait(false)));
    }

    internal static async Task<IResult> VerifyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body);
        var bundle = DaoBundle.Parse(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false));
        var allow = request.Query["allow_unconfirmed"] == "true";
        var result = await DaoVerifier.VerifyAsync(bundle, null, new DaoVerifierOptions(allow), cancellationToken).ConfigureAwait(false);
        return Json(DaoViews.Verification(result), result.Ok ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity);
    }
}
