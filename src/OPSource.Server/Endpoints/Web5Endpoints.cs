using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OPSource.Platform.Security;
using OPSource.Server.Security;
using OPSource.Web5;
using OPSource.Web5.Dids;
using OPSource.Web5.Encoding;

namespace OPSource.Server.Endpoints;

/// <summary>
/// <c>/api/v1/web5/...</c>: DIDs (create, list, resolve), credentials (issue, verify) and the did:dht
/// gateway (pkarr relay GET/PUT of signed BEP44 packets). Errors are RFC 9457 problem+json with a
/// <c>code</c> naming the <see cref="Web5ErrorKind"/>.
/// </summary>
public static class Web5Endpoints
{
    /// <summary>Maps the endpoints on the <c>/api/v1</c> group.</summary>
    public static void MapWeb5Endpoints(this IEndpointRouteBuilder api)
    {
        // Reading needs any valid token (the fallback policy); creating DIDs and signing credentials is an
        // operator's act. The did:dht gateway is public like any pkarr relay: a PUT is accepted only with a
        // valid BEP44 signature by the identity key and a higher seq.
        var web5 = api.MapGroup("/web5").WithTags("web5");
        web5.MapPost("/dids", CreateDidAsync).RequireRole(ApiRole.Operator);
        web5.MapGet("/dids", ListDidsAsync);
        web5.MapGet("/resolve/{did}", ResolveAsync);
        web5.MapGet("/hns/{name}", ResolveHandshakeAsync);
        web5.MapPost("/credentials/issue", IssueAsync).RequireRole(ApiRole.Operator);
        web5.MapPost("/credentials/verify", VerifyAsync);
        web5.MapGet("/dht/{id}", GetDhtAsync).AllowAnonymous();
        web5.MapPut("/dht/{id}", PutDhtAsync).AllowAnonymous();

        // The DWN: dwn-server's JSON-RPC over HTTP; messages carry their own authorization.
        web5.MapPost("/dwn", DwnProcessMessageAsync).AllowAnonymous();
        web5.MapGet("/dwn", DwnWebSocketEndpoint.HandleAsync).AllowAnonymous()
            .WithSummary("WebSocket: dwn-server's JSON-RPC (dwn.processMessage, rpc.subscribe.dwn.processMessage for RecordsSubscribe, rpc.subscribe.close)");
        var roles = web5.MapGroup("/did-roles").RequireRole(ApiRole.Admin);
        roles.MapGet("/", ListRolesAsync);
        roles.MapPut("/{did}", BindRoleAsync);
        roles.MapDelete("/{did}", UnbindRoleAsync);

        // DID login: the same access tokens as POST /auth/token, for DIDs bound to a role.
        var didAuth = api.MapGroup("/auth/did").WithTags("auth");
        didAuth.MapPost("/challenge", ChallengeAsync).AllowAnonymous();
        didAuth.MapPost("/verify", DidVerifyAsync).AllowAnonymous();
    }

