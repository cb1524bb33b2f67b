using System.Text;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Rpc;

namespace OPSource.Chain.Tests;

/// <summary>Retry, error-mapping, auth and batching behaviour of <see cref="BitcoinRpcClient"/> against a scripted HTTP double.</summary>
public sealed class RpcClientTransportTests
{
    private static readonly string Hash1 = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206";

    private static BitcoinRpcClient Client(Uri url, int retries = 3, TimeSpan? timeout = null, RpcCredentials? credentials = null) =>
        new(new BitcoinRpcClientOptions(url, credentials ?? RpcCredentials.FromUserPassword("u", "p"))
        {
            MaxRetries = retries,
            InitialBackoff = TimeSpan.FromMilliseconds(1),
            MaxBackoff = TimeSpan.FromMilliseconds(5),
            RequestTimeout = timeout ?? TimeSpan.FromSeconds(10),
        });

    public static TheoryData<int, Type> Codes => new()
    {
        { -25, typeof(RpcVerifyException) },
        { -26, typeof(RpcVerifyRejectedException) },
        { -27, typeof(RpcVerifyAlreadyInChainException) },
        { -5, typeof(RpcInvalidAddressOrKeyException) },
        { -8, typeof(RpcInvalidParameterException) },
        { -28, typeof(RpcInWarmupException) },
        { -22, typeof(RpcDeserializationException) },
        { -32601, typeof(RpcMethodNotFoundException) },
        { -10, typeof(RpcInInitialDownloadException) },
        { -4, typeof(RpcWalletException) },
        { -6, typeof(RpcWalletException) },
        { -13, typeof(RpcWalletException) },
        { -18, typeof(RpcWalletException) },
        { -19, typeof(RpcWalletException) },
        { -35, typeof(RpcWalletException) },
        { -1, typeof(RpcErrorException) },
        { -3, typeof(RpcErrorException) },
        { -777, typeof(RpcErrorException) },
    };

