using OPSource.TestSupport.Peers;

namespace OPSource.Platform.Tests;

/// <summary>The shared test fixture starts a real regtest node, mines and stops cleanly.</summary>
public sealed class BitcoinCoreNodeTests
{
    [Fact]
    public async Task Starts_mines_and_stops()
    {
        string dataDir;
        await using (var node = new BitcoinCoreNode())
        {
            await node.StartAsync(TestContext.Current.CancellationToken);
            dataDir = node.DataDir;
            var info = await node.Rpc("getblockchaininfo");
            Assert.Equal("regtest", (string?)info!["chain"]);
            await node.CreateWalletAsync("core");
            var address = (string)(await node.WalletRpc("core", "getnewaddress"))!;
            var hashes = await node.MineAsync(3, address);
            Assert.Equal(3, hashes.Count);
            Assert.Equal(3, (int)(await node.Rpc("getblockcount"))!);
            var error = await Assert.ThrowsAsync<BitcoinRpcTestException>(() => node.Rpc("getblockhash", 99));
            Assert.Equal(-8, error.Code);
        }

        Assert.False(Directory.Exists(dataDir));
    }
}
