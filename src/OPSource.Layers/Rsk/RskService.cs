using System.Numerics;
using OPSource.Bitcoin;
using OPSource.Layers.Rsk.Abi;
using OPSource.Layers.Rsk.Peg;
using OPSource.Layers.Rsk.Rpc;
using OPSource.Chain;
using OPSource.Platform.Events;
using OPSource.Platform.Funding;

namespace OPSource.Layers.Rsk;

/// <summary>What to send.</summary>
/// <param name="To">Recipient, or null to deploy <paramref name="Data"/> as init code.</param>
/// <param name="Value">Value in wei.</param>
/// <param name="Data">Call data or init code.</param>
/// <param name="GasLimit">Gas limit (null: the node's estimate).</param>
/// <param name="GasPrice">Gas price in wei (null: the node's <c>eth_gasPrice</c>).</param>
/// <param name="Nonce">Nonce (null: the account's next, from the pending state).</param>
public sealed record RskSendRequest(RskAddress? To, BigInteger Value, ReadOnlyMemory<byte> Data, ulong? GasLimit = null, BigInteger? GasPrice = null, ulong? Nonce = null);

/// <summary>A sent transaction.</summary>
/// <param name="Hash">Transaction hash (0x hex).</param>
/// <param name="Transaction">The signed transaction.</param>
/// <param name="From">Sender.</param>
/// <param name="ContractAddress">For a deployment: the address the contract gets (sender and nonce, Yellow Paper eq. 88).</param>
/// <param name="Receipt">The receipt when the caller waited for it.</param>
public sealed record RskSent(string Hash, RskTransaction Transaction, RskAddress From, RskAddress? ContractAddress, RskReceipt? Receipt);

/// <summary>The node as the module sees it.</summary>
/// <param name="ChainId">Chain id the node reports.</param>
/// <param name="BlockNumber">Latest block.</param>
/// <param name="GasPrice">Minimum gas price in wei.</param>
public sealed record RskNodeStatus(long ChainId, ulong BlockNumber, BigInteger GasPrice);

/// <summary>
/// The RSK operations the CLI and REST adapters share: node status, balances, contract calls, and sending signed
/// transactions with the checks that turn node refusals into one clear error each (wrong chain, nonce gap or reuse,
/// under-priced, insufficient funds, revert) before anything is broadcast.
/// </summary>
public sealed class RskService(RskRpcClient rpc, RskOptions options, Network bitcoinNetwork, IEventPublisher? events = null)
{
    /// <summary>The RPC client.</summary>
    public RskRpcClient Rpc { get; } = rpc ?? throw new ArgumentNullException(nameof(rpc));

    /// <summary>The options.</summary>
    public RskOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The paired Bitcoin network.</summary>
    public Network BitcoinNetwork { get; } = bitcoinNetwork ?? throw new ArgumentNullException(nameof(bitcoinNetwork));

    /// <summary>Bridge reads.</summary>
    public BridgeClient Bridge => new(Rpc, BitcoinNetwork);

    /// <summary>Peg status through the Bridge's events.</summary>
    public PegTracker Peg => new(Rpc);

