using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain;
using OPSource.Chain.Rpc;
using OPSource.Crypto.Secp256k1;
using OPSource.Dlc.Contracts;
using OPSource.Dlc.Messages;
using OPSource.Dlc.Oracle;
using OPSource.Dlc.Storage;
using OPSource.Dlc.Transactions;
using OPSource.Platform.Events;
using OPSource.Platform.Funding;
using FundingInput = OPSource.Dlc.Messages.FundingInput;
using PartiallySignedTransaction = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Dlc.Lifecycle;

/// <summary>Settings of the life-cycle manager.</summary>
/// <param name="Policy">What counterparties must respect (network, fee floor and ceiling).</param>
/// <param name="MinFundingConfirmations">Confirmations after which a contract is Confirmed.</param>
/// <param name="MinInputConfirmations">Confirmations the wallet's funding coins need.</param>
/// <param name="ScanDepth">How many blocks back <see cref="DlcManager.SyncAsync"/> looks for the transaction that closed a contract.</param>
public sealed record DlcManagerOptions(DlcPolicy Policy, int MinFundingConfirmations = 1, int MinInputConfirmations = 1, int ScanDepth = 2016);

/// <summary>An offer to make.</summary>
/// <param name="Wallet">Wallet that funds the offer and receives the payouts.</param>
/// <param name="ContractInfo">Outcomes, payouts, oracles.</param>
/// <param name="OfferCollateral">The offerer's collateral.</param>
/// <param name="FeeRatePerVb">Fee rate, sat/vB.</param>
/// <param name="CetLocktime">nLockTime of the CETs.</param>
/// <param name="RefundLocktime">nLockTime of the refund.</param>
public sealed record DlcOfferRequest(string Wallet, ContractInfo ContractInfo, Amount OfferCollateral, ulong FeeRatePerVb, uint CetLocktime, uint RefundLocktime);

/// <summary>
/// The contract life cycle with persistence (Offered → Accepted → Signed → Confirmed → Closed | Refunded).
/// Every message from the counterparty is validated completely before anything is stored; a refused
/// message leaves the stored contract exactly as it was. Coins, scripts and funding signatures come from
/// the wallet's narrow interfaces; broadcasts go through the node (testmempoolaccept, then sendrawtransaction).
/// </summary>
public sealed class DlcManager
{
    private readonly DlcContractRepository _contracts;
    private readonly DlcKeyStore _keys;
    private readonly DlcOracleService? _oracle;
    private readonly IWalletFunding? _funding;
    private readonly IPsbtSigner? _signer;
    private readonly IBitcoinNode? _node;
    private readonly IEventPublisher? _events;
    private readonly DlcManagerOptions _options;

    /// <summary>Creates the manager; the wallet and node are optional (operations needing them say so).</summary>
    public DlcManager(DlcContractRepository contracts, DlcKeyStore keys, DlcManagerOptions options, IWalletFunding? funding = null, IPsbtSigner? signer = null, IBitcoinNode? node = null, DlcOracleService? oracle = null, IEventPublisher? events = null)
    {
        ArgumentNullException.ThrowIfNull(contracts);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        _contracts = contracts;
        _keys = keys;
        _options = options;
        _funding = funding;
        _signer = signer;
        _node = node;
        _oracle = oracle;
        _events = events;
    }

    /// <summary>Whether a node is configured (<see cref="SyncAsync"/>, broadcasts and refunds need one).</summary>
    public bool CanFollowChain => _node is not null;

    /// <summary>The policy counterparties' messages are checked against.</summary>
    public DlcPolicy Policy => _options.Policy;

    /// <summary>All contracts, newest first.</summary>
    public Task<IReadOnlyList<DlcContractRecord>> ListAsync(CancellationToken cancellationToken) => _contracts.ListAsync(null, cancellationToken);

    /// <summary>One contract by temporary or final id.</summary>
    public async Task<DlcContractRecord> GetAsync(ContractId id, CancellationToken cancellationToken) =>
        await _contracts.FindAsync(id, cancellationToken).ConfigureAwait(false)
        ?? throw new DlcException(DlcErrorKind.NotFound, $"no contract {id}");

