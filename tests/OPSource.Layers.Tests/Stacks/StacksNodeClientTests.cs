using System.Text.Json.Nodes;
using OPSource.Layers.Stacks;
using OPSource.Layers.Stacks.Clarity;
using OPSource.Layers.Stacks.Node;
using OPSource.Layers.Stacks.Transactions;

namespace OPSource.Layers.Tests.Stacks;

/// <summary>
/// The /v2 client against a local HTTP double answering as stacks-core's RPC does (no Stacks node runs
/// in CI; the real Clarity checks are the simnet tests). The double records each request.
/// </summary>
public sealed class StacksNodeClientTests : IAsyncLifetime
{
    private const string Recipient = "ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5";

    private readonly StacksNodeDouble _node = new();

    private IReadOnlyList<(string Method, string Path, string ContentType, byte[] Body)> Requests => _node.Requests;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _node.DisposeAsync();

    private StacksNodeClient Client() => new(new HttpClient { BaseAddress = _node.Url });

    private static StacksTransaction Transfer(StacksNetwork network, params PostCondition[] pcs)
    {
        using var key = StacksPrivateKey.Parse("edf9aee84d9b7abc145504dde6726c64f369d37ee34ded868fabd876c26570bc01");
        var tx = TransactionBuilder.Unsigned(network, TransactionBuilder.SingleSig(key.PublicKeyBytes, 7, 180),
            TokenTransferPayload.Create(Cv.Principal("ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5"), 5, "m"), postConditions: pcs);
        return TransactionSigner.SignOrigin(tx, key);
    }

    [Fact]
    public async Task Account_fees_broadcast_and_read_only_calls_use_the_v2_endpoints()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = Client();
        var account = await client.GetAccountAsync(StacksAddress.Parse("ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5"), ct);
        Assert.Equal((UInt128)1_000_000_000_000, account.Balance);
        Assert.Equal(7UL, account.Nonce);
        Assert.Equal(1UL, await client.GetTransferFeeRateAsync(ct));

        var tx = Transfer(StacksNetwork.Testnet);
        var estimate = await client.EstimateFeeAsync(tx, ct);
        Assert.Equal([180UL, 240UL, 360UL], estimate.Fees);
        var feeRequest = Requests.Last(r => r.Path == "/v2/fees/transaction");
        var body = JsonNode.Parse(feeRequest.Body)!;
        Assert.Equal("0x" + OPSource.Bitcoin.Encoding.Hex.Encode(TransactionCodec.SerializePayload(tx.Payload)), (string)body["transaction_payload"]!);
        Assert.Equal(tx.Serialize().Length, (int)body["estimated_len"]!);

        Assert.Equal("1234", await client.BroadcastAsync(tx, ct));
        var sent = Requests.Last(r => r.Path == "/v2/transactions");
        Assert.Equal("application/octet-stream", sent.ContentType);
        Assert.Equal(tx.Serialize(), sent.Body);
        var refused = await Assert.ThrowsAsync<StacksException>(() => client.BroadcastAsync(Transfer(StacksNetwork.Mainnet), ct));
        Assert.Equal("stacks_broadcast_rejected", refused.Code);
        Assert.Contains("BadNonce", refused.Message, StringComparison.Ordinal);

        var boot = new StacksAddress(26, new byte[20]);
        var result = await client.CallReadOnlyAsync(boot, "pox-4", "get-thing", [Cv.UInt(1), Cv.Ascii("a")], boot, ct);
        Assert.Equal(Cv.Ok(Cv.UInt(42)), result);
        var call = Requests.Last(r => r.Path.StartsWith("/v2/contracts/call-read/", StringComparison.Ordinal));
        Assert.Equal("/v2/contracts/call-read/ST000000000000000000002AMW42H/pox-4/get-thing", call.Path);
        var callBody = JsonNode.Parse(call.Body)!;
        Assert.Equal("0x" + ClarityCodec.ToHex(Cv.UInt(1)), (string)callBody["arguments"]![0]!);
        Assert.Equal("ST000000000000000000002AMW42H", (string)callBody["sender"]!);
        var failed = await Assert.ThrowsAsync<StacksException>(() => client.CallReadOnlyAsync(boot, "pox-4", "missing", [], boot, ct));
        Assert.Contains("UndefinedFunction", failed.Message, StringComparison.Ordinal);

