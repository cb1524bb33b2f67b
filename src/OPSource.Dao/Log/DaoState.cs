using System.Text;
using OPSource.Bitcoin;
using OPSource.Crypto.Secp256k1;
using OPSource.Dao.Model;
using OPSource.Platform.Errors;

namespace OPSource.Dao.Log;

/// <summary>An event that breaks a rule of the log; names the event.</summary>
public sealed class DaoEventException : OpsourceException
{
    /// <summary>Creates the exception.</summary>
    public DaoEventException(long seq, string type, string reason)
        : base(ErrorCategory.Refused, "dao_event_invalid", $"event {seq} ({type}): {reason}")
    {
        Seq = seq;
        EventType = type;
        Reason = reason;
    }

    /// <summary>Creates the exception.</summary>
    public DaoEventException()
        : this(-1, "?", "invalid event")
    {
    }

    /// <summary>Creates the exception.</summary>
    public DaoEventException(string message)
        : base(ErrorCategory.Refused, "dao_event_invalid", message)
    {
        Seq = -1;
        EventType = "?";
        Reason = message;
    }

    /// <summary>Creates the exception.</summary>
    public DaoEventException(string message, Exception innerException)
        : base(ErrorCategory.Refused, "dao_event_invalid", message, innerException)
    {
        Seq = -1;
        EventType = "?";
        Reason = message;
    }

    /// <summary>The broken event's position.</summary>
    public long Seq { get; }

    /// <summary>The broken event's type.</summary>
    public string EventType { get; }

    /// <summary>The rule it breaks.</summary>
    public string Reason { get; }
}

/// <summary>A member as the state holds it.</summary>
public sealed class MemberState(string keyHex, XOnlyPublicKey key, ulong balance, string? did)
{
    /// <summary>Hex of the x-only key.</summary>
    public string KeyHex { get; } = keyHex;

    /// <summary>The x-only key.</summary>
    public XOnlyPublicKey Key { get; } = key;

    /// <summary>Token balance.</summary>
    public ulong Balance { get; internal set; } = balance;

    /// <summary>DID, if any.</summary>
    public string? Did { get; } = did;

    /// <summary>Highest transfer nonce used (0: none).</summary>
    public ulong TransferNonce { get; internal set; }
}

/// <summary>The tally of one proposal.</summary>
/// <param name="Yes">Power voting yes.</param>
/// <param name="No">Power voting no.</param>
/// <param name="Abstain">Power abstaining.</param>
/// <param name="Total">Total power at the snapshot.</param>
/// <param name="Voters">Members whose (latest) vote counts.</param>
/// <param name="YesVoters">Members voting yes (the multisig k rule).</param>
/// <param name="Outcome">Result under the DAO's rules.</param>
public sealed record DaoTally(ulong Yes, ulong No, ulong Abstain, ulong Total, int Voters, int YesVoters, ProposalOutcome Outcome);

/// <summary>One proposal as the state holds it.</summary>
public sealed class ProposalState
{
    internal ProposalState(string id, ProposalCreated body, long seq, int height, int start, int end, Dictionary<string, ulong> snapshot, ulong total, DaoParameters parameters)
    {
        Parameters = parameters;
        Id = id;
        Body = body;
        Seq = seq;
        Height = height;
        Start = start;
        End = end;
        Snapshot = snapshot;
        TotalPower = total;
    }

    /// <summary>Proposal id (hex).</summary>
    public string Id { get; }

    /// <summary>The signed proposal.</summary>
    public ProposalCreated Body { get; }

    /// <summary>Position of the proposal event.</summary>
    public long Seq { get; }

    /// <summary>Height of the proposal event.</summary>
    public int Height { get; }

    /// <summary>First height at which votes count.</summary>
    public int Start { get; }

    /// <summary>First height at which votes no longer count.</summary>
    public int End { get; }

    /// <summary>Voting power of each member at the snapshot (the ledger just before the proposal event).</summary>
    public IReadOnlyDictionary<string, ulong> Snapshot { get; }

    /// <summary>The parameters in force when the proposal was recorded (its quorum, approval and timelock).</summary>
    public DaoParameters Parameters { get; }

    /// <summary>Sum of the snapshot.</summary>
    public ulong TotalPower { get; }

