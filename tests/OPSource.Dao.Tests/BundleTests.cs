using OPSource.Bitcoin;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Dao.Bundle;
using OPSource.Dao.Log;
using OPSource.Dao.Model;

namespace OPSource.Dao.Tests;

public sealed class BundleTests
{
    /// <summary>A log with a closed proposal and an anchor, plus the anchor's block proof (a one-transaction regtest block).</summary>
    internal static (DaoLog Log, DaoBundle Bundle) Anchored()
    {
        var log = new DaoLog(GovernanceType.Token, [50, 30, 20], new DaoParameters(0, 0, 5000, 0, 5, 0));
        var id = log.Propose(0, new TextAction(), 100);
        log.Vote(0, id, VoteChoice.Yes, 101);
        log.Vote(1, id, VoteChoice.No, 101);
        log.Vote(2, id, VoteChoice.Yes, 102);
        log.Transfer(0, 1, 5, 103);
        log.Close(id, 105);
        var (anchor, proof) = Anchor(log, id, 106);
        var bundle = new DaoBundle(log.Id, log.Events.ToList(), [proof], []);
        _ = anchor;
        return (log, bundle);
    }

    internal static (DaoEvent Event, AnchorProof Proof) Anchor(DaoLog log, string? proposal, int height)
    {
        var count = log.State.Count;
        var root = DaoHashes.MerkleRoot(log.State.EventHashes, (int)count);
        var script = DaoHashes.AnchorScript(DaoHashes.AnchorCommitment(log.State.DaoIdBytes, count, root));
        var tx = new Transaction(2, [new TxIn(new OutPoint(TxId.Zero, (uint)height))], [new TxOut(Amount.Zero, new Script(script))], LockTime.Zero);
        var e = log.Append(DaoEventCodec.Write(new Anchored(proposal, count, Convert.ToHexStringLower(root), tx.GetTxId().ToString())), null, height);
        var (header, txoutProof) = OneTransactionBlock(tx.GetTxId());
        return (e, new AnchorProof(e.Seq, tx.ToHex(), header.GetHash().ToString(), height + 1, Convert.ToHexStringLower(header.ToBytes()), Convert.ToHexStringLower(txoutProof)));
    }

    internal static (BlockHeader Header, byte[] Proof) OneTransactionBlock(TxId txid)
    {
        // A block whose only transaction is txid: the Merkle root is the txid itself.
        BlockHeader header;
        uint nonce = 0;
        do
        {
            header = new BlockHeader(4, BlockHash.Zero, new TxMerkleNode(txid.Value), 1_700_000_000, 0x207fffff, nonce++);
        }
        while (!header.CheckProofOfWork(Network.Regtest));

        var proof = new List<byte>(header.ToBytes());
        proof.AddRange(BitConverter.GetBytes(1u));
        proof.Add(1);
        proof.AddRange(txid.ToBytes());
        proof.Add(1);
        proof.Add(1);
        return (header, proof.ToArray());
    }

    private static async Task<DaoVerification> Verify(DaoBundle bundle) =>
        await DaoVerifier.VerifyAsync(DaoBundle.Parse(bundle.ToJson()), null, null, TestContext.Current.CancellationToken);

    private static DaoBundle WithEvents(DaoBundle bundle, IEnumerable<DaoEvent> events) => bundle with { Events = events.ToList() };

    /// <summary>Rebuilds the hash chain over edited events, as a forger hiding an edit would.</summary>
    private static List<DaoEvent> Rechain(IEnumerable<DaoEvent> events)
    {
        var list = new List<DaoEvent>();
        var prev = new byte[32];
        long seq = 0;
        foreach (var e in events)
        {
            var rebuilt = DaoEvent.Create(seq++, e.Height, prev, e.Body, e.Signature);
            list.Add(rebuilt);
            prev = rebuilt.Hash;
        }

        return list;
    }

