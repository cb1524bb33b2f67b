using CsCheck;
using OPSource.Crypto.Secp256k1;
using OPSource.Dao.Log;
using OPSource.Dao.Model;

namespace OPSource.Dao.Tests;

public sealed class OrderPropertyTests
{
    private static readonly SecretKey[] Keys = Enumerable.Range(0, 6).Select(_ => SecretKey.Generate()).ToArray();

    /// <summary>
    /// Submits the same signed votes in two arrival orders (each accepted or refused exactly as the service
    /// would) and checks the counted votes and the tally are the same: highest nonce wins, equal nonces resolve
    /// by choice code, so arrival order never matters.
    /// </summary>
    [Fact]
    public void Tally_is_independent_of_vote_arrival_order()
    {
        var gen =
            from members in Gen.Int[2, 6]
            from governance in Gen.Enum<GovernanceType>()
            from weights in Gen.ULong[0, 1000].Array[members]
            from votes in Gen.Select(Gen.Int[0, members - 1], Gen.Int[1, 3], Gen.ULong[1, 4]).Array[0, 24]
            from seedA in Gen.Int
            from seedB in Gen.Int
            select (members, governance, weights, votes, seedA, seedB);
        gen.Sample(t =>
        {
            var (members, governance, weights, votes, seedA, seedB) = t;
            var keys = Keys.Take(members).ToList();
            var parameters = new DaoParameters(0, 3000, 5000, 0, 100, 0);
            var signers = governance == GovernanceType.Multisig ? 2 : 1;
            DaoLog Fresh() => new(governance, weights, parameters, signers, keys: keys);
            var template = Fresh();
            var proposal = DaoSigner.Proposal(keys[0], template.Id, 1, "p", "", new TextAction());
            var proposalId = DaoSigner.ProposalId(proposal.Body);
            var signed = votes.Select(v => DaoSigner.Vote(keys[v.Item1], template.Id, proposalId, (VoteChoice)v.Item2, v.Item3)).ToArray();

            (DaoTally Tally, Dictionary<string, (VoteChoice, ulong)> Counted) Run(int seed)
            {
                var log = Fresh();
                log.Append(proposal, 100);
                var order = signed.ToArray();
                new Random(seed).Shuffle(order);
                foreach (var vote in order)
                {
                    try
                    {
                        log.Append(vote, 101);
                    }
                    catch (DaoEventException)
                    {
                        // Refused (stale or replayed): the service answers 422 and the log is unchanged.
                    }
                }

                var p = log.State.FindProposal(proposalId)!;
                return (log.State.Tally(p), p.CurrentVotes.ToDictionary(kv => kv.Key, kv => kv.Value));
            }

            var a = Run(seedA);
            var b = Run(seedB);
            return a.Tally == b.Tally && a.Counted.Count == b.Counted.Count && a.Counted.All(kv => b.Counted[kv.Key] == kv.Value);
        }, iter: 150);
    }
}
