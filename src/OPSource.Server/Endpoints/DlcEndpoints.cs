using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OPSource.Dlc;
using OPSource.Dlc.Lifecycle;
using OPSource.Dlc.Messages;
using OPSource.Dlc.Oracle;
using OPSource.Platform.Security;
using OPSource.Server.Security;

namespace OPSource.Server.Endpoints;

/// <summary>
/// <c>/api/v1/dlcs/...</c> (contracts: offer, accept, sign, close, refund, sync; message tools) and
/// <c>/api/v1/oracle/...</c> (the built-in oracle: announcements and attestations are public, announcing and
/// attesting need an operator). A thin adapter over <see cref="DlcManager"/> and <see cref="DlcOracleService"/>:
/// refusals are <see cref="DlcException"/>s that the host turns into problem+json with the kind as <c>code</c>.
/// </summary>
public static class DlcEndpoints
{
    /// <summary>Maps the endpoints on the <c>/api/v1</c> group.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        var dlcs = api.MapGroup("/dlcs").WithTags("dlc");
        dlcs.MapGet("", ListAsync).WithName("dlc_list");
        dlcs.MapGet("/{id}", ShowAsync).WithName("dlc_show").RequireScope(ResourceScope.DlcKind, "id");
        dlcs.MapPost("/offers", OfferAsync).WithName("dlc_offer").RequireRole(ApiRole.Operator);
        dlcs.MapPost("/accept", AcceptAsync).WithName("dlc_accept").RequireRole(ApiRole.Operator);
        dlcs.MapPost("/sign", SignAsync).WithName("dlc_sign").RequireRole(ApiRole.Operator);
        dlcs.MapPost("/sync", SyncAsync).WithName("dlc_sync").RequireRole(ApiRole.Operator);
        dlcs.MapPost("/{id}/close", CloseAsync).WithName("dlc_close").RequireRole(ApiRole.Operator).RequireScope(ResourceScope.DlcKind, "id");
        dlcs.MapPost("/{id}/refund", RefundAsync).WithName("dlc_refund").RequireRole(ApiRole.Operator).RequireScope(ResourceScope.DlcKind, "id");
        dlcs.MapPost("/messages/decode", DecodeAsync).WithName("dlc_message_decode");
        dlcs.MapPost("/messages/encode", EncodeAsync).WithName("dlc_message_encode");
        dlcs.MapPost("/messages/verify", VerifyAsync).WithName("dlc_message_verify");