    /// <summary>Makes an offer: selects and locks coins, creates the funding key, stores the contract as Offered.</summary>
    public async Task<(DlcContractRecord Contract, OfferDlc Offer)> OfferAsync(DlcOfferRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Check the terms before touching the wallet.
        AdaptorPlan.Create(request.ContractInfo);
        foreach (var inner in request.ContractInfo.Inners)
        {
            foreach (var a in inner.OracleInfo.Announcements)
            {
                DlcValidator.ValidateAnnouncement(a);
            }
        }

        var tempId = ContractId.NewRandom();
        var keyId = $"contract/{tempId}/funding";
        var own = await FundOwnSideAsync(request.Wallet, keyId, request.OfferCollateral, request.FeeRatePerVb, cancellationToken).ConfigureAwait(false);
        try
        {
            var offer = DlcProtocol.CreateOffer(
                _options.Policy,
                new DlcTerms(request.ContractInfo, request.OfferCollateral, request.FeeRatePerVb, request.CetLocktime, request.RefundLocktime),
                own.FundingKey.PublicKey,
                own.PayoutSpk,
                own.ChangeSpk,
                own.Inputs,
                tempId);
            var record = await _contracts.InsertAsync(NewRecord(tempId, null, DlcRole.Offerer, DlcState.Offered, request.Wallet, offer, null, keyId), cancellationToken).ConfigureAwait(false);
            await PublishAsync(record, cancellationToken).ConfigureAwait(false);
            return (record, offer);
        }
        catch
        {
            await UndoFundingAsync(request.Wallet, own, keyId).ConfigureAwait(false);
            throw;
        }
        finally
        {
            own.FundingKey.Dispose();
        }
    }

    /// <summary>
    /// Validates a received offer completely, funds the accepter's side, signs every CET and the refund,
    /// and stores the contract as Accepted.
    /// </summary>
    public async Task<(DlcContractRecord Contract, AcceptDlc Accept)> AcceptAsync(OfferDlc offer, string wallet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(offer);
        if (await _contracts.FindAsync(offer.TemporaryContractId, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new DlcException(DlcErrorKind.AlreadyExists, $"offer_dlc: temporary_contract_id {offer.TemporaryContractId} is not unique");
        }

        DlcValidator.ValidateOffer(offer, _options.Policy);
        await RequireUnspentAsync(offer.FundingInputs, "offer_dlc", cancellationToken).ConfigureAwait(false);

        var keyId = $"contract/{offer.TemporaryContractId}/funding";
        var own = await FundOwnSideAsync(wallet, keyId, offer.AcceptCollateral, offer.FeeRatePerVb, cancellationToken).ConfigureAwait(false);
        try
        {
            var (accept, setup) = DlcProtocol.CreateAccept(offer, _options.Policy, own, cancellationToken);
            var record = await _contracts.InsertAsync(NewRecord(offer.TemporaryContractId, setup.ContractId, DlcRole.Accepter, DlcState.Accepted, wallet, offer, accept, keyId), cancellationToken).ConfigureAwait(false);
            await PublishAsync(record, cancellationToken).ConfigureAwait(false);
            return (record, accept);
        }
        catch
        {
            await UndoFundingAsync(wallet, own, keyId).ConfigureAwait(false);
            throw;
        }
        finally
        {
            own.FundingKey.Dispose();
        }
    }

    /// <summary>
    /// The offerer's step on an accept: validates it (every signature, amounts, inputs unspent and not ours),
    /// signs the CETs, the refund and its funding inputs, and stores the contract as Signed.
    /// </summary>
    public async Task<(DlcContractRecord Contract, SignDlc Sign)> SignAsync(AcceptDlc accept, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accept);
        var record = await _contracts.FindAsync(accept.TemporaryContractId, cancellationToken).ConfigureAwait(false)
            ?? throw new DlcException(DlcErrorKind.NotFound, $"accept_dlc: no offer {accept.TemporaryContractId} was made here");
        if (record.Role != DlcRole.Offerer || record.State != DlcState.Offered)
        {
            throw new DlcException(DlcErrorKind.InvalidState, $"accept_dlc: contract {record.Id} is {Name(record.State)}, not an open offer of this node");
        }

        var setup = DlcValidator.ValidateAccept(record.Offer, accept, _options.Policy, cancellationToken);
        await RequireUnspentAsync(accept.FundingInputs, "accept_dlc", cancellationToken).ConfigureAwait(false);

        var witnesses = await SignFundingInputsAsync(record.Wallet, setup, setup.OfferParty.FundingInputs, cancellationToken).ConfigureAwait(false);
        using var key = await _keys.LoadKeyAsync(record.FundingKeyId, cancellationToken).ConfigureAwait(false);
        var sign = DlcProtocol.CreateSign(setup, key, witnesses, cancellationToken);
        var updated = await _contracts.UpdateAsync(record with { ContractId = setup.ContractId, Accept = accept, Sign = sign, State = DlcState.Signed }, cancellationToken).ConfigureAwait(false);
        await PublishAsync(updated, cancellationToken).ConfigureAwait(false);
        return (updated, sign);
    }

