using OPSource.Bitcoin;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Dao.Model;

/// <summary>How voting power is derived from membership and the governance token.</summary>
public enum GovernanceType
{
    /// <summary>k-of-n members, one member one vote (power 1 each); a proposal also needs at least k yes votes.</summary>
    Multisig,

    /// <summary>Power is the member's token balance at the proposal's snapshot.</summary>
    Token,

    /// <summary>Power is floor(sqrt(balance)) at the proposal's snapshot.</summary>
    Quadratic,
}

/// <summary>A vote's choice; the byte is what the BIP340 vote signature commits to.</summary>
public enum VoteChoice : byte
{
    /// <summary>For.</summary>
    Yes = 1,

    /// <summary>Against.</summary>
    No = 2,

    /// <summary>Counts towards quorum only.</summary>
    Abstain = 3,
}

/// <summary>Where a proposal is in its life cycle (driven by block height and the log).</summary>
public enum ProposalStatus
{
    /// <summary>Recorded, voting has not started (height below start).</summary>
    Draft,

    /// <summary>Voting (start ≤ height &lt; end).</summary>
    Active,

    /// <summary>Voting ended, quorum and approval met, not yet closed by the operator.</summary>
    Passed,

    /// <summary>Quorum met, approval not.</summary>
    Rejected,

    /// <summary>Quorum not met.</summary>
    Expired,

    /// <summary>Closed as passed, waiting for (or past) its timelock.</summary>
    Queued,

    /// <summary>Executed (effects applied; a spend records its txid).</summary>
    Executed,

    /// <summary>Canceled by the operator before execution.</summary>
    Canceled,
}

/// <summary>The result of a closed vote.</summary>
public enum ProposalOutcome
{
    /// <summary>Quorum and approval met.</summary>
    Passed,

    /// <summary>Quorum met, approval not.</summary>
    Rejected,

    /// <summary>Quorum not met.</summary>
    Expired,
}

/// <summary>A member: a BIP340 x-only key, its weight (initial token balance), optionally a DID.</summary>
/// <param name="Key">Lowercase hex of the 32-byte x-only key.</param>
/// <param name="Weight">Token balance the member starts with (ignored for power under <see cref="GovernanceType.Multisig"/>).</param>
/// <param name="Did">A DID naming the member, or null.</param>
public sealed record DaoMember(string Key, ulong Weight, string? Did = null);

/// <summary>Governance parameters. Fractions are basis points (1/10000) so every rule is integer arithmetic.</summary>
/// <param name="ProposalThreshold">Voting power a proposer needs at the snapshot.</param>
/// <param name="QuorumBps">Part of the total snapshot power that must vote (yes+no+abstain), in basis points.</param>
/// <param name="ApprovalBps">Part of yes among yes+no needed, in basis points (a tie never passes).</param>
/// <param name="VotingDelay">Blocks from the proposal's block to the start of voting.</param>
/// <param name="VotingPeriod">Blocks voting lasts.</param>
/// <param name="Timelock">Blocks after the end of voting before a passed proposal may execute.</param>
public sealed record DaoParameters(ulong ProposalThreshold, int QuorumBps, int ApprovalBps, int VotingDelay, int VotingPeriod, int Timelock)
{
    /// <summary>Checks the ranges; returns the first problem or null.</summary>
    public string? Validate()
    {
        if (QuorumBps is < 0 or > 10_000)
        {
            return "quorum_bps must be from 0 to 10000";
        }

        if (ApprovalBps is < 0 or > 10_000)
        {
            return "approval_bps must be from 0 to 10000";
        }

        if (VotingDelay is < 0 or > 1_000_000)
        {
            return "voting_delay must be from 0 to 1000000 blocks";
        }

        if (VotingPeriod is < 1 or > 1_000_000)
        {
            return "voting_period must be from 1 to 1000000 blocks";
        }

        return Timelock is < 0 or > 1_000_000 ? "timelock must be from 0 to 1000000 blocks" : null;
    }
}

/// <summary>One output of a treasury spend.</summary>
/// <param name="Address">Destination address on the DAO's network.</param>
/// <param name="AmountSat">Amount in satoshis.</param>
public sealed record SpendOutput(string Address, long AmountSat);

/// <summary>What a proposal does when executed.</summary>
public abstract record ProposalAction
{
    /// <summary>The <c>kind</c> written in JSON.</summary>
    public abstract string Kind { get; }
}

/// <summary>A text (signalling) proposal: no effect.</summary>
public sealed record TextAction : ProposalAction
{
    /// <inheritdoc />
    public override string Kind => "text";
}

/// <summary>Replaces the governance parameters.</summary>
public sealed record ParametersAction(DaoParameters Parameters) : ProposalAction
{
    /// <inheritdoc />
    public override string Kind => "parameters";
}

/// <summary>Adds a member with a starting balance (minted).</summary>
public sealed record MemberAddAction(DaoMember Member) : ProposalAction
{
    /// <inheritdoc />
    public override string Kind => "member_add";
}

