using System.Security.Cryptography;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using OPSource.Dlc.Contracts;
using OPSource.Dlc.Messages;
using OPSource.Dlc.Transactions;

namespace OPSource.Dlc;

/// <summary>What a node accepts from counterparties.</summary>
/// <param name="Network">The chain contracts live on (Protocol.md: chain_hash must identify it).</param>
/// <param name="MinFeeRatePerVb">Lowest acceptable <c>feerate_per_vb</c> (the floor).</param>
/// <param name="MaxFeeRatePerVb">Highest acceptable fee rate (rust-dlc refuses above 6250 sat/vB).</param>
public sealed record DlcPolicy(Network Network, ulong MinFeeRatePerVb = 1, ulong MaxFeeRatePerVb = 6250)
{
    /// <summary>The chain_hash of <see cref="Network"/>: its genesis block hash in internal byte order.</summary>
    public byte[] ChainHash => Network.GenesisBlockHash.ToBytes();
}

/// <summary>
/// Validation of everything a counterparty sends (Protocol.md requirements on offer_dlc, accept_dlc and
/// sign_dlc). Every check is pure: nothing is stored, so a refused message leaves the stored contract as
/// it was. Failures are <see cref="DlcException"/>s whose message names the field and the rule.
/// </summary>
public static class DlcValidator
{
    /// <summary>The protocol version this implementation speaks (Protocol.md: "The current protocol version is 1").</summary>
    public const uint ProtocolVersion = 1;

    /// <summary>Validates an offer and returns its adaptor plan.</summary>
    public static AdaptorPlan ValidateOffer(OfferDlc offer, DlcPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(policy);
        if (offer.Version != ProtocolVersion)
        {
            throw new DlcException(DlcErrorKind.InvalidContract, $"offer_dlc: protocol_version {offer.Version} is not supported (expected {ProtocolVersion})");
        }

        if (!offer.ChainHash.Span.SequenceEqual(policy.ChainHash))
        {
            throw new DlcException(DlcErrorKind.WrongChain, $"offer_dlc: chain_hash {Convert.ToHexStringLower(offer.ChainHash.Span)} is not {policy.Network.Name}'s genesis");
        }

        var total = offer.ContractInfo.TotalCollateral;
        if (total <= Amount.Zero || offer.OfferCollateral > total)
        {
            throw new DlcException(DlcErrorKind.InvalidContract, $"offer_dlc: offer collateral {offer.OfferCollateral.Satoshis} sat must not exceed the total collateral {total.Satoshis} sat");
        }

        ValidateLocktimes(offer.CetLocktime, offer.RefundLocktime);
        ValidateFeeRate(offer.FeeRatePerVb, policy);
        RequireStandard(offer.PayoutSpk, "offer_dlc.payout_spk");
        RequireStandard(offer.ChangeSpk, "offer_dlc.change_spk");
        ValidateFundingInputs(offer.FundingInputs, "offer_dlc");
        if (offer.ChangeSerialId == offer.FundOutputSerialId)
        {
            throw new DlcException(DlcErrorKind.DuplicateSerialId, "offer_dlc: change_serial_id equals fund_output_serial_id");
        }

        if (offer.ContractInfo is DisjointContractInfo { ContractInfos.Count: < 2 })
        {
            throw new DlcException(DlcErrorKind.InvalidContract, "offer_dlc: a disjoint contract needs at least two events");
        }

        for (int i = 0; i < offer.ContractInfo.Inners.Count; i++)
        {
            var announcements = offer.ContractInfo.Inners[i].OracleInfo.Announcements;
            for (int o = 0; o < announcements.Count; o++)
            {
                ValidateAnnouncement(announcements[o], $"contract info {i} oracle {o}");
            }
        }

        var plan = AdaptorPlan.Create(offer.ContractInfo);

        // Protocol.md: funding_inputs must contribute at least the collateral plus the party's fees.
        var party = DlcParty.FromOffer(offer);
        var needed = offer.OfferCollateral + DlcFees.Fee(DlcFees.FundingWeight(party), offer.FeeRatePerVb) + DlcFees.Fee(DlcFees.CetWeight(party), offer.FeeRatePerVb);
        var have = party.InputAmount("offer");
        if (have < needed)
        {
            throw new DlcException(DlcErrorKind.InsufficientFunds, $"offer_dlc: funding inputs ({have.Satoshis} sat) do not cover collateral plus fees ({needed.Satoshis} sat)");
        }

        return plan;
    }

