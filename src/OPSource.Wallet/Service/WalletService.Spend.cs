using System.Globalization;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain;
using OPSource.Chain.Rpc;
using OPSource.Platform.Errors;
using OPSource.Platform.Fees;
using OPSource.Platform.Funding;
using PsbtDocument = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Wallet.Service;

public sealed partial class WalletService
{
    // Core policy: MAX_OP_RETURN_RELAY (-datacarriersize) allows 80 bytes of data (83 script bytes).
    private const int MaxOpReturnData = 80;

    /// <summary>
    /// The fee rate to use: an explicit rate (at least the minimum relay fee), else the fee advisor's rate for the target
    /// (the ML fee model when enabled and trained, see <see cref="IFeeRateAdvisor"/>), else the node's
    /// <c>estimatesmartfee</c> for the target; never below <c>Wallet:MinFeeRate</c>; without an estimate,
    /// <c>Wallet:FallbackFeeRate</c>.
    /// </summary>
    /// <exception cref="WalletOperationException">Below the relay minimum, or no estimate and no fallback.</exception>
    public async Task<FeeRate> ResolveFeeRateAsync(FeeRate? explicitRate, int? confirmationTarget, CancellationToken cancellationToken) =>
        (await ResolveFeeAsync(explicitRate, confirmationTarget, cancellationToken).ConfigureAwait(false)).Rate;

    /// <summary>As <see cref="ResolveFeeRateAsync"/>, with the source of the rate.</summary>
    /// <exception cref="WalletOperationException">Below the relay minimum, or no estimate and no fallback.</exception>
    public async Task<FeeAdvice> ResolveFeeAsync(FeeRate? explicitRate, int? confirmationTarget, CancellationToken cancellationToken)
    {
        if (explicitRate is { } rate)
        {
            if (rate < Policy.MinRelayFee)
            {
                throw Invalid($"fee rate {rate.SatoshisPerVByte.ToString(CultureInfo.InvariantCulture)} sat/vB is below the minimum relay fee of {Policy.MinRelayFee.SatoshisPerVByte.ToString(CultureInfo.InvariantCulture)} sat/vB");
            }

            return new FeeAdvice(rate, FeeRateSource.Explicit, "given");
        }

        var target = confirmationTarget ?? _options.ConfirmationTarget;
        if (target is < 1 or > 1008)
        {
            throw Invalid("confirmation target must be 1..1008 blocks");
        }

        if (_feeAdvisor is not null && await _feeAdvisor.AdviseAsync(target, cancellationToken).ConfigureAwait(false) is { } advice)
        {
            return advice.Rate < _options.MinFeeRate
                ? advice with { Rate = _options.MinFeeRate, Detail = advice.Detail + $"; raised to Wallet:MinFeeRate {_options.MinFeeRate.SatoshisPerVByte.ToString(CultureInfo.InvariantCulture)} sat/vB" }
                : advice;
        }

        FeeEstimate? estimate = null;
        try
        {
            estimate = await _node().EstimateSmartFeeAsync(target, FeeEstimateMode.Unset, cancellationToken).ConfigureAwait(false);
        }
        catch (BitcoinRpcException ex) when (_options.FallbackFeeRate is not null)
        {
            LogNodeUnavailable(_logger, ex.Message);
        }
        catch (BitcoinRpcException ex)
        {
            throw new OpsourceException(ErrorCategory.Unavailable, "node_unavailable", "fee estimation: " + ex.Message, ex);
        }

        var forTarget = string.Create(CultureInfo.InvariantCulture, $"estimatesmartfee {target}");
        if (estimate?.FeeRate is { } estimated)
        {
            return estimated < _options.MinFeeRate
                ? new FeeAdvice(_options.MinFeeRate, FeeRateSource.Node, forTarget + " raised to Wallet:MinFeeRate")
                : new FeeAdvice(estimated, FeeRateSource.Node, forTarget);
        }

        return _options.FallbackFeeRate is { } fallback
            ? new FeeAdvice(fallback, FeeRateSource.Fallback, forTarget + " gave no estimate: Wallet:FallbackFeeRate")
            : throw Invalid("fee estimation failed (the node has no estimate yet) and Wallet:FallbackFeeRate is not set: give an explicit fee rate");
    }

