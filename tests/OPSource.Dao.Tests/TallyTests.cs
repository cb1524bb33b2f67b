using OPSource.Dao.Log;
using OPSource.Dao.Model;

namespace OPSource.Dao.Tests;

public sealed class TallyTests
{
    private static DaoParameters P(int quorum, int approval, ulong threshold = 0, int delay = 0, int period = 10, int timelock = 0) =>
        new(threshold, quorum, approval, delay, period, timelock);

    [Fact]
    public void Quorum_is_met_exactly_at_the_threshold_and_not_one_below()
    {
        // Total 100 tokens, quorum 20%: 20 voting power meets it, 19 does not.
        var log = new DaoLog(GovernanceType.Token, [20, 19, 61], P(2000, 5000));
        var exact = log.Propose(2, new TextAction(), 100, 1);
        var below = log.Propose(2, new TextAction(), 100, 2);
        log.Vote(0, exact, VoteChoice.Yes, 101);
        log.Vote(1, below, VoteChoice.Yes, 101);
        Assert.Equal(ProposalOutcome.Passed, log.Tally(exact).Outcome);
        Assert.Equal(ProposalOutcome.Expired, log.Tally(below).Outcome);
        Assert.Equal(100UL, log.Tally(exact).Total);
    }

    [Fact]
    public void Abstain_counts_for_quorum_but_not_for_approval()
    {
        var log = new DaoLog(GovernanceType.Token, [10, 30, 60], P(5000, 5000));
        var id = log.Propose(0, new TextAction(), 100);
        log.Vote(0, id, VoteChoice.Yes, 101);
        log.Vote(2, id, VoteChoice.Abstain, 101);
        var t = log.Tally(id);
        Assert.Equal((10UL, 0UL, 60UL), (t.Yes, t.No, t.Abstain));
        Assert.Equal(ProposalOutcome.Passed, t.Outcome);

        var onlyAbstain = log.Propose(0, new TextAction(), 101, 2);
        log.Vote(2, onlyAbstain, VoteChoice.Abstain, 101);
        Assert.Equal(ProposalOutcome.Rejected, log.Tally(onlyAbstain).Outcome); // quorum met, no yes/no at all
    }

    [Fact]
    public void A_tie_never_passes_even_with_a_low_approval_threshold()
    {
        var log = new DaoLog(GovernanceType.Token, [50, 50], P(0, 0));
        var id = log.Propose(0, new TextAction(), 100);
        log.Vote(0, id, VoteChoice.Yes, 101);
        log.Vote(1, id, VoteChoice.No, 101);
        Assert.Equal(ProposalOutcome.Rejected, log.Tally(id).Outcome);
    }

