using OPSource.Bitcoin;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain;
using OPSource.Crypto.Secp256k1;
using OPSource.Dao.Log;
using OPSource.Dao.Model;

namespace OPSource.Dao.Bundle;

/// <summary>A proposal as the verifier recomputed it.</summary>
/// <param name="Id">Proposal id.</param>
/// <param name="Title">Title.</param>
/// <param name="Kind">Action kind.</param>
/// <param name="Status">Status at the height of the last event.</param>
/// <param name="Tally">Recomputed tally.</param>
/// <param name="Txid">The spend's txid when executed.</param>
public sealed record VerifiedProposal(string Id, string Title, string Kind, ProposalStatus Status, DaoTally Tally, string? Txid);

/// <summary>An anchor as the verifier checked it.</summary>
/// <param name="Seq">Anchor event position.</param>
/// <param name="Txid">Anchor transaction.</param>
/// <param name="Count">Events committed.</param>
/// <param name="BlockHeight">Block height (null: unconfirmed, not proven).</param>
/// <param name="CheckedWithNode">Whether the block was confirmed in the node's best chain.</param>
public sealed record VerifiedAnchor(long Seq, string Txid, long Count, int? BlockHeight, bool CheckedWithNode);

/// <summary>The verifier's answer: ok, or the first broken event/anchor and why.</summary>
/// <param name="Ok">Everything checked.</param>
/// <param name="Error">The first problem, naming the event.</param>
/// <param name="BrokenSeq">Position of the broken event, when one is to blame.</param>
/// <param name="DaoId">The DAO id.</param>
/// <param name="Events">Events checked.</param>
/// <param name="Signatures">Signatures verified.</param>
/// <param name="Proposals">Recomputed proposals.</param>
/// <param name="Anchors">Checked anchors.</param>
public sealed record DaoVerification(bool Ok, string? Error, long? BrokenSeq, string DaoId, long Events, int Signatures, IReadOnlyList<VerifiedProposal> Proposals, IReadOnlyList<VerifiedAnchor> Anchors);

/// <summary>Options of <see cref="DaoVerifier"/>.</summary>
/// <param name="AllowUnconfirmedAnchors">Accept anchors without a block proof (reported with a null height).</param>
/// <param name="BatchSize">Signatures per BIP340 batch (batching pays from about 4; 256 is where the per-signature cost levels off, docs/benchmarks/schnorr-batch.md).</param>
public sealed record DaoVerifierOptions(bool AllowUnconfirmedAnchors = false, int BatchSize = 256);

/// <summary>
/// Offline verification of a bundle: the hash chain, every signature (BIP340 batch verification, falling
/// back to single verification inside a failed batch to name the event), every rule and snapshot and
/// tally (by replaying the log through <see cref="DaoState"/>), each anchor's commitment, transaction,
/// header proof of work and Merkle proof, and each spend's outputs. With a node, each proven block must also
/// be the node's best-chain block at that height.
/// </summary>
public static class DaoVerifier
{
    /// <summary>Verifies a bundle.</summary>
    public static async Task<DaoVerification> VerifyAsync(DaoBundle bundle, IBlockSource? node, DaoVerifierOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        options ??= new DaoVerifierOptions();
        var state = new DaoState();
        var signatures = 0;
        try
        {
            if (bundle.Events.Count == 0)
            {
                throw new DaoEventException(0, "?", "the bundle has no events");
            }

            var bodies = new DaoEventBody[bundle.Events.Count];
            for (var i = 0; i < bodies.Length; i++)
            {
                bodies[i] = DaoState.ParseBody(bundle.Events[i]);
            }

            var verified = BatchVerify(bundle.Events, bodies, options.BatchSize, out signatures);
            for (var i = 0; i < bodies.Length; i++)
            {
                state.Apply(bundle.Events[i], verified[i]);
            }

            if (state.DaoId != bundle.DaoId)
            {
                throw new DaoEventException(0, "dao.create", $"the bundle's dao_id {bundle.DaoId} is not the hash of event 0 ({state.DaoId})");
            }

            var anchors = new List<VerifiedAnchor>();
            foreach (var (seq, anchor) in state.Anchors)
            {
                anchors.Add(await CheckAnchorAsync(state, seq, anchor, bundle, node, options, cancellationToken).ConfigureAwait(false));
            }

            foreach (var proposal in state.Proposals)
            {
                if (proposal.ExecutionTxid is { } txid && proposal.Body.Action is SpendAction spend)
                {
                    CheckSpend(state, proposal, spend, txid, bundle);
                }
            }

            foreach (var (seq, rotation) in state.Rotations)
            {
                if (rotation.Txid is { } txid)
                {
                    CheckRotation(state, seq, rotation, txid, bundle);
                }
            }

            return new DaoVerification(true, null, null, state.DaoId, state.Count, signatures, Report(state), anchors);
        }
        catch (DaoEventException ex)
        {
            return new DaoVerification(false, ex.Message, ex.Seq, state.DaoId, state.Count, signatures, Report(state), []);
        }
    }

