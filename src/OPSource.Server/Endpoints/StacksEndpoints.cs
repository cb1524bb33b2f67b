using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OPSource.Bitcoin.Encoding;
using OPSource.Layers.Stacks;
using OPSource.Layers.Stacks.Clarity;
using OPSource.Layers.Stacks.Node;
using OPSource.Layers.Stacks.Pox;
using OPSource.Layers.Stacks.Transactions;
using OPSource.Platform.Errors;
using OPSource.Platform.Security;
using OPSource.Server.Security;

namespace OPSource.Server.Endpoints;

/// <summary>
/// <c>/api/v1/stacks/...</c> (docs/stacks.md): decode transactions and Clarity values, map Bitcoin
/// addresses to PoX addresses, and the Stacks node's accounts, pox info, read-only calls and broadcast.
/// Errors are <see cref="StacksException"/>s, answered as problem+json by the host.
/// </summary>
public static class StacksEndpoints
{
    /// <summary>Maps the endpoints on the <c>/api/v1</c> group.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        var stacks = api.MapGroup("/stacks").WithTags("stacks");
        stacks.MapPost("/tx/decode", DecodeAsync);
        stacks.MapPost("/clarity/decode", ClarityAsync);
        stacks.MapPost("/pox-address", PoxAddressAsync);
        stacks.MapGet("/accounts/{address}", AccountAsync);
        stacks.MapGet("/pox-info", PoxInfoAsync);
        stacks.MapPost("/call-read", CallReadAsync);
        stacks.MapPost("/tx/broadcast", BroadcastAsync).RequireRole(ApiRole.Operator);
    }

    private static JsonHttpResult<JsonObject> Ok(JsonObject json) => TypedResults.Json(json, StacksJsonContext.Default.JsonObject);

    private static async Task<JsonObject> BodyAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            return (await JsonNode.ParseAsync(request.Body, cancellationToken: ct).ConfigureAwait(false))?.AsObject()
                ?? throw new StacksException("stacks_request", "request body must be a JSON object");
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new StacksException("stacks_request", "request body must be a JSON object");
        }
    }

    private static string Field(JsonObject body, string name) =>
        body[name] is JsonValue v && v.TryGetValue(out string? s) && !string.IsNullOrWhiteSpace(s)
            ? s
            : throw new StacksException("stacks_request", $"'{name}' (string) is required");

    /// <summary>POST /stacks/tx/decode {"hex"}: the SIP-005 transaction, signatures verified.</summary>
    internal static async Task<JsonHttpResult<JsonObject>> DecodeAsync(HttpRequest request, CancellationToken ct)
    {
        var tx = TransactionCodec.ParseHex(Field(await BodyAsync(request, ct).ConfigureAwait(false), "hex"));
        var view = StacksViews.Transaction(tx);
        view["signatures_valid"] = TransactionSigner.SignaturesValid(tx);
        return Ok(view);
    }

    /// <summary>POST /stacks/clarity/decode {"hex"} or {"repr", "type"?}: a Clarity value both ways.</summary>
    internal static async Task<JsonHttpResult<JsonObject>> ClarityAsync(HttpRequest request, CancellationToken ct)
    {
        var body = await BodyAsync(request, ct).ConfigureAwait(false);
        ClarityValue value = body["hex"] is not null
            ? ClarityCodec.FromHex(Field(body, "hex"))
            : ClarityText.Parse(Field(body, "repr"));
        if (body["type"] is not null)
        {
            ClarityType.Parse(Field(body, "type")).Check(value);
        }

        return Ok(StacksViews.Value(value));
    }

    /// <summary>POST /stacks/pox-address {"bitcoin_address"}: pox-4's {version, hashbytes}.</summary>
    internal static async Task<JsonHttpResult<JsonObject>> PoxAddressAsync(HttpRequest request, StacksOptions options, CancellationToken ct)
    {
        var body = await BodyAsync(request, ct).ConfigureAwait(false);
        var pox = PoxAddress.Parse(Field(body, "bitcoin_address"), PoxAddress.BitcoinNetworkFor(options.Network));
        var json = StacksViews.Value(pox.ToClarity());
        json["version"] = pox.Version;
        json["hashbytes"] = Hex.Encode(pox.HashBytes);
        return Ok(json);
    }

    /// <summary>GET /stacks/accounts/{address}: balance, locked and nonce from the node.</summary>
    internal static async Task<JsonHttpResult<JsonObject>> AccountAsync(string address, StacksNodeClient node, StacksOptions options, CancellationToken ct)
    {
        var account = await node.GetAccountAsync(StacksAddress.Parse(address, options.Network), ct).ConfigureAwait(false);
        return Ok(new JsonObject
        {
            ["address"] = account.Address,
            ["balance_ustx"] = account.Balance.ToString(),
            ["locked_ustx"] = account.Locked.ToString(),
            ["nonce"] = account.Nonce,
        });
    }

    /// <summary>GET /stacks/pox-info: the node's /v2/pox document and pox-4's current-pox-reward-cycle.</summary>
    internal static async Task<JsonHttpResult<JsonObject>> PoxInfoAsync(StacksNodeClient node, StacksOptions options, CancellationToken ct)
    {
        using var doc = await node.GetPoxInfoAsync(ct).ConfigureAwait(false);
        var boot = Pox4.BootAddress(options.Network);
        var cycle = await node.CallReadOnlyAsync(boot, Pox4.ContractName, "current-pox-reward-cycle", [], boot, ct).ConfigureAwait(false);
        return Ok(new JsonObject
        {
            ["pox"] = JsonNode.Parse(doc.RootElement.GetRawText()),
            ["current_reward_cycle"] = StacksViews.Value(cycle),
        });
    }

    /// <summary>
    /// POST /stacks/call-read {"contract","function","args":[readable form] or "args_hex":[wire hex],"sender"?}: the
    /// arguments are checked against the contract's interface first.
    /// </summary>
    internal static async Task<JsonHttpResult<JsonObject>> CallReadAsync(HttpRequest request, StacksNodeClient node, StacksOptions options, CancellationToken ct)
    {
        var body = await BodyAsync(request, ct).ConfigureAwait(false);
        var contract = Cv.Principal(Field(body, "contract")) as ClarityContractPrincipal
            ?? throw new StacksException("stacks_request", "'contract' must be ADDRESS.contract");
        var args = body["args_hex"] is JsonArray hex
            ? hex.Select(a => ClarityCodec.FromHex((string?)a ?? "")).ToList()
            : (body["args"] as JsonArray ?? []).Select(a => ClarityText.Parse((string?)a ?? "")).ToList();
        var sender = body["sender"] is null ? contract.Address : StacksAddress.Parse(Field(body, "sender"), options.Network);
        string function = Field(body, "function");
        await node.CheckCallAsync(contract.Address, contract.Name, function, args, transaction: false, ct).ConfigureAwait(false);
        var result = await node.CallReadOnlyAsync(contract.Address, contract.Name, function, args, sender, ct).ConfigureAwait(false);
        return Ok(StacksViews.Value(result));
    }

    /// <summary>
    /// POST /stacks/tx/broadcast {"hex"}: sends a signed transaction to the node (operator). A transaction built for
    /// another network (SIP-005 version byte and chain id) is refused before it reaches the node.
    /// </summary>
    internal static async Task<JsonHttpResult<JsonObject>> BroadcastAsync(HttpRequest request, StacksNodeClient node, StacksOptions options, CancellationToken ct)
    {
        var tx = TransactionCodec.ParseHex(Field(await BodyAsync(request, ct).ConfigureAwait(false), "hex"));
        if (tx.Version != options.Network.TransactionVersion || tx.ChainId != options.Network.ChainId)
        {
            throw new StacksException("stacks_wrong_network",
                $"stacks transaction: version 0x{tx.Version:x2} chain id 0x{tx.ChainId:x8} is not {options.Network.Name} (version 0x{options.Network.TransactionVersion:x2} chain id 0x{options.Network.ChainId:x8}), the configured network",
                ErrorCategory.Refused);
        }

        TransactionSigner.Verify(tx);
        string txid = await node.BroadcastAsync(tx, ct).ConfigureAwait(false);
        return Ok(new JsonObject { ["txid"] = txid });
    }
}

/// <summary>Source-generated JSON metadata for the Stacks endpoints (Native AOT).</summary>
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class StacksJsonContext : JsonSerializerContext;