    /// <summary>k when the proposal was recorded (the yes voters it needs under multisig).</summary>
    public int Signers { get; internal init; }

    internal Dictionary<string, (VoteChoice Choice, ulong Nonce)> Votes { get; } = new(StringComparer.Ordinal);

    /// <summary>Each voter's counted choice and nonce.</summary>
    public IReadOnlyDictionary<string, (VoteChoice Choice, ulong Nonce)> CurrentVotes => Votes;

    /// <summary>The recorded close, if any.</summary>
    public ProposalClosed? Closed { get; internal set; }

    /// <summary>Height of the close event.</summary>
    public int? ClosedHeight { get; internal set; }

    /// <summary>Whether canceled.</summary>
    public bool Canceled { get; internal set; }

    /// <summary>Whether executed.</summary>
    public bool Executed { get; internal set; }

    /// <summary>Position of the execute event (-1 before).</summary>
    public long ExecutedSeq { get; internal set; } = -1;

    /// <summary>The spend's txid, once executed.</summary>
    public string? ExecutionTxid { get; internal set; }

    /// <summary>Height from which a passed proposal may execute (end of voting plus timelock).</summary>
    public int UnlockHeight { get; internal set; }

    /// <summary>The status at chain height <paramref name="tip"/>.</summary>
    public ProposalStatus StatusAt(int tip, DaoState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (Canceled)
        {
            return ProposalStatus.Canceled;
        }

        if (Executed)
        {
            return ProposalStatus.Executed;
        }

        if (Closed is { } c)
        {
            return c.Outcome switch
            {
                ProposalOutcome.Passed => ProposalStatus.Queued,
                ProposalOutcome.Rejected => ProposalStatus.Rejected,
                _ => ProposalStatus.Expired,
            };
        }

        if (tip < Start)
        {
            return ProposalStatus.Draft;
        }

        if (tip < End)
        {
            return ProposalStatus.Active;
        }

        return state.Tally(this).Outcome switch
        {
            ProposalOutcome.Passed => ProposalStatus.Passed,
            ProposalOutcome.Rejected => ProposalStatus.Rejected,
            _ => ProposalStatus.Expired,
        };
    }
}

/// <summary>
/// The DAO's state, rebuilt by applying its log in order. <see cref="Apply"/> enforces every rule of
/// docs/dao.md ("Rules"); the same code runs when the service appends an event and when a third party
/// verifies a bundle, so the tally is a pure function of the log.
/// </summary>
public sealed class DaoState
{
    private readonly Dictionary<string, MemberState> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProposalState> _proposals = new(StringComparer.Ordinal);
    private readonly List<ProposalState> _proposalOrder = [];
    private readonly List<byte[]> _hashes = [];
    private readonly List<(long Seq, Anchored Anchor)> _anchors = [];
    private readonly List<string> _memberOrder = [];
    private readonly List<(long Seq, TreasuryRotated Rotation)> _rotations = [];
    private string? _requiredTreasury;
    private bool _requiredTreasuryStale;
    private byte[] _daoId = [];
    private int _lastHeight;

    /// <summary>DAO id (hash of event 0), empty before it.</summary>
    public ReadOnlySpan<byte> DaoIdBytes => _daoId;

    /// <summary>DAO id hex.</summary>
    public string DaoId { get; private set; } = "";

    /// <summary>The creation event.</summary>
    public DaoCreated? Definition { get; private set; }

    /// <summary>The network.</summary>
    public Network? Network { get; private set; }

    /// <summary>Current parameters.</summary>
    public DaoParameters? Parameters { get; private set; }

    /// <summary>Members by key hex.</summary>
    public IReadOnlyDictionary<string, MemberState> Members => _members;

    /// <summary>Proposals in log order.</summary>
    public IReadOnlyList<ProposalState> Proposals => _proposalOrder;

    /// <summary>Event hashes in log order.</summary>
    public IReadOnlyList<byte[]> EventHashes => _hashes;

    /// <summary>Anchor events.</summary>
    public IReadOnlyList<(long Seq, Anchored Anchor)> Anchors => _anchors;

    /// <summary>Member keys in treasury order: the creation order, added members appended, removed ones dropped.</summary>
    public IReadOnlyList<string> MemberOrder => _memberOrder;

