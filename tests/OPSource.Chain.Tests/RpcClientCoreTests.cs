using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Rpc;

namespace OPSource.Chain.Tests;

/// <summary>The typed client against a real Bitcoin Core v29.2 regtest node.</summary>
public sealed class RpcClientCoreTests(CoreFixture fixture) : IClassFixture<CoreFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BitcoinRpcClient Client => fixture.Client;

    [Fact]
    public async Task Blockchain_and_network_info_describe_the_regtest_node()
    {
        var info = await Client.GetBlockchainInfoAsync(Ct);
        Assert.Equal("regtest", info.Chain);
        Assert.Same(Network.Regtest, info.Network);
        Assert.True(info.Blocks >= 101);
        Assert.Equal(info.Blocks, info.Headers);
        Assert.Equal(await Client.GetBestBlockHashAsync(Ct), info.BestBlockHash);
        Assert.Equal(info.Blocks, await Client.GetBlockCountAsync(Ct));
        Assert.Equal(0x207fffffu, info.Bits);
        Assert.False(info.InitialBlockDownload);
        Assert.False(info.Pruned);

        var net = await Client.GetNetworkInfoAsync(Ct);
        Assert.Equal(290200, net.Version);
        Assert.Equal("/Satoshi:29.2.0/", net.Subversion);
        // Core 29.1 lowered the default -minrelaytxfee to 100 sat/kvB (0.1 sat/vB).
        Assert.Equal(new FeeRate(100), net.RelayFee);

        var genesis = await Client.GetBlockHashAsync(0, Ct);
        Assert.Equal(Network.Regtest.GenesisBlockHash, genesis);
    }

    [Fact]
    public async Task Blocks_at_every_verbosity_agree_with_each_other_and_with_the_header()
    {
        var txid = await fixture.Node.WalletRpc("core", "sendtoaddress", fixture.MiningAddress.ToString(), 1.5m);
        var mined = await Client.GenerateToAddressAsync(1, fixture.MiningAddress, Ct);
        var hash = mined[0];

        var block = await Client.GetBlockAsync(hash, Ct);
        Assert.Equal(hash, block.GetBlockHash());
        Assert.True(block.CheckMerkleRoot(out _));
        Assert.Contains(block.Transactions, t => t.GetTxId().ToString() == (string)txid!);

        var header = await Client.GetBlockHeaderAsync(hash, Ct);
        Assert.Equal(hash, header.Hash);
        Assert.Equal(block.Header, header.Header);
        Assert.True(header.IsInActiveChain);
        Assert.Equal(await Client.GetBlockCountAsync(Ct), header.Height);
        Assert.Equal(block.Transactions.Count, header.TransactionCount);
        Assert.Equal(block.Header.PreviousBlock, header.PreviousBlockHash);
        Assert.Null(header.NextBlockHash);
        Assert.Equal(block.Header, await Client.GetRawBlockHeaderAsync(hash, Ct));

        var v1 = await Client.GetVerboseBlockAsync(hash, Ct);
        Assert.Equal(block.Transactions.Select(t => t.GetTxId()), v1.TxIds);
        Assert.Equal(block.Size, v1.Size);
        Assert.Equal(block.StrippedSize, v1.StrippedSize);
        Assert.Equal(block.Weight, v1.Weight);

        var v2 = await Client.GetBlockWithFeesAsync(hash, Ct);
        Assert.Equal(block.ToBytes(), v2.Block.ToBytes());
        Assert.Null(v2.Fees[0]);
        var fees = v2.Fees.Skip(1).Select(f => f!.Value).Aggregate(Amount.Zero, (a, b) => a + b);
        Assert.True(fees > Amount.Zero);

        // The coinbase claims subsidy + fees exactly (Core's miner takes every fee).
        Assert.Equal(Amount.FromBtc(50) + fees, block.Transactions[0].TotalOutput);

        var stats = await Client.GetBlockStatsAsync(hash, null, Ct);
        Assert.Equal(fees, stats.TotalFee);
        Assert.Equal(Amount.FromBtc(50), stats.Subsidy);
        Assert.Equal(header.Height, stats.Height);
        Assert.Equal(hash, stats.BlockHash);
        Assert.Equal(block.Transactions.Count, stats.Txs);
        Assert.Equal(5, stats.FeeRatePercentiles!.Count);
        var byHeight = await Client.GetBlockStatsAsync(header.Height, ["totalfee", "txs"], Ct);
        Assert.Equal(fees, byHeight.TotalFee);
        Assert.Null(byHeight.Subsidy);
    }

    [Fact]
    public async Task Batched_block_hashes_and_blocks_equal_single_calls()
    {
        var tip = await Client.GetBlockCountAsync(Ct);
        var heights = Enumerable.Range(0, tip + 1).ToArray();
        var hashes = await Client.GetBlockHashesAsync(heights, Ct);
        Assert.Equal(heights.Length, hashes.Count);
        for (var h = 0; h <= tip; h += 17)
        {
            Assert.Equal(await Client.GetBlockHashAsync(h, Ct), hashes[h]);
        }

        var blocks = await Client.GetBlocksAsync(hashes, Ct);
        for (var i = 0; i < blocks.Count; i++)
        {
            Assert.Equal(hashes[i], blocks[i].GetBlockHash());
            if (i > 0)
            {
                Assert.Equal(hashes[i - 1], blocks[i].Header.PreviousBlock);
            }
        }

        var batch = Client.CreateBatch();
        var good = batch.GetBlockHash(1);
        var bad = batch.GetBlockHash(tip + 1000);
        var header = batch.GetBlockHeader(hashes[1]);
        var raw = batch.Call("getblockcount", [], idempotent: true);
        await batch.SendAsync(Ct);
        Assert.Equal(hashes[1], await good);
        var ex = await Assert.ThrowsAsync<RpcInvalidParameterException>(() => bad);
        Assert.Equal("Block height out of range", ex.NodeMessage);
        Assert.Equal(1, (await header).Height);
        Assert.True((int)(await raw)! >= tip);
    }

    [Fact]
    public async Task Mempool_calls_describe_a_wallet_payment()
    {
        var txidText = (string)(await fixture.Node.WalletRpc("core", "sendtoaddress", fixture.MiningAddress.ToString(), 0.25m))!;
        var txid = TxId.Parse(txidText);

        Assert.Contains(txid, await Client.GetRawMempoolAsync(Ct));
        var withSequence = await Client.GetRawMempoolWithSequenceAsync(Ct);
        Assert.Contains(txid, withSequence.TxIds);
        Assert.True(withSequence.MempoolSequence > 0);

        var verbose = await Client.GetRawMempoolVerboseAsync(Ct);
        var entry = verbose[txid];
        Assert.Equal(txid, entry.TxId);
        Assert.Equal(entry, await Client.GetMempoolEntryAsync(txid, Ct) with { Depends = entry.Depends, SpentBy = entry.SpentBy });

        var tx = await Client.GetRawTransactionAsync(txid, null, Ct);
        Assert.Equal(txid, tx.GetTxId());
        Assert.Equal(tx.GetWtxid(), entry.Wtxid);
        Assert.Equal(tx.VirtualSize, entry.VSize);
        Assert.Equal(tx.Weight, entry.Weight);
        Assert.True(entry.BaseFee > Amount.Zero);
        Assert.Equal(FeeRate.FromFee(entry.BaseFee, entry.VSize), entry.FeeRate);

        var fetched = await Client.GetMempoolTransactionsAsync([txid, TxId.Parse(new string('a', 64))], Ct);
        Assert.Equal(tx, fetched[0]);
        Assert.Null(fetched[1]);

        var info = await Client.GetRawTransactionInfoAsync(txid, null, Ct);
        Assert.Equal(tx, info.Transaction);
        Assert.Null(info.BlockHash);
        Assert.Equal(0, info.Confirmations);

        var mempool = await Client.GetMempoolInfoAsync(Ct);
        Assert.True(mempool.Loaded);
        Assert.True(mempool.Size >= 1);
        Assert.Equal(new FeeRate(100), mempool.MinRelayTxFee);
        Assert.Equal(verbose.Values.Aggregate(Amount.Zero, (a, e) => a + e.BaseFee), mempool.TotalFee);

        var output = Enumerable.Range(0, tx.Outputs.Count).First(i => tx.Outputs[i].Value == Amount.FromBtc(0.25m));
        var txout = await Client.GetTxOutAsync(new OutPoint(txid, (uint)output), includeMempool: true, Ct);
        Assert.NotNull(txout);
        Assert.Equal(Amount.FromBtc(0.25m), txout.Value);
        Assert.Equal(fixture.MiningAddress.ScriptPubKey, txout.ScriptPubKey);
        Assert.Equal(0, txout.Confirmations);
        Assert.Null(await Client.GetTxOutAsync(new OutPoint(txid, (uint)output), includeMempool: false, Ct));

        // Already in the mempool: reported, not an error.
        var again = await Client.BroadcastAsync(tx, null, Ct);
        Assert.Equal(BroadcastStatus.AlreadyInMempool, again.Status);
        Assert.Equal(txid, await Client.SendRawTransactionAsync(tx, null, Ct));

        var blocks = await Client.GenerateToAddressAsync(1, fixture.MiningAddress, Ct);
        var confirmed = await Client.GetRawTransactionInfoAsync(txid, blocks[0], Ct);
        Assert.Equal(blocks[0], confirmed.BlockHash);
        Assert.Equal(1, confirmed.Confirmations);
        Assert.True(confirmed.InActiveChain);
        Assert.Equal(BroadcastStatus.AlreadyConfirmed, (await Client.BroadcastAsync(tx, null, Ct)).Status);
        var inChain = await Assert.ThrowsAsync<RpcVerifyAlreadyInChainException>(() => Client.SendRawTransactionAsync(tx, null, Ct));
        Assert.Equal("Transaction outputs already in utxo set", inChain.NodeMessage);
        await Assert.ThrowsAsync<RpcInvalidAddressOrKeyException>(() => Client.GetMempoolEntryAsync(txid, Ct));
    }

    [Fact]
    public async Task Broadcast_tests_then_sends_and_refusals_carry_Core_reasons()
    {
        // A transaction Core's wallet signs but does not send.
        var funded = await fixture.Node.WalletRpc("core", "walletcreatefundedpsbt", new JsonArray(), new JsonArray(new JsonObject { [fixture.MiningAddress.ToString()] = 0.1m }));
        var processed = await fixture.Node.WalletRpc("core", "walletprocesspsbt", (string)funded!["psbt"]!);
        var tx = Transaction.Parse((string)processed!["hex"]!);

        var test = (await Client.TestMempoolAcceptAsync([tx], null, Ct))[0];
        Assert.True(test.Allowed);
        Assert.Equal(tx.GetTxId(), test.TxId);
        Assert.Equal(tx.VirtualSize, test.VSize);

        var result = await Client.BroadcastAsync(tx, null, Ct);
        Assert.Equal(BroadcastStatus.Accepted, result.Status);
        Assert.Equal(tx.GetTxId(), result.TxId);
        Assert.Equal(test.BaseFee, result.Fee);
        Assert.Contains(tx.GetTxId(), await Client.GetRawMempoolAsync(Ct));

        // Spending an output that does not exist: testmempoolaccept refuses, nothing is sent.
        var orphan = new Transaction(2, [new TxIn(new OutPoint(TxId.Parse(new string('b', 64)), 0), Script.Empty, Sequence.Final, Witness.Empty)],
            [new TxOut(Amount.FromSatoshis(10_000), fixture.MiningAddress.ScriptPubKey)], LockTime.Zero);
        var refused = await Assert.ThrowsAsync<RpcVerifyRejectedException>(() => Client.BroadcastAsync(orphan, null, Ct));
        Assert.Equal("missing-inputs", refused.RejectReason);
        var direct = await Assert.ThrowsAsync<RpcVerifyException>(() => Client.SendRawTransactionAsync(orphan, null, Ct));
        Assert.Equal("bad-txns-inputs-missingorspent", direct.NodeMessage);

        // A fee above the caller's ceiling.
        var funded2 = await fixture.Node.WalletRpc("core", "walletcreatefundedpsbt", new JsonArray(), new JsonArray(new JsonObject { [fixture.MiningAddress.ToString()] = 0.1m }), 0, new JsonObject { ["fee_rate"] = 50 });
        var tx2 = Transaction.Parse((string)(await fixture.Node.WalletRpc("core", "walletprocesspsbt", (string)funded2!["psbt"]!))!["hex"]!);
        var high = await Assert.ThrowsAsync<RpcVerifyRejectedException>(() => Client.BroadcastAsync(tx2, new BroadcastOptions(MaxFeeRate: FeeRate.FromSatoshisPerVByte(10)), Ct));
        Assert.Equal("max-fee-exceeded", high.RejectReason);
        Assert.Equal(BroadcastStatus.Accepted, (await Client.BroadcastAsync(tx2, new BroadcastOptions(MaxFeeRate: FeeRate.FromSatoshisPerVByte(100)), Ct)).Status);
    }

    [Fact]
    public async Task Node_errors_arrive_as_typed_exceptions()
    {
        var unknown = BlockHash.Parse(new string('c', 64));
        Assert.Equal("Block not found", (await Assert.ThrowsAsync<RpcInvalidAddressOrKeyException>(() => Client.GetBlockHeaderAsync(unknown, Ct))).NodeMessage);
        Assert.Equal("Block height out of range", (await Assert.ThrowsAsync<RpcInvalidParameterException>(() => Client.GetBlockHashAsync(1_000_000, Ct))).NodeMessage);
        await Assert.ThrowsAsync<RpcMethodNotFoundException>(() => Client.CallAsync("nosuchmethod", [], true, Ct));
        var wallet = await Assert.ThrowsAsync<RpcWalletException>(() => Client.ForWallet("absent").CallAsync("getwalletinfo", [], true, Ct));
        Assert.Equal(RpcErrorCode.WalletNotFound, wallet.Code);
        var deserialize = await Assert.ThrowsAsync<RpcDeserializationException>(() => Client.CallAsync("decoderawtransaction", Ct, "00"));
        Assert.Equal(RpcErrorCode.DeserializationError, deserialize.Code);
    }

    [Fact]
    public async Task Wallet_paths_cookie_and_rpcauth_all_reach_the_node()
    {
        var balance = await Client.ForWallet("core").CallAsync("getbalance", [], idempotent: true, Ct);
        Assert.True((decimal)balance! > 0);

        using var byPassword = CoreFixture.CreateClient(fixture.Node, RpcCredentials.FromUserPassword(CoreFixture.RpcUser, CoreFixture.RpcPassword));
        Assert.Equal(await Client.GetBlockCountAsync(Ct), await byPassword.GetBlockCountAsync(Ct));

        using var wrong = CoreFixture.CreateClient(fixture.Node, RpcCredentials.FromUserPassword(CoreFixture.RpcUser, "wrong password"));
        var ex = await Assert.ThrowsAsync<BitcoinRpcAuthenticationException>(() => wrong.GetBlockCountAsync(Ct));
        Assert.DoesNotContain("wrong password", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fee_estimates_zmq_publishers_and_raw_calls()
    {
        var estimate = await Client.EstimateSmartFeeAsync(2, FeeEstimateMode.Conservative, Ct);
        Assert.Null(estimate.FeeRate);
        Assert.NotEmpty(estimate.Errors);

        var zmq = await Client.GetZmqNotificationsAsync(Ct);
        Assert.Contains(zmq, z => z.Type == "pubrawblock" && z.Address == $"tcp://127.0.0.1:{fixture.Node.ZmqBlockPort}");
        Assert.Contains(zmq, z => z.Type == "pubrawtx" && z.Address == $"tcp://127.0.0.1:{fixture.Node.ZmqTxPort}");

        var raw = await Client.CallAsync("getblockheader", [JsonValue.Create((await Client.GetBlockHashAsync(1, Ct)).ToString())], idempotent: true, Ct);
        Assert.Equal(1, (int)raw!["height"]!);
        Assert.Equal(new TxMerkleNode(UInt256.Parse((string)raw["merkleroot"]!)), (await Client.GetBlockAsync(await Client.GetBlockHashAsync(1, Ct), Ct)).Header.MerkleRoot);
    }
}
