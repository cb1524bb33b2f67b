using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain;
using OPSource.Dao.Bundle;
using OPSource.Dao.Log;
using OPSource.Dao.Model;
using OPSource.Platform.Events;
using OPSource.Platform.Funding;
using PartiallySignedTransaction = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Dao.Service;

/// <summary>What to create.</summary>
/// <param name="Name">Display name.</param>
/// <param name="Governance">Governance type.</param>
/// <param name="Members">Members in order (the treasury's key order).</param>
/// <param name="Parameters">Governance parameters.</param>
/// <param name="Signers">k: treasury signatures needed (and yes votes under multisig).</param>
/// <param name="Mintable">Whether mint proposals are allowed.</param>
/// <param name="Treasury">Whether to set up the Taproot treasury (a watch-only wallet of the DAO).</param>
public sealed record CreateDaoRequest(string Name, GovernanceType Governance, IReadOnlyList<DaoMember> Members, DaoParameters Parameters, int Signers, bool Mintable, bool Treasury);

/// <summary>The result of an execute call.</summary>
/// <param name="Executed">Whether the proposal is now executed.</param>
/// <param name="Psbt">For a spend awaiting signatures: the PSBT members sign (base64).</param>
/// <param name="Txid">For an executed spend: the broadcast transaction.</param>
/// <param name="Signatures">Signatures present per treasury input.</param>
/// <param name="Required">Signatures the multi_a leaf needs (k).</param>
public sealed record ExecuteResult(bool Executed, string? Psbt, string? Txid, int Signatures, int Required);