    /// <summary>The treasury descriptor in force (where the DAO's coins are): the creation's, then each rotation's; null without a treasury.</summary>
    public string? TreasuryDescriptor { get; private set; }

    /// <summary>Treasury rotations in log order.</summary>
    public IReadOnlyList<(long Seq, TreasuryRotated Rotation)> Rotations => _rotations;

    /// <summary>
    /// The treasury descriptor the current members and k define (<see cref="Treasury.Descriptor"/> over
    /// <see cref="MemberOrder"/>); differs from <see cref="TreasuryDescriptor"/> after an executed member add or remove
    /// until the <c>treasury.rotate</c> event. Null without a treasury.
    /// </summary>
    public string? RequiredTreasuryDescriptor
    {
        get
        {
            if (TreasuryDescriptor is null)
            {
                return null;
            }

            if (_requiredTreasuryStale)
            {
                _requiredTreasury = Treasury.Descriptor(_memberOrder, Signers, Network!);
                _requiredTreasuryStale = false;
            }

            return _requiredTreasury;
        }
    }

    /// <summary>k in force: treasury signatures the member set should need, and multisig yes voters for new proposals.</summary>
    public int Signers { get; private set; }

    /// <summary>k of the treasury descriptor in force (the signatures a spend or a rotation's sweep needs).</summary>
    public int TreasurySigners { get; private set; }

    /// <summary>Whether the members or k changed since the treasury descriptor was set, so the treasury must rotate.</summary>
    public bool RotationPending => TreasuryDescriptor is not null && RequiredTreasuryDescriptor != TreasuryDescriptor;

    /// <summary>Tokens in existence.</summary>
    public ulong Supply { get; private set; }

    /// <summary>Number of events applied.</summary>
    public long Count => _hashes.Count;

    /// <summary>Hash of the last event (zeros when empty).</summary>
    public byte[] LastHash => _hashes.Count == 0 ? new byte[32] : _hashes[^1];

    /// <summary>Height of the last event.</summary>
    public int LastHeight => _lastHeight;

    /// <summary>A proposal by id.</summary>
    public ProposalState? FindProposal(string id) => _proposals.GetValueOrDefault(id);

    /// <summary>Voting power of a balance under the DAO's governance type.</summary>
    public ulong PowerOf(MemberState member)
    {
        ArgumentNullException.ThrowIfNull(member);
        return Definition!.Governance switch
        {
            GovernanceType.Multisig => 1,
            GovernanceType.Token => member.Balance,
            _ => DaoKeys.IntegerSqrt(member.Balance),
        };
    }

    /// <summary>
    /// Applies one event. Checks the hash link, the height order, the body, the signature (unless
    /// <paramref name="signatureVerified"/>: the caller batch-verified it) and every rule. On error nothing
    /// changes and a <see cref="DaoEventException"/> names the event.
    /// </summary>
    public void Apply(DaoEvent e, bool signatureVerified = false)
    {
        ArgumentNullException.ThrowIfNull(e);
        var body = ParseBody(e);
        Check(e, body, signatureVerified);
        Commit(e, body);
    }

    /// <summary>Parses an event's body, naming the event on error.</summary>
    public static DaoEventBody ParseBody(DaoEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        try
        {
            return DaoEventCodec.Parse(e.Body);
        }
        catch (DaoException ex)
        {
            throw new DaoEventException(e.Seq, "?", ex.Message);
        }
    }