    /// <summary>
    /// dwn-server's <c>POST /</c> (src/http-api.ts): the JSON-RPC request in the <c>dwn-request</c> header, record data
    /// as the body; the JSON-RPC response as the body, or in the <c>dwn-response</c> header with the data as the body.
    /// No header or bad JSON: 400; a JSON-RPC error: 500 (as dwn-server answers them).
    /// </summary>
    private static async Task DwnProcessMessageAsync(HttpContext http, OPSource.Web5.Dwn.DwnNode node, CancellationToken cancellationToken)
    {
        var header = http.Request.Headers[OPSource.Web5.Dwn.DwnJsonRpc.RequestHeader].ToString();
        if (string.IsNullOrEmpty(header))
        {
            await WriteRpcAsync(http, StatusCodes.Status400BadRequest, OPSource.Web5.Dwn.DwnJsonRpc.Error(Guid.NewGuid().ToString(), OPSource.Web5.Dwn.DwnJsonRpc.ErrorCodes.BadRequest, "request payload required."), cancellationToken).ConfigureAwait(false);
            return;
        }

        JsonObject request;
        try
        {
            request = Web5Json.ParseObject(header, "dwn-request");
        }
        catch (OPSource.Bitcoin.BitcoinFormatException e)
        {
            await WriteRpcAsync(http, StatusCodes.Status400BadRequest, OPSource.Web5.Dwn.DwnJsonRpc.Error(Guid.NewGuid().ToString(), OPSource.Web5.Dwn.DwnJsonRpc.ErrorCodes.BadRequest, e.Message), cancellationToken).ConfigureAwait(false);
            return;
        }

        var id = request["id"] ?? JsonValue.Create(Guid.NewGuid().ToString());
        if (request.GetString("method") != OPSource.Web5.Dwn.DwnJsonRpc.ProcessMessage)
        {
            await WriteRpcAsync(http, StatusCodes.Status500InternalServerError, OPSource.Web5.Dwn.DwnJsonRpc.Error(id, OPSource.Web5.Dwn.DwnJsonRpc.ErrorCodes.MethodNotFound, $"method '{request.GetString("method")}' is not supported"), cancellationToken).ConfigureAwait(false);
            return;
        }

        if (request["params"] is not JsonObject parameters || parameters.GetString("target") is not { } target || parameters["message"] is not JsonObject message)
        {
            await WriteRpcAsync(http, StatusCodes.Status500InternalServerError, OPSource.Web5.Dwn.DwnJsonRpc.Error(id, OPSource.Web5.Dwn.DwnJsonRpc.ErrorCodes.InvalidParams, "params needs target (a DID) and message (an object)"), cancellationToken).ConfigureAwait(false);
            return;
        }

        // Subscriptions need the WebSocket transport (dwn-server's process-message handler; JSON-RPC errors are HTTP 500).
        if ((message["descriptor"] as JsonObject)?.GetString("method") == "Subscribe")
        {
            await WriteRpcAsync(http, StatusCodes.Status500InternalServerError, OPSource.Web5.Dwn.DwnJsonRpc.Error(id, OPSource.Web5.Dwn.DwnJsonRpc.ErrorCodes.InvalidRequest, "subscribe methods must contain a subscriptionRequest context"), cancellationToken).ConfigureAwait(false);
            return;
        }

        // Data was sent when the body has a length or is chunked (dwn-server checks the same two headers).
        byte[]? data = null;
        if (http.Request.ContentLength > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            data = buffer.ToArray();
        }

        var reply = await node.ProcessMessageAsync(target, message, data, cancellationToken).ConfigureAwait(false);
        var response = OPSource.Web5.Dwn.DwnJsonRpc.Success(id, reply);
        if (reply.Data is { } bytes)
        {
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "application/octet-stream";
            http.Response.Headers[OPSource.Web5.Dwn.DwnJsonRpc.ResponseHeader] = Web5Json.Serialize(response);
            http.Response.ContentLength = bytes.Length;
            await http.Response.Body.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            return;
        }

        await WriteRpcAsync(http, StatusCodes.Status200OK, response, cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteRpcAsync(HttpContext http, int status, JsonObject body, CancellationToken cancellationToken)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        await http.Response.Body.WriteAsync(Web5Json.SerializeUtf8(body), cancellationToken).ConfigureAwait(false);
    }

    private static IResult Json(JsonNode node, int status = StatusCodes.Status200OK) =>
        Results.Content(Web5Json.Serialize(node), "application/json", System.Text.Encoding.UTF8, status);

    private static IResult Problem(Web5ErrorKind kind, string detail, string? code = null) => Results.Problem(
        detail: detail,
        statusCode: kind switch
        {
            Web5ErrorKind.NotFound => StatusCodes.Status404NotFound,
            Web5ErrorKind.Refused => StatusCodes.Status422UnprocessableEntity,
            Web5ErrorKind.Passphrase => StatusCodes.Status503ServiceUnavailable,
            Web5ErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status400BadRequest,
        },
        title: kind switch
        {
            Web5ErrorKind.NotFound => "Not found",
            Web5ErrorKind.Refused => "Refused",
            Web5ErrorKind.Passphrase => "Key store unavailable",
            Web5ErrorKind.Unavailable => "Peer unavailable",
            _ => "Invalid input",
        },
        type: "https://opsource.dev/problems/web5-" + kind.ToString().ToLowerInvariant(),
        extensions: new Dictionary<string, object?> { ["code"] = code ?? Web5Exception.CodeOf(kind) });

    private static async Task<JsonObject?> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken).ConfigureAwait(false) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<IResult> Guard(Func<Task<IResult>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Web5Exception e)
        {
            return Problem(e.Kind, e.Message, e.Code);
        }
    }

    internal static Task<IResult> CreateDidAsync(HttpRequest request, Web5Service web5, CancellationToken cancellationToken) => Guard(async () =>
    {
        var body = await ReadObjectAsync(request, cancellationToken).ConfigureAwait(false) ?? [];
        var method = body.GetString("method") ?? "dht";
        var curve = body.GetString("curve") ?? "Ed25519";
        var services = new List<DidService>();
        if (body["services"] is JsonArray array)
        {
            foreach (var s in array.OfType<JsonObject>())
            {
                var id = s.GetString("id");
                var type = s.GetString("type");
                var endpoint = s["service_endpoint"] ?? s["serviceEndpoint"];
                if (id is null || type is null || endpoint is null)
                {
                    return Problem(Web5ErrorKind.InvalidInput, "services[]: each needs id, type and service_endpoint");
                }

                services.Add(new DidService(id, type, endpoint.DeepClone()));
            }
        }

        var did = await web5.CreateDidAsync(method, curve, services, cancellationToken).ConfigureAwait(false);
        return Json(Web5Views.Did(did), StatusCodes.Status201Created);
    });

    internal static Task<IResult> ListDidsAsync(Web5Service web5, CancellationToken cancellationToken) => Guard(async () =>
    {
        var list = await web5.ListAsync(cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject { ["dids"] = new JsonArray([.. list.Select(d => (JsonNode)Web5Views.Did(d))]) });
    });

    /// <summary>GET /web5/hns/{name}?did=true|false: a Handshake name through hsd, its linked DID resolved unless did=false.</summary>
    internal static Task<IResult> ResolveHandshakeAsync(string name, bool? did, Web5Service web5, CancellationToken cancellationToken) => Guard(async () =>
        Json(Web5Views.HandshakeName(await web5.ResolveHandshakeAsync(name, did ?? true, cancellationToken).ConfigureAwait(false))));

    internal static Task<IResult> ResolveAsync(string did, Web5Service web5, CancellationToken cancellationToken) => Guard(async () =>
    {
        var result = await web5.ResolveAsync(did, cancellationToken).ConfigureAwait(false);
        var status = result.Error switch
        {
            null => StatusCodes.Status200OK,
            DidErrorCodes.NotFound => StatusCodes.Status404NotFound,
            DidErrorCodes.MethodNotSupported => StatusCodes.Status501NotImplemented,
            DidErrorCodes.InternalError => StatusCodes.Status502BadGateway,
            _ => StatusCodes.Status400BadRequest,
        };
        // The DID resolution result is its own format (W3C DID Resolution), returned as is with the error code.
        return Json(result.ToJson(), status);
    });

    internal static Task<IResult> IssueAsync(HttpRequest request, Web5Service web5, CancellationToken cancellationToken) => Guard(async () =>
    {
        var body = await ReadObjectAsync(request, cancellationToken).ConfigureAwait(false);
        var issuer = body?.GetString("issuer");
        var subject = body?.GetString("subject");
        if (body is null || issuer is null || subject is null)
        {
            return Problem(Web5ErrorKind.InvalidInput, "credential issue: issuer and subject are required");
        }

        DateTimeOffset? expiration = null;
        if (body.GetString("expiration_date") is { } exp)
        {
            if (!OPSource.Web5.Credentials.VerifiableCredential.TryParseDate(exp, out var e))
            {
                return Problem(Web5ErrorKind.InvalidInput, "credential issue: expiration_date is not an RFC 3339 UTC time");
            }

            expiration = e;
        }

        var jwt = await web5.IssueCredentialAsync(issuer, subject, body.GetString("type") ?? "VerifiableCredential", body["data"] as JsonObject ?? [], expiration, cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject { ["vc_jwt"] = jwt }, StatusCodes.Status201Created);
    });

    internal static Task<IResult> VerifyAsync(HttpRequest request, Web5Service web5, CancellationToken cancellationToken) => Guard(async () =>
    {
        var body = await ReadObjectAsync(request, cancellationToken).ConfigureAwait(false);
        var jwt = body?.GetString("vc_jwt");
        if (jwt is null)
        {
            return Problem(Web5ErrorKind.InvalidInput, "credential verify: vc_jwt is required");
        }

        return Json(Web5Views.Verified(await web5.VerifyCredentialAsync(jwt, cancellationToken).ConfigureAwait(false)));
    });

    internal static async Task<IResult> ChallengeAsync(HttpRequest request, OPSource.Web5.Auth.DidLoginService login, CancellationToken cancellationToken)
    {
        var body = await ReadObjectAsync(request, cancellationToken).ConfigureAwait(false);
        var challenge = await login.CreateChallengeAsync(body?.GetString("did") ?? string.Empty, cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject
        {
            ["challenge"] = challenge.Challenge,
            ["did"] = challenge.Did,
            ["expires_at"] = challenge.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    internal static async Task<IResult> DidVerifyAsync(HttpRequest request, OPSource.Web5.Auth.DidLoginService login, TimeProvider time, CancellationToken cancellationToken)
    {
        var body = await ReadObjectAsync(request, cancellationToken).ConfigureAwait(false);
        var jws = body?.GetString("jws") ?? throw new OPSource.Platform.Errors.OpsourceException(OPSource.Platform.Errors.ErrorCategory.InvalidInput, "missing_jws", "body must be {\"jws\": \"<compact JWS over {challenge, did}>\"}");
        var token = await login.VerifyAsync(jws, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(TokenResponse.From(token, time.GetUtcNow()));
    }

    internal static async Task<IResult> ListRolesAsync(OPSource.Web5.Auth.DidLoginService login, CancellationToken cancellationToken)
    {
        var list = await login.ListBindingsAsync(cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject { ["bindings"] = new JsonArray([.. list.Select(b => (JsonNode)new JsonObject { ["did"] = b.Did, ["role"] = b.Role.ToName() })]) });
    }

    internal static async Task<IResult> BindRoleAsync(string did, HttpRequest request, OPSource.Web5.Auth.DidLoginService login, CancellationToken cancellationToken)
    {
        var body = await ReadObjectAsync(request, cancellationToken).ConfigureAwait(false);
        if (!ApiRoles.TryParse(body?.GetString("role"), out var role))
        {
            return Problem(Web5ErrorKind.InvalidInput, "body must be {\"role\": \"admin|operator|viewer\"}");
        }

        await login.BindAsync(did, role.Value, cancellationToken).ConfigureAwait(false);
        return Json(new JsonObject { ["did"] = did, ["role"] = role.Value.ToName() });
    }

    internal static async Task<IResult> UnbindRoleAsync(string did, OPSource.Web5.Auth.DidLoginService login, CredentialStatusCache cache, CancellationToken cancellationToken)
    {
        if (!await login.UnbindAsync(did, cancellationToken).ConfigureAwait(false))
        {
            return Problem(Web5ErrorKind.NotFound, $"no role is bound to {did}");
        }

        cache.Invalidate(AuthMethods.Did, did);
        return Results.NoContent();
    }

    internal static Task<IResult> GetDhtAsync(string id, Web5Service web5, CancellationToken cancellationToken) => Guard(async () =>
    {
        var body = await web5.GetDhtPacketAsync(id, cancellationToken).ConfigureAwait(false);
        return body is null ? Problem(Web5ErrorKind.NotFound, $"dht gateway: nothing published for {id}") : Results.Bytes(body, "application/octet-stream");
    });

    internal static Task<IResult> PutDhtAsync(string id, HttpRequest request, Web5Service web5, CancellationToken cancellationToken) => Guard(async () =>
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (buffer.Length > 72 + Bep44Message.MaxValueBytes)
        {
            return Problem(Web5ErrorKind.InvalidInput, "dht gateway: body larger than 1072 bytes");
        }

        var stored = await web5.PutDhtPacketAsync(id, buffer.ToArray(), cancellationToken).ConfigureAwait(false);
        return stored ? Results.NoContent() : Problem(Web5ErrorKind.Refused, "dht gateway: a packet with the same or a higher seq is already stored");
    });
}
