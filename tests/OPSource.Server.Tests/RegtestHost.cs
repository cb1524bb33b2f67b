using Microsoft.Extensions.Configuration;
using OPSource.Server.Modules;
using OPSource.TestSupport.Peers;

namespace OPSource.Server.Tests;

/// <summary>
/// A private Bitcoin Core regtest node and a host with every module wired to it (the endpoint tests' shared setup).
/// Without bitcoind <see cref="StartAsync"/> returns null, and <see cref="Require"/> then skips locally and fails under CI.
/// </summary>
internal sealed class RegtestHost : IAsyncDisposable
{
    private RegtestHost(BitcoinCoreNode node, TestHost host)
    {
        Node = node;
        Host = host;
    }

    public BitcoinCoreNode Node { get; }

    public TestHost Host { get; }

    /// <summary>Starts the node, then the host with the node's RPC settings plus <paramref name="settings"/>.</summary>
    public static async Task<RegtestHost?> StartAsync(IReadOnlyDictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        if (BitcoinCoreNode.LocateBitcoind() is null)
        {
            return null;
        }

        var node = new BitcoinCoreNode();
        try
        {
            await node.StartAsync(cancellationToken);
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(settings)
            {
                ["Node:RpcUrl"] = node.RpcUrl.ToString(),
                ["Node:CookieFile"] = node.CookieFile,
            }).Build();
            return new RegtestHost(node, await TestHost.StartAsync(modules: OpsourceModules.All, configuration: configuration));
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>The started host, or the missing-bitcoind outcome (skip locally, failure under CI).</summary>
    public static RegtestHost Require(RegtestHost? started)
    {
        if (started is null)
        {
            BitcoinCoreNode.RequireBitcoind();
        }

        return started!;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Node.DisposeAsync();
    }
}