        var oracle = api.MapGroup("/oracle").WithTags("oracle");
        oracle.MapGet("", OracleInfoAsync).WithName("oracle_info").AllowAnonymous();
        oracle.MapGet("/events", OracleListAsync).WithName("oracle_events").AllowAnonymous();
        oracle.MapGet("/events/{id}", OracleEventAsync).WithName("oracle_event").AllowAnonymous();
        oracle.MapPost("/events", AnnounceAsync).WithName("oracle_announce").RequireRole(ApiRole.Operator);
        oracle.MapPost("/events/{id}/attest", AttestAsync).WithName("oracle_attest").RequireRole(ApiRole.Operator);
    }

    private static IResult Json(JsonNode node, int status = StatusCodes.Status200OK) =>
        Results.Content(node.ToJsonString(), "application/json", System.Text.Encoding.UTF8, status);

    private static async Task<JsonObject> BodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken).ConfigureAwait(false) as JsonObject
                ?? throw new DlcFormatException(DlcFormatErrorKind.InvalidJson, "$", "the request body must be a JSON object");
        }
        catch (JsonException ex)
        {
            throw new DlcFormatException(DlcFormatErrorKind.InvalidJson, "$", "invalid JSON: " + ex.Message);
        }
    }

    private static ContractId Id(string id) =>
        ContractId.TryParse(id, out var parsed) ? parsed : throw new DlcFormatException("id", "expected a 64-hex-digit contract id");

    private static T Message<T>(JsonObject body, string field)
        where T : DlcMessage =>
        DlcInput.ParseMessage(body[field] ?? throw new DlcFormatException(DlcFormatErrorKind.MissingField, field, "missing"), field) as T
        ?? throw new DlcFormatException(DlcFormatErrorKind.WrongMessage, field, $"expected {typeof(T).Name}");

    internal static async Task<IResult> ListAsync(HttpContext http, DlcManager manager, CancellationToken cancellationToken)
    {
        var principal = http.GetApiPrincipal();
        var list = await manager.ListAsync(cancellationToken).ConfigureAwait(false);
        var visible = list.Where(r => principal is null || principal.CanAccess(ResourceScope.DlcKind, r.Id.ToString()));
        return Json(new JsonObject { ["dlcs"] = new JsonArray([.. visible.Select(r => (JsonNode)DlcViews.Contract(r))]) });
    }

    internal static async Task<IResult> ShowAsync(string id, DlcManager manager, CancellationToken cancellationToken)
    {
        var record = await manager.GetAsync(Id(id), cancellationToken).ConfigureAwait(false);
        var json = DlcViews.Contract(record);
        json["offer"] = DlcViews.Message(record.Offer);
        json["accept"] = record.Accept is null ? null : DlcViews.Message(record.Accept);
        json["sign"] = record.Sign is null ? null : DlcViews.Message(record.Sign);
        return Json(json);
    }

    internal static async Task<IResult> OfferAsync(HttpRequest request, DlcManager manager, CancellationToken cancellationToken)
    {
        var body = await BodyAsync(request, cancellationToken).ConfigureAwait(false);
        var (record, offer) = await manager.OfferAsync(DlcInput.ParseOfferRequest(body), cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject { ["contract"] = DlcViews.Contract(record), ["offer"] = DlcViews.Message(offer) }, StatusCodes.Status201Created);
    }

    internal static async Task<IResult> AcceptAsync(HttpRequest request, DlcManager manager, CancellationToken cancellationToken)
    {
        var body = await BodyAsync(request, cancellationToken).ConfigureAwait(false);
        var wallet = body["wallet"]?.GetValue<string>() ?? throw new DlcFormatException(DlcFormatErrorKind.MissingField, "wallet", "missing");
        var (record, accept) = await manager.AcceptAsync(Message<OfferDlc>(body, "offer"), wallet, cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject { ["contract"] = DlcViews.Contract(record), ["accept"] = DlcViews.Message(accept) }, StatusCodes.Status201Created);
    }

    internal static async Task<IResult> SignAsync(HttpRequest request, DlcManager manager, CancellationToken cancellationToken)
    {
        var body = await BodyAsync(request, cancellationToken).ConfigureAwait(false);
        if (body.ContainsKey("accept"))
        {
            var (record, sign) = await manager.SignAsync(Message<AcceptDlc>(body, "accept"), cancellationToken).ConfigureAwait(false);
            return Json(new JsonObject { ["contract"] = DlcViews.Contract(record), ["sign"] = DlcViews.Message(sign) });
        }

        var completed = await manager.CompleteFundingAsync(Message<SignDlc>(body, "sign"), cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject { ["contract"] = DlcViews.Contract(completed) });
    }

    internal static async Task<IResult> SyncAsync(DlcManager manager, CancellationToken cancellationToken)
    {
        var changed = await manager.SyncAsync(cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject { ["changed"] = new JsonArray([.. changed.Select(r => (JsonNode)DlcViews.Contract(r))]) });
    }

    internal static async Task<IResult> CloseAsync(string id, HttpRequest request, DlcManager manager, CancellationToken cancellationToken)
    {
        var body = request.ContentLength is > 0 ? await BodyAsync(request, cancellationToken).ConfigureAwait(false) : [];
        var attestations = (body["attestations"] as JsonArray ?? []).Select((n, i) => DlcInput.ParseAttestation(n, $"attestations[{i}]")).ToList();
        var record = await manager.CloseAsync(Id(id), attestations, cancellationToken).ConfigureAwait(false);
        return Json(DlcViews.Contract(record));
    }

    internal static async Task<IResult> RefundAsync(string id, DlcManager manager, CancellationToken cancellationToken) =>
        Json(DlcViews.Contract(await manager.RefundAsync(Id(id), cancellationToken).ConfigureAwait(false)));

    internal static async Task<IResult> DecodeAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await BodyAsync(request, cancellationToken).ConfigureAwait(false);
        var hex = body["hex"]?.GetValue<string>() ?? throw new DlcFormatException(DlcFormatErrorKind.MissingField, "hex", "missing");
        return Json(DlcViews.Message(DlcInput.ParseMessage(hex)));
    }

    internal static async Task<IResult> EncodeAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await BodyAsync(request, cancellationToken).ConfigureAwait(false);
        return Json(DlcViews.Message(DlcJsonCodec.FromJson(body["message"] ?? body)));
    }

    internal static async Task<IResult> VerifyAsync(HttpRequest request, DlcManager manager, CancellationToken cancellationToken)
    {
        var body = await BodyAsync(request, cancellationToken).ConfigureAwait(false);
        var sign = body["sign"] is null ? null : Message<SignDlc>(body, "sign");
        var report = DlcMessageVerifier.Verify(Message<OfferDlc>(body, "offer"), Message<AcceptDlc>(body, "accept"), sign, manager.Policy, cancellationToken);
        return Json(DlcViews.Report(report));
    }

    internal static async Task<IResult> OracleInfoAsync(DlcOracleService oracle, CancellationToken cancellationToken)
    {
        var has = await oracle.HasKeyAsync(cancellationToken).ConfigureAwait(false);
        var key = has ? Convert.ToHexStringLower((await oracle.GetPublicKeyAsync(cancellationToken).ConfigureAwait(false)).ToBytes()) : null;
        return Json(new JsonObject { ["public_key"] = key });
    }

    internal static async Task<IResult> OracleListAsync(DlcOracleService oracle, CancellationToken cancellationToken)
    {
        var list = await oracle.ListAsync(cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject { ["events"] = new JsonArray([.. list.Select(e => (JsonNode)DlcViews.OracleEvent(e))]) });
    }

    internal static async Task<IResult> OracleEventAsync(string id, DlcOracleService oracle, CancellationToken cancellationToken)
    {
        var e = await oracle.GetAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new DlcException(DlcErrorKind.NotFound, $"oracle: no event '{id}'");
        return Json(DlcViews.OracleEvent(e));
    }

    internal static async Task<IResult> AnnounceAsync(HttpRequest request, DlcOracleService oracle, TimeProvider time, CancellationToken cancellationToken)
    {
        var body = await BodyAsync(request, cancellationToken).ConfigureAwait(false);
        var (eventId, descriptor, maturity) = OracleInput.ParseAnnounce(body, time.GetUtcNow());
        var e = await oracle.AnnounceAsync(eventId, descriptor, maturity, cancellationToken).ConfigureAwait(false);
        return Json(DlcViews.OracleEvent(e), StatusCodes.Status201Created);
    }

    internal static async Task<IResult> AttestAsync(string id, HttpRequest request, DlcOracleService oracle, CancellationToken cancellationToken)
    {
        var body = await BodyAsync(request, cancellationToken).ConfigureAwait(false);
        var outcome = body["outcome"] switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v when v.TryGetValue<long>(out var n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => throw new DlcFormatException(DlcFormatErrorKind.MissingField, "outcome", "missing (a string, or an integer for numeric events)"),
        };
        return Json(DlcViews.OracleEvent(await oracle.AttestAsync(id, outcome, cancellationToken).ConfigureAwait(false)));
    }
}