    /// <summary>
    /// Validates an accept message against its offer (which must be valid) and returns the contract setup.
    /// Verifies every CET adaptor signature and the refund signature against the accepter's funding key.
    /// </summary>
    public static DlcSetup ValidateAccept(OfferDlc offer, AcceptDlc accept, DlcPolicy policy, CancellationToken cancellationToken = default)
    {
        var setup = ValidateAcceptFields(offer, accept, policy);
        if (accept.CetAdaptorSignatures.Count != setup.Plan.Slots.Count)
        {
            throw new DlcException(DlcErrorKind.InvalidAdaptorSignature, $"accept_dlc: {accept.CetAdaptorSignatures.Count} CET adaptor signatures, the contract needs {setup.Plan.Slots.Count} (one per outcome and oracle combination)");
        }

        if (!CetSigning.VerifyRefund(setup.Transactions, accept.FundingPubkey, accept.RefundSignature))
        {
            throw new DlcException(DlcErrorKind.InvalidRefundSignature, "accept_dlc: refund_signature does not verify");
        }

        var bad = CetSigning.VerifyCets(setup.Plan, setup.Transactions, accept.FundingPubkey, accept.CetAdaptorSignatures, cancellationToken);
        if (bad >= 0)
        {
            throw new DlcException(DlcErrorKind.InvalidAdaptorSignature, $"accept_dlc: CET adaptor signature {bad} ({Describe(setup.Plan, bad)}) does not verify");
        }

        return setup;
    }

    /// <summary>Every accept_dlc check except the signatures; returns the contract setup.</summary>
    public static DlcSetup ValidateAcceptFields(OfferDlc offer, AcceptDlc accept, DlcPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(accept);
        ArgumentNullException.ThrowIfNull(policy);
        if (accept.Version != offer.Version)
        {
            throw new DlcException(DlcErrorKind.InvalidContract, $"accept_dlc: protocol_version {accept.Version} differs from the offer's {offer.Version}");
        }

        if (accept.TemporaryContractId != offer.TemporaryContractId)
        {
            throw new DlcException(DlcErrorKind.NotFound, $"accept_dlc: temporary_contract_id {accept.TemporaryContractId} is not this offer's {offer.TemporaryContractId}");
        }

        if (accept.AcceptCollateral != offer.AcceptCollateral)
        {
            throw new DlcException(DlcErrorKind.InvalidContract, $"accept_dlc: accept_collateral {accept.AcceptCollateral.Satoshis} sat is not total_collateral - offer_collateral ({offer.AcceptCollateral.Satoshis} sat)");
        }

        if (accept.NegotiationFields is not null)
        {
            throw new DlcException(DlcErrorKind.InvalidContract, "accept_dlc: negotiation_fields (different rounding) are not supported; accept the offer's terms");
        }

        RequireStandard(accept.PayoutSpk, "accept_dlc.payout_spk");
        RequireStandard(accept.ChangeSpk, "accept_dlc.change_spk");
        ValidateFundingInputs(accept.FundingInputs, "accept_dlc");

        var serials = offer.FundingInputs.Select(i => i.InputSerialId).ToHashSet();
        foreach (var input in accept.FundingInputs)
        {
            if (serials.Contains(input.InputSerialId))
            {
                throw new DlcException(DlcErrorKind.DuplicateSerialId, $"accept_dlc: input_serial_id {input.InputSerialId} is already used by the offer");
            }
        }

        var offered = offer.FundingInputs.Select(i => i.OutPoint).ToHashSet();
        for (int i = 0; i < accept.FundingInputs.Count; i++)
        {
            if (offered.Contains(accept.FundingInputs[i].OutPoint))
            {
                throw new DlcException(DlcErrorKind.InvalidFundingInput, $"accept_dlc: funding input {i} ({accept.FundingInputs[i].OutPoint}) is the offerer's coin, not the accepter's");
            }
        }

        if (accept.ChangeSerialId == offer.FundOutputSerialId || accept.ChangeSerialId == offer.ChangeSerialId)
        {
            throw new DlcException(DlcErrorKind.DuplicateSerialId, "accept_dlc: change_serial_id collides with the offer's change or fund output serial id");
        }

        if (accept.PayoutSerialId == offer.PayoutSerialId)
        {
            throw new DlcException(DlcErrorKind.DuplicateSerialId, "accept_dlc: payout_serial_id equals the offer's");
        }

        return DlcSetup.Create(offer, accept);
    }

