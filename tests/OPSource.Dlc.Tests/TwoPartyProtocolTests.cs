using OPSource.Bitcoin;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using OPSource.Dlc.Contracts;
using OPSource.Dlc.Messages;
using OPSource.Dlc.Oracle;
using OPSource.Dlc.Transactions;

namespace OPSource.Dlc.Tests;

/// <summary>Offer, accept, sign, attest and close between two in-memory parties; every spend checked by the interpreter.</summary>
public class TwoPartyProtocolTests
{
    private static readonly DlcPolicy Policy = new(Network.Regtest);

    internal sealed class TestOracle
    {
        public SecretKey Key { get; } = SecretKey.Generate();

        public List<SecretKey> Nonces { get; } = [];

        public OracleAnnouncement Announce(EventDescriptor descriptor, string eventId)
        {
            Nonces.AddRange(Enumerable.Range(0, descriptor.ExpectedNonceCount).Select(_ => SecretKey.Generate()));
            return OracleSigner.Announce(Key, Nonces, 1_700_000_000, descriptor, eventId);
        }

        public OracleAttestation Attest(OracleAnnouncement a, string outcome) =>
            OracleSigner.Attest(Key, Nonces, a, OracleSigner.OutcomeStrings(a.Event.Descriptor, outcome));
    }

    private sealed record Run(DlcSetup Setup, OfferDlc Offer, AcceptDlc Accept, SignDlc Sign, TestParty Alice, TestParty Bob, Transaction SignedFunding);

    private static Run Negotiate(ContractInfo info, long offerCollateral, ulong feeRate = 2)
    {
        var alice = new TestParty("alice");
        var bob = new TestParty("bob");
        var taken = new HashSet<ulong>();
        var aliceInputs = DlcProtocol.ToFundingInputs([alice.Coin(offerCollateral + 60_000)], taken);
        var offer = DlcProtocol.CreateOffer(Policy, new DlcTerms(info, Amount.FromSatoshis(offerCollateral), feeRate, 1_700_000_000, 1_700_604_800), alice.FundingKey.PublicKey, alice.PayoutSpk, alice.ChangeSpk, aliceInputs);

        var bobInputs = DlcProtocol.ToFundingInputs([bob.Coin(40_000), bob.Coin(offer.AcceptCollateral.Satoshis)], new HashSet<ulong>(offer.FundingInputs.Select(i => i.InputSerialId)));
        var (accept, bobSetup) = DlcProtocol.CreateAccept(offer, Policy, new DlcOwnSide(bob.FundingKey, bob.PayoutSpk, bob.ChangeSpk, bobInputs));

        // Alice checks the accept and signs; her wallet signs her funding inputs.
        var aliceSetup = DlcValidator.ValidateAccept(offer, accept, Policy);
        var spent = DlcValidator.AllInputsInOrder(aliceSetup).Select(i => i.PrevOutput!).ToList();
        var aliceWitnesses = alice.SignFunding(aliceSetup.Transactions.Funding, offer.FundingInputs, spent);
        var sign = DlcProtocol.CreateSign(aliceSetup, alice.FundingKey, aliceWitnesses);

        // Bob checks the sign message, adds his witnesses: the funding transaction is complete.
        var funding = DlcValidator.ValidateSign(bobSetup, sign);
        var bobWitnesses = bob.SignFunding(funding, accept.FundingInputs, spent);
        var all = DlcValidator.AllInputsInOrder(bobSetup);
        for (int k = 0; k < accept.FundingInputs.Count; k++)
        {
            funding = funding.WithWitness(all.IndexOf(accept.FundingInputs[k]), bobWitnesses[k]);
        }

        Assert.Equal(aliceSetup.ContractId, bobSetup.ContractId);
        Assert.True(TransactionVerifier.VerifyInputs(funding, spent, ScriptFlags.Standard).IsValid);
        return new Run(bobSetup, offer, accept, sign, alice, bob, funding);
    }

    private static void AssertPays(Transaction tx, Script spk, long sats)
    {
        if (sats < 1000)
        {
            Assert.DoesNotContain(tx.Outputs, o => o.ScriptPubKey == spk);
        }
        else
        {
            Assert.Equal(sats, tx.Outputs.Single(o => o.ScriptPubKey == spk).Value.Satoshis);
        }
    }

    [Fact]
    public void Enumerated_contract_closes_with_the_attested_outcomes_cet_for_either_party()
    {
        var oracle = new TestOracle();
        var announcement = oracle.Announce(new EnumEventDescriptor(["rain", "sun", "snow"]), "weather-2030-01-01");
        var info = new SingleContractInfo(Amount.FromSatoshis(200_000), new ContractInfoInner(
            new EnumeratedContractDescriptor([new("rain", Amount.FromSatoshis(200_000)), new("sun", Amount.Zero), new("snow", Amount.FromSatoshis(150_000))]),
            new SingleOracleInfo(announcement)));
        var run = Negotiate(info, 100_000);
        var attestation = oracle.Attest(announcement, "snow");

        var (byBob, slot) = DlcProtocol.ExecuteCet(run.Setup, isOffer: false, run.Bob.FundingKey, run.Sign.CetAdaptorSignatures, [attestation]);
        Assert.Equal(ScriptError.OK, CetSigning.VerifySpend(byBob, run.Setup.Transactions));
        AssertPays(byBob, run.Alice.PayoutSpk, 150_000);
        AssertPays(byBob, run.Bob.PayoutSpk, 50_000);
        Assert.Equal("snow", run.Setup.Plan.Cets[slot.Slot.CetIndex].Outcome);

        var (byAlice, _) = DlcProtocol.ExecuteCet(run.Setup, isOffer: true, run.Alice.FundingKey, run.Accept.CetAdaptorSignatures, [attestation]);
        Assert.Equal(ScriptError.OK, CetSigning.VerifySpend(byAlice, run.Setup.Transactions));
        Assert.Equal(byBob.GetTxId(), byAlice.GetTxId());

        var refund = DlcProtocol.ExecuteRefund(run.Setup, isOffer: true, run.Alice.FundingKey, run.Accept.RefundSignature);
        Assert.Equal(ScriptError.OK, CetSigning.VerifySpend(refund, run.Setup.Transactions));
        Assert.Equal(1_700_604_800u, refund.LockTime.Value);
        AssertPays(refund, run.Alice.PayoutSpk, 100_000);
        AssertPays(refund, run.Bob.PayoutSpk, 100_000);
    }