    [Theory]
    [InlineData(60UL, 40UL, 6000, ProposalOutcome.Passed)]
    [InlineData(59UL, 41UL, 6000, ProposalOutcome.Rejected)]
    [InlineData(2UL, 1UL, 6667, ProposalOutcome.Rejected)]
    [InlineData(2UL, 1UL, 6666, ProposalOutcome.Passed)]
    public void Approval_threshold_is_at_least_the_fraction_of_yes_among_yes_and_no(ulong yes, ulong no, int approvalBps, ProposalOutcome expected)
    {
        var log = new DaoLog(GovernanceType.Token, [yes, no], P(0, approvalBps));
        var id = log.Propose(0, new TextAction(), 100);
        log.Vote(0, id, VoteChoice.Yes, 101);
        log.Vote(1, id, VoteChoice.No, 101);
        Assert.Equal(expected, log.Tally(id).Outcome);
    }

    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(1UL, 1UL)]
    [InlineData(3UL, 1UL)]
    [InlineData(4UL, 2UL)]
    [InlineData(8UL, 2UL)]
    [InlineData(9UL, 3UL)]
    [InlineData(99UL, 9UL)]
    [InlineData(100UL, 10UL)]
    [InlineData(9007199254740991UL, 94906265UL)] // 2^53-1: floor(sqrt) = 94906265 (94906266^2 = 9007199326062756 > 2^53-1)
    [InlineData(18446744073709551615UL, 4294967295UL)]
    [InlineData(18446744065119617025UL, 4294967295UL)] // (2^32-1)^2
    [InlineData(18446744065119617024UL, 4294967294UL)]
    public void Quadratic_power_is_the_floor_of_the_square_root(ulong balance, ulong power) =>
        Assert.Equal(power, DaoKeys.IntegerSqrt(balance));

    [Fact]
    public void Quadratic_voting_rounds_each_member_down_before_summing()
    {
        // sqrt(8)=2, sqrt(8)=2 against sqrt(15)=3: 4 yes vs 3 no, although the balances are 16 vs 15.
        var log = new DaoLog(GovernanceType.Quadratic, [8, 8, 15], P(0, 5000));
        var id = log.Propose(0, new TextAction(), 100);
        log.Vote(0, id, VoteChoice.Yes, 101);
        log.Vote(1, id, VoteChoice.Yes, 101);
        log.Vote(2, id, VoteChoice.No, 101);
        var t = log.Tally(id);
        Assert.Equal((4UL, 3UL, 7UL), (t.Yes, t.No, t.Total));
        Assert.Equal(ProposalOutcome.Passed, t.Outcome);
    }

    [Fact]
    public void Multisig_counts_one_vote_per_member_and_needs_k_yes()
    {
        var log = new DaoLog(GovernanceType.Multisig, [1000, 1, 1], P(0, 5000), signers: 2);
        var one = log.Propose(0, new TextAction(), 100, 1);
        log.Vote(0, one, VoteChoice.Yes, 101);
        Assert.Equal(ProposalOutcome.Rejected, log.Tally(one).Outcome); // 1 yes < k = 2, weight ignored
        Assert.Equal(1UL, log.Tally(one).Yes);
        var two = log.Propose(0, new TextAction(), 101, 2);
        log.Vote(0, two, VoteChoice.Yes, 101);
        log.Vote(1, two, VoteChoice.Yes, 101);
        log.Vote(2, two, VoteChoice.No, 101);
        Assert.Equal(ProposalOutcome.Passed, log.Tally(two).Outcome);
        Assert.Equal(3UL, log.Tally(two).Total);
    }

    [Fact]
    public void Tokens_moved_mid_vote_do_not_vote_twice()
    {
        var log = new DaoLog(GovernanceType.Token, [60, 40], P(0, 5000));
        var id = log.Propose(0, new TextAction(), 100);
        log.Vote(0, id, VoteChoice.Yes, 101);
        log.Transfer(0, 1, 60, 102);
        Assert.Equal(0UL, log.State.Members[log.Member(0)].Balance);
        Assert.Equal(100UL, log.State.Members[log.Member(1)].Balance);
        log.Vote(1, id, VoteChoice.No, 103);
        log.Vote(0, id, VoteChoice.Yes, 104, nonce: 2); // re-voting with an empty balance changes nothing either
        var t = log.Tally(id);
        Assert.Equal((60UL, 40UL, 100UL), (t.Yes, t.No, t.Total));

        // A proposal recorded after the transfer snapshots the new balances.
        var later = log.Propose(1, new TextAction(), 104, 2);
        log.Vote(1, later, VoteChoice.Yes, 105);
        Assert.Equal((100UL, 100UL), (log.Tally(later).Yes, log.Tally(later).Total));
    }

    [Fact]
    public void Parameters_changed_mid_vote_apply_only_to_later_proposals()
    {
        var log = new DaoLog(GovernanceType.Token, [60, 40], P(0, 5000));
        var change = log.Propose(0, new ParametersAction(P(9000, 5000)), 100, 1);
        var other = log.Propose(0, new TextAction(), 100, 2);
        log.Vote(0, change, VoteChoice.Yes, 101);
        log.Vote(0, other, VoteChoice.Yes, 101);
        log.Close(change, 110);
        log.Execute(change, 110);
        Assert.Equal(9000, log.State.Parameters!.QuorumBps);
        Assert.Equal(ProposalOutcome.Passed, log.Tally(other).Outcome); // 60% turnout is below the new 90%, but other opened under 0%
        var after = log.Propose(0, new TextAction(), 110, 3);
        log.Vote(0, after, VoteChoice.Yes, 111);
        Assert.Equal(ProposalOutcome.Expired, log.Tally(after).Outcome);
    }
}
