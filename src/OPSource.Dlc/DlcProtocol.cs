using System.Security.Cryptography;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using OPSource.Crypto.Secp256k1.Adaptor;
using OPSource.Dlc.Contracts;
using OPSource.Dlc.Messages;
using OPSource.Dlc.Transactions;

namespace OPSource.Dlc;

/// <summary>The terms an offerer proposes.</summary>
/// <param name="ContractInfo">Outcomes, payouts and oracles.</param>
/// <param name="OfferCollateral">The offerer's collateral (the accepter puts in the rest of the total).</param>
/// <param name="FeeRatePerVb">Fee rate for every transaction, sat/vB.</param>
/// <param name="CetLocktime">nLockTime of the CETs (no later than the earliest attestation).</param>
/// <param name="RefundLocktime">nLockTime of the refund.</param>
public sealed record DlcTerms(ContractInfo ContractInfo, Amount OfferCollateral, ulong FeeRatePerVb, uint CetLocktime, uint RefundLocktime);

/// <summary>A party's own contribution: funding key, scripts and coins.</summary>
/// <param name="FundingKey">The key of the 2-of-2 funding output (kept secret by the party).</param>
/// <param name="PayoutSpk">Where this party's payouts go.</param>
/// <param name="ChangeSpk">Where its funding change goes.</param>
/// <param name="Inputs">Its funding inputs (serial ids already assigned).</param>
public sealed record DlcOwnSide(SecretKey FundingKey, Script PayoutSpk, Script ChangeSpk, IReadOnlyList<FundingInput> Inputs);

/// <summary>
/// The three protocol steps as pure functions (Protocol.md "Contract Negotiation"): the offerer makes
/// <c>offer_dlc</c>; the accepter validates it and answers with <c>accept_dlc</c> carrying its CET and refund
/// signatures; the offerer validates that and answers with <c>sign_dlc</c> carrying its own signatures and
/// funding witnesses. Wallet access (coins, funding witnesses) is the caller's.
/// </summary>
public static class DlcProtocol
{
    /// <summary>A random 64-bit serial id (Protocol.md: randomly chosen), distinct from <paramref name="taken"/>.</summary>
    public static ulong NewSerialId(ICollection<ulong> taken)
    {
        ArgumentNullException.ThrowIfNull(taken);
        while (true)
        {
            var id = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
            if (!taken.Contains(id))
            {
                taken.Add(id);
                return id;
            }
        }
    }

    /// <summary>Wraps wallet coins as funding inputs with fresh serial ids.</summary>
    public static FundingInput[] ToFundingInputs(IEnumerable<(Transaction PrevTx, uint Vout, uint Sequence, int MaxWitnessLength, Script RedeemScript)> coins, ICollection<ulong> takenSerials)
    {
        ArgumentNullException.ThrowIfNull(coins);
        return [.. coins.Select(c => FundingInput.Create(NewSerialId(takenSerials), c.PrevTx, c.Vout, c.Sequence, checked((ushort)c.MaxWitnessLength), c.RedeemScript))];
    }

    /// <summary>Builds (and validates) an offer.</summary>
    public static OfferDlc CreateOffer(DlcPolicy policy, DlcTerms terms, PublicKey fundingPubkey, Script payoutSpk, Script changeSpk, IReadOnlyList<FundingInput> inputs, ContractId? temporaryContractId = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(terms);
        var taken = new HashSet<ulong>(inputs.Select(i => i.InputSerialId));
        var offer = new OfferDlc(
            DlcValidator.ProtocolVersion,
            0, // Protocol.md: no contract_flags bits are defined.
            policy.ChainHash,
            temporaryContractId ?? ContractId.NewRandom(),
            terms.ContractInfo,
            fundingPubkey,
            payoutSpk,
            NewSerialId(taken),
            terms.OfferCollateral,
            inputs,
            changeSpk,
            NewSerialId(taken),
            NewSerialId(taken),
            terms.FeeRatePerVb,
            terms.CetLocktime,
            terms.RefundLocktime);
        DlcValidator.ValidateOffer(offer, policy);
        return offer;
    }

