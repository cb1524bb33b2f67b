using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OPSource.Layers.Rsk;
using OPSource.Layers.Rsk.Abi;
using OPSource.Layers.Rsk.Rpc;

namespace OPSource.Layers.Tests.Rsk;

/// <summary>
/// The RSK client's resilience rules (the Bitcoin client's, docs/chain.md) with a scripted HTTP handler: not-executed
/// failures retried for every method, ambiguous ones only for reads, an ambiguous broadcast resolved by lookup; and
/// node errors classified. (A handler double in a unit test; the real node is exercised by AnvilIntegrationTests.)
/// </summary>
public sealed class RskRpcClientTransportTests
{
    private sealed class Scripted(Func<string, int, CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
    {
        public List<string> Methods { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!;
            var method = (string)body["method"]!;
            lock (Methods)
            {
                Methods.Add(method);
            }

            var response = await respond(method, Methods.Count(m => m == method), cancellationToken);
            if (response.Content is StringContent { } content && (await content.ReadAsStringAsync(cancellationToken)).Contains("\"ID\"", StringComparison.Ordinal))
            {
                var text = (await content.ReadAsStringAsync(cancellationToken)).Replace("\"ID\"", ((long)body["id"]!).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
                response.Content = new StringContent(text, Encoding.UTF8, "application/json");
            }

            return response;
        }
    }

    private static HttpResponseMessage Result(string resultJson) => new(HttpStatusCode.OK) { Content = new StringContent($$"""{"jsonrpc":"2.0","id":"ID","result":{{resultJson}}}""") };

    private static HttpResponseMessage Error(int code, string message, string? data = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (data is not null)
        {
            error["data"] = data;
        }

        return new(HttpStatusCode.OK) { Content = new StringContent(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = "ID", ["error"] = error }.ToJsonString()) };
    }

    private static RskRpcClient Client(Scripted handler) => new(
        new RskRpcOptions(new Uri("http://127.0.0.1:4444/")) { MaxRetries = 3, InitialBackoff = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(2), RequestTimeout = TimeSpan.FromMilliseconds(300) },
        handler: handler);

    [Fact]
    public async Task Not_executed_failures_are_retried_and_ambiguous_ones_only_for_reads()
    {
        var ct = TestContext.Current.CancellationToken;
        var unavailable = new Scripted((_, n, _) => Task.FromResult(n <= 2 ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) : Result("\"0x10\"")));
        using (var client = Client(unavailable))
        {
            Assert.Equal(16ul, await client.GetBlockNumberAsync(ct));
            Assert.Equal(3, unavailable.Methods.Count);
        }

        var refused = new Scripted((_, _, _) => throw new HttpRequestException(HttpRequestError.ConnectionError, "refused"));
        using (var client = Client(refused))
        {
            var ex = await Assert.ThrowsAsync<RskException>(() => client.GetChainIdAsync(ct));
            Assert.Equal(RskErrorKind.NodeUnavailable, ex.Kind);
            Assert.Contains("cannot connect to http://127.0.0.1:4444", ex.Message, StringComparison.Ordinal);
            Assert.Equal(4, refused.Methods.Count);
        }

        // A read that timed out is asked again.
        var slowOnce = new Scripted(async (_, n, token) =>
        {
            if (n == 1)
            {
                await Task.Delay(2000, token);
            }

            return Result("\"0x\"");
        });
        using (var client = Client(slowOnce))
        {
            Assert.Empty(await client.CallAsync(new RskCallRequest(RskAddress.Bridge, Array.Empty<byte>()), BlockTag.Latest, ct));
            Assert.Equal(2, slowOnce.Methods.Count);
        }
    }

    [Fact]
    public async Task An_ambiguous_broadcast_is_resolved_by_lookup_not_by_resending()
    {
        var ct = TestContext.Current.CancellationToken;
        using var account = RskAccount.FromSecretKey(RskDifferentialTests.RandomKey(new Random(3)));
        var tx = new RskTransaction { Nonce = 0, GasPrice = 1, GasLimit = 21000, To = account.Address, Value = 1, ChainId = 31 }.Sign(account);
        var handler = new Scripted(async (method, _, token) =>
        {
            if (method == "eth_sendRawTransaction")
            {
                await Task.Delay(2000, token);
            }

            return Result("""{"hash":"0x00"}""");
        });
        using var client = Client(handler);
        Assert.Equal("0x" + Convert.ToHexStringLower(tx.Hash()), await client.SendRawTransactionAsync(tx, ct));
        Assert.Equal(["eth_sendRawTransaction", "eth_getTransactionByHash"], handler.Methods);
    }

    [Theory]
    [InlineData(-32010, "transaction nonce too high", RskErrorKind.NonceGap)]
    [InlineData(-32003, "nonce too low", RskErrorKind.NonceTooLow)]
    [InlineData(-32010, "transaction underpriced", RskErrorKind.Underpriced)]
    [InlineData(-32010, "insufficient funds for gas * price + value", RskErrorKind.InsufficientFunds)]
    [InlineData(-32000, "invalid chain id for signer", RskErrorKind.WrongChain)]
    [InlineData(-32601, "method not found", RskErrorKind.NodeRejected)]
    public async Task Node_errors_are_classified(int code, string message, RskErrorKind kind)
    {
        var handler = new Scripted((_, _, _) => Task.FromResult(Error(code, message)));
        using var client = Client(handler);
        var ex = await Assert.ThrowsAsync<RskException>(() => client.GetGasPriceAsync(TestContext.Current.CancellationToken));
        Assert.Equal(kind, ex.Kind);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revert_carries_its_decoded_reason()
    {
        var reason = "0x" + Convert.ToHexStringLower([.. AbiFunction.ErrorSelector, .. AbiCodec.Encode([AbiType.String], ["not enough locking cap"])]);
        var handler = new Scripted((_, _, _) => Task.FromResult(Error(3, "execution reverted", reason)));
        using var client = Client(handler);
        var ex = await Assert.ThrowsAsync<RskException>(() => client.CallAsync(new RskCallRequest(RskAddress.Bridge, Array.Empty<byte>()), BlockTag.Latest, TestContext.Current.CancellationToken));
        Assert.Equal(RskErrorKind.Reverted, ex.Kind);
        Assert.EndsWith("execution reverted: not enough locking cap", ex.Message, StringComparison.Ordinal);
    }
}