    /// <summary>
    /// Validates a sign message against the setup: contract id, every CET adaptor signature, the refund
    /// signature and a witness for each of the offerer's funding inputs (verified by the script interpreter).
    /// Returns the funding transaction carrying the offerer's witnesses.
    /// </summary>
    public static Transaction ValidateSign(DlcSetup setup, SignDlc sign, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(sign);
        if (sign.Version != setup.Offer.Version)
        {
            throw new DlcException(DlcErrorKind.InvalidContract, $"sign_dlc: protocol_version {sign.Version} differs from the offer's {setup.Offer.Version}");
        }

        if (sign.ContractId != setup.ContractId)
        {
            throw new DlcException(DlcErrorKind.NotFound, $"sign_dlc: contract_id {sign.ContractId} is not {setup.ContractId} (funding txid XOR temporary id)");
        }

        if (sign.CetAdaptorSignatures.Count != setup.Plan.Slots.Count)
        {
            throw new DlcException(DlcErrorKind.InvalidAdaptorSignature, $"sign_dlc: {sign.CetAdaptorSignatures.Count} CET adaptor signatures, the contract needs {setup.Plan.Slots.Count}");
        }

        if (!CetSigning.VerifyRefund(setup.Transactions, setup.OfferParty.FundingPubkey, sign.RefundSignature))
        {
            throw new DlcException(DlcErrorKind.InvalidRefundSignature, "sign_dlc: refund_signature does not verify");
        }

        var bad = CetSigning.VerifyCets(setup.Plan, setup.Transactions, setup.OfferParty.FundingPubkey, sign.CetAdaptorSignatures, cancellationToken);
        if (bad >= 0)
        {
            throw new DlcException(DlcErrorKind.InvalidAdaptorSignature, $"sign_dlc: CET adaptor signature {bad} ({Describe(setup.Plan, bad)}) does not verify");
        }

        return WithOfferWitnesses(setup, sign.FundingSignatures, "sign_dlc");
    }

    /// <summary>
    /// Puts the offerer's funding witnesses (in the order of the offer's funding inputs, Protocol.md) on the
    /// funding transaction and verifies each with the consensus interpreter.
    /// </summary>
    public static Transaction WithOfferWitnesses(DlcSetup setup, IReadOnlyList<Witness> witnesses, string what)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(witnesses);
        var offerInputs = setup.OfferParty.FundingInputs;
        if (witnesses.Count != offerInputs.Count)
        {
            throw new DlcException(DlcErrorKind.InvalidFundingSignature, $"{what}: {witnesses.Count} funding witnesses for {offerInputs.Count} offer funding inputs");
        }

        var all = AllInputsInOrder(setup);
        var funding = setup.Transactions.Funding;
        for (int k = 0; k < offerInputs.Count; k++)
        {
            if (witnesses[k].IsEmpty)
            {
                // Messaging.md funding_signatures: an empty witness stack is an error (every input is segwit).
                throw new DlcException(DlcErrorKind.InvalidFundingSignature, $"{what}: funding witness {k} is empty");
            }

            funding = funding.WithWitness(all.IndexOf(offerInputs[k]), witnesses[k]);
        }

