using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Bitcoin.Encoding;
using OPSource.Layers.Stacks;
using OPSource.Layers.Stacks.Clarity;
using OPSource.Layers.Stacks.Transactions;
using OPSource.Layers.Tests.Stacks;
using OPSource.Platform.Modules;
using OPSource.Platform.Security;
using OPSource.Platform.SelfTest;
using OPSource.Server.Modules;
using static OPSource.Server.Tests.HttpAsserts;

namespace OPSource.Server.Tests;

/// <summary>
/// <c>/api/v1/stacks/...</c> on the real host (the Stacks module as the product lists it) against the local
/// double of a Stacks node's <c>/v2</c> RPC: authentication and roles, the happy paths, problem+json for bad
/// input, and the module's self-test checks.
/// </summary>
public sealed class StacksEndpointTests : IAsyncLifetime
{
    private const string Key = "edf9aee84d9b7abc145504dde6726c64f369d37ee34ded868fabd876c26570bc01";
    private const string Recipient = "ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5";
    private readonly StacksNodeDouble _node = new(StacksNetwork.Testnet);
    private TestHost? _host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ServerModule Stacks => OpsourceModules.All.Single(m => m.Module is StacksModule);

    private TestHost Host => _host!;

    public async ValueTask InitializeAsync()
    {
        _host = await TestHost.StartAsync(modules: [Stacks], configuration: Config(("Stacks:NodeUrl", _node.Url.ToString()), ("Stacks:Network", "testnet")));
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await _node.DisposeAsync();
    }

    private static IConfiguration Config(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    private static StacksTransaction Transfer(StacksNetwork network)
    {
        using var key = StacksPrivateKey.Parse(Key);
        var tx = TransactionBuilder.Unsigned(network, TransactionBuilder.SingleSig(key.PublicKeyBytes, 7, 180),
            TokenTransferPayload.Create(Cv.Principal(Recipient), 5, "rest"));
        return TransactionSigner.SignOrigin(tx, key);
    }

    [Fact]
    public async Task Every_stacks_endpoint_needs_a_token_and_broadcast_needs_an_operator()
    {
        using var none = Host.Client(null);
        (string Method, string Path)[] endpoints =
        [
            ("POST", "/api/v1/stacks/tx/decode"), ("POST", "/api/v1/stacks/clarity/decode"), ("POST", "/api/v1/stacks/pox-address"),
            ("GET", $"/api/v1/stacks/accounts/{Recipient}"), ("GET", "/api/v1/stacks/pox-info"), ("POST", "/api/v1/stacks/call-read"),
            ("POST", "/api/v1/stacks/tx/broadcast"),
        ];
        foreach (var (method, path) in endpoints)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "GET" ? null : Body([]) };
            await AssertProblemAsync(await none.SendAsync(request, Ct), HttpStatusCode.Unauthorized, "unauthenticated", "");
        }

