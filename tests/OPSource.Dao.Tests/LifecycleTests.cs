using OPSource.Crypto.Secp256k1;
using OPSource.Dao.Log;
using OPSource.Dao.Model;

namespace OPSource.Dao.Tests;

public sealed class LifecycleTests
{
    private static DaoParameters P(int quorum = 0, int approval = 5000, ulong threshold = 0, int delay = 2, int period = 10, int timelock = 5) =>
        new(threshold, quorum, approval, delay, period, timelock);

    private static DaoEventException Refused(Action action) => Assert.Throws<DaoEventException>(action);

    [Fact]
    public void Status_follows_block_height_from_draft_to_executed()
    {
        var log = new DaoLog(GovernanceType.Token, [60, 40], P());
        var id = log.Propose(0, new TextAction(), 100);
        var p = log.State.FindProposal(id)!;
        Assert.Equal((102, 112, 117), (p.Start, p.End, p.UnlockHeight));
        Assert.Equal(ProposalStatus.Draft, p.StatusAt(101, log.State));
        Assert.Equal(ProposalStatus.Active, p.StatusAt(102, log.State));
        log.Vote(0, id, VoteChoice.Yes, 102);
        Assert.Equal(ProposalStatus.Active, p.StatusAt(111, log.State));
        Assert.Equal(ProposalStatus.Passed, p.StatusAt(112, log.State));
        log.Close(id, 112);
        Assert.Equal(ProposalStatus.Queued, p.StatusAt(112, log.State));
        Assert.Contains("timelock ends at height 117", Refused(() => log.Execute(id, 116)).Message, StringComparison.Ordinal);
        log.Execute(id, 117);
        Assert.Equal(ProposalStatus.Executed, p.StatusAt(117, log.State));
        Refused(() => log.Execute(id, 118));
        Refused(() => log.Cancel(id, 118));
    }

    [Fact]
    public void Rejected_and_expired_proposals_close_as_such_and_cannot_execute_or_cancel()
    {
        var log = new DaoLog(GovernanceType.Token, [60, 40], P(quorum: 5000));
        var rejected = log.Propose(0, new TextAction(), 100, 1);
        var expired = log.Propose(0, new TextAction(), 100, 2);
        log.Vote(0, rejected, VoteChoice.No, 102);
        log.Vote(1, expired, VoteChoice.Yes, 102);
        Assert.Equal(ProposalOutcome.Rejected, log.Close(rejected, 112).Outcome);
        Assert.Equal(ProposalOutcome.Expired, log.Close(expired, 112).Outcome);
        Assert.Equal(ProposalStatus.Rejected, log.State.FindProposal(rejected)!.StatusAt(200, log.State));
        Assert.Equal(ProposalStatus.Expired, log.State.FindProposal(expired)!.StatusAt(200, log.State));
        Assert.Contains("closed as passed", Refused(() => log.Execute(rejected, 200)).Message, StringComparison.Ordinal);
        Refused(() => log.Cancel(expired, 200));
    }

    [Fact]
    public void A_close_before_the_end_or_with_a_wrong_tally_is_refused()
    {
        var log = new DaoLog(GovernanceType.Token, [60, 40], P());
        var id = log.Propose(0, new TextAction(), 100);
        log.Vote(0, id, VoteChoice.Yes, 102);
        Assert.Contains("voting lasts until height 112", Refused(() => log.Close(id, 111)).Message, StringComparison.Ordinal);
        var forged = DaoEventCodec.Write(new ProposalClosed(id, ProposalOutcome.Passed, 100, 0, 0, 100));
        Assert.Contains("differs from the recomputed", Refused(() => log.Append(forged, null, 112)).Message, StringComparison.Ordinal);
        log.Close(id, 112);
        Refused(() => log.Close(id, 113));
    }

    [Fact]
    public void Canceled_proposals_take_no_more_votes_and_never_execute()
    {
        var log = new DaoLog(GovernanceType.Token, [60, 40], P());
        var id = log.Propose(0, new TextAction(), 100);
        log.Cancel(id, 101);
        Assert.Equal(ProposalStatus.Canceled, log.State.FindProposal(id)!.StatusAt(150, log.State));
        Assert.Contains("closed", Refused(() => log.Vote(0, id, VoteChoice.Yes, 102)).Message, StringComparison.Ordinal);
        Refused(() => log.Close(id, 112));
        Refused(() => log.Cancel(id, 112));
    }

    [Fact]
    public void Votes_before_the_start_or_at_and_after_the_end_are_refused()
    {
        var log = new DaoLog(GovernanceType.Token, [60, 40], P());
        var id = log.Propose(0, new TextAction(), 100);
        Assert.Contains("voting starts at height 102", Refused(() => log.Vote(0, id, VoteChoice.Yes, 101)).Message, StringComparison.Ordinal);
        log.Vote(0, id, VoteChoice.Yes, 111);
        Assert.Contains("voting closed at height 112", Refused(() => log.Vote(1, id, VoteChoice.No, 112)).Message, StringComparison.Ordinal);
        log.Close(id, 112);
        Refused(() => log.Vote(1, id, VoteChoice.No, 112));
    }

