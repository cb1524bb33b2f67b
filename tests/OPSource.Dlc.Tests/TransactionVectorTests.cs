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

public class MessageVerifierTests
{
    private static readonly DlcPolicy Regtest = new(OPSource.Bitcoin.Network.Regtest);

    private static (OfferDlc Offer, AcceptDlc Accept, SignDlc Sign) Messages(string file)
    {
        var v = DlcVectorFiles.Load(file);
        T Get<T>(string part) where T : DlcMessage => DlcWireCodec.Decode<T>(Convert.FromHexString(v[part]!["serialized"]!.GetValue<string>()));
        return (Get<OfferDlc>("offer_message"), Get<AcceptDlc>("accept_message"), Get<SignDlc>("sign_message"));
    }

    [Theory]
    [MemberData(nameof(DlcVectorFiles.All), MemberType = typeof(DlcVectorFiles))]
    public void Every_vector_passes_every_check(string file)
    {
        var (offer, accept, sign) = Messages(file);
        var report = DlcMessageVerifier.Verify(offer, accept, sign, Regtest, TestContext.Current.CancellationToken);
        Assert.True(report.Ok, string.Join("; ", report.Checks.Where(c => !c.Ok).Select(c => $"{c.Name}: {c.Detail}")));
        Assert.Equal(sign.ContractId, report.ContractId);
    }

    [Fact]
    public void A_wrong_adaptor_signature_and_a_wrong_refund_signature_are_reported()
    {
        var (offer, accept, sign) = Messages("single_oracle_numerical_test.json");
        var sigs = accept.CetAdaptorSignatures.ToArray();
        (sigs[3], sigs[4]) = (sigs[4], sigs[3]);
        var report = DlcMessageVerifier.Verify(offer, accept with { CetAdaptorSignatures = sigs, RefundSignature = sign.RefundSignature }, sign, Regtest, TestContext.Current.CancellationToken);
        Assert.False(report.Ok);
        var failed = report.Checks.Where(c => !c.Ok).ToDictionary(c => c.Name, c => c.Detail);
        Assert.Contains("signature 3 (CET", failed["accept.cet_adaptor_signatures"], StringComparison.Ordinal);
        Assert.Equal("does not verify", failed["accept.refund_signature"]);
        Assert.True(report.Checks.Single(c => c.Name == "sign.cet_adaptor_signatures").Ok);
    }
}
