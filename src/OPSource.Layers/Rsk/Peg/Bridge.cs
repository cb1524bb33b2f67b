using System.Numerics;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Layers.Rsk.Abi;
using OPSource.Layers.Rsk.Rpc;

namespace OPSource.Layers.Rsk.Peg;

/// <summary>
/// The public ABI of RSK's Bridge precompile at 0x0000000000000000000000000000000001000006, as rskj declares it
/// (<c>co.rsk.peg.BridgeMethods</c>, <c>co.rsk.peg.BridgeEvents</c>).
/// </summary>
public static class BridgeAbi
{
    /// <summary>getFederationAddress() returns (string): the active federation's P2SH address.</summary>
    public static AbiFunction GetFederationAddress { get; } = AbiFunction.Parse("getFederationAddress() returns (string)");

    /// <summary>getMinimumLockTxValue() returns (int): the smallest peg-in in satoshis.</summary>
    public static AbiFunction GetMinimumLockTxValue { get; } = AbiFunction.Parse("getMinimumLockTxValue() returns (int256)");

    /// <summary>isBtcTxHashAlreadyProcessed(string) returns (bool).</summary>
    public static AbiFunction IsBtcTxHashAlreadyProcessed { get; } = AbiFunction.Parse("isBtcTxHashAlreadyProcessed(string) returns (bool)");

    /// <summary>getBtcTxHashProcessedHeight(string) returns (int64): -1 when not processed.</summary>
    public static AbiFunction GetBtcTxHashProcessedHeight { get; } = AbiFunction.Parse("getBtcTxHashProcessedHeight(string) returns (int64)");

    /// <summary>getBtcBlockchainBestChainHeight() returns (int).</summary>
    public static AbiFunction GetBtcBlockchainBestChainHeight { get; } = AbiFunction.Parse("getBtcBlockchainBestChainHeight() returns (int256)");

    /// <summary>getEstimatedFeesForNextPegOutEvent() returns (uint256): satoshis.</summary>
    public static AbiFunction GetEstimatedFeesForNextPegOutEvent { get; } = AbiFunction.Parse("getEstimatedFeesForNextPegOutEvent() returns (uint256)");

    /// <summary>getLockingCap() returns (int256): satoshis.</summary>
    public static AbiFunction GetLockingCap { get; } = AbiFunction.Parse("getLockingCap() returns (int256)");

    /// <summary>pegin_btc(address indexed receiver, bytes32 indexed btcTxHash, int256 amount, int256 protocolVersion).</summary>
    public static AbiEvent PeginBtc { get; } = AbiEvent.Parse("pegin_btc(address indexed receiver, bytes32 indexed btcTxHash, int256 amount, int256 protocolVersion)");

    /// <summary>rejected_pegin(bytes32 indexed btcTxHash, int256 reason).</summary>
    public static AbiEvent RejectedPegin { get; } = AbiEvent.Parse("rejected_pegin(bytes32 indexed btcTxHash, int256 reason)");

    /// <summary>release_request_received(address indexed sender, string btcDestinationAddress, uint256 amount): a peg-out accepted.</summary>
    public static AbiEvent ReleaseRequestReceived { get; } = AbiEvent.Parse("release_request_received(address indexed sender, string btcDestinationAddress, uint256 amount)");

    /// <summary>release_request_rejected(address indexed sender, uint256 amount, int256 reason).</summary>
    public static AbiEvent ReleaseRequestRejected { get; } = AbiEvent.Parse("release_request_rejected(address indexed sender, uint256 amount, int256 reason)");

    /// <summary>release_requested(bytes32 indexed rskTxHash, bytes32 indexed btcTxHash, uint256 amount): the peg-out's Bitcoin transaction was created.</summary>
    public static AbiEvent ReleaseRequested { get; } = AbiEvent.Parse("release_requested(bytes32 indexed rskTxHash, bytes32 indexed btcTxHash, uint256 amount)");

