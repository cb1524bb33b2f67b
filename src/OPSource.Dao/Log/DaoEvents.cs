using OPSource.Dao.Model;

namespace OPSource.Dao.Log;

/// <summary>
/// One entry of a DAO's hash-linked log. <see cref="Body"/> is the exact JSON text that is hashed (never
/// re-serialized), so a verifier needs no canonical JSON; <see cref="Signature"/> is the BIP340 signature
/// of signed kinds (transfer, proposal, vote).
/// </summary>
/// <param name="Seq">Position in the log, from 0 (the creation event).</param>
/// <param name="Height">Chain height when the event was appended (non-decreasing along the log).</param>
/// <param name="Prev">Hash of the previous event (32 zero bytes for event 0).</param>
/// <param name="Body">The event body, JSON text.</param>
/// <param name="Signature">64-byte BIP340 signature, or null for operator events.</param>
/// <param name="Hash">The event hash (<see cref="DaoHashes.Event"/>).</param>
public sealed record DaoEvent(long Seq, int Height, byte[] Prev, string Body, byte[]? Signature, byte[] Hash)
{
    /// <summary>Builds an event after <paramref name="prev"/>, computing its hash.</summary>
    public static DaoEvent Create(long seq, int height, byte[] prev, string body, byte[]? signature)
    {
        ArgumentNullException.ThrowIfNull(prev);
        ArgumentNullException.ThrowIfNull(body);
        var hash = DaoHashes.Event(prev, seq, height, System.Text.Encoding.UTF8.GetBytes(body), signature ?? []);
        return new DaoEvent(seq, height, prev, body, signature, hash);
    }

    /// <summary>Recomputes the hash from the fields.</summary>
    public byte[] ComputeHash() => DaoHashes.Event(Prev, Seq, Height, System.Text.Encoding.UTF8.GetBytes(Body), Signature ?? []);
}

/// <summary>The parsed body of an event.</summary>
public abstract record DaoEventBody
{
    /// <summary>The <c>type</c> written in JSON.</summary>
    public abstract string Type { get; }
}

/// <summary><c>dao.create</c>: event 0; its hash is the DAO id.</summary>
public sealed record DaoCreated(
    string Name,
    string Network,
    GovernanceType Governance,
    IReadOnlyList<DaoMember> Members,
    DaoParameters Parameters,
    int Signers,
    bool Mintable,
    string? TreasuryDescriptor) : DaoEventBody
{
    /// <inheritdoc />
    public override string Type => "dao.create";
}

/// <summary><c>token.transfer</c>: signed by <see cref="From"/> over <see cref="DaoHashes.Transfer"/>.</summary>
public sealed record TokenTransfer(string Dao, string From, string To, ulong Amount, ulong Nonce) : DaoEventBody
{
    /// <inheritdoc />
    public override string Type => "token.transfer";
}

/// <summary><c>proposal.create</c>: signed by <see cref="Proposer"/> over the proposal id (<see cref="DaoHashes.ProposalId"/> of the body).</summary>
public sealed record ProposalCreated(string Dao, string Proposer, ulong Nonce, string Title, string Description, ProposalAction Action) : DaoEventBody
{
    /// <inheritdoc />
    public override string Type => "proposal.create";
}

/// <summary><c>vote</c>: signed by <see cref="Voter"/> over <see cref="DaoHashes.Vote"/>.</summary>
public sealed record VoteCast(string Dao, string Proposal, string Voter, VoteChoice Choice, ulong Nonce) : DaoEventBody
{
    /// <inheritdoc />
    public override string Type => "vote";
}

/// <summary><c>proposal.close</c>: the operator records the tally at the end of voting (the verifier recomputes it).</summary>
public sealed record ProposalClosed(string Proposal, ProposalOutcome Outcome, ulong Yes, ulong No, ulong Abstain, ulong Total) : DaoEventBody
{
    /// <inheritdoc />
    public override string Type => "proposal.close";
}

/// <summary><c>proposal.cancel</c>: the operator cancels a proposal before execution.</summary>
public sealed record ProposalCanceled(string Proposal, string Reason) : DaoEventBody
{
    /// <inheritdoc />
    public override string Type => "proposal.cancel";
}

/// <summary><c>proposal.execute</c>: effects applied; a spend names the broadcast transaction.</summary>
public sealed record ProposalExecuted(string Proposal, string? Txid) : DaoEventBody
{
    /// <inheritdoc />
    public override string Type => "proposal.execute";
}

/// <summary><c>anchor</c>: the Merkle root of the first <see cref="Count"/> events was committed in transaction <see cref="Txid"/>.</summary>
public sealed record Anchored(string? Proposal, long Count, string Root, string Txid) : DaoEventBody
{
    /// <inheritdoc />
    public override string Type => "anchor";
}

/// <summary>
/// <c>treasury.rotate</c> (operator): the treasury moves from the descriptor <paramref name="From"/> (the one in
/// force) to <paramref name="To"/>, the <c>tr(musig(all), multi_a(k, ...))</c> of the members after a membership
/// change; <paramref name="Txid"/> is the sweep from the old treasury, signed under the old policy (null when the
/// old treasury held no coins).
/// </summary>
/// <param name="From">Treasury descriptor before.</param>
/// <param name="To">Treasury descriptor after.</param>
/// <param name="Txid">The sweep transaction, or null.</param>
public sealed record TreasuryRotated(string From, string To, string? Txid) : DaoEventBody
{
    /// <inheritdoc />
    public override string Type => "treasury.rotate";
}
