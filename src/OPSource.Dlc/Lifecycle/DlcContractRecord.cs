using OPSource.Bitcoin.Transactions;
using OPSource.Dlc.Messages;

namespace OPSource.Dlc.Lifecycle;

/// <summary>Where a contract is in its life (Offered → Accepted → Signed → Confirmed → Closed | Refunded).</summary>
public enum DlcState
{
    /// <summary>The offer was sent (offerer) and no accept processed yet.</summary>
    Offered,

    /// <summary>The accept was sent (accepter), waiting for the offerer's sign message.</summary>
    Accepted,

    /// <summary>All signatures exchanged; the funding transaction is (being) broadcast.</summary>
    Signed,

    /// <summary>The funding transaction is confirmed.</summary>
    Confirmed,

    /// <summary>A CET spent the funding output.</summary>
    Closed,

    /// <summary>The refund transaction spent the funding output.</summary>
    Refunded,
}

/// <summary>Which side of the contract this node is.</summary>
public enum DlcRole
{
    /// <summary>Sent offer_dlc and sign_dlc.</summary>
    Offerer,

    /// <summary>Sent accept_dlc and broadcasts the funding transaction.</summary>
    Accepter,
}

/// <summary>A stored contract.</summary>
/// <param name="Id">The temporary contract id (stable for the contract's whole life).</param>
/// <param name="ContractId">The contract id, once the funding transaction is known.</param>
/// <param name="Role">This node's side.</param>
/// <param name="State">Life-cycle state.</param>
/// <param name="Wallet">The wallet that funds it and receives its payouts.</param>
/// <param name="Offer">The offer.</param>
/// <param name="Accept">The accept message (sent or received).</param>
/// <param name="Sign">The sign message (sent or received).</param>
/// <param name="FundingKeyId">Key-store id of this node's funding key.</param>
/// <param name="FundingTx">The fully signed funding transaction, when known.</param>
/// <param name="FundingHeight">Height of the block confirming it.</param>
/// <param name="ClosingTx">The CET or refund that spent the funding output.</param>
/// <param name="Outcome">What closed it (JSON text: attested outcomes, payouts).</param>
/// <param name="Version">Row version for optimistic concurrency.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="UpdatedAt">Last change.</param>
public sealed record DlcContractRecord(
    ContractId Id,
    ContractId? ContractId,
    DlcRole Role,
    DlcState State,
    string Wallet,
    OfferDlc Offer,
    AcceptDlc? Accept,
    SignDlc? Sign,
    string FundingKeyId,
    Transaction? FundingTx,
    int? FundingHeight,
    Transaction? ClosingTx,
    string? Outcome,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Whether this node made the offer.</summary>
    public bool IsOfferer => Role == DlcRole.Offerer;

    /// <summary>The setup (transactions, plan), once the accept is known.</summary>
    public DlcSetup? Setup => Accept is null ? null : DlcSetup.Create(Offer, Accept);
}