    /// <summary>
    /// The accepter's step on a sign message: validates it (contract id, every signature, the offerer's funding
    /// witnesses), adds its own funding witnesses, and broadcasts the funding transaction (Protocol.md: the
    /// accepter broadcasts). Stores the contract as Signed.
    /// </summary>
    public async Task<DlcContractRecord> CompleteFundingAsync(SignDlc sign, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sign);
        var record = await _contracts.FindAsync(sign.ContractId, cancellationToken).ConfigureAwait(false)
            ?? throw new DlcException(DlcErrorKind.NotFound, $"sign_dlc: no accepted contract {sign.ContractId}");
        if (record.Role != DlcRole.Accepter || record.State != DlcState.Accepted)
        {
            throw new DlcException(DlcErrorKind.InvalidState, $"sign_dlc: contract {record.Id} is {Name(record.State)}, not an accepted contract of this node");
        }

        var setup = record.Setup!;
        var funding = DlcValidator.ValidateSign(setup, sign, cancellationToken);
        var own = await SignFundingInputsAsync(record.Wallet, setup, setup.AcceptParty.FundingInputs, cancellationToken).ConfigureAwait(false);
        var all = DlcValidator.AllInputsInOrder(setup);
        for (int k = 0; k < own.Length; k++)
        {
            funding = funding.WithWitness(all.IndexOf(setup.AcceptParty.FundingInputs[k]), own[k]);
        }

        var check = TransactionVerifier.VerifyInputs(funding, [.. all.Select(i => i.PrevOutput!)], ScriptFlags.Standard);
        if (!check.IsValid)
        {
            throw new DlcException(DlcErrorKind.InvalidFundingSignature, $"funding transaction input {check.InputIndex} does not verify ({check.Error})");
        }

