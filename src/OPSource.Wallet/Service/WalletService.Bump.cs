using System.Globalization;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Rpc;
using OPSource.Platform.Errors;
using OPSource.Platform.Funding;

namespace OPSource.Wallet.Service;

public sealed partial class WalletService
{
    // Core policy DEFAULT_INCREMENTAL_RELAY_FEE: 1000 sat/kvB (BIP125 rule 4's increment).
    private static readonly FeeRate IncrementalRelayFee = new(1000);

    /// <summary>
    /// Replaces an unconfirmed transaction of this wallet with one paying a higher fee (BIP125, Core's <c>bumpfee</c>):
    /// the same inputs (more when needed) and payments, the change output shrunk or added, a fee rate of at least the
    /// original's plus the incremental relay fee, and an absolute fee covering the original's plus the incremental
    /// relay fee for the new size (BIP125 rules 3 and 4).
    /// </summary>
    /// <exception cref="WalletOperationException">Unknown, confirmed or foreign transaction; descendants; rate too low.</exception>
    public async Task<SpendResult> BumpFeeAsync(string name, TxId txid, FeeRate? feeRate, ReadOnlyMemory<char> passphrase, CancellationToken cancellationToken)
    {
        var requested = feeRate is null ? await ResolveFeeRateAsync(null, null, cancellationToken).ConfigureAwait(false) : (FeeRate?)null;
        return await WithWalletAsync(name, async slot =>
        {
            var core = slot.Core!;
            var original = core.GetTransaction(txid);
            if (original is null || original.Confirmations < 0)
            {
                throw Invalid($"bumpfee: {txid} is not a transaction of wallet '{name}' (or it was replaced)");
            }

            if (original.Position.IsConfirmed)
            {
                throw Invalid($"bumpfee: {txid} is already confirmed");
            }

            var tx = original.Transaction;
            var spent = new List<TxOut>();
            foreach (var input in tx.Inputs)
            {
                var prev = core.Graph.GetTxOut(input.PrevOut);
                if (prev is null || !core.IsMine(prev.ScriptPubKey))
                {
                    throw Invalid("bumpfee: the transaction spends inputs that do not belong to this wallet");
                }

                spent.Add(prev);
            }

            for (var i = 0; i < tx.Outputs.Count; i++)
            {
                if (core.View.SpenderOf(new OutPoint(txid, (uint)i)) is { } child)
                {
                    throw Invalid($"bumpfee: the transaction has a descendant in the wallet ({child}); bump that one or wait");
                }
            }

            var oldFee = original.Fee!.Value;
            var oldVSize = tx.VirtualSize;
            // Core feebumper: at least the old rate plus the incremental relay fee.
            var minimum = new FeeRate(FeeRate.FromFee(oldFee, oldVSize).SatoshisPerKvB + IncrementalRelayFee.SatoshisPerKvB);
            var rate = feeRate ?? requested!.Value;
            if (feeRate is { } explicitRate && explicitRate < minimum)
            {
                throw Invalid($"bumpfee: fee rate {explicitRate} is too low; the replacement needs at least {minimum} (the original's {FeeRate.FromFee(oldFee, oldVSize)} plus {IncrementalRelayFee})");
            }

            if (rate < minimum)
            {
                rate = minimum;
            }

            // Keep the payments; the wallet's change output (on either keychain's change role) is rebuilt.
            var changeIndex = -1;
            for (var i = 0; i < tx.Outputs.Count; i++)
            {
                if (core.Index.TryGetOrigin(tx.Outputs[i].ScriptPubKey, out var keychain, out _) && keychain == WalletKeychain.Internal)
                {
                    changeIndex = i;
                    break;
                }
            }

            var recipients = tx.Outputs.Where((_, i) => i != changeIndex).Select(o => new Recipient(o.ScriptPubKey, o.Value)).ToList();
            if (recipients.Count == 0)
            {
                throw Invalid("bumpfee: the transaction pays only its own change; spend it with cpfp or send it again");
            }

            BuiltTransaction built;
            var attempts = 0;
            while (true)
            {
                built = BuildOn(core, new SendRequest
                {
                    Recipients = recipients,
                    FeeRate = rate,
                    MustUse = [.. tx.Inputs.Select(i => i.PrevOut)],
                    AllowOtherInputs = true,
                    ChangeScript = changeIndex >= 0 ? tx.Outputs[changeIndex].ScriptPubKey : null,
                    Replacing = new HashSet<TxId> { txid },
                    EnableRbf = true,
                    LockTime = tx.LockTime,
                    Version = tx.Version,
                    MaxFee = _options.MaxFee,
                    IncludeUnsafe = true,
                });
                // BIP125 rule 4: the replacement pays for its own bandwidth at the incremental relay fee.
                var required = oldFee + IncrementalRelayFee.GetFee(built.EstimatedVSize);
                if (built.Fee >= required)
                {
                    break;
                }

                if (++attempts > 3)
                {
                    throw Invalid("bumpfee: cannot reach the fee BIP125 requires");
                }

                rate = new FeeRate(Math.Max(rate.SatoshisPerKvB + 1, (required.Satoshis * 1000 / built.EstimatedVSize) + 1));
            }

            var signed = SignAndVerify(slot, built.Psbt, passphrase);
            var result = await BroadcastAndRecordAsync(slot, signed, built, null, [txid], cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow().ToUnixTimeSeconds();
            await SaveChangeAsync(slot, c =>
            {
                // The original left the mempool: it was replaced.
                c.ApplyEvicted([(txid, now)]);
                if (c.GetLabel("tx", txid.ToString()) is { Label: { } text })
                {
                    c.SetLabel(new WalletLabel("tx", result.TxId.ToString(), text));
                }

                return true;
            }, cancellationToken).ConfigureAwait(false);
            return result;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Child-pays-for-parent: spends this wallet's outputs of an unconfirmed transaction back to a fresh change address
    /// with a fee that lifts the package (the parent's unconfirmed ancestors, the parent and the child) to the target
    /// rate. Needs the node's mempool entry of the parent for the ancestors' fees and sizes.
    /// </summary>
    /// <exception cref="WalletOperationException">Unknown or confirmed parent, no output of this wallet, outputs too small for the fee.</exception>
    public async Task<SpendResult> CpfpAsync(string name, TxId parentTxId, FeeRate? feeRate, ReadOnlyMemory<char> passphrase, CancellationToken cancellationToken)
    {
        var target = await ResolveFeeRateAsync(feeRate, null, cancellationToken).ConfigureAwait(false);
        MempoolEntry entry;
        try
        {
            entry = await _node().GetMempoolEntryAsync(parentTxId, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcInvalidAddressOrKeyException)
        {
            throw Invalid($"cpfp: {parentTxId} is not in the node's mempool (confirmed, replaced or unknown)");
        }
        catch (BitcoinRpcException ex)
        {
            throw new OpsourceException(ErrorCategory.Unavailable, "node_unavailable", "cpfp: " + ex.Message, ex);
        }

        return await WithWalletAsync(name, async slot =>
        {
            var core = slot.Core!;
            var outputs = core.ListUnspent().Where(u => u.OutPoint.TxId == parentTxId && !u.Position.IsConfirmed).Select(u => u.OutPoint).ToList();
            if (outputs.Count == 0)
            {
                throw Invalid($"cpfp: wallet '{name}' has no unspent output of unconfirmed transaction {parentTxId}");
            }

            var change = core.PeekChangeScript();
            var childRate = target;
            BuiltTransaction built = null!;
            for (var attempt = 0; attempt < 4; attempt++)
            {
                built = BuildOn(core, new SendRequest
                {
                    Recipients = [new Recipient(change, Amount.Zero)],
                    SendMax = true,
                    MustUse = outputs,
                    AllowOtherInputs = false,
                    IncludeUnsafe = true,
                    FeeRate = childRate,
                    EnableRbf = true,
                    MaxFee = _options.MaxFee,
                });
                // The package rate: (ancestor fees + child fee) / (ancestor vsize + child vsize) must reach the target.
                var needed = target.GetFee(entry.AncestorSize + built.EstimatedVSize) - entry.AncestorFees;
                if (built.Fee >= needed)
                {
                    break;
                }

                childRate = new FeeRate(Math.Max(childRate.SatoshisPerKvB + 1, (needed.Satoshis * 1000 / built.EstimatedVSize) + 1));
            }

            var neededFinal = target.GetFee(entry.AncestorSize + built.EstimatedVSize) - entry.AncestorFees;
            if (built.Fee < neededFinal)
            {
                throw Invalid(string.Create(CultureInfo.InvariantCulture, $"cpfp: the wallet's outputs of {parentTxId} cannot pay the {neededFinal.Satoshis} sat the package needs"));
            }

            var signed = SignAndVerify(slot, built.Psbt, passphrase);
            return await BroadcastAndRecordAsync(slot, signed, built, null, [], cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }
}