/// <summary>
/// The DAO operations over storage, the node and the wallet's narrow interfaces. Every write appends one
/// event through <see cref="DaoState.Apply"/> (the same rules the verifier replays), at the node's current
/// height, and publishes it on <c>dao:{id}</c>.
/// </summary>
public sealed class DaoService
{
    private readonly DaoRepository _repository;
    private readonly DaoOptions _options;
    private readonly Network _network;
    private readonly IBitcoinNode? _node;
    private readonly IWalletFunding? _funding;
    private readonly IPsbtSigner? _signer;
    private readonly IWalletProvisioning? _provisioning;
    private readonly IEventPublisher? _events;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Events, long Open)> _openCache = new(StringComparer.Ordinal);

    /// <summary>Creates the service.</summary>
    public DaoService(DaoRepository repository, DaoOptions options, Network network, IBitcoinNode? node, IWalletFunding? funding, IPsbtSigner? signer, IWalletProvisioning? provisioning, IEventPublisher? events, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(network);
        _repository = repository;
        _options = options;
        _network = network;
        _node = node;
        _funding = funding;
        _signer = signer;
        _provisioning = provisioning;
        _events = events;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The event topic of a DAO.</summary>
    public static string Topic(string daoId) => DaoModule.Topic + ":" + daoId;

    private IBitcoinNode Node => _node ?? throw DaoException.Unavailable("dao: no node is configured (Node:RpcUrl); block heights come from the node");

    private async Task<int> HeightAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await Node.GetBlockCountAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or DaoException))
        {
            throw DaoException.Unavailable("dao: the node is unavailable: " + ex.Message);
        }
    }

    /// <summary>Creates a DAO (event 0 at the current height) and, when asked, its treasury wallet.</summary>
    public async Task<DaoState> CreateAsync(CreateDaoRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var height = await HeightAsync(cancellationToken).ConfigureAwait(false);
        var descriptor = request.Treasury ? Treasury.Descriptor(request.Members.Select(m => m.Key).ToList(), request.Signers, _network) : null;
        var body = new DaoCreated(request.Name, _network.Name, request.Governance, request.Members, request.Parameters, request.Signers, request.Mintable, descriptor);
        var create = DaoEvent.Create(0, height, new byte[32], DaoEventCodec.Write(body), null);
        var state = new DaoState();
        state.Apply(create);
        string? wallet = null;
        if (descriptor is not null)
        {
            wallet = TreasuryWallet(state);
            var provisioning = _provisioning ?? throw DaoException.Unavailable("dao: no wallet module provides watch-only wallets for the treasury");
            if (!await provisioning.ExistsAsync(wallet, cancellationToken).ConfigureAwait(false))
            {
                await provisioning.CreateWatchOnlyWalletAsync(new WatchOnlyWalletRequest(wallet, descriptor, null, height), cancellationToken).ConfigureAwait(false);
            }
        }

        if (await _repository.FindAsync(state.DaoId, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw DaoException.Conflict($"DAO {state.DaoId} exists");
        }

        await _repository.InsertAsync(new DaoRecord(state.DaoId, request.Name, wallet, _time.GetUtcNow()), create, cancellationToken).ConfigureAwait(false);
        await PublishAsync(state.DaoId, create, body, cancellationToken).ConfigureAwait(false);
        return state;
    }

    /// <summary>All DAOs.</summary>
    public Task<IReadOnlyList<DaoRecord>> ListAsync(CancellationToken cancellationToken) => _repository.ListAsync(cancellationToken);

    /// <summary>A DAO's record and its state replayed from the log.</summary>
    public async Task<(DaoRecord Record, DaoState State, IReadOnlyList<DaoEvent> Events)> LoadAsync(string daoId, CancellationToken cancellationToken)
    {
        var record = await _repository.FindAsync(daoId ?? "", cancellationToken).ConfigureAwait(false) ?? throw DaoException.NotFound($"no DAO {daoId}");
        var events = await _repository.EventsAsync(record.Id, cancellationToken).ConfigureAwait(false);
        var state = new DaoState();
        foreach (var e in events)
        {
            state.Apply(e);
        }

        return (record, state, events);
    }

    /// <summary>
    /// Open proposals per DAO (neither closed nor canceled: in draft, voting, or awaiting the operator's close), for the
    /// <c>opsource.dao.open_proposals</c> gauge. A DAO's log is replayed only when its event count changed since the last
    /// call; its signatures were verified when the events were appended.
    /// </summary>
    public async Task<IReadOnlyList<(string DaoId, long Open)>> OpenProposalsAsync(CancellationToken cancellationToken)
    {
        var counts = await _repository.EventCountsAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<(string, long)>(counts.Count);
        foreach (var (id, count) in counts)
        {
            if (!_openCache.TryGetValue(id, out var cached) || cached.Events != count)
            {
                var state = new DaoState();
                foreach (var e in await _repository.EventsAsync(id, cancellationToken).ConfigureAwait(false))
                {
                    state.Apply(e, signatureVerified: true);
                }

                cached = (state.Count, state.Proposals.Count(p => p.Closed is null && !p.Canceled));
                _openCache[id] = cached;
            }

            result.Add((id, cached.Open));
        }

        return result;
    }

    /// <summary>The current chain height (for views).</summary>
    public Task<int> TipAsync(CancellationToken cancellationToken) => HeightAsync(cancellationToken);

    /// <summary>Appends a member-signed vote, transfer or proposal (submitted by anyone).</summary>
    public Task<DaoEvent> SubmitAsync(string daoId, SignedAction action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        var body = DaoEventCodec.Parse(action.Body);
        if (body is not (VoteCast or TokenTransfer or ProposalCreated))
        {
            throw new DaoException("only votes, transfers and proposals are submitted signed");
        }

        return AppendAsync(daoId, _ => (action.Body, action.Signature), cancellationToken);
    }

    /// <summary>Closes a proposal whose voting ended (recording the tally), then anchors the log when an anchor wallet is configured.</summary>
    public async Task<(DaoEvent Close, DaoEvent? Anchor)> CloseAsync(string daoId, string proposalId, CancellationToken cancellationToken)
    {
        var close = await AppendAsync(daoId, state =>
        {
            var p = state.FindProposal(proposalId) ?? throw DaoException.NotFound($"no proposal {proposalId}");
            var t = state.Tally(p);
            return (DaoEventCodec.Write(new ProposalClosed(p.Id, t.Outcome, t.Yes, t.No, t.Abstain, t.Total)), null);
        }, cancellationToken).ConfigureAwait(false);
        DaoEvent? anchor = null;
        if (_options.AnchorWallet is { } wallet)
        {
            anchor = await AnchorAsync(daoId, proposalId, wallet, cancellationToken).ConfigureAwait(false);
        }

        return (close, anchor);
    }

    /// <summary>Cancels a proposal (operator).</summary>
    public Task<DaoEvent> CancelAsync(string daoId, string proposalId, string reason, CancellationToken cancellationToken) =>
        AppendAsync(daoId, _ => (DaoEventCodec.Write(new ProposalCanceled(proposalId, reason)), null), cancellationToken);

    /// <summary>
    /// Executes a passed, unlocked proposal. Non-spends apply at once. A spend first gets a PSBT from the
    /// treasury's coins (with the Taproot leaf data members need to sign); signed copies passed in are combined
    /// into it; once k signatures are present it is finalized, checked input by input with the consensus
    /// interpreter, broadcast (testmempoolaccept first) and the execute event records the txid.
    /// </summary>
    public async Task<ExecuteResult> ExecuteAsync(string daoId, string proposalId, IReadOnlyList<PartiallySignedTransaction> signed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signed);
        var (record, state, _) = await LoadAsync(daoId, cancellationToken).ConfigureAwait(false);
        var proposal = state.FindProposal(proposalId) ?? throw DaoException.NotFound($"no proposal {proposalId}");
        if (proposal.Body.Action is not SpendAction spend)
        {
            await AppendAsync(daoId, _ => (DaoEventCodec.Write(new ProposalExecuted(proposalId, null)), null), cancellationToken).ConfigureAwait(false);
            return new ExecuteResult(true, null, null, 0, 0);
        }

        var height = await HeightAsync(cancellationToken).ConfigureAwait(false);
        if (proposal.Closed is not { Outcome: ProposalOutcome.Passed } || proposal.Canceled || proposal.Executed)
        {
            throw DaoException.Refused($"proposal {proposalId} is {DaoKeys.Name(proposal.StatusAt(height, state))}; only a passed proposal closed by the operator executes");
        }

        if (height < proposal.UnlockHeight)
        {
            throw DaoException.Refused($"the timelock ends at height {proposal.UnlockHeight} (now {height})");
        }

        if (state.RotationPending)
        {
            throw DaoException.Refused("the membership changed: rotate the treasury first (opsource dao rotate)");
        }

        var wallet = record.TreasuryWallet is null ? throw DaoException.Refused("the DAO has no treasury wallet") : TreasuryWallet(state);
        var outputs = spend.Outputs.Select(o =>
        {
            DaoKeys.TryAddressScript(o.Address, _network, out var script, out _);
            return new PaymentOutput(new Script(script), Amount.FromSatoshis(o.AmountSat));
        }).ToList();
        var psbt = await TreasuryPsbtAsync(daoId, proposalId, new PsbtRequest(wallet, outputs, FeeRate.FromSatoshisPerVByte(spend.FeeRateSatVb)), state.TreasuryDescriptor!, signed, cancellationToken).ConfigureAwait(false);
        var tx = await TryCompleteAsync(daoId, psbt, cancellationToken).ConfigureAwait(false);
        var present = SignaturesPresent(psbt);
        if (tx is null)
        {
            return new ExecuteResult(false, psbt.ToBase64(), null, present, state.TreasurySigners);
        }

        var txid = tx.GetTxId().ToString();
        await AppendAsync(daoId, _ => (DaoEventCodec.Write(new ProposalExecuted(proposalId, txid)), null), cancellationToken).ConfigureAwait(false);
        return new ExecuteResult(true, null, txid, present, state.TreasurySigners);
    }

    /// <summary>
    /// Rotates the treasury after an executed member add or remove (docs/dao.md, "Treasury rotation"): creates the
    /// watch-only wallet of the new descriptor, sweeps every coin of the old treasury to it with a PSBT the OLD members
    /// sign under the old policy (k of the old multi_a leaf), and once k signatures are in finalizes, checks and
    /// broadcasts it and records <c>treasury.rotate</c> (from, to, txid). With <paramref name="empty"/> the operator
    /// states the old treasury holds no coins: the rotation is recorded without a transaction.
    /// </summary>
    public async Task<ExecuteResult> RotateAsync(string daoId, IReadOnlyList<PartiallySignedTransaction> signed, decimal? feeRateSatVb, bool empty, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signed);
        var (record, state, _) = await LoadAsync(daoId, cancellationToken).ConfigureAwait(false);
        if (state.TreasuryDescriptor is null || record.TreasuryWallet is null)
        {
            throw DaoException.Refused("the DAO has no treasury");
        }

        if (!state.RotationPending)
        {
            throw DaoException.Refused("the treasury already matches the members and k (nothing to rotate)");
        }

        var from = state.TreasuryDescriptor;
        var to = state.RequiredTreasuryDescriptor!;
        var number = state.Rotations.Count + 1;
        var newWallet = TreasuryWallet(state, number);
        var provisioning = _provisioning ?? throw DaoException.Unavailable("dao: no wallet module provides watch-only wallets for the treasury");
        if (!await provisioning.ExistsAsync(newWallet, cancellationToken).ConfigureAwait(false))
        {
            var height = await HeightAsync(cancellationToken).ConfigureAwait(false);
            await provisioning.CreateWatchOnlyWalletAsync(new WatchOnlyWalletRequest(newWallet, to, null, height), cancellationToken).ConfigureAwait(false);
        }

        string? txid = null;
        var present = 0;
        if (!empty)
        {
            using var target = Treasury.Parse(to, _network);
            var sweep = new PsbtRequest(TreasuryWallet(state), [new PaymentOutput(target.GetSpendInfo(0).ScriptPubKey, Amount.Zero)], FeeRate.FromSatoshisPerVByte(feeRateSatVb ?? _options.AnchorFeeRateSatVb), SendMax: true);
            PartiallySignedTransaction psbt;
            try
            {
                psbt = await TreasuryPsbtAsync(daoId, RotationKey(number), sweep, from, signed, cancellationToken).ConfigureAwait(false);
            }
            catch (WalletOperationException ex) when (ex.Kind == WalletErrorKind.InsufficientFunds)
            {
                throw DaoException.Refused($"the old treasury has nothing to sweep ({ex.Message}); if it holds no coins, record the rotation with --empty");
            }

            var tx = await TryCompleteAsync(daoId, psbt, cancellationToken).ConfigureAwait(false);
            present = SignaturesPresent(psbt);
            if (tx is null)
            {
                return new ExecuteResult(false, psbt.ToBase64(), null, present, state.TreasurySigners);
            }

            txid = tx.GetTxId().ToString();
        }

        await AppendAsync(daoId, _ => (DaoEventCodec.Write(new TreasuryRotated(from, to, txid)), null), cancellationToken).ConfigureAwait(false);
        await _repository.SetTreasuryWalletAsync(daoId, newWallet, cancellationToken).ConfigureAwait(false);
        // Spend PSBTs built from the old treasury's coins can no longer be completed: they are rebuilt on demand.
        await _repository.DeletePsbtsAsync(daoId, cancellationToken).ConfigureAwait(false);
        return new ExecuteResult(true, null, txid, present, state.TreasurySigners);
    }

    /// <summary>
    /// The watch-only wallet following the treasury after <paramref name="rotations"/> rotations (default: those in the
    /// log): <c>dao-&lt;first 16 hex of the id&gt;</c>, then <c>-1</c>, <c>-2</c>, ... for each rotated descriptor.
    /// </summary>
    public static string TreasuryWallet(DaoState state, int? rotations = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var n = rotations ?? state.Rotations.Count;
        return "dao-" + state.DaoId[..16] + (n == 0 ? "" : "-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string RotationKey(int number) => "rotation:" + number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static int SignaturesPresent(PartiallySignedTransaction psbt) => psbt.Inputs.Count == 0 ? 0 : psbt.Inputs.Min(i => i.TapScriptSignatures.Count);

    /// <summary>
    /// The treasury PSBT stored under <paramref name="key"/> (a proposal id or a rotation), or a new one funded from the
    /// treasury wallet with the leaf data of <paramref name="descriptor"/> members need to sign; signed copies are
    /// combined into it and the result stored.
    /// </summary>
    private async Task<PartiallySignedTransaction> TreasuryPsbtAsync(string daoId, string key, PsbtRequest request, string descriptor, IReadOnlyList<PartiallySignedTransaction> signed, CancellationToken cancellationToken)
    {
        var stored = await _repository.FindPsbtAsync(daoId, key, cancellationToken).ConfigureAwait(false);
        PartiallySignedTransaction psbt;
        if (stored is null)
        {
            var funding = _funding ?? throw DaoException.Unavailable("dao: no wallet module provides funding");
            psbt = await funding.CreatePsbtAsync(request, cancellationToken).ConfigureAwait(false);
            using var parsed = Treasury.Parse(descriptor, _network);
            var info = parsed.GetSpendInfo(0);
            for (var i = 0; i < psbt.Inputs.Count; i++)
            {
                if (psbt.Inputs[i].TapLeafScripts.Count == 0)
                {
                    psbt = info.UpdateInput(psbt, i);
                }
            }
        }
        else
        {
            psbt = PartiallySignedTransaction.Parse(stored);
        }

        if (signed.Count > 0)
        {
            if (!PartiallySignedTransaction.TryCombine([psbt, .. signed], out var combined, out var error))
            {
                throw new DaoException("the signed PSBTs do not combine with the proposal's PSBT: " + error);
            }

            psbt = combined;
        }

        await _repository.SavePsbtAsync(daoId, key, psbt.ToBase64(), cancellationToken).ConfigureAwait(false);
        return psbt;
    }

    /// <summary>
    /// Once enough signatures are in: finalizes the treasury PSBT, checks every input with the consensus interpreter,
    /// broadcasts it (testmempoolaccept first) and stores the transaction for the bundle; null while signatures are missing.
    /// </summary>
    private async Task<Transaction?> TryCompleteAsync(string daoId, PartiallySignedTransaction psbt, CancellationToken cancellationToken)
    {
        if (!psbt.TryFinalize(out var finalized, out _) || !finalized.TryExtract(out var tx, out _))
        {
            return null;
        }

        var spent = finalized.Inputs.Select(i => i.GetUtxo() ?? throw new DaoException("a treasury input has no UTXO")).ToList();
        var check = TransactionVerifier.VerifyInputs(tx, spent, ScriptFlags.Standard);
        if (!check.IsValid)
        {
            throw DaoException.Refused($"the finalized spend fails the consensus interpreter at input {check.InputIndex}: {check.Error}");
        }

        var broadcast = await Node.BroadcastAsync(tx, null, cancellationToken).ConfigureAwait(false);
        await _repository.SaveTransactionAsync(daoId, new BundleTransaction(broadcast.TxId.ToString(), tx.ToHex(), null, null, null, null), cancellationToken).ConfigureAwait(false);
        return tx;
    }

    /// <summary>
    /// Commits the Merkle root of the whole log so far on Bitcoin: a transaction from <paramref name="wallet"/>
    /// (signed by the wallet, which must be unlocked) with one zero-value OP_RETURN output pushing
    /// "ODAO" || commitment; the anchor event records its txid.
    /// </summary>
    public async Task<DaoEvent> AnchorAsync(string daoId, string? proposalId, string wallet, CancellationToken cancellationToken)
    {
        var funding = _funding ?? throw DaoException.Unavailable("dao: no wallet module provides funding for anchors");
        var signer = _signer ?? throw DaoException.Unavailable("dao: no wallet module provides signing for anchors");
        await _write.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (_, state, _) = await LoadAsync(daoId, cancellationToken).ConfigureAwait(false);
            var count = state.Count;
            var root = DaoHashes.MerkleRoot(state.EventHashes, (int)count);
            var script = DaoHashes.AnchorScript(DaoHashes.AnchorCommitment(state.DaoIdBytes, count, root));
            var psbt = await funding.CreatePsbtAsync(new PsbtRequest(wallet, [new PaymentOutput(new Script(script), Amount.Zero)], FeeRate.FromSatoshisPerVByte(_options.AnchorFeeRateSatVb)), cancellationToken).ConfigureAwait(false);
            var signedPsbt = (await signer.SignAsync(wallet, psbt, cancellationToken).ConfigureAwait(false)).Psbt;
            if (!signedPsbt.TryFinalize(out var finalized, out var problems) || !finalized.TryExtract(out var tx, out _))
            {
                throw DaoException.Refused("the anchor transaction does not finalize: " + string.Join("; ", problems));
            }

            var broadcast = await Node.BroadcastAsync(tx, null, cancellationToken).ConfigureAwait(false);
            var txid = broadcast.TxId.ToString();
            await _repository.SaveTransactionAsync(daoId, new BundleTransaction(txid, tx.ToHex(), null, null, null, null), cancellationToken).ConfigureAwait(false);
            var height = await HeightAsync(cancellationToken).ConfigureAwait(false);
            var body = new Anchored(proposalId, count, Convert.ToHexStringLower(root), txid);
            return await AppendLockedAsync(daoId, state, height, DaoEventCodec.Write(body), null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _write.Release();
        }
    }

    /// <summary>
    /// The bundle of a DAO: its log, and for each anchor and spend the raw transaction with, once confirmed, the
    /// block header and Core's txout proof (found by scanning the blocks after the event's height; cached).
    /// </summary>
    public async Task<DaoBundle> ExportAsync(string daoId, CancellationToken cancellationToken)
    {
        var (_, state, events) = await LoadAsync(daoId, cancellationToken).ConfigureAwait(false);
        var stored = (await _repository.TransactionsAsync(daoId, cancellationToken).ConfigureAwait(false)).ToDictionary(t => t.Txid, StringComparer.Ordinal);
        var anchors = new List<AnchorProof>();
        var transactions = new List<BundleTransaction>();
        foreach (var (seq, anchor) in state.Anchors)
        {
            if (stored.TryGetValue(anchor.Txid, out var tx))
            {
                tx = await ProveAsync(daoId, tx, events[(int)seq].Height, cancellationToken).ConfigureAwait(false);
                anchors.Add(new AnchorProof(seq, tx.RawTransaction, tx.BlockHash, tx.BlockHeight, tx.BlockHeader, tx.TxOutProof));
            }
        }

        foreach (var p in state.Proposals)
        {
            if (p.ExecutionTxid is { } txid && stored.TryGetValue(txid, out var tx))
            {
                transactions.Add(await ProveAsync(daoId, tx, events[(int)p.ExecutedSeq].Height, cancellationToken).ConfigureAwait(false));
            }
        }

        foreach (var (seq, rotation) in state.Rotations)
        {
            if (rotation.Txid is { } txid && stored.TryGetValue(txid, out var tx))
            {
                transactions.Add(await ProveAsync(daoId, tx, events[(int)seq].Height, cancellationToken).ConfigureAwait(false));
            }
        }

        return new DaoBundle(state.DaoId, events, anchors, transactions);
    }

    private async Task<BundleTransaction> ProveAsync(string daoId, BundleTransaction tx, int fromHeight, CancellationToken cancellationToken)
    {
        if (tx.TxOutProof is not null || _node is null)
        {
            return tx;
        }

        var tip = await HeightAsync(cancellationToken).ConfigureAwait(false);
        var txid = TxId.Parse(tx.Txid);
        for (var h = Math.Max(0, fromHeight); h <= tip; h++)
        {
            var hash = await _node.GetBlockHashAsync(h, cancellationToken).ConfigureAwait(false);
            var block = await _node.GetBlockAsync(hash, cancellationToken).ConfigureAwait(false);
            if (!block.Transactions.Any(t => t.GetTxId() == txid))
            {
                continue;
            }

            var header = await _node.GetRawBlockHeaderAsync(hash, cancellationToken).ConfigureAwait(false);
            var proof = await _node.CallAsync("gettxoutproof", [new JsonArray(tx.Txid), JsonValue.Create(hash.ToString())], true, cancellationToken).ConfigureAwait(false);
            var proven = tx with { BlockHash = hash.ToString(), BlockHeight = h, BlockHeader = Convert.ToHexStringLower(header.ToBytes()), TxOutProof = (string?)proof };
            await _repository.SaveTransactionAsync(daoId, proven, cancellationToken).ConfigureAwait(false);
            return proven;
        }

        return tx;
    }

    private async Task<DaoEvent> AppendAsync(string daoId, Func<DaoState, (string Body, byte[]? Signature)> build, CancellationToken cancellationToken)
    {
        await _write.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var height = await HeightAsync(cancellationToken).ConfigureAwait(false);
            var (_, state, _) = await LoadAsync(daoId, cancellationToken).ConfigureAwait(false);
            var (body, signature) = build(state);
            return await AppendLockedAsync(daoId, state, height, body, signature, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _write.Release();
        }
    }

    private async Task<DaoEvent> AppendLockedAsync(string daoId, DaoState state, int height, string body, byte[]? signature, CancellationToken cancellationToken)
    {
        // The chain may not go back below the last event's height (a reorg): the log's heights never decrease.
        var e = DaoEvent.Create(state.Count, Math.Max(height, state.LastHeight), state.LastHash, body, signature);
        state.Apply(e);
        if (!await _repository.AppendAsync(daoId, e, cancellationToken).ConfigureAwait(false))
        {
            throw DaoException.Conflict($"DAO {daoId} changed meanwhile (another writer appended event {e.Seq}); retry");
        }

        await PublishAsync(daoId, e, DaoEventCodec.Parse(body), cancellationToken).ConfigureAwait(false);
        return e;
    }

    private async Task PublishAsync(string daoId, DaoEvent e, DaoEventBody body, CancellationToken cancellationToken)
    {
        if (_events is null)
        {
            return;
        }

        var data = new JsonObject
        {
            ["dao_id"] = daoId,
            ["seq"] = e.Seq,
            ["height"] = e.Height,
            ["type"] = body.Type,
            ["hash"] = Convert.ToHexStringLower(e.Hash),
        };
        await _events.PublishAsync(Topic(daoId), "dao." + body.Type.Replace("dao.", "", StringComparison.Ordinal), data, cancellationToken).ConfigureAwait(false);
    }
}