    private static List<VerifiedProposal> Report(DaoState state) =>
        state.Definition is null
            ? []
            : state.Proposals.Select(p => new VerifiedProposal(p.Id, p.Body.Title, p.Body.Action.Kind, p.StatusAt(state.LastHeight, state), state.Tally(p), p.ExecutionTxid)).ToList();

    /// <summary>
    /// Verifies the signatures of all signed events in batches; returns, per event, whether its signature is
    /// known good (false for unsigned events and for failures, which <see cref="DaoState.Apply"/> then
    /// re-checks and reports).
    /// </summary>
    internal static bool[] BatchVerify(IReadOnlyList<DaoEvent> events, DaoEventBody[] bodies, int batchSize, out int count)
    {
        var ok = new bool[events.Count];
        if (events.Count == 0 || bodies[0] is not DaoCreated create)
        {
            count = 0;
            return ok;
        }

        var daoId = events[0].Hash;
        var keys = new Dictionary<string, XOnlyPublicKey>(StringComparer.Ordinal);
        foreach (var m in create.Members)
        {
            if (DaoKeys.TryParseKey(m.Key, out var k))
            {
                keys[m.Key] = k;
            }
        }

        var items = new List<(int Index, SchnorrBatchItem Item)>();
        for (var i = 1; i < events.Count; i++)
        {
            var e = events[i];
            if (e.Signature is not { Length: 64 })
            {
                continue;
            }

            if (DaoState.MessageOf(bodies[i], e.Body, daoId, out var signer) is not { } message)
            {
                continue;
            }

            if (!keys.TryGetValue(signer, out var key))
            {
                if (!DaoKeys.TryParseKey(signer, out key))
                {
                    continue;
                }

                keys[signer] = key;
            }

            items.Add((i, new SchnorrBatchItem(e.Signature, message, key)));
        }

        count = items.Count;
        var chunks = (items.Count + batchSize - 1) / batchSize;
        Parallel.For(0, chunks, chunk =>
        {
            var start = chunk * batchSize;
            var length = Math.Min(batchSize, items.Count - start);
            var batch = new SchnorrBatchItem[length];
            for (var j = 0; j < length; j++)
            {
                batch[j] = items[start + j].Item;
            }

            var all = Schnorr.VerifyBatch(batch);
            for (var j = 0; j < length; j++)
            {
                // A failed batch says nothing about which item: check each one alone.
                ok[items[start + j].Index] = all || Schnorr.Verify(batch[j].Signature.Span, batch[j].Message.Span, batch[j].PublicKey);
            }
        });
        return ok;
    }

    private static async Task<VerifiedAnchor> CheckAnchorAsync(DaoState state, long seq, Anchored anchor, DaoBundle bundle, IBlockSource? node, DaoVerifierOptions options, CancellationToken cancellationToken)
    {
        DaoEventException Fail(string reason) => new(seq, "anchor", reason);
        var proof = bundle.Anchors.FirstOrDefault(a => a.Seq == seq) ?? throw Fail("the bundle has no transaction for this anchor");
        if (!Transaction.TryParse(proof.RawTransaction, out var tx, out _))
        {
            throw Fail("raw_tx does not parse");
        }

        if (tx.GetTxId().ToString() != anchor.Txid)
        {
            throw Fail($"raw_tx is transaction {tx.GetTxId()}, not the anchored {anchor.Txid} (anchor swapped)");
        }

        var commitment = DaoHashes.AnchorCommitment(state.DaoIdBytes, anchor.Count, Convert.FromHexString(anchor.Root));
        var script = DaoHashes.AnchorScript(commitment);
        if (!tx.Outputs.Any(o => o.ScriptPubKey.Span.SequenceEqual(script)))
        {
            throw Fail("the transaction has no OP_RETURN committing to this DAO's root of the first " + anchor.Count + " events");
        }

        var height = await CheckBlockAsync(state.Network!, tx.GetTxId(), proof.BlockHash, proof.BlockHeight, proof.BlockHeader, proof.TxOutProof, node, options.AllowUnconfirmedAnchors, Fail, cancellationToken).ConfigureAwait(false);
        return new VerifiedAnchor(seq, anchor.Txid, anchor.Count, height, height is not null && node is not null);
    }

