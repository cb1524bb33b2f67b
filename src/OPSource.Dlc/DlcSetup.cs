using OPSource.Dlc.Contracts;
using OPSource.Dlc.Messages;
using OPSource.Dlc.Transactions;

namespace OPSource.Dlc;

/// <summary>
/// Everything both parties derive once the offer and the accepter's side are known (Protocol.md: "both
/// parties are able to create the funding transaction and subsequently all CETs and the refund"): the
/// adaptor plan, the transactions and the contract id.
/// </summary>
public sealed class DlcSetup
{
    private DlcSetup(OfferDlc offer, DlcParty offerParty, DlcParty acceptParty, AdaptorPlan plan, DlcTransactions transactions)
    {
        Offer = offer;
        OfferParty = offerParty;
        AcceptParty = acceptParty;
        Plan = plan;
        Transactions = transactions;
        ContractId = ContractId.Compute(transactions.Funding.GetTxId(), checked((ushort)transactions.FundOutputIndex), offer.TemporaryContractId);
    }

    /// <summary>The offer.</summary>
    public OfferDlc Offer { get; }

    /// <summary>The offerer's side.</summary>
    public DlcParty OfferParty { get; }

    /// <summary>The accepter's side.</summary>
    public DlcParty AcceptParty { get; }

    /// <summary>The CETs and adaptor slots.</summary>
    public AdaptorPlan Plan { get; }

    /// <summary>Funding transaction, CETs and refund.</summary>
    public DlcTransactions Transactions { get; }

    /// <summary>Protocol.md contract_id.</summary>
    public ContractId ContractId { get; }

    /// <summary>Derives the setup of an offer with the accepter's side.</summary>
    /// <exception cref="DlcException">Invalid contract terms or insufficient funding.</exception>
    public static DlcSetup Create(OfferDlc offer, DlcParty acceptParty)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(acceptParty);
        var plan = AdaptorPlan.Create(offer.ContractInfo);
        var offerParty = DlcParty.FromOffer(offer);
        var transactions = DlcTransactionBuilder.Build(offer, offerParty, acceptParty, plan);
        return new DlcSetup(offer, offerParty, acceptParty, plan, transactions);
    }

    /// <summary>The setup of an offer and its accept message.</summary>
    public static DlcSetup Create(OfferDlc offer, AcceptDlc accept) => Create(offer, DlcParty.FromAccept(accept));
}
