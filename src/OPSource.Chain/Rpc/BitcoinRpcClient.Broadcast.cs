using Microsoft.Extensions.Logging;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Chain.Rpc;

/// <summary>Broadcasting: testmempoolaccept first, then a send that is safe to repeat.</summary>
public sealed partial class BitcoinRpcClient
{
    /// <inheritdoc />
    public async Task<BroadcastResult> BroadcastAsync(Transaction transaction, BroadcastOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var txid = transaction.GetTxId();
        var check = (await TestMempoolAcceptAsync([transaction], options?.MaxFeeRate, cancellationToken).ConfigureAwait(false))[0];
        if (!check.Allowed)
        {
            // Core's PreChecks: "txn-already-in-mempool" (same txid in the mempool), "txn-already-known" (outputs already
            // in the UTXO set: confirmed). Both mean an earlier broadcast got through; anything else is a refusal.
            switch (check.RejectReason)
            {
                case "txn-already-in-mempool":
                    return new BroadcastResult(txid, check.Wtxid, BroadcastStatus.AlreadyInMempool, null, null, null);
                case "txn-already-known":
                    return new BroadcastResult(txid, check.Wtxid, BroadcastStatus.AlreadyConfirmed, null, null, null);
                default:
                    var reason = check.RejectReason ?? check.PackageError ?? "rejected";
                    var details = check.RejectDetails is { Length: > 0 } d && d != reason ? $"{reason} ({d})" : reason;
                    throw new RpcVerifyRejectedException("testmempoolaccept", details, reason);
            }
        }

        var accepted = new BroadcastResult(txid, check.Wtxid, BroadcastStatus.Accepted, check.VSize, check.BaseFee, check.EffectiveFeeRate);
        try
        {
            await SendRawTransactionAsync(transaction, options, cancellationToken).ConfigureAwait(false);
            return accepted;
        }
        catch (RpcVerifyAlreadyInChainException)
        {
            // Mined between the check and the send.
            return accepted with { Status = BroadcastStatus.AlreadyConfirmed };
        }
        catch (BitcoinRpcTransportException ex) when (!ex.NotExecuted)
        {
            // Ambiguous: the node may have taken it before the connection broke. Look first; then resend the identical
            // bytes, which Core treats idempotently (a mempool hit returns the txid, a confirmed one -27).
            LogAmbiguousBroadcast(_logger, txid.ToString(), ex.Failure.ToString());
        }

        if (await IsInMempoolAsync(txid, cancellationToken).ConfigureAwait(false))
        {
            return accepted;
        }

        try
        {
            await SendRawTransactionAsync(transaction, options, cancellationToken).ConfigureAwait(false);
            return accepted;
        }
        catch (RpcVerifyAlreadyInChainException)
        {
            return accepted with { Status = BroadcastStatus.AlreadyConfirmed };
        }
    }

    private async Task<bool> IsInMempoolAsync(TxId txid, CancellationToken cancellationToken)
    {
        try
        {
            await GetMempoolEntryAsync(txid, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RpcInvalidAddressOrKeyException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "rpc sendrawtransaction {TxId}: outcome unknown ({Failure}); checking the mempool before resending")]
    private static partial void LogAmbiguousBroadcast(ILogger logger, string txId, string failure);
}