    /// <summary>pegout_confirmed(bytes32 indexed btcTxHash, uint256 pegoutCreationRskBlockNumber).</summary>
    public static AbiEvent PegoutConfirmed { get; } = AbiEvent.Parse("pegout_confirmed(bytes32 indexed btcTxHash, uint256 pegoutCreationRskBlockNumber)");
}

/// <summary>The Bridge's peg parameters.</summary>
/// <param name="FederationAddress">Where peg-ins go.</param>
/// <param name="MinimumPegin">Smallest accepted peg-in.</param>
/// <param name="LockingCap">Most BTC the federation may hold.</param>
/// <param name="EstimatedPegoutFees">Estimated fees of the next peg-out batch.</param>
/// <param name="BtcBestHeight">The Bridge's view of the Bitcoin best height.</param>
public sealed record BridgeInfo(Address FederationAddress, Amount MinimumPegin, Amount LockingCap, Amount EstimatedPegoutFees, long BtcBestHeight);

/// <summary>Reads the Bridge through <c>eth_call</c>.</summary>
public sealed class BridgeClient(RskRpcClient rpc, Network bitcoinNetwork)
{
    private readonly RskRpcClient _rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
    private readonly Network _network = bitcoinNetwork ?? throw new ArgumentNullException(nameof(bitcoinNetwork));

    /// <summary>The Bridge address (defaults to the precompile).</summary>
    public RskAddress Address { get; init; } = RskAddress.Bridge;

    /// <summary>The federation address, minimum peg-in, locking cap, peg-out fee estimate and best BTC height.</summary>
    public async Task<BridgeInfo> GetInfoAsync(CancellationToken cancellationToken)
    {
        var federation = (string)(await CallAsync(BridgeAbi.GetFederationAddress, [], cancellationToken).ConfigureAwait(false))[0];
        if (!OPSource.Bitcoin.Addresses.Address.TryParse(federation, _network, out var address, out var error))
        {
            throw new RskException(RskErrorKind.WrongChain, $"bridge: federation address '{federation}' is not a {_network.Name} address ({error})");
        }

        return new BridgeInfo(
            address,
            Satoshis(await CallAsync(BridgeAbi.GetMinimumLockTxValue, [], cancellationToken).ConfigureAwait(false)),
            Satoshis(await CallAsync(BridgeAbi.GetLockingCap, [], cancellationToken).ConfigureAwait(false)),
            Satoshis(await CallAsync(BridgeAbi.GetEstimatedFeesForNextPegOutEvent, [], cancellationToken).ConfigureAwait(false)),
            (long)(BigInteger)(await CallAsync(BridgeAbi.GetBtcBlockchainBestChainHeight, [], cancellationToken).ConfigureAwait(false))[0]);
    }

    /// <summary>The RSK block height at which the Bridge registered a Bitcoin transaction (txid as displayed), or null.</summary>
    public async Task<long?> GetProcessedHeightAsync(string btcTxId, CancellationToken cancellationToken)
    {
        var processed = (bool)(await CallAsync(BridgeAbi.IsBtcTxHashAlreadyProcessed, [btcTxId], cancellationToken).ConfigureAwait(false))[0];
        if (!processed)
        {
            return null;
        }

        return (long)(BigInteger)(await CallAsync(BridgeAbi.GetBtcTxHashProcessedHeight, [btcTxId], cancellationToken).ConfigureAwait(false))[0];
    }

    private async Task<IReadOnlyList<object>> CallAsync(AbiFunction function, IReadOnlyList<object> args, CancellationToken cancellationToken)
    {
        var data = await _rpc.CallAsync(new RskCallRequest(Address, function.EncodeCall(args)), BlockTag.Latest, cancellationToken).ConfigureAwait(false);
        return function.DecodeOutput(data);
    }

    private static Amount Satoshis(IReadOnlyList<object> values)
    {
        var v = (BigInteger)values[0];
        return v.Sign >= 0 && v <= Amount.MaxMoney.Satoshis ? Amount.FromSatoshis((long)v) : throw new RskException(RskErrorKind.NodeRejected, $"bridge: amount {v} out of the Bitcoin range");
    }
}
