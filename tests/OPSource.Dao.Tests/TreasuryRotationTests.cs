using OPSource.Bitcoin;
using OPSource.Crypto.Secp256k1;
using OPSource.Dao.Bundle;
using OPSource.Dao.Log;
using OPSource.Dao.Model;

namespace OPSource.Dao.Tests;

/// <summary>The treasury follows membership: the rules of <c>treasury.rotate</c> (docs/dao.md, "Treasury rotation").</summary>
public sealed class TreasuryRotationTests
{
    private static readonly DaoParameters P = new(0, 0, 5000, 0, 2, 0);

    private static DaoEventException Refused(Action action) => Assert.Throws<DaoEventException>(action);

    private static string Passed(DaoLog log, ProposalAction action, ref int height, ulong nonce)
    {
        var id = log.Propose(0, action, height, nonce);
        log.Vote(0, id, VoteChoice.Yes, height);
        log.Vote(1, id, VoteChoice.Yes, height);
        height += 2;
        log.Close(id, height);
        return id;
    }

    private static string Rotate(DaoLog log, int height, string? txid = null) =>
        Convert.ToHexStringLower(log.Append(DaoEventCodec.Write(new TreasuryRotated(log.State.TreasuryDescriptor!, log.State.RequiredTreasuryDescriptor!, txid)), null, height).Hash);

    [Fact]
    public void A_member_add_requires_a_rotation_to_the_new_members_descriptor_before_the_treasury_spends()
    {
        var log = new DaoLog(GovernanceType.Multisig, [1, 1, 1], P, signers: 2, treasury: true);
        var created = log.State.TreasuryDescriptor!;
        Assert.False(log.State.RotationPending);
        var height = 100;
        string payee;
        using (var parsed = Treasury.Parse(created, Network.Regtest))
        {
            payee = parsed.GetAddresses(0, Network.Regtest)[0].ToString();
        }

        var spend = Passed(log, new SpendAction([new SpendOutput(payee, 10_000)], 2), ref height, 1);
        var fourth = SecretKey.Generate();
        var add = Passed(log, new MemberAddAction(new DaoMember(DaoLog.Hex(fourth), 1)), ref height, 2);
        log.Execute(add, height);

        // k stays 2; the set is now the three members and the fourth, in that order.
        var expected = Treasury.Descriptor([log.Member(0), log.Member(1), log.Member(2), DaoLog.Hex(fourth)], 2, Network.Regtest);
        Assert.True(log.State.RotationPending);
        Assert.Equal(created, log.State.TreasuryDescriptor);
        Assert.Equal(expected, log.State.RequiredTreasuryDescriptor);
        Assert.Contains("must rotate", Refused(() => log.Execute(spend, height, new string('a', 64))).Message, StringComparison.Ordinal);

        // Wrong from or to: refused naming the rule.
        Assert.Contains("from is not", Refused(() => log.Append(DaoEventCodec.Write(new TreasuryRotated(expected, expected, null)), null, height)).Message, StringComparison.Ordinal);
        Assert.Contains("to is not", Refused(() => log.Append(DaoEventCodec.Write(new TreasuryRotated(created, created.Replace("multi_a(2", "multi_a(3", StringComparison.Ordinal), null)), null, height)).Message, StringComparison.Ordinal);

        Rotate(log, height, new string('b', 64));
        Assert.False(log.State.RotationPending);
        Assert.Equal(expected, log.State.TreasuryDescriptor);
        Assert.Single(log.State.Rotations);
        Assert.Contains("nothing to rotate", Refused(() => Rotate(log, height)).Message, StringComparison.Ordinal);
        log.Execute(spend, height, new string('a', 64));
    }

