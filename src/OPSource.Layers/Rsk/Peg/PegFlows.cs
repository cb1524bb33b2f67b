using System.Numerics;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain;
using OPSource.Chain.Rpc;
using OPSource.Layers.Rsk.Abi;
using OPSource.Layers.Rsk.Rpc;
using OPSource.Platform.Funding;
using PartiallySignedTransaction = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Layers.Rsk.Peg;

/// <summary>One satoshi is 10^10 wei: RBTC has 18 decimals, BTC 8 (the Bridge converts at 1:1).</summary>
public static class RbtcUnits
{
    /// <summary>Wei per satoshi.</summary>
    public static readonly BigInteger WeiPerSatoshi = BigInteger.Pow(10, 10);

    /// <summary>Wei of an amount of BTC.</summary>
    public static BigInteger ToWei(Amount amount) => amount.Satoshis * WeiPerSatoshi;
}

/// <summary>A funded, unsigned peg-in: the PSBT pays <see cref="Amount"/> to the federation and carries the RSKT OP_RETURN.</summary>
/// <param name="Psbt">The wallet's funded PSBT (inputs locked until signed and sent, or released).</param>
/// <param name="Instructions">The peg-in instructions it carries.</param>
/// <param name="Federation">The federation address paid.</param>
/// <param name="Amount">Peg-in amount.</param>
public sealed record PeginPlan(PartiallySignedTransaction Psbt, PeginInstructions Instructions, Address Federation, Amount Amount);

/// <summary>A peg-in signed by the wallet and accepted by the Bitcoin node.</summary>
/// <param name="Plan">What was built.</param>
/// <param name="Transaction">The signed transaction.</param>
/// <param name="TxId">Its txid (the id the Bridge registers it under).</param>
/// <param name="FeeSatoshis">The fee it pays (inputs minus outputs).</param>
public sealed record PeginSent(PeginPlan Plan, Transaction Transaction, TxId TxId, long? FeeSatoshis);

/// <summary>
/// Builds the Bitcoin side of a peg-in from an OPSource wallet through the narrow funding interface: one output to
/// the federation, one RSKT OP_RETURN output with the destination (and optional refund) address, change to the wallet.
/// </summary>
public sealed class PeginBuilder(IWalletFunding funding)
{
    private readonly IWalletFunding _funding = funding ?? throw new ArgumentNullException(nameof(funding));

    /// <summary>Builds the funded PSBT; refuses amounts below the Bridge's minimum (rskj would not mint them).</summary>
    public async Task<PeginPlan> BuildAsync(string wallet, BridgeInfo bridge, Amount amount, FeeRate feeRate, PeginInstructions instructions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bridge);
        ArgumentNullException.ThrowIfNull(instructions);
        if (amount < bridge.MinimumPegin)
        {
            throw new RskException(RskErrorKind.InvalidPegin, $"pegin: {amount.Satoshis} sat is below the Bridge's minimum peg-in of {bridge.MinimumPegin.Satoshis} sat");
        }

        var federation = bridge.FederationAddress;
        var psbt = await _funding.CreatePsbtAsync(
            new PsbtRequest(wallet, [new PaymentOutput(new OPSource.Bitcoin.Scripts.Script(federation.ScriptPubKeyBytes), amount), new PaymentOutput(instructions.ToScript(), Amount.Zero)], feeRate),
            cancellationToken).ConfigureAwait(false);

        // What rskj will read back from the transaction must be what was asked for.
        var unsigned = psbt.GetUnsignedTransaction();
        if (PeginInstructions.FromTransaction(unsigned, federation.Network) is not { } parsed
            || parsed.Destination != instructions.Destination || parsed.RefundAddress?.ToString() != instructions.RefundAddress?.ToString()
            || !unsigned.Outputs.Any(o => o.ScriptPubKey.Span.SequenceEqual(federation.ScriptPubKeyBytes) && o.Value == amount))
        {
            await _funding.ReleaseAsync(wallet, [.. unsigned.Inputs.Select(i => i.PrevOut)], cancellationToken).ConfigureAwait(false);
            throw new RskException(RskErrorKind.InvalidPegin, "pegin: the wallet's PSBT does not carry the peg-in output and instructions as asked");
        }