    /// <summary>The scriptPubKey of an address of this wallet's network.</summary>
    /// <exception cref="WalletOperationException">Not an address, or one of another network.</exception>
    public Script ParseAddress(string text, string what = "address")
    {
        var trimmed = text?.Trim();
        if (Address.TryParse(trimmed, _network, out var address, out var error))
        {
            return new Script(address.ScriptPubKeyBytes);
        }

        if (Address.TryParse(trimmed, out var other, out _))
        {
            throw new WalletOperationException(WalletErrorKind.WrongNetwork, $"{what}: '{Shorten(trimmed)}' is a {other.Network.Name} address, not {_network.Name}", error);
        }

        throw new WalletOperationException(WalletErrorKind.InvalidRequest, $"{what}: {error}", error);
    }

    /// <summary>Builds, signs, verifies and broadcasts a payment (testmempoolaccept first), then records it.</summary>
    /// <param name="name">Wallet.</param>
    /// <param name="request">What to pay.</param>
    /// <param name="passphrase">The passphrase for this call, or empty when the wallet is unlocked.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <exception cref="WalletOperationException">Insufficient funds, dust, bad address, locked, watch-only...</exception>
    /// <exception cref="OpsourceException">The node refused the transaction (<c>transaction_rejected</c>, nothing recorded) or is unavailable.</exception>
    public async Task<SpendResult> SendAsync(string name, SpendRequest request, ReadOnlyMemory<char> passphrase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (recipients, _) = Recipients(request);
        var fee = await ResolveFeeAsync(request.FeeRate, request.ConfirmationTarget, cancellationToken).ConfigureAwait(false);
        return await WithWalletAsync(name, async slot =>
        {
            var tipTime = await TipTimeAsync(slot.Core!.Tip, cancellationToken).ConfigureAwait(false);
            var built = Build(slot, ToSendRequest(request, recipients, fee.Rate, tipTime));
            var tx = SignAndVerify(slot, built.Psbt, passphrase);
            var result = await BroadcastAndRecordAsync(slot, tx, built, request.Label, [], cancellationToken).ConfigureAwait(false);
            return result with { FeeSource = fee };
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Builds a funded, unsigned PSBT (Core <c>walletcreatefundedpsbt</c>): coins chosen by Core's algorithms and
    /// locked, change to a fresh change address (reserved), every updater field for external signers.
    /// </summary>
    public async Task<PsbtResult> CreatePsbtAsync(string name, SpendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (recipients, _) = Recipients(request);
        var feeRate = await ResolveFeeRateAsync(request.FeeRate, request.ConfirmationTarget, cancellationToken).ConfigureAwait(false);
        return await WithWalletAsync(name, async slot =>
        {
            var tipTime = await TipTimeAsync(slot.Core!.Tip, cancellationToken).ConfigureAwait(false);
            return await SaveChangeAsync(slot, core =>
        {
            var built = BuildOn(core, ToSendRequest(request, recipients, feeRate, tipTime));
            core.CommitChange(built);
            var inputs = built.Inputs.Select(u => u.OutPoint).ToList();
            core.SetLocked(inputs, true);
            return new PsbtResult(built.Psbt, built.Fee, built.EstimatedVSize, built.ChangeIndex, inputs);
        }, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Signs the inputs of a PSBT this wallet can sign (Core <c>walletprocesspsbt</c>): first adds the UTXOs, scripts and
    /// derivations of its own inputs when missing, then signs with the unlocked keys or with <paramref name="passphrase"/>.
    /// </summary>
    public Task<PsbtSignResult> SignPsbtAsync(string name, PsbtDocument psbt, ReadOnlyMemory<char> passphrase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(psbt);
        return WithWalletAsync(name, slot =>
        {
            var updated = UpdatePsbt(slot.Core!, psbt);
            var keys = BorrowKeys(slot, passphrase, out var owned);
            try
            {
                var signed = keys!.Sign(updated, out var inputs, out _);
                return Task.FromResult(new PsbtSignResult(signed, inputs, signed.TryFinalize(out _, out _)));
            }
            finally
            {
                if (owned)
                {
                    keys!.Dispose();
                }
            }
        }, cancellationToken);
    }

    /// <summary>
    /// Finalizes a PSBT (BIP174 finalizer and extractor), verifies every input with the consensus interpreter, and
    /// optionally broadcasts it (testmempoolaccept first) and records it in the wallet.
    /// </summary>
    public async Task<(Transaction Transaction, SpendResult? Broadcast)> FinalizePsbtAsync(string name, PsbtDocument psbt, bool broadcast, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(psbt);
        Transaction tx;
        try
        {
            tx = DescriptorWallet.FinalizeAndVerify(psbt);
        }
        catch (WalletCoreException ex)
        {
            throw FromCore(ex);
        }

        if (!broadcast)
        {
            return (tx, null);
        }

        return await WithWalletAsync(name, async slot =>
        {
            var result = await BroadcastAndRecordAsync(slot, tx, null, null, [], cancellationToken).ConfigureAwait(false);
            return (tx, (SpendResult?)result);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Broadcasts a signed transaction (testmempoolaccept first) and records it when it concerns the wallet.</summary>
    public Task<SpendResult> BroadcastAsync(string name, Transaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return WithWalletAsync(name, slot => BroadcastAndRecordAsync(slot, transaction, null, null, [], cancellationToken), cancellationToken);
    }

    private (List<Recipient> Recipients, int OpReturnIndex) Recipients(SpendRequest request)
    {
        var list = new List<Recipient>();
        for (var i = 0; i < request.Payments.Count; i++)
        {
            var p = request.Payments[i];
            if (p.Amount < Amount.Zero || p.Amount > Amount.MaxMoney)
            {
                throw Invalid($"payment {i}: amount out of range");
            }

            list.Add(new Recipient(ParseAddress(p.Address, $"payment {i} address"), p.Amount));
        }

        var opReturn = -1;
        if (request.OpReturnData is { } data)
        {
            if (data.Length > MaxOpReturnData)
            {
                throw Invalid($"op_return: {data.Length} bytes of data; at most {MaxOpReturnData} are relayed");
            }

            opReturn = list.Count;
            list.Add(new Recipient(new ScriptBuilder().Add(OpcodeType.OP_RETURN).Push(data).Build(), Amount.Zero));
        }

        if (list.Count == 0)
        {
            throw Invalid("send: give at least one payment");
        }

        if (request.SendMax && (opReturn == 0 || list.Count == 0))
        {
            throw Invalid("send-max: the first output must be an address");
        }

        return (list, opReturn);
    }

    private SendRequest ToSendRequest(SpendRequest request, List<Recipient> recipients, FeeRate feeRate, long? tipTime) => new()
    {
        Recipients = recipients,
        FeeRate = feeRate,
        SendMax = request.SendMax,
        MustUse = request.MustUse,
        MustNotUse = request.MustNotUse.ToHashSet(),
        AllowOtherInputs = request.AllowOtherInputs,
        MinConfirmations = request.MinConfirmations,
        AvoidReuse = request.AvoidReuse,
        EnableRbf = request.EnableRbf,
        NowUnixSeconds = _time.GetUtcNow().ToUnixTimeSeconds(),
        TipTimeUnixSeconds = tipTime,
        MaxFee = _options.MaxFee,
    };

    /// <summary>
    /// Header time of the wallet's tip block when it is also the node's tip (Core's anti-fee-sniping locks to the tip
    /// only when the wallet is current); null otherwise or without a node.
    /// </summary>
    private async Task<long?> TipTimeAsync(Chain.Model.BlockId tip, CancellationToken cancellationToken)
    {
        try
        {
            var node = _node();
            if (await node.GetBestBlockHashAsync(cancellationToken).ConfigureAwait(false) != tip.Hash)
            {
                return null;
            }

            var header = await node.GetBlockHeaderAsync(tip.Hash, cancellationToken).ConfigureAwait(false);
            return header.Header.Time;
        }
        catch (BitcoinRpcException)
        {
            return null;
        }
    }

    private static BuiltTransaction Build(Slot slot, SendRequest request) => BuildOn(slot.Core!, request);

    private static BuiltTransaction BuildOn(DescriptorWallet core, SendRequest request)
    {
        try
        {
            return core.BuildTransaction(request);
        }
        catch (WalletCoreException ex)
        {
            throw FromCore(ex);
        }
    }

    private Transaction SignAndVerify(Slot slot, PsbtDocument psbt, ReadOnlyMemory<char> passphrase)
    {
        var keys = BorrowKeys(slot, passphrase, out var owned);
        try
        {
            var signed = keys!.Sign(psbt, out _, out _);
            return DescriptorWallet.FinalizeAndVerify(signed);
        }
        catch (WalletCoreException ex)
        {
            throw new WalletOperationException(WalletErrorKind.InvalidRequest, $"wallet '{slot.Name}' cannot sign every input: {ex.Message}");
        }
        finally
        {
            if (owned)
            {
                keys!.Dispose();
            }
        }
    }

    /// <summary>
    /// testmempoolaccept, sendrawtransaction, then records the transaction as seen now (and reserves the change index,
    /// labels it) in one saved changeset. A refusal records nothing.
    /// </summary>
    private async Task<SpendResult> BroadcastAndRecordAsync(Slot slot, Transaction tx, BuiltTransaction? built, string? label, IReadOnlyList<TxId> replaced, CancellationToken cancellationToken)
    {
        BroadcastResult broadcast;
        try
        {
            broadcast = await _node().BroadcastAsync(tx, new BroadcastOptions(MaxFeeRate: FeeRate.Zero), cancellationToken).ConfigureAwait(false);
        }
        catch (RpcVerifyRejectedException ex)
        {
            throw new OpsourceException(ErrorCategory.Refused, "transaction_rejected", $"the node refused the transaction: {ex.RejectReason ?? ex.NodeMessage}", ex);
        }
        catch (BitcoinRpcException ex)
        {
            throw new OpsourceException(ErrorCategory.Unavailable, "node_unavailable", "broadcast: " + ex.Message, ex);
        }

        var txid = tx.GetTxId();
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        await SaveChangeAsync(slot, core =>
        {
            if (built is not null)
            {
                core.CommitChange(built);
            }

            core.ApplyUnconfirmed([(tx, now)]);
            if (label is not null)
            {
                core.SetLabel(new WalletLabel("tx", txid.ToString(), label));
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
        LogBroadcast(_logger, slot.Name, txid.ToString(), broadcast.Status.ToString());
        var fee = built?.Fee ?? slot.Core!.GetTransaction(txid)?.Fee ?? broadcast.Fee ?? Amount.Zero;
        return new SpendResult
        {
            TxId = txid,
            Transaction = tx,
            Fee = fee,
            VSize = broadcast.VSize ?? tx.VirtualSize,
            ChangeIndex = built?.ChangeIndex,
            Inputs = [.. tx.Inputs.Select(i => i.PrevOut)],
            Algorithm = built?.Algorithm ?? CoinSelection.SelectionAlgorithm.Manual,
            Replaced = replaced,
        };
    }

    /// <summary>Adds the wallet's updater data to its own inputs and outputs of a PSBT assembled elsewhere (fields already present are kept).</summary>
    private static PsbtDocument UpdatePsbt(DescriptorWallet core, PsbtDocument psbt)
    {
        var tx = psbt.GetUnsignedTransaction();
        var updated = psbt;
        for (var i = 0; i < tx.Inputs.Count; i++)
        {
            var input = psbt.Inputs[i];
            if (input.IsFinalized || (input.Bip32Derivations.Count > 0 || input.TapBip32Derivations.Count > 0) && (input.WitnessUtxo is not null || input.NonWitnessUtxo is not null))
            {
                continue;
            }

            updated = core.UpdateInput(updated, i, tx.Inputs[i].PrevOut);
        }

        return updated;
    }

    [Microsoft.Extensions.Logging.LoggerMessage(EventId = 10, Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "wallet {Name} broadcast {TxId} ({Status})")]
    private static partial void LogBroadcast(Microsoft.Extensions.Logging.ILogger logger, string name, string txId, string status);
}