    [Fact]
    public void Highest_nonce_wins_and_replays_or_stale_votes_are_refused()
    {
        var log = new DaoLog(GovernanceType.Token, [60, 40], P());
        var id = log.Propose(0, new TextAction(), 100);
        var first = log.SignVote(0, id, VoteChoice.Yes, 5);
        log.Append(first, 102);
        Assert.Contains("replayed vote", Refused(() => log.Append(first, 103)).Message, StringComparison.Ordinal);
        Assert.Contains("stale", Refused(() => log.Vote(0, id, VoteChoice.No, 103, nonce: 4)).Message, StringComparison.Ordinal);
        log.Vote(0, id, VoteChoice.No, 103, nonce: 6);
        Assert.Equal((0UL, 60UL), (log.Tally(id).Yes, log.Tally(id).No));
        // Equal nonce, different choice: the lower choice code (yes=1 < no=2) supersedes, whatever the order.
        log.Vote(0, id, VoteChoice.Yes, 104, nonce: 6);
        Assert.Equal((60UL, 0UL), (log.Tally(id).Yes, log.Tally(id).No));
        Refused(() => log.Vote(0, id, VoteChoice.Abstain, 104, nonce: 6));
    }

    [Fact]
    public void Forged_or_altered_vote_signatures_are_refused()
    {
        var log = new DaoLog(GovernanceType.Token, [60, 40], P());
        var id = log.Propose(0, new TextAction(), 100);
        // Signed by member 1's key but claiming to be member 0.
        var genuine = log.SignVote(1, id, VoteChoice.Yes);
        var claimed = genuine.Body.Replace(log.Member(1), log.Member(0), StringComparison.Ordinal);
        Assert.Contains("signature does not verify", Refused(() => log.Append(claimed, genuine.Signature, 102)).Message, StringComparison.Ordinal);
        // The choice flipped after signing.
        var flipped = genuine.Body.Replace("\"yes\"", "\"no\"", StringComparison.Ordinal);
        Refused(() => log.Append(flipped, genuine.Signature, 102));
        // A non-member's key.
        using var outsider = SecretKey.Generate();
        Assert.Contains("not a member", Refused(() => log.Append(DaoSigner.Vote(outsider, log.Id, id, VoteChoice.Yes, 1), 102)).Message, StringComparison.Ordinal);
        // A vote signed for another DAO is refused even if it names this one's proposal.
        var other = new DaoLog(GovernanceType.Token, [60, 40], P(), keys: log.Keys, height: 50);
        var foreign = DaoSigner.Vote(log.Keys[0], other.Id, id, VoteChoice.Yes, 1);
        Assert.Contains("another DAO", Refused(() => log.Append(foreign, 102)).Message, StringComparison.Ordinal);
        // No signature at all.
        Refused(() => log.Append(genuine.Body, null, 102));
        Assert.Empty(log.State.FindProposal(id)!.CurrentVotes);
    }

    [Fact]
    public void Transfers_need_the_senders_signature_balance_and_a_fresh_nonce()
    {
        var log = new DaoLog(GovernanceType.Token, [60, 40], P());
        var t = DaoSigner.Transfer(log.Keys[0], log.Id, log.Member(1), 10, 1);
        log.Append(t, 101);
        Assert.Contains("replayed transfer", Refused(() => log.Append(t, 102)).Message, StringComparison.Ordinal);
        Assert.Contains("not covered", Refused(() => log.Transfer(0, 1, 51, 102, nonce: 2)).Message, StringComparison.Ordinal);
        Refused(() => log.Transfer(0, 0, 1, 102, nonce: 3));
        var forged = DaoSigner.Transfer(log.Keys[1], log.Id, log.Member(1), 10, 9).Body.Replace(log.Member(1) + "\",\"to\"", log.Member(0) + "\",\"to\"", StringComparison.Ordinal);
        Refused(() => log.Append(forged, new byte[64], 102));
        Assert.Equal((50UL, 50UL), (log.State.Members[log.Member(0)].Balance, log.State.Members[log.Member(1)].Balance));
        Assert.Equal(100UL, log.State.Supply);
    }