        using var pox = await client.GetPoxInfoAsync(ct);
        Assert.Equal(3, pox.RootElement.GetProperty("current_cycle").GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Post_condition_on_an_unknown_asset_is_refused_before_broadcast()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = Client();
        var known = AssetInfo.Parse("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.tokens::gold");
        await client.CheckPostConditionAssetsAsync(Transfer(StacksNetwork.Testnet, new FungiblePostCondition(new PostConditionPrincipal.Origin(), known, FungibleConditionCode.Equal, 1)), ct);

        var unknown = AssetInfo.Parse("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.tokens::silver");
        var e = await Assert.ThrowsAsync<StacksException>(() => client.CheckPostConditionAssetsAsync(
            Transfer(StacksNetwork.Testnet, new FungiblePostCondition(new PostConditionPrincipal.Origin(), unknown, FungibleConditionCode.Equal, 1)), ct));
        Assert.Equal("stacks_unknown_asset", e.Code);
        Assert.Equal("post-condition: ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.tokens declares no fungible token 'silver' (it declares: gold)", e.Message);

        var missing = AssetInfo.Parse("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.nothing::badge");
        e = await Assert.ThrowsAsync<StacksException>(() => client.CheckPostConditionAssetsAsync(
            Transfer(StacksNetwork.Testnet, new NonFungiblePostCondition(new PostConditionPrincipal.Origin(), missing, Cv.UInt(1), NonFungibleConditionCode.Sends)), ct));
        Assert.Contains("contract ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.nothing of asset 'badge' does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_reports_the_chain_id_and_the_interface_types_every_call_argument()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = Client();
        var info = await client.GetInfoAsync(ct);
        Assert.Equal(StacksNetwork.Testnet.ChainId, info.NetworkId);
        Assert.Same(StacksNetwork.Testnet, info.Network);
        Assert.Equal(120UL, info.BurnBlockHeight);

        var tokens = StacksAddress.Parse("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM");
        var contract = await client.GetContractInterfaceAsync(tokens, "tokens", ct);
        var pay = contract.Functions["pay"];
        Assert.Equal("(pay (amount uint) (to principal) (meta (optional (tuple (id (buff 4)) (tags (list 2 (string-utf8 8)))))))", pay.ToString());
        var meta = ClarityText.Parse("(some {id: 0x01020304, tags: (list u\"a\" u\"b\")})");
        contract.CheckCall("pay", [Cv.UInt(1), Cv.Principal(Recipient), meta], transaction: true);
        contract.CheckCall("pay", [Cv.UInt(1), Cv.Principal("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.tokens"), Cv.None], transaction: true);

        StacksException Fails(string function, bool transaction, params ClarityValue[] args) =>
            Assert.Throws<StacksException>(() => contract.CheckCall(function, args, transaction));
        var e = Fails("pay", true, Cv.UInt(1), Cv.Principal(Recipient), ClarityText.Parse("(some {id: 0x01020304, tags: (list u\"a\" u\"b\" u\"c\")})"));
        Assert.Equal("clarity_type", e.Code);
        Assert.Equal("clarity: pay argument 3 (meta) (some).tags has 3 items, more than (list 2 (string-utf8 8)) allows", e.Message);
        Assert.Equal("clarity: pay takes 3 argument(s) " + pay + ", got 1", Fails("pay", true, Cv.UInt(1)).Message);
        Assert.Equal("stacks_unknown_function", Fails("helper", false).Code); // private
        Assert.Equal("stacks_unknown_function", Fails("absent", false).Code);
        Assert.Equal("stacks_not_public", Fails("get-thing", true, Cv.UInt(1), Cv.Ascii("a")).Code);
        contract.CheckCall("get-thing", [Cv.UInt(1), Cv.Ascii("0123456789")], transaction: false);
        Assert.Contains("get-thing argument 2 (s) is 11 characters", Fails("get-thing", false, Cv.UInt(1), Cv.Ascii("0123456789a")).Message, StringComparison.Ordinal);

        var missing = await Assert.ThrowsAsync<StacksException>(() => client.CheckCallAsync(tokens, "nothing", "pay", [], transaction: true, ct));
        Assert.Equal("stacks_unknown_contract", missing.Code);
    }

    [Theory]
    [InlineData("\"trait_reference\"", "'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.tokens", null)]
    [InlineData("\"trait_reference\"", "'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM", "is not trait_reference")]
    [InlineData("{\"response\":{\"ok\":\"bool\",\"error\":\"int128\"}}", "(err -1)", null)]
    [InlineData("{\"response\":{\"ok\":\"bool\",\"error\":\"int128\"}}", "(ok 1)", "(ok) 1 is not bool")]
    [InlineData("{\"list\":{\"type\":{\"buffer\":{\"length\":1}},\"length\":3}}", "(list 0x01 0x0203)", "[1] is 2 bytes")]
    [InlineData("{\"tuple\":[{\"name\":\"a-b\",\"type\":\"uint128\"}]}", "{a-b: u1}", null)]
    public void Interface_types_read_as_clarity_types(string abi, string value, string? error)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(abi);
        var type = ClarityType.FromAbi(doc.RootElement);
        string? mismatch = type.Mismatch(ClarityText.Parse(value), "value");
        if (error is null)
        {
            Assert.Null(mismatch);
        }
        else
        {
            Assert.Contains(error, mismatch, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("\"uint256\"")]
    [InlineData("{\"buffer\":{}}")]
    [InlineData("{\"tuple\":[{\"type\":\"bool\"}]}")]
    [InlineData("7")]
    public void Unknown_interface_types_are_one_clear_error(string abi)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(abi);
        var e = Assert.Throws<StacksException>(() => ClarityType.FromAbi(doc.RootElement));
        Assert.StartsWith("contract interface: unknown type", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_node_is_one_clear_error()
    {
        var client = new StacksNodeClient(new HttpClient { BaseAddress = new Uri("http://127.0.0.1:1/") });
        var e = await Assert.ThrowsAsync<StacksException>(() => client.GetTransferFeeRateAsync(TestContext.Current.CancellationToken));
        Assert.Equal("stacks_node_unavailable", e.Code);
    }
}
