using System.Net;
using System.Net.Sockets;
using System.Text;
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
    private readonly HttpListener _listener = new();
    private readonly List<(string Method, string Path, string ContentType, byte[] Body)> _requests = [];
    private Task? _loop;
    private Uri _base = null!;

    public ValueTask InitializeAsync()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _base = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(_base.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
        return ValueTask.CompletedTask;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var ms = new MemoryStream();
            await ctx.Request.InputStream.CopyToAsync(ms);
            string path = ctx.Request.RawUrl ?? "";
            lock (_requests)
            {
                _requests.Add((ctx.Request.HttpMethod, path, ctx.Request.ContentType ?? "", ms.ToArray()));
            }

            (int status, string body) = path switch
            {
                _ when path.StartsWith("/v2/accounts/", StringComparison.Ordinal) => (200, "{\"balance\":\"0x0000000000000000000000e8d4a51000\",\"locked\":\"0x00000000000000000000000000000000\",\"unlock_height\":0,\"nonce\":7}"),
                "/v2/fees/transfer" => (200, "1"),
                "/v2/fees/transaction" => (200, "{\"estimated_cost\":{},\"estimated_cost_scalar\":1,\"estimations\":[{\"fee_rate\":1.5,\"fee\":180},{\"fee_rate\":2.0,\"fee\":240},{\"fee_rate\":3.0,\"fee\":360}],\"cost_scalar_change_by_byte\":0.0}"),
                "/v2/transactions" when ms.Length > 0 && ms.ToArray()[0] == 0x80 => (200, "\"0x1234\""),
                "/v2/transactions" => (400, "{\"error\":\"transaction rejected\",\"reason\":\"BadNonce\",\"txid\":\"ab\"}"),
                _ when path.StartsWith("/v2/contracts/call-read/", StringComparison.Ordinal) && path.EndsWith("/missing", StringComparison.Ordinal) => (200, "{\"okay\":false,\"cause\":\"Unchecked(UndefinedFunction(\\\"missing\\\"))\"}"),
                _ when path.StartsWith("/v2/contracts/call-read/", StringComparison.Ordinal) => (200, "{\"okay\":true,\"result\":\"0x0701000000000000000000000000000000" + "2a\"}"),
                "/v2/pox" => (200, "{\"contract_id\":\"ST000000000000000000002AMW42H.pox-4\",\"current_burnchain_block_height\":120,\"current_cycle\":{\"id\":3}}"),
                _ when path.StartsWith("/v2/contracts/interface/", StringComparison.Ordinal) && path.EndsWith("/tokens", StringComparison.Ordinal) => (200, "{\"functions\":[],\"fungible_tokens\":[{\"name\":\"gold\"}],\"non_fungible_tokens\":[{\"name\":\"badge\",\"type\":\"uint128\"}]}"),
                _ => (404, "not found"),
            };
            byte[] bytes = Encoding.UTF8.GetBytes(body);
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.OutputStream.WriteAsync(bytes);
            ctx.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        if (_loop is not null)
        {
            await _loop;
        }
    }

    private StacksNodeClient Client() => new(new HttpClient { BaseAddress = _base });

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
        var feeRequest = _requests.Last(r => r.Path == "/v2/fees/transaction");
        var body = JsonNode.Parse(feeRequest.Body)!;
        Assert.Equal("0x" + OPSource.Bitcoin.Encoding.Hex.Encode(TransactionCodec.SerializePayload(tx.Payload)), (string)body["transaction_payload"]!);
        Assert.Equal(tx.Serialize().Length, (int)body["estimated_len"]!);

        Assert.Equal("1234", await client.BroadcastAsync(tx, ct));
        var sent = _requests.Last(r => r.Path == "/v2/transactions");
        Assert.Equal("application/octet-stream", sent.ContentType);
        Assert.Equal(tx.Serialize(), sent.Body);
        var refused = await Assert.ThrowsAsync<StacksException>(() => client.BroadcastAsync(Transfer(StacksNetwork.Mainnet), ct));
        Assert.Equal("stacks_broadcast_rejected", refused.Code);
        Assert.Contains("BadNonce", refused.Message, StringComparison.Ordinal);

        var boot = new StacksAddress(26, new byte[20]);
        var result = await client.CallReadOnlyAsync(boot, "pox-4", "get-thing", [Cv.UInt(1), Cv.Ascii("a")], boot, ct);
        Assert.Equal(Cv.Ok(Cv.UInt(42)), result);
        var call = _requests.Last(r => r.Path.StartsWith("/v2/contracts/call-read/", StringComparison.Ordinal));
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
    public async Task An_unreachable_node_is_one_clear_error()
    {
        var client = new StacksNodeClient(new HttpClient { BaseAddress = new Uri("http://127.0.0.1:1/") });
        var e = await Assert.ThrowsAsync<StacksException>(() => client.GetTransferFeeRateAsync(TestContext.Current.CancellationToken));
        Assert.Equal("stacks_node_unavailable", e.Code);
    }
}
