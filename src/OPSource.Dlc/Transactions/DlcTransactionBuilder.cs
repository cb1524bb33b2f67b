using OPSource.Bitcoin;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using OPSource.Dlc.Contracts;
using OPSource.Dlc.Messages;

namespace OPSource.Dlc.Transactions;

/// <summary>One party's side of a contract (the fields shared by <c>offer_dlc</c> and <c>accept_dlc</c>).</summary>
/// <param name="FundingPubkey">Key in the 2-of-2 funding output.</param>
/// <param name="PayoutSpk">Where CETs and the refund pay this party.</param>
/// <param name="PayoutSerialId">Orders CET outputs.</param>
/// <param name="FundingInputs">Coins the party contributes.</param>
/// <param name="ChangeSpk">Where funding change goes.</param>
/// <param name="ChangeSerialId">Orders funding outputs.</param>
/// <param name="Collateral">The party's collateral.</param>
public sealed record DlcParty(
    PublicKey FundingPubkey,
    Script PayoutSpk,
    ulong PayoutSerialId,
    IReadOnlyList<FundingInput> FundingInputs,
    Script ChangeSpk,
    ulong ChangeSerialId,
    Amount Collateral)
{
    /// <summary>The offerer's side of an offer.</summary>
    public static DlcParty FromOffer(OfferDlc offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        return new(offer.FundingPubkey, offer.PayoutSpk, offer.PayoutSerialId, offer.FundingInputs, offer.ChangeSpk, offer.ChangeSerialId, offer.OfferCollateral);
    }

    /// <summary>The accepter's side of an accept message.</summary>
    public static DlcParty FromAccept(AcceptDlc accept)
    {
        ArgumentNullException.ThrowIfNull(accept);
        return new(accept.FundingPubkey, accept.PayoutSpk, accept.PayoutSerialId, accept.FundingInputs, accept.ChangeSpk, accept.ChangeSerialId, accept.AcceptCollateral);
    }

    /// <summary>Sum of the funding inputs' values.</summary>
    /// <exception cref="DlcException">An input's vout is not in its previous transaction.</exception>
    public Amount InputAmount(string who)
    {
        var sum = Amount.Zero;
        for (int i = 0; i < FundingInputs.Count; i++)
        {
            var output = FundingInputs[i].PrevOutput
                ?? throw new DlcException(DlcErrorKind.InvalidFundingInput, $"{who} funding input {i}: prevtx_vout {FundingInputs[i].PrevTxVout} is not an output of prev_tx");
            // Core CheckTransaction: a spendable output's value is within 0..MAX_MONEY, and so is any sum of them.
            sum = (output.HasValidValue ? sum.CheckedAdd(output.Value) : null)
                ?? throw new DlcException(DlcErrorKind.InvalidFundingInput, $"{who} funding input {i}: prev_tx output value {output.RawValue} sat is outside 0..21,000,000 BTC or the inputs sum beyond it");
        }

        return sum;
    }
}

/// <summary>The fee rules of Transactions.md "Fees".</summary>
public static class DlcFees
{
    /// <summary>Transactions.md: outputs below 1000 satoshis are not produced.</summary>
    public static Amount DustLimit { get; } = Amount.FromSatoshis(1000);

    /// <summary>
    /// A party's share of the funding transaction weight: 107 (half of the 214 shared) + 36 + 4·change_spk
    /// + Σ(164 + 4·script_sig_len + max_witness_len), where script_sig_len is 0 or 1 + len(redeemscript).
    /// </summary>
    public static long FundingWeight(DlcParty party)
    {
        ArgumentNullException.ThrowIfNull(party);
        long weight = 107 + 36 + (4L * party.ChangeSpk.Length);
        foreach (var input in party.FundingInputs)
        {
            weight += 164 + (4L * ScriptSigLength(input.RedeemScript)) + input.MaxWitnessLen;
        }

        return weight;
    }

    /// <summary>A party's share of a CET or refund weight: 249 (half of the 498 shared) + 4·payout_spk.</summary>
    public static long CetWeight(DlcParty party)
    {
        ArgumentNullException.ThrowIfNull(party);
        return 249 + (4L * party.PayoutSpk.Length);
    }

    /// <summary>ceil(weight / 4) · fee rate.</summary>
    public static Amount Fee(long weight, ulong feeRatePerVb)
    {
        var vbytes = (weight + 3) / 4;
        return Amount.FromSatoshis(checked(vbytes * (long)feeRatePerVb));
    }