        await BroadcastAsync(funding, "funding transaction", cancellationToken).ConfigureAwait(false);
        var updated = await _contracts.UpdateAsync(record with { Sign = sign, FundingTx = funding, State = DlcState.Signed }, cancellationToken).ConfigureAwait(false);
        await PublishAsync(updated, cancellationToken).ConfigureAwait(false);
        return updated;
    }

    /// <summary>
    /// Closes a contract with the CET the attestations unlock (from <paramref name="attestations"/>, or from the
    /// built-in oracle when it attested the contract's events), after testmempoolaccept.
    /// </summary>
    public async Task<DlcContractRecord> CloseAsync(ContractId id, IReadOnlyList<OracleAttestation>? attestations, CancellationToken cancellationToken)
    {
        var record = await GetAsync(id, cancellationToken).ConfigureAwait(false);
        RequireOpen(record, "close");
        var setup = record.Setup!;
        var found = new List<OracleAttestation>(attestations ?? []);
        if (_oracle is not null)
        {
            foreach (var a in setup.Plan.Oracles.SelectMany(o => o))
            {
                if (await _oracle.FindAttestationAsync(a, cancellationToken).ConfigureAwait(false) is { } local
                    && !found.Any(f => f.OraclePublicKey == local.OraclePublicKey && f.EventId == local.EventId))
                {
                    found.Add(local);
                }
            }
        }

        if (found.Count == 0)
        {
            throw new DlcException(DlcErrorKind.InvalidOracleAttestation, $"contract {record.Id}: no attestation given and the built-in oracle has not attested its events");
        }

        var counterpartySigs = record.IsOfferer ? record.Accept!.CetAdaptorSignatures : record.Sign!.CetAdaptorSignatures;
        using var key = await _keys.LoadKeyAsync(record.FundingKeyId, cancellationToken).ConfigureAwait(false);
        var (cet, slot) = DlcProtocol.ExecuteCet(setup, record.IsOfferer, key, counterpartySigs, found);
        await BroadcastAsync(cet, "CET", cancellationToken).ConfigureAwait(false);
        var payout = setup.Plan.Cets[slot.Slot.CetIndex];
        var outcome = new JsonObject
        {
            ["cet_index"] = slot.Slot.CetIndex,
            ["outcomes"] = new JsonArray([.. slot.Slot.Outcomes.Select(o => (JsonNode)JsonValue.Create(o.ToString()))]),
            ["offer_payout_sat"] = payout.Offer.Satoshis,
            ["accept_payout_sat"] = payout.Accept.Satoshis,
        };
        slot.AdaptorSecret.Dispose();
        var updated = await _contracts.UpdateAsync(record with { ClosingTx = cet, Outcome = outcome.ToJsonString(), State = DlcState.Closed }, cancellationToken).ConfigureAwait(false);
        await PublishAsync(updated, cancellationToken).ConfigureAwait(false);
        return updated;
    }

    /// <summary>Broadcasts the refund transaction once its lock time is reached.</summary>
    public async Task<DlcContractRecord> RefundAsync(ContractId id, CancellationToken cancellationToken)
    {
        var record = await GetAsync(id, cancellationToken).ConfigureAwait(false);
        RequireOpen(record, "refund");
        var node = RequireNode();
        var info = await node.GetBlockchainInfoAsync(cancellationToken).ConfigureAwait(false);
        var lockTime = record.Offer.RefundLocktime;
        // BIP113: a height lock needs the next block's height, a time lock the median time past.
        bool reached = lockTime < LockTime.Threshold ? info.Blocks + 1 > lockTime : info.MedianTime.ToUnixTimeSeconds() > lockTime;
        if (!reached)
        {
            throw new DlcException(DlcErrorKind.TooEarly, lockTime < LockTime.Threshold
                ? $"contract {record.Id}: refund_locktime is block {lockTime}, the tip is {info.Blocks}"
                : $"contract {record.Id}: refund_locktime {DateTimeOffset.FromUnixTimeSeconds(lockTime):yyyy-MM-ddTHH:mm:ssZ} not reached (median time past {info.MedianTime:yyyy-MM-ddTHH:mm:ssZ})");
        }

        var setup = record.Setup!;
        var counterpartyRefund = record.IsOfferer ? record.Accept!.RefundSignature : record.Sign!.RefundSignature;
        using var key = await _keys.LoadKeyAsync(record.FundingKeyId, cancellationToken).ConfigureAwait(false);
        var refund = DlcProtocol.ExecuteRefund(setup, record.IsOfferer, key, counterpartyRefund);
        await BroadcastAsync(refund, "refund transaction", cancellationToken).ConfigureAwait(false);
        var updated = await _contracts.UpdateAsync(record with { ClosingTx = refund, State = DlcState.Refunded }, cancellationToken).ConfigureAwait(false);
        await PublishAsync(updated, cancellationToken).ConfigureAwait(false);
        return updated;
    }

    /// <summary>
    /// Follows the chain: Signed contracts whose funding output is confirmed become Confirmed; open contracts
    /// whose funding output was spent (by either party) become Closed or Refunded; Confirmed contracts whose events
    /// the built-in oracle attested are closed with the matching CET. Returns the contracts changed.
    /// </summary>
    public async Task<IReadOnlyList<DlcContractRecord>> SyncAsync(CancellationToken cancellationToken)
    {
        var node = RequireNode();
        var changed = new List<DlcContractRecord>();
        foreach (var record in await _contracts.ListAsync([DlcState.Signed, DlcState.Confirmed], cancellationToken).ConfigureAwait(false))
        {
            var setup = record.Setup!;
            var outpoint = setup.Transactions.FundingOutPoint;
            var utxo = await node.GetTxOutAsync(outpoint, includeMempool: false, cancellationToken).ConfigureAwait(false);
            var info = await node.GetBlockchainInfoAsync(cancellationToken).ConfigureAwait(false);
            if (utxo is not null)
            {
                if (record.State == DlcState.Signed && utxo.Confirmations >= _options.MinFundingConfirmations)
                {
                    var height = info.Blocks - utxo.Confirmations + 1;
                    var updated = await _contracts.UpdateAsync(record with { State = DlcState.Confirmed, FundingHeight = height }, cancellationToken).ConfigureAwait(false);
                    await PublishAsync(updated, cancellationToken).ConfigureAwait(false);
                    changed.Add(updated);
                }

                continue;
            }

            if (record.FundingHeight is not { } fundingHeight)
            {
                continue; // not yet confirmed (or not yet broadcast by the accepter)
            }

            var spend = await FindSpendAsync(node, outpoint, Math.Max(fundingHeight, info.Blocks - _options.ScanDepth), info.Blocks, cancellationToken).ConfigureAwait(false);
            if (spend is null)
            {
                continue;
            }

            var state = spend.GetTxId() == setup.Transactions.Refund.GetTxId() ? DlcState.Refunded : DlcState.Closed;
            var cetIndex = setup.Transactions.Cets.ToList().FindIndex(c => c.GetTxId() == spend.GetTxId());
            string? outcome = null;
            if (cetIndex >= 0)
            {
                var cet = setup.Plan.Cets[cetIndex];
                outcome = new JsonObject { ["cet_index"] = cetIndex, ["offer_payout_sat"] = cet.Offer.Satoshis, ["accept_payout_sat"] = cet.Accept.Satoshis }.ToJsonString();
            }

            var closed = await _contracts.UpdateAsync(record with { State = state, ClosingTx = spend, Outcome = outcome ?? record.Outcome }, cancellationToken).ConfigureAwait(false);
            await PublishAsync(closed, cancellationToken).ConfigureAwait(false);
            changed.Add(closed);
        }

        // Watching for the attestation (Protocol.md closing): Confirmed contracts whose events the built-in oracle has
        // attested are closed with the CET those attestations unlock.
        if (_oracle is not null)
        {
            foreach (var record in await _contracts.ListAsync([DlcState.Confirmed], cancellationToken).ConfigureAwait(false))
            {
                if (await TryCloseWithOwnOracleAsync(record, cancellationToken).ConfigureAwait(false) is { } closed)
                {
                    changed.RemoveAll(r => r.Id == closed.Id);
                    changed.Add(closed);
                }
            }
        }

        return changed;
    }

    /// <summary>
    /// Closes a Confirmed contract when the built-in oracle attested its events; null when it has not (or not enough
    /// of them for a CET, or the CETs' lock time is not reached yet: a later sync tries again).
    /// </summary>
    private async Task<DlcContractRecord?> TryCloseWithOwnOracleAsync(DlcContractRecord record, CancellationToken cancellationToken)
    {
        bool any = false;
        foreach (var a in record.Offer.ContractInfo.Inners.SelectMany(i => i.OracleInfo.Announcements))
        {
            if (await _oracle!.FindAttestationAsync(a, cancellationToken).ConfigureAwait(false) is not null)
            {
                any = true;
                break;
            }
        }

        if (!any)
        {
            return null;
        }

        try
        {
            return await CloseAsync(record.Id, null, cancellationToken).ConfigureAwait(false);
        }
        catch (DlcException ex) when (ex.Kind is DlcErrorKind.InvalidOracleAttestation or DlcErrorKind.TooEarly)
        {
            return null;
        }
    }

    private static async Task<Transaction?> FindSpendAsync(IBitcoinNode node, OutPoint outpoint, int fromHeight, int toHeight, CancellationToken cancellationToken)
    {
        for (int h = toHeight; h >= fromHeight; h--)
        {
            var block = await node.GetBlockAsync(await node.GetBlockHashAsync(h, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            foreach (var tx in block.Transactions)
            {
                if (tx.Inputs.Any(i => i.PrevOut == outpoint))
                {
                    return tx;
                }
            }
        }

        return null;
    }

    private static void RequireOpen(DlcContractRecord record, string action)
    {
        if (record.State is not (DlcState.Signed or DlcState.Confirmed))
        {
            throw new DlcException(DlcErrorKind.InvalidState, $"contract {record.Id} is {Name(record.State)}; only signed or confirmed contracts can {action}");
        }

        if (record.Accept is null || (record.Role == DlcRole.Accepter && record.Sign is null))
        {
            throw new DlcException(DlcErrorKind.InvalidState, $"contract {record.Id} lacks the counterparty's signatures");
        }
    }

    private static string Name(DlcState state) => state.ToString().ToLowerInvariant();

    private DlcContractRecord NewRecord(ContractId id, ContractId? contractId, DlcRole role, DlcState state, string wallet, OfferDlc offer, AcceptDlc? accept, string keyId) =>
        new(id, contractId, role, state, wallet, offer, accept, null, keyId, null, null, null, null, 0, default, default);

    private IBitcoinNode RequireNode() => _node ?? throw new DlcException(DlcErrorKind.Unavailable, "dlc: no Bitcoin node is configured (Node section)");

    private (IWalletFunding Funding, IPsbtSigner Signer) RequireWallet() =>
        (_funding ?? throw new DlcException(DlcErrorKind.Unavailable, "dlc: no wallet module provides funding"),
         _signer ?? throw new DlcException(DlcErrorKind.Unavailable, "dlc: no wallet module provides signing"));

    private async Task RequireUnspentAsync(IReadOnlyList<FundingInput> inputs, string what, CancellationToken cancellationToken)
    {
        if (_node is null)
        {
            return;
        }

        for (int i = 0; i < inputs.Count; i++)
        {
            if (await _node.GetTxOutAsync(inputs[i].OutPoint, includeMempool: true, cancellationToken).ConfigureAwait(false) is null)
            {
                throw new DlcException(DlcErrorKind.InvalidFundingInput, $"{what}: funding input {i} ({inputs[i].OutPoint}) is already spent or does not exist");
            }
        }
    }

    private async Task<DlcOwnSide> FundOwnSideAsync(string wallet, string keyId, Amount collateral, ulong feeRatePerVb, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(wallet);
        var (funding, _) = RequireWallet();
        if (feeRatePerVb < _options.Policy.MinFeeRatePerVb || feeRatePerVb > _options.Policy.MaxFeeRatePerVb)
        {
            throw new DlcException(DlcErrorKind.UnacceptableFeeRate, $"fee rate {feeRatePerVb} sat/vB is outside {_options.Policy.MinFeeRatePerVb}..{_options.Policy.MaxFeeRatePerVb}");
        }

        await _keys.VerifyPassphraseAsync(cancellationToken).ConfigureAwait(false);
        var payoutSpk = await WalletCall(() => funding.GetNewScriptAsync(wallet, WalletKeychain.External, cancellationToken)).ConfigureAwait(false);
        // Transactions.md: the collateral plus this party's funding share (without inputs, which the wallet prices
        // at the fee rate) and its closing share; a small margin covers per-input vbyte rounding.
        var fixedFee = DlcFees.Fee(107 + 36 + (4 * 34), feeRatePerVb) + DlcFees.Fee(249 + (4L * payoutSpk.Length), feeRatePerVb);
        var target = collateral + fixedFee + Amount.FromSatoshis((long)feeRatePerVb * 4);
        for (int attempt = 0; ; attempt++)
        {
            var selection = await WalletCall(() => funding.SelectFundingAsync(new FundingRequest(wallet, target, FeeRate.FromSatoshisPerVByte(feeRatePerVb), _options.MinInputConfirmations), cancellationToken)).ConfigureAwait(false);
            var inputs = DlcProtocol.ToFundingInputs(
                selection.Inputs.Select(i => (i.PreviousTransaction, i.OutPoint.Index, i.Sequence.Value, i.MaxWitnessLength, i.RedeemScript)),
                new HashSet<ulong>());
            var party = new DlcParty(PublicKeyOfNothing, payoutSpk, 0, inputs, selection.ChangeScript, 0, collateral);
            var needed = collateral + DlcFees.Fee(DlcFees.FundingWeight(party), feeRatePerVb) + DlcFees.Fee(DlcFees.CetWeight(party), feeRatePerVb);
            if (selection.Total >= needed)
            {
                var key = await _keys.CreateKeyAsync(keyId, "contract-funding", cancellationToken).ConfigureAwait(false);
                return new DlcOwnSide(key, payoutSpk, selection.ChangeScript, inputs);
            }

            await funding.ReleaseAsync(wallet, [.. selection.Inputs.Select(i => i.OutPoint)], cancellationToken).ConfigureAwait(false);
            if (attempt == 2)
            {
                throw new DlcException(DlcErrorKind.InsufficientFunds, $"wallet '{wallet}' cannot cover {needed.Satoshis} sat of collateral and fees");
            }

            target += needed - selection.Total;
        }
    }

    private static readonly PublicKey PublicKeyOfNothing = PublicKey.Parse(Convert.FromHexString("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"));

    private async Task UndoFundingAsync(string wallet, DlcOwnSide own, string keyId)
    {
        // Runs after a failure, even when the caller's token was cancelled: coins must not stay locked.
        if (_funding is not null)
        {
            await _funding.ReleaseAsync(wallet, [.. own.Inputs.Select(i => i.OutPoint)], CancellationToken.None).ConfigureAwait(false);
        }

        await _keys.DeleteAsync(keyId, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>The wallet's witnesses for some inputs of the funding transaction, in <paramref name="own"/> order.</summary>
    private async Task<Witness[]> SignFundingInputsAsync(string wallet, DlcSetup setup, IReadOnlyList<FundingInput> own, CancellationToken cancellationToken)
    {
        var (_, signer) = RequireWallet();
        var all = DlcValidator.AllInputsInOrder(setup);
        var psbt = PartiallySignedTransaction.Create(setup.Transactions.Funding);
        for (int i = 0; i < all.Count; i++)
        {
            psbt = psbt.WithNonWitnessUtxo(i, all[i].PrevTx).WithWitnessUtxo(i, all[i].PrevOutput!);
            if (!all[i].RedeemScript.IsEmpty)
            {
                psbt = psbt.WithRedeemScript(i, all[i].RedeemScript);
            }
        }

        var signed = await WalletCall(() => signer.SignAsync(wallet, psbt, cancellationToken)).ConfigureAwait(false);
        // The wallet signs every input it owns: one the counterparty listed as its own is a coin of this wallet, and
        // the funding transaction could never be completed by them (refused before anything is stored or sent).
        foreach (var index in signed.SignedInputs)
        {
            if (!own.Contains(all[index]))
            {
                throw new DlcException(DlcErrorKind.InvalidFundingInput, $"{(ReferenceEquals(own, setup.OfferParty.FundingInputs) ? "accept_dlc" : "offer_dlc")}: the counterparty's funding input {all[index].OutPoint} is a coin of wallet '{wallet}' on this node, not theirs");
            }
        }

        signed.Psbt.TryFinalize(out var finalized, out _);
        var result = new Witness[own.Count];
        for (int k = 0; k < own.Count; k++)
        {
            int index = all.IndexOf(own[k]);
            result[k] = finalized.Inputs[index].FinalScriptWitness
                ?? throw new DlcException(DlcErrorKind.InvalidFundingSignature, $"wallet '{wallet}' did not sign funding input {index} ({own[k].OutPoint})");
        }

        return result;
    }

    private async Task BroadcastAsync(Transaction tx, string what, CancellationToken cancellationToken)
    {
        var node = RequireNode();
        try
        {
            // ITransactionBroadcaster: testmempoolaccept first, then sendrawtransaction.
            await node.BroadcastAsync(tx, null, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcVerifyRejectedException ex)
        {
            var reason = ex.RejectReason;
            var kind = reason.Contains("non-final", StringComparison.Ordinal) ? DlcErrorKind.TooEarly : DlcErrorKind.TransactionRejected;
            throw new DlcException(kind, $"the node refused the {what} {tx.GetTxId()}: {reason}", ex);
        }
        catch (BitcoinRpcException ex)
        {
            throw new DlcException(DlcErrorKind.Unavailable, $"the node could not take the {what}: {ex.Message}", ex);
        }
    }

    private static async Task<T> WalletCall<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (WalletOperationException ex)
        {
            var kind = ex.Kind switch
            {
                WalletErrorKind.InsufficientFunds => DlcErrorKind.InsufficientFunds,
                WalletErrorKind.NotFound => DlcErrorKind.NotFound,
                _ => DlcErrorKind.Unavailable,
            };
            throw new DlcException(kind, "wallet: " + ex.Message, ex);
        }
    }

    private async Task PublishAsync(DlcContractRecord record, CancellationToken cancellationToken)
    {
        if (_events is null)
        {
            return;
        }

        var data = new JsonObject
        {
            ["id"] = record.Id.ToString(),
            ["contract_id"] = record.ContractId?.ToString(),
            ["state"] = Name(record.State),
            ["role"] = record.Role == DlcRole.Offerer ? "offerer" : "accepter",
        };
        if (record.ClosingTx is not null)
        {
            data["closing_txid"] = record.ClosingTx.GetTxId().ToString();
        }

        await _events.PublishAsync("dlc:" + record.Id, "dlc.state", data, cancellationToken).ConfigureAwait(false);
    }
}
