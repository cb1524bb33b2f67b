using OPSource.Bitcoin;
using OPSource.Crypto.Secp256k1;
using OPSource.Dao;
using OPSource.Dao.Log;
using OPSource.Dao.Model;

namespace OPSource.Dao.Tests;

/// <summary>Builds a DAO log in memory through the same state machine the service and the verifier use.</summary>
internal sealed class DaoLog
{
    public DaoLog(GovernanceType governance, ulong[] weights, DaoParameters? parameters = null, int signers = 1, bool mintable = false, bool treasury = false, int height = 100, IReadOnlyList<SecretKey>? keys = null)
    {
        Keys = keys?.ToList() ?? weights.Select(_ => SecretKey.Generate()).ToList();
        var members = Keys.Select((k, i) => new DaoMember(Hex(k), weights[i])).ToList();
        Parameters = parameters ?? new DaoParameters(0, 0, 5000, 0, 10, 0);
        var descriptor = treasury ? Treasury.Descriptor(members.Select(m => m.Key).ToList(), signers, Network.Regtest) : null;
        Create = new DaoCreated("Test DAO", "regtest", governance, members, Parameters, signers, mintable, descriptor);
        Append(DaoEventCodec.Write(Create), null, height);
    }

    public List<SecretKey> Keys { get; }

    public DaoParameters Parameters { get; }

    public DaoCreated Create { get; }

    public DaoState State { get; } = new();

    public List<DaoEvent> Events { get; } = [];

    public string Id => State.DaoId;

    public static string Hex(SecretKey key) => Convert.ToHexStringLower(key.XOnlyPublicKey.ToBytes());

    public string Member(int i) => Hex(Keys[i]);

    public DaoEvent Build(string body, byte[]? sig, int height) => DaoEvent.Create(State.Count, height, State.LastHash, body, sig);

    public DaoEvent Append(string body, byte[]? sig, int height)
    {
        var e = Build(body, sig, height);
        State.Apply(e);
        Events.Add(e);
        return e;
    }

    public DaoEvent Append(SignedAction action, int height) => Append(action.Body, action.Signature, height);

    public string Propose(int member, ProposalAction action, int height, ulong nonce = 1, string title = "proposal")
    {
        var signed = DaoSigner.Proposal(Keys[member], Id, nonce, title, "", action);
        Append(signed, height);
        return DaoSigner.ProposalId(signed.Body);
    }

    public SignedAction SignVote(int member, string proposal, VoteChoice choice, ulong nonce = 1) => DaoSigner.Vote(Keys[member], Id, proposal, choice, nonce);

    public void Vote(int member, string proposal, VoteChoice choice, int height, ulong nonce = 1) => Append(SignVote(member, proposal, choice, nonce), height);

    public void Transfer(int from, int to, ulong amount, int height, ulong nonce = 1) => Append(DaoSigner.Transfer(Keys[from], Id, Member(to), amount, nonce), height);

    public DaoTally Close(string proposal, int height)
    {
        var p = State.FindProposal(proposal)!;
        var t = State.Tally(p);
        Append(DaoEventCodec.Write(new ProposalClosed(proposal, t.Outcome, t.Yes, t.No, t.Abstain, t.Total)), null, height);
        return t;
    }

    public void Execute(string proposal, int height, string? txid = null) =>
        Append(DaoEventCodec.Write(new ProposalExecuted(proposal, txid)), null, height);

    public void Cancel(string proposal, int height) =>
        Append(DaoEventCodec.Write(new ProposalCanceled(proposal, "test")), null, height);

    public DaoTally Tally(string proposal) => State.Tally(State.FindProposal(proposal)!);
}