    /// <summary>Messaging.md funding_input: script_sig_len is zero, or 1 + len(redeemscript) for the push.</summary>
    public static int ScriptSigLength(Script redeemScript)
    {
        ArgumentNullException.ThrowIfNull(redeemScript);
        return redeemScript.IsEmpty ? 0 : new ScriptBuilder().Push(redeemScript.Span).Length;
    }
}

/// <summary>The funding transaction, CETs and refund of a contract (Transactions.md).</summary>
/// <param name="Funding">The unsigned funding transaction.</param>
/// <param name="FundingScript">The 2-of-2 witness script of the funding output.</param>
/// <param name="FundOutputIndex">Index of the funding output.</param>
/// <param name="FundOutputValue">Its value (total collateral plus both parties' CET fees).</param>
/// <param name="Cets">One CET per <see cref="AdaptorPlan.Cets"/> entry, unsigned.</param>
/// <param name="Refund">The unsigned refund transaction.</param>
/// <param name="OfferFundingFee">Offerer's share of the funding fee.</param>
/// <param name="AcceptFundingFee">Accepter's share of the funding fee.</param>
/// <param name="OfferCetFee">Offerer's share of the closing fee.</param>
/// <param name="AcceptCetFee">Accepter's share of the closing fee.</param>
public sealed record DlcTransactions(
    Transaction Funding,
    Script FundingScript,
    int FundOutputIndex,
    Amount FundOutputValue,
    IReadOnlyList<Transaction> Cets,
    Transaction Refund,
    Amount OfferFundingFee,
    Amount AcceptFundingFee,
    Amount OfferCetFee,
    Amount AcceptCetFee)
{
    /// <summary>The funding outpoint CETs and the refund spend.</summary>
    public OutPoint FundingOutPoint => new(Funding.GetTxId(), (uint)FundOutputIndex);
}

/// <summary>Builds a contract's transactions exactly as Transactions.md (and rust-dlc) define them.</summary>
public static class DlcTransactionBuilder
{
    private const uint EnableLockTime = 0xfffffffe;
    private const uint DisableLockTime = 0xffffffff;

    /// <summary>
    /// Transactions.md "Funding Output": 2 &lt;pubkey1&gt; &lt;pubkey2&gt; 2 OP_CHECKMULTISIG with the keys in
    /// lexicographic order of their compressed encodings (BIP67).
    /// </summary>
    public static Script FundingScript(PublicKey a, PublicKey b)
    {
        var ka = a.ToCompressed();
        var kb = b.ToCompressed();
        var (first, second) = ka.AsSpan().SequenceCompareTo(kb) <= 0 ? (ka, kb) : (kb, ka);
        return new ScriptBuilder().Add(OpcodeType.OP_2).Push(first).Push(second).Add(OpcodeType.OP_2).Add(OpcodeType.OP_CHECKMULTISIG).Build();
    }

    /// <summary>Builds every transaction of a contract.</summary>
    /// <exception cref="DlcException">A party's inputs do not cover collateral and fees, or serial ids collide.</exception>
    public static DlcTransactions Build(OfferDlc offer, DlcParty offerParty, DlcParty acceptParty, AdaptorPlan plan)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(offerParty);
        ArgumentNullException.ThrowIfNull(acceptParty);
        ArgumentNullException.ThrowIfNull(plan);

        var fee = offer.FeeRatePerVb;
        var offerFundingFee = DlcFees.Fee(DlcFees.FundingWeight(offerParty), fee);
        var acceptFundingFee = DlcFees.Fee(DlcFees.FundingWeight(acceptParty), fee);
        var offerCetFee = DlcFees.Fee(DlcFees.CetWeight(offerParty), fee);
        var acceptCetFee = DlcFees.Fee(DlcFees.CetWeight(acceptParty), fee);

        // Transactions.md "Fee Payment": each party pays its funding share and its closing share from its inputs.
        var offerChange = Change(offerParty, offerFundingFee, offerCetFee, "offer");
        var acceptChange = Change(acceptParty, acceptFundingFee, acceptCetFee, "accept");
        var fundValue = offerParty.Collateral + acceptParty.Collateral + offerCetFee + acceptCetFee;

        var fundingScript = FundingScript(offerParty.FundingPubkey, acceptParty.FundingPubkey);
        var fundSpk = StandardScripts.PayToWitnessScriptHash(fundingScript);