    [Fact]
    public void A_weight_change_keeps_the_treasury_and_a_remove_below_k_is_refused()
    {
        var log = new DaoLog(GovernanceType.Token, [5, 5, 5], P, signers: 2, treasury: true);
        var height = 100;
        var weight = Passed(log, new MemberWeightAction(log.Member(2), 9), ref height, 1);
        log.Execute(weight, height);
        Assert.False(log.State.RotationPending);

        var remove = Passed(log, new MemberRemoveAction(log.Member(2)), ref height, 2);
        log.Execute(remove, height);
        Assert.True(log.State.RotationPending);
        Assert.Equal(Treasury.Descriptor([log.Member(0), log.Member(1)], 2, Network.Regtest), log.State.RequiredTreasuryDescriptor);
        Rotate(log, height);

        // Two members left and k = 2: a token DAO with a treasury cannot drop below k either.
        var again = Passed(log, new MemberRemoveAction(log.Member(1)), ref height, 3);
        Assert.Contains("fewer members than k", Refused(() => log.Execute(again, height)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_add_then_a_remove_of_the_same_member_needs_no_rotation_and_two_changes_rotate_once()
    {
        var log = new DaoLog(GovernanceType.Multisig, [1, 1, 1], P, signers: 2, treasury: true);
        var height = 100;
        var key = DaoLog.Hex(SecretKey.Generate());
        log.Execute(Passed(log, new MemberAddAction(new DaoMember(key, 1)), ref height, 1), height);
        Assert.True(log.State.RotationPending);
        log.Execute(Passed(log, new MemberRemoveAction(key), ref height, 2), height);
        Assert.False(log.State.RotationPending);

        var a = DaoLog.Hex(SecretKey.Generate());
        var b = DaoLog.Hex(SecretKey.Generate());
        log.Execute(Passed(log, new MemberAddAction(new DaoMember(a, 1)), ref height, 3), height);
        log.Execute(Passed(log, new MemberAddAction(new DaoMember(b, 1)), ref height, 4), height);
        Rotate(log, height);
        Assert.Equal(Treasury.Descriptor([log.Member(0), log.Member(1), log.Member(2), a, b], 2, Network.Regtest), log.State.TreasuryDescriptor);
    }

    [Fact]
    public void A_new_k_rotates_the_treasury_and_counts_for_proposals_recorded_after_it()
    {
        var log = new DaoLog(GovernanceType.Multisig, [1, 1, 1], P, signers: 2, treasury: true);
        var height = 100;
        var before = log.Propose(0, new TextAction(), height, 9);
        log.Vote(0, before, VoteChoice.Yes, height);
        log.Vote(1, before, VoteChoice.Yes, height);
        Assert.Contains("k is already 2", Refused(() => log.Propose(0, new SignersAction(2), height, 10)).Message, StringComparison.Ordinal);
        Assert.Contains("from 1 to 3", Refused(() => log.Propose(0, new SignersAction(4), height, 10)).Message, StringComparison.Ordinal);
        log.Execute(Passed(log, new SignersAction(3), ref height, 1), height);
        Assert.Equal(3, log.State.Signers);
        Assert.Equal(2, log.State.TreasurySigners);
        Assert.True(log.State.RotationPending);
        Assert.Equal(Treasury.Descriptor([log.Member(0), log.Member(1), log.Member(2)], 3, Network.Regtest), log.State.RequiredTreasuryDescriptor);
        Rotate(log, height);
        Assert.Equal(3, log.State.TreasurySigners);

        // Two yes voters: enough for the proposal recorded under k = 2, not for one recorded under k = 3.
        var after = log.Propose(0, new TextAction(), height, 11);
        log.Vote(0, after, VoteChoice.Yes, height);
        log.Vote(1, after, VoteChoice.Yes, height);

        Assert.Equal(ProposalOutcome.Passed, log.Tally(before).Outcome);
        Assert.Equal(ProposalOutcome.Rejected, log.Tally(after).Outcome);

        var token = new DaoLog(GovernanceType.Token, [1, 1], P);
        Assert.Contains("k has no effect", Refused(() => token.Propose(0, new SignersAction(2), 100)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dao_without_a_treasury_never_rotates_and_the_verifier_replays_rotations()
    {
        var plain = new DaoLog(GovernanceType.Multisig, [1, 1, 1], P, signers: 2);
        Assert.Contains("no treasury", Refused(() => plain.Append(DaoEventCodec.Write(new TreasuryRotated("x", "y", null)), null, 100)).Message, StringComparison.Ordinal);

        var log = new DaoLog(GovernanceType.Multisig, [1, 1, 1], P, signers: 2, treasury: true);
        var height = 100;
        log.Execute(Passed(log, new MemberAddAction(new DaoMember(DaoLog.Hex(SecretKey.Generate()), 1)), ref height, 1), height);
        Rotate(log, height);
        var bundle = new DaoBundle(log.Id, log.Events, [], []);
        var result = await DaoVerifier.VerifyAsync(DaoBundle.Parse(bundle.ToJson()), null, null, TestContext.Current.CancellationToken);
        Assert.True(result.Ok, result.Error);

        // A rotation naming a sweep the bundle does not carry fails naming the event.
        var withTx = new DaoLog(GovernanceType.Multisig, [1, 1, 1], P, signers: 2, treasury: true, keys: log.Keys);
        height = 100;
        withTx.Execute(Passed(withTx, new MemberAddAction(new DaoMember(DaoLog.Hex(SecretKey.Generate()), 1)), ref height, 1), height);
        Rotate(withTx, height, new string('c', 64));
        var missing = await DaoVerifier.VerifyAsync(new DaoBundle(withTx.Id, withTx.Events, [], []), null, null, TestContext.Current.CancellationToken);
        Assert.False(missing.Ok);
        Assert.Contains($"event {withTx.Events.Count - 1} (treasury.rotate): the bundle does not carry sweep transaction", missing.Error, StringComparison.Ordinal);
    }
}