    [Fact]
    public async Task A_genuine_bundle_verifies_and_reproduces_the_tally()
    {
        var (log, bundle) = Anchored();
        var result = await Verify(bundle);
        Assert.True(result.Ok, result.Error);
        Assert.Equal(log.Id, result.DaoId);
        Assert.Equal(bundle.Events.Count, result.Events);
        Assert.Equal(5, result.Signatures); // proposal, three votes, one transfer
        var p = Assert.Single(result.Proposals);
        Assert.Equal((70UL, 30UL, 0UL, 100UL), (p.Tally.Yes, p.Tally.No, p.Tally.Abstain, p.Tally.Total));
        Assert.Equal(ProposalStatus.Queued, p.Status);
        Assert.Equal(106, Assert.Single(result.Anchors).BlockHeight - 1);
    }

    [Fact]
    public async Task A_flipped_vote_fails_naming_the_vote()
    {
        var (_, bundle) = Anchored();
        var events = bundle.Events.ToList();
        var vote = events.First(e => e.Body.Contains("\"no\"", StringComparison.Ordinal));
        events[(int)vote.Seq] = vote with { Body = vote.Body.Replace("\"no\"", "\"yes\"", StringComparison.Ordinal) };
        var plain = await Verify(WithEvents(bundle, events));
        Assert.False(plain.Ok);
        Assert.Equal(vote.Seq, plain.BrokenSeq);
        Assert.Contains($"event {vote.Seq} (vote): hash does not match", plain.Error, StringComparison.Ordinal);

        var rechained = await Verify(WithEvents(bundle, Rechain(events)));
        Assert.Equal(vote.Seq, rechained.BrokenSeq);
        Assert.Contains("signature does not verify", rechained.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_removed_vote_fails_naming_the_next_event_or_the_anchor()
    {
        var (_, bundle) = Anchored();
        var vote = bundle.Events.First(e => e.Body.Contains("\"no\"", StringComparison.Ordinal));
        var events = bundle.Events.Where(e => e.Seq != vote.Seq).ToList();
        var plain = await Verify(WithEvents(bundle, events));
        Assert.Equal(vote.Seq + 1, plain.BrokenSeq);
        Assert.Contains("sequence number", plain.Error, StringComparison.Ordinal);

        // Even with the chain rebuilt, the recorded close no longer matches the tally.
        var rechained = await Verify(WithEvents(bundle, Rechain(events)));
        Assert.False(rechained.Ok);
        Assert.Contains("(proposal.close): recorded tally", rechained.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reordered_events_fail_naming_the_first_out_of_place_event()
    {
        var (_, bundle) = Anchored();
        var events = bundle.Events.ToList();
        (events[2], events[3]) = (events[3], events[2]);
        var result = await Verify(WithEvents(bundle, events));
        Assert.Equal(3, result.BrokenSeq); // event 3 arrived where event 2 belongs
        Assert.Contains("event 3 (vote): sequence number 3 where 2 is next", result.Error, StringComparison.Ordinal);

        // Rechained, the anchor's root commits to the original order.
        var rechained = await Verify(WithEvents(bundle, Rechain(events)));
        Assert.False(rechained.Ok);
        Assert.Contains("(anchor)", rechained.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_swapped_anchor_fails_naming_the_anchor_event()
    {
        var (log, bundle) = Anchored();
        var anchorSeq = bundle.Anchors[0].Seq;
        // The proof of another anchor (a later one) presented for the first.
        var (_, second) = Anchor(log, null, 107);
        var swapped = bundle with { Events = log.Events.ToList(), Anchors = [second with { Seq = anchorSeq }, bundle.Anchors[0] with { Seq = second.Seq }] };
        var result = await Verify(swapped);
        Assert.Equal(anchorSeq, result.BrokenSeq);
        Assert.Contains($"event {anchorSeq} (anchor): raw_tx is transaction", result.Error, StringComparison.Ordinal);

        var good = bundle with { Events = log.Events.ToList(), Anchors = [bundle.Anchors[0], second] };
        Assert.True((await Verify(good)).Ok);

        var hex = bundle.Anchors[0].TxOutProof!;
        var badProof = bundle with { Anchors = [bundle.Anchors[0] with { TxOutProof = hex[..170] + (hex[170] == '0' ? '1' : '0') + hex[171..] }] };
        Assert.Contains("txout proof", (await Verify(badProof)).Error, StringComparison.Ordinal);
        var noProof = bundle with { Anchors = [bundle.Anchors[0] with { BlockHash = null }] };
        Assert.Contains("unconfirmed", (await Verify(noProof)).Error, StringComparison.Ordinal);
        Assert.True((await DaoVerifier.VerifyAsync(noProof, null, new DaoVerifierOptions(AllowUnconfirmedAnchors: true), TestContext.Current.CancellationToken)).Ok);
    }

    [Fact]
    public void Bundle_json_round_trips()
    {
        var (_, bundle) = Anchored();
        var json = bundle.ToJson();
        var parsed = DaoBundle.Parse(json);
        Assert.Equal(json, parsed.ToJson());
        Assert.Contains("not a DAO bundle", Assert.Throws<DaoException>(() => DaoBundle.Parse("{\"format\":\"x\"}")).Message, StringComparison.Ordinal);
        Assert.Contains("events[0]: hash", Assert.Throws<DaoException>(() => DaoBundle.Parse(json.Replace("\"hash\": \"", "\"hash\": \"zz", StringComparison.Ordinal))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Merkle_proofs_fold_to_the_root_for_every_leaf_and_size()
    {
        var leaves = Enumerable.Range(0, 13).Select(i => OPSource.Crypto.Hashes.Sha256([(byte)i])).ToList();
        for (var count = 1; count <= leaves.Count; count++)
        {
            var root = DaoHashes.MerkleRoot(leaves, count);
            for (var i = 0; i < count; i++)
            {
                Assert.Equal(root, DaoHashes.FoldProof(leaves[i], DaoHashes.MerkleProof(leaves, count, i)));
            }
        }

        Assert.Equal(leaves[0], DaoHashes.MerkleRoot(leaves, 1));
        Assert.NotEqual(DaoHashes.MerkleRoot(leaves, 3), DaoHashes.MerkleRoot([leaves[0], leaves[1], leaves[2], leaves[2]], 4));
    }

    [Fact]
    public void A_partial_merkle_tree_of_three_transactions_proves_the_middle_one()
    {
        var txids = Enumerable.Range(0, 3).Select(i => OPSource.Crypto.Hashes.Sha256([(byte)i])).ToArray();
        static byte[] H(byte[] a, byte[] b)
        {
            var o = new byte[32];
            OPSource.Crypto.Hashes.Hash256([.. a, .. b], o);
            return o;
        }

        var left = H(txids[0], txids[1]);
        var right = H(txids[2], txids[2]); // Bitcoin duplicates an odd last node
        var root = H(left, right);
        var header = new BlockHeader(4, BlockHash.Zero, new TxMerkleNode(new UInt256(root)), 0, 0x207fffff, 0);
        // Depth-first: root(1) left(1) tx0(0,hash) tx1(1,hash match) right(0,hash). Bits 1,1,0,1,0 -> 0b01011.
        var proof = new List<byte>(header.ToBytes());
        proof.AddRange(BitConverter.GetBytes(3u));
        proof.Add(3);
        proof.AddRange(txids[0]);
        proof.AddRange(txids[1]);
        proof.AddRange(right);
        proof.Add(1);
        proof.Add(0b01011);
        Assert.True(MerkleBlockProof.TryVerify(proof.ToArray(), out _, out var matches, out var error), error);
        Assert.Equal(txids[1], Assert.Single(matches));
        proof[^1] = 0b00011; // tx1 no longer flagged: the same root, but nothing matched
        Assert.True(MerkleBlockProof.TryVerify(proof.ToArray(), out _, out matches, out _));
        Assert.Empty(matches);
        proof[^1] = 0b01011;
        proof[100] ^= 1; // a changed hash no longer rebuilds the root
        Assert.False(MerkleBlockProof.TryVerify(proof.ToArray(), out _, out _, out error));
        Assert.Contains("Merkle root", error, StringComparison.Ordinal);
    }
}
