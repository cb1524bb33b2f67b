using OPSource.TestSupport.Peers;

namespace OPSource.Wallet.Tests.Regtest;

/// <summary>
/// One private regtest node per test class. Without bitcoind the node is not started and each test
/// skips (locally) or fails (CI=true) through <see cref="Node"/>.
/// </summary>
public class RegtestNodeFixture : IAsyncLifetime
{
    private readonly BitcoinCoreNode _node;

    public RegtestNodeFixture()
        : this([])
    {
    }

    /// <summary>A node started with extra bitcoind arguments.</summary>
    protected RegtestNodeFixture(params string[] extraArgs) => _node = new BitcoinCoreNode(extraArgs);

    private bool _started;

    /// <summary>The started node (skips or fails the calling test when bitcoind is missing).</summary>
    public BitcoinCoreNode Node
    {
        get
        {
            if (!_started)
            {
                BitcoinCoreNode.RequireBitcoind();
            }

            return _node;
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (BitcoinCoreNode.LocateBitcoind() is not null)
        {
            await _node.StartAsync();
            _started = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _node.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
