using OPSource.Bitcoin.Transactions;
using OPSource.Dlc.Messages;
using OPSource.Dlc.Transactions;

namespace OPSource.Dlc;

/// <summary>One check of <see cref="DlcMessageVerifier"/>.</summary>
/// <param name="Name">What was checked (<c>accept.cet_adaptor_signatures</c>).</param>
/// <param name="Ok">Whether it passed.</param>
/// <param name="Detail">One line: counts, ids, or what failed.</param>
public sealed record DlcCheck(string Name, bool Ok, string Detail);

/// <summary>The result of verifying an offer, its accept and optionally its sign message.</summary>
/// <param name="Checks">Every check in order.</param>
/// <param name="FundingTxId">The funding transaction id, when it could be built.</param>
/// <param name="ContractId">The derived contract id, when it could be computed.</param>
/// <param name="CetCount">Number of CETs.</param>
/// <param name="AdaptorSignatureCount">Number of adaptor signatures each party must provide.</param>
public sealed record DlcVerificationReport(IReadOnlyList<DlcCheck> Checks, TxId? FundingTxId, ContractId? ContractId, int CetCount, int AdaptorSignatureCount)
{
    /// <summary>True when every check passed.</summary>
    public bool Ok => Checks.All(c => c.Ok);
}

/// <summary>
/// Rebuilds a contract from its messages (funding transaction, CETs, refund) and checks every signature,
/// reporting each failure instead of stopping at the first (<c>opsource dlc message verify</c>).
/// </summary>
public static class DlcMessageVerifier
{
    /// <summary>Verifies the messages of one contract.</summary>
    public static DlcVerificationReport Verify(OfferDlc offer, AcceptDlc accept, SignDlc? sign, DlcPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(accept);
        ArgumentNullException.ThrowIfNull(policy);
        var checks = new List<DlcCheck>();

        void Check(string name, Func<string> run)
        {
            try
            {
                checks.Add(new DlcCheck(name, true, run()));
            }
            catch (DlcException ex)
            {
                checks.Add(new DlcCheck(name, false, ex.Message));
            }
        }

        Check("offer", () =>
        {
            var plan = DlcValidator.ValidateOffer(offer, policy);
            return $"{offer.ContractInfo.Inners.Count} event(s), {plan.Cets.Count} CETs, {plan.Slots.Count} adaptor signatures per party";
        });

        DlcSetup? setup = null;
        Check("transactions", () =>
        {
            setup = DlcSetup.Create(offer, accept);
            var t = setup.Transactions;
            return $"funding {t.Funding.GetTxId()} (fund output {t.FundOutputIndex}, {t.FundOutputValue.Satoshis} sat), {t.Cets.Count} CETs, refund {t.Refund.GetTxId()}";
        });

        if (setup is null)
        {
            return new DlcVerificationReport(checks, null, null, 0, 0);
        }

        var s = setup;
        Check("accept", () =>
        {
            DlcValidator.ValidateAcceptFields(offer, accept, policy);
            return "fields valid";
        });

        Check("accept.refund_signature", () => CetSigning.VerifyRefund(s.Transactions, accept.FundingPubkey, accept.RefundSignature)
            ? "valid"
            : throw new DlcException(DlcErrorKind.InvalidRefundSignature, "does not verify"));
        Check("accept.cet_adaptor_signatures", () => VerifyCets(s, accept.FundingPubkey, accept.CetAdaptorSignatures, CetIndexing.Spec, cancellationToken));

        if (sign is not null)
        {
            Check("sign.contract_id", () => sign.ContractId == s.ContractId
                ? s.ContractId.ToString()
                : throw new DlcException(DlcErrorKind.NotFound, $"{sign.ContractId} is not the derived {s.ContractId}"));
            Check("sign.refund_signature", () => CetSigning.VerifyRefund(s.Transactions, offer.FundingPubkey, sign.RefundSignature)
                ? "valid"
                : throw new DlcException(DlcErrorKind.InvalidRefundSignature, "does not verify"));
            Check("sign.cet_adaptor_signatures", () =>
            {
                try
                {
                    return VerifyCets(s, offer.FundingPubkey, sign.CetAdaptorSignatures, CetIndexing.Spec, cancellationToken);
                }
                catch (DlcException) when (s.Plan.Oracles.Length > 1)
                {
                    // rust-dlc's offerer signs later disjoint events over the first event's CETs; say so precisely.
                    var quirk = VerifyCets(s, offer.FundingPubkey, sign.CetAdaptorSignatures, CetIndexing.RustDlcDisjointOffer, cancellationToken);
                    return quirk + " (with rust-dlc's disjoint-contract CET indexing: the signatures for events after the first are over the first event's CETs)";
                }
            });
            Check("sign.funding_signatures", () =>
            {
                DlcValidator.WithOfferWitnesses(s, sign.FundingSignatures, "sign_dlc");
                return $"{sign.FundingSignatures.Count} witness(es) verify";
            });
        }

        return new DlcVerificationReport(checks, s.Transactions.Funding.GetTxId(), s.ContractId, s.Plan.Cets.Count, s.Plan.Slots.Count);
    }

    private static string VerifyCets(DlcSetup setup, Crypto.Secp256k1.PublicKey key, IReadOnlyList<Crypto.Secp256k1.Adaptor.AdaptorSignature> sigs, CetIndexing indexing, CancellationToken cancellationToken)
    {
        if (sigs.Count != setup.Plan.Slots.Count)
        {
            throw new DlcException(DlcErrorKind.InvalidAdaptorSignature, $"{sigs.Count} signatures, the contract needs {setup.Plan.Slots.Count}");
        }

        var bad = CetSigning.VerifyCets(setup.Plan, setup.Transactions, key, sigs, indexing, cancellationToken);
        return bad < 0
            ? $"{sigs.Count} of {sigs.Count} valid"
            : throw new DlcException(DlcErrorKind.InvalidAdaptorSignature, $"signature {bad} ({DlcValidator.Describe(setup.Plan, bad)}) does not verify");
    }
}