    /// <summary>Chain id, height and gas price; refuses a node on another chain than configured.</summary>
    public async Task<RskNodeStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        var chainId = await CheckChainAsync(cancellationToken).ConfigureAwait(false);
        return new RskNodeStatus(
            chainId,
            await Rpc.GetBlockNumberAsync(cancellationToken).ConfigureAwait(false),
            await Rpc.GetGasPriceAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Balance in wei.</summary>
    public Task<BigInteger> GetBalanceAsync(RskAddress address, CancellationToken cancellationToken) =>
        Rpc.GetBalanceAsync(address, BlockTag.Latest, cancellationToken);

    /// <summary>Calls a function read-only and decodes its outputs; a revert throws with its reason.</summary>
    public async Task<IReadOnlyList<object>> CallAsync(RskAddress contract, AbiFunction function, IReadOnlyList<object> arguments, RskAddress? from, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        var data = await Rpc.CallAsync(new RskCallRequest(contract, function.EncodeCall(arguments), from), BlockTag.Latest, cancellationToken).ConfigureAwait(false);
        return function.DecodeOutput(data);
    }

    /// <summary>
    /// Checks, signs and broadcasts. Refuses before broadcasting: a node on another chain, a nonce below the
    /// account's next (already used) or above it (a gap the transaction would wait in forever), a gas price below the
    /// node's minimum, a call that reverts in estimation, and a balance short of value + gas.
    /// </summary>
    public async Task<RskSent> SendAsync(RskAccount account, RskSendRequest request, bool waitForReceipt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(request);
        await CheckChainAsync(cancellationToken).ConfigureAwait(false);
        var from = account.Address;
        var next = await Rpc.GetTransactionCountAsync(from, BlockTag.Pending, cancellationToken).ConfigureAwait(false);
        var nonce = request.Nonce ?? next;
        if (nonce < next)
        {
            throw new RskException(RskErrorKind.NonceTooLow, $"rsk send: nonce {nonce} is already used by {from.ToChecksumString(Options.ChainId)} (next is {next})");
        }

        if (nonce > next)
        {
            throw new RskException(RskErrorKind.NonceGap, $"rsk send: nonce {nonce} leaves a gap (next nonce of {from.ToChecksumString(Options.ChainId)} is {next}); the transaction would never be mined");
        }

        var minimum = await Rpc.GetGasPriceAsync(cancellationToken).ConfigureAwait(false);
        var gasPrice = request.GasPrice ?? minimum;
        if (gasPrice < minimum)
        {
            throw new RskException(RskErrorKind.Underpriced, $"rsk send: gas price {gasPrice} wei is below the node's minimum {minimum} wei");
        }

        var gas = request.GasLimit ?? await Rpc.EstimateGasAsync(new RskCallRequest(request.To, request.Data, from, request.Value, null, gasPrice), cancellationToken).ConfigureAwait(false);
        var balance = await Rpc.GetBalanceAsync(from, BlockTag.Pending, cancellationToken).ConfigureAwait(false);
        var cost = request.Value + (gasPrice * gas);
        if (balance < cost)
        {
            throw new RskException(RskErrorKind.InsufficientFunds, $"rsk send: {from.ToChecksumString(Options.ChainId)} holds {balance} wei, the transaction needs {cost} wei (value + gas x price)");
        }

        var tx = new RskTransaction
        {
            Nonce = nonce,
            GasPrice = gasPrice,
            GasLimit = gas,
            To = request.To,
            Value = request.Value,
            Data = request.Data,
            ChainId = Options.ChainId,
        }.Sign(account);
        var hash = await Rpc.SendRawTransactionAsync(tx, cancellationToken).ConfigureAwait(false);
        var created = request.To is null ? ContractAddress(from, nonce) : null;
        RskReceipt? receipt = null;
        if (waitForReceipt)
        {
            receipt = await Rpc.WaitForReceiptAsync(hash, TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            if (events is not null)
            {
                await events.PublishAsync(RskEvents.Topic, RskEvents.TransactionConfirmed, RskEvents.Confirmed(receipt, Options.ChainId), cancellationToken).ConfigureAwait(false);
            }
        }

        return new RskSent(hash, tx, from, created, receipt);
    }

    /// <summary>
    /// Peg-in from an OPSource wallet: reads the Bridge (federation address, minimum), builds the transaction through the
    /// wallet's funding interface, has the wallet sign it, broadcasts it through the Bitcoin node, and publishes
    /// <c>pegin.broadcast</c>. The wallet must be unlocked.
    /// </summary>
    public async Task<PeginSent> PeginAsync(
        string wallet, Amount amount, FeeRate feeRate, PeginInstructions instructions,
        IWalletFunding funding, IPsbtSigner signer, ITransactionBroadcaster broadcaster, CancellationToken cancellationToken)
    {
        var bridge = await Bridge.GetInfoAsync(cancellationToken).ConfigureAwait(false);
        var sent = await new PeginBuilder(funding).SendAsync(wallet, bridge, amount, feeRate, instructions, signer, broadcaster, cancellationToken).ConfigureAwait(false);
        if (events is not null)
        {
            var data = RskViews.PeginSent(sent, Options.ChainId);
            data.Remove("raw");
            data["wallet"] = wallet;
            await events.PublishAsync(RskEvents.Topic, RskEvents.PeginBroadcast, data, cancellationToken).ConfigureAwait(false);
        }

        return sent;
    }

    /// <summary>Peg-out: sends RBTC to the Bridge (rskj's releaseBtc on a plain value transfer).</summary>
    public Task<RskSent> PegoutAsync(RskAccount account, Amount amount, bool waitForReceipt, CancellationToken cancellationToken)
    {
        if (amount == Amount.Zero)
        {
            throw new RskException(RskErrorKind.InvalidRequest, "pegout: amount must be positive");
        }

        return SendAsync(account, new RskSendRequest(RskAddress.Bridge, RbtcUnits.ToWei(amount), ReadOnlyMemory<byte>.Empty), waitForReceipt, cancellationToken);
    }

    /// <summary>The address a contract created by <paramref name="sender"/> with <paramref name="nonce"/> gets: Keccak(RLP([sender, nonce]))[12..].</summary>
    public static RskAddress ContractAddress(RskAddress sender, ulong nonce)
    {
        ArgumentNullException.ThrowIfNull(sender);
        var rlp = Rlp.EncodeList(Rlp.EncodeString(sender.Bytes), Rlp.EncodeString(Rlp.UIntBytes(nonce)));
        return RskAddress.FromBytes(Keccak.Hash256(rlp).AsSpan(12));
    }

    private async Task<long> CheckChainAsync(CancellationToken cancellationToken)
    {
        var chainId = await Rpc.GetChainIdAsync(cancellationToken).ConfigureAwait(false);
        if (chainId != Options.ChainId)
        {
            throw new RskException(RskErrorKind.WrongChain, $"rsk: the node at {Options.NodeUrl.GetLeftPart(UriPartial.Authority)} is on chain {chainId}, configuration says Rsk:ChainId {Options.ChainId}");
        }

        return chainId;
    }
}