    [Theory]
    [MemberData(nameof(Codes))]
    public async Task Core_error_codes_map_to_typed_exceptions_carrying_the_node_message(int code, Type expected)
    {
        await using var server = new RpcDouble(r => r.ErrorAsync(code, "node says no, really"));
        using var client = Client(server.Url, retries: 0);
        var ex = await Assert.ThrowsAnyAsync<RpcErrorException>(() => client.GetBlockCountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(expected, ex.GetType());
        Assert.Equal(code, (int)ex.Code);
        Assert.Equal("node says no, really", ex.NodeMessage);
        Assert.Equal("getblockcount", ex.Method);
        Assert.Contains("node says no, really", ex.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Rejection_carries_Core_reject_reason()
    {
        await using var server = new RpcDouble(r => r.ErrorAsync(-26, "min relay fee not met, 100 < 141"));
        using var client = Client(server.Url);
        var tx = new Transaction(2, [new TxIn(new OutPoint(TxId.Parse(Hash1), 0), Script.Empty, Sequence.Final, Witness.Empty)], [new TxOut(Amount.FromSatoshis(1000), Script.Empty)], LockTime.Zero);
        var ex = await Assert.ThrowsAsync<RpcVerifyRejectedException>(() => client.SendRawTransactionAsync(tx, null, TestContext.Current.CancellationToken));
        Assert.Equal("min relay fee not met", ex.RejectReason);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Http_503_is_retried_for_any_method()
    {
        var n = 0;
        await using var server = new RpcDouble(r => Interlocked.Increment(ref n) <= 2 ? r.WriteAsync(503, "Work queue depth exceeded") : r.ResultAsync(Hash1));
        using var client = Client(server.Url);
        var tx = new Transaction(2, [new TxIn(new OutPoint(TxId.Parse(Hash1), 0), Script.Empty, Sequence.Final, Witness.Empty)], [new TxOut(Amount.FromSatoshis(1000), Script.Empty)], LockTime.Zero);
        var txid = await client.SendRawTransactionAsync(tx, null, TestContext.Current.CancellationToken);
        Assert.Equal(Hash1, txid.ToString());
        Assert.Equal(3, server.Count("sendrawtransaction"));
    }

    [Fact]
    public async Task Warmup_is_retried_then_succeeds_and_gives_up_after_max_retries()
    {
        var n = 0;
        await using var server = new RpcDouble(r => Interlocked.Increment(ref n) <= 2 ? r.ErrorAsync(-28, "Loading block index…") : r.ResultAsync(42));
        using var client = Client(server.Url);
        Assert.Equal(42, await client.GetBlockCountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(3, server.Requests.Count);

        await using var stuck = new RpcDouble(r => r.ErrorAsync(-28, "Verifying blocks…"));
        using var client2 = Client(stuck.Url, retries: 2);
        var ex = await Assert.ThrowsAsync<RpcInWarmupException>(() => client2.GetBlockCountAsync(TestContext.Current.CancellationToken));
        Assert.Equal("Verifying blocks…", ex.NodeMessage);
        Assert.Equal(3, stuck.Requests.Count);
    }

    [Fact]
    public async Task Connection_refused_is_retried_then_reported()
    {
        var port = RpcDouble.FreePort();
        using var client = Client(new Uri($"http://127.0.0.1:{port}/"), retries: 2);
        var ex = await Assert.ThrowsAsync<BitcoinRpcTransportException>(() => client.GetBlockCountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(RpcTransportFailure.ConnectionFailed, ex.Failure);
        Assert.True(ex.NotExecuted);
        Assert.Contains("cannot connect", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lost_connection_is_retried_for_reads_but_not_for_sendrawtransaction()
    {
        var n = 0;
        await using var server = new RpcDouble(r =>
        {
            if (Interlocked.Increment(ref n) == 1 || r.Method == "sendrawtransaction")
            {
                r.Abort();
                return Task.CompletedTask;
            }

            return r.ResultAsync(7);
        });
        using var client = Client(server.Url);
        Assert.Equal(7, await client.GetBlockCountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, server.Count("getblockcount"));

        var tx = new Transaction(2, [new TxIn(new OutPoint(TxId.Parse(Hash1), 0), Script.Empty, Sequence.Final, Witness.Empty)], [new TxOut(Amount.FromSatoshis(1000), Script.Empty)], LockTime.Zero);
        var ex = await Assert.ThrowsAsync<BitcoinRpcTransportException>(() => client.SendRawTransactionAsync(tx, null, TestContext.Current.CancellationToken));
        Assert.Equal(RpcTransportFailure.ConnectionLost, ex.Failure);
        Assert.False(ex.NotExecuted);
        Assert.Equal(1, server.Count("sendrawtransaction"));

        // Raw calls are not idempotent unless the caller says so.
        await Assert.ThrowsAsync<BitcoinRpcTransportException>(() => client.CallAsync("sendrawtransaction", [JsonValue.Create("00")], idempotent: false, TestContext.Current.CancellationToken));
        Assert.Equal(2, server.Count("sendrawtransaction"));
    }

    [Fact]
    public async Task Timeout_is_retried_only_for_idempotent_calls()
    {
        await using var server = new RpcDouble(async r =>
        {
            await Task.Delay(1500);
            await r.ResultAsync(1);
        });
        using var client = Client(server.Url, retries: 1, timeout: TimeSpan.FromMilliseconds(150));
        var ex = await Assert.ThrowsAsync<BitcoinRpcTransportException>(() => client.GetBlockCountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(RpcTransportFailure.Timeout, ex.Failure);
        Assert.Equal(2, server.Count("getblockcount"));

        await Assert.ThrowsAsync<BitcoinRpcTransportException>(() => client.CallAsync("generatetoaddress", TestContext.Current.CancellationToken, 1, "bcrt1qxyz"));
        Assert.Equal(1, server.Count("generatetoaddress"));
    }

    [Fact]
    public async Task Caller_cancellation_is_not_a_timeout_and_is_not_retried()
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new RpcDouble(async r =>
        {
            received.TrySetResult();
            await Task.Delay(3000);
            await r.ResultAsync(1);
        });
        using var client = Client(server.Url, retries: 3);
        using var cts = new CancellationTokenSource();
        var call = client.GetBlockCountAsync(cts.Token);
        await received.Task.WaitAsync(TestContext.Current.CancellationToken);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Permanent_errors_are_not_retried()
    {
        await using var server = new RpcDouble(r => r.ErrorAsync(-8, "Block height out of range"));
        using var client = Client(server.Url, retries: 5);
        await Assert.ThrowsAsync<RpcInvalidParameterException>(() => client.GetBlockHashAsync(10, TestContext.Current.CancellationToken));
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Legacy_http_500_with_json_error_body_is_mapped_and_other_statuses_are_transport_errors()
    {
        await using var server = new RpcDouble(r => r.Path == "/"
            ? r.ReplyAsync(RpcDoubleRequest.Error(r.Items[0]["id"], -5, "Block not found"), 500)
            : r.WriteAsync(404, "<html>not found</html>"));
        using var client = Client(server.Url);
        var ex = await Assert.ThrowsAsync<RpcInvalidAddressOrKeyException>(() => client.GetBlockHeaderAsync(Bitcoin.Blocks.BlockHash.Parse(Hash1), TestContext.Current.CancellationToken));
        Assert.Equal("Block not found", ex.NodeMessage);

        var wallet = client.ForWallet("w");
        var http = await Assert.ThrowsAsync<BitcoinRpcTransportException>(() => wallet.GetBlockCountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(RpcTransportFailure.HttpStatus, http.Failure);
        Assert.Equal(404, http.HttpStatus);
    }

    [Fact]
    public async Task Malformed_reply_is_an_invalid_response()
    {
        await using var server = new RpcDouble(r => r.WriteAsync(200, "{\"result\": \"not-a-hash\", \"id\": " + r.Items[0]["id"] + "}"));
        using var client = Client(server.Url);
        var ex = await Assert.ThrowsAsync<BitcoinRpcTransportException>(() => client.GetBestBlockHashAsync(TestContext.Current.CancellationToken));
        Assert.Equal(RpcTransportFailure.InvalidResponse, ex.Failure);
        Assert.Contains("not a block hash", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wallet_client_uses_the_escaped_wallet_path()
    {
        await using var server = new RpcDouble(r => r.ResultAsync(r.Path));
        using var client = Client(server.Url);
        var path = await client.ForWallet("my wallet/é").CallAsync("getwalletinfo", [], idempotent: true, TestContext.Current.CancellationToken);
        Assert.Equal("/wallet/my%20wallet%2F%C3%A9", (string)path!);
        Assert.Equal("my wallet/é", client.ForWallet("my wallet/é").Wallet);
        Assert.Equal("/", (string)(await client.CallAsync("x", [], true, TestContext.Current.CancellationToken))!);
    }

    [Fact]
    public async Task User_password_are_sent_as_basic_auth_and_a_refusal_never_shows_the_password()
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s3cret-pa55"));
        await using var server = new RpcDouble(r => r.Authorization == expected ? r.ResultAsync(1) : r.WriteAsync(401, ""));
        using var good = Client(server.Url, credentials: RpcCredentials.FromUserPassword("alice", "s3cret-pa55"));
        Assert.Equal(1, await good.GetBlockCountAsync(TestContext.Current.CancellationToken));

        var credentials = RpcCredentials.FromUserPassword("alice", "wrong-pa55");
        Assert.DoesNotContain("pa55", credentials.ToString(), StringComparison.Ordinal);
        using var bad = Client(server.Url, credentials: credentials);
        var ex = await Assert.ThrowsAsync<BitcoinRpcAuthenticationException>(() => bad.GetBlockCountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(401, ex.HttpStatus);
        Assert.DoesNotContain("pa55", ex.Message, StringComparison.Ordinal);
        Assert.Contains("alice", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cookie_file_is_read_again_after_a_401()
    {
        var dir = Directory.CreateTempSubdirectory("opsource-cookie.");
        try
        {
            var cookie = Path.Combine(dir.FullName, ".cookie");
            await File.WriteAllTextAsync(cookie, "__cookie__:first", TestContext.Current.CancellationToken);
            var current = "first";
            await using var server = new RpcDouble(r =>
                r.Authorization == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("__cookie__:" + Volatile.Read(ref current))) ? r.ResultAsync(5) : r.WriteAsync(401, ""));
            using var client = Client(server.Url, credentials: RpcCredentials.FromCookieFile(cookie));
            Assert.Equal(5, await client.GetBlockCountAsync(TestContext.Current.CancellationToken));

            // The node restarts and writes a new cookie.
            Volatile.Write(ref current, "second");
            await File.WriteAllTextAsync(cookie, "__cookie__:second\n", TestContext.Current.CancellationToken);
            Assert.Equal(5, await client.GetBlockCountAsync(TestContext.Current.CancellationToken));
            Assert.Equal(3, server.Requests.Count);

            File.Delete(cookie);
            Volatile.Write(ref current, "third");
            var ex = await Assert.ThrowsAsync<BitcoinRpcAuthenticationException>(() => client.GetBlockCountAsync(TestContext.Current.CancellationToken));
            Assert.Contains("cookie file", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Batch_items_complete_individually_and_warming_items_are_resent_alone()
    {
        var round = 0;
        await using var server = new RpcDouble(r =>
        {
            var first = Interlocked.Increment(ref round) == 1;
            return r.ReplyAsync(new JsonArray([.. r.Items.Select(i =>
            {
                var height = (int)i["params"]![0]!;
                return (JsonNode)(height switch
                {
                    1 => RpcDoubleRequest.Result(i["id"], Hash1),
                    2 => RpcDoubleRequest.Error(i["id"], -8, "Block height out of range"),
                    _ => first ? RpcDoubleRequest.Error(i["id"], -28, "Loading") : RpcDoubleRequest.Result(i["id"], Hash1),
                });
            }).Reverse()]));
        });
        using var client = Client(server.Url);
        var batch = client.CreateBatch();
        var a = batch.GetBlockHash(1);
        var b = batch.GetBlockHash(2);
        var c = batch.GetBlockHash(3);
        Assert.Equal(3, batch.Count);
        await batch.SendAsync(TestContext.Current.CancellationToken);
        Assert.Equal(Hash1, (await a).ToString());
        var ex = await Assert.ThrowsAsync<RpcInvalidParameterException>(() => b);
        Assert.Equal("Block height out of range", ex.NodeMessage);
        Assert.Equal(Hash1, (await c).ToString());
        var requests = server.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Equal(3, requests[0].Items.Count);
        Assert.Single(requests[1].Items);
        await Assert.ThrowsAsync<InvalidOperationException>(() => batch.SendAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Batch_transport_failure_fails_every_item()
    {
        using var client = Client(new Uri($"http://127.0.0.1:{RpcDouble.FreePort()}/"), retries: 0);
        var batch = client.CreateBatch();
        var a = batch.GetBlockHash(1);
        var b = batch.GetBlockCountLike();
        await batch.SendAsync(TestContext.Current.CancellationToken);
        Assert.Equal(RpcTransportFailure.ConnectionFailed, (await Assert.ThrowsAsync<BitcoinRpcTransportException>(() => a)).Failure);
        await Assert.ThrowsAsync<BitcoinRpcTransportException>(() => b);
    }

    [Fact]
    public async Task Broadcast_after_an_ambiguous_send_finds_the_transaction_in_the_mempool_without_resending()
    {
        var tx = SampleTransaction();
        await using var server = new RpcDouble(r => r.Method switch
        {
            "testmempoolaccept" => r.ResultAsync(AcceptedReply(tx)),
            "sendrawtransaction" => Abort(r),
            "getmempoolentry" => r.ResultAsync(MempoolEntryReply(tx)),
            _ => r.ErrorAsync(-32601, "Method not found"),
        });
        using var client = Client(server.Url);
        var result = await client.BroadcastAsync(tx, null, TestContext.Current.CancellationToken);
        Assert.Equal(BroadcastStatus.Accepted, result.Status);
        Assert.Equal(tx.GetTxId(), result.TxId);
        Assert.Equal(Amount.FromSatoshis(1000), result.Fee);
        Assert.Equal(1, server.Count("sendrawtransaction"));
        Assert.Equal(1, server.Count("getmempoolentry"));
    }

    [Fact]
    public async Task Broadcast_after_an_ambiguous_send_resends_when_absent_and_maps_already_confirmed()
    {
        var tx = SampleTransaction();
        var sends = 0;
        await using var server = new RpcDouble(r => r.Method switch
        {
            "testmempoolaccept" => r.ResultAsync(AcceptedReply(tx)),
            "sendrawtransaction" => Interlocked.Increment(ref sends) == 1 ? Abort(r) : r.ErrorAsync(-27, "Transaction outputs already in utxo set"),
            "getmempoolentry" => r.ErrorAsync(-5, "Transaction not in mempool"),
            _ => r.ErrorAsync(-32601, "Method not found"),
        });
        using var client = Client(server.Url);
        var result = await client.BroadcastAsync(tx, null, TestContext.Current.CancellationToken);
        Assert.Equal(BroadcastStatus.AlreadyConfirmed, result.Status);
        Assert.Equal(2, server.Count("sendrawtransaction"));
    }

    [Fact]
    public async Task Broadcast_refused_by_testmempoolaccept_never_sends()
    {
        var tx = SampleTransaction();
        await using var server = new RpcDouble(r => r.Method == "testmempoolaccept"
            ? r.ResultAsync(new JsonArray(new JsonObject
            {
                ["txid"] = tx.GetTxId().ToString(),
                ["wtxid"] = tx.GetWtxid().ToString(),
                ["allowed"] = false,
                ["reject-reason"] = "min relay fee not met",
                ["reject-details"] = "min relay fee not met, 0 < 110",
            }))
            : r.ResultAsync(tx.GetTxId().ToString()));
        using var client = Client(server.Url);
        var ex = await Assert.ThrowsAsync<RpcVerifyRejectedException>(() => client.BroadcastAsync(tx, null, TestContext.Current.CancellationToken));
        Assert.Equal("min relay fee not met", ex.RejectReason);
        Assert.Contains("0 < 110", ex.NodeMessage, StringComparison.Ordinal);
        Assert.Equal(0, server.Count("sendrawtransaction"));
    }

    private static Task Abort(RpcDoubleRequest r)
    {
        r.Abort();
        return Task.CompletedTask;
    }

    internal static Transaction SampleTransaction() =>
        new(2, [new TxIn(new OutPoint(TxId.Parse(Hash1), 1), Script.Empty, Sequence.Final, Witness.Empty)], [new TxOut(Amount.FromSatoshis(5000), new Script([0x51]))], LockTime.Zero);

    private static JsonArray AcceptedReply(Transaction tx) => new(new JsonObject
    {
        ["txid"] = tx.GetTxId().ToString(),
        ["wtxid"] = tx.GetWtxid().ToString(),
        ["allowed"] = true,
        ["vsize"] = tx.VirtualSize,
        ["fees"] = new JsonObject { ["base"] = 0.00001m, ["effective-feerate"] = 0.0001m, ["effective-includes"] = new JsonArray(tx.GetWtxid().ToString()) },
    });

    private static JsonObject MempoolEntryReply(Transaction tx) => new()
    {
        ["vsize"] = tx.VirtualSize,
        ["weight"] = tx.Weight,
        ["time"] = 1700000000,
        ["height"] = 100,
        ["descendantcount"] = 1,
        ["descendantsize"] = tx.VirtualSize,
        ["ancestorcount"] = 1,
        ["ancestorsize"] = tx.VirtualSize,
        ["wtxid"] = tx.GetWtxid().ToString(),
        ["fees"] = new JsonObject { ["base"] = 0.00001m, ["modified"] = 0.00001m, ["ancestor"] = 0.00001m, ["descendant"] = 0.00001m },
        ["depends"] = new JsonArray(),
        ["spentby"] = new JsonArray(),
        ["bip125-replaceable"] = false,
        ["unbroadcast"] = true,
    };
}

internal static class RpcBatchTestExtensions
{
    public static Task<JsonNode?> GetBlockCountLike(this RpcBatch batch) => batch.Call("getblockcount", [], idempotent: true);
}
