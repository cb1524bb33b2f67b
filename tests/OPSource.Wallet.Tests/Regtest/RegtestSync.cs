using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Model;
using OPSource.TestSupport.Peers;

namespace OPSource.Wallet.Tests.Regtest;

/// <summary>
/// Test-side feeding of a wallet from the real node (raw blocks by height, mempool by txid), with reorg
/// handling: on a block that does not connect, walk back to the fork point and connect from there.
/// </summary>
internal static class RegtestSync
{
    public static async Task SyncAsync(BitcoinCoreNode node, DescriptorWallet wallet, bool mempool = true)
    {
        var count = (int)(await node.Rpc("getblockcount"))!;
        var tip = wallet.Tip;

        // Find the highest wallet block still on the node's best chain.
        var fork = tip;
        while (fork.Height > 0 && (fork.Height > count || BlockHash.Parse((string)(await node.Rpc("getblockhash", fork.Height))!) != fork.Hash))
        {
            fork = wallet.Chain.Tip.Floor(fork.Height - 1)!.Block;
        }

        BlockId? connectedTo = fork == tip ? null : fork;
        for (var h = fork.Height + 1; h <= count; h++)
        {
            var hash = (string)(await node.Rpc("getblockhash", h))!;
            var block = Block.Parse(Hex.Parse((string)(await node.Rpc("getblock", hash, 0))!));
            wallet.ApplyBlock(block, h, connectedTo);
            connectedTo = null;
        }

        if (connectedTo is { } c && c.Height < tip.Height)
        {
            // The node's chain is shorter and holds no new block: drop the stale ones.
            wallet.DisconnectBlock(wallet.Chain.Tip.Floor(c.Height + 1)!.Block);
        }

        if (mempool)
        {
            var txids = (await node.Rpc("getrawmempool"))!.AsArray().Select(t => (string)t!).ToList();
            var txs = new List<(Transaction, long)>();
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            foreach (var id in txids)
            {
                txs.Add((Transaction.Parse((string)(await node.Rpc("getrawtransaction", id))!), now));
            }

            wallet.ApplyUnconfirmed(txs);
        }
    }
}
