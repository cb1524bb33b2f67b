using System.Globalization;
using OPSource.Chain.Rpc;
using OPSource.Platform.SelfTest;

namespace OPSource.Node;

/// <summary>Shared plumbing of the node checks: skip when unconfigured, one-line failures.</summary>
internal abstract class NodeCheck(NodeStatusService status) : ISelfTestCheck
{
    public string Component => "node";

    public abstract string Name { get; }

    public async Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken)
    {
        if (!status.Options.IsConfigured)
        {
            return SelfTestResult.Skip("Node:RpcUrl is not set");
        }

        NodeStatus current;
        try
        {
            current = await status.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BitcoinRpcException ex)
        {
            return SelfTestResult.Fail(ex.Message);
        }

        return Evaluate(current);
    }

    protected abstract SelfTestResult Evaluate(NodeStatus status);
}

/// <summary><c>node/reachable</c>: RPC answers with these credentials.</summary>
internal sealed class NodeReachableCheck(NodeStatusService status) : NodeCheck(status)
{
    public override string Name => "reachable";

    protected override SelfTestResult Evaluate(NodeStatus s) =>
        SelfTestResult.Pass($"Bitcoin Core {s.VersionText} ({s.Subversion}) at {s.RpcUrl}, {s.Connections} peers, auth by {s.Auth}");
}

/// <summary><c>node/network</c>: the node's chain is the network OPSource is configured for.</summary>
internal sealed class NodeNetworkCheck(NodeStatusService status) : NodeCheck(status)
{
    public override string Name => "network";

    protected override SelfTestResult Evaluate(NodeStatus s) => s.NetworkMatches
        ? SelfTestResult.Pass($"node chain '{s.Chain}' is {s.Network.Name}")
        : SelfTestResult.Fail($"node chain '{s.Chain}' is not the configured network {s.Network.Name} (Network setting)");
}

/// <summary><c>node/synced</c>: not in initial block download, headers validated.</summary>
internal sealed class NodeSyncedCheck(NodeStatusService status, TimeProvider time) : NodeCheck(status)
{
    public override string Name => "synced";

    protected override SelfTestResult Evaluate(NodeStatus s)
    {
        var age = time.GetUtcNow() - s.TipTime;
        var ageText = age.TotalHours >= 1 ? $"{age.TotalHours:0.#} h" : $"{Math.Max(0, age.TotalMinutes):0.#} min";
        if (s.InitialBlockDownload)
        {
            return SelfTestResult.Warn(string.Create(
                CultureInfo.InvariantCulture, $"initial block download: height {s.Blocks} of {s.Headers} headers, {s.VerificationProgress * 100:0.##}% verified"));
        }

        return s.SyncLag > 1
            ? SelfTestResult.Warn($"validating: height {s.Blocks}, {s.SyncLag} headers ahead")
            : SelfTestResult.Pass($"synced at height {s.Blocks} ({s.BestBlockHash}), tip {ageText} old");
    }
}
