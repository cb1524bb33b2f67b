using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using OPSource.Crypto.Secp256k1;
using OPSource.Dao.Bundle;
using OPSource.Dao.Log;
using OPSource.Dao.Model;
using OPSource.Platform.Security;
using OPSource.Server.Modules;
using OPSource.TestSupport;
using OPSource.TestSupport.Peers;
using static OPSource.Server.Tests.HttpAsserts;

namespace OPSource.Server.Tests;

/// <summary>
/// <c>/api/v1/daos/...</c> over real HTTP and a real WebSocket, on the host with every module and a regtest node
/// (block heights drive the proposal life cycle): authentication, roles (any caller with the scope submits
/// member-signed votes, whose signatures prove membership; only the operator closes and executes), the
/// <c>dao:ID</c> scope, problem+json refusals, and <c>dao:{id}</c> events reaching a subscribed client.
/// </summary>
public sealed class DaoEndpointTests : IAsyncLifetime
{
    private RegtestHost? _regtest;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TestHost Host => RegtestHost.Require(_regtest).Host;

    public async ValueTask InitializeAsync() => _regtest = await RegtestHost.StartAsync(new Dictionary<string, string?>
    {
        ["Wallet:Sync"] = "false",
        ["Dlc:Watch"] = "false",
    }, Ct);

    public async ValueTask DisposeAsync()
    {
        if (_regtest is not null)
        {
            await _regtest.DisposeAsync();
        }
    }

    private static StringContent Signed(SignedAction action) => new(action.ToJson(), Encoding.UTF8, "application/json");

    private static string Hex(SecretKey key) => Convert.ToHexStringLower(key.XOnlyPublicKey.ToBytes());

    private static async Task<JsonObject> NextEventAsync(ClientWebSocket socket, string type)
    {
        while (true)
        {
            var message = await EventSockets.ReceiveJsonAsync(socket, TimeSpan.FromSeconds(30), Ct);
            Assert.NotNull(message);
            if ((string?)message["kind"] == "event" && (string?)message["type"] == type)
            {
                return message;
            }
        }
    }

    [Fact]
    public async Task Dao_endpoints_enforce_auth_roles_and_scopes_refuse_with_problems_and_publish_events()
    {
        var host = Host;
        var node = _regtest!.Node;
        await node.CreateWalletAsync("miner");
        var miner = (string)(await node.WalletRpc("miner", "getnewaddress"))!;
        await node.MineAsync(1, miner);
        var a = SecretKey.Generate();
        var b = SecretKey.Generate();
        var outsider = SecretKey.Generate();
        using var operatorClient = host.Client(await host.TokenAsync(ApiRole.Operator));
        using var anonymous = host.Client(null);

        // Authentication: no token, no access.
        await AssertProblemAsync(await anonymous.GetAsync("/api/v1/daos", Ct), HttpStatusCode.Unauthorized, "unauthenticated", "");

        var create = new JsonObject
        {
            ["name"] = "rest council",
            ["governance"] = "token",
            ["members"] = new JsonArray(new JsonObject { ["key"] = Hex(a), ["weight"] = 60 }, new JsonObject { ["key"] = Hex(b), ["weight"] = 40 }),
            ["parameters"] = new JsonObject { ["proposal_threshold"] = 0, ["quorum_bps"] = 0, ["approval_bps"] = 5000, ["voting_delay"] = 0, ["voting_period"] = 3, ["timelock"] = 0 },
        };
        using var viewerAll = host.Client(await host.TokenAsync(ApiRole.Viewer));
        await AssertProblemAsync(await viewerAll.PostAsync("/api/v1/daos", Body(create), Ct), HttpStatusCode.Forbidden, "insufficient_role", "operator");
        var created = await ExpectAsync(await operatorClient.PostAsync("/api/v1/daos", Body(create), Ct), HttpStatusCode.Created);
        var id = (string)created["id"]!;
        var path = "/api/v1/daos/" + id;

        // Scope dao:ID: a viewer scoped to another DAO neither sees nor reaches this one.
        var viewerToken = await host.TokenAsync(ApiRole.Viewer, "dao:" + id);
        using var viewer = host.Client(viewerToken);
        using var otherViewer = host.Client(await host.TokenAsync(ApiRole.Viewer, "dao:" + new string('e', 64)));
        Assert.Equal(id, (string)(await ExpectAsync(await viewer.GetAsync(path, Ct), HttpStatusCode.OK))["id"]!);
        await AssertProblemAsync(await otherViewer.GetAsync(path, Ct), HttpStatusCode.Forbidden, "scope_denied", "dao:" + id);
        await AssertProblemAsync(await otherViewer.PostAsync(path + "/votes", Body(new JsonObject()), Ct), HttpStatusCode.Forbidden, "scope_denied", "dao:" + id);
        Assert.Empty((await ExpectAsync(await otherViewer.GetAsync("/api/v1/daos", Ct), HttpStatusCode.OK))["daos"]!.AsArray());
        Assert.Single((await ExpectAsync(await viewer.GetAsync("/api/v1/daos", Ct), HttpStatusCode.OK))["daos"]!.AsArray());

        // Unknown DAO, malformed bodies.
        await AssertProblemAsync(await operatorClient.GetAsync("/api/v1/daos/" + new string('d', 64), Ct), HttpStatusCode.NotFound, "dao_not_found", "no DAO");
        await AssertProblemAsync(await viewer.PostAsync(path + "/votes", new StringContent("{not json", Encoding.UTF8, "application/json"), Ct), HttpStatusCode.BadRequest, "invalid_dao_request", "JSON");

        // A client subscribed to dao:{id} over the WebSocket.
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + viewerToken);
        await socket.ConnectAsync(new Uri(host.BaseAddress.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "api/v1/events"), Ct);
        await socket.SendAsync(Encoding.UTF8.GetBytes(new JsonObject { ["op"] = "subscribe", ["topic"] = "dao:" + id }.ToJsonString()), WebSocketMessageType.Text, true, Ct);
        Assert.Equal("subscribed", (string?)(await EventSockets.ReceiveJsonAsync(socket, TimeSpan.FromSeconds(30), Ct))!["kind"]);