        // Transactions.md ordering: inputs by input_serial_id, outputs by change/fund_output serial ids.
        var inputs = offerParty.FundingInputs.Concat(acceptParty.FundingInputs)
            .OrderBy(i => i.InputSerialId)
            .Select(i => new TxIn(i.OutPoint, ScriptSig(i.RedeemScript), new Sequence(i.Sequence), Witness.Empty))
            .ToArray();
        var outputs = new (ulong Serial, TxOut Output)[]
        {
            (offer.FundOutputSerialId, new TxOut(fundValue, fundSpk)),
            (offerParty.ChangeSerialId, new TxOut(offerChange, offerParty.ChangeSpk)),
            (acceptParty.ChangeSerialId, new TxOut(acceptChange, acceptParty.ChangeSpk)),
        };
        var ordered = outputs.OrderBy(o => o.Serial).Select(o => o.Output).Where(o => o.Value >= DlcFees.DustLimit).ToArray();
        var funding = new Transaction(2, inputs, ordered, new LockTime(0));
        int fundIndex = Array.FindIndex(ordered, o => o.ScriptPubKey == fundSpk);
        if (fundIndex < 0)
        {
            throw new DlcException(DlcErrorKind.InvalidContract, "funding output is below the dust limit");
        }

        var fundOutPoint = new OutPoint(funding.GetTxId(), (uint)fundIndex);
        // CETs: nSequence enables nLockTime unless the lock time is 0 (rust-dlc get_sequence).
        var cetInput = new TxIn(fundOutPoint, Script.Empty, new Sequence(offer.CetLocktime == 0 ? DisableLockTime : EnableLockTime), Witness.Empty);
        var cets = new Transaction[plan.Cets.Count];
        for (int i = 0; i < cets.Length; i++)
        {
            var c = plan.Cets[i];
            // rust-dlc (and so the dlcspecs vectors) gives the CETs of every disjoint contract info after the first nLockTime 0.
            var lockTime = c.InfoIndex == 0 ? offer.CetLocktime : 0u;
            cets[i] = Cet(cetInput, offerParty, acceptParty, c.Offer, c.Accept, lockTime);
        }

        var refundInput = new TxIn(fundOutPoint, Script.Empty, new Sequence(EnableLockTime), Witness.Empty);
        // Transactions.md "Refund Transaction": each party gets its collateral back at refund_locktime
        // (outputs in offer, accept order, as rust-dlc builds it).
        var refundOutputs = new[]
        {
            new TxOut(offerParty.Collateral, offerParty.PayoutSpk),
            new TxOut(acceptParty.Collateral, acceptParty.PayoutSpk),
        }.Where(o => o.Value >= DlcFees.DustLimit).ToArray();
        var refund = new Transaction(2, [refundInput], refundOutputs, new LockTime(offer.RefundLocktime));

        return new DlcTransactions(funding, fundingScript, fundIndex, fundValue, cets, refund, offerFundingFee, acceptFundingFee, offerCetFee, acceptCetFee);
    }

    /// <summary>
    /// Transactions.md "Contract Execution Transaction": one input spending the funding output, outputs
    /// ordered by payout_serial_id, outputs below the dust limit dropped.
    /// </summary>
    public static Transaction Cet(TxIn fundingInput, DlcParty offerParty, DlcParty acceptParty, Amount offerPayout, Amount acceptPayout, uint lockTime)
    {
        ArgumentNullException.ThrowIfNull(offerParty);
        ArgumentNullException.ThrowIfNull(acceptParty);
        var offerOut = new TxOut(offerPayout, offerParty.PayoutSpk);
        var acceptOut = new TxOut(acceptPayout, acceptParty.PayoutSpk);
        var outputs = offerParty.PayoutSerialId < acceptParty.PayoutSerialId ? new[] { offerOut, acceptOut } : [acceptOut, offerOut];
        return new Transaction(2, [fundingInput], outputs.Where(o => o.Value >= DlcFees.DustLimit), new LockTime(lockTime));
    }

    /// <summary>The scriptSig of a funding input: empty for native segwit, one push of the redeem script for P2SH-wrapped.</summary>
    public static Script ScriptSig(Script redeemScript)
    {
        ArgumentNullException.ThrowIfNull(redeemScript);
        return redeemScript.IsEmpty ? Script.Empty : new ScriptBuilder().Push(redeemScript.Span).Build();
    }

    private static Amount Change(DlcParty party, Amount fundingFee, Amount cetFee, string who)
    {
        var input = party.InputAmount(who);
        var required = party.Collateral + fundingFee + cetFee;
        if (input < required)
        {
            throw new DlcException(DlcErrorKind.InsufficientFunds, $"{who} funding inputs ({input.Satoshis} sat) do not cover collateral plus fees ({required.Satoshis} sat)");
        }

        return input - required;
    }
}