    /// <summary>
    /// Validates an offer and accepts it: builds every transaction, adaptor-signs every CET and signs the
    /// refund with the accepter's funding key.
    /// </summary>
    public static (AcceptDlc Accept, DlcSetup Setup) CreateAccept(OfferDlc offer, DlcPolicy policy, DlcOwnSide own, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(own);
        DlcValidator.ValidateOffer(offer, policy);
        var taken = new HashSet<ulong>(offer.FundingInputs.Select(i => i.InputSerialId).Concat(own.Inputs.Select(i => i.InputSerialId)))
        {
            offer.ChangeSerialId,
            offer.FundOutputSerialId,
            offer.PayoutSerialId,
        };
        var party = new DlcParty(own.FundingKey.PublicKey, own.PayoutSpk, NewSerialId(taken), own.Inputs, own.ChangeSpk, NewSerialId(taken), offer.AcceptCollateral);
        var unsigned = new AcceptDlc(offer.Version, offer.TemporaryContractId, party.Collateral, party.FundingPubkey, party.PayoutSpk, party.PayoutSerialId, party.FundingInputs, party.ChangeSpk, party.ChangeSerialId, [], default, null);
        var setup = DlcValidator.ValidateAcceptFields(offer, unsigned, policy);
        var cetSigs = CetSigning.SignCets(setup.Plan, setup.Transactions, own.FundingKey, cancellationToken);
        var refund = CetSigning.SignRefund(setup.Transactions, own.FundingKey);
        return (unsigned with { CetAdaptorSignatures = cetSigs, RefundSignature = refund }, setup);
    }

    /// <summary>
    /// The offerer's answer to a valid accept: its CET adaptor signatures, refund signature and the witnesses
    /// of its funding inputs (in the offer's input order, made by its wallet over <c>setup.Transactions.Funding</c>).
    /// </summary>
    public static SignDlc CreateSign(DlcSetup setup, SecretKey fundingKey, IReadOnlyList<Witness> offerFundingWitnesses, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(fundingKey);
        // Our own witnesses must be right before they are sent.
        DlcValidator.WithOfferWitnesses(setup, offerFundingWitnesses, "funding witnesses");
        var cetSigs = CetSigning.SignCets(setup.Plan, setup.Transactions, fundingKey, cancellationToken);
        var refund = CetSigning.SignRefund(setup.Transactions, fundingKey);
        return new SignDlc(setup.Offer.Version, setup.ContractId, cetSigs, refund, offerFundingWitnesses);
    }

    /// <summary>
    /// The CET to broadcast once the oracles attested: decrypts the counterparty's adaptor signature of the
    /// attested slot, adds the own signature, and returns the fully signed CET.
    /// </summary>
    /// <exception cref="DlcException">The attestations unlock no CET of the contract.</exception>
    public static (Transaction Cet, AttestedSlot Slot) ExecuteCet(DlcSetup setup, bool isOffer, SecretKey fundingKey, IReadOnlyList<AdaptorSignature> counterpartySignatures, IReadOnlyList<OracleAttestation> attestations)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(fundingKey);
        ArgumentNullException.ThrowIfNull(counterpartySignatures);
        var attested = DlcExecution.FindAttestedSlot(setup.Plan, attestations)
            ?? throw new DlcException(DlcErrorKind.InvalidOracleAttestation, "the attestations unlock no CET of this contract (too few oracles, or oracles disagree beyond the contract's tolerance)");
        var cet = setup.Transactions.Cets[attested.Slot.CetIndex];
        var hash = CetSigning.SigHash(cet, setup.Transactions);
        var theirs = counterpartySignatures[attested.SlotIndex].Decrypt(attested.AdaptorSecret);
        var counterpartyKey = isOffer ? setup.AcceptParty.FundingPubkey : setup.OfferParty.FundingPubkey;
        if (!Ecdsa.Verify(theirs, hash, counterpartyKey))
        {
            throw new DlcException(DlcErrorKind.InvalidAdaptorSignature, $"the counterparty's adaptor signature {attested.SlotIndex} does not decrypt to a valid signature");
        }

        var ours = Ecdsa.SignGrindLowR(fundingKey, hash);
        var signed = CetSigning.WithMultisigWitness(cet, setup.Transactions, fundingKey.PublicKey, ours, counterpartyKey, theirs);
        return (signed, attested);
    }

    /// <summary>The fully signed refund transaction (valid from refund_locktime on).</summary>
    public static Transaction ExecuteRefund(DlcSetup setup, bool isOffer, SecretKey fundingKey, EcdsaSignature counterpartyRefundSignature)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(fundingKey);
        var counterpartyKey = isOffer ? setup.AcceptParty.FundingPubkey : setup.OfferParty.FundingPubkey;
        var ours = CetSigning.SignRefund(setup.Transactions, fundingKey);
        return CetSigning.WithMultisigWitness(setup.Transactions.Refund, setup.Transactions, fundingKey.PublicKey, ours, counterpartyKey, counterpartyRefundSignature);
    }
}