/// <summary>Removes a member (its balance is burned).</summary>
public sealed record MemberRemoveAction(string Key) : ProposalAction
{
    /// <inheritdoc />
    public override string Kind => "member_remove";
}

/// <summary>Sets a member's balance (weight).</summary>
public sealed record MemberWeightAction(string Key, ulong Weight) : ProposalAction
{
    /// <inheritdoc />
    public override string Kind => "member_weight";
}

/// <summary>Mints governance tokens to a member (DAOs created mintable only).</summary>
public sealed record MintAction(string To, ulong Amount) : ProposalAction
{
    /// <inheritdoc />
    public override string Kind => "mint";
}

/// <summary>
/// Changes k: the signatures the treasury's multi_a leaf needs (the treasury then rotates) and, under multisig
/// governance, the yes voters a proposal needs (for proposals recorded after the change).
/// </summary>
public sealed record SignersAction(int Signers) : ProposalAction
{
    /// <inheritdoc />
    public override string Kind => "signers";
}

/// <summary>Pays from the treasury.</summary>
public sealed record SpendAction(IReadOnlyList<SpendOutput> Outputs, decimal FeeRateSatVb) : ProposalAction
{
    /// <inheritdoc />
    public override string Kind => "spend";
}

/// <summary>Helpers shared by the codec and the state machine.</summary>
public static class DaoKeys
{
    /// <summary>Largest token amount (2^53 - 1, exact in every JSON reader).</summary>
    public const ulong MaxTokens = (1UL << 53) - 1;

    /// <summary>Parses lowercase 64-hex x-only key text into a key on the curve.</summary>
    public static bool TryParseKey(string? hex, out XOnlyPublicKey key)
    {
        key = default;
        if (!IsHex32(hex))
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[32];
        Convert.FromHexString(hex, bytes, out _, out _);
        return XOnlyPublicKey.TryParse(bytes, out key);
    }

    /// <summary>True for exactly 64 lowercase hex digits.</summary>
    public static bool IsHex32([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? text)
    {
        if (text is null || text.Length != 64)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>floor(sqrt(n)) exactly (quadratic voting power).</summary>
    public static ulong IntegerSqrt(ulong n)
    {
        if (n < 2)
        {
            return n;
        }

        var r = (ulong)Math.Sqrt(n);
        // Math.Sqrt rounds; correct by at most a step either way so r*r <= n < (r+1)^2 holds exactly.
        while (r > 0 && (r > uint.MaxValue || r * r > n))
        {
            r--;
        }

        while (r + 1 <= uint.MaxValue && (r + 1) * (r + 1) <= n)
        {
            r++;
        }

        return r;
    }

    /// <summary>The JSON name of a governance type.</summary>
    public static string Name(GovernanceType type) => type switch
    {
        GovernanceType.Multisig => "multisig",
        GovernanceType.Token => "token",
        _ => "quadratic",
    };

    /// <summary>Parses a governance type name.</summary>
    public static bool TryParseGovernance(string? text, out GovernanceType type)
    {
        switch (text)
        {
            case "multisig": type = GovernanceType.Multisig; return true;
            case "token": type = GovernanceType.Token; return true;
            case "quadratic": type = GovernanceType.Quadratic; return true;
            default: type = default; return false;
        }
    }

    /// <summary>The JSON name of a choice.</summary>
    public static string Name(VoteChoice choice) => choice switch
    {
        VoteChoice.Yes => "yes",
        VoteChoice.No => "no",
        _ => "abstain",
    };

    /// <summary>Parses a choice name.</summary>
    public static bool TryParseChoice(string? text, out VoteChoice choice)
    {
        switch (text)
        {
            case "yes": choice = VoteChoice.Yes; return true;
            case "no": choice = VoteChoice.No; return true;
            case "abstain": choice = VoteChoice.Abstain; return true;
            default: choice = default; return false;
        }
    }

    /// <summary>The JSON name of an outcome.</summary>
    public static string Name(ProposalOutcome outcome) => outcome switch
    {
        ProposalOutcome.Passed => "passed",
        ProposalOutcome.Rejected => "rejected",
        _ => "expired",
    };

    /// <summary>The JSON name of a status.</summary>
    public static string Name(ProposalStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>Parses an outcome name.</summary>
    public static bool TryParseOutcome(string? text, out ProposalOutcome outcome)
    {
        switch (text)
        {
            case "passed": outcome = ProposalOutcome.Passed; return true;
            case "rejected": outcome = ProposalOutcome.Rejected; return true;
            case "expired": outcome = ProposalOutcome.Expired; return true;
            default: outcome = default; return false;
        }
    }

    /// <summary>Checks an address belongs to the network; returns its script or an error.</summary>
    public static bool TryAddressScript(string address, Network network, out byte[] script, out string? error)
    {
        if (OPSource.Bitcoin.Addresses.Address.TryParse(address, network, out var parsed, out var addressError))
        {
            script = parsed.ScriptPubKeyBytes.ToArray();
            error = null;
            return true;
        }

        error = addressError.Message;
        script = [];
        return false;
    }
}