        using var viewer = Host.Client(await Host.TokenAsync(ApiRole.Viewer));
        var hex = Hex.Encode(Transfer(StacksNetwork.Testnet).Serialize());
        await AssertProblemAsync(await viewer.PostAsync("/api/v1/stacks/tx/broadcast", Body(new JsonObject { ["hex"] = hex }), Ct), HttpStatusCode.Forbidden, "insufficient_role", "operator");
        Assert.DoesNotContain(_node.Requests, r => r.Path == "/v2/transactions");
    }

    [Fact]
    public async Task Decode_clarity_pox_address_account_pox_info_call_read_and_broadcast_answer()
    {
        using var viewer = Host.Client(await Host.TokenAsync(ApiRole.Viewer));
        var tx = Transfer(StacksNetwork.Testnet);
        var decoded = await ExpectAsync(await viewer.PostAsync("/api/v1/stacks/tx/decode", Body(new JsonObject { ["hex"] = "0x" + Hex.Encode(tx.Serialize()) }), Ct), HttpStatusCode.OK);
        Assert.Equal(tx.TxId, (string)decoded["txid"]!);
        Assert.True((bool)decoded["signatures_valid"]!);
        Assert.Equal("token_transfer", (string)decoded["payload"]!["type"]!);
        Assert.Equal("rest", (string)decoded["payload"]!["memo"]!);
        Assert.Equal("180", (string)decoded["origin"]!["fee_ustx"]!);

        var value = Cv.Tuple(("a", Cv.UInt(1)), ("b", Cv.List(Cv.Int(-1), Cv.Int(2))), ("c", Cv.Some(Cv.Utf8("\u00e9"))));
        var clarity = await ExpectAsync(await viewer.PostAsync("/api/v1/stacks/clarity/decode", Body(new JsonObject
        {
            ["repr"] = "{a: u1, b: (list -1 2), c: (some u\"\\u{e9}\")}",
            ["type"] = "{a: uint, b: (list 2 int), c: (optional (string-utf8 2))}",
        }), Ct), HttpStatusCode.OK);
        Assert.Equal(ClarityCodec.ToHex(value), (string)clarity["hex"]!);
        var back = await ExpectAsync(await viewer.PostAsync("/api/v1/stacks/clarity/decode", Body(new JsonObject { ["hex"] = ClarityCodec.ToHex(value) }), Ct), HttpStatusCode.OK);
        Assert.Equal(ClarityText.Print(value), (string)back["repr"]!);

        // BIP-173's P2WPKH test vector: version 0x04 with its witness program (pox-4.clar).
        var pox = await ExpectAsync(await viewer.PostAsync("/api/v1/stacks/pox-address", Body(new JsonObject { ["bitcoin_address"] = "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx" }), Ct), HttpStatusCode.OK);
        Assert.Equal(4, (int)pox["version"]!);
        Assert.Equal("751e76e8199196d454941c45d1b3a323f1433bd6", (string)pox["hashbytes"]!);
        Assert.Equal(ClarityText.Print(Cv.Tuple(("version", Cv.Buffer([4])), ("hashbytes", Cv.Buffer(Hex.Parse("751e76e8199196d454941c45d1b3a323f1433bd6"))))), (string)pox["repr"]!);

        var account = await ExpectAsync(await viewer.GetAsync($"/api/v1/stacks/accounts/{Recipient}", Ct), HttpStatusCode.OK);
        Assert.Equal("1000000000000", (string)account["balance_ustx"]!);
        Assert.Equal(7, (int)account["nonce"]!);
        Assert.Contains(_node.Requests, r => r.Path == $"/v2/accounts/{Recipient}?proof=0");

        var info = await ExpectAsync(await viewer.GetAsync("/api/v1/stacks/pox-info", Ct), HttpStatusCode.OK);
        Assert.Equal("u3", (string)info["current_reward_cycle"]!["repr"]!);
        Assert.Equal(3, (int)info["pox"]!["current_cycle"]!["id"]!);
        Assert.Contains(_node.Requests, r => r.Path == "/v2/contracts/call-read/ST000000000000000000002AMW42H/pox-4/current-pox-reward-cycle");

        var called = await ExpectAsync(await viewer.PostAsync("/api/v1/stacks/call-read", Body(new JsonObject
        {
            ["contract"] = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.tokens",
            ["function"] = "get-thing",
            ["args"] = new JsonArray("u5", "\"abc\""),
            ["sender"] = Recipient,
        }), Ct), HttpStatusCode.OK);
        Assert.Equal("(ok u42)", (string)called["repr"]!);
        var read = _node.Requests.Last(r => r.Path.StartsWith("/v2/contracts/call-read/ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM/tokens/", StringComparison.Ordinal));
        var readBody = JsonNode.Parse(read.Body)!;
        Assert.Equal(Recipient, (string)readBody["sender"]!);
        Assert.Equal("0x" + ClarityCodec.ToHex(Cv.Ascii("abc")), (string)readBody["arguments"]![1]!);

        using var operatorClient = Host.Client(await Host.TokenAsync(ApiRole.Operator));
        var sent = await ExpectAsync(await operatorClient.PostAsync("/api/v1/stacks/tx/broadcast", Body(new JsonObject { ["hex"] = Hex.Encode(tx.Serialize()) }), Ct), HttpStatusCode.OK);
        Assert.Equal("1234", (string)sent["txid"]!);
        Assert.Equal(tx.Serialize(), _node.Requests.Last(r => r.Path == "/v2/transactions").Body);
    }

    [Fact]
    public async Task Bad_input_is_problem_json_naming_the_problem()
    {
        using var viewer = Host.Client(await Host.TokenAsync(ApiRole.Viewer));
        using var operatorClient = Host.Client(await Host.TokenAsync(ApiRole.Operator));
        await AssertProblemAsync(await viewer.GetAsync("/api/v1/stacks/accounts/ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD6", Ct), HttpStatusCode.BadRequest, "stacks_address_invalid", "checksum");
        await AssertProblemAsync(await viewer.GetAsync("/api/v1/stacks/accounts/SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7", Ct), HttpStatusCode.BadRequest, "stacks_address_network", "expected testnet");
        await AssertProblemAsync(await viewer.PostAsync("/api/v1/stacks/tx/decode", Body(new JsonObject { ["hex"] = "80800000000400zz" }), Ct), HttpStatusCode.BadRequest, "stacks_decode", "stacks decode");
        await AssertProblemAsync(await viewer.PostAsync("/api/v1/stacks/tx/decode", Body([]), Ct), HttpStatusCode.BadRequest, "stacks_request", "'hex'");
        await AssertProblemAsync(await viewer.PostAsync("/api/v1/stacks/tx/decode", new StringContent("[1,", Encoding.UTF8, "application/json"), Ct), HttpStatusCode.BadRequest, "stacks_request", "JSON object");
        await AssertProblemAsync(await viewer.PostAsync("/api/v1/stacks/clarity/decode", Body(new JsonObject { ["repr"] = "(list u1 u2 u3)", ["type"] = "(list 2 uint)" }), Ct), HttpStatusCode.BadRequest, "clarity_type", "value");
        await AssertProblemAsync(await viewer.PostAsync("/api/v1/stacks/pox-address", Body(new JsonObject { ["bitcoin_address"] = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4" }), Ct), HttpStatusCode.BadRequest, "pox_address", "pox:");

        JsonObject Call(string contract, string function, params string[] args) => new()
        {
            ["contract"] = contract,
            ["function"] = function,
            ["args"] = new JsonArray([.. args.Select(a => (JsonNode)a)]),
        };
        const string Tokens = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.tokens";
        int reads = _node.Requests.Count(r => r.Path.Contains("/call-read/", StringComparison.Ordinal));
        await AssertProblemAsync(await viewer.PostAsync("/api/v1/stacks/call-read", Body(Call(Tokens, "get-thing", "u5", "\"far too long\"")), Ct), HttpStatusCode.BadRequest, "clarity_type", "get-thing argument 2 (s)");
        await AssertProblemAsync(await viewer.PostAsync("/api/v1/stacks/call-read", Body(Call(Tokens, "get-thing", "5", "\"a\"")), Ct), HttpStatusCode.BadRequest, "clarity_type", "is not uint");
        await AssertProblemAsync(await viewer.PostAsync("/api/v1/stacks/call-read", Body(Call(Tokens, "get-thing", "u5")), Ct), HttpStatusCode.BadRequest, "clarity_type", "takes 2 argument(s)");
        await AssertProblemAsync(await viewer.PostAsync("/api/v1/stacks/call-read", Body(Call(Tokens, "helper")), Ct), HttpStatusCode.BadRequest, "stacks_unknown_function", "'helper'");
        await AssertProblemAsync(await viewer.PostAsync("/api/v1/stacks/call-read", Body(Call("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.nothing", "get-thing")), Ct), HttpStatusCode.BadRequest, "stacks_unknown_contract", "does not exist");
        await AssertProblemAsync(await viewer.PostAsync("/api/v1/stacks/call-read", Body(Call(Tokens, "get-thing", "u340282366920938463463374607431768211456", "\"a\"")), Ct), HttpStatusCode.BadRequest, "clarity_parse", "does not fit uint");
        Assert.Equal(reads, _node.Requests.Count(r => r.Path.Contains("/call-read/", StringComparison.Ordinal)));
        await AssertProblemAsync(await viewer.PostAsync("/api/v1/stacks/call-read", Body(Call(Tokens, "missing")), Ct), HttpStatusCode.UnprocessableEntity, "stacks_call_failed", "UndefinedFunction");

        // A signature that does not verify never reaches the node; the node's own refusal is 422 with its reason.
        var tx = Transfer(StacksNetwork.Testnet).Serialize();
        tx[^20] ^= 1;
        await AssertProblemAsync(await operatorClient.PostAsync("/api/v1/stacks/tx/broadcast", Body(new JsonObject { ["hex"] = Hex.Encode(tx) }), Ct), HttpStatusCode.BadRequest, "stacks_signature", "stacks verify");
        Assert.DoesNotContain(_node.Requests, r => r.Path == "/v2/transactions");
        var mainnetHex = Hex.Encode(Transfer(StacksNetwork.Mainnet).Serialize());
        await AssertProblemAsync(await operatorClient.PostAsync("/api/v1/stacks/tx/broadcast", Body(new JsonObject { ["hex"] = mainnetHex }), Ct), HttpStatusCode.UnprocessableEntity, "stacks_wrong_network", "not testnet");
        Assert.DoesNotContain(_node.Requests, r => r.Path == "/v2/transactions");

        // On a host configured for mainnet the same transaction reaches the node, which refuses it (the double refuses
        // every mainnet transaction with BadNonce).
        await using var mainnet = await TestHost.StartAsync(modules: [Stacks], configuration: Config(("Stacks:NodeUrl", _node.Url.ToString()), ("Stacks:Network", "mainnet")));
        using var mainnetOperator = mainnet.Client(await mainnet.TokenAsync(ApiRole.Operator));
        await AssertProblemAsync(await mainnetOperator.PostAsync("/api/v1/stacks/tx/broadcast", Body(new JsonObject { ["hex"] = mainnetHex }), Ct), HttpStatusCode.UnprocessableEntity, "stacks_broadcast_rejected", "BadNonce");
    }

    [Fact]
    public async Task A_stopped_node_is_503()
    {
        await using var host = await TestHost.StartAsync(modules: [Stacks], configuration: Config(("Stacks:NodeUrl", "http://127.0.0.1:1/"), ("Stacks:Network", "testnet")));
        using var viewer = host.Client(await host.TokenAsync(ApiRole.Viewer));
        await AssertProblemAsync(await viewer.GetAsync("/api/v1/stacks/pox-info", Ct), HttpStatusCode.ServiceUnavailable, "stacks_node_unavailable", "127.0.0.1:1");
    }

    private static async Task<Dictionary<string, SelfTestResult>> SelfTestAsync(params (string Key, string Value)[] settings)
    {
        var services = new ServiceCollection();
        new StacksModule().Register(new ModuleRegistration(StacksModule.ModuleName, services, Config(settings), new PlatformContext(OPSource.Bitcoin.Network.Testnet, "/tmp")));
        await using var provider = services.BuildServiceProvider();
        var results = new Dictionary<string, SelfTestResult>();
        foreach (var check in provider.GetServices<ISelfTestCheck>().Where(c => c.Component == "stacks"))
        {
            results[check.Name] = await check.RunAsync(new SelfTestContext(), Ct);
        }

        return results;
    }

    [Fact]
    public async Task Self_test_checks_the_node_and_its_network()
    {
        // The network defaults to the one that goes with the platform's Bitcoin network (testnet here).
        var ok = await SelfTestAsync(("Stacks:NodeUrl", _node.Url.ToString()));
        Assert.Equal(["network", "node_reachable"], ok.Keys.Order(StringComparer.Ordinal));
        Assert.All(ok.Values, r => Assert.Equal(SelfTestStatus.Pass, r.Status));
        Assert.Contains("burn height 120", ok["node_reachable"].Detail, StringComparison.Ordinal);
        Assert.Contains(_node.Requests, r => r.Path == "/v2/info");

        var wrong = await SelfTestAsync(("Stacks:NodeUrl", _node.Url.ToString()), ("Stacks:Network", "mainnet"));
        Assert.Equal(SelfTestStatus.Pass, wrong["node_reachable"].Status);
        Assert.Equal(SelfTestStatus.Fail, wrong["network"].Status);
        Assert.Contains("is testnet, not the configured mainnet", wrong["network"].Detail, StringComparison.Ordinal);

        var down = await SelfTestAsync(("Stacks:NodeUrl", "http://127.0.0.1:1/"));
        Assert.All(down.Values, r => Assert.Equal(SelfTestStatus.Fail, r.Status));
        Assert.Contains("127.0.0.1:1", down["node_reachable"].Detail, StringComparison.Ordinal);

        var unset = await SelfTestAsync();
        Assert.All(unset.Values, r => Assert.Equal(SelfTestStatus.Skip, r.Status));
        Assert.Contains("Stacks:NodeUrl", unset["network"].Detail, StringComparison.Ordinal);
    }
}
