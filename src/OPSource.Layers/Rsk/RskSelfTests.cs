using System.Globalization;
using OPSource.Platform.SelfTest;

namespace OPSource.Layers.Rsk;

/// <summary>
/// <c>rsk/reachable</c>: the node at <c>Rsk:NodeUrl</c> answers JSON-RPC (<c>eth_blockNumber</c>, <c>eth_gasPrice</c>).
/// Skipped when <c>Rsk:NodeUrl</c> is not set (an installation that does not use RSK).
/// </summary>
internal sealed class RskReachableCheck(RskService rsk) : ISelfTestCheck
{
    public string Component => RskModule.ModuleName;

    public string Name => "reachable";

    public async Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken)
    {
        if (!rsk.Options.IsConfigured)
        {
            return SelfTestResult.Skip("Rsk:NodeUrl is not set");
        }

        try
        {
            var height = await rsk.Rpc.GetBlockNumberAsync(cancellationToken).ConfigureAwait(false);
            var gasPrice = await rsk.Rpc.GetGasPriceAsync(cancellationToken).ConfigureAwait(false);
            return SelfTestResult.Pass(string.Create(CultureInfo.InvariantCulture, $"node at {rsk.Options.NodeUrl.GetLeftPart(UriPartial.Path)} answers: block {height}, minimum gas price {gasPrice} wei"));
        }
        catch (RskException ex)
        {
            return SelfTestResult.Fail($"node at {rsk.Options.NodeUrl.GetLeftPart(UriPartial.Path)} (Rsk:NodeUrl): {ex.Message}");
        }
    }
}

/// <summary><c>rsk/chain</c>: the node's <c>eth_chainId</c> is <c>Rsk:ChainId</c> (transactions are signed for that id).</summary>
internal sealed class RskChainCheck(RskService rsk) : ISelfTestCheck
{
    public string Component => RskModule.ModuleName;

    public string Name => "chain";

    public async Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken)
    {
        if (!rsk.Options.IsConfigured)
        {
            return SelfTestResult.Skip("Rsk:NodeUrl is not set");
        }

        long chainId;
        try
        {
            chainId = await rsk.Rpc.GetChainIdAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RskException ex)
        {
            return SelfTestResult.Fail(ex.Message);
        }

        var expected = rsk.Options.ChainId;
        return chainId == expected
            ? SelfTestResult.Pass(string.Create(CultureInfo.InvariantCulture, $"node chain {chainId} ({Describe(chainId)}) is Rsk:ChainId"))
            : SelfTestResult.Fail(string.Create(CultureInfo.InvariantCulture, $"node chain {chainId} ({Describe(chainId)}) is not Rsk:ChainId {expected} ({Describe(expected)})"));
    }

    private static string Describe(long chainId) => RskChain.FromChainId(chainId)?.Name ?? "not an RSK network";
}
