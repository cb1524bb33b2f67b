using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OPSource.Layers.Rsk;
using OPSource.Layers.Rsk.Abi;
using OPSource.Platform.Security;
using OPSource.Server.Security;

namespace OPSource.Server.Endpoints;

/// <summary>
/// <c>/api/v1/rsk/...</c>: the RSK node's status, balances, read-only contract calls, broadcasting transactions signed
/// by the client (the server holds no RSK keys), receipts, the Bridge's peg parameters and peg-in / peg-out status.
/// A thin adapter over <see cref="RskService"/>; refusals are <see cref="RskException"/>s the host turns into
/// problem+json with the kind as <c>code</c>.
/// </summary>
public static class RskEndpoints
{
    /// <summary>Maps the endpoints on the <c>/api/v1</c> group.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        var rsk = api.MapGroup("/rsk").WithTags("rsk");
        rsk.MapGet("/status", StatusAsync).WithName("rsk_status");
        rsk.MapGet("/addresses/{address}", AddressAsync).WithName("rsk_address");
        rsk.MapPost("/call", CallAsync).WithName("rsk_call");
        rsk.MapPost("/transactions", BroadcastAsync).WithName("rsk_broadcast").RequireRole(ApiRole.Operator);
        rsk.MapPost("/transactions/decode", DecodeAsync).WithName("rsk_decode");
        rsk.MapGet("/transactions/{hash}", ReceiptAsync).WithName("rsk_receipt");
        rsk.MapGet("/peg", BridgeAsync).WithName("rsk_peg");
        rsk.MapGet("/peg/pegins/{btcTxId}", PeginAsync).WithName("rsk_pegin");
        rsk.MapPost("/peg/pegins", FollowPeginAsync).WithName("rsk_pegin_follow").RequireRole(ApiRole.Operator);
        rsk.MapGet("/peg/pegouts/{hash}", PegoutAsync).WithName("rsk_pegout");
    }

    private static IResult Json(JsonNode node, int status = StatusCodes.Status200OK) =>
        Results.Content(node.ToJsonString(), "application/json", System.Text.Encoding.UTF8, status);

    private static async Task<JsonObject> BodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken).ConfigureAwait(false) as JsonObject
                ?? throw new RskException(RskErrorKind.InvalidRequest, "the request body must be a JSON object");
        }
        catch (JsonException ex)
        {
            throw new RskException(RskErrorKind.InvalidRequest, "invalid JSON: " + ex.Message, ex);
        }
    }

    private static string Field(JsonObject body, string name) =>
        body[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new RskException(RskErrorKind.InvalidRequest, $"'{name}' is required (a string)");

    /// <summary>GET /rsk/status: chain id, height, gas price (with <c>?bridge=true</c>, the Bridge's parameters).</summary>
    internal static async Task<IResult> StatusAsync(RskService rsk, bool? bridge, CancellationToken cancellationToken)
    {
        var json = RskViews.Status(await rsk.GetStatusAsync(cancellationToken).ConfigureAwait(false), rsk.Options);
        if (bridge == true)
        {
            json["bridge"] = RskViews.Bridge(await rsk.Bridge.GetInfoAsync(cancellationToken).ConfigureAwait(false));
        }

        return Json(json);
    }

    /// <summary>GET /rsk/addresses/{address}: checksum check (EIP-1191 for Rsk:ChainId, EIP-55 accepted) and balance.</summary>
    internal static async Task<IResult> AddressAsync(RskService rsk, string address, CancellationToken cancellationToken)
    {
        var parsed = RskAddress.Parse(address, rsk.Options.ChainId);
        var json = RskViews.Address(parsed, rsk.Options.ChainId);
        var balance = RskViews.Balance(parsed, rsk.Options.ChainId, await rsk.GetBalanceAsync(parsed, cancellationToken).ConfigureAwait(false));
        json["balance_wei"] = balance["balance_wei"]!.DeepClone();
        json["balance_rbtc"] = balance["balance_rbtc"]!.DeepClone();
        return Json(json);
    }

    /// <summary>POST /rsk/call <c>{"to","function","args":[...],"from"?}</c>: eth_call, outputs decoded.</summary>
    internal static async Task<IResult> CallAsync(RskService rsk, HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await BodyAsync(request, cancellationToken).ConfigureAwait(false);
        var chainId = rsk.Options.ChainId;
        var function = AbiFunction.Parse(Field(body, "function"));
        var args = body["args"] is null ? [] : body["args"] as JsonArray ?? throw new RskException(RskErrorKind.InvalidRequest, "'args' must be a JSON array");
        var from = body["from"] is null ? null : RskAddress.Parse(Field(body, "from"), chainId);
        var values = await rsk.CallAsync(RskAddress.Parse(Field(body, "to"), chainId), function, AbiCodec.FromJson(function.InputTypes, args, chainId), from, cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject { ["function"] = function.Signature, ["values"] = AbiCodec.ToJsonArray(function.OutputTypes, values, chainId) });
    }

    /// <summary>POST /rsk/transactions <c>{"raw":"0x..."}</c>: a signed transaction for Rsk:ChainId, broadcast.</summary>
    internal static async Task<IResult> BroadcastAsync(RskService rsk, RskWatcher watcher, HttpRequest request, CancellationToken cancellationToken)
    {
        var tx = Decode(Field(await BodyAsync(request, cancellationToken).ConfigureAwait(false), "raw"));
        if (tx.Signature is null)
        {
            throw new RskException(RskErrorKind.InvalidTransaction, "rsk: the transaction is not signed");
        }

        if (tx.ChainId != rsk.Options.ChainId)
        {
            throw new RskException(RskErrorKind.WrongChain, $"rsk: the transaction is signed for chain {tx.ChainId}, the node is Rsk:ChainId {rsk.Options.ChainId}");
        }

        var hash = await rsk.Rpc.SendRawTransactionAsync(tx, cancellationToken).ConfigureAwait(false);

        // Followed for the rsk event topic: the receipt, and for RBTC sent to the Bridge the peg-out's stages.
        watcher.WatchTransaction(hash);
        if (tx.To == RskAddress.Bridge && !tx.Value.IsZero)
        {
            watcher.WatchPegout(hash);
        }

        var json = RskViews.Transaction(tx, rsk.Options.ChainId);
        json["hash"] = hash;
        return Json(json, StatusCodes.Status202Accepted);
    }

    /// <summary>POST /rsk/transactions/decode <c>{"raw":"0x..."}</c>: fields, sender and hash.</summary>
    internal static async Task<IResult> DecodeAsync(RskService rsk, HttpRequest request, CancellationToken cancellationToken) =>
        Json(RskViews.Transaction(Decode(Field(await BodyAsync(request, cancellationToken).ConfigureAwait(false), "raw")), rsk.Options.ChainId));

    /// <summary>GET /rsk/transactions/{hash}: the receipt (404 while unknown or pending).</summary>
    internal static async Task<IResult> ReceiptAsync(RskService rsk, string hash, CancellationToken cancellationToken)
    {
        var receipt = await rsk.Rpc.GetTransactionReceiptAsync(hash, cancellationToken).ConfigureAwait(false)
            ?? throw new RskException(RskErrorKind.NotFound, $"rsk: no receipt for {hash} (unknown or not mined yet)");
        return Json(RskViews.Receipt(receipt, rsk.Options.ChainId));
    }

    /// <summary>GET /rsk/peg: the Bridge's federation address, minimum peg-in, locking cap, peg-out fee estimate.</summary>
    internal static async Task<IResult> BridgeAsync(RskService rsk, CancellationToken cancellationToken) =>
        Json(RskViews.Bridge(await rsk.Bridge.GetInfoAsync(cancellationToken).ConfigureAwait(false)));

    /// <summary>GET /rsk/peg/pegins/{btcTxId}: registered, rejected or not registered.</summary>
    internal static async Task<IResult> PeginAsync(RskService rsk, string btcTxId, CancellationToken cancellationToken) =>
        Json(RskViews.Pegin(await rsk.Peg.GetPeginStatusAsync(btcTxId, cancellationToken).ConfigureAwait(false), rsk.Options.ChainId));

    /// <summary>
    /// POST /rsk/peg/pegins <c>{"btc_txid"}</c>: follows a peg-in until the Bridge registers or rejects it
    /// (<c>pegin.status</c> events on the <c>rsk</c> topic) and answers its current status.
    /// </summary>
    internal static async Task<IResult> FollowPeginAsync(RskService rsk, RskWatcher watcher, HttpRequest request, CancellationToken cancellationToken)
    {
        var btcTxId = Field(await BodyAsync(request, cancellationToken).ConfigureAwait(false), "btc_txid");
        var status = await rsk.Peg.GetPeginStatusAsync(btcTxId, cancellationToken).ConfigureAwait(false);
        watcher.WatchPegin(btcTxId);
        return Json(RskViews.Pegin(status, rsk.Options.ChainId), StatusCodes.Status202Accepted);
    }

    /// <summary>GET /rsk/peg/pegouts/{hash}: pending, received, rejected, requested or confirmed.</summary>
    internal static async Task<IResult> PegoutAsync(RskService rsk, string hash, CancellationToken cancellationToken) =>
        Json(RskViews.Pegout(await rsk.Peg.GetPegoutStatusAsync(hash, cancellationToken).ConfigureAwait(false)));

    private static RskTransaction Decode(string raw)
    {
        var body = raw.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? raw[2..] : raw;
        if (body.Length % 2 != 0 || !body.All(char.IsAsciiHexDigit))
        {
            throw new RskException(RskErrorKind.InvalidEncoding, "rsk: 'raw' must be 0x-prefixed hex");
        }

        return RskTransaction.Decode(Convert.FromHexString(body));
    }
}