    /// <summary>
    /// The message a signed body's signature covers (vote and transfer messages, the proposal id) and the
    /// signer's key hex, without checking any rule; null for unsigned kinds. Used by <see cref="Apply"/> and by
    /// the verifier's batch pass.
    /// </summary>
    public static byte[]? MessageOf(DaoEventBody body, string bodyText, ReadOnlySpan<byte> daoId, out string signer)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(bodyText);
        var message = new byte[32];
        switch (body)
        {
            case VoteCast v:
                signer = v.Voter;
                DaoHashes.Vote(daoId, Convert.FromHexString(v.Proposal), (byte)v.Choice, v.Nonce, message);
                return message;
            case TokenTransfer t:
                signer = t.From;
                DaoHashes.Transfer(daoId, Convert.FromHexString(t.From), Convert.FromHexString(t.To), t.Amount, t.Nonce, message);
                return message;
            case ProposalCreated p:
                signer = p.Proposer;
                return DaoHashes.ProposalId(Encoding.UTF8.GetBytes(bodyText));
            default:
                signer = "";
                return null;
        }
    }

    private bool TryKey(string hex, out XOnlyPublicKey key)
    {
        if (_members.TryGetValue(hex, out var member))
        {
            key = member.Key;
            return true;
        }

        return DaoKeys.TryParseKey(hex, out key);
    }

    private void Check(DaoEvent e, DaoEventBody body, bool signatureVerified)
    {
        var type = body.Type;
        DaoEventException Fail(string reason) => new(e.Seq, type, reason);

        if (e.Seq != _hashes.Count)
        {
            throw Fail($"sequence number {e.Seq} where {_hashes.Count} is next (an event was removed, added or reordered)");
        }

        if (!e.Prev.AsSpan().SequenceEqual(LastHash))
        {
            throw Fail(e.Seq == 0 ? "prev must be 32 zero bytes" : $"prev does not match the hash of event {e.Seq - 1} (an event was removed or reordered)");
        }

        if (!e.Hash.AsSpan().SequenceEqual(e.ComputeHash()))
        {
            throw Fail("hash does not match the event's content");
        }

        if (e.Height < 0 || (e.Seq > 0 && e.Height < _lastHeight))
        {
            throw Fail($"height {e.Height} is below the previous event's height {_lastHeight}");
        }

        var signed = body is VoteCast or TokenTransfer or ProposalCreated;
        if (signed != (e.Signature is not null))
        {
            throw Fail(signed ? "a signature is required" : "operator events carry no signature");
        }

        if (e.Signature is { Length: not 64 })
        {
            throw Fail("signature must be 64 bytes");
        }

        if (e.Seq == 0)
        {
            if (body is not DaoCreated create)
            {
                throw Fail("event 0 must be dao.create");
            }

            CheckCreate(create, Fail);
            return;
        }

        if (body is DaoCreated)
        {
            throw Fail("dao.create may only be event 0");
        }

        var parameters = Parameters!;
        switch (body)
        {
            case TokenTransfer t:
                {
                    CheckDao(t.Dao, Fail);
                    if (!_members.TryGetValue(t.From, out var from))
                    {
                        throw Fail("sender is not a member");
                    }

                    if (!_members.ContainsKey(t.To) || t.To == t.From)
                    {
                        throw Fail("recipient must be another member");
                    }

                    if (t.Amount == 0 || t.Amount > from.Balance)
                    {
                        throw Fail($"amount {t.Amount} is not covered by the sender's balance {from.Balance}");
                    }

                    if (t.Nonce <= from.TransferNonce)
                    {
                        throw Fail($"nonce {t.Nonce} is not above the sender's last transfer nonce {from.TransferNonce} (replayed transfer)");
                    }

                    VerifySignature(e, body, signatureVerified, Fail);
                    break;
                }

            case ProposalCreated p:
                {
                    CheckDao(p.Dao, Fail);
                    var id = Convert.ToHexStringLower(DaoHashes.ProposalId(Encoding.UTF8.GetBytes(e.Body)));
                    if (_proposals.ContainsKey(id))
                    {
                        throw Fail("a proposal with this id exists (replayed proposal)");
                    }

                    if (!_members.TryGetValue(p.Proposer, out var proposer))
                    {
                        throw Fail("proposer is not a member");
                    }

                    if (PowerOf(proposer) < parameters.ProposalThreshold)
                    {
                        throw Fail($"proposer's voting power {PowerOf(proposer)} is below the proposal threshold {parameters.ProposalThreshold}");
                    }

                    CheckAction(p.Action, Fail);
                    VerifySignature(e, body, signatureVerified, Fail);

                    break;
                }

            case VoteCast v:
                {
                    CheckDao(v.Dao, Fail);
                    var proposal = _proposals.GetValueOrDefault(v.Proposal) ?? throw Fail("unknown proposal");
                    if (proposal.Canceled || proposal.Closed is not null)
                    {
                        throw Fail("the proposal is closed");
                    }

                    if (e.Height < proposal.Start)
                    {
                        throw Fail($"voting starts at height {proposal.Start}");
                    }

                    if (e.Height >= proposal.End)
                    {
                        throw Fail($"voting closed at height {proposal.End}");
                    }

                    if (!proposal.Snapshot.ContainsKey(v.Voter))
                    {
                        throw Fail("voter was not a member at the proposal's snapshot");
                    }

                    if (proposal.Votes.TryGetValue(v.Voter, out var current) && !Supersedes(v.Choice, v.Nonce, current.Choice, current.Nonce))
                    {
                        throw Fail(current.Nonce == v.Nonce && current.Choice == v.Choice
                            ? "the same vote is already counted (replayed vote)"
                            : $"nonce {v.Nonce} does not supersede the counted vote's nonce {current.Nonce} (stale or replayed vote)");
                    }

                    VerifySignature(e, body, signatureVerified, Fail);
                    break;
                }

            case ProposalClosed c:
                {
                    var proposal = _proposals.GetValueOrDefault(c.Proposal) ?? throw Fail("unknown proposal");
                    if (proposal.Canceled || proposal.Closed is not null)
                    {
                        throw Fail("the proposal is already closed or canceled");
                    }

                    if (e.Height < proposal.End)
                    {
                        throw Fail($"voting lasts until height {proposal.End}");
                    }

                    var tally = Tally(proposal);
                    if (tally.Outcome != c.Outcome || tally.Yes != c.Yes || tally.No != c.No || tally.Abstain != c.Abstain || tally.Total != c.Total)
                    {
                        throw Fail($"recorded tally {DaoKeys.Name(c.Outcome)} yes={c.Yes} no={c.No} abstain={c.Abstain} total={c.Total} differs from the recomputed {DaoKeys.Name(tally.Outcome)} yes={tally.Yes} no={tally.No} abstain={tally.Abstain} total={tally.Total}");
                    }

                    break;
                }

            case ProposalCanceled c:
                {
                    var proposal = _proposals.GetValueOrDefault(c.Proposal) ?? throw Fail("unknown proposal");
                    if (proposal.Canceled || proposal.Executed || (proposal.Closed is { } closed && closed.Outcome != ProposalOutcome.Passed))
                    {
                        throw Fail("only a proposal not yet executed, rejected or expired can be canceled");
                    }

                    break;
                }

            case ProposalExecuted x:
                {
                    var proposal = _proposals.GetValueOrDefault(x.Proposal) ?? throw Fail("unknown proposal");
                    if (proposal.Canceled || proposal.Executed)
                    {
                        throw Fail("the proposal is canceled or already executed");
                    }

                    if (proposal.Closed is not { Outcome: ProposalOutcome.Passed })
                    {
                        throw Fail("only a proposal closed as passed can execute");
                    }

                    if (e.Height < proposal.UnlockHeight)
                    {
                        throw Fail($"the timelock ends at height {proposal.UnlockHeight}");
                    }

                    if ((proposal.Body.Action is SpendAction) != (x.Txid is not null))
                    {
                        throw Fail(x.Txid is null ? "a spend's execution must name its transaction" : "only a spend names a transaction");
                    }

                    // The treasury follows membership: coins are spent only from the current members' descriptor.
                    if (proposal.Body.Action is SpendAction && RotationPending)
                    {
                        throw Fail("the membership changed: the treasury must rotate (treasury.rotate) before it spends");
                    }

                    CheckEffect(proposal.Body.Action, Fail);
                    break;
                }

            case TreasuryRotated r:
                {
                    if (TreasuryDescriptor is null)
                    {
                        throw Fail("the DAO has no treasury");
                    }

                    if (r.From != TreasuryDescriptor)
                    {
                        throw Fail("from is not the treasury descriptor in force");
                    }

                    string? required;
                    try
                    {
                        required = RequiredTreasuryDescriptor;
                    }
                    catch (DaoException ex)
                    {
                        throw Fail(ex.Message);
                    }

                    if (required == TreasuryDescriptor)
                    {
                        throw Fail("the treasury already matches the members and k (nothing to rotate)");
                    }

                    if (r.To != required)
                    {
                        throw Fail($"to is not the treasury descriptor the current members and k define ({required})");
                    }

                    break;
                }

            case Anchored a:
                {
                    if (a.Count < 1 || a.Count > e.Seq)
                    {
                        throw Fail($"count {a.Count} must be from 1 to {e.Seq} (the events before the anchor)");
                    }

                    if (a.Proposal is not null && !_proposals.ContainsKey(a.Proposal))
                    {
                        throw Fail("unknown proposal");
                    }

                    var root = Convert.ToHexStringLower(DaoHashes.MerkleRoot(_hashes, (int)a.Count));
                    if (root != a.Root)
                    {
                        throw Fail($"root {a.Root} is not the Merkle root of events 0..{a.Count - 1} ({root})");
                    }

                    break;
                }
        }
    }

    /// <summary>Whether a vote (choice, nonce) replaces the counted one: a higher nonce wins; at equal nonces the lower choice code wins, so the result never depends on arrival order.</summary>
    public static bool Supersedes(VoteChoice choice, ulong nonce, VoteChoice currentChoice, ulong currentNonce) =>
        nonce > currentNonce || (nonce == currentNonce && choice < currentChoice);

    private void VerifySignature(DaoEvent e, DaoEventBody body, bool signatureVerified, Func<string, DaoEventException> fail)
    {
        if (signatureVerified)
        {
            return;
        }

        var message = MessageOf(body, e.Body, _daoId, out var signer);
        if (message is null || !TryKey(signer, out var key))
        {
            throw fail("signer key is not a valid x-only key");
        }

        if (!Schnorr.Verify(e.Signature, message, key))
        {
            throw fail(body is ProposalCreated ? "proposer signature does not verify" : "signature does not verify");
        }
    }

    private void CheckDao(string dao, Func<string, DaoEventException> fail)
    {
        if (dao != DaoId)
        {
            throw fail("signed for another DAO");
        }
    }

    private static void CheckCreate(DaoCreated c, Func<string, DaoEventException> fail)
    {
        if (!Network.TryGet(c.Network, out var network))
        {
            throw fail($"unknown network '{c.Network}'");
        }

        if (c.Members.Count == 0)
        {
            throw fail("a DAO needs at least one member");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        ulong supply = 0;
        foreach (var m in c.Members)
        {
            if (!seen.Add(m.Key))
            {
                throw fail($"member {m.Key} is listed twice");
            }

            if (!DaoKeys.TryParseKey(m.Key, out _))
            {
                throw fail($"member {m.Key} is not a valid x-only key");
            }

            supply += m.Weight;
            if (supply > DaoKeys.MaxTokens)
            {
                throw fail("total weight exceeds 2^53-1");
            }
        }

        if (c.Parameters.Validate() is { } problem)
        {
            throw fail(problem);
        }

        if (c.Governance == GovernanceType.Multisig && (c.Signers < 1 || c.Signers > c.Members.Count))
        {
            throw fail($"signers (k) must be from 1 to {c.Members.Count}");
        }

        if (c.TreasuryDescriptor is not null)
        {
            if (c.Signers < 1 || c.Signers > c.Members.Count)
            {
                throw fail($"signers (k) must be from 1 to {c.Members.Count}");
            }

            string expected;
            try
            {
                expected = Treasury.Descriptor(c.Members.Select(m => m.Key).ToList(), c.Signers, network);
            }
            catch (DaoException ex)
            {
                throw fail(ex.Message);
            }

            if (expected != c.TreasuryDescriptor)
            {
                throw fail($"treasury_descriptor is not the one the members and k define ({expected})");
            }
        }
    }

    private void CheckAction(ProposalAction action, Func<string, DaoEventException> fail)
    {
        switch (action)
        {
            case ParametersAction p when p.Parameters.Validate() is { } problem:
                throw fail(problem);
            case MemberAddAction a:
                if (!DaoKeys.TryParseKey(a.Member.Key, out _))
                {
                    throw fail("the new member's key is not a valid x-only key");
                }

                if (_members.ContainsKey(a.Member.Key))
                {
                    throw fail("the new member is already a member");
                }

                break;
            case MemberRemoveAction r when !_members.ContainsKey(r.Key):
                throw fail("no member with that key");
            case MemberWeightAction w when !_members.ContainsKey(w.Key):
                throw fail("no member with that key");
            case SignersAction k:
                if (Definition!.Governance != GovernanceType.Multisig && TreasuryDescriptor is null)
                {
                    throw fail("k has no effect: the DAO has neither multisig governance nor a treasury");
                }

                if (k.Signers < 1 || k.Signers > _members.Count)
                {
                    throw fail($"signers (k) must be from 1 to {_members.Count}");
                }

                if (k.Signers == Signers)
                {
                    throw fail($"k is already {Signers}");
                }

                break;
            case MintAction m:
                if (!Definition!.Mintable)
                {
                    throw fail("the DAO's token supply is fixed (created without mintable)");
                }

                if (!_members.ContainsKey(m.To))
                {
                    throw fail("mint recipient is not a member");
                }

                if (m.Amount == 0)
                {
                    throw fail("mint amount must be positive");
                }

                break;
            case SpendAction s:
                if (Definition!.TreasuryDescriptor is null)
                {
                    throw fail("the DAO has no treasury");
                }

                if (s.Outputs.Count is 0 or > 100)
                {
                    throw fail("a spend pays 1 to 100 outputs");
                }

                foreach (var o in s.Outputs)
                {
                    if (!DaoKeys.TryAddressScript(o.Address, Network!, out _, out var error))
                    {
                        throw fail($"address {o.Address}: {error}");
                    }
                }

                break;
        }
    }

    private void CheckEffect(ProposalAction action, Func<string, DaoEventException> fail)
    {
        switch (action)
        {
            case MemberAddAction a when _members.ContainsKey(a.Member.Key):
                throw fail("the new member is already a member");
            case MemberAddAction a when Supply + a.Member.Weight > DaoKeys.MaxTokens:
                throw fail("supply would exceed 2^53-1");
            case MemberRemoveAction r when !_members.ContainsKey(r.Key):
                throw fail("no member with that key");
            case MemberRemoveAction when _members.Count == 1:
                throw fail("the last member cannot be removed");
            case MemberRemoveAction when (Definition!.Governance == GovernanceType.Multisig || TreasuryDescriptor is not null) && _members.Count - 1 < Signers:
                throw fail("removing the member would leave fewer members than k");
            case MemberAddAction when TreasuryDescriptor is not null && _members.Count + 1 > Treasury.MaxMembers:
                throw fail($"the treasury's multi_a leaf holds at most {Treasury.MaxMembers} members");
            case MemberWeightAction w when !_members.ContainsKey(w.Key):
                throw fail("no member with that key");
            case MemberWeightAction w when Supply - _members[w.Key].Balance + w.Weight > DaoKeys.MaxTokens:
                throw fail("supply would exceed 2^53-1");
            case MintAction m when !_members.ContainsKey(m.To):
                throw fail("mint recipient is not a member");
            case SignersAction k when k.Signers > _members.Count:
                throw fail($"signers (k) must be from 1 to {_members.Count}, the members now");
            case MintAction m when Supply + m.Amount > DaoKeys.MaxTokens:
                throw fail("supply would exceed 2^53-1");
        }
    }

    private void Commit(DaoEvent e, DaoEventBody body)
    {
        switch (body)
        {
            case DaoCreated c:
                _daoId = e.Hash;
                DaoId = Convert.ToHexStringLower(e.Hash);
                Definition = c;
                Network = Network.Get(c.Network);
                Parameters = c.Parameters;
                TreasuryDescriptor = c.TreasuryDescriptor;
                Signers = c.Signers;
                TreasurySigners = c.Signers;
                _requiredTreasury = c.TreasuryDescriptor;
                foreach (var m in c.Members)
                {
                    DaoKeys.TryParseKey(m.Key, out var key);
                    _members[m.Key] = new MemberState(m.Key, key, m.Weight, m.Did);
                    _memberOrder.Add(m.Key);
                    Supply += m.Weight;
                }

                break;
            case TokenTransfer t:
                _members[t.From].Balance -= t.Amount;
                _members[t.From].TransferNonce = t.Nonce;
                _members[t.To].Balance += t.Amount;
                break;
            case ProposalCreated p:
                {
                    var id = Convert.ToHexStringLower(DaoHashes.ProposalId(Encoding.UTF8.GetBytes(e.Body)));
                    var snapshot = new Dictionary<string, ulong>(_members.Count, StringComparer.Ordinal);
                    ulong total = 0;
                    foreach (var (key, member) in _members)
                    {
                        var power = PowerOf(member);
                        snapshot[key] = power;
                        total += power;
                    }

                    var start = e.Height + Parameters!.VotingDelay;
                    var end = start + Parameters.VotingPeriod;
                    var proposal = new ProposalState(id, p, e.Seq, e.Height, start, end, snapshot, total, Parameters) { UnlockHeight = end + Parameters.Timelock, Signers = Signers };
                    _proposals[id] = proposal;
                    _proposalOrder.Add(proposal);
                    break;
                }

            case VoteCast v:
                _proposals[v.Proposal].Votes[v.Voter] = (v.Choice, v.Nonce);
                break;
            case ProposalClosed c:
                _proposals[c.Proposal].Closed = c;
                _proposals[c.Proposal].ClosedHeight = e.Height;
                break;
            case ProposalCanceled c:
                _proposals[c.Proposal].Canceled = true;
                break;
            case ProposalExecuted x:
                {
                    var proposal = _proposals[x.Proposal];
                    proposal.Executed = true;
                    proposal.ExecutedSeq = e.Seq;
                    proposal.ExecutionTxid = x.Txid;
                    ApplyEffect(proposal.Body.Action);
                    break;
                }

            case Anchored a:
                _anchors.Add((e.Seq, a));
                break;
            case TreasuryRotated r:
                _rotations.Add((e.Seq, r));
                TreasuryDescriptor = r.To;
                TreasurySigners = Signers;
                break;
        }

        _hashes.Add(e.Hash);
        _lastHeight = e.Height;
    }

    private void ApplyEffect(ProposalAction action)
    {
        switch (action)
        {
            case ParametersAction p:
                Parameters = p.Parameters;
                break;
            case MemberAddAction a:
                DaoKeys.TryParseKey(a.Member.Key, out var key);
                _members[a.Member.Key] = new MemberState(a.Member.Key, key, a.Member.Weight, a.Member.Did);
                _memberOrder.Add(a.Member.Key);
                _requiredTreasuryStale = true;
                Supply += a.Member.Weight;
                break;
            case MemberRemoveAction r:
                Supply -= _members[r.Key].Balance;
                _members.Remove(r.Key);
                _memberOrder.Remove(r.Key);
                _requiredTreasuryStale = true;
                break;
            case MemberWeightAction w:
                Supply = Supply - _members[w.Key].Balance + w.Weight;
                _members[w.Key].Balance = w.Weight;
                break;
            case MintAction m:
                _members[m.To].Balance += m.Amount;
                Supply += m.Amount;
                break;
            case SignersAction k:
                Signers = k.Signers;
                _requiredTreasuryStale = true;
                break;
        }
    }

    /// <summary>
    /// The tally of a proposal from its counted votes and snapshot: quorum when
    /// (yes+no+abstain)·10000 ≥ quorum_bps·total; approval when yes+no &gt; 0, yes &gt; no (a tie never passes) and
    /// yes·10000 ≥ approval_bps·(yes+no); under multisig also at least k members voting yes.
    /// </summary>
    public DaoTally Tally(ProposalState proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        ulong yes = 0, no = 0, abstain = 0;
        var yesVoters = 0;
        foreach (var (voter, vote) in proposal.Votes)
        {
            var power = proposal.Snapshot[voter];
            switch (vote.Choice)
            {
                case VoteChoice.Yes: yes += power; yesVoters++; break;
                case VoteChoice.No: no += power; break;
                default: abstain += power; break;
            }
        }

        var p = proposal.Parameters;
        // 128-bit products: power sums are at most 2^53 and factors at most 10^4, so UInt128 never overflows.
        var quorum = (UInt128)(yes + no + abstain) * 10_000 >= (UInt128)p.QuorumBps * proposal.TotalPower;
        var approval = yes + no > 0 && yes > no && (UInt128)yes * 10_000 >= (UInt128)p.ApprovalBps * (yes + no);
        if (Definition!.Governance == GovernanceType.Multisig && yesVoters < proposal.Signers)
        {
            approval = false;
        }

        var outcome = !quorum ? ProposalOutcome.Expired : approval ? ProposalOutcome.Passed : ProposalOutcome.Rejected;
        return new DaoTally(yes, no, abstain, proposal.TotalPower, proposal.Votes.Count, yesVoters, outcome);
    }
}