        var spent = all.Select(i => i.PrevOutput!).ToList();
        var precomputed = new PrecomputedTransactionData(funding, spent);
        for (int k = 0; k < offerInputs.Count; k++)
        {
            int index = all.IndexOf(offerInputs[k]);
            if (!TransactionVerifier.VerifyInput(funding, index, spent[index], precomputed, ScriptFlags.Standard, out var error))
            {
                throw new DlcException(DlcErrorKind.InvalidFundingSignature, $"{what}: funding witness {k} does not spend {offerInputs[k].OutPoint} ({error})");
            }
        }

        return funding;
    }

    /// <summary>Both parties' funding inputs in funding-transaction order (by input_serial_id).</summary>
    public static List<FundingInput> AllInputsInOrder(DlcSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return [.. setup.OfferParty.FundingInputs.Concat(setup.AcceptParty.FundingInputs).OrderBy(i => i.InputSerialId)];
    }

    /// <summary>
    /// Oracle.md announcements: the signature verifies over SHA256 of the serialized oracle_event (as rust-dlc
    /// oracles sign it), one nonce per digit (or one for an enumeration), nonces distinct.
    /// </summary>
    public static void ValidateAnnouncement(OracleAnnouncement announcement, string who = "oracle announcement")
    {
        ArgumentNullException.ThrowIfNull(announcement);
        var ev = announcement.Event;
        var digest = SHA256.HashData(DlcWireCodec.EncodeOracleEventBody(ev));
        if (!Schnorr.Verify(announcement.AnnouncementSignature.Span, digest, announcement.OraclePublicKey))
        {
            throw new DlcException(DlcErrorKind.InvalidOracleAnnouncement, $"{who}: announcement signature does not verify for oracle {Convert.ToHexStringLower(announcement.OraclePublicKey.ToBytes())}");
        }

        if (ev.Nonces.Count != ev.Descriptor.ExpectedNonceCount)
        {
            throw new DlcException(DlcErrorKind.InvalidOracleAnnouncement, $"{who}: {ev.Nonces.Count} nonces for an event needing {ev.Descriptor.ExpectedNonceCount}");
        }

        if (ev.Nonces.Distinct().Count() != ev.Nonces.Count)
        {
            throw new DlcException(DlcErrorKind.InvalidOracleAnnouncement, $"{who}: a nonce is repeated (it would reveal the oracle's key)");
        }

        switch (ev.Descriptor)
        {
            case EnumEventDescriptor e when e.Outcomes.Count == 0 || e.Outcomes.Distinct(StringComparer.Ordinal).Count() != e.Outcomes.Count:
                throw new DlcException(DlcErrorKind.InvalidOracleAnnouncement, $"{who}: enumerated outcomes must be non-empty and distinct");
            case DigitDecompositionEventDescriptor d when d.Base < 2 || d.NbDigits == 0:
                throw new DlcException(DlcErrorKind.InvalidOracleAnnouncement, $"{who}: digit decomposition needs base >= 2 and at least one digit");
        }
    }

    /// <summary>Protocol.md "Script Pubkey Standardness Definition".</summary>
    public static bool IsStandardScriptPubKey(Script spk)
    {
        ArgumentNullException.ThrowIfNull(spk);
        var s = spk.Span;
        // P2PKH, P2SH, v0 P2WPKH/P2WSH, v1-16 witness programs of 2-40 bytes.
        if (s.Length == 25 && s[0] == (byte)OpcodeType.OP_DUP && s[1] == (byte)OpcodeType.OP_HASH160 && s[2] == 20 && s[23] == (byte)OpcodeType.OP_EQUALVERIFY && s[24] == (byte)OpcodeType.OP_CHECKSIG)
        {
            return true;
        }

        if (spk.IsPayToScriptHash)
        {
            return true;
        }

        if (!spk.IsWitnessProgram(out var version, out var program))
        {
            return false;
        }

        return version == 0 ? program.Length is 20 or 32 : program.Length is >= 2 and <= 40;
    }

    private static void RequireStandard(Script spk, string field)
    {
        if (!IsStandardScriptPubKey(spk))
        {
            throw new DlcException(DlcErrorKind.InvalidContract, $"{field}: {spk.ToHex()} is not a standard script pubkey (P2PKH, P2SH, P2WPKH, P2WSH or a v1+ witness program)");
        }
    }

    private static void ValidateLocktimes(uint cet, uint refund)
    {
        // Protocol.md: both UNIX timestamps or both block heights, and cet_locktime < refund_locktime.
        if ((cet < LockTime.Threshold) != (refund < LockTime.Threshold))
        {
            throw new DlcException(DlcErrorKind.InvalidContract, $"offer_dlc: cet_locktime {cet} and refund_locktime {refund} must both be block heights or both timestamps");
        }

        if (cet >= refund)
        {
            throw new DlcException(DlcErrorKind.InvalidContract, $"offer_dlc: cet_locktime {cet} must be before refund_locktime {refund}");
        }
    }

    private static void ValidateFeeRate(ulong feeRate, DlcPolicy policy)
    {
        if (feeRate < policy.MinFeeRatePerVb)
        {
            throw new DlcException(DlcErrorKind.UnacceptableFeeRate, $"offer_dlc: feerate_per_vb {feeRate} sat/vB is below this node's floor of {policy.MinFeeRatePerVb} sat/vB");
        }

        if (feeRate > policy.MaxFeeRatePerVb)
        {
            throw new DlcException(DlcErrorKind.UnacceptableFeeRate, $"offer_dlc: feerate_per_vb {feeRate} sat/vB is above this node's ceiling of {policy.MaxFeeRatePerVb} sat/vB");
        }
    }

    private static void ValidateFundingInputs(IReadOnlyList<FundingInput> inputs, string message)
    {
        var serials = new HashSet<ulong>();
        var outpoints = new HashSet<OutPoint>();
        for (int i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            var field = $"{message}.funding_inputs[{i}]";
            if (!serials.Add(input.InputSerialId))
            {
                throw new DlcException(DlcErrorKind.DuplicateSerialId, $"{field}: input_serial_id {input.InputSerialId} is used twice");
            }

            if (!outpoints.Add(input.OutPoint))
            {
                throw new DlcException(DlcErrorKind.InvalidFundingInput, $"{field}: {input.OutPoint} is listed twice");
            }

            var output = input.PrevOutput
                ?? throw new DlcException(DlcErrorKind.InvalidFundingInput, $"{field}: prevtx_vout {input.PrevTxVout} is not an output of prev_tx");

            // Transactions.md "Funding Inputs": segwit or P2SH-wrapped segwit only (malleability).
            if (input.RedeemScript.IsEmpty)
            {
                if (!output.ScriptPubKey.IsWitnessProgram())
                {
                    throw new DlcException(DlcErrorKind.InvalidFundingInput, $"{field}: spends a non-segwit output ({output.ScriptPubKey.ToHex()})");
                }
            }
            else
            {
                var expected = StandardScripts.PayToScriptHash(input.RedeemScript);
                if (!input.RedeemScript.IsWitnessProgram() || output.ScriptPubKey != expected)
                {
                    throw new DlcException(DlcErrorKind.InvalidFundingInput, $"{field}: redeemscript is not the P2SH-wrapped witness program of the spent output");
                }
            }

            if (input.MaxWitnessLen == 0)
            {
                throw new DlcException(DlcErrorKind.InvalidFundingInput, $"{field}: max_witness_len is 0");
            }
        }
    }

    /// <summary>Human description of a slot: its CET's payouts and the outcomes it needs.</summary>
    public static string Describe(AdaptorPlan plan, int slotIndex)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var slot = plan.Slots[slotIndex];
        var cet = plan.Cets[slot.CetIndex];
        return $"CET {slot.CetIndex} paying offer {cet.Offer.Satoshis} / accept {cet.Accept.Satoshis} sat, outcome {string.Join(" + ", slot.Outcomes)}";
    }
}