        return new PeginPlan(psbt, instructions, federation, amount);
    }

    /// <summary>
    /// Builds the peg-in (<see cref="BuildAsync"/>), has the wallet sign it through <paramref name="signer"/> (the wallet
    /// must be unlocked), finalizes it and broadcasts it through the Bitcoin node. Until the node has accepted it, any
    /// failure releases the coins the wallet locked for it; after an ambiguous broadcast failure they stay locked (the
    /// transaction may have reached the node).
    /// </summary>
    public async Task<PeginSent> SendAsync(
        string wallet, BridgeInfo bridge, Amount amount, FeeRate feeRate, PeginInstructions instructions,
        IPsbtSigner signer, ITransactionBroadcaster broadcaster, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(broadcaster);
        var plan = await BuildAsync(wallet, bridge, amount, feeRate, instructions, cancellationToken).ConfigureAwait(false);
        OutPoint[] inputs = [.. plan.Psbt.GetUnsignedTransaction().Inputs.Select(i => i.PrevOut)];
        Transaction transaction;
        try
        {
            var signed = (await signer.SignAsync(wallet, plan.Psbt, cancellationToken).ConfigureAwait(false)).Psbt;
            if (!signed.TryFinalize(out var finalized, out var problems) || !finalized.TryExtract(out var extracted, out _))
            {
                throw new RskException(RskErrorKind.InvalidPegin, $"pegin: wallet '{wallet}' cannot sign every input of the peg-in ({string.Join("; ", problems)})");
            }

            transaction = extracted;
        }
        catch
        {
            await _funding.ReleaseAsync(wallet, inputs, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        BroadcastResult result;
        try
        {
            result = await broadcaster.BroadcastAsync(transaction, null, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcVerifyRejectedException)
        {
            // The node refused it (testmempoolaccept): nothing was sent, the coins are free again.
            await _funding.ReleaseAsync(wallet, inputs, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return new PeginSent(plan, transaction, result.TxId, plan.Psbt.Fee?.Satoshis);
    }
}

/// <summary>Where a peg-in stands on the RSK side.</summary>
public enum PeginStage
{
    /// <summary>The Bridge has not registered the Bitcoin transaction yet.</summary>
    NotRegistered,

    /// <summary>pegin_btc: RBTC minted to the receiver.</summary>
    Registered,

    /// <summary>rejected_pegin: refused (reason code from rskj's RejectedPeginReason).</summary>
    Rejected,
}

/// <summary>A peg-in's status.</summary>
/// <param name="BtcTxId">The Bitcoin txid (display order).</param>
/// <param name="Stage">Stage.</param>
/// <param name="Receiver">RBTC receiver (registered).</param>
/// <param name="AmountSatoshis">Amount (registered).</param>
/// <param name="Reason">rskj rejection reason code (rejected).</param>
/// <param name="RskBlock">RSK block of the event.</param>
public sealed record PeginStatus(string BtcTxId, PeginStage Stage, RskAddress? Receiver, long? AmountSatoshis, long? Reason, ulong? RskBlock);

/// <summary>Where a peg-out stands.</summary>
public enum PegoutStage
{
    /// <summary>The RSK transaction is not mined yet.</summary>
    Pending,

    /// <summary>release_request_received: the Bridge accepted the RBTC.</summary>
    Received,

    /// <summary>release_request_rejected, or the transaction reverted.</summary>
    Rejected,

    /// <summary>release_requested: the federation created the Bitcoin transaction.</summary>
    Requested,

    /// <summary>pegout_confirmed: the Bitcoin transaction is confirmed.</summary>
    Confirmed,
}

/// <summary>A peg-out's status.</summary>
/// <param name="RskTxHash">The RSK transaction that sent RBTC to the Bridge.</param>
/// <param name="Stage">Stage.</param>
/// <param name="AmountSatoshis">Amount as the Bridge reported it.</param>
/// <param name="BtcTxId">The release transaction (requested and later).</param>
/// <param name="Reason">Rejection reason code.</param>
public sealed record PegoutStatus(string RskTxHash, PegoutStage Stage, long? AmountSatoshis, string? BtcTxId, long? Reason);

/// <summary>Follows peg-ins and peg-outs through the Bridge's events (<c>eth_getLogs</c> and receipts).</summary>
public sealed class PegTracker(RskRpcClient rpc)
{
    private readonly RskRpcClient _rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));

    /// <summary>The Bridge address (defaults to the precompile).</summary>
    public RskAddress Bridge { get; init; } = RskAddress.Bridge;

    /// <summary>A peg-in's status by Bitcoin txid (display hex).</summary>
    public async Task<PeginStatus> GetPeginStatusAsync(string btcTxId, CancellationToken cancellationToken)
    {
        var hash = TxIdBytes(btcTxId);
        var registered = await LogsAsync(BridgeAbi.PeginBtc, [null, hash], cancellationToken).ConfigureAwait(false);
        if (registered.Count > 0)
        {
            var (log, values) = registered[^1];
            return new PeginStatus(btcTxId, PeginStage.Registered, (RskAddress)values[0].Value, (long)(BigInteger)values[2].Value, null, log.BlockNumber);
        }

        var rejected = await LogsAsync(BridgeAbi.RejectedPegin, [hash], cancellationToken).ConfigureAwait(false);
        if (rejected.Count > 0)
        {
            var (log, values) = rejected[^1];
            return new PeginStatus(btcTxId, PeginStage.Rejected, null, null, (long)(BigInteger)values[1].Value, log.BlockNumber);
        }

        return new PeginStatus(btcTxId, PeginStage.NotRegistered, null, null, null, null);
    }

    /// <summary>A peg-out's status by the RSK transaction hash that sent RBTC to the Bridge.</summary>
    public async Task<PegoutStatus> GetPegoutStatusAsync(string rskTxHash, CancellationToken cancellationToken)
    {
        var receipt = await _rpc.GetTransactionReceiptAsync(rskTxHash, cancellationToken).ConfigureAwait(false);
        if (receipt is null)
        {
            return new PegoutStatus(rskTxHash, PegoutStage.Pending, null, null, null);
        }

        if (!receipt.Succeeded)
        {
            return new PegoutStatus(rskTxHash, PegoutStage.Rejected, null, null, null);
        }

        long? amount = null;
        foreach (var log in receipt.Logs.Where(l => l.Address == Bridge))
        {
            if (BridgeAbi.ReleaseRequestRejected.Matches(log.Topics))
            {
                var v = BridgeAbi.ReleaseRequestRejected.Decode(log.Topics, log.Data);
                return new PegoutStatus(rskTxHash, PegoutStage.Rejected, (long)(BigInteger)v[1].Value, null, (long)(BigInteger)v[2].Value);
            }

            if (BridgeAbi.ReleaseRequestReceived.Matches(log.Topics))
            {
                amount = (long)(BigInteger)BridgeAbi.ReleaseRequestReceived.Decode(log.Topics, log.Data)[2].Value;
            }
        }

        if (amount is null)
        {
            throw new RskException(RskErrorKind.NotFound, $"pegout: transaction {rskTxHash} did not send RBTC to the Bridge (no release_request_received event)");
        }

        var requested = await LogsAsync(BridgeAbi.ReleaseRequested, [HashBytes(rskTxHash)], cancellationToken, receipt.BlockNumber).ConfigureAwait(false);
        if (requested.Count == 0)
        {
            return new PegoutStatus(rskTxHash, PegoutStage.Received, amount, null, null);
        }

        var btcHash = (byte[])requested[^1].Values[1].Value;
        var btcTxId = Convert.ToHexStringLower(btcHash);
        var confirmed = await LogsAsync(BridgeAbi.PegoutConfirmed, [btcHash], cancellationToken, receipt.BlockNumber).ConfigureAwait(false);
        return new PegoutStatus(rskTxHash, confirmed.Count > 0 ? PegoutStage.Confirmed : PegoutStage.Requested, amount, btcTxId, null);
    }

    private async Task<List<(RskLog Log, IReadOnlyList<AbiEventValue> Values)>> LogsAsync(AbiEvent e, byte[]?[] topics, CancellationToken cancellationToken, ulong fromBlock = 0)
    {
        var logs = await _rpc.GetLogsAsync(new RskLogFilter(Bridge, [e.Topic, .. topics], BlockTag.Number(fromBlock), BlockTag.Latest), cancellationToken).ConfigureAwait(false);
        return [.. logs.Where(l => e.Matches(l.Topics)).Select(l => (l, e.Decode(l.Topics, l.Data)))];
    }

    private static byte[] TxIdBytes(string txid) =>
        txid.Length == 64 && txid.All(char.IsAsciiHexDigit) ? Convert.FromHexString(txid) : throw new RskException(RskErrorKind.InvalidRequest, $"pegin: '{txid}' is not a 64-hex-digit Bitcoin txid");

    private static byte[] HashBytes(string hash)
    {
        var body = hash.StartsWith("0x", StringComparison.Ordinal) ? hash[2..] : hash;
        return body.Length == 64 && body.All(char.IsAsciiHexDigit) ? Convert.FromHexString(body) : throw new RskException(RskErrorKind.InvalidRequest, $"pegout: '{hash}' is not a 32-byte transaction hash");
    }
}
