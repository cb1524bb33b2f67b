using System.Text.Json.Nodes;
using OPSource.Dao.Bundle;
using OPSource.Dao.Log;
using OPSource.Dao.Model;
using OPSource.Dao.Service;

namespace OPSource.Dao;

/// <summary>The JSON views of DAOs, proposals and verification results, shared by the CLI (<c>--json</c>) and the REST API.</summary>
public static class DaoViews
{
    public static JsonObject Summary(DaoRecord record, DaoState state, int tip) => new()
    {
        ["id"] = state.DaoId,
        ["name"] = record.Name,
        ["network"] = state.Network!.Name,
        ["governance"] = DaoKeys.Name(state.Definition!.Governance),
        ["members"] = state.Members.Count,
        ["signers"] = state.Signers,
        ["supply"] = state.Supply,
        ["mintable"] = state.Definition.Mintable,
        ["parameters"] = Parameters(state.Parameters!),
        ["treasury_descriptor"] = state.TreasuryDescriptor,
        ["treasury_wallet"] = record.TreasuryWallet,
        ["treasury_address"] = state.TreasuryDescriptor is { } d ? Address(d, state) : null,
        ["treasury_rotations"] = state.Rotations.Count,
        ["treasury_rotation_pending"] = state.RotationPending,
        ["treasury_next_descriptor"] = state.RotationPending ? state.RequiredTreasuryDescriptor : null,
        ["events"] = state.Count,
        ["last_hash"] = Convert.ToHexStringLower(state.LastHash),
        ["height"] = tip,
        ["proposals"] = new JsonArray(state.Proposals.Select(p => (JsonNode)Proposal(state, p, tip)).ToArray()),
    };

    private static string Address(string descriptor, DaoState state)
    {
        using var parsed = Treasury.Parse(descriptor, state.Network!);
        return parsed.GetAddresses(0, state.Network!)[0].ToString();
    }

    public static JsonObject Parameters(DaoParameters p) => new()
    {
        ["proposal_threshold"] = p.ProposalThreshold,
        ["quorum_bps"] = p.QuorumBps,
        ["approval_bps"] = p.ApprovalBps,
        ["voting_delay"] = p.VotingDelay,
        ["voting_period"] = p.VotingPeriod,
        ["timelock"] = p.Timelock,
    };

    public static JsonObject Proposal(DaoState state, ProposalState p, int tip)
    {
        var t = state.Tally(p);
        return new JsonObject
        {
            ["id"] = p.Id,
            ["title"] = p.Body.Title,
            ["kind"] = p.Body.Action.Kind,
            ["proposer"] = p.Body.Proposer,
            ["status"] = DaoKeys.Name(p.StatusAt(tip, state)),
            ["start_height"] = p.Start,
            ["end_height"] = p.End,
            ["unlock_height"] = p.UnlockHeight,
            ["yes"] = t.Yes,
            ["no"] = t.No,
            ["abstain"] = t.Abstain,
            ["total"] = t.Total,
            ["voters"] = t.Voters,
            ["outcome"] = DaoKeys.Name(t.Outcome),
            ["txid"] = p.ExecutionTxid,
        };
    }

    /// <summary>A verification result.</summary>
    public static JsonObject Verification(DaoVerification result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new JsonObject
        {
            ["valid"] = result.Ok,
            ["error"] = result.Error,
            ["broken_seq"] = result.BrokenSeq,
            ["dao_id"] = result.DaoId,
            ["events"] = result.Events,
            ["signatures"] = result.Signatures,
            ["anchors"] = new JsonArray(result.Anchors.Select(a => (JsonNode)new JsonObject { ["seq"] = a.Seq, ["txid"] = a.Txid, ["count"] = a.Count, ["block_height"] = a.BlockHeight, ["checked_with_node"] = a.CheckedWithNode }).ToArray()),
            ["proposals"] = new JsonArray(result.Proposals.Select(p => (JsonNode)new JsonObject { ["id"] = p.Id, ["title"] = p.Title, ["kind"] = p.Kind, ["status"] = DaoKeys.Name(p.Status), ["yes"] = p.Tally.Yes, ["no"] = p.Tally.No, ["abstain"] = p.Tally.Abstain, ["total"] = p.Tally.Total, ["txid"] = p.Txid }).ToArray()),
        };
    }

    /// <summary>An appended event.</summary>
    public static JsonObject Event(DaoEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new JsonObject { ["seq"] = e.Seq, ["height"] = e.Height, ["hash"] = Convert.ToHexStringLower(e.Hash), ["body"] = JsonNode.Parse(e.Body) };
    }
}