    [Fact]
    public void Proposals_need_a_member_above_the_threshold_and_a_valid_action()
    {
        var log = new DaoLog(GovernanceType.Token, [60, 40], P(threshold: 50));
        Assert.Contains("below the proposal threshold 50", Refused(() => log.Propose(1, new TextAction(), 100)).Message, StringComparison.Ordinal);
        Assert.Contains("supply is fixed", Refused(() => log.Propose(0, new MintAction(log.Member(0), 5), 100)).Message, StringComparison.Ordinal);
        Assert.Contains("no treasury", Refused(() => log.Propose(0, new SpendAction([new SpendOutput("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", 1000)], 2), 100)).Message, StringComparison.Ordinal);
        var signed = DaoSigner.Proposal(log.Keys[0], log.Id, 1, "t", "", new TextAction());
        log.Append(signed, 100);
        Assert.Contains("replayed proposal", Refused(() => log.Append(signed, 100)).Message, StringComparison.Ordinal);
        var forged = DaoSigner.Proposal(log.Keys[1], log.Id, 2, "t", "", new TextAction());
        var claimed = forged.Body.Replace(log.Member(1), log.Member(0), StringComparison.Ordinal);
        Assert.Contains("proposer signature does not verify", Refused(() => log.Append(claimed, forged.Signature, 100)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Executed_membership_and_mint_proposals_change_the_ledger()
    {
        var log = new DaoLog(GovernanceType.Token, [60, 40], P(delay: 0, timelock: 0), mintable: true);
        var newcomer = SecretKey.Generate();
        log.Keys.Add(newcomer);
        var add = log.Propose(0, new MemberAddAction(new DaoMember(DaoLog.Hex(newcomer), 25, "did:example:new")), 100, 1);
        var mint = log.Propose(0, new MintAction(log.Member(1), 10), 100, 2);
        var weight = log.Propose(0, new MemberWeightAction(log.Member(0), 30), 100, 3);
        foreach (var id in new[] { add, mint, weight })
        {
            log.Vote(0, id, VoteChoice.Yes, 100);
        }

        foreach (var id in new[] { add, mint, weight })
        {
            log.Close(id, 110);
            log.Execute(id, 110);
        }

        Assert.Equal(25UL, log.State.Members[DaoLog.Hex(newcomer)].Balance);
        Assert.Equal("did:example:new", log.State.Members[DaoLog.Hex(newcomer)].Did);
        Assert.Equal(50UL, log.State.Members[log.Member(1)].Balance);
        Assert.Equal(30UL, log.State.Members[log.Member(0)].Balance);
        Assert.Equal(105UL, log.State.Supply);

        var remove = log.Propose(0, new MemberRemoveAction(log.Member(1)), 110, 4);
        log.Vote(0, remove, VoteChoice.Yes, 110);
        log.Vote(1, remove, VoteChoice.No, 110);
        log.Vote(2, remove, VoteChoice.Yes, 110);
        log.Close(remove, 120);
        log.Execute(remove, 120);
        Assert.False(log.State.Members.ContainsKey(log.Member(1)));
        Assert.Equal(55UL, log.State.Supply);
    }

    [Fact]
    public void A_spend_executes_only_with_its_txid_and_other_kinds_only_without()
    {
        var log = new DaoLog(GovernanceType.Multisig, [1, 1, 1], P(delay: 0, timelock: 0), signers: 2, treasury: true);
        Assert.StartsWith("tr(musig(02", log.Create.TreasuryDescriptor, StringComparison.Ordinal);
        var spend = log.Propose(0, new SpendAction([new SpendOutput("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", 10_000)], 2), 100);
        log.Vote(0, spend, VoteChoice.Yes, 100);
        log.Vote(1, spend, VoteChoice.Yes, 100);
        log.Close(spend, 110);
        Assert.Contains("must name its transaction", Refused(() => log.Execute(spend, 110)).Message, StringComparison.Ordinal);
        log.Execute(spend, 110, new string('a', 64));
        Assert.Equal(new string('a', 64), log.State.FindProposal(spend)!.ExecutionTxid);
    }

    [Fact]
    public void A_creation_event_with_a_treasury_that_does_not_match_its_members_is_refused()
    {
        var keys = new[] { SecretKey.Generate(), SecretKey.Generate() };
        var members = keys.Select(k => new DaoMember(DaoLog.Hex(k), 1)).ToList();
        var wrong = OPSource.Dao.Treasury.Descriptor([members[0].Key, members[1].Key], 2, OPSource.Bitcoin.Network.Regtest);
        var create = new DaoCreated("x", "regtest", GovernanceType.Multisig, members, P(), 1, false, wrong);
        var state = new DaoState();
        var e = DaoEvent.Create(0, 1, new byte[32], DaoEventCodec.Write(create), null);
        Assert.Contains("treasury_descriptor is not the one", Assert.Throws<DaoEventException>(() => state.Apply(e)).Message, StringComparison.Ordinal);
        var dup = new DaoCreated("x", "regtest", GovernanceType.Token, [members[0], members[0]], P(), 1, false, null);
        Assert.Contains("listed twice", Assert.Throws<DaoEventException>(() => state.Apply(DaoEvent.Create(0, 1, new byte[32], DaoEventCodec.Write(dup), null))).Message, StringComparison.Ordinal);
    }
}