    [Fact]
    public void Numeric_contract_closes_at_the_curve_value_of_the_attested_outcome()
    {
        var oracle = new TestOracle();
        var announcement = oracle.Announce(new DigitDecompositionEventDescriptor(2, false, "usd/btc", 0, 10), "price");
        // 0 below 300, linear from 300 to 700 (0 -> 100000 sat), 100000 above; rounding to 100 sat.
        var function = new PayoutFunction(
            [
                new PayoutFunctionPiece(new PayoutPoint(0, Amount.Zero, 0), new PolynomialPayoutCurvePiece([])),
                new PayoutFunctionPiece(new PayoutPoint(300, Amount.Zero, 0), new PolynomialPayoutCurvePiece([])),
                new PayoutFunctionPiece(new PayoutPoint(700, Amount.FromSatoshis(100_000), 0), new PolynomialPayoutCurvePiece([])),
            ],
            new PayoutPoint(1023, Amount.FromSatoshis(100_000), 0));
        var descriptor = new NumericOutcomeContractDescriptor(10, function, new RoundingIntervals([new RoundingInterval(0, 100)]));
        var info = new SingleContractInfo(Amount.FromSatoshis(100_000), new ContractInfoInner(descriptor, new SingleOracleInfo(announcement)));
        var run = Negotiate(info, 50_000);

        foreach (var (value, offerPayout) in new[] { (123, 0L), (500, 50_000L), (512, 53_000L), (699, 99_800L), (2000, 100_000L) })
        {
            var attestation = oracle.Attest(announcement, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var (cet, _) = DlcProtocol.ExecuteCet(run.Setup, isOffer: false, run.Bob.FundingKey, run.Sign.CetAdaptorSignatures, [attestation]);
            Assert.Equal(ScriptError.OK, CetSigning.VerifySpend(cet, run.Setup.Transactions));
            AssertPays(cet, run.Alice.PayoutSpk, offerPayout);
            AssertPays(cet, run.Bob.PayoutSpk, 100_000 - offerPayout);
        }
    }

    [Fact]
    public void Two_of_three_numeric_with_differences_closes_when_oracles_differ_slightly_and_not_when_they_disagree()
    {
        var oracles = Enumerable.Range(0, 3).Select(_ => new TestOracle()).ToArray();
        var announcements = oracles.Select((o, i) => o.Announce(new DigitDecompositionEventDescriptor(2, false, "sats", 0, 8), "feed-" + i)).ToArray();
        var function = new PayoutFunction(
            [
                new PayoutFunctionPiece(new PayoutPoint(0, Amount.Zero, 0), new PolynomialPayoutCurvePiece([])),
                new PayoutFunctionPiece(new PayoutPoint(64, Amount.Zero, 0), new PolynomialPayoutCurvePiece([])),
                new PayoutFunctionPiece(new PayoutPoint(192, Amount.FromSatoshis(128_000), 0), new PolynomialPayoutCurvePiece([])),
            ],
            new PayoutPoint(255, Amount.FromSatoshis(128_000), 0));
        var descriptor = new NumericOutcomeContractDescriptor(8, function, new RoundingIntervals([new RoundingInterval(0, 1)]));
        var info = new SingleContractInfo(Amount.FromSatoshis(128_000), new ContractInfoInner(descriptor, new MultiOracleInfo(2, announcements, new OracleParams(4, 2, true))));
        var run = Negotiate(info, 64_000);

        // Oracles 1 and 2 differ by 3 (within 2^2 support): the primary (oracle 1) decides the payout.
        var (cet, slot) = DlcProtocol.ExecuteCet(run.Setup, isOffer: false, run.Bob.FundingKey, run.Sign.CetAdaptorSignatures,
            [oracles[1].Attest(announcements[1], "100"), oracles[2].Attest(announcements[2], "103")]);
        Assert.Equal(ScriptError.OK, CetSigning.VerifySpend(cet, run.Setup.Transactions));
        AssertPays(cet, run.Alice.PayoutSpk, 36_000);
        Assert.Equal(1, slot.Slot.Outcomes[0].Oracle);

        // 100 and 140 are 40 apart (beyond 2^4): no CET.
        var ex = Assert.Throws<DlcException>(() => DlcProtocol.ExecuteCet(run.Setup, isOffer: false, run.Bob.FundingKey, run.Sign.CetAdaptorSignatures,
            [oracles[0].Attest(announcements[0], "100"), oracles[2].Attest(announcements[2], "140")]));
        Assert.Equal(DlcErrorKind.InvalidOracleAttestation, ex.Kind);
    }
}