        // A member's signed proposal and vote, submitted by a viewer: the signatures prove membership.
        var proposal = DaoSigner.Proposal(a, id, 1, "adopt the charter", "", new TextAction());
        var proposalId = DaoSigner.ProposalId(proposal.Body);
        Assert.Equal(1L, (long)(await ExpectAsync(await viewer.PostAsync(path + "/proposals", Signed(proposal), Ct), HttpStatusCode.Created))["seq"]!);
        var proposed = await NextEventAsync(socket, "dao.proposal.create");
        Assert.Equal(id, (string)proposed["data"]!["dao_id"]!);
        await ExpectAsync(await viewer.PostAsync(path + "/votes", Signed(DaoSigner.Vote(b, id, proposalId, VoteChoice.Yes, 1)), Ct), HttpStatusCode.Created);
        var voted = await NextEventAsync(socket, "dao.vote");
        Assert.Equal(("dao:" + id, 2L), ((string)voted["topic"]!, (long)voted["data"]!["seq"]!));

        // Forged: B's vote with a signature by someone else; a non-member's own vote; a replay.
        var genuine = DaoSigner.Vote(b, id, proposalId, VoteChoice.No, 2);
        var forgedBy = DaoSigner.Vote(outsider, id, proposalId, VoteChoice.No, 2);
        await AssertProblemAsync(await viewer.PostAsync(path + "/votes", Signed(new SignedAction(genuine.Body, forgedBy.Signature)), Ct), HttpStatusCode.UnprocessableEntity, "dao_event_invalid", "signature does not verify");
        await AssertProblemAsync(await viewer.PostAsync(path + "/votes", Signed(forgedBy), Ct), HttpStatusCode.UnprocessableEntity, "dao_event_invalid", "not a member");
        await AssertProblemAsync(await viewer.PostAsync(path + "/votes", Signed(DaoSigner.Vote(b, id, proposalId, VoteChoice.Yes, 1)), Ct), HttpStatusCode.UnprocessableEntity, "dao_event_invalid", "replayed");
        await AssertProblemAsync(await viewer.PostAsync(path + "/votes", Signed(DaoSigner.Vote(a, id, new string('c', 64), VoteChoice.Yes, 1)), Ct), HttpStatusCode.UnprocessableEntity, "dao_event_invalid", "unknown proposal");

        // Only the operator closes and executes.
        await node.MineAsync(3, miner);
        await AssertProblemAsync(await viewer.PostAsync(path + "/votes", Signed(DaoSigner.Vote(a, id, proposalId, VoteChoice.Yes, 1)), Ct), HttpStatusCode.UnprocessableEntity, "dao_event_invalid", "voting closed");
        await AssertProblemAsync(await viewer.PostAsync($"{path}/proposals/{proposalId}/close", null, Ct), HttpStatusCode.Forbidden, "insufficient_role", "operator");
        await AssertProblemAsync(await viewer.PostAsync($"{path}/proposals/{proposalId}/execute", null, Ct), HttpStatusCode.Forbidden, "insufficient_role", "operator");
        await AssertProblemAsync(await operatorClient.PostAsync($"{path}/proposals/{proposalId}/execute", null, Ct), HttpStatusCode.UnprocessableEntity, "dao_event_invalid", "closed as passed");
        var closed = await ExpectAsync(await operatorClient.PostAsync($"{path}/proposals/{proposalId}/close", null, Ct), HttpStatusCode.OK);
        Assert.Equal("passed", (string)closed["close"]!["body"]!["outcome"]!);
        Assert.Equal(40UL, (ulong)closed["close"]!["body"]!["yes"]!);
        Assert.Equal("dao.proposal.close", (string)(await NextEventAsync(socket, "dao.proposal.close"))["type"]!);
        Assert.True((bool)(await ExpectAsync(await operatorClient.PostAsync($"{path}/proposals/{proposalId}/execute", null, Ct), HttpStatusCode.OK))["executed"]!);
        await NextEventAsync(socket, "dao.proposal.execute");
        var shown = await ExpectAsync(await viewer.GetAsync($"{path}/proposals/{proposalId}", Ct), HttpStatusCode.OK);
        Assert.Equal("executed", (string)shown["status"]!);

        // The exported bundle verifies over REST; a bundle with a flipped vote answers 422 naming the event.
        var bundle = await (await viewer.GetAsync(path + "/bundle", Ct)).Content.ReadAsStringAsync(Ct);
        Assert.True((bool)(await ExpectAsync(await viewer.PostAsync("/api/v1/daos/verify", new StringContent(bundle, Encoding.UTF8, "application/json"), Ct), HttpStatusCode.OK))["valid"]!);
        var parsed = DaoBundle.Parse(bundle);
        var events = parsed.Events.ToList();
        events[2] = events[2] with { Body = events[2].Body.Replace("\"yes\"", "\"no\"", StringComparison.Ordinal) };
        var flipped = (parsed with { Events = events }).ToJson();
        var refused = await ExpectAsync(await viewer.PostAsync("/api/v1/daos/verify", new StringContent(flipped, Encoding.UTF8, "application/json"), Ct), HttpStatusCode.UnprocessableEntity);
        Assert.StartsWith("event 2 (vote)", (string)refused["error"]!, StringComparison.Ordinal);
    }
}
