using OPSource.Bitcoin;

namespace OPSource.Dlc.Messages;

/// <summary>A contract's outcomes, payouts and oracles (Messaging.md <c>contract_info</c>).</summary>
public abstract record ContractInfo
{
    private protected ContractInfo(Amount totalCollateral) => TotalCollateral = totalCollateral;

    /// <summary>Sum of both parties' collateral.</summary>
    public Amount TotalCollateral { get; }

    /// <summary>The (descriptor, oracles) pairs: one for a single contract, several for a disjoint one.</summary>
    public abstract IReadOnlyList<ContractInfoInner> Inners { get; }
}

/// <summary><c>single_contract_info</c> (type 0).</summary>
public sealed record SingleContractInfo(Amount Total, ContractInfoInner Inner) : ContractInfo(Total)
{
    /// <inheritdoc />
    public override IReadOnlyList<ContractInfoInner> Inners => [Inner];
}

/// <summary><c>disjoint_contract_info</c> (type 1): the union of several events' CET sets.</summary>
public sealed record DisjointContractInfo(Amount Total, IReadOnlyList<ContractInfoInner> ContractInfos) : ContractInfo(Total)
{
    /// <inheritdoc />
    public override IReadOnlyList<ContractInfoInner> Inners => ContractInfos;
}

/// <summary>One descriptor with the oracles that attest its event.</summary>
public sealed record ContractInfoInner(ContractDescriptor Descriptor, OracleInfo OracleInfo);

/// <summary>The offerer's payouts per outcome (Messaging.md <c>contract_descriptor</c>).</summary>
public abstract record ContractDescriptor
{
    private protected ContractDescriptor()
    {
    }
}

/// <summary>One enumerated outcome and the offerer's payout for it.</summary>
public sealed record EnumeratedPayout(string Outcome, Amount OfferPayout);

/// <summary><c>enumerated_contract_descriptor</c> (type 0).</summary>
public sealed record EnumeratedContractDescriptor(IReadOnlyList<EnumeratedPayout> Payouts) : ContractDescriptor;

/// <summary><c>numeric_outcome_contract_descriptor</c> (type 1).</summary>
/// <param name="NumDigits">Digits of the oracle with the fewest digits.</param>
/// <param name="PayoutFunction">The offerer's payout curve.</param>
/// <param name="RoundingIntervals">Rounding applied to the payouts.</param>
public sealed record NumericOutcomeContractDescriptor(ushort NumDigits, PayoutFunction PayoutFunction, RoundingIntervals RoundingIntervals) : ContractDescriptor;

/// <summary>A point of a payout curve (PayoutCurve.md): x = outcome, y = payout + extra_precision/2^16.</summary>
public readonly record struct PayoutPoint(ulong EventOutcome, Amount OutcomePayout, ushort ExtraPrecision);

/// <summary>PayoutCurve.md <c>payout_function</c>: pieces with their left endpoints, then the last endpoint.</summary>
public sealed record PayoutFunction(IReadOnlyList<PayoutFunctionPiece> Pieces, PayoutPoint LastEndpoint);

/// <summary>A piece of a payout function with its left endpoint.</summary>
public sealed record PayoutFunctionPiece(PayoutPoint EndPoint, PayoutCurvePiece Curve);

/// <summary>A curve between two endpoints (PayoutCurve.md <c>payout_curve_piece</c>).</summary>
public abstract record PayoutCurvePiece
{
    private protected PayoutCurvePiece()
    {
    }
}

/// <summary>Polynomial interpolation through the endpoints and these midpoints (type 0).</summary>
public sealed record PolynomialPayoutCurvePiece(IReadOnlyList<PayoutPoint> Points) : PayoutCurvePiece;

/// <summary>
/// Hyperbola piece (type 1): y = c·(x−f1 ± √((x−f1)²−4ab))/(2a) + 2ad/(x−f1 ± √(...)) + f2. Serialized as in
/// rust-dlc and the 2022 dlcspecs vectors (IEEE 754 doubles).
/// </summary>
public sealed record HyperbolaPayoutCurvePiece(bool UsePositivePiece, double TranslateOutcome, double TranslatePayout, double A, double B, double C, double D) : PayoutCurvePiece;

/// <summary>From <see cref="BeginInterval"/> on, payouts are rounded to a multiple of <see cref="RoundingMod"/>.</summary>
public readonly record struct RoundingInterval(ulong BeginInterval, ulong RoundingMod);

/// <summary>NumericOutcome.md rounding intervals.</summary>
public sealed record RoundingIntervals(IReadOnlyList<RoundingInterval> Intervals);

/// <summary>The oracles of a contract (Messaging.md <c>oracle_info</c>).</summary>
public abstract record OracleInfo
{
    private protected OracleInfo()
    {
    }

    /// <summary>The announcements, in preference order.</summary>
    public abstract IReadOnlyList<OracleAnnouncement> Announcements { get; }

    /// <summary>How many oracles must attest.</summary>
    public abstract int Threshold { get; }
}

/// <summary><c>single_oracle_info</c> (type 0).</summary>
public sealed record SingleOracleInfo(OracleAnnouncement Announcement) : OracleInfo
{
    /// <inheritdoc />
    public override IReadOnlyList<OracleAnnouncement> Announcements => [Announcement];

    /// <inheritdoc />
    public override int Threshold => 1;
}

/// <summary><c>multi_oracle_info</c> (type 1): t of n oracles, optionally with allowed differences.</summary>
public sealed record MultiOracleInfo(ushort OracleThreshold, IReadOnlyList<OracleAnnouncement> OracleAnnouncements, OracleParams? Params) : OracleInfo
{
    /// <inheritdoc />
    public override IReadOnlyList<OracleAnnouncement> Announcements => OracleAnnouncements;

    /// <inheritdoc />
    public override int Threshold => OracleThreshold;
}

/// <summary>MultiOracle.md bounded-error parameters (powers of two).</summary>
/// <param name="MaxErrorExp">Differences of 2^maxErrorExp or more are never supported.</param>
/// <param name="MinFailExp">Differences up to 2^minFailExp are always supported (rust-dlc's min_support_exp).</param>
/// <param name="MaximizeCoverage">Whether to cover as much of the gap as possible.</param>
public sealed record OracleParams(ushort MaxErrorExp, ushort MinFailExp, bool MaximizeCoverage);

/// <summary>The accepter's rounding preferences (Messaging.md <c>negotiation_fields</c>).</summary>
public abstract record NegotiationFields
{
    private protected NegotiationFields()
    {
    }
}

/// <summary><c>single_negotiation_fields</c> (type 0).</summary>
public sealed record SingleNegotiationFields(RoundingIntervals RoundingIntervals) : NegotiationFields;

/// <summary><c>disjoint_negotiation_fields</c> (type 1).</summary>
public sealed record DisjointNegotiationFields(IReadOnlyList<NegotiationFields> Fields) : NegotiationFields;