    private static async Task<int?> CheckBlockAsync(Network network, TxId txid, string? blockHash, int? blockHeight, string? headerHex, string? proofHex, IBlockSource? node, bool allowUnconfirmed, Func<string, DaoEventException> fail, CancellationToken cancellationToken)
    {
        if (blockHash is null || headerHex is null || proofHex is null || blockHeight is null)
        {
            return allowUnconfirmed ? null : throw fail("no block proof (unconfirmed); pass --allow-unconfirmed to accept it");
        }

        byte[] headerBytes, proofBytes;
        try
        {
            headerBytes = Convert.FromHexString(headerHex);
            proofBytes = Convert.FromHexString(proofHex);
        }
        catch (FormatException)
        {
            throw fail("block_header and txout_proof must be hex");
        }

        if (!BlockHeader.TryParse(headerBytes, out var header, out _) || headerBytes.Length != BlockHeader.Size)
        {
            throw fail("block_header is not an 80-byte header");
        }

        if (header.GetHash().ToString() != blockHash)
        {
            throw fail("block_header does not hash to block_hash");
        }

        if (!header.CheckProofOfWork(network))
        {
            throw fail("block_header fails its proof of work");
        }

        if (!MerkleBlockProof.TryVerify(proofBytes, out var proofHeader, out var matches, out var error))
        {
            throw fail(error!);
        }

        if (!proofHeader!.ToBytes().AsSpan().SequenceEqual(headerBytes))
        {
            throw fail("txout_proof is for another block");
        }

        var id = txid.ToBytes();
        if (!matches.Any(m => m.AsSpan().SequenceEqual(id)))
        {
            throw fail("txout_proof does not include the transaction");
        }

        if (node is not null)
        {
            BlockHash best;
            try
            {
                best = await node.GetBlockHashAsync(blockHeight.Value, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw fail($"the node has no block at height {blockHeight}: {ex.Message}");
            }

            if (best.ToString() != blockHash)
            {
                throw fail($"block {blockHash} is not the node's best-chain block at height {blockHeight}");
            }
        }

        return blockHeight;
    }

    /// <summary>
    /// A rotation's sweep: the bundle's raw transaction has the recorded txid, pays the new treasury's output, and
    /// every input spends the old treasury through its multi_a leaf under the old policy (the witness reveals the old
    /// leaf script and the old descriptor's control block, which commit to the old output key; consensus, proven by
    /// the block, then binds the spent output to it).
    /// </summary>
    private static void CheckRotation(DaoState state, long seq, TreasuryRotated rotation, string txid, DaoBundle bundle)
    {
        DaoEventException Fail(string reason) => new(seq, "treasury.rotate", reason);
        var entry = bundle.Transactions.FirstOrDefault(t => t.Txid == txid) ?? throw Fail($"the bundle does not carry sweep transaction {txid}");
        if (!Transaction.TryParse(entry.RawTransaction, out var tx, out _) || tx.GetTxId().ToString() != txid)
        {
            throw Fail($"raw_tx of {txid} does not parse or has another txid");
        }

        using var from = Treasury.Parse(rotation.From, state.Network!);
        using var to = Treasury.Parse(rotation.To, state.Network!);
        var newScript = to.GetSpendInfo(0).ScriptPubKey;
        if (!tx.Outputs.Any(o => o.ScriptPubKey.Span.SequenceEqual(newScript.Span)))
        {
            throw Fail($"transaction {txid} does not pay the new treasury");
        }

        var leaf = from.GetSpendInfo(0).Taproot?.Leaves.FirstOrDefault() ?? throw Fail("the old treasury descriptor has no multi_a leaf");
        var control = leaf.ControlBlock.ToBytes();
        for (var i = 0; i < tx.Inputs.Count; i++)
        {
            // BIP341: a script-path witness ends with the leaf script and the control block (no annex in a sweep).
            var witness = tx.Inputs[i].Witness;
            if (witness.Count < 2 || !witness[^1].SequenceEqual(control) || !witness[^2].SequenceEqual(leaf.Script.Span))
            {
                throw Fail($"input {i} of {txid} does not spend the old treasury through its multi_a leaf");
            }
        }
    }

    private static void CheckSpend(DaoState state, ProposalState proposal, SpendAction spend, string txid, DaoBundle bundle)
    {
        DaoEventException Fail(string reason) => new(proposal.ExecutedSeq, "proposal.execute", reason);
        var entry = bundle.Transactions.FirstOrDefault(t => t.Txid == txid) ?? throw Fail($"the bundle does not carry spend transaction {txid}");
        if (!Transaction.TryParse(entry.RawTransaction, out var tx, out _) || tx.GetTxId().ToString() != txid)
        {
            throw Fail($"raw_tx of {txid} does not parse or has another txid");
        }

        foreach (var output in spend.Outputs)
        {
            DaoKeys.TryAddressScript(output.Address, state.Network!, out var script, out _);
            if (!tx.Outputs.Any(o => o.Value.Satoshis == output.AmountSat && o.ScriptPubKey.Span.SequenceEqual(script)))
            {
                throw Fail($"transaction {txid} does not pay {output.AmountSat} sat to {output.Address} as the proposal says");
            }
        }
    }
}
