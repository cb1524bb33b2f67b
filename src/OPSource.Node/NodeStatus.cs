using OPSource.Bitcoin;
using OPSource.Bitcoin.Blocks;
using OPSource.Chain;
using OPSource.Chain.Rpc;

namespace OPSource.Node;

/// <summary>What the node says about itself and its chain, as <c>opsource node status</c> and <c>GET /api/v1/node</c> report it.</summary>
/// <param name="RpcUrl">The configured RPC URL.</param>
/// <param name="Auth">How OPSource authenticates (never the secret).</param>
/// <param name="Network">OPSource's configured network.</param>
/// <param name="Chain">The node's chain name.</param>
/// <param name="NetworkMatches">Whether the node's chain is OPSource's network.</param>
/// <param name="Version">Core's version number.</param>
/// <param name="Subversion">User agent.</param>
/// <param name="Connections">Peers.</param>
/// <param name="Blocks">Validated height.</param>
/// <param name="Headers">Best header height.</param>
/// <param name="BestBlockHash">Tip hash.</param>
/// <param name="TipTime">Tip header time.</param>
/// <param name="InitialBlockDownload">In initial block download.</param>
/// <param name="VerificationProgress">Estimated verification progress (0..1).</param>
/// <param name="Pruned">Pruning.</param>
/// <param name="Mempool">Mempool summary.</param>
/// <param name="RelayFee">Minimum relay fee rate.</param>
/// <param name="Warnings">Node warnings.</param>
public sealed record NodeStatus(
    Uri RpcUrl,
    string Auth,
    Network Network,
    string Chain,
    bool NetworkMatches,
    int Version,
    string Subversion,
    int Connections,
    int Blocks,
    int Headers,
    BlockHash BestBlockHash,
    DateTimeOffset TipTime,
    bool InitialBlockDownload,
    double VerificationProgress,
    bool Pruned,
    MempoolInfo Mempool,
    FeeRate RelayFee,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Blocks the node knows headers for but has not validated yet.</summary>
    public int SyncLag => Math.Max(0, Headers - Blocks);

    /// <summary>Core's version as <c>29.2.0</c>.</summary>
    public string VersionText => $"{Version / 10000}.{Version / 100 % 100}.{Version % 100}";
}

/// <summary>Reads <see cref="NodeStatus"/> from the configured node and records it in the metrics.</summary>
public sealed class NodeStatusService(NodeOptions options, IServiceProvider services, Network network, NodeMetrics metrics)
{
    /// <summary>The node's options.</summary>
    public NodeOptions Options { get; } = options;

    /// <summary>Queries the node (three calls in parallel).</summary>
    /// <exception cref="NodeNotConfiguredException"><c>Node:RpcUrl</c> is not set.</exception>
    /// <exception cref="BitcoinRpcException">The node could not be asked.</exception>
    public async Task<NodeStatus> GetAsync(CancellationToken cancellationToken)
    {
        if (!Options.IsConfigured)
        {
            throw new NodeNotConfiguredException();
        }

        var node = (IBitcoinNode)services.GetService(typeof(IBitcoinNode))!;
        var chainTask = node.GetBlockchainInfoAsync(cancellationToken);
        var netTask = node.GetNetworkInfoAsync(cancellationToken);
        var mempoolTask = node.GetMempoolInfoAsync(cancellationToken);
        var chain = await chainTask.ConfigureAwait(false);
        var net = await netTask.ConfigureAwait(false);
        var mempool = await mempoolTask.ConfigureAwait(false);
        var status = new NodeStatus(
            Options.RpcUrl!, Options.DescribeAuth(), network, chain.Chain, ReferenceEquals(chain.Network, network), net.Version, net.Subversion,
            net.Connections, chain.Blocks, chain.Headers, chain.BestBlockHash, chain.Time, chain.InitialBlockDownload, chain.VerificationProgress,
            chain.Pruned, mempool, net.RelayFee, [.. chain.Warnings.Concat(net.Warnings).Distinct(StringComparer.Ordinal)]);
        metrics.Observe(status.Blocks, status.Headers, status.TipTime, mempool.Size);
        return status;
    }
}
