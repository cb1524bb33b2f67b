using OPSource.Bitcoin;

namespace OPSource.Platform.Fees;

/// <summary>Where the fee rate of a transaction came from.</summary>
public enum FeeRateSource
{
    /// <summary>Given by the caller.</summary>
    Explicit,

    /// <summary>A fee model (the ML module's), bounded by the node's estimate, the mempool minimum and a ceiling.</summary>
    Model,

    /// <summary>The node's <c>estimatesmartfee</c>.</summary>
    Node,

    /// <summary>The configured fallback rate (the node had no estimate).</summary>
    Fallback,
}

/// <summary>A fee rate for a confirmation target and where it came from.</summary>
/// <param name="Rate">The rate.</param>
/// <param name="Source">Its source.</param>
/// <param name="Detail">One line on how it was chosen (e.g. the model's target and the bounds applied).</param>
public sealed record FeeAdvice(FeeRate Rate, FeeRateSource Source, string Detail);

/// <summary>
/// A source of fee rates for a confirmation target that the wallet consults before the node's <c>estimatesmartfee</c>
/// (implemented by the ML module's fee model). Narrow on purpose: the wallet knows nothing of models.
/// </summary>
public interface IFeeRateAdvisor
{
    /// <summary>
    /// The fee rate to confirm within <paramref name="confirmationTarget"/> blocks, or null when the advisor has none
    /// (model not enabled or not trained, node unreachable): the caller then uses the node's estimate.
    /// </summary>
    Task<FeeAdvice?> AdviseAsync(int confirmationTarget, CancellationToken cancellationToken);
}
