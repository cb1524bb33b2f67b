using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;
using OPSource.Dlc.Messages;
using OPSource.Dlc.Transactions;

namespace OPSource.Dlc.Tests;

public class TransactionVectorTests
{
    [Theory]
    [MemberData(nameof(DlcVectorFiles.All), MemberType = typeof(DlcVectorFiles))]
    public void Rebuilt_transactions_verify_every_adaptor_refund_and_funding_signature(string file)
    {
        var vector = DlcVectorFiles.Load(file);
        var offer = DlcWireCodec.Decode<OfferDlc>(Convert.FromHexString(vector["offer_message"]!["serialized"]!.GetValue<string>()));
        var accept = DlcWireCodec.Decode<AcceptDlc>(Convert.FromHexString(vector["accept_message"]!["serialized"]!.GetValue<string>()));
        var sign = DlcWireCodec.Decode<SignDlc>(Convert.FromHexString(vector["sign_message"]!["serialized"]!.GetValue<string>()));

        var setup = DlcSetup.Create(offer, accept);
        Assert.Equal(sign.ContractId, setup.ContractId);
        Assert.Equal(setup.Plan.Slots.Count, accept.CetAdaptorSignatures.Count);

        Assert.True(CetSigning.VerifyRefund(setup.Transactions, accept.FundingPubkey, accept.RefundSignature), "accept refund signature");
        Assert.True(CetSigning.VerifyRefund(setup.Transactions, offer.FundingPubkey, sign.RefundSignature), "sign refund signature");
        Assert.Equal(-1, CetSigning.VerifyCets(setup.Plan, setup.Transactions, accept.FundingPubkey, accept.CetAdaptorSignatures, TestContext.Current.CancellationToken));
        Assert.Equal(-1, CetSigning.VerifyCets(setup.Plan, setup.Transactions, offer.FundingPubkey, sign.CetAdaptorSignatures, CetIndexing.RustDlcDisjointOffer, TestContext.Current.CancellationToken));

        // The offerer's funding witnesses, in the order of its funding inputs, spend their coins.
        var funding = setup.Transactions.Funding;
        var allInputs = offer.FundingInputs.Concat(accept.FundingInputs).OrderBy(i => i.InputSerialId).ToList();
        var spent = allInputs.Select(i => i.PrevOutput!).ToList();
        for (int k = 0; k < offer.FundingInputs.Count; k++)
        {
            funding = funding.WithWitness(allInputs.IndexOf(offer.FundingInputs[k]), sign.FundingSignatures[k]);
        }

        var precomputed = new PrecomputedTransactionData(funding, spent);
        foreach (var input in offer.FundingInputs)
        {
            int index = allInputs.IndexOf(input);
            Assert.True(TransactionVerifier.VerifyInput(funding, index, spent[index], precomputed, ScriptFlags.Standard, out var error), $"funding input {index}: {error}");
        }
    }
}
